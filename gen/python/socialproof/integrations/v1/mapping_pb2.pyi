from google.api import field_behavior_pb2 as _field_behavior_pb2
from socialproof.events.v1 import activity_pb2 as _activity_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MappingTarget(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MAPPING_TARGET_UNSPECIFIED: _ClassVar[MappingTarget]
    MAPPING_TARGET_KIND: _ClassVar[MappingTarget]
    MAPPING_TARGET_CUSTOM_KIND: _ClassVar[MappingTarget]
    MAPPING_TARGET_FIRST_NAME: _ClassVar[MappingTarget]
    MAPPING_TARGET_LAST_INITIAL: _ClassVar[MappingTarget]
    MAPPING_TARGET_AVATAR_URL: _ClassVar[MappingTarget]
    MAPPING_TARGET_CITY: _ClassVar[MappingTarget]
    MAPPING_TARGET_REGION: _ClassVar[MappingTarget]
    MAPPING_TARGET_COUNTRY_CODE: _ClassVar[MappingTarget]
    MAPPING_TARGET_PRODUCT_NAME: _ClassVar[MappingTarget]
    MAPPING_TARGET_PRODUCT_URL: _ClassVar[MappingTarget]
    MAPPING_TARGET_PRODUCT_IMAGE_URL: _ClassVar[MappingTarget]
    MAPPING_TARGET_PRODUCT_REF: _ClassVar[MappingTarget]
    MAPPING_TARGET_AMOUNT: _ClassVar[MappingTarget]
    MAPPING_TARGET_CURRENCY_CODE: _ClassVar[MappingTarget]
    MAPPING_TARGET_QUANTITY: _ClassVar[MappingTarget]
    MAPPING_TARGET_OCCURRED_AT: _ClassVar[MappingTarget]
    MAPPING_TARGET_SOURCE_REF: _ClassVar[MappingTarget]
    MAPPING_TARGET_VERIFIED: _ClassVar[MappingTarget]
    MAPPING_TARGET_TEST: _ClassVar[MappingTarget]
    MAPPING_TARGET_ATTRIBUTE: _ClassVar[MappingTarget]
    MAPPING_TARGET_REVIEW_RATING: _ClassVar[MappingTarget]
    MAPPING_TARGET_REVIEW_TITLE: _ClassVar[MappingTarget]
    MAPPING_TARGET_REVIEW_TEXT: _ClassVar[MappingTarget]
    MAPPING_TARGET_VISITOR_ID: _ClassVar[MappingTarget]

class MappingTransformType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MAPPING_TRANSFORM_TYPE_UNSPECIFIED: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_TRIM: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_LOWERCASE: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_UPPERCASE: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_TITLE_CASE: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_FIRST_WORD: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_LAST_WORD: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_TRUNCATE: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_DECIMAL_TO_MINOR_UNITS: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_UNIX_SECONDS: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_UNIX_MILLIS: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_PARSE_TIME: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_COUNTRY_NAME_TO_CODE: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_LOOKUP: _ClassVar[MappingTransformType]
    MAPPING_TRANSFORM_TYPE_SCALE: _ClassVar[MappingTransformType]

class ViolationSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIOLATION_SEVERITY_UNSPECIFIED: _ClassVar[ViolationSeverity]
    VIOLATION_SEVERITY_ERROR: _ClassVar[ViolationSeverity]
    VIOLATION_SEVERITY_WARNING: _ClassVar[ViolationSeverity]
MAPPING_TARGET_UNSPECIFIED: MappingTarget
MAPPING_TARGET_KIND: MappingTarget
MAPPING_TARGET_CUSTOM_KIND: MappingTarget
MAPPING_TARGET_FIRST_NAME: MappingTarget
MAPPING_TARGET_LAST_INITIAL: MappingTarget
MAPPING_TARGET_AVATAR_URL: MappingTarget
MAPPING_TARGET_CITY: MappingTarget
MAPPING_TARGET_REGION: MappingTarget
MAPPING_TARGET_COUNTRY_CODE: MappingTarget
MAPPING_TARGET_PRODUCT_NAME: MappingTarget
MAPPING_TARGET_PRODUCT_URL: MappingTarget
MAPPING_TARGET_PRODUCT_IMAGE_URL: MappingTarget
MAPPING_TARGET_PRODUCT_REF: MappingTarget
MAPPING_TARGET_AMOUNT: MappingTarget
MAPPING_TARGET_CURRENCY_CODE: MappingTarget
MAPPING_TARGET_QUANTITY: MappingTarget
MAPPING_TARGET_OCCURRED_AT: MappingTarget
MAPPING_TARGET_SOURCE_REF: MappingTarget
MAPPING_TARGET_VERIFIED: MappingTarget
MAPPING_TARGET_TEST: MappingTarget
MAPPING_TARGET_ATTRIBUTE: MappingTarget
MAPPING_TARGET_REVIEW_RATING: MappingTarget
MAPPING_TARGET_REVIEW_TITLE: MappingTarget
MAPPING_TARGET_REVIEW_TEXT: MappingTarget
MAPPING_TARGET_VISITOR_ID: MappingTarget
MAPPING_TRANSFORM_TYPE_UNSPECIFIED: MappingTransformType
MAPPING_TRANSFORM_TYPE_TRIM: MappingTransformType
MAPPING_TRANSFORM_TYPE_LOWERCASE: MappingTransformType
MAPPING_TRANSFORM_TYPE_UPPERCASE: MappingTransformType
MAPPING_TRANSFORM_TYPE_TITLE_CASE: MappingTransformType
MAPPING_TRANSFORM_TYPE_FIRST_WORD: MappingTransformType
MAPPING_TRANSFORM_TYPE_LAST_WORD: MappingTransformType
MAPPING_TRANSFORM_TYPE_TRUNCATE: MappingTransformType
MAPPING_TRANSFORM_TYPE_DECIMAL_TO_MINOR_UNITS: MappingTransformType
MAPPING_TRANSFORM_TYPE_UNIX_SECONDS: MappingTransformType
MAPPING_TRANSFORM_TYPE_UNIX_MILLIS: MappingTransformType
MAPPING_TRANSFORM_TYPE_PARSE_TIME: MappingTransformType
MAPPING_TRANSFORM_TYPE_COUNTRY_NAME_TO_CODE: MappingTransformType
MAPPING_TRANSFORM_TYPE_LOOKUP: MappingTransformType
MAPPING_TRANSFORM_TYPE_SCALE: MappingTransformType
VIOLATION_SEVERITY_UNSPECIFIED: ViolationSeverity
VIOLATION_SEVERITY_ERROR: ViolationSeverity
VIOLATION_SEVERITY_WARNING: ViolationSeverity

class MappingTransform(_message.Message):
    __slots__ = ("type", "argument", "lookup")
    class LookupEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ARGUMENT_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FIELD_NUMBER: _ClassVar[int]
    type: MappingTransformType
    argument: str
    lookup: _containers.ScalarMap[str, str]
    def __init__(self, type: _Optional[_Union[MappingTransformType, str]] = ..., argument: _Optional[str] = ..., lookup: _Optional[_Mapping[str, str]] = ...) -> None: ...

class FieldMapping(_message.Message):
    __slots__ = ("target", "attribute_key", "path", "fallback_paths", "default_value", "transforms", "required")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_KEY_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_PATHS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRANSFORMS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    target: MappingTarget
    attribute_key: str
    path: str
    fallback_paths: _containers.RepeatedScalarFieldContainer[str]
    default_value: str
    transforms: _containers.RepeatedCompositeFieldContainer[MappingTransform]
    required: bool
    def __init__(self, target: _Optional[_Union[MappingTarget, str]] = ..., attribute_key: _Optional[str] = ..., path: _Optional[str] = ..., fallback_paths: _Optional[_Iterable[str]] = ..., default_value: _Optional[str] = ..., transforms: _Optional[_Iterable[_Union[MappingTransform, _Mapping]]] = ..., required: _Optional[bool] = ...) -> None: ...

class PayloadCondition(_message.Message):
    __slots__ = ("path", "values")
    PATH_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    path: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, path: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class PayloadMapping(_message.Message):
    __slots__ = ("default_kind", "fields", "items_path", "conditions", "retraction_conditions", "retraction_reason", "mark_verified")
    DEFAULT_KIND_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_PATH_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    RETRACTION_CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    RETRACTION_REASON_FIELD_NUMBER: _ClassVar[int]
    MARK_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    default_kind: _activity_pb2.ActivityKind
    fields: _containers.RepeatedCompositeFieldContainer[FieldMapping]
    items_path: str
    conditions: _containers.RepeatedCompositeFieldContainer[PayloadCondition]
    retraction_conditions: _containers.RepeatedCompositeFieldContainer[PayloadCondition]
    retraction_reason: _activity_pb2.ActivityRetractionReason
    mark_verified: bool
    def __init__(self, default_kind: _Optional[_Union[_activity_pb2.ActivityKind, str]] = ..., fields: _Optional[_Iterable[_Union[FieldMapping, _Mapping]]] = ..., items_path: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[PayloadCondition, _Mapping]]] = ..., retraction_conditions: _Optional[_Iterable[_Union[PayloadCondition, _Mapping]]] = ..., retraction_reason: _Optional[_Union[_activity_pb2.ActivityRetractionReason, str]] = ..., mark_verified: _Optional[bool] = ...) -> None: ...

