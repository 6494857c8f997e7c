import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CampaignKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_KIND_UNSPECIFIED: _ClassVar[CampaignKind]
    CAMPAIGN_KIND_RECENT_ACTIVITY: _ClassVar[CampaignKind]
    CAMPAIGN_KIND_LIVE_VISITORS: _ClassVar[CampaignKind]
    CAMPAIGN_KIND_AGGREGATE_COUNTER: _ClassVar[CampaignKind]
    CAMPAIGN_KIND_REVIEW: _ClassVar[CampaignKind]
    CAMPAIGN_KIND_ANNOUNCEMENT: _ClassVar[CampaignKind]

class CampaignLifecycle(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_LIFECYCLE_UNSPECIFIED: _ClassVar[CampaignLifecycle]
    CAMPAIGN_LIFECYCLE_DRAFT: _ClassVar[CampaignLifecycle]
    CAMPAIGN_LIFECYCLE_PUBLISHED: _ClassVar[CampaignLifecycle]
    CAMPAIGN_LIFECYCLE_PAUSED: _ClassVar[CampaignLifecycle]
    CAMPAIGN_LIFECYCLE_ARCHIVED: _ClassVar[CampaignLifecycle]

class CampaignChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_CHANGE_TYPE_UNSPECIFIED: _ClassVar[CampaignChangeType]
    CAMPAIGN_CHANGE_TYPE_CREATED: _ClassVar[CampaignChangeType]
    CAMPAIGN_CHANGE_TYPE_UPDATED: _ClassVar[CampaignChangeType]
    CAMPAIGN_CHANGE_TYPE_PUBLISHED: _ClassVar[CampaignChangeType]
    CAMPAIGN_CHANGE_TYPE_PAUSED: _ClassVar[CampaignChangeType]
    CAMPAIGN_CHANGE_TYPE_ARCHIVED: _ClassVar[CampaignChangeType]
    CAMPAIGN_CHANGE_TYPE_UNARCHIVED: _ClassVar[CampaignChangeType]
    CAMPAIGN_CHANGE_TYPE_DELETED: _ClassVar[CampaignChangeType]
CAMPAIGN_KIND_UNSPECIFIED: CampaignKind
CAMPAIGN_KIND_RECENT_ACTIVITY: CampaignKind
CAMPAIGN_KIND_LIVE_VISITORS: CampaignKind
CAMPAIGN_KIND_AGGREGATE_COUNTER: CampaignKind
CAMPAIGN_KIND_REVIEW: CampaignKind
CAMPAIGN_KIND_ANNOUNCEMENT: CampaignKind
CAMPAIGN_LIFECYCLE_UNSPECIFIED: CampaignLifecycle
CAMPAIGN_LIFECYCLE_DRAFT: CampaignLifecycle
CAMPAIGN_LIFECYCLE_PUBLISHED: CampaignLifecycle
CAMPAIGN_LIFECYCLE_PAUSED: CampaignLifecycle
CAMPAIGN_LIFECYCLE_ARCHIVED: CampaignLifecycle
CAMPAIGN_CHANGE_TYPE_UNSPECIFIED: CampaignChangeType
CAMPAIGN_CHANGE_TYPE_CREATED: CampaignChangeType
CAMPAIGN_CHANGE_TYPE_UPDATED: CampaignChangeType
CAMPAIGN_CHANGE_TYPE_PUBLISHED: CampaignChangeType
CAMPAIGN_CHANGE_TYPE_PAUSED: CampaignChangeType
CAMPAIGN_CHANGE_TYPE_ARCHIVED: CampaignChangeType
CAMPAIGN_CHANGE_TYPE_UNARCHIVED: CampaignChangeType
CAMPAIGN_CHANGE_TYPE_DELETED: CampaignChangeType

class SiteCreated(_message.Message):
    __slots__ = ("org_id", "site_id", "site_name", "display_name", "site_key", "domains", "time_zone", "activity_retention_days", "create_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SITE_KEY_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    site_id: str
    site_name: str
    display_name: str
    site_key: str
    domains: _containers.RepeatedScalarFieldContainer[str]
    time_zone: str
    activity_retention_days: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., site_id: _Optional[str] = ..., site_name: _Optional[str] = ..., display_name: _Optional[str] = ..., site_key: _Optional[str] = ..., domains: _Optional[_Iterable[str]] = ..., time_zone: _Optional[str] = ..., activity_retention_days: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SiteDeleted(_message.Message):
    __slots__ = ("org_id", "site_id", "site_name", "delete_time")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_NAME_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    site_id: str
    site_name: str
    delete_time: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., site_id: _Optional[str] = ..., site_name: _Optional[str] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CampaignVariantInfo(_message.Message):
    __slots__ = ("variant_id", "display_name", "weight")
    VARIANT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    variant_id: str
    display_name: str
    weight: int
    def __init__(self, variant_id: _Optional[str] = ..., display_name: _Optional[str] = ..., weight: _Optional[int] = ...) -> None: ...

class CampaignChanged(_message.Message):
    __slots__ = ("org_id", "site_id", "campaign_id", "campaign_name", "change_type", "display_name", "kind", "lifecycle", "revision", "priority", "experiment_id", "variants", "holdout_basis_points", "change_time", "actor_user_id")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_BASIS_POINTS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    site_id: str
    campaign_id: str
    campaign_name: str
    change_type: CampaignChangeType
    display_name: str
    kind: CampaignKind
    lifecycle: CampaignLifecycle
    revision: int
    priority: int
    experiment_id: str
    variants: _containers.RepeatedCompositeFieldContainer[CampaignVariantInfo]
    holdout_basis_points: int
    change_time: _timestamp_pb2.Timestamp
    actor_user_id: str
    def __init__(self, org_id: _Optional[str] = ..., site_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., campaign_name: _Optional[str] = ..., change_type: _Optional[_Union[CampaignChangeType, str]] = ..., display_name: _Optional[str] = ..., kind: _Optional[_Union[CampaignKind, str]] = ..., lifecycle: _Optional[_Union[CampaignLifecycle, str]] = ..., revision: _Optional[int] = ..., priority: _Optional[int] = ..., experiment_id: _Optional[str] = ..., variants: _Optional[_Iterable[_Union[CampaignVariantInfo, _Mapping]]] = ..., holdout_basis_points: _Optional[int] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor_user_id: _Optional[str] = ...) -> None: ...
