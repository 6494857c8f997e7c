import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QuotaMetric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUOTA_METRIC_UNSPECIFIED: _ClassVar[QuotaMetric]
    QUOTA_METRIC_IMPRESSIONS: _ClassVar[QuotaMetric]
    QUOTA_METRIC_SITES: _ClassVar[QuotaMetric]
    QUOTA_METRIC_SEATS: _ClassVar[QuotaMetric]

class QuotaState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUOTA_STATE_UNSPECIFIED: _ClassVar[QuotaState]
    QUOTA_STATE_OK: _ClassVar[QuotaState]
    QUOTA_STATE_WARNING: _ClassVar[QuotaState]
    QUOTA_STATE_EXCEEDED: _ClassVar[QuotaState]
QUOTA_METRIC_UNSPECIFIED: QuotaMetric
QUOTA_METRIC_IMPRESSIONS: QuotaMetric
QUOTA_METRIC_SITES: QuotaMetric
QUOTA_METRIC_SEATS: QuotaMetric
QUOTA_STATE_UNSPECIFIED: QuotaState
QUOTA_STATE_OK: QuotaState
QUOTA_STATE_WARNING: QuotaState
QUOTA_STATE_EXCEEDED: QuotaState

class UsageMeter(_message.Message):
    __slots__ = ("metric", "used", "limit", "state", "warning_time", "exceeded_time")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    WARNING_TIME_FIELD_NUMBER: _ClassVar[int]
    EXCEEDED_TIME_FIELD_NUMBER: _ClassVar[int]
    metric: QuotaMetric
    used: int
    limit: int
    state: QuotaState
    warning_time: _timestamp_pb2.Timestamp
    exceeded_time: _timestamp_pb2.Timestamp
    def __init__(self, metric: _Optional[_Union[QuotaMetric, str]] = ..., used: _Optional[int] = ..., limit: _Optional[int] = ..., state: _Optional[_Union[QuotaState, str]] = ..., warning_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., exceeded_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SiteUsage(_message.Message):
    __slots__ = ("site", "impressions", "budget", "state")
    SITE_FIELD_NUMBER: _ClassVar[int]
    IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    site: str
    impressions: int
    budget: int
    state: QuotaState
    def __init__(self, site: _Optional[str] = ..., impressions: _Optional[int] = ..., budget: _Optional[int] = ..., state: _Optional[_Union[QuotaState, str]] = ...) -> None: ...

class DailyUsage(_message.Message):
    __slots__ = ("day_start_time", "impressions", "excluded_bot_impressions")
    DAY_START_TIME_FIELD_NUMBER: _ClassVar[int]
    IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_BOT_IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    day_start_time: _timestamp_pb2.Timestamp
    impressions: int
    excluded_bot_impressions: int
    def __init__(self, day_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., impressions: _Optional[int] = ..., excluded_bot_impressions: _Optional[int] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ("name", "period", "current", "meters", "excluded_bot_impressions", "site_usages", "daily_usages", "hard_cap_reached", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    METERS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_BOT_IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    SITE_USAGES_FIELD_NUMBER: _ClassVar[int]
    DAILY_USAGES_FIELD_NUMBER: _ClassVar[int]
    HARD_CAP_REACHED_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    period: _common_pb2.TimeRange
    current: bool
    meters: _containers.RepeatedCompositeFieldContainer[UsageMeter]
    excluded_bot_impressions: int
    site_usages: _containers.RepeatedCompositeFieldContainer[SiteUsage]
    daily_usages: _containers.RepeatedCompositeFieldContainer[DailyUsage]
    hard_cap_reached: bool
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., current: _Optional[bool] = ..., meters: _Optional[_Iterable[_Union[UsageMeter, _Mapping]]] = ..., excluded_bot_impressions: _Optional[int] = ..., site_usages: _Optional[_Iterable[_Union[SiteUsage, _Mapping]]] = ..., daily_usages: _Optional[_Iterable[_Union[DailyUsage, _Mapping]]] = ..., hard_cap_reached: _Optional[bool] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetUsageRequest(_message.Message):
    __slots__ = ("name", "period_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    period_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., period_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetUsageResponse(_message.Message):
    __slots__ = ("usage",)
    USAGE_FIELD_NUMBER: _ClassVar[int]
    usage: Usage
    def __init__(self, usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class SiteBudget(_message.Message):
    __slots__ = ("name", "site", "monthly_impressions", "used_impressions", "state", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    USED_IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    site: str
    monthly_impressions: int
    used_impressions: int
    state: QuotaState
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., site: _Optional[str] = ..., monthly_impressions: _Optional[int] = ..., used_impressions: _Optional[int] = ..., state: _Optional[_Union[QuotaState, str]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class GetSiteBudgetRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSiteBudgetResponse(_message.Message):
    __slots__ = ("site_budget",)
    SITE_BUDGET_FIELD_NUMBER: _ClassVar[int]
    site_budget: SiteBudget
    def __init__(self, site_budget: _Optional[_Union[SiteBudget, _Mapping]] = ...) -> None: ...

class ListSiteBudgetsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSiteBudgetsResponse(_message.Message):
    __slots__ = ("site_budgets", "next_page_token")
    SITE_BUDGETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    site_budgets: _containers.RepeatedCompositeFieldContainer[SiteBudget]
    next_page_token: str
    def __init__(self, site_budgets: _Optional[_Iterable[_Union[SiteBudget, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSiteBudgetRequest(_message.Message):
    __slots__ = ("site_budget", "update_mask", "allow_missing")
    SITE_BUDGET_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    ALLOW_MISSING_FIELD_NUMBER: _ClassVar[int]
    site_budget: SiteBudget
    update_mask: _field_mask_pb2.FieldMask
    allow_missing: bool
    def __init__(self, site_budget: _Optional[_Union[SiteBudget, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., allow_missing: _Optional[bool] = ...) -> None: ...

class UpdateSiteBudgetResponse(_message.Message):
    __slots__ = ("site_budget",)
    SITE_BUDGET_FIELD_NUMBER: _ClassVar[int]
    site_budget: SiteBudget
    def __init__(self, site_budget: _Optional[_Union[SiteBudget, _Mapping]] = ...) -> None: ...

class DeleteSiteBudgetRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteSiteBudgetResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
