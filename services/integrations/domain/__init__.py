"""Pure domain logic of the integrations service (no I/O)."""
