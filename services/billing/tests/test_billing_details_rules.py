"""Pure rules added with the billing account and budgets: billing details, etags, Stripe mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.billing.adapters.payment_provider import invoice_from_dict, subscription_from_dict
from services.billing.domain.billing_details import (
    BillingDetails,
    details_violations,
    mask_violations,
    merged,
    stripe_address,
)
from services.billing.service import version_tag
from shared.errors import FieldViolation


def test_update_mask_must_name_only_updatable_fields() -> None:
    assert mask_violations([]) == [FieldViolation("update_mask", "is required: name the fields to change")]
    assert mask_violations(["company_name", "address.city"]) == []
    (bad,) = mask_violations(["tax_id", "stripe_customer_id"])
    assert bad.field == "update_mask" and "'stripe_customer_id' cannot be changed" in bad.description


def test_only_masked_fields_are_validated_and_changed() -> None:
    change = BillingDetails(billing_email="nope", company_name="ACME", address={"city": "Brno"}, tax_id="x")
    assert [v.field for v in details_violations(change, ["billing_email", "address", "tax_id"], "b")] == [
        "b.billing_email",
        "b.address.line1",
        "b.address.country_code",
        "b.tax_id",
    ]
    assert details_violations(change, ["company_name"], "b") == []
    # An empty address clears it; it is not an incomplete one.
    assert details_violations(BillingDetails(address={"line1": ""}), ["address"], "b") == []
    current = BillingDetails("a@b.cz", "Old", {"line1": "1", "country_code": "CZ"}, "CZ1")
    assert merged(current, change, ["company_name"]) == BillingDetails(
        "a@b.cz", "ACME", {"line1": "1", "country_code": "CZ"}, "CZ1"
    )
    assert stripe_address({"line1": "1", "region": "Morava", "country_code": "CZ"})["state"] == "Morava"


def test_version_tag_changes_with_every_microsecond_and_is_exact() -> None:
    t = datetime(2026, 11, 22, 3, 4, 5, 123456, tzinfo=UTC)
    assert version_tag(t) == "1795316645123456"
    assert version_tag(t + timedelta(microseconds=1)) == "1795316645123457"


def test_localstripe_trial_reads_as_trialing_and_invoices_carry_their_customer() -> None:
    trial = {
        "id": "sub_1",
        "customer": "cus_1",
        "status": "incomplete",
        "trial_end": 1_800_000_000,
        "latest_invoice": None,
        "items": {"data": [{"plan": {"id": "growth-v1-month"}}]},
    }
    assert subscription_from_dict(trial).status == "trialing"
    # A real incomplete first payment (it has an invoice) stays incomplete.
    assert subscription_from_dict({**trial, "latest_invoice": "in_1"}).status == "incomplete"
    invoice = invoice_from_dict(
        {"id": "in_1", "customer": {"id": "cus_1"}, "status_transitions": {"paid_at": 1_800_000_000}}
    )
    assert invoice.customer_id == "cus_1" and invoice.paid_time == datetime.fromtimestamp(1_800_000_000, UTC)
