import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_TIER_UNSPECIFIED: _ClassVar[PlanTier]
    PLAN_TIER_FREE: _ClassVar[PlanTier]
    PLAN_TIER_STARTER: _ClassVar[PlanTier]
    PLAN_TIER_GROWTH: _ClassVar[PlanTier]
    PLAN_TIER_BUSINESS: _ClassVar[PlanTier]

class BillingInterval(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_INTERVAL_UNSPECIFIED: _ClassVar[BillingInterval]
    BILLING_INTERVAL_MONTH: _ClassVar[BillingInterval]
    BILLING_INTERVAL_YEAR: _ClassVar[BillingInterval]
PLAN_TIER_UNSPECIFIED: PlanTier
PLAN_TIER_FREE: PlanTier
PLAN_TIER_STARTER: PlanTier
PLAN_TIER_GROWTH: PlanTier
PLAN_TIER_BUSINESS: PlanTier
BILLING_INTERVAL_UNSPECIFIED: BillingInterval
BILLING_INTERVAL_MONTH: BillingInterval
BILLING_INTERVAL_YEAR: BillingInterval

class PlanLimits(_message.Message):
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

class PlanFeatures(_message.Message):
    __slots__ = ("ab_tests", "holdout", "remove_branding", "outbound_webhooks", "scheduled_reports", "api_access")
    AB_TESTS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_FIELD_NUMBER: _ClassVar[int]
    REMOVE_BRANDING_FIELD_NUMBER: _ClassVar[int]
    OUTBOUND_WEBHOOKS_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_REPORTS_FIELD_NUMBER: _ClassVar[int]
    API_ACCESS_FIELD_NUMBER: _ClassVar[int]
    ab_tests: bool
    holdout: bool
    remove_branding: bool
    outbound_webhooks: bool
    scheduled_reports: bool
    api_access: bool
    def __init__(self, ab_tests: _Optional[bool] = ..., holdout: _Optional[bool] = ..., remove_branding: _Optional[bool] = ..., outbound_webhooks: _Optional[bool] = ..., scheduled_reports: _Optional[bool] = ..., api_access: _Optional[bool] = ...) -> None: ...

class PlanPrice(_message.Message):
    __slots__ = ("interval", "amount", "stripe_plan_id")
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STRIPE_PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    interval: BillingInterval
    amount: _common_pb2.Money
    stripe_plan_id: str
    def __init__(self, interval: _Optional[_Union[BillingInterval, str]] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., stripe_plan_id: _Optional[str] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("name", "version", "display_name", "description", "tier", "limits", "features", "prices", "trial_days", "available", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    PRICES_FIELD_NUMBER: _ClassVar[int]
    TRIAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    display_name: str
    description: str
    tier: PlanTier
    limits: PlanLimits
    features: PlanFeatures
    prices: _containers.RepeatedCompositeFieldContainer[PlanPrice]
    trial_days: int
    available: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., tier: _Optional[_Union[PlanTier, str]] = ..., limits: _Optional[_Union[PlanLimits, _Mapping]] = ..., features: _Optional[_Union[PlanFeatures, _Mapping]] = ..., prices: _Optional[_Iterable[_Union[PlanPrice, _Mapping]]] = ..., trial_days: _Optional[int] = ..., available: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "show_unavailable")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SHOW_UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    show_unavailable: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., show_unavailable: _Optional[bool] = ...) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans", "next_page_token")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[Plan]
    next_page_token: str
    def __init__(self, plans: _Optional[_Iterable[_Union[Plan, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetPlanRequest(_message.Message):
    __slots__ = ("name", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...
