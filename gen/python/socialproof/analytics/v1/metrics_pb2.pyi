import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from socialproof.events.v1 import analytics_events_pb2 as _analytics_events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Granularity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRANULARITY_UNSPECIFIED: _ClassVar[Granularity]
    GRANULARITY_HOUR: _ClassVar[Granularity]
    GRANULARITY_DAY: _ClassVar[Granularity]
    GRANULARITY_WEEK: _ClassVar[Granularity]
    GRANULARITY_MONTH: _ClassVar[Granularity]

class MetricsDimension(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METRICS_DIMENSION_UNSPECIFIED: _ClassVar[MetricsDimension]
    METRICS_DIMENSION_SITE: _ClassVar[MetricsDimension]
    METRICS_DIMENSION_CAMPAIGN: _ClassVar[MetricsDimension]
    METRICS_DIMENSION_VARIANT: _ClassVar[MetricsDimension]
    METRICS_DIMENSION_DEVICE_TYPE: _ClassVar[MetricsDimension]
    METRICS_DIMENSION_COUNTRY: _ClassVar[MetricsDimension]

class MetricKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METRIC_KIND_UNSPECIFIED: _ClassVar[MetricKind]
    METRIC_KIND_IMPRESSIONS: _ClassVar[MetricKind]
    METRIC_KIND_CLICKS: _ClassVar[MetricKind]
    METRIC_KIND_CLICK_THROUGH_RATE: _ClassVar[MetricKind]
    METRIC_KIND_CONVERSIONS: _ClassVar[MetricKind]
    METRIC_KIND_REVENUE: _ClassVar[MetricKind]
    METRIC_KIND_UNIQUE_VISITORS: _ClassVar[MetricKind]
    METRIC_KIND_PAGE_VIEWS: _ClassVar[MetricKind]
GRANULARITY_UNSPECIFIED: Granularity
GRANULARITY_HOUR: Granularity
GRANULARITY_DAY: Granularity
GRANULARITY_WEEK: Granularity
GRANULARITY_MONTH: Granularity
METRICS_DIMENSION_UNSPECIFIED: MetricsDimension
METRICS_DIMENSION_SITE: MetricsDimension
METRICS_DIMENSION_CAMPAIGN: MetricsDimension
METRICS_DIMENSION_VARIANT: MetricsDimension
METRICS_DIMENSION_DEVICE_TYPE: MetricsDimension
METRICS_DIMENSION_COUNTRY: MetricsDimension
METRIC_KIND_UNSPECIFIED: MetricKind
METRIC_KIND_IMPRESSIONS: MetricKind
METRIC_KIND_CLICKS: MetricKind
METRIC_KIND_CLICK_THROUGH_RATE: MetricKind
METRIC_KIND_CONVERSIONS: MetricKind
METRIC_KIND_REVENUE: MetricKind
METRIC_KIND_UNIQUE_VISITORS: MetricKind
METRIC_KIND_PAGE_VIEWS: MetricKind

class MetricsFilter(_message.Message):
    __slots__ = ("campaign_ids", "variant_ids", "device_types", "country_codes", "page_url_pattern", "goal_names", "include_bots", "include_test")
    CAMPAIGN_IDS_FIELD_NUMBER: _ClassVar[int]
    VARIANT_IDS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_CODES_FIELD_NUMBER: _ClassVar[int]
    PAGE_URL_PATTERN_FIELD_NUMBER: _ClassVar[int]
    GOAL_NAMES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_BOTS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_TEST_FIELD_NUMBER: _ClassVar[int]
    campaign_ids: _containers.RepeatedScalarFieldContainer[str]
    variant_ids: _containers.RepeatedScalarFieldContainer[str]
    device_types: _containers.RepeatedScalarFieldContainer[_common_pb2.DeviceType]
    country_codes: _containers.RepeatedScalarFieldContainer[str]
    page_url_pattern: str
    goal_names: _containers.RepeatedScalarFieldContainer[str]
    include_bots: bool
    include_test: bool
    def __init__(self, campaign_ids: _Optional[_Iterable[str]] = ..., variant_ids: _Optional[_Iterable[str]] = ..., device_types: _Optional[_Iterable[_Union[_common_pb2.DeviceType, str]]] = ..., country_codes: _Optional[_Iterable[str]] = ..., page_url_pattern: _Optional[str] = ..., goal_names: _Optional[_Iterable[str]] = ..., include_bots: _Optional[bool] = ..., include_test: _Optional[bool] = ...) -> None: ...

class MetricValues(_message.Message):
    __slots__ = ("impressions", "hovers", "clicks", "closes", "click_through_rate", "conversions", "conversion_rate", "revenues", "unique_visitors", "page_views", "reached_visitors")
    IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    HOVERS_FIELD_NUMBER: _ClassVar[int]
    CLICKS_FIELD_NUMBER: _ClassVar[int]
    CLOSES_FIELD_NUMBER: _ClassVar[int]
    CLICK_THROUGH_RATE_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_RATE_FIELD_NUMBER: _ClassVar[int]
    REVENUES_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_VISITORS_FIELD_NUMBER: _ClassVar[int]
    PAGE_VIEWS_FIELD_NUMBER: _ClassVar[int]
    REACHED_VISITORS_FIELD_NUMBER: _ClassVar[int]
    impressions: int
    hovers: int
    clicks: int
    closes: int
    click_through_rate: float
    conversions: int
    conversion_rate: float
    revenues: _containers.RepeatedCompositeFieldContainer[_common_pb2.Money]
    unique_visitors: int
    page_views: int
    reached_visitors: int
    def __init__(self, impressions: _Optional[int] = ..., hovers: _Optional[int] = ..., clicks: _Optional[int] = ..., closes: _Optional[int] = ..., click_through_rate: _Optional[float] = ..., conversions: _Optional[int] = ..., conversion_rate: _Optional[float] = ..., revenues: _Optional[_Iterable[_Union[_common_pb2.Money, _Mapping]]] = ..., unique_visitors: _Optional[int] = ..., page_views: _Optional[int] = ..., reached_visitors: _Optional[int] = ...) -> None: ...

class MetricPoint(_message.Message):
    __slots__ = ("start_time", "values")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    values: MetricValues
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., values: _Optional[_Union[MetricValues, _Mapping]] = ...) -> None: ...

