"""The widget feed as a team would otherwise build it: FastAPI + Postgres (asyncpg) + a Redis cache."""
