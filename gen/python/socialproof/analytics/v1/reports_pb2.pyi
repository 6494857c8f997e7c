import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReportFrequency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_FREQUENCY_UNSPECIFIED: _ClassVar[ReportFrequency]
    REPORT_FREQUENCY_DAILY: _ClassVar[ReportFrequency]
    REPORT_FREQUENCY_WEEKLY: _ClassVar[ReportFrequency]

class ReportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_FORMAT_UNSPECIFIED: _ClassVar[ReportFormat]
    REPORT_FORMAT_PDF: _ClassVar[ReportFormat]
    REPORT_FORMAT_HTML: _ClassVar[ReportFormat]

class ReportWeekday(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_WEEKDAY_UNSPECIFIED: _ClassVar[ReportWeekday]
    REPORT_WEEKDAY_MONDAY: _ClassVar[ReportWeekday]
    REPORT_WEEKDAY_TUESDAY: _ClassVar[ReportWeekday]
    REPORT_WEEKDAY_WEDNESDAY: _ClassVar[ReportWeekday]
    REPORT_WEEKDAY_THURSDAY: _ClassVar[ReportWeekday]
    REPORT_WEEKDAY_FRIDAY: _ClassVar[ReportWeekday]
    REPORT_WEEKDAY_SATURDAY: _ClassVar[ReportWeekday]
    REPORT_WEEKDAY_SUNDAY: _ClassVar[ReportWeekday]

class ReportSection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_SECTION_UNSPECIFIED: _ClassVar[ReportSection]
    REPORT_SECTION_SUMMARY: _ClassVar[ReportSection]
    REPORT_SECTION_CAMPAIGNS: _ClassVar[ReportSection]
    REPORT_SECTION_EXPERIMENTS: _ClassVar[ReportSection]
    REPORT_SECTION_TOP_PAGES: _ClassVar[ReportSection]
    REPORT_SECTION_ATTRIBUTION: _ClassVar[ReportSection]
    REPORT_SECTION_WIDGET_PERFORMANCE: _ClassVar[ReportSection]

class ReportSendStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_SEND_STATUS_UNSPECIFIED: _ClassVar[ReportSendStatus]
    REPORT_SEND_STATUS_SENT: _ClassVar[ReportSendStatus]
    REPORT_SEND_STATUS_PARTIALLY_SENT: _ClassVar[ReportSendStatus]
    REPORT_SEND_STATUS_FAILED: _ClassVar[ReportSendStatus]
REPORT_FREQUENCY_UNSPECIFIED: ReportFrequency
REPORT_FREQUENCY_DAILY: ReportFrequency
REPORT_FREQUENCY_WEEKLY: ReportFrequency
REPORT_FORMAT_UNSPECIFIED: ReportFormat
REPORT_FORMAT_PDF: ReportFormat
REPORT_FORMAT_HTML: ReportFormat
REPORT_WEEKDAY_UNSPECIFIED: ReportWeekday
REPORT_WEEKDAY_MONDAY: ReportWeekday
REPORT_WEEKDAY_TUESDAY: ReportWeekday
REPORT_WEEKDAY_WEDNESDAY: ReportWeekday
REPORT_WEEKDAY_THURSDAY: ReportWeekday
REPORT_WEEKDAY_FRIDAY: ReportWeekday
REPORT_WEEKDAY_SATURDAY: ReportWeekday
REPORT_WEEKDAY_SUNDAY: ReportWeekday
REPORT_SECTION_UNSPECIFIED: ReportSection
REPORT_SECTION_SUMMARY: ReportSection
REPORT_SECTION_CAMPAIGNS: ReportSection
REPORT_SECTION_EXPERIMENTS: ReportSection
REPORT_SECTION_TOP_PAGES: ReportSection
REPORT_SECTION_ATTRIBUTION: ReportSection
REPORT_SECTION_WIDGET_PERFORMANCE: ReportSection
REPORT_SEND_STATUS_UNSPECIFIED: ReportSendStatus
REPORT_SEND_STATUS_SENT: ReportSendStatus
REPORT_SEND_STATUS_PARTIALLY_SENT: ReportSendStatus
REPORT_SEND_STATUS_FAILED: ReportSendStatus

class ScheduledReport(_message.Message):
    __slots__ = ("name", "display_name", "sites", "frequency", "day_of_week", "send_hour", "time_zone", "recipients", "format", "sections", "enabled", "next_send_time", "last_send_time", "last_send_status", "last_send_error", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SITES_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    DAY_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    SEND_HOUR_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    NEXT_SEND_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEND_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEND_STATUS_FIELD_NUMBER: _ClassVar[int]
    LAST_SEND_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    sites: _containers.RepeatedScalarFieldContainer[str]
    frequency: ReportFrequency
    day_of_week: ReportWeekday
    send_hour: int
    time_zone: str
    recipients: _containers.RepeatedScalarFieldContainer[str]
    format: ReportFormat
    sections: _containers.RepeatedScalarFieldContainer[ReportSection]
    enabled: bool
    next_send_time: _timestamp_pb2.Timestamp
    last_send_time: _timestamp_pb2.Timestamp
    last_send_status: ReportSendStatus
    last_send_error: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., sites: _Optional[_Iterable[str]] = ..., frequency: _Optional[_Union[ReportFrequency, str]] = ..., day_of_week: _Optional[_Union[ReportWeekday, str]] = ..., send_hour: _Optional[int] = ..., time_zone: _Optional[str] = ..., recipients: _Optional[_Iterable[str]] = ..., format: _Optional[_Union[ReportFormat, str]] = ..., sections: _Optional[_Iterable[_Union[ReportSection, str]]] = ..., enabled: _Optional[bool] = ..., next_send_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_send_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_send_status: _Optional[_Union[ReportSendStatus, str]] = ..., last_send_error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetScheduledReportRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetScheduledReportResponse(_message.Message):
    __slots__ = ("scheduled_report",)
    SCHEDULED_REPORT_FIELD_NUMBER: _ClassVar[int]
    scheduled_report: ScheduledReport
    def __init__(self, scheduled_report: _Optional[_Union[ScheduledReport, _Mapping]] = ...) -> None: ...

class ListScheduledReportsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListScheduledReportsResponse(_message.Message):
    __slots__ = ("scheduled_reports", "next_page_token")
    SCHEDULED_REPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scheduled_reports: _containers.RepeatedCompositeFieldContainer[ScheduledReport]
    next_page_token: str
    def __init__(self, scheduled_reports: _Optional[_Iterable[_Union[ScheduledReport, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateScheduledReportRequest(_message.Message):
    __slots__ = ("parent", "scheduled_report", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_REPORT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    scheduled_report: ScheduledReport
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., scheduled_report: _Optional[_Union[ScheduledReport, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateScheduledReportResponse(_message.Message):
    __slots__ = ("scheduled_report",)
    SCHEDULED_REPORT_FIELD_NUMBER: _ClassVar[int]
    scheduled_report: ScheduledReport
    def __init__(self, scheduled_report: _Optional[_Union[ScheduledReport, _Mapping]] = ...) -> None: ...

class UpdateScheduledReportRequest(_message.Message):
    __slots__ = ("scheduled_report", "update_mask")
    SCHEDULED_REPORT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    scheduled_report: ScheduledReport
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, scheduled_report: _Optional[_Union[ScheduledReport, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateScheduledReportResponse(_message.Message):
    __slots__ = ("scheduled_report",)
    SCHEDULED_REPORT_FIELD_NUMBER: _ClassVar[int]
    scheduled_report: ScheduledReport
    def __init__(self, scheduled_report: _Optional[_Union[ScheduledReport, _Mapping]] = ...) -> None: ...

class DeleteScheduledReportRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteScheduledReportResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SendScheduledReportNowRequest(_message.Message):
    __slots__ = ("name", "recipients_override")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    name: str
    recipients_override: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., recipients_override: _Optional[_Iterable[str]] = ...) -> None: ...

class SendScheduledReportNowResponse(_message.Message):
    __slots__ = ("scheduled_report", "accepted_recipients")
    SCHEDULED_REPORT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    scheduled_report: ScheduledReport
    accepted_recipients: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scheduled_report: _Optional[_Union[ScheduledReport, _Mapping]] = ..., accepted_recipients: _Optional[_Iterable[str]] = ...) -> None: ...

class RenderScheduledReportRequest(_message.Message):
    __slots__ = ("name", "format")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    name: str
    format: ReportFormat
    def __init__(self, name: _Optional[str] = ..., format: _Optional[_Union[ReportFormat, str]] = ...) -> None: ...

class RenderScheduledReportResponse(_message.Message):
    __slots__ = ("document", "file_name")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    document: _httpbody_pb2.HttpBody
    file_name: str
    def __init__(self, document: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ..., file_name: _Optional[str] = ...) -> None: ...
