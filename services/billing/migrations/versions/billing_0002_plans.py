"""Plans as versioned data: the catalog tables and version 1 of Free, Starter, Growth and Business.

A plan version is immutable once sold: changing limits, features or prices is a new revision that
inserts version N+1 and marks version N unavailable, so subscriptions keep the terms they bought.

Revision ID: billing_0002
Revises: billing_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "billing_0002"
down_revision: str | None = "billing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (slug, tier, display name, description, impressions, sites, seats, retention days,
#  ab_tests, holdout, remove_branding, outbound_webhooks, scheduled_reports, api_access,
#  trial days, monthly price in cents, yearly price in cents). None means unlimited.
PLANS = [
    ("free", 1, "Free", "For trying SocialProof on one small site. No card needed.",
     5_000, 1, 1, 7, False, False, False, False, False, False, 0, 0, 0),
    ("starter", 2, "Starter", "For a growing shop: more sites, your own branding and the partner API.",
     50_000, 3, 3, 30, False, False, True, False, False, True, 14, 1_900, 19_000),
    ("growth", 3, "Growth", "A/B tests, holdouts that measure real lift, outbound webhooks and reports.",
     250_000, 10, 10, 180, True, True, True, True, True, True, 14, 4_900, 49_000),
    ("business", 4, "Business", "For agencies and large stores: unlimited sites and two years of data.",
     1_000_000, None, 50, 730, True, True, True, True, True, True, 14, 14_900, 149_000),
]  # fmt: skip


PRICE_COLUMNS = ("slug", "version", "billing_interval", "amount_minor", "currency_code", "stripe_plan_id")


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("monthly_impressions", sa.BigInteger(), nullable=True),
        sa.Column("sites", sa.Integer(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("ab_tests", sa.Boolean(), nullable=False),
        sa.Column("holdout", sa.Boolean(), nullable=False),
        sa.Column("remove_branding", sa.Boolean(), nullable=False),
        sa.Column("outbound_webhooks", sa.Boolean(), nullable=False),
        sa.Column("scheduled_reports", sa.Boolean(), nullable=False),
        sa.Column("api_access", sa.Boolean(), nullable=False),
        sa.Column("trial_days", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("slug", "version"),
        sa.CheckConstraint("version >= 1", name="plans_version_positive"),
        sa.CheckConstraint(
            "monthly_impressions IS NULL OR monthly_impressions > 0", name="plans_limit_positive"
        ),
    )
    # At most one version of a plan is on sale at a time.
    op.create_index(
        "plans_one_available", "plans", ["slug"], unique=True, postgresql_where=sa.text("available")
    )
    op.create_table(
        "plan_prices",
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("billing_interval", sa.SmallInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency_code", sa.Text(), nullable=False),
        sa.Column("stripe_plan_id", sa.Text(), nullable=False, unique=True),
        sa.PrimaryKeyConstraint("slug", "version", "billing_interval"),
        sa.ForeignKeyConstraint(["slug", "version"], ["plans.slug", "plans.version"], ondelete="CASCADE"),
    )
    plans = sa.table(
        "plans",
        *(sa.column(name) for name in (
            "slug", "version", "tier", "display_name", "description", "monthly_impressions", "sites",
            "seats", "retention_days", "ab_tests", "holdout", "remove_branding", "outbound_webhooks",
            "scheduled_reports", "api_access", "trial_days", "available",
        )),
    )  # fmt: skip
    prices = sa.table(
        "plan_prices",
        *(sa.column(n) for n in PRICE_COLUMNS),
    )
    plan_rows = []
    price_rows = []
    for (slug, tier, name, description, impressions, sites, seats, retention, ab, holdout, branding,
         webhooks, reports, api, trial, monthly, yearly) in PLANS:  # fmt: skip
        plan_rows.append(
            dict(
                slug=slug, version=1, tier=tier, display_name=name, description=description,
                monthly_impressions=impressions, sites=sites, seats=seats, retention_days=retention,
                ab_tests=ab, holdout=holdout, remove_branding=branding, outbound_webhooks=webhooks,
                scheduled_reports=reports, api_access=api, trial_days=trial, available=True,
            )
        )  # fmt: skip
        if monthly:
            # Interval numbers are billing.v1.BillingInterval: 1 = month, 2 = year.
            price_rows.append(dict(slug=slug, version=1, billing_interval=1, amount_minor=monthly,
                                   currency_code="USD", stripe_plan_id=f"{slug}-v1-month"))  # fmt: skip
            price_rows.append(dict(slug=slug, version=1, billing_interval=2, amount_minor=yearly,
                                   currency_code="USD", stripe_plan_id=f"{slug}-v1-year"))  # fmt: skip
    op.bulk_insert(plans, plan_rows)
    op.bulk_insert(prices, price_rows)


def downgrade() -> None:
    op.drop_table("plan_prices")
    op.drop_table("plans")
