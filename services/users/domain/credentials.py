"""Credentials: argon2id password hashes, opaque single-use tokens and API key secrets."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

API_KEY_PREFIX = "sp_live_"
_PREFIX_CHARS = 8
_SECRET_CHARS = 40
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
_API_KEY = re.compile(
    rf"^{API_KEY_PREFIX}([{_ALPHABET}]{{{_PREFIX_CHARS}}})_([{_ALPHABET}]{{{_SECRET_CHARS}}})$"
)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """argon2id cost; production uses the library defaults (RFC 9106 second recommendation)."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


class Passwords:
    """Hashes and checks passwords with argon2id. CPU-heavy: call from a worker thread."""

    def __init__(self, policy: PasswordPolicy = PasswordPolicy()) -> None:  # noqa: B008 - immutable frozen dataclass default
        self._hasher = PasswordHasher(
            time_cost=policy.time_cost, memory_cost=policy.memory_cost_kib, parallelism=policy.parallelism
        )
        # Checked against when the email is unknown so both paths take the same time.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


def new_opaque_token() -> str:
    """A 256-bit random token for links and refresh tokens (URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """Tokens are long and random, so a plain SHA-256 is enough to make a stolen table useless."""
    return hashlib.sha256(token.encode()).digest()


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_api_key_prefix() -> str:
    return _random(_PREFIX_CHARS)


def new_api_key_secret(prefix: str) -> str:
    """The full secret: "sp_live_" + lookup prefix + "_" + 40 random characters (~234 bits)."""
    return f"{API_KEY_PREFIX}{prefix}_{_random(_SECRET_CHARS)}"


def parse_api_key(secret: str) -> str | None:
    """The lookup prefix of a well-formed secret, else None."""
    match = _API_KEY.match(secret)
    return match.group(1) if match else None


def api_key_display_prefix(prefix: str) -> str:
    return f"{API_KEY_PREFIX}{prefix}"


def same_hash(a: bytes | None, b: bytes) -> bool:
    return a is not None and hmac.compare_digest(a, b)
