"""Per-process Prometheus metrics and OpenTelemetry tracing, plus trace-context propagation helpers."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

    from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

# One registry per process, not prometheus_client's global one, so /metrics shows only what we
# define and tests can read exact values without interference from library collectors.
REGISTRY = CollectorRegistry(auto_describe=True)

# Buckets in seconds; the widget feed targets single-digit ms, dashboard calls tens of ms.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

rpc_requests = Counter(
    "sp_rpc_requests",
    "gRPC calls served, by service, method and status code.",
    ["service", "method", "code"],
    registry=REGISTRY,
)
rpc_latency = Histogram(
    "sp_rpc_latency_seconds",
    "Time to serve a gRPC call (for streams: until the stream ends).",
    ["service", "method"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
kafka_consumer_lag = Gauge(
    "sp_kafka_consumer_lag",
    "Messages between a consumer group's position and the end of the topic.",
    ["topic", "group"],
    registry=REGISTRY,
)
kafka_messages = Counter(
    "sp_kafka_messages",
    "Kafka messages handled by consumers; outcome is processed, failed, dead_lettered or skipped.",
    ["topic", "group", "outcome"],
    registry=REGISTRY,
)
kafka_produced = Counter(
    "sp_kafka_produced",
    "Kafka messages produced; outcome is delivered or failed.",
    ["topic", "outcome"],
    registry=REGISTRY,
)


@dataclass
class MetricsEndpoint:
    """A running /metrics HTTP server."""

    port: int
    _server: Any

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def start_metrics_server(settings: ServiceSettings) -> MetricsEndpoint | None:
    """Serves /metrics on settings.metrics_port in a daemon thread; None when the port is 0 (off)."""
    if not settings.metrics_port:
        return None
    server, _thread = start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=REGISTRY)
    return MetricsEndpoint(port=int(server.server_port), _server=server)


_configured_provider: TracerProvider | None = None


def configure_tracing(
    settings: ServiceSettings, *, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """Installs a tracer provider when there is somewhere to send spans; otherwise leaves tracing off.

    With tracing off the no-op tracer still forwards an incoming traceparent, so traces stay
    connected across services that do export.
    """
    global _configured_provider
    if exporter is None and not settings.otel_endpoint:
        return None
    if _configured_provider is not None:
        return _configured_provider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": settings.service_name, "deployment.environment": settings.env}
        )
    )
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        provider.add_span_processor(BatchSpanProcessor(_otlp_exporter(settings.otel_endpoint or "")))
    trace.set_tracer_provider(provider)
    _configured_provider = provider
    return provider


def _otlp_exporter(endpoint: str) -> SpanExporter:
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    except ImportError as error:  # pragma: no cover - depends on the deployment image
        raise RuntimeError(
            "SP_OTEL_ENDPOINT is set but opentelemetry-exporter-otlp-proto-grpc is not installed"
        ) from error
    exporter: SpanExporter = OTLPSpanExporter(endpoint=endpoint)
    return exporter


def shutdown_tracing() -> None:
    """Flushes buffered spans; call once at process exit."""
    if _configured_provider is not None:
        _configured_provider.shutdown()


def get_tracer(name: str, tracer_provider: trace.TracerProvider | None = None) -> trace.Tracer:
    return trace.get_tracer(name, tracer_provider=tracer_provider)


def inject_context(
    carrier: MutableMapping[str, str] | None = None, context: Context | None = None
) -> MutableMapping[str, str]:
    """Writes W3C `traceparent`/`tracestate` (and baggage) for the current span into `carrier`."""
    target: MutableMapping[str, str] = {} if carrier is None else carrier
    propagate.inject(target, context=context)
    return target


def extract_context(
    carrier: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]] | None,
) -> Context:
    """Reads trace context from a header mapping or a list of pairs (gRPC metadata, Kafka headers)."""
    pairs: Iterable[tuple[str, Any]]
    if carrier is None:
        pairs = ()
    elif isinstance(carrier, Mapping):
        pairs = carrier.items()
    else:
        pairs = carrier
    normalized: dict[str, str] = {}
    for key, value in pairs:
        if value is None:
            continue
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        # First value wins, like HTTP; keys are case-insensitive on every transport we use.
        normalized.setdefault(key.lower(), text)
    return propagate.extract(normalized)
