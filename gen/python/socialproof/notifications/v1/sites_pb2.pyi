import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SiteState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SITE_STATE_UNSPECIFIED: _ClassVar[SiteState]
    SITE_STATE_ACTIVE: _ClassVar[SiteState]
    SITE_STATE_DISABLED: _ClassVar[SiteState]

class DomainVerificationMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOMAIN_VERIFICATION_METHOD_UNSPECIFIED: _ClassVar[DomainVerificationMethod]
    DOMAIN_VERIFICATION_METHOD_META_TAG: _ClassVar[DomainVerificationMethod]
    DOMAIN_VERIFICATION_METHOD_DNS_TXT: _ClassVar[DomainVerificationMethod]
    DOMAIN_VERIFICATION_METHOD_WIDGET: _ClassVar[DomainVerificationMethod]

class DomainVerificationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOMAIN_VERIFICATION_STATE_UNSPECIFIED: _ClassVar[DomainVerificationState]
    DOMAIN_VERIFICATION_STATE_UNVERIFIED: _ClassVar[DomainVerificationState]
    DOMAIN_VERIFICATION_STATE_VERIFIED: _ClassVar[DomainVerificationState]
    DOMAIN_VERIFICATION_STATE_FAILED: _ClassVar[DomainVerificationState]

class AnonymityLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANONYMITY_LEVEL_UNSPECIFIED: _ClassVar[AnonymityLevel]
    ANONYMITY_LEVEL_ANONYMOUS: _ClassVar[AnonymityLevel]
    ANONYMITY_LEVEL_FIRST_NAME: _ClassVar[AnonymityLevel]
    ANONYMITY_LEVEL_FIRST_NAME_LAST_INITIAL: _ClassVar[AnonymityLevel]

class ConsentMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSENT_MODE_UNSPECIFIED: _ClassVar[ConsentMode]
    CONSENT_MODE_NOT_REQUIRED: _ClassVar[ConsentMode]
    CONSENT_MODE_REQUIRED_IN_GDPR_COUNTRIES: _ClassVar[ConsentMode]
    CONSENT_MODE_ALWAYS_REQUIRED: _ClassVar[ConsentMode]

class WidgetPosition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WIDGET_POSITION_UNSPECIFIED: _ClassVar[WidgetPosition]
    WIDGET_POSITION_BOTTOM_LEFT: _ClassVar[WidgetPosition]
    WIDGET_POSITION_BOTTOM_RIGHT: _ClassVar[WidgetPosition]
    WIDGET_POSITION_TOP_LEFT: _ClassVar[WidgetPosition]
    WIDGET_POSITION_TOP_RIGHT: _ClassVar[WidgetPosition]
    WIDGET_POSITION_BOTTOM_CENTER: _ClassVar[WidgetPosition]
    WIDGET_POSITION_TOP_CENTER: _ClassVar[WidgetPosition]

