"""Postgres repository of billing accounts, usage totals, quota alerts and processed-event marks.

Methods take the caller's session so a use case commits its effects and its idempotency mark in
one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.domain.periods import Period

_ACCOUNT_COLUMNS = (
    "org_id, display_name, billing_email, stripe_customer_id, plan_slug, plan_version, billing_interval,"
    " subscription_status, dunning_state, grace_period_end, stripe_subscription_id, cancel_at_period_end,"
    " trial_end, trial_used, period_anchor, billing_period_start, billing_period_end, subscription_start,"
    " payment_method_id, payment_method_brand, payment_method_last4, payment_method_exp_month,"
    " payment_method_exp_year, deleted, revision, create_time, update_time, company_name, billing_address,"
    " tax_id"
)


@dataclass(frozen=True, slots=True)
class AccountRow:
    org_id: str
    display_name: str
    billing_email: bytes | None
    stripe_customer_id: str | None
    plan_slug: str
    plan_version: int
    billing_interval: int | None
    subscription_status: int
    dunning_state: int
    grace_period_end: datetime | None
    stripe_subscription_id: str | None
    cancel_at_period_end: bool
    trial_end: datetime | None
    trial_used: bool
    period_anchor: datetime
    billing_period_start: datetime | None
    billing_period_end: datetime | None
    subscription_start: datetime | None
    payment_method_id: str | None
    payment_method_brand: str | None
    payment_method_last4: str | None
    payment_method_exp_month: int | None
    payment_method_exp_year: int | None
    deleted: bool
    revision: int
    create_time: datetime
    update_time: datetime
    company_name: str
    billing_address: bytes | None
    tax_id: str


@dataclass(frozen=True, slots=True)
class SiteBudgetRow:
    site_id: str
    monthly_impressions: int
    update_time: datetime


@dataclass(frozen=True, slots=True)
class PendingReset:
    """A cap lifted because a new period started (queued, then published as QuotaReset)."""

    org_id: str
    period: Period
    site_id: str
    reason: int
    revision: int


@dataclass(frozen=True, slots=True)
class PendingAlert:
    org_id: str
    period: Period
    site_id: str
    metric: int
    threshold_percent: int
    limit_value: int
    used: int
    revision: int


class BillingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _one(self, sql: str, params: Mapping[str, Any]) -> Any:
        return (await self.session.execute(text(sql), dict(params))).mappings().first()

    # ---- accounts ----------------------------------------------------------------------------

    async def account(self, org_id: str, *, for_update: bool = False) -> AccountRow | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._one(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE org_id = :o{lock}",  # noqa: S608 - fixed columns
            {"o": org_id},
        )
        return _account(row) if row else None

    async def account_by_customer(self, customer_id: str, *, for_update: bool = True) -> AccountRow | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._one(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE stripe_customer_id = :c{lock}",  # noqa: S608 - fixed columns
            {"c": customer_id},
        )
        return _account(row) if row else None

    async def create_account(
        self, org_id: str, *, plan_slug: str, plan_version: int, anchor: datetime, status: int, dunning: int
    ) -> bool:
        """Inserts a Free account; False when the organization already has one."""
        row = await self._one(
            "INSERT INTO accounts (org_id, plan_slug, plan_version, subscription_status, dunning_state,"
            " period_anchor) VALUES (:o, :p, :v, :s, :d, :a)"
            " ON CONFLICT (org_id) DO NOTHING RETURNING org_id",
            {"o": org_id, "p": plan_slug, "v": plan_version, "s": status, "d": dunning, "a": anchor},
        )
        return row is not None

    async def update_account(self, org_id: str, *, bump_revision: bool, **changes: Any) -> int:
        """Sets columns (names come from code, never from requests); returns the revision."""
        sets = [f"{name} = :{name}" for name in changes]
        sets.append("update_time = now()")
        if bump_revision:
            sets.append("revision = revision + 1")
        row = await self._one(
            f"UPDATE accounts SET {', '.join(sets)} WHERE org_id = :org_id_key RETURNING revision",  # noqa: S608
            {**changes, "org_id_key": org_id},
        )
        return int(row["revision"])

    # ---- idempotency -------------------------------------------------------------------------

    async def mark_processed(self, consumer: str, event_id: str) -> bool:
        """True the first time (consumer, event_id) is seen; the mark commits with the effects."""
        row = await self._one(
            "INSERT INTO processed_events (consumer, event_id) VALUES (:c, :e)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            {"c": consumer, "e": event_id},
        )
        return row is not None

    async def was_processed(self, consumer: str, event_id: str) -> bool:
        row = await self._one(
            "SELECT 1 AS seen FROM processed_events WHERE consumer = :c AND event_id = :e",
            {"c": consumer, "e": event_id},
        )
        return row is not None

    async def mark_stripe_event(self, event_id: str, event_type: str) -> bool:
        row = await self._one(
            "INSERT INTO stripe_events (event_id, event_type) VALUES (:e, :t)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            {"e": event_id, "t": event_type},
        )
        return row is not None

    # ---- usage -------------------------------------------------------------------------------

    async def add_usage(
        self, org_id: str, site_id: str, period: Period, day: date, counted: int, bots: int
    ) -> tuple[int, int]:
        """Adds to the durable totals; returns (org total, site total) of counted impressions."""
        org = await self._one(
            "INSERT INTO usage_periods"
            " (org_id, period_start, period_end, counted_impressions, bot_impressions)"
            " VALUES (:o, :s, :e, :c, :b) ON CONFLICT (org_id, period_start) DO UPDATE SET"
            " counted_impressions = usage_periods.counted_impressions + EXCLUDED.counted_impressions,"
            " bot_impressions = usage_periods.bot_impressions + EXCLUDED.bot_impressions, update_time = now()"
            " RETURNING counted_impressions",
            {"o": org_id, "s": period.start, "e": period.end, "c": counted, "b": bots},
        )
        site = await self._one(
            "INSERT INTO site_usage (org_id, period_start, site_id, counted_impressions, bot_impressions)"
            " VALUES (:o, :s, :site, :c, :b) ON CONFLICT (org_id, period_start, site_id) DO UPDATE SET"
            " counted_impressions = site_usage.counted_impressions + EXCLUDED.counted_impressions,"
            " bot_impressions = site_usage.bot_impressions + EXCLUDED.bot_impressions"
            " RETURNING counted_impressions",
            {"o": org_id, "s": period.start, "site": site_id, "c": counted, "b": bots},
        )
        await self.session.execute(
            text(
                "INSERT INTO daily_usage (org_id, day, counted_impressions, bot_impressions)"
                " VALUES (:o, :d, :c, :b) ON CONFLICT (org_id, day) DO UPDATE SET"
                " counted_impressions = daily_usage.counted_impressions + EXCLUDED.counted_impressions,"
                " bot_impressions = daily_usage.bot_impressions + EXCLUDED.bot_impressions"
            ),
            {"o": org_id, "d": day, "c": counted, "b": bots},
        )
        return int(org["counted_impressions"]), int(site["counted_impressions"])

    async def usage_total(self, org_id: str, period: Period) -> tuple[int, int, datetime | None]:
        row = await self._one(
            "SELECT counted_impressions, bot_impressions, update_time FROM usage_periods"
            " WHERE org_id = :o AND period_start = :s",
            {"o": org_id, "s": period.start},
        )
        if row is None:
            return 0, 0, None
        return int(row["counted_impressions"]), int(row["bot_impressions"]), row["update_time"]

    async def current_totals(self, at: datetime) -> list[tuple[str, datetime, int]]:
        """(org, period start, counted) of every period in progress (for reconciliation)."""
        rows = await self.session.execute(
            text(
                "SELECT org_id, period_start, counted_impressions FROM usage_periods"
                " WHERE period_start <= :t AND period_end > :t"
            ),
            {"t": at},
        )
        return [(str(r[0]), r[1], int(r[2])) for r in rows]

    async def site_usage(self, org_id: str, period: Period) -> dict[str, tuple[int, int]]:
        rows = await self.session.execute(
            text(
                "SELECT site_id, counted_impressions, bot_impressions FROM site_usage"
                " WHERE org_id = :o AND period_start = :s"
            ),
            {"o": org_id, "s": period.start},
        )
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    async def daily_usage(self, org_id: str, period: Period) -> list[tuple[date, int, int]]:
        rows = await self.session.execute(
            text(
                "SELECT day, counted_impressions, bot_impressions FROM daily_usage"
                " WHERE org_id = :o AND day >= :a AND day <= :b ORDER BY day"
            ),
            {"o": org_id, "a": period.start.date(), "b": period.end.date()},
        )
        return [(r[0], int(r[1]), int(r[2])) for r in rows]

    async def site_budgets(self, org_id: str) -> dict[str, int]:
        rows = await self.session.execute(
            text("SELECT site_id, monthly_impressions FROM site_budgets WHERE org_id = :o"), {"o": org_id}
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def site_budget(
        self, org_id: str, site_id: str, *, for_update: bool = False
    ) -> SiteBudgetRow | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._one(
            f"SELECT site_id, monthly_impressions, update_time FROM site_budgets WHERE org_id = :o AND site_id = :s{lock}",  # noqa: S608, E501 - fixed text
            {"o": org_id, "s": site_id},
        )
        return (
            SiteBudgetRow(str(row["site_id"]), int(row["monthly_impressions"]), row["update_time"])
            if row
            else None
        )

    async def list_site_budgets(
        self, org_id: str, offset: int, limit: int
    ) -> tuple[list[SiteBudgetRow], int]:
        """One page of an organization's budgets by site id, and how many it has in all."""
        rows = await self.session.execute(
            text(
                "SELECT site_id, monthly_impressions, update_time, count(*) OVER () FROM site_budgets"
                " WHERE org_id = :o ORDER BY site_id OFFSET :off LIMIT :n"
            ),
            {"o": org_id, "off": offset, "n": limit},
        )
        found = list(rows)
        total = int(found[0][3]) if found else await self._count_site_budgets(org_id)
        return [SiteBudgetRow(str(r[0]), int(r[1]), r[2]) for r in found], total

    async def _count_site_budgets(self, org_id: str) -> int:
        row = await self._one("SELECT count(*) AS n FROM site_budgets WHERE org_id = :o", {"o": org_id})
        return int(row["n"])

    async def set_site_budget(self, org_id: str, site_id: str, monthly_impressions: int) -> SiteBudgetRow:
        row = await self._one(
            "INSERT INTO site_budgets (org_id, site_id, monthly_impressions) VALUES (:o, :s, :m)"
            " ON CONFLICT (org_id, site_id) DO UPDATE SET"
            " monthly_impressions = EXCLUDED.monthly_impressions,"
            " update_time = clock_timestamp()"
            " RETURNING site_id, monthly_impressions, update_time",
            {"o": org_id, "s": site_id, "m": monthly_impressions},
        )
        return SiteBudgetRow(str(row["site_id"]), int(row["monthly_impressions"]), row["update_time"])

    async def delete_site_budget(self, org_id: str, site_id: str) -> bool:
        row = await self._one(
            "DELETE FROM site_budgets WHERE org_id = :o AND site_id = :s RETURNING 1",
            {"o": org_id, "s": site_id},
        )
        return row is not None

    async def site_total(self, org_id: str, period: Period, site_id: str) -> int:
        row = await self._one(
            "SELECT counted_impressions FROM site_usage"
            " WHERE org_id = :o AND period_start = :p AND site_id = :s",
            {"o": org_id, "p": period.start, "s": site_id},
        )
        return int(row["counted_impressions"]) if row else 0

    # ---- quota alerts ------------------------------------------------------------------------

    async def sent_thresholds(
        self, org_id: str, period: Period, site_id: str, metric: int, limit: int
    ) -> set[int]:
        rows = await self.session.execute(
            text(
                "SELECT threshold_percent FROM quota_alerts WHERE org_id = :o AND period_start = :p"
                " AND site_id = :s AND metric = :m AND limit_value = :l"
            ),
            {"o": org_id, "p": period.start, "s": site_id, "m": metric, "l": limit},
        )
        return {int(r[0]) for r in rows}

    async def alert_times(self, org_id: str, period: Period) -> dict[int, datetime]:
        """When each org-wide impressions threshold was first reached this period."""
        rows = await self.session.execute(
            text(
                "SELECT threshold_percent, min(create_time) FROM quota_alerts WHERE org_id = :o"
                " AND period_start = :p AND site_id = '' AND metric = 1 GROUP BY threshold_percent"
            ),
            {"o": org_id, "p": period.start},
        )
        return {int(r[0]): r[1] for r in rows}

    async def add_alert(self, alert: PendingAlert) -> bool:
        row = await self._one(
            "INSERT INTO quota_alerts (org_id, period_start, period_end, site_id, metric, threshold_percent,"
            " limit_value, used, revision) VALUES (:o, :ps, :pe, :s, :m, :t, :l, :u, :r)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            {
                "o": alert.org_id,
                "ps": alert.period.start,
                "pe": alert.period.end,
                "s": alert.site_id,
                "m": alert.metric,
                "t": alert.threshold_percent,
                "l": alert.limit_value,
                "u": alert.used,
                "r": alert.revision,
            },
        )
        return row is not None

    async def lock_pending_alerts(self, limit: int = 100) -> list[PendingAlert]:
        """Undelivered alerts, locked so that two replicas never deliver the same one."""
        rows = await self.session.execute(
            text(
                "SELECT org_id, period_start, period_end, site_id, metric, threshold_percent, limit_value,"
                " used,"
                " revision FROM quota_alerts WHERE delivered_time IS NULL ORDER BY create_time"
                " LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"n": limit},
        )
        return [
            PendingAlert(
                str(r[0]), Period(r[1], r[2]), r[3], int(r[4]), int(r[5]), int(r[6]), int(r[7]), int(r[8])
            )
            for r in rows
        ]

    async def mark_alert_delivered(self, alert: PendingAlert) -> None:
        await self.session.execute(
            text(
                "UPDATE quota_alerts SET delivered_time = now() WHERE org_id = :o AND period_start = :p"
                " AND site_id = :s AND metric = :m AND threshold_percent = :t AND limit_value = :l"
            ),
            {
                "o": alert.org_id,
                "p": alert.period.start,
                "s": alert.site_id,
                "m": alert.metric,
                "t": alert.threshold_percent,
                "l": alert.limit_value,
            },
        )

    # ---- period resets -----------------------------------------------------------------------

    async def ended_capped_periods(self, now: datetime, since: datetime) -> list[tuple[str, str, datetime]]:
        """(org, site or "", end of the period) of every cap or warning reached in a period that ended
        between `since` and `now` and whose reset is not queued yet."""
        rows = await self.session.execute(
            text(
                "SELECT DISTINCT a.org_id, a.site_id, a.period_end FROM quota_alerts a"
                " WHERE a.period_end <= :now AND a.period_end > :since AND NOT EXISTS ("
                "  SELECT 1 FROM quota_resets r WHERE r.org_id = a.org_id AND r.site_id = a.site_id"
                "  AND r.period_start = a.period_end AND r.reason = :reason)"
            ),
            {"now": now, "since": since, "reason": RESET_PERIOD_STARTED},
        )
        return [(str(r[0]), str(r[1]), r[2]) for r in rows]

    async def add_reset(self, reset: PendingReset) -> bool:
        row = await self._one(
            "INSERT INTO quota_resets (org_id, period_start, period_end, site_id, reason, revision)"
            " VALUES (:o, :ps, :pe, :s, :r, :rev) ON CONFLICT DO NOTHING RETURNING 1",
            {
                "o": reset.org_id,
                "ps": reset.period.start,
                "pe": reset.period.end,
                "s": reset.site_id,
                "r": reset.reason,
                "rev": reset.revision,
            },
        )
        return row is not None

    async def lock_pending_resets(self, limit: int = 100) -> list[PendingReset]:
        rows = await self.session.execute(
            text(
                "SELECT org_id, period_start, period_end, site_id, reason, revision FROM quota_resets"
                " WHERE delivered_time IS NULL ORDER BY create_time LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"n": limit},
        )
        return [PendingReset(str(r[0]), Period(r[1], r[2]), str(r[3]), int(r[4]), int(r[5])) for r in rows]

    async def mark_reset_delivered(self, reset: PendingReset) -> None:
        await self.session.execute(
            text(
                "UPDATE quota_resets SET delivered_time = now() WHERE org_id = :o AND period_start = :p"
                " AND site_id = :s AND reason = :r"
            ),
            {"o": reset.org_id, "p": reset.period.start, "s": reset.site_id, "r": reset.reason},
        )


#: events.v1.QuotaResetReason.QUOTA_RESET_REASON_PERIOD_STARTED (stored number, stable by contract).
RESET_PERIOD_STARTED = 1


def _account(row: Any) -> AccountRow:
    # Raw SQL hands back uuid.UUID for uuid columns; the domain uses strings.
    return AccountRow(**{**row, "org_id": str(row["org_id"])})
