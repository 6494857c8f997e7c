"""The billing service: plans, entitlements, Stripe subscriptions, usage metering and quotas."""
