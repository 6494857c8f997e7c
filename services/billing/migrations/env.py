"""Alembic environment of this service; the wiring lives in shared.migrations."""

from shared.migrations import run_env

run_env()
