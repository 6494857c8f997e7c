import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.events.v1 import activity_pb2 as _activity_pb2
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

class CampaignState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_STATE_UNSPECIFIED: _ClassVar[CampaignState]
    CAMPAIGN_STATE_DRAFT: _ClassVar[CampaignState]
    CAMPAIGN_STATE_PUBLISHED: _ClassVar[CampaignState]
    CAMPAIGN_STATE_PAUSED: _ClassVar[CampaignState]
    CAMPAIGN_STATE_ARCHIVED: _ClassVar[CampaignState]

class LiveCountScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIVE_COUNT_SCOPE_UNSPECIFIED: _ClassVar[LiveCountScope]
    LIVE_COUNT_SCOPE_PAGE: _ClassVar[LiveCountScope]
    LIVE_COUNT_SCOPE_SITE: _ClassVar[LiveCountScope]

class AggregateMetric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGGREGATE_METRIC_UNSPECIFIED: _ClassVar[AggregateMetric]
    AGGREGATE_METRIC_ACTIVITY_COUNT: _ClassVar[AggregateMetric]
    AGGREGATE_METRIC_DISTINCT_ACTORS: _ClassVar[AggregateMetric]
    AGGREGATE_METRIC_PAGE_VISITORS: _ClassVar[AggregateMetric]

