"""Wires the analytics service from its typed settings and serves it."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field

from services.analytics.adapters.clickhouse import open_clickhouse
from services.analytics.adapters.consumer import BatchConsumer
from services.analytics.adapters.dedupe import EventLedger
from services.analytics.adapters.reports import ReportRepository
from services.analytics.adapters.retention import RetentionRepository
from services.analytics.adapters.sites import SiteDirectory
from services.analytics.adapters.store import AnalyticsStore
from services.analytics.domain.retention import DEFAULT_PLAN_DAYS
from services.analytics.service import (
    Attribution,
    BatchWriter,
    Experiments,
    Exports,
    Ingest,
    Metrics,
    Reports,
    Retention,
    Topics,
)
from services.analytics.servicer import (
    AttributionServicer,
    ExperimentServicer,
    ExportServicer,
    IngestServicer,
    MetricsServicer,
    ReportServicer,
    RetentionServicer,
)
from shared.db import Database
from shared.kafka_bus import EventProducer, ensure_topics
from shared.mail import Mailer
from shared.redis_client import create_redis, redis_keys
from shared.rpc.client import peer_channel
from shared.rpc.domain import domain_server
from shared.rpc.server import RpcServer, run_service
from shared.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    """Settings of the analytics service (environment variables SP_*)."""

    service_name: str = "analytics"
    # Required: the service owns the Postgres schema "analytics" and migrates it at start.
    database_url: str
    # Required: ingest publishes to Kafka and the consumer writes from it.
    kafka_bootstrap_servers: str
    # Required: the ledger of recorded event ids (dedupe of widget retries).
    redis_url: str
    # clickhouse://user@host:port/db for a server, chdb:///path?database=x (or unset) for embedded.
    clickhouse_url: str | None = None
    chdb_path: Path = Path(".data/analytics-chdb")
    # Prefix of topic and consumer-group names (tests isolate themselves with it).
    kafka_topic_prefix: str = ""
    consumer_group: str = "analytics-clickhouse"
    # One ClickHouse insert per poll of up to this many Kafka messages (widget batches) ...
    consumer_batch_messages: int = Field(default=500, ge=1)
    # ... or whatever arrived within this wait: the bound on the consumer's added latency.
    consumer_batch_wait_ms: int = Field(default=200, ge=1)
    # Local brokers (Tansu) join groups slowly with Kafka's default timeouts.
    kafka_fast_group_join: bool = Field(default=False)
    # Outgoing e-mail for scheduled reports (smtp://host:port); unset = reports cannot be sent.
    smtp_url: str | None = None
    mail_sender: str = "SocialProof reports <reports@socialproof.local>"
    # How often the scheduler looks for due reports.
    report_check_seconds: float = Field(default=60.0, gt=0)
    # Rows read from ClickHouse per export page: memory per running export stays at about this many.
    export_page_rows: int = Field(default=5000, ge=10)
    # How often retention is applied to every site (the first pass one interval after start).
    retention_apply_seconds: float = Field(default=86400.0, gt=0)
    # Retention of organizations whose plan billing has not announced yet (the longest plan's).
    retention_default_plan_days: int = Field(default=DEFAULT_PLAN_DAYS, gt=0)


@dataclass
class AnalyticsApp:
    """The wired service: the gRPC server plus the parts tests and operators look at."""

    server: RpcServer
    store: AnalyticsStore
    consumer: BatchConsumer
    writer: BatchWriter
    topics: Topics
    exports: Exports
    reports: Reports
    retention: Retention
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def build_app(settings: AnalyticsSettings) -> AnalyticsApp:
    store = AnalyticsStore(open_clickhouse(settings.clickhouse_url, settings.chdb_path))
    topics = Topics.with_prefix(settings.kafka_topic_prefix)
    producer = EventProducer(settings.kafka_bootstrap_servers, client_id="analytics")
    redis = create_redis(settings.redis_url)
    ledger = EventLedger(redis, redis_keys(settings.redis_url))
    sites = SiteDirectory(peer_channel(settings, "notifications"))
    writer = BatchWriter(store)
    exports = Exports(store, page_rows=settings.export_page_rows)
    database = Database(settings.database_url, schema="analytics")
    mailer = Mailer(settings.smtp_url, settings.mail_sender) if settings.smtp_url else None
    metrics = Metrics(store)
    reports = Reports(ReportRepository(database), metrics, mailer)
    retention = Retention(
        store, RetentionRepository(database), default_plan_days=settings.retention_default_plan_days
    )
    stopping = asyncio.Event()
    consumer = BatchConsumer(
        settings.kafka_bootstrap_servers,
        group_id=settings.kafka_topic_prefix + settings.consumer_group,
        topics=[topics.widget_events],
        handler=writer.handle_many,
        on_assign=writer.partitions_assigned,
        max_messages=settings.consumer_batch_messages,
        max_wait=settings.consumer_batch_wait_ms / 1000,
        fast_group_join=settings.kafka_fast_group_join,
    )
    tasks: list[asyncio.Task[None]] = []
    ingest = Ingest(sites, ledger, producer, topics)

    async def start() -> None:
        await store.ensure_schema()
        await ensure_topics(settings.kafka_bootstrap_servers, [topics.widget_events, topics.usage])
        if not settings.run_background:
            # a serving worker of a service with background workers: requests only (docs/mesh.md)
            return
        # The second entry point: Kafka → ClickHouse (in the same process as the RPCs unless this
        # service runs background workers, which then do this alone).
        tasks.append(asyncio.create_task(consumer.run(), name="analytics-consumer"))
        tasks.append(
            asyncio.create_task(
                reports.run_scheduler(settings.report_check_seconds, stopping), name="analytics-reports"
            )
        )
        tasks.append(
            asyncio.create_task(
                retention.run_periodically(settings.retention_apply_seconds, stopping),
                name="analytics-retention",
            )
        )

    async def stop() -> None:
        consumer.stop()
        stopping.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        await ingest.drain()
        await producer.close()
        await ledger.close()
        await sites.close()
        await store.close()
        await database.dispose()

    server = domain_server(
        "analytics",
        settings,
        {
            "IngestService": IngestServicer(ingest),
            "MetricsService": MetricsServicer(metrics),
            "ExperimentService": ExperimentServicer(Experiments(store, sites)),
            "AttributionService": AttributionServicer(Attribution(store)),
            "ExportService": ExportServicer(exports),
            "ReportService": ReportServicer(reports),
            "RetentionService": RetentionServicer(retention),
        },
        on_start=[start],
        on_stop=[stop],
    )
    return AnalyticsApp(server, store, consumer, writer, topics, exports, reports, retention, tasks)


def build(settings: AnalyticsSettings) -> RpcServer:
    return build_app(settings).server


def main() -> None:
    run_service(AnalyticsSettings, build)
