"""Built-in templates per campaign type and locale (read-only, named `builtinTemplates/{id}`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BuiltinTemplate:
    id: str
    display_name: str
    campaign_type: str  # templates.proto CampaignType without the prefix
    locale: str
    title: str
    body: str
    footer: str = ""
    cta_text: str = ""
    link_url: str = ""
    image_source: str = ""  # ImageSource without the prefix; "" = the type's default
    show_verified_mark: bool = False


BUILTINS: tuple[BuiltinTemplate, ...] = (
    BuiltinTemplate(
        "recent-purchase",
        "Recent purchase",
        "RECENT_ACTIVITY",
        "en",
        title='{{ name }} from {{ city | default: "nearby" }}',
        body='bought **{{ product.name | default: "something" }}**',
        footer="{{ occurred_at | relative_time }}",
        link_url="{{ product.url }}",
        image_source="PRODUCT",
        show_verified_mark=True,
    ),
    BuiltinTemplate(
        "recent-signup",
        "Recent sign-up",
        "RECENT_ACTIVITY",
        "en",
        title='{{ name }} from {{ city | default: "nearby" }}',
        body="signed up",
        footer="{{ occurred_at | relative_time }}",
        image_source="AVATAR",
        show_verified_mark=True,
    ),
    BuiltinTemplate(
        "recent-purchase-de",
        "Letzter Kauf",
        "RECENT_ACTIVITY",
        "de",
        title='{{ name }} aus {{ city | default: "der Nähe" }}',
        body='hat **{{ product.name | default: "etwas" }}** gekauft',
        footer="{{ occurred_at | relative_time }}",
        link_url="{{ product.url }}",
        image_source="PRODUCT",
        show_verified_mark=True,
    ),
    BuiltinTemplate(
        "live-visitors",
        "People viewing now",
        "LIVE_VISITORS",
        "en",
        title="",
        body="**{{ live_count | number }} people** are viewing this page",
        image_source="ICON",
    ),
    BuiltinTemplate(
        "aggregate-counter",
        "Activity count",
        "AGGREGATE_COUNTER",
        "en",
        title="",
        body="**{{ count | number }} people** bought in the last {{ window }}",
        image_source="ICON",
    ),
    BuiltinTemplate(
        "review-stars",
        "Review",
        "REVIEW",
        "en",
        title="{{ name }} rated {{ rating | number }}/5",
        body='“{{ review.text | truncate: 120 | default: "Great!" }}”',
        footer="{{ occurred_at | relative_time }}",
        image_source="AVATAR",
        show_verified_mark=True,
    ),
    BuiltinTemplate(
        "announcement",
        "Announcement",
        "ANNOUNCEMENT",
        "en",
        title="{{ site.name }}",
        body="**Free shipping** on every order this weekend",
        cta_text="Shop now",
        image_source="ICON",
    ),
)

BY_ID = {b.id: b for b in BUILTINS}


def for_type(campaign_type: str | None, locale: str) -> list[BuiltinTemplate]:
    """Built-ins for a type (all types when None) in the locale's language, falling back to English."""
    language = (locale or "en").split("-")[0].lower()
    types = [campaign_type] if campaign_type else list(dict.fromkeys(b.campaign_type for b in BUILTINS))
    out: list[BuiltinTemplate] = []
    for kind in types:
        of_type = [b for b in BUILTINS if b.campaign_type == kind]
        localized = [b for b in of_type if b.locale == language]
        out.extend(localized or [b for b in of_type if b.locale == "en"])
    return out
