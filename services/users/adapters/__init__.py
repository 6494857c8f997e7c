"""Adapters of the users service: Postgres repository, Redis limiter, Kafka outbox relay, mail."""
