"""Use cases of the users service: accounts, sessions, organizations, members, invitations, API keys,
audit log and privacy. Servicers and consumers call these; they speak domain types only."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.message import Message as ProtoMessage

from services.users.adapters.limiter import AttemptLimiter, Limit
from services.users.adapters.outbox import OutboxRelay
from services.users.adapters.postgres import Store, Tx
from services.users.domain import credentials
from services.users.domain.audit import AuditAction, AuditOutcome
from services.users.domain.credentials import Passwords
from services.users.domain.model import (
    ApiKey,
    AuditEntry,
    ClientInfo,
    Invitation,
    InvitationState,
    Member,
    Organization,
    User,
)
from services.users.domain.signing import (
    IssuedAccessToken,
    SigningKey,
    TokenSettings,
    issue_access_token,
    new_signing_key,
    verifying_keys,
)
from services.users.domain.validation import not_found
from shared.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
)
from shared.kafka_bus import make_envelope
from shared.mail import Email, Mailer
from shared.permissions import (
    ROLE_ORDER,
    Role,
    permissions_of_role,
    permissions_of_scopes,
    role_at_least,
    role_permits,
)
from socialproof.events.v1 import users_events_pb2 as ev
from socialproof.events.v1.envelope_pb2 import EventEnvelope

EVENT_ROLES = {
    Role.OWNER: ev.MEMBER_ROLE_OWNER,
    Role.ADMIN: ev.MEMBER_ROLE_ADMIN,
    Role.DESIGNER: ev.MEMBER_ROLE_DESIGNER,
    Role.ANALYST: ev.MEMBER_ROLE_ANALYST,
    Role.VIEWER: ev.MEMBER_ROLE_VIEWER,
}


@dataclass(frozen=True, slots=True)
class Policy:
    """Lifetimes and limits, from settings."""

    tokens: TokenSettings
    refresh_ttl: timedelta = timedelta(days=30)
    signing_key_rotation: timedelta = timedelta(days=30)
    reset_ttl: timedelta = timedelta(hours=1)
    verification_ttl: timedelta = timedelta(days=3)
    invitation_ttl: timedelta = timedelta(days=7)
    purge_after: timedelta = timedelta(days=30)
    api_key_cache_ttl: timedelta = timedelta(seconds=30)
    login_per_account: Limit = Limit(5, 900)  # noqa: RUF009 - immutable frozen dataclass default
    login_per_ip: Limit = Limit(50, 900)  # noqa: RUF009 - immutable frozen dataclass default
    reset_per_account: Limit = Limit(3, 3600)  # noqa: RUF009 - immutable frozen dataclass default
    reset_per_ip: Limit = Limit(20, 3600)  # noqa: RUF009 - immutable frozen dataclass default
    dashboard_url: str = "http://localhost:8080"
    users_topic: str = "users"


@dataclass(frozen=True, slots=True)
class Tokens:
    access: IssuedAccessToken
    refresh_token: str
    refresh_expire_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyDecision:
    api_key: ApiKey
    permissions: frozenset[str]
    expire_at: datetime | None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    next_after: tuple[str, str] | None = None
    total: int = 0


@dataclass
class _Pending:
    """Events and audit entries collected during a use case, written in its transaction."""

    events: list[tuple[str, EventEnvelope]] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime) -> Any:
    from google.protobuf.timestamp_pb2 import Timestamp

    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


class UsersService:
    def __init__(
        self,
        store: Store,
        passwords: Passwords,
        limiter: AttemptLimiter,
        mailer: Mailer,
        relay: OutboxRelay,
        policy: Policy,
    ) -> None:
        self.store = store
        self.passwords = passwords
        self.limiter = limiter
        self.mailer = mailer
        self.relay = relay
        self.policy = policy
        self._signing_key: SigningKey | None = None
        self._jwks: list[dict[str, str]] = []
        self._keys_loaded_at: datetime | None = None
        # Called with a key id (None: every key) after a change that can end a key's validity, so
        # caches of API-key decisions (the edge's ext_authz answers, edge_auth.py) drop them at once.
        self.api_key_listeners: list[Callable[[str | None], None]] = []

    def _api_keys_changed(self, key_id: str | None) -> None:
        for listener in self.api_key_listeners:
            listener(key_id)

    # ---- helpers -----------------------------------------------------------------------------

    async def _hash_password(self, password: str) -> str:
        return await asyncio.to_thread(self.passwords.hash, password)

    async def _check_password(self, stored: str | None, password: str) -> bool:
        return await asyncio.to_thread(self.passwords.verify, stored, password)

    async def _emit(self, tx: Tx, payload: ProtoMessage, org_id: str) -> None:
        if org_id:
            envelope = make_envelope(payload, org_id, producer="users")
        else:
            # UserErased for someone in no organization: the contract allows the one empty org id.
            envelope = EventEnvelope(
                event_id=str(uuid.uuid4()),
                event_type=payload.DESCRIPTOR.full_name,
                producer="users",
                schema_version=1,
            )
            envelope.occurred_at.GetCurrentTime()
            envelope.payload.Pack(payload)
        await tx.enqueue(self.policy.users_topic, org_id or envelope.event_id, envelope.SerializeToString())

    async def _audit(
        self,
        tx: Tx,
        action: AuditAction,
        client: ClientInfo,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        actor_user: User | None = None,
        actor: str = "",
        actor_display_name: str = "",
        target: str = "",
        target_display_name: str = "",
        outcome: AuditOutcome = AuditOutcome.SUCCESS,
        details: dict[str, str] | None = None,
    ) -> None:
        entry = AuditEntry(
            id=str(uuid.uuid4()),
            org_id=org_id,
            user_id=user_id,
            action=int(action),
            outcome=int(outcome),
            actor=f"users/{actor_user.id}" if actor_user else actor,
            actor_display_name=actor_user.display_name if actor_user else actor_display_name,
            target=target,
            target_display_name=target_display_name,
            ip_address=client.ip,
            user_agent=client.user_agent,
            request_id=client.request_id,
            details=details or {},
        )
        await tx.insert_audit(entry, actor_user.id if actor_user else None)

    async def _send(self, to: str, subject: str, body: str) -> None:
        await self.mailer.send(Email(to=(to,), subject=subject, text=body))

    async def _require_user(self, tx: Tx, user_id: str) -> User:
        user = await tx.user(user_id)
        if user is None:
            # The token outlived the account (erased): the caller is nobody now.
            raise Unauthenticated("The account no longer exists", reason="ACCOUNT_GONE")
        return user

    async def _org_role(
        self, tx: Tx, org_id: str, user_id: str, permission: str | None, *, allow_deleted: bool = False
    ) -> tuple[Organization, Role]:
        """The organization and the caller's role in it; NOT_FOUND for non-members (existence is not
        revealed), PERMISSION_DENIED (reason PERMISSION_MISSING) when the role lacks `permission`."""
        await tx.set_org(org_id)
        org = await tx.organization(org_id, user_id)
        if org is None or org.caller_role is None or (org.deleted_at is not None and not allow_deleted):
            raise not_found("Organization", f"organizations/{org_id}")
        if permission is not None and not role_permits(org.caller_role, permission):
            raise PermissionDenied(
                "Your role does not allow this",
                reason="PERMISSION_MISSING",
                metadata={"permission": permission, "role": org.caller_role.value},
            )
        return org, org.caller_role

    # ---- signing keys ------------------------------------------------------------------------

    async def ensure_signing_key(self, *, rotate: bool = False) -> SigningKey:
        """The key to sign with, creating the first one or a rotation when due (or forced)."""
        now = _now()
        async with self.store.tx() as tx:
            await tx.lock_signing_keys()
            keys = await tx.signing_keys()
            active = next((k for k in keys if k.retired_at is None), None)
            if rotate or active is None or now - active.created_at >= self.policy.signing_key_rotation:
                active = new_signing_key(now)
                await tx.insert_signing_key(active)
                # Old keys keep verifying until every token they signed has expired.
                await tx.retire_signing_keys(active.kid, now + self.policy.tokens.access_ttl)
                keys = await tx.signing_keys()
        self._signing_key = active
        self._jwks = [k.public_jwk() for k in verifying_keys(keys, now)]
        self._keys_loaded_at = now
        return active

    async def _key(self) -> SigningKey:
        # Another replica may have rotated: re-read at most once a minute.
        if (
            self._signing_key is None
            or self._keys_loaded_at is None
            or _now() - self._keys_loaded_at > timedelta(minutes=1)
        ):
            return await self.ensure_signing_key()
        return self._signing_key

    async def jwks(self) -> list[dict[str, str]]:
        await self._key()
        return list(self._jwks)

    async def rotate_signing_key(self) -> str:
        return (await self.ensure_signing_key(rotate=True)).kid

    # ---- sessions ----------------------------------------------------------------------------

    async def _access_token(self, tx: Tx, user: User, session_id: str) -> IssuedAccessToken:
        # Memberships are the user's own rows under RLS: a transaction opened before the user was
        # known (refresh: found by the token) must act as them, or the token says "no organizations".
        await tx.act_as_user(user.id)
        roles = await tx.memberships_of(user.id)
        return issue_access_token(
            await self._key(),
            self.policy.tokens,
            user_id=user.id,
            session_id=session_id,
            email_verified=user.email_verified,
            org_roles={org: role.value for org, role in roles.items()},
            now=_now(),
        )

    async def _new_session(self, tx: Tx, user: User) -> Tokens:
        expire_at = _now() + self.policy.refresh_ttl
        session_id = await tx.insert_session(user.id, expire_at)
        refresh = credentials.new_opaque_token()
        await tx.insert_refresh_token(session_id, credentials.token_hash(refresh))
        return Tokens(await self._access_token(tx, user, session_id), refresh, expire_at)

    # ---- accounts ----------------------------------------------------------------------------

    async def sign_up(
        self,
        *,
        email: str,
        password: str,
        display_name: str,
        organization_display_name: str,
        locale: str,
        time_zone: str,
        client: ClientInfo,
    ) -> tuple[User, Organization, Tokens]:
        password_hash = await self._hash_password(password)
        org_id = str(uuid.uuid4())
        async with self.store.tx(org_id=org_id) as tx:
            user = await tx.insert_user(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
                locale=locale,
                time_zone=time_zone,
                verified=False,
            )
            if user is None:
                raise AlreadyExists(
                    "An account with this email already exists",
                    reason="EMAIL_TAKEN",
                )
            await tx.set_user(user.id)
            org = await self._create_org(
                tx,
                user,
                org_id,
                organization_display_name or f"{display_name}'s organization",
                email,
                time_zone,
                None,
                client,
            )
            await self._audit(
                tx,
                AuditAction.USER_SIGNED_UP,
                client,
                user_id=user.id,
                actor_user=user,
                target=f"users/{user.id}",
            )
            await self._emit(
                tx, ev.UserCreated(user_id=user.id, org_id=org_id, create_time=_ts(user.created_at)), org_id
            )
            token = credentials.new_opaque_token()
            await tx.insert_email_token(
                user.id,
                credentials.token_hash(token),
                "email_verification",
                _now() + self.policy.verification_ttl,
            )
            tokens = await self._new_session(tx, user)
        await self.relay.flush_quietly()
        await self._send_verification(user.email, token)
        return user, org, tokens

    async def _send_verification(self, email: str, token: str) -> None:
        await self._send(
            email,
            "Verify your SocialProof email address",
            f"Confirm this address: {self.policy.dashboard_url}/verify-email?token={token}\n",
        )

    async def _guard(self, action: str, subjects: Sequence[tuple[str, Limit]]) -> None:
        for subject, limit in subjects:
            wait = await self.limiter.blocked_for(action, subject, limit)
            if wait:
                raise ResourceExhausted(
                    "Too many attempts; try again later",
                    retry_after_seconds=float(wait),
                    reason="TOO_MANY_ATTEMPTS",
                )

    async def login(self, *, email: str, password: str, client: ClientInfo) -> tuple[User, Tokens]:
        account = self.store.keys.keyed_hash(email, kind="email").hex()
        limits = [(f"account:{account}", self.policy.login_per_account)]
        if client.ip:
            limits.append((f"ip:{client.ip}", self.policy.login_per_ip))
        try:
            await self._guard("login", limits)
        except ResourceExhausted:
            async with self.store.tx() as tx:
                await self._audit(
                    tx,
                    AuditAction.LOGIN_FAILED,
                    client,
                    outcome=AuditOutcome.FAILURE,
                    details={"reason": "locked_out"},
                )
            raise
        async with self.store.tx() as tx:
            found = await tx.user_with_password(email)
        ok = await self._check_password(found[1] if found else None, password)
        if not ok or found is None:
            for subject, limit in limits:
                await self.limiter.record_failure("login", subject, limit)
            async with self.store.tx(user_id=found[0].id if found else None) as tx:
                await self._audit(
                    tx,
                    AuditAction.LOGIN_FAILED,
                    client,
                    user_id=found[0].id if found else None,
                    target=f"users/{found[0].id}" if found else "",
                    outcome=AuditOutcome.FAILURE,
                    details={"reason": "bad_credentials"},
                )
            raise Unauthenticated("Wrong email or password", reason="INVALID_CREDENTIALS")
        user, stored = found
        await self.limiter.reset("login", limits[0][0])
        new_hash = await self._hash_password(password) if self.passwords.needs_rehash(stored) else None
        async with self.store.tx(user_id=user.id) as tx:
            if new_hash:
                await tx.set_password(user.id, new_hash)
            await tx.mark_login(user.id)
            await self._audit(
                tx,
                AuditAction.LOGIN_SUCCEEDED,
                client,
                user_id=user.id,
                actor_user=user,
                target=f"users/{user.id}",
            )
            tokens = await self._new_session(tx, user)
        return user, tokens

    async def refresh(self, refresh_token: str, client: ClientInfo) -> Tokens:
        hashed = credentials.token_hash(refresh_token)
        reused_user: str | None = None
        async with self.store.tx() as tx:
            row = await tx.refresh_token(hashed)
            if row is None or row["revoked_at"] is not None or row["expire_at"] <= _now():
                raise Unauthenticated("The refresh token is not valid", reason="INVALID_REFRESH_TOKEN")
            if row["used_at"] is not None:
                # A spent token came back: it was stolen or replayed, so the whole family dies.
                await tx.revoke_session(str(row["session_id"]), "refresh_token_reused")
                reused_user = str(row["user_id"])
            else:
                user = await self._require_user(tx, str(row["user_id"]))
                await tx.spend_refresh_token(hashed)
                new_refresh = credentials.new_opaque_token()
                await tx.insert_refresh_token(str(row["session_id"]), credentials.token_hash(new_refresh))
                access = await self._access_token(tx, user, str(row["session_id"]))
                return Tokens(access, new_refresh, row["expire_at"])
        async with self.store.tx(user_id=reused_user) as tx:
            await self._audit(
                tx,
                AuditAction.REFRESH_TOKEN_REUSED,
                client,
                user_id=reused_user,
                target=f"users/{reused_user}",
                outcome=AuditOutcome.FAILURE,
            )
        raise Unauthenticated(
            "The refresh token was already used; the session is revoked", reason="REFRESH_TOKEN_REUSED"
        )

    async def logout(self, refresh_token: str, all_sessions: bool, client: ClientInfo) -> None:
        async with self.store.tx() as tx:
            row = await tx.refresh_token(credentials.token_hash(refresh_token))
            if row is None:
                raise Unauthenticated("The refresh token is not valid", reason="INVALID_REFRESH_TOKEN")
            user_id = str(row["user_id"])
            if all_sessions:
                await tx.revoke_user_sessions(user_id, "logout_all")
            else:
                await tx.revoke_session(str(row["session_id"]), "logout")
        async with self.store.tx(user_id=user_id) as tx:
            await self._audit(
                tx,
                AuditAction.LOGGED_OUT,
                client,
                user_id=user_id,
                actor=f"users/{user_id}",
                target=f"users/{user_id}",
            )

    async def request_password_reset(self, email: str, client: ClientInfo) -> None:
        account = self.store.keys.keyed_hash(email, kind="email").hex()
        limits = [(f"account:{account}", self.policy.reset_per_account)]
        if client.ip:
            limits.append((f"ip:{client.ip}", self.policy.reset_per_ip))
        await self._guard("reset", limits)
        for subject, limit in limits:
            # Every request counts: resets send email, so they are limited whether or not they succeed.
            await self.limiter.record_failure("reset", subject, limit)
        token = credentials.new_opaque_token()
        async with self.store.tx() as tx:
            user_id = await tx.user_id_by_email(email)
            if user_id is None:
                return
            user = await self._require_user(tx, user_id)
            await tx.insert_email_token(
                user_id, credentials.token_hash(token), "password_reset", _now() + self.policy.reset_ttl
            )
        async with self.store.tx(user_id=user_id) as tx:
            await self._audit(
                tx, AuditAction.PASSWORD_RESET_REQUESTED, client, user_id=user_id, target=f"users/{user_id}"
            )
        await self._send(
            user.email,
            "Reset your SocialProof password",
            f"Set a new password (valid for 1 hour):"
            f" {self.policy.dashboard_url}/reset-password?token={token}\n"
            "If you did not ask for this, ignore this email.\n",
        )

    async def confirm_password_reset(self, token: str, new_password: str, client: ClientInfo) -> None:
        password_hash = await self._hash_password(new_password)
        async with self.store.tx() as tx:
            user_id = await tx.take_email_token(credentials.token_hash(token), "password_reset")
            if user_id is None:
                raise InvalidArgument(
                    "The reset link is invalid or expired",
                    reason="INVALID_TOKEN",
                    violations=[FieldViolation("token", "is invalid, expired or already used")],
                )
            await tx.set_password(user_id, password_hash)
            await tx.revoke_user_sessions(user_id, "password_reset")
        async with self.store.tx(user_id=user_id) as tx:
            await self._audit(
                tx,
                AuditAction.PASSWORD_RESET,
                client,
                user_id=user_id,
                actor=f"users/{user_id}",
                target=f"users/{user_id}",
            )

    async def change_password(
        self, user_id: str, current: str, new: str, session_id: str, client: ClientInfo
    ) -> Tokens:
        async with self.store.tx(user_id=user_id) as tx:
            user = await self._require_user(tx, user_id)
            stored = await tx.password_hash(user_id)
        if not await self._check_password(stored, current):
            raise InvalidArgument(
                "The current password is wrong",
                reason="WRONG_PASSWORD",
                violations=[FieldViolation("current_password", "is wrong")],
            )
        new_hash = await self._hash_password(new)
        async with self.store.tx(user_id=user_id) as tx:
            await tx.set_password(user_id, new_hash)
            await tx.revoke_user_sessions(user_id, "password_changed")
            await self._audit(
                tx,
                AuditAction.PASSWORD_CHANGED,
                client,
                user_id=user_id,
                actor_user=user,
                target=f"users/{user_id}",
            )
            return await self._new_session(tx, user)

    async def send_verification(self, user_id: str) -> None:
        token = credentials.new_opaque_token()
        async with self.store.tx(user_id=user_id) as tx:
            user = await self._require_user(tx, user_id)
            if user.email_verified:
                raise FailedPrecondition("The email address is already verified", reason="ALREADY_VERIFIED")
            await tx.insert_email_token(
                user_id,
                credentials.token_hash(token),
                "email_verification",
                _now() + self.policy.verification_ttl,
            )
        await self._send_verification(user.email, token)

    async def verify_email(self, token: str, client: ClientInfo) -> User:
        async with self.store.tx() as tx:
            user_id = await tx.take_email_token(credentials.token_hash(token), "email_verification")
            if user_id is None:
                raise InvalidArgument(
                    "The verification link is invalid or expired",
                    reason="INVALID_TOKEN",
                    violations=[FieldViolation("token", "is invalid, expired or already used")],
                )
            await tx.mark_verified(user_id)
            user = await self._require_user(tx, user_id)
        async with self.store.tx(user_id=user_id) as tx:
            await self._audit(
                tx,
                AuditAction.EMAIL_VERIFIED,
                client,
                user_id=user_id,
                actor_user=user,
                target=f"users/{user_id}",
            )
        return user

    async def get_user(self, caller: str, user_id: str) -> User:
        if user_id != caller:
            raise not_found("User", f"users/{user_id}")
        async with self.store.tx(user_id=caller) as tx:
            return await self._require_user(tx, caller)

    async def update_user(self, caller: str, user_id: str, changes: dict[str, str], etag: str) -> User:
        if user_id != caller:
            raise not_found("User", f"users/{user_id}")
        version = _version(etag)
        async with self.store.tx(user_id=caller) as tx:
            await self._require_user(tx, caller)
            user = await tx.update_user(caller, changes, version)
            if user is None:
                raise Aborted("The user changed since it was read; read it again", reason="ETAG_MISMATCH")
            return user

    # ---- organizations -----------------------------------------------------------------------

    async def _create_org(
        self,
        tx: Tx,
        user: User,
        org_id: str,
        display_name: str,
        billing_email: str,
        time_zone: str,
        request_id: str | None,
        client: ClientInfo,
    ) -> Organization:
        await tx.insert_organization(
            org_id=org_id,
            display_name=display_name,
            billing_email=billing_email,
            time_zone=time_zone,
            creator=user.id,
            request_id=request_id,
        )
        await tx.insert_member(org_id, user.id, Role.OWNER, None)
        org = await tx.organization(org_id, user.id)
        assert org is not None
        await self._audit(
            tx,
            AuditAction.ORGANIZATION_CREATED,
            client,
            org_id=org_id,
            actor_user=user,
            target=f"organizations/{org_id}",
            target_display_name=display_name,
        )
        await self._emit(
            tx,
            ev.OrganizationCreated(
                org_id=org_id,
                display_name=display_name,
                billing_email=billing_email,
                owner_user_id=user.id,
                create_time=_ts(org.created_at),
            ),
            org_id,
        )
        await self._emit(
            tx,
            ev.MemberChanged(
                org_id=org_id,
                user_id=user.id,
                change_type=ev.MEMBER_CHANGE_TYPE_ADDED,
                new_role=ev.MEMBER_ROLE_OWNER,
                actor_user_id=user.id,
                member_count=1,
                change_time=_ts(org.created_at),
            ),
            org_id,
        )
        return org

    async def create_organization(
        self,
        caller: str,
        *,
        display_name: str,
        billing_email: str,
        time_zone: str,
        request_id: str,
        client: ClientInfo,
    ) -> Organization:
        if request_id:
            async with self.store.tx(user_id=caller) as tx:
                existing = await tx.org_by_request(caller, request_id)
            if existing:
                async with self.store.tx(org_id=existing, user_id=caller) as tx:
                    org = await tx.organization(existing, caller)
                    if org is not None:
                        return org
        org_id = str(uuid.uuid4())
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            user = await self._require_user(tx, caller)
            org = await self._create_org(
                tx,
                user,
                org_id,
                display_name,
                billing_email or user.email,
                time_zone,
                request_id or None,
                client,
            )
        await self.relay.flush_quietly()
        return org

    async def get_organization(self, caller: str, org_id: str) -> Organization:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            org, _ = await self._org_role(tx, org_id, caller, "organizations.get", allow_deleted=True)
            return org

    async def list_organizations(
        self, caller: str, *, show_deleted: bool, after: tuple[str, str] | None, limit: int
    ) -> Page:
        async with self.store.tx(user_id=caller) as tx:
            orgs = await tx.organizations_of(caller, show_deleted=show_deleted, after=after, limit=limit + 1)
        more = len(orgs) > limit
        orgs = orgs[:limit]
        return Page(orgs, (orgs[-1].display_name, orgs[-1].id) if more else None)

    async def update_organization(
        self, caller: str, org_id: str, changes: dict[str, str], etag: str, client: ClientInfo
    ) -> Organization:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            org, _ = await self._org_role(tx, org_id, caller, "organizations.update")
            locked = await tx.organization(org_id, caller, lock=True)
            if etag and locked is not None and _version(etag) != locked.version:
                raise Aborted("The organization changed since it was read", reason="ETAG_MISMATCH")
            user = await self._require_user(tx, caller)
            await tx.update_organization(org_id, changes)
            await self._audit(
                tx,
                AuditAction.ORGANIZATION_UPDATED,
                client,
                org_id=org_id,
                actor_user=user,
                target=f"organizations/{org_id}",
                details={"fields": ",".join(sorted(changes))},
            )
            updated = await tx.organization(org_id, caller)
            assert updated is not None
            return updated

    async def delete_organization(
        self, caller: str, org_id: str, etag: str, client: ClientInfo
    ) -> Organization:
        now = _now()
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            org, _ = await self._org_role(tx, org_id, caller, "organizations.delete")
            if etag and _version(etag) != org.version:
                raise Aborted("The organization changed since it was read", reason="ETAG_MISMATCH")
            user = await self._require_user(tx, caller)
            purge_at = now + self.policy.purge_after
            await tx.set_org_deleted(org_id, now, purge_at)
            await self._audit(
                tx,
                AuditAction.ORGANIZATION_DELETED,
                client,
                org_id=org_id,
                actor_user=user,
                target=f"organizations/{org_id}",
                target_display_name=org.display_name,
            )
            await self._emit(
                tx,
                ev.OrganizationDeleted(
                    org_id=org_id,
                    stage=ev.ORGANIZATION_DELETION_STAGE_SOFT_DELETED,
                    actor_user_id=caller,
                    delete_time=_ts(now),
                    purge_time=_ts(purge_at),
                ),
                org_id,
            )
            deleted = await tx.organization(org_id, caller)
            assert deleted is not None
        self._api_keys_changed(None)  # the org's keys stop working with it
        await self.relay.flush_quietly()
        return deleted

    async def undelete_organization(self, caller: str, org_id: str, client: ClientInfo) -> Organization:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            org, _ = await self._org_role(tx, org_id, caller, "organizations.undelete", allow_deleted=True)
            if org.deleted_at is None:
                raise FailedPrecondition("The organization is not deleted", reason="NOT_DELETED")
            user = await self._require_user(tx, caller)
            await tx.set_org_deleted(org_id, None, None)
            await self._audit(
                tx,
                AuditAction.ORGANIZATION_RESTORED,
                client,
                org_id=org_id,
                actor_user=user,
                target=f"organizations/{org_id}",
            )
            await self._emit(
                tx,
                ev.OrganizationRestored(org_id=org_id, actor_user_id=caller, restore_time=_ts(_now())),
                org_id,
            )
            restored = await tx.organization(org_id, caller)
            assert restored is not None
        await self.relay.flush_quietly()
        return restored

    async def purge_due_organizations(self, now: datetime | None = None) -> list[str]:
        """Deletes for good every organization whose grace period has ended (run periodically)."""
        when = now or _now()
        async with self.store.tx() as tx:
            due = await tx.orgs_due_for_purge(when)
        for org_id in due:
            async with self.store.tx(org_id=org_id) as tx:
                await tx.purge_organization(org_id)
                await self._emit(
                    tx,
                    ev.OrganizationDeleted(
                        org_id=org_id, stage=ev.ORGANIZATION_DELETION_STAGE_PURGED, purge_time=_ts(when)
                    ),
                    org_id,
                )
        await self.relay.flush_quietly()
        return due

    # ---- members -----------------------------------------------------------------------------

    async def get_member(self, caller: str, org_id: str, user_id: str) -> Member:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "members.get")
            member = await tx.member(org_id, caller if user_id == "me" else user_id)
            if member is None:
                raise not_found("Member", f"organizations/{org_id}/members/{user_id}")
            return member

    async def list_members(
        self, caller: str, org_id: str, roles: Sequence[Role], order_by: str
    ) -> list[Member]:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "members.list")
            members = await tx.members(org_id, [r.value for r in roles])
        if order_by == "create_time desc":
            members.sort(key=lambda m: (m.created_at, m.user_id), reverse=True)
        elif order_by == "role":
            members.sort(key=lambda m: (ROLE_ORDER.index(m.role), m.display_name.lower(), m.user_id))
        else:
            members.sort(key=lambda m: (m.display_name.lower(), m.user_id))
        return members

    async def _member_changed(
        self, tx: Tx, org_id: str, user_id: str, change: int, old: Role | None, new: Role | None, actor: str
    ) -> None:
        count = await tx.member_count(org_id)
        await self._emit(
            tx,
            ev.MemberChanged(
                org_id=org_id,
                user_id=user_id,
                change_type=change,  # type: ignore[arg-type]
                old_role=EVENT_ROLES[old] if old else ev.MEMBER_ROLE_UNSPECIFIED,
                new_role=EVENT_ROLES[new] if new else ev.MEMBER_ROLE_UNSPECIFIED,
                actor_user_id=actor,
                member_count=count,
                change_time=_ts(_now()),
            ),
            org_id,
        )

    async def update_member_role(
        self, caller: str, org_id: str, user_id: str, role: Role, client: ClientInfo
    ) -> Member:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            _, caller_role = await self._org_role(tx, org_id, caller, "members.update")
            target_id = caller if user_id == "me" else user_id
            target = await tx.member(org_id, target_id, lock=True)
            if target is None:
                raise not_found("Member", f"organizations/{org_id}/members/{user_id}")
            if (role is Role.OWNER or target.role is Role.OWNER) and caller_role is not Role.OWNER:
                raise PermissionDenied(
                    "Only an owner may grant or take away the owner role",
                    reason="PERMISSION_MISSING",
                    metadata={"permission": "members.grantOwner", "role": caller_role.value},
                )
            if (
                target.role is Role.OWNER
                and role is not Role.OWNER
                and await tx.owners(org_id) == [target_id]
            ):
                raise FailedPrecondition("An organization needs at least one owner", reason="LAST_OWNER")
            if target.role is not role:
                actor = await self._require_user(tx, caller)
                await tx.set_role(org_id, target_id, role)
                await self._audit(
                    tx,
                    AuditAction.MEMBER_ROLE_CHANGED,
                    client,
                    org_id=org_id,
                    actor_user=actor,
                    target=f"organizations/{org_id}/members/{target_id}",
                    target_display_name=target.email,
                    details={"old_role": target.role.value, "new_role": role.value},
                )
                await self._member_changed(
                    tx, org_id, target_id, ev.MEMBER_CHANGE_TYPE_ROLE_CHANGED, target.role, role, caller
                )
            updated = await tx.member(org_id, target_id)
            assert updated is not None
        await self.relay.flush_quietly()
        return updated

    async def delete_member(self, caller: str, org_id: str, user_id: str, client: ClientInfo) -> None:
        target_id = caller if user_id == "me" else user_id
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            # Leaving needs no permission; removing someone else needs admin.
            _, caller_role = await self._org_role(
                tx, org_id, caller, None if target_id == caller else "members.delete"
            )
            target = await tx.member(org_id, target_id, lock=True)
            if target is None:
                raise not_found("Member", f"organizations/{org_id}/members/{user_id}")
            if target.role is Role.OWNER and target_id != caller and caller_role is not Role.OWNER:
                raise PermissionDenied(
                    "Only an owner may remove an owner",
                    reason="PERMISSION_MISSING",
                    metadata={"permission": "members.grantOwner", "role": caller_role.value},
                )
            if target.role is Role.OWNER and await tx.owners(org_id) == [target_id]:
                raise FailedPrecondition(
                    "The last owner cannot leave; transfer ownership first", reason="LAST_OWNER"
                )
            actor = await self._require_user(tx, caller)
            await tx.delete_member(org_id, target_id)
            await self._audit(
                tx,
                AuditAction.MEMBER_REMOVED,
                client,
                org_id=org_id,
                actor_user=actor,
                target=f"organizations/{org_id}/members/{target_id}",
                target_display_name=target.email,
                details={"role": target.role.value, "left": str(target_id == caller).lower()},
            )
            await self._member_changed(
                tx, org_id, target_id, ev.MEMBER_CHANGE_TYPE_REMOVED, target.role, None, caller
            )
        await self.relay.flush_quietly()

    async def transfer_ownership(
        self, caller: str, org_id: str, new_owner_id: str, client: ClientInfo
    ) -> tuple[Organization, Member, Member]:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "organizations.transferOwnership")
            target = await tx.member(org_id, new_owner_id, lock=True)
            if target is None:
                raise not_found("Member", f"organizations/{org_id}/members/{new_owner_id}")
            if new_owner_id == caller:
                raise FailedPrecondition("You already own this organization", reason="ALREADY_OWNER")
            actor = await self._require_user(tx, caller)
            await tx.set_role(org_id, new_owner_id, Role.OWNER)
            await tx.set_role(org_id, caller, Role.ADMIN)
            await self._audit(
                tx,
                AuditAction.OWNERSHIP_TRANSFERRED,
                client,
                org_id=org_id,
                actor_user=actor,
                target=f"organizations/{org_id}/members/{new_owner_id}",
                target_display_name=target.email,
                details={"old_role": target.role.value},
            )
            await self._member_changed(
                tx, org_id, new_owner_id, ev.MEMBER_CHANGE_TYPE_ROLE_CHANGED, target.role, Role.OWNER, caller
            )
            await self._member_changed(
                tx, org_id, caller, ev.MEMBER_CHANGE_TYPE_ROLE_CHANGED, Role.OWNER, Role.ADMIN, caller
            )
            org = await tx.organization(org_id, caller)
            new_owner = await tx.member(org_id, new_owner_id)
            previous = await tx.member(org_id, caller)
            assert org and new_owner and previous
        await self.relay.flush_quietly()
        return org, new_owner, previous

    # ---- invitations -------------------------------------------------------------------------

    @staticmethod
    def _invitation_token(org_id: str) -> str:
        # The organization travels in the token so the accept screen can open the right tenant
        # before the (hashed) secret part is checked.
        return f"{uuid.UUID(org_id).hex}.{credentials.new_opaque_token()}"

    @staticmethod
    def _org_of_token(token: str) -> str | None:
        head, dot, _ = token.partition(".")
        try:
            return str(uuid.UUID(hex=head)) if dot and len(head) == 32 else None
        except ValueError:
            return None

    async def _send_invitation(self, email: str, org_name: str, inviter: str, role: Role, token: str) -> None:
        await self._send(
            email,
            f"{inviter} invited you to {org_name} on SocialProof",
            f"You are invited to join {org_name} as {role.value}.\n"
            f"Accept (valid for 7 days): {self.policy.dashboard_url}/invitations/accept?token={token}\n",
        )

    async def create_invitation(
        self, caller: str, org_id: str, email: str, role: Role, request_id: str, client: ClientInfo
    ) -> Invitation:
        now = _now()
        token = self._invitation_token(org_id)
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            org, caller_role = await self._org_role(tx, org_id, caller, "invitations.create")
            if role is Role.OWNER and not role_permits(caller_role, "invitations.createOwner"):
                raise PermissionDenied(
                    "Only an owner may invite an owner",
                    reason="PERMISSION_MISSING",
                    metadata={"permission": "invitations.createOwner", "role": caller_role.value},
                )
            if request_id:
                existing = await tx.invitation_by_request(org_id, request_id)
                if existing:
                    found = await tx.invitation(org_id, existing, now)
                    assert found is not None
                    return found
            existing_user = await tx.user_id_by_email(email)
            if existing_user and await tx.role_of(org_id, existing_user):
                raise FailedPrecondition("This person is already a member", reason="ALREADY_MEMBER")
            if await tx.pending_invitation_for(org_id, email, now):
                raise AlreadyExists(
                    "A pending invitation for this address exists; resend it", reason="INVITATION_PENDING"
                )
            actor = await self._require_user(tx, caller)
            iid = await tx.insert_invitation(
                org_id=org_id,
                email=email,
                role=role,
                inviter=caller,
                token_hash=credentials.token_hash(token),
                expire_at=now + self.policy.invitation_ttl,
                request_id=request_id or None,
            )
            await self._audit(
                tx,
                AuditAction.INVITATION_CREATED,
                client,
                org_id=org_id,
                actor_user=actor,
                target=f"organizations/{org_id}/invitations/{iid}",
                target_display_name=email,
                details={"role": role.value},
            )
            invitation = await tx.invitation(org_id, iid, now)
            assert invitation is not None
        await self._send_invitation(email, org.display_name, actor.display_name, role, token)
        return invitation

    async def get_invitation(self, caller: str, org_id: str, invitation_id: str) -> Invitation:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "invitations.get")
            found = await tx.invitation(org_id, invitation_id, _now())
            if found is None:
                raise not_found("Invitation", f"organizations/{org_id}/invitations/{invitation_id}")
            return found

    async def list_invitations(
        self, caller: str, org_id: str, states: Sequence[str], after: tuple[str, str] | None, limit: int
    ) -> Page:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "invitations.list")
            found = await tx.invitations(org_id, states or ["pending"], _now(), after=after, limit=limit + 1)
        more = len(found) > limit
        found = found[:limit]
        return Page(found, (found[-1].created_at.isoformat(), found[-1].id) if more else None)

    async def revoke_invitation(
        self, caller: str, org_id: str, invitation_id: str, client: ClientInfo
    ) -> Invitation:
        now = _now()
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "invitations.revoke")
            found = await tx.invitation(org_id, invitation_id, now, lock=True)
            if found is None:
                raise not_found("Invitation", f"organizations/{org_id}/invitations/{invitation_id}")
            if found.state is not InvitationState.PENDING:
                raise FailedPrecondition(
                    f"The invitation is {found.state.value}", reason="INVITATION_NOT_PENDING"
                )
            actor = await self._require_user(tx, caller)
            await tx.set_invitation_state(invitation_id, InvitationState.REVOKED)
            await self._audit(
                tx,
                AuditAction.INVITATION_REVOKED,
                client,
                org_id=org_id,
                actor_user=actor,
                target=f"organizations/{org_id}/invitations/{invitation_id}",
                target_display_name=found.email,
            )
            revoked = await tx.invitation(org_id, invitation_id, now)
            assert revoked is not None
            return revoked

    async def resend_invitation(
        self, caller: str, org_id: str, invitation_id: str, client: ClientInfo
    ) -> Invitation:
        now = _now()
        token = self._invitation_token(org_id)
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            org, _ = await self._org_role(tx, org_id, caller, "invitations.resend")
            found = await tx.invitation(org_id, invitation_id, now, lock=True)
            if found is None:
                raise not_found("Invitation", f"organizations/{org_id}/invitations/{invitation_id}")
            if found.state not in (InvitationState.PENDING, InvitationState.EXPIRED):
                raise FailedPrecondition(
                    f"The invitation is {found.state.value}", reason="INVITATION_NOT_PENDING"
                )
            actor = await self._require_user(tx, caller)
            await tx.resend_invitation(
                invitation_id, credentials.token_hash(token), now + self.policy.invitation_ttl
            )
            await self._audit(
                tx,
                AuditAction.INVITATION_RESENT,
                client,
                org_id=org_id,
                actor_user=actor,
                target=f"organizations/{org_id}/invitations/{invitation_id}",
                target_display_name=found.email,
            )
            updated = await tx.invitation(org_id, invitation_id, now)
            assert updated is not None
        await self._send_invitation(found.email, org.display_name, actor.display_name, found.role, token)
        return updated

    async def _usable_invitation(self, tx: Tx, token: str) -> Invitation:
        org_id = self._org_of_token(token)
        bad = InvalidArgument(
            "The invitation link is invalid or expired",
            reason="INVALID_TOKEN",
            violations=[FieldViolation("token", "is invalid, expired, revoked or already used")],
        )
        if org_id is None:
            raise bad
        await tx.set_org(org_id)
        found = await tx.invitation_by_token(credentials.token_hash(token), _now())
        if found is None or found.state is not InvitationState.PENDING:
            raise bad
        return found

    async def lookup_invitation(self, token: str) -> tuple[Invitation, str, bool]:
        async with self.store.tx() as tx:
            invitation = await self._usable_invitation(tx, token)
            org = await tx.organization(invitation.org_id, None)
            exists = await tx.user_id_by_email(invitation.email) is not None
            return invitation, org.display_name if org else "", exists

    async def accept_invitation(
        self, caller: str | None, token: str, display_name: str, password: str, client: ClientInfo
    ) -> tuple[Member, User, Tokens | None]:
        password_hash = await self._hash_password(password) if caller is None and password else None
        async with self.store.tx(user_id=caller) as tx:
            invitation = await self._usable_invitation(tx, token)
            org = await tx.organization(invitation.org_id, None)
            if org is None or org.deleted_at is not None:
                raise FailedPrecondition("The organization no longer exists", reason="ORGANIZATION_DELETED")
            if caller is not None:
                user = await self._require_user(tx, caller)
                if user.email.lower() != invitation.email.lower():
                    raise PermissionDenied(
                        "This invitation is for another email address", reason="INVITATION_EMAIL_MISMATCH"
                    )
            else:
                if await tx.user_id_by_email(invitation.email):
                    raise FailedPrecondition(
                        "An account with this email exists: sign in to accept", reason="SIGN_IN_REQUIRED"
                    )
                problems = []
                if not display_name.strip():
                    problems.append(FieldViolation("display_name", "is required to create an account"))
                if not password_hash:
                    problems.append(FieldViolation("password", "is required to create an account"))
                if problems:
                    raise InvalidArgument("The new account needs a name and a password", violations=problems)
                created = await tx.insert_user(
                    email=invitation.email,
                    display_name=display_name.strip(),
                    password_hash=password_hash or "",
                    locale="",
                    time_zone="",
                    verified=True,  # the token arrived by email, which proves the address
                )
                if created is None:
                    raise Aborted("The account was created concurrently; try again", reason="CONFLICT")
                user = created
                await self._audit(
                    tx,
                    AuditAction.USER_SIGNED_UP,
                    client,
                    user_id=user.id,
                    actor_user=user,
                    target=f"users/{user.id}",
                )
                await self._emit(
                    tx,
                    ev.UserCreated(
                        user_id=user.id, org_id=invitation.org_id, create_time=_ts(user.created_at)
                    ),
                    invitation.org_id,
                )
            if await tx.role_of(invitation.org_id, user.id):
                raise FailedPrecondition("You are already a member", reason="ALREADY_MEMBER")
            await tx.insert_member(invitation.org_id, user.id, invitation.role, invitation.inviter_id)
            await tx.set_invitation_state(invitation.id, InvitationState.ACCEPTED)
            await self._audit(
                tx,
                AuditAction.INVITATION_ACCEPTED,
                client,
                org_id=invitation.org_id,
                actor_user=user,
                target=f"organizations/{invitation.org_id}/invitations/{invitation.id}",
                target_display_name=invitation.email,
                details={"role": invitation.role.value},
            )
            await self._audit(
                tx,
                AuditAction.MEMBER_ADDED,
                client,
                org_id=invitation.org_id,
                actor_user=user,
                target=f"organizations/{invitation.org_id}/members/{user.id}",
                target_display_name=invitation.email,
                details={"role": invitation.role.value},
            )
            await self._member_changed(
                tx, invitation.org_id, user.id, ev.MEMBER_CHANGE_TYPE_ADDED, None, invitation.role, user.id
            )
            member = await tx.member(invitation.org_id, user.id)
            assert member is not None
            tokens = await self._new_session(tx, user) if caller is None else None
        await self.relay.flush_quietly()
        return member, user, tokens

    # ---- API keys ----------------------------------------------------------------------------

    def _secret_hash(self, secret: str) -> bytes:
        return self.store.keys.keyed_hash(secret, kind="api_key")

    async def create_api_key(
        self,
        caller: str,
        org_id: str,
        *,
        display_name: str,
        scopes: Sequence[str],
        sites: Sequence[str],
        expire_at: datetime | None,
        request_id: str,
        client: ClientInfo,
    ) -> tuple[ApiKey, str]:
        prefix = credentials.new_api_key_prefix()
        secret = credentials.new_api_key_secret(prefix)
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "apiKeys.create")
            if request_id and await tx.api_key_by_request(org_id, request_id):
                raise FailedPrecondition(
                    "This request already created a key whose secret cannot be shown again; revoke it and"
                    " create another",
                    reason="SECRET_ALREADY_SHOWN",
                )
            actor = await self._require_user(tx, caller)
            key_id = await tx.insert_api_key(
                org_id=org_id,
                display_name=display_name,
                prefix=prefix,
                secret_hash=self._secret_hash(secret),
                scopes=scopes,
                sites=sites,
                creator=caller,
                expire_at=expire_at,
                request_id=request_id or None,
            )
            await self._audit(
                tx,
                AuditAction.API_KEY_CREATED,
                client,
                org_id=org_id,
                actor_user=actor,
                target=f"organizations/{org_id}/apiKeys/{key_id}",
                target_display_name=display_name,
                details={"scopes": ",".join(sorted(scopes))},
            )
            key = await tx.api_key(org_id, key_id)
            assert key is not None
            return key, secret

    async def get_api_key(self, caller: str, org_id: str, key_id: str) -> ApiKey:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "apiKeys.get")
            key = await tx.api_key(org_id, key_id)
            if key is None:
                raise not_found("API key", f"organizations/{org_id}/apiKeys/{key_id}")
            return key

    async def list_api_keys(
        self, caller: str, org_id: str, show_inactive: bool, after: tuple[str, str] | None, limit: int
    ) -> Page:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "apiKeys.list")
            keys = await tx.api_keys(
                org_id, show_inactive=show_inactive, now=_now(), after=after, limit=limit + 1
            )
        more = len(keys) > limit
        keys = keys[:limit]
        return Page(keys, (keys[-1].created_at.isoformat(), keys[-1].id) if more else None)

    async def update_api_key(
        self, caller: str, org_id: str, key_id: str, changes: dict[str, Any], etag: str, client: ClientInfo
    ) -> ApiKey:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "apiKeys.update")
            key = await tx.api_key(org_id, key_id, lock=True)
            if key is None:
                raise not_found("API key", f"organizations/{org_id}/apiKeys/{key_id}")
            if key.revoke_at is not None:
                raise FailedPrecondition("The key is revoked", reason="API_KEY_REVOKED")
            if etag and _version(etag) != key.version:
                raise Aborted("The key changed since it was read", reason="ETAG_MISMATCH")
            actor = await self._require_user(tx, caller)
            await tx.update_api_key(key_id, changes)
            await self._audit(
                tx,
                AuditAction.API_KEY_UPDATED,
                client,
                org_id=org_id,
                actor_user=actor,
                target=f"organizations/{org_id}/apiKeys/{key_id}",
                target_display_name=key.display_name,
                details={"fields": ",".join(sorted(changes))},
            )
            updated = await tx.api_key(org_id, key_id)
            assert updated is not None
        self._api_keys_changed(key_id)
        return updated

    async def rotate_api_key(
        self, caller: str, org_id: str, key_id: str, grace: timedelta, client: ClientInfo
    ) -> tuple[ApiKey, str]:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "apiKeys.rotate")
            key = await tx.api_key(org_id, key_id, lock=True)
            if key is None:
                raise not_found("API key", f"organizations/{org_id}/apiKeys/{key_id}")
            if key.revoke_at is not None:
                raise FailedPrecondition("The key is revoked", reason="API_KEY_REVOKED")
            secret = credentials.new_api_key_secret(key.key_prefix)
            actor = await self._require_user(tx, caller)
            await tx.rotate_api_key(key_id, self._secret_hash(secret), _now() + grace if grace else None)
            await self._audit(
                tx,
                AuditAction.API_KEY_ROTATED,
                client,
                org_id=org_id,
                actor_user=actor,
                target=f"organizations/{org_id}/apiKeys/{key_id}",
                target_display_name=key.display_name,
                details={"grace_seconds": str(int(grace.total_seconds()))},
            )
            rotated = await tx.api_key(org_id, key_id)
            assert rotated is not None
        self._api_keys_changed(key_id)
        return rotated, secret

    async def revoke_api_key(self, caller: str, org_id: str, key_id: str, client: ClientInfo) -> ApiKey:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            await self._org_role(tx, org_id, caller, "apiKeys.revoke")
            key = await tx.api_key(org_id, key_id, lock=True)
            if key is None:
                raise not_found("API key", f"organizations/{org_id}/apiKeys/{key_id}")
            actor = await self._require_user(tx, caller)
            if key.revoke_at is None:
                await tx.revoke_api_key(key_id)
                await self._audit(
                    tx,
                    AuditAction.API_KEY_REVOKED,
                    client,
                    org_id=org_id,
                    actor_user=actor,
                    target=f"organizations/{org_id}/apiKeys/{key_id}",
                    target_display_name=key.display_name,
                )
            revoked = await tx.api_key(org_id, key_id)
            assert revoked is not None
        self._api_keys_changed(key_id)
        return revoked

    async def verify_api_key(
        self,
        secret: str,
        required_scope: str | None,
        resource_org: str | None,
        resource_site: str | None,
        client_ip: str,
    ) -> ApiKeyDecision:
        invalid = Unauthenticated("The API key is not valid", reason="INVALID_API_KEY")
        prefix = credentials.parse_api_key(secret)
        if prefix is None:
            raise invalid
        now = _now()
        async with self.store.tx() as tx:
            owner = await tx.api_key_prefix_owner(prefix)
            if owner is None:
                raise invalid
            org_id, key_id = owner
            await tx.set_org(org_id)
            key = await tx.api_key(org_id, key_id)
            hashes = await tx.api_key_hashes(key_id)
            org = await tx.organization(org_id, None)
            if key is None or hashes is None or org is None:
                raise invalid
            presented = self._secret_hash(secret)
            current = credentials.same_hash(bytes(hashes["secret_hash"]), presented)
            previous = (
                hashes["previous_secret_hash"] is not None
                and hashes["previous_expire_at"] is not None
                and hashes["previous_expire_at"] > now
                and credentials.same_hash(bytes(hashes["previous_secret_hash"]), presented)
            )
            if not (current or previous) or key.state(now) != "active" or org.deleted_at is not None:
                raise invalid
            if resource_org is not None and resource_org != org_id:
                raise PermissionDenied(
                    "The API key belongs to another organization", reason="ORG_ACCESS_DENIED"
                )
            if (
                resource_site is not None
                and key.sites
                and f"organizations/{org_id}/sites/{resource_site}" not in key.sites
            ):
                raise PermissionDenied("The API key is not allowed for this site", reason="SITE_NOT_ALLOWED")
            if required_scope is not None and required_scope not in key.scopes:
                raise PermissionDenied(
                    "The API key lacks a required scope",
                    reason="SCOPE_MISSING",
                    metadata={"scope": required_scope},
                )
            await tx.touch_api_key(key_id, client_ip, now)
        expire = key.expire_at
        if previous and not current:
            expire = min(filter(None, [expire, hashes["previous_expire_at"]]))
        return ApiKeyDecision(key, permissions_of_scopes(key.scopes), expire)

    # ---- authorization -----------------------------------------------------------------------

    async def check_permission(
        self, subject_kind: str, subject_id: str, org_id: str, permission: str
    ) -> tuple[bool, bool, Role | None]:
        async with self.store.tx(org_id=org_id) as tx:
            org = await tx.organization(org_id, subject_id if subject_kind == "user" else None)
            if org is None or org.deleted_at is not None:
                return False, False, None
            if subject_kind == "user":
                role = await tx.role_of(org_id, subject_id)
                if role is None:
                    return False, False, None
                return permission in permissions_of_role(role), True, role
            key = await tx.api_key(org_id, subject_id)
            if key is None or key.state(_now()) != "active":
                return False, False, None
            return permission in permissions_of_scopes(key.scopes), True, None

    # ---- audit -------------------------------------------------------------------------------

    async def list_audit(
        self,
        caller: str,
        *,
        org_id: str | None,
        user_id: str | None,
        actions: Sequence[int],
        actor: str,
        target: str,
        outcome: int,
        start: datetime | None,
        end: datetime | None,
        after: tuple[str, str] | None,
        limit: int,
    ) -> Page:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            if org_id is not None:
                await self._org_role(tx, org_id, caller, "auditLogEntries.list")
            elif user_id != caller:
                raise not_found("User", f"users/{user_id}")
            entries = await tx.audit_entries(
                org_id=org_id,
                user_id=caller if org_id is None else None,
                actions=actions,
                actor=actor,
                target=target,
                outcome=outcome,
                start=start,
                end=end,
                after=after,
                limit=limit + 1,
            )
        more = len(entries) > limit
        entries = entries[:limit]
        last = entries[-1] if entries else None
        return Page(
            entries, (last.created_at.isoformat(), last.id) if more and last and last.created_at else None
        )

    async def get_audit_entry(
        self, caller: str, *, org_id: str | None, user_id: str | None, entry_id: str
    ) -> AuditEntry:
        async with self.store.tx(org_id=org_id, user_id=caller) as tx:
            if org_id is not None:
                await self._org_role(tx, org_id, caller, "auditLogEntries.get")
            elif user_id != caller:
                raise not_found("User", f"users/{user_id}")
            entry = await tx.audit_entry(entry_id, org_id=org_id, user_id=caller if org_id is None else None)
            if entry is None:
                raise not_found("Audit log entry", entry_id)
            return entry

    # ---- privacy -----------------------------------------------------------------------------

    async def export_user_data(self, caller: str, user_id: str, client: ClientInfo) -> bytes:
        if user_id != caller:
            raise not_found("User", f"users/{user_id}")
        async with self.store.tx(user_id=caller) as tx:
            user = await self._require_user(tx, caller)
            memberships = await tx.memberships_of(caller)
            sessions = await tx.sessions_of(caller)
            invitations_received = await tx.invitations_for_email(user.email)
            personal_log = await tx.audit_entries(
                org_id=None,
                user_id=caller,
                actions=(),
                actor="",
                target="",
                outcome=0,
                start=None,
                end=None,
                after=None,
                limit=10_000,
            )
            org_data: list[dict[str, Any]] = []
            for org_id, role in memberships.items():
                await tx.set_org(org_id)
                org = await tx.organization(org_id, caller)
                keys = [k for k in await tx.api_keys_created_by(caller) if str(k["org_id"]) == org_id]
                entries = [e for e in await tx.audit_about_user(caller) if e.org_id == org_id]
                org_data.append(
                    {
                        "organization": f"organizations/{org_id}",
                        "display_name": org.display_name if org else "",
                        "role": role.value,
                        "api_keys_created": [
                            {
                                "name": f"organizations/{org_id}/apiKeys/{k['id']}",
                                "display_name": k["display_name"],
                                "key_prefix": credentials.api_key_display_prefix(k["key_prefix"]),
                                "scopes": list(k["scopes"]),
                                "create_time": k["created_at"].isoformat(),
                                "revoke_time": k["revoke_at"].isoformat() if k["revoke_at"] else None,
                            }
                            for k in keys
                        ],
                        "audit_log": [_audit_json(e) for e in entries],
                    }
                )
            await self._audit(
                tx,
                AuditAction.DATA_EXPORTED,
                client,
                user_id=caller,
                actor_user=user,
                target=f"users/{caller}",
            )
        document = {
            "user": {
                "name": f"users/{user.id}",
                "email": user.email,
                "email_verified": user.email_verified,
                "display_name": user.display_name,
                "avatar_uri": user.avatar_uri,
                "locale": user.locale,
                "time_zone": user.time_zone,
                "create_time": user.created_at.isoformat(),
                "last_login_time": user.last_login_at.isoformat() if user.last_login_at else None,
            },
            "organizations": org_data,
            "sessions": [
                {
                    "id": str(s["id"]),
                    "create_time": s["created_at"].isoformat(),
                    "expire_time": s["expire_at"].isoformat(),
                    "revoke_time": s["revoked_at"].isoformat() if s["revoked_at"] else None,
                }
                for s in sessions
            ],
            "invitations_received": [
                {
                    "name": f"organizations/{i['org_id']}/invitations/{i['id']}",
                    "role": i["role"],
                    "state": i["state"],
                    "create_time": i["created_at"].isoformat(),
                }
                for i in invitations_received
            ],
            "personal_audit_log": [_audit_json(e) for e in personal_log],
        }
        return json.dumps(document, indent=2, sort_keys=True).encode()

    async def erase_user(
        self, caller: str, user_id: str, password: str, client: ClientInfo
    ) -> tuple[datetime, list[str]]:
        if user_id != caller:
            raise not_found("User", f"users/{user_id}")
        async with self.store.tx(user_id=caller) as tx:
            await self._require_user(tx, caller)
            stored = await tx.password_hash(caller)
        if not await self._check_password(stored, password):
            raise InvalidArgument(
                "The password is wrong",
                reason="WRONG_PASSWORD",
                violations=[FieldViolation("password", "is wrong")],
            )
        now = _now()
        deleted_orgs: list[str] = []
        async with self.store.tx(user_id=caller) as tx:
            memberships = await tx.memberships_of(caller)
            for org_id, role in memberships.items():
                await tx.set_org(org_id)
                count = await tx.member_count(org_id)
                if role is Role.OWNER and count > 1 and await tx.owners(org_id) == [caller]:
                    raise FailedPrecondition(
                        "You are the last owner of an organization with other members; transfer ownership"
                        " first",
                        reason="LAST_OWNER",
                        metadata={"organization": f"organizations/{org_id}"},
                    )
            for org_id, role in memberships.items():
                await tx.set_org(org_id)
                org = await tx.organization(org_id, caller)
                if await tx.member_count(org_id) == 1 and org is not None and org.deleted_at is None:
                    await tx.set_org_deleted(org_id, now, now + self.policy.purge_after)
                    deleted_orgs.append(f"organizations/{org_id}")
                    await self._emit(
                        tx,
                        ev.OrganizationDeleted(
                            org_id=org_id,
                            stage=ev.ORGANIZATION_DELETION_STAGE_SOFT_DELETED,
                            delete_time=_ts(now),
                            purge_time=_ts(now + self.policy.purge_after),
                        ),
                        org_id,
                    )
                await tx.delete_member(org_id, caller)
                await self._audit(
                    tx,
                    AuditAction.USER_ERASED,
                    client,
                    org_id=org_id,
                    actor=f"users/{caller}",
                    target=f"organizations/{org_id}/members/{caller}",
                )
                await self._member_changed(
                    tx, org_id, caller, ev.MEMBER_CHANGE_TYPE_REMOVED, role, None, caller
                )
                await self._emit(
                    tx, ev.UserErased(user_id=caller, org_id=org_id, erase_time=_ts(now)), org_id
                )
            if not memberships:
                await self._emit(tx, ev.UserErased(user_id=caller, erase_time=_ts(now)), "")
            await tx.erase_audit_actor(caller)
            # Sessions, refresh and email tokens go with the row (ON DELETE CASCADE).
            await tx.delete_user(caller)
        await self.relay.flush_quietly()
        return now, deleted_orgs


def _audit_json(entry: AuditEntry) -> dict[str, Any]:
    data = asdict(entry)
    data["action"] = AuditAction(entry.action).name.lower()
    data["outcome"] = AuditOutcome(entry.outcome).name.lower()
    data["create_time"] = entry.created_at.isoformat() if entry.created_at else None
    data.pop("created_at")
    return data


def _version(etag: str) -> int | None:
    if not etag:
        return None
    try:
        return int(etag.strip('"').removeprefix("v"))
    except ValueError:
        raise InvalidArgument(
            "The etag is malformed", violations=[FieldViolation("etag", "is not an etag of this resource")]
        ) from None


def etag_of(version: int) -> str:
    return f'"v{version}"'


__all__ = ["ApiKeyDecision", "Page", "Policy", "Tokens", "UsersService", "etag_of", "role_at_least"]
