import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WidgetEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WIDGET_EVENT_TYPE_UNSPECIFIED: _ClassVar[WidgetEventType]
    WIDGET_EVENT_TYPE_IMPRESSION: _ClassVar[WidgetEventType]
    WIDGET_EVENT_TYPE_HOVER: _ClassVar[WidgetEventType]
    WIDGET_EVENT_TYPE_CLICK: _ClassVar[WidgetEventType]
    WIDGET_EVENT_TYPE_CLOSE: _ClassVar[WidgetEventType]
    WIDGET_EVENT_TYPE_CONVERSION: _ClassVar[WidgetEventType]
    WIDGET_EVENT_TYPE_PAGE_VIEW: _ClassVar[WidgetEventType]
    WIDGET_EVENT_TYPE_HEARTBEAT: _ClassVar[WidgetEventType]
    WIDGET_EVENT_TYPE_PERFORMANCE: _ClassVar[WidgetEventType]

class BotReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOT_REASON_UNSPECIFIED: _ClassVar[BotReason]
    BOT_REASON_USER_AGENT: _ClassVar[BotReason]
    BOT_REASON_BEHAVIOUR: _ClassVar[BotReason]
    BOT_REASON_AUTOMATION: _ClassVar[BotReason]
    BOT_REASON_NETWORK: _ClassVar[BotReason]
WIDGET_EVENT_TYPE_UNSPECIFIED: WidgetEventType
WIDGET_EVENT_TYPE_IMPRESSION: WidgetEventType
WIDGET_EVENT_TYPE_HOVER: WidgetEventType
WIDGET_EVENT_TYPE_CLICK: WidgetEventType
WIDGET_EVENT_TYPE_CLOSE: WidgetEventType
WIDGET_EVENT_TYPE_CONVERSION: WidgetEventType
WIDGET_EVENT_TYPE_PAGE_VIEW: WidgetEventType
WIDGET_EVENT_TYPE_HEARTBEAT: WidgetEventType
WIDGET_EVENT_TYPE_PERFORMANCE: WidgetEventType
BOT_REASON_UNSPECIFIED: BotReason
BOT_REASON_USER_AGENT: BotReason
BOT_REASON_BEHAVIOUR: BotReason
BOT_REASON_AUTOMATION: BotReason
BOT_REASON_NETWORK: BotReason

class UserAgentInfo(_message.Message):
    __slots__ = ("user_agent", "device_type", "browser_name", "browser_version", "os_name")
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    BROWSER_NAME_FIELD_NUMBER: _ClassVar[int]
    BROWSER_VERSION_FIELD_NUMBER: _ClassVar[int]
    OS_NAME_FIELD_NUMBER: _ClassVar[int]
    user_agent: str
    device_type: _common_pb2.DeviceType
    browser_name: str
    browser_version: str
    os_name: str
    def __init__(self, user_agent: _Optional[str] = ..., device_type: _Optional[_Union[_common_pb2.DeviceType, str]] = ..., browser_name: _Optional[str] = ..., browser_version: _Optional[str] = ..., os_name: _Optional[str] = ...) -> None: ...

class UtmParameters(_message.Message):
    __slots__ = ("source", "medium", "campaign", "term", "content")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MEDIUM_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    source: str
    medium: str
    campaign: str
    term: str
    content: str
    def __init__(self, source: _Optional[str] = ..., medium: _Optional[str] = ..., campaign: _Optional[str] = ..., term: _Optional[str] = ..., content: _Optional[str] = ...) -> None: ...

class ConversionDetails(_message.Message):
    __slots__ = ("goal_name", "value", "order_ref", "url_match")
    GOAL_NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ORDER_REF_FIELD_NUMBER: _ClassVar[int]
    URL_MATCH_FIELD_NUMBER: _ClassVar[int]
    goal_name: str
    value: _common_pb2.Money
    order_ref: str
    url_match: bool
    def __init__(self, goal_name: _Optional[str] = ..., value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., order_ref: _Optional[str] = ..., url_match: _Optional[bool] = ...) -> None: ...

