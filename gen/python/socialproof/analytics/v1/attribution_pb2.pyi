import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from socialproof.analytics.v1 import metrics_pb2 as _metrics_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AttributionModel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTRIBUTION_MODEL_UNSPECIFIED: _ClassVar[AttributionModel]
    ATTRIBUTION_MODEL_LAST_TOUCH: _ClassVar[AttributionModel]
    ATTRIBUTION_MODEL_FIRST_TOUCH: _ClassVar[AttributionModel]

class TouchType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOUCH_TYPE_UNSPECIFIED: _ClassVar[TouchType]
    TOUCH_TYPE_IMPRESSION_OR_CLICK: _ClassVar[TouchType]
    TOUCH_TYPE_CLICK_ONLY: _ClassVar[TouchType]
ATTRIBUTION_MODEL_UNSPECIFIED: AttributionModel
ATTRIBUTION_MODEL_LAST_TOUCH: AttributionModel
ATTRIBUTION_MODEL_FIRST_TOUCH: AttributionModel
TOUCH_TYPE_UNSPECIFIED: TouchType
TOUCH_TYPE_IMPRESSION_OR_CLICK: TouchType
TOUCH_TYPE_CLICK_ONLY: TouchType

class AttributionRow(_message.Message):
    __slots__ = ("campaign_id", "variant_id", "label", "attributed_visitors", "attributed_conversions", "attributed_revenues", "share_of_conversions", "median_time_to_conversion")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VARIANT_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTED_VISITORS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTED_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTED_REVENUES_FIELD_NUMBER: _ClassVar[int]
    SHARE_OF_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_TIME_TO_CONVERSION_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    variant_id: str
    label: str
    attributed_visitors: int
    attributed_conversions: int
    attributed_revenues: _containers.RepeatedCompositeFieldContainer[_common_pb2.Money]
    share_of_conversions: float
    median_time_to_conversion: _duration_pb2.Duration
    def __init__(self, campaign_id: _Optional[str] = ..., variant_id: _Optional[str] = ..., label: _Optional[str] = ..., attributed_visitors: _Optional[int] = ..., attributed_conversions: _Optional[int] = ..., attributed_revenues: _Optional[_Iterable[_Union[_common_pb2.Money, _Mapping]]] = ..., share_of_conversions: _Optional[float] = ..., median_time_to_conversion: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class QueryAttributionRequest(_message.Message):
    __slots__ = ("parent", "time_range", "window", "model", "touch_type", "by_variant", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOUCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    BY_VARIANT_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    time_range: _common_pb2.TimeRange
    window: _duration_pb2.Duration
    model: AttributionModel
    touch_type: TouchType
    by_variant: bool
    filter: _metrics_pb2.MetricsFilter
    def __init__(self, parent: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., model: _Optional[_Union[AttributionModel, str]] = ..., touch_type: _Optional[_Union[TouchType, str]] = ..., by_variant: _Optional[bool] = ..., filter: _Optional[_Union[_metrics_pb2.MetricsFilter, _Mapping]] = ...) -> None: ...

class QueryAttributionResponse(_message.Message):
    __slots__ = ("total_conversions", "converting_visitors", "attributed_visitors", "attributed_conversions", "attributed_revenues", "rows", "window", "model")
    TOTAL_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    CONVERTING_VISITORS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTED_VISITORS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTED_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTED_REVENUES_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    total_conversions: int
    converting_visitors: int
    attributed_visitors: int
    attributed_conversions: int
    attributed_revenues: _containers.RepeatedCompositeFieldContainer[_common_pb2.Money]
    rows: _containers.RepeatedCompositeFieldContainer[AttributionRow]
    window: _duration_pb2.Duration
    model: AttributionModel
    def __init__(self, total_conversions: _Optional[int] = ..., converting_visitors: _Optional[int] = ..., attributed_visitors: _Optional[int] = ..., attributed_conversions: _Optional[int] = ..., attributed_revenues: _Optional[_Iterable[_Union[_common_pb2.Money, _Mapping]]] = ..., rows: _Optional[_Iterable[_Union[AttributionRow, _Mapping]]] = ..., window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., model: _Optional[_Union[AttributionModel, str]] = ...) -> None: ...
