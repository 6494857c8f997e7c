"""Site templates, the event outbox, and the sealed (encrypted) actor of each activity.

Revision ID: notifications_0003
Revises: notifications_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.db import rls_policy_sql

revision: str = "notifications_0003"
down_revision: str | None = "notifications_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=False)


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", UUID, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("org_id", UUID, nullable=False),
        sa.Column("site_id", UUID, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("campaign_type", sa.SmallInteger(), nullable=False),
        # The Template message as protobuf (content, locale).
        sa.Column("spec", sa.LargeBinary(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False, server_default="1"),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("org_id", "request_id", name="templates_request_id_key"),
    )
    op.create_index("templates_site_name_idx", "templates", ["site_id", "display_name"])
    # Events written in the same transaction as the change and relayed to Kafka afterwards.
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("message_key", sa.Text(), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("outbox_pending", "outbox", ["id"], postgresql_where=sa.text("published_at IS NULL"))
    # The actor (name, initial, avatar, email hash) AES-GCM sealed with the PII key ring; the event
    # column then holds the activity without them.
    op.add_column("activities", sa.Column("actor_sealed", sa.LargeBinary(), nullable=True))
    # Keyed hash (HMAC, key ring's lookup key) of the visitor id: erasure requests find a data
    # subject's activities without the id being stored in clear.
    op.add_column("activities", sa.Column("visitor_hash", sa.LargeBinary(), nullable=True))
    op.create_index(
        "activities_visitor_idx",
        "activities",
        ["site_id", "visitor_hash"],
        postgresql_where=sa.text("visitor_hash IS NOT NULL"),
    )
    # Retention deletes by age across sites.
    op.create_index("activities_site_occurred_idx", "activities", ["site_id", "occurred_at"])
    for statement in rls_policy_sql("templates", schema="notifications"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("activities_site_occurred_idx", table_name="activities")
    op.drop_index("activities_visitor_idx", table_name="activities")
    op.drop_column("activities", "visitor_hash")
    op.drop_column("activities", "actor_sealed")
    op.drop_table("outbox")
    op.drop_table("templates")
