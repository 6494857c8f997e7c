"""Billing's use cases: the plan catalog, entitlements, usage and quotas, subscriptions, Stripe events."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import stripe
from google.protobuf.message import Message

from services.billing import events
from services.billing.adapters.accounts import (
    RESET_PERIOD_STARTED,
    AccountRow,
    BillingRepository,
    PendingAlert,
    PendingReset,
    SiteBudgetRow,
)
from services.billing.adapters.outbound import AlertMailer, BillingEvents, UsageCounters
from services.billing.adapters.payment_provider import (
    CustomerDetails,
    PaymentProvider,
    ProviderCheckout,
    ProviderInvoice,
    ProviderSetup,
    ProviderSubscription,
    subscription_from_dict,
)
from services.billing.adapters.plan_repository import PlanRepository
from services.billing.domain.billing_details import (
    BillingDetails,
    details_violations,
    mask_violations,
    merged,
    stripe_address,
)
from services.billing.domain.dunning import (
    ACTIVE,
    Dunning,
    DunningPolicy,
    DunningState,
    SubscriptionStatus,
    payment_failed,
    payment_succeeded,
    retries_exhausted,
)
from services.billing.domain.entitlements import Entitlements, compute_entitlements
from services.billing.domain.pages import next_token as next_page_token
from services.billing.domain.pages import page_of
from services.billing.domain.periods import Period, usage_period
from services.billing.domain.plans import FREE_PLAN_SLUG, BillingInterval, Plan
from services.billing.domain.quotas import (
    EXCEEDED_PERCENT,
    WARNING_PERCENT,
    QuotaMetric,
    is_capped,
    new_alerts,
)
from services.billing.events import PlanChangeReason, QuotaResetReason, SubscriptionChangeType
from shared.crypto import KeyRing
from shared.db import Database
from shared.errors import (
    Aborted,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    Unauthenticated,
    validate,
)
from shared.kafka_bus import PermanentError

log = logging.getLogger("socialproof.billing")


@dataclass(frozen=True, slots=True)
class PlanPage:
    plans: list[Plan]
    next_page_token: str


class PlanCatalog:
    """Reading plans: public, so nothing here depends on who is calling."""

    def __init__(self, plans: PlanRepository) -> None:
        self._plans = plans

    async def list_plans(self, page_size: int, page_token: str, show_unavailable: bool) -> PlanPage:
        page = page_of(page_size, page_token, default_size=50)
        versions = await self._plans.all_versions()
        listed = [p for p in versions if show_unavailable or p.available]
        listed.sort(key=lambda p: (*p.sort_key, p.version))
        chosen = listed[page.offset : page.offset + page.size]
        return PlanPage(chosen, next_page_token(page, len(listed)))

    async def get_plan(self, slug: str, version: int) -> Plan:
        if version < 0:
            raise InvalidArgument(
                "Invalid plan version", violations=[FieldViolation("version", "must not be negative")]
            )
        plan = await (self._plans.version(slug, version) if version else self._plans.current(slug))
        if plan is None:
            raise NotFound(
                f"Plan plans/{slug}" + (f" version {version}" if version else "") + " does not exist",
                reason="PLAN_NOT_FOUND",
                metadata={"plan": f"plans/{slug}", "version": str(version)},
            )
        return plan


# ---- accounts, entitlements, usage, subscriptions, Stripe events -------------------------------

CONSUMER_USAGE = "usage"
CONSUMER_USERS = "users"
MAX_WEBHOOK_BYTES = 256 * 1024
#: Caps reached in periods that ended longer ago than this get no QuotaReset (a fresh deployment
#: or a long outage must not announce resets of caps nobody cares about any more).
RESET_LOOKBACK = timedelta(days=35)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def version_tag(when: datetime) -> str:
    """An etag from a row's update time (microseconds, integer math: no float rounding)."""
    return str((when - _EPOCH) // timedelta(microseconds=1))


@dataclass(frozen=True, slots=True)
class BillingAccountView:
    account: AccountRow
    details: BillingDetails


@dataclass(frozen=True, slots=True)
class SiteBudgetView:
    org_id: str
    site_id: str
    monthly_impressions: int
    used_impressions: int
    update_time: datetime

    @property
    def etag(self) -> str:
        return version_tag(self.update_time)


@dataclass(frozen=True, slots=True)
class SiteBudgetPage:
    budgets: list[SiteBudgetView]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class ChangePreview:
    invoice: ProviderInvoice | None
    amount_due_now: int
    next_period_price: int
    currency_code: str
    effective_time: datetime
    starts_trial: bool


@dataclass(frozen=True, slots=True)
class UsageReport:
    org_id: str
    period: Period
    current: bool
    plan: Plan
    used_impressions: int
    bot_impressions: int
    sites: dict[str, tuple[int, int]]
    budgets: dict[str, int]
    daily: list[tuple[date, int, int]]
    warning_time: datetime | None
    exceeded_time: datetime | None
    update_time: datetime | None


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    account: AccountRow
    plan: Plan
    dunning: Dunning
    period: Period


class Billing:
    """The use cases behind every billing RPC and consumer."""

    def __init__(
        self,
        *,
        db: Database,
        plans: PlanRepository,
        provider: PaymentProvider,
        events: BillingEvents,
        counters: UsageCounters,
        alerts: AlertMailer,
        keyring: KeyRing,
        webhook_secret: str,
        webhook_tolerance_seconds: int = 300,
        dunning_policy: DunningPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self._plans = plans
        self._provider = provider
        self._events = events
        self._counters = counters
        self._alerts = alerts
        self._keyring = keyring
        self._webhook_secret = webhook_secret
        self._tolerance = webhook_tolerance_seconds
        self._policy = dunning_policy or DunningPolicy()
        self.clock = clock
        self._delivering = asyncio.Lock()

    # ---- accounts ----------------------------------------------------------------------------

    async def _free_plan(self) -> Plan:
        plan = await self._plans.current(FREE_PLAN_SLUG)
        if plan is None:
            raise FailedPrecondition("The Free plan is missing from the catalog", reason="CATALOG_INCOMPLETE")
        return plan

    async def _ensure_account(
        self, repo: BillingRepository, org_id: str, anchor: datetime
    ) -> tuple[AccountRow, bool]:
        free = await self._free_plan()
        created = await repo.create_account(
            org_id,
            plan_slug=free.slug,
            plan_version=free.version,
            anchor=anchor,
            status=int(SubscriptionStatus.ACTIVE),
            dunning=int(DunningState.ACTIVE),
        )
        account = await repo.account(org_id, for_update=True)
        assert account is not None
        return account, created

    async def open_account(
        self, event_id: str, org_id: str, display_name: str, email: str, created: datetime
    ) -> None:
        """OrganizationCreated: a Free account and a Stripe customer, once per organization."""
        outbox: list[tuple[str, Message]] = []
        async with self._db.session() as session:
            repo = BillingRepository(session)
            if not await repo.mark_processed(CONSUMER_USERS, event_id):
                return
            account, new = await self._ensure_account(repo, org_id, created)
            changes: dict[str, Any] = {"display_name": display_name}
            if email:
                changes["billing_email"] = self._keyring.encrypt(email, aad=org_id)
            if not account.stripe_customer_id:
                # Idempotent at Stripe too (idempotency key per org), so a retry never makes two customers.
                changes["stripe_customer_id"] = await self._provider.create_customer(
                    org_id, display_name, email
                )
            revision = await repo.update_account(org_id, bump_revision=False, **changes)
            if new:
                free = await self._free_plan()
                outbox.append(
                    (
                        org_id,
                        events.plan_changed(
                            org_id,
                            None,
                            free,
                            PlanChangeReason.PLAN_CHANGE_REASON_INITIAL,
                            revision,
                            self.clock(),
                        ),
                    )
                )
                outbox.append(
                    (
                        org_id,
                        events.subscription_changed(
                            await repo.account(org_id),
                            free,
                            SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_CREATED,
                            True,
                            self.clock(),
                            "",
                        ),
                    )
                )
        await self._publish(outbox)

    async def _publish(self, outbox: list[tuple[str, Message]]) -> None:
        for org_id, payload in outbox:
            await self._events.publish(org_id, payload)

    def _email_of(self, account: AccountRow) -> str | None:
        if not account.billing_email:
            return None
        return self._keyring.decrypt_str(account.billing_email, aad=account.org_id)

    # ---- usage and quotas --------------------------------------------------------------------

    async def record_usage(
        self, event_id: str, org_id: str, site_id: str, counted: int, bots: int, window_start: datetime
    ) -> bool:
        """UsageRecorded: adds human impressions (bots only reported) once per event id; returns
        False for a replay. Crossing 80%/100% queues one alert each per period and limit."""
        if counted < 0 or bots < 0:
            raise PermanentError("usage counts must not be negative")
        async with self._db.session() as session:
            repo = BillingRepository(session)
            if not await repo.mark_processed(CONSUMER_USAGE, event_id):
                return False
            # Usage may arrive before OrganizationCreated (other topic): the account starts on Free.
            account, _ = await self._ensure_account(repo, org_id, window_start)
            if account.deleted:
                # A deleted organization is no longer metered (its widget is not served anyway);
                # the event is still marked so a replay after a restore does not count it either.
                return False
            plan = await self._plan_of(account)
            period = usage_period(account.period_anchor, window_start)
            org_total, site_total = await repo.add_usage(
                org_id, site_id, period, window_start.date(), counted, bots
            )
            await self._queue_alerts(repo, account, plan, period, org_total, site_id, site_total)
        await self._counters.raise_to(org_id, period.start, org_total)
        await self.deliver_alerts()
        return True

    async def _queue_alerts(
        self,
        repo: BillingRepository,
        account: AccountRow,
        plan: Plan,
        period: Period,
        org_total: int,
        site_id: str,
        site_total: int,
    ) -> None:
        checks: list[tuple[str, int | None, int]] = [("", plan.limits.monthly_impressions, org_total)]
        budget = (await repo.site_budgets(account.org_id)).get(site_id)
        if budget is not None:
            checks.append((site_id, budget, site_total))
        revision = account.revision
        for alert_site, limit, used in checks:
            if limit is None:
                continue
            sent = await repo.sent_thresholds(
                account.org_id, period, alert_site, int(QuotaMetric.IMPRESSIONS), limit
            )
            for threshold in new_alerts(used, limit, sent):
                if threshold == EXCEEDED_PERCENT:
                    # The cap changes what callers may serve: bump the revision their caches compare.
                    revision = await repo.update_account(account.org_id, bump_revision=True)
                await repo.add_alert(
                    PendingAlert(
                        account.org_id,
                        period,
                        alert_site,
                        int(QuotaMetric.IMPRESSIONS),
                        threshold,
                        limit,
                        used,
                        revision,
                    )
                )

    async def deliver_alerts(self) -> int:
        """Sends queued alerts (event + email) and marks them; locked rows keep replicas apart."""
        delivered = 0
        async with self._delivering, self._db.session() as session:
            repo = BillingRepository(session)
            for alert in await repo.lock_pending_alerts():
                account = await repo.account(alert.org_id)
                if account is None:
                    continue
                exceeded = alert.threshold_percent == EXCEEDED_PERCENT
                await self._events.publish(alert.org_id, events.quota_alert(alert), site_id=alert.site_id)
                email = self._email_of(account)
                if email and not alert.site_id:
                    await self._alerts.send_quota_alert(
                        email,
                        account.display_name,
                        alert.threshold_percent,
                        alert.used,
                        alert.limit_value,
                        alert.period.end,
                        capped=exceeded,
                    )
                await repo.mark_alert_delivered(alert)
                delivered += 1
        return delivered

    async def _plan_of(self, account: AccountRow) -> Plan:
        plan = await self._plans.version(account.plan_slug, account.plan_version)
        if plan is None:
            raise FailedPrecondition(
                "The organization's plan version is missing", reason="CATALOG_INCOMPLETE"
            )
        return plan

    async def _used(self, repo: BillingRepository, org_id: str, period: Period) -> int:
        cached = await self._counters.get(org_id, period.start)
        if cached is not None:
            return cached
        used, _, _ = await repo.usage_total(org_id, period)
        await self._counters.raise_to(org_id, period.start, used)
        return used

    async def entitlements(self, org_id: str) -> Entitlements:
        now = self.clock()
        async with self._db.session() as session:
            repo = BillingRepository(session)
            account = await repo.account(org_id)
            if account is None:
                raise NotFound("The organization has no billing account", reason="BILLING_ACCOUNT_NOT_FOUND")
            plan = await self._plan_of(account)
            period = usage_period(account.period_anchor, now)
            used = await self._used(repo, org_id, period)
            budgets = await repo.site_budgets(org_id)
            sites = {s: c for s, (c, _) in (await repo.site_usage(org_id, period)).items()} if budgets else {}
        return compute_entitlements(
            org_id=org_id,
            plan=plan,
            subscription_status=SubscriptionStatus(account.subscription_status),
            dunning=Dunning(DunningState(account.dunning_state), account.grace_period_end),
            deleted=account.deleted,
            period=period,
            used_impressions=used,
            site_usage=sites,
            site_budgets=budgets,
            revision=account.revision,
            now=now,
        )

    async def usage(self, org_id: str, at: datetime | None) -> UsageReport:
        now = self.clock()
        async with self._db.session() as session:
            repo = BillingRepository(session)
            account = await repo.account(org_id)
            if account is None:
                raise NotFound("The organization has no billing account", reason="BILLING_ACCOUNT_NOT_FOUND")
            plan = await self._plan_of(account)
            period = usage_period(account.period_anchor, at or now)
            used, bots, updated = await repo.usage_total(org_id, period)
            times = await repo.alert_times(org_id, period)
            return UsageReport(
                org_id=org_id,
                period=period,
                current=period.contains(now),
                plan=plan,
                used_impressions=used,
                bot_impressions=bots,
                sites=await repo.site_usage(org_id, period),
                budgets=await repo.site_budgets(org_id),
                daily=await repo.daily_usage(org_id, period),
                warning_time=times.get(WARNING_PERCENT),
                exceeded_time=times.get(EXCEEDED_PERCENT),
                update_time=updated,
            )

    async def reconcile_counters(self) -> int:
        """Overwrites the Redis counters of periods in progress with Postgres' durable totals."""
        async with self._db.session() as session:
            totals = await BillingRepository(session).current_totals(self.clock())
        for org_id, period_start, counted in totals:
            await self._counters.overwrite(org_id, period_start, counted)
        return len(totals)

    # ---- subscriptions -----------------------------------------------------------------------

    async def subscription(self, org_id: str) -> SubscriptionView:
        async with self._db.session() as session:
            account = await BillingRepository(session).account(org_id)
        if account is None:
            raise NotFound("The organization has no billing account", reason="BILLING_ACCOUNT_NOT_FOUND")
        now = self.clock()
        return SubscriptionView(
            account,
            await self._plan_of(account),
            Dunning(DunningState(account.dunning_state), account.grace_period_end).effective(now),
            usage_period(account.period_anchor, now),
        )

    async def _target_price(
        self, slug: str, interval: BillingInterval | None, account: AccountRow
    ) -> tuple[Plan, BillingInterval]:
        """The plan on sale for `slug` and the interval to buy: the requested one, else the current
        one, else monthly (from Free)."""
        target = await self._plans.current(slug)
        chosen = interval or (
            BillingInterval(account.billing_interval) if account.billing_interval else BillingInterval.MONTH
        )
        with validate("Invalid plan change") as v:
            v.check(target is not None, "plan", "is not a plan on sale")
            if target is not None and not target.is_free:
                v.check(target.price_for(chosen) is not None, "billing_interval", "is not sold for this plan")
        assert target is not None
        return target, chosen

    async def change_plan(
        self,
        org_id: str,
        slug: str,
        interval: BillingInterval | None,
        payment_method_id: str,
        start_trial: bool,
        expected_amount_due: int | None = None,
    ) -> SubscriptionView:
        """Moves to a paid plan (creating the Stripe subscription with the payment method) or between
        paid plans with proration. Applied from Stripe's answer at once, so an upgrade lifts a cap
        immediately; the webhooks that follow are idempotent re-syncs."""
        current = await self.subscription(org_id)
        account = current.account
        target, chosen = await self._target_price(slug, interval, account)
        if target.is_free:
            raise FailedPrecondition("To move to Free, cancel the subscription", reason="USE_CANCEL_FOR_FREE")
        if not account.stripe_customer_id:
            raise FailedPrecondition("The billing account is not ready yet", reason="CUSTOMER_NOT_READY")
        price = target.price_for(chosen)
        assert price is not None
        trial = self._trial_days(account, target) if start_trial else 0
        if payment_method_id:
            await self._attach(org_id, account.stripe_customer_id, payment_method_id)
        elif not account.payment_method_id and not trial:
            raise InvalidArgument(
                "A payment method is required",
                violations=[
                    FieldViolation("payment_method_id", "is required for a paid plan without a trial")
                ],
            )
        if expected_amount_due is not None:
            # Nobody is charged an amount they were not shown (PreviewSubscriptionChange).
            due = 0 if trial else (await self._preview_invoice(account, price.stripe_plan_id)).amount_due
            if due != expected_amount_due:
                raise FailedPrecondition(
                    "The amount due changed since it was shown; preview the change again",
                    reason="AMOUNT_DUE_CHANGED",
                    metadata={"amount_due": str(due), "currency_code": price.currency_code},
                )
        if account.stripe_subscription_id:
            remote = await self._provider.change_plan(account.stripe_subscription_id, price.stripe_plan_id)
        else:
            remote = await self._provider.create_subscription(
                account.stripe_customer_id, price.stripe_plan_id, trial, org_id
            )
        await self.apply_subscription(remote, stripe_event_id="")
        return await self.subscription(org_id)

    @staticmethod
    def _trial_days(account: AccountRow, target: Plan) -> int:
        """The trial a first paid subscription gets (one per organization, ever)."""
        if account.trial_used or account.stripe_subscription_id:
            return 0
        return target.trial_days

    async def _preview_invoice(self, account: AccountRow, stripe_plan_id: str) -> ProviderInvoice:
        assert account.stripe_customer_id
        return await self._provider.preview_change(
            account.stripe_customer_id, account.stripe_subscription_id, stripe_plan_id
        )

    async def preview_change(self, org_id: str, slug: str, interval: BillingInterval | None) -> ChangePreview:
        """What ChangeSubscriptionPlan would charge now and from the next period; changes nothing.
        A first paid subscription with a trial still available is previewed as that trial (the
        change itself takes it only with start_trial)."""
        current = await self.subscription(org_id)
        account = current.account
        target, chosen = await self._target_price(slug, interval, account)
        if target.is_free:
            raise FailedPrecondition("To move to Free, cancel the subscription", reason="USE_CANCEL_FOR_FREE")
        if not account.stripe_customer_id:
            raise FailedPrecondition("The billing account is not ready yet", reason="CUSTOMER_NOT_READY")
        price = target.price_for(chosen)
        assert price is not None
        now = self.clock()
        if self._trial_days(account, target):
            return ChangePreview(None, 0, price.amount_minor, price.currency_code, now, True)
        invoice = await self._preview_invoice(account, price.stripe_plan_id)
        return ChangePreview(
            invoice,
            invoice.amount_due,
            price.amount_minor,
            invoice.currency_code or price.currency_code,
            now,
            False,
        )

    async def create_checkout(
        self,
        org_id: str,
        slug: str,
        interval: BillingInterval,
        success_url: str,
        cancel_url: str,
        request_id: str,
    ) -> ProviderCheckout:
        """A Stripe-hosted checkout for a first paid subscription; the subscription arrives by
        webhook (customer.subscription.created), like any other."""
        current = await self.subscription(org_id)
        account = current.account
        target, chosen = await self._target_price(slug, interval, account)
        if target.is_free:
            raise FailedPrecondition("Free needs no checkout", reason="USE_CANCEL_FOR_FREE")
        if account.stripe_subscription_id:
            raise FailedPrecondition(
                "The organization already has a paid subscription: change its plan instead",
                reason="ALREADY_SUBSCRIBED",
            )
        if not account.stripe_customer_id:
            raise FailedPrecondition("The billing account is not ready yet", reason="CUSTOMER_NOT_READY")
        price = target.price_for(chosen)
        assert price is not None
        return await self._provider.create_checkout_session(
            account.stripe_customer_id,
            price.stripe_plan_id,
            self._trial_days(account, target),
            org_id,
            success_url,
            cancel_url,
            request_id,
        )

    async def _attach(self, org_id: str, customer_id: str, payment_method_id: str) -> None:
        method = await self._provider.attach_payment_method(customer_id, payment_method_id)
        async with self._db.session() as session:
            await BillingRepository(session).update_account(
                org_id,
                bump_revision=False,
                payment_method_id=method.id,
                payment_method_brand=method.brand,
                payment_method_last4=method.last4,
                payment_method_exp_month=method.exp_month,
                payment_method_exp_year=method.exp_year,
            )

    async def update_payment_method(self, org_id: str, payment_method_id: str) -> SubscriptionView:
        current = await self.subscription(org_id)
        if not current.account.stripe_customer_id:
            raise FailedPrecondition("The billing account is not ready yet", reason="CUSTOMER_NOT_READY")
        await self._attach(org_id, current.account.stripe_customer_id, payment_method_id)
        if current.account.dunning_state != DunningState.ACTIVE:
            # "Retries open past-due invoices with it": the invoice.paid webhook then ends dunning.
            await self._provider.retry_open_invoices(current.account.stripe_customer_id)
        return await self.subscription(org_id)

    async def cancel(self, org_id: str, immediately: bool) -> SubscriptionView:
        current = await self.subscription(org_id)
        if not current.account.stripe_subscription_id:
            raise FailedPrecondition(
                "The organization is on Free: nothing to cancel", reason="NO_PAID_SUBSCRIPTION"
            )
        if immediately:
            remote = await self._provider.cancel_now(current.account.stripe_subscription_id)
        else:
            remote = await self._provider.set_cancel_at_period_end(
                current.account.stripe_subscription_id, True
            )
        await self.apply_subscription(remote, stripe_event_id="")
        return await self.subscription(org_id)

    async def resume(self, org_id: str) -> SubscriptionView:
        current = await self.subscription(org_id)
        if not current.account.stripe_subscription_id or not current.account.cancel_at_period_end:
            raise FailedPrecondition("No cancellation is scheduled", reason="NOTHING_TO_RESUME")
        remote = await self._provider.set_cancel_at_period_end(current.account.stripe_subscription_id, False)
        await self.apply_subscription(remote, stripe_event_id="")
        return await self.subscription(org_id)

    async def invoices(self, org_id: str, limit: int) -> list[ProviderInvoice]:
        current = await self.subscription(org_id)
        if not current.account.stripe_customer_id:
            return []
        return await self._provider.list_invoices(current.account.stripe_customer_id, limit)

    async def apply_subscription(
        self,
        remote: ProviderSubscription,
        *,
        stripe_event_id: str,
        session_repo: BillingRepository | None = None,
    ) -> None:
        """Brings the account in line with the provider's subscription (API answer or webhook)."""
        outbox: list[tuple[str, Message]] = []
        if session_repo is not None:
            await self._apply_subscription(session_repo, remote, stripe_event_id, outbox)
        else:
            async with self._db.session() as session:
                await self._apply_subscription(BillingRepository(session), remote, stripe_event_id, outbox)
        await self._publish(outbox)

    async def _apply_subscription(
        self,
        repo: BillingRepository,
        remote: ProviderSubscription,
        stripe_event_id: str,
        outbox: list[tuple[str, Message]],
    ) -> None:
        account = await repo.account_by_customer(remote.customer_id)
        if account is None:
            raise InvalidArgument(
                "The Stripe customer is not a SocialProof organization",
                violations=[FieldViolation("body", "names an unknown customer")],
                reason="UNKNOWN_CUSTOMER",
            )
        now = self.clock()
        old_plan = await self._plan_of(account)
        status = SubscriptionStatus.from_stripe(remote.status)
        ended = status in (SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED)
        if ended:
            new_plan, interval = await self._free_plan(), None
        else:
            found = await self._plans.by_stripe_plan_id(remote.stripe_plan_id)
            if found is None:
                raise InvalidArgument(
                    "The subscription's plan is not in the catalog",
                    violations=[FieldViolation("body", f"names unknown plan {remote.stripe_plan_id!r}")],
                    reason="UNKNOWN_STRIPE_PLAN",
                )
            new_plan, interval = found
        dunning = Dunning(DunningState(account.dunning_state), account.grace_period_end)
        if ended:
            dunning = ACTIVE
        elif status is SubscriptionStatus.PAST_DUE and dunning.state is DunningState.ACTIVE:
            dunning = Dunning(DunningState.PAST_DUE)
        elif status is SubscriptionStatus.UNPAID:
            dunning = retries_exhausted(dunning, now, self._policy)
        plan_changed = (new_plan.slug, new_plan.version) != (old_plan.slug, old_plan.version)
        dunning_changed = dunning != Dunning(DunningState(account.dunning_state), account.grace_period_end)
        period = usage_period(account.period_anchor, now)
        used = await self._used(repo, account.org_id, period)
        was_capped = is_capped(used, old_plan.limits.monthly_impressions)
        revision = await repo.update_account(
            account.org_id,
            bump_revision=plan_changed or dunning_changed or status != account.subscription_status,
            plan_slug=new_plan.slug,
            plan_version=new_plan.version,
            billing_interval=int(interval) if interval else None,
            subscription_status=int(SubscriptionStatus.ACTIVE if ended else status),
            dunning_state=int(dunning.state),
            grace_period_end=dunning.grace_period_end,
            stripe_subscription_id=None if ended else remote.id,
            cancel_at_period_end=False if ended else remote.cancel_at_period_end,
            trial_end=None if ended else remote.trial_end,
            trial_used=account.trial_used or remote.trial_end is not None,
            billing_period_start=None if ended else remote.current_period_start,
            billing_period_end=None if ended else remote.current_period_end,
            subscription_start=None if ended else (account.subscription_start or remote.start or now),
        )
        updated = await repo.account(account.org_id)
        assert updated is not None
        capped = is_capped(used, new_plan.limits.monthly_impressions)
        serving = not capped and dunning.effective(now).serving_allowed and not updated.deleted
        if plan_changed:
            if ended:
                reason = PlanChangeReason.PLAN_CHANGE_REASON_SUBSCRIPTION_ENDED
            elif status is SubscriptionStatus.TRIALING and not account.trial_used:
                reason = PlanChangeReason.PLAN_CHANGE_REASON_TRIAL_STARTED
            elif new_plan.tier >= old_plan.tier:
                reason = PlanChangeReason.PLAN_CHANGE_REASON_UPGRADE
            else:
                reason = PlanChangeReason.PLAN_CHANGE_REASON_DOWNGRADE
            outbox.append(
                (
                    account.org_id,
                    events.plan_changed(account.org_id, old_plan, new_plan, reason, revision, now),
                )
            )
            if was_capped and not capped:
                outbox.append(
                    (
                        account.org_id,
                        events.quota_reset(
                            account.org_id, period, used, new_plan.limits.monthly_impressions, revision
                        ),
                    )
                )
        if ended and account.stripe_subscription_id:
            change = SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_ENDED
        elif not account.stripe_subscription_id and not ended:
            change = SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_CREATED
        elif remote.cancel_at_period_end and not account.cancel_at_period_end:
            change = SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_CANCEL_SCHEDULED
        elif account.cancel_at_period_end and not remote.cancel_at_period_end:
            change = SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_RESUMED
        else:
            change = SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_UPDATED
        outbox.append(
            (
                account.org_id,
                events.subscription_changed(updated, new_plan, change, serving, now, stripe_event_id),
            )
        )

    # ---- Stripe webhooks ---------------------------------------------------------------------

    async def receive_stripe_event(self, payload: bytes, signature: str | None) -> tuple[str, bool]:
        """Verifies the signature on the raw bytes (with tolerance) before anything else, then
        applies the event once: the event id is recorded in the same transaction as its effects."""
        if len(payload) > MAX_WEBHOOK_BYTES:
            raise InvalidArgument(
                "The webhook body is too large",
                violations=[FieldViolation("body.data", f"must be at most {MAX_WEBHOOK_BYTES} bytes")],
                reason="WEBHOOK_TOO_LARGE",
            )
        if not signature:
            raise Unauthenticated("The Stripe-Signature header is missing", reason="STRIPE_SIGNATURE_MISSING")
        try:
            text_payload = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(
                text_payload, signature, self._webhook_secret, self._tolerance
            )
        except UnicodeDecodeError as error:
            raise Unauthenticated(
                "The Stripe signature does not match", reason="STRIPE_SIGNATURE_INVALID"
            ) from error
        except stripe.SignatureVerificationError as error:
            stale = "tolerance" in str(error).lower()
            raise Unauthenticated(
                "The Stripe signature timestamp is outside the tolerance"
                if stale
                else "The Stripe signature does not match",
                reason="STRIPE_SIGNATURE_STALE" if stale else "STRIPE_SIGNATURE_INVALID",
            ) from error
        try:
            event = json.loads(text_payload)
            event_id, event_type, obj = str(event["id"]), str(event["type"]), event["data"]["object"]
            if not isinstance(obj, dict) or not event_id.startswith("evt_"):
                raise TypeError(event_id)
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidArgument(
                "The webhook body is not a Stripe event",
                violations=[
                    FieldViolation("body.data", "must be a Stripe event object (id, type, data.object)")
                ],
                reason="WEBHOOK_MALFORMED",
            ) from error
        outbox: list[tuple[str, Message]] = []
        async with self._db.session() as session:
            repo = BillingRepository(session)
            if not await repo.mark_stripe_event(event_id, event_type):
                return event_id, True
            if event_type.startswith("customer.subscription."):
                await self._apply_subscription(repo, subscription_from_dict(obj), event_id, outbox)
            elif event_type in ("invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed"):
                await self._apply_invoice(repo, obj, event_type != "invoice.payment_failed", event_id, outbox)
        await self._publish(outbox)
        return event_id, False

    async def _apply_invoice(
        self,
        repo: BillingRepository,
        invoice: dict[str, Any],
        paid: bool,
        event_id: str,
        outbox: list[tuple[str, Message]],
    ) -> None:
        account = await repo.account_by_customer(str(invoice.get("customer") or ""))
        if account is None:
            raise InvalidArgument(
                "The Stripe customer is not a SocialProof organization",
                violations=[FieldViolation("body", "names an unknown customer")],
                reason="UNKNOWN_CUSTOMER",
            )
        now = self.clock()
        before = Dunning(DunningState(account.dunning_state), account.grace_period_end)
        if paid:
            after = payment_succeeded(before)
        else:
            after = payment_failed(before, int(invoice.get("attempt_count") or 1), now, self._policy)
        changed = after != before
        await repo.update_account(
            account.org_id,
            bump_revision=changed,
            dunning_state=int(after.state),
            grace_period_end=after.grace_period_end,
        )
        updated = await repo.account(account.org_id)
        assert updated is not None
        plan = await self._plan_of(updated)
        period = usage_period(updated.period_anchor, now)
        used = await self._used(repo, account.org_id, period)
        serving = (
            after.effective(now).serving_allowed
            and not is_capped(used, plan.limits.monthly_impressions)
            and not updated.deleted
        )
        kind = (
            SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_PAYMENT_SUCCEEDED
            if paid
            else SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_PAYMENT_FAILED
        )
        outbox.append(
            (account.org_id, events.subscription_changed(updated, plan, kind, serving, now, event_id))
        )
        if changed:
            outbox.append(
                (
                    account.org_id,
                    events.subscription_changed(
                        updated,
                        plan,
                        SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_DUNNING_STATE_CHANGED,
                        serving,
                        now,
                        event_id,
                    ),
                )
            )

    # ---- invoices ----------------------------------------------------------------------------

    async def invoice(self, org_id: str, invoice_id: str) -> ProviderInvoice:
        """One invoice of the organization; another customer's invoice is NOT_FOUND (its existence
        is not revealed)."""
        current = await self.subscription(org_id)
        customer = current.account.stripe_customer_id
        found = await self._provider.get_invoice(invoice_id) if customer else None
        if found is None or found.customer_id != customer:
            raise NotFound(
                "The invoice does not exist",
                reason="INVOICE_NOT_FOUND",
                metadata={"invoice": f"organizations/{org_id}/invoices/{invoice_id}"},
            )
        return found

    async def plan_names(self, stripe_plan_ids: set[str]) -> dict[str, str]:
        """ "plans/{plan}" of each known Stripe plan id (invoice lines name what they charge for)."""
        names: dict[str, str] = {}
        for stripe_plan_id in stripe_plan_ids:
            found = await self._plans.by_stripe_plan_id(stripe_plan_id)
            if found is not None:
                names[stripe_plan_id] = found[0].name
        return names

    # ---- billing account ---------------------------------------------------------------------

    def _details_of(self, account: AccountRow) -> BillingDetails:
        address: dict[str, str] = {}
        if account.billing_address:
            address = json.loads(self._keyring.decrypt_str(account.billing_address, aad=account.org_id))
        return BillingDetails(
            billing_email=self._email_of(account) or "",
            company_name=account.company_name,
            address=address,
            tax_id=account.tax_id,
        )

    async def billing_account(self, org_id: str) -> BillingAccountView:
        async with self._db.session() as session:
            account = await BillingRepository(session).account(org_id)
        if account is None:
            raise NotFound("The organization has no billing account", reason="BILLING_ACCOUNT_NOT_FOUND")
        return BillingAccountView(account, self._details_of(account))

    async def update_billing_account(
        self, org_id: str, change: BillingDetails, paths: list[str], etag: str
    ) -> BillingAccountView:
        """Changes the masked billing details and syncs them to the Stripe customer. Stripe is
        called inside the row lock, so two concurrent updates cannot leave Stripe and us apart."""
        with validate("Invalid billing account") as v:
            for violation in mask_violations(paths):
                v.add(violation.field, violation.description)
            for violation in details_violations(change, paths, "billing_account"):
                v.add(violation.field, violation.description)
        async with self._db.session() as session:
            repo = BillingRepository(session)
            account = await repo.account(org_id, for_update=True)
            if account is None:
                raise NotFound("The organization has no billing account", reason="BILLING_ACCOUNT_NOT_FOUND")
            if etag and etag != version_tag(account.update_time):
                raise Aborted("The billing account changed since it was read", reason="ETAG_MISMATCH")
            if not account.stripe_customer_id:
                raise FailedPrecondition("The billing account is not ready yet", reason="CUSTOMER_NOT_READY")
            details = merged(self._details_of(account), change, paths)
            await self._provider.update_customer(
                account.stripe_customer_id,
                CustomerDetails(
                    name=details.company_name or account.display_name or org_id,
                    email=details.billing_email,
                    address=stripe_address(details.address) if any(details.address.values()) else {},
                    tax_id=details.tax_id,
                ),
            )
            address = {k: v for k, v in details.address.items() if v}
            await repo.update_account(
                org_id,
                bump_revision=False,
                billing_email=self._keyring.encrypt(details.billing_email, aad=org_id)
                if details.billing_email
                else None,
                company_name=details.company_name,
                billing_address=self._keyring.encrypt(json.dumps(address), aad=org_id) if address else None,
                tax_id=details.tax_id,
            )
        return await self.billing_account(org_id)

    async def create_payment_method_setup(self, org_id: str, request_id: str) -> ProviderSetup:
        current = await self.subscription(org_id)
        if not current.account.stripe_customer_id:
            raise FailedPrecondition("The billing account is not ready yet", reason="CUSTOMER_NOT_READY")
        return await self._provider.create_setup_intent(
            current.account.stripe_customer_id, org_id, request_id
        )

    # ---- site budgets ------------------------------------------------------------------------

    async def _account_or_404(
        self, repo: BillingRepository, org_id: str, *, for_update: bool = False
    ) -> AccountRow:
        account = await repo.account(org_id, for_update=for_update)
        if account is None:
            raise NotFound("The organization has no billing account", reason="BILLING_ACCOUNT_NOT_FOUND")
        return account

    @staticmethod
    def _budget_missing(org_id: str, site_id: str) -> NotFound:
        return NotFound(
            "The site has no budget",
            reason="SITE_BUDGET_NOT_FOUND",
            metadata={"site_budget": f"organizations/{org_id}/siteBudgets/{site_id}"},
        )

    async def site_budget(self, org_id: str, site_id: str) -> SiteBudgetView:
        async with self._db.session() as session:
            repo = BillingRepository(session)
            account = await self._account_or_404(repo, org_id)
            row = await repo.site_budget(org_id, site_id)
            if row is None:
                raise self._budget_missing(org_id, site_id)
            period = usage_period(account.period_anchor, self.clock())
            used = await repo.site_total(org_id, period, site_id)
        return SiteBudgetView(org_id, site_id, row.monthly_impressions, used, row.update_time)

    async def site_budgets_page(self, org_id: str, page_size: int, page_token: str) -> SiteBudgetPage:
        page = page_of(page_size, page_token, default_size=50)
        async with self._db.session() as session:
            repo = BillingRepository(session)
            account = await self._account_or_404(repo, org_id)
            rows, total = await repo.list_site_budgets(org_id, page.offset, page.size)
            period = usage_period(account.period_anchor, self.clock())
            used = {s: c for s, (c, _) in (await repo.site_usage(org_id, period)).items()}
        return SiteBudgetPage(
            [
                SiteBudgetView(
                    org_id, r.site_id, r.monthly_impressions, used.get(r.site_id, 0), r.update_time
                )
                for r in rows
            ],
            next_page_token(page, total),
        )

    async def set_site_budget(
        self, org_id: str, site_id: str, monthly_impressions: int, *, etag: str, allow_missing: bool
    ) -> SiteBudgetView:
        """Sets a site's budget. A change that caps or uncaps the site bumps the entitlements
        revision and is announced (QuotaExceeded / QuotaReset(BUDGET_CHANGED)), so the feed follows
        at once; crossing 80%/100% of the new budget queues alerts like usage does."""
        outbox: list[tuple[str, Message]] = []
        now = self.clock()
        async with self._db.session() as session:
            repo = BillingRepository(session)
            account = await self._account_or_404(repo, org_id, for_update=True)
            existing = await repo.site_budget(org_id, site_id, for_update=True)
            if existing is None and not allow_missing:
                raise self._budget_missing(org_id, site_id)
            if etag and (existing is None or etag != version_tag(existing.update_time)):
                raise Aborted("The site budget changed since it was read", reason="ETAG_MISMATCH")
            period = usage_period(account.period_anchor, now)
            used = await repo.site_total(org_id, period, site_id)
            row = await repo.set_site_budget(org_id, site_id, monthly_impressions)
            await self._site_cap_changed(
                repo, account, period, site_id, used, existing, monthly_impressions, outbox
            )
        await self._publish(outbox)
        await self.deliver_alerts()
        return SiteBudgetView(org_id, site_id, row.monthly_impressions, used, row.update_time)

    async def delete_site_budget(self, org_id: str, site_id: str) -> None:
        outbox: list[tuple[str, Message]] = []
        async with self._db.session() as session:
            repo = BillingRepository(session)
            account = await self._account_or_404(repo, org_id, for_update=True)
            existing = await repo.site_budget(org_id, site_id, for_update=True)
            if existing is None or not await repo.delete_site_budget(org_id, site_id):
                raise self._budget_missing(org_id, site_id)
            period = usage_period(account.period_anchor, self.clock())
            used = await repo.site_total(org_id, period, site_id)
            await self._site_cap_changed(repo, account, period, site_id, used, existing, None, outbox)
        await self._publish(outbox)

    async def _site_cap_changed(
        self,
        repo: BillingRepository,
        account: AccountRow,
        period: Period,
        site_id: str,
        used: int,
        before: SiteBudgetRow | None,
        budget: int | None,
        outbox: list[tuple[str, Message]],
    ) -> None:
        was = is_capped(used, before.monthly_impressions if before else None)
        now_capped = is_capped(used, budget)
        revision = account.revision
        if was != now_capped:
            revision = await repo.update_account(account.org_id, bump_revision=True)
        queued_cap = False
        if budget is not None:
            sent = await repo.sent_thresholds(
                account.org_id, period, site_id, int(QuotaMetric.IMPRESSIONS), budget
            )
            for threshold in new_alerts(used, budget, sent):
                queued_cap = queued_cap or threshold == EXCEEDED_PERCENT
                await repo.add_alert(
                    PendingAlert(
                        account.org_id,
                        period,
                        site_id,
                        int(QuotaMetric.IMPRESSIONS),
                        threshold,
                        budget,
                        used,
                        revision,
                    )
                )
        if was and not now_capped:
            outbox.append(
                (
                    account.org_id,
                    events.quota_reset(
                        account.org_id,
                        period,
                        used,
                        budget,
                        revision,
                        reason=QuotaResetReason.QUOTA_RESET_REASON_BUDGET_CHANGED,
                        site_id=site_id,
                    ),
                )
            )
        elif now_capped and not was and not queued_cap:
            # This limit's 100% alert went out earlier in the period: no second email, but callers
            # must still drop their cached answer.
            assert budget is not None
            outbox.append(
                (
                    account.org_id,
                    events.site_cap_reached(account.org_id, site_id, period, used, budget, revision),
                )
            )

    # ---- period rollover ---------------------------------------------------------------------

    async def start_new_periods(self) -> int:
        """Queues one QuotaReset(PERIOD_STARTED) per cap or warning of a period that has ended (org
        or site), bumping the revision once per organization, then delivers them. The cap itself
        lifts by the clock (usage is per period and cache_ttl ends at the period end); this makes
        it an event too. Runs at start and with reconciliation."""
        now = self.clock()
        queued = 0
        async with self._db.session() as session:
            repo = BillingRepository(session)
            by_org: dict[str, list[tuple[str, datetime]]] = {}
            for org_id, site_id, ended in await repo.ended_capped_periods(now, now - RESET_LOOKBACK):
                by_org.setdefault(org_id, []).append((site_id, ended))
            for org_id, ended_caps in by_org.items():
                account = await repo.account(org_id, for_update=True)
                if account is None:
                    continue
                revision = await repo.update_account(org_id, bump_revision=True)
                for site_id, ended in ended_caps:
                    # The reset is keyed by the start of the period after the capped one.
                    period = Period(ended, usage_period(account.period_anchor, ended).end)
                    if await repo.add_reset(
                        PendingReset(org_id, period, site_id, RESET_PERIOD_STARTED, revision)
                    ):
                        queued += 1
        await self.deliver_resets()
        return queued

    async def deliver_resets(self) -> int:
        delivered = 0
        async with self._delivering, self._db.session() as session:
            repo = BillingRepository(session)
            for reset in await repo.lock_pending_resets():
                account = await repo.account(reset.org_id)
                if account is not None:
                    if reset.site_id:
                        used = await repo.site_total(reset.org_id, reset.period, reset.site_id)
                        limit = (await repo.site_budgets(reset.org_id)).get(reset.site_id)
                    else:
                        used, _, _ = await repo.usage_total(reset.org_id, reset.period)
                        limit = (await self._plan_of(account)).limits.monthly_impressions
                    await self._events.publish(
                        reset.org_id,
                        events.quota_reset(
                            reset.org_id,
                            reset.period,
                            used,
                            limit,
                            reset.revision,
                            reason=reset.reason,
                            site_id=reset.site_id,
                        ),
                        site_id=reset.site_id,
                    )
                await repo.mark_reset_delivered(reset)
                delivered += 1
        return delivered

    # ---- organization lifecycle (users topic) ------------------------------------------------

    async def close_account(self, event_id: str, org_id: str, purged: bool) -> None:
        """OrganizationDeleted: serving and metering stop at once and the paid subscription ends now
        (no further charges); a purge also erases the billing contact details. The Stripe call comes
        first: if Stripe is down the event is retried, and nothing is marked processed meanwhile."""
        async with self._db.session() as session:
            repo = BillingRepository(session)
            # A replay must not cancel a subscription taken out after a restore.
            if await repo.was_processed(CONSUMER_USERS, event_id):
                return
            account = await repo.account(org_id)
        if account is None:
            return
        remote = None
        if account.stripe_subscription_id:
            try:
                remote = await self._provider.cancel_now(account.stripe_subscription_id)
            except FailedPrecondition:
                # Already ended at Stripe (e.g. a retry after a crash): its webhook re-syncs the plan;
                # the deletion itself must not be stuck behind it.
                log.warning("subscription already ended at Stripe", extra={"org_id": org_id})
        outbox: list[tuple[str, Message]] = []
        async with self._db.session() as session:
            repo = BillingRepository(session)
            if not await repo.mark_processed(CONSUMER_USERS, event_id):
                return
            current = await self._account_or_404(repo, org_id, for_update=True)
            changes: dict[str, Any] = {"deleted": True}
            if purged:
                changes.update(billing_email=None, billing_address=None, company_name="", tax_id="")
            await repo.update_account(org_id, bump_revision=not current.deleted, **changes)
            if remote is not None:
                await self._apply_subscription(repo, remote, "", outbox)
            else:
                outbox.append(
                    await self._lifecycle_event(
                        repo, org_id, SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_ENDED
                    )
                )
        await self._publish(outbox)

    async def reopen_account(self, event_id: str, org_id: str) -> None:
        """OrganizationRestored: serving and metering resume, on Free (the subscription ended at
        deletion; the customer subscribes again)."""
        outbox: list[tuple[str, Message]] = []
        async with self._db.session() as session:
            repo = BillingRepository(session)
            if not await repo.mark_processed(CONSUMER_USERS, event_id):
                return
            current = await repo.account(org_id, for_update=True)
            if current is None or not current.deleted:
                return
            await repo.update_account(org_id, bump_revision=True, deleted=False)
            outbox.append(
                await self._lifecycle_event(
                    repo, org_id, SubscriptionChangeType.SUBSCRIPTION_CHANGE_TYPE_UPDATED
                )
            )
        await self._publish(outbox)

    async def _lifecycle_event(
        self, repo: BillingRepository, org_id: str, change: int
    ) -> tuple[str, Message]:
        account = await self._account_or_404(repo, org_id)
        plan = await self._plan_of(account)
        now = self.clock()
        used = await self._used(repo, org_id, usage_period(account.period_anchor, now))
        serving = (
            not account.deleted
            and Dunning(DunningState(account.dunning_state), account.grace_period_end)
            .effective(now)
            .serving_allowed
            and not is_capped(used, plan.limits.monthly_impressions)
        )
        return org_id, events.subscription_changed(account, plan, change, serving, now, "")
