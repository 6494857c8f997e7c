"""Form capture rules: settings validation, the widget's view of them, and submissions → activities."""

from __future__ import annotations

import fnmatch
import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.integrations.domain import values
from shared.errors import Violations
from socialproof.events.v1.activity_pb2 import ActivityEvent, ActivitySource
from socialproof.integrations.v1.forms_pb2 import (
    FormCaptureRule,
    FormCaptureSettings,
    FormFieldTarget,
    WidgetFormRule,
)

T = FormFieldTarget

# Submission ids are client-chosen, so the activity id is derived per site: the same submission
# retried by the widget maps to the same activity and a guessed id cannot collide across sites.
FORM_NAMESPACE = uuid.UUID("3d0f6a8e-52c4-4b8f-8a1e-0c9b7d6e5f21")

MAX_RULES = 20
MAX_FIELDS_PER_RULE = 20
MAX_URL_PATTERNS = 20
MAX_SUBMITTED_FIELDS = 20
MAX_FIELD_VALUE_CHARS = 256
MAX_FIELD_NAME_CHARS = 100
# A client clock may be off or forged; an activity never claims to be from the future or older
# than a day (older form posts are useless as social proof and are probably replays).
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_SUBMISSION_AGE = timedelta(days=1)

_RULE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ATTRIBUTE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def validate_settings(
    settings: FormCaptureSettings, v: Violations, prefix: str = "form_capture_settings"
) -> None:
    """Records every problem of the settings in v (field paths like `...rules[1].fields[0].target`)."""
    v.check(len(settings.rules) <= MAX_RULES, f"{prefix}.rules", f"at most {MAX_RULES} rules")
    seen_rules: set[str] = set()
    for index, rule in enumerate(settings.rules):
        path = f"{prefix}.rules[{index}]"
        if v.check(bool(_RULE_ID.match(rule.rule_id)), f"{path}.rule_id", "1-64 of A-Z a-z 0-9 _ -"):
            v.check(rule.rule_id not in seen_rules, f"{path}.rule_id", "duplicate rule id")
            seen_rules.add(rule.rule_id)
        v.check(len(rule.display_name) <= 100, f"{path}.display_name", "at most 100 characters")
        v.check(len(rule.form_selector) <= 200, f"{path}.form_selector", "at most 200 characters")
        v.check(rule.activity_kind > 0, f"{path}.activity_kind", "is required")
        v.check(
            len(rule.default_product_name) <= 200, f"{path}.default_product_name", "at most 200 characters"
        )
        v.check(len(rule.url_patterns) <= MAX_URL_PATTERNS, f"{path}.url_patterns", "at most 20 patterns")
        for p_index, pattern in enumerate(rule.url_patterns):
            v.check(0 < len(pattern) <= 500, f"{path}.url_patterns[{p_index}]", "1-500 characters")
        v.check(bool(rule.fields), f"{path}.fields", "at least one allow-listed field")
        v.check(len(rule.fields) <= MAX_FIELDS_PER_RULE, f"{path}.fields", "at most 20 fields")
        seen_fields: set[str] = set()
        for f_index, rule_field in enumerate(rule.fields):
            f_path = f"{path}.fields[{f_index}]"
            name = rule_field.form_field
            if v.check(0 < len(name) <= MAX_FIELD_NAME_CHARS, f"{f_path}.form_field", "1-100 characters"):
                v.check(name not in seen_fields, f"{f_path}.form_field", "duplicate form field")
                seen_fields.add(name)
            v.check(
                rule_field.target in T.values() and rule_field.target > 0, f"{f_path}.target", "is required"
            )
            if rule_field.target == T.FORM_FIELD_TARGET_ATTRIBUTE:
                v.check(
                    bool(_ATTRIBUTE_KEY.match(rule_field.attribute_key)),
                    f"{f_path}.attribute_key",
                    "lower_snake_case, at most 40 characters",
                )
            else:
                v.check(not rule_field.attribute_key, f"{f_path}.attribute_key", "only for ATTRIBUTE targets")


def widget_rules(settings: FormCaptureSettings) -> list[WidgetFormRule]:
    """What the widget needs to know: selectors, pages and field names, nothing internal."""
    return [
        WidgetFormRule(
            rule_id=rule.rule_id,
            form_selector=rule.form_selector,
            url_patterns=list(rule.url_patterns),
            allowed_fields=[f.form_field for f in rule.fields],
        )
        for rule in settings.rules
    ]


def url_matches(rule: FormCaptureRule, page_url: str) -> bool:
    if not rule.url_patterns:
        return True
    url = page_url.split("#", 1)[0]
    return any(fnmatch.fnmatchcase(url, pattern) for pattern in rule.url_patterns)


def gravatar_url(email: str) -> str:
    """Gravatar's SHA-256 address of an e-mail (404 when none), so the address itself is never kept."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"https://gravatar.com/avatar/{digest}?d=404"


@dataclass
class CapturedForm:
    activity: ActivityEvent
    dropped_fields: list[str] = field(default_factory=list)


def form_activity_id(site_id: str, submission_id: str) -> str:
    return str(uuid.uuid5(FORM_NAMESPACE, f"{site_id}:{submission_id.lower()}"))


def clamp_occurred_at(client_time: datetime | None, received_at: datetime) -> datetime:
    if client_time is None or client_time > received_at + MAX_CLOCK_SKEW:
        return received_at
    return max(client_time, received_at - MAX_SUBMISSION_AGE)


def capture(
    rule: FormCaptureRule,
    fields: Mapping[str, str],
    *,
    site_id: str,
    submission_id: str,
    visitor_id: str,
    occurred_at: datetime | None,
    received_at: datetime,
) -> CapturedForm:
    """The activity a submission becomes; fields the rule does not allow-list are dropped, unread."""
    allowed = {f.form_field: f for f in rule.fields}
    dropped = sorted(name for name in fields if name not in allowed)
    event = ActivityEvent(
        activity_id=form_activity_id(site_id, submission_id),
        kind=rule.activity_kind,
        source=ActivitySource.ACTIVITY_SOURCE_FORM_CAPTURE,
        source_ref=submission_id.lower(),
        visitor_id=visitor_id[:100],
    )
    for name, rule_field in allowed.items():
        value = " ".join(fields.get(name, "").split())[:MAX_FIELD_VALUE_CHARS]
        if not value:
            continue
        target = rule_field.target
        if target == T.FORM_FIELD_TARGET_FIRST_NAME:
            event.actor.first_name = values.first_word(value)[:50]
        elif target == T.FORM_FIELD_TARGET_LAST_NAME:
            event.actor.last_initial = values.initial(values.last_word(value))
        elif target == T.FORM_FIELD_TARGET_CITY:
            event.location.city = value[:100]
        elif target == T.FORM_FIELD_TARGET_REGION:
            event.location.region = value[:100]
        elif target == T.FORM_FIELD_TARGET_COUNTRY:
            event.location.country_code = values.country_code(value)
        elif target == T.FORM_FIELD_TARGET_EMAIL_FOR_AVATAR:
            if "@" in value:
                event.actor.avatar_url = gravatar_url(value)
        elif target == T.FORM_FIELD_TARGET_PRODUCT_NAME:
            event.product.name = value[:200]
        elif target == T.FORM_FIELD_TARGET_ATTRIBUTE:
            event.attributes[rule_field.attribute_key] = value
    if not event.product.name and rule.default_product_name:
        event.product.name = rule.default_product_name
    event.occurred_at.FromDatetime(clamp_occurred_at(occurred_at, received_at))
    event.received_at.FromDatetime(received_at)
    return CapturedForm(event, dropped)
