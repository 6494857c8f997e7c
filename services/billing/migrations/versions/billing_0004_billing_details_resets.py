"""Billing details (company name, address, tax id) on accounts, and the quota-reset outbox.

The address is personal data for sole traders, so it is stored AES-GCM encrypted like the billing
email (shared.crypto, aad = org id). `quota_resets` holds one row per lifted cap (org-wide or one
site) per new period: the key makes "one QuotaReset per period start" a constraint, and rows are
delivered after commit like quota alerts.

Revision ID: billing_0004
Revises: billing_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "billing_0004"
down_revision: str | None = "billing_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("company_name", sa.Text(), nullable=False, server_default=""))
    op.add_column("accounts", sa.Column("billing_address", sa.LargeBinary(), nullable=True))
    op.add_column("accounts", sa.Column("tax_id", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "quota_resets",
        sa.Column("org_id", postgresql.UUID(as_uuid=False), nullable=False),
        # Start of the period the cap was lifted for (the end of the period it was reached in).
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("site_id", sa.Text(), nullable=False),
        sa.Column("reason", sa.SmallInteger(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("delivered_time", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("org_id", "period_start", "site_id", "reason"),
    )
    op.create_index(
        "quota_resets_pending",
        "quota_resets",
        ["create_time"],
        postgresql_where=sa.text("delivered_time IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("quota_resets")
    op.drop_column("accounts", "tax_id")
    op.drop_column("accounts", "billing_address")
    op.drop_column("accounts", "company_name")
