import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.events.v1 import activity_pb2 as _activity_pb2
from socialproof.events.v1 import integrations_events_pb2 as _integrations_events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WebhookDeliveryState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEBHOOK_DELIVERY_STATE_UNSPECIFIED: _ClassVar[WebhookDeliveryState]
    WEBHOOK_DELIVERY_STATE_PENDING: _ClassVar[WebhookDeliveryState]
    WEBHOOK_DELIVERY_STATE_SUCCEEDED: _ClassVar[WebhookDeliveryState]
    WEBHOOK_DELIVERY_STATE_RETRYING: _ClassVar[WebhookDeliveryState]
    WEBHOOK_DELIVERY_STATE_DEAD_LETTERED: _ClassVar[WebhookDeliveryState]
    WEBHOOK_DELIVERY_STATE_CANCELLED: _ClassVar[WebhookDeliveryState]
WEBHOOK_DELIVERY_STATE_UNSPECIFIED: WebhookDeliveryState
WEBHOOK_DELIVERY_STATE_PENDING: WebhookDeliveryState
WEBHOOK_DELIVERY_STATE_SUCCEEDED: WebhookDeliveryState
WEBHOOK_DELIVERY_STATE_RETRYING: WebhookDeliveryState
WEBHOOK_DELIVERY_STATE_DEAD_LETTERED: WebhookDeliveryState
WEBHOOK_DELIVERY_STATE_CANCELLED: WebhookDeliveryState

class WebhookSubscription(_message.Message):
    __slots__ = ("name", "endpoint_url", "event_types", "sites", "description", "enabled", "secret_hint", "previous_secret_expire_time", "max_attempts", "succeeded_count_24h", "failed_count_24h", "last_success_time", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    SITES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    SECRET_HINT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SECRET_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_COUNT_24H_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_24H_FIELD_NUMBER: _ClassVar[int]
    LAST_SUCCESS_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    endpoint_url: str
    event_types: _containers.RepeatedScalarFieldContainer[_integrations_events_pb2.WebhookEventType]
    sites: _containers.RepeatedScalarFieldContainer[str]
    description: str
    enabled: bool
    secret_hint: str
    previous_secret_expire_time: _timestamp_pb2.Timestamp
    max_attempts: int
    succeeded_count_24h: int
    failed_count_24h: int
    last_success_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., endpoint_url: _Optional[str] = ..., event_types: _Optional[_Iterable[_Union[_integrations_events_pb2.WebhookEventType, str]]] = ..., sites: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ..., enabled: _Optional[bool] = ..., secret_hint: _Optional[str] = ..., previous_secret_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_attempts: _Optional[int] = ..., succeeded_count_24h: _Optional[int] = ..., failed_count_24h: _Optional[int] = ..., last_success_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WebhookPayload(_message.Message):
    __slots__ = ("id", "type", "occurred_at", "organization", "site", "activity", "retraction", "connection_change", "generic")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    RETRACTION_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_CHANGE_FIELD_NUMBER: _ClassVar[int]
    GENERIC_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    occurred_at: _timestamp_pb2.Timestamp
    organization: str
    site: str
    activity: _activity_pb2.ActivityEvent
    retraction: _activity_pb2.ActivityRetracted
    connection_change: _integrations_events_pb2.ConnectionChanged
    generic: WebhookGenericData
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., organization: _Optional[str] = ..., site: _Optional[str] = ..., activity: _Optional[_Union[_activity_pb2.ActivityEvent, _Mapping]] = ..., retraction: _Optional[_Union[_activity_pb2.ActivityRetracted, _Mapping]] = ..., connection_change: _Optional[_Union[_integrations_events_pb2.ConnectionChanged, _Mapping]] = ..., generic: _Optional[_Union[WebhookGenericData, _Mapping]] = ...) -> None: ...

