"""Use cases of the analytics service: ingest, storing batches from Kafka, and the dashboard's queries."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from google.protobuf.timestamp_pb2 import Timestamp

from services.analytics.adapters.dedupe import EventLedger
from services.analytics.adapters.reports import ReportRepository, ReportRow
from services.analytics.adapters.retention import RetentionRepository
from services.analytics.adapters.sites import ResolvedSite, SiteDirectory
from services.analytics.adapters.store import (
    AnalyticsStore,
    Conversion,
    MessageEvents,
    StoredEvent,
    WriteResult,
)
from services.analytics.domain.attribution import DEFAULT_WINDOW as DEFAULT_ATTRIBUTION_WINDOW
from services.analytics.domain.attribution import AttributionResult, Goal, Model, TouchPoint, attribute
from services.analytics.domain.csv_export import Chunker, decimal_amount, rfc3339
from services.analytics.domain.experiments import (
    ExperimentStats,
    ExposedVisitor,
    GoalReached,
    analyse,
    outcomes,
)
from services.analytics.domain.funnels import (
    CohortRow,
    FunnelCounts,
    StepRule,
    VisitorEvent,
    cohorts,
    funnel,
    period_of,
    visitor_groups,
)
from services.analytics.domain.ingest import (
    BatchDecision,
    BotReason,
    EventRejection,
    EventType,
    IncomingEvent,
    Rejection,
    UserAgent,
    decide_batch,
    parse_user_agent,
)
from services.analytics.domain.queries import Bucketing, EventFilter, MetricRow, Scope, parse_scope
from services.analytics.domain.reports import (
    ATTRIBUTION,
    CAMPAIGNS,
    DEFAULT_SECTIONS,
    EXPERIMENTS,
    HTML,
    PDF,
    SUMMARY,
    TOP_PAGES,
    WIDGET_PERFORMANCE,
    ReportDocument,
    Schedule,
    Table,
    change,
)
from services.analytics.domain.retention import (
    DEFAULT_PLAN_DAYS,
    RetentionPolicy,
    droppable,
    partition_end,
    refusals,
)
from shared.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from shared.kafka_bus import EventProducer, ReceivedEvent, make_envelope
from shared.mail import Attachment, Email, Mailer
from shared.principal import (
    Principal,
    PrincipalKind,
    current_principal,
    require_org_access,
    set_current_principal,
)
from socialproof.events.v1.analytics_events_pb2 import WidgetEvent, WidgetEventsRecorded
from socialproof.events.v1.billing_events_pb2 import UsageRecorded

log = logging.getLogger(__name__)

WIDGET_EVENTS_TOPIC = "widget-events"
USAGE_TOPIC = "usage"
PRODUCER = "analytics"


@dataclass(frozen=True)
class Topics:
    widget_events: str = WIDGET_EVENTS_TOPIC
    usage: str = USAGE_TOPIC

    @classmethod
    def with_prefix(cls, prefix: str) -> Topics:
        return cls(prefix + WIDGET_EVENTS_TOPIC, prefix + USAGE_TOPIC)


@dataclass
class IngestResult:
    accepted: int
    rejections: list[EventRejection]


class Ingest:
    """RecordWidgetEvents: resolve the site, decide each event, claim ids once, publish the batch."""

    def __init__(
        self, sites: SiteDirectory, ledger: EventLedger, producer: EventProducer, topics: Topics
    ) -> None:
        self.sites = sites
        self.ledger = ledger
        self.producer = producer
        self.topics = topics
        self.usage = UsageMeter(producer, topics.usage)

    async def record(
        self,
        site_key: str,
        events: Sequence[WidgetEvent],
        incoming: Sequence[IncomingEvent],
        *,
        sent_at: datetime,
        user_agent: str,
        now: datetime | None = None,
    ) -> tuple[ResolvedSite, IngestResult]:
        site = await self.sites.resolve(site_key)
        now = now or datetime.now(UTC)
        decision = decide_batch(
            list(incoming), sent_at=sent_at, now=now, user_agent=user_agent, campaigns=site.campaigns
        )
        decision, claimed = await self._claim(site, incoming, decision)
        if decision.accepted:
            await self._publish(site, events, decision, user_agent, now, claimed)
        return site, IngestResult(len(decision.accepted), sorted(decision.rejections, key=lambda r: r.index))

    async def _claim(
        self, site: ResolvedSite, incoming: Sequence[IncomingEvent], decision: BatchDecision
    ) -> tuple[BatchDecision, tuple[list[str], list[str]]]:
        ids = [incoming[a.index].event_id for a in decision.accepted]
        firsts = await self.ledger.claim(site.site_id, "event", ids)
        kept = BatchDecision(rejections=list(decision.rejections))
        claimed_orders: list[str] = []
        orders = {
            a.index: ":".join(
                (incoming[a.index].visitor_id, incoming[a.index].goal_name, incoming[a.index].order_ref)
            )
            for a in decision.accepted
            if incoming[a.index].type == EventType.CONVERSION and incoming[a.index].order_ref
        }
        order_firsts = dict(
            zip(orders, await self.ledger.claim(site.site_id, "order", list(orders.values())), strict=True)
        )
        for accepted, first in zip(decision.accepted, firsts, strict=True):
            event = incoming[accepted.index]
            if not first:
                kept.rejections.append(
                    EventRejection(
                        accepted.index,
                        event.event_id,
                        Rejection.DUPLICATE,
                        f"events[{accepted.index}].event_id",
                        "already recorded",
                    )
                )
                continue
            if accepted.index in orders and not order_firsts[accepted.index]:
                kept.rejections.append(
                    EventRejection(
                        accepted.index,
                        event.event_id,
                        Rejection.DUPLICATE,
                        f"events[{accepted.index}].conversion.order_ref",
                        "this conversion was already recorded for the visitor",
                    )
                )
                continue
            if accepted.index in orders:
                claimed_orders.append(orders[accepted.index])
            kept.accepted.append(accepted)
        # Ids of events refused as duplicate orders were claimed above; free them for an honest retry.
        refused = [
            incoming[r.index].event_id
            for r in kept.rejections
            if r.field.endswith("order_ref") and r.reason is Rejection.DUPLICATE
        ]
        await self.ledger.release(site.site_id, "event", refused)
        return kept, ([incoming[a.index].event_id for a in kept.accepted], claimed_orders)

    async def _publish(
        self,
        site: ResolvedSite,
        events: Sequence[WidgetEvent],
        decision: BatchDecision,
        user_agent: str,
        now: datetime,
        claimed: tuple[list[str], list[str]],
    ) -> None:
        agent = _user_agent(user_agent)
        batch = WidgetEventsRecorded(site_id=site.site_id, org_id=site.org_id, batch_id=str(uuid.uuid4()))
        received = _timestamp(now)
        batch.received_at.CopyFrom(received)
        # The server fields every event of the batch shares, merged into each copy in one C call
        # (setting them field by field per event was most of the cost of building the batch).
        common = WidgetEvent(received_at=received)
        info = common.user_agent_info
        info.user_agent = user_agent.encode()[:512].decode(errors="ignore")
        info.device_type = agent.device_type  # type: ignore[assignment]
        info.browser_name = agent.browser_name
        info.browser_version = agent.browser_version
        info.os_name = agent.os_name
        counted = excluded = 0
        for accepted in decision.accepted:
            source = events[accepted.index]
            event = batch.events.add()
            event.CopyFrom(source)
            event.MergeFrom(common)
            _set_timestamp(event.occurred_at, accepted.occurred_at)
            bot = accepted.bot_reason is not BotReason.NONE
            if bot:
                event.bot = True
                event.bot_reason = int(accepted.bot_reason)  # type: ignore[assignment]
            if source.type == _IMPRESSION and not source.test:
                if bot:
                    excluded += 1
                else:
                    counted += 1
        try:
            await self.producer.publish(
                self.topics.widget_events,
                make_envelope(batch, site.org_id, site.site_id, occurred_at=now, producer=PRODUCER),
                key=site.site_id,
            )
        except Exception as error:
            ids, orders = claimed
            await self.ledger.release(site.site_id, "event", ids)
            await self.ledger.release(site.site_id, "order", orders)
            raise Unavailable("Events cannot be recorded right now; retry", retry_after_seconds=1) from error
        if counted or excluded:
            # Not awaited: the batch is recorded now, and usage is reported per site and second
            # (UsageMeter), after the batch's acknowledgement (never for a batch that failed).
            self.usage.add(site.org_id, site.site_id, batch.batch_id, counted, excluded)

    async def drain(self) -> None:
        """Publishes the usage still waiting for its second to end (call before closing the producer)."""
        await self.usage.drain()


class UsageMeter:
    """Usage of recorded batches as one UsageRecorded per (organization, site) and second.

    Each accepted batch used to be followed by its own UsageRecorded: at widget rates that was one
    more Kafka message per request and one Postgres transaction in billing per request (billing
    spent more CPU per widget batch than ingest's own validation). The counts of the batches a site
    gets within one second (by the clock when each batch was acknowledged) are added up and
    published once that second is over, as a window [second, second + 1 s) as the contract
    describes it. The event id is derived from the first batch of the window, so it is unique (a
    batch is in exactly one window) and stable for a window of one batch. A failed publish is
    logged, not retried, as before: unbilled impressions are the customer-safe error; a process
    that dies between a batch and the end of its second loses that second's usage the same way.
    """

    #: Wait after a second has ended before publishing it (acknowledgements near the boundary).
    SETTLE_S = 0.05

    def __init__(self, producer: EventProducer, topic: str) -> None:
        self.producer = producer
        self.topic = topic
        # (org, site, second) → [counted, excluded bots, first batch id]
        self._pending: dict[tuple[str, str, int], list[Any]] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()

    def add(self, org_id: str, site_id: str, batch_id: str, counted: int, excluded: int) -> None:
        key = (org_id, site_id, int(time.time()))
        entry = self._pending.get(key)
        if entry is None:
            self._pending[key] = [counted, excluded, batch_id]
        else:
            entry[0] += counted
            entry[1] += excluded
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_when_due())

    async def _flush_when_due(self) -> None:
        while self._pending:
            due_at = min(second for _, _, second in self._pending) + 1 + self.SETTLE_S
            delay = due_at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._publish(lambda second: second + 1 <= time.time())

    def _publish(self, due: Any) -> None:
        for key in [k for k in self._pending if due(k[2])]:
            org_id, site_id, second = key
            counted, excluded, batch_id = self._pending.pop(key)
            task = asyncio.create_task(self._send(org_id, site_id, second, counted, excluded, batch_id))
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

    async def drain(self) -> None:
        """Publishes every window now, ended or not, and waits for the publishes."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        self._publish(lambda _second: True)
        if self._publishing:
            await asyncio.gather(*self._publishing, return_exceptions=True)

    async def _send(
        self, org_id: str, site_id: str, second: int, counted: int, excluded: int, batch_id: str
    ) -> None:
        usage = UsageRecorded(
            org_id=org_id, site_id=site_id, counted_impressions=counted, excluded_bot_impressions=excluded
        )
        usage.window_start_time.FromSeconds(second)
        usage.window_end_time.FromSeconds(second + 1)
        # Derived from the window's first batch, so a window of one batch keeps the id it had when
        # every batch had its own usage event.
        usage_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"socialproof:usage:{batch_id}"))
        envelope = make_envelope(
            usage,
            org_id,
            site_id,
            occurred_at=datetime.fromtimestamp(second, UTC),
            producer=PRODUCER,
            event_id=usage_id,
        )
        try:
            await self.producer.publish(self.topic, envelope, key=org_id)
        except Exception:
            # The batches are recorded; their widgets must not resend events that are stored.
            log.exception("usage event not published", extra={"site_id": site_id, "batch_id": batch_id})


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_IMPRESSION = int(EventType.IMPRESSION)


