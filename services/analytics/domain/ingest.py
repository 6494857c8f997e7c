"""Ingest rules for widget event batches: validation, clock-skew correction and bot flagging (pure)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import NamedTuple

MAX_EVENTS_PER_BATCH = 100
MAX_BATCH_BYTES = 64 * 1024
MAX_ID_BYTES = 64
MAX_URL_BYTES = 2048
MAX_GOAL_NAME_CHARS = 100
#: How far the batch's sent_at may be from the server clock before the whole batch is refused.
MAX_SENT_AT_SKEW = timedelta(hours=24)
#: After correcting with sent_at, events may be at most this far ahead of / behind the server clock.
MAX_FUTURE = timedelta(minutes=5)
MAX_PAST = timedelta(hours=24)
#: More events than this from one visitor within one second of one batch is not a human.
MAX_EVENTS_PER_VISITOR_SECOND = 20
#: More clicks than this from one visitor in one batch is not a human either.
MAX_CLICKS_PER_VISITOR_BATCH = 10

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ID = re.compile(r"^[A-Za-z0-9_\-]+$")

# Crawlers, monitors, headless browsers and HTTP libraries: none of them is a visitor.
_BOT_UA = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|headless|phantomjs|selenium|puppeteer|playwright|lighthouse|"
    r"pingdom|uptime|monitor|curl/|wget/|python-requests|python-urllib|go-http-client|okhttp|"
    r"java/|libwww|httpclient|facebookexternalhit|embedly|preview",
    re.IGNORECASE,
)


class EventType(IntEnum):
    """Mirrors socialproof.events.v1.WidgetEventType number for number."""

    UNSPECIFIED = 0
    IMPRESSION = 1
    HOVER = 2
    CLICK = 3
    CLOSE = 4
    CONVERSION = 5
    PAGE_VIEW = 6
    HEARTBEAT = 7
    PERFORMANCE = 8


class Rejection(IntEnum):
    """Mirrors socialproof.analytics.v1.EventRejectionReason."""

    INVALID = 1
    TOO_LARGE = 2
    TIMESTAMP_OUT_OF_RANGE = 3
    UNKNOWN_CAMPAIGN = 4
    DUPLICATE = 5
    SERVER_FIELD_SET = 6
    INVALID_VALUE = 7


class BotReason(IntEnum):
    """Mirrors socialproof.events.v1.BotReason."""

    NONE = 0
    USER_AGENT = 1
    BEHAVIOUR = 2
    AUTOMATION = 3


# Events that are about a notification, so they must name a campaign of the site.
CAMPAIGN_EVENTS = frozenset({EventType.IMPRESSION, EventType.HOVER, EventType.CLICK, EventType.CLOSE})


@dataclass(frozen=True)
class CampaignInfo:
    """What ingest knows of one campaign of the site (from notifications)."""

    campaign_id: str
    experiment_id: str = ""
    variant_ids: frozenset[str] = frozenset()


class IncomingEvent(NamedTuple):
    """The fields of one sent event that ingest checks (a tuple: ingest builds one per event)."""

    event_id: str
    type: int
    visitor_id: str
    session_id: str
    occurred_at: datetime | None
    campaign_id: str = ""
    variant_id: str = ""
    experiment_id: str = ""
    page_url: str = ""
    referrer: str = ""
    goal_name: str = ""
    order_ref: str = ""
    value_minor: int | None = None
    currency: str = ""
    server_fields_set: bool = False
    automation_suspected: bool = False


@dataclass(frozen=True, slots=True)
class EventRejection:
    index: int
    event_id: str
    reason: Rejection
    field: str
    description: str


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    index: int
    occurred_at: datetime
    bot_reason: BotReason = BotReason.NONE

    @property
    def bot(self) -> bool:
        return self.bot_reason is not BotReason.NONE


@dataclass
class BatchDecision:
    accepted: list[AcceptedEvent] = field(default_factory=list)
    rejections: list[EventRejection] = field(default_factory=list)


# Plain ints: membership tests on them are much cheaper than on the enums (they run per event).
_KNOWN_TYPES = frozenset(int(t) for t in EventType if t is not EventType.UNSPECIFIED)
_CAMPAIGN_TYPES = frozenset(int(t) for t in CAMPAIGN_EVENTS)
_CONVERSION = int(EventType.CONVERSION)


def _too_long(value: str, limit: int) -> bool:
    # isascii() is O(1) on CPython; only non-ASCII text needs encoding to count its bytes.
    return (len(value) if value.isascii() else len(value.encode())) > limit


def check_event(
    index: int,
    event: IncomingEvent,
    *,
    skew: timedelta,
    now: datetime,
    campaigns: dict[str, CampaignInfo],
) -> EventRejection | datetime:
    """The corrected occurred_at of an acceptable event, or why it is refused."""
    return _check(index, event, skew, now + MAX_FUTURE - skew, now - MAX_PAST - skew, campaigns)


def _reject(index: int, event: IncomingEvent, reason: Rejection, name: str, text: str) -> EventRejection:
    return EventRejection(index, event.event_id, reason, f"events[{index}].{name}", text)


def _check(
    index: int,
    event: IncomingEvent,
    skew: timedelta,
    latest: datetime,
    earliest: datetime,
    campaigns: dict[str, CampaignInfo],
) -> EventRejection | datetime:
    """check_event with the time window precomputed for the batch, in the client's clock
    (`latest`/`earliest` = the server's window minus the skew): this runs once per event."""
    if event.server_fields_set:
        return _reject(
            index, event, Rejection.SERVER_FIELD_SET, "bot", "server fields must not be set by the client"
        )
    event_id, visitor_id, session_id = event.event_id, event.visitor_id, event.session_id
    if not event_id:
        return _reject(index, event, Rejection.INVALID, "event_id", "is required")
    if not visitor_id:
        return _reject(index, event, Rejection.INVALID, "visitor_id", "is required")
    for name, value in (("event_id", event_id), ("visitor_id", visitor_id), ("session_id", session_id)):
        if _too_long(value, MAX_ID_BYTES):
            return _reject(index, event, Rejection.TOO_LARGE, name, f"must be at most {MAX_ID_BYTES} bytes")
        if value and not _ID.match(value):
            return _reject(
                index, event, Rejection.INVALID, name, "must be url-safe (letters, digits, - and _)"
            )
    for name, value in (
        ("campaign_id", event.campaign_id),
        ("variant_id", event.variant_id),
        ("experiment_id", event.experiment_id),
        ("conversion.order_ref", event.order_ref),
    ):
        if value and _too_long(value, MAX_ID_BYTES):
            return _reject(index, event, Rejection.TOO_LARGE, name, f"must be at most {MAX_ID_BYTES} bytes")
    for name, value in (("page_url", event.page_url), ("referrer", event.referrer)):
        if _too_long(value, MAX_URL_BYTES):
            return _reject(index, event, Rejection.TOO_LARGE, name, f"must be at most {MAX_URL_BYTES} bytes")
    if len(event.goal_name) > MAX_GOAL_NAME_CHARS:
        return _reject(
            index, event, Rejection.TOO_LARGE, "conversion.goal_name", "must be at most 100 characters"
        )
    kind = event.type
    if kind not in _KNOWN_TYPES:
        return _reject(index, event, Rejection.INVALID, "type", "must be a known event type")
    occurred_at = event.occurred_at
    if occurred_at is None:
        return _reject(index, event, Rejection.INVALID, "occurred_at", "is required")
    if occurred_at > latest or occurred_at < earliest:
        return _reject(
            index,
            event,
            Rejection.TIMESTAMP_OUT_OF_RANGE,
            "occurred_at",
            "must be within 5 minutes ahead of and 24 hours behind the server clock",
        )
    campaign_id = event.campaign_id
    if not campaign_id:
        if kind in _CAMPAIGN_TYPES:
            return _reject(
                index,
                event,
                Rejection.INVALID,
                "campaign_id",
                f"is required for {EventType(kind).name} events",
            )
    else:
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            return _reject(
                index, event, Rejection.UNKNOWN_CAMPAIGN, "campaign_id", "is not a campaign of this site"
            )
        if event.experiment_id and event.experiment_id != campaign.experiment_id:
            return _reject(
                index, event, Rejection.UNKNOWN_CAMPAIGN, "experiment_id", "is not the campaign's experiment"
            )
        if event.variant_id and event.variant_id not in campaign.variant_ids:
            return _reject(
                index, event, Rejection.UNKNOWN_CAMPAIGN, "variant_id", "is not a variant of the campaign"
            )
    if kind == _CONVERSION:
        if not event.goal_name:
            return _reject(
                index, event, Rejection.INVALID, "conversion.goal_name", "is required for conversions"
            )
        if event.value_minor is not None:
            if event.value_minor < 0:
                return _reject(
                    index,
                    event,
                    Rejection.INVALID_VALUE,
                    "conversion.value.amount_minor",
                    "must not be negative",
                )
            if not _CURRENCY.match(event.currency):
                return _reject(
                    index,
                    event,
                    Rejection.INVALID_VALUE,
                    "conversion.value.currency_code",
                    "must be an ISO 4217 code",
                )
    return occurred_at + skew if skew else occurred_at


@functools.lru_cache(maxsize=1024)
def user_agent_is_bot(user_agent: str) -> bool:
    # Cached: the pattern costs tens of µs per search, and one browser build sends one header.
    return not user_agent.strip() or bool(_BOT_UA.search(user_agent))


def behaviour_bots(events: list[tuple[str, int, datetime]]) -> set[str]:
    """Visitors whose events in one batch no human produces: many in the same second, or a click storm.

    `events` are (visitor_id, type, occurred_at) of the accepted events.
    """
    # Only a visitor with more events than a limit can break it: count those first (cheap), then
    # look at seconds and clicks of just those visitors.
    per_visitor = Counter(v for v, _, _ in events)
    least = min(MAX_CLICKS_PER_VISITOR_BATCH, MAX_EVENTS_PER_VISITOR_SECOND)
    busy = {v for v, n in per_visitor.items() if n > least}
    if not busy:
        return set()
    per_second = Counter((v, int(t.timestamp())) for v, _, t in events if v in busy)
    clicks = Counter(v for v, kind, _ in events if kind == EventType.CLICK and v in busy)
    flagged = {v for (v, _), n in per_second.items() if n > MAX_EVENTS_PER_VISITOR_SECOND}
    flagged |= {v for v, n in clicks.items() if n > MAX_CLICKS_PER_VISITOR_BATCH}
    return flagged


def decide_batch(
    events: list[IncomingEvent],
    *,
    sent_at: datetime,
    now: datetime,
    user_agent: str,
    campaigns: dict[str, CampaignInfo],
) -> BatchDecision:
    """Which events of a batch are accepted (with corrected time and bot flag) and why others are not.

    The batch-level checks (size, count, sent_at) are the caller's: they refuse the whole batch.
    Duplicate ids inside the batch keep the first occurrence.
    """
    skew = now - sent_at
    latest, earliest = now + MAX_FUTURE - skew, now - MAX_PAST - skew
    decision = BatchDecision()
    seen: set[str] = set()
    kept: list[tuple[int, datetime]] = []
    for index, event in enumerate(events):
        result = _check(index, event, skew, latest, earliest, campaigns)
        if isinstance(result, EventRejection):
            decision.rejections.append(result)
            continue
        if event.event_id in seen:
            decision.rejections.append(
                EventRejection(
                    index,
                    event.event_id,
                    Rejection.DUPLICATE,
                    f"events[{index}].event_id",
                    "repeated in the batch",
                )
            )
            continue
        seen.add(event.event_id)
        kept.append((index, result))
    ua_bot = user_agent_is_bot(user_agent)
    behaviour = behaviour_bots([(events[i].visitor_id, events[i].type, t) for i, t in kept])
    for index, when in kept:
        event = events[index]
        reason = BotReason.NONE
        if ua_bot:
            reason = BotReason.USER_AGENT
        elif event.automation_suspected:
            reason = BotReason.AUTOMATION
        elif event.visitor_id in behaviour:
            reason = BotReason.BEHAVIOUR
        decision.accepted.append(AcceptedEvent(index, when, reason))
    return decision


@dataclass(frozen=True)
class UserAgent:
    """Browser environment parsed from a User-Agent header."""

    device_type: int  # common.v1.DeviceType: 1 desktop, 2 mobile, 3 tablet, 0 unknown
    browser_name: str
    browser_version: str
    os_name: str


_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+).*Safari/")),
)
_OSES = (
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
)


def parse_user_agent(user_agent: str) -> UserAgent:
    browser, version = "", ""
    for name, pattern in _BROWSERS:
        match = pattern.search(user_agent)
        if match:
            browser, version = name, match.group(1)
            break
    os_name = next((name for name, pattern in _OSES if pattern.search(user_agent)), "")
    if re.search(r"iPad|Tablet|Android(?!.*Mobile)", user_agent):
        device = 3
    elif re.search(r"Mobi|iPhone|iPod", user_agent):
        device = 2
    elif user_agent:
        device = 1
    else:
        device = 0
    return UserAgent(device, browser, version, os_name)
