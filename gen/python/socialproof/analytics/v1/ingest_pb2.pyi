import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.events.v1 import analytics_events_pb2 as _analytics_events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventRejectionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_REJECTION_REASON_UNSPECIFIED: _ClassVar[EventRejectionReason]
    EVENT_REJECTION_REASON_INVALID: _ClassVar[EventRejectionReason]
    EVENT_REJECTION_REASON_TOO_LARGE: _ClassVar[EventRejectionReason]
    EVENT_REJECTION_REASON_TIMESTAMP_OUT_OF_RANGE: _ClassVar[EventRejectionReason]
    EVENT_REJECTION_REASON_UNKNOWN_CAMPAIGN: _ClassVar[EventRejectionReason]
    EVENT_REJECTION_REASON_DUPLICATE: _ClassVar[EventRejectionReason]
    EVENT_REJECTION_REASON_SERVER_FIELD_SET: _ClassVar[EventRejectionReason]
    EVENT_REJECTION_REASON_INVALID_VALUE: _ClassVar[EventRejectionReason]
EVENT_REJECTION_REASON_UNSPECIFIED: EventRejectionReason
EVENT_REJECTION_REASON_INVALID: EventRejectionReason
EVENT_REJECTION_REASON_TOO_LARGE: EventRejectionReason
EVENT_REJECTION_REASON_TIMESTAMP_OUT_OF_RANGE: EventRejectionReason
EVENT_REJECTION_REASON_UNKNOWN_CAMPAIGN: EventRejectionReason
EVENT_REJECTION_REASON_DUPLICATE: EventRejectionReason
EVENT_REJECTION_REASON_SERVER_FIELD_SET: EventRejectionReason
EVENT_REJECTION_REASON_INVALID_VALUE: EventRejectionReason

class EventRejection(_message.Message):
    __slots__ = ("index", "event_id", "reason", "field", "description")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    index: int
    event_id: str
    reason: EventRejectionReason
    field: str
    description: str
    def __init__(self, index: _Optional[int] = ..., event_id: _Optional[str] = ..., reason: _Optional[_Union[EventRejectionReason, str]] = ..., field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class RecordWidgetEventsRequest(_message.Message):
    __slots__ = ("site_key", "events", "sent_at", "widget_version")
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    WIDGET_VERSION_FIELD_NUMBER: _ClassVar[int]
    site_key: str
    events: _containers.RepeatedCompositeFieldContainer[_analytics_events_pb2.WidgetEvent]
    sent_at: _timestamp_pb2.Timestamp
    widget_version: str
    def __init__(self, site_key: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_analytics_events_pb2.WidgetEvent, _Mapping]]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., widget_version: _Optional[str] = ...) -> None: ...

class RecordWidgetEventsResponse(_message.Message):
    __slots__ = ("accepted_count", "rejections")
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    accepted_count: int
    rejections: _containers.RepeatedCompositeFieldContainer[EventRejection]
    def __init__(self, accepted_count: _Optional[int] = ..., rejections: _Optional[_Iterable[_Union[EventRejection, _Mapping]]] = ...) -> None: ...