def _timestamp(when: datetime) -> Timestamp:
    ts = Timestamp()
    _set_timestamp(ts, when)
    return ts


def _set_timestamp(ts: Timestamp, when: datetime) -> None:
    """Timestamp.FromDatetime for an aware datetime, without its time-tuple round trip (per event)."""
    delta = when - _EPOCH
    ts.seconds = delta.days * 86400 + delta.seconds
    ts.nanos = delta.microseconds * 1000


@functools.lru_cache(maxsize=1024)
def _user_agent(user_agent: str) -> UserAgent:
    # Widgets of one browser build send the same header on every batch: parse it once.
    return parse_user_agent(user_agent)


def _ms(d: Any) -> float:
    return d.seconds * 1000 + d.nanos / 1e6


#: The row tail of an event without conversion and performance data (most events): goal, order,
#: amount, currency, then script bytes, load ms, first-notification ms, long tasks, longest long
#: task ms, CLS, widget version.
_NO_CONVERSION = ("", "", 0, "")
_NO_PERFORMANCE = (0, 0.0, 0.0, 0, 0.0, 0.0, "")


#: The row parts of an event without UTM parameters or parsed User-Agent.
_NO_UTM = ("", "", "")
_NO_AGENT = (0, "", "")


def stored_event(batch: WidgetEventsRecorded, event: WidgetEvent) -> StoredEvent:
    """One raw-table row from a recorded event (IPs and raw user agents are not stored)."""
    one = WidgetEventsRecorded(
        org_id=batch.org_id, site_id=batch.site_id, batch_id=batch.batch_id, events=[event]
    )
    if batch.HasField("received_at"):
        one.received_at.CopyFrom(batch.received_at)
    return StoredEvent(event_rows(one)[0])


