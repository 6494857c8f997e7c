"""The one role → permission table (and API-key scope → permission map) every service checks against."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from shared.errors import PermissionDenied
from shared.principal import Principal, PrincipalKind


class Role(StrEnum):
    """A member's role; the string is what `x-sp-principal` carries. Ordered from most to least powerful."""

    OWNER = "owner"
    ADMIN = "admin"
    DESIGNER = "designer"
    ANALYST = "analyst"
    VIEWER = "viewer"


#: Most powerful first; each role grants everything the roles after it grant.
ROLE_ORDER: tuple[Role, ...] = (Role.OWNER, Role.ADMIN, Role.DESIGNER, Role.ANALYST, Role.VIEWER)

# What each role adds on top of the next one. Permissions are "<collection>.<verb>".
_VIEWER = frozenset(
    {
        "organizations.get",
        "members.list",
        "members.get",
        "sites.get",
        "sites.list",
        "campaigns.get",
        "campaigns.list",
        "templates.get",
        "templates.list",
        "activities.get",
        "activities.list",
        "experiments.get",
        "experiments.list",
        "metrics.read",
        "connections.list",
        "billing.get",
    }
)
_ANALYST = frozenset(
    {
        "exports.create",
        "exports.get",
        "reports.create",
        "reports.update",
        "reports.delete",
        "reports.list",
        "funnels.create",
        "funnels.update",
        "funnels.delete",
    }
)
_DESIGNER = frozenset(
    {
        "campaigns.create",
        "campaigns.update",
        "campaigns.delete",
        "campaigns.publish",
        "templates.create",
        "templates.update",
        "templates.delete",
        "experiments.create",
        "experiments.update",
        "experiments.delete",
    }
)
_ADMIN = frozenset(
    {
        "organizations.update",
        "members.update",
        "members.delete",
        "invitations.create",
        "invitations.get",
        "invitations.list",
        "invitations.revoke",
        "invitations.resend",
        "apiKeys.create",
        "apiKeys.get",
        "apiKeys.list",
        "apiKeys.update",
        "apiKeys.rotate",
        "apiKeys.revoke",
        "auditLogEntries.get",
        "auditLogEntries.list",
        "sites.create",
        "sites.update",
        "sites.delete",
        "activities.create",
        "activities.delete",
        "connections.create",
        "connections.update",
        "connections.delete",
        "webhooks.create",
        "webhooks.update",
        "webhooks.delete",
        "webhooks.list",
    }
)
_OWNER = frozenset(
    {
        "organizations.delete",
        "organizations.undelete",
        "organizations.transferOwnership",
        "members.grantOwner",
        "invitations.createOwner",
        "billing.update",
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.VIEWER: _VIEWER,
    Role.ANALYST: _VIEWER | _ANALYST,
    Role.DESIGNER: _VIEWER | _ANALYST | _DESIGNER,
    Role.ADMIN: _VIEWER | _ANALYST | _DESIGNER | _ADMIN,
    Role.OWNER: _VIEWER | _ANALYST | _DESIGNER | _ADMIN | _OWNER,
}

ALL_PERMISSIONS: frozenset[str] = ROLE_PERMISSIONS[Role.OWNER]

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.OWNER: "Full control, including billing, deleting the organization and transferring ownership.",
    Role.ADMIN: (
        "Manages members, invitations, API keys, sites, integrations and everything designers can do."
    ),
    Role.DESIGNER: "Creates and edits campaigns, templates and targeting; reads analytics.",
    Role.ANALYST: "Reads analytics, builds exports and scheduled reports; cannot change campaigns.",
    Role.VIEWER: "Read-only access to sites, campaigns and analytics.",
}


class ApiKeyScope(StrEnum):
    """What an API key may do (users.v1.ApiKeyScope without the prefix, lower-case)."""

    ACTIVITIES_WRITE = "activities_write"
    ACTIVITIES_READ = "activities_read"
    CAMPAIGNS_READ = "campaigns_read"
    CAMPAIGNS_WRITE = "campaigns_write"
    SITES_READ = "sites_read"
    ANALYTICS_READ = "analytics_read"
    INTEGRATIONS_WRITE = "integrations_write"


