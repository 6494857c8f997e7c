"""Page size and page token rules shared by billing's List methods (AIP-158)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from shared.errors import FieldViolation, InvalidArgument

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page:
    """Where a page starts and how long it is."""

    offset: int
    size: int


def page_of(page_size: int, page_token: str, *, default_size: int) -> Page:
    """Validates page_size (0 → default, above 100 → 100) and an opaque offset token."""
    violations: list[FieldViolation] = []
    if page_size < 0:
        violations.append(FieldViolation("page_size", "must not be negative"))
    offset = 0
    if page_token:
        try:
            raw = base64.urlsafe_b64decode(page_token.encode("ascii") + b"=" * (-len(page_token) % 4))
            prefix, _, number = raw.decode("ascii").partition(":")
            if prefix != "o" or not number.isdigit() or len(number) > 9:
                raise ValueError(number)
            offset = int(number)
        except (ValueError, UnicodeError, binascii.Error):
            violations.append(FieldViolation("page_token", "is not a token this API returned"))
    if violations:
        raise InvalidArgument("Invalid page request", violations=violations)
    size = default_size if page_size == 0 else min(page_size, MAX_PAGE_SIZE)
    return Page(offset, size)


def next_token(page: Page, total: int) -> str:
    """The token of the page after `page`, or "" when it was the last."""
    end = page.offset + page.size
    if end >= total:
        return ""
    return base64.urlsafe_b64encode(f"o:{end}".encode()).rstrip(b"=").decode("ascii")
