"""The declarative payload mapping of generic webhooks: JSON pointers, defaults, transforms, validation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.integrations.domain import values
from services.integrations.domain.normalize import DeliveryContext, Normalized, _new_activity, _retraction
from socialproof.common.v1.common_pb2 import Money
from socialproof.events.v1.activity_pb2 import ActivityEvent, ActivityKind, ActivitySource
from socialproof.integrations.v1.mapping_pb2 import (
    FieldMapping,
    MappingTarget,
    MappingTransformType,
    PayloadCondition,
    PayloadMapping,
    ViolationSeverity,
)

ERROR = ViolationSeverity.VIOLATION_SEVERITY_ERROR
WARNING = ViolationSeverity.VIOLATION_SEVERITY_WARNING
T = MappingTarget
X = MappingTransformType

MAX_FIELDS = 64
MAX_ITEMS = 50
MAX_POINTER = 512
_ATTRIBUTE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TRUTHY = {"true", "1", "yes"}
_MISSING = object()
_KIND_NAMES = frozenset(ActivityKind.keys())


@dataclass(frozen=True)
class Violation:
    """A problem in a mapping (field set) or in a payload being mapped (payload_path set)."""

    field: str
    description: str
    severity: ViolationSeverity = ERROR
    payload_path: str = ""


class PointerError(ValueError):
    """Not an RFC 6901 JSON pointer."""


def parse_pointer(pointer: str) -> list[str]:
    """RFC 6901: "" is the whole document, otherwise "/a/b" with ~1 = "/" and ~0 = "~"."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PointerError("must start with '/'")
    if len(pointer) > MAX_POINTER:
        raise PointerError(f"must be at most {MAX_POINTER} characters")
    tokens = pointer[1:].split("/")
    for token in tokens:
        if re.search(r"~(?![01])", token):
            raise PointerError("'~' must be followed by 0 or 1")
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


def resolve(document: Any, pointer: str) -> Any:
    """The value at pointer, or _MISSING."""
    current = document
    for token in parse_pointer(pointer):
        if isinstance(current, dict):
            if token not in current:
                return _MISSING
            current = current[token]
        elif isinstance(current, list):
            if (
                not token.isdigit()
                or (len(token) > 1 and token.startswith("0"))
                or int(token) >= len(current)
            ):
                return _MISSING
            current = current[int(token)]
        else:
            return _MISSING
    return current


# ---- validation ------------------------------------------------------------------------------

_TIME_TRANSFORMS = {
    X.MAPPING_TRANSFORM_TYPE_UNIX_SECONDS,
    X.MAPPING_TRANSFORM_TYPE_UNIX_MILLIS,
    X.MAPPING_TRANSFORM_TYPE_PARSE_TIME,
}


def _check_pointer(pointer: str, field: str, out: list[Violation], *, allow_empty: bool = True) -> None:
    if pointer == "" and not allow_empty:
        out.append(Violation(field, "is required"))
        return
    try:
        parse_pointer(pointer)
    except PointerError as error:
        out.append(Violation(field, f"not a JSON pointer: {error}"))


def _check_conditions(conditions: Any, field: str, out: list[Violation]) -> None:
    for index, condition in enumerate(conditions):
        _check_pointer(condition.path, f"{field}[{index}].path", out, allow_empty=False)
        if not condition.values:
            out.append(Violation(f"{field}[{index}].values", "needs at least one value"))