class MetricSeries(_message.Message):
    __slots__ = ("group_key", "group_label", "holdout", "totals", "points")
    GROUP_KEY_FIELD_NUMBER: _ClassVar[int]
    GROUP_LABEL_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    group_key: str
    group_label: str
    holdout: bool
    totals: MetricValues
    points: _containers.RepeatedCompositeFieldContainer[MetricPoint]
    def __init__(self, group_key: _Optional[str] = ..., group_label: _Optional[str] = ..., holdout: _Optional[bool] = ..., totals: _Optional[_Union[MetricValues, _Mapping]] = ..., points: _Optional[_Iterable[_Union[MetricPoint, _Mapping]]] = ...) -> None: ...

class QueryMetricsRequest(_message.Message):
    __slots__ = ("parent", "time_range", "granularity", "time_zone", "group_by", "filter", "max_groups")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    MAX_GROUPS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    time_range: _common_pb2.TimeRange
    granularity: Granularity
    time_zone: str
    group_by: MetricsDimension
    filter: MetricsFilter
    max_groups: int
    def __init__(self, parent: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., granularity: _Optional[_Union[Granularity, str]] = ..., time_zone: _Optional[str] = ..., group_by: _Optional[_Union[MetricsDimension, str]] = ..., filter: _Optional[_Union[MetricsFilter, _Mapping]] = ..., max_groups: _Optional[int] = ...) -> None: ...

