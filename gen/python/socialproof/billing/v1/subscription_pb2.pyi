import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.billing.v1 import invoice_pb2 as _invoice_pb2
from socialproof.billing.v1 import plan_pb2 as _plan_pb2
from socialproof.billing.v1 import usage_pb2 as _usage_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_TRIALING: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_ACTIVE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_PAST_DUE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_INCOMPLETE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_INCOMPLETE_EXPIRED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_UNPAID: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_CANCELED: _ClassVar[SubscriptionStatus]

class DunningState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DUNNING_STATE_UNSPECIFIED: _ClassVar[DunningState]
    DUNNING_STATE_ACTIVE: _ClassVar[DunningState]
    DUNNING_STATE_PAST_DUE: _ClassVar[DunningState]
    DUNNING_STATE_GRACE_PERIOD: _ClassVar[DunningState]
    DUNNING_STATE_SUSPENDED: _ClassVar[DunningState]

class ProrationBehavior(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRORATION_BEHAVIOR_UNSPECIFIED: _ClassVar[ProrationBehavior]
    PRORATION_BEHAVIOR_ALWAYS_INVOICE: _ClassVar[ProrationBehavior]
    PRORATION_BEHAVIOR_CREATE_PRORATIONS: _ClassVar[ProrationBehavior]
    PRORATION_BEHAVIOR_AT_PERIOD_END: _ClassVar[ProrationBehavior]
SUBSCRIPTION_STATUS_UNSPECIFIED: SubscriptionStatus
SUBSCRIPTION_STATUS_TRIALING: SubscriptionStatus
SUBSCRIPTION_STATUS_ACTIVE: SubscriptionStatus
SUBSCRIPTION_STATUS_PAST_DUE: SubscriptionStatus
SUBSCRIPTION_STATUS_INCOMPLETE: SubscriptionStatus
SUBSCRIPTION_STATUS_INCOMPLETE_EXPIRED: SubscriptionStatus
SUBSCRIPTION_STATUS_UNPAID: SubscriptionStatus
SUBSCRIPTION_STATUS_CANCELED: SubscriptionStatus
DUNNING_STATE_UNSPECIFIED: DunningState
DUNNING_STATE_ACTIVE: DunningState
DUNNING_STATE_PAST_DUE: DunningState
DUNNING_STATE_GRACE_PERIOD: DunningState
DUNNING_STATE_SUSPENDED: DunningState
PRORATION_BEHAVIOR_UNSPECIFIED: ProrationBehavior
PRORATION_BEHAVIOR_ALWAYS_INVOICE: ProrationBehavior
PRORATION_BEHAVIOR_CREATE_PRORATIONS: ProrationBehavior
PRORATION_BEHAVIOR_AT_PERIOD_END: ProrationBehavior

class ScheduledChange(_message.Message):
    __slots__ = ("plan", "billing_interval", "effective_time")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    BILLING_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    plan: str
    billing_interval: _plan_pb2.BillingInterval
    effective_time: _timestamp_pb2.Timestamp
    def __init__(self, plan: _Optional[str] = ..., billing_interval: _Optional[_Union[_plan_pb2.BillingInterval, str]] = ..., effective_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("name", "plan", "plan_version", "plan_display_name", "plan_tier", "billing_interval", "price", "status", "dunning_state", "grace_period_end_time", "current_period", "trial_end_time", "trial_used", "cancel_at_period_end", "scheduled_change", "start_time", "end_time", "stripe_subscription_id", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PLAN_VERSION_FIELD_NUMBER: _ClassVar[int]
    PLAN_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PLAN_TIER_FIELD_NUMBER: _ClassVar[int]
    BILLING_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUNNING_STATE_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_FIELD_NUMBER: _ClassVar[int]
    TRIAL_END_TIME_FIELD_NUMBER: _ClassVar[int]
    TRIAL_USED_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_CHANGE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    STRIPE_SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    plan: str
    plan_version: int
    plan_display_name: str
    plan_tier: _plan_pb2.PlanTier
    billing_interval: _plan_pb2.BillingInterval
    price: _common_pb2.Money
    status: SubscriptionStatus
    dunning_state: DunningState
    grace_period_end_time: _timestamp_pb2.Timestamp
    current_period: _common_pb2.TimeRange
    trial_end_time: _timestamp_pb2.Timestamp
    trial_used: bool
    cancel_at_period_end: bool
    scheduled_change: ScheduledChange
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    stripe_subscription_id: str
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., plan: _Optional[str] = ..., plan_version: _Optional[int] = ..., plan_display_name: _Optional[str] = ..., plan_tier: _Optional[_Union[_plan_pb2.PlanTier, str]] = ..., billing_interval: _Optional[_Union[_plan_pb2.BillingInterval, str]] = ..., price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., status: _Optional[_Union[SubscriptionStatus, str]] = ..., dunning_state: _Optional[_Union[DunningState, str]] = ..., grace_period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current_period: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., trial_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trial_used: _Optional[bool] = ..., cancel_at_period_end: _Optional[bool] = ..., scheduled_change: _Optional[_Union[ScheduledChange, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stripe_subscription_id: _Optional[str] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class GetSubscriptionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...

class PreviewSubscriptionChangeRequest(_message.Message):
    __slots__ = ("name", "plan", "billing_interval", "proration_behavior")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    BILLING_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    PRORATION_BEHAVIOR_FIELD_NUMBER: _ClassVar[int]
    name: str
    plan: str
    billing_interval: _plan_pb2.BillingInterval
    proration_behavior: ProrationBehavior
    def __init__(self, name: _Optional[str] = ..., plan: _Optional[str] = ..., billing_interval: _Optional[_Union[_plan_pb2.BillingInterval, str]] = ..., proration_behavior: _Optional[_Union[ProrationBehavior, str]] = ...) -> None: ...

class PreviewSubscriptionChangeResponse(_message.Message):
    __slots__ = ("immediate_invoice", "amount_due_now", "next_period_price", "effective_time", "starts_trial", "exceeded_metrics")
    IMMEDIATE_INVOICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_NOW_FIELD_NUMBER: _ClassVar[int]
    NEXT_PERIOD_PRICE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    STARTS_TRIAL_FIELD_NUMBER: _ClassVar[int]
    EXCEEDED_METRICS_FIELD_NUMBER: _ClassVar[int]
    immediate_invoice: _invoice_pb2.Invoice
    amount_due_now: _common_pb2.Money
    next_period_price: _common_pb2.Money
    effective_time: _timestamp_pb2.Timestamp
    starts_trial: bool
    exceeded_metrics: _containers.RepeatedScalarFieldContainer[_usage_pb2.QuotaMetric]
    def __init__(self, immediate_invoice: _Optional[_Union[_invoice_pb2.Invoice, _Mapping]] = ..., amount_due_now: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., next_period_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., effective_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., starts_trial: _Optional[bool] = ..., exceeded_metrics: _Optional[_Iterable[_Union[_usage_pb2.QuotaMetric, str]]] = ...) -> None: ...

class ChangeSubscriptionPlanRequest(_message.Message):
    __slots__ = ("name", "plan", "billing_interval", "payment_method_id", "proration_behavior", "start_trial", "expected_amount_due", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    BILLING_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    PRORATION_BEHAVIOR_FIELD_NUMBER: _ClassVar[int]
    START_TRIAL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    plan: str
    billing_interval: _plan_pb2.BillingInterval
    payment_method_id: str
    proration_behavior: ProrationBehavior
    start_trial: bool
    expected_amount_due: _common_pb2.Money
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., plan: _Optional[str] = ..., billing_interval: _Optional[_Union[_plan_pb2.BillingInterval, str]] = ..., payment_method_id: _Optional[str] = ..., proration_behavior: _Optional[_Union[ProrationBehavior, str]] = ..., start_trial: _Optional[bool] = ..., expected_amount_due: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ChangeSubscriptionPlanResponse(_message.Message):
    __slots__ = ("subscription", "invoice", "payment_action_client_secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ACTION_CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    invoice: _invoice_pb2.Invoice
    payment_action_client_secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., invoice: _Optional[_Union[_invoice_pb2.Invoice, _Mapping]] = ..., payment_action_client_secret: _Optional[str] = ...) -> None: ...

class CreateCheckoutSessionRequest(_message.Message):
    __slots__ = ("name", "plan", "billing_interval", "success_uri", "cancel_uri", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    BILLING_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_URI_FIELD_NUMBER: _ClassVar[int]
    CANCEL_URI_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    plan: str
    billing_interval: _plan_pb2.BillingInterval
    success_uri: str
    cancel_uri: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., plan: _Optional[str] = ..., billing_interval: _Optional[_Union[_plan_pb2.BillingInterval, str]] = ..., success_uri: _Optional[str] = ..., cancel_uri: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateCheckoutSessionResponse(_message.Message):
    __slots__ = ("checkout_uri", "checkout_session_id", "expire_time")
    CHECKOUT_URI_FIELD_NUMBER: _ClassVar[int]
    CHECKOUT_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    checkout_uri: str
    checkout_session_id: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, checkout_uri: _Optional[str] = ..., checkout_session_id: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CancelSubscriptionRequest(_message.Message):
    __slots__ = ("name", "immediately", "reason", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    IMMEDIATELY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    immediately: bool
    reason: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., immediately: _Optional[bool] = ..., reason: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class CancelSubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...

class ResumeSubscriptionRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ResumeSubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...
