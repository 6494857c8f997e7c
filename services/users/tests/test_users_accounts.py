"""Accounts over gRPC: sign-up, login, refresh rotation and reuse, logout, JWKS, reset and verification."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import grpc
import pytest

from services.users.domain.signing import InvalidToken, TokenSettings, verify_access_token
from services.users.tests.conftest import PASSWORD, Stubs, details
from socialproof.users.v1 import auth_pb2

TOKENS = TokenSettings("https://socialproof.local", "socialproof", timedelta(minutes=15))


async def test_sign_up_signs_in_and_access_token_verifies_with_jwks(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    account = await sign_up("Jana")
    response = account.response
    assert response.user.email == account.email and not response.user.email_verified
    assert response.organization.display_name == "Jana's organization"
    jwks = await api.auth.GetJwks(auth_pb2.GetJwksRequest())
    keys = [
        {"kty": k.kty, "kid": k.kid, "alg": k.alg, "crv": k.crv, "x": k.x, "y": k.y, "use": k.use}
        for k in jwks.keys
    ]
    claims = verify_access_token(response.tokens.access_token, keys, TOKENS)
    assert claims["sub"] == response.user.name
    assert claims["org_roles"] == {account.org_id: "owner"}
    assert claims["email_verified"] is False
    mail = api.smtp.wait_for(1, to=account.email)[0]
    assert "verify-email?token=" in mail.get_content()


async def test_refreshed_access_token_keeps_the_organization_roles(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    """A dashboard reload signs in with the refresh token: the new access token must carry the same
    memberships as the login's (they are read under the user's row-level security context)."""
    account = await sign_up()
    jwks = await api.auth.GetJwks(auth_pb2.GetJwksRequest())
    keys = [
        {"kty": k.kty, "kid": k.kid, "alg": k.alg, "crv": k.crv, "x": k.x, "y": k.y, "use": k.use}
        for k in jwks.keys
    ]
    refreshed = await api.auth.RefreshToken(
        auth_pb2.RefreshTokenRequest(refresh_token=account.response.tokens.refresh_token)
    )
    claims = verify_access_token(refreshed.tokens.access_token, keys, TOKENS)
    assert claims["sub"] == account.response.user.name
    assert claims["org_roles"] == {account.org_id: "owner"}


async def test_refresh_rotates_and_reuse_revokes_the_family(api: Stubs, sign_up: Callable[..., Any]) -> None:
    account = await sign_up()
    first = account.response.tokens.refresh_token
    second = (
        await api.auth.RefreshToken(auth_pb2.RefreshTokenRequest(refresh_token=first))
    ).tokens.refresh_token
    assert second != first
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await api.auth.RefreshToken(auth_pb2.RefreshTokenRequest(refresh_token=first))
    assert reused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert details(reused.value)[0] == "REFRESH_TOKEN_REUSED"
    # The thief's reuse killed the family: the legitimate newer token is dead too.
    with pytest.raises(grpc.aio.AioRpcError) as dead:
        await api.auth.RefreshToken(auth_pb2.RefreshTokenRequest(refresh_token=second))
    assert details(dead.value)[0] == "INVALID_REFRESH_TOKEN"


async def test_login_wrong_password_is_indistinguishable_and_then_locked(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    account = await sign_up()
    for email in (account.email, "nobody-here@example.com"):
        with pytest.raises(grpc.aio.AioRpcError) as wrong:
            await api.auth.Login(auth_pb2.LoginRequest(email=email, password="wrong password!"))
        assert wrong.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert details(wrong.value)[0] == "INVALID_CREDENTIALS"
    for _ in range(2):
        with pytest.raises(grpc.aio.AioRpcError):
            await api.auth.Login(auth_pb2.LoginRequest(email=account.email, password="wrong password!"))
    # Three failures for the account (limit 3 in tests): even the right password is refused now.
    with pytest.raises(grpc.aio.AioRpcError) as locked:
        await api.auth.Login(auth_pb2.LoginRequest(email=account.email, password=PASSWORD))
    assert locked.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert details(locked.value)[0] == "TOO_MANY_ATTEMPTS"
    other = await sign_up("Other")
    ok = await api.auth.Login(auth_pb2.LoginRequest(email=other.email.upper(), password=PASSWORD))
    assert ok.user.name == other.response.user.name


async def test_password_reset_by_email_is_single_use_and_revokes_sessions(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    account = await sign_up()
    await api.auth.RequestPasswordReset(auth_pb2.RequestPasswordResetRequest(email=account.email))
    # Unknown addresses get the same empty answer and no email.
    await api.auth.RequestPasswordReset(auth_pb2.RequestPasswordResetRequest(email="ghost@example.com"))
    mails = api.smtp.wait_for(2, to=account.email)
    reset = next(m for m in mails if "Reset" in str(m["Subject"]))
    token = re.search(r"token=([\w-]+)", reset.get_content()).group(1)  # type: ignore[union-attr]
    await api.auth.ConfirmPasswordReset(
        auth_pb2.ConfirmPasswordResetRequest(token=token, new_password="a new long secret")
    )
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await api.auth.ConfirmPasswordReset(
            auth_pb2.ConfirmPasswordResetRequest(token=token, new_password="another secret 2")
        )
    assert again.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details(again.value) == ("INVALID_TOKEN", {"token": "is invalid, expired or already used"})
    with pytest.raises(grpc.aio.AioRpcError) as revoked:
        await api.auth.RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=account.response.tokens.refresh_token)
        )
    assert revoked.value.code() == grpc.StatusCode.UNAUTHENTICATED
    await api.auth.Login(auth_pb2.LoginRequest(email=account.email, password="a new long secret"))
    assert not [m for m in api.smtp.messages if "ghost@example.com" in str(m["To"])]


async def test_email_verification_marks_the_user_verified(api: Stubs, sign_up: Callable[..., Any]) -> None:
    account = await sign_up()
    mail = api.smtp.wait_for(1, to=account.email)[0]
    token = re.search(r"token=([\w-]+)", mail.get_content()).group(1)  # type: ignore[union-attr]
    verified = await api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(token=token))
    assert verified.user.email_verified
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(token=token))
    assert twice.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_sign_up_rejects_malformed_oversized_and_unknown_fields(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await api.auth.SignUp(
            auth_pb2.SignUpRequest(
                email="not-an-email", password="short", display_name="x" * 101, time_zone="Mars/Base"
            )
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details(bad.value)[1] == {
        "email": "is not a valid email address",
        "password": "must be 10 to 128 characters",
        "display_name": "must be at most 100 characters",
        "time_zone": "must be an IANA time zone such as Europe/Prague",
    }
    with pytest.raises(grpc.aio.AioRpcError) as huge:
        await api.auth.SignUp(
            auth_pb2.SignUpRequest(email="a" * 250 + "@x.io", password="p" * 129, display_name="A")
        )
    assert details(huge.value)[1] == {
        "email": "must be at most 254 characters",
        "password": "must be 10 to 128 characters",
    }
    raw = (
        auth_pb2.LoginRequest(email="a@example.com", password="x" * 12).SerializeToString() + b"\xa0\x06\x01"
    )
    # A client built against a newer contract (field 100 unknown here) is told, not silently ignored.
    channel_call = api.channel.unary_unary("/socialproof.users.v1.AuthService/Login")
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await channel_call(raw)
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details(unknown.value) == ("UNKNOWN_FIELDS", {"(request)": "contains unknown fields"})
    account = await sign_up()
    with pytest.raises(grpc.aio.AioRpcError) as taken:
        await api.auth.SignUp(
            auth_pb2.SignUpRequest(email=account.email.upper(), password=PASSWORD, display_name="Twin")
        )
    assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_rotated_signing_key_keeps_verifying_old_tokens(
    api: Stubs, sign_up: Callable[..., Any]
) -> None:
    account = await sign_up()
    old_token = account.response.tokens.access_token
    new_kid = await api.service.rotate_signing_key()
    jwks = await api.auth.GetJwks(auth_pb2.GetJwksRequest())
    kids = [k.kid for k in jwks.keys]
    assert kids[0] == new_kid and len(kids) == 2
    keys = [{"kty": k.kty, "kid": k.kid, "alg": k.alg, "crv": k.crv, "x": k.x, "y": k.y} for k in jwks.keys]
    verify_access_token(old_token, keys, TOKENS)
    refreshed = await api.auth.RefreshToken(
        auth_pb2.RefreshTokenRequest(refresh_token=account.response.tokens.refresh_token)
    )
    import jwt

    assert jwt.get_unverified_header(refreshed.tokens.access_token)["kid"] == new_kid
    with pytest.raises(InvalidToken):
        verify_access_token(old_token, keys[:1], TOKENS)
