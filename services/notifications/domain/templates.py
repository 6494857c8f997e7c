"""The safe template language: a hand-written parser and renderer (no eval, no Jinja) with positions."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import cached_property, lru_cache
from typing import Any

MAX_FIELD_CHARS = 500
MAX_EXPRESSIONS = 20
MAX_FILTERS = 5
MAX_TRUNCATE = 500
#: A rendered value is cut here whatever the template says, so hostile activity data cannot blow up a card.
MAX_VALUE_CHARS = 200


class IssueCode(Enum):
    SYNTAX = 1
    UNKNOWN_VARIABLE = 2
    UNKNOWN_FILTER = 3
    BAD_FILTER_ARGUMENT = 4
    TOO_LONG = 5
    UNSAFE_URL = 6
    MISSING_FALLBACK = 7
    REQUIRED = 8


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem at an exact position (offset/column in code points, line/column 1-based)."""

    field: str
    offset: int
    length: int
    code: IssueCode
    message: str
    line: int = 1
    column: int = 1
    error: bool = True

    def describe(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units of an ISO 4217 currency."""

    amount_minor: int
    currency: str


Value = str | int | float | bool | datetime | Money | None


@dataclass(frozen=True, slots=True)
class Filter:
    name: str
    args: tuple[str | int, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class Expression:
    variable: str
    filters: tuple[Filter, ...]
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Literal:
    text: str


@dataclass(frozen=True, slots=True)
class Emphasis:
    """A `**` marker toggling emphasis."""

    offset: int


Node = Literal | Expression | Emphasis


@dataclass(frozen=True, slots=True)
class Span:
    """A rendered run of plain text (TextSpan)."""

    text: str
    emphasized: bool = False
    relative_time: datetime | None = None
    live_count: bool = False


@dataclass(frozen=True)
class Parsed:
    nodes: tuple[Node, ...]
    issues: tuple[Issue, ...]

    @cached_property
    def ok(self) -> bool:
        # Cached: a parse is reused for every notification a campaign renders.
        return not any(i.error for i in self.issues)

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(n.variable for n in self.nodes if isinstance(n, Expression)))


# Variables by campaign type (names from templates.proto). `attributes.<key>` is allowed everywhere
# an activity exists.
_ACTIVITY_VARS = frozenset(
    {
        "name",
        "first_name",
        "last_initial",
        "city",
        "region",
        "country",
        "country_code",
        "product.name",
        "product.url",
        "product.image_url",
        "amount",
        "quantity",
        "occurred_at",
        "verified",
        "site.name",
    }
)
_REVIEW_VARS = _ACTIVITY_VARS | {"rating", "review.title", "review.text"}
VARIABLES_BY_TYPE: Mapping[str, frozenset[str]] = {
    "RECENT_ACTIVITY": _ACTIVITY_VARS,
    "REVIEW": _REVIEW_VARS,
    "AGGREGATE_COUNTER": frozenset({"count", "window", "site.name", "product.name"}),
    "LIVE_VISITORS": frozenset({"live_count", "site.name"}),
    "ANNOUNCEMENT": frozenset({"site.name"}),
}
ACTIVITY_TYPES = frozenset({"RECENT_ACTIVITY", "REVIEW"})
#: Variables that are often empty: using them without `default` is a warning.
OFTEN_EMPTY = frozenset({"first_name", "last_initial", "city", "region", "country", "product.name"})

FILTERS: Mapping[str, tuple[int, int]] = {
    # name: (min args, max args)
    "default": (1, 1),
    "capitalize": (0, 0),
    "upcase": (0, 0),
    "downcase": (0, 0),
    "truncate": (1, 1),
    "relative_time": (0, 0),
    "number": (0, 0),
    "currency": (0, 0),
}

_IDENT = re.compile(r"[a-z_][a-z0-9_]*")
_INT = re.compile(r"-?[0-9]{1,6}")
# Characters that could reorder or hide text around a value (bidi overrides, zero-width joiners
# aside) and control characters: never rendered from data.
_UNSAFE_CHARS = {c for c in range(0x20) if c not in (0x09,)} | {0x7F} | set(range(0x202A, 0x202F))
_UNSAFE_CHARS |= set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
_CLEAN = {c: None for c in _UNSAFE_CHARS}


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def _issue(
    field_name: str, text: str, offset: int, length: int, code: IssueCode, message: str, *, error: bool = True
) -> Issue:
    line, column = _line_col(text, offset)
    return Issue(field_name, offset, length, code, message, line, column, error)


class _Scanner:
    """Parses one `{{ … }}` expression body; positions are absolute offsets in the field."""

    def __init__(self, text: str, start: int, end: int, field_name: str) -> None:
        self.text, self.pos, self.end, self.field = text, start, end, field_name

    def skip_ws(self) -> None:
        while self.pos < self.end and self.text[self.pos] in " \t\n":
            self.pos += 1

    def fail(self, message: str, at: int | None = None, length: int = 1) -> Issue:
        where = self.pos if at is None else at
        return _issue(self.field, self.text, where, length, IssueCode.SYNTAX, message)

    def ident_path(self) -> str | None:
        parts: list[str] = []
        while True:
            m = _IDENT.match(self.text, self.pos, self.end)
            if not m:
                return None
            parts.append(m.group())
            self.pos = m.end()
            if self.pos < self.end and self.text[self.pos] == ".":
                self.pos += 1
                continue
            return ".".join(parts)

    def argument(self) -> str | int | Issue:
        if self.pos < self.end and self.text[self.pos] == '"':
            start = self.pos
            self.pos += 1
            chars: list[str] = []
            while self.pos < self.end:
                ch = self.text[self.pos]
                if ch == "\\" and self.pos + 1 < self.end and self.text[self.pos + 1] in '"\\':
                    chars.append(self.text[self.pos + 1])
                    self.pos += 2
                    continue
                if ch == '"':
                    self.pos += 1
                    return "".join(chars)
                chars.append(ch)
                self.pos += 1
            return self.fail("unterminated string", start, self.end - start)
        m = _INT.match(self.text, self.pos, self.end)
        if m:
            self.pos = m.end()
            return int(m.group())
        return self.fail("expected a string in double quotes or a whole number")


def parse(text: str, campaign_type: str, field_name: str = "body") -> Parsed:
    """Parses one text field; every problem is reported with its position, parsing goes on after one."""
    issues: list[Issue] = []
    nodes: list[Node] = []
    if len(text) > MAX_FIELD_CHARS:
        issues.append(
            _issue(
                field_name,
                text,
                MAX_FIELD_CHARS,
                len(text) - MAX_FIELD_CHARS,
                IssueCode.TOO_LONG,
                f"at most {MAX_FIELD_CHARS} characters (got {len(text)})",
            )
        )
        return Parsed((), tuple(issues))
    allowed = VARIABLES_BY_TYPE.get(campaign_type, frozenset())
    pos = 0
    literal: list[str] = []
    expressions = 0
    emphasis_open: int | None = None

    def flush() -> None:
        if literal:
            nodes.append(Literal("".join(literal)))
            literal.clear()

    while pos < len(text):
        if text.startswith("**", pos):
            flush()
            nodes.append(Emphasis(pos))
            emphasis_open = pos if emphasis_open is None else None
            pos += 2
            continue
        if not text.startswith("{{", pos):
            literal.append(text[pos])
            pos += 1
            continue
        flush()
        close = text.find("}}", pos + 2)
        if close < 0:
            issues.append(_issue(field_name, text, pos, 2, IssueCode.SYNTAX, "'{{' is never closed by '}}'"))
            break
        nested = text.find("{{", pos + 2, close)
        if nested >= 0:
            issues.append(_issue(field_name, text, nested, 2, IssueCode.SYNTAX, "'{{' inside an expression"))
            pos = close + 2
            continue
        expressions += 1
        if expressions == MAX_EXPRESSIONS + 1:
            issues.append(
                _issue(
                    field_name,
                    text,
                    pos,
                    close + 2 - pos,
                    IssueCode.TOO_LONG,
                    f"at most {MAX_EXPRESSIONS} expressions per field",
                )
            )
        parsed = _parse_expression(text, pos, close, field_name, allowed, campaign_type)
        if isinstance(parsed, Expression):
            nodes.append(parsed)
        else:
            issues.extend(parsed)
        pos = close + 2
    flush()
    if emphasis_open is not None:
        issues.append(
            _issue(field_name, text, emphasis_open, 2, IssueCode.SYNTAX, "'**' is never closed by '**'")
        )
    return Parsed(tuple(nodes), tuple(issues))


def _parse_expression(
    text: str, open_at: int, close_at: int, field_name: str, allowed: frozenset[str], campaign_type: str
) -> Expression | list[Issue]:
    s = _Scanner(text, open_at + 2, close_at, field_name)
    s.skip_ws()
    var_at = s.pos
    variable = s.ident_path()
    if variable is None:
        return [s.fail("expected a variable name such as first_name or product.name")]
    problems: list[Issue] = []
    known = variable in allowed or (
        campaign_type in ACTIVITY_TYPES and variable.startswith("attributes.") and variable.count(".") == 1
    )
    if not known:
        hint = difflib.get_close_matches(variable, sorted(allowed), n=1)
        message = f"unknown variable '{variable}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
        problems.append(_issue(field_name, text, var_at, len(variable), IssueCode.UNKNOWN_VARIABLE, message))
    filters: list[Filter] = []
    while True:
        s.skip_ws()
        if s.pos >= s.end:
            break
        if text[s.pos] != "|":
            problems.append(s.fail("expected '|' and a filter, or '}}'"))
            return problems
        s.pos += 1
        s.skip_ws()
        name_at = s.pos
        m = _IDENT.match(text, s.pos, s.end)
        if not m:
            problems.append(s.fail("expected a filter name after '|'"))
            return problems
        name = m.group()
        s.pos = m.end()
        args: list[str | int] = []
        s.skip_ws()
        if s.pos < s.end and text[s.pos] == ":":
            s.pos += 1
            while True:
                s.skip_ws()
                arg_at = s.pos
                arg = s.argument()
                if isinstance(arg, Issue):
                    problems.append(arg)
                    return problems
                args.append(arg)
                s.skip_ws()
                if s.pos < s.end and text[s.pos] == ",":
                    s.pos += 1
                    continue
                break
            del arg_at
        if name not in FILTERS:
            hint = difflib.get_close_matches(name, sorted(FILTERS), n=1)
            message = f"unknown filter '{name}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
            problems.append(_issue(field_name, text, name_at, len(name), IssueCode.UNKNOWN_FILTER, message))
        else:
            low, high = FILTERS[name]
            bad = _check_args(name, args, low, high)
            if bad:
                problems.append(
                    _issue(field_name, text, name_at, s.pos - name_at, IssueCode.BAD_FILTER_ARGUMENT, bad)
                )
        filters.append(Filter(name, tuple(args), name_at))
        if len(filters) == MAX_FILTERS + 1:
            problems.append(
                _issue(
                    field_name,
                    text,
                    name_at,
                    len(name),
                    IssueCode.TOO_LONG,
                    f"at most {MAX_FILTERS} filters per expression",
                )
            )
    if problems:
        return problems
    return Expression(variable, tuple(filters), open_at, close_at + 2 - open_at)


def _check_args(name: str, args: Sequence[str | int], low: int, high: int) -> str | None:
    if not low <= len(args) <= high:
        if high == 0:
            return f"filter '{name}' takes no argument"
        return f"filter '{name}' takes {low} argument{'s' if low > 1 else ''}"
    if name == "default" and not isinstance(args[0], str):
        return 'default needs a string, e.g. default: "Someone"'
    if name == "truncate" and (not isinstance(args[0], int) or not 1 <= args[0] <= MAX_TRUNCATE):
        return f"truncate needs a whole number 1..{MAX_TRUNCATE}"
    return None


def lint(parsed: Parsed, text: str, field_name: str) -> list[Issue]:
    """Warnings: often-empty variables without a default."""
    warnings: list[Issue] = []
    for node in parsed.nodes:
        if (
            isinstance(node, Expression)
            and node.variable in OFTEN_EMPTY
            and not any(f.name == "default" for f in node.filters)
        ):
            warnings.append(
                _issue(
                    field_name,
                    text,
                    node.offset,
                    node.length,
                    IssueCode.MISSING_FALLBACK,
                    f"'{node.variable}' is often empty; add | default: \"…\"",
                    error=False,
                )
            )
    return warnings


# ---- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderContext:
    """Values for rendering: variables plus the locale and the instant "now" for relative time."""

    values: Mapping[str, Value]
    locale: str = "en"
    now: datetime | None = None
    live_count_variable: bool = field(default=True)


def clean_value(text: str) -> str:
    """Data shown in a card: controls and bidi overrides removed, NFC, bounded length."""
    cleaned = unicodedata.normalize("NFC", text.translate(_CLEAN)).strip()
    if len(cleaned) > MAX_VALUE_CHARS:
        cleaned = cleaned[: MAX_VALUE_CHARS - 1] + "…"
    return cleaned


_GROUPING = {
    "en": (",", "."),
    "de": (".", ","),
    "cs": ("\u00a0", ","),
    "fr": ("\u202f", ","),
    "es": (".", ","),
}
_CURRENCY_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CZK": "Kč"}
_ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF"})


def _separators(locale: str) -> tuple[str, str]:
    return _GROUPING.get(locale.split("-")[0].lower(), _GROUPING["en"])


def format_number(value: float | int | Decimal, locale: str, decimals: int = 0) -> str:
    group, point = _separators(locale)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


def format_money(money: Money, locale: str) -> str:
    code = money.currency.upper()
    decimals = 0 if code in _ZERO_DECIMAL else 2
    amount = Decimal(money.amount_minor) / (Decimal(10) ** decimals)
    number = format_number(amount, locale, decimals)
    symbol = _CURRENCY_SYMBOL.get(code)
    if locale.split("-")[0].lower() == "en" and symbol and code != "CZK":
        return f"{symbol}{number}"
    return f"{number}\u00a0{symbol or code}"


def relative_time(when: datetime, now: datetime) -> str:
    """English fallback text ("4 min ago"); the widget re-formats it live in the feed's locale."""
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours > 1 else ''} ago"
    days = seconds // 86400
    return f"{days} day{'s' if days > 1 else ''} ago"


