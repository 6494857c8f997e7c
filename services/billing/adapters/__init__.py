"""Billing's adapters: Postgres repositories, Stripe, Kafka, Redis and SMTP."""
