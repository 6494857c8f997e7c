"""Billing details of an account (contact, legal name, address, tax id): their rules, without I/O."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from shared.errors import FieldViolation

#: Fields UpdateBillingAccount may change (update_mask paths).
UPDATABLE_FIELDS = ("billing_email", "company_name", "address", "tax_id")
ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code", "region", "country_code")

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_TAX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .\-/]{1,39}$")
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class BillingDetails:
    billing_email: str = ""
    company_name: str = ""
    address: dict[str, str] = field(default_factory=dict)
    tax_id: str = ""


def mask_violations(paths: Collection[str], prefix: str = "update_mask") -> list[FieldViolation]:
    """update_mask must name at least one updatable field and nothing else ("address.city" counts
    as "address": the address is replaced as a whole)."""
    if not paths:
        return [FieldViolation(prefix, "is required: name the fields to change")]
    bad = [p for p in paths if p.split(".")[0] not in UPDATABLE_FIELDS]
    return [
        FieldViolation(prefix, f"{p!r} cannot be changed; allowed: {', '.join(UPDATABLE_FIELDS)}")
        for p in bad
    ]


def details_violations(details: BillingDetails, paths: Collection[str], prefix: str) -> list[FieldViolation]:
    """Problems with the fields being changed; field paths are the request's proto paths."""
    wanted = {p.split(".")[0] for p in paths}
    out: list[FieldViolation] = []
    if "billing_email" in wanted and not (
        len(details.billing_email) <= 254 and _EMAIL.match(details.billing_email)
    ):
        out.append(FieldViolation(f"{prefix}.billing_email", "must be an email address"))
    if "company_name" in wanted and len(details.company_name) > MAX_TEXT:
        out.append(FieldViolation(f"{prefix}.company_name", f"must be at most {MAX_TEXT} characters"))
    if "address" in wanted:
        address = details.address
        for name in ADDRESS_FIELDS:
            if len(address.get(name, "")) > MAX_TEXT:
                out.append(
                    FieldViolation(f"{prefix}.address.{name}", f"must be at most {MAX_TEXT} characters")
                )
        if any(address.values()):
            if not address.get("line1"):
                out.append(FieldViolation(f"{prefix}.address.line1", "is required in an address"))
            if not _COUNTRY.match(address.get("country_code", "")):
                out.append(
                    FieldViolation(
                        f"{prefix}.address.country_code", 'must be an ISO 3166-1 alpha-2 code, e.g. "CZ"'
                    )
                )
    if "tax_id" in wanted and details.tax_id and not _TAX_ID.match(details.tax_id):
        out.append(
            FieldViolation(
                f"{prefix}.tax_id", "must be 2-40 letters, digits, spaces or . - / (e.g. CZ12345678)"
            )
        )
    return out


def merged(current: BillingDetails, change: BillingDetails, paths: Collection[str]) -> BillingDetails:
    """`current` with the masked fields taken from `change`."""
    wanted = {p.split(".")[0] for p in paths}
    return BillingDetails(
        billing_email=change.billing_email if "billing_email" in wanted else current.billing_email,
        company_name=change.company_name if "company_name" in wanted else current.company_name,
        address=dict(change.address) if "address" in wanted else dict(current.address),
        tax_id=change.tax_id if "tax_id" in wanted else current.tax_id,
    )


def stripe_address(address: dict[str, str]) -> dict[str, str]:
    """The address as Stripe's customer.address (its field names)."""
    return {
        "line1": address.get("line1", ""),
        "line2": address.get("line2", ""),
        "city": address.get("city", ""),
        "postal_code": address.get("postal_code", ""),
        "state": address.get("region", ""),
        "country": address.get("country_code", ""),
    }
