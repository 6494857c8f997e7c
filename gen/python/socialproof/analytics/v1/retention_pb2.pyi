import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RetentionSettings(_message.Message):
    __slots__ = ("name", "raw_event_retention_days", "rollup_retention_days", "plan_max_raw_event_retention_days", "plan_max_rollup_retention_days", "effective_raw_event_retention_days", "effective_rollup_retention_days", "oldest_raw_event_time", "last_apply_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RAW_EVENT_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    ROLLUP_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    PLAN_MAX_RAW_EVENT_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    PLAN_MAX_ROLLUP_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_RAW_EVENT_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_ROLLUP_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    OLDEST_RAW_EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_APPLY_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    raw_event_retention_days: int
    rollup_retention_days: int
    plan_max_raw_event_retention_days: int
    plan_max_rollup_retention_days: int
    effective_raw_event_retention_days: int
    effective_rollup_retention_days: int
    oldest_raw_event_time: _timestamp_pb2.Timestamp
    last_apply_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., raw_event_retention_days: _Optional[int] = ..., rollup_retention_days: _Optional[int] = ..., plan_max_raw_event_retention_days: _Optional[int] = ..., plan_max_rollup_retention_days: _Optional[int] = ..., effective_raw_event_retention_days: _Optional[int] = ..., effective_rollup_retention_days: _Optional[int] = ..., oldest_raw_event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_apply_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RetentionApplication(_message.Message):
    __slots__ = ("site", "raw_event_cutoff_time", "rollup_cutoff_time", "dropped_partitions", "deleted_row_count")
    SITE_FIELD_NUMBER: _ClassVar[int]
    RAW_EVENT_CUTOFF_TIME_FIELD_NUMBER: _ClassVar[int]
    ROLLUP_CUTOFF_TIME_FIELD_NUMBER: _ClassVar[int]
    DROPPED_PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    DELETED_ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    site: str
    raw_event_cutoff_time: _timestamp_pb2.Timestamp
    rollup_cutoff_time: _timestamp_pb2.Timestamp
    dropped_partitions: _containers.RepeatedScalarFieldContainer[str]
    deleted_row_count: int
    def __init__(self, site: _Optional[str] = ..., raw_event_cutoff_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rollup_cutoff_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dropped_partitions: _Optional[_Iterable[str]] = ..., deleted_row_count: _Optional[int] = ...) -> None: ...

class GetRetentionSettingsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetRetentionSettingsResponse(_message.Message):
    __slots__ = ("retention_settings",)
    RETENTION_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    retention_settings: RetentionSettings
    def __init__(self, retention_settings: _Optional[_Union[RetentionSettings, _Mapping]] = ...) -> None: ...

class UpdateRetentionSettingsRequest(_message.Message):
    __slots__ = ("retention_settings", "update_mask")
    RETENTION_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    retention_settings: RetentionSettings
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, retention_settings: _Optional[_Union[RetentionSettings, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateRetentionSettingsResponse(_message.Message):
    __slots__ = ("retention_settings",)
    RETENTION_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    retention_settings: RetentionSettings
    def __init__(self, retention_settings: _Optional[_Union[RetentionSettings, _Mapping]] = ...) -> None: ...

class ApplyRetentionRequest(_message.Message):
    __slots__ = ("parent", "validate_only")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    validate_only: bool
    def __init__(self, parent: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class ApplyRetentionResponse(_message.Message):
    __slots__ = ("applications",)
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[RetentionApplication]
    def __init__(self, applications: _Optional[_Iterable[_Union[RetentionApplication, _Mapping]]] = ...) -> None: ...
