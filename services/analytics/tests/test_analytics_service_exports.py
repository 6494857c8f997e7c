"""CSV export streamed in chunks of whole rows, paged through the store (both backends)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from services.analytics.bootstrap import AnalyticsApp
from services.analytics.tests.conftest import PeerSites, dashboard_metadata, new_tenant
from services.analytics.tests.test_analytics_service_ingest import details
from services.analytics.tests.test_analytics_service_queries import goal, store_events, widget_event
from socialproof.analytics.v1 import exports_pb2, exports_pb2_grpc


async def test_large_event_export_streams_bounded_chunks_from_paged_reads(
    analytics: AnalyticsApp, notifications_peer: tuple[str, PeerSites]
) -> None:
    t = new_tenant(notifications_peer[1])
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    # Long URLs with commas and quotes: ~3000 rows of ~140 bytes is several 64 KiB chunks.
    events = [
        widget_event(
            6,
            f"v{i % 97}",
            start + timedelta(seconds=i // 2),
            page_url=f'https://shop.example/p/{i}?q="a,b"&pad=' + "x" * 40,
        )
        for i in range(2999)
    ]
    sale = goal("v1", start + timedelta(hours=5), 12345)
    events.append(sale)
    await store_events(analytics, t, events)
    analytics.exports.page_rows = 400
    pages_before = analytics.exports.pages_read
    request = exports_pb2.ExportCsvRequest(parent=t.site, kind=exports_pb2.EXPORT_KIND_EVENTS)
    request.time_range.start_time.FromDatetime(start)
    request.time_range.end_time.FromDatetime(start + timedelta(days=1))
    async with grpc.aio.insecure_channel(analytics.server.address) as channel:
        stub = exports_pb2_grpc.ExportServiceStub(channel)
        chunks = [c async for c in stub.ExportCsv(request, metadata=dashboard_metadata(t.org_id))]
        assert len(chunks) >= 5
        assert chunks[0].file_name == f"socialproof-events-{start.date().isoformat()}.csv"
        assert all(c.file_name == "" for c in chunks[1:])
        assert all(len(c.chunk.data) <= 64 * 1024 and c.chunk.data.endswith(b"\r\n") for c in chunks)
        assert all(c.chunk.content_type == "text/csv; charset=utf-8" for c in chunks)
        assert sum(c.row_count for c in chunks) == 3000
        # 3000 rows in pages of 400: 8 reads (the last one short), never the whole range at once.
        assert analytics.exports.pages_read - pages_before == 8
        rows = list(csv.reader(io.StringIO(b"".join(c.chunk.data for c in chunks).decode())))
        assert rows[0][:4] == ["occurred_at", "event_id", "site_id", "event_type"]
        assert len(rows) == 3001 and rows[1][3] == "PAGE_VIEW"
        assert rows[1][9] in {f'https://shop.example/p/{i}?q="a,b"&pad=' + "x" * 40 for i in (0, 1)}
        assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])
        assert len({r[1] for r in rows[1:]}) == 3000
        sold = next(r for r in rows if r[1] == sale.event_id)
        assert (sold[3], sold[10], sold[11], sold[12]) == ("CONVERSION", "purchase", "123.45", "EUR")

        request.kind = exports_pb2.EXPORT_KIND_PAGES
        pages = [c async for c in stub.ExportCsv(request, metadata=dashboard_metadata(t.org_id))]
        assert sum(c.row_count for c in pages) == 2999

        request.kind = exports_pb2.EXPORT_KIND_UNSPECIFIED
        with pytest.raises(grpc.aio.AioRpcError) as error:
            [c async for c in stub.ExportCsv(request, metadata=dashboard_metadata(t.org_id))]
        assert details(error.value)[1] == [("kind", "must be EVENTS, CAMPAIGN_METRICS, CONVERSIONS or PAGES")]