class WebhookGenericData(_message.Message):
    __slots__ = ("values",)
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.ScalarMap[str, str]
    def __init__(self, values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class WebhookDeliveryAttempt(_message.Message):
    __slots__ = ("attempt_number", "start_time", "duration", "response_code", "response_body_excerpt", "error")
    ATTEMPT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_BODY_EXCERPT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    attempt_number: int
    start_time: _timestamp_pb2.Timestamp
    duration: _duration_pb2.Duration
    response_code: int
    response_body_excerpt: str
    error: str
    def __init__(self, attempt_number: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., response_code: _Optional[int] = ..., response_body_excerpt: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class WebhookDelivery(_message.Message):
    __slots__ = ("name", "event_id", "event_type", "state", "attempt_count", "last_response_code", "next_attempt_time", "attempts", "redelivery_of", "payload_json", "create_time", "complete_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    REDELIVERY_OF_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    event_id: str
    event_type: _integrations_events_pb2.WebhookEventType
    state: WebhookDeliveryState
    attempt_count: int
    last_response_code: int
    next_attempt_time: _timestamp_pb2.Timestamp
    attempts: _containers.RepeatedCompositeFieldContainer[WebhookDeliveryAttempt]
    redelivery_of: str
    payload_json: str
    create_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., event_id: _Optional[str] = ..., event_type: _Optional[_Union[_integrations_events_pb2.WebhookEventType, str]] = ..., state: _Optional[_Union[WebhookDeliveryState, str]] = ..., attempt_count: _Optional[int] = ..., last_response_code: _Optional[int] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempts: _Optional[_Iterable[_Union[WebhookDeliveryAttempt, _Mapping]]] = ..., redelivery_of: _Optional[str] = ..., payload_json: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetWebhookSubscriptionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetWebhookSubscriptionResponse(_message.Message):
    __slots__ = ("webhook_subscription",)
    WEBHOOK_SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    webhook_subscription: WebhookSubscription
    def __init__(self, webhook_subscription: _Optional[_Union[WebhookSubscription, _Mapping]] = ...) -> None: ...

class ListWebhookSubscriptionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListWebhookSubscriptionsResponse(_message.Message):
    __slots__ = ("webhook_subscriptions", "next_page_token")
    WEBHOOK_SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    webhook_subscriptions: _containers.RepeatedCompositeFieldContainer[WebhookSubscription]
    next_page_token: str
    def __init__(self, webhook_subscriptions: _Optional[_Iterable[_Union[WebhookSubscription, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateWebhookSubscriptionRequest(_message.Message):
    __slots__ = ("parent", "webhook_subscription", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    webhook_subscription: WebhookSubscription
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., webhook_subscription: _Optional[_Union[WebhookSubscription, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateWebhookSubscriptionResponse(_message.Message):
    __slots__ = ("webhook_subscription", "signing_secret")
    WEBHOOK_SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    webhook_subscription: WebhookSubscription
    signing_secret: str
    def __init__(self, webhook_subscription: _Optional[_Union[WebhookSubscription, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class UpdateWebhookSubscriptionRequest(_message.Message):
    __slots__ = ("webhook_subscription", "update_mask")
    WEBHOOK_SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    webhook_subscription: WebhookSubscription
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, webhook_subscription: _Optional[_Union[WebhookSubscription, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateWebhookSubscriptionResponse(_message.Message):
    __slots__ = ("webhook_subscription",)
    WEBHOOK_SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    webhook_subscription: WebhookSubscription
    def __init__(self, webhook_subscription: _Optional[_Union[WebhookSubscription, _Mapping]] = ...) -> None: ...

class DeleteWebhookSubscriptionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteWebhookSubscriptionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateWebhookSubscriptionSecretRequest(_message.Message):
    __slots__ = ("name", "overlap")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    name: str
    overlap: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., overlap: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RotateWebhookSubscriptionSecretResponse(_message.Message):
    __slots__ = ("webhook_subscription", "signing_secret")
    WEBHOOK_SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    webhook_subscription: WebhookSubscription
    signing_secret: str
    def __init__(self, webhook_subscription: _Optional[_Union[WebhookSubscription, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class TestWebhookSubscriptionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class TestWebhookSubscriptionResponse(_message.Message):
    __slots__ = ("webhook_delivery",)
    WEBHOOK_DELIVERY_FIELD_NUMBER: _ClassVar[int]
    webhook_delivery: WebhookDelivery
    def __init__(self, webhook_delivery: _Optional[_Union[WebhookDelivery, _Mapping]] = ...) -> None: ...

class GetWebhookDeliveryRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetWebhookDeliveryResponse(_message.Message):
    __slots__ = ("webhook_delivery",)
    WEBHOOK_DELIVERY_FIELD_NUMBER: _ClassVar[int]
    webhook_delivery: WebhookDelivery
    def __init__(self, webhook_delivery: _Optional[_Union[WebhookDelivery, _Mapping]] = ...) -> None: ...

class ListWebhookDeliveriesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListWebhookDeliveriesResponse(_message.Message):
    __slots__ = ("webhook_deliveries", "next_page_token")
    WEBHOOK_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    webhook_deliveries: _containers.RepeatedCompositeFieldContainer[WebhookDelivery]
    next_page_token: str
    def __init__(self, webhook_deliveries: _Optional[_Iterable[_Union[WebhookDelivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RedeliverWebhookDeliveryRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RedeliverWebhookDeliveryResponse(_message.Message):
    __slots__ = ("webhook_delivery",)
    WEBHOOK_DELIVERY_FIELD_NUMBER: _ClassVar[int]
    webhook_delivery: WebhookDelivery
    def __init__(self, webhook_delivery: _Optional[_Union[WebhookDelivery, _Mapping]] = ...) -> None: ...
