import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IntegrationProvider(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTEGRATION_PROVIDER_UNSPECIFIED: _ClassVar[IntegrationProvider]
    INTEGRATION_PROVIDER_SHOPIFY: _ClassVar[IntegrationProvider]
    INTEGRATION_PROVIDER_WOOCOMMERCE: _ClassVar[IntegrationProvider]
    INTEGRATION_PROVIDER_STRIPE: _ClassVar[IntegrationProvider]
    INTEGRATION_PROVIDER_ZAPIER: _ClassVar[IntegrationProvider]
    INTEGRATION_PROVIDER_GENERIC: _ClassVar[IntegrationProvider]

class ConnectionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTION_STATUS_UNSPECIFIED: _ClassVar[ConnectionStatus]
    CONNECTION_STATUS_PENDING: _ClassVar[ConnectionStatus]
    CONNECTION_STATUS_ACTIVE: _ClassVar[ConnectionStatus]
    CONNECTION_STATUS_PAUSED: _ClassVar[ConnectionStatus]
    CONNECTION_STATUS_FAILING: _ClassVar[ConnectionStatus]
    CONNECTION_STATUS_DISCONNECTED: _ClassVar[ConnectionStatus]

class WebhookEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEBHOOK_EVENT_TYPE_UNSPECIFIED: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_ACTIVITY_RETRACTED: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_FORM_SUBMITTED: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_CONNECTION_CHANGED: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_CAMPAIGN_CHANGED: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_QUOTA_WARNING: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_QUOTA_EXCEEDED: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_PING: _ClassVar[WebhookEventType]

class ConnectionChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTION_CHANGE_TYPE_UNSPECIFIED: _ClassVar[ConnectionChangeType]
    CONNECTION_CHANGE_TYPE_CREATED: _ClassVar[ConnectionChangeType]
    CONNECTION_CHANGE_TYPE_UPDATED: _ClassVar[ConnectionChangeType]
    CONNECTION_CHANGE_TYPE_STATUS_CHANGED: _ClassVar[ConnectionChangeType]
    CONNECTION_CHANGE_TYPE_SECRET_ROTATED: _ClassVar[ConnectionChangeType]
    CONNECTION_CHANGE_TYPE_AUTHORIZED: _ClassVar[ConnectionChangeType]
    CONNECTION_CHANGE_TYPE_DELETED: _ClassVar[ConnectionChangeType]
INTEGRATION_PROVIDER_UNSPECIFIED: IntegrationProvider
INTEGRATION_PROVIDER_SHOPIFY: IntegrationProvider
INTEGRATION_PROVIDER_WOOCOMMERCE: IntegrationProvider
INTEGRATION_PROVIDER_STRIPE: IntegrationProvider
INTEGRATION_PROVIDER_ZAPIER: IntegrationProvider
INTEGRATION_PROVIDER_GENERIC: IntegrationProvider
CONNECTION_STATUS_UNSPECIFIED: ConnectionStatus
CONNECTION_STATUS_PENDING: ConnectionStatus
CONNECTION_STATUS_ACTIVE: ConnectionStatus
CONNECTION_STATUS_PAUSED: ConnectionStatus
CONNECTION_STATUS_FAILING: ConnectionStatus
CONNECTION_STATUS_DISCONNECTED: ConnectionStatus
WEBHOOK_EVENT_TYPE_UNSPECIFIED: WebhookEventType
WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED: WebhookEventType
WEBHOOK_EVENT_TYPE_ACTIVITY_RETRACTED: WebhookEventType
WEBHOOK_EVENT_TYPE_FORM_SUBMITTED: WebhookEventType
WEBHOOK_EVENT_TYPE_CONNECTION_CHANGED: WebhookEventType
WEBHOOK_EVENT_TYPE_CAMPAIGN_CHANGED: WebhookEventType
WEBHOOK_EVENT_TYPE_QUOTA_WARNING: WebhookEventType
WEBHOOK_EVENT_TYPE_QUOTA_EXCEEDED: WebhookEventType
WEBHOOK_EVENT_TYPE_PING: WebhookEventType
CONNECTION_CHANGE_TYPE_UNSPECIFIED: ConnectionChangeType
CONNECTION_CHANGE_TYPE_CREATED: ConnectionChangeType
CONNECTION_CHANGE_TYPE_UPDATED: ConnectionChangeType
CONNECTION_CHANGE_TYPE_STATUS_CHANGED: ConnectionChangeType
CONNECTION_CHANGE_TYPE_SECRET_ROTATED: ConnectionChangeType
CONNECTION_CHANGE_TYPE_AUTHORIZED: ConnectionChangeType
CONNECTION_CHANGE_TYPE_DELETED: ConnectionChangeType

class ConnectionChanged(_message.Message):
    __slots__ = ("org_id", "site_id", "connection_id", "connection_name", "provider", "change_type", "status", "previous_status", "reason", "actor_user_id", "change_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    site_id: str
    connection_id: str
    connection_name: str
    provider: IntegrationProvider
    change_type: ConnectionChangeType
    status: ConnectionStatus
    previous_status: ConnectionStatus
    reason: str
    actor_user_id: str
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., site_id: _Optional[str] = ..., connection_id: _Optional[str] = ..., connection_name: _Optional[str] = ..., provider: _Optional[_Union[IntegrationProvider, str]] = ..., change_type: _Optional[_Union[ConnectionChangeType, str]] = ..., status: _Optional[_Union[ConnectionStatus, str]] = ..., previous_status: _Optional[_Union[ConnectionStatus, str]] = ..., reason: _Optional[str] = ..., actor_user_id: _Optional[str] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OutboundDeliveryFailed(_message.Message):
    __slots__ = ("org_id", "subscription_id", "delivery_name", "event_type", "event_id", "endpoint_host", "attempt_count", "last_response_code", "last_error", "dead_lettered", "next_attempt_time", "failure_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_HOST_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERED_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    FAILURE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    subscription_id: str
    delivery_name: str
    event_type: WebhookEventType
    event_id: str
    endpoint_host: str
    attempt_count: int
    last_response_code: int
    last_error: str
    dead_lettered: bool
    next_attempt_time: _timestamp_pb2.Timestamp
    failure_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., delivery_name: _Optional[str] = ..., event_type: _Optional[_Union[WebhookEventType, str]] = ..., event_id: _Optional[str] = ..., endpoint_host: _Optional[str] = ..., attempt_count: _Optional[int] = ..., last_response_code: _Optional[int] = ..., last_error: _Optional[str] = ..., dead_lettered: _Optional[bool] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
