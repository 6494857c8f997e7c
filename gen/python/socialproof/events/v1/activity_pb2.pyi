import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActivityKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_KIND_UNSPECIFIED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_PURCHASE: _ClassVar[ActivityKind]
    ACTIVITY_KIND_SIGNUP: _ClassVar[ActivityKind]
    ACTIVITY_KIND_REVIEW: _ClassVar[ActivityKind]
    ACTIVITY_KIND_FORM_SUBMISSION: _ClassVar[ActivityKind]
    ACTIVITY_KIND_SUBSCRIPTION: _ClassVar[ActivityKind]
    ACTIVITY_KIND_BOOKING: _ClassVar[ActivityKind]
    ACTIVITY_KIND_DOWNLOAD: _ClassVar[ActivityKind]
    ACTIVITY_KIND_DONATION: _ClassVar[ActivityKind]
    ACTIVITY_KIND_CUSTOM: _ClassVar[ActivityKind]

class ActivitySource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_SOURCE_UNSPECIFIED: _ClassVar[ActivitySource]
    ACTIVITY_SOURCE_SHOPIFY: _ClassVar[ActivitySource]
    ACTIVITY_SOURCE_WOOCOMMERCE: _ClassVar[ActivitySource]
    ACTIVITY_SOURCE_STRIPE: _ClassVar[ActivitySource]
    ACTIVITY_SOURCE_ZAPIER: _ClassVar[ActivitySource]
    ACTIVITY_SOURCE_GENERIC_WEBHOOK: _ClassVar[ActivitySource]
    ACTIVITY_SOURCE_FORM_CAPTURE: _ClassVar[ActivitySource]
    ACTIVITY_SOURCE_PARTNER_API: _ClassVar[ActivitySource]
    ACTIVITY_SOURCE_DEMO: _ClassVar[ActivitySource]
    ACTIVITY_SOURCE_MANUAL: _ClassVar[ActivitySource]

class ActivityRetractionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_RETRACTION_REASON_UNSPECIFIED: _ClassVar[ActivityRetractionReason]
    ACTIVITY_RETRACTION_REASON_REFUND: _ClassVar[ActivityRetractionReason]
    ACTIVITY_RETRACTION_REASON_CANCEL: _ClassVar[ActivityRetractionReason]
    ACTIVITY_RETRACTION_REASON_ERASURE: _ClassVar[ActivityRetractionReason]
    ACTIVITY_RETRACTION_REASON_MANUAL: _ClassVar[ActivityRetractionReason]
ACTIVITY_KIND_UNSPECIFIED: ActivityKind
ACTIVITY_KIND_PURCHASE: ActivityKind
ACTIVITY_KIND_SIGNUP: ActivityKind
ACTIVITY_KIND_REVIEW: ActivityKind
ACTIVITY_KIND_FORM_SUBMISSION: ActivityKind
ACTIVITY_KIND_SUBSCRIPTION: ActivityKind
ACTIVITY_KIND_BOOKING: ActivityKind
ACTIVITY_KIND_DOWNLOAD: ActivityKind
ACTIVITY_KIND_DONATION: ActivityKind
ACTIVITY_KIND_CUSTOM: ActivityKind
ACTIVITY_SOURCE_UNSPECIFIED: ActivitySource
ACTIVITY_SOURCE_SHOPIFY: ActivitySource
ACTIVITY_SOURCE_WOOCOMMERCE: ActivitySource
ACTIVITY_SOURCE_STRIPE: ActivitySource
ACTIVITY_SOURCE_ZAPIER: ActivitySource
ACTIVITY_SOURCE_GENERIC_WEBHOOK: ActivitySource
ACTIVITY_SOURCE_FORM_CAPTURE: ActivitySource
ACTIVITY_SOURCE_PARTNER_API: ActivitySource
ACTIVITY_SOURCE_DEMO: ActivitySource
ACTIVITY_SOURCE_MANUAL: ActivitySource
ACTIVITY_RETRACTION_REASON_UNSPECIFIED: ActivityRetractionReason
ACTIVITY_RETRACTION_REASON_REFUND: ActivityRetractionReason
ACTIVITY_RETRACTION_REASON_CANCEL: ActivityRetractionReason
ACTIVITY_RETRACTION_REASON_ERASURE: ActivityRetractionReason
ACTIVITY_RETRACTION_REASON_MANUAL: ActivityRetractionReason

