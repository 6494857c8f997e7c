"""Activity outbox: webhook facts are stored with their receipt in one transaction and relayed to Kafka
in batches by the service's outbox relay.

Revision ID: integrations_0005
Revises: integrations_0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "integrations_0005"
down_revision: str | None = "integrations_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No RLS on purpose, like outbound_queue: the relay drains every tenant's rows. A row holds the
    # serialized envelope exactly as it goes to the (tenant-less) activity topic, and lives until the
    # broker acknowledged it (milliseconds normally).
    op.execute(
        """
        CREATE TABLE activity_outbox (
            id bigserial PRIMARY KEY,
            org_id uuid NOT NULL,
            site_id uuid NOT NULL,
            connection_id uuid NOT NULL,
            message_key text NOT NULL,
            envelope bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS activity_outbox")
