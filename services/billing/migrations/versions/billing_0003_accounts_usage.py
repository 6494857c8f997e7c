"""Billing accounts (plan, Stripe ids, dunning), usage totals, quota alerts, budgets and event dedupe.

Enum columns hold the billing.v1 proto numbers (stable by contract). Billing has no row-level
security: its writers are system flows (Kafka consumers, Stripe webhooks) that find the organization
from the event, and every RPC checks the caller's organization before touching a row.

Revision ID: billing_0003
Revises: billing_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "billing_0003"
down_revision: str | None = "billing_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("org_id", postgresql.UUID(as_uuid=False), primary_key=True),
        sa.Column("display_name", sa.Text(), nullable=False, server_default=""),
        # AES-GCM with the PII key ring (shared.crypto); never stored in clear.
        sa.Column("billing_email", sa.LargeBinary(), nullable=True),
        sa.Column("stripe_customer_id", sa.Text(), nullable=True, unique=True),
        sa.Column("plan_slug", sa.Text(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("billing_interval", sa.SmallInteger(), nullable=True),
        sa.Column("subscription_status", sa.SmallInteger(), nullable=False),
        sa.Column("dunning_state", sa.SmallInteger(), nullable=False),
        sa.Column("grace_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stripe_subscription_id", sa.Text(), nullable=True, unique=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("trial_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trial_used", sa.Boolean(), nullable=False, server_default=sa.false()),
        # Usage periods are whole months counted from this instant.
        sa.Column("period_anchor", sa.DateTime(timezone=True), nullable=False),
        sa.Column("billing_period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("billing_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("subscription_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_method_id", sa.Text(), nullable=True),
        sa.Column("payment_method_brand", sa.Text(), nullable=True),
        sa.Column("payment_method_last4", sa.Text(), nullable=True),
        sa.Column("payment_method_exp_month", sa.Integer(), nullable=True),
        sa.Column("payment_method_exp_year", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("revision", sa.BigInteger(), nullable=False, server_default="1"),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.ForeignKeyConstraint(["plan_slug", "plan_version"], ["plans.slug", "plans.version"]),
    )
    op.create_table(
        "usage_periods",
        sa.Column("org_id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted_impressions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("bot_impressions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.PrimaryKeyConstraint("org_id", "period_start"),
    )
    op.create_table(
        "site_usage",
        sa.Column("org_id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("site_id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("counted_impressions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("bot_impressions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("org_id", "period_start", "site_id"),
    )
    op.create_table(
        "daily_usage",
        sa.Column("org_id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("counted_impressions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("bot_impressions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("org_id", "day"),
    )
    op.create_table(
        "site_budgets",
        sa.Column("org_id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("site_id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("monthly_impressions", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.PrimaryKeyConstraint("org_id", "site_id"),
        sa.CheckConstraint("monthly_impressions >= 1", name="site_budgets_positive"),
    )
    # One row per alert that must go out once: the key makes "once per period" a constraint.
    op.create_table(
        "quota_alerts",
        sa.Column("org_id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("site_id", sa.Text(), nullable=False),
        sa.Column("metric", sa.SmallInteger(), nullable=False),
        sa.Column("threshold_percent", sa.SmallInteger(), nullable=False),
        sa.Column("limit_value", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("delivered_time", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(
            "org_id", "period_start", "site_id", "metric", "threshold_percent", "limit_value"
        ),
    )
    op.create_index(
        "quota_alerts_pending",
        "quota_alerts",
        ["create_time"],
        postgresql_where=sa.text("delivered_time IS NULL"),
    )
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("processed_time", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "stripe_events",
        sa.Column("event_id", sa.Text(), primary_key=True),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("org_id", postgresql.UUID(as_uuid=False), nullable=True),
        sa.Column("received_time", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
    )


def downgrade() -> None:
    for table in (
        "stripe_events",
        "processed_events",
        "quota_alerts",
        "site_budgets",
        "daily_usage",
        "site_usage",
        "usage_periods",
        "accounts",
    ):
        op.drop_table(table)
