import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuditAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_ACTION_UNSPECIFIED: _ClassVar[AuditAction]
    AUDIT_ACTION_USER_SIGNED_UP: _ClassVar[AuditAction]
    AUDIT_ACTION_LOGIN_SUCCEEDED: _ClassVar[AuditAction]
    AUDIT_ACTION_LOGIN_FAILED: _ClassVar[AuditAction]
    AUDIT_ACTION_LOGGED_OUT: _ClassVar[AuditAction]
    AUDIT_ACTION_REFRESH_TOKEN_REUSED: _ClassVar[AuditAction]
    AUDIT_ACTION_PASSWORD_RESET_REQUESTED: _ClassVar[AuditAction]
    AUDIT_ACTION_PASSWORD_RESET: _ClassVar[AuditAction]
    AUDIT_ACTION_PASSWORD_CHANGED: _ClassVar[AuditAction]
    AUDIT_ACTION_EMAIL_VERIFIED: _ClassVar[AuditAction]
    AUDIT_ACTION_ORGANIZATION_CREATED: _ClassVar[AuditAction]
    AUDIT_ACTION_ORGANIZATION_UPDATED: _ClassVar[AuditAction]
    AUDIT_ACTION_ORGANIZATION_DELETED: _ClassVar[AuditAction]
    AUDIT_ACTION_ORGANIZATION_RESTORED: _ClassVar[AuditAction]
    AUDIT_ACTION_MEMBER_ADDED: _ClassVar[AuditAction]
    AUDIT_ACTION_MEMBER_ROLE_CHANGED: _ClassVar[AuditAction]
    AUDIT_ACTION_MEMBER_REMOVED: _ClassVar[AuditAction]
    AUDIT_ACTION_OWNERSHIP_TRANSFERRED: _ClassVar[AuditAction]
    AUDIT_ACTION_INVITATION_CREATED: _ClassVar[AuditAction]
    AUDIT_ACTION_INVITATION_RESENT: _ClassVar[AuditAction]
    AUDIT_ACTION_INVITATION_REVOKED: _ClassVar[AuditAction]
    AUDIT_ACTION_INVITATION_ACCEPTED: _ClassVar[AuditAction]
    AUDIT_ACTION_API_KEY_CREATED: _ClassVar[AuditAction]
    AUDIT_ACTION_API_KEY_UPDATED: _ClassVar[AuditAction]
    AUDIT_ACTION_API_KEY_ROTATED: _ClassVar[AuditAction]
    AUDIT_ACTION_API_KEY_REVOKED: _ClassVar[AuditAction]
    AUDIT_ACTION_DATA_EXPORTED: _ClassVar[AuditAction]
    AUDIT_ACTION_USER_ERASED: _ClassVar[AuditAction]

class AuditOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_OUTCOME_UNSPECIFIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_SUCCESS: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_FAILURE: _ClassVar[AuditOutcome]
AUDIT_ACTION_UNSPECIFIED: AuditAction
AUDIT_ACTION_USER_SIGNED_UP: AuditAction
AUDIT_ACTION_LOGIN_SUCCEEDED: AuditAction
AUDIT_ACTION_LOGIN_FAILED: AuditAction
AUDIT_ACTION_LOGGED_OUT: AuditAction
AUDIT_ACTION_REFRESH_TOKEN_REUSED: AuditAction
AUDIT_ACTION_PASSWORD_RESET_REQUESTED: AuditAction
AUDIT_ACTION_PASSWORD_RESET: AuditAction
AUDIT_ACTION_PASSWORD_CHANGED: AuditAction
AUDIT_ACTION_EMAIL_VERIFIED: AuditAction
AUDIT_ACTION_ORGANIZATION_CREATED: AuditAction
AUDIT_ACTION_ORGANIZATION_UPDATED: AuditAction
AUDIT_ACTION_ORGANIZATION_DELETED: AuditAction
AUDIT_ACTION_ORGANIZATION_RESTORED: AuditAction
AUDIT_ACTION_MEMBER_ADDED: AuditAction
AUDIT_ACTION_MEMBER_ROLE_CHANGED: AuditAction
AUDIT_ACTION_MEMBER_REMOVED: AuditAction
AUDIT_ACTION_OWNERSHIP_TRANSFERRED: AuditAction
AUDIT_ACTION_INVITATION_CREATED: AuditAction
AUDIT_ACTION_INVITATION_RESENT: AuditAction
AUDIT_ACTION_INVITATION_REVOKED: AuditAction
AUDIT_ACTION_INVITATION_ACCEPTED: AuditAction
AUDIT_ACTION_API_KEY_CREATED: AuditAction
AUDIT_ACTION_API_KEY_UPDATED: AuditAction
AUDIT_ACTION_API_KEY_ROTATED: AuditAction
AUDIT_ACTION_API_KEY_REVOKED: AuditAction
AUDIT_ACTION_DATA_EXPORTED: AuditAction
AUDIT_ACTION_USER_ERASED: AuditAction
AUDIT_OUTCOME_UNSPECIFIED: AuditOutcome
AUDIT_OUTCOME_SUCCESS: AuditOutcome
AUDIT_OUTCOME_FAILURE: AuditOutcome

class AuditLogEntry(_message.Message):
    __slots__ = ("name", "action", "outcome", "actor", "actor_display_name", "target", "target_display_name", "ip_address", "user_agent", "location", "request_id", "details", "create_time")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TARGET_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    action: AuditAction
    outcome: AuditOutcome
    actor: str
    actor_display_name: str
    target: str
    target_display_name: str
    ip_address: str
    user_agent: str
    location: _common_pb2.Location
    request_id: str
    details: _containers.ScalarMap[str, str]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., action: _Optional[_Union[AuditAction, str]] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., actor: _Optional[str] = ..., actor_display_name: _Optional[str] = ..., target: _Optional[str] = ..., target_display_name: _Optional[str] = ..., ip_address: _Optional[str] = ..., user_agent: _Optional[str] = ..., location: _Optional[_Union[_common_pb2.Location, _Mapping]] = ..., request_id: _Optional[str] = ..., details: _Optional[_Mapping[str, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetAuditLogEntryRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetAuditLogEntryResponse(_message.Message):
    __slots__ = ("audit_log_entry",)
    AUDIT_LOG_ENTRY_FIELD_NUMBER: _ClassVar[int]
    audit_log_entry: AuditLogEntry
    def __init__(self, audit_log_entry: _Optional[_Union[AuditLogEntry, _Mapping]] = ...) -> None: ...

class ListAuditLogEntriesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "actions", "actor", "target", "outcome", "time_range", "ip_address")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    actions: _containers.RepeatedScalarFieldContainer[AuditAction]
    actor: str
    target: str
    outcome: AuditOutcome
    time_range: _common_pb2.TimeRange
    ip_address: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., actions: _Optional[_Iterable[_Union[AuditAction, str]]] = ..., actor: _Optional[str] = ..., target: _Optional[str] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., ip_address: _Optional[str] = ...) -> None: ...

class ListAuditLogEntriesResponse(_message.Message):
    __slots__ = ("audit_log_entries", "next_page_token")
    AUDIT_LOG_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    audit_log_entries: _containers.RepeatedCompositeFieldContainer[AuditLogEntry]
    next_page_token: str
    def __init__(self, audit_log_entries: _Optional[_Iterable[_Union[AuditLogEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
