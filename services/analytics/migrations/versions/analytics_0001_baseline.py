"""Baseline of the analytics schema: the schema itself (created by the shared migration env) and its
schema_info record (shared.migrations.create_schema_info).

Revision ID: analytics_0001
Revises:
"""

from collections.abc import Sequence

from shared.migrations import create_schema_info, drop_schema_info

revision: str = "analytics_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_schema_info("analytics")


def downgrade() -> None:
    drop_schema_info()
