from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from socialproof.analytics.v1 import metrics_pb2 as _metrics_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExportKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPORT_KIND_UNSPECIFIED: _ClassVar[ExportKind]
    EXPORT_KIND_EVENTS: _ClassVar[ExportKind]
    EXPORT_KIND_CAMPAIGN_METRICS: _ClassVar[ExportKind]
    EXPORT_KIND_CONVERSIONS: _ClassVar[ExportKind]
    EXPORT_KIND_PAGES: _ClassVar[ExportKind]
EXPORT_KIND_UNSPECIFIED: ExportKind
EXPORT_KIND_EVENTS: ExportKind
EXPORT_KIND_CAMPAIGN_METRICS: ExportKind
EXPORT_KIND_CONVERSIONS: ExportKind
EXPORT_KIND_PAGES: ExportKind

class ExportCsvRequest(_message.Message):
    __slots__ = ("parent", "kind", "time_range", "granularity", "time_zone", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    kind: ExportKind
    time_range: _common_pb2.TimeRange
    granularity: _metrics_pb2.Granularity
    time_zone: str
    filter: _metrics_pb2.MetricsFilter
    def __init__(self, parent: _Optional[str] = ..., kind: _Optional[_Union[ExportKind, str]] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., granularity: _Optional[_Union[_metrics_pb2.Granularity, str]] = ..., time_zone: _Optional[str] = ..., filter: _Optional[_Union[_metrics_pb2.MetricsFilter, _Mapping]] = ...) -> None: ...

class ExportCsvResponse(_message.Message):
    __slots__ = ("chunk", "file_name", "row_count")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    chunk: _httpbody_pb2.HttpBody
    file_name: str
    row_count: int
    def __init__(self, chunk: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ..., file_name: _Optional[str] = ..., row_count: _Optional[int] = ...) -> None: ...
