import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PostalAddress(_message.Message):
    __slots__ = ("line1", "line2", "city", "postal_code", "region", "country_code")
    LINE1_FIELD_NUMBER: _ClassVar[int]
    LINE2_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    line1: str
    line2: str
    city: str
    postal_code: str
    region: str
    country_code: str
    def __init__(self, line1: _Optional[str] = ..., line2: _Optional[str] = ..., city: _Optional[str] = ..., postal_code: _Optional[str] = ..., region: _Optional[str] = ..., country_code: _Optional[str] = ...) -> None: ...

class PaymentMethod(_message.Message):
    __slots__ = ("stripe_payment_method_id", "type", "brand", "last4", "exp_month", "exp_year")
    STRIPE_PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    LAST4_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    stripe_payment_method_id: str
    type: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    def __init__(self, stripe_payment_method_id: _Optional[str] = ..., type: _Optional[str] = ..., brand: _Optional[str] = ..., last4: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ...) -> None: ...

class BillingAccount(_message.Message):
    __slots__ = ("name", "billing_email", "company_name", "address", "tax_id", "currency_code", "default_payment_method", "balance", "stripe_customer_id", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BILLING_EMAIL_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TAX_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    STRIPE_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    billing_email: str
    company_name: str
    address: PostalAddress
    tax_id: str
    currency_code: str
    default_payment_method: PaymentMethod
    balance: _common_pb2.Money
    stripe_customer_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., billing_email: _Optional[str] = ..., company_name: _Optional[str] = ..., address: _Optional[_Union[PostalAddress, _Mapping]] = ..., tax_id: _Optional[str] = ..., currency_code: _Optional[str] = ..., default_payment_method: _Optional[_Union[PaymentMethod, _Mapping]] = ..., balance: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., stripe_customer_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class GetBillingAccountRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetBillingAccountResponse(_message.Message):
    __slots__ = ("billing_account",)
    BILLING_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    billing_account: BillingAccount
    def __init__(self, billing_account: _Optional[_Union[BillingAccount, _Mapping]] = ...) -> None: ...

class UpdateBillingAccountRequest(_message.Message):
    __slots__ = ("billing_account", "update_mask")
    BILLING_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    billing_account: BillingAccount
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, billing_account: _Optional[_Union[BillingAccount, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateBillingAccountResponse(_message.Message):
    __slots__ = ("billing_account",)
    BILLING_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    billing_account: BillingAccount
    def __init__(self, billing_account: _Optional[_Union[BillingAccount, _Mapping]] = ...) -> None: ...

class CreatePaymentMethodSetupRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreatePaymentMethodSetupResponse(_message.Message):
    __slots__ = ("client_secret", "setup_intent_id", "publishable_key")
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    client_secret: str
    setup_intent_id: str
    publishable_key: str
    def __init__(self, client_secret: _Optional[str] = ..., setup_intent_id: _Optional[str] = ..., publishable_key: _Optional[str] = ...) -> None: ...

class UpdatePaymentMethodRequest(_message.Message):
    __slots__ = ("name", "payment_method_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    payment_method_id: str
    def __init__(self, name: _Optional[str] = ..., payment_method_id: _Optional[str] = ...) -> None: ...

class UpdatePaymentMethodResponse(_message.Message):
    __slots__ = ("billing_account",)
    BILLING_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    billing_account: BillingAccount
    def __init__(self, billing_account: _Optional[_Union[BillingAccount, _Mapping]] = ...) -> None: ...