class ActivityActor(_message.Message):
    __slots__ = ("first_name", "last_initial", "avatar_url")
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_INITIAL_FIELD_NUMBER: _ClassVar[int]
    AVATAR_URL_FIELD_NUMBER: _ClassVar[int]
    first_name: str
    last_initial: str
    avatar_url: str
    def __init__(self, first_name: _Optional[str] = ..., last_initial: _Optional[str] = ..., avatar_url: _Optional[str] = ...) -> None: ...

class ActivityProduct(_message.Message):
    __slots__ = ("name", "url", "image_url", "product_ref", "variant_ref")
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_REF_FIELD_NUMBER: _ClassVar[int]
    VARIANT_REF_FIELD_NUMBER: _ClassVar[int]
    name: str
    url: str
    image_url: str
    product_ref: str
    variant_ref: str
    def __init__(self, name: _Optional[str] = ..., url: _Optional[str] = ..., image_url: _Optional[str] = ..., product_ref: _Optional[str] = ..., variant_ref: _Optional[str] = ...) -> None: ...

class ActivityReview(_message.Message):
    __slots__ = ("rating", "title", "text")
    RATING_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    rating: float
    title: str
    text: str
    def __init__(self, rating: _Optional[float] = ..., title: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class ActivityEvent(_message.Message):
    __slots__ = ("activity_id", "kind", "custom_kind", "actor", "location", "product", "amount", "quantity", "occurred_at", "received_at", "source", "source_ref", "connection_id", "verified", "test", "visitor_id", "review", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_KIND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REF_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    kind: ActivityKind
    custom_kind: str
    actor: ActivityActor
    location: _common_pb2.Location
    product: ActivityProduct
    amount: _common_pb2.Money
    quantity: int
    occurred_at: _timestamp_pb2.Timestamp
    received_at: _timestamp_pb2.Timestamp
    source: ActivitySource
    source_ref: str
    connection_id: str
    verified: bool
    test: bool
    visitor_id: str
    review: ActivityReview
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, activity_id: _Optional[str] = ..., kind: _Optional[_Union[ActivityKind, str]] = ..., custom_kind: _Optional[str] = ..., actor: _Optional[_Union[ActivityActor, _Mapping]] = ..., location: _Optional[_Union[_common_pb2.Location, _Mapping]] = ..., product: _Optional[_Union[ActivityProduct, _Mapping]] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., quantity: _Optional[int] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[_Union[ActivitySource, str]] = ..., source_ref: _Optional[str] = ..., connection_id: _Optional[str] = ..., verified: _Optional[bool] = ..., test: _Optional[bool] = ..., visitor_id: _Optional[str] = ..., review: _Optional[_Union[ActivityReview, _Mapping]] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ActivityRecorded(_message.Message):
    __slots__ = ("site_id", "activity")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    activity: ActivityEvent
    def __init__(self, site_id: _Optional[str] = ..., activity: _Optional[_Union[ActivityEvent, _Mapping]] = ...) -> None: ...

class ActivityRetracted(_message.Message):
    __slots__ = ("site_id", "activity_id", "source_ref", "source", "reason", "retracted_at")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REF_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RETRACTED_AT_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    activity_id: str
    source_ref: str
    source: ActivitySource
    reason: ActivityRetractionReason
    retracted_at: _timestamp_pb2.Timestamp
    def __init__(self, site_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., source_ref: _Optional[str] = ..., source: _Optional[_Union[ActivitySource, str]] = ..., reason: _Optional[_Union[ActivityRetractionReason, str]] = ..., retracted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