SCOPE_PERMISSIONS: dict[ApiKeyScope, frozenset[str]] = {
    ApiKeyScope.ACTIVITIES_WRITE: frozenset({"activities.create", "activities.delete"}),
    ApiKeyScope.ACTIVITIES_READ: frozenset({"activities.get", "activities.list"}),
    ApiKeyScope.CAMPAIGNS_READ: frozenset({"campaigns.get", "campaigns.list"}),
    ApiKeyScope.CAMPAIGNS_WRITE: frozenset(
        {"campaigns.get", "campaigns.list", "campaigns.create", "campaigns.update", "campaigns.publish"}
    ),
    ApiKeyScope.SITES_READ: frozenset({"sites.get", "sites.list"}),
    ApiKeyScope.ANALYTICS_READ: frozenset({"metrics.read", "exports.create", "exports.get"}),
    ApiKeyScope.INTEGRATIONS_WRITE: frozenset(
        {
            "connections.list",
            "connections.create",
            "connections.update",
            "connections.delete",
            "webhooks.create",
            "webhooks.update",
            "webhooks.delete",
            "webhooks.list",
        }
    ),
}


def role_from_name(name: str | None) -> Role | None:
    """The Role for a lower-case name, or None for anything else (never raises)."""
    try:
        return Role(name) if name else None
    except ValueError:
        return None


def permissions_of_role(role: Role | str | None) -> frozenset[str]:
    parsed = role if isinstance(role, Role) else role_from_name(role)
    return ROLE_PERMISSIONS.get(parsed, frozenset()) if parsed else frozenset()


def role_permits(role: Role | str | None, permission: str) -> bool:
    return permission in permissions_of_role(role)


def permissions_of_scopes(scopes: Iterable[ApiKeyScope | str]) -> frozenset[str]:
    granted: set[str] = set()
    for scope in scopes:
        try:
            granted |= SCOPE_PERMISSIONS[ApiKeyScope(scope)]
        except ValueError:
            continue  # an unknown scope grants nothing
    return frozenset(granted)


def role_at_least(role: Role | str | None, minimum: Role) -> bool:
    """True when `role` is `minimum` or more powerful."""
    parsed = role if isinstance(role, Role) else role_from_name(role)
    return parsed is not None and ROLE_ORDER.index(parsed) <= ROLE_ORDER.index(minimum)


def principal_permits(principal: Principal, permission: str, org_id: str | None = None) -> bool:
    """Whether a verified principal holds `permission` in `org_id` (default: its own organization).

    Users are judged by their role; API keys by their permissions, which the edge puts in
    `scopes` (VerifyApiKey derives them from the key's scopes); site keys hold nothing guarded;
    services are trusted (mTLS-authenticated peers acting on an already-checked request).
    """
    if principal.kind is PrincipalKind.SERVICE:
        return True
    if principal.kind is PrincipalKind.USER:
        # A signed-in person carries a role per organization (org_roles from the access JWT).
        return role_permits(principal.role if org_id is None else principal.role_in(org_id), permission)
    if principal.kind is PrincipalKind.API_KEY:
        return permission in principal.scopes
    return False


def require_permission(principal: Principal, org_id: str, permission: str) -> None:
    """PERMISSION_DENIED (reason PERMISSION_MISSING) unless the principal holds `permission` in `org_id`.

    A principal of another organization is refused with reason ORG_ACCESS_DENIED; services that
    must not reveal existence answer NOT_FOUND before calling this.
    """
    if not principal.member_of(org_id):
        raise PermissionDenied(
            "The caller has no access to this organization",
            reason="ORG_ACCESS_DENIED",
            metadata={"org_id": org_id},
        )
    if not principal_permits(principal, permission, org_id):
        raise PermissionDenied(
            "The caller's role does not allow this",
            reason="PERMISSION_MISSING",
            metadata={"permission": permission},
        )
