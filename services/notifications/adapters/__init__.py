"""Adapters of the notifications service: Postgres repositories, Redis, Kafka and the billing client."""
