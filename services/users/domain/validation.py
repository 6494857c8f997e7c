"""Input rules of the users domain: emails, passwords, names, resource names, page tokens."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from zoneinfo import available_timezones

from shared.errors import FieldViolation, InvalidArgument, NotFound, Violations

MAX_EMAIL = 254
MAX_NAME = 100
MIN_PASSWORD = 10
MAX_PASSWORD = 128
MAX_URI = 2048
MAX_TOKEN = 512

# Deliberately simple: one @, a dot in the domain, no spaces or control characters. Full RFC 5322
# would accept addresses no mail server delivers to; the verification email is the real check.
_EMAIL = re.compile(
    r"^[^@\s\x00-\x1f\x7f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# The most common passwords of at least MIN_PASSWORD characters (public breach lists); the rest
# of the defence is argon2id and rate limiting.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "qwertyuiop",
        "1q2w3e4r5t",
        "password123",
        "password1234",
        "iloveyou123",
        "qwerty12345",
        "0987654321",
        "1111111111",
        "0000000000",
        "abcdefghij",
        "passw0rd123",
        "letmein1234",
        "welcome123",
        "administrator",
        "superman123",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "qwertyuiop123",
        "football123",
        "baseball123",
        "princess123",
        "sunshine123",
    }
)

_ZONES: frozenset[str] | None = None


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(v: Violations, email: str, field: str) -> None:
    if not v.require(email, field):
        return
    if not v.check(len(email) <= MAX_EMAIL, field, f"must be at most {MAX_EMAIL} characters"):
        return
    v.check(bool(_EMAIL.match(email.strip())), field, "is not a valid email address")


def check_password(v: Violations, password: str, field: str) -> None:
    if not v.require(password, field):
        return
    if not v.check(
        MIN_PASSWORD <= len(password) <= MAX_PASSWORD,
        field,
        f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters",
    ):
        return
    v.check(password.lower() not in COMMON_PASSWORDS, field, "is too common")


def check_name(v: Violations, value: str, field: str, *, required: bool = True) -> None:
    if not value.strip():
        if required:
            v.add(field, "is required")
        return
    if not v.check(len(value) <= MAX_NAME, field, f"must be at most {MAX_NAME} characters"):
        return
    v.check(not _CONTROL.search(value), field, "must not contain control characters")


def check_locale(v: Violations, value: str, field: str) -> None:
    if value:
        v.check(len(value) <= 35 and bool(_LOCALE.match(value)), field, "must be a BCP 47 language tag")


def check_time_zone(v: Violations, value: str, field: str) -> None:
    global _ZONES
    if not value:
        return
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    v.check(value in _ZONES, field, "must be an IANA time zone such as Europe/Prague")


def check_https_uri(v: Violations, value: str, field: str) -> None:
    if value:
        v.check(
            len(value) <= MAX_URI and value.startswith("https://") and not _CONTROL.search(value),
            field,
            f"must be an https:// URL of at most {MAX_URI} characters",
        )


def check_token(v: Violations, value: str, field: str) -> None:
    if v.require(value, field):
        v.check(len(value) <= MAX_TOKEN, field, f"must be at most {MAX_TOKEN} characters")


def check_request_id(v: Violations, value: str, field: str = "request_id") -> None:
    if value:
        v.check(is_uuid(value), field, "must be a UUID")


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def parse_name(name: str, collections: tuple[str, ...], field: str, *, me: bool = False) -> list[str]:
    """The ids of a resource name such as "organizations/{org}/apiKeys/{key}" (UUIDs, lower-cased);
    with `me`, the last id may be "me". A bad shape gives INVALID_ARGUMENT on `field`."""
    parts = name.split("/")
    ids: list[str] = []
    ok = len(parts) == 2 * len(collections)
    for index, collection in enumerate(collections if ok else ()):
        value = parts[2 * index + 1]
        last = index == len(collections) - 1
        if parts[2 * index] != collection or not (is_uuid(value) or (me and last and value == "me")):
            ok = False
            break
        ids.append(value.lower())
    if not ok:
        shape = "/".join(f"{c}/{{id}}" for c in collections)
        raise InvalidArgument(
            "The resource name is malformed", violations=[FieldViolation(field, f"must look like {shape}")]
        )
    return ids


def page_size(value: int, field: str = "page_size", *, default: int = 50, maximum: int = 100) -> int:
    if value < 0 or value > maximum:
        raise InvalidArgument(
            "The page size is out of range",
            violations=[FieldViolation(field, f"must be between 0 and {maximum}")],
        )
    return value or default


def encode_page_token(position: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_page_token(token: str, keys: tuple[str, ...], field: str = "page_token") -> dict[str, str] | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        position = None
    if (
        not isinstance(position, dict)
        or set(position) != set(keys)
        or not all(isinstance(position[k], str) for k in keys)
    ):
        raise InvalidArgument(
            "The page token is invalid", violations=[FieldViolation(field, "is not a token from this list")]
        )
    return {k: str(position[k]) for k in keys}


def not_found(what: str, name: str) -> NotFound:
    return NotFound(
        f"{what} not found", reason=f"{what.upper().replace(' ', '_')}_NOT_FOUND", metadata={"name": name}
    )
