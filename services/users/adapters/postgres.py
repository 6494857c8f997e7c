"""Postgres repository of the users service: encrypted PII, tenant sessions under row-level security."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.users.domain.model import (
    ApiKey,
    AuditEntry,
    Invitation,
    InvitationState,
    Member,
    Organization,
    User,
)
from services.users.domain.signing import SigningKey
from shared.crypto import KeyRing, associated_data
from shared.db import Database
from shared.permissions import Role

_SET = text("SELECT set_config('app.current_org', :org, true), set_config('app.current_user', :user, true)")


class Store:
    """Opens transactions; each one sees only what its organization and user may see (RLS)."""

    def __init__(self, db: Database, keys: KeyRing) -> None:
        self.db = db
        self.keys = keys

    @asynccontextmanager
    async def tx(self, *, org_id: str | None = None, user_id: str | None = None) -> AsyncIterator[Tx]:
        """One transaction acting for `org_id` (tenant rows) and/or `user_id` (the user's own rows)."""
        async with self.db.session() as session:
            await session.execute(_SET, {"org": org_id or "", "user": user_id or ""})
            yield Tx(session, self.keys)


def _uuid() -> str:
    return str(uuid.uuid4())


class Tx:
    """Queries inside one transaction. PII columns are AES-GCM sealed, bound to their row and column."""

    def __init__(self, session: AsyncSession, keys: KeyRing) -> None:
        self.session = session
        self.keys = keys

    async def _all(self, sql: str, **params: Any) -> Sequence[Any]:
        return (await self.session.execute(text(sql), params)).mappings().all()

    async def _one(self, sql: str, **params: Any) -> Any | None:
        return (await self.session.execute(text(sql), params)).mappings().first()

    async def _exec(self, sql: str, **params: Any) -> int:
        result = await self.session.execute(text(sql), params)
        return int(getattr(result, "rowcount", 0) or 0)

    async def set_org(self, org_id: str) -> None:
        await self.session.execute(text("SELECT set_config('app.current_org', :org, true)"), {"org": org_id})

    async def set_user(self, user_id: str) -> None:
        await self.session.execute(
            text("SELECT set_config('app.current_user', :user, true)"), {"user": user_id}
        )

    # ---- PII ---------------------------------------------------------------------------------

    def seal(self, value: str, *where: str) -> bytes:
        return self.keys.encrypt(value, associated_data(*where))

    def open(self, value: bytes | None, *where: str) -> str:
        return "" if value is None else self.keys.decrypt_str(bytes(value), associated_data(*where))

    def email_hash(self, email: str) -> bytes:
        return self.keys.keyed_hash(email, kind="email")

    # ---- users -------------------------------------------------------------------------------

    def _user(self, row: Any) -> User:
        uid = str(row["id"])
        return User(
            id=uid,
            email=self.open(row["email_enc"], uid, "user.email"),
            display_name=self.open(row["display_name_enc"], uid, "user.display_name"),
            avatar_uri=row["avatar_uri"],
            locale=row["locale"],
            time_zone=row["time_zone"],
            email_verified=row["email_verified"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            last_login_at=row["last_login_at"],
            version=row["version"],
        )

    async def insert_user(
        self,
        *,
        email: str,
        display_name: str,
        password_hash: str,
        locale: str,
        time_zone: str,
        verified: bool,
    ) -> User:
        uid = _uuid()
        row = await self._one(
            "INSERT INTO users (id, email_hash, email_enc, display_name_enc, password_hash, locale,"
            " time_zone,"
            " email_verified) VALUES (:id, :h, :e, :n, :p, :l, :tz, :v)"
            " ON CONFLICT (email_hash) DO NOTHING RETURNING *",
            id=uid,
            h=self.email_hash(email),
            e=self.seal(email, uid, "user.email"),
            n=self.seal(display_name, uid, "user.display_name"),
            p=password_hash,
            l=locale,
            tz=time_zone,
            v=verified,
        )
        return self._user(row) if row else None  # type: ignore[return-value]

    async def user(self, user_id: str) -> User | None:
        row = await self._one("SELECT * FROM users WHERE id = :id", id=user_id)
        return self._user(row) if row else None

    async def user_with_password(self, email: str) -> tuple[User, str] | None:
        row = await self._one("SELECT * FROM users WHERE email_hash = :h", h=self.email_hash(email))
        return (self._user(row), row["password_hash"]) if row else None

    async def password_hash(self, user_id: str) -> str | None:
        row = await self._one("SELECT password_hash FROM users WHERE id = :id", id=user_id)
        return row["password_hash"] if row else None

    async def user_id_by_email(self, email: str) -> str | None:
        row = await self._one("SELECT id FROM users WHERE email_hash = :h", h=self.email_hash(email))
        return str(row["id"]) if row else None

    async def set_password(self, user_id: str, password_hash: str) -> None:
        await self._exec(
            "UPDATE users SET password_hash = :p, updated_at = now(), version = version + 1 WHERE id = :id",
            id=user_id,
            p=password_hash,
        )

    async def mark_login(self, user_id: str) -> None:
        await self._exec("UPDATE users SET last_login_at = now() WHERE id = :id", id=user_id)

    async def mark_verified(self, user_id: str) -> None:
        await self._exec(
            "UPDATE users SET email_verified = true, updated_at = now(), version = version + 1 WHERE"
            " id = :id",
            id=user_id,
        )

    async def update_user(
        self, user_id: str, changes: dict[str, str], expected_version: int | None
    ) -> User | None:
        sets = ["updated_at = now()", "version = version + 1"]
        params: dict[str, Any] = {"id": user_id}
        for field, value in changes.items():
            if field == "display_name":
                sets.append("display_name_enc = :dn")
                params["dn"] = self.seal(value, user_id, "user.display_name")
            elif field in ("avatar_uri", "locale", "time_zone"):
                sets.append(f"{field} = :{field}")
                params[field] = value
        where = "id = :id"
        if expected_version is not None:
            where += " AND version = :v"
            params["v"] = expected_version
        row = await self._one(f"UPDATE users SET {', '.join(sets)} WHERE {where} RETURNING *", **params)  # noqa: S608 - fragments are fixed code, values are bound
        return self._user(row) if row else None

    async def delete_user(self, user_id: str) -> None:
        await self._exec("DELETE FROM users WHERE id = :id", id=user_id)

    # ---- sessions and refresh tokens -----------------------------------------------------------

    async def insert_session(self, user_id: str, expire_at: datetime) -> str:
        sid = _uuid()
        await self._exec(
            "INSERT INTO sessions (id, user_id, expire_at) VALUES (:id, :u, :e)",
            id=sid,
            u=user_id,
            e=expire_at,
        )
        return sid

    async def insert_refresh_token(self, session_id: str, token_hash: bytes) -> None:
        await self._exec(
            "INSERT INTO refresh_tokens (token_hash, session_id) VALUES (:h, :s)", h=token_hash, s=session_id
        )

    async def refresh_token(self, token_hash: bytes) -> Any | None:
        """The token with its session, locked so two concurrent uses cannot both succeed."""
        return await self._one(
            "SELECT t.token_hash, t.used_at, s.id AS session_id, s.user_id, s.expire_at, s.revoked_at"
            " FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id"
            " WHERE t.token_hash = :h FOR UPDATE OF t, s",
            h=token_hash,
        )

    async def spend_refresh_token(self, token_hash: bytes) -> None:
        await self._exec("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = :h", h=token_hash)

    async def revoke_session(self, session_id: str, reason: str) -> None:
        await self._exec(
            "UPDATE sessions SET revoked_at = now(), revoke_reason = :r WHERE id = :id AND revoked_at"
            " IS NULL",
            id=session_id,
            r=reason,
        )

    async def revoke_user_sessions(self, user_id: str, reason: str, *, keep: str | None = None) -> int:
        return await self._exec(
            "UPDATE sessions SET revoked_at = now(), revoke_reason = :r"
            " WHERE user_id = :u AND revoked_at IS NULL AND (CAST(:keep AS uuid) IS NULL OR id <>"
            " CAST(:keep AS uuid))",
            u=user_id,
            r=reason,
            keep=keep,
        )

    async def sessions_of(self, user_id: str) -> Sequence[Any]:
        return await self._all(
            "SELECT id, created_at, expire_at, revoked_at, revoke_reason FROM sessions WHERE user_id = :u"
            " ORDER BY created_at",
            u=user_id,
        )

    # ---- email tokens ------------------------------------------------------------------------

    async def insert_email_token(
        self, user_id: str, token_hash: bytes, purpose: str, expire_at: datetime
    ) -> None:
        # A new link replaces older unused ones of the same purpose.
        await self._exec(
            "UPDATE email_tokens SET used_at = now() WHERE user_id = :u AND purpose = :p AND used_at IS NULL",
            u=user_id,
            p=purpose,
        )
        await self._exec(
            "INSERT INTO email_tokens (token_hash, user_id, purpose, expire_at) VALUES (:h, :u, :p, :e)",
            h=token_hash,
            u=user_id,
            p=purpose,
            e=expire_at,
        )

    async def take_email_token(self, token_hash: bytes, purpose: str) -> str | None:
        """Spends an unused, unexpired token and returns its user id (None when not usable)."""
        row = await self._one(
            "UPDATE email_tokens SET used_at = now() WHERE token_hash = :h AND purpose = :p"
            " AND used_at IS NULL AND expire_at > now() RETURNING user_id",
            h=token_hash,
            p=purpose,
        )
        return str(row["user_id"]) if row else None

    # ---- signing keys ------------------------------------------------------------------------

    async def signing_keys(self) -> list[SigningKey]:
        rows = await self._all("SELECT * FROM signing_keys ORDER BY created_at DESC")
        return [
            SigningKey(
                kid=r["kid"],
                private_pem=self.keys.decrypt(
                    bytes(r["private_key_enc"]), associated_data(r["kid"], "signing_key")
                ),
                created_at=r["created_at"],
                retired_at=r["retired_at"],
                verify_until=r["verify_until"],
            )
            for r in rows
        ]

    async def lock_signing_keys(self) -> None:
        # Replicas starting together must not each create a key.
        await self._exec("SELECT pg_advisory_xact_lock(hashtext('socialproof.users.signing_keys'))")

    async def insert_signing_key(self, key: SigningKey) -> None:
        await self._exec(
            "INSERT INTO signing_keys (kid, private_key_enc, public_jwk, created_at)"
            " VALUES (:kid, :p, CAST(:j AS jsonb), :c)",
            kid=key.kid,
            p=self.keys.encrypt(key.private_pem, associated_data(key.kid, "signing_key")),
            j=json.dumps(key.public_jwk()),
            c=key.created_at,
        )

    async def retire_signing_keys(self, except_kid: str, verify_until: datetime) -> None:
        await self._exec(
            "UPDATE signing_keys SET retired_at = now(), verify_until = :vu WHERE kid <> :kid AND"
            " retired_at IS NULL",
            kid=except_kid,
            vu=verify_until,
        )

    # ---- organizations -----------------------------------------------------------------------

    def _org(self, row: Any) -> Organization:
        oid = str(row["id"])
        role = row.get("caller_role")
        return Organization(
            id=oid,
            display_name=row["display_name"],
            billing_email=self.open(row["billing_email_enc"], oid, "organization.billing_email"),
            time_zone=row["time_zone"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            deleted_at=row["deleted_at"],
            purge_at=row["purge_at"],
            version=row["version"],
            member_count=int(row.get("member_count") or 0),
            caller_role=Role(role) if role else None,
        )

    _ORG_COLUMNS = (
        "o.*, (SELECT count(*) FROM members c WHERE c.org_id = o.id) AS member_count,"
        " (SELECT m.role FROM members m WHERE m.org_id = o.id AND m.user_id = CAST(:caller AS"
        " uuid)) AS caller_role"
    )

    async def insert_organization(
        self,
        *,
        org_id: str,
        display_name: str,
        billing_email: str,
        time_zone: str,
        creator: str,
        request_id: str | None,
    ) -> None:
        await self._exec(
            "INSERT INTO organizations (id, display_name, billing_email_enc, time_zone, created_by,"
            " request_id)"
            " VALUES (:id, :n, :b, :tz, :c, :r)",
            id=org_id,
            n=display_name,
            b=self.seal(billing_email, org_id, "organization.billing_email"),
            tz=time_zone,
            c=creator,
            r=request_id,
        )

    async def org_by_request(self, creator: str, request_id: str) -> str | None:
        row = await self._one(
            "SELECT id FROM organizations WHERE created_by = :c AND request_id = :r", c=creator, r=request_id
        )
        return str(row["id"]) if row else None

    async def organization(
        self, org_id: str, caller: str | None, *, lock: bool = False
    ) -> Organization | None:
        row = await self._one(
            f"SELECT {self._ORG_COLUMNS} FROM organizations o WHERE o.id = :id"  # noqa: S608 - fragments are fixed code, values are bound
            + (" FOR UPDATE" if lock else ""),
            id=org_id,
            caller=caller,
        )
        return self._org(row) if row else None

    async def organizations_of(
        self, user_id: str, *, show_deleted: bool, after: tuple[str, str] | None, limit: int
    ) -> list[Organization]:
        rows = await self._all(
            f"SELECT {self._ORG_COLUMNS} FROM organizations o JOIN members me ON me.org_id = o.id"  # noqa: S608 - fragments are fixed code, values are bound
            " AND me.user_id = CAST(:caller AS uuid)"
            " WHERE (o.deleted_at IS NULL OR (:deleted AND me.role = 'owner'))"
            " AND (CAST(:an AS text) IS NULL OR (o.display_name, o.id::text) > (CAST(:an AS text),"
            " CAST(:ai AS text)))"
            " ORDER BY o.display_name, o.id::text LIMIT :limit",
            caller=user_id,
            deleted=show_deleted,
            an=after[0] if after else None,
            ai=after[1] if after else None,
            limit=limit,
        )
        return [self._org(r) for r in rows]

    async def update_organization(self, org_id: str, changes: dict[str, str]) -> None:
        sets = ["updated_at = now()", "version = version + 1"]
        params: dict[str, Any] = {"id": org_id}
        for field, value in changes.items():
            if field == "billing_email":
                sets.append("billing_email_enc = :b")
                params["b"] = self.seal(value, org_id, "organization.billing_email")
            elif field in ("display_name", "time_zone"):
                sets.append(f"{field} = :{field}")
                params[field] = value
        await self._exec(f"UPDATE organizations SET {', '.join(sets)} WHERE id = :id", **params)  # noqa: S608 - fragments are fixed code, values are bound

    async def set_org_deleted(
        self, org_id: str, deleted_at: datetime | None, purge_at: datetime | None
    ) -> None:
        await self._exec(
            "UPDATE organizations SET deleted_at = :d, purge_at = :p, updated_at = now(), version ="
            " version + 1"
            " WHERE id = :id",
            id=org_id,
            d=deleted_at,
            p=purge_at,
        )

    async def purge_organization(self, org_id: str) -> None:
        await self._exec("DELETE FROM api_key_prefixes WHERE org_id = :id", id=org_id)
        await self._exec("DELETE FROM audit_log WHERE org_id = :id", id=org_id)
        await self._exec("DELETE FROM organizations WHERE id = :id", id=org_id)

    async def orgs_due_for_purge(self, until: datetime) -> list[str]:
        rows = await self._all(
            "SELECT organizations_due_for_purge AS id FROM organizations_due_for_purge(:u)", u=until
        )
        return [str(r["id"]) for r in rows]

    # ---- members -----------------------------------------------------------------------------

    async def insert_member(self, org_id: str, user_id: str, role: Role, inviter: str | None) -> None:
        await self._exec(
            "INSERT INTO members (org_id, user_id, role, inviter_id) VALUES (:o, :u, :r, :i)",
            o=org_id,
            u=user_id,
            r=role.value,
            i=inviter,
        )

    def _member(self, row: Any) -> Member:
        uid = str(row["user_id"])
        return Member(
            org_id=str(row["org_id"]),
            user_id=uid,
            role=Role(row["role"]),
            email=self.open(row["email_enc"], uid, "user.email"),
            display_name=self.open(row["display_name_enc"], uid, "user.display_name"),
            avatar_uri=row["avatar_uri"],
            inviter_id=str(row["inviter_id"]) if row["inviter_id"] else None,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            last_active_at=row["last_login_at"],
        )

    _MEMBER_SELECT = (
        "SELECT m.*, u.email_enc, u.display_name_enc, u.avatar_uri, u.last_login_at"
        " FROM members m JOIN users u ON u.id = m.user_id"
    )

    async def role_of(self, org_id: str, user_id: str) -> Role | None:
        row = await self._one(
            "SELECT role FROM members WHERE org_id = :o AND user_id = :u", o=org_id, u=user_id
        )
        return Role(row["role"]) if row else None

    async def member(self, org_id: str, user_id: str, *, lock: bool = False) -> Member | None:
        row = await self._one(
            self._MEMBER_SELECT
            + " WHERE m.org_id = :o AND m.user_id = :u"
            + (" FOR UPDATE OF m" if lock else ""),
            o=org_id,
            u=user_id,
        )
        return self._member(row) if row else None

    async def members(self, org_id: str, roles: Sequence[str]) -> list[Member]:
        rows = await self._all(
            self._MEMBER_SELECT + " WHERE m.org_id = :o AND (cardinality(CAST(:roles AS text[])) = 0"
            " OR m.role = ANY(CAST(:roles AS text[])))",
            o=org_id,
            roles=list(roles),
        )
        return [self._member(r) for r in rows]

    async def act_as_user(self, user_id: str) -> None:
        """From here on this transaction sees `user_id`'s own rows (RLS), e.g. once a refresh token
        has said whose session it is."""
        await self.session.execute(text("SELECT set_config('app.current_user', :u, true)"), {"u": user_id})

    async def memberships_of(self, user_id: str) -> dict[str, Role]:
        rows = await self._all("SELECT org_id, role FROM members WHERE user_id = :u", u=user_id)
        return {str(r["org_id"]): Role(r["role"]) for r in rows}

    async def owners(self, org_id: str) -> list[str]:
        rows = await self._all(
            "SELECT user_id FROM members WHERE org_id = :o AND role = 'owner' FOR UPDATE", o=org_id
        )
        return [str(r["user_id"]) for r in rows]

    async def member_count(self, org_id: str) -> int:
        row = await self._one("SELECT count(*) AS n FROM members WHERE org_id = :o", o=org_id)
        return int(row["n"]) if row else 0

    async def set_role(self, org_id: str, user_id: str, role: Role) -> None:
        await self._exec(
            "UPDATE members SET role = :r, updated_at = now() WHERE org_id = :o AND user_id = :u",
            o=org_id,
            u=user_id,
            r=role.value,
        )

    async def delete_member(self, org_id: str, user_id: str) -> None:
        await self._exec("DELETE FROM members WHERE org_id = :o AND user_id = :u", o=org_id, u=user_id)

    # ---- invitations -------------------------------------------------------------------------

    def _invitation(self, row: Any, now: datetime) -> Invitation:
        iid = str(row["id"])
        state = InvitationState(row["state"])
        if state is InvitationState.PENDING and row["expire_at"] <= now:
            state = InvitationState.EXPIRED
        inviter_name = ""
        if row.get("inviter_name_enc") is not None:
            inviter_name = self.open(row["inviter_name_enc"], str(row["inviter_id"]), "user.display_name")
        return Invitation(
            id=iid,
            org_id=str(row["org_id"]),
            email=self.open(row["email_enc"], iid, "invitation.email"),
            role=Role(row["role"]),
            state=state,
            inviter_id=str(row["inviter_id"]) if row["inviter_id"] else None,
            inviter_display_name=inviter_name,
            created_at=row["created_at"],
            expire_at=row["expire_at"],
            last_send_at=row["last_send_at"],
            send_count=row["send_count"],
            accept_at=row["accept_at"],
            revoke_at=row["revoke_at"],
        )

    _INVITATION_SELECT = (
        "SELECT i.*, u.display_name_enc AS inviter_name_enc"
        " FROM invitations i LEFT JOIN users u ON u.id = i.inviter_id"
    )

    async def insert_invitation(
        self,
        *,
        org_id: str,
        email: str,
        role: Role,
        inviter: str,
        token_hash: bytes,
        expire_at: datetime,
        request_id: str | None,
    ) -> str:
        iid = _uuid()
        await self._exec(
            "INSERT INTO invitations (id, org_id, email_hash, email_enc, role, inviter_id, token_hash,"
            " expire_at,"
            " request_id) VALUES (:id, :o, :h, :e, :r, :i, :t, :x, :rq)",
            id=iid,
            o=org_id,
            h=self.email_hash(email),
            e=self.seal(email, iid, "invitation.email"),
            r=role.value,
            i=inviter,
            t=token_hash,
            x=expire_at,
            rq=request_id,
        )
        return iid

    async def invitation_by_request(self, org_id: str, request_id: str) -> str | None:
        row = await self._one(
            "SELECT id FROM invitations WHERE org_id = :o AND request_id = :r", o=org_id, r=request_id
        )
        return str(row["id"]) if row else None

    async def pending_invitation_for(self, org_id: str, email: str, now: datetime) -> str | None:
        row = await self._one(
            "SELECT id FROM invitations WHERE org_id = :o AND email_hash = :h AND state = 'pending'"
            " AND expire_at > :n",
            o=org_id,
            h=self.email_hash(email),
            n=now,
        )
        return str(row["id"]) if row else None

    async def invitation(
        self, org_id: str, invitation_id: str, now: datetime, *, lock: bool = False
    ) -> Invitation | None:
        row = await self._one(
            self._INVITATION_SELECT
            + " WHERE i.org_id = :o AND i.id = :id"
            + (" FOR UPDATE OF i" if lock else ""),
            o=org_id,
            id=invitation_id,
        )
        return self._invitation(row, now) if row else None

    async def invitation_by_token(self, token_hash: bytes, now: datetime) -> Invitation | None:
        row = await self._one(
            self._INVITATION_SELECT + " WHERE i.token_hash = :t FOR UPDATE OF i", t=token_hash
        )
        return self._invitation(row, now) if row else None

    async def invitations(
        self, org_id: str, states: Sequence[str], now: datetime, *, after: tuple[str, str] | None, limit: int
    ) -> list[Invitation]:
        rows = await self._all(
            self._INVITATION_SELECT + " WHERE i.org_id = :o"
            " AND (CAST(:at AS text) IS NULL OR (i.created_at, i.id::text) < (CAST(:at AS"
            " timestamptz), CAST(:ai AS text)))"
            " ORDER BY i.created_at DESC, i.id::text DESC",
            o=org_id,
            at=after[0] if after else None,
            ai=after[1] if after else None,
        )
        found = [self._invitation(r, now) for r in rows]
        return [i for i in found if i.state.value in states][:limit]

    async def set_invitation_state(self, invitation_id: str, state: InvitationState) -> None:
        column = {"accepted": "accept_at", "revoked": "revoke_at"}[state.value]
        await self._exec(
            f"UPDATE invitations SET state = :s, {column} = now() WHERE id = :id",  # noqa: S608 - fragments are fixed code, values are bound
            id=invitation_id,
            s=state.value,
        )

    async def resend_invitation(self, invitation_id: str, token_hash: bytes, expire_at: datetime) -> None:
        await self._exec(
            "UPDATE invitations SET token_hash = :t, expire_at = :x, last_send_at = now(),"
            " send_count = send_count + 1, state = 'pending' WHERE id = :id",
            id=invitation_id,
            t=token_hash,
            x=expire_at,
        )

    async def invitations_for_email(self, email: str) -> Sequence[Any]:
        return await self._all(
            "SELECT id, org_id, role, state, created_at FROM invitations WHERE email_hash = :h",
            h=self.email_hash(email),
        )

    # ---- API keys ----------------------------------------------------------------------------

    def _api_key(self, row: Any) -> ApiKey:
        kid = str(row["id"])
        return ApiKey(
            id=kid,
            org_id=str(row["org_id"]),
            display_name=row["display_name"],
            key_prefix=row["key_prefix"],
            scopes=tuple(row["scopes"]),
            sites=tuple(row["sites"]),
            creator_id=str(row["creator_id"]) if row["creator_id"] else None,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            expire_at=row["expire_at"],
            last_used_at=row["last_used_at"],
            last_used_ip=self.open(row["last_used_ip_enc"], kid, "api_key.last_used_ip"),
            rotate_at=row["rotate_at"],
            previous_expire_at=row["previous_expire_at"],
            revoke_at=row["revoke_at"],
            version=row["version"],
        )

    async def insert_api_key(
        self,
        *,
        org_id: str,
        display_name: str,
        prefix: str,
        secret_hash: bytes,
        scopes: Sequence[str],
        sites: Sequence[str],
        creator: str | None,
        expire_at: datetime | None,
        request_id: str | None,
    ) -> str:
        kid = _uuid()
        await self._exec(
            "INSERT INTO api_keys (id, org_id, display_name, key_prefix, secret_hash, scopes, sites,"
            " creator_id,"
            " expire_at, request_id) VALUES (:id, :o, :n, :p, :h, :sc, :si, :c, :x, :r)",
            id=kid,
            o=org_id,
            n=display_name,
            p=prefix,
            h=secret_hash,
            sc=list(scopes),
            si=list(sites),
            c=creator,
            x=expire_at,
            r=request_id,
        )
        await self._exec(
            "INSERT INTO api_key_prefixes (key_prefix, org_id, api_key_id) VALUES (:p, :o, :id)",
            p=prefix,
            o=org_id,
            id=kid,
        )
        return kid

    async def api_key_by_request(self, org_id: str, request_id: str) -> str | None:
        row = await self._one(
            "SELECT id FROM api_keys WHERE org_id = :o AND request_id = :r", o=org_id, r=request_id
        )
        return str(row["id"]) if row else None

    async def api_key(self, org_id: str, key_id: str, *, lock: bool = False) -> ApiKey | None:
        row = await self._one(
            "SELECT * FROM api_keys WHERE org_id = :o AND id = :id" + (" FOR UPDATE" if lock else ""),  # noqa: S608 - fragments are fixed code, values are bound
            o=org_id,
            id=key_id,
        )
        return self._api_key(row) if row else None

    async def api_key_hashes(self, key_id: str) -> Any | None:
        return await self._one(
            "SELECT secret_hash, previous_secret_hash, previous_expire_at FROM api_keys WHERE id = :id",
            id=key_id,
        )

    async def api_keys(
        self, org_id: str, *, show_inactive: bool, now: datetime, after: tuple[str, str] | None, limit: int
    ) -> list[ApiKey]:
        rows = await self._all(
            "SELECT * FROM api_keys WHERE org_id = :o"
            " AND (:all OR (revoke_at IS NULL AND (expire_at IS NULL OR expire_at > :now)))"
            " AND (CAST(:at AS text) IS NULL OR (created_at, id::text) < (CAST(:at AS timestamptz),"
            " CAST(:ai AS text)))"
            " ORDER BY created_at DESC, id::text DESC LIMIT :limit",
            o=org_id,
            all=show_inactive,
            now=now,
            at=after[0] if after else None,
            ai=after[1] if after else None,
            limit=limit,
        )
        return [self._api_key(r) for r in rows]

    async def api_key_prefix_owner(self, prefix: str) -> tuple[str, str] | None:
        row = await self._one(
            "SELECT org_id, api_key_id FROM api_key_prefixes WHERE key_prefix = :p", p=prefix
        )
        return (str(row["org_id"]), str(row["api_key_id"])) if row else None

    async def update_api_key(self, key_id: str, changes: dict[str, Any]) -> None:
        sets = ["updated_at = now()", "version = version + 1"]
        params: dict[str, Any] = {"id": key_id}
        for field in ("display_name", "scopes", "sites", "expire_at"):
            if field in changes:
                sets.append(f"{field} = :{field}")
                params[field] = changes[field]
        await self._exec(f"UPDATE api_keys SET {', '.join(sets)} WHERE id = :id", **params)  # noqa: S608 - fragments are fixed code, values are bound

    async def rotate_api_key(self, key_id: str, new_hash: bytes, previous_until: datetime | None) -> None:
        await self._exec(
            "UPDATE api_keys SET previous_secret_hash = CASE WHEN CAST(:pu AS timestamptz) IS NULL THEN NULL"
            " ELSE secret_hash END, previous_expire_at = :pu, secret_hash = :h, rotate_at = now(),"
            " updated_at = now(), version = version + 1 WHERE id = :id",
            id=key_id,
            h=new_hash,
            pu=previous_until,
        )

    async def revoke_api_key(self, key_id: str) -> None:
        await self._exec(
            "UPDATE api_keys SET revoke_at = now(), previous_secret_hash = NULL, updated_at = now(),"
            " version = version + 1 WHERE id = :id AND revoke_at IS NULL",
            id=key_id,
        )

    async def touch_api_key(self, key_id: str, ip: str, now: datetime) -> None:
        # Minute precision and only when it changed, so a busy key does not write on every call.
        await self._exec(
            "UPDATE api_keys SET last_used_at = date_trunc('minute', CAST(:n AS timestamptz)),"
            " last_used_ip_enc = :ip"
            " WHERE id = :id AND (last_used_at IS NULL OR last_used_at < date_trunc('minute', CAST(:n"
            " AS timestamptz)))",
            id=key_id,
            n=now,
            ip=self.seal(ip, key_id, "api_key.last_used_ip") if ip else None,
        )

    async def api_keys_created_by(self, user_id: str) -> Sequence[Any]:
        return await self._all(
            "SELECT id, org_id, display_name, key_prefix, scopes, created_at, revoke_at FROM api_keys"
            " WHERE creator_id = :u",
            u=user_id,
        )

    # ---- audit log ---------------------------------------------------------------------------

    async def insert_audit(self, entry: AuditEntry, actor_user_id: str | None) -> None:
        eid = entry.id
        await self._exec(
            "INSERT INTO audit_log (id, org_id, user_id, actor_user_id, action, outcome, actor,"
            " actor_display_enc,"
            " target, target_display_enc, ip_enc, user_agent, request_id, details)"
            " VALUES (:id, :o, :u, :au, :a, :oc, :ac, :ad, :t, :td, :ip, :ua, :rq, CAST(:d AS jsonb))",
            id=eid,
            o=entry.org_id,
            u=entry.user_id,
            au=actor_user_id,
            a=entry.action,
            oc=entry.outcome,
            ac=entry.actor,
            ad=self.seal(entry.actor_display_name, eid, "audit.actor") if entry.actor_display_name else None,
            t=entry.target,
            td=self.seal(entry.target_display_name, eid, "audit.target")
            if entry.target_display_name
            else None,
            ip=self.seal(entry.ip_address, eid, "audit.ip") if entry.ip_address else None,
            ua=entry.user_agent[:512],
            rq=entry.request_id,
            d=json.dumps(entry.details),
        )

    def _audit(self, row: Any) -> AuditEntry:
        eid = str(row["id"])
        return AuditEntry(
            id=eid,
            org_id=str(row["org_id"]) if row["org_id"] else None,
            user_id=str(row["user_id"]) if row["user_id"] else None,
            action=row["action"],
            outcome=row["outcome"],
            actor=row["actor"],
            actor_display_name=self.open(row["actor_display_enc"], eid, "audit.actor")
            if row["actor_display_enc"]
            else ("Erased user" if row["actor_user_id"] is not None and row["actor"] else ""),
            target=row["target"],
            target_display_name=self.open(row["target_display_enc"], eid, "audit.target"),
            ip_address=self.open(row["ip_enc"], eid, "audit.ip"),
            user_agent=row["user_agent"],
            request_id=row["request_id"],
            details=dict(row["details"]),
            created_at=row["created_at"],
        )

    async def audit_entries(
        self,
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
    ) -> list[AuditEntry]:
        scope = "org_id = :o" if org_id else "org_id IS NULL AND user_id = :u"
        rows = await self._all(
            f"SELECT * FROM audit_log WHERE {scope}"  # noqa: S608 - fragments are fixed code, values are bound
            " AND (cardinality(CAST(:actions AS smallint[])) = 0 OR action = ANY(CAST(:actions AS"
            " smallint[])))"
            " AND (:actor = '' OR actor = :actor)"
            " AND (:target = '' OR target = :target OR target LIKE :target_prefix)"
            " AND (:outcome = 0 OR outcome = :outcome)"
            " AND (CAST(:start AS timestamptz) IS NULL OR created_at >= :start)"
            " AND (CAST(:end AS timestamptz) IS NULL OR created_at < :end)"
            " AND (CAST(:at AS text) IS NULL OR (created_at, id::text) < (CAST(:at AS timestamptz),"
            " CAST(:ai AS text)))"
            " ORDER BY created_at DESC, id::text DESC LIMIT :limit",
            o=org_id,
            u=user_id,
            actions=list(actions),
            actor=actor,
            target=target,
            target_prefix=target.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%",
            outcome=outcome,
            start=start,
            end=end,
            at=after[0] if after else None,
            ai=after[1] if after else None,
            limit=limit,
        )
        return [self._audit(r) for r in rows]

    async def audit_entry(
        self, entry_id: str, *, org_id: str | None, user_id: str | None
    ) -> AuditEntry | None:
        scope = "org_id = :o" if org_id else "org_id IS NULL AND user_id = :u"
        row = await self._one(
            f"SELECT * FROM audit_log WHERE id = :id AND {scope}",  # noqa: S608 - fixed fragments, bound values
            id=entry_id,
            o=org_id,
            u=user_id,
        )
        return self._audit(row) if row else None

    async def audit_about_user(self, user_id: str) -> list[AuditEntry]:
        rows = await self._all(
            "SELECT * FROM audit_log WHERE actor_user_id = :u OR user_id = :u ORDER BY created_at", u=user_id
        )
        return [self._audit(r) for r in rows]

    async def erase_audit_actor(self, user_id: str) -> int:
        row = await self._one("SELECT erase_audit_actor(:u) AS n", u=user_id)
        return int(row["n"]) if row else 0

    # ---- outbox ------------------------------------------------------------------------------

    async def enqueue(self, topic: str, key: str, envelope: bytes) -> None:
        await self._exec(
            "INSERT INTO outbox (topic, message_key, envelope) VALUES (:t, :k, :e)",
            t=topic,
            k=key,
            e=envelope,
        )

    async def pending_events(self, limit: int) -> Sequence[Any]:
        return await self._all(
            "SELECT id, topic, message_key, envelope FROM outbox WHERE published_at IS NULL ORDER BY id"
            " LIMIT :l FOR UPDATE SKIP LOCKED",
            l=limit,
        )

    async def mark_published(self, ids: Sequence[int]) -> None:
        await self._exec("UPDATE outbox SET published_at = now() WHERE id = ANY(:ids)", ids=list(ids))
