"""Display rules: PRODUCT.md defaults, campaign and variant overrides, validation."""

from __future__ import annotations

from datetime import timedelta

from services.notifications.domain.display import (
    DEFAULTS,
    OWN_ACTIVITY_SPARES,
    DisplayRules,
    effective,
    feed_items,
    problems,
)


def test_defaults_from_product_brief() -> None:
    rules = effective(DisplayRules(), site_position=2, site_mobile_position=5)
    assert rules.first_delay == timedelta(seconds=3)
    assert rules.display_duration == timedelta(seconds=7)
    assert (rules.min_gap, rules.max_gap) == (timedelta(seconds=12), timedelta(seconds=20))
    assert rules.hide_own_activity is True and rules.pause_on_hover is True and rules.loop is True
    assert rules.skip_seen_within == timedelta(hours=24)
    assert (rules.max_per_page, rules.max_per_session) == (10, 30)
    assert (rules.position, rules.mobile_position) == (2, 5)


def test_variant_overrides_campaign_overrides_defaults() -> None:
    campaign = DisplayRules(first_delay=timedelta(seconds=1), loop=False, max_per_page=0)
    variant = DisplayRules(first_delay=timedelta(seconds=9), position=4)
    rules = effective(campaign, variant, site_position=1)
    assert rules.first_delay == timedelta(seconds=9)
    assert rules.loop is False
    assert rules.position == 4 and rules.mobile_position == 1
    assert rules.max_per_page == DEFAULTS.max_per_page  # 0 means default, not "never"


def test_explicit_false_survives_merge() -> None:
    rules = effective(DisplayRules(hide_own_activity=False, skip_seen_within=timedelta(0)))
    assert rules.hide_own_activity is False
    assert rules.skip_seen_within == timedelta(0)


def test_problems_name_fields() -> None:
    found = dict(
        problems(
            DisplayRules(
                display_duration=timedelta(seconds=-1),
                min_gap=timedelta(seconds=30),
                max_gap=timedelta(seconds=10),
                max_per_page=1000,
                position=9,
            )
        )
    )
    assert set(found) == {
        "campaign.display_rules.display_duration",
        "campaign.display_rules.max_gap",
        "campaign.display_rules.max_per_page",
        "campaign.display_rules.position",
    }
    assert found["campaign.display_rules.max_gap"] == "must not be shorter than min_gap"
    assert problems(DisplayRules(min_gap=timedelta(seconds=5), max_gap=timedelta(seconds=5))) == []


def test_feed_items_one_page_view_plus_spares_for_the_widget_filters() -> None:
    # Defaults: 10 per page view, half a page view for items seen in the last 24 h, 2 own activities.
    assert feed_items(effective(DisplayRules())) == 10 + 5 + OWN_ACTIVITY_SPARES == 17
    # No filters in the widget: one page view is all it can show.
    plain = DisplayRules(hide_own_activity=False, skip_seen_within=timedelta(0), max_per_page=4)
    assert feed_items(effective(plain)) == 4
    assert feed_items(effective(DisplayRules(max_per_page=3, hide_own_activity=False))) == 3 + 2
    assert feed_items(effective(DisplayRules(max_per_page=3, skip_seen_within=timedelta(0)))) == 3 + 2
    # Never more than a session can show, never nothing.
    assert feed_items(effective(DisplayRules(max_per_page=40, max_per_session=12))) == 12
    assert feed_items(effective(DisplayRules(max_per_page=100, max_per_session=1000))) == 152