class WidgetPerformance(_message.Message):
    __slots__ = ("script_transfer_bytes", "script_decoded_bytes", "script_load_duration", "time_to_first_notification", "long_task_count", "longest_long_task", "total_blocking_time", "cumulative_layout_shift", "feed_transfer_bytes", "widget_version")
    SCRIPT_TRANSFER_BYTES_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_DECODED_BYTES_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_LOAD_DURATION_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_FIRST_NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    LONG_TASK_COUNT_FIELD_NUMBER: _ClassVar[int]
    LONGEST_LONG_TASK_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BLOCKING_TIME_FIELD_NUMBER: _ClassVar[int]
    CUMULATIVE_LAYOUT_SHIFT_FIELD_NUMBER: _ClassVar[int]
    FEED_TRANSFER_BYTES_FIELD_NUMBER: _ClassVar[int]
    WIDGET_VERSION_FIELD_NUMBER: _ClassVar[int]
    script_transfer_bytes: int
    script_decoded_bytes: int
    script_load_duration: _duration_pb2.Duration
    time_to_first_notification: _duration_pb2.Duration
    long_task_count: int
    longest_long_task: _duration_pb2.Duration
    total_blocking_time: _duration_pb2.Duration
    cumulative_layout_shift: float
    feed_transfer_bytes: int
    widget_version: str
    def __init__(self, script_transfer_bytes: _Optional[int] = ..., script_decoded_bytes: _Optional[int] = ..., script_load_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., time_to_first_notification: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., long_task_count: _Optional[int] = ..., longest_long_task: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_blocking_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., cumulative_layout_shift: _Optional[float] = ..., feed_transfer_bytes: _Optional[int] = ..., widget_version: _Optional[str] = ...) -> None: ...

class WidgetEvent(_message.Message):
    __slots__ = ("event_id", "type", "visitor_id", "session_id", "occurred_at", "campaign_id", "variant_id", "experiment_id", "holdout", "activity_id", "page_url", "referrer", "utm", "language", "viewport_width", "anonymous", "test", "automation_suspected", "hover_duration", "visible_duration", "conversion", "performance", "received_at", "user_agent_info", "location", "bot", "bot_reason")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VARIANT_ID_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_URL_FIELD_NUMBER: _ClassVar[int]
    REFERRER_FIELD_NUMBER: _ClassVar[int]
    UTM_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    VIEWPORT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_SUSPECTED_FIELD_NUMBER: _ClassVar[int]
    HOVER_DURATION_FIELD_NUMBER: _ClassVar[int]
    VISIBLE_DURATION_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_INFO_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    BOT_FIELD_NUMBER: _ClassVar[int]
    BOT_REASON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    type: WidgetEventType
    visitor_id: str
    session_id: str
    occurred_at: _timestamp_pb2.Timestamp
    campaign_id: str
    variant_id: str
    experiment_id: str
    holdout: bool
    activity_id: str
    page_url: str
    referrer: str
    utm: UtmParameters
    language: str
    viewport_width: int
    anonymous: bool
    test: bool
    automation_suspected: bool
    hover_duration: _duration_pb2.Duration
    visible_duration: _duration_pb2.Duration
    conversion: ConversionDetails
    performance: WidgetPerformance
    received_at: _timestamp_pb2.Timestamp
    user_agent_info: UserAgentInfo
    location: _common_pb2.Location
    bot: bool
    bot_reason: BotReason
    def __init__(self, event_id: _Optional[str] = ..., type: _Optional[_Union[WidgetEventType, str]] = ..., visitor_id: _Optional[str] = ..., session_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., campaign_id: _Optional[str] = ..., variant_id: _Optional[str] = ..., experiment_id: _Optional[str] = ..., holdout: _Optional[bool] = ..., activity_id: _Optional[str] = ..., page_url: _Optional[str] = ..., referrer: _Optional[str] = ..., utm: _Optional[_Union[UtmParameters, _Mapping]] = ..., language: _Optional[str] = ..., viewport_width: _Optional[int] = ..., anonymous: _Optional[bool] = ..., test: _Optional[bool] = ..., automation_suspected: _Optional[bool] = ..., hover_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., visible_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., conversion: _Optional[_Union[ConversionDetails, _Mapping]] = ..., performance: _Optional[_Union[WidgetPerformance, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_agent_info: _Optional[_Union[UserAgentInfo, _Mapping]] = ..., location: _Optional[_Union[_common_pb2.Location, _Mapping]] = ..., bot: _Optional[bool] = ..., bot_reason: _Optional[_Union[BotReason, str]] = ...) -> None: ...

class WidgetEventsRecorded(_message.Message):
    __slots__ = ("site_id", "org_id", "batch_id", "events", "received_at")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    org_id: str
    batch_id: str
    events: _containers.RepeatedCompositeFieldContainer[WidgetEvent]
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, site_id: _Optional[str] = ..., org_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., events: _Optional[_Iterable[_Union[WidgetEvent, _Mapping]]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