class TargetingCheck(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TARGETING_CHECK_UNSPECIFIED: _ClassVar[TargetingCheck]
    TARGETING_CHECK_STATE: _ClassVar[TargetingCheck]
    TARGETING_CHECK_URL: _ClassVar[TargetingCheck]
    TARGETING_CHECK_DEVICE: _ClassVar[TargetingCheck]
    TARGETING_CHECK_COUNTRY: _ClassVar[TargetingCheck]
    TARGETING_CHECK_REFERRER: _ClassVar[TargetingCheck]
    TARGETING_CHECK_UTM: _ClassVar[TargetingCheck]
    TARGETING_CHECK_VISITOR_TYPE: _ClassVar[TargetingCheck]
    TARGETING_CHECK_SCHEDULE: _ClassVar[TargetingCheck]
CAMPAIGN_STATE_UNSPECIFIED: CampaignState
CAMPAIGN_STATE_DRAFT: CampaignState
CAMPAIGN_STATE_PUBLISHED: CampaignState
CAMPAIGN_STATE_PAUSED: CampaignState
CAMPAIGN_STATE_ARCHIVED: CampaignState
LIVE_COUNT_SCOPE_UNSPECIFIED: LiveCountScope
LIVE_COUNT_SCOPE_PAGE: LiveCountScope
LIVE_COUNT_SCOPE_SITE: LiveCountScope
AGGREGATE_METRIC_UNSPECIFIED: AggregateMetric
AGGREGATE_METRIC_ACTIVITY_COUNT: AggregateMetric
AGGREGATE_METRIC_DISTINCT_ACTORS: AggregateMetric
AGGREGATE_METRIC_PAGE_VISITORS: AggregateMetric
TARGETING_CHECK_UNSPECIFIED: TargetingCheck
TARGETING_CHECK_STATE: TargetingCheck
TARGETING_CHECK_URL: TargetingCheck
TARGETING_CHECK_DEVICE: TargetingCheck
TARGETING_CHECK_COUNTRY: TargetingCheck
TARGETING_CHECK_REFERRER: TargetingCheck
TARGETING_CHECK_UTM: TargetingCheck
TARGETING_CHECK_VISITOR_TYPE: TargetingCheck
TARGETING_CHECK_SCHEDULE: TargetingCheck

class ActivityFilter(_message.Message):
    __slots__ = ("kinds", "custom_kinds", "sources", "product_refs", "current_page_product_only", "verified_only", "country_codes")
    KINDS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_KINDS_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_REFS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PAGE_PRODUCT_ONLY_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_ONLY_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_CODES_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedScalarFieldContainer[_activity_pb2.ActivityKind]
    custom_kinds: _containers.RepeatedScalarFieldContainer[str]
    sources: _containers.RepeatedScalarFieldContainer[_activity_pb2.ActivitySource]
    product_refs: _containers.RepeatedScalarFieldContainer[str]
    current_page_product_only: bool
    verified_only: bool
    country_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kinds: _Optional[_Iterable[_Union[_activity_pb2.ActivityKind, str]]] = ..., custom_kinds: _Optional[_Iterable[str]] = ..., sources: _Optional[_Iterable[_Union[_activity_pb2.ActivitySource, str]]] = ..., product_refs: _Optional[_Iterable[str]] = ..., current_page_product_only: _Optional[bool] = ..., verified_only: _Optional[bool] = ..., country_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class RecentActivityConfig(_message.Message):
    __slots__ = ("activity_filter", "max_age", "max_items", "anonymity", "min_items")
    ACTIVITY_FILTER_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ANONYMITY_FIELD_NUMBER: _ClassVar[int]
    MIN_ITEMS_FIELD_NUMBER: _ClassVar[int]
    activity_filter: ActivityFilter
    max_age: _duration_pb2.Duration
    max_items: int
    anonymity: _sites_pb2.AnonymityLevel
    min_items: int
    def __init__(self, activity_filter: _Optional[_Union[ActivityFilter, _Mapping]] = ..., max_age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_items: _Optional[int] = ..., anonymity: _Optional[_Union[_sites_pb2.AnonymityLevel, str]] = ..., min_items: _Optional[int] = ...) -> None: ...

class LiveVisitorsConfig(_message.Message):
    __slots__ = ("scope", "min_count", "active_window")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    MIN_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_WINDOW_FIELD_NUMBER: _ClassVar[int]
    scope: LiveCountScope
    min_count: int
    active_window: _duration_pb2.Duration
    def __init__(self, scope: _Optional[_Union[LiveCountScope, str]] = ..., min_count: _Optional[int] = ..., active_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AggregateCounterConfig(_message.Message):
    __slots__ = ("activity_filter", "metric", "look_back", "min_count")
    ACTIVITY_FILTER_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    LOOK_BACK_FIELD_NUMBER: _ClassVar[int]
    MIN_COUNT_FIELD_NUMBER: _ClassVar[int]
    activity_filter: ActivityFilter
    metric: AggregateMetric
    look_back: _duration_pb2.Duration
    min_count: int
    def __init__(self, activity_filter: _Optional[_Union[ActivityFilter, _Mapping]] = ..., metric: _Optional[_Union[AggregateMetric, str]] = ..., look_back: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., min_count: _Optional[int] = ...) -> None: ...

class ReviewConfig(_message.Message):
    __slots__ = ("activity_filter", "min_rating", "require_text", "max_items", "anonymity")
    ACTIVITY_FILTER_FIELD_NUMBER: _ClassVar[int]
    MIN_RATING_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_TEXT_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ANONYMITY_FIELD_NUMBER: _ClassVar[int]
    activity_filter: ActivityFilter
    min_rating: float
    require_text: bool
    max_items: int
    anonymity: _sites_pb2.AnonymityLevel
    def __init__(self, activity_filter: _Optional[_Union[ActivityFilter, _Mapping]] = ..., min_rating: _Optional[float] = ..., require_text: _Optional[bool] = ..., max_items: _Optional[int] = ..., anonymity: _Optional[_Union[_sites_pb2.AnonymityLevel, str]] = ...) -> None: ...

class AnnouncementConfig(_message.Message):
    __slots__ = ("once_per_visitor",)
    ONCE_PER_VISITOR_FIELD_NUMBER: _ClassVar[int]
    once_per_visitor: bool
    def __init__(self, once_per_visitor: _Optional[bool] = ...) -> None: ...

class DisplayRules(_message.Message):
    __slots__ = ("first_delay", "display_duration", "min_gap", "max_gap", "max_per_page", "max_per_session", "position", "mobile_position", "loop", "pause_on_hover", "hide_own_activity", "skip_seen_within", "show_close_button", "open_links_in_new_tab")
    FIRST_DELAY_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_DURATION_FIELD_NUMBER: _ClassVar[int]
    MIN_GAP_FIELD_NUMBER: _ClassVar[int]
    MAX_GAP_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_PAGE_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_SESSION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    MOBILE_POSITION_FIELD_NUMBER: _ClassVar[int]
    LOOP_FIELD_NUMBER: _ClassVar[int]
    PAUSE_ON_HOVER_FIELD_NUMBER: _ClassVar[int]
    HIDE_OWN_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    SKIP_SEEN_WITHIN_FIELD_NUMBER: _ClassVar[int]
    SHOW_CLOSE_BUTTON_FIELD_NUMBER: _ClassVar[int]
    OPEN_LINKS_IN_NEW_TAB_FIELD_NUMBER: _ClassVar[int]
    first_delay: _duration_pb2.Duration
    display_duration: _duration_pb2.Duration
    min_gap: _duration_pb2.Duration
    max_gap: _duration_pb2.Duration
    max_per_page: int
    max_per_session: int
    position: _sites_pb2.WidgetPosition
    mobile_position: _sites_pb2.WidgetPosition
    loop: bool
    pause_on_hover: bool
    hide_own_activity: bool
    skip_seen_within: _duration_pb2.Duration
    show_close_button: bool
    open_links_in_new_tab: bool
    def __init__(self, first_delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., display_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., min_gap: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_gap: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_per_page: _Optional[int] = ..., max_per_session: _Optional[int] = ..., position: _Optional[_Union[_sites_pb2.WidgetPosition, str]] = ..., mobile_position: _Optional[_Union[_sites_pb2.WidgetPosition, str]] = ..., loop: _Optional[bool] = ..., pause_on_hover: _Optional[bool] = ..., hide_own_activity: _Optional[bool] = ..., skip_seen_within: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., show_close_button: _Optional[bool] = ..., open_links_in_new_tab: _Optional[bool] = ...) -> None: ...

class Variant(_message.Message):
    __slots__ = ("variant_id", "display_name", "weight", "content", "display_rules")
    VARIANT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_RULES_FIELD_NUMBER: _ClassVar[int]
    variant_id: str
    display_name: str
    weight: int
    content: _templates_pb2.TemplateContent
    display_rules: DisplayRules
    def __init__(self, variant_id: _Optional[str] = ..., display_name: _Optional[str] = ..., weight: _Optional[int] = ..., content: _Optional[_Union[_templates_pb2.TemplateContent, _Mapping]] = ..., display_rules: _Optional[_Union[DisplayRules, _Mapping]] = ...) -> None: ...

class Experiment(_message.Message):
    __slots__ = ("experiment_id", "variants", "holdout_basis_points", "start_time")
    EXPERIMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_BASIS_POINTS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    experiment_id: str
    variants: _containers.RepeatedCompositeFieldContainer[Variant]
    holdout_basis_points: int
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, experiment_id: _Optional[str] = ..., variants: _Optional[_Iterable[_Union[Variant, _Mapping]]] = ..., holdout_basis_points: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Campaign(_message.Message):
    __slots__ = ("name", "display_name", "type", "state", "priority", "content", "source_template", "recent_activity", "live_visitors", "aggregate_counter", "review", "announcement", "targeting", "display_rules", "experiment", "revision", "create_time", "update_time", "publish_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    RECENT_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    LIVE_VISITORS_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_COUNTER_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCEMENT_FIELD_NUMBER: _ClassVar[int]
    TARGETING_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_RULES_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    type: _templates_pb2.CampaignType
    state: CampaignState
    priority: int
    content: _templates_pb2.TemplateContent
    source_template: str
    recent_activity: RecentActivityConfig
    live_visitors: LiveVisitorsConfig
    aggregate_counter: AggregateCounterConfig
    review: ReviewConfig
    announcement: AnnouncementConfig
    targeting: _targeting_pb2.TargetingRules
    display_rules: DisplayRules
    experiment: Experiment
    revision: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    publish_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., type: _Optional[_Union[_templates_pb2.CampaignType, str]] = ..., state: _Optional[_Union[CampaignState, str]] = ..., priority: _Optional[int] = ..., content: _Optional[_Union[_templates_pb2.TemplateContent, _Mapping]] = ..., source_template: _Optional[str] = ..., recent_activity: _Optional[_Union[RecentActivityConfig, _Mapping]] = ..., live_visitors: _Optional[_Union[LiveVisitorsConfig, _Mapping]] = ..., aggregate_counter: _Optional[_Union[AggregateCounterConfig, _Mapping]] = ..., review: _Optional[_Union[ReviewConfig, _Mapping]] = ..., announcement: _Optional[_Union[AnnouncementConfig, _Mapping]] = ..., targeting: _Optional[_Union[_targeting_pb2.TargetingRules, _Mapping]] = ..., display_rules: _Optional[_Union[DisplayRules, _Mapping]] = ..., experiment: _Optional[_Union[Experiment, _Mapping]] = ..., revision: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class CreateCampaignRequest(_message.Message):
    __slots__ = ("parent", "campaign", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    campaign: Campaign
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., campaign: _Optional[_Union[Campaign, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class GetCampaignRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class ListCampaignsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter", "order_by")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    order_by: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListCampaignsResponse(_message.Message):
    __slots__ = ("campaigns", "next_page_token")
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaigns: _containers.RepeatedCompositeFieldContainer[Campaign]
    next_page_token: str
    def __init__(self, campaigns: _Optional[_Iterable[_Union[Campaign, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateCampaignRequest(_message.Message):
    __slots__ = ("campaign", "update_mask")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class DeleteCampaignRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteCampaignResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PublishCampaignRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class PublishCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class PauseCampaignRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class PauseCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class ArchiveCampaignRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ArchiveCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class UnarchiveCampaignRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class UnarchiveCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class DuplicateCampaignRequest(_message.Message):
    __slots__ = ("name", "target_parent", "display_name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_PARENT_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    target_parent: str
    display_name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., target_parent: _Optional[str] = ..., display_name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DuplicateCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class CheckCampaignTargetingRequest(_message.Message):
    __slots__ = ("name", "targeting", "page", "at_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TARGETING_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    AT_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    targeting: _targeting_pb2.TargetingRules
    page: _targeting_pb2.PageContext
    at_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., targeting: _Optional[_Union[_targeting_pb2.TargetingRules, _Mapping]] = ..., page: _Optional[_Union[_targeting_pb2.PageContext, _Mapping]] = ..., at_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TargetingCheckResult(_message.Message):
    __slots__ = ("check", "passed", "detail", "field")
    CHECK_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    check: TargetingCheck
    passed: bool
    detail: str
    field: str
    def __init__(self, check: _Optional[_Union[TargetingCheck, str]] = ..., passed: _Optional[bool] = ..., detail: _Optional[str] = ..., field: _Optional[str] = ...) -> None: ...

class CheckCampaignTargetingResponse(_message.Message):
    __slots__ = ("matches", "results")
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    matches: bool
    results: _containers.RepeatedCompositeFieldContainer[TargetingCheckResult]
    def __init__(self, matches: _Optional[bool] = ..., results: _Optional[_Iterable[_Union[TargetingCheckResult, _Mapping]]] = ...) -> None: ...
