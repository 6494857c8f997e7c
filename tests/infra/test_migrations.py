"""shared.migrations: a service's Alembic tree runs into its own schema with its own version table."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from shared.migrations import ENV_PY, run_migrations

REVISION_1 = '''
"""create activities"""
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.execute("CREATE TABLE activities (id bigserial primary key, kind text not null)")


def downgrade() -> None:
    op.execute("DROP TABLE activities")
'''

REVISION_2 = '''
"""add site_id"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.execute("ALTER TABLE activities ADD COLUMN site_id text")


def downgrade() -> None:
    op.execute("ALTER TABLE activities DROP COLUMN site_id")
'''

BROKEN = '''
"""fails halfway"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("CREATE TABLE half_done (id int)")
    op.execute("THIS IS NOT SQL")
'''


def _tree(root: Path, *revisions: str) -> Path:
    (root / "versions").mkdir(parents=True, exist_ok=True)
    (root / "env.py").write_text(ENV_PY)
    (root / "script.py.mako").write_text("")
    for i, body in enumerate(revisions, start=1):
        (root / "versions" / f"{i:04d}.py").write_text(textwrap.dedent(body))
    return root


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(_libpq(url)) as conn:
        return conn.execute(sql).fetchall()


def test_migrations_upgrade_head_in_the_service_schema(pg_database: str, tmp_path: Path) -> None:
    tree = _tree(tmp_path / "migrations", REVISION_1)
    run_migrations("demo", pg_database, directory=tree)
    assert _query(pg_database, "SELECT version_num FROM demo.alembic_version") == [("0001",)]
    assert _query(pg_database, "SELECT to_regclass('demo.activities') IS NOT NULL") == [(True,)]
    # Nothing leaked into public.
    assert _query(pg_database, "SELECT to_regclass('public.activities')") == [(None,)]

    # A second run is a no-op; a new revision is applied on top.
    run_migrations("demo", pg_database, directory=tree)
    _tree(tree, REVISION_1, REVISION_2)
    run_migrations("demo", pg_database, directory=tree)
    assert _query(pg_database, "SELECT version_num FROM demo.alembic_version") == [("0002",)]
    columns = _query(
        pg_database,
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'demo' AND table_name = 'activities' ORDER BY ordinal_position",
    )
    assert [c[0] for c in columns] == ["id", "kind", "site_id"]


def test_two_services_keep_separate_version_tables(pg_database: str, tmp_path: Path) -> None:
    run_migrations("users", pg_database, directory=_tree(tmp_path / "users", REVISION_1))
    run_migrations("billing", pg_database, directory=_tree(tmp_path / "billing", REVISION_1, REVISION_2))
    assert _query(pg_database, "SELECT version_num FROM users.alembic_version") == [("0001",)]
    assert _query(pg_database, "SELECT version_num FROM billing.alembic_version") == [("0002",)]


def test_a_failing_migration_changes_nothing(pg_database: str, tmp_path: Path) -> None:
    tree = _tree(tmp_path / "migrations", REVISION_1, REVISION_2, BROKEN)
    with pytest.raises(Exception, match="syntax error"):
        run_migrations("demo", pg_database, directory=tree)
    # All revisions ran in one transaction: not even the schema exists afterwards.
    assert _query(pg_database, "SELECT to_regnamespace('demo')") == [(None,)]


def test_app_role_gets_table_rights_but_not_ownership(pg_database: str, tmp_path: Path) -> None:
    from shared.migrations import ensure_app_role

    ensure_app_role(pg_database, "sp_app_mig")
    run_migrations("demo", pg_database, directory=_tree(tmp_path / "m", REVISION_1), app_role="sp_app_mig")
    app_url = str(make_url(pg_database).set(username="sp_app_mig"))
    with psycopg.connect(_libpq(app_url), autocommit=True) as conn:
        conn.execute("INSERT INTO demo.activities (kind) VALUES ('purchase')")
        assert conn.execute("SELECT count(*) FROM demo.activities").fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DROP TABLE demo.activities")
    attrs = _query(pg_database, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'sp_app_mig'")
    assert attrs == [(False, False)]
