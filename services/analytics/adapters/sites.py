"""Site keys and campaigns from the notifications service (SiteService, CampaignService over the mesh)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import grpc

from services.analytics.domain.experiments import Arm
from services.analytics.domain.ingest import CampaignInfo
from shared.errors import NotFound, Unavailable
from socialproof.notifications.v1 import campaigns_pb2, campaigns_pb2_grpc, sites_pb2, sites_pb2_grpc


@dataclass(frozen=True)
class ExperimentConfig:
    experiment_id: str
    arms: tuple[Arm, ...]
    holdout_share: float
    campaign_label: str


@dataclass(frozen=True)
class ResolvedSite:
    org_id: str
    site_id: str
    active: bool
    campaigns: dict[str, CampaignInfo]


class SiteDirectory:
    """Resolves a widget's site key to its site and campaigns, cached briefly because every widget
    batch needs it and keys change rarely (a rotated key keeps working for a grace period anyway)."""

    def __init__(self, channel: grpc.aio.Channel, *, ttl_seconds: float = 30.0) -> None:
        self._sites = sites_pb2_grpc.SiteServiceStub(channel)
        self._campaigns = campaigns_pb2_grpc.CampaignServiceStub(channel)
        self._channel = channel
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, ResolvedSite | None]] = {}

    async def resolve(self, site_key: str) -> ResolvedSite:
        now = time.monotonic()
        cached = self._cache.get(site_key)
        if cached and cached[0] > now:
            if cached[1] is None:
                raise NotFound("Unknown site key", reason="SITE_KEY_NOT_FOUND")
            return cached[1]
        try:
            found = await self._sites.ResolveSiteKey(sites_pb2.ResolveSiteKeyRequest(site_key=site_key))
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                self._cache[site_key] = (now + self._ttl, None)
                raise NotFound("Unknown site key", reason="SITE_KEY_NOT_FOUND") from None
            raise Unavailable("Sites cannot be resolved right now", retry_after_seconds=1) from None
        campaigns: dict[str, CampaignInfo] = {}
        token = ""
        try:
            while True:
                page = await self._campaigns.ListCampaigns(
                    campaigns_pb2.ListCampaignsRequest(parent=found.site, page_size=100, page_token=token)
                )
                for campaign in page.campaigns:
                    campaign_id = campaign.name.rsplit("/", 1)[-1]
                    campaigns[campaign_id] = CampaignInfo(
                        campaign_id,
                        campaign.experiment.experiment_id,
                        frozenset(v.variant_id for v in campaign.experiment.variants),
                    )
                token = page.next_page_token
                if not token:
                    break
        except grpc.aio.AioRpcError:
            raise Unavailable("Campaigns cannot be read right now", retry_after_seconds=1) from None
        site = ResolvedSite(
            found.org_id, found.site_id, found.state == sites_pb2.SITE_STATE_ACTIVE, campaigns
        )
        self._cache[site_key] = (now + self._ttl, site)
        return site

    async def experiment(self, org_id: str, site_id: str, campaign_id: str) -> ExperimentConfig | None:
        """The campaign's experiment as configured now (arms in order, the first is the control);
        None when the campaign is not known. Read per call: results are rare, configs change."""
        parent = f"organizations/{org_id}/sites/{site_id}"
        token = ""
        try:
            while True:
                page = await self._campaigns.ListCampaigns(
                    campaigns_pb2.ListCampaignsRequest(parent=parent, page_size=100, page_token=token)
                )
                for campaign in page.campaigns:
                    if campaign.name.rsplit("/", 1)[-1] == campaign_id:
                        e = campaign.experiment
                        return ExperimentConfig(
                            e.experiment_id,
                            tuple(Arm(v.variant_id, v.display_name, v.weight or 1) for v in e.variants),
                            e.holdout_basis_points / 10000,
                            campaign.display_name,
                        )
                token = page.next_page_token
                if not token:
                    return None
        except grpc.aio.AioRpcError:
            raise Unavailable("Campaigns cannot be read right now", retry_after_seconds=1) from None

    async def close(self) -> None:
        await self._channel.close()
