"""Conversions between contract messages and the pure domain types (no I/O, no rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from services.notifications.domain import display, targeting, templates
from socialproof.events.v1 import activity_pb2
from socialproof.notifications.v1 import campaigns_pb2, targeting_pb2, templates_pb2, widget_pb2

CAMPAIGN_TYPE_NAMES: dict[int, str] = {
    templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY: "RECENT_ACTIVITY",
    templates_pb2.CAMPAIGN_TYPE_LIVE_VISITORS: "LIVE_VISITORS",
    templates_pb2.CAMPAIGN_TYPE_AGGREGATE_COUNTER: "AGGREGATE_COUNTER",
    templates_pb2.CAMPAIGN_TYPE_REVIEW: "REVIEW",
    templates_pb2.CAMPAIGN_TYPE_ANNOUNCEMENT: "ANNOUNCEMENT",
}


def ts(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value.astimezone(UTC))
    return out


def from_ts(value: Timestamp) -> datetime:
    return value.ToDatetime(tzinfo=UTC)


def dur(value: timedelta) -> Duration:
    out = Duration()
    out.FromTimedelta(value)
    return out


def _url_rule(rule: targeting_pb2.UrlRule) -> targeting.UrlRule:
    return targeting.UrlRule(
        targeting.Action(rule.action),
        targeting.Match(rule.match_type),
        rule.pattern,
        targeting.Component(rule.component or targeting_pb2.URL_COMPONENT_FULL_URL),
        rule.ignore_case,
    )


def targeting_from_proto(rules: targeting_pb2.TargetingRules) -> targeting.Targeting:
    schedule = None
    if rules.HasField("schedule"):
        s = rules.schedule
        schedule = targeting.Schedule(
            start=from_ts(s.start_time) if s.HasField("start_time") else None,
            end=from_ts(s.end_time) if s.HasField("end_time") else None,
            weekdays=frozenset(int(d) for d in s.weekdays),
            windows=tuple(targeting.DailyWindow(w.start_minute, w.end_minute) for w in s.daily_windows),
        )
    return targeting.Targeting(
        url_rules=tuple(_url_rule(r) for r in rules.url_rules),
        device_types=frozenset(int(d) for d in rules.device_types),
        include_countries=frozenset(c.upper() for c in rules.include_country_codes),
        exclude_countries=frozenset(c.upper() for c in rules.exclude_country_codes),
        referrer_rules=tuple(_url_rule(r) for r in rules.referrer_rules),
        utm_rules=tuple(
            targeting.UtmRule(
                targeting.Action(r.action), targeting.Utm(r.parameter), targeting.Match(r.match_type), r.value
            )
            for r in rules.utm_rules
        ),
        visitor_type=targeting.VisitorType(rules.visitor_type),
        schedule=schedule,
    )


def page_from_proto(page: targeting_pb2.PageContext) -> targeting.Page:
    utm = {
        targeting.Utm.SOURCE: page.utm_source,
        targeting.Utm.MEDIUM: page.utm_medium,
        targeting.Utm.CAMPAIGN: page.utm_campaign,
        targeting.Utm.TERM: page.utm_term,
        targeting.Utm.CONTENT: page.utm_content,
    }
    return targeting.Page(
        url=page.url,
        referrer=page.referrer,
        utm={k: v for k, v in utm.items() if v},
        device_type=int(page.device_type),
        country_code=page.country_code.upper(),
        visitor_type=targeting.VisitorType(page.visitor_type),
    )


def display_from_proto(rules: campaigns_pb2.DisplayRules) -> display.DisplayRules:
    def d(name: str) -> timedelta | None:
        return getattr(rules, name).ToTimedelta() if rules.HasField(name) else None  # type: ignore[no-any-return]

    def opt(name: str) -> object:
        return getattr(rules, name) if rules.HasField(name) else None

    return display.DisplayRules(
        first_delay=d("first_delay"),
        display_duration=d("display_duration"),
        min_gap=d("min_gap"),
        max_gap=d("max_gap"),
        max_per_page=opt("max_per_page"),  # type: ignore[arg-type]
        max_per_session=opt("max_per_session"),  # type: ignore[arg-type]
        position=rules.position or None,
        mobile_position=rules.mobile_position or None,
        loop=opt("loop"),  # type: ignore[arg-type]
        pause_on_hover=opt("pause_on_hover"),  # type: ignore[arg-type]
        hide_own_activity=opt("hide_own_activity"),  # type: ignore[arg-type]
        skip_seen_within=d("skip_seen_within"),
        show_close_button=opt("show_close_button"),  # type: ignore[arg-type]
        open_links_in_new_tab=opt("open_links_in_new_tab"),  # type: ignore[arg-type]
    )


def display_to_proto(rules: display.DisplayRules) -> campaigns_pb2.DisplayRules:
    out = campaigns_pb2.DisplayRules()
    for name in ("first_delay", "display_duration", "min_gap", "max_gap", "skip_seen_within"):
        value = getattr(rules, name)
        if value is not None:
            getattr(out, name).FromTimedelta(value)
    for name in (
        "max_per_page",
        "max_per_session",
        "position",
        "mobile_position",
        "loop",
        "pause_on_hover",
        "hide_own_activity",
        "show_close_button",
        "open_links_in_new_tab",
    ):
        value = getattr(rules, name)
        if value is not None:
            setattr(out, name, value)
    return out


def content_fields(content: templates_pb2.TemplateContent) -> dict[str, str]:
    return {name: getattr(content, name) for name in templates.TEXT_FIELDS}


def issue_to_proto(issue: templates.Issue) -> templates_pb2.TemplateIssue:
    return templates_pb2.TemplateIssue(
        field=issue.field,
        line=issue.line,
        column=issue.column,
        offset=issue.offset,
        length=issue.length,
        severity=templates_pb2.TEMPLATE_ISSUE_SEVERITY_ERROR
        if issue.error
        else templates_pb2.TEMPLATE_ISSUE_SEVERITY_WARNING,
        code=issue.code.value,  # type: ignore[arg-type]
        message=issue.message,
    )


def spans_to_proto(spans: list[templates.Span]) -> list[templates_pb2.TextSpan]:
    out = []
    for span in spans:
        message = templates_pb2.TextSpan(
            text=span.text, emphasized=span.emphasized, live_count=span.live_count
        )
        if span.relative_time is not None:
            message.relative_time.CopyFrom(ts(span.relative_time))
        out.append(message)
    return out


def activity_values(event: activity_pb2.ActivityEvent) -> dict[str, templates.Value]:
    """Template variables of an activity, without the actor's name (that depends on anonymity)."""
    values: dict[str, templates.Value] = {
        "city": event.location.city,
        "region": event.location.region,
        "country_code": event.location.country_code,
        "country": event.location.country_code,
        "product.name": event.product.name,
        "product.url": event.product.url,
        "product.image_url": event.product.image_url,
        "quantity": event.quantity or None,
        "verified": event.verified,
    }
    if event.HasField("amount"):
        values["amount"] = templates.Money(event.amount.amount_minor, event.amount.currency_code)
    if event.HasField("occurred_at"):
        values["occurred_at"] = from_ts(event.occurred_at)
    if event.HasField("review"):
        values["rating"] = event.review.rating
        values["review.title"] = event.review.title
        values["review.text"] = event.review.text
    for key, value in event.attributes.items():
        values[f"attributes.{key}"] = value
    return values


def live_counts(page_count: int, site_count: int, when: datetime) -> widget_pb2.LiveCounts:
    return widget_pb2.LiveCounts(page_count=page_count, site_count=site_count, count_time=ts(when))
