"""Resource names of the notifications domain: parsing with field violations, and formatting."""

from __future__ import annotations

import re

from shared.errors import InvalidArgument

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ORG = re.compile(rf"^organizations/({_UUID})$")
_SITE = re.compile(rf"^organizations/({_UUID})/sites/({_UUID})$")
_CHILD = re.compile(rf"^organizations/({_UUID})/sites/({_UUID})/(campaigns|activities|templates)/({_UUID})$")
UUID_RE = re.compile(rf"^{_UUID}$")


def _bad(field: str, expected: str, value: str) -> InvalidArgument:
    from shared.errors import FieldViolation

    shown = value if len(value) <= 200 else value[:200] + "…"
    return InvalidArgument(
        f"{field} must look like {expected}",
        violations=[FieldViolation(field, f"must look like {expected} with UUID ids (got {shown!r})")],
        reason="INVALID_RESOURCE_NAME",
    )


def parse_org(value: str, field: str = "parent") -> str:
    m = _ORG.match(value)
    if not m:
        raise _bad(field, "organizations/{org}", value)
    return m.group(1)


def parse_site(value: str, field: str = "name") -> tuple[str, str]:
    m = _SITE.match(value)
    if not m:
        raise _bad(field, "organizations/{org}/sites/{site}", value)
    return m.group(1), m.group(2)


def parse_child(value: str, collection: str, field: str = "name") -> tuple[str, str, str]:
    m = _CHILD.match(value)
    if not m or m.group(3) != collection:
        raise _bad(field, f"organizations/{{org}}/sites/{{site}}/{collection}/{{id}}", value)
    return m.group(1), m.group(2), m.group(4)


def site_name(org_id: str, site_id: str) -> str:
    return f"organizations/{org_id}/sites/{site_id}"


def child_name(org_id: str, site_id: str, collection: str, child_id: str) -> str:
    return f"{site_name(org_id, site_id)}/{collection}/{child_id}"