def stored_events(batch: WidgetEventsRecorded) -> list[StoredEvent]:
    return [StoredEvent(row) for row in event_rows(batch)]


def event_rows(batch: WidgetEventsRecorded) -> list[tuple[Any, ...]]:
    """The raw-table rows of every event of a recorded batch, insert-ready (EVENT_COLUMNS order,
    times as epoch seconds: ClickHouse's DateTime has whole seconds). This runs per event in the
    consumer: batch fields are read once, each field once, unset submessages are skipped with one
    HasField each, and no datetime is made (the insert would turn it back into seconds)."""
    org, site, batch_id = batch.org_id, batch.site_id, batch.batch_id
    # Ingest always sets each event's received_at; the batch's stands in for an event without one.
    batch_received = batch.received_at.seconds
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for event in batch.events:
        has = event.HasField
        if has("conversion"):
            c = event.conversion
            value = c.value
            conversion: tuple[Any, ...] = (c.goal_name, c.order_ref, value.amount_minor, value.currency_code)
        else:
            conversion = _NO_CONVERSION
        if has("performance"):
            p = event.performance
            performance: tuple[Any, ...] = (
                p.script_transfer_bytes,
                float(_ms(p.script_load_duration)),
                float(_ms(p.time_to_first_notification)),
                p.long_task_count,
                float(_ms(p.longest_long_task)),
                float(p.cumulative_layout_shift),
                p.widget_version,
            )
        else:
            performance = _NO_PERFORMANCE
        if has("utm"):
            utm = event.utm
            utms: tuple[str, ...] = (utm.source, utm.medium, utm.campaign)
        else:
            utms = _NO_UTM
        if has("user_agent_info"):
            ua = event.user_agent_info
            agent: tuple[Any, ...] = (int(ua.device_type), ua.browser_name, ua.os_name)
        else:
            agent = _NO_AGENT
        append(
            (
                org,
                site,
                event.event_id,
                batch_id,
                int(event.type),
                event.occurred_at.seconds,
                event.received_at.seconds if has("received_at") else batch_received,
                event.visitor_id,
                event.session_id,
                event.campaign_id,
                event.variant_id,
                event.experiment_id,
                int(event.holdout),
                event.activity_id,
                event.page_url,
                event.referrer,
                *utms,
                *agent,
                event.location.country_code if has("location") else "",
                int(event.anonymous),
                int(event.test),
                int(event.bot),
                int(event.bot_reason),
                *conversion,
                int(_ms(event.visible_duration)) if has("visible_duration") else 0,
                int(_ms(event.hover_duration)) if has("hover_duration") else 0,
                *performance,
            )
        )
    return rows


class BatchWriter:
    """The Kafka consumer's use case: write recorded batches to ClickHouse, exactly once in effect.

    The replay guard (docs/analytics.md "Replay guard"): a message is read back before its insert
    only when it may be a redelivery, i.e. when its partition's history in this process is not
    known to be continuous — first batch after an assignment, an offset that is not the next one
    after what this writer wrote, or a retry after a failed write — AND its offset lies in a range
    the positions table says an insert may have covered since. Normal batches read nothing."""

    #: How often the writer drops expired positions.
    PRUNE_EVERY_S = 3600.0

    def __init__(self, store: AnalyticsStore) -> None:
        self.store = store
        self.last: WriteResult | None = None
        self.total = WriteResult()
        # Per (topic, partition): the offset after the last message this writer wrote, while the
        # partition's history since then is known (this writer owned it throughout).
        self._next: dict[tuple[str, int], int] = {}
        # Per (topic, partition): offset ranges that inserts may have stored and that are not
        # passed yet (found when the history was not known).
        self._uncertain: dict[tuple[str, int], list[tuple[int, int]]] = {}
        self._pruned_at: float | None = None

    def partitions_assigned(self, partitions: Sequence[tuple[str, int]]) -> None:
        """The consumer got these partitions (again): another consumer may have written beyond
        the committed offset in between, so their next batch looks that up."""
        for tp in partitions:
            self._next.pop(tp, None)

    async def handle(self, received: ReceivedEvent) -> None:
        await self.handle_many([received])

    async def handle_many(self, received: Sequence[ReceivedEvent]) -> None:
        """All events of the messages in one insert (PermanentError if a message is not a batch)."""
        batches = [r.payload(WidgetEventsRecorded) for r in received]
        firsts: dict[tuple[str, int], int] = {}
        lasts: dict[tuple[str, int], int] = {}
        for r in received:
            tp = (r.topic, r.partition)
            firsts[tp] = min(firsts.get(tp, r.offset), r.offset)
            lasts[tp] = max(lasts.get(tp, r.offset), r.offset)
        for tp, first in firsts.items():
            expected = self._next.get(tp)
            if expected != first:
                if expected is not None and first > expected:
                    # Legitimate only after messages parked in the DLQ (no compaction or
                    # transactions on these topics): logged, as a gap is where events go missing.
                    log.warning(
                        "kafka offsets skipped",
                        extra={"topic": tp[0], "partition": tp[1], "expected": expected, "got": first},
                    )
                self._uncertain[tp] = await self.store.written_ranges(tp[0], tp[1], first)
        messages = [
            MessageEvents(
                r.topic,
                r.partition,
                r.offset,
                b.org_id,
                b.site_id,
                event_rows(b),
                maybe_stored=any(
                    lo <= r.offset <= hi for lo, hi in self._uncertain.get((r.topic, r.partition), ())
                ),
            )
            for r, b in zip(received, batches, strict=True)
        ]
        try:
            self.last = await self.store.write_messages(messages)
        except BaseException:
            # Part of the insert may be stored (one part per month partition): whatever retries
            # these messages looks their positions up again.
            for tp in firsts:
                self._next.pop(tp, None)
            raise
        for tp, last in lasts.items():
            self._next[tp] = last + 1
            ranges = [(lo, hi) for lo, hi in self._uncertain.get(tp, ()) if hi > last]
            if ranges:
                self._uncertain[tp] = ranges
            else:
                self._uncertain.pop(tp, None)
        self.total.inserted += self.last.inserted
        self.total.already_stored += self.last.already_stored
        await self._prune()

    async def _prune(self) -> None:
        now = time.monotonic()
        if self._pruned_at is None or now - self._pruned_at >= self.PRUNE_EVERY_S:
            self._pruned_at = now
            try:
                await self.store.prune_positions(datetime.now(UTC))
            except Exception as exc:  # the batch is written; expired positions wait for the next try
                log.warning("pruning kafka positions failed", extra={"error": type(exc).__name__})


