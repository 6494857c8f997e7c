import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.billing.v1 import plan_pb2 as _plan_pb2
from socialproof.billing.v1 import subscription_pb2 as _subscription_pb2
from socialproof.billing.v1 import usage_pb2 as _usage_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Entitlements(_message.Message):
    __slots__ = ("name", "plan", "plan_version", "plan_tier", "limits", "features", "subscription_status", "dunning_state", "impressions_state", "serving_allowed", "capped_sites", "current_period", "revision", "compute_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PLAN_VERSION_FIELD_NUMBER: _ClassVar[int]
    PLAN_TIER_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    DUNNING_STATE_FIELD_NUMBER: _ClassVar[int]
    IMPRESSIONS_STATE_FIELD_NUMBER: _ClassVar[int]
    SERVING_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    CAPPED_SITES_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    plan: str
    plan_version: int
    plan_tier: _plan_pb2.PlanTier
    limits: _plan_pb2.PlanLimits
    features: _plan_pb2.PlanFeatures
    subscription_status: _subscription_pb2.SubscriptionStatus
    dunning_state: _subscription_pb2.DunningState
    impressions_state: _usage_pb2.QuotaState
    serving_allowed: bool
    capped_sites: _containers.RepeatedScalarFieldContainer[str]
    current_period: _common_pb2.TimeRange
    revision: int
    compute_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., plan: _Optional[str] = ..., plan_version: _Optional[int] = ..., plan_tier: _Optional[_Union[_plan_pb2.PlanTier, str]] = ..., limits: _Optional[_Union[_plan_pb2.PlanLimits, _Mapping]] = ..., features: _Optional[_Union[_plan_pb2.PlanFeatures, _Mapping]] = ..., subscription_status: _Optional[_Union[_subscription_pb2.SubscriptionStatus, str]] = ..., dunning_state: _Optional[_Union[_subscription_pb2.DunningState, str]] = ..., impressions_state: _Optional[_Union[_usage_pb2.QuotaState, str]] = ..., serving_allowed: _Optional[bool] = ..., capped_sites: _Optional[_Iterable[str]] = ..., current_period: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., revision: _Optional[int] = ..., compute_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetEntitlementsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetEntitlementsResponse(_message.Message):
    __slots__ = ("entitlements", "cache_ttl")
    ENTITLEMENTS_FIELD_NUMBER: _ClassVar[int]
    CACHE_TTL_FIELD_NUMBER: _ClassVar[int]
    entitlements: Entitlements
    cache_ttl: _duration_pb2.Duration
    def __init__(self, entitlements: _Optional[_Union[Entitlements, _Mapping]] = ..., cache_ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
