import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.events.v1 import activity_pb2 as _activity_pb2
from socialproof.events.v1 import integrations_events_pb2 as _integrations_events_pb2
from socialproof.integrations.v1 import mapping_pb2 as _mapping_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ShopifySettings(_message.Message):
    __slots__ = ("shop_domain", "granted_scopes", "webhook_topics", "authorize_time")
    SHOP_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    GRANTED_SCOPES_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_TOPICS_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZE_TIME_FIELD_NUMBER: _ClassVar[int]
    shop_domain: str
    granted_scopes: _containers.RepeatedScalarFieldContainer[str]
    webhook_topics: _containers.RepeatedScalarFieldContainer[str]
    authorize_time: _timestamp_pb2.Timestamp
    def __init__(self, shop_domain: _Optional[str] = ..., granted_scopes: _Optional[_Iterable[str]] = ..., webhook_topics: _Optional[_Iterable[str]] = ..., authorize_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WooCommerceSettings(_message.Message):
    __slots__ = ("store_url",)
    STORE_URL_FIELD_NUMBER: _ClassVar[int]
    store_url: str
    def __init__(self, store_url: _Optional[str] = ...) -> None: ...

class StripeSettings(_message.Message):
    __slots__ = ("account_id", "timestamp_tolerance")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    timestamp_tolerance: _duration_pb2.Duration
    def __init__(self, account_id: _Optional[str] = ..., timestamp_tolerance: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ZapierSettings(_message.Message):
    __slots__ = ("active_hook_count",)
    ACTIVE_HOOK_COUNT_FIELD_NUMBER: _ClassVar[int]
    active_hook_count: int
    def __init__(self, active_hook_count: _Optional[int] = ...) -> None: ...

class GenericSettings(_message.Message):
    __slots__ = ("mapping", "timestamp_tolerance")
    MAPPING_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    mapping: _mapping_pb2.PayloadMapping
    timestamp_tolerance: _duration_pb2.Duration
    def __init__(self, mapping: _Optional[_Union[_mapping_pb2.PayloadMapping, _Mapping]] = ..., timestamp_tolerance: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Connection(_message.Message):
    __slots__ = ("name", "provider", "display_name", "enabled", "status", "webhook_url", "secret_hint", "secret_rotate_time", "previous_secret_expire_time", "imported_kinds", "last_event_time", "last_error", "last_error_time", "accepted_count_24h", "rejected_count_24h", "shopify", "woocommerce", "stripe", "zapier", "generic", "create_time", "update_time", "has_store_credentials")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    SECRET_HINT_FIELD_NUMBER: _ClassVar[int]
    SECRET_ROTATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SECRET_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    IMPORTED_KINDS_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_COUNT_24H_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_24H_FIELD_NUMBER: _ClassVar[int]
    SHOPIFY_FIELD_NUMBER: _ClassVar[int]
    WOOCOMMERCE_FIELD_NUMBER: _ClassVar[int]
    STRIPE_FIELD_NUMBER: _ClassVar[int]
    ZAPIER_FIELD_NUMBER: _ClassVar[int]
    GENERIC_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    HAS_STORE_CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    name: str
    provider: _integrations_events_pb2.IntegrationProvider
    display_name: str
    enabled: bool
    status: _integrations_events_pb2.ConnectionStatus
    webhook_url: str
    secret_hint: str
    secret_rotate_time: _timestamp_pb2.Timestamp
    previous_secret_expire_time: _timestamp_pb2.Timestamp
    imported_kinds: _containers.RepeatedScalarFieldContainer[_activity_pb2.ActivityKind]
    last_event_time: _timestamp_pb2.Timestamp
    last_error: str
    last_error_time: _timestamp_pb2.Timestamp
    accepted_count_24h: int
    rejected_count_24h: int
    shopify: ShopifySettings
    woocommerce: WooCommerceSettings
    stripe: StripeSettings
    zapier: ZapierSettings
    generic: GenericSettings
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    has_store_credentials: bool
    def __init__(self, name: _Optional[str] = ..., provider: _Optional[_Union[_integrations_events_pb2.IntegrationProvider, str]] = ..., display_name: _Optional[str] = ..., enabled: _Optional[bool] = ..., status: _Optional[_Union[_integrations_events_pb2.ConnectionStatus, str]] = ..., webhook_url: _Optional[str] = ..., secret_hint: _Optional[str] = ..., secret_rotate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_secret_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., imported_kinds: _Optional[_Iterable[_Union[_activity_pb2.ActivityKind, str]]] = ..., last_event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., last_error_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accepted_count_24h: _Optional[int] = ..., rejected_count_24h: _Optional[int] = ..., shopify: _Optional[_Union[ShopifySettings, _Mapping]] = ..., woocommerce: _Optional[_Union[WooCommerceSettings, _Mapping]] = ..., stripe: _Optional[_Union[StripeSettings, _Mapping]] = ..., zapier: _Optional[_Union[ZapierSettings, _Mapping]] = ..., generic: _Optional[_Union[GenericSettings, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., has_store_credentials: _Optional[bool] = ...) -> None: ...

class GetConnectionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetConnectionResponse(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ...) -> None: ...

class ListConnectionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter", "order_by")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    order_by: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListConnectionsResponse(_message.Message):
    __slots__ = ("connections", "next_page_token")
    CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    connections: _containers.RepeatedCompositeFieldContainer[Connection]
    next_page_token: str
    def __init__(self, connections: _Optional[_Iterable[_Union[Connection, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateConnectionRequest(_message.Message):
    __slots__ = ("parent", "connection", "request_id", "provider_signing_secret")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    parent: str
    connection: Connection
    request_id: str
    provider_signing_secret: str
    def __init__(self, parent: _Optional[str] = ..., connection: _Optional[_Union[Connection, _Mapping]] = ..., request_id: _Optional[str] = ..., provider_signing_secret: _Optional[str] = ...) -> None: ...

class CreateConnectionResponse(_message.Message):
    __slots__ = ("connection", "signing_secret")
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    signing_secret: str
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class UpdateConnectionRequest(_message.Message):
    __slots__ = ("connection", "update_mask")
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateConnectionResponse(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ...) -> None: ...

class DeleteConnectionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteConnectionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateConnectionSecretRequest(_message.Message):
    __slots__ = ("name", "overlap", "provider_signing_secret")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    name: str
    overlap: _duration_pb2.Duration
    provider_signing_secret: str
    def __init__(self, name: _Optional[str] = ..., overlap: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., provider_signing_secret: _Optional[str] = ...) -> None: ...

class RotateConnectionSecretResponse(_message.Message):
    __slots__ = ("connection", "signing_secret")
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    signing_secret: str
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class WooCommerceCredentials(_message.Message):
    __slots__ = ("store_url", "consumer_key", "consumer_secret")
    STORE_URL_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_KEY_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_SECRET_FIELD_NUMBER: _ClassVar[int]
    store_url: str
    consumer_key: str
    consumer_secret: str
    def __init__(self, store_url: _Optional[str] = ..., consumer_key: _Optional[str] = ..., consumer_secret: _Optional[str] = ...) -> None: ...

class StripeCredentials(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    def __init__(self, api_key: _Optional[str] = ...) -> None: ...

class SetConnectionCredentialsRequest(_message.Message):
    __slots__ = ("name", "woocommerce", "stripe", "skip_verification")
    NAME_FIELD_NUMBER: _ClassVar[int]
    WOOCOMMERCE_FIELD_NUMBER: _ClassVar[int]
    STRIPE_FIELD_NUMBER: _ClassVar[int]
    SKIP_VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    woocommerce: WooCommerceCredentials
    stripe: StripeCredentials
    skip_verification: bool
    def __init__(self, name: _Optional[str] = ..., woocommerce: _Optional[_Union[WooCommerceCredentials, _Mapping]] = ..., stripe: _Optional[_Union[StripeCredentials, _Mapping]] = ..., skip_verification: _Optional[bool] = ...) -> None: ...

class SetConnectionCredentialsResponse(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ...) -> None: ...

class ClearConnectionCredentialsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ClearConnectionCredentialsResponse(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ...) -> None: ...
