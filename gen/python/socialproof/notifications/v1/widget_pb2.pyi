import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from socialproof.notifications.v1 import campaigns_pb2 as _campaigns_pb2
from socialproof.notifications.v1 import sites_pb2 as _sites_pb2
from socialproof.notifications.v1 import targeting_pb2 as _targeting_pb2
from socialproof.notifications.v1 import templates_pb2 as _templates_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FeedStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEED_STATUS_UNSPECIFIED: _ClassVar[FeedStatus]
    FEED_STATUS_ACTIVE: _ClassVar[FeedStatus]
    FEED_STATUS_SITE_DISABLED: _ClassVar[FeedStatus]
    FEED_STATUS_QUOTA_EXCEEDED: _ClassVar[FeedStatus]
    FEED_STATUS_DOMAIN_NOT_ALLOWED: _ClassVar[FeedStatus]
    FEED_STATUS_SUBSCRIPTION_INACTIVE: _ClassVar[FeedStatus]

class StreamEndReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STREAM_END_REASON_UNSPECIFIED: _ClassVar[StreamEndReason]
    STREAM_END_REASON_MAX_DURATION: _ClassVar[StreamEndReason]
    STREAM_END_REASON_SERVER_SHUTDOWN: _ClassVar[StreamEndReason]
    STREAM_END_REASON_SITE_UNAVAILABLE: _ClassVar[StreamEndReason]
    STREAM_END_REASON_NOT_ENTITLED: _ClassVar[StreamEndReason]
FEED_STATUS_UNSPECIFIED: FeedStatus
FEED_STATUS_ACTIVE: FeedStatus
FEED_STATUS_SITE_DISABLED: FeedStatus
FEED_STATUS_QUOTA_EXCEEDED: FeedStatus
FEED_STATUS_DOMAIN_NOT_ALLOWED: FeedStatus
FEED_STATUS_SUBSCRIPTION_INACTIVE: FeedStatus
STREAM_END_REASON_UNSPECIFIED: StreamEndReason
STREAM_END_REASON_MAX_DURATION: StreamEndReason
STREAM_END_REASON_SERVER_SHUTDOWN: StreamEndReason
STREAM_END_REASON_SITE_UNAVAILABLE: StreamEndReason
STREAM_END_REASON_NOT_ENTITLED: StreamEndReason

class GetWidgetFeedRequest(_message.Message):
    __slots__ = ("site_key", "page", "locale", "preview", "preview_campaigns", "widget_version", "feed_version")
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    WIDGET_VERSION_FIELD_NUMBER: _ClassVar[int]
    FEED_VERSION_FIELD_NUMBER: _ClassVar[int]
    site_key: str
    page: _targeting_pb2.PageContext
    locale: str
    preview: bool
    preview_campaigns: _containers.RepeatedScalarFieldContainer[str]
    widget_version: str
    feed_version: str
    def __init__(self, site_key: _Optional[str] = ..., page: _Optional[_Union[_targeting_pb2.PageContext, _Mapping]] = ..., locale: _Optional[str] = ..., preview: _Optional[bool] = ..., preview_campaigns: _Optional[_Iterable[str]] = ..., widget_version: _Optional[str] = ..., feed_version: _Optional[str] = ...) -> None: ...

class GetWidgetFeedResponse(_message.Message):
    __slots__ = ("feed",)
    FEED_FIELD_NUMBER: _ClassVar[int]
    feed: WidgetFeed
    def __init__(self, feed: _Optional[_Union[WidgetFeed, _Mapping]] = ...) -> None: ...

