import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.events.v1 import activity_pb2 as _activity_pb2
from socialproof.notifications.v1 import sites_pb2 as _sites_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CampaignType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_TYPE_UNSPECIFIED: _ClassVar[CampaignType]
    CAMPAIGN_TYPE_RECENT_ACTIVITY: _ClassVar[CampaignType]
    CAMPAIGN_TYPE_LIVE_VISITORS: _ClassVar[CampaignType]
    CAMPAIGN_TYPE_AGGREGATE_COUNTER: _ClassVar[CampaignType]
    CAMPAIGN_TYPE_REVIEW: _ClassVar[CampaignType]
    CAMPAIGN_TYPE_ANNOUNCEMENT: _ClassVar[CampaignType]

class ImageSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMAGE_SOURCE_UNSPECIFIED: _ClassVar[ImageSource]
    IMAGE_SOURCE_NONE: _ClassVar[ImageSource]
    IMAGE_SOURCE_PRODUCT: _ClassVar[ImageSource]
    IMAGE_SOURCE_AVATAR: _ClassVar[ImageSource]
    IMAGE_SOURCE_MAP: _ClassVar[ImageSource]
    IMAGE_SOURCE_CUSTOM: _ClassVar[ImageSource]
    IMAGE_SOURCE_ICON: _ClassVar[ImageSource]

class TemplateIssueSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TEMPLATE_ISSUE_SEVERITY_UNSPECIFIED: _ClassVar[TemplateIssueSeverity]
    TEMPLATE_ISSUE_SEVERITY_ERROR: _ClassVar[TemplateIssueSeverity]
    TEMPLATE_ISSUE_SEVERITY_WARNING: _ClassVar[TemplateIssueSeverity]

class TemplateIssueCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TEMPLATE_ISSUE_CODE_UNSPECIFIED: _ClassVar[TemplateIssueCode]
    TEMPLATE_ISSUE_CODE_SYNTAX: _ClassVar[TemplateIssueCode]
    TEMPLATE_ISSUE_CODE_UNKNOWN_VARIABLE: _ClassVar[TemplateIssueCode]
    TEMPLATE_ISSUE_CODE_UNKNOWN_FILTER: _ClassVar[TemplateIssueCode]
    TEMPLATE_ISSUE_CODE_BAD_FILTER_ARGUMENT: _ClassVar[TemplateIssueCode]
    TEMPLATE_ISSUE_CODE_TOO_LONG: _ClassVar[TemplateIssueCode]
    TEMPLATE_ISSUE_CODE_UNSAFE_URL: _ClassVar[TemplateIssueCode]
    TEMPLATE_ISSUE_CODE_MISSING_FALLBACK: _ClassVar[TemplateIssueCode]
    TEMPLATE_ISSUE_CODE_REQUIRED: _ClassVar[TemplateIssueCode]
CAMPAIGN_TYPE_UNSPECIFIED: CampaignType
CAMPAIGN_TYPE_RECENT_ACTIVITY: CampaignType
CAMPAIGN_TYPE_LIVE_VISITORS: CampaignType
CAMPAIGN_TYPE_AGGREGATE_COUNTER: CampaignType
CAMPAIGN_TYPE_REVIEW: CampaignType
CAMPAIGN_TYPE_ANNOUNCEMENT: CampaignType
IMAGE_SOURCE_UNSPECIFIED: ImageSource
IMAGE_SOURCE_NONE: ImageSource
IMAGE_SOURCE_PRODUCT: ImageSource
IMAGE_SOURCE_AVATAR: ImageSource
IMAGE_SOURCE_MAP: ImageSource
IMAGE_SOURCE_CUSTOM: ImageSource
IMAGE_SOURCE_ICON: ImageSource
TEMPLATE_ISSUE_SEVERITY_UNSPECIFIED: TemplateIssueSeverity
TEMPLATE_ISSUE_SEVERITY_ERROR: TemplateIssueSeverity
TEMPLATE_ISSUE_SEVERITY_WARNING: TemplateIssueSeverity
TEMPLATE_ISSUE_CODE_UNSPECIFIED: TemplateIssueCode
TEMPLATE_ISSUE_CODE_SYNTAX: TemplateIssueCode
TEMPLATE_ISSUE_CODE_UNKNOWN_VARIABLE: TemplateIssueCode
TEMPLATE_ISSUE_CODE_UNKNOWN_FILTER: TemplateIssueCode
TEMPLATE_ISSUE_CODE_BAD_FILTER_ARGUMENT: TemplateIssueCode
TEMPLATE_ISSUE_CODE_TOO_LONG: TemplateIssueCode
TEMPLATE_ISSUE_CODE_UNSAFE_URL: TemplateIssueCode
TEMPLATE_ISSUE_CODE_MISSING_FALLBACK: TemplateIssueCode
TEMPLATE_ISSUE_CODE_REQUIRED: TemplateIssueCode

