"""The template language: parsing with exact positions, filters, fallbacks, anonymity, hostile input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.templates import (
    Anonymity,
    IssueCode,
    Money,
    RenderContext,
    Span,
    actor_values,
    check_content,
    parse,
    plain_text,
    render,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def render_text(
    template: str, values: dict, campaign_type: str = "RECENT_ACTIVITY", locale: str = "en"
) -> str:  # type: ignore[type-arg]
    parsed = parse(template, campaign_type)
    assert parsed.ok, parsed.issues
    return plain_text(render(parsed, RenderContext(values, locale, NOW)))


def test_variables_filters_and_fallbacks() -> None:
    template = (
        '{{ first_name | default: "Someone" }} from {{ city | default: "nearby" }} '
        "bought {{ product.name | truncate: 12 }}"
    )
    assert render_text(template, {"first_name": "Jana", "city": "Brno", "product.name": "Trail Shoes"}) == (
        "Jana from Brno bought Trail Shoes"
    )
    assert (
        render_text(template, {"product.name": "Merino Wool Beanie"})
        == "Someone from nearby bought Merino Wool…"
    )


def test_case_filters_and_numbers() -> None:
    assert (
        render_text("{{ city | capitalize }} {{ city | upcase }} {{ city | downcase }}", {"city": "brno"})
        == "Brno BRNO brno"
    )
    assert (
        render_text("{{ count | number }} signups", {"count": 1204}, "AGGREGATE_COUNTER") == "1,204 signups"
    )
    assert render_text("{{ count | number }}", {"count": 1204}, "AGGREGATE_COUNTER", "de-DE") == "1.204"
    assert render_text("{{ count | number }}", {"count": 1204}, "AGGREGATE_COUNTER", "cs") == "1\u00a0204"


def test_currency_in_locale() -> None:
    assert render_text("{{ amount | currency }}", {"amount": Money(123456, "USD")}) == "$1,234.56"
    assert (
        render_text("{{ amount | currency }}", {"amount": Money(123456, "EUR")}, locale="de")
        == "1.234,56\u00a0€"
    )
    assert render_text("{{ amount | currency }}", {"amount": Money(1500, "JPY")}) == "¥1,500"


def test_relative_time_span_is_live() -> None:
    parsed = parse("{{ occurred_at | relative_time }}", "RECENT_ACTIVITY")
    when = NOW - timedelta(minutes=4)
    spans = render(parsed, RenderContext({"occurred_at": when}, "en", NOW))
    assert spans == [Span("4 min ago", relative_time=when)]


def test_emphasis_and_live_count() -> None:
    spans = render(
        parse("**{{ live_count }}** people are viewing", "LIVE_VISITORS"), RenderContext({"live_count": 31})
    )
    assert spans == [Span("31", emphasized=True, live_count=True), Span(" people are viewing")]


def test_empty_values_do_not_leave_double_spaces() -> None:
    assert render_text("{{ name }} from {{ city }} bought it", {"name": "Jana"}) == "Jana from bought it"


@pytest.mark.parametrize(
    ("anonymity", "expected", "anonymous"),
    [
        (Anonymity.ANONYMOUS, "Someone", True),
        (Anonymity.FIRST_NAME, "Jana", False),
        (Anonymity.FIRST_NAME_LAST_INITIAL, "Jana K.", False),
    ],
)
def test_anonymous_wording(anonymity: Anonymity, expected: str, anonymous: bool) -> None:
    values, is_anonymous = actor_values("Jana", "k", anonymity, "Someone")
    assert values["name"] == expected and is_anonymous is anonymous
    if anonymous:
        assert values["first_name"] == "" and values["last_initial"] == ""


def test_missing_first_name_is_anonymous_even_when_names_allowed() -> None:
    values, anonymous = actor_values("", "K", Anonymity.FIRST_NAME_LAST_INITIAL, "A shopper")
    assert (values["name"], anonymous) == ("A shopper", True)


# ---- hostile input ---------------------------------------------------------------------------


def test_values_are_never_reparsed_or_evaluated() -> None:
    hostile = {
        "first_name": "{{ site.name }}<script>alert(1)</script>",
        "city": "__import__('os').system('x')",
        "product.name": "{% raw %}${7*7}",
    }
    text = render_text("{{ first_name }} {{ city }} {{ product.name }}", hostile)
    assert text == "{{ site.name }}<script>alert(1)</script> __import__('os').system('x') {% raw %}${7*7}"


def test_control_and_bidi_characters_are_stripped_and_values_bounded() -> None:
    text = render_text("{{ first_name }}!", {"first_name": "Ja\u202ena\x00\x1b[31m\u2066"})
    assert text == "Jana[31m!"
    long = render_text("{{ product.name }}", {"product.name": "x" * 10_000})
    assert len(long) == 200 and long.endswith("…")


def test_python_and_jinja_syntax_is_rejected() -> None:
    for template in ("{{ first_name.__class__ }}", "{{ ''.join(x) }}", "{% for x in y %}", "{{ 7*7 }}"):
        parsed = parse(template, "RECENT_ACTIVITY")
        if template.startswith("{%"):
            assert parsed.ok  # plain text: only {{ }} is syntax, so it renders literally
            assert plain_text(render(parsed, RenderContext({}))) == template
        else:
            assert not parsed.ok


def test_limits() -> None:
    too_long = parse("x" * 501, "RECENT_ACTIVITY")
    assert [(i.code, i.offset) for i in too_long.issues] == [(IssueCode.TOO_LONG, 500)]
    many = parse("{{ city }}" * 21, "RECENT_ACTIVITY")
    assert [i.code for i in many.issues] == [IssueCode.TOO_LONG]
    assert many.issues[0].offset == 200
    filters = parse("{{ city" + " | upcase" * 6 + " }}", "RECENT_ACTIVITY")
    assert [i.code for i in filters.issues] == [IssueCode.TOO_LONG]


# ---- positions -------------------------------------------------------------------------------


def test_unclosed_expression_position() -> None:
    issues = parse("Hello\n  {{ first_name", "RECENT_ACTIVITY").issues
    assert [(i.code, i.line, i.column, i.offset, i.length) for i in issues] == [
        (IssueCode.SYNTAX, 2, 3, 8, 2)
    ]
    assert issues[0].describe() == "2:3: '{{' is never closed by '}}'"


def test_unknown_filter_with_suggestion_and_position() -> None:
    (issue,) = parse("Hi {{ city | uppercase }}", "RECENT_ACTIVITY").issues
    assert (issue.code, issue.column, issue.length) == (IssueCode.UNKNOWN_FILTER, 14, 9)
    assert issue.message == "unknown filter 'uppercase'; did you mean 'upcase'?"


def test_unknown_variable_for_the_campaign_type() -> None:
    (issue,) = parse("{{ first_name }}", "LIVE_VISITORS").issues
    assert (issue.code, issue.offset, issue.length) == (IssueCode.UNKNOWN_VARIABLE, 3, 10)
    assert parse("{{ attributes.plan }}", "RECENT_ACTIVITY").ok
    assert not parse("{{ attributes.plan }}", "ANNOUNCEMENT").ok


def test_bad_filter_arguments() -> None:
    codes = [
        (i.code, i.message)
        for t in (
            '{{ city | truncate: "x" }}',
            "{{ city | default: 3 }}",
            "{{ city | upcase: 1 }}",
            '{{ city | default: "x }}',
        )
        for i in parse(t, "RECENT_ACTIVITY").issues
    ]
    assert codes == [
        (IssueCode.BAD_FILTER_ARGUMENT, "truncate needs a whole number 1..500"),
        (IssueCode.BAD_FILTER_ARGUMENT, 'default needs a string, e.g. default: "Someone"'),
        (IssueCode.BAD_FILTER_ARGUMENT, "filter 'upcase' takes no argument"),
        (IssueCode.SYNTAX, "unterminated string"),
    ]


def test_unclosed_emphasis() -> None:
    (issue,) = parse('bought **{{ product.name | default: "it" }}', "RECENT_ACTIVITY").issues
    assert (issue.code, issue.offset) == (IssueCode.SYNTAX, 7)


def test_check_content_orders_fields_and_flags_urls() -> None:
    result = check_content(
        {
            "title": "{{ city }}",
            "body": "",
            "link_url": "javascript:alert(1)",
            "image_url": "{{ product.image_url }}",
        },
        "RECENT_ACTIVITY",
    )
    assert [(i.field, i.code, i.error) for i in result.issues] == [
        ("title", IssueCode.MISSING_FALLBACK, False),
        ("body", IssueCode.REQUIRED, True),
        ("link_url", IssueCode.UNSAFE_URL, True),
    ]
    assert not result.ok and result.variables == ["city", "product.image_url"]
