import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StartShopifyInstallRequest(_message.Message):
    __slots__ = ("parent", "shop_domain", "connection", "return_path")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    SHOP_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    RETURN_PATH_FIELD_NUMBER: _ClassVar[int]
    parent: str
    shop_domain: str
    connection: str
    return_path: str
    def __init__(self, parent: _Optional[str] = ..., shop_domain: _Optional[str] = ..., connection: _Optional[str] = ..., return_path: _Optional[str] = ...) -> None: ...

class StartShopifyInstallResponse(_message.Message):
    __slots__ = ("install_url", "state", "expire_time", "connection")
    INSTALL_URL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    install_url: str
    state: str
    expire_time: _timestamp_pb2.Timestamp
    connection: str
    def __init__(self, install_url: _Optional[str] = ..., state: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., connection: _Optional[str] = ...) -> None: ...

class HandleShopifyCallbackRequest(_message.Message):
    __slots__ = ("code", "hmac", "host", "shop", "state", "timestamp")
    CODE_FIELD_NUMBER: _ClassVar[int]
    HMAC_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    SHOP_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    code: str
    hmac: str
    host: str
    shop: str
    state: str
    timestamp: str
    def __init__(self, code: _Optional[str] = ..., hmac: _Optional[str] = ..., host: _Optional[str] = ..., shop: _Optional[str] = ..., state: _Optional[str] = ..., timestamp: _Optional[str] = ...) -> None: ...

class HandleShopifyCallbackResponse(_message.Message):
    __slots__ = ("http_body",)
    HTTP_BODY_FIELD_NUMBER: _ClassVar[int]
    http_body: _httpbody_pb2.HttpBody
    def __init__(self, http_body: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...
