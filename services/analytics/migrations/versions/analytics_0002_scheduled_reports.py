"""Scheduled reports: what to send to whom and when, with the outcome of the last send.

Revision ID: analytics_0002
Revises: analytics_0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "analytics_0002"
down_revision: str | None = "analytics_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE scheduled_reports (
            report_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            org_id text NOT NULL,
            display_name text NOT NULL,
            sites text[] NOT NULL DEFAULT '{}',
            frequency smallint NOT NULL,
            day_of_week smallint NOT NULL DEFAULT 1,
            send_hour smallint NOT NULL DEFAULT 8,
            time_zone text NOT NULL,
            recipients text[] NOT NULL,
            format smallint NOT NULL DEFAULT 1,
            sections smallint[] NOT NULL DEFAULT '{}',
            enabled boolean NOT NULL DEFAULT true,
            next_send_time timestamptz NOT NULL,
            last_send_time timestamptz,
            last_send_status smallint NOT NULL DEFAULT 0,
            last_send_error text NOT NULL DEFAULT '',
            request_id text,
            create_time timestamptz NOT NULL DEFAULT now(),
            update_time timestamptz NOT NULL DEFAULT now(),
            UNIQUE (org_id, request_id)
        )
        """
    )
    # The scheduler's query: enabled reports due now, oldest first.
    op.execute("CREATE INDEX scheduled_reports_due ON scheduled_reports (next_send_time) WHERE enabled")
    op.execute("CREATE INDEX scheduled_reports_org ON scheduled_reports (org_id, display_name, report_id)")


def downgrade() -> None:
    op.execute("DROP TABLE scheduled_reports")
