import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MemberRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBER_ROLE_UNSPECIFIED: _ClassVar[MemberRole]
    MEMBER_ROLE_OWNER: _ClassVar[MemberRole]
    MEMBER_ROLE_ADMIN: _ClassVar[MemberRole]
    MEMBER_ROLE_DESIGNER: _ClassVar[MemberRole]
    MEMBER_ROLE_ANALYST: _ClassVar[MemberRole]
    MEMBER_ROLE_VIEWER: _ClassVar[MemberRole]

class MemberChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBER_CHANGE_TYPE_UNSPECIFIED: _ClassVar[MemberChangeType]
    MEMBER_CHANGE_TYPE_ADDED: _ClassVar[MemberChangeType]
    MEMBER_CHANGE_TYPE_ROLE_CHANGED: _ClassVar[MemberChangeType]
    MEMBER_CHANGE_TYPE_REMOVED: _ClassVar[MemberChangeType]

class OrganizationDeletionStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORGANIZATION_DELETION_STAGE_UNSPECIFIED: _ClassVar[OrganizationDeletionStage]
    ORGANIZATION_DELETION_STAGE_SOFT_DELETED: _ClassVar[OrganizationDeletionStage]
    ORGANIZATION_DELETION_STAGE_PURGED: _ClassVar[OrganizationDeletionStage]
MEMBER_ROLE_UNSPECIFIED: MemberRole
MEMBER_ROLE_OWNER: MemberRole
MEMBER_ROLE_ADMIN: MemberRole
MEMBER_ROLE_DESIGNER: MemberRole
MEMBER_ROLE_ANALYST: MemberRole
MEMBER_ROLE_VIEWER: MemberRole
MEMBER_CHANGE_TYPE_UNSPECIFIED: MemberChangeType
MEMBER_CHANGE_TYPE_ADDED: MemberChangeType
MEMBER_CHANGE_TYPE_ROLE_CHANGED: MemberChangeType
MEMBER_CHANGE_TYPE_REMOVED: MemberChangeType
ORGANIZATION_DELETION_STAGE_UNSPECIFIED: OrganizationDeletionStage
ORGANIZATION_DELETION_STAGE_SOFT_DELETED: OrganizationDeletionStage
ORGANIZATION_DELETION_STAGE_PURGED: OrganizationDeletionStage

class UserCreated(_message.Message):
    __slots__ = ("user_id", "org_id", "create_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    org_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., org_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrganizationCreated(_message.Message):
    __slots__ = ("org_id", "display_name", "billing_email", "owner_user_id", "create_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    BILLING_EMAIL_FIELD_NUMBER: _ClassVar[int]
    OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    display_name: str
    billing_email: str
    owner_user_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., display_name: _Optional[str] = ..., billing_email: _Optional[str] = ..., owner_user_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrganizationDeleted(_message.Message):
    __slots__ = ("org_id", "stage", "actor_user_id", "delete_time", "purge_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    PURGE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    stage: OrganizationDeletionStage
    actor_user_id: str
    delete_time: _timestamp_pb2.Timestamp
    purge_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., stage: _Optional[_Union[OrganizationDeletionStage, str]] = ..., actor_user_id: _Optional[str] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., purge_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrganizationRestored(_message.Message):
    __slots__ = ("org_id", "actor_user_id", "restore_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    RESTORE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    actor_user_id: str
    restore_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., actor_user_id: _Optional[str] = ..., restore_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MemberChanged(_message.Message):
    __slots__ = ("org_id", "user_id", "change_type", "old_role", "new_role", "actor_user_id", "member_count", "change_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    OLD_ROLE_FIELD_NUMBER: _ClassVar[int]
    NEW_ROLE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    user_id: str
    change_type: MemberChangeType
    old_role: MemberRole
    new_role: MemberRole
    actor_user_id: str
    member_count: int
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., user_id: _Optional[str] = ..., change_type: _Optional[_Union[MemberChangeType, str]] = ..., old_role: _Optional[_Union[MemberRole, str]] = ..., new_role: _Optional[_Union[MemberRole, str]] = ..., actor_user_id: _Optional[str] = ..., member_count: _Optional[int] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UserErased(_message.Message):
    __slots__ = ("user_id", "org_id", "erase_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    ERASE_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    org_id: str
    erase_time: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., org_id: _Optional[str] = ..., erase_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
