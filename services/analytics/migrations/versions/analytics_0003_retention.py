"""Retention: per-site settings (days of raw events and rollups) and each organization's plan limit.

Revision ID: analytics_0003
Revises: analytics_0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "analytics_0003"
down_revision: str | None = "analytics_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # 0 days = "the plan's maximum", so a plan change moves such sites along without a rewrite.
    op.execute(
        """
        CREATE TABLE site_retention (
            org_id text NOT NULL,
            site_id text NOT NULL,
            raw_event_retention_days integer NOT NULL DEFAULT 0 CHECK (raw_event_retention_days >= 0),
            rollup_retention_days integer NOT NULL DEFAULT 0 CHECK (rollup_retention_days >= 0),
            last_apply_time timestamptz,
            update_time timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (org_id, site_id)
        )
        """
    )
    # Filled from billing's plan (PlanChanged.limits.retention_days); absent = not known yet.
    op.execute(
        """
        CREATE TABLE org_retention_limits (
            org_id text PRIMARY KEY,
            retention_days integer NOT NULL CHECK (retention_days > 0),
            update_time timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE org_retention_limits")
    op.execute("DROP TABLE site_retention")
