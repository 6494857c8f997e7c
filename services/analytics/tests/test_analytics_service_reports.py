"""Scheduled reports: CRUD in Postgres, sent now and by the scheduler to a real SMTP sink, opened."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from sqlalchemy import text

from services.analytics.bootstrap import AnalyticsApp
from services.analytics.tests.conftest import PeerSites, dashboard_metadata, new_tenant
from services.analytics.tests.test_analytics_service_ingest import details
from services.analytics.tests.test_analytics_service_queries import goal, store_events, widget_event
from shared.devstack.smtp import SmtpSink
from socialproof.analytics.v1 import reports_pb2, reports_pb2_grpc


@pytest.fixture
def analytics_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url, "report_check_seconds": 0.2}


def attachment(message: object) -> tuple[str, bytes]:
    for part in message.iter_attachments():  # type: ignore[attr-defined]
        return part.get_filename(), part.get_payload(decode=True)
    raise AssertionError("no attachment")


@pytest.mark.parametrize("analytics", ["chdb"], indirect=True)
async def test_reports_are_managed_sent_now_and_by_schedule_with_the_numbers(
    analytics: AnalyticsApp, notifications_peer: tuple[str, PeerSites], smtp_sink: SmtpSink
) -> None:
    t = new_tenant(notifications_peer[1])
    yesterday = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    c = {"campaign_id": t.campaign_id}
    events = [widget_event(1, f"v{i}", yesterday, **c) for i in range(7)]  # type: ignore[arg-type]
    events += [widget_event(3, "v1", yesterday, **c), widget_event(3, "v2", yesterday, **c)]  # type: ignore[arg-type]
    events.append(goal("v1", yesterday + timedelta(minutes=5), 4250))
    events.append(widget_event(1, "v1", yesterday - timedelta(days=1), **c))  # type: ignore[arg-type]
    await store_events(analytics, t, events)
    meta = dashboard_metadata(t.org_id)
    parent = f"organizations/{t.org_id}"
    async with grpc.aio.insecure_channel(analytics.server.address) as channel:
        stub = reports_pb2_grpc.ReportServiceStub(channel)
        report = reports_pb2.ScheduledReport(
            display_name="Daily shop summary",
            sites=[t.site],
            frequency=reports_pb2.REPORT_FREQUENCY_DAILY,
            time_zone="UTC",
            recipients=["owner@shop.example"],
            format=reports_pb2.REPORT_FORMAT_HTML,
            enabled=True,
        )
        bad = reports_pb2.ScheduledReport()
        bad.CopyFrom(report)
        bad.recipients[:] = ["not-an-address"]
        bad.time_zone = "Mars/Base"
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.CreateScheduledReport(
                reports_pb2.CreateScheduledReportRequest(parent=parent, scheduled_report=bad), metadata=meta
            )
        assert details(error.value)[1] == [
            ("scheduled_report.time_zone", "must be an IANA time zone, e.g. Europe/Prague"),
            ("scheduled_report.recipients[0]", "is not an e-mail address"),
        ]
        request_id = str(uuid.uuid4())
        created = (
            await stub.CreateScheduledReport(
                reports_pb2.CreateScheduledReportRequest(
                    parent=parent, scheduled_report=report, request_id=request_id
                ),
                metadata=meta,
            )
        ).scheduled_report
        again = await stub.CreateScheduledReport(
            reports_pb2.CreateScheduledReportRequest(
                parent=parent, scheduled_report=report, request_id=request_id
            ),
            metadata=meta,
        )
        assert again.scheduled_report.name == created.name and created.send_hour == 8
        next_send = created.next_send_time.ToDatetime(UTC)
        assert next_send > datetime.now(UTC) and (next_send.hour, next_send.minute) == (8, 0)
        listed = await stub.ListScheduledReports(
            reports_pb2.ListScheduledReportsRequest(parent=parent), metadata=meta
        )
        assert [r.name for r in listed.scheduled_reports] == [created.name]

        sent = await stub.SendScheduledReportNow(
            reports_pb2.SendScheduledReportNowRequest(name=created.name), metadata=meta
        )
        assert list(sent.accepted_recipients) == ["owner@shop.example"]
        assert sent.scheduled_report.last_send_status == reports_pb2.REPORT_SEND_STATUS_SENT
        message = (await asyncio.to_thread(smtp_sink.wait_for, 1, 10.0, "owner@shop.example"))[0]
        name, body = attachment(message)
        assert name == f"daily-shop-summary-{yesterday.date().isoformat()}.html"
        document = body.decode()
        # This period vs the day before: 7 vs 1 impressions, 2 clicks, 1 conversion of 42.50 EUR.
        assert "<tr><td>Impressions</td><td>7</td><td>1</td><td>+600.0%</td></tr>" in document
        assert "<tr><td>Clicks</td><td>2</td><td>0</td><td>new</td></tr>" in document
        assert "<tr><td>Conversions</td><td>1</td><td>0</td><td>new</td></tr>" in document
        assert "<td>Revenue EUR</td><td>42.50</td>" in document
        assert f"<tr><td>{t.campaign_id}</td><td>7</td><td>2</td><td>28.57%</td>" in document

        updated = await stub.UpdateScheduledReport(
            reports_pb2.UpdateScheduledReportRequest(
                scheduled_report=reports_pb2.ScheduledReport(
                    name=created.name, format=reports_pb2.REPORT_FORMAT_PDF, recipients=["team@shop.example"]
                ),
                update_mask={"paths": ["format", "recipients"]},
            ),
            metadata=meta,
        )
        assert updated.scheduled_report.format == reports_pb2.REPORT_FORMAT_PDF
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.UpdateScheduledReport(
                reports_pb2.UpdateScheduledReportRequest(
                    scheduled_report=reports_pb2.ScheduledReport(name=created.name),
                    update_mask={"paths": ["name"]},
                ),
                metadata=meta,
            )
        assert details(error.value)[1] == [("update_mask", "unknown or read-only fields: name")]

        # The scheduler: make the report due, and the running loop sends it (as a PDF now).
        report_id = created.name.rsplit("/", 1)[-1]
        make_due = (
            "UPDATE scheduled_reports SET next_send_time = now() - interval '1 minute' WHERE report_id = :id"
        )
        async with analytics.reports.repository.db.session() as session:
            await session.execute(text(make_due), {"id": uuid.UUID(report_id)})
        message = (await asyncio.to_thread(smtp_sink.wait_for, 1, 10.0, "team@shop.example"))[0]
        name, pdf = attachment(message)
        assert name.endswith(".pdf") and pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
        assert b"(Impressions | 7 | 1 | +600.0%) Tj" in pdf
        assert b"(Revenue EUR | 42.50 | 0.00 | ) Tj" in pdf
        deadline = time.monotonic() + 5
        after = await stub.GetScheduledReport(
            reports_pb2.GetScheduledReportRequest(name=created.name), metadata=meta
        )
        while (
            after.scheduled_report.next_send_time.ToDatetime(UTC) < datetime.now(UTC)
            and time.monotonic() < deadline
        ):
            await asyncio.sleep(0.1)
            after = await stub.GetScheduledReport(
                reports_pb2.GetScheduledReportRequest(name=created.name), metadata=meta
            )
        assert after.scheduled_report.next_send_time.ToDatetime(UTC) > datetime.now(UTC)
        assert len(smtp_sink.wait_for(1, 0.1, "team@shop.example")) == 1

        await stub.DeleteScheduledReport(
            reports_pb2.DeleteScheduledReportRequest(name=created.name), metadata=meta
        )
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.GetScheduledReport(
                reports_pb2.GetScheduledReportRequest(name=created.name), metadata=meta
            )
        assert error.value.code() == grpc.StatusCode.NOT_FOUND
        assert details(error.value)[0] == "SCHEDULED_REPORT_NOT_FOUND"
