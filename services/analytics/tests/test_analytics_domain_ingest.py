"""Ingest rules: validation, skew correction, duplicates inside a batch, and bot flagging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.analytics.domain.ingest import (
    BotReason,
    CampaignInfo,
    IncomingEvent,
    Rejection,
    decide_batch,
    parse_user_agent,
    user_agent_is_bot,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
CAMPAIGNS = {"c1": CampaignInfo("c1", "e1", frozenset({"va", "vb"}))}


def ev(event_id: str, kind: int = 6, at: datetime = NOW, **kw: object) -> IncomingEvent:
    return IncomingEvent(event_id=event_id, type=kind, visitor_id="v1", session_id="s1", occurred_at=at, **kw)  # type: ignore[arg-type]


def decide(events: list[IncomingEvent], sent_at: datetime = NOW, ua: str = CHROME):  # type: ignore[no-untyped-def]
    return decide_batch(events, sent_at=sent_at, now=NOW, user_agent=ua, campaigns=CAMPAIGNS)


def test_client_clock_skew_is_corrected_with_sent_at() -> None:
    # The browser clock is 1 h behind: its "now" is NOW - 1h; the event is corrected forward.
    decision = decide([ev("a", at=NOW - timedelta(hours=1, minutes=1))], sent_at=NOW - timedelta(hours=1))
    assert decision.accepted[0].occurred_at == NOW - timedelta(minutes=1)


def test_each_rule_rejects_with_reason_and_field() -> None:
    events = [
        ev("", kind=6),
        ev("b", kind=99),
        ev("c", at=NOW + timedelta(minutes=6)),
        ev("d", at=NOW - timedelta(hours=25)),
        ev("e", kind=1, campaign_id="other"),
        ev("f", kind=1, campaign_id="c1", variant_id="vz"),
        ev("g", kind=1),
        ev("h", kind=5, goal_name="buy", value_minor=-1, currency="EUR"),
        ev("i", kind=5, goal_name="buy", value_minor=100, currency="euro"),
        ev("j", page_url="https://x/" + "a" * 2100),
        ev("k", server_fields_set=True),
        ev("l"),
        ev("l"),
    ]
    decision = decide(events)
    got = [(r.index, r.reason, r.field) for r in decision.rejections]
    assert got == [
        (0, Rejection.INVALID, "events[0].event_id"),
        (1, Rejection.INVALID, "events[1].type"),
        (2, Rejection.TIMESTAMP_OUT_OF_RANGE, "events[2].occurred_at"),
        (3, Rejection.TIMESTAMP_OUT_OF_RANGE, "events[3].occurred_at"),
        (4, Rejection.UNKNOWN_CAMPAIGN, "events[4].campaign_id"),
        (5, Rejection.UNKNOWN_CAMPAIGN, "events[5].variant_id"),
        (6, Rejection.INVALID, "events[6].campaign_id"),
        (7, Rejection.INVALID_VALUE, "events[7].conversion.value.amount_minor"),
        (8, Rejection.INVALID_VALUE, "events[8].conversion.value.currency_code"),
        (9, Rejection.TOO_LARGE, "events[9].page_url"),
        (10, Rejection.SERVER_FIELD_SET, "events[10].bot"),
        (12, Rejection.DUPLICATE, "events[12].event_id"),
    ]
    assert [a.index for a in decision.accepted] == [11]


def test_bots_are_flagged_not_dropped() -> None:
    assert user_agent_is_bot("Googlebot/2.1 (+http://www.google.com/bot.html)")
    assert user_agent_is_bot("Mozilla/5.0 HeadlessChrome/120.0")
    assert user_agent_is_bot("")
    assert not user_agent_is_bot(CHROME)
    by_agent = decide([ev("a")], ua="curl/8.0")
    assert by_agent.accepted[0].bot_reason is BotReason.USER_AGENT
    automated = decide([ev("a", automation_suspected=True)])
    assert automated.accepted[0].bot_reason is BotReason.AUTOMATION
    # 30 events from one visitor in one second: behaviour, not a person.
    storm = decide([ev(f"e{i}", kind=7) for i in range(30)])
    assert len(storm.accepted) == 30
    assert {a.bot_reason for a in storm.accepted} == {BotReason.BEHAVIOUR}
    assert decide([ev("a")]).accepted[0].bot is False


def test_user_agent_parsing() -> None:
    desktop = parse_user_agent(CHROME)
    assert (desktop.device_type, desktop.browser_name, desktop.browser_version, desktop.os_name) == (
        1,
        "Chrome",
        "131",
        "Windows",
    )
    iphone = parse_user_agent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.0 Mobile/15E148 Safari/604.1"
    )
    assert (iphone.device_type, iphone.browser_name, iphone.os_name) == (2, "Safari", "iOS")