class ThemePreset(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    THEME_PRESET_UNSPECIFIED: _ClassVar[ThemePreset]
    THEME_PRESET_LIGHT: _ClassVar[ThemePreset]
    THEME_PRESET_DARK: _ClassVar[ThemePreset]
    THEME_PRESET_AUTO: _ClassVar[ThemePreset]
    THEME_PRESET_CUSTOM: _ClassVar[ThemePreset]
SITE_STATE_UNSPECIFIED: SiteState
SITE_STATE_ACTIVE: SiteState
SITE_STATE_DISABLED: SiteState
DOMAIN_VERIFICATION_METHOD_UNSPECIFIED: DomainVerificationMethod
DOMAIN_VERIFICATION_METHOD_META_TAG: DomainVerificationMethod
DOMAIN_VERIFICATION_METHOD_DNS_TXT: DomainVerificationMethod
DOMAIN_VERIFICATION_METHOD_WIDGET: DomainVerificationMethod
DOMAIN_VERIFICATION_STATE_UNSPECIFIED: DomainVerificationState
DOMAIN_VERIFICATION_STATE_UNVERIFIED: DomainVerificationState
DOMAIN_VERIFICATION_STATE_VERIFIED: DomainVerificationState
DOMAIN_VERIFICATION_STATE_FAILED: DomainVerificationState
ANONYMITY_LEVEL_UNSPECIFIED: AnonymityLevel
ANONYMITY_LEVEL_ANONYMOUS: AnonymityLevel
ANONYMITY_LEVEL_FIRST_NAME: AnonymityLevel
ANONYMITY_LEVEL_FIRST_NAME_LAST_INITIAL: AnonymityLevel
CONSENT_MODE_UNSPECIFIED: ConsentMode
CONSENT_MODE_NOT_REQUIRED: ConsentMode
CONSENT_MODE_REQUIRED_IN_GDPR_COUNTRIES: ConsentMode
CONSENT_MODE_ALWAYS_REQUIRED: ConsentMode
WIDGET_POSITION_UNSPECIFIED: WidgetPosition
WIDGET_POSITION_BOTTOM_LEFT: WidgetPosition
WIDGET_POSITION_BOTTOM_RIGHT: WidgetPosition
WIDGET_POSITION_TOP_LEFT: WidgetPosition
WIDGET_POSITION_TOP_RIGHT: WidgetPosition
WIDGET_POSITION_BOTTOM_CENTER: WidgetPosition
WIDGET_POSITION_TOP_CENTER: WidgetPosition
THEME_PRESET_UNSPECIFIED: ThemePreset
THEME_PRESET_LIGHT: ThemePreset
THEME_PRESET_DARK: ThemePreset
THEME_PRESET_AUTO: ThemePreset
THEME_PRESET_CUSTOM: ThemePreset

class SiteDomain(_message.Message):
    __slots__ = ("domain", "verification_state", "verification_token", "verification_method", "verify_time", "last_check_time", "last_error", "last_seen_time")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_STATE_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_METHOD_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    domain: str
    verification_state: DomainVerificationState
    verification_token: str
    verification_method: DomainVerificationMethod
    verify_time: _timestamp_pb2.Timestamp
    last_check_time: _timestamp_pb2.Timestamp
    last_error: str
    last_seen_time: _timestamp_pb2.Timestamp
    def __init__(self, domain: _Optional[str] = ..., verification_state: _Optional[_Union[DomainVerificationState, str]] = ..., verification_token: _Optional[str] = ..., verification_method: _Optional[_Union[DomainVerificationMethod, str]] = ..., verify_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WidgetTheme(_message.Message):
    __slots__ = ("preset", "background_color", "text_color", "accent_color", "corner_radius_px", "font_family", "shadow")
    PRESET_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_COLOR_FIELD_NUMBER: _ClassVar[int]
    TEXT_COLOR_FIELD_NUMBER: _ClassVar[int]
    ACCENT_COLOR_FIELD_NUMBER: _ClassVar[int]
    CORNER_RADIUS_PX_FIELD_NUMBER: _ClassVar[int]
    FONT_FAMILY_FIELD_NUMBER: _ClassVar[int]
    SHADOW_FIELD_NUMBER: _ClassVar[int]
    preset: ThemePreset
    background_color: str
    text_color: str
    accent_color: str
    corner_radius_px: int
    font_family: str
    shadow: bool
    def __init__(self, preset: _Optional[_Union[ThemePreset, str]] = ..., background_color: _Optional[str] = ..., text_color: _Optional[str] = ..., accent_color: _Optional[str] = ..., corner_radius_px: _Optional[int] = ..., font_family: _Optional[str] = ..., shadow: _Optional[bool] = ...) -> None: ...

class SiteSettings(_message.Message):
    __slots__ = ("locale", "time_zone", "default_anonymity", "anonymous_name", "gdpr_country_codes", "consent_mode", "anonymize_gdpr_actors", "activity_retention_days", "theme", "position", "mobile_position", "restrict_to_domains", "holdout_basis_points", "holdout_id", "add_utm_to_links", "utm_source", "show_test_activities")
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_ANONYMITY_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_NAME_FIELD_NUMBER: _ClassVar[int]
    GDPR_COUNTRY_CODES_FIELD_NUMBER: _ClassVar[int]
    CONSENT_MODE_FIELD_NUMBER: _ClassVar[int]
    ANONYMIZE_GDPR_ACTORS_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    THEME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    MOBILE_POSITION_FIELD_NUMBER: _ClassVar[int]
    RESTRICT_TO_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_BASIS_POINTS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_ID_FIELD_NUMBER: _ClassVar[int]
    ADD_UTM_TO_LINKS_FIELD_NUMBER: _ClassVar[int]
    UTM_SOURCE_FIELD_NUMBER: _ClassVar[int]
    SHOW_TEST_ACTIVITIES_FIELD_NUMBER: _ClassVar[int]
    locale: str
    time_zone: str
    default_anonymity: AnonymityLevel
    anonymous_name: str
    gdpr_country_codes: _containers.RepeatedScalarFieldContainer[str]
    consent_mode: ConsentMode
    anonymize_gdpr_actors: bool
    activity_retention_days: int
    theme: WidgetTheme
    position: WidgetPosition
    mobile_position: WidgetPosition
    restrict_to_domains: bool
    holdout_basis_points: int
    holdout_id: str
    add_utm_to_links: bool
    utm_source: str
    show_test_activities: bool
    def __init__(self, locale: _Optional[str] = ..., time_zone: _Optional[str] = ..., default_anonymity: _Optional[_Union[AnonymityLevel, str]] = ..., anonymous_name: _Optional[str] = ..., gdpr_country_codes: _Optional[_Iterable[str]] = ..., consent_mode: _Optional[_Union[ConsentMode, str]] = ..., anonymize_gdpr_actors: _Optional[bool] = ..., activity_retention_days: _Optional[int] = ..., theme: _Optional[_Union[WidgetTheme, _Mapping]] = ..., position: _Optional[_Union[WidgetPosition, str]] = ..., mobile_position: _Optional[_Union[WidgetPosition, str]] = ..., restrict_to_domains: _Optional[bool] = ..., holdout_basis_points: _Optional[int] = ..., holdout_id: _Optional[str] = ..., add_utm_to_links: _Optional[bool] = ..., utm_source: _Optional[str] = ..., show_test_activities: _Optional[bool] = ...) -> None: ...

class Site(_message.Message):
    __slots__ = ("name", "display_name", "domains", "site_key", "settings", "state", "install_snippet", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    INSTALL_SNIPPET_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    domains: _containers.RepeatedCompositeFieldContainer[SiteDomain]
    site_key: str
    settings: SiteSettings
    state: SiteState
    install_snippet: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., domains: _Optional[_Iterable[_Union[SiteDomain, _Mapping]]] = ..., site_key: _Optional[str] = ..., settings: _Optional[_Union[SiteSettings, _Mapping]] = ..., state: _Optional[_Union[SiteState, str]] = ..., install_snippet: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class CreateSiteRequest(_message.Message):
    __slots__ = ("parent", "site", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    site: Site
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., site: _Optional[_Union[Site, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateSiteResponse(_message.Message):
    __slots__ = ("site",)
    SITE_FIELD_NUMBER: _ClassVar[int]
    site: Site
    def __init__(self, site: _Optional[_Union[Site, _Mapping]] = ...) -> None: ...

class GetSiteRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSiteResponse(_message.Message):
    __slots__ = ("site",)
    SITE_FIELD_NUMBER: _ClassVar[int]
    site: Site
    def __init__(self, site: _Optional[_Union[Site, _Mapping]] = ...) -> None: ...

class ListSitesRequest(_message.Message):
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

class ListSitesResponse(_message.Message):
    __slots__ = ("sites", "next_page_token")
    SITES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sites: _containers.RepeatedCompositeFieldContainer[Site]
    next_page_token: str
    def __init__(self, sites: _Optional[_Iterable[_Union[Site, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSiteRequest(_message.Message):
    __slots__ = ("site", "update_mask")
    SITE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    site: Site
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, site: _Optional[_Union[Site, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateSiteResponse(_message.Message):
    __slots__ = ("site",)
    SITE_FIELD_NUMBER: _ClassVar[int]
    site: Site
    def __init__(self, site: _Optional[_Union[Site, _Mapping]] = ...) -> None: ...

class DeleteSiteRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteSiteResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifySiteDomainRequest(_message.Message):
    __slots__ = ("name", "domain", "method")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    name: str
    domain: str
    method: DomainVerificationMethod
    def __init__(self, name: _Optional[str] = ..., domain: _Optional[str] = ..., method: _Optional[_Union[DomainVerificationMethod, str]] = ...) -> None: ...

class VerifySiteDomainResponse(_message.Message):
    __slots__ = ("domain", "site")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    domain: SiteDomain
    site: Site
    def __init__(self, domain: _Optional[_Union[SiteDomain, _Mapping]] = ..., site: _Optional[_Union[Site, _Mapping]] = ...) -> None: ...

class RotateSiteKeyRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RotateSiteKeyResponse(_message.Message):
    __slots__ = ("site", "previous_key_expire_time")
    SITE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_KEY_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    site: Site
    previous_key_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, site: _Optional[_Union[Site, _Mapping]] = ..., previous_key_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResolveSiteKeyRequest(_message.Message):
    __slots__ = ("site_key",)
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    site_key: str
    def __init__(self, site_key: _Optional[str] = ...) -> None: ...

class ResolveSiteKeyResponse(_message.Message):
    __slots__ = ("site", "org_id", "site_id", "state", "settings", "domains")
    SITE_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    site: str
    org_id: str
    site_id: str
    state: SiteState
    settings: SiteSettings
    domains: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, site: _Optional[str] = ..., org_id: _Optional[str] = ..., site_id: _Optional[str] = ..., state: _Optional[_Union[SiteState, str]] = ..., settings: _Optional[_Union[SiteSettings, _Mapping]] = ..., domains: _Optional[_Iterable[str]] = ...) -> None: ...
