"""Organizations, members, invitations, API keys and the audit log: roles, tenancy and row-level security."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.users.tests.conftest import PASSWORD, Stubs, as_service, as_user, details
from shared.db import Database
from socialproof.users.v1 import (
    api_key_pb2,
    audit_pb2,
    authorization_pb2,
    invitation_pb2,
    member_pb2,
    organization_pb2,
)

VIEWER = authorization_pb2.ROLE_VIEWER
ADMIN = authorization_pb2.ROLE_ADMIN


async def invite_and_join(
    api: Stubs, owner: Any, role: int, name: str = "Petr"
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Invites a new address into owner's org and accepts anonymously; returns (user id, metadata)."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com"
    await api.invitations.CreateInvitation(
        invitation_pb2.CreateInvitationRequest(
            parent=f"organizations/{owner.org_id}",
            invitation=invitation_pb2.Invitation(email=email, role=role),
        ),
        metadata=owner.md,
    )
    mail = api.smtp.wait_for(1, to=email)[0]
    token = re.search(r"token=([\w.-]+)", mail.get_content()).group(1)  # type: ignore[union-attr]
    looked = await api.invitations.LookupInvitation(invitation_pb2.LookupInvitationRequest(token=token))
    assert looked.invitation.email == email and not looked.account_exists
    accepted = await api.invitations.AcceptInvitation(
        invitation_pb2.AcceptInvitationRequest(token=token, display_name=name, password=PASSWORD)
    )
    assert accepted.member.role == role and accepted.user.email_verified and accepted.tokens.access_token
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await api.invitations.AcceptInvitation(invitation_pb2.AcceptInvitationRequest(token=token))
    assert details(twice.value)[0] == "INVALID_TOKEN"
    user_id = accepted.user.name.removeprefix("users/")
    return user_id, as_user(user_id)


async def test_viewer_cannot_do_admin_actions(api: Stubs, sign_up: Callable[..., Any]) -> None:
    owner = await sign_up("Owner")
    viewer_id, viewer = await invite_and_join(api, owner, VIEWER)
    listed = await api.members.ListMembers(
        member_pb2.ListMembersRequest(parent=f"organizations/{owner.org_id}"), metadata=viewer
    )
    assert {m.role for m in listed.members} == {authorization_pb2.ROLE_OWNER, VIEWER}
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await api.api_keys.CreateApiKey(
            api_key_pb2.CreateApiKeyRequest(
                parent=f"organizations/{owner.org_id}",
                api_key=api_key_pb2.ApiKey(
                    display_name="x", scopes=[api_key_pb2.API_KEY_SCOPE_ACTIVITIES_WRITE]
                ),
            ),
            metadata=viewer,
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert details(denied.value)[0] == "PERMISSION_MISSING"
    with pytest.raises(grpc.aio.AioRpcError) as promote:
        await api.members.UpdateMember(
            member_pb2.UpdateMemberRequest(
                member=member_pb2.Member(
                    name=f"organizations/{owner.org_id}/members/{viewer_id}", role=ADMIN
                ),
                update_mask=field_mask_pb2.FieldMask(paths=["role"]),
            ),
            metadata=viewer,
        )
    assert promote.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # The owner can, and the audit log records it with both roles.
    await api.members.UpdateMember(
        member_pb2.UpdateMemberRequest(
            member=member_pb2.Member(name=f"organizations/{owner.org_id}/members/{viewer_id}", role=ADMIN),
            update_mask=field_mask_pb2.FieldMask(paths=["role"]),
        ),
        metadata=owner.md,
    )
    log = await api.audit.ListAuditLogEntries(
        audit_pb2.ListAuditLogEntriesRequest(
            parent=f"organizations/{owner.org_id}", actions=[audit_pb2.AUDIT_ACTION_MEMBER_ROLE_CHANGED]
        ),
        metadata=owner.md,
    )
    assert [dict(e.details) for e in log.audit_log_entries] == [{"old_role": "viewer", "new_role": "admin"}]
    assert log.audit_log_entries[0].actor == f"users/{owner.user_id}"
    assert log.audit_log_entries[0].ip_address == "203.0.113.7"


async def test_last_owner_cannot_leave_until_ownership_is_transferred(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    owner = await sign_up("Owner")
    admin_id, admin = await invite_and_join(api, owner, ADMIN)
    me = f"organizations/{owner.org_id}/members/me"
    with pytest.raises(grpc.aio.AioRpcError) as last:
        await api.members.DeleteMember(member_pb2.DeleteMemberRequest(name=me), metadata=owner.md)
    assert last.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(last.value)[0] == "LAST_OWNER"
    moved = await api.members.TransferOwnership(
        member_pb2.TransferOwnershipRequest(
            organization=f"organizations/{owner.org_id}",
            new_owner=f"organizations/{owner.org_id}/members/{admin_id}",
        ),
        metadata=owner.md,
    )
    assert moved.new_owner.role == authorization_pb2.ROLE_OWNER and moved.previous_owner.role == ADMIN
    await api.members.DeleteMember(member_pb2.DeleteMemberRequest(name=me), metadata=owner.md)
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await api.orgs.GetOrganization(
            organization_pb2.GetOrganizationRequest(name=f"organizations/{owner.org_id}"), metadata=owner.md
        )
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


async def test_member_of_org_a_gets_not_found_for_org_b_on_every_rpc(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    a = await sign_up("Alice")
    b = await sign_up("Bob")
    key = await api.api_keys.CreateApiKey(
        api_key_pb2.CreateApiKeyRequest(
            parent=f"organizations/{b.org_id}",
            api_key=api_key_pb2.ApiKey(display_name="B key", scopes=[api_key_pb2.API_KEY_SCOPE_SITES_READ]),
        ),
        metadata=b.md,
    )
    org_b = f"organizations/{b.org_id}"
    mask = field_mask_pb2.FieldMask
    calls = [
        api.orgs.GetOrganization(organization_pb2.GetOrganizationRequest(name=org_b), metadata=a.md),
        api.orgs.UpdateOrganization(
            organization_pb2.UpdateOrganizationRequest(
                organization=organization_pb2.Organization(name=org_b, display_name="pwned"),
                update_mask=mask(paths=["display_name"]),
            ),
            metadata=a.md,
        ),
        api.orgs.DeleteOrganization(organization_pb2.DeleteOrganizationRequest(name=org_b), metadata=a.md),
        api.orgs.UndeleteOrganization(
            organization_pb2.UndeleteOrganizationRequest(name=org_b), metadata=a.md
        ),
        api.members.ListMembers(member_pb2.ListMembersRequest(parent=org_b), metadata=a.md),
        api.members.GetMember(
            member_pb2.GetMemberRequest(name=f"{org_b}/members/{b.user_id}"), metadata=a.md
        ),
        api.members.UpdateMember(
            member_pb2.UpdateMemberRequest(
                member=member_pb2.Member(name=f"{org_b}/members/{b.user_id}", role=VIEWER),
                update_mask=mask(paths=["role"]),
            ),
            metadata=a.md,
        ),
        api.members.DeleteMember(
            member_pb2.DeleteMemberRequest(name=f"{org_b}/members/{b.user_id}"), metadata=a.md
        ),
        api.members.TransferOwnership(
            member_pb2.TransferOwnershipRequest(organization=org_b, new_owner=f"{org_b}/members/{a.user_id}"),
            metadata=a.md,
        ),
        api.invitations.CreateInvitation(
            invitation_pb2.CreateInvitationRequest(
                parent=org_b, invitation=invitation_pb2.Invitation(email="x@example.com", role=VIEWER)
            ),
            metadata=a.md,
        ),
        api.invitations.ListInvitations(invitation_pb2.ListInvitationsRequest(parent=org_b), metadata=a.md),
        api.api_keys.ListApiKeys(api_key_pb2.ListApiKeysRequest(parent=org_b), metadata=a.md),
        api.api_keys.GetApiKey(api_key_pb2.GetApiKeyRequest(name=key.api_key.name), metadata=a.md),
        api.api_keys.RevokeApiKey(api_key_pb2.RevokeApiKeyRequest(name=key.api_key.name), metadata=a.md),
        api.api_keys.RotateApiKey(api_key_pb2.RotateApiKeyRequest(name=key.api_key.name), metadata=a.md),
        api.audit.ListAuditLogEntries(audit_pb2.ListAuditLogEntriesRequest(parent=org_b), metadata=a.md),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND, refused.value.details()
        assert details(refused.value)[0] == "ORGANIZATION_NOT_FOUND"
    # Nothing changed in B.
    still = await api.orgs.GetOrganization(organization_pb2.GetOrganizationRequest(name=org_b), metadata=b.md)
    assert still.organization.display_name == "Bob's organization"


async def test_malformed_names_and_anonymous_callers_are_refused(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    a = await sign_up()
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await api.orgs.GetOrganization(
            organization_pb2.GetOrganizationRequest(name="organizations/../x"), metadata=a.md
        )
    assert details(bad.value)[1] == {"name": "must look like organizations/{id}"}
    with pytest.raises(grpc.aio.AioRpcError) as anon:
        await api.orgs.ListOrganizations(organization_pb2.ListOrganizationsRequest())
    assert anon.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as size:
        await api.orgs.ListOrganizations(
            organization_pb2.ListOrganizationsRequest(page_size=1000), metadata=a.md
        )
    assert details(size.value)[1] == {"page_size": "must be between 0 and 100"}
    with pytest.raises(grpc.aio.AioRpcError) as keybad:
        await api.api_keys.CreateApiKey(
            api_key_pb2.CreateApiKeyRequest(
                parent=f"organizations/{a.org_id}",
                api_key=api_key_pb2.ApiKey(display_name="k" * 101, sites=["organizations/other/sites/x"]),
            ),
            metadata=a.md,
        )
    assert details(keybad.value)[1] == {
        "api_key.display_name": "must be at most 100 characters",
        "api_key.scopes": "must name at least one scope",
        "api_key.sites[0]": "must be a site of this organization, organizations/{org}/sites/{site}",
    }


async def test_api_key_lifecycle_and_verification(api: Stubs, sign_up: Callable[..., Any]) -> None:
    owner = await sign_up()
    site = f"organizations/{owner.org_id}/sites/{uuid.uuid4()}"
    created = await api.api_keys.CreateApiKey(
        api_key_pb2.CreateApiKeyRequest(
            parent=f"organizations/{owner.org_id}",
            api_key=api_key_pb2.ApiKey(
                display_name="Shopify app", scopes=[api_key_pb2.API_KEY_SCOPE_ACTIVITIES_WRITE], sites=[site]
            ),
        ),
        metadata=owner.md,
    )
    secret = created.secret
    assert secret.startswith(created.api_key.key_prefix + "_")
    got = await api.api_keys.GetApiKey(
        api_key_pb2.GetApiKeyRequest(name=created.api_key.name), metadata=owner.md
    )
    assert secret not in str(got)
    verify = api_key_pb2.VerifyApiKeyRequest
    ok = await api.api_keys.VerifyApiKey(
        verify(
            secret=secret,
            required_scope=api_key_pb2.API_KEY_SCOPE_ACTIVITIES_WRITE,
            resource=site,
            client_ip="198.51.100.4",
        ),
        metadata=as_service(),
    )
    assert ok.principal.subject == created.api_key.name
    assert set(ok.principal.permissions) == {"activities.create", "activities.delete"}
    with pytest.raises(grpc.aio.AioRpcError) as scope:
        await api.api_keys.VerifyApiKey(
            verify(secret=secret, required_scope=api_key_pb2.API_KEY_SCOPE_CAMPAIGNS_WRITE),
            metadata=as_service(),
        )
    assert (
        scope.value.code() == grpc.StatusCode.PERMISSION_DENIED and details(scope.value)[0] == "SCOPE_MISSING"
    )
    with pytest.raises(grpc.aio.AioRpcError) as other_site:
        await api.api_keys.VerifyApiKey(
            verify(secret=secret, resource=f"organizations/{owner.org_id}/sites/{uuid.uuid4()}"),
            metadata=as_service(),
        )
    assert details(other_site.value)[0] == "SITE_NOT_ALLOWED"
    with pytest.raises(grpc.aio.AioRpcError) as client_probe:
        await api.api_keys.VerifyApiKey(verify(secret=secret), metadata=owner.md)
    assert client_probe.value.code() == grpc.StatusCode.PERMISSION_DENIED
    used = await api.api_keys.GetApiKey(
        api_key_pb2.GetApiKeyRequest(name=created.api_key.name), metadata=owner.md
    )
    assert used.api_key.last_used_ip == "198.51.100.4" and used.api_key.HasField("last_used_time")
    rotated = await api.api_keys.RotateApiKey(
        api_key_pb2.RotateApiKeyRequest(name=created.api_key.name), metadata=owner.md
    )
    assert rotated.secret != secret
    # Within the grace period both secrets work; after revocation neither does.
    await api.api_keys.VerifyApiKey(verify(secret=secret), metadata=as_service())
    await api.api_keys.VerifyApiKey(verify(secret=rotated.secret), metadata=as_service())
    await api.api_keys.RevokeApiKey(
        api_key_pb2.RevokeApiKeyRequest(name=created.api_key.name), metadata=owner.md
    )
    for presented in (secret, rotated.secret, secret[:-1] + ("A" if secret[-1] != "A" else "B"), "garbage"):
        with pytest.raises(grpc.aio.AioRpcError) as dead:
            await api.api_keys.VerifyApiKey(verify(secret=presented), metadata=as_service())
        assert (
            dead.value.code() == grpc.StatusCode.UNAUTHENTICATED
            and details(dead.value)[0] == "INVALID_API_KEY"
        )
    actions = [
        e.action
        for e in (
            await api.audit.ListAuditLogEntries(
                audit_pb2.ListAuditLogEntriesRequest(
                    parent=f"organizations/{owner.org_id}", target=created.api_key.name
                ),
                metadata=owner.md,
            )
        ).audit_log_entries
    ]
    assert actions == [
        audit_pb2.AUDIT_ACTION_API_KEY_REVOKED,
        audit_pb2.AUDIT_ACTION_API_KEY_ROTATED,
        audit_pb2.AUDIT_ACTION_API_KEY_CREATED,
    ]


async def test_row_level_security_hides_other_tenants_without_any_where_clause(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    a = await sign_up("Alice")
    b = await sign_up("Bob")
    app = Database(make_url(api.database_url).set(username="sp_users_app"), schema="users")
    try:
        async with app.tenant_session(a.org_id) as session:
            orgs = (await session.execute(text("SELECT id::text FROM organizations"))).scalars().all()
            members = (await session.execute(text("SELECT org_id::text FROM members"))).scalars().all()
            audit = (
                (await session.execute(text("SELECT DISTINCT org_id::text FROM audit_log"))).scalars().all()
            )
        assert orgs == [a.org_id] and members == [a.org_id] and audit == [a.org_id]
        async with app.session() as session:
            count = (await session.execute(text("SELECT count(*) FROM organizations"))).scalar_one()
        assert count == 0
        with pytest.raises(Exception, match="row-level security"):
            async with app.tenant_session(a.org_id) as session:
                await session.execute(
                    text("INSERT INTO members (org_id, user_id, role) VALUES (:b, :u, 'owner')"),
                    {"b": b.org_id, "u": a.user_id},
                )
    finally:
        await app.dispose()


async def test_soft_delete_undelete_and_purge(api: Stubs, sign_up: Callable[..., Any]) -> None:
    owner = await sign_up()
    name = f"organizations/{owner.org_id}"
    deleted = await api.orgs.DeleteOrganization(
        organization_pb2.DeleteOrganizationRequest(name=name), metadata=owner.md
    )
    assert deleted.organization.state == organization_pb2.ORGANIZATION_STATE_DELETED
    listed = await api.orgs.ListOrganizations(organization_pb2.ListOrganizationsRequest(), metadata=owner.md)
    assert list(listed.organizations) == []
    restored = await api.orgs.UndeleteOrganization(
        organization_pb2.UndeleteOrganizationRequest(name=name), metadata=owner.md
    )
    assert restored.organization.state == organization_pb2.ORGANIZATION_STATE_ACTIVE
    await api.orgs.DeleteOrganization(
        organization_pb2.DeleteOrganizationRequest(name=name), metadata=owner.md
    )
    from datetime import UTC, datetime, timedelta

    purged = await api.service.purge_due_organizations(datetime.now(UTC) + timedelta(days=31))
    assert purged == [owner.org_id]
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await api.orgs.UndeleteOrganization(
            organization_pb2.UndeleteOrganizationRequest(name=name), metadata=owner.md
        )
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND
