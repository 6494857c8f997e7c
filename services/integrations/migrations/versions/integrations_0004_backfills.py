"""Backfill jobs per connection (RLS) and the tenant-less queue the backfill worker leases from.

Revision ID: integrations_0004
Revises: integrations_0003
"""

from collections.abc import Sequence

from alembic import op

from shared.db import rls_policy_sql

revision: str = "integrations_0004"
down_revision: str | None = "integrations_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE backfills (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            site_id uuid NOT NULL,
            connection_id uuid NOT NULL,
            lookback_days integer NOT NULL,
            state smallint NOT NULL,
            processed_count bigint NOT NULL DEFAULT 0,
            imported_count bigint NOT NULL DEFAULT 0,
            skipped_count bigint NOT NULL DEFAULT 0,
            total_estimate bigint NOT NULL DEFAULT 0,
            reached_at timestamptz,
            cursor text NOT NULL DEFAULT '',
            error text NOT NULL DEFAULT '',
            request_id text,
            created_at timestamptz NOT NULL DEFAULT now(),
            started_at timestamptz,
            ended_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX backfills_connection ON backfills (connection_id, created_at DESC)")
    # At most one queued or running job per connection, even under concurrent requests.
    op.execute("CREATE UNIQUE INDEX backfills_one_active ON backfills (connection_id) WHERE state IN (1, 2)")
    op.execute(
        "CREATE UNIQUE INDEX backfills_request ON backfills (org_id, request_id) WHERE request_id IS NOT NULL"
    )
    # Like outbound_queue: the worker spans tenants, so ids and lease times only, no RLS.
    op.execute(
        """
        CREATE TABLE backfill_queue (
            backfill_id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            leased_until timestamptz
        )
        """
    )
    for statement in rls_policy_sql("backfills", schema="integrations"):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS backfill_queue")
    op.execute("DROP TABLE IF EXISTS backfills")
