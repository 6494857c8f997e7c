"""PlanService: the seeded, versioned catalog, readable by anyone (the public pricing page)."""

from __future__ import annotations

import grpc

from services.billing.tests.billing_support import as_user, error_of
from socialproof.billing.v1 import plan_pb2, plan_pb2_grpc


async def test_anonymous_caller_lists_the_four_plans_cheapest_first(
    catalog_channel: grpc.aio.Channel,
) -> None:
    reply = await plan_pb2_grpc.PlanServiceStub(catalog_channel).ListPlans(plan_pb2.ListPlansRequest())
    assert [p.name for p in reply.plans] == ["plans/free", "plans/starter", "plans/growth", "plans/business"]
    assert reply.next_page_token == ""
    free, starter, growth, business = reply.plans
    assert free.tier == plan_pb2.PLAN_TIER_FREE and free.version == 1 and free.available
    assert free.limits.monthly_impressions == 5_000
    assert (free.limits.sites, free.limits.seats, free.limits.retention_days) == (1, 1, 7)
    assert not any(getattr(free.features, f.name) for f in plan_pb2.PlanFeatures.DESCRIPTOR.fields)
    assert list(free.prices) == []
    assert growth.features.ab_tests and growth.features.holdout and growth.features.outbound_webhooks
    assert growth.features.scheduled_reports and growth.features.remove_branding
    assert not starter.features.ab_tests and starter.features.remove_branding
    # Unset optional limit = unlimited.
    assert not business.limits.HasField("sites") and business.limits.HasField("monthly_impressions")
    monthly = {p.name: p.prices[0] for p in reply.plans[1:]}
    assert monthly["plans/growth"].interval == plan_pb2.BILLING_INTERVAL_MONTH
    assert (monthly["plans/growth"].amount.amount_minor, monthly["plans/growth"].amount.currency_code) == (
        4_900,
        "USD",
    )
    assert monthly["plans/growth"].stripe_plan_id == "growth-v1-month"
    assert [p.interval for p in growth.prices] == [
        plan_pb2.BILLING_INTERVAL_MONTH,
        plan_pb2.BILLING_INTERVAL_YEAR,
    ]
    assert growth.trial_days == 14 and growth.create_time.seconds > 0


async def test_plans_page_through_with_tokens(catalog_channel: grpc.aio.Channel) -> None:
    stub = plan_pb2_grpc.PlanServiceStub(catalog_channel)
    first = await stub.ListPlans(plan_pb2.ListPlansRequest(page_size=3), metadata=as_user("o1"))
    assert [p.name for p in first.plans] == ["plans/free", "plans/starter", "plans/growth"]
    assert first.next_page_token
    second = await stub.ListPlans(plan_pb2.ListPlansRequest(page_size=3, page_token=first.next_page_token))
    assert [p.name for p in second.plans] == ["plans/business"]
    assert second.next_page_token == ""


async def test_bad_page_request_is_invalid_argument_with_field_violations(
    catalog_channel: grpc.aio.Channel,
) -> None:
    stub = plan_pb2_grpc.PlanServiceStub(catalog_channel)
    code, _, violations = await error_of(
        stub.ListPlans(plan_pb2.ListPlansRequest(page_size=-1, page_token="not-a-token\u00e9"))
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert violations == [
        ("page_size", "must not be negative"),
        ("page_token", "is not a token this API returned"),
    ]


async def test_get_plan_current_and_by_version(catalog_channel: grpc.aio.Channel) -> None:
    stub = plan_pb2_grpc.PlanServiceStub(catalog_channel)
    current = await stub.GetPlan(plan_pb2.GetPlanRequest(name="plans/growth"))
    assert (current.plan.name, current.plan.version, current.plan.display_name) == (
        "plans/growth",
        1,
        "Growth",
    )
    pinned = await stub.GetPlan(plan_pb2.GetPlanRequest(name="plans/growth", version=1))
    assert pinned.plan == current.plan


async def test_get_plan_errors_name_the_problem(catalog_channel: grpc.aio.Channel) -> None:
    stub = plan_pb2_grpc.PlanServiceStub(catalog_channel)
    assert await error_of(stub.GetPlan(plan_pb2.GetPlanRequest(name="plans/enterprise"))) == (
        grpc.StatusCode.NOT_FOUND,
        "PLAN_NOT_FOUND",
        [],
    )
    assert await error_of(stub.GetPlan(plan_pb2.GetPlanRequest(name="plans/growth", version=7))) == (
        grpc.StatusCode.NOT_FOUND,
        "PLAN_NOT_FOUND",
        [],
    )
    code, reason, violations = await error_of(stub.GetPlan(plan_pb2.GetPlanRequest(name="organizations/x")))
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PLAN_NAME")
    assert violations == [("name", 'must look like "plans/{plan}", e.g. "plans/growth"')]
    code, _, violations = await error_of(
        stub.GetPlan(plan_pb2.GetPlanRequest(name="plans/growth", version=-2))
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT and violations == [("version", "must not be negative")]
