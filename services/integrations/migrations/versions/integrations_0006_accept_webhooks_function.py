"""The webhook group commit as one function call: the tenant setting and the batch's statement in one
statement, so the raw connection sends one query instead of a two-statement pipeline.

Revision ID: integrations_0006
Revises: integrations_0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "integrations_0006"
down_revision: str | None = "integrations_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The body is service.py's _ACCEPT_MANY with the outbound guard (the raw path's variant), the
    # parameters as p_*: keep the two in step (a later change to the statement is a new migration that
    # replaces this function). SECURITY INVOKER (the default): RLS applies to the caller's role as with
    # the statement sent directly, and set_config(…, true) is local to the caller's transaction, which
    # on an autocommit connection is this one statement. search_path is fixed to the migration's
    # (integrations, public).
    op.execute(
        """
        CREATE OR REPLACE FUNCTION accept_webhooks(
            p_org uuid, p_receipts json, p_outbox json, p_samples json,
            OUT inserted_ids text[], OUT subscribed boolean
        ) LANGUAGE plpgsql SET search_path FROM CURRENT AS $body$
        BEGIN
            PERFORM set_config('app.current_org', p_org::text, true);
            WITH input AS (
                SELECT * FROM json_to_recordset(p_receipts) AS t(
                    id uuid, conn uuid, provider smallint, topic text, did text, outcome smallint,
                    error text, test boolean, size bigint, acts text, retr integer, prev boolean)
            ),
            w AS (
                SELECT EXISTS (
                    SELECT 1 FROM webhook_subscriptions WHERE org_id = p_org AND enabled
                ) AS wanted
            ),
            r AS (
                INSERT INTO webhook_receipts (id, org_id, connection_id, provider, topic,
                    provider_delivery_id, outcome, error, test, body_bytes, activity_ids,
                    retraction_count, previous_secret)
                SELECT id, p_org, conn, provider, topic, did, outcome, error, test, size,
                    string_to_array(acts, ','), retr, prev
                FROM input WHERE NOT (SELECT wanted FROM w) ORDER BY conn, did
                ON CONFLICT (connection_id, provider_delivery_id)
                    WHERE provider_delivery_id IS NOT NULL AND outcome IN (1, 3, 8) DO NOTHING
                RETURNING id
            ),
            o AS (
                INSERT INTO activity_outbox (org_id, site_id, connection_id, message_key, envelope)
                SELECT p_org, u.site, u.conn, u.k, decode(u.e, 'base64')
                FROM json_to_recordset(p_outbox) AS u(
                    rid uuid, site uuid, conn uuid, k text, e text, seq integer)
                WHERE u.rid IN (SELECT id FROM r) ORDER BY u.seq
            ),
            s AS (
                INSERT INTO recent_events (org_id, site_id, event_type, item_id, occurred_at, sample)
                SELECT p_org, u.site, u.t, u.i, u.a, decode(u.b, 'base64')
                FROM json_to_recordset(p_samples) AS u(
                    rid uuid, site uuid, t integer, i text, a timestamptz, b text)
                WHERE u.rid IN (SELECT id FROM r) ON CONFLICT DO NOTHING
            )
            SELECT ARRAY(SELECT id::text FROM r), (SELECT wanted FROM w) INTO inserted_ids, subscribed;
        END
        $body$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS accept_webhooks(uuid, json, json, json)")
