"""Targeting evaluation: a pure function of (rules, page context, now, site time zone), with explanations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import re2

MAX_PATTERN_CHARS = 2048
MAX_REGEX_CHARS = 512
MAX_VALUE_CHARS = 4096
MAX_RULES = 50
#: RE2 memory budget per compiled pattern; RE2 runs in linear time, so this plus the bounded value
#: length is the time bound (no backtracking, no catastrophic patterns).
REGEX_MAX_MEM = 1 << 20


class Action(IntEnum):
    UNSPECIFIED = 0
    INCLUDE = 1
    EXCLUDE = 2


class Match(IntEnum):
    UNSPECIFIED = 0
    EXACT = 1
    CONTAINS = 2
    PREFIX = 3
    GLOB = 4
    REGEX = 5


class Component(IntEnum):
    UNSPECIFIED = 0
    FULL_URL = 1
    PATH = 2
    HOST = 3


class Utm(IntEnum):
    UNSPECIFIED = 0
    SOURCE = 1
    MEDIUM = 2
    CAMPAIGN = 3
    TERM = 4
    CONTENT = 5


class VisitorType(IntEnum):
    UNSPECIFIED = 0
    NEW = 1
    RETURNING = 2


class Check(IntEnum):
    """TargetingCheck numbers."""

    STATE = 1
    URL = 2
    DEVICE = 3
    COUNTRY = 4
    REFERRER = 5
    UTM = 6
    VISITOR_TYPE = 7
    SCHEDULE = 8


@dataclass(frozen=True, slots=True)
class UrlRule:
    action: Action
    match: Match
    pattern: str
    component: Component = Component.FULL_URL
    ignore_case: bool = False


@dataclass(frozen=True, slots=True)
class UtmRule:
    action: Action
    parameter: Utm
    match: Match
    value: str


@dataclass(frozen=True, slots=True)
class DailyWindow:
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class Schedule:
    start: datetime | None = None
    end: datetime | None = None
    weekdays: frozenset[int] = frozenset()  # 1 = Monday .. 7 = Sunday
    windows: tuple[DailyWindow, ...] = ()


@dataclass(frozen=True, slots=True)
class Targeting:
    url_rules: tuple[UrlRule, ...] = ()
    device_types: frozenset[int] = frozenset()
    include_countries: frozenset[str] = frozenset()
    exclude_countries: frozenset[str] = frozenset()
    referrer_rules: tuple[UrlRule, ...] = ()
    utm_rules: tuple[UtmRule, ...] = ()
    visitor_type: VisitorType = VisitorType.UNSPECIFIED
    schedule: Schedule | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """The page's targeting class (PageContext)."""

    url: str
    referrer: str = ""
    utm: dict[Utm, str] = field(default_factory=dict)
    device_type: int = 0
    country_code: str = ""
    visitor_type: VisitorType = VisitorType.UNSPECIFIED


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: Check
    passed: bool
    detail: str = ""
    field: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    matches: bool
    results: tuple[CheckResult, ...]


# ---- validation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleProblem:
    field: str
    message: str


def regex_error(pattern: str) -> str | None:
    """None when the pattern compiles in RE2 within limits; otherwise a message with the position."""
    if len(pattern) > MAX_REGEX_CHARS:
        return f"at most {MAX_REGEX_CHARS} characters (got {len(pattern)})"
    try:
        _compile(pattern, False)
    except re2.error as exc:
        raw = exc.args[0] if exc.args else b""
        message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        # RE2 names the offending fragment ("invalid perl operator: (?="); its first occurrence
        # is the position the builder can highlight.
        _, _, fragment = message.partition(": ")
        at = pattern.find(fragment) if fragment else -1
        where = f"at offset {at}: " if at >= 0 else ""
        return f"invalid regular expression {where}{message}"
    return None


