"""gRPC servicers of the users domain: validate and convert proto ⇄ domain, call the service layer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import unknown_fields
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from services.users.domain import validation as val
from services.users.domain.model import ApiKey, AuditEntry, ClientInfo, Invitation, Member, Organization, User
from services.users.service import Page, Tokens, UsersService, etag_of
from shared.errors import FieldViolation, InvalidArgument, Unauthenticated, validate
from shared.permissions import ROLE_DESCRIPTIONS, ROLE_ORDER, ApiKeyScope, Role, permissions_of_role
from shared.principal import PrincipalKind, current_principal
from shared.rpc import current_request_id
from socialproof.users.v1 import (
    api_key_pb2,
    api_key_pb2_grpc,
    audit_pb2,
    audit_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    authorization_pb2,
    authorization_pb2_grpc,
    invitation_pb2,
    invitation_pb2_grpc,
    member_pb2,
    member_pb2_grpc,
    organization_pb2,
    organization_pb2_grpc,
    privacy_pb2,
    privacy_pb2_grpc,
    user_pb2,
    user_pb2_grpc,
)

Context = Any  # grpc.aio.ServicerContext; grpc ships no usable type stubs

ROLE_TO_PROTO = {
    Role.OWNER: authorization_pb2.ROLE_OWNER,
    Role.ADMIN: authorization_pb2.ROLE_ADMIN,
    Role.DESIGNER: authorization_pb2.ROLE_DESIGNER,
    Role.ANALYST: authorization_pb2.ROLE_ANALYST,
    Role.VIEWER: authorization_pb2.ROLE_VIEWER,
}
PROTO_TO_ROLE = {v: k for k, v in ROLE_TO_PROTO.items()}
SCOPE_TO_PROTO = {
    ApiKeyScope.ACTIVITIES_WRITE: api_key_pb2.API_KEY_SCOPE_ACTIVITIES_WRITE,
    ApiKeyScope.ACTIVITIES_READ: api_key_pb2.API_KEY_SCOPE_ACTIVITIES_READ,
    ApiKeyScope.CAMPAIGNS_READ: api_key_pb2.API_KEY_SCOPE_CAMPAIGNS_READ,
    ApiKeyScope.CAMPAIGNS_WRITE: api_key_pb2.API_KEY_SCOPE_CAMPAIGNS_WRITE,
    ApiKeyScope.SITES_READ: api_key_pb2.API_KEY_SCOPE_SITES_READ,
    ApiKeyScope.ANALYTICS_READ: api_key_pb2.API_KEY_SCOPE_ANALYTICS_READ,
    ApiKeyScope.INTEGRATIONS_WRITE: api_key_pb2.API_KEY_SCOPE_INTEGRATIONS_WRITE,
}
PROTO_TO_SCOPE = {v: k for k, v in SCOPE_TO_PROTO.items()}
INVITATION_STATES = {
    "pending": invitation_pb2.INVITATION_STATE_PENDING,
    "accepted": invitation_pb2.INVITATION_STATE_ACCEPTED,
    "revoked": invitation_pb2.INVITATION_STATE_REVOKED,
    "expired": invitation_pb2.INVITATION_STATE_EXPIRED,
}
API_KEY_STATES = {
    "active": api_key_pb2.API_KEY_STATE_ACTIVE,
    "revoked": api_key_pb2.API_KEY_STATE_REVOKED,
    "expired": api_key_pb2.API_KEY_STATE_EXPIRED,
}
MAX_SITES = 100


# ---- request plumbing -----------------------------------------------------------------------


def _unknown_paths(message: Message, prefix: str = "") -> list[str]:
    """Field paths holding unknown fields: a client built against another contract sent them,
    and silently dropping what a caller meant to set hides bugs."""
    found: list[str] = []
    if len(unknown_fields.UnknownFieldSet(message)):
        found.append(prefix or "(request)")
    for descriptor, value in message.ListFields():
        if descriptor.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        path = f"{prefix}.{descriptor.name}" if prefix else descriptor.name
        if descriptor.message_type.GetOptions().map_entry:
            continue
        if descriptor.is_repeated:
            for index, item in enumerate(value):
                found += _unknown_paths(item, f"{path}[{index}]")
        else:
            found += _unknown_paths(value, path)
    return found


def checked(request: Message) -> None:
    paths = _unknown_paths(request)
    if paths:
        raise InvalidArgument(
            "The request has fields this service does not know",
            reason="UNKNOWN_FIELDS",
            violations=[FieldViolation(p, "contains unknown fields") for p in paths],
        )


def client_info(context: Context) -> ClientInfo:
    ip = ""
    agent = ""
    for key, value in context.invocation_metadata() or ():
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if key == "x-forwarded-for" and not ip:
            # The edge appends the peer it saw; the first hop is the client.
            ip = text.split(",")[0].strip()[:64]
        elif key == "x-envoy-external-address":
            ip = text.strip()[:64]
        elif key == "user-agent":
            agent = text[:512]
    return ClientInfo(ip=ip, user_agent=agent, request_id=current_request_id() or "")


def caller_id() -> str:
    principal = current_principal()
    if principal.kind is PrincipalKind.USER and principal.subject.startswith("users/"):
        user_id = principal.subject.removeprefix("users/")
        if val.is_uuid(user_id):
            return user_id.lower()
    raise Unauthenticated("Sign in to do this", reason="SIGN_IN_REQUIRED")


def optional_caller() -> str | None:
    principal = current_principal()
    return caller_id() if principal.kind is PrincipalKind.USER else None


def ts(value: datetime | None, target: Timestamp) -> None:
    if value is not None:
        target.FromDatetime(value.astimezone(UTC))


def page_after(token: str, keys: tuple[str, str] = ("a", "b")) -> tuple[str, str] | None:
    position = val.decode_page_token(token, keys)
    return (position[keys[0]], position[keys[1]]) if position else None


def next_token(page: Page) -> str:
    return (
        val.encode_page_token({"a": page.next_after[0], "b": page.next_after[1]}) if page.next_after else ""
    )


def mask_paths(mask_paths: Iterable[str], allowed: set[str], field: str = "update_mask") -> list[str]:
    paths = list(mask_paths)
    with validate("The update mask is invalid") as v:
        v.check(bool(paths), field, "must name at least one field")
        for path in paths:
            v.check(path in allowed, field, f"cannot update {path!r}; allowed: {', '.join(sorted(allowed))}")
    return paths


# ---- conversions ----------------------------------------------------------------------------


def user_pb(user: User) -> user_pb2.User:
    message = user_pb2.User(
        name=f"users/{user.id}",
        email=user.email,
        email_verified=user.email_verified,
        display_name=user.display_name,
        avatar_uri=user.avatar_uri,
        locale=user.locale,
        time_zone=user.time_zone,
        etag=etag_of(user.version),
    )
    ts(user.created_at, message.create_time)
    ts(user.updated_at, message.update_time)
    ts(user.last_login_at, message.last_login_time)
    return message


def org_pb(org: Organization) -> organization_pb2.Organization:
    message = organization_pb2.Organization(
        name=f"organizations/{org.id}",
        display_name=org.display_name,
        billing_email=org.billing_email,
        time_zone=org.time_zone,
        state=organization_pb2.ORGANIZATION_STATE_DELETED
        if org.deleted_at
        else organization_pb2.ORGANIZATION_STATE_ACTIVE,
        caller_role=ROLE_TO_PROTO.get(org.caller_role, 0) if org.caller_role else 0,  # type: ignore[arg-type]
        member_count=org.member_count,
        etag=etag_of(org.version),
    )
    ts(org.created_at, message.create_time)
    ts(org.updated_at, message.update_time)
    ts(org.deleted_at, message.delete_time)
    ts(org.purge_at, message.purge_time)
    return message


def member_pb(member: Member) -> member_pb2.Member:
    message = member_pb2.Member(
        name=f"organizations/{member.org_id}/members/{member.user_id}",
        user=f"users/{member.user_id}",
        email=member.email,
        display_name=member.display_name,
        avatar_uri=member.avatar_uri,
        role=ROLE_TO_PROTO[member.role],
        inviter=f"users/{member.inviter_id}" if member.inviter_id else "",
    )
    ts(member.created_at, message.create_time)
    ts(member.updated_at, message.update_time)
    ts(member.last_active_at, message.last_active_time)
    return message


def invitation_pb(invitation: Invitation) -> invitation_pb2.Invitation:
    message = invitation_pb2.Invitation(
        name=f"organizations/{invitation.org_id}/invitations/{invitation.id}",
        email=invitation.email,
        role=ROLE_TO_PROTO[invitation.role],
        state=INVITATION_STATES[invitation.state.value],
        inviter=f"users/{invitation.inviter_id}" if invitation.inviter_id else "",
        inviter_display_name=invitation.inviter_display_name,
        send_count=invitation.send_count,
    )
    ts(invitation.created_at, message.create_time)
    ts(invitation.expire_at, message.expire_time)
    ts(invitation.last_send_at, message.last_send_time)
    ts(invitation.accept_at, message.accept_time)
    ts(invitation.revoke_at, message.revoke_time)
    return message


def api_key_pb(key: ApiKey) -> api_key_pb2.ApiKey:
    from services.users.domain.credentials import api_key_display_prefix

    now = datetime.now(UTC)
    message = api_key_pb2.ApiKey(
        name=f"organizations/{key.org_id}/apiKeys/{key.id}",
        display_name=key.display_name,
        key_prefix=api_key_display_prefix(key.key_prefix),
        scopes=[SCOPE_TO_PROTO[ApiKeyScope(s)] for s in key.scopes],
        sites=list(key.sites),
        state=API_KEY_STATES[key.state(now)],
        creator=f"users/{key.creator_id}" if key.creator_id else "",
        last_used_ip=key.last_used_ip,
        etag=etag_of(key.version),
    )
    ts(key.created_at, message.create_time)
    ts(key.updated_at, message.update_time)
    ts(key.expire_at, message.expire_time)
    ts(key.last_used_at, message.last_used_time)
    ts(key.rotate_at, message.rotate_time)
    if key.previous_expire_at and key.previous_expire_at > now:
        ts(key.previous_expire_at, message.previous_secret_expire_time)
    ts(key.revoke_at, message.revoke_time)
    return message


def audit_pb(entry: AuditEntry) -> audit_pb2.AuditLogEntry:
    parent = f"organizations/{entry.org_id}" if entry.org_id else f"users/{entry.user_id}"
    message = audit_pb2.AuditLogEntry(
        name=f"{parent}/auditLogEntries/{entry.id}",
        action=entry.action,  # type: ignore[arg-type]
        outcome=entry.outcome,  # type: ignore[arg-type]
        actor=entry.actor,
        actor_display_name=entry.actor_display_name,
        target=entry.target,
        target_display_name=entry.target_display_name,
        ip_address=entry.ip_address,
        user_agent=entry.user_agent,
        request_id=entry.request_id,
        details=entry.details,
    )
    ts(entry.created_at, message.create_time)
    return message


def tokens_pb(tokens: Tokens) -> auth_pb2.AuthTokens:
    message = auth_pb2.AuthTokens(
        access_token=tokens.access.token,
        refresh_token=tokens.refresh_token,
        token_type="Bearer",  # noqa: S106 - the token type, not a secret
    )
    ts(tokens.access.expire_at, message.access_token_expire_time)
    ts(tokens.refresh_expire_at, message.refresh_token_expire_time)
    return message


def role_in(value: int, field: str) -> Role:
    role = PROTO_TO_ROLE.get(value)  # type: ignore[call-overload]
    if role is None:
        raise InvalidArgument("The role is invalid", violations=[FieldViolation(field, "must be a role")])
    return role


# ---- servicers ------------------------------------------------------------------------------


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, service: UsersService) -> None:
        self.service = service

    async def SignUp(self, request: auth_pb2.SignUpRequest, context: Context) -> auth_pb2.SignUpResponse:
        checked(request)
        with validate("The sign-up request is invalid") as v:
            val.check_email(v, request.email, "email")
            val.check_password(v, request.password, "password")
            val.check_name(v, request.display_name, "display_name")
            val.check_name(v, request.organization_display_name, "organization_display_name", required=False)
            val.check_locale(v, request.locale, "locale")
            val.check_time_zone(v, request.time_zone, "time_zone")
            val.check_request_id(v, request.request_id)
        user, org, tokens = await self.service.sign_up(
            email=val.normalize_email(request.email),
            password=request.password,
            display_name=request.display_name.strip(),
            organization_display_name=request.organization_display_name.strip(),
            locale=request.locale,
            time_zone=request.time_zone,
            client=client_info(context),
        )
        return auth_pb2.SignUpResponse(user=user_pb(user), organization=org_pb(org), tokens=tokens_pb(tokens))

    async def Login(self, request: auth_pb2.LoginRequest, context: Context) -> auth_pb2.LoginResponse:
        checked(request)
        with validate("The login request is invalid") as v:
            val.check_email(v, request.email, "email")
            if v.require(request.password, "password"):
                v.check(len(request.password) <= val.MAX_PASSWORD, "password", "is too long")
        user, tokens = await self.service.login(
            email=val.normalize_email(request.email), password=request.password, client=client_info(context)
        )
        return auth_pb2.LoginResponse(user=user_pb(user), tokens=tokens_pb(tokens))

    async def Logout(self, request: auth_pb2.LogoutRequest, context: Context) -> auth_pb2.LogoutResponse:
        checked(request)
        with validate() as v:
            val.check_token(v, request.refresh_token, "refresh_token")
        await self.service.logout(request.refresh_token, request.all_sessions, client_info(context))
        return auth_pb2.LogoutResponse()

    async def RefreshToken(
        self, request: auth_pb2.RefreshTokenRequest, context: Context
    ) -> auth_pb2.RefreshTokenResponse:
        checked(request)
        with validate() as v:
            val.check_token(v, request.refresh_token, "refresh_token")
        tokens = await self.service.refresh(request.refresh_token, client_info(context))
        return auth_pb2.RefreshTokenResponse(tokens=tokens_pb(tokens))

    async def GetJwks(self, request: auth_pb2.GetJwksRequest, context: Context) -> auth_pb2.GetJwksResponse:
        keys = await self.service.jwks()
        return auth_pb2.GetJwksResponse(keys=[auth_pb2.Jwk(**k) for k in keys])

    async def RequestPasswordReset(
        self, request: auth_pb2.RequestPasswordResetRequest, context: Context
    ) -> auth_pb2.RequestPasswordResetResponse:
        checked(request)
        with validate() as v:
            val.check_email(v, request.email, "email")
        await self.service.request_password_reset(val.normalize_email(request.email), client_info(context))
        return auth_pb2.RequestPasswordResetResponse()

    async def ConfirmPasswordReset(
        self, request: auth_pb2.ConfirmPasswordResetRequest, context: Context
    ) -> auth_pb2.ConfirmPasswordResetResponse:
        checked(request)
        with validate() as v:
            val.check_token(v, request.token, "token")
            val.check_password(v, request.new_password, "new_password")
        await self.service.confirm_password_reset(request.token, request.new_password, client_info(context))
        return auth_pb2.ConfirmPasswordResetResponse()

    async def ChangePassword(
        self, request: auth_pb2.ChangePasswordRequest, context: Context
    ) -> auth_pb2.ChangePasswordResponse:
        checked(request)
        caller = caller_id()
        with validate() as v:
            if v.require(request.current_password, "current_password"):
                v.check(len(request.current_password) <= val.MAX_PASSWORD, "current_password", "is too long")
            val.check_password(v, request.new_password, "new_password")
        tokens = await self.service.change_password(
            caller, request.current_password, request.new_password, "", client_info(context)
        )
        return auth_pb2.ChangePasswordResponse(tokens=tokens_pb(tokens))

    async def SendVerificationEmail(
        self, request: auth_pb2.SendVerificationEmailRequest, context: Context
    ) -> auth_pb2.SendVerificationEmailResponse:
        checked(request)
        await self.service.send_verification(caller_id())
        return auth_pb2.SendVerificationEmailResponse()

    async def VerifyEmail(
        self, request: auth_pb2.VerifyEmailRequest, context: Context
    ) -> auth_pb2.VerifyEmailResponse:
        checked(request)
        with validate() as v:
            val.check_token(v, request.token, "token")
        user = await self.service.verify_email(request.token, client_info(context))
        return auth_pb2.VerifyEmailResponse(user=user_pb(user))


class UserServicer(user_pb2_grpc.UserServiceServicer):
    def __init__(self, service: UsersService) -> None:
        self.service = service

    @staticmethod
    def _target(name: str, field: str, caller: str) -> str:
        (user_id,) = val.parse_name(name, ("users",), field, me=True)
        return caller if user_id == "me" else user_id

    async def GetUser(self, request: user_pb2.GetUserRequest, context: Context) -> user_pb2.GetUserResponse:
        checked(request)
        caller = caller_id()
        user = await self.service.get_user(caller, self._target(request.name, "name", caller))
        return user_pb2.GetUserResponse(user=user_pb(user))

    async def UpdateUser(
        self, request: user_pb2.UpdateUserRequest, context: Context
    ) -> user_pb2.UpdateUserResponse:
        checked(request)
        caller = caller_id()
        target = self._target(request.user.name, "user.name", caller)
        paths = mask_paths(request.update_mask.paths, {"display_name", "avatar_uri", "locale", "time_zone"})
        with validate("The profile is invalid") as v:
            if "display_name" in paths:
                val.check_name(v, request.user.display_name, "user.display_name")
            if "avatar_uri" in paths:
                val.check_https_uri(v, request.user.avatar_uri, "user.avatar_uri")
            if "locale" in paths:
                val.check_locale(v, request.user.locale, "user.locale")
            if "time_zone" in paths:
                val.check_time_zone(v, request.user.time_zone, "user.time_zone")
        changes = {p: str(getattr(request.user, p)).strip() for p in paths}
        user = await self.service.update_user(caller, target, changes, request.user.etag)
        return user_pb2.UpdateUserResponse(user=user_pb(user))


def _org_id(name: str, field: str) -> str:
    return val.parse_name(name, ("organizations",), field)[0]


class OrganizationServicer(organization_pb2_grpc.OrganizationServiceServicer):
    def __init__(self, service: UsersService) -> None:
        self.service = service

    async def CreateOrganization(
        self, request: organization_pb2.CreateOrganizationRequest, context: Context
    ) -> organization_pb2.CreateOrganizationResponse:
        checked(request)
        caller = caller_id()
        org = request.organization
        with validate("The organization is invalid") as v:
            val.check_name(v, org.display_name, "organization.display_name")
            if org.billing_email:
                val.check_email(v, org.billing_email, "organization.billing_email")
            val.check_time_zone(v, org.time_zone, "organization.time_zone")
            val.check_request_id(v, request.request_id)
        created = await self.service.create_organization(
            caller,
            display_name=org.display_name.strip(),
            billing_email=val.normalize_email(org.billing_email) if org.billing_email else "",
            time_zone=org.time_zone,
            request_id=request.request_id,
            client=client_info(context),
        )
        return organization_pb2.CreateOrganizationResponse(organization=org_pb(created))

    async def GetOrganization(
        self, request: organization_pb2.GetOrganizationRequest, context: Context
    ) -> organization_pb2.GetOrganizationResponse:
        checked(request)
        caller = caller_id()
        org = await self.service.get_organization(caller, _org_id(request.name, "name"))
        return organization_pb2.GetOrganizationResponse(organization=org_pb(org))

    async def ListOrganizations(
        self, request: organization_pb2.ListOrganizationsRequest, context: Context
    ) -> organization_pb2.ListOrganizationsResponse:
        checked(request)
        caller = caller_id()
        page = await self.service.list_organizations(
            caller,
            show_deleted=request.show_deleted,
            after=page_after(request.page_token),
            limit=val.page_size(request.page_size),
        )
        return organization_pb2.ListOrganizationsResponse(
            organizations=[org_pb(o) for o in page.items], next_page_token=next_token(page)
        )

    async def UpdateOrganization(
        self, request: organization_pb2.UpdateOrganizationRequest, context: Context
    ) -> organization_pb2.UpdateOrganizationResponse:
        checked(request)
        caller = caller_id()
        org_id = _org_id(request.organization.name, "organization.name")
        paths = mask_paths(request.update_mask.paths, {"display_name", "billing_email", "time_zone"})
        org = request.organization
        with validate("The organization is invalid") as v:
            if "display_name" in paths:
                val.check_name(v, org.display_name, "organization.display_name")
            if "billing_email" in paths:
                val.check_email(v, org.billing_email, "organization.billing_email")
            if "time_zone" in paths:
                val.check_time_zone(v, org.time_zone, "organization.time_zone")
        changes = {p: str(getattr(org, p)).strip() for p in paths}
        if "billing_email" in changes:
            changes["billing_email"] = val.normalize_email(changes["billing_email"])
        updated = await self.service.update_organization(
            caller, org_id, changes, org.etag, client_info(context)
        )
        return organization_pb2.UpdateOrganizationResponse(organization=org_pb(updated))

    async def DeleteOrganization(
        self, request: organization_pb2.DeleteOrganizationRequest, context: Context
    ) -> organization_pb2.DeleteOrganizationResponse:
        checked(request)
        caller = caller_id()
        org = await self.service.delete_organization(
            caller, _org_id(request.name, "name"), request.etag, client_info(context)
        )
        return organization_pb2.DeleteOrganizationResponse(organization=org_pb(org))

    async def UndeleteOrganization(
        self, request: organization_pb2.UndeleteOrganizationRequest, context: Context
    ) -> organization_pb2.UndeleteOrganizationResponse:
        checked(request)
        caller = caller_id()
        org = await self.service.undelete_organization(
            caller, _org_id(request.name, "name"), client_info(context)
        )
        return organization_pb2.UndeleteOrganizationResponse(organization=org_pb(org))


def _member_name(name: str, field: str) -> tuple[str, str]:
    org_id, user_id = val.parse_name(name, ("organizations", "members"), field, me=True)
    return org_id, user_id


class MemberServicer(member_pb2_grpc.MemberServiceServicer):
    def __init__(self, service: UsersService) -> None:
        self.service = service

    async def GetMember(
        self, request: member_pb2.GetMemberRequest, context: Context
    ) -> member_pb2.GetMemberResponse:
        checked(request)
        caller = caller_id()
        org_id, user_id = _member_name(request.name, "name")
        return member_pb2.GetMemberResponse(
            member=member_pb(await self.service.get_member(caller, org_id, user_id))
        )

    async def ListMembers(
        self, request: member_pb2.ListMembersRequest, context: Context
    ) -> member_pb2.ListMembersResponse:
        checked(request)
        caller = caller_id()
        org_id = _org_id(request.parent, "parent")
        size = val.page_size(request.page_size)
        with validate() as v:
            v.check(
                request.order_by in ("", "display_name", "create_time desc", "role"),
                "order_by",
                "must be display_name, 'create_time desc' or role",
            )
        roles = [role_in(r, "roles") for r in request.roles]
        position = page_after(request.page_token)
        offset = int(position[0]) if position and position[0].isdigit() else 0
        members = await self.service.list_members(caller, org_id, roles, request.order_by)
        page = members[offset : offset + size]
        more = offset + size < len(members)
        token = val.encode_page_token({"a": str(offset + size), "b": ""}) if more else ""
        return member_pb2.ListMembersResponse(
            members=[member_pb(m) for m in page], next_page_token=token, total_size=len(members)
        )

    async def UpdateMember(
        self, request: member_pb2.UpdateMemberRequest, context: Context
    ) -> member_pb2.UpdateMemberResponse:
        checked(request)
        caller = caller_id()
        org_id, user_id = _member_name(request.member.name, "member.name")
        mask_paths(request.update_mask.paths, {"role"})
        role = role_in(request.member.role, "member.role")
        member = await self.service.update_member_role(caller, org_id, user_id, role, client_info(context))
        return member_pb2.UpdateMemberResponse(member=member_pb(member))

    async def DeleteMember(
        self, request: member_pb2.DeleteMemberRequest, context: Context
    ) -> member_pb2.DeleteMemberResponse:
        checked(request)
        caller = caller_id()
        org_id, user_id = _member_name(request.name, "name")
        await self.service.delete_member(caller, org_id, user_id, client_info(context))
        return member_pb2.DeleteMemberResponse()

    async def TransferOwnership(
        self, request: member_pb2.TransferOwnershipRequest, context: Context
    ) -> member_pb2.TransferOwnershipResponse:
        checked(request)
        caller = caller_id()
        org_id = _org_id(request.organization, "organization")
        target_org, user_id = val.parse_name(request.new_owner, ("organizations", "members"), "new_owner")
        if target_org != org_id:
            raise InvalidArgument(
                "The new owner must be a member of the organization",
                violations=[FieldViolation("new_owner", "must be under the organization")],
            )
        org, new_owner, previous = await self.service.transfer_ownership(
            caller, org_id, user_id, client_info(context)
        )
        return member_pb2.TransferOwnershipResponse(
            organization=org_pb(org), new_owner=member_pb(new_owner), previous_owner=member_pb(previous)
        )


class InvitationServicer(invitation_pb2_grpc.InvitationServiceServicer):
    def __init__(self, service: UsersService) -> None:
        self.service = service

    @staticmethod
    def _name(name: str, field: str = "name") -> tuple[str, str]:
        org_id, invitation_id = val.parse_name(name, ("organizations", "invitations"), field)
        return org_id, invitation_id

    async def CreateInvitation(
        self, request: invitation_pb2.CreateInvitationRequest, context: Context
    ) -> invitation_pb2.CreateInvitationResponse:
        checked(request)
        caller = caller_id()
        org_id = _org_id(request.parent, "parent")
        with validate("The invitation is invalid") as v:
            val.check_email(v, request.invitation.email, "invitation.email")
            v.check(request.invitation.role in PROTO_TO_ROLE, "invitation.role", "must be a role")
            val.check_request_id(v, request.request_id)
        invitation = await self.service.create_invitation(
            caller,
            org_id,
            val.normalize_email(request.invitation.email),
            PROTO_TO_ROLE[request.invitation.role],
            request.request_id,
            client_info(context),
        )
        return invitation_pb2.CreateInvitationResponse(invitation=invitation_pb(invitation))

    async def GetInvitation(
        self, request: invitation_pb2.GetInvitationRequest, context: Context
    ) -> invitation_pb2.GetInvitationResponse:
        checked(request)
        caller = caller_id()
        found = await self.service.get_invitation(caller, *self._name(request.name))
        return invitation_pb2.GetInvitationResponse(invitation=invitation_pb(found))

    async def ListInvitations(
        self, request: invitation_pb2.ListInvitationsRequest, context: Context
    ) -> invitation_pb2.ListInvitationsResponse:
        checked(request)
        caller = caller_id()
        org_id = _org_id(request.parent, "parent")
        names = {v: k for k, v in INVITATION_STATES.items()}
        with validate() as v:
            for state in request.states:
                v.check(state in names, "states", "must be invitation states")
        page = await self.service.list_invitations(
            caller,
            org_id,
            [names[s] for s in request.states],
            page_after(request.page_token),
            val.page_size(request.page_size),
        )
        return invitation_pb2.ListInvitationsResponse(
            invitations=[invitation_pb(i) for i in page.items], next_page_token=next_token(page)
        )

    async def RevokeInvitation(
        self, request: invitation_pb2.RevokeInvitationRequest, context: Context
    ) -> invitation_pb2.RevokeInvitationResponse:
        checked(request)
        caller = caller_id()
        found = await self.service.revoke_invitation(caller, *self._name(request.name), client_info(context))
        return invitation_pb2.RevokeInvitationResponse(invitation=invitation_pb(found))

    async def ResendInvitation(
        self, request: invitation_pb2.ResendInvitationRequest, context: Context
    ) -> invitation_pb2.ResendInvitationResponse:
        checked(request)
        caller = caller_id()
        found = await self.service.resend_invitation(caller, *self._name(request.name), client_info(context))
        return invitation_pb2.ResendInvitationResponse(invitation=invitation_pb(found))

    async def LookupInvitation(
        self, request: invitation_pb2.LookupInvitationRequest, context: Context
    ) -> invitation_pb2.LookupInvitationResponse:
        checked(request)
        with validate() as v:
            val.check_token(v, request.token, "token")
        found, org_name, exists = await self.service.lookup_invitation(request.token)
        return invitation_pb2.LookupInvitationResponse(
            invitation=invitation_pb(found), organization_display_name=org_name, account_exists=exists
        )

    async def AcceptInvitation(
        self, request: invitation_pb2.AcceptInvitationRequest, context: Context
    ) -> invitation_pb2.AcceptInvitationResponse:
        checked(request)
        caller = optional_caller()
        with validate() as v:
            val.check_token(v, request.token, "token")
            if caller is None:
                val.check_name(v, request.display_name, "display_name", required=False)
                if request.password:
                    val.check_password(v, request.password, "password")
        member, user, tokens = await self.service.accept_invitation(
            caller, request.token, request.display_name, request.password, client_info(context)
        )
        response = invitation_pb2.AcceptInvitationResponse(member=member_pb(member), user=user_pb(user))
        if tokens is not None:
            response.tokens.CopyFrom(tokens_pb(tokens))
        return response


class ApiKeyServicer(api_key_pb2_grpc.ApiKeyServiceServicer):
    def __init__(self, service: UsersService) -> None:
        self.service = service

    @staticmethod
    def _name(name: str, field: str = "name") -> tuple[str, str]:
        org_id, key_id = val.parse_name(name, ("organizations", "apiKeys"), field)
        return org_id, key_id

    @staticmethod
    def _check_key(v: Any, key: api_key_pb2.ApiKey, org_id: str, paths: set[str]) -> None:
        if "display_name" in paths:
            val.check_name(v, key.display_name, "api_key.display_name")
        if "scopes" in paths and v.check(
            len(key.scopes) > 0, "api_key.scopes", "must name at least one scope"
        ):
            v.check(all(s in PROTO_TO_SCOPE for s in key.scopes), "api_key.scopes", "must be API key scopes")
        if "sites" in paths:
            v.check(len(key.sites) <= MAX_SITES, "api_key.sites", f"must list at most {MAX_SITES} sites")
            for index, site in enumerate(key.sites):
                parts = site.split("/")
                v.check(
                    len(parts) == 4
                    and parts[0] == "organizations"
                    and parts[1] == org_id
                    and parts[2] == "sites"
                    and val.is_uuid(parts[3]),
                    f"api_key.sites[{index}]",
                    "must be a site of this organization, organizations/{org}/sites/{site}",
                )
        if "expire_time" in paths and key.HasField("expire_time"):
            v.check(
                key.expire_time.ToDatetime(tzinfo=UTC) > datetime.now(UTC),
                "api_key.expire_time",
                "must be in the future",
            )

    async def CreateApiKey(
        self, request: api_key_pb2.CreateApiKeyRequest, context: Context
    ) -> api_key_pb2.CreateApiKeyResponse:
        checked(request)
        caller = caller_id()
        org_id = _org_id(request.parent, "parent")
        key = request.api_key
        with validate("The API key is invalid") as v:
            self._check_key(v, key, org_id, {"display_name", "scopes", "sites", "expire_time"})
            val.check_request_id(v, request.request_id)
        created, secret = await self.service.create_api_key(
            caller,
            org_id,
            display_name=key.display_name.strip(),
            scopes=sorted({PROTO_TO_SCOPE[s].value for s in key.scopes}),
            sites=list(dict.fromkeys(key.sites)),
            expire_at=key.expire_time.ToDatetime(tzinfo=UTC) if key.HasField("expire_time") else None,
            request_id=request.request_id,
            client=client_info(context),
        )
        return api_key_pb2.CreateApiKeyResponse(api_key=api_key_pb(created), secret=secret)

    async def GetApiKey(
        self, request: api_key_pb2.GetApiKeyRequest, context: Context
    ) -> api_key_pb2.GetApiKeyResponse:
        checked(request)
        caller = caller_id()
        return api_key_pb2.GetApiKeyResponse(
            api_key=api_key_pb(await self.service.get_api_key(caller, *self._name(request.name)))
        )

    async def ListApiKeys(
        self, request: api_key_pb2.ListApiKeysRequest, context: Context
    ) -> api_key_pb2.ListApiKeysResponse:
        checked(request)
        caller = caller_id()
        page = await self.service.list_api_keys(
            caller,
            _org_id(request.parent, "parent"),
            request.show_inactive,
            page_after(request.page_token),
            val.page_size(request.page_size),
        )
        return api_key_pb2.ListApiKeysResponse(
            api_keys=[api_key_pb(k) for k in page.items], next_page_token=next_token(page)
        )

    async def UpdateApiKey(
        self, request: api_key_pb2.UpdateApiKeyRequest, context: Context
    ) -> api_key_pb2.UpdateApiKeyResponse:
        checked(request)
        caller = caller_id()
        org_id, key_id = self._name(request.api_key.name, "api_key.name")
        paths = set(mask_paths(request.update_mask.paths, {"display_name", "scopes", "sites", "expire_time"}))
        key = request.api_key
        with validate("The API key is invalid") as v:
            self._check_key(v, key, org_id, paths)
        changes: dict[str, Any] = {}
        if "display_name" in paths:
            changes["display_name"] = key.display_name.strip()
        if "scopes" in paths:
            changes["scopes"] = sorted({PROTO_TO_SCOPE[s].value for s in key.scopes})
        if "sites" in paths:
            changes["sites"] = list(dict.fromkeys(key.sites))
        if "expire_time" in paths:
            changes["expire_at"] = (
                key.expire_time.ToDatetime(tzinfo=UTC) if key.HasField("expire_time") else None
            )
        updated = await self.service.update_api_key(
            caller, org_id, key_id, changes, key.etag, client_info(context)
        )
        return api_key_pb2.UpdateApiKeyResponse(api_key=api_key_pb(updated))

    async def RotateApiKey(
        self, request: api_key_pb2.RotateApiKeyRequest, context: Context
    ) -> api_key_pb2.RotateApiKeyResponse:
        checked(request)
        caller = caller_id()
        org_id, key_id = self._name(request.name)
        grace = (
            request.grace_period.ToTimedelta() if request.HasField("grace_period") else timedelta(hours=24)
        )
        with validate() as v:
            v.check(
                timedelta(0) <= grace <= timedelta(days=7), "grace_period", "must be between 0 and 7 days"
            )
        rotated, secret = await self.service.rotate_api_key(
            caller, org_id, key_id, grace, client_info(context)
        )
        return api_key_pb2.RotateApiKeyResponse(api_key=api_key_pb(rotated), secret=secret)

    async def RevokeApiKey(
        self, request: api_key_pb2.RevokeApiKeyRequest, context: Context
    ) -> api_key_pb2.RevokeApiKeyResponse:
        checked(request)
        caller = caller_id()
        revoked = await self.service.revoke_api_key(caller, *self._name(request.name), client_info(context))
        return api_key_pb2.RevokeApiKeyResponse(api_key=api_key_pb(revoked))

    async def VerifyApiKey(
        self, request: api_key_pb2.VerifyApiKeyRequest, context: Context
    ) -> api_key_pb2.VerifyApiKeyResponse:
        checked(request)
        principal = current_principal()
        # Only mesh peers (the edge's ext_authz adapter) may probe secrets; a client could otherwise
        # use this RPC as a guessing oracle.
        if principal.kind is not PrincipalKind.SERVICE:
            from shared.errors import PermissionDenied

            raise PermissionDenied("Only mesh services may verify API keys", reason="SERVICE_ONLY")
        resource_org: str | None = None
        resource_site: str | None = None
        with validate() as v:
            if v.require(request.secret, "secret"):
                v.check(len(request.secret) <= 200, "secret", "is too long")
            v.check(
                request.required_scope == 0 or request.required_scope in PROTO_TO_SCOPE,
                "required_scope",
                "must be an API key scope",
            )
            if request.resource:
                parts = request.resource.split("/")
                if v.check(
                    len(parts) >= 2 and parts[0] == "organizations" and val.is_uuid(parts[1]),
                    "resource",
                    "must start with organizations/{org}",
                ):
                    resource_org = parts[1].lower()
                    if len(parts) >= 4 and parts[2] == "sites":
                        resource_site = parts[3].lower()
        scope = PROTO_TO_SCOPE[request.required_scope].value if request.required_scope else None
        decision = await self.service.verify_api_key(
            request.secret, scope, resource_org, resource_site, request.client_ip[:64]
        )
        key = decision.api_key
        response = api_key_pb2.VerifyApiKeyResponse(
            principal=authorization_pb2.Principal(
                kind=authorization_pb2.PRINCIPAL_KIND_API_KEY,
                subject=f"organizations/{key.org_id}/apiKeys/{key.id}",
                organization=f"organizations/{key.org_id}",
                permissions=sorted(decision.permissions),
                sites=list(key.sites),
            ),
            scopes=[SCOPE_TO_PROTO[ApiKeyScope(s)] for s in key.scopes],
        )
        ts(datetime.now(UTC), response.principal.authenticate_time)
        ts(decision.expire_at, response.principal.expire_time)
        response.cache_ttl.FromTimedelta(self.service.policy.api_key_cache_ttl)
        return response


class AuthorizationServicer(authorization_pb2_grpc.AuthorizationServiceServicer):
    def __init__(self, service: UsersService) -> None:
        self.service = service

    async def CheckPermission(
        self, request: authorization_pb2.CheckPermissionRequest, context: Context
    ) -> authorization_pb2.CheckPermissionResponse:
        checked(request)
        principal = current_principal()
        with validate() as v:
            subject_ok = v.require(request.subject, "subject")
            resource_ok = v.require(request.resource, "resource")
            v.require(request.permission, "permission")
            v.check(len(request.permission) <= 100, "permission", "is too long")
        kind = "user"
        subject_id = ""
        if subject_ok:
            parts = request.subject.split("/")
            if len(parts) == 2 and parts[0] == "users" and val.is_uuid(parts[1]):
                subject_id = parts[1].lower()
            elif (
                len(parts) == 4
                and parts[0] == "organizations"
                and parts[2] == "apiKeys"
                and val.is_uuid(parts[3])
            ):
                kind, subject_id = "api_key", parts[3].lower()
            else:
                raise InvalidArgument(
                    "The subject is malformed",
                    violations=[
                        FieldViolation("subject", "must be users/{user} or organizations/{org}/apiKeys/{key}")
                    ],
                )
        parts = request.resource.split("/") if resource_ok else []
        if len(parts) < 2 or parts[0] != "organizations" or not val.is_uuid(parts[1]):
            raise InvalidArgument(
                "The resource is malformed",
                violations=[FieldViolation("resource", "must start with organizations/{org}")],
            )
        org_id = parts[1].lower()
        # Users may ask about themselves (the dashboard hiding buttons); anything else is for peers.
        if principal.kind is not PrincipalKind.SERVICE and not (
            principal.kind is PrincipalKind.USER and request.subject == principal.subject
        ):
            from shared.errors import PermissionDenied

            raise PermissionDenied("You may only check your own permissions", reason="SUBJECT_NOT_CALLER")
        allowed, member, role = await self.service.check_permission(
            kind, subject_id, org_id, request.permission
        )
        response = authorization_pb2.CheckPermissionResponse(
            allowed=allowed,
            member=member,
            role=ROLE_TO_PROTO[role] if role else 0,  # type: ignore[arg-type]
        )
        response.cache_ttl.FromTimedelta(timedelta(seconds=30))
        return response

    async def ListRoles(
        self, request: authorization_pb2.ListRolesRequest, context: Context
    ) -> authorization_pb2.ListRolesResponse:
        checked(request)
        return authorization_pb2.ListRolesResponse(
            roles=[
                authorization_pb2.RoleDefinition(
                    role=ROLE_TO_PROTO[role],
                    display_name=role.value.capitalize(),
                    description=ROLE_DESCRIPTIONS[role],
                    permissions=sorted(permissions_of_role(role)),
                )
                for role in ROLE_ORDER
            ]
        )


class AuditServicer(audit_pb2_grpc.AuditServiceServicer):
    def __init__(self, service: UsersService) -> None:
        self.service = service

    @staticmethod
    def _parent(parent: str, field: str, caller: str) -> tuple[str | None, str | None]:
        if parent.startswith("users/"):
            (user_id,) = val.parse_name(parent, ("users",), field, me=True)
            return None, caller if user_id == "me" else user_id
        return _org_id(parent, field), None

    async def ListAuditLogEntries(
        self, request: audit_pb2.ListAuditLogEntriesRequest, context: Context
    ) -> audit_pb2.ListAuditLogEntriesResponse:
        checked(request)
        caller = caller_id()
        org_id, user_id = self._parent(request.parent, "parent", caller)
        size = val.page_size(request.page_size, maximum=200)
        start = (
            request.time_range.start_time.ToDatetime(tzinfo=UTC)
            if request.time_range.HasField("start_time")
            else None
        )
        end = (
            request.time_range.end_time.ToDatetime(tzinfo=UTC)
            if request.time_range.HasField("end_time")
            else None
        )
        with validate() as v:
            v.check(len(request.actions) <= 30, "actions", "must list at most 30 actions")
            v.check(all(0 < a <= 27 for a in request.actions), "actions", "must be audit actions")
            v.check(len(request.actor) <= 200, "actor", "is too long")
            v.check(len(request.target) <= 300, "target", "is too long")
            v.check(len(request.ip_address) <= 64, "ip_address", "is too long")
            v.check(start is None or end is None or start < end, "time_range", "must start before it ends")
        page = await self.service.list_audit(
            caller,
            org_id=org_id,
            user_id=user_id,
            actions=list(request.actions),
            actor=request.actor,
            target=request.target,
            outcome=request.outcome,
            start=start,
            end=end,
            after=page_after(request.page_token),
            limit=size,
        )
        entries = page.items
        if request.ip_address:
            # IPs are encrypted at rest, so this filter runs after decryption, within the page.
            entries = [e for e in entries if e.ip_address == request.ip_address]
        return audit_pb2.ListAuditLogEntriesResponse(
            audit_log_entries=[audit_pb(e) for e in entries], next_page_token=next_token(page)
        )

    async def GetAuditLogEntry(
        self, request: audit_pb2.GetAuditLogEntryRequest, context: Context
    ) -> audit_pb2.GetAuditLogEntryResponse:
        checked(request)
        caller = caller_id()
        head, _, entry = request.name.rpartition("/auditLogEntries/")
        if not val.is_uuid(entry):
            raise InvalidArgument(
                "The resource name is malformed",
                violations=[FieldViolation("name", "must end with /auditLogEntries/{id}")],
            )
        org_id, user_id = self._parent(head, "name", caller)
        found = await self.service.get_audit_entry(
            caller, org_id=org_id, user_id=user_id, entry_id=entry.lower()
        )
        return audit_pb2.GetAuditLogEntryResponse(audit_log_entry=audit_pb(found))


class PrivacyServicer(privacy_pb2_grpc.PrivacyServiceServicer):
    def __init__(self, service: UsersService) -> None:
        self.service = service

    async def ExportUserData(
        self, request: privacy_pb2.ExportUserDataRequest, context: Context
    ) -> privacy_pb2.ExportUserDataResponse:
        checked(request)
        caller = caller_id()
        (user_id,) = val.parse_name(request.name, ("users",), "name", me=True)
        content = await self.service.export_user_data(
            caller, caller if user_id == "me" else user_id, client_info(context)
        )
        now = datetime.now(UTC)
        response = privacy_pb2.ExportUserDataResponse(
            content=content,
            content_type="application/json",
            file_name=f"socialproof-export-{now.date().isoformat()}.json",
        )
        ts(now, response.create_time)
        return response

    async def EraseUser(
        self, request: privacy_pb2.EraseUserRequest, context: Context
    ) -> privacy_pb2.EraseUserResponse:
        checked(request)
        caller = caller_id()
        (user_id,) = val.parse_name(request.name, ("users",), "name", me=True)
        with validate() as v:
            if v.require(request.password, "password"):
                v.check(len(request.password) <= val.MAX_PASSWORD, "password", "is too long")
            val.check_request_id(v, request.request_id)
        erased_at, deleted = await self.service.erase_user(
            caller, caller if user_id == "me" else user_id, request.password, client_info(context)
        )
        response = privacy_pb2.EraseUserResponse(deleted_organizations=deleted)
        ts(erased_at, response.erase_time)
        return response


def servicers(service: UsersService) -> dict[str, Any]:
    return {
        "AuthService": AuthServicer(service),
        "UserService": UserServicer(service),
        "OrganizationService": OrganizationServicer(service),
        "MemberService": MemberServicer(service),
        "InvitationService": InvitationServicer(service),
        "ApiKeyService": ApiKeyServicer(service),
        "AuthorizationService": AuthorizationServicer(service),
        "AuditService": AuditServicer(service),
        "PrivacyService": PrivacyServicer(service),
    }
