"""Accounts, organizations, members, sessions, signing keys, invitations, API keys, the audit log and the
event outbox, with row-level security on every tenant-owned table.

Revision ID: users_0002
Revises: users_0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "users_0002"
down_revision: str | None = "users_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# NULLIF turns a reset (empty) setting into NULL, which matches no row: without a tenant or a user
# set, nothing is visible (fail closed).
CURRENT_ORG = "NULLIF(current_setting('app.current_org', true), '')::uuid"
CURRENT_USER = "NULLIF(current_setting('app.current_user', true), '')::uuid"

TABLES = [
    # Global (not tenant-owned): people exist before and across organizations.
    """
    CREATE TABLE users (
        id uuid PRIMARY KEY,
        email_hash bytea NOT NULL UNIQUE,
        email_enc bytea NOT NULL,
        display_name_enc bytea NOT NULL,
        avatar_uri text NOT NULL DEFAULT '',
        locale text NOT NULL DEFAULT '',
        time_zone text NOT NULL DEFAULT '',
        password_hash text NOT NULL,
        email_verified boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        version integer NOT NULL DEFAULT 1
    )
    """,
    """
    CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expire_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoke_reason text
    )
    """,
    "CREATE INDEX sessions_user ON sessions (user_id)",
    """
    CREATE TABLE refresh_tokens (
        token_hash bytea PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz
    )
    """,
    """
    CREATE TABLE email_tokens (
        token_hash bytea PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expire_at timestamptz NOT NULL,
        used_at timestamptz
    )
    """,
    """
    CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        private_key_enc bytea NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz,
        verify_until timestamptz
    )
    """,
    # Tenant-owned.
    """
    CREATE TABLE organizations (
        id uuid PRIMARY KEY,
        display_name text NOT NULL,
        billing_email_enc bytea,
        time_zone text NOT NULL DEFAULT '',
        created_by uuid,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        purge_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        UNIQUE (created_by, request_id)
    )
    """,
    """
    CREATE TABLE members (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'designer', 'analyst', 'viewer')),
        inviter_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, user_id)
    )
    """,
    "CREATE INDEX members_user ON members (user_id)",
    """
    CREATE TABLE invitations (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        email_hash bytea NOT NULL,
        email_enc bytea NOT NULL,
        role text NOT NULL,
        state text NOT NULL DEFAULT 'pending',
        inviter_id uuid,
        token_hash bytea NOT NULL UNIQUE,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expire_at timestamptz NOT NULL,
        last_send_at timestamptz NOT NULL DEFAULT now(),
        send_count integer NOT NULL DEFAULT 1,
        accept_at timestamptz,
        revoke_at timestamptz,
        UNIQUE (org_id, request_id)
    )
    """,
    """
    CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        display_name text NOT NULL,
        key_prefix text NOT NULL UNIQUE,
        secret_hash bytea NOT NULL,
        previous_secret_hash bytea,
        previous_expire_at timestamptz,
        scopes text[] NOT NULL,
        sites text[] NOT NULL DEFAULT '{}',
        creator_id uuid,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        expire_at timestamptz,
        last_used_at timestamptz,
        last_used_ip_enc bytea,
        rotate_at timestamptz,
        revoke_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        UNIQUE (org_id, request_id)
    )
    """,
    # Which organization a key prefix belongs to: read before the tenant is known (VerifyApiKey),
    # so it holds no secret and no personal data and has no row-level security.
    """
    CREATE TABLE api_key_prefixes (
        key_prefix text PRIMARY KEY,
        org_id uuid NOT NULL,
        api_key_id uuid NOT NULL
    )
    """,
    """
    CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        org_id uuid,
        user_id uuid,
        actor_user_id uuid,
        action smallint NOT NULL,
        outcome smallint NOT NULL,
        actor text NOT NULL DEFAULT '',
        actor_display_enc bytea,
        target text NOT NULL DEFAULT '',
        target_display_enc bytea,
        ip_enc bytea,
        user_agent text NOT NULL DEFAULT '',
        request_id text NOT NULL DEFAULT '',
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )
    """,
    "CREATE INDEX audit_log_org ON audit_log (org_id, created_at DESC, id DESC)",
    "CREATE INDEX audit_log_user ON audit_log (user_id, created_at DESC, id DESC)",
    "CREATE INDEX audit_log_actor ON audit_log (actor_user_id)",
    # Events written in the same transaction as the change they describe; a relay publishes them.
    """
    CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        message_key text NOT NULL,
        envelope bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
    )
    """,
    "CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL",
]

POLICIES = [
    # An organization is visible when it is the current tenant or the current user is a member.
    (
        "organizations",
        f"id = {CURRENT_ORG} OR EXISTS (SELECT 1 FROM members m WHERE m.org_id = "  # noqa: S608 - fragments are fixed code, values are bound
        f"organizations.id AND m.user_id = {CURRENT_USER})",
        f"id = {CURRENT_ORG}",
    ),
    # A user sees their own memberships in every organization (the organization switcher).
    ("members", f"org_id = {CURRENT_ORG} OR user_id = {CURRENT_USER}", f"org_id = {CURRENT_ORG}"),
    ("invitations", f"org_id = {CURRENT_ORG}", f"org_id = {CURRENT_ORG}"),
    ("api_keys", f"org_id = {CURRENT_ORG}", f"org_id = {CURRENT_ORG}"),
    # Organization entries belong to the tenant; personal entries (org_id NULL) to their user.
    (
        "audit_log",
        f"org_id = {CURRENT_ORG} OR (org_id IS NULL AND user_id = {CURRENT_USER})",
        f"org_id = {CURRENT_ORG} OR org_id IS NULL",
    ),
]

FUNCTIONS = [
    # Erasure must reach the erased user's traces in organizations they already left, which RLS
    # hides; this narrow definer function (owned by the migrating role, which RLS does not bind)
    # does only that.
    """
    CREATE FUNCTION erase_audit_actor(erased uuid) RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = users, pg_temp AS $$
        WITH changed AS (
            UPDATE audit_log SET actor_display_enc = NULL, ip_enc = NULL, user_agent = ''
            WHERE actor_user_id = erased OR user_id = erased
            RETURNING 1
        )
        SELECT count(*)::integer FROM changed
    $$
    """,
    # The purge job must find organizations whose grace period ended without knowing them first.
    """
    CREATE FUNCTION organizations_due_for_purge(until timestamptz) RETURNS SETOF uuid
    LANGUAGE sql SECURITY DEFINER STABLE SET search_path = users, pg_temp AS $$
        SELECT id FROM organizations WHERE deleted_at IS NOT NULL AND purge_at <= until
    $$
    """,
]


def upgrade() -> None:
    for statement in TABLES:
        op.execute(statement)
    for table, using, check in POLICIES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK ({check})")
    for statement in FUNCTIONS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS organizations_due_for_purge(timestamptz)")
    op.execute("DROP FUNCTION IF EXISTS erase_audit_actor(uuid)")
    for table in (
        "outbox",
        "audit_log",
        "api_key_prefixes",
        "api_keys",
        "invitations",
        "members",
        "organizations",
        "signing_keys",
        "email_tokens",
        "refresh_tokens",
        "sessions",
        "users",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table}")