def validate_mapping(mapping: PayloadMapping, prefix: str = "mapping") -> list[Violation]:
    """Every problem of a mapping, errors first; a mapping with no ERROR can be saved."""
    out: list[Violation] = []
    if len(mapping.fields) > MAX_FIELDS:
        out.append(Violation(f"{prefix}.fields", f"at most {MAX_FIELDS} rules"))
    seen: dict[tuple[int, str], int] = {}
    source_refs = 0
    for index, rule in enumerate(mapping.fields):
        at = f"{prefix}.fields[{index}]"
        if rule.target == T.MAPPING_TARGET_UNSPECIFIED or rule.target not in T.values():
            out.append(Violation(f"{at}.target", "must be set"))
            continue
        if rule.target == T.MAPPING_TARGET_SOURCE_REF:
            source_refs += 1
        if rule.target == T.MAPPING_TARGET_ATTRIBUTE:
            if not _ATTRIBUTE_KEY.match(rule.attribute_key):
                out.append(
                    Violation(f"{at}.attribute_key", "must be lower_snake_case, at most 40 characters")
                )
        elif rule.attribute_key:
            out.append(Violation(f"{at}.attribute_key", "only allowed with MAPPING_TARGET_ATTRIBUTE"))
        key = (rule.target, rule.attribute_key)
        if key in seen:
            out.append(Violation(f"{at}.target", f"already mapped by fields[{seen[key]}]"))
        seen.setdefault(key, index)
        _check_pointer(rule.path, f"{at}.path", out)
        for fb_index, fallback in enumerate(rule.fallback_paths):
            _check_pointer(fallback, f"{at}.fallback_paths[{fb_index}]", out, allow_empty=False)
        if not rule.path and not rule.fallback_paths and not rule.default_value:
            out.append(Violation(f"{at}.path", "a rule needs a path, fallback paths or a default value"))
        for t_index, transform in enumerate(rule.transforms):
            _check_transform(rule, transform, f"{at}.transforms[{t_index}]", out)
        if rule.target == T.MAPPING_TARGET_KIND and rule.default_value and _kind(rule.default_value) is None:
            out.append(
                Violation(f"{at}.default_value", f"{rule.default_value[:32]!r} is not an activity kind")
            )
    if source_refs != 1:
        out.append(Violation(f"{prefix}.fields", "exactly one MAPPING_TARGET_SOURCE_REF rule is required"))
    _check_pointer(mapping.items_path, f"{prefix}.items_path", out)
    _check_conditions(mapping.conditions, f"{prefix}.conditions", out)
    _check_conditions(mapping.retraction_conditions, f"{prefix}.retraction_conditions", out)
    if (
        mapping.default_kind == ActivityKind.ACTIVITY_KIND_UNSPECIFIED
        and (T.MAPPING_TARGET_KIND, "") not in seen
    ):
        out.append(Violation(f"{prefix}.default_kind", "set a default kind or map MAPPING_TARGET_KIND"))
    out.sort(key=lambda v: v.severity != ERROR)
    return out


def _check_transform(rule: FieldMapping, transform: Any, at: str, out: list[Violation]) -> None:
    kind = transform.type
    if kind == X.MAPPING_TRANSFORM_TYPE_UNSPECIFIED or kind not in X.values():
        out.append(Violation(f"{at}.type", "must be set"))
        return
    if kind == X.MAPPING_TRANSFORM_TYPE_TRUNCATE and not (
        transform.argument.isdigit() and 0 < int(transform.argument) <= 10000
    ):
        out.append(Violation(f"{at}.argument", "TRUNCATE needs a positive integer"))
    if kind == X.MAPPING_TRANSFORM_TYPE_SCALE:
        try:
            ok = float(transform.argument) > 0
        except ValueError:
            ok = False
        if not ok:
            out.append(Violation(f"{at}.argument", "SCALE needs a positive number (the source's maximum)"))
    if kind == X.MAPPING_TRANSFORM_TYPE_PARSE_TIME and "%" not in transform.argument:
        out.append(Violation(f"{at}.argument", "PARSE_TIME needs a strftime pattern such as %d.%m.%Y"))
    if kind == X.MAPPING_TRANSFORM_TYPE_LOOKUP and not transform.lookup:
        out.append(Violation(f"{at}.lookup", "LOOKUP needs a table"))
    if kind in _TIME_TRANSFORMS and rule.target != T.MAPPING_TARGET_OCCURRED_AT:
        out.append(Violation(f"{at}.type", "time transforms only apply to MAPPING_TARGET_OCCURRED_AT"))
    if kind == X.MAPPING_TRANSFORM_TYPE_DECIMAL_TO_MINOR_UNITS and rule.target != T.MAPPING_TARGET_AMOUNT:
        out.append(Violation(f"{at}.type", "DECIMAL_TO_MINOR_UNITS only applies to MAPPING_TARGET_AMOUNT"))


