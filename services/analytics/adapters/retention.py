"""Postgres repository of retention: per-site settings and the plan limit of each organization."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from shared.db import Database


@dataclass(frozen=True)
class SiteRetentionRow:
    org_id: str
    site_id: str
    raw_event_retention_days: int
    rollup_retention_days: int
    last_apply_time: datetime | None
    update_time: datetime | None


class RetentionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def sites(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], SiteRetentionRow]:
        pairs = sorted(set(keys))
        if not pairs:
            return {}
        async with self.db.session() as session:
            result = await session.execute(
                text(
                    "SELECT org_id, site_id, raw_event_retention_days, rollup_retention_days, "
                    "last_apply_time, update_time FROM site_retention "
                    "WHERE (org_id, site_id) IN (SELECT * FROM unnest(CAST(:orgs AS text[]), "
                    "CAST(:sites AS text[])))"
                ),
                {"orgs": [p[0] for p in pairs], "sites": [p[1] for p in pairs]},
            )
            rows = [SiteRetentionRow(**dict(r)) for r in result.mappings().all()]
        return {(r.org_id, r.site_id): r for r in rows}

    async def sites_of(self, org_id: str | None) -> list[tuple[str, str]]:
        """Sites with saved settings (of one organization or all)."""
        async with self.db.session() as session:
            result = await session.execute(
                text(
                    "SELECT org_id, site_id FROM site_retention "
                    "WHERE CAST(:org AS text) IS NULL OR org_id = :org"
                ),
                {"org": org_id},
            )
            return [(str(r[0]), str(r[1])) for r in result.all()]

    async def save(self, org_id: str, site_id: str, values: dict[str, int]) -> SiteRetentionRow:
        raw = values.get("raw_event_retention_days")
        rollup = values.get("rollup_retention_days")
        async with self.db.session() as session:
            result = await session.execute(
                text(
                    "INSERT INTO site_retention (org_id, site_id, raw_event_retention_days, "
                    "rollup_retention_days) VALUES (:org, :site, COALESCE(:raw, 0), COALESCE(:rollup, 0)) "
                    "ON CONFLICT (org_id, site_id) DO UPDATE SET "
                    "raw_event_retention_days = COALESCE(:raw, site_retention.raw_event_retention_days), "
                    "rollup_retention_days = COALESCE(:rollup, site_retention.rollup_retention_days), "
                    "update_time = now() RETURNING org_id, site_id, raw_event_retention_days, "
                    "rollup_retention_days, last_apply_time, update_time"
                ),
                {"org": org_id, "site": site_id, "raw": raw, "rollup": rollup},
            )
            return SiteRetentionRow(**dict(result.mappings().one()))

    async def record_apply(self, keys: Iterable[tuple[str, str]], when: datetime) -> None:
        pairs = sorted(set(keys))
        if not pairs:
            return
        async with self.db.session() as session:
            # Settings rows are created on first apply too, so last_apply_time is reported for
            # sites that never changed their settings.
            await session.execute(
                text(
                    "INSERT INTO site_retention (org_id, site_id, last_apply_time, update_time) "
                    "SELECT o, s, :when, :when FROM unnest(CAST(:orgs AS text[]), CAST(:sites AS text[])) "
                    "AS k(o, s) ON CONFLICT (org_id, site_id) DO UPDATE SET last_apply_time = :when"
                ),
                {"orgs": [p[0] for p in pairs], "sites": [p[1] for p in pairs], "when": when},
            )

    async def plan_days(self, org_ids: Iterable[str]) -> dict[str, int]:
        ids = sorted(set(org_ids))
        if not ids:
            return {}
        async with self.db.session() as session:
            result = await session.execute(
                text(
                    "SELECT org_id, retention_days FROM org_retention_limits "
                    "WHERE org_id = ANY(CAST(:ids AS text[]))"
                ),
                {"ids": ids},
            )
            return {str(r[0]): int(r[1]) for r in result.all()}

    async def set_plan_days(self, org_id: str, days: int) -> None:
        async with self.db.session() as session:
            await session.execute(
                text(
                    "INSERT INTO org_retention_limits (org_id, retention_days) VALUES (:org, :days) "
                    "ON CONFLICT (org_id) DO UPDATE SET retention_days = :days, update_time = now()"
                ),
                {"org": org_id, "days": days},
            )