class TemplateContent(_message.Message):
    __slots__ = ("title", "body", "footer", "cta_text", "link_url", "image_source", "image_url", "anonymous_name", "show_verified_mark")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    FOOTER_FIELD_NUMBER: _ClassVar[int]
    CTA_TEXT_FIELD_NUMBER: _ClassVar[int]
    LINK_URL_FIELD_NUMBER: _ClassVar[int]
    IMAGE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_NAME_FIELD_NUMBER: _ClassVar[int]
    SHOW_VERIFIED_MARK_FIELD_NUMBER: _ClassVar[int]
    title: str
    body: str
    footer: str
    cta_text: str
    link_url: str
    image_source: ImageSource
    image_url: str
    anonymous_name: str
    show_verified_mark: bool
    def __init__(self, title: _Optional[str] = ..., body: _Optional[str] = ..., footer: _Optional[str] = ..., cta_text: _Optional[str] = ..., link_url: _Optional[str] = ..., image_source: _Optional[_Union[ImageSource, str]] = ..., image_url: _Optional[str] = ..., anonymous_name: _Optional[str] = ..., show_verified_mark: _Optional[bool] = ...) -> None: ...

class Template(_message.Message):
    __slots__ = ("name", "display_name", "campaign_type", "content", "locale", "builtin", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    BUILTIN_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    campaign_type: CampaignType
    content: TemplateContent
    locale: str
    builtin: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., campaign_type: _Optional[_Union[CampaignType, str]] = ..., content: _Optional[_Union[TemplateContent, _Mapping]] = ..., locale: _Optional[str] = ..., builtin: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class CreateTemplateRequest(_message.Message):
    __slots__ = ("parent", "template", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    template: Template
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., template: _Optional[_Union[Template, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class GetTemplateRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class ListTemplatesRequest(_message.Message):
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

class ListTemplatesResponse(_message.Message):
    __slots__ = ("templates", "next_page_token")
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[Template]
    next_page_token: str
    def __init__(self, templates: _Optional[_Iterable[_Union[Template, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateTemplateRequest(_message.Message):
    __slots__ = ("template", "update_mask")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    template: Template
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class DeleteTemplateRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteTemplateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBuiltinTemplatesRequest(_message.Message):
    __slots__ = ("campaign_type", "locale")
    CAMPAIGN_TYPE_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    campaign_type: CampaignType
    locale: str
    def __init__(self, campaign_type: _Optional[_Union[CampaignType, str]] = ..., locale: _Optional[str] = ...) -> None: ...

class ListBuiltinTemplatesResponse(_message.Message):
    __slots__ = ("templates",)
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[Template]
    def __init__(self, templates: _Optional[_Iterable[_Union[Template, _Mapping]]] = ...) -> None: ...

class TemplateIssue(_message.Message):
    __slots__ = ("field", "line", "column", "offset", "length", "severity", "code", "message")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    field: str
    line: int
    column: int
    offset: int
    length: int
    severity: TemplateIssueSeverity
    code: TemplateIssueCode
    message: str
    def __init__(self, field: _Optional[str] = ..., line: _Optional[int] = ..., column: _Optional[int] = ..., offset: _Optional[int] = ..., length: _Optional[int] = ..., severity: _Optional[_Union[TemplateIssueSeverity, str]] = ..., code: _Optional[_Union[TemplateIssueCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class ValidateTemplateRequest(_message.Message):
    __slots__ = ("parent", "campaign_type", "content")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    campaign_type: CampaignType
    content: TemplateContent
    def __init__(self, parent: _Optional[str] = ..., campaign_type: _Optional[_Union[CampaignType, str]] = ..., content: _Optional[_Union[TemplateContent, _Mapping]] = ...) -> None: ...

class ValidateTemplateResponse(_message.Message):
    __slots__ = ("valid", "issues", "variables")
    VALID_FIELD_NUMBER: _ClassVar[int]
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    issues: _containers.RepeatedCompositeFieldContainer[TemplateIssue]
    variables: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, valid: _Optional[bool] = ..., issues: _Optional[_Iterable[_Union[TemplateIssue, _Mapping]]] = ..., variables: _Optional[_Iterable[str]] = ...) -> None: ...

class PreviewTemplateRequest(_message.Message):
    __slots__ = ("parent", "campaign_type", "content", "sample_activity", "activity", "latest_activity", "count", "live_count", "anonymity", "locale")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    LATEST_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    LIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ANONYMITY_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    campaign_type: CampaignType
    content: TemplateContent
    sample_activity: _activity_pb2.ActivityEvent
    activity: str
    latest_activity: bool
    count: int
    live_count: int
    anonymity: _sites_pb2.AnonymityLevel
    locale: str
    def __init__(self, parent: _Optional[str] = ..., campaign_type: _Optional[_Union[CampaignType, str]] = ..., content: _Optional[_Union[TemplateContent, _Mapping]] = ..., sample_activity: _Optional[_Union[_activity_pb2.ActivityEvent, _Mapping]] = ..., activity: _Optional[str] = ..., latest_activity: _Optional[bool] = ..., count: _Optional[int] = ..., live_count: _Optional[int] = ..., anonymity: _Optional[_Union[_sites_pb2.AnonymityLevel, str]] = ..., locale: _Optional[str] = ...) -> None: ...

class PreviewTemplateResponse(_message.Message):
    __slots__ = ("notification", "issues")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    notification: RenderedNotification
    issues: _containers.RepeatedCompositeFieldContainer[TemplateIssue]
    def __init__(self, notification: _Optional[_Union[RenderedNotification, _Mapping]] = ..., issues: _Optional[_Iterable[_Union[TemplateIssue, _Mapping]]] = ...) -> None: ...

class TextSpan(_message.Message):
    __slots__ = ("text", "emphasized", "relative_time", "live_count")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    EMPHASIZED_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    LIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    text: str
    emphasized: bool
    relative_time: _timestamp_pb2.Timestamp
    live_count: bool
    def __init__(self, text: _Optional[str] = ..., emphasized: _Optional[bool] = ..., relative_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., live_count: _Optional[bool] = ...) -> None: ...

class RenderedNotification(_message.Message):
    __slots__ = ("notification_id", "campaign_id", "variant_id", "activity_id", "title_spans", "body_spans", "footer_spans", "accessible_text", "cta_text", "link_url", "image_url", "image_source", "fallback_initials", "occurred_at", "verified", "source", "anonymous", "actor_visitor_hash", "rating")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VARIANT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_SPANS_FIELD_NUMBER: _ClassVar[int]
    BODY_SPANS_FIELD_NUMBER: _ClassVar[int]
    FOOTER_SPANS_FIELD_NUMBER: _ClassVar[int]
    ACCESSIBLE_TEXT_FIELD_NUMBER: _ClassVar[int]
    CTA_TEXT_FIELD_NUMBER: _ClassVar[int]
    LINK_URL_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    IMAGE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_INITIALS_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_VISITOR_HASH_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    campaign_id: str
    variant_id: str
    activity_id: str
    title_spans: _containers.RepeatedCompositeFieldContainer[TextSpan]
    body_spans: _containers.RepeatedCompositeFieldContainer[TextSpan]
    footer_spans: _containers.RepeatedCompositeFieldContainer[TextSpan]
    accessible_text: str
    cta_text: str
    link_url: str
    image_url: str
    image_source: ImageSource
    fallback_initials: str
    occurred_at: _timestamp_pb2.Timestamp
    verified: bool
    source: _activity_pb2.ActivitySource
    anonymous: bool
    actor_visitor_hash: str
    rating: float
    def __init__(self, notification_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., variant_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., title_spans: _Optional[_Iterable[_Union[TextSpan, _Mapping]]] = ..., body_spans: _Optional[_Iterable[_Union[TextSpan, _Mapping]]] = ..., footer_spans: _Optional[_Iterable[_Union[TextSpan, _Mapping]]] = ..., accessible_text: _Optional[str] = ..., cta_text: _Optional[str] = ..., link_url: _Optional[str] = ..., image_url: _Optional[str] = ..., image_source: _Optional[_Union[ImageSource, str]] = ..., fallback_initials: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., verified: _Optional[bool] = ..., source: _Optional[_Union[_activity_pb2.ActivitySource, str]] = ..., anonymous: _Optional[bool] = ..., actor_visitor_hash: _Optional[str] = ..., rating: _Optional[float] = ...) -> None: ...
