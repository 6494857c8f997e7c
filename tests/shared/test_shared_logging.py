"""JSON log lines carry request context and never secrets or PII."""

from __future__ import annotations

import io
import json
import logging

from shared.logging import JsonFormatter, log_context, redact, request_id_var


def _log(**extra: object) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("users"))
    logger = logging.getLogger("test.shared.logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("invited %s with token=abc123", "jana@example.com", extra=extra)
    finally:
        logger.removeHandler(handler)
    line = stream.getvalue()
    assert line.count("\n") == 1
    return dict(json.loads(line))


def test_line_has_context_and_extras() -> None:
    with log_context(request_id="r1", org_id="o1", site_id="s1"):
        entry = _log(member_id="m1", attempts=2)
    assert request_id_var.get() is None
    assert entry["service"] == "users"
    assert (entry["request_id"], entry["org_id"], entry["site_id"]) == ("r1", "o1", "s1")
    assert entry["member_id"] == "m1" and entry["attempts"] == 2
    assert entry["level"] == "INFO" and entry["logger"] == "test.shared.logging"


def test_secrets_and_pii_are_masked() -> None:
    entry = _log(
        password="p4ss",
        Authorization="Bearer xyz",
        member_email="jana@example.com",
        body={"api_key": "k", "nested": [{"refresh_token": "t"}], "ok": "fine"},
    )
    text = json.dumps(entry)
    for leaked in ("p4ss", "xyz", "jana@example.com", "abc123", '"k"', '"t"'):
        assert leaked not in text
    assert entry["body"] == {"api_key": "***", "nested": [{"refresh_token": "***"}], "ok": "fine"}
    assert entry["msg"] == "invited [email] with token=***"


def test_redact_leaves_harmless_values() -> None:
    assert redact({"campaign_id": "c1", "count": 3, "flag": None}) == {
        "campaign_id": "c1",
        "count": 3,
        "flag": None,
    }
