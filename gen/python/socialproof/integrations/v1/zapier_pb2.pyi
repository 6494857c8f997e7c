import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.events.v1 import activity_pb2 as _activity_pb2
from socialproof.events.v1 import integrations_events_pb2 as _integrations_events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ZapierHook(_message.Message):
    __slots__ = ("name", "target_url", "event_type", "activity_kinds", "create_time", "last_delivery_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_KINDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_DELIVERY_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    target_url: str
    event_type: _integrations_events_pb2.WebhookEventType
    activity_kinds: _containers.RepeatedScalarFieldContainer[_activity_pb2.ActivityKind]
    create_time: _timestamp_pb2.Timestamp
    last_delivery_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., target_url: _Optional[str] = ..., event_type: _Optional[_Union[_integrations_events_pb2.WebhookEventType, str]] = ..., activity_kinds: _Optional[_Iterable[_Union[_activity_pb2.ActivityKind, str]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_delivery_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZapierSample(_message.Message):
    __slots__ = ("id", "event_type", "activity", "occurred_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    event_type: _integrations_events_pb2.WebhookEventType
    activity: _activity_pb2.ActivityEvent
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., event_type: _Optional[_Union[_integrations_events_pb2.WebhookEventType, str]] = ..., activity: _Optional[_Union[_activity_pb2.ActivityEvent, _Mapping]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TestZapierAuthRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TestZapierAuthResponse(_message.Message):
    __slots__ = ("organization", "organization_display_name", "sites")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SITES_FIELD_NUMBER: _ClassVar[int]
    organization: str
    organization_display_name: str
    sites: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, organization: _Optional[str] = ..., organization_display_name: _Optional[str] = ..., sites: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateZapierHookRequest(_message.Message):
    __slots__ = ("parent", "zapier_hook")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    ZAPIER_HOOK_FIELD_NUMBER: _ClassVar[int]
    parent: str
    zapier_hook: ZapierHook
    def __init__(self, parent: _Optional[str] = ..., zapier_hook: _Optional[_Union[ZapierHook, _Mapping]] = ...) -> None: ...

class CreateZapierHookResponse(_message.Message):
    __slots__ = ("zapier_hook",)
    ZAPIER_HOOK_FIELD_NUMBER: _ClassVar[int]
    zapier_hook: ZapierHook
    def __init__(self, zapier_hook: _Optional[_Union[ZapierHook, _Mapping]] = ...) -> None: ...

class DeleteZapierHookRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteZapierHookResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListZapierSamplesRequest(_message.Message):
    __slots__ = ("parent", "event_type", "page_size")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    event_type: _integrations_events_pb2.WebhookEventType
    page_size: int
    def __init__(self, parent: _Optional[str] = ..., event_type: _Optional[_Union[_integrations_events_pb2.WebhookEventType, str]] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListZapierSamplesResponse(_message.Message):
    __slots__ = ("samples",)
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    samples: _containers.RepeatedCompositeFieldContainer[ZapierSample]
    def __init__(self, samples: _Optional[_Iterable[_Union[ZapierSample, _Mapping]]] = ...) -> None: ...

class CreateZapierActivityRequest(_message.Message):
    __slots__ = ("parent", "activity", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    activity: _activity_pb2.ActivityEvent
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., activity: _Optional[_Union[_activity_pb2.ActivityEvent, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateZapierActivityResponse(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: _activity_pb2.ActivityEvent
    def __init__(self, activity: _Optional[_Union[_activity_pb2.ActivityEvent, _Mapping]] = ...) -> None: ...