def relative_time_changes(when: datetime, now: datetime) -> datetime:
    """The first instant after `now` at which `relative_time(when, ·)` reads differently: a text
    rendered at `now` stays exact until then (the feed keeps rendered campaigns that long)."""
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        step_end = 60
    elif seconds < 3600:
        step_end = (seconds // 60 + 1) * 60
    elif seconds < 86400:
        step_end = (seconds // 3600 + 1) * 3600
    else:
        step_end = (seconds // 86400 + 1) * 86400
    return when + timedelta(seconds=step_end)


def _as_text(value: Value, locale: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "verified" if value else ""
    if isinstance(value, Money):
        return format_money(value, locale)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return format_number(value, locale, 0 if float(value).is_integer() else 1)
    return clean_value(value)


def _apply(expression: Expression, ctx: RenderContext) -> Span:
    raw: Value = ctx.values.get(expression.variable)
    relative: datetime | None = None
    text = _as_text(raw, ctx.locale)
    for f in expression.filters:
        if f.name == "default":
            if not text:
                text = clean_value(str(f.args[0]))
        elif f.name == "capitalize":
            text = text[:1].upper() + text[1:]
        elif f.name == "upcase":
            text = text.upper()
        elif f.name == "downcase":
            text = text.lower()
        elif f.name == "truncate":
            limit = int(f.args[0])
            if len(text) > limit:
                text = text[: max(1, limit - 1)].rstrip() + "…"
        elif f.name == "relative_time" and isinstance(raw, datetime) and ctx.now is not None:
            relative = raw
            text = relative_time(raw, ctx.now)
        elif f.name == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
            text = format_number(raw, ctx.locale)
        elif f.name == "currency" and isinstance(raw, Money):
            text = format_money(raw, ctx.locale)
    return Span(text, relative_time=relative, live_count=expression.variable == "live_count")


def render(parsed: Parsed, ctx: RenderContext) -> list[Span]:
    """Renders parsed text to spans; values are never re-parsed, so data cannot inject template syntax."""
    if not parsed.nodes:
        return []  # most cards leave footer, CTA or image empty: the feed renders those hundreds of times
    if not parsed.ok:
        raise ValueError("cannot render a template with errors")
    # Runs as [text, emphasized, relative_time, live_count] lists and Span objects only at the end:
    # this loop runs for every field of every notification of a feed build.
    runs: list[list[Any]] = []
    emphasized = False
    for node in parsed.nodes:
        if type(node) is Emphasis:
            emphasized = not emphasized
            continue
        if type(node) is Literal:
            text, relative, live = node.text, None, False
        else:
            span = _apply(node, ctx)  # type: ignore[arg-type]
            text, relative, live = span.text, span.relative_time, span.live_count
        if not text and relative is None:
            continue
        # Adjacent plain spans with the same emphasis merge, so the widget gets few DOM nodes.
        if runs and relative is None and not live:
            last = runs[-1]
            if last[1] == emphasized and last[2] is None and not last[3]:
                last[0] += text
                continue
        runs.append([text, emphasized, relative, live])
    return _collapse_spaces(runs)


_MULTI_SPACE = re.compile(r"[ ]{2,}")


def _collapse_spaces(runs: list[list[Any]]) -> list[Span]:
    # An empty value between two spaces ("from  bought") would otherwise leave a double space.
    out: list[Span] = []
    last_index = len(runs) - 1
    for i, (text, emphasized, relative, live) in enumerate(runs):
        if "  " in text:
            text = _MULTI_SPACE.sub(" ", text)
        if i == 0:
            text = text.lstrip(" ")
        if i == last_index:
            text = text.rstrip(" ")
        if out and text.startswith(" ") and out[-1].text.endswith(" "):
            text = text[1:]
        if text or relative is not None:
            out.append(Span(text, emphasized, relative, live))
    return out


def plain_text(spans: Sequence[Span]) -> str:
    return "".join(s.text for s in spans)


_URL_START = re.compile(r"https?://[^\s/?#]+", re.IGNORECASE)
# Controls and any Unicode white space anywhere in the URL (one regex scan, not a per-character loop:
# the feed checks two URLs per rendered notification).
_URL_BAD_CHAR = re.compile(r"[\x00-\x1f\s]")


def is_safe_url(url: str) -> bool:
    return _URL_START.match(url) is not None and _URL_BAD_CHAR.search(url) is None


# ---- whole content ---------------------------------------------------------------------------

TEXT_FIELDS = ("title", "body", "footer", "cta_text", "link_url", "image_url", "anonymous_name")
URL_FIELDS = frozenset({"link_url", "image_url"})
URL_VARIABLES = frozenset({"product.url", "product.image_url"})


@dataclass(frozen=True)
class ContentCheck:
    """Result of checking every text field of a TemplateContent."""

    parsed: Mapping[str, Parsed]
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not any(i.error for i in self.issues)

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(v for p in self.parsed.values() for v in p.variables))


def check_content(fields: Mapping[str, str], campaign_type: str) -> ContentCheck:
    """Parses every text field; errors and warnings ordered by field then offset."""
    return _check_content(tuple(fields.get(name, "") for name in TEXT_FIELDS), campaign_type)


@lru_cache(maxsize=2048)
def _check_content(texts: tuple[str, ...], campaign_type: str) -> ContentCheck:
    # Pure and immutable, so feeds rebuilt for many pages parse each campaign's text once.
    fields = dict(zip(TEXT_FIELDS, texts, strict=True))
    parsed: dict[str, Parsed] = {}
    issues: list[Issue] = []
    for name in TEXT_FIELDS:
        text = fields.get(name, "")
        # The anonymous wording is shown as is: no expressions in it.
        result = parse(text, "ANNOUNCEMENT" if name == "anonymous_name" else campaign_type, name)
        parsed[name] = result
        issues.extend(result.issues)
        if result.ok:
            issues.extend(lint(result, text, name))
        if name in URL_FIELDS and text and result.ok:
            issues.extend(_check_url_field(name, text, result))
    if not fields.get("body", "").strip():
        issues.append(Issue("body", 0, 0, IssueCode.REQUIRED, "the body is required"))
    order = {name: i for i, name in enumerate(TEXT_FIELDS)}
    issues.sort(key=lambda i: (order.get(i.field, 99), i.offset))
    return ContentCheck(parsed, tuple(issues))


def _check_url_field(name: str, text: str, parsed: Parsed) -> list[Issue]:
    first = parsed.nodes[0] if parsed.nodes else None
    if isinstance(first, Expression) and first.variable in URL_VARIABLES:
        return []  # the renderer drops a data URL that is not http(s)
    if isinstance(first, Literal) and is_safe_url(first.text):
        return []
    return [_issue(name, text, 0, len(text), IssueCode.UNSAFE_URL, "must be an http(s) URL")]


# ---- actors ----------------------------------------------------------------------------------


class Anonymity(Enum):
    ANONYMOUS = 1
    FIRST_NAME = 2
    FIRST_NAME_LAST_INITIAL = 3


def actor_values(
    first_name: str, last_initial: str, anonymity: Anonymity, anonymous_name: str
) -> tuple[dict[str, Value], bool]:
    """Variables name/first_name/last_initial for an actor at an anonymity level; True when anonymous."""
    first = clean_value(first_name)[:40]
    initial = clean_value(last_initial)[:1].upper()
    if anonymity is Anonymity.ANONYMOUS or not first:
        return {"name": anonymous_name, "first_name": "", "last_initial": ""}, True
    if anonymity is Anonymity.FIRST_NAME or not initial:
        return {"name": first, "first_name": first, "last_initial": ""}, False
    return {"name": f"{first} {initial}.", "first_name": first, "last_initial": initial}, False


def initials(name_values: Mapping[str, Value], anonymous: bool) -> str:
    if anonymous:
        return "?"
    first = str(name_values.get("first_name") or "")[:1]
    last = str(name_values.get("last_initial") or "")[:1]
    return (first + last).upper() or "?"