# ---- application -----------------------------------------------------------------------------


def _kind(text: str) -> ActivityKind | None:
    name = "ACTIVITY_KIND_" + text.strip().upper()
    if name in _KIND_NAMES and name != "ACTIVITY_KIND_UNSPECIFIED":
        return ActivityKind.Value(name)
    return None


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return ""
    return str(value)


def _transform(value: Any, transform: Any, currency: str) -> Any:
    kind = transform.type
    text = _as_text(value)
    if kind == X.MAPPING_TRANSFORM_TYPE_TRIM:
        return text.strip()
    if kind == X.MAPPING_TRANSFORM_TYPE_LOWERCASE:
        return text.lower()
    if kind == X.MAPPING_TRANSFORM_TYPE_UPPERCASE:
        return text.upper()
    if kind == X.MAPPING_TRANSFORM_TYPE_TITLE_CASE:
        return " ".join(w[:1].upper() + w[1:].lower() for w in text.split())
    if kind == X.MAPPING_TRANSFORM_TYPE_FIRST_WORD:
        return values.first_word(text)
    if kind == X.MAPPING_TRANSFORM_TYPE_LAST_WORD:
        return values.last_word(text)
    if kind == X.MAPPING_TRANSFORM_TYPE_TRUNCATE:
        return text[: int(transform.argument)]
    if kind == X.MAPPING_TRANSFORM_TYPE_DECIMAL_TO_MINOR_UNITS:
        return values.to_minor_units(text, currency or "USD")
    if kind in (X.MAPPING_TRANSFORM_TYPE_UNIX_SECONDS, X.MAPPING_TRANSFORM_TYPE_UNIX_MILLIS):
        try:
            number = float(text)
        except ValueError:
            raise values.ValueProblem(f"{text[:32]!r} is not an epoch number") from None
        return values.from_unix(number / 1000 if kind == X.MAPPING_TRANSFORM_TYPE_UNIX_MILLIS else number)
    if kind == X.MAPPING_TRANSFORM_TYPE_PARSE_TIME:
        try:
            parsed = datetime.strptime(text.strip(), transform.argument)
        except ValueError:
            raise values.ValueProblem(f"{text[:32]!r} does not match {transform.argument!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if kind == X.MAPPING_TRANSFORM_TYPE_COUNTRY_NAME_TO_CODE:
        code = values.country_code(text)
        if not code:
            raise values.ValueProblem(f"unknown country {text[:40]!r}")
        return code
    if kind == X.MAPPING_TRANSFORM_TYPE_LOOKUP:
        return transform.lookup.get(text, value)
    if kind == X.MAPPING_TRANSFORM_TYPE_SCALE:
        rating = float(text) / float(transform.argument) * 5
        return max(1.0, min(5.0, rating))
    return value


def _read(rule: FieldMapping, document: Any) -> tuple[Any, str]:
    """(value, pointer it came from) from path then fallbacks; (_MISSING, "") when none yields one."""
    for pointer in [rule.path, *rule.fallback_paths] if rule.path or rule.fallback_paths else []:
        value = resolve(document, pointer)
        if value is not _MISSING and value is not None and value != "":
            return value, pointer
    return _MISSING, ""


def conditions_hold(conditions: Any, payload: Any) -> bool:
    for condition in conditions:
        value = resolve(payload, condition.path)
        if value is _MISSING or _as_text(value) not in list(condition.values):
            return False
    return True


def apply_mapping(
    mapping: PayloadMapping, payload: Any, ctx: DeliveryContext
) -> tuple[Normalized, list[Violation]]:
    """Runs a (validated) mapping over one payload. ERROR violations mean no activity was produced
    for the item they name; the rest of the payload is still used."""
    violations: list[Violation] = []
    if mapping.conditions and not conditions_hold(mapping.conditions, payload):
        return Normalized(ignored_reason="payload does not match the mapping's conditions"), violations
    retract = bool(mapping.retraction_conditions) and conditions_hold(mapping.retraction_conditions, payload)
    if mapping.items_path:
        items = resolve(payload, mapping.items_path)
        if not isinstance(items, list):
            violations.append(
                Violation("", "items_path does not point to an array", ERROR, mapping.items_path)
            )
            return Normalized(), violations
        if len(items) > MAX_ITEMS:
            violations.append(
                Violation("", f"only the first {MAX_ITEMS} items are used", WARNING, mapping.items_path)
            )
        elements = list(enumerate(items[:MAX_ITEMS]))
    else:
        elements = [(-1, payload)]
    result = Normalized()
    for index, element in elements:
        activity = _map_one(mapping, element, ctx, violations, index, retract)
        if activity is None:
            continue
        if retract:
            retraction = _retraction(
                ctx, activity.source, activity.source_ref, mapping.retraction_reason, ctx.received_at
            )
            result.retractions.append(retraction)
        else:
            result.activities.append(activity)
        result.test = result.test or activity.test
    return result, violations


def _map_one(
    mapping: PayloadMapping,
    element: Any,
    ctx: DeliveryContext,
    violations: list[Violation],
    index: int,
    retract: bool = False,
) -> ActivityEvent | None:
    found: dict[tuple[int, str], Any] = {}
    currency = ""
    # Currency first: DECIMAL_TO_MINOR_UNITS needs it whatever the rule order.
    ordered = sorted(mapping.fields, key=lambda r: r.target != T.MAPPING_TARGET_CURRENCY_CODE)
    for rule in ordered:
        value, pointer = _read(rule, element)
        if value is _MISSING:
            if rule.default_value:
                found[(rule.target, rule.attribute_key)] = rule.default_value
                if rule.target == T.MAPPING_TARGET_CURRENCY_CODE:
                    currency = rule.default_value.strip().upper()
            elif rule.required or rule.target == T.MAPPING_TARGET_SOURCE_REF:
                violations.append(
                    Violation("", f"required value for {T.Name(rule.target)} not found", ERROR, rule.path)
                )
                return None
            elif rule.path:
                violations.append(Violation("", f"path {rule.path} not found", WARNING, rule.path))
            continue
        try:
            for transform in rule.transforms:
                value = _transform(value, transform, currency)
        except (values.ValueProblem, ValueError, ZeroDivisionError) as problem:
            if rule.required or rule.target == T.MAPPING_TARGET_SOURCE_REF:
                violations.append(Violation("", str(problem), ERROR, pointer))
                return None
            violations.append(Violation("", str(problem), WARNING, pointer))
            if rule.default_value:
                found[(rule.target, rule.attribute_key)] = rule.default_value
            continue
        if rule.target == T.MAPPING_TARGET_CURRENCY_CODE:
            currency = _as_text(value).strip().upper()
        found[(rule.target, rule.attribute_key)] = value
    source_ref = _as_text(found.get((T.MAPPING_TARGET_SOURCE_REF, ""), "")).strip()[:200]
    if not source_ref:
        violations.append(Violation("", "source_ref is empty", ERROR))
        return None
    if index >= 0:
        source_ref = f"{source_ref}#{index}"
    kind: ActivityKind | None = mapping.default_kind
    if (T.MAPPING_TARGET_KIND, "") in found:
        kind = _kind(_as_text(found[(T.MAPPING_TARGET_KIND, "")]))
        if kind is None and not retract:
            violations.append(Violation("", "mapped kind is not an activity kind", ERROR))
            return None
    occurred = found.get((T.MAPPING_TARGET_OCCURRED_AT, ""))
    if occurred is not None and not isinstance(occurred, datetime):
        try:
            occurred = values.parse_time(_as_text(occurred))
        except values.ValueProblem as problem:
            violations.append(Violation("", str(problem), WARNING))
            occurred = None
    truthy = lambda target: _as_text(found.get((target, ""), "")).strip().lower() in _TRUTHY  # noqa: E731
    activity = _new_activity(
        ctx,
        kind=kind or ActivityKind.ACTIVITY_KIND_CUSTOM,
        source=ActivitySource.ACTIVITY_SOURCE_GENERIC_WEBHOOK,
        source_ref=source_ref,
        occurred_at=occurred or ctx.received_at,
        test=truthy(T.MAPPING_TARGET_TEST),
        verified=mapping.mark_verified or truthy(T.MAPPING_TARGET_VERIFIED),
    )
    text = lambda target: _as_text(found.get((target, ""), "")).strip()  # noqa: E731
    activity.custom_kind = text(T.MAPPING_TARGET_CUSTOM_KIND)[:64]
    activity.actor.first_name = values.first_word(text(T.MAPPING_TARGET_FIRST_NAME))[:64]
    activity.actor.last_initial = values.initial(values.last_word(text(T.MAPPING_TARGET_LAST_INITIAL)))
    avatar = text(T.MAPPING_TARGET_AVATAR_URL)
    activity.actor.avatar_url = avatar if avatar.startswith("https://") else ""
    activity.location.city = text(T.MAPPING_TARGET_CITY)[:100]
    activity.location.region = text(T.MAPPING_TARGET_REGION)[:100]
    activity.location.country_code = values.country_code(text(T.MAPPING_TARGET_COUNTRY_CODE))
    for target, attr in (
        (T.MAPPING_TARGET_PRODUCT_NAME, "name"),
        (T.MAPPING_TARGET_PRODUCT_URL, "url"),
        (T.MAPPING_TARGET_PRODUCT_IMAGE_URL, "image_url"),
        (T.MAPPING_TARGET_PRODUCT_REF, "product_ref"),
    ):
        raw = text(target)
        if attr in ("url", "image_url"):
            raw = values.https_url(raw)
        if raw:
            setattr(activity.product, attr, raw[:2048])
    amount = found.get((T.MAPPING_TARGET_AMOUNT, ""))
    if amount is not None:
        try:
            minor = amount if isinstance(amount, int) else int(_as_text(amount))
            activity.amount.CopyFrom(Money(amount_minor=minor, currency_code=currency or "USD"))
        except ValueError:
            violations.append(Violation("", "amount is not an integer (add DECIMAL_TO_MINOR_UNITS)", WARNING))
    quantity = text(T.MAPPING_TARGET_QUANTITY)
    if quantity.isdigit():
        activity.quantity = min(int(quantity), 2**31 - 1)
    rating = found.get((T.MAPPING_TARGET_REVIEW_RATING, ""))
    if rating is not None:
        try:
            activity.review.rating = max(0.0, min(5.0, float(_as_text(rating))))
        except ValueError:
            violations.append(Violation("", "rating is not a number", WARNING))
    if text(T.MAPPING_TARGET_REVIEW_TITLE):
        activity.review.title = text(T.MAPPING_TARGET_REVIEW_TITLE)[:200]
    if text(T.MAPPING_TARGET_REVIEW_TEXT):
        activity.review.text = text(T.MAPPING_TARGET_REVIEW_TEXT)[:2000]
    activity.visitor_id = text(T.MAPPING_TARGET_VISITOR_ID)[:128]
    for (written, key), value in found.items():
        if written == T.MAPPING_TARGET_ATTRIBUTE:
            activity.attributes[key] = _as_text(value)[:256]
    # A retraction only needs the source_ref: whatever kind it had, it must disappear.
    if retract or not ctx.imported_kinds or activity.kind in ctx.imported_kinds:
        return activity
    violations.append(Violation("", "activity kind not imported by this connection", WARNING))
    return None


__all__ = ["PayloadCondition", "Violation", "apply_mapping", "parse_pointer", "resolve", "validate_mapping"]
