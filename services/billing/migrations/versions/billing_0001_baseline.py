"""Baseline of the billing schema: the schema itself (created by the shared migration env) and a
record of which service version last migrated it, shown by operators when debugging a deployment.

Revision ID: billing_0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "billing_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schema_info",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.execute("INSERT INTO schema_info (key, value) VALUES ('service', 'billing')")


def downgrade() -> None:
    op.drop_table("schema_info")
