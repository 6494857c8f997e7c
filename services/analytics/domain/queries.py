"""Query vocabulary of the dashboard: scopes, filters, time buckets and metric rows (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.errors import FieldViolation, InvalidArgument

_SCOPE = re.compile(
    r"^organizations/(?P<org>[^/]+)(?:/sites/(?P<site>[^/]+)(?:/campaigns/(?P<campaign>[^/]+))?)?$"
)

MAX_RANGE = timedelta(days=400)


@dataclass(frozen=True)
class Scope:
    org_id: str
    site_id: str = ""
    campaign_id: str = ""

    @property
    def site_name(self) -> str:
        return f"organizations/{self.org_id}/sites/{self.site_id}"


def parse_scope(
    name: str, field_name: str = "parent", *, need_site: bool = False, allow_campaign: bool = True
) -> Scope:
    """organizations/{org}[/sites/{site}[/campaigns/{campaign}]]."""
    match = _SCOPE.match(name or "")
    problem = ""
    if not match:
        problem = "must be organizations/{org}, organizations/{org}/sites/{site} or .../campaigns/{campaign}"
    elif need_site and not match["site"]:
        problem = "must name a site: organizations/{org}/sites/{site}"
    elif not allow_campaign and match["campaign"]:
        problem = "must be a site, not a campaign"
    if problem or match is None:
        raise InvalidArgument("Invalid scope", violations=[FieldViolation(field_name, problem)])
    return Scope(match["org"], match["site"] or "", match["campaign"] or "")


def glob_to_like(pattern: str) -> str:
    """A URL glob (* any run, ? one char) as a LIKE pattern with LIKE's own wildcards escaped."""
    out = []
    for char in pattern:
        if char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        elif char in "%_\\":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True)
class EventFilter:
    campaign_ids: tuple[str, ...] = ()
    variant_ids: tuple[str, ...] = ()
    device_types: tuple[int, ...] = ()
    country_codes: tuple[str, ...] = ()
    page_url_like: str = ""
    goal_names: tuple[str, ...] = ()
    include_bots: bool = False
    include_test: bool = False

    @property
    def rollup_compatible(self) -> bool:
        """The hourly rollup keeps human, non-test events without page or goal detail."""
        return not (self.page_url_like or self.goal_names or self.include_bots or self.include_test)

    @property
    def dimensionless(self) -> bool:
        """No campaign, variant, device or country filter: the site rollups (no dimensions) can serve it."""
        return not (self.campaign_ids or self.variant_ids or self.device_types or self.country_codes)


class Granularity(IntEnum):
    """Mirrors socialproof.analytics.v1.Granularity."""

    UNSPECIFIED = 0
    HOUR = 1
    DAY = 2
    WEEK = 3
    MONTH = 4


def resolve_granularity(requested: int, start: datetime, end: datetime) -> Granularity:
    if requested:
        return Granularity(requested)
    span = end - start
    if span <= timedelta(days=2):
        return Granularity.HOUR
    if span <= timedelta(days=90):
        return Granularity.DAY
    return Granularity.WEEK


def zone(name: str, field_name: str = "time_zone") -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument(
            "Invalid time zone",
            violations=[FieldViolation(field_name, "must be an IANA time zone, e.g. Europe/Prague")],
        ) from None


