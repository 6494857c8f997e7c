"""Postgres repository of scheduled reports (schema "analytics")."""

# ruff: noqa: S608 - column lists and SET clauses come from this module's constants and the
# use case's fixed field names; every value is a bound parameter.

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from shared.db import Database

_COLUMNS = (
    "report_id::text AS report_id, org_id, display_name, sites, frequency, day_of_week, send_hour, time_zone,"
    " recipients, format, sections, enabled, next_send_time, last_send_time, last_send_status,"
    " last_send_error, create_time, update_time"
)


@dataclass(frozen=True)
class ReportRow:
    report_id: str
    org_id: str
    display_name: str
    sites: list[str]
    frequency: int
    day_of_week: int
    send_hour: int
    time_zone: str
    recipients: list[str]
    format: int
    sections: list[int]
    enabled: bool
    next_send_time: datetime
    last_send_time: datetime | None
    last_send_status: int
    last_send_error: str
    create_time: datetime
    update_time: datetime


#: Fields a caller may set, as stored.
EDITABLE = ("display_name", "sites", "frequency", "day_of_week", "send_hour", "time_zone", "recipients",
            "format", "sections", "enabled", "next_send_time")  # fmt: skip


class ReportRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[ReportRow]:
        async with self.db.session() as session:
            result = await session.execute(text(sql), params)
            return [ReportRow(**dict(r)) for r in result.mappings().all()]

    async def create(self, org_id: str, values: dict[str, Any], request_id: str | None) -> ReportRow:
        names = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        rows = await self._rows(
            f"INSERT INTO scheduled_reports (org_id, request_id, {names}) "
            f"VALUES (:org_id, :request_id, {marks}) "
            f"ON CONFLICT (org_id, request_id) DO NOTHING RETURNING {_COLUMNS}",
            {"org_id": org_id, "request_id": request_id, **values},
        )
        if rows:
            return rows[0]
        # A retried create with the same request id returns the report the first call made.
        return (
            await self._rows(
                f"SELECT {_COLUMNS} FROM scheduled_reports "
                "WHERE org_id = :org_id AND request_id = :request_id",
                {"org_id": org_id, "request_id": request_id},
            )
        )[0]

    async def get(self, org_id: str, report_id: str) -> ReportRow | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM scheduled_reports "
            "WHERE org_id = :org_id AND report_id = CAST(:id AS uuid)",
            {"org_id": org_id, "id": report_id},
        )
        return rows[0] if rows else None

    async def page(self, org_id: str, after: tuple[str, str] | None, limit: int) -> list[ReportRow]:
        where = "org_id = :org_id"
        params: dict[str, Any] = {"org_id": org_id, "limit": limit}
        if after is not None:
            where += " AND (display_name, report_id::text) > (:name, :id)"
            params.update(name=after[0], id=after[1])
        return await self._rows(
            f"SELECT {_COLUMNS} FROM scheduled_reports WHERE {where} "
            "ORDER BY display_name, report_id::text LIMIT :limit",
            params,
        )

    async def update(self, org_id: str, report_id: str, values: dict[str, Any]) -> ReportRow | None:
        sets = ", ".join(f"{k} = :{k}" for k in values)
        rows = await self._rows(
            f"UPDATE scheduled_reports SET {sets}, update_time = now() WHERE org_id = :org_id "
            f"AND report_id = CAST(:id AS uuid) RETURNING {_COLUMNS}",
            {"org_id": org_id, "id": report_id, **values},
        )
        return rows[0] if rows else None

    async def delete(self, org_id: str, report_id: str) -> bool:
        async with self.db.session() as session:
            result = await session.execute(
                text(
                    "DELETE FROM scheduled_reports WHERE org_id = :org_id AND report_id = CAST(:id AS uuid)"
                ),
                {"org_id": org_id, "id": report_id},
            )
            return bool(getattr(result, "rowcount", 0))

    async def claim_due(self, now: datetime, next_times: Any, limit: int = 20) -> list[ReportRow]:
        """Due reports, moved to their next send time in the same transaction (SKIP LOCKED), so two
        replicas never send the same report twice for one period."""
        async with self.db.session() as session:
            result = await session.execute(
                text(
                    f"SELECT {_COLUMNS} FROM scheduled_reports WHERE enabled AND next_send_time <= :now "
                    "ORDER BY next_send_time LIMIT :limit FOR UPDATE SKIP LOCKED"
                ),
                {"now": now, "limit": limit},
            )
            rows = [ReportRow(**dict(r)) for r in result.mappings().all()]
            for row in rows:
                await session.execute(
                    text(
                        "UPDATE scheduled_reports SET next_send_time = :next "
                        "WHERE report_id = CAST(:id AS uuid)"
                    ),
                    {"next": next_times(row, now), "id": row.report_id},
                )
            return rows

    async def record_send(self, report_id: str, when: datetime, status: int, error: str) -> ReportRow | None:
        rows = await self._rows(
            "UPDATE scheduled_reports SET last_send_time = :when, last_send_status = :status, "
            f"last_send_error = :error WHERE report_id = CAST(:id AS uuid) RETURNING {_COLUMNS}",
            {"when": when, "status": status, "error": error, "id": report_id},
        )
        return rows[0] if rows else None
