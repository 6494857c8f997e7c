"""Connections, webhook receipts, outbound subscriptions/deliveries and form capture, with row-level
security by organization; routing tables without RLS hold only ids needed before the org is known.

Revision ID: integrations_0002
Revises: integrations_0001
"""

from collections.abc import Sequence

from alembic import op

from shared.db import rls_policy_sql

revision: str = "integrations_0002"
down_revision: str | None = "integrations_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (
    "connections",
    "webhook_receipts",
    "webhook_subscriptions",
    "webhook_deliveries",
    "webhook_delivery_attempts",
    "form_capture_settings",
    "form_submissions",
)


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE connections (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            site_id uuid NOT NULL,
            provider smallint NOT NULL,
            display_name text NOT NULL DEFAULT '',
            enabled boolean NOT NULL DEFAULT true,
            status smallint NOT NULL,
            secret_enc bytea,
            secret_hint text NOT NULL DEFAULT '',
            secret_rotated_at timestamptz NOT NULL DEFAULT now(),
            previous_secret_enc bytea,
            previous_secret_expires_at timestamptz,
            imported_kinds integer[] NOT NULL DEFAULT '{}',
            settings bytea NOT NULL DEFAULT '',
            last_event_at timestamptz,
            last_error text NOT NULL DEFAULT '',
            last_error_at timestamptz,
            request_id text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX connections_site ON connections (org_id, site_id, created_at DESC)")
    op.execute(
        "CREATE UNIQUE INDEX connections_request ON connections (org_id, request_id) WHERE request_id IS "
        "NOT NULL"
    )
    # The public webhook URL names only the connection: this is how a delivery finds its tenant
    # before any tenant session can be opened. No secrets here.
    op.execute(
        """
        CREATE TABLE connection_routes (
            connection_id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            site_id uuid NOT NULL,
            provider smallint NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE webhook_receipts (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            connection_id uuid NOT NULL,
            provider smallint NOT NULL,
            topic text NOT NULL DEFAULT '',
            provider_delivery_id text,
            outcome smallint NOT NULL,
            error text NOT NULL DEFAULT '',
            test boolean NOT NULL DEFAULT false,
            body_bytes bigint NOT NULL DEFAULT 0,
            activity_ids text[] NOT NULL DEFAULT '{}',
            retraction_count integer NOT NULL DEFAULT 0,
            previous_secret boolean NOT NULL DEFAULT false,
            received_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # A provider delivery id is processed once: the unique index is the idempotency guard.
    op.execute(
        "CREATE UNIQUE INDEX webhook_receipts_once ON webhook_receipts (connection_id, provider_delivery_id) "
        "WHERE provider_delivery_id IS NOT NULL AND outcome IN (1, 3, 8)"
    )
    op.execute("CREATE INDEX webhook_receipts_list ON webhook_receipts (connection_id, received_at DESC)")
    op.execute(
        """
        CREATE TABLE webhook_subscriptions (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            endpoint_url text NOT NULL,
            event_types integer[] NOT NULL,
            sites text[] NOT NULL DEFAULT '{}',
            description text NOT NULL DEFAULT '',
            enabled boolean NOT NULL DEFAULT true,
            secret_enc bytea NOT NULL,
            secret_hint text NOT NULL,
            previous_secret_enc bytea,
            previous_secret_expires_at timestamptz,
            max_attempts integer NOT NULL,
            request_id text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "CREATE UNIQUE INDEX webhook_subscriptions_request ON webhook_subscriptions (org_id, request_id) "
        "WHERE request_id IS NOT NULL"
    )
    op.execute(
        """
        CREATE TABLE webhook_deliveries (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            subscription_id uuid NOT NULL,
            event_id uuid NOT NULL,
            event_type integer NOT NULL,
            state smallint NOT NULL,
            attempt_count integer NOT NULL DEFAULT 0,
            max_attempts integer NOT NULL,
            last_response_code integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz,
            payload_json text NOT NULL,
            redelivery_of uuid,
            request_id text,
            created_at timestamptz NOT NULL DEFAULT now(),
            completed_at timestamptz
        )
        """
    )
    # One delivery per event and subscription (a re-consumed event does not post twice).
    op.execute(
        "CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (subscription_id, event_id) "
        "WHERE redelivery_of IS NULL"
    )
    op.execute(
        "CREATE UNIQUE INDEX webhook_deliveries_request ON webhook_deliveries (org_id, request_id) "
        "WHERE request_id IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX webhook_deliveries_list ON webhook_deliveries (org_id, subscription_id, created_at "
        "DESC)"
    )
    op.execute(
        """
        CREATE TABLE webhook_delivery_attempts (
            delivery_id uuid NOT NULL,
            attempt_number integer NOT NULL,
            org_id uuid NOT NULL,
            started_at timestamptz NOT NULL,
            duration_ms integer NOT NULL,
            response_code integer NOT NULL DEFAULT 0,
            response_excerpt text NOT NULL DEFAULT '',
            error text NOT NULL DEFAULT '',
            PRIMARY KEY (delivery_id, attempt_number)
        )
        """
    )
    # The worker's queue spans tenants, so it lives outside RLS and holds ids and times only.
    op.execute(
        """
        CREATE TABLE outbound_queue (
            delivery_id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            due_at timestamptz NOT NULL,
            leased_until timestamptz
        )
        """
    )
    op.execute("CREATE INDEX outbound_queue_due ON outbound_queue (due_at)")
    op.execute(
        """
        CREATE TABLE form_capture_settings (
            org_id uuid NOT NULL,
            site_id uuid PRIMARY KEY,
            settings bytea NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE form_submissions (
            org_id uuid NOT NULL,
            site_id uuid NOT NULL,
            submission_id uuid NOT NULL,
            activity_id uuid NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (site_id, submission_id)
        )
        """
    )
    for table in TENANT_TABLES:
        for statement in rls_policy_sql(table, schema="integrations"):
            op.execute(statement)


def downgrade() -> None:
    for table in (*TENANT_TABLES, "connection_routes", "outbound_queue"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
