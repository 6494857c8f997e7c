import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.events.v1 import integrations_events_pb2 as _integrations_events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WebhookOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEBHOOK_OUTCOME_UNSPECIFIED: _ClassVar[WebhookOutcome]
    WEBHOOK_OUTCOME_ACCEPTED: _ClassVar[WebhookOutcome]
    WEBHOOK_OUTCOME_DUPLICATE: _ClassVar[WebhookOutcome]
    WEBHOOK_OUTCOME_IGNORED: _ClassVar[WebhookOutcome]
    WEBHOOK_OUTCOME_REJECTED_SIGNATURE: _ClassVar[WebhookOutcome]
    WEBHOOK_OUTCOME_REJECTED_STALE: _ClassVar[WebhookOutcome]
    WEBHOOK_OUTCOME_REJECTED_MALFORMED: _ClassVar[WebhookOutcome]
    WEBHOOK_OUTCOME_REJECTED_TOO_LARGE: _ClassVar[WebhookOutcome]
    WEBHOOK_OUTCOME_MAPPING_FAILED: _ClassVar[WebhookOutcome]
WEBHOOK_OUTCOME_UNSPECIFIED: WebhookOutcome
WEBHOOK_OUTCOME_ACCEPTED: WebhookOutcome
WEBHOOK_OUTCOME_DUPLICATE: WebhookOutcome
WEBHOOK_OUTCOME_IGNORED: WebhookOutcome
WEBHOOK_OUTCOME_REJECTED_SIGNATURE: WebhookOutcome
WEBHOOK_OUTCOME_REJECTED_STALE: WebhookOutcome
WEBHOOK_OUTCOME_REJECTED_MALFORMED: WebhookOutcome
WEBHOOK_OUTCOME_REJECTED_TOO_LARGE: WebhookOutcome
WEBHOOK_OUTCOME_MAPPING_FAILED: WebhookOutcome

class ReceiveWebhookRequest(_message.Message):
    __slots__ = ("provider", "connection", "http_body")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    HTTP_BODY_FIELD_NUMBER: _ClassVar[int]
    provider: str
    connection: str
    http_body: _httpbody_pb2.HttpBody
    def __init__(self, provider: _Optional[str] = ..., connection: _Optional[str] = ..., http_body: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class ReceiveWebhookResponse(_message.Message):
    __slots__ = ("receipt_id", "outcome", "activity_count", "retraction_count")
    RECEIPT_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_COUNT_FIELD_NUMBER: _ClassVar[int]
    RETRACTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    receipt_id: str
    outcome: WebhookOutcome
    activity_count: int
    retraction_count: int
    def __init__(self, receipt_id: _Optional[str] = ..., outcome: _Optional[_Union[WebhookOutcome, str]] = ..., activity_count: _Optional[int] = ..., retraction_count: _Optional[int] = ...) -> None: ...

class WebhookReceipt(_message.Message):
    __slots__ = ("name", "provider", "topic", "provider_delivery_id", "outcome", "error", "test", "body_bytes", "activity_ids", "retraction_count", "signed_with_previous_secret", "receive_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    BODY_BYTES_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_IDS_FIELD_NUMBER: _ClassVar[int]
    RETRACTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_WITH_PREVIOUS_SECRET_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    provider: _integrations_events_pb2.IntegrationProvider
    topic: str
    provider_delivery_id: str
    outcome: WebhookOutcome
    error: str
    test: bool
    body_bytes: int
    activity_ids: _containers.RepeatedScalarFieldContainer[str]
    retraction_count: int
    signed_with_previous_secret: bool
    receive_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., provider: _Optional[_Union[_integrations_events_pb2.IntegrationProvider, str]] = ..., topic: _Optional[str] = ..., provider_delivery_id: _Optional[str] = ..., outcome: _Optional[_Union[WebhookOutcome, str]] = ..., error: _Optional[str] = ..., test: _Optional[bool] = ..., body_bytes: _Optional[int] = ..., activity_ids: _Optional[_Iterable[str]] = ..., retraction_count: _Optional[int] = ..., signed_with_previous_secret: _Optional[bool] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetWebhookReceiptRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetWebhookReceiptResponse(_message.Message):
    __slots__ = ("webhook_receipt",)
    WEBHOOK_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    webhook_receipt: WebhookReceipt
    def __init__(self, webhook_receipt: _Optional[_Union[WebhookReceipt, _Mapping]] = ...) -> None: ...

class ListWebhookReceiptsRequest(_message.Message):
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

class ListWebhookReceiptsResponse(_message.Message):
    __slots__ = ("webhook_receipts", "next_page_token")
    WEBHOOK_RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    webhook_receipts: _containers.RepeatedCompositeFieldContainer[WebhookReceipt]
    next_page_token: str
    def __init__(self, webhook_receipts: _Optional[_Iterable[_Union[WebhookReceipt, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
