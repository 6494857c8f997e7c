"""shared.db: transactional sessions, and tenant sessions whose rows are confined by row-level security."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared.db import Database, rls_policy_sql
from shared.migrations import ensure_app_role, grant_app_role

ORG_A = str(uuid.uuid4())
ORG_B = str(uuid.uuid4())


async def _create_campaigns(owner: Database) -> None:
    async with owner.session() as session:
        await session.execute(text("CREATE SCHEMA notifications"))
        await session.execute(
            text(
                "CREATE TABLE notifications.campaigns ("
                " id serial primary key, org_id uuid not null, name text not null)"
            )
        )
        for statement in rls_policy_sql("campaigns", schema="notifications"):
            await session.execute(text(statement))
        await session.execute(
            text(
                "INSERT INTO notifications.campaigns (org_id, name) VALUES (:a, 'a1'), (:a, 'a2'), (:b, 'b1')"
            ),
            {"a": ORG_A, "b": ORG_B},
        )


async def test_tenant_session_sees_only_its_org_without_a_where_clause(pg_database: str) -> None:
    owner = Database(pg_database)
    await _create_campaigns(owner)
    role = f"app_{uuid.uuid4().hex[:8]}"
    ensure_app_role(pg_database, role)
    grant_app_role(pg_database, role, ["notifications"])
    app = Database(make_url(pg_database).set(username=role), schema="notifications")
    try:
        async with app.tenant_session(ORG_A) as session:
            names = (await session.execute(text("SELECT name FROM campaigns ORDER BY name"))).scalars().all()
        assert names == ["a1", "a2"]

        async with app.tenant_session(ORG_B) as session:
            names = (await session.execute(text("SELECT name FROM campaigns"))).scalars().all()
        assert names == ["b1"]

        # No tenant set: fail closed, nothing visible (the pooled connection kept no setting).
        async with app.session() as session:
            count = (await session.execute(text("SELECT count(*) FROM campaigns"))).scalar_one()
        assert count == 0

        # Writing a row for another org is refused by the policy's WITH CHECK.
        with pytest.raises(Exception, match="row-level security"):
            async with app.tenant_session(ORG_A) as session:
                await session.execute(
                    text("INSERT INTO campaigns (org_id, name) VALUES (:b, 'sneaky')"), {"b": ORG_B}
                )

        # The owner (not subject to RLS) sees that nothing was written.
        async with owner.session() as session:
            total = (await session.execute(text("SELECT count(*) FROM notifications.campaigns"))).scalar_one()
        assert total == 3
    finally:
        await app.dispose()
        await owner.dispose()


async def test_session_rolls_back_when_the_block_raises(pg_database: str) -> None:
    db = Database(pg_database)
    try:
        async with db.session() as session:
            await session.execute(text("CREATE TABLE visits (n int)"))
        with pytest.raises(RuntimeError):
            async with db.session() as session:
                await session.execute(text("INSERT INTO visits VALUES (1)"))
                raise RuntimeError("handler failed")
        async with db.session() as session:
            await session.execute(text("INSERT INTO visits VALUES (2)"))
        async with db.session() as session:
            rows = (await session.execute(text("SELECT n FROM visits"))).scalars().all()
        assert rows == [2]
    finally:
        await db.dispose()


def test_rls_sql_refuses_unsafe_names() -> None:
    with pytest.raises(ValueError):
        rls_policy_sql("campaigns; drop table x")
    statements = rls_policy_sql("campaigns", schema="notifications", force=True)
    assert "FORCE ROW LEVEL SECURITY" in statements[1]
