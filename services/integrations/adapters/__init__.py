"""Adapters of the integrations service: Postgres, Kafka, peer services and outbound HTTP."""
