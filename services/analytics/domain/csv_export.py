"""CSV export formatting: RFC 4180 rows, decimal money and chunks of whole rows up to 64 KiB (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

MAX_CHUNK_BYTES = 64 * 1024

#: ISO 4217 currencies without minor units; the rest are exported with two decimals.
_ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)


def decimal_amount(amount_minor: int, currency: str) -> str:
    if not currency:
        return ""
    if currency.upper() in _ZERO_DECIMAL:
        return str(amount_minor)
    sign = "-" if amount_minor < 0 else ""
    whole, cents = divmod(abs(amount_minor), 100)
    return f"{sign}{whole}.{cents:02d}"


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_line(values: Sequence[Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(["" if v is None else v for v in values])
    return out.getvalue().encode()


class Chunker:
    """The incremental form of chunks() for async row sources: feed rows, take full chunks."""

    def __init__(self, header: Sequence[str], max_bytes: int = MAX_CHUNK_BYTES) -> None:
        self.max_bytes = max_bytes
        self._buffer = bytearray(csv_line(header))
        self._count = 0

    def add(self, row: Sequence[Any]) -> tuple[bytes, int] | None:
        line = csv_line(row)
        full = None
        if len(self._buffer) + len(line) > self.max_bytes and self._buffer:
            full = (bytes(self._buffer), self._count)
            self._buffer, self._count = bytearray(), 0
        self._buffer += line
        self._count += 1
        return full

    def finish(self) -> tuple[bytes, int] | None:
        return (bytes(self._buffer), self._count) if self._buffer else None
