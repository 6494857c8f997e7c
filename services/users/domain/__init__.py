"""Pure rules of the users domain: validation, credentials, tokens, roles (no I/O)."""
