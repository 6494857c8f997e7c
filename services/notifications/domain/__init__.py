"""Pure notifications logic: templates, targeting, display rules, experiments (no I/O)."""
