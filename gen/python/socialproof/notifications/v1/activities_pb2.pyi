import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from socialproof.events.v1 import activity_pb2 as _activity_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActivityState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_STATE_UNSPECIFIED: _ClassVar[ActivityState]
    ACTIVITY_STATE_ACTIVE: _ClassVar[ActivityState]
    ACTIVITY_STATE_RETRACTED: _ClassVar[ActivityState]
    ACTIVITY_STATE_EXPIRED: _ClassVar[ActivityState]
ACTIVITY_STATE_UNSPECIFIED: ActivityState
ACTIVITY_STATE_ACTIVE: ActivityState
ACTIVITY_STATE_RETRACTED: ActivityState
ACTIVITY_STATE_EXPIRED: ActivityState

class Activity(_message.Message):
    __slots__ = ("name", "event", "state", "retraction_reason", "retract_time", "expire_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RETRACTION_REASON_FIELD_NUMBER: _ClassVar[int]
    RETRACT_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    event: _activity_pb2.ActivityEvent
    state: ActivityState
    retraction_reason: _activity_pb2.ActivityRetractionReason
    retract_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., event: _Optional[_Union[_activity_pb2.ActivityEvent, _Mapping]] = ..., state: _Optional[_Union[ActivityState, str]] = ..., retraction_reason: _Optional[_Union[_activity_pb2.ActivityRetractionReason, str]] = ..., retract_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateActivityRequest(_message.Message):
    __slots__ = ("parent", "activity", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    activity: Activity
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., activity: _Optional[_Union[Activity, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateActivityResponse(_message.Message):
    __slots__ = ("activity", "created")
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    created: bool
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetActivityRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetActivityResponse(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class ListActivitiesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "kinds", "sources", "occurred", "include_retracted", "include_test", "source_ref", "order_by")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_RETRACTED_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_TEST_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REF_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    kinds: _containers.RepeatedScalarFieldContainer[_activity_pb2.ActivityKind]
    sources: _containers.RepeatedScalarFieldContainer[_activity_pb2.ActivitySource]
    occurred: _common_pb2.TimeRange
    include_retracted: bool
    include_test: bool
    source_ref: str
    order_by: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[_activity_pb2.ActivityKind, str]]] = ..., sources: _Optional[_Iterable[_Union[_activity_pb2.ActivitySource, str]]] = ..., occurred: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., include_retracted: _Optional[bool] = ..., include_test: _Optional[bool] = ..., source_ref: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListActivitiesResponse(_message.Message):
    __slots__ = ("activities", "next_page_token")
    ACTIVITIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    activities: _containers.RepeatedCompositeFieldContainer[Activity]
    next_page_token: str
    def __init__(self, activities: _Optional[_Iterable[_Union[Activity, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RetractActivityRequest(_message.Message):
    __slots__ = ("name", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: _activity_pb2.ActivityRetractionReason
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[_Union[_activity_pb2.ActivityRetractionReason, str]] = ...) -> None: ...

class RetractActivityResponse(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class EraseActivitiesRequest(_message.Message):
    __slots__ = ("parent", "visitor_id", "source_refs", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REFS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    visitor_id: str
    source_refs: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., visitor_id: _Optional[str] = ..., source_refs: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class EraseActivitiesResponse(_message.Message):
    __slots__ = ("erased_count",)
    ERASED_COUNT_FIELD_NUMBER: _ClassVar[int]
    erased_count: int
    def __init__(self, erased_count: _Optional[int] = ...) -> None: ...
