"""Targeting: URL rules of every match type, regex compile check and time bound, device, country,
referrer, UTM, new vs returning, schedule in the site's time zone."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.targeting import (
    Action,
    Check,
    Component,
    DailyWindow,
    Match,
    Page,
    Schedule,
    Targeting,
    UrlRule,
    Utm,
    UtmRule,
    VisitorType,
    evaluate,
    next_schedule_change,
    normalize_url,
    regex_error,
    site_zone,
    targeting_problems,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday, 13:00 in Prague
SHOP = "https://Shop.Example.com/products/beanie/?b=2&a=1#reviews"


def url_only(*rules: UrlRule) -> Targeting:
    return Targeting(url_rules=rules)


def check(t: Targeting, page: Page, when: datetime = NOW, tz: str = "Europe/Prague") -> dict[Check, bool]:
    return {r.check: r.passed for r in evaluate(t, page, when, tz).results}


@pytest.mark.parametrize(
    ("match", "pattern", "component", "ignore_case", "expected"),
    [
        (Match.EXACT, "https://shop.example.com/products/beanie?a=1&b=2", Component.FULL_URL, False, True),
        (Match.EXACT, "https://shop.example.com/products/beanie", Component.FULL_URL, False, False),
        (Match.EXACT, "/products/beanie", Component.PATH, False, True),
        (Match.EXACT, "/Products/beanie", Component.PATH, False, False),
        (Match.EXACT, "/Products/beanie", Component.PATH, True, True),
        (Match.CONTAINS, "beanie", Component.FULL_URL, False, True),
        (Match.PREFIX, "/products/", Component.PATH, False, True),
        (Match.GLOB, "/products/*", Component.PATH, False, True),
        (Match.GLOB, "/*", Component.PATH, False, False),  # `*` does not cross `/`
        (Match.GLOB, "/**", Component.PATH, False, True),
        (Match.GLOB, "shop.example.???", Component.HOST, False, True),
        (Match.REGEX, r"/products/[a-z]+", Component.PATH, False, True),
        (Match.REGEX, r"^/cart", Component.PATH, False, False),
        (Match.EXACT, "shop.example.com", Component.HOST, False, True),
    ],
)
def test_url_match_types(
    match: Match, pattern: str, component: Component, ignore_case: bool, expected: bool
) -> None:
    rule = UrlRule(Action.INCLUDE, match, pattern, component, ignore_case)
    assert evaluate(url_only(rule), Page(SHOP), NOW, "UTC").matches is expected


def test_exclude_wins_and_names_the_rule() -> None:
    t = url_only(
        UrlRule(Action.INCLUDE, Match.GLOB, "/**", Component.PATH),
        UrlRule(Action.EXCLUDE, Match.GLOB, "/checkout/**", Component.PATH),
    )
    assert evaluate(t, Page("https://x.com/products/a"), NOW, "UTC").matches
    outcome = evaluate(t, Page("https://x.com/checkout/pay"), NOW, "UTC")
    assert not outcome.matches
    url = outcome.results[0]
    assert url.check is Check.URL and url.field == "targeting.url_rules[1]"
    assert url.detail == "excluded by targeting.url_rules[1] (glob /checkout/**)"


def test_no_include_match_fails() -> None:
    t = url_only(UrlRule(Action.INCLUDE, Match.CONTAINS, "/blog"))
    outcome = evaluate(t, Page("https://x.com/shop"), NOW, "UTC")
    assert not outcome.matches and outcome.results[0].field == "targeting.url_rules"


def test_normalize_url() -> None:
    assert normalize_url(SHOP) == "https://shop.example.com/products/beanie?a=1&b=2"
    assert normalize_url("https://x.com/") == "https://x.com"


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [("(?=lookahead)", "invalid perl operator"), ("(a)\\1", "invalid escape sequence"), ("a(b", "missing )")],
)
def test_bad_regexes_are_rejected_with_message(pattern: str, fragment: str) -> None:
    error = regex_error(pattern)
    assert error is not None and fragment in error
    problems = targeting_problems(url_only(UrlRule(Action.INCLUDE, Match.REGEX, pattern)))
    assert [p.field for p in problems] == ["targeting.url_rules[0].pattern"]


def test_regex_position_points_at_the_fragment() -> None:
    assert (
        regex_error("^/shop(?<=x)") == "invalid regular expression at offset 6: invalid perl operator: (?<="
    )


def test_regex_length_limit() -> None:
    assert regex_error("a" * 513) == "at most 512 characters (got 513)"


def test_catastrophic_patterns_stay_fast() -> None:
    # Backtracking engines take exponential time here; RE2 (and our RE2-compiled globs) are linear.
    hostile_url = "https://x.com/" + "a" * 4000 + "!"
    rules = url_only(
        UrlRule(Action.INCLUDE, Match.REGEX, r"(a+)+$b"),
        UrlRule(Action.INCLUDE, Match.GLOB, "*a*a*a*a*a*a*a*a*a*a*a*a*b", Component.PATH),
    )
    started = time.perf_counter()
    assert not evaluate(rules, Page(hostile_url), NOW, "UTC").matches
    assert time.perf_counter() - started < 0.1


def test_device_country_visitor_type() -> None:
    t = Targeting(
        device_types=frozenset({2}),
        include_countries=frozenset({"CZ", "SK"}),
        exclude_countries=frozenset({"SK"}),
        visitor_type=VisitorType.RETURNING,
    )
    assert evaluate(
        t,
        Page("https://x.com", device_type=2, country_code="cz", visitor_type=VisitorType.RETURNING),
        NOW,
        "UTC",
    ).matches
    results = check(t, Page("https://x.com", device_type=1, country_code="SK", visitor_type=VisitorType.NEW))
    assert results[Check.DEVICE] is False and results[Check.COUNTRY] is False
    assert results[Check.VISITOR_TYPE] is False
    assert check(t, Page("https://x.com", device_type=2, country_code=""))[Check.COUNTRY] is False


def test_referrer_and_utm() -> None:
    t = Targeting(
        referrer_rules=(UrlRule(Action.INCLUDE, Match.CONTAINS, "google.", Component.HOST),),
        utm_rules=(
            UtmRule(Action.INCLUDE, Utm.SOURCE, Match.EXACT, "Newsletter"),
            UtmRule(Action.EXCLUDE, Utm.CAMPAIGN, Match.PREFIX, "internal"),
        ),
    )
    good = Page("https://x.com", referrer="https://www.google.com/search", utm={Utm.SOURCE: "newsletter"})
    assert evaluate(t, good, NOW, "UTC").matches
    excluded = Page(good.url, good.referrer, {Utm.SOURCE: "newsletter", Utm.CAMPAIGN: "internal-q4"})
    assert check(t, excluded)[Check.UTM] is False
    assert (
        check(t, Page("https://x.com", referrer="", utm={Utm.SOURCE: "newsletter"}))[Check.REFERRER] is False
    )


def test_schedule_in_site_time_zone() -> None:
    # 12:00 UTC is 13:00 in Prague and 07:00 in New York, on a Friday.
    office = Schedule(weekdays=frozenset({5}), windows=(DailyWindow(9 * 60, 17 * 60),))
    t = Targeting(schedule=office)
    assert evaluate(t, Page("https://x.com"), NOW, "Europe/Prague").matches
    assert not evaluate(t, Page("https://x.com"), NOW, "America/New_York").matches
    assert not evaluate(t, Page("https://x.com"), NOW + timedelta(days=1), "Europe/Prague").matches
    night = Targeting(schedule=Schedule(windows=(DailyWindow(22 * 60, 2 * 60),)))  # wraps midnight
    assert evaluate(night, Page("https://x.com"), NOW.replace(hour=23), "UTC").matches
    assert evaluate(night, Page("https://x.com"), NOW.replace(hour=1), "UTC").matches
    assert not evaluate(night, Page("https://x.com"), NOW.replace(hour=3), "UTC").matches
    dated = Targeting(schedule=Schedule(start=NOW, end=NOW + timedelta(hours=1)))
    assert evaluate(dated, Page("https://x.com"), NOW, "UTC").matches
    assert not evaluate(dated, Page("https://x.com"), NOW + timedelta(hours=1), "UTC").matches
    assert not evaluate(dated, Page("https://x.com"), NOW - timedelta(seconds=1), "UTC").matches


def test_next_schedule_change_is_the_window_end() -> None:
    office = Schedule(windows=(DailyWindow(9 * 60, 17 * 60),))
    change = next_schedule_change(office, NOW, site_zone("Europe/Prague"), timedelta(days=1))
    assert change == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 17:00 Prague
    assert next_schedule_change(None, NOW, site_zone("UTC"), timedelta(days=1)) is None


def test_unknown_time_zone_falls_back_to_utc() -> None:
    assert site_zone("Mars/Olympus").key == "UTC"


def test_validation_lists_every_problem() -> None:
    t = Targeting(
        url_rules=(
            UrlRule(Action.UNSPECIFIED, Match.REGEX, "(?=x)"),
            UrlRule(Action.INCLUDE, Match.UNSPECIFIED, ""),
        ),
        include_countries=frozenset({"Czechia"}),
        schedule=Schedule(start=NOW, end=NOW, windows=(DailyWindow(600, 600),)),
    )
    fields = [p.field for p in targeting_problems(t)]
    assert fields == [
        "targeting.url_rules[0].action",
        "targeting.url_rules[0].pattern",
        "targeting.url_rules[1].match_type",
        "targeting.url_rules[1].pattern",
        "targeting.include_country_codes",
        "targeting.schedule.end_time",
        "targeting.schedule.daily_windows[0]",
    ]
