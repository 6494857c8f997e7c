"""VerifySiteDomain (meta tag fetched by the server, token reported by the widget) and DuplicateCampaign."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest

from services.notifications.domain import verification
from services.notifications.tests.conftest import Stubs, error_details, make_settings, start_stubs
from services.notifications.tests.test_notifications_service_feed import make_site, publish, recent_campaign
from socialproof.notifications.v1 import campaigns_pb2, sites_pb2, widget_pb2

VERIFIED = sites_pb2.DOMAIN_VERIFICATION_STATE_VERIFIED
FAILED = sites_pb2.DOMAIN_VERIFICATION_STATE_FAILED


def test_meta_tokens_and_domain_for_host() -> None:
    html = (
        "<html><head><meta charset=utf-8><META content='abc' NAME=\"socialproof-site-verification\">"
        '<meta name="other" content="zzz"><meta name=socialproof-site-verification content=def></head>'
    )
    assert verification.meta_tokens(html) == ["abc", "def"]
    assert verification.meta_tokens("<p>socialproof-site-verification abc</p>") == []
    domains = ["shop.example.com", "*.example.org"]
    assert verification.domain_for_host("SHOP.example.com", domains) == "shop.example.com"
    assert verification.domain_for_host("a.b.example.org", domains) == "*.example.org"
    assert verification.domain_for_host("example.com", domains) is None


class HomePages:
    """A local web server answering /<host>/ with whatever page the test sets for that host."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str]] = {}
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        path = request.split(b" ", 2)[1].decode()
        status, body = self.pages.get(path.strip("/"), (404, "not here"))
        data = body.encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: text/html\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def pages_and_stubs(pg_database: str, redis_url: str) -> AsyncIterator[tuple[HomePages, Stubs]]:
    pages = HomePages()
    server = await asyncio.start_server(pages.handle, "127.0.0.1", 0)
    pages.port = server.sockets[0].getsockname()[1]
    stubs = await start_stubs(
        make_settings(
            pg_database,
            redis_url,
            domain_check_url=f"http://127.0.0.1:{pages.port}/{{domain}}/",
            domain_check_allow_private=True,
        )
    )
    yield pages, stubs
    await stubs.channel.close()
    await stubs.server.stop(grace=0)
    server.close()


async def verify(n: Stubs, site: sites_pb2.Site, domain: str, method: int = 0) -> sites_pb2.SiteDomain:
    response = await n.sites.VerifySiteDomain(
        sites_pb2.VerifySiteDomainRequest(name=site.name, domain=domain, method=method),  # type: ignore[arg-type]
        metadata=n.auth,
    )
    return response.domain


async def test_meta_tag_verification_fails_with_reason_then_succeeds(
    pages_and_stubs: tuple[HomePages, Stubs],
) -> None:
    pages, n = pages_and_stubs
    site = await make_site(n)
    token = site.domains[0].verification_token
    meta = sites_pb2.DOMAIN_VERIFICATION_METHOD_META_TAG

    missing = await verify(n, site, "shop.example.com", meta)
    assert missing.verification_state == FAILED
    assert "answered HTTP 404, expected 200" in missing.last_error
    assert missing.HasField("last_check_time") and not missing.HasField("verify_time")

    pages.pages["shop.example.com"] = (200, '<meta name="socialproof-site-verification" content="wrong">')
    wrong = await verify(n, site, "shop.example.com", meta)
    assert wrong.verification_state == FAILED
    assert "with this site's token not found" in wrong.last_error

    pages.pages["shop.example.com"] = (
        200,
        f'<head><meta name="socialproof-site-verification" content="{token}">',
    )
    ok = await verify(n, site, "shop.example.com", meta)
    assert ok.verification_state == VERIFIED
    assert ok.verification_method == meta and ok.HasField("verify_time") and ok.last_error == ""
    got = await n.sites.GetSite(sites_pb2.GetSiteRequest(name=site.name), metadata=n.auth)
    assert got.site.domains[0].verification_state == VERIFIED

    # A later failed re-check reports the problem but does not un-verify the domain.
    del pages.pages["shop.example.com"]
    again = await verify(n, site, "shop.example.com", meta)
    assert again.verification_state == VERIFIED and "HTTP 404" in again.last_error

    with pytest.raises(grpc.aio.AioRpcError) as other:
        await verify(n, site, "evil.example.net")
    assert other.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(other.value)[1] == [("domain", "must be one of the site's domains")]