class GetWidgetFeedJsonRequest(_message.Message):
    __slots__ = ("site_key", "page", "locale", "preview", "preview_campaigns", "widget_version", "feed_version")
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    WIDGET_VERSION_FIELD_NUMBER: _ClassVar[int]
    FEED_VERSION_FIELD_NUMBER: _ClassVar[int]
    site_key: str
    page: _targeting_pb2.PageContext
    locale: str
    preview: bool
    preview_campaigns: _containers.RepeatedScalarFieldContainer[str]
    widget_version: str
    feed_version: str
    def __init__(self, site_key: _Optional[str] = ..., page: _Optional[_Union[_targeting_pb2.PageContext, _Mapping]] = ..., locale: _Optional[str] = ..., preview: _Optional[bool] = ..., preview_campaigns: _Optional[_Iterable[str]] = ..., widget_version: _Optional[str] = ..., feed_version: _Optional[str] = ...) -> None: ...

class GetWidgetFeedJsonResponse(_message.Message):
    __slots__ = ("http_body",)
    HTTP_BODY_FIELD_NUMBER: _ClassVar[int]
    http_body: _httpbody_pb2.HttpBody
    def __init__(self, http_body: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class WidgetSiteConfig(_message.Message):
    __slots__ = ("site_id", "locale", "time_zone", "theme", "position", "mobile_position", "consent_mode", "gdpr_country_codes", "holdout_basis_points", "holdout_id", "add_utm_to_links", "utm_source", "show_branding", "live_updates_enabled", "heartbeat_interval")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    THEME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    MOBILE_POSITION_FIELD_NUMBER: _ClassVar[int]
    CONSENT_MODE_FIELD_NUMBER: _ClassVar[int]
    GDPR_COUNTRY_CODES_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_BASIS_POINTS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_ID_FIELD_NUMBER: _ClassVar[int]
    ADD_UTM_TO_LINKS_FIELD_NUMBER: _ClassVar[int]
    UTM_SOURCE_FIELD_NUMBER: _ClassVar[int]
    SHOW_BRANDING_FIELD_NUMBER: _ClassVar[int]
    LIVE_UPDATES_ENABLED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    locale: str
    time_zone: str
    theme: _sites_pb2.WidgetTheme
    position: _sites_pb2.WidgetPosition
    mobile_position: _sites_pb2.WidgetPosition
    consent_mode: _sites_pb2.ConsentMode
    gdpr_country_codes: _containers.RepeatedScalarFieldContainer[str]
    holdout_basis_points: int
    holdout_id: str
    add_utm_to_links: bool
    utm_source: str
    show_branding: bool
    live_updates_enabled: bool
    heartbeat_interval: _duration_pb2.Duration
    def __init__(self, site_id: _Optional[str] = ..., locale: _Optional[str] = ..., time_zone: _Optional[str] = ..., theme: _Optional[_Union[_sites_pb2.WidgetTheme, _Mapping]] = ..., position: _Optional[_Union[_sites_pb2.WidgetPosition, str]] = ..., mobile_position: _Optional[_Union[_sites_pb2.WidgetPosition, str]] = ..., consent_mode: _Optional[_Union[_sites_pb2.ConsentMode, str]] = ..., gdpr_country_codes: _Optional[_Iterable[str]] = ..., holdout_basis_points: _Optional[int] = ..., holdout_id: _Optional[str] = ..., add_utm_to_links: _Optional[bool] = ..., utm_source: _Optional[str] = ..., show_branding: _Optional[bool] = ..., live_updates_enabled: _Optional[bool] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class FeedVariant(_message.Message):
    __slots__ = ("variant_id", "weight", "display_rules", "notifications")
    VARIANT_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_RULES_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    variant_id: str
    weight: int
    display_rules: _campaigns_pb2.DisplayRules
    notifications: _containers.RepeatedCompositeFieldContainer[_templates_pb2.RenderedNotification]
    def __init__(self, variant_id: _Optional[str] = ..., weight: _Optional[int] = ..., display_rules: _Optional[_Union[_campaigns_pb2.DisplayRules, _Mapping]] = ..., notifications: _Optional[_Iterable[_Union[_templates_pb2.RenderedNotification, _Mapping]]] = ...) -> None: ...

class FeedCampaign(_message.Message):
    __slots__ = ("campaign_id", "type", "priority", "revision", "experiment_id", "holdout_basis_points", "variants", "live_count_scope", "min_live_count", "once_per_visitor", "valid_until")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_BASIS_POINTS_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_FIELD_NUMBER: _ClassVar[int]
    LIVE_COUNT_SCOPE_FIELD_NUMBER: _ClassVar[int]
    MIN_LIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ONCE_PER_VISITOR_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    type: _templates_pb2.CampaignType
    priority: int
    revision: int
    experiment_id: str
    holdout_basis_points: int
    variants: _containers.RepeatedCompositeFieldContainer[FeedVariant]
    live_count_scope: _campaigns_pb2.LiveCountScope
    min_live_count: int
    once_per_visitor: bool
    valid_until: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., type: _Optional[_Union[_templates_pb2.CampaignType, str]] = ..., priority: _Optional[int] = ..., revision: _Optional[int] = ..., experiment_id: _Optional[str] = ..., holdout_basis_points: _Optional[int] = ..., variants: _Optional[_Iterable[_Union[FeedVariant, _Mapping]]] = ..., live_count_scope: _Optional[_Union[_campaigns_pb2.LiveCountScope, str]] = ..., min_live_count: _Optional[int] = ..., once_per_visitor: _Optional[bool] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CacheHints(_message.Message):
    __slots__ = ("max_age", "stale_while_revalidate", "feed_version", "expire_time")
    MAX_AGE_FIELD_NUMBER: _ClassVar[int]
    STALE_WHILE_REVALIDATE_FIELD_NUMBER: _ClassVar[int]
    FEED_VERSION_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    max_age: _duration_pb2.Duration
    stale_while_revalidate: _duration_pb2.Duration
    feed_version: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, max_age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., stale_while_revalidate: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., feed_version: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WidgetFeed(_message.Message):
    __slots__ = ("status", "site", "campaigns", "live_counts", "generate_time", "cache")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    LIVE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    GENERATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    status: FeedStatus
    site: WidgetSiteConfig
    campaigns: _containers.RepeatedCompositeFieldContainer[FeedCampaign]
    live_counts: LiveCounts
    generate_time: _timestamp_pb2.Timestamp
    cache: CacheHints
    def __init__(self, status: _Optional[_Union[FeedStatus, str]] = ..., site: _Optional[_Union[WidgetSiteConfig, _Mapping]] = ..., campaigns: _Optional[_Iterable[_Union[FeedCampaign, _Mapping]]] = ..., live_counts: _Optional[_Union[LiveCounts, _Mapping]] = ..., generate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cache: _Optional[_Union[CacheHints, _Mapping]] = ...) -> None: ...

class LiveCounts(_message.Message):
    __slots__ = ("page_count", "site_count", "count_time")
    PAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SITE_COUNT_FIELD_NUMBER: _ClassVar[int]
    COUNT_TIME_FIELD_NUMBER: _ClassVar[int]
    page_count: int
    site_count: int
    count_time: _timestamp_pb2.Timestamp
    def __init__(self, page_count: _Optional[int] = ..., site_count: _Optional[int] = ..., count_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StreamLiveUpdatesRequest(_message.Message):
    __slots__ = ("site_key", "page", "feed_version", "last_event_id")
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    FEED_VERSION_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    site_key: str
    page: _targeting_pb2.PageContext
    feed_version: str
    last_event_id: str
    def __init__(self, site_key: _Optional[str] = ..., page: _Optional[_Union[_targeting_pb2.PageContext, _Mapping]] = ..., feed_version: _Optional[str] = ..., last_event_id: _Optional[str] = ...) -> None: ...

class NotificationPushed(_message.Message):
    __slots__ = ("campaign_id", "notification")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    notification: _templates_pb2.RenderedNotification
    def __init__(self, campaign_id: _Optional[str] = ..., notification: _Optional[_Union[_templates_pb2.RenderedNotification, _Mapping]] = ...) -> None: ...

class NotificationsRetracted(_message.Message):
    __slots__ = ("activity_ids", "notification_ids")
    ACTIVITY_IDS_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    activity_ids: _containers.RepeatedScalarFieldContainer[str]
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, activity_ids: _Optional[_Iterable[str]] = ..., notification_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class FeedChanged(_message.Message):
    __slots__ = ("feed_version",)
    FEED_VERSION_FIELD_NUMBER: _ClassVar[int]
    feed_version: str
    def __init__(self, feed_version: _Optional[str] = ...) -> None: ...

class StreamHeartbeat(_message.Message):
    __slots__ = ("server_time",)
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EndOfStream(_message.Message):
    __slots__ = ("reason", "reconnect_after")
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECONNECT_AFTER_FIELD_NUMBER: _ClassVar[int]
    reason: StreamEndReason
    reconnect_after: _duration_pb2.Duration
    def __init__(self, reason: _Optional[_Union[StreamEndReason, str]] = ..., reconnect_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class StreamError(_message.Message):
    __slots__ = ("reason", "message", "retryable", "retry_after")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRYABLE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_FIELD_NUMBER: _ClassVar[int]
    reason: str
    message: str
    retryable: bool
    retry_after: _duration_pb2.Duration
    def __init__(self, reason: _Optional[str] = ..., message: _Optional[str] = ..., retryable: _Optional[bool] = ..., retry_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class StreamLiveUpdatesResponse(_message.Message):
    __slots__ = ("event_id", "notification", "retracted", "live_counts", "feed_changed", "heartbeat", "end_of_stream", "error")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    RETRACTED_FIELD_NUMBER: _ClassVar[int]
    LIVE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    FEED_CHANGED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    END_OF_STREAM_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    notification: NotificationPushed
    retracted: NotificationsRetracted
    live_counts: LiveCounts
    feed_changed: FeedChanged
    heartbeat: StreamHeartbeat
    end_of_stream: EndOfStream
    error: StreamError
    def __init__(self, event_id: _Optional[str] = ..., notification: _Optional[_Union[NotificationPushed, _Mapping]] = ..., retracted: _Optional[_Union[NotificationsRetracted, _Mapping]] = ..., live_counts: _Optional[_Union[LiveCounts, _Mapping]] = ..., feed_changed: _Optional[_Union[FeedChanged, _Mapping]] = ..., heartbeat: _Optional[_Union[StreamHeartbeat, _Mapping]] = ..., end_of_stream: _Optional[_Union[EndOfStream, _Mapping]] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class RecordPresenceRequest(_message.Message):
    __slots__ = ("site_key", "visitor_id", "page_url", "leaving", "verification_token", "device_type", "widget_version")
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_URL_FIELD_NUMBER: _ClassVar[int]
    LEAVING_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    WIDGET_VERSION_FIELD_NUMBER: _ClassVar[int]
    site_key: str
    visitor_id: str
    page_url: str
    leaving: bool
    verification_token: str
    device_type: _common_pb2.DeviceType
    widget_version: str
    def __init__(self, site_key: _Optional[str] = ..., visitor_id: _Optional[str] = ..., page_url: _Optional[str] = ..., leaving: _Optional[bool] = ..., verification_token: _Optional[str] = ..., device_type: _Optional[_Union[_common_pb2.DeviceType, str]] = ..., widget_version: _Optional[str] = ...) -> None: ...

class RecordPresenceResponse(_message.Message):
    __slots__ = ("live_counts", "next_heartbeat")
    LIVE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    live_counts: LiveCounts
    next_heartbeat: _duration_pb2.Duration
    def __init__(self, live_counts: _Optional[_Union[LiveCounts, _Mapping]] = ..., next_heartbeat: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
