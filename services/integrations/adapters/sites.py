"""Site keys → sites, answered by the notifications service (SiteService.ResolveSiteKey) over the mesh."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import grpc

from shared.errors import NotFound, Unavailable
from socialproof.notifications.v1 import sites_pb2, sites_pb2_grpc


@dataclass(frozen=True)
class ResolvedSite:
    org_id: str
    site_id: str
    active: bool


class SiteDirectory(Protocol):
    async def resolve_site_key(self, site_key: str) -> ResolvedSite: ...


class GrpcSiteDirectory:
    """Calls notifications through the local sidecar (peer_channel(settings, "notifications"))."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = sites_pb2_grpc.SiteServiceStub(channel)

    async def resolve_site_key(self, site_key: str) -> ResolvedSite:
        try:
            reply = await self._stub.ResolveSiteKey(
                sites_pb2.ResolveSiteKeyRequest(site_key=site_key), timeout=5
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound("Unknown site key", reason="SITE_KEY_NOT_FOUND") from None
            raise Unavailable("The site directory is unavailable", retry_after_seconds=1) from None
        return ResolvedSite(
            org_id=reply.org_id, site_id=reply.site_id, active=reply.state != sites_pb2.SITE_STATE_DISABLED
        )