class QueryMetricsResponse(_message.Message):
    __slots__ = ("totals", "series", "granularity", "fresh_until")
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    FRESH_UNTIL_FIELD_NUMBER: _ClassVar[int]
    totals: MetricValues
    series: _containers.RepeatedCompositeFieldContainer[MetricSeries]
    granularity: Granularity
    fresh_until: _timestamp_pb2.Timestamp
    def __init__(self, totals: _Optional[_Union[MetricValues, _Mapping]] = ..., series: _Optional[_Iterable[_Union[MetricSeries, _Mapping]]] = ..., granularity: _Optional[_Union[Granularity, str]] = ..., fresh_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PageMetrics(_message.Message):
    __slots__ = ("page_url", "values")
    PAGE_URL_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    page_url: str
    values: MetricValues
    def __init__(self, page_url: _Optional[str] = ..., values: _Optional[_Union[MetricValues, _Mapping]] = ...) -> None: ...

class ListTopPagesRequest(_message.Message):
    __slots__ = ("parent", "time_range", "order_by", "filter", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    time_range: _common_pb2.TimeRange
    order_by: MetricKind
    filter: MetricsFilter
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., order_by: _Optional[_Union[MetricKind, str]] = ..., filter: _Optional[_Union[MetricsFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTopPagesResponse(_message.Message):
    __slots__ = ("pages", "next_page_token")
    PAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    pages: _containers.RepeatedCompositeFieldContainer[PageMetrics]
    next_page_token: str
    def __init__(self, pages: _Optional[_Iterable[_Union[PageMetrics, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FunnelStep(_message.Message):
    __slots__ = ("display_name", "event_type", "campaign_id", "page_url_pattern", "goal_name")
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_URL_PATTERN_FIELD_NUMBER: _ClassVar[int]
    GOAL_NAME_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    event_type: _analytics_events_pb2.WidgetEventType
    campaign_id: str
    page_url_pattern: str
    goal_name: str
    def __init__(self, display_name: _Optional[str] = ..., event_type: _Optional[_Union[_analytics_events_pb2.WidgetEventType, str]] = ..., campaign_id: _Optional[str] = ..., page_url_pattern: _Optional[str] = ..., goal_name: _Optional[str] = ...) -> None: ...

class FunnelStepResult(_message.Message):
    __slots__ = ("display_name", "visitors", "conversion_from_previous", "conversion_from_first", "median_time_from_previous")
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    VISITORS_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FROM_PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FROM_FIRST_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_TIME_FROM_PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    visitors: int
    conversion_from_previous: float
    conversion_from_first: float
    median_time_from_previous: _duration_pb2.Duration
    def __init__(self, display_name: _Optional[str] = ..., visitors: _Optional[int] = ..., conversion_from_previous: _Optional[float] = ..., conversion_from_first: _Optional[float] = ..., median_time_from_previous: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class QueryFunnelRequest(_message.Message):
    __slots__ = ("parent", "time_range", "steps", "conversion_window", "filter", "split_by_variant")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_WINDOW_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    SPLIT_BY_VARIANT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    time_range: _common_pb2.TimeRange
    steps: _containers.RepeatedCompositeFieldContainer[FunnelStep]
    conversion_window: _duration_pb2.Duration
    filter: MetricsFilter
    split_by_variant: bool
    def __init__(self, parent: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[FunnelStep, _Mapping]]] = ..., conversion_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., filter: _Optional[_Union[MetricsFilter, _Mapping]] = ..., split_by_variant: _Optional[bool] = ...) -> None: ...

class FunnelResult(_message.Message):
    __slots__ = ("variant_id", "holdout", "steps")
    VARIANT_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    variant_id: str
    holdout: bool
    steps: _containers.RepeatedCompositeFieldContainer[FunnelStepResult]
    def __init__(self, variant_id: _Optional[str] = ..., holdout: _Optional[bool] = ..., steps: _Optional[_Iterable[_Union[FunnelStepResult, _Mapping]]] = ...) -> None: ...

class QueryFunnelResponse(_message.Message):
    __slots__ = ("funnels",)
    FUNNELS_FIELD_NUMBER: _ClassVar[int]
    funnels: _containers.RepeatedCompositeFieldContainer[FunnelResult]
    def __init__(self, funnels: _Optional[_Iterable[_Union[FunnelResult, _Mapping]]] = ...) -> None: ...

class CohortPeriod(_message.Message):
    __slots__ = ("period_index", "active_visitors", "retention_rate", "conversions")
    PERIOD_INDEX_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_VISITORS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_RATE_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    period_index: int
    active_visitors: int
    retention_rate: float
    conversions: int
    def __init__(self, period_index: _Optional[int] = ..., active_visitors: _Optional[int] = ..., retention_rate: _Optional[float] = ..., conversions: _Optional[int] = ...) -> None: ...

class Cohort(_message.Message):
    __slots__ = ("start_time", "visitors", "periods")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    VISITORS_FIELD_NUMBER: _ClassVar[int]
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    visitors: int
    periods: _containers.RepeatedCompositeFieldContainer[CohortPeriod]
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., visitors: _Optional[int] = ..., periods: _Optional[_Iterable[_Union[CohortPeriod, _Mapping]]] = ...) -> None: ...

class QueryCohortsRequest(_message.Message):
    __slots__ = ("parent", "time_range", "period", "time_zone", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    time_range: _common_pb2.TimeRange
    period: Granularity
    time_zone: str
    filter: MetricsFilter
    def __init__(self, parent: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., period: _Optional[_Union[Granularity, str]] = ..., time_zone: _Optional[str] = ..., filter: _Optional[_Union[MetricsFilter, _Mapping]] = ...) -> None: ...

class QueryCohortsResponse(_message.Message):
    __slots__ = ("cohorts",)
    COHORTS_FIELD_NUMBER: _ClassVar[int]
    cohorts: _containers.RepeatedCompositeFieldContainer[Cohort]
    def __init__(self, cohorts: _Optional[_Iterable[_Union[Cohort, _Mapping]]] = ...) -> None: ...

class Percentiles(_message.Message):
    __slots__ = ("p50", "p75", "p95")
    P50_FIELD_NUMBER: _ClassVar[int]
    P75_FIELD_NUMBER: _ClassVar[int]
    P95_FIELD_NUMBER: _ClassVar[int]
    p50: float
    p75: float
    p95: float
    def __init__(self, p50: _Optional[float] = ..., p75: _Optional[float] = ..., p95: _Optional[float] = ...) -> None: ...

class PerformanceBudget(_message.Message):
    __slots__ = ("max_script_transfer_bytes", "max_time_to_first_notification", "max_long_task_rate", "max_cumulative_layout_shift")
    MAX_SCRIPT_TRANSFER_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_TIME_TO_FIRST_NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    MAX_LONG_TASK_RATE_FIELD_NUMBER: _ClassVar[int]
    MAX_CUMULATIVE_LAYOUT_SHIFT_FIELD_NUMBER: _ClassVar[int]
    max_script_transfer_bytes: int
    max_time_to_first_notification: _duration_pb2.Duration
    max_long_task_rate: float
    max_cumulative_layout_shift: float
    def __init__(self, max_script_transfer_bytes: _Optional[int] = ..., max_time_to_first_notification: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_long_task_rate: _Optional[float] = ..., max_cumulative_layout_shift: _Optional[float] = ...) -> None: ...

class WidgetPerformanceSummary(_message.Message):
    __slots__ = ("start_time", "sample_count", "script_transfer_bytes", "script_load_ms", "time_to_first_notification_ms", "long_task_rate", "longest_long_task_ms", "cumulative_layout_shift", "within_budget", "exceeded_budget_fields")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_TRANSFER_BYTES_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_LOAD_MS_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_FIRST_NOTIFICATION_MS_FIELD_NUMBER: _ClassVar[int]
    LONG_TASK_RATE_FIELD_NUMBER: _ClassVar[int]
    LONGEST_LONG_TASK_MS_FIELD_NUMBER: _ClassVar[int]
    CUMULATIVE_LAYOUT_SHIFT_FIELD_NUMBER: _ClassVar[int]
    WITHIN_BUDGET_FIELD_NUMBER: _ClassVar[int]
    EXCEEDED_BUDGET_FIELDS_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    sample_count: int
    script_transfer_bytes: Percentiles
    script_load_ms: Percentiles
    time_to_first_notification_ms: Percentiles
    long_task_rate: float
    longest_long_task_ms: Percentiles
    cumulative_layout_shift: Percentiles
    within_budget: bool
    exceeded_budget_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sample_count: _Optional[int] = ..., script_transfer_bytes: _Optional[_Union[Percentiles, _Mapping]] = ..., script_load_ms: _Optional[_Union[Percentiles, _Mapping]] = ..., time_to_first_notification_ms: _Optional[_Union[Percentiles, _Mapping]] = ..., long_task_rate: _Optional[float] = ..., longest_long_task_ms: _Optional[_Union[Percentiles, _Mapping]] = ..., cumulative_layout_shift: _Optional[_Union[Percentiles, _Mapping]] = ..., within_budget: _Optional[bool] = ..., exceeded_budget_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class GetWidgetPerformanceRequest(_message.Message):
    __slots__ = ("parent", "time_range", "granularity", "device_types")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    parent: str
    time_range: _common_pb2.TimeRange
    granularity: Granularity
    device_types: _containers.RepeatedScalarFieldContainer[_common_pb2.DeviceType]
    def __init__(self, parent: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., granularity: _Optional[_Union[Granularity, str]] = ..., device_types: _Optional[_Iterable[_Union[_common_pb2.DeviceType, str]]] = ...) -> None: ...

class GetWidgetPerformanceResponse(_message.Message):
    __slots__ = ("summary", "series", "budget", "widget_version_samples")
    class WidgetVersionSamplesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    WIDGET_VERSION_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    summary: WidgetPerformanceSummary
    series: _containers.RepeatedCompositeFieldContainer[WidgetPerformanceSummary]
    budget: PerformanceBudget
    widget_version_samples: _containers.ScalarMap[str, int]
    def __init__(self, summary: _Optional[_Union[WidgetPerformanceSummary, _Mapping]] = ..., series: _Optional[_Iterable[_Union[WidgetPerformanceSummary, _Mapping]]] = ..., budget: _Optional[_Union[PerformanceBudget, _Mapping]] = ..., widget_version_samples: _Optional[_Mapping[str, int]] = ...) -> None: ...
