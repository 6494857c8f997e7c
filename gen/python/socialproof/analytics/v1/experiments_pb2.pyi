import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.analytics.v1 import metrics_pb2 as _metrics_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StatisticalTest(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATISTICAL_TEST_UNSPECIFIED: _ClassVar[StatisticalTest]
    STATISTICAL_TEST_TWO_PROPORTION_Z: _ClassVar[StatisticalTest]
STATISTICAL_TEST_UNSPECIFIED: StatisticalTest
STATISTICAL_TEST_TWO_PROPORTION_Z: StatisticalTest

class ConfidenceInterval(_message.Message):
    __slots__ = ("lower", "upper", "level")
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    lower: float
    upper: float
    level: float
    def __init__(self, lower: _Optional[float] = ..., upper: _Optional[float] = ..., level: _Optional[float] = ...) -> None: ...

class VariantResult(_message.Message):
    __slots__ = ("variant_id", "label", "control", "visitors", "impressions", "clicks", "click_through_rate", "converted_visitors", "conversion_rate", "conversion_rate_interval", "difference", "difference_interval", "relative_lift", "p_value", "significant", "revenue_per_visitor")
    VARIANT_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CONTROL_FIELD_NUMBER: _ClassVar[int]
    VISITORS_FIELD_NUMBER: _ClassVar[int]
    IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    CLICKS_FIELD_NUMBER: _ClassVar[int]
    CLICK_THROUGH_RATE_FIELD_NUMBER: _ClassVar[int]
    CONVERTED_VISITORS_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_RATE_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_RATE_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCE_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_LIFT_FIELD_NUMBER: _ClassVar[int]
    P_VALUE_FIELD_NUMBER: _ClassVar[int]
    SIGNIFICANT_FIELD_NUMBER: _ClassVar[int]
    REVENUE_PER_VISITOR_FIELD_NUMBER: _ClassVar[int]
    variant_id: str
    label: str
    control: bool
    visitors: int
    impressions: int
    clicks: int
    click_through_rate: float
    converted_visitors: int
    conversion_rate: float
    conversion_rate_interval: ConfidenceInterval
    difference: float
    difference_interval: ConfidenceInterval
    relative_lift: float
    p_value: float
    significant: bool
    revenue_per_visitor: _common_pb2.Money
    def __init__(self, variant_id: _Optional[str] = ..., label: _Optional[str] = ..., control: _Optional[bool] = ..., visitors: _Optional[int] = ..., impressions: _Optional[int] = ..., clicks: _Optional[int] = ..., click_through_rate: _Optional[float] = ..., converted_visitors: _Optional[int] = ..., conversion_rate: _Optional[float] = ..., conversion_rate_interval: _Optional[_Union[ConfidenceInterval, _Mapping]] = ..., difference: _Optional[float] = ..., difference_interval: _Optional[_Union[ConfidenceInterval, _Mapping]] = ..., relative_lift: _Optional[float] = ..., p_value: _Optional[float] = ..., significant: _Optional[bool] = ..., revenue_per_visitor: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class HoldoutResult(_message.Message):
    __slots__ = ("holdout_share", "treated_visitors", "treated_converted_visitors", "treated_conversion_rate", "holdout_visitors", "holdout_converted_visitors", "holdout_conversion_rate", "absolute_lift", "absolute_lift_interval", "relative_lift", "p_value", "significant", "treated_revenue_per_visitor", "holdout_revenue_per_visitor", "revenue_lift_per_visitor", "revenue_lift_interval", "incremental_revenue")
    HOLDOUT_SHARE_FIELD_NUMBER: _ClassVar[int]
    TREATED_VISITORS_FIELD_NUMBER: _ClassVar[int]
    TREATED_CONVERTED_VISITORS_FIELD_NUMBER: _ClassVar[int]
    TREATED_CONVERSION_RATE_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_VISITORS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_CONVERTED_VISITORS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_CONVERSION_RATE_FIELD_NUMBER: _ClassVar[int]
    ABSOLUTE_LIFT_FIELD_NUMBER: _ClassVar[int]
    ABSOLUTE_LIFT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_LIFT_FIELD_NUMBER: _ClassVar[int]
    P_VALUE_FIELD_NUMBER: _ClassVar[int]
    SIGNIFICANT_FIELD_NUMBER: _ClassVar[int]
    TREATED_REVENUE_PER_VISITOR_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_REVENUE_PER_VISITOR_FIELD_NUMBER: _ClassVar[int]
    REVENUE_LIFT_PER_VISITOR_FIELD_NUMBER: _ClassVar[int]
    REVENUE_LIFT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    INCREMENTAL_REVENUE_FIELD_NUMBER: _ClassVar[int]
    holdout_share: float
    treated_visitors: int
    treated_converted_visitors: int
    treated_conversion_rate: float
    holdout_visitors: int
    holdout_converted_visitors: int
    holdout_conversion_rate: float
    absolute_lift: float
    absolute_lift_interval: ConfidenceInterval
    relative_lift: float
    p_value: float
    significant: bool
    treated_revenue_per_visitor: _common_pb2.Money
    holdout_revenue_per_visitor: _common_pb2.Money
    revenue_lift_per_visitor: _common_pb2.Money
    revenue_lift_interval: ConfidenceInterval
    incremental_revenue: _common_pb2.Money
    def __init__(self, holdout_share: _Optional[float] = ..., treated_visitors: _Optional[int] = ..., treated_converted_visitors: _Optional[int] = ..., treated_conversion_rate: _Optional[float] = ..., holdout_visitors: _Optional[int] = ..., holdout_converted_visitors: _Optional[int] = ..., holdout_conversion_rate: _Optional[float] = ..., absolute_lift: _Optional[float] = ..., absolute_lift_interval: _Optional[_Union[ConfidenceInterval, _Mapping]] = ..., relative_lift: _Optional[float] = ..., p_value: _Optional[float] = ..., significant: _Optional[bool] = ..., treated_revenue_per_visitor: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., holdout_revenue_per_visitor: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., revenue_lift_per_visitor: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., revenue_lift_interval: _Optional[_Union[ConfidenceInterval, _Mapping]] = ..., incremental_revenue: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class GetExperimentResultsRequest(_message.Message):
    __slots__ = ("campaign", "experiment_id", "time_range", "goal_names", "confidence_level", "attribution_window", "currency_code", "filter")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    GOAL_NAMES_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTION_WINDOW_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    campaign: str
    experiment_id: str
    time_range: _common_pb2.TimeRange
    goal_names: _containers.RepeatedScalarFieldContainer[str]
    confidence_level: float
    attribution_window: _duration_pb2.Duration
    currency_code: str
    filter: _metrics_pb2.MetricsFilter
    def __init__(self, campaign: _Optional[str] = ..., experiment_id: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., goal_names: _Optional[_Iterable[str]] = ..., confidence_level: _Optional[float] = ..., attribution_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., currency_code: _Optional[str] = ..., filter: _Optional[_Union[_metrics_pb2.MetricsFilter, _Mapping]] = ...) -> None: ...

class GetExperimentResultsResponse(_message.Message):
    __slots__ = ("experiment_id", "variants", "holdout", "test", "confidence_level", "sufficient_sample", "sample_ratio_p_value", "fresh_until")
    EXPERIMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    SUFFICIENT_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATIO_P_VALUE_FIELD_NUMBER: _ClassVar[int]
    FRESH_UNTIL_FIELD_NUMBER: _ClassVar[int]
    experiment_id: str
    variants: _containers.RepeatedCompositeFieldContainer[VariantResult]
    holdout: HoldoutResult
    test: StatisticalTest
    confidence_level: float
    sufficient_sample: bool
    sample_ratio_p_value: float
    fresh_until: _timestamp_pb2.Timestamp
    def __init__(self, experiment_id: _Optional[str] = ..., variants: _Optional[_Iterable[_Union[VariantResult, _Mapping]]] = ..., holdout: _Optional[_Union[HoldoutResult, _Mapping]] = ..., test: _Optional[_Union[StatisticalTest, str]] = ..., confidence_level: _Optional[float] = ..., sufficient_sample: _Optional[bool] = ..., sample_ratio_p_value: _Optional[float] = ..., fresh_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
