"""Resource names of the integrations API (organizations/{org}/sites/{site}/...), parsed strictly."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from shared.errors import InvalidArgument, validate

_UUID = r"[0-9a-fA-F-]{36}"
SITE = re.compile(rf"^organizations/({_UUID})/sites/({_UUID})$")
CONNECTION = re.compile(rf"^organizations/({_UUID})/sites/({_UUID})/connections/({_UUID})$")
ORG = re.compile(rf"^organizations/({_UUID})$")
SUBSCRIPTION = re.compile(rf"^organizations/({_UUID})/webhookSubscriptions/({_UUID})$")
DELIVERY = re.compile(rf"^organizations/({_UUID})/webhookSubscriptions/({_UUID})/deliveries/({_UUID})$")
DELIVERY_PARENT = re.compile(rf"^organizations/({_UUID})/webhookSubscriptions/({_UUID}|-)$")
FORM_SETTINGS = re.compile(rf"^organizations/({_UUID})/sites/({_UUID})/formCaptureSettings$")
RECEIPT = re.compile(
    rf"^organizations/({_UUID})/sites/({_UUID})/connections/({_UUID})/webhookReceipts/({_UUID})$"
)
BACKFILL = re.compile(rf"^organizations/({_UUID})/sites/({_UUID})/connections/({_UUID})/backfills/({_UUID})$")
ZAPIER_HOOK = re.compile(rf"^organizations/({_UUID})/sites/({_UUID})/zapierHooks/({_UUID})$")


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower() and len(value) == 36
    except ValueError:
        return False


def parse(pattern: re.Pattern[str], value: str, field: str, example: str) -> tuple[str, ...]:
    """The name's ids (lower-cased), or InvalidArgument naming field."""
    match = pattern.match(value or "")
    if match is None or not all(g == "-" or is_uuid(g.lower()) for g in match.groups()):
        with validate("Invalid resource name") as v:
            v.add(field, f"must look like {example}")
        raise InvalidArgument("unreachable")  # pragma: no cover - validate() raised
    return tuple(g.lower() for g in match.groups())


@dataclass(frozen=True)
class ConnectionName:
    org_id: str
    site_id: str
    connection_id: str

    def __str__(self) -> str:
        return f"organizations/{self.org_id}/sites/{self.site_id}/connections/{self.connection_id}"


def site(value: str, field: str = "parent") -> tuple[str, str]:
    org, site_id = parse(SITE, value, field, "organizations/{org}/sites/{site}")
    return org, site_id


def connection(value: str, field: str = "name") -> ConnectionName:
    org, site_id, conn = parse(CONNECTION, value, field, "organizations/{org}/sites/{site}/connections/{id}")
    return ConnectionName(org, site_id, conn)


def site_name(org_id: str, site_id: str) -> str:
    return f"organizations/{org_id}/sites/{site_id}"
