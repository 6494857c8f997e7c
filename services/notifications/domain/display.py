"""Display rules: the defaults from PRODUCT.md, merging campaign and variant overrides, and validation."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class DisplayRules:
    """None means "not set here" (inherit / default)."""

    first_delay: timedelta | None = None
    display_duration: timedelta | None = None
    min_gap: timedelta | None = None
    max_gap: timedelta | None = None
    max_per_page: int | None = None
    max_per_session: int | None = None
    position: int | None = None
    mobile_position: int | None = None
    loop: bool | None = None
    pause_on_hover: bool | None = None
    hide_own_activity: bool | None = None
    skip_seen_within: timedelta | None = None
    show_close_button: bool | None = None
    open_links_in_new_tab: bool | None = None


DEFAULTS = DisplayRules(
    first_delay=timedelta(seconds=3),
    display_duration=timedelta(seconds=7),
    min_gap=timedelta(seconds=12),
    max_gap=timedelta(seconds=20),
    max_per_page=10,
    max_per_session=30,
    position=None,  # the site's position applies
    mobile_position=None,
    loop=True,
    pause_on_hover=True,
    hide_own_activity=True,
    skip_seen_within=timedelta(hours=24),
    show_close_button=True,
    open_links_in_new_tab=False,
)


def merge(base: DisplayRules, override: DisplayRules) -> DisplayRules:
    """Fields set in override win."""
    changes = {
        f.name: getattr(override, f.name) for f in fields(override) if getattr(override, f.name) is not None
    }
    return replace(base, **changes)


def effective(
    campaign: DisplayRules,
    variant: DisplayRules | None = None,
    *,
    site_position: int = 1,
    site_mobile_position: int = 1,
) -> DisplayRules:
    """Defaults ← campaign ← variant, with positions falling back to the site's; every field set."""
    rules = merge(merge(DEFAULTS, campaign), variant or DisplayRules())
    if not rules.position:
        rules = replace(rules, position=site_position or 1)
    if not rules.mobile_position:
        rules = replace(rules, mobile_position=site_mobile_position or rules.position)
    # A zero count means "default" in the contract, not "never show".
    if not rules.max_per_page:
        rules = replace(rules, max_per_page=DEFAULTS.max_per_page)
    if not rules.max_per_session:
        rules = replace(rules, max_per_session=DEFAULTS.max_per_session)
    return rules


#: Own activities among a campaign's newest items that the widget may hide from their actor.
OWN_ACTIVITY_SPARES = 2


def feed_items(rules: DisplayRules) -> int:
    """How many items of one arm the feed carries for these effective rules (docs/notifications.md).

    One page view shows at most max_per_page of a campaign. Spares cover the widget's filters: half a
    page view more when it skips items seen within a window (a visitor coming back to another page
    has seen some of the newest), and OWN_ACTIVITY_SPARES when it hides the visitor's own activity.
    Never more than a session can show (max_per_session).
    """
    per_page = rules.max_per_page or DEFAULTS.max_per_page or 0
    per_session = rules.max_per_session or DEFAULTS.max_per_session or 0
    spares = 0
    if rules.skip_seen_within:
        spares += (per_page + 1) // 2
    if rules.hide_own_activity:
        spares += OWN_ACTIVITY_SPARES
    return max(1, min(per_session, per_page + spares))


def problems(rules: DisplayRules, prefix: str = "campaign.display_rules") -> list[tuple[str, str]]:
    """(field, message) for values outside the allowed ranges, checked on the rules as given."""
    out: list[tuple[str, str]] = []
    for name, low, high in (
        ("first_delay", timedelta(0), timedelta(minutes=10)),
        ("display_duration", timedelta(seconds=1), timedelta(minutes=5)),
        ("min_gap", timedelta(0), timedelta(hours=1)),
        ("max_gap", timedelta(0), timedelta(hours=1)),
        ("skip_seen_within", timedelta(0), timedelta(days=30)),
    ):
        value = getattr(rules, name)
        if value is not None and not low <= value <= high:
            out.append((f"{prefix}.{name}", f"must be between {_fmt(low)} and {_fmt(high)}"))
    merged = merge(DEFAULTS, rules)
    if merged.min_gap is not None and merged.max_gap is not None and merged.max_gap < merged.min_gap:
        out.append((f"{prefix}.max_gap", "must not be shorter than min_gap"))
    for name, limit in (("max_per_page", 100), ("max_per_session", 1000)):
        count = getattr(rules, name)
        if count is not None and not 0 <= count <= limit:
            out.append((f"{prefix}.{name}", f"must be within 0..{limit}"))
    for name in ("position", "mobile_position"):
        position = getattr(rules, name)
        if position is not None and not 0 <= position <= 6:
            out.append((f"{prefix}.{name}", "unknown position"))
    return out


def _fmt(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    return f"{seconds} s"
