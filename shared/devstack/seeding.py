"""Creating tenants in a running local platform the way operators' tools do: sign up an owner, then act
as a mesh service (the platform's mesh token + a service principal) to create sites and campaigns.

Used by the demo seeder, the benchmarks and the end-to-end tests, so they all build data one way.
"""

from __future__ import annotations

import uuid

import grpc

from shared.devstack.platform import Platform
from shared.principal import MESH_TOKEN_HEADER, PRINCIPAL_HEADER, Principal, PrincipalKind
from socialproof.events.v1 import integrations_events_pb2
from socialproof.integrations.v1 import connections_pb2, connections_pb2_grpc
from socialproof.notifications.v1 import (
    campaigns_pb2,
    campaigns_pb2_grpc,
    sites_pb2,
    sites_pb2_grpc,
    targeting_pb2,
    templates_pb2,
)
from socialproof.users.v1 import auth_pb2, auth_pb2_grpc

Metadata = tuple[tuple[str, str], ...]


def channel_to(platform: Platform, service: str) -> grpc.Channel:
    """A channel straight to a service's app port (local tooling; peers go through sidecars)."""
    return grpc.insecure_channel(f"127.0.0.1:{platform.topology.service(service).app_port}")


def service_auth(platform: Platform, org: str, subject: str) -> Metadata:
    """Metadata that makes a call run as mesh service `subject` for organization `org` (a name)."""
    token = (platform.root / "mesh-token").read_text().strip()
    principal = Principal(kind=PrincipalKind.SERVICE, subject=subject, org_id=org.split("/")[-1])
    return ((PRINCIPAL_HEADER, principal.to_header()), (MESH_TOKEN_HEADER, token))


def sign_up(platform: Platform, *, email: str, password: str, display_name: str, organization: str,
            time_zone: str = "Europe/Prague", request_id: str = "") -> auth_pb2.SignUpResponse:  # fmt: skip
    """A new owner and organization through the users service, as a visitor signing up would."""
    with channel_to(platform, "users") as users:
        return auth_pb2_grpc.AuthServiceStub(users).SignUp(
            auth_pb2.SignUpRequest(
                email=email,
                password=password,
                display_name=display_name,
                organization_display_name=organization,
                time_zone=time_zone,
                request_id=request_id or str(uuid.uuid4()),
            ),
            timeout=30,
        )


def create_site(platform: Platform, auth: Metadata, org: str, *, display_name: str, domain: str,
                settings: sites_pb2.SiteSettings, request_id: str = "") -> sites_pb2.Site:  # fmt: skip
    with channel_to(platform, "notifications") as channel:
        return (
            sites_pb2_grpc.SiteServiceStub(channel)
            .CreateSite(
                sites_pb2.CreateSiteRequest(
                    parent=org,
                    site=sites_pb2.Site(
                        display_name=display_name,
                        domains=[sites_pb2.SiteDomain(domain=domain)],
                        settings=settings,
                    ),
                    request_id=request_id or str(uuid.uuid4()),
                ),
                metadata=auth,
                timeout=30,
            )
            .site
        )


def recent_activity_campaign(*, title: str, body: str, url_contains: str = "/", link_url: str = ""
                             ) -> campaigns_pb2.Campaign:  # fmt: skip
    """A "recent purchases" campaign shown on pages whose URL contains `url_contains`."""
    return campaigns_pb2.Campaign(
        display_name="Recent purchases",
        type=templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY,
        content=templates_pb2.TemplateContent(title=title, body=body, link_url=link_url),
        targeting=targeting_pb2.TargetingRules(
            url_rules=[
                targeting_pb2.UrlRule(
                    action=targeting_pb2.RULE_ACTION_INCLUDE,
                    match_type=targeting_pb2.MATCH_TYPE_CONTAINS,
                    pattern=url_contains,
                )
            ]
        ),
    )


def publish_campaign(platform: Platform, auth: Metadata, site: str, campaign: campaigns_pb2.Campaign,
                     request_id: str = "") -> campaigns_pb2.Campaign:  # fmt: skip
    """Creates the campaign as a draft under `site` and publishes it."""
    with channel_to(platform, "notifications") as channel:
        campaigns = campaigns_pb2_grpc.CampaignServiceStub(channel)
        draft = campaigns.CreateCampaign(
            campaigns_pb2.CreateCampaignRequest(
                parent=site, campaign=campaign, request_id=request_id or str(uuid.uuid4())
            ),
            metadata=auth,
            timeout=30,
        ).campaign
        return campaigns.PublishCampaign(
            campaigns_pb2.PublishCampaignRequest(name=draft.name), metadata=auth, timeout=30
        ).campaign


def shopify_connection(platform: Platform, auth: Metadata, site: str, *, shop_domain: str, display_name: str
                       ) -> connections_pb2.CreateConnectionResponse:  # fmt: skip
    """A Shopify connection under `site`; no provider secret given, so integrations generates the
    signing secret and returns it this once (`signing_secret`)."""
    with channel_to(platform, "integrations") as channel:
        return connections_pb2_grpc.ConnectionServiceStub(channel).CreateConnection(
            connections_pb2.CreateConnectionRequest(
                parent=site,
                connection=connections_pb2.Connection(
                    provider=integrations_events_pb2.INTEGRATION_PROVIDER_SHOPIFY,
                    display_name=display_name,
                    shopify=connections_pb2.ShopifySettings(shop_domain=shop_domain),
                ),
                request_id=str(uuid.uuid4()),
            ),
            metadata=auth,
            timeout=30,
        )