class MappingViolation(_message.Message):
    __slots__ = ("field", "payload_path", "description", "severity")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_PATH_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    field: str
    payload_path: str
    description: str
    severity: ViolationSeverity
    def __init__(self, field: _Optional[str] = ..., payload_path: _Optional[str] = ..., description: _Optional[str] = ..., severity: _Optional[_Union[ViolationSeverity, str]] = ...) -> None: ...

class ValidatePayloadMappingRequest(_message.Message):
    __slots__ = ("mapping",)
    MAPPING_FIELD_NUMBER: _ClassVar[int]
    mapping: PayloadMapping
    def __init__(self, mapping: _Optional[_Union[PayloadMapping, _Mapping]] = ...) -> None: ...

class ValidatePayloadMappingResponse(_message.Message):
    __slots__ = ("valid", "violations")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    violations: _containers.RepeatedCompositeFieldContainer[MappingViolation]
    def __init__(self, valid: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[MappingViolation, _Mapping]]] = ...) -> None: ...

class TestDeliveryRequest(_message.Message):
    __slots__ = ("connection", "payload", "topic", "mapping")
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    MAPPING_FIELD_NUMBER: _ClassVar[int]
    connection: str
    payload: str
    topic: str
    mapping: PayloadMapping
    def __init__(self, connection: _Optional[str] = ..., payload: _Optional[str] = ..., topic: _Optional[str] = ..., mapping: _Optional[_Union[PayloadMapping, _Mapping]] = ...) -> None: ...

class TestDeliveryResponse(_message.Message):
    __slots__ = ("activities", "retractions", "violations", "ignored", "ignored_reason")
    ACTIVITIES_FIELD_NUMBER: _ClassVar[int]
    RETRACTIONS_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    IGNORED_FIELD_NUMBER: _ClassVar[int]
    IGNORED_REASON_FIELD_NUMBER: _ClassVar[int]
    activities: _containers.RepeatedCompositeFieldContainer[_activity_pb2.ActivityEvent]
    retractions: _containers.RepeatedCompositeFieldContainer[_activity_pb2.ActivityRetracted]
    violations: _containers.RepeatedCompositeFieldContainer[MappingViolation]
    ignored: bool
    ignored_reason: str
    def __init__(self, activities: _Optional[_Iterable[_Union[_activity_pb2.ActivityEvent, _Mapping]]] = ..., retractions: _Optional[_Iterable[_Union[_activity_pb2.ActivityRetracted, _Mapping]]] = ..., violations: _Optional[_Iterable[_Union[MappingViolation, _Mapping]]] = ..., ignored: _Optional[bool] = ..., ignored_reason: _Optional[str] = ...) -> None: ...
