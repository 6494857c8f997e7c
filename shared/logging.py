"""JSON logging with request/org/site context and a guard that masks secrets and PII."""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.settings import ServiceSettings

request_id_var: ContextVar[str | None] = ContextVar("sp_request_id", default=None)
org_id_var: ContextVar[str | None] = ContextVar("sp_org_id", default=None)
site_id_var: ContextVar[str | None] = ContextVar("sp_site_id", default=None)

MASK = "***"

# Field names whose values must never reach a log line, matched anywhere in the key.
_SENSITIVE_KEY = re.compile(
    r"pass(word|wd|phrase)|secret|token|api[_-]?key|authorization|cookie|e[-_]?mail|phone|"
    r"credential|private[_-]?key|signature|card[_-]?(number|no)|cvc|cvv|iban",
    re.IGNORECASE,
)
# Messages and tracebacks are free text: mask addresses and `secret=value`-style pairs in them.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SECRET_PAIR = re.compile(
    r"(?i)\b(pass(?:word|wd|phrase)?|secret|token|api[_-]?key|authorization)(\s*[=:]\s*)"
    r"(?:bearer\s+)?[^\s,;&'\")]+"
)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime", "taskName"}
)


@functools.lru_cache(maxsize=4096)
def is_sensitive_key(key: str) -> bool:
    # cached: log lines repeat a small set of field names, and this runs for every field of every line
    return bool(_SENSITIVE_KEY.search(key))


def redact(value: Any, key: str = "") -> Any:
    """Returns a JSON-safe copy of `value` with sensitive keys masked, recursively."""
    if key and is_sensitive_key(key):
        return MASK
    # the common cases first: plain strings and numbers (the ABC check of Mapping is slow)
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v) for v in value]
    return redact_text(str(value))


def redact_text(text: str) -> str:
    """Masks emails and `password=...`-style pairs in free text."""
    # Both patterns need a character most log text lacks ("@", or "=" / ":"): skip the regexes then.
    if "@" in text:
        text = _EMAIL.sub("[email]", text)
    if "=" in text or ":" in text:
        text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return text


def set_log_context(
    *, request_id: str | None = None, org_id: str | None = None, site_id: str | None = None
) -> None:
    """Sets the org/site/request of the work in progress for the rest of the current task."""
    if request_id is not None:
        request_id_var.set(request_id)
    if org_id is not None:
        org_id_var.set(org_id)
    if site_id is not None:
        site_id_var.set(site_id)


@contextmanager
def log_context(
    *, request_id: str | None = None, org_id: str | None = None, site_id: str | None = None
) -> Iterator[None]:
    """Scopes log context to a block (e.g. one Kafka message) and restores it afterwards."""
    tokens: list[tuple[ContextVar[str | None], Token[str | None]]] = []
    for var, value in ((request_id_var, request_id), (org_id_var, org_id), (site_id_var, site_id)):
        if value is not None:
            tokens.append((var, var.set(value)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, service, context ids, redacted extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
            "service": self.service,
        }
        for name, var in (
            ("request_id", request_id_var),
            ("org_id", org_id_var),
            ("site_id", site_id_var),
        ):
            value = var.get()
            if value is not None:
                entry[name] = value
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS and not key.startswith("_") and key not in entry:
                entry[key] = redact(value, key)
        if record.exc_info and record.exc_info[0] is not None:
            # Tracebacks stay in server logs only; they may still quote values, so keep them
            # out of anything returned to callers (see the error-mapping interceptor).
            entry["exc_type"] = record.exc_info[0].__name__
            entry["traceback"] = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(settings: ServiceSettings, *, stream: Any = None) -> None:
    """Routes all logging through one JSON handler at the configured level."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(settings.service_name))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # grpc and kafka clients are chatty at INFO; their warnings still come through.
    for noisy in ("grpc", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