@dataclass(frozen=True)
class Bucketing:
    granularity: Granularity
    tz: ZoneInfo

    def sql(self, column: str) -> str:
        """Bucket start as epoch seconds, computed in the time zone (functions 18.16 has)."""
        tz = "'" + self.tz.key + "'"
        match self.granularity:
            case Granularity.HOUR:
                return f"toUInt32(toStartOfHour({column}))"
            case Granularity.DAY:
                return f"toUInt32(toStartOfDay({column}, {tz}))"
            case Granularity.WEEK:
                return f"toUInt32(toDateTime(toMonday({column}, {tz}), {tz}))"
            case _:
                return f"toUInt32(toDateTime(toStartOfMonth({column}, {tz}), {tz}))"

    @property
    def hour_aligned(self) -> bool:
        """Whether local bucket boundaries fall on whole UTC hours (the rollup's resolution)."""
        if self.granularity is Granularity.HOUR:
            return True
        probe = datetime(2024, 1, 15, tzinfo=UTC), datetime(2024, 7, 15, tzinfo=UTC)
        return all(
            (p.astimezone(self.tz).utcoffset() or timedelta()) % timedelta(hours=1) == timedelta()
            for p in probe
        )

    @property
    def utc_day_aligned(self) -> bool:
        """Whether every bucket is a whole number of UTC days (the daily rollup's resolution)."""
        if self.granularity is Granularity.HOUR:
            return False
        probe = datetime(2024, 1, 15, tzinfo=UTC), datetime(2024, 7, 15, tzinfo=UTC)
        return all(p.astimezone(self.tz).utcoffset() == timedelta() for p in probe)

    def floor(self, when: datetime) -> datetime:
        local = when.astimezone(self.tz)
        match self.granularity:
            case Granularity.HOUR:
                return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            case Granularity.DAY:
                local = local.replace(hour=0, minute=0, second=0, microsecond=0)
            case Granularity.WEEK:
                local = (local - timedelta(days=local.weekday())).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
            case _:
                local = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        # Re-attach the zone so a DST change between the instant and midnight is respected.
        return local.replace(tzinfo=None).replace(tzinfo=self.tz).astimezone(UTC)

    def next(self, bucket: datetime) -> datetime:
        if self.granularity is Granularity.HOUR:
            return bucket + timedelta(hours=1)
        local = bucket.astimezone(self.tz).replace(tzinfo=None)
        if self.granularity is Granularity.DAY:
            local += timedelta(days=1)
        elif self.granularity is Granularity.WEEK:
            local += timedelta(days=7)
        else:
            local = local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)
        return local.replace(tzinfo=self.tz).astimezone(UTC)

    def buckets(self, start: datetime, end: datetime) -> list[datetime]:
        """Every bucket start overlapping [start, end), so empty buckets are reported as zeros."""
        out = []
        bucket = self.floor(start)
        while bucket < end:
            out.append(bucket)
            bucket = self.next(bucket)
        return out


class Source(StrEnum):
    """Where a stretch of a metrics range is read from."""

    RAW = "raw"
    HOURLY = "hourly"
    DAILY = "daily"


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _floor(when: datetime, step: timedelta) -> datetime:
    seconds = int(step.total_seconds())
    epoch = int(when.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def floor_hour(when: datetime) -> datetime:
    """The start of the UTC hour of an instant."""
    return _floor(when, HOUR)


def _ceil(when: datetime, step: timedelta) -> datetime:
    floored = _floor(when, step)
    return floored if floored == when else floored + step


def rollup_plan(start: datetime, end: datetime, *, daily: bool) -> list[tuple[Source, datetime, datetime]]:
    """Splits [start, end) into stretches that together read every event once: raw events for the
    partial hours at the edges, the hourly rollup for whole hours, and (when `daily`) the daily
    rollup for whole UTC days. Merging their aggregate states gives exactly the raw answer."""
    first_hour, last_hour = _ceil(start, HOUR), _floor(end, HOUR)
    if first_hour >= last_hour:
        return [(Source.RAW, start, end)]
    plan: list[tuple[Source, datetime, datetime]] = []
    if start < first_hour:
        plan.append((Source.RAW, start, first_hour))
    first_day, last_day = _ceil(first_hour, DAY), _floor(last_hour, DAY)
    if daily and first_day < last_day:
        if first_hour < first_day:
            plan.append((Source.HOURLY, first_hour, first_day))
        plan.append((Source.DAILY, first_day, last_day))
        if last_day < last_hour:
            plan.append((Source.HOURLY, last_day, last_hour))
    else:
        plan.append((Source.HOURLY, first_hour, last_hour))
    if last_hour < end:
        plan.append((Source.RAW, last_hour, end))
    return plan


@dataclass
class MetricRow:
    """Counts of one group and bucket as read from the store."""

    group: str
    bucket: int
    impressions: int = 0
    hovers: int = 0
    clicks: int = 0
    closes: int = 0
    conversions: int = 0
    page_views: int = 0
    unique_visitors: int = 0
    reached_visitors: int = 0
    revenues: dict[str, int] = field(default_factory=dict)

    @property
    def click_through_rate(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0

    @property
    def conversion_rate(self) -> float:
        return self.conversions / self.unique_visitors if self.unique_visitors else 0.0
