import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetLiveVisitorsRequest(_message.Message):
    __slots__ = ("site", "page_url", "top_pages_limit")
    SITE_FIELD_NUMBER: _ClassVar[int]
    PAGE_URL_FIELD_NUMBER: _ClassVar[int]
    TOP_PAGES_LIMIT_FIELD_NUMBER: _ClassVar[int]
    site: str
    page_url: str
    top_pages_limit: int
    def __init__(self, site: _Optional[str] = ..., page_url: _Optional[str] = ..., top_pages_limit: _Optional[int] = ...) -> None: ...

class PageLiveCount(_message.Message):
    __slots__ = ("page_url", "visitor_count")
    PAGE_URL_FIELD_NUMBER: _ClassVar[int]
    VISITOR_COUNT_FIELD_NUMBER: _ClassVar[int]
    page_url: str
    visitor_count: int
    def __init__(self, page_url: _Optional[str] = ..., visitor_count: _Optional[int] = ...) -> None: ...

class GetLiveVisitorsResponse(_message.Message):
    __slots__ = ("visitor_count", "top_pages", "count_time")
    VISITOR_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOP_PAGES_FIELD_NUMBER: _ClassVar[int]
    COUNT_TIME_FIELD_NUMBER: _ClassVar[int]
    visitor_count: int
    top_pages: _containers.RepeatedCompositeFieldContainer[PageLiveCount]
    count_time: _timestamp_pb2.Timestamp
    def __init__(self, visitor_count: _Optional[int] = ..., top_pages: _Optional[_Iterable[_Union[PageLiveCount, _Mapping]]] = ..., count_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
