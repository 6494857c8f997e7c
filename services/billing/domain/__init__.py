"""Pure billing logic: plans, usage periods, quotas, dunning and entitlements (no I/O)."""