class Metrics:
    """Dashboard queries, always within one organization the caller may read."""

    def __init__(self, store: AnalyticsStore) -> None:
        self.store = store

    async def rows(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        f: EventFilter,
        *,
        group_expr: str | None,
        bucketing: Bucketing | None,
    ) -> list[MetricRow]:
        require_org_access(scope.org_id)
        return await self.store.metric_rows(scope, start, end, f, group_expr=group_expr, bucketing=bucketing)

    async def totals_and_series(
        self, scope: Scope, start: datetime, end: datetime, f: EventFilter, bucketing: Bucketing
    ) -> tuple[MetricRow, list[MetricRow]]:
        require_org_access(scope.org_id)
        return await self.store.metric_totals_and_series(scope, start, end, f, bucketing)

    async def top_pages(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        f: EventFilter,
        order: str,
        limit: int,
        offset: int,
    ) -> list[tuple[str, MetricRow]]:
        require_org_access(scope.org_id)
        return await self.store.top_pages(scope, start, end, f, order, limit, offset)

    async def funnel(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        steps: Sequence[StepRule],
        window: timedelta,
        f: EventFilter,
        *,
        split_by_variant: bool,
    ) -> list[tuple[str, bool, FunnelCounts]]:
        """The funnel for everyone, then per (variant, holdout) group when asked."""
        require_org_access(scope.org_id)
        rows = await self.store.funnel_events(
            scope, start, end + window, _touchless(f), sorted({s.event_type for s in steps} | {6})
        )
        events = [VisitorEvent(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows]
        matching = [e for e in events if any(s.matches(e) for s in steps)]
        result = [("", False, funnel(matching, steps, start, end, window))]
        if split_by_variant:
            groups = visitor_groups(events)
            for group in sorted(set(groups.values())):
                members = {v for v, g in groups.items() if g == group}
                chosen = [e for e in matching if e.visitor_id in members]
                result.append((group[0], group[1], funnel(chosen, steps, start, end, window)))
        return result

    async def cohorts(
        self, scope: Scope, start: datetime, end: datetime, granularity: int, tz: ZoneInfo, f: EventFilter
    ) -> list[CohortRow]:
        require_org_access(scope.org_id)
        days = await self.store.visitor_days(scope, end, f, tz.key)
        last_day = (end - timedelta(seconds=1)).astimezone(tz).date()
        first = period_of((start.astimezone(tz).date() - date(1970, 1, 1)).days, granularity)
        last = period_of((last_day - date(1970, 1, 1)).days, granularity)
        return cohorts(days, granularity, first, last)

    async def widget_performance(
        self, scope: Scope, start: datetime, end: datetime, device_types: Sequence[int], bucketing: Bucketing
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, int]]:
        require_org_access(scope.org_id)
        summary = await self.store.widget_performance(scope, start, end, device_types, "toUInt32(0)")
        series = await self.store.widget_performance(
            scope, start, end, device_types, bucketing.sql("occurred_at")
        )
        return summary, series, await self.store.widget_versions(scope, start, end)


def _touchless(f: EventFilter) -> EventFilter:
    """Funnel steps carry their own campaign/page/goal conditions; the filter's would hide steps."""
    return replace(f, campaign_ids=(), page_url_like="", goal_names=())


@dataclass(frozen=True)
class ExperimentQuery:
    scope: Scope
    experiment_id: str
    start: datetime | None
    end: datetime | None
    goal_names: tuple[str, ...]
    level: float
    window: timedelta
    currency: str
    filter: EventFilter


@dataclass(frozen=True)
class ExperimentReport:
    experiment_id: str
    stats: ExperimentStats
    currency: str


class Experiments:
    """GetExperimentResults: each exposed visitor once, converted when a goal follows the first
    exposure within the window; variants vs control and treated vs holdout (domain/experiments)."""

    def __init__(self, store: AnalyticsStore, sites: SiteDirectory) -> None:
        self.store = store
        self.sites = sites

    async def results(self, q: ExperimentQuery) -> ExperimentReport:
        require_org_access(q.scope.org_id)
        config = await self.sites.experiment(q.scope.org_id, q.scope.site_id, q.scope.campaign_id)
        if config is None:
            raise NotFound("Campaign not found", reason="CAMPAIGN_NOT_FOUND")
        experiment_id = q.experiment_id or config.experiment_id
        if not experiment_id:
            experiment_id = await self.store.current_experiment(q.scope, q.scope.campaign_id)
        start = q.start or datetime(1970, 1, 2, tzinfo=UTC)
        end = q.end or datetime.now(UTC) + timedelta(hours=1)
        site = Scope(q.scope.org_id, q.scope.site_id)
        f = replace(q.filter, goal_names=q.goal_names)
        exposed = await self.store.experiment_visitors(
            site, q.scope.campaign_id, experiment_id, start, end, replace(f, goal_names=())
        )
        goals = await self.store.experiment_goals(
            site, q.scope.campaign_id, experiment_id, start, end, end + q.window, f
        )
        currency = q.currency or _main_currency(goals)
        groups = outcomes(
            (
                ExposedVisitor(v, variant, bool(h), first, imp, clk)
                for v, variant, h, first, imp, clk in exposed
            ),
            (GoalReached(g.visitor_id, g.at, g.value_minor, g.currency) for g in goals),
            window=q.window,
            currency=currency,
        )
        arms = config.arms if experiment_id == config.experiment_id else ()
        holdout_share = config.holdout_share if experiment_id == config.experiment_id else 0.0
        stats = analyse(groups, arms, holdout_share=holdout_share, level=q.level)
        return ExperimentReport(experiment_id, stats, currency)