def rule_problems(rules: Sequence[UrlRule], path: str) -> list[RuleProblem]:
    problems: list[RuleProblem] = []
    if len(rules) > MAX_RULES:
        problems.append(RuleProblem(path, f"at most {MAX_RULES} rules"))
    for i, rule in enumerate(rules):
        here = f"{path}[{i}]"
        if rule.action is Action.UNSPECIFIED:
            problems.append(RuleProblem(f"{here}.action", "must be INCLUDE or EXCLUDE"))
        if rule.match is Match.UNSPECIFIED:
            problems.append(RuleProblem(f"{here}.match_type", "is required"))
        if not rule.pattern:
            problems.append(RuleProblem(f"{here}.pattern", "is required"))
        elif len(rule.pattern) > MAX_PATTERN_CHARS:
            problems.append(RuleProblem(f"{here}.pattern", f"at most {MAX_PATTERN_CHARS} characters"))
        elif rule.match is Match.REGEX:
            error = regex_error(rule.pattern)
            if error:
                problems.append(RuleProblem(f"{here}.pattern", error))
    return problems


def utm_problems(rules: Sequence[UtmRule], path: str) -> list[RuleProblem]:
    problems: list[RuleProblem] = []
    for i, rule in enumerate(rules):
        here = f"{path}[{i}]"
        if rule.action is Action.UNSPECIFIED:
            problems.append(RuleProblem(f"{here}.action", "must be INCLUDE or EXCLUDE"))
        if rule.parameter is Utm.UNSPECIFIED:
            problems.append(RuleProblem(f"{here}.parameter", "is required"))
        if rule.match is Match.UNSPECIFIED:
            problems.append(RuleProblem(f"{here}.match_type", "is required"))
        if not rule.value or len(rule.value) > MAX_PATTERN_CHARS:
            problems.append(RuleProblem(f"{here}.value", f"must be 1..{MAX_PATTERN_CHARS} characters"))
        elif rule.match is Match.REGEX:
            error = regex_error(rule.value)
            if error:
                problems.append(RuleProblem(f"{here}.value", error))
    return problems


def targeting_problems(t: Targeting, prefix: str = "targeting") -> list[RuleProblem]:
    problems = rule_problems(t.url_rules, f"{prefix}.url_rules")
    problems += rule_problems(t.referrer_rules, f"{prefix}.referrer_rules")
    problems += utm_problems(t.utm_rules, f"{prefix}.utm_rules")
    for name, codes in (
        ("include_country_codes", t.include_countries),
        ("exclude_country_codes", t.exclude_countries),
    ):
        for code in sorted(codes):
            if not re.fullmatch(r"[A-Z]{2}", code):
                problems.append(
                    RuleProblem(f"{prefix}.{name}", f"'{code[:8]}' is not an ISO 3166-1 alpha-2 code")
                )
    if t.schedule is not None:
        s = t.schedule
        if s.start and s.end and s.end <= s.start:
            problems.append(RuleProblem(f"{prefix}.schedule.end_time", "must be after start_time"))
        for day in s.weekdays:
            if not 1 <= day <= 7:
                problems.append(RuleProblem(f"{prefix}.schedule.weekdays", "must be MONDAY..SUNDAY"))
        for i, w in enumerate(s.windows):
            if not (
                0 <= w.start_minute <= 1439 and 1 <= w.end_minute <= 1440 and w.start_minute != w.end_minute
            ):
                problems.append(
                    RuleProblem(
                        f"{prefix}.schedule.daily_windows[{i}]",
                        "start_minute 0..1439, end_minute 1..1440, and they must differ",
                    )
                )
    return problems


# ---- evaluation ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _compile(pattern: str, ignore_case: bool) -> re2._Regexp:  # type: ignore[name-defined]
    options = re2.Options()
    options.log_errors = False
    options.max_mem = REGEX_MAX_MEM
    options.case_sensitive = not ignore_case
    return re2.compile(pattern, options)


