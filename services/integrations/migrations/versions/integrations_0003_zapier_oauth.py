"""Zapier hooks as a kind of outbound subscription, recent events for trigger samples, one Zapier
connection per site, Shopify OAuth states and encrypted access tokens.

Revision ID: integrations_0003
Revises: integrations_0002
"""

from collections.abc import Sequence

from alembic import op

from shared.db import rls_policy_sql

revision: str = "integrations_0003"
down_revision: str | None = "integrations_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # kind 0 = an outbound webhook subscription, 1 = a Zapier REST hook (same delivery machinery,
    # Zapier-shaped body, scoped to one site and optionally to activity kinds).
    op.execute(
        """
        ALTER TABLE webhook_subscriptions
            ADD COLUMN kind smallint NOT NULL DEFAULT 0,
            ADD COLUMN site_id uuid,
            ADD COLUMN activity_kinds integer[] NOT NULL DEFAULT '{}',
            ADD COLUMN last_delivery_at timestamptz
        """
    )
    op.execute("CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org_id, kind)")
    # Trigger samples ("perform list"): the latest facts per site and trigger, newest first.
    op.execute(
        """
        CREATE TABLE recent_events (
            org_id uuid NOT NULL,
            site_id uuid NOT NULL,
            event_type integer NOT NULL,
            item_id text NOT NULL,
            occurred_at timestamptz NOT NULL,
            sample bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (site_id, event_type, item_id)
        )
        """
    )
    op.execute("CREATE INDEX recent_events_latest ON recent_events (site_id, event_type, occurred_at DESC)")
    # Zapier's connection is created on first use; one per site, even under concurrent first calls.
    op.execute("CREATE UNIQUE INDEX connections_one_zapier ON connections (site_id) WHERE provider = 4")
    op.execute("ALTER TABLE connections ADD COLUMN access_token_enc bytea")
    # The OAuth callback is anonymous (a browser redirect), so states are found before the tenant is
    # known: no RLS, ids and a hash of the state only.
    op.execute(
        """
        CREATE TABLE oauth_states (
            state_hash text PRIMARY KEY,
            org_id uuid NOT NULL,
            site_id uuid NOT NULL,
            connection_id uuid NOT NULL,
            shop_domain text NOT NULL,
            return_path text NOT NULL DEFAULT '',
            expires_at timestamptz NOT NULL,
            used_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    for statement in rls_policy_sql("recent_events", schema="integrations"):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS oauth_states")
    op.execute("ALTER TABLE connections DROP COLUMN IF EXISTS access_token_enc")
    op.execute("DROP INDEX IF EXISTS connections_one_zapier")
    op.execute("DROP TABLE IF EXISTS recent_events")
    op.execute("DROP INDEX IF EXISTS webhook_subscriptions_org")
    op.execute(
        "ALTER TABLE webhook_subscriptions DROP COLUMN kind, DROP COLUMN site_id, "
        "DROP COLUMN activity_kinds, DROP COLUMN last_delivery_at"
    )