def _main_currency(goals: Sequence[Conversion]) -> str:
    counts: dict[str, int] = {}
    for goal in goals:
        if goal.currency:
            counts[goal.currency] = counts.get(goal.currency, 0) + 1
    return min(counts, key=lambda c: (-counts[c], c)) if counts else ""


@dataclass(frozen=True)
class AttributionQuery:
    scope: Scope
    start: datetime
    end: datetime
    window: timedelta
    model: Model
    clicks_only: bool
    by_variant: bool
    filter: EventFilter


class Attribution:
    """QueryAttribution: conversions of the period credited to one earlier touch each."""

    def __init__(self, store: AnalyticsStore) -> None:
        self.store = store

    async def query(self, q: AttributionQuery) -> AttributionResult:
        require_org_access(q.scope.org_id)
        goals_filter = replace(q.filter, campaign_ids=(), variant_ids=(), page_url_like="")
        conversions = await self.store.conversions(q.scope, q.start, q.end, goals_filter)
        touches = await self.store.touches_of_converters(
            q.scope, q.start - q.window, q.start, q.end, q.filter
        )
        return attribute(
            (Goal(c.visitor_id, c.at, c.event_id, c.value_minor, c.currency) for c in conversions),
            (TouchPoint(t.visitor_id, t.at, t.campaign_id, t.variant_id, t.click) for t in touches),
            window=q.window,
            model=q.model,
            clicks_only=q.clicks_only,
            by_variant=q.by_variant,
        )


_EVENT_TYPES = {
    1: "IMPRESSION",
    2: "HOVER",
    3: "CLICK",
    4: "CLOSE",
    5: "CONVERSION",
    6: "PAGE_VIEW",
    7: "HEARTBEAT",
    8: "PERFORMANCE",
}
_DEVICES = {0: "", 1: "DESKTOP", 2: "MOBILE", 3: "TABLET", 4: "OTHER"}

EVENT_HEADER = (
    "occurred_at",
    "event_id",
    "site_id",
    "event_type",
    "visitor_id",
    "session_id",
    "campaign_id",
    "variant_id",
    "holdout",
    "page_url",
    "goal_name",
    "value",
    "currency",
    "device_type",
    "country_code",
    "bot",
)
METRICS_HEADER = (
    "bucket_start",
    "campaign_id",
    "variant_id",
    "holdout",
    "impressions",
    "hovers",
    "clicks",
    "closes",
    "click_through_rate",
    "conversions",
    "unique_visitors",
    "page_views",
    "reached_visitors",
)
PAGES_HEADER = (
    "page_url",
    "page_views",
    "impressions",
    "clicks",
    "click_through_rate",
    "conversions",
    "unique_visitors",
)
CONVERSIONS_HEADER = (
    "occurred_at",
    "event_id",
    "visitor_id",
    "goal_name",
    "value",
    "currency",
    "campaign_id",
    "variant_id",
    "touch_time",
)


class Exports:
    """ExportCsv: rows come from the store page by page (keyset or offset paging), so a large range
    is never held in memory; each page is turned into chunks of whole rows."""

    def __init__(self, store: AnalyticsStore, *, page_rows: int = 5000) -> None:
        self.store = store
        self.page_rows = page_rows
        #: Store pages read by exports since start (operators and tests see the paging).
        self.pages_read = 0

    async def csv(
        self, kind: int, scope: Scope, start: datetime, end: datetime, f: EventFilter, bucketing: Bucketing
    ) -> AsyncIterator[tuple[bytes, int]]:
        require_org_access(scope.org_id)
        header, rows = {
            1: (EVENT_HEADER, self._events),
            2: (METRICS_HEADER, self._campaign_metrics),
            3: (CONVERSIONS_HEADER, self._conversions),
            4: (PAGES_HEADER, self._pages),
        }[kind]
        chunker = Chunker(header)
        async for row in rows(scope, start, end, f, bucketing):
            full = chunker.add(row)
            if full is not None:
                yield full
        last = chunker.finish()
        if last is not None:
            yield last

    async def _events(
        self, scope: Scope, start: datetime, end: datetime, f: EventFilter, _: Bucketing
    ) -> AsyncIterator[Sequence[Any]]:
        after: tuple[int, str] | None = None
        while True:
            page = await self.store.events_page(scope, start, end, f, after, self.page_rows)
            self.pages_read += 1
            for r in page:
                when, event_id, site, kind, visitor, session, campaign, variant, holdout, page_url = r[:10]
                goal_name, value, currency, device, country, bot = r[10:]
                yield (
                    rfc3339(datetime.fromtimestamp(int(when), UTC)),
                    event_id,
                    site,
                    _EVENT_TYPES.get(int(kind), ""),
                    visitor,
                    session,
                    campaign,
                    variant,
                    int(holdout),
                    page_url,
                    goal_name,
                    decimal_amount(int(value), str(currency)),
                    currency,
                    _DEVICES.get(int(device), ""),
                    country,
                    int(bot),
                )
            if len(page) < self.page_rows:
                return
            after = (int(page[-1][0]), str(page[-1][1]))

    async def _campaign_metrics(
        self, scope: Scope, start: datetime, end: datetime, f: EventFilter, bucketing: Bucketing
    ) -> AsyncIterator[Sequence[Any]]:
        # One row per bucket, campaign and variant: bounded by the range, not by the event count.
        rows = await self.store.metric_rows(
            scope,
            start,
            end,
            f,
            group_expr="concat(campaign_id, '|', variant_id, '|', toString(holdout))",
            bucketing=bucketing,
        )
        self.pages_read += 1
        for row in rows:
            campaign, variant, holdout = row.group.split("|")
            yield (
                rfc3339(datetime.fromtimestamp(row.bucket, UTC)),
                campaign,
                variant,
                holdout,
                row.impressions,
                row.hovers,
                row.clicks,
                row.closes,
                round(row.click_through_rate, 6),
                row.conversions,
                row.unique_visitors,
                row.page_views,
                row.reached_visitors,
            )

    async def _pages(
        self, scope: Scope, start: datetime, end: datetime, f: EventFilter, _: Bucketing
    ) -> AsyncIterator[Sequence[Any]]:
        offset = 0
        while True:
            page = await self.store.top_pages(scope, start, end, f, "page_views", self.page_rows, offset)
            self.pages_read += 1
            for url, row in page:
                yield (
                    url,
                    row.page_views,
                    row.impressions,
                    row.clicks,
                    round(row.click_through_rate, 6),
                    row.conversions,
                    row.unique_visitors,
                )
            if len(page) < self.page_rows:
                return
            offset += self.page_rows

    async def _conversions(
        self, scope: Scope, start: datetime, end: datetime, f: EventFilter, _: Bucketing
    ) -> AsyncIterator[Sequence[Any]]:
        # Conversions are a small share of events; they and their visitors' touches are read at once.
        result = await Attribution(self.store).query(
            AttributionQuery(scope, start, end, DEFAULT_ATTRIBUTION_WINDOW, Model.LAST_TOUCH, False, False, f)
        )
        conversions = await self.store.conversions(
            scope, start, end, replace(f, campaign_ids=(), variant_ids=())
        )
        self.pages_read += 1
        for c in conversions:
            touch = result.credited.get(c.event_id)
            yield (
                rfc3339(c.at),
                c.event_id,
                c.visitor_id,
                c.goal_name,
                decimal_amount(c.value_minor, c.currency),
                c.currency,
                touch.campaign_id if touch else "",
                touch.variant_id if touch else "",
                rfc3339(touch.at) if touch else "",
            )


