"""The users domain's records, as the service layer and the servicers see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shared.permissions import Role


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    display_name: str
    avatar_uri: str
    locale: str
    time_zone: str
    email_verified: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    version: int


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    display_name: str
    billing_email: str
    time_zone: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    purge_at: datetime | None
    version: int
    member_count: int = 0
    caller_role: Role | None = None


@dataclass(frozen=True, slots=True)
class Member:
    org_id: str
    user_id: str
    role: Role
    email: str
    display_name: str
    avatar_uri: str
    inviter_id: str | None
    created_at: datetime
    updated_at: datetime
    last_active_at: datetime | None


class InvitationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Invitation:
    id: str
    org_id: str
    email: str
    role: Role
    state: InvitationState
    inviter_id: str | None
    inviter_display_name: str
    created_at: datetime
    expire_at: datetime
    last_send_at: datetime
    send_count: int
    accept_at: datetime | None
    revoke_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    org_id: str
    display_name: str
    key_prefix: str
    scopes: tuple[str, ...]
    sites: tuple[str, ...]
    creator_id: str | None
    created_at: datetime
    updated_at: datetime
    expire_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str
    rotate_at: datetime | None
    previous_expire_at: datetime | None
    revoke_at: datetime | None
    version: int

    def state(self, now: datetime) -> str:
        if self.revoke_at is not None:
            return "revoked"
        if self.expire_at is not None and self.expire_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    org_id: str | None
    user_id: str | None
    action: int
    outcome: int
    actor: str
    actor_display_name: str
    target: str
    target_display_name: str
    ip_address: str
    user_agent: str
    request_id: str
    details: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where a request came from, as the edge reported it (for the audit log and rate limits)."""

    ip: str = ""
    user_agent: str = ""
    request_id: str = ""