@lru_cache(maxsize=4096)
def glob_to_regex(pattern: str) -> str:
    """`**` crosses `/`, `*` does not, `?` is one character; everything else is literal (fnmatch
    would let `*` cross `/`). The result runs in RE2, so no glob can backtrack."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            while pattern.startswith("*", i):
                i += 1
            out.append(".*")
            continue
        ch = pattern[i]
        out.append("[^/]*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return "^" + "".join(out) + "$"


@lru_cache(maxsize=4096)
def normalize_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no trailing slash on the path, sorted query."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def _component(url: str, component: Component) -> str:
    if component is Component.PATH:
        return urlsplit(url).path or "/"
    if component is Component.HOST:
        return (urlsplit(url).hostname or "").lower()
    return url


@lru_cache(maxsize=8192)  # pure; every campaign of a feed tests the same page (path) again
def value_matches(match: Match, pattern: str, value: str, ignore_case: bool, *, url: bool = True) -> bool:
    value = value[:MAX_VALUE_CHARS]
    if match is Match.REGEX:
        return _compile(pattern, ignore_case).search(value) is not None
    if match is Match.GLOB:
        return _compile(glob_to_regex(pattern), ignore_case).search(value) is not None
    if ignore_case:
        pattern, value = pattern.casefold(), value.casefold()
    if match is Match.EXACT:
        if url and "://" in pattern:
            return normalize_url(pattern) == normalize_url(value)
        return pattern.rstrip("/") == value.rstrip("/") if url else pattern == value
    if match is Match.CONTAINS:
        return pattern in value
    if match is Match.PREFIX:
        return value.startswith(pattern)
    return False


def _url_rules(rules: Sequence[UrlRule], url: str, path: str, check: Check, what: str) -> CheckResult:
    if not rules:
        return CheckResult(check, True, f"no {what} rules")
    included: int | None = None
    has_include = False
    for i, rule in enumerate(rules):
        value = _component(url, rule.component)
        hit = value_matches(rule.match, rule.pattern, value, rule.ignore_case)
        if rule.action is Action.EXCLUDE and hit:
            return CheckResult(
                check,
                False,
                f"excluded by {path}[{i}] ({rule.match.name.lower()} {rule.pattern[:80]})",
                f"{path}[{i}]",
            )
        if rule.action is Action.INCLUDE:
            has_include = True
            if hit and included is None:
                included = i
    if has_include and included is None:
        return CheckResult(check, False, f"no include rule of {path} matches", path)
    if included is not None:
        return CheckResult(check, True, f"included by {path}[{included}]", f"{path}[{included}]")
    return CheckResult(check, True, "no exclude rule matches")


def _utm(rules: Sequence[UtmRule], page: Page, path: str) -> CheckResult:
    if not rules:
        return _NO_UTM_RULES
    has_include, included = False, False
    for i, rule in enumerate(rules):
        value = page.utm.get(rule.parameter, "")
        hit = bool(value) and value_matches(rule.match, rule.value, value, True, url=False)
        if rule.action is Action.EXCLUDE and hit:
            return CheckResult(Check.UTM, False, f"excluded by {path}[{i}]", f"{path}[{i}]")
        if rule.action is Action.INCLUDE:
            has_include = True
            included = included or hit
    if has_include and not included:
        return CheckResult(Check.UTM, False, f"no include rule of {path} matches", path)
    return CheckResult(Check.UTM, True, "UTM rules pass")


def site_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _in_window(w: DailyWindow, minute: int) -> bool:
    if w.start_minute < w.end_minute:
        return w.start_minute <= minute < w.end_minute
    return minute >= w.start_minute or minute < w.end_minute  # wraps past midnight


def schedule_allows(s: Schedule, now: datetime, zone: ZoneInfo) -> CheckResult:
    if s.start and now < s.start:
        return CheckResult(Check.SCHEDULE, False, "before start_time", "targeting.schedule.start_time")
    if s.end and now >= s.end:
        return CheckResult(Check.SCHEDULE, False, "after end_time", "targeting.schedule.end_time")
    local = now.astimezone(zone)
    if s.weekdays and local.isoweekday() not in s.weekdays:
        return CheckResult(
            Check.SCHEDULE, False, f"not on {local.strftime('%A')}", "targeting.schedule.weekdays"
        )
    minute = local.hour * 60 + local.minute
    if s.windows and not any(_in_window(w, minute) for w in s.windows):
        return CheckResult(
            Check.SCHEDULE,
            False,
            f"outside the daily windows at {local:%H:%M}",
            "targeting.schedule.daily_windows",
        )
    return CheckResult(Check.SCHEDULE, True, "within schedule")


def next_schedule_change(
    s: Schedule | None, now: datetime, zone: ZoneInfo, horizon: timedelta
) -> datetime | None:
    """The first instant within horizon at which schedule_allows changes its answer (minute steps
    at window boundaries), or None. Used as the feed's valid_until/expire_time."""
    if s is None:
        return None
    current = schedule_allows(s, now, zone).passed
    candidates: list[datetime] = [t for t in (s.start, s.end) if t and now < t <= now + horizon]
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for day in range(0, int(horizon.total_seconds() // 86400) + 2):
        base = midnight + timedelta(days=day)
        candidates.append(base)
        for w in s.windows:
            for minute in (w.start_minute, w.end_minute % 1440):
                candidates.append(base + timedelta(minutes=minute))
    for t in sorted(c.astimezone(UTC) for c in candidates):
        if now < t <= now + horizon and schedule_allows(s, t, zone).passed != current:
            return t
    return None


# The results of parts a campaign does not restrict (immutable, so shared: every feed evaluates them).
_ALL_DEVICES = CheckResult(Check.DEVICE, True, "all devices")
_COUNTRY_ALLOWED = CheckResult(Check.COUNTRY, True, "country allowed")
_NO_REFERRER_RULES = CheckResult(Check.REFERRER, True, "no referrer rules")
_NO_UTM_RULES = CheckResult(Check.UTM, True, "no UTM rules")
_ALL_VISITORS = CheckResult(Check.VISITOR_TYPE, True, "new and returning")
_ALWAYS = CheckResult(Check.SCHEDULE, True, "always")


def evaluate(t: Targeting, page: Page, now: datetime, time_zone: str) -> Outcome:
    """Every part's result; matches when all pass."""
    results = [
        _url_rules(t.url_rules, normalize_url(page.url), "targeting.url_rules", Check.URL, "URL"),
        _ALL_DEVICES
        if not t.device_types
        else CheckResult(
            Check.DEVICE,
            page.device_type in t.device_types,
            "device allowed" if page.device_type in t.device_types else "device not targeted",
            "targeting.device_types",
        ),
        _country(t, page.country_code.upper()),
        _url_rules(
            t.referrer_rules,
            normalize_url(page.referrer),
            "targeting.referrer_rules",
            Check.REFERRER,
            "referrer",
        )
        if t.referrer_rules
        else _NO_REFERRER_RULES,
        _utm(t.utm_rules, page, "targeting.utm_rules"),
        _ALL_VISITORS
        if t.visitor_type is VisitorType.UNSPECIFIED
        else CheckResult(
            Check.VISITOR_TYPE,
            page.visitor_type is t.visitor_type,
            f"for {t.visitor_type.name.lower()} visitors only",
            "targeting.visitor_type",
        ),
        schedule_allows(t.schedule, now, site_zone(time_zone)) if t.schedule is not None else _ALWAYS,
    ]
    return Outcome(all(r.passed for r in results), tuple(results))


def _country(t: Targeting, code: str) -> CheckResult:
    if code and code in t.exclude_countries:
        return CheckResult(Check.COUNTRY, False, f"{code} is excluded", "targeting.exclude_country_codes")
    if t.include_countries and code not in t.include_countries:
        return CheckResult(
            Check.COUNTRY,
            False,
            f"{code or 'unknown country'} is not included",
            "targeting.include_country_codes",
        )
    return _COUNTRY_ALLOWED
