"""Sites, site keys, campaigns, activities and processed Kafka events, with row-level security by org.

Revision ID: notifications_0002
Revises: notifications_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.db import rls_policy_sql

revision: str = "notifications_0002"
down_revision: str | None = "notifications_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=False)


def _times() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("create_time", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", UUID, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("org_id", UUID, nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("site_key", sa.Text(), nullable=False, unique=True),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        # The Site message (domains, settings) as protobuf: additive contract changes need no migration.
        sa.Column("spec", sa.LargeBinary(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False, server_default="1"),
        sa.Column("request_id", sa.Text(), nullable=True),
        *_times(),
        sa.UniqueConstraint("org_id", "request_id", name="sites_request_id_key"),
    )
    op.create_index("sites_org_name_idx", "sites", ["org_id", "display_name"])
    # Site keys are public (they ship in the widget), so this lookup table has no RLS: the feed
    # resolves a key to its org here, then reads everything else in a tenant session.
    op.create_table(
        "site_keys",
        sa.Column("site_key", sa.Text(), primary_key=True),
        sa.Column("site_id", UUID, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("org_id", UUID, nullable=False),
        sa.Column("expire_time", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", UUID, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("org_id", UUID, nullable=False),
        sa.Column("site_id", UUID, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("type", sa.SmallInteger(), nullable=False),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("spec", sa.LargeBinary(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False, server_default="1"),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("publish_time", sa.DateTime(timezone=True), nullable=True),
        *_times(),
        sa.UniqueConstraint("org_id", "request_id", name="campaigns_request_id_key"),
    )
    op.create_index("campaigns_site_state_idx", "campaigns", ["site_id", "state", "priority"])
    op.create_table(
        "activities",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("org_id", UUID, nullable=False),
        sa.Column("site_id", UUID, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("source", sa.SmallInteger(), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=False, server_default=""),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("retraction_reason", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.Column("retract_time", sa.DateTime(timezone=True), nullable=True),
        # The ActivityEvent as protobuf (actor, product, review, attributes).
        sa.Column("event", sa.LargeBinary(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("activities_feed_idx", "activities", ["site_id", "state", "occurred_at"])
    op.create_index(
        "activities_source_ref_key",
        "activities",
        ["site_id", "source", "source_ref"],
        unique=True,
        postgresql_where=sa.text("source_ref <> ''"),
    )
    op.create_index(
        "activities_request_id_key",
        "activities",
        ["site_id", "request_id"],
        unique=True,
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )
    # Kafka event ids already applied; written in the same transaction as the effect.
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.Text(), primary_key=True),
        sa.Column("process_time", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    for table in ("sites", "campaigns", "activities"):
        for statement in rls_policy_sql(table, schema="notifications"):
            op.execute(statement)


def downgrade() -> None:
    for table in ("processed_events", "activities", "campaigns", "site_keys", "sites"):
        op.drop_table(table)
