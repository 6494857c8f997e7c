import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from socialproof.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_ACTION_UNSPECIFIED: _ClassVar[RuleAction]
    RULE_ACTION_INCLUDE: _ClassVar[RuleAction]
    RULE_ACTION_EXCLUDE: _ClassVar[RuleAction]

class MatchType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCH_TYPE_UNSPECIFIED: _ClassVar[MatchType]
    MATCH_TYPE_EXACT: _ClassVar[MatchType]
    MATCH_TYPE_CONTAINS: _ClassVar[MatchType]
    MATCH_TYPE_PREFIX: _ClassVar[MatchType]
    MATCH_TYPE_GLOB: _ClassVar[MatchType]
    MATCH_TYPE_REGEX: _ClassVar[MatchType]

class UrlComponent(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    URL_COMPONENT_UNSPECIFIED: _ClassVar[UrlComponent]
    URL_COMPONENT_FULL_URL: _ClassVar[UrlComponent]
    URL_COMPONENT_PATH: _ClassVar[UrlComponent]
    URL_COMPONENT_HOST: _ClassVar[UrlComponent]

class UtmParameter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UTM_PARAMETER_UNSPECIFIED: _ClassVar[UtmParameter]
    UTM_PARAMETER_SOURCE: _ClassVar[UtmParameter]
    UTM_PARAMETER_MEDIUM: _ClassVar[UtmParameter]
    UTM_PARAMETER_CAMPAIGN: _ClassVar[UtmParameter]
    UTM_PARAMETER_TERM: _ClassVar[UtmParameter]
    UTM_PARAMETER_CONTENT: _ClassVar[UtmParameter]

class VisitorType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VISITOR_TYPE_UNSPECIFIED: _ClassVar[VisitorType]
    VISITOR_TYPE_NEW: _ClassVar[VisitorType]
    VISITOR_TYPE_RETURNING: _ClassVar[VisitorType]

class Weekday(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEEKDAY_UNSPECIFIED: _ClassVar[Weekday]
    WEEKDAY_MONDAY: _ClassVar[Weekday]
    WEEKDAY_TUESDAY: _ClassVar[Weekday]
    WEEKDAY_WEDNESDAY: _ClassVar[Weekday]
    WEEKDAY_THURSDAY: _ClassVar[Weekday]
    WEEKDAY_FRIDAY: _ClassVar[Weekday]
    WEEKDAY_SATURDAY: _ClassVar[Weekday]
    WEEKDAY_SUNDAY: _ClassVar[Weekday]
RULE_ACTION_UNSPECIFIED: RuleAction
RULE_ACTION_INCLUDE: RuleAction
RULE_ACTION_EXCLUDE: RuleAction
MATCH_TYPE_UNSPECIFIED: MatchType
MATCH_TYPE_EXACT: MatchType
MATCH_TYPE_CONTAINS: MatchType
MATCH_TYPE_PREFIX: MatchType
MATCH_TYPE_GLOB: MatchType
MATCH_TYPE_REGEX: MatchType
URL_COMPONENT_UNSPECIFIED: UrlComponent
URL_COMPONENT_FULL_URL: UrlComponent
URL_COMPONENT_PATH: UrlComponent
URL_COMPONENT_HOST: UrlComponent
UTM_PARAMETER_UNSPECIFIED: UtmParameter
UTM_PARAMETER_SOURCE: UtmParameter
UTM_PARAMETER_MEDIUM: UtmParameter
UTM_PARAMETER_CAMPAIGN: UtmParameter
UTM_PARAMETER_TERM: UtmParameter
UTM_PARAMETER_CONTENT: UtmParameter
VISITOR_TYPE_UNSPECIFIED: VisitorType
VISITOR_TYPE_NEW: VisitorType
VISITOR_TYPE_RETURNING: VisitorType
WEEKDAY_UNSPECIFIED: Weekday
WEEKDAY_MONDAY: Weekday
WEEKDAY_TUESDAY: Weekday
WEEKDAY_WEDNESDAY: Weekday
WEEKDAY_THURSDAY: Weekday
WEEKDAY_FRIDAY: Weekday
WEEKDAY_SATURDAY: Weekday
WEEKDAY_SUNDAY: Weekday

class UrlRule(_message.Message):
    __slots__ = ("action", "match_type", "pattern", "component", "ignore_case")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    MATCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    IGNORE_CASE_FIELD_NUMBER: _ClassVar[int]
    action: RuleAction
    match_type: MatchType
    pattern: str
    component: UrlComponent
    ignore_case: bool
    def __init__(self, action: _Optional[_Union[RuleAction, str]] = ..., match_type: _Optional[_Union[MatchType, str]] = ..., pattern: _Optional[str] = ..., component: _Optional[_Union[UrlComponent, str]] = ..., ignore_case: _Optional[bool] = ...) -> None: ...

class UtmRule(_message.Message):
    __slots__ = ("action", "parameter", "match_type", "value")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    MATCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    action: RuleAction
    parameter: UtmParameter
    match_type: MatchType
    value: str
    def __init__(self, action: _Optional[_Union[RuleAction, str]] = ..., parameter: _Optional[_Union[UtmParameter, str]] = ..., match_type: _Optional[_Union[MatchType, str]] = ..., value: _Optional[str] = ...) -> None: ...

class DailyWindow(_message.Message):
    __slots__ = ("start_minute", "end_minute")
    START_MINUTE_FIELD_NUMBER: _ClassVar[int]
    END_MINUTE_FIELD_NUMBER: _ClassVar[int]
    start_minute: int
    end_minute: int
    def __init__(self, start_minute: _Optional[int] = ..., end_minute: _Optional[int] = ...) -> None: ...

class Schedule(_message.Message):
    __slots__ = ("start_time", "end_time", "weekdays", "daily_windows")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    WEEKDAYS_FIELD_NUMBER: _ClassVar[int]
    DAILY_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    weekdays: _containers.RepeatedScalarFieldContainer[Weekday]
    daily_windows: _containers.RepeatedCompositeFieldContainer[DailyWindow]
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., weekdays: _Optional[_Iterable[_Union[Weekday, str]]] = ..., daily_windows: _Optional[_Iterable[_Union[DailyWindow, _Mapping]]] = ...) -> None: ...

class TargetingRules(_message.Message):
    __slots__ = ("url_rules", "device_types", "include_country_codes", "exclude_country_codes", "referrer_rules", "utm_rules", "visitor_type", "schedule")
    URL_RULES_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_COUNTRY_CODES_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_COUNTRY_CODES_FIELD_NUMBER: _ClassVar[int]
    REFERRER_RULES_FIELD_NUMBER: _ClassVar[int]
    UTM_RULES_FIELD_NUMBER: _ClassVar[int]
    VISITOR_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    url_rules: _containers.RepeatedCompositeFieldContainer[UrlRule]
    device_types: _containers.RepeatedScalarFieldContainer[_common_pb2.DeviceType]
    include_country_codes: _containers.RepeatedScalarFieldContainer[str]
    exclude_country_codes: _containers.RepeatedScalarFieldContainer[str]
    referrer_rules: _containers.RepeatedCompositeFieldContainer[UrlRule]
    utm_rules: _containers.RepeatedCompositeFieldContainer[UtmRule]
    visitor_type: VisitorType
    schedule: Schedule
    def __init__(self, url_rules: _Optional[_Iterable[_Union[UrlRule, _Mapping]]] = ..., device_types: _Optional[_Iterable[_Union[_common_pb2.DeviceType, str]]] = ..., include_country_codes: _Optional[_Iterable[str]] = ..., exclude_country_codes: _Optional[_Iterable[str]] = ..., referrer_rules: _Optional[_Iterable[_Union[UrlRule, _Mapping]]] = ..., utm_rules: _Optional[_Iterable[_Union[UtmRule, _Mapping]]] = ..., visitor_type: _Optional[_Union[VisitorType, str]] = ..., schedule: _Optional[_Union[Schedule, _Mapping]] = ...) -> None: ...

class PageContext(_message.Message):
    __slots__ = ("url", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "device_type", "country_code", "visitor_type")
    URL_FIELD_NUMBER: _ClassVar[int]
    REFERRER_FIELD_NUMBER: _ClassVar[int]
    UTM_SOURCE_FIELD_NUMBER: _ClassVar[int]
    UTM_MEDIUM_FIELD_NUMBER: _ClassVar[int]
    UTM_CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    UTM_TERM_FIELD_NUMBER: _ClassVar[int]
    UTM_CONTENT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    VISITOR_TYPE_FIELD_NUMBER: _ClassVar[int]
    url: str
    referrer: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    device_type: _common_pb2.DeviceType
    country_code: str
    visitor_type: VisitorType
    def __init__(self, url: _Optional[str] = ..., referrer: _Optional[str] = ..., utm_source: _Optional[str] = ..., utm_medium: _Optional[str] = ..., utm_campaign: _Optional[str] = ..., utm_term: _Optional[str] = ..., utm_content: _Optional[str] = ..., device_type: _Optional[_Union[_common_pb2.DeviceType, str]] = ..., country_code: _Optional[str] = ..., visitor_type: _Optional[_Union[VisitorType, str]] = ...) -> None: ...
