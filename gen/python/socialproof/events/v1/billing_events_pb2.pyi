import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UsageMetric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USAGE_METRIC_UNSPECIFIED: _ClassVar[UsageMetric]
    USAGE_METRIC_IMPRESSIONS: _ClassVar[UsageMetric]
    USAGE_METRIC_SITES: _ClassVar[UsageMetric]
    USAGE_METRIC_SEATS: _ClassVar[UsageMetric]

class BillingSubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[BillingSubscriptionStatus]
    BILLING_SUBSCRIPTION_STATUS_TRIALING: _ClassVar[BillingSubscriptionStatus]
    BILLING_SUBSCRIPTION_STATUS_ACTIVE: _ClassVar[BillingSubscriptionStatus]
    BILLING_SUBSCRIPTION_STATUS_PAST_DUE: _ClassVar[BillingSubscriptionStatus]
    BILLING_SUBSCRIPTION_STATUS_INCOMPLETE: _ClassVar[BillingSubscriptionStatus]
    BILLING_SUBSCRIPTION_STATUS_INCOMPLETE_EXPIRED: _ClassVar[BillingSubscriptionStatus]
    BILLING_SUBSCRIPTION_STATUS_UNPAID: _ClassVar[BillingSubscriptionStatus]
    BILLING_SUBSCRIPTION_STATUS_CANCELED: _ClassVar[BillingSubscriptionStatus]

class BillingDunningState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_DUNNING_STATE_UNSPECIFIED: _ClassVar[BillingDunningState]
    BILLING_DUNNING_STATE_ACTIVE: _ClassVar[BillingDunningState]
    BILLING_DUNNING_STATE_PAST_DUE: _ClassVar[BillingDunningState]
    BILLING_DUNNING_STATE_GRACE_PERIOD: _ClassVar[BillingDunningState]
    BILLING_DUNNING_STATE_SUSPENDED: _ClassVar[BillingDunningState]

class PlanChangeReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_CHANGE_REASON_UNSPECIFIED: _ClassVar[PlanChangeReason]
    PLAN_CHANGE_REASON_INITIAL: _ClassVar[PlanChangeReason]
    PLAN_CHANGE_REASON_UPGRADE: _ClassVar[PlanChangeReason]
    PLAN_CHANGE_REASON_DOWNGRADE: _ClassVar[PlanChangeReason]
    PLAN_CHANGE_REASON_TRIAL_STARTED: _ClassVar[PlanChangeReason]
    PLAN_CHANGE_REASON_TRIAL_ENDED: _ClassVar[PlanChangeReason]
    PLAN_CHANGE_REASON_SUBSCRIPTION_ENDED: _ClassVar[PlanChangeReason]

class SubscriptionChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_CHANGE_TYPE_UNSPECIFIED: _ClassVar[SubscriptionChangeType]
    SUBSCRIPTION_CHANGE_TYPE_CREATED: _ClassVar[SubscriptionChangeType]
    SUBSCRIPTION_CHANGE_TYPE_UPDATED: _ClassVar[SubscriptionChangeType]
    SUBSCRIPTION_CHANGE_TYPE_CANCEL_SCHEDULED: _ClassVar[SubscriptionChangeType]
    SUBSCRIPTION_CHANGE_TYPE_RESUMED: _ClassVar[SubscriptionChangeType]
    SUBSCRIPTION_CHANGE_TYPE_ENDED: _ClassVar[SubscriptionChangeType]
    SUBSCRIPTION_CHANGE_TYPE_PAYMENT_SUCCEEDED: _ClassVar[SubscriptionChangeType]
    SUBSCRIPTION_CHANGE_TYPE_PAYMENT_FAILED: _ClassVar[SubscriptionChangeType]
    SUBSCRIPTION_CHANGE_TYPE_DUNNING_STATE_CHANGED: _ClassVar[SubscriptionChangeType]

class QuotaResetReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUOTA_RESET_REASON_UNSPECIFIED: _ClassVar[QuotaResetReason]
    QUOTA_RESET_REASON_PERIOD_STARTED: _ClassVar[QuotaResetReason]
    QUOTA_RESET_REASON_PLAN_CHANGED: _ClassVar[QuotaResetReason]
    QUOTA_RESET_REASON_BUDGET_CHANGED: _ClassVar[QuotaResetReason]
    QUOTA_RESET_REASON_USAGE_CORRECTED: _ClassVar[QuotaResetReason]
