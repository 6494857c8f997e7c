import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.events.v1 import activity_pb2 as _activity_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FormFieldTarget(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FORM_FIELD_TARGET_UNSPECIFIED: _ClassVar[FormFieldTarget]
    FORM_FIELD_TARGET_FIRST_NAME: _ClassVar[FormFieldTarget]
    FORM_FIELD_TARGET_LAST_NAME: _ClassVar[FormFieldTarget]
    FORM_FIELD_TARGET_CITY: _ClassVar[FormFieldTarget]
    FORM_FIELD_TARGET_REGION: _ClassVar[FormFieldTarget]
    FORM_FIELD_TARGET_COUNTRY: _ClassVar[FormFieldTarget]
    FORM_FIELD_TARGET_EMAIL_FOR_AVATAR: _ClassVar[FormFieldTarget]
    FORM_FIELD_TARGET_PRODUCT_NAME: _ClassVar[FormFieldTarget]
    FORM_FIELD_TARGET_ATTRIBUTE: _ClassVar[FormFieldTarget]
FORM_FIELD_TARGET_UNSPECIFIED: FormFieldTarget
FORM_FIELD_TARGET_FIRST_NAME: FormFieldTarget
FORM_FIELD_TARGET_LAST_NAME: FormFieldTarget
FORM_FIELD_TARGET_CITY: FormFieldTarget
FORM_FIELD_TARGET_REGION: FormFieldTarget
FORM_FIELD_TARGET_COUNTRY: FormFieldTarget
FORM_FIELD_TARGET_EMAIL_FOR_AVATAR: FormFieldTarget
FORM_FIELD_TARGET_PRODUCT_NAME: FormFieldTarget
FORM_FIELD_TARGET_ATTRIBUTE: FormFieldTarget

class FormFieldRule(_message.Message):
    __slots__ = ("form_field", "target", "attribute_key")
    FORM_FIELD_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_KEY_FIELD_NUMBER: _ClassVar[int]
    form_field: str
    target: FormFieldTarget
    attribute_key: str
    def __init__(self, form_field: _Optional[str] = ..., target: _Optional[_Union[FormFieldTarget, str]] = ..., attribute_key: _Optional[str] = ...) -> None: ...

class FormCaptureRule(_message.Message):
    __slots__ = ("rule_id", "display_name", "form_selector", "url_patterns", "activity_kind", "default_product_name", "fields")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    FORM_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    URL_PATTERNS_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_KIND_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PRODUCT_NAME_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    display_name: str
    form_selector: str
    url_patterns: _containers.RepeatedScalarFieldContainer[str]
    activity_kind: _activity_pb2.ActivityKind
    default_product_name: str
    fields: _containers.RepeatedCompositeFieldContainer[FormFieldRule]
    def __init__(self, rule_id: _Optional[str] = ..., display_name: _Optional[str] = ..., form_selector: _Optional[str] = ..., url_patterns: _Optional[_Iterable[str]] = ..., activity_kind: _Optional[_Union[_activity_pb2.ActivityKind, str]] = ..., default_product_name: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[FormFieldRule, _Mapping]]] = ...) -> None: ...

class FormCaptureSettings(_message.Message):
    __slots__ = ("name", "enabled", "require_consent", "rules", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_CONSENT_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    enabled: bool
    require_consent: bool
    rules: _containers.RepeatedCompositeFieldContainer[FormCaptureRule]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., enabled: _Optional[bool] = ..., require_consent: _Optional[bool] = ..., rules: _Optional[_Iterable[_Union[FormCaptureRule, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WidgetFormRule(_message.Message):
    __slots__ = ("rule_id", "form_selector", "url_patterns", "allowed_fields")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    URL_PATTERNS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    form_selector: str
    url_patterns: _containers.RepeatedScalarFieldContainer[str]
    allowed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, rule_id: _Optional[str] = ..., form_selector: _Optional[str] = ..., url_patterns: _Optional[_Iterable[str]] = ..., allowed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class GetWidgetFormConfigRequest(_message.Message):
    __slots__ = ("site_key",)
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    site_key: str
    def __init__(self, site_key: _Optional[str] = ...) -> None: ...

class GetWidgetFormConfigResponse(_message.Message):
    __slots__ = ("enabled", "require_consent", "rules")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_CONSENT_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    require_consent: bool
    rules: _containers.RepeatedCompositeFieldContainer[WidgetFormRule]
    def __init__(self, enabled: _Optional[bool] = ..., require_consent: _Optional[bool] = ..., rules: _Optional[_Iterable[_Union[WidgetFormRule, _Mapping]]] = ...) -> None: ...

class SubmitFormRequest(_message.Message):
    __slots__ = ("site_key", "submission_id", "rule_id", "page_url", "fields", "visitor_id", "consent_given", "occurred_at")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_URL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_GIVEN_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    site_key: str
    submission_id: str
    rule_id: str
    page_url: str
    fields: _containers.ScalarMap[str, str]
    visitor_id: str
    consent_given: bool
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, site_key: _Optional[str] = ..., submission_id: _Optional[str] = ..., rule_id: _Optional[str] = ..., page_url: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ..., visitor_id: _Optional[str] = ..., consent_given: _Optional[bool] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitFormResponse(_message.Message):
    __slots__ = ("accepted",)
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    def __init__(self, accepted: _Optional[bool] = ...) -> None: ...

class GetFormCaptureSettingsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetFormCaptureSettingsResponse(_message.Message):
    __slots__ = ("form_capture_settings",)
    FORM_CAPTURE_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    form_capture_settings: FormCaptureSettings
    def __init__(self, form_capture_settings: _Optional[_Union[FormCaptureSettings, _Mapping]] = ...) -> None: ...

class UpdateFormCaptureSettingsRequest(_message.Message):
    __slots__ = ("form_capture_settings", "update_mask")
    FORM_CAPTURE_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    form_capture_settings: FormCaptureSettings
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, form_capture_settings: _Optional[_Union[FormCaptureSettings, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateFormCaptureSettingsResponse(_message.Message):
    __slots__ = ("form_capture_settings",)
    FORM_CAPTURE_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    form_capture_settings: FormCaptureSettings
    def __init__(self, form_capture_settings: _Optional[_Union[FormCaptureSettings, _Mapping]] = ...) -> None: ...