async def test_widget_reported_token_verifies_only_its_own_domain(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    token = site.domains[0].verification_token
    widget = sites_pb2.DOMAIN_VERIFICATION_METHOD_WIDGET

    before = await verify(n, site, "shop.example.com", widget)
    assert before.verification_state == FAILED
    assert before.last_error == "the widget has not reported the verification meta tag from this domain yet"

    async def presence(url: str, reported: str) -> None:
        await n.widget.RecordPresence(
            widget_pb2.RecordPresenceRequest(
                site_key=site.site_key,
                visitor_id=str(uuid.uuid4()),
                page_url=url,
                verification_token=reported,
            )
        )

    # The right token on another host, and a wrong token on the right host, prove nothing.
    await presence("https://elsewhere.example.net/", token)
    await presence("https://shop.example.com/products/x", "not-the-token")
    await presence("https://shop.example.com/products/x", "tökén‮")  # non-ASCII input is just "no match"
    assert (await verify(n, site, "shop.example.com", widget)).verification_state == FAILED
    await presence("https://shop.example.com/products/x", token)
    done = await verify(n, site, "shop.example.com")
    assert done.verification_state == VERIFIED
    assert done.verification_method == widget

    dns = await verify(n, site, "shop.example.com", sites_pb2.DOMAIN_VERIFICATION_METHOD_DNS_TXT)
    assert dns.verification_state == VERIFIED and "DNS TXT checks are not available" in dns.last_error


async def test_duplicate_campaign_makes_a_draft_with_a_new_experiment(notifications: Stubs) -> None:
    n = notifications
    site = await make_site(n)
    other_site = await make_site(n)
    campaign = recent_campaign(
        experiment=campaigns_pb2.Experiment(
            variants=[
                campaigns_pb2.Variant(variant_id="a", weight=1),
                campaigns_pb2.Variant(variant_id="b", weight=1),
            ],
            holdout_basis_points=500,
        )
    )
    original = await publish(n, site, campaign)
    request_id = str(uuid.uuid4())
    copy = (
        await n.campaigns.DuplicateCampaign(
            campaigns_pb2.DuplicateCampaignRequest(name=original.name, request_id=request_id), metadata=n.auth
        )
    ).campaign
    assert copy.name != original.name and copy.name.startswith(site.name + "/campaigns/")
    assert copy.state == campaigns_pb2.CAMPAIGN_STATE_DRAFT
    assert copy.display_name == "Recent purchases (copy)"
    assert copy.content == original.content and copy.targeting == original.targeting
    assert [v.variant_id for v in copy.experiment.variants] == ["a", "b"]
    assert copy.experiment.holdout_basis_points == 500
    assert (
        copy.experiment.experiment_id and copy.experiment.experiment_id != original.experiment.experiment_id
    )
    assert not copy.experiment.HasField("start_time")
    retried = await n.campaigns.DuplicateCampaign(
        campaigns_pb2.DuplicateCampaignRequest(name=original.name, request_id=request_id), metadata=n.auth
    )
    assert retried.campaign.name == copy.name

    moved = (
        await n.campaigns.DuplicateCampaign(
            campaigns_pb2.DuplicateCampaignRequest(
                name=original.name, target_parent=other_site.name, display_name="For the other shop"
            ),
            metadata=n.auth,
        )
    ).campaign
    assert (
        moved.name.startswith(other_site.name + "/campaigns/") and moved.display_name == "For the other shop"
    )

    foreign = f"organizations/{uuid.uuid4()}/sites/{uuid.uuid4()}"
    with pytest.raises(grpc.aio.AioRpcError) as cross:
        await n.campaigns.DuplicateCampaign(
            campaigns_pb2.DuplicateCampaignRequest(name=original.name, target_parent=foreign), metadata=n.auth
        )
    assert cross.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(cross.value)[1] == [("target_parent", "must be a site of the same organization")]
