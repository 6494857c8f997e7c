"""Small value conversions shared by the normalizers: money, names, countries, times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

# ISO 4217 currencies whose minor unit is not 1/100 (the rest use 2 decimals).
_EXPONENTS = {
    **dict.fromkeys(
        [
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
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")

# English names (and common variants) of the countries shops report most; ISO codes pass through.
COUNTRY_CODES = {
    "afghanistan": "AF", "argentina": "AR", "australia": "AU", "austria": "AT", "belgium": "BE",
    "brazil": "BR", "bulgaria": "BG", "canada": "CA", "chile": "CL", "china": "CN", "colombia": "CO",
    "croatia": "HR", "cyprus": "CY", "czechia": "CZ", "czech republic": "CZ", "denmark": "DK",
    "egypt": "EG", "estonia": "EE", "finland": "FI", "france": "FR", "germany": "DE", "greece": "GR",
    "hong kong": "HK", "hungary": "HU", "iceland": "IS", "india": "IN", "indonesia": "ID",
    "ireland": "IE", "israel": "IL", "italy": "IT", "japan": "JP", "kenya": "KE", "latvia": "LV",
    "lithuania": "LT", "luxembourg": "LU", "malaysia": "MY", "malta": "MT", "mexico": "MX",
    "morocco": "MA", "netherlands": "NL", "the netherlands": "NL", "new zealand": "NZ", "nigeria": "NG",
    "norway": "NO", "peru": "PE", "philippines": "PH", "poland": "PL", "portugal": "PT", "romania": "RO",
    "saudi arabia": "SA", "serbia": "RS", "singapore": "SG", "slovakia": "SK", "slovenia": "SI",
    "south africa": "ZA", "south korea": "KR", "korea": "KR", "spain": "ES", "sweden": "SE",
    "switzerland": "CH", "taiwan": "TW", "thailand": "TH", "turkey": "TR", "turkiye": "TR",
    "ukraine": "UA", "united arab emirates": "AE", "united kingdom": "GB", "uk": "GB",
    "great britain": "GB", "united states": "US", "united states of america": "US", "usa": "US",
    "vietnam": "VN",
}  # fmt: skip


class ValueProblem(ValueError):
    """A payload value cannot be converted; the message says why (no secrets, no PII)."""


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def to_minor_units(amount: str | int | float, currency: str) -> int:
    """A decimal amount ("19.99", 19.99) in minor units of currency (1999); exact for strings."""
    code = currency.strip().upper()
    if not _CURRENCY.match(code):
        raise ValueProblem(f"currency {currency!r} is not an ISO 4217 code")
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValueProblem(f"amount {str(amount)[:32]!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueProblem("amount is not finite")
    return int((value * (Decimal(10) ** currency_exponent(code))).to_integral_value())


def country_code(value: str) -> str:
    """ISO 3166-1 alpha-2 from a code or an English name; empty when unknown."""
    text = value.strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    return COUNTRY_CODES.get(text.lower(), "")


def first_word(value: str) -> str:
    parts = value.split()
    return parts[0] if parts else ""


def last_word(value: str) -> str:
    parts = value.split()
    return parts[-1] if parts else ""


def initial(last_name: str) -> str:
    """ "Novák" → "N": only the initial of a family name is ever kept."""
    for char in last_name.strip():
        if char.isalpha():
            return char.upper()
    return ""


def split_full_name(full: str) -> tuple[str, str]:
    """("Jana Nováková") → ("Jana", "N"); a single word is a first name."""
    parts = full.split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return parts[0], ""
    return parts[0], initial(parts[-1])


def parse_time(value: str) -> datetime:
    """RFC 3339 / ISO 8601 (Shopify "2026-11-21T10:00:00-05:00", WooCommerce GMT without offset)."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueProblem(f"{value[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def from_unix(seconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueProblem(f"{seconds!r} is not a valid epoch time") from None


def https_url(value: str) -> str:
    """The URL when it is absolute http(s) (images must be https); empty otherwise."""
    text = value.strip()
    return text if re.match(r"^https?://[^\s/]+", text) and len(text) <= 2048 else ""