USAGE_METRIC_UNSPECIFIED: UsageMetric
USAGE_METRIC_IMPRESSIONS: UsageMetric
USAGE_METRIC_SITES: UsageMetric
USAGE_METRIC_SEATS: UsageMetric
BILLING_SUBSCRIPTION_STATUS_UNSPECIFIED: BillingSubscriptionStatus
BILLING_SUBSCRIPTION_STATUS_TRIALING: BillingSubscriptionStatus
BILLING_SUBSCRIPTION_STATUS_ACTIVE: BillingSubscriptionStatus
BILLING_SUBSCRIPTION_STATUS_PAST_DUE: BillingSubscriptionStatus
BILLING_SUBSCRIPTION_STATUS_INCOMPLETE: BillingSubscriptionStatus
BILLING_SUBSCRIPTION_STATUS_INCOMPLETE_EXPIRED: BillingSubscriptionStatus
BILLING_SUBSCRIPTION_STATUS_UNPAID: BillingSubscriptionStatus
BILLING_SUBSCRIPTION_STATUS_CANCELED: BillingSubscriptionStatus
BILLING_DUNNING_STATE_UNSPECIFIED: BillingDunningState
BILLING_DUNNING_STATE_ACTIVE: BillingDunningState
BILLING_DUNNING_STATE_PAST_DUE: BillingDunningState
BILLING_DUNNING_STATE_GRACE_PERIOD: BillingDunningState
BILLING_DUNNING_STATE_SUSPENDED: BillingDunningState
PLAN_CHANGE_REASON_UNSPECIFIED: PlanChangeReason
PLAN_CHANGE_REASON_INITIAL: PlanChangeReason
PLAN_CHANGE_REASON_UPGRADE: PlanChangeReason
PLAN_CHANGE_REASON_DOWNGRADE: PlanChangeReason
PLAN_CHANGE_REASON_TRIAL_STARTED: PlanChangeReason
PLAN_CHANGE_REASON_TRIAL_ENDED: PlanChangeReason
PLAN_CHANGE_REASON_SUBSCRIPTION_ENDED: PlanChangeReason
SUBSCRIPTION_CHANGE_TYPE_UNSPECIFIED: SubscriptionChangeType
SUBSCRIPTION_CHANGE_TYPE_CREATED: SubscriptionChangeType
SUBSCRIPTION_CHANGE_TYPE_UPDATED: SubscriptionChangeType
SUBSCRIPTION_CHANGE_TYPE_CANCEL_SCHEDULED: SubscriptionChangeType
SUBSCRIPTION_CHANGE_TYPE_RESUMED: SubscriptionChangeType
SUBSCRIPTION_CHANGE_TYPE_ENDED: SubscriptionChangeType
SUBSCRIPTION_CHANGE_TYPE_PAYMENT_SUCCEEDED: SubscriptionChangeType
SUBSCRIPTION_CHANGE_TYPE_PAYMENT_FAILED: SubscriptionChangeType
SUBSCRIPTION_CHANGE_TYPE_DUNNING_STATE_CHANGED: SubscriptionChangeType
QUOTA_RESET_REASON_UNSPECIFIED: QuotaResetReason
QUOTA_RESET_REASON_PERIOD_STARTED: QuotaResetReason
QUOTA_RESET_REASON_PLAN_CHANGED: QuotaResetReason
QUOTA_RESET_REASON_BUDGET_CHANGED: QuotaResetReason
QUOTA_RESET_REASON_USAGE_CORRECTED: QuotaResetReason

class PlanLimitsSnapshot(_message.Message):
    __slots__ = ("monthly_impressions", "sites", "seats", "retention_days")
    MONTHLY_IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    SITES_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    monthly_impressions: int
    sites: int
    seats: int
    retention_days: int
    def __init__(self, monthly_impressions: _Optional[int] = ..., sites: _Optional[int] = ..., seats: _Optional[int] = ..., retention_days: _Optional[int] = ...) -> None: ...