@dataclass(frozen=True)
class SendOutcome:
    report: ReportRow
    accepted: list[str]


class Reports:
    """Scheduled reports: CRUD, rendering from the metrics, sending now or when due."""

    def __init__(self, repository: ReportRepository, metrics: Metrics, mailer: Mailer | None) -> None:
        self.repository = repository
        self.metrics = metrics
        self.mailer = mailer

    async def get(self, org_id: str, report_id: str) -> ReportRow:
        require_org_access(org_id)
        row = await self.repository.get(org_id, report_id)
        if row is None:
            raise NotFound("Scheduled report not found", reason="SCHEDULED_REPORT_NOT_FOUND")
        return row

    async def create(self, org_id: str, values: dict[str, Any], request_id: str | None) -> ReportRow:
        require_org_access(org_id)
        values["next_send_time"] = _schedule(values).next_after(datetime.now(UTC))
        return await self.repository.create(org_id, values, request_id)

    async def update(self, org_id: str, report_id: str, values: dict[str, Any]) -> ReportRow:
        current = await self.get(org_id, report_id)
        merged = {k: getattr(current, k) for k in ("frequency", "day_of_week", "send_hour", "time_zone")}
        merged.update(values)
        if set(values) & {"frequency", "day_of_week", "send_hour", "time_zone"}:
            values["next_send_time"] = _schedule(merged).next_after(datetime.now(UTC))
        row = await self.repository.update(org_id, report_id, values) if values else current
        if row is None:
            raise NotFound("Scheduled report not found", reason="SCHEDULED_REPORT_NOT_FOUND")
        return row

    async def delete(self, org_id: str, report_id: str) -> None:
        require_org_access(org_id)
        if not await self.repository.delete(org_id, report_id):
            raise NotFound("Scheduled report not found", reason="SCHEDULED_REPORT_NOT_FOUND")

    async def render(self, row: ReportRow, fmt: int, now: datetime | None = None) -> tuple[bytes, str, str]:
        """(document, content type, file name) for the latest complete period at `now`."""
        schedule = _schedule(row.__dict__)
        start, end = schedule.period_before(now or datetime.now(UTC))
        document = await self._document(row, start, end)
        label = ZoneInfo(row.time_zone)
        stamp = start.astimezone(label).date().isoformat()
        slug = "".join(c if c.isalnum() else "-" for c in row.display_name.lower()).strip("-") or "report"
        if (fmt or row.format or PDF) == HTML:
            return document.html().encode(), "text/html; charset=utf-8", f"{slug}-{stamp}.html"
        return document.pdf(), "application/pdf", f"{slug}-{stamp}.pdf"

    async def _document(self, row: ReportRow, start: datetime, end: datetime) -> ReportDocument:
        tz = ZoneInfo(row.time_zone)
        period = (
            f"{start.astimezone(tz):%Y-%m-%d %H:%M} to {end.astimezone(tz):%Y-%m-%d %H:%M} ({row.time_zone})"
        )
        scopes = [parse_scope(s) for s in row.sites] or [Scope(row.org_id)]
        previous = (start - (end - start), start)
        tables = []
        for section in row.sections or DEFAULT_SECTIONS:
            if section == SUMMARY:
                now_row = await self._totals(scopes, start, end)
                before = await self._totals(scopes, *previous)
                table = Table("Summary", ["Metric", "This period", "Previous period", "Change"])
                for label, a, b in (
                    ("Impressions", now_row.impressions, before.impressions),
                    ("Clicks", now_row.clicks, before.clicks),
                    ("Conversions", now_row.conversions, before.conversions),
                    ("Unique visitors", now_row.unique_visitors, before.unique_visitors),
                ):
                    table.rows.append([label, str(a), str(b), change(a, b)])
                ctr = f"{now_row.click_through_rate * 100:.2f}%"
                table.rows.append(["Click-through rate", ctr, f"{before.click_through_rate * 100:.2f}%", ""])
                for currency in sorted(now_row.revenues):
                    amount = decimal_amount(now_row.revenues[currency], currency)
                    previous_amount = decimal_amount(before.revenues.get(currency, 0), currency)
                    table.rows.append([f"Revenue {currency}", amount, previous_amount, ""])
                tables.append(table)
            elif section == CAMPAIGNS:
                table = Table("Campaigns", ["Campaign", "Impressions", "Clicks", "CTR", "Conversions"])
                for scope in scopes:
                    rows = await self.metrics.store.metric_rows(
                        scope, start, end, EventFilter(), group_expr="campaign_id", bucketing=None
                    )
                    for r in sorted(rows, key=lambda r: -r.impressions):
                        if r.group:
                            ctr = f"{r.click_through_rate * 100:.2f}%"
                            table.rows.append(
                                [r.group, str(r.impressions), str(r.clicks), ctr, str(r.conversions)]
                            )
                tables.append(table)
            elif section == TOP_PAGES:
                table = Table("Top pages", ["Page", "Page views", "Unique visitors"])
                for scope in scopes:
                    for url, r in await self.metrics.store.top_pages(
                        scope, start, end, EventFilter(), "page_views", 10, 0
                    ):
                        table.rows.append([url, str(r.page_views), str(r.unique_visitors)])
                tables.append(table)
            elif section == ATTRIBUTION:
                table = Table("Attribution (last touch, 7 days)", ["Campaign", "Conversions", "Visitors"])
                for scope in scopes:
                    if not scope.site_id:
                        table.note = "Attribution is reported for named sites only."
                        continue
                    result = await Attribution(self.metrics.store).query(
                        AttributionQuery(
                            scope, start, end, DEFAULT_ATTRIBUTION_WINDOW, Model.LAST_TOUCH, False, False,
                            EventFilter(),
                        )
                    )  # fmt: skip
                    for credit in result.credits:
                        table.rows.append(
                            [credit.campaign_id, str(credit.conversions), str(len(credit.visitors))]
                        )
                tables.append(table)
            else:
                # Experiments and widget performance have their own dashboard pages; not in e-mails yet.
                tables.append(
                    Table(_SECTION_TITLES.get(section, "Section"), [], note="Not included in e-mail yet.")
                )
        return ReportDocument(row.display_name, period, tables)

    async def _totals(self, scopes: list[Scope], start: datetime, end: datetime) -> MetricRow:
        total = MetricRow("", 0)
        for scope in scopes:
            for r in await self.metrics.store.metric_rows(
                scope, start, end, EventFilter(), group_expr=None, bucketing=None
            ):
                total.impressions += r.impressions
                total.clicks += r.clicks
                total.conversions += r.conversions
                total.unique_visitors += r.unique_visitors
                for currency, amount in r.revenues.items():
                    total.revenues[currency] = total.revenues.get(currency, 0) + amount
        return total

    async def send(
        self, row: ReportRow, recipients: Sequence[str] | None = None, now: datetime | None = None
    ) -> SendOutcome:
        """Render and e-mail; the outcome is recorded on the report (errors without addresses)."""
        now = now or datetime.now(UTC)
        to = list(recipients or row.recipients)
        if self.mailer is None:
            raise FailedPrecondition("E-mail is not configured (SP_SMTP_URL)", reason="SMTP_NOT_CONFIGURED")
        try:
            body, content_type, file_name = await self.render(row, 0, now)
            html_body = body.decode() if content_type.startswith("text/html") else None
            text_body = f"{row.display_name}: see the attached report ({file_name})."
            await self.mailer.send(
                Email(
                    to=tuple(to),
                    subject=f"{row.display_name} ({file_name.rsplit('.', 1)[0]})",
                    text=text_body,
                    html=html_body,
                    attachments=(Attachment(file_name, body, content_type.split(";")[0]),),
                )
            )
        except Exception as error:
            log.warning(
                "scheduled report not sent", extra={"org_id": row.org_id, "error": type(error).__name__}
            )
            updated = await self.repository.record_send(row.report_id, now, 3, type(error).__name__)
            return SendOutcome(updated or row, [])
        updated = await self.repository.record_send(row.report_id, now, 1, "")
        return SendOutcome(updated or row, to)

    async def send_due(self, now: datetime | None = None) -> int:
        """One scheduler pass: claim due reports (moving them to their next time) and send them."""
        now = now or datetime.now(UTC)
        rows = await self.repository.claim_due(now, lambda row, at: _schedule(row.__dict__).next_after(at))
        for row in rows:
            await self.send(row, now=now)
        return len(rows)

    async def run_scheduler(self, interval: float, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await self.send_due()
            except Exception:
                log.exception("scheduled report pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval)


_SECTION_TITLES = {EXPERIMENTS: "Experiments", WIDGET_PERFORMANCE: "Widget performance"}


def _schedule(values: Any) -> Schedule:
    return Schedule(
        int(values["frequency"]),
        int(values.get("day_of_week") or 1),
        int(values["send_hour"]),
        values["time_zone"],
    )


# ---- retention -------------------------------------------------------------------------------

RAW_TABLE = "widget_events"
ROLLUP_TABLE = "widget_hourly"
DAILY_TABLE = "widget_daily"


def daily_cutoff(rollup_cutoff: datetime) -> datetime:
    """A daily rollup row holds a whole UTC day: it goes once all of its day is past the cutoff."""
    return rollup_cutoff.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class SiteRetention:
    """A site's settings as the API shows them."""

    org_id: str
    site_id: str
    policy: RetentionPolicy
    oldest_raw_event: datetime | None
    last_apply_time: datetime | None
    update_time: datetime | None


@dataclass
class RetentionOutcome:
    """What applying retention did (or would do) to one site."""

    org_id: str
    site_id: str
    raw_event_cutoff: datetime
    rollup_cutoff: datetime
    dropped_partitions: list[str]
    deleted_rows: int = 0
    dropped_rollup_partitions: list[str] = field(default_factory=list)


class Retention:
    """Per-site retention bounded by the plan: whole month partitions are dropped when every site in
    them is past its cutoff, the rest of the expired rows (raw events and rollups) are deleted."""

    def __init__(
        self,
        store: AnalyticsStore,
        repository: RetentionRepository,
        *,
        default_plan_days: int = DEFAULT_PLAN_DAYS,
        mutation_wait: float = 120.0,
    ) -> None:
        self.store = store
        self.repository = repository
        self.default_plan_days = default_plan_days
        self.mutation_wait = mutation_wait

    async def _policies(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], RetentionPolicy]:
        rows = await self.repository.sites(keys)
        plans = await self.repository.plan_days(k[0] for k in keys)
        out = {}
        for key in keys:
            row = rows.get(key)
            out[key] = RetentionPolicy(
                row.raw_event_retention_days if row else 0,
                row.rollup_retention_days if row else 0,
                plans.get(key[0], self.default_plan_days),
            )
        return out

    async def get(self, org_id: str, site_id: str) -> SiteRetention:
        require_org_access(org_id)
        key = (org_id, site_id)
        policy = (await self._policies([key]))[key]
        row = (await self.repository.sites([key])).get(key)
        return SiteRetention(
            org_id,
            site_id,
            policy,
            await self.store.oldest_event(site_id),
            row.last_apply_time if row else None,
            row.update_time if row else None,
        )

    async def update(self, org_id: str, site_id: str, values: dict[str, int]) -> SiteRetention:
        require_org_access(org_id, roles=("owner", "admin"))
        key = (org_id, site_id)
        current = (await self._policies([key]))[key]
        wanted = RetentionPolicy(
            values.get("raw_event_retention_days", current.raw_event_days),
            values.get("rollup_retention_days", current.rollup_days),
            current.plan_max_days,
        )
        refused = refusals(wanted)
        if refused:
            raise InvalidArgument(
                "The retention is longer than the plan allows",
                reason="RETENTION_EXCEEDS_PLAN",
                violations=[FieldViolation(f"retention_settings.{f}", d) for f, d in refused],
                metadata={"plan_max_days": str(current.plan_max_days)},
            )
        await self.repository.save(org_id, site_id, values)
        return await self.get(org_id, site_id)

    async def apply(
        self,
        org_id: str | None,
        site_id: str | None,
        *,
        validate_only: bool = False,
        now: datetime | None = None,
    ) -> list[RetentionOutcome]:
        """Applies retention to a site, an organization, or every site (org_id None: operators)."""
        if org_id is None:
            if current_principal().kind is not PrincipalKind.SERVICE:
                raise PermissionDenied(
                    "Only operators may apply retention to every organization", reason="OPERATOR_ONLY"
                )
        else:
            require_org_access(org_id, roles=("owner", "admin"))
        now = now or datetime.now(UTC)
        if org_id and site_id:
            in_scope = [(org_id, site_id)]
        else:
            found = set(await self.store.sites_with_data(org_id))
            found |= set(await self.repository.sites_of(org_id))
            in_scope = sorted(found)
        policies = await self._policies(in_scope)
        outcomes = {
            key: RetentionOutcome(key[0], key[1], p.raw_event_cutoff(now), p.rollup_cutoff(now), [])
            for key, p in policies.items()
        }
        for table in (RAW_TABLE, ROLLUP_TABLE, DAILY_TABLE):
            await self._drop_partitions(table, outcomes, policies, now, validate_only)
        for key, outcome in outcomes.items():
            # Rows left before the cutoff sit in partitions shared with sites that keep theirs.
            # A dry run has not dropped anything: leave out what the drops would remove.
            raw_rows = await self.store.count_before(
                RAW_TABLE,
                key[1],
                outcome.raw_event_cutoff,
                outcome.dropped_partitions if validate_only else (),
            )
            rollup_rows = await self.store.count_before(
                ROLLUP_TABLE,
                key[1],
                outcome.rollup_cutoff,
                outcome.dropped_rollup_partitions if validate_only else (),
            )
            daily_rows = await self.store.count_before(
                DAILY_TABLE,
                key[1],
                daily_cutoff(outcome.rollup_cutoff),
                outcome.dropped_rollup_partitions if validate_only else (),
            )
            outcome.deleted_rows = raw_rows
            if validate_only:
                continue
            if raw_rows:
                await self.store.delete_before(RAW_TABLE, key[1], outcome.raw_event_cutoff)
            if rollup_rows:
                await self.store.delete_before(ROLLUP_TABLE, key[1], outcome.rollup_cutoff)
            if daily_rows:
                await self.store.delete_before(DAILY_TABLE, key[1], daily_cutoff(outcome.rollup_cutoff))
        if not validate_only:
            await self._wait_for_mutations()
            await self.repository.record_apply(outcomes, now)
        return list(outcomes.values())

    async def _drop_partitions(
        self,
        table: str,
        outcomes: dict[tuple[str, str], RetentionOutcome],
        policies: dict[tuple[str, str], RetentionPolicy],
        now: datetime,
        validate_only: bool,
    ) -> None:
        if not outcomes:
            return
        rollup = table != RAW_TABLE

        def cutoff_of(policy: RetentionPolicy) -> datetime:
            if table == DAILY_TABLE:
                return daily_cutoff(policy.rollup_cutoff(now))
            return policy.rollup_cutoff(now) if rollup else policy.raw_event_cutoff(now)

        latest = max(cutoff_of(p) for p in policies.values())
        for partition, _rows in await self.store.partitions(table):
            if partition_end(partition) > latest:
                # Partitions are listed oldest first: none after this one can be past any cutoff.
                break
            sites = await self.store.partition_sites(table, partition)
            if not any(s in outcomes for s in sites):
                continue
            # Sites outside the scope count too: their own policies decide for their rows.
            all_policies = {**(await self._policies([s for s in sites if s not in policies])), **policies}

            cutoffs = [cutoff_of(all_policies[s]) for s in sites]
            if not droppable(partition, cutoffs):
                continue
            if not validate_only:
                await self.store.drop_partition(table, partition)
            for site in sites:
                if site in outcomes:
                    dropped = (
                        outcomes[site].dropped_rollup_partitions
                        if rollup
                        else outcomes[site].dropped_partitions
                    )
                    if partition not in dropped:
                        dropped.append(partition)

    async def _wait_for_mutations(self) -> None:
        """ALTER DELETE is asynchronous (18.16 has no mutations_sync): wait, bounded, so the caller
        sees the rows gone when the RPC returns."""
        deadline = asyncio.get_running_loop().time() + self.mutation_wait
        delay = 0.05
        while await self.store.pending_mutations():
            if asyncio.get_running_loop().time() > deadline:
                log.warning("retention mutations still running", extra={"waited_s": self.mutation_wait})
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def run_periodically(self, interval: float, stopping: asyncio.Event) -> None:
        """The daily job: the first pass after one interval, so a restart never deletes at once."""
        # This task's own context: the job acts as the service itself, for every organization.
        set_current_principal(Principal(kind=PrincipalKind.SERVICE, subject="analytics/retention"))
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval)
            if stopping.is_set():
                return
            try:
                outcomes = await self.apply(None, None)
                log.info(
                    "retention applied",
                    extra={"sites": len(outcomes), "deleted_rows": sum(o.deleted_rows for o in outcomes)},
                )
            except Exception:
                log.exception("retention pass failed")
