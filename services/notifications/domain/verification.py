"""Domain ownership proofs: the verification meta tag in a page, and which site domain a host is."""

from __future__ import annotations

import re

META_NAME = "socialproof-site-verification"
# Attribute order and quoting vary; the tag is small, so a bounded scan over <meta …> tags suffices.
_META_TAG = re.compile(r"<meta\b[^>]{0,500}>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def meta_tokens(html: str) -> list[str]:
    """Contents of every `<meta name="socialproof-site-verification" content="…">` in the page."""
    found: list[str] = []
    for tag in _META_TAG.findall(html):
        attrs = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR.finditer(tag)
        }
        if attrs.get("name", "").strip().lower() == META_NAME and attrs.get("content"):
            found.append(attrs["content"].strip())
    return found


def domain_for_host(host: str, domains: list[str]) -> str | None:
    """The site domain covering a host (exact first, then `*.` wildcards), or None."""
    host = host.lower().rstrip(".")
    if host in domains:
        return host
    for domain in domains:
        if domain.startswith("*.") and (host == domain[2:] or host.endswith(domain[1:])):
            return domain
    return None
