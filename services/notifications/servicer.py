"""gRPC servicers of the notifications domain: unpack requests, call the service layer, wrap responses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from services.notifications import mapping
from services.notifications.service import NotificationsService
from shared.rpc import add_response_header
from socialproof.notifications.v1 import (
    activities_pb2,
    activities_pb2_grpc,
    campaigns_pb2,
    campaigns_pb2_grpc,
    live_pb2,
    live_pb2_grpc,
    sites_pb2,
    sites_pb2_grpc,
    templates_pb2,
    templates_pb2_grpc,
    widget_pb2,
    widget_pb2_grpc,
)

Context = Any


class SiteServicer(sites_pb2_grpc.SiteServiceServicer):
    def __init__(self, service: NotificationsService) -> None:
        self.service = service

    async def CreateSite(
        self, request: sites_pb2.CreateSiteRequest, context: Context
    ) -> sites_pb2.CreateSiteResponse:
        site = await self.service.create_site(request.parent, request.site, request.request_id)
        return sites_pb2.CreateSiteResponse(site=site)

    async def GetSite(self, request: sites_pb2.GetSiteRequest, context: Context) -> sites_pb2.GetSiteResponse:
        return sites_pb2.GetSiteResponse(site=await self.service.get_site(request.name))

    async def ListSites(
        self, request: sites_pb2.ListSitesRequest, context: Context
    ) -> sites_pb2.ListSitesResponse:
        sites, token = await self.service.list_sites(request.parent, request.page_size, request.page_token)
        return sites_pb2.ListSitesResponse(sites=sites, next_page_token=token)

    async def UpdateSite(
        self, request: sites_pb2.UpdateSiteRequest, context: Context
    ) -> sites_pb2.UpdateSiteResponse:
        return sites_pb2.UpdateSiteResponse(
            site=await self.service.update_site(request.site, request.update_mask)
        )

    async def DeleteSite(
        self, request: sites_pb2.DeleteSiteRequest, context: Context
    ) -> sites_pb2.DeleteSiteResponse:
        await self.service.delete_site(request.name, request.etag)
        return sites_pb2.DeleteSiteResponse()

    async def VerifySiteDomain(
        self, request: sites_pb2.VerifySiteDomainRequest, context: Context
    ) -> sites_pb2.VerifySiteDomainResponse:
        domain, site = await self.service.verify_site_domain(request.name, request.domain, request.method)
        return sites_pb2.VerifySiteDomainResponse(domain=domain, site=site)

    async def RotateSiteKey(
        self, request: sites_pb2.RotateSiteKeyRequest, context: Context
    ) -> sites_pb2.RotateSiteKeyResponse:
        site, expires = await self.service.rotate_site_key(request.name)
        return sites_pb2.RotateSiteKeyResponse(site=site, previous_key_expire_time=mapping.ts(expires))

    async def ResolveSiteKey(
        self, request: sites_pb2.ResolveSiteKeyRequest, context: Context
    ) -> sites_pb2.ResolveSiteKeyResponse:
        row, site = await self.service.resolve_site_key(request.site_key)
        return sites_pb2.ResolveSiteKeyResponse(
            site=site.name,
            org_id=row.org_id,
            site_id=row.id,
            state=site.state,
            settings=site.settings,
            domains=[d.domain for d in site.domains],
        )


class CampaignServicer(campaigns_pb2_grpc.CampaignServiceServicer):
    def __init__(self, service: NotificationsService) -> None:
        self.service = service

    async def CreateCampaign(
        self, request: campaigns_pb2.CreateCampaignRequest, context: Context
    ) -> campaigns_pb2.CreateCampaignResponse:
        campaign = await self.service.create_campaign(request.parent, request.campaign, request.request_id)
        return campaigns_pb2.CreateCampaignResponse(campaign=campaign)

    async def GetCampaign(
        self, request: campaigns_pb2.GetCampaignRequest, context: Context
    ) -> campaigns_pb2.GetCampaignResponse:
        return campaigns_pb2.GetCampaignResponse(campaign=await self.service.get_campaign(request.name))

    async def ListCampaigns(
        self, request: campaigns_pb2.ListCampaignsRequest, context: Context
    ) -> campaigns_pb2.ListCampaignsResponse:
        campaigns, token = await self.service.list_campaigns(
            request.parent, request.page_size, request.page_token, request.filter
        )
        return campaigns_pb2.ListCampaignsResponse(campaigns=campaigns, next_page_token=token)

    async def UpdateCampaign(
        self, request: campaigns_pb2.UpdateCampaignRequest, context: Context
    ) -> campaigns_pb2.UpdateCampaignResponse:
        campaign = await self.service.update_campaign(request.campaign, request.update_mask)
        return campaigns_pb2.UpdateCampaignResponse(campaign=campaign)

    async def DeleteCampaign(
        self, request: campaigns_pb2.DeleteCampaignRequest, context: Context
    ) -> campaigns_pb2.DeleteCampaignResponse:
        await self.service.delete_campaign(request.name, request.etag)
        return campaigns_pb2.DeleteCampaignResponse()

    async def DuplicateCampaign(
        self, request: campaigns_pb2.DuplicateCampaignRequest, context: Context
    ) -> campaigns_pb2.DuplicateCampaignResponse:
        campaign = await self.service.duplicate_campaign(
            request.name, request.target_parent, request.display_name, request.request_id
        )
        return campaigns_pb2.DuplicateCampaignResponse(campaign=campaign)

    async def PublishCampaign(
        self, request: campaigns_pb2.PublishCampaignRequest, context: Context
    ) -> campaigns_pb2.PublishCampaignResponse:
        campaign = await self.service.transition_campaign(
            request.name, request.etag, campaigns_pb2.CAMPAIGN_STATE_PUBLISHED
        )
        return campaigns_pb2.PublishCampaignResponse(campaign=campaign)

    async def PauseCampaign(
        self, request: campaigns_pb2.PauseCampaignRequest, context: Context
    ) -> campaigns_pb2.PauseCampaignResponse:
        campaign = await self.service.transition_campaign(
            request.name, request.etag, campaigns_pb2.CAMPAIGN_STATE_PAUSED
        )
        return campaigns_pb2.PauseCampaignResponse(campaign=campaign)

    async def ArchiveCampaign(
        self, request: campaigns_pb2.ArchiveCampaignRequest, context: Context
    ) -> campaigns_pb2.ArchiveCampaignResponse:
        campaign = await self.service.transition_campaign(
            request.name, request.etag, campaigns_pb2.CAMPAIGN_STATE_ARCHIVED
        )
        return campaigns_pb2.ArchiveCampaignResponse(campaign=campaign)

    async def UnarchiveCampaign(
        self, request: campaigns_pb2.UnarchiveCampaignRequest, context: Context
    ) -> campaigns_pb2.UnarchiveCampaignResponse:
        campaign = await self.service.transition_campaign(
            request.name, request.etag, campaigns_pb2.CAMPAIGN_STATE_DRAFT
        )
        return campaigns_pb2.UnarchiveCampaignResponse(campaign=campaign)

    async def CheckCampaignTargeting(
        self, request: campaigns_pb2.CheckCampaignTargetingRequest, context: Context
    ) -> campaigns_pb2.CheckCampaignTargetingResponse:
        return await self.service.check_targeting(
            request.name,
            request.targeting if request.HasField("targeting") else None,
            request.page,
            mapping.from_ts(request.at_time) if request.HasField("at_time") else None,
        )


class TemplateServicer(templates_pb2_grpc.TemplateServiceServicer):
    def __init__(self, service: NotificationsService) -> None:
        self.service = service

    async def CreateTemplate(
        self, request: templates_pb2.CreateTemplateRequest, context: Context
    ) -> templates_pb2.CreateTemplateResponse:
        template = await self.service.create_template(request.parent, request.template, request.request_id)
        return templates_pb2.CreateTemplateResponse(template=template)

    async def GetTemplate(
        self, request: templates_pb2.GetTemplateRequest, context: Context
    ) -> templates_pb2.GetTemplateResponse:
        return templates_pb2.GetTemplateResponse(template=await self.service.get_template(request.name))

    async def ListTemplates(
        self, request: templates_pb2.ListTemplatesRequest, context: Context
    ) -> templates_pb2.ListTemplatesResponse:
        found, token = await self.service.list_templates(request)
        return templates_pb2.ListTemplatesResponse(templates=found, next_page_token=token)

    async def UpdateTemplate(
        self, request: templates_pb2.UpdateTemplateRequest, context: Context
    ) -> templates_pb2.UpdateTemplateResponse:
        template = await self.service.update_template(request.template, request.update_mask)
        return templates_pb2.UpdateTemplateResponse(template=template)

    async def DeleteTemplate(
        self, request: templates_pb2.DeleteTemplateRequest, context: Context
    ) -> templates_pb2.DeleteTemplateResponse:
        await self.service.delete_template(request.name, request.etag)
        return templates_pb2.DeleteTemplateResponse()

    async def ListBuiltinTemplates(
        self, request: templates_pb2.ListBuiltinTemplatesRequest, context: Context
    ) -> templates_pb2.ListBuiltinTemplatesResponse:
        found = self.service.list_builtin_templates(request.campaign_type, request.locale)
        return templates_pb2.ListBuiltinTemplatesResponse(templates=found)

    async def ValidateTemplate(
        self, request: templates_pb2.ValidateTemplateRequest, context: Context
    ) -> templates_pb2.ValidateTemplateResponse:
        result, variables = await self.service.validate_template(
            request.parent, request.campaign_type, request.content
        )
        return templates_pb2.ValidateTemplateResponse(
            valid=result.ok, issues=[mapping.issue_to_proto(i) for i in result.issues], variables=variables
        )

    async def PreviewTemplate(
        self, request: templates_pb2.PreviewTemplateRequest, context: Context
    ) -> templates_pb2.PreviewTemplateResponse:
        notification, warnings = await self.service.preview_template(request)
        return templates_pb2.PreviewTemplateResponse(
            notification=notification, issues=[mapping.issue_to_proto(i) for i in warnings]
        )


class ActivityServicer(activities_pb2_grpc.ActivityServiceServicer):
    def __init__(self, service: NotificationsService) -> None:
        self.service = service

    async def CreateActivity(
        self, request: activities_pb2.CreateActivityRequest, context: Context
    ) -> activities_pb2.CreateActivityResponse:
        activity, created = await self.service.create_activity(
            request.parent, request.activity, request.request_id
        )
        return activities_pb2.CreateActivityResponse(activity=activity, created=created)

    async def GetActivity(
        self, request: activities_pb2.GetActivityRequest, context: Context
    ) -> activities_pb2.GetActivityResponse:
        return activities_pb2.GetActivityResponse(activity=await self.service.get_activity(request.name))

    async def ListActivities(
        self, request: activities_pb2.ListActivitiesRequest, context: Context
    ) -> activities_pb2.ListActivitiesResponse:
        activities, token = await self.service.list_activities(request)
        return activities_pb2.ListActivitiesResponse(activities=activities, next_page_token=token)

    async def RetractActivity(
        self, request: activities_pb2.RetractActivityRequest, context: Context
    ) -> activities_pb2.RetractActivityResponse:
        activity = await self.service.retract_activity(request.name, request.reason)
        return activities_pb2.RetractActivityResponse(activity=activity)

    async def EraseActivities(
        self, request: activities_pb2.EraseActivitiesRequest, context: Context
    ) -> activities_pb2.EraseActivitiesResponse:
        count = await self.service.erase_activities(
            request.parent, request.visitor_id, request.source_refs, request.request_id
        )
        return activities_pb2.EraseActivitiesResponse(erased_count=count)


class WidgetServicer(widget_pb2_grpc.WidgetServiceServicer):
    def __init__(self, service: NotificationsService) -> None:
        self.service = service

    async def GetWidgetFeed(self, request: widget_pb2.GetWidgetFeedRequest, context: Context) -> bytes:
        """The serialized GetWidgetFeedResponse: the feed is composed as bytes (see
        `NotificationsService.widget_feed_answer`) and sent as they are (`add_widget_service`)."""
        answer = await self.service.widget_feed_answer(request)
        add_response_header("cache-control", answer.cache_control)
        add_response_header("etag", f'"{answer.feed_version}"')
        return answer.response

    async def GetWidgetFeedJson(self, request: widget_pb2.GetWidgetFeedRequest, context: Context) -> bytes:
        """The serialized GetWidgetFeedJsonResponse: the feed's JSON composed as bytes like
        GetWidgetFeed's. The request arrives as GetWidgetFeedRequest (`add_widget_service`): the two
        request messages are the same on the wire."""
        answer = await self.service.widget_feed_answer(request, as_json=True)
        add_response_header("cache-control", answer.cache_control)
        add_response_header("etag", f'"{answer.feed_version}"')
        return answer.response

    async def RecordPresence(
        self, request: widget_pb2.RecordPresenceRequest, context: Context
    ) -> widget_pb2.RecordPresenceResponse:
        add_response_header("cache-control", "no-store")
        return await self.service.record_presence(request)

    async def StreamLiveUpdates(
        self, request: widget_pb2.StreamLiveUpdatesRequest, context: Context
    ) -> AsyncIterator[widget_pb2.StreamLiveUpdatesResponse]:
        events = await self.service.stream_live(request)
        async for event in events:
            yield event


class LiveServicer(live_pb2_grpc.LiveServiceServicer):
    def __init__(self, service: NotificationsService) -> None:
        self.service = service

    async def GetLiveVisitors(
        self, request: live_pb2.GetLiveVisitorsRequest, context: Context
    ) -> live_pb2.GetLiveVisitorsResponse:
        page_count, site_count = await self.service.live_visitors(request.site, request.page_url)
        return live_pb2.GetLiveVisitorsResponse(
            visitor_count=page_count if request.page_url else site_count,
            count_time=mapping.ts(self.service.clock()),
        )


WIDGET_SERVICE = widget_pb2.DESCRIPTOR.services_by_name["WidgetService"].full_name


def _serialized(response: Any) -> bytes:
    """A response serializer that sends bytes as they are and serializes messages."""
    return response if isinstance(response, bytes) else response.SerializeToString()  # type: ignore[no-any-return]


class _MethodHandlers:
    """Stands in for the server to collect the handlers a generated add_*_to_server registers."""

    def __init__(self) -> None:
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        pass

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        self.handlers.update(handlers)


def add_widget_service(servicer: WidgetServicer, server: Any) -> None:
    """The generated `add_WidgetServiceServicer_to_server`, except that the feeds' response
    serializer passes bytes through (serializing a feed of hundreds of notifications per request
    cost more than composing it from kept bytes), and GetWidgetFeedJson's request is read as the
    GetWidgetFeedRequest it equals on the wire. Every other method is registered as generated."""
    collected = _MethodHandlers()
    widget_pb2_grpc.add_WidgetServiceServicer_to_server(servicer, collected)
    handlers: dict[str, Any] = dict(collected.handlers)
    for method in ("GetWidgetFeed", "GetWidgetFeedJson"):
        handlers[method] = grpc.unary_unary_rpc_method_handler(
            handlers[method].unary_unary,
            request_deserializer=widget_pb2.GetWidgetFeedRequest.FromString,
            response_serializer=_serialized,
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(WIDGET_SERVICE, handlers),))
    server.add_registered_method_handlers(WIDGET_SERVICE, handlers)


def servicers(service: NotificationsService) -> dict[str, Any]:
    return {
        "SiteService": SiteServicer(service),
        "CampaignService": CampaignServicer(service),
        "TemplateService": TemplateServicer(service),
        "ActivityService": ActivityServicer(service),
        "WidgetService": WidgetServicer(service),
        "LiveService": LiveServicer(service),
    }
