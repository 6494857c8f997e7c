"""Trace context survives a round trip through gRPC metadata or Kafka headers."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from shared import telemetry


def test_inject_then_extract_keeps_the_trace() -> None:
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("produce") as span:
        carrier = telemetry.inject_context({})
    assert carrier["traceparent"].split("-")[1] == format(span.get_span_context().trace_id, "032x")

    # Kafka headers arrive as a list of (str, bytes) pairs.
    kafka_headers = [(k, v.encode()) for k, v in carrier.items()]
    context = telemetry.extract_context(kafka_headers)
    assert trace.get_current_span(context).get_span_context().trace_id == span.get_span_context().trace_id
    # gRPC metadata keys are lowercase; HTTP-ish mixed case must work as well.
    context = telemetry.extract_context({"Traceparent": carrier["traceparent"]})
    assert trace.get_current_span(context).get_span_context().span_id == span.get_span_context().span_id


def test_kafka_metrics_take_topic_and_group_labels() -> None:
    telemetry.kafka_consumer_lag.labels(topic="activity", group="notifications").set(7)
    telemetry.kafka_messages.labels(topic="activity", group="notifications", outcome="processed").inc()
    assert (
        telemetry.REGISTRY.get_sample_value(
            "sp_kafka_consumer_lag", {"topic": "activity", "group": "notifications"}
        )
        == 7
    )