class PlanChanged(_message.Message):
    __slots__ = ("org_id", "old_plan", "old_plan_version", "new_plan", "new_plan_version", "reason", "limits", "enabled_features", "entitlements_revision", "effective_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    OLD_PLAN_FIELD_NUMBER: _ClassVar[int]
    OLD_PLAN_VERSION_FIELD_NUMBER: _ClassVar[int]
    NEW_PLAN_FIELD_NUMBER: _ClassVar[int]
    NEW_PLAN_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FEATURES_FIELD_NUMBER: _ClassVar[int]
    ENTITLEMENTS_REVISION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    old_plan: str
    old_plan_version: int
    new_plan: str
    new_plan_version: int
    reason: PlanChangeReason
    limits: PlanLimitsSnapshot
    enabled_features: _containers.RepeatedScalarFieldContainer[str]
    entitlements_revision: int
    effective_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., old_plan: _Optional[str] = ..., old_plan_version: _Optional[int] = ..., new_plan: _Optional[str] = ..., new_plan_version: _Optional[int] = ..., reason: _Optional[_Union[PlanChangeReason, str]] = ..., limits: _Optional[_Union[PlanLimitsSnapshot, _Mapping]] = ..., enabled_features: _Optional[_Iterable[str]] = ..., entitlements_revision: _Optional[int] = ..., effective_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscriptionChanged(_message.Message):
    __slots__ = ("org_id", "change_type", "plan", "status", "dunning_state", "serving_allowed", "cancel_at_period_end", "current_period_start_time", "current_period_end_time", "trial_end_time", "grace_period_end_time", "stripe_event_id", "entitlements_revision", "change_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUNNING_STATE_FIELD_NUMBER: _ClassVar[int]
    SERVING_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    TRIAL_END_TIME_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    STRIPE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENTITLEMENTS_REVISION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    change_type: SubscriptionChangeType
    plan: str
    status: BillingSubscriptionStatus
    dunning_state: BillingDunningState
    serving_allowed: bool
    cancel_at_period_end: bool
    current_period_start_time: _timestamp_pb2.Timestamp
    current_period_end_time: _timestamp_pb2.Timestamp
    trial_end_time: _timestamp_pb2.Timestamp
    grace_period_end_time: _timestamp_pb2.Timestamp
    stripe_event_id: str
    entitlements_revision: int
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., change_type: _Optional[_Union[SubscriptionChangeType, str]] = ..., plan: _Optional[str] = ..., status: _Optional[_Union[BillingSubscriptionStatus, str]] = ..., dunning_state: _Optional[_Union[BillingDunningState, str]] = ..., serving_allowed: _Optional[bool] = ..., cancel_at_period_end: _Optional[bool] = ..., current_period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current_period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trial_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., grace_period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stripe_event_id: _Optional[str] = ..., entitlements_revision: _Optional[int] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QuotaWarning(_message.Message):
    __slots__ = ("org_id", "site_id", "metric", "threshold_percent", "used", "limit", "period_start_time", "period_end_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_PERCENT_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    site_id: str
    metric: UsageMetric
    threshold_percent: int
    used: int
    limit: int
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., site_id: _Optional[str] = ..., metric: _Optional[_Union[UsageMetric, str]] = ..., threshold_percent: _Optional[int] = ..., used: _Optional[int] = ..., limit: _Optional[int] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QuotaExceeded(_message.Message):
    __slots__ = ("org_id", "site_id", "metric", "used", "limit", "serving_stopped", "period_start_time", "period_end_time", "entitlements_revision")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    SERVING_STOPPED_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    ENTITLEMENTS_REVISION_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    site_id: str
    metric: UsageMetric
    used: int
    limit: int
    serving_stopped: bool
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    entitlements_revision: int
    def __init__(self, org_id: _Optional[str] = ..., site_id: _Optional[str] = ..., metric: _Optional[_Union[UsageMetric, str]] = ..., used: _Optional[int] = ..., limit: _Optional[int] = ..., serving_stopped: _Optional[bool] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., entitlements_revision: _Optional[int] = ...) -> None: ...

class QuotaReset(_message.Message):
    __slots__ = ("org_id", "site_id", "metric", "reason", "used", "limit", "period_start_time", "period_end_time", "entitlements_revision")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    ENTITLEMENTS_REVISION_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    site_id: str
    metric: UsageMetric
    reason: QuotaResetReason
    used: int
    limit: int
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    entitlements_revision: int
    def __init__(self, org_id: _Optional[str] = ..., site_id: _Optional[str] = ..., metric: _Optional[_Union[UsageMetric, str]] = ..., reason: _Optional[_Union[QuotaResetReason, str]] = ..., used: _Optional[int] = ..., limit: _Optional[int] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., entitlements_revision: _Optional[int] = ...) -> None: ...

class UsageRecorded(_message.Message):
    __slots__ = ("org_id", "site_id", "counted_impressions", "excluded_bot_impressions", "window_start_time", "window_end_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTED_IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_BOT_IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_TIME_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    site_id: str
    counted_impressions: int
    excluded_bot_impressions: int
    window_start_time: _timestamp_pb2.Timestamp
    window_end_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., site_id: _Optional[str] = ..., counted_impressions: _Optional[int] = ..., excluded_bot_impressions: _Optional[int] = ..., window_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
