"""gRPC servicers of the integrations service: proto ⇄ use-case conversion only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

import grpc
from google.api import httpbody_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from services.integrations.backfill import BackfillJob, Backfills
from services.integrations.domain import forms as form_rules
from services.integrations.domain import mapping as mapping_rules
from services.integrations.domain import names
from services.integrations.form_capture import FormCapture, Submission
from services.integrations.service import SEGMENT_OF, ConnectionRecord, IntegrationsService, StoreCredentials
from services.integrations.shopify_oauth import ShopifyOAuth
from services.integrations.zapier import Zapier, ZapierHookRecord
from shared.errors import NotFound, PermissionDenied, Unimplemented, validate
from shared.permissions import ApiKeyScope
from shared.principal import PrincipalKind, require_authenticated, require_org_access
from shared.rpc.interceptors import add_response_header
from socialproof.events.v1.integrations_events_pb2 import IntegrationProvider as P
from socialproof.integrations.v1 import (
    backfill_pb2,
    backfill_pb2_grpc,
    connections_pb2,
    connections_pb2_grpc,
    forms_pb2,
    forms_pb2_grpc,
    mapping_pb2,
    mapping_pb2_grpc,
    oauth_pb2,
    oauth_pb2_grpc,
    outbound_pb2,
    outbound_pb2_grpc,
    webhooks_pb2,
    webhooks_pb2_grpc,
    zapier_pb2,
    zapier_pb2_grpc,
)

Ctx: TypeAlias = grpc.aio.ServicerContext[Any, Any]
MANAGE = ("owner", "admin")


def _ts(when: datetime | None) -> Timestamp | None:
    if when is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(when)
    return stamp


def connection_proto(record: ConnectionRecord, base_url: str) -> connections_pb2.Connection:
    message = connections_pb2.Connection(
        name=record.name,
        provider=record.provider,  # type: ignore[arg-type]
        display_name=record.display_name,
        enabled=record.enabled,
        status=record.status,  # type: ignore[arg-type]
        secret_hint=record.secret_hint,
        last_error=record.last_error,
        accepted_count_24h=record.accepted_24h,
        rejected_count_24h=record.rejected_24h,
        has_store_credentials=record.has_store_credentials,
        webhook_url=f"{base_url.rstrip('/')}/v1/hooks/{SEGMENT_OF[record.provider]}/{record.id}"
        if record.provider in SEGMENT_OF
        else "",
    )
    message.imported_kinds.extend(record.imported_kinds)  # type: ignore[arg-type]
    message.MergeFrom(record.settings)
    for field, when in (
        ("secret_rotate_time", record.secret_rotated_at),
        ("previous_secret_expire_time", record.previous_secret_expires_at),
        ("last_event_time", record.last_event_at),
        ("last_error_time", record.last_error_at),
        ("create_time", record.created_at),
        ("update_time", record.updated_at),
    ):
        stamp = _ts(when)
        if stamp is not None:
            getattr(message, field).CopyFrom(stamp)
    return message


class ConnectionServicer(connections_pb2_grpc.ConnectionServiceServicer):
    def __init__(self, service: IntegrationsService) -> None:
        self.service = service

    def _proto(self, record: ConnectionRecord) -> connections_pb2.Connection:
        return connection_proto(record, self.service.config.public_base_url)

    async def CreateConnection(self, request: connections_pb2.CreateConnectionRequest, context: Ctx) -> Any:
        org, site = names.site(request.parent)
        require_org_access(org, roles=MANAGE)
        record, secret = await self.service.create_connection(
            org, site, request.connection, request.request_id, request.provider_signing_secret
        )
        return connections_pb2.CreateConnectionResponse(connection=self._proto(record), signing_secret=secret)

    async def GetConnection(self, request: connections_pb2.GetConnectionRequest, context: Ctx) -> Any:
        name = names.connection(request.name)
        require_org_access(name.org_id)
        record = await self.service.get_connection(name.org_id, name.site_id, name.connection_id)
        return connections_pb2.GetConnectionResponse(connection=self._proto(record))

    async def ListConnections(self, request: connections_pb2.ListConnectionsRequest, context: Ctx) -> Any:
        org, site = names.site(request.parent)
        require_org_access(org)
        records, token = await self.service.list_connections(org, site, request.page_size, request.page_token)
        return connections_pb2.ListConnectionsResponse(
            connections=[self._proto(r) for r in records], next_page_token=token
        )

    async def UpdateConnection(self, request: connections_pb2.UpdateConnectionRequest, context: Ctx) -> Any:
        name = names.connection(request.connection.name, "connection.name")
        require_org_access(name.org_id, roles=MANAGE)
        record = await self.service.update_connection(
            name.org_id, name.site_id, name.connection_id, request.connection, list(request.update_mask.paths)
        )
        return connections_pb2.UpdateConnectionResponse(connection=self._proto(record))

    async def DeleteConnection(self, request: connections_pb2.DeleteConnectionRequest, context: Ctx) -> Any:
        name = names.connection(request.name)
        require_org_access(name.org_id, roles=MANAGE)
        await self.service.delete_connection(name.org_id, name.site_id, name.connection_id)
        return connections_pb2.DeleteConnectionResponse()

    async def RotateConnectionSecret(
        self, request: connections_pb2.RotateConnectionSecretRequest, context: Ctx
    ) -> Any:
        name = names.connection(request.name)
        require_org_access(name.org_id, roles=MANAGE)
        overlap = request.overlap.ToTimedelta() if request.HasField("overlap") else None
        record, secret = await self.service.rotate_secret(
            name.org_id, name.site_id, name.connection_id, overlap, request.provider_signing_secret
        )
        return connections_pb2.RotateConnectionSecretResponse(
            connection=self._proto(record), signing_secret=secret
        )

    def _store_credentials(self) -> StoreCredentials:
        if self.service.store_credentials is None:  # only when a process is wired without backfill
            raise Unimplemented("Store API credentials are not handled by this server")
        return self.service.store_credentials

    async def SetConnectionCredentials(
        self, request: connections_pb2.SetConnectionCredentialsRequest, context: Ctx
    ) -> Any:
        name = names.connection(request.name)
        require_org_access(name.org_id, roles=MANAGE)
        which = request.WhichOneof("credentials")
        with validate("Invalid credentials") as v:
            v.check(which is not None, "credentials", "set woocommerce or stripe credentials")
        values: dict[str, str]
        if which == "woocommerce":
            provider = P.INTEGRATION_PROVIDER_WOOCOMMERCE
            woo = request.woocommerce
            values = {
                "store_url": woo.store_url,
                "consumer_key": woo.consumer_key,
                "consumer_secret": woo.consumer_secret,
            }
        else:
            provider = P.INTEGRATION_PROVIDER_STRIPE
            values = {"api_key": request.stripe.api_key}
        await self._store_credentials().set_credentials(
            name.org_id,
            name.site_id,
            name.connection_id,
            values,
            provider=provider,
            verify=not request.skip_verification,
        )
        record = await self.service.get_connection(name.org_id, name.site_id, name.connection_id)
        return connections_pb2.SetConnectionCredentialsResponse(connection=self._proto(record))

    async def ClearConnectionCredentials(
        self, request: connections_pb2.ClearConnectionCredentialsRequest, context: Ctx
    ) -> Any:
        name = names.connection(request.name)
        require_org_access(name.org_id, roles=MANAGE)
        await self._store_credentials().clear_credentials(name.org_id, name.site_id, name.connection_id)
        record = await self.service.get_connection(name.org_id, name.site_id, name.connection_id)
        return connections_pb2.ClearConnectionCredentialsResponse(connection=self._proto(record))


class WebhookServicer(webhooks_pb2_grpc.WebhookServiceServicer):
    def __init__(self, service: IntegrationsService) -> None:
        self.service = service

    async def ReceiveWebhook(self, request: webhooks_pb2.ReceiveWebhookRequest, context: Ctx) -> Any:
        headers: dict[str, str] = {}
        for key, value in context.invocation_metadata() or ():
            if isinstance(value, str):
                headers.setdefault(key.lower(), value)
        result = await self.service.receive_webhook(
            request.provider, request.connection, request.http_body.data, headers
        )
        return webhooks_pb2.ReceiveWebhookResponse(
            receipt_id=result.receipt_id,
            outcome=result.outcome,  # type: ignore[arg-type]
            activity_count=result.activity_count,
            retraction_count=result.retraction_count,
        )


class WebhookReceiptServicer(webhooks_pb2_grpc.WebhookReceiptServiceServicer):
    def __init__(self, service: IntegrationsService) -> None:
        self.service = service

    async def GetWebhookReceipt(self, request: webhooks_pb2.GetWebhookReceiptRequest, context: Ctx) -> Any:
        org, site, connection_id, receipt_id = names.parse(
            names.RECEIPT,
            request.name,
            "name",
            "organizations/{org}/sites/{site}/connections/{id}/webhookReceipts/{id}",
        )
        require_org_access(org)
        # The connection must be on the named site (a receipt id under another site's path is not found).
        await self.service.get_connection(org, site, connection_id)
        row = await self.service.get_receipt(org, connection_id, receipt_id)
        name = names.ConnectionName(org, site, connection_id)
        return webhooks_pb2.GetWebhookReceiptResponse(webhook_receipt=_receipt_proto(name, row))

    async def ListWebhookReceipts(
        self, request: webhooks_pb2.ListWebhookReceiptsRequest, context: Ctx
    ) -> Any:
        name = names.connection(request.parent, "parent")
        require_org_access(name.org_id)
        await self.service.get_connection(name.org_id, name.site_id, name.connection_id)
        rows = await self.service.list_receipts(name.org_id, name.connection_id, request.page_size)
        return webhooks_pb2.ListWebhookReceiptsResponse(
            webhook_receipts=[_receipt_proto(name, r) for r in rows]
        )


def _receipt_proto(name: names.ConnectionName, row: Any) -> webhooks_pb2.WebhookReceipt:
    receipt = webhooks_pb2.WebhookReceipt(
        name=f"{name}/webhookReceipts/{row[0]}",
        provider=row[1],
        topic=row[2],
        provider_delivery_id=row[3],
        outcome=row[4],
        error=row[5],
        test=row[6],
        body_bytes=row[7],
        activity_ids=list(row[8]),
        retraction_count=row[9],
        signed_with_previous_secret=row[10],
    )
    receipt.receive_time.FromDatetime(row[11])
    return receipt


def _violation(v: mapping_rules.Violation) -> mapping_pb2.MappingViolation:
    return mapping_pb2.MappingViolation(
        field=v.field, payload_path=v.payload_path, description=v.description, severity=v.severity
    )


class MappingServicer(mapping_pb2_grpc.MappingServiceServicer):
    def __init__(self, service: IntegrationsService) -> None:
        self.service = service

    async def ValidatePayloadMapping(
        self, request: mapping_pb2.ValidatePayloadMappingRequest, context: Ctx
    ) -> Any:
        problems = mapping_rules.validate_mapping(request.mapping)
        return mapping_pb2.ValidatePayloadMappingResponse(
            valid=not any(p.severity == mapping_rules.ERROR for p in problems),
            violations=[_violation(p) for p in problems],
        )

    async def TestDelivery(self, request: mapping_pb2.TestDeliveryRequest, context: Ctx) -> Any:
        name = names.connection(request.connection, "connection")
        require_org_access(name.org_id)
        with validate("Invalid test delivery") as v:
            v.require(request.payload, "payload")
        result = await self.service.test_delivery(
            name.org_id,
            name.site_id,
            name.connection_id,
            request.payload,
            request.topic,
            request.mapping if request.HasField("mapping") else None,
        )
        return mapping_pb2.TestDeliveryResponse(
            activities=result.normalized.activities,
            retractions=result.normalized.retractions,
            violations=[_violation(v) for v in result.violations],
            ignored=bool(result.normalized.ignored_reason),
            ignored_reason=result.normalized.ignored_reason,
        )


def _subscription_proto(org_id: str, row: dict[str, Any]) -> outbound_pb2.WebhookSubscription:
    message = outbound_pb2.WebhookSubscription(
        name=f"organizations/{org_id}/webhookSubscriptions/{row['id']}",
        endpoint_url=row["endpoint_url"],
        event_types=list(row["event_types"]),
        sites=list(row["sites"]),
        description=row["description"],
        enabled=row["enabled"],
        secret_hint=row["secret_hint"],
        max_attempts=row["max_attempts"],
    )
    for field, key in (
        ("previous_secret_expire_time", "previous_secret_expires_at"),
        ("create_time", "created_at"),
        ("update_time", "updated_at"),
    ):
        stamp = _ts(row.get(key))
        if stamp is not None:
            getattr(message, field).CopyFrom(stamp)
    return message


def _delivery_proto(
    org_id: str, row: dict[str, Any], attempts: list[dict[str, Any]]
) -> outbound_pb2.WebhookDelivery:
    message = outbound_pb2.WebhookDelivery(
        name=f"organizations/{org_id}/webhookSubscriptions/{row['subscription_id']}/deliveries/{row['id']}",
        event_id=row["event_id"],
        event_type=row["event_type"],
        state=row["state"],
        attempt_count=row["attempt_count"],
        last_response_code=row["last_response_code"],
        payload_json=row["payload_json"],
        redelivery_of=row["redelivery_of"] or "",
    )
    for field, key in (
        ("next_attempt_time", "next_attempt_at"),
        ("create_time", "created_at"),
        ("complete_time", "completed_at"),
    ):
        stamp = _ts(row.get(key))
        if stamp is not None:
            getattr(message, field).CopyFrom(stamp)
    for attempt in attempts:
        item = message.attempts.add(
            attempt_number=attempt["attempt_number"],
            response_code=attempt["response_code"],
            response_body_excerpt=attempt["response_excerpt"],
            error=attempt["error"],
        )
        item.start_time.FromDatetime(attempt["started_at"])
        item.duration.FromMilliseconds(attempt["duration_ms"])
    return message


class OutboundWebhookServicer(outbound_pb2_grpc.OutboundWebhookServiceServicer):
    def __init__(self, service: IntegrationsService) -> None:
        self.service = service

    def _subscription_name(self, value: str, field: str = "name") -> tuple[str, str]:
        org, sub = names.parse(
            names.SUBSCRIPTION, value, field, "organizations/{org}/webhookSubscriptions/{id}"
        )
        return org, sub

    async def CreateWebhookSubscription(
        self, request: outbound_pb2.CreateWebhookSubscriptionRequest, context: Ctx
    ) -> Any:
        (org,) = names.parse(names.ORG, request.parent, "parent", "organizations/{org}")
        require_org_access(org, roles=MANAGE)
        sub = request.webhook_subscription
        row, secret = await self.service.create_subscription(
            org,
            sub.endpoint_url,
            list(sub.event_types),
            list(sub.sites),
            sub.description,
            sub.enabled,
            sub.max_attempts,
            request.request_id,
        )
        return outbound_pb2.CreateWebhookSubscriptionResponse(
            webhook_subscription=_subscription_proto(org, row), signing_secret=secret
        )

    async def GetWebhookSubscription(
        self, request: outbound_pb2.GetWebhookSubscriptionRequest, context: Ctx
    ) -> Any:
        org, sub = self._subscription_name(request.name)
        require_org_access(org)
        row = await self.service.get_subscription(org, sub)
        return outbound_pb2.GetWebhookSubscriptionResponse(webhook_subscription=_subscription_proto(org, row))

    async def ListWebhookSubscriptions(
        self, request: outbound_pb2.ListWebhookSubscriptionsRequest, context: Ctx
    ) -> Any:
        (org,) = names.parse(names.ORG, request.parent, "parent", "organizations/{org}")
        require_org_access(org)
        rows = await self.service.list_subscriptions(org)
        return outbound_pb2.ListWebhookSubscriptionsResponse(
            webhook_subscriptions=[_subscription_proto(org, r) for r in rows]
        )

    async def UpdateWebhookSubscription(
        self, request: outbound_pb2.UpdateWebhookSubscriptionRequest, context: Ctx
    ) -> Any:
        org, sub = self._subscription_name(request.webhook_subscription.name, "webhook_subscription.name")
        require_org_access(org, roles=MANAGE)
        given = request.webhook_subscription
        changes = {
            "endpoint_url": given.endpoint_url,
            "event_types": list(given.event_types),
            "sites": list(given.sites),
            "description": given.description,
            "enabled": given.enabled,
            "max_attempts": given.max_attempts,
        }
        row = await self.service.update_subscription(org, sub, changes, list(request.update_mask.paths))
        return outbound_pb2.UpdateWebhookSubscriptionResponse(
            webhook_subscription=_subscription_proto(org, row)
        )

    async def RotateWebhookSubscriptionSecret(
        self, request: outbound_pb2.RotateWebhookSubscriptionSecretRequest, context: Ctx
    ) -> Any:
        org, sub = self._subscription_name(request.name)
        require_org_access(org, roles=MANAGE)
        overlap = request.overlap.ToTimedelta() if request.HasField("overlap") else None
        row, secret = await self.service.rotate_subscription_secret(org, sub, overlap)
        return outbound_pb2.RotateWebhookSubscriptionSecretResponse(
            webhook_subscription=_subscription_proto(org, row), signing_secret=secret
        )

    async def DeleteWebhookSubscription(
        self, request: outbound_pb2.DeleteWebhookSubscriptionRequest, context: Ctx
    ) -> Any:
        org, sub = self._subscription_name(request.name)
        require_org_access(org, roles=MANAGE)
        await self.service.delete_subscription(org, sub)
        return outbound_pb2.DeleteWebhookSubscriptionResponse()

    async def TestWebhookSubscription(
        self, request: outbound_pb2.TestWebhookSubscriptionRequest, context: Ctx
    ) -> Any:
        org, sub = self._subscription_name(request.name)
        require_org_access(org, roles=MANAGE)
        delivery_id = await self.service.test_subscription(org, sub)
        row, attempts = await self.service.get_delivery(org, delivery_id)
        return outbound_pb2.TestWebhookSubscriptionResponse(
            webhook_delivery=_delivery_proto(org, row, attempts)
        )

    async def GetWebhookDelivery(self, request: outbound_pb2.GetWebhookDeliveryRequest, context: Ctx) -> Any:
        org, sub, delivery = names.parse(
            names.DELIVERY,
            request.name,
            "name",
            "organizations/{org}/webhookSubscriptions/{id}/deliveries/{id}",
        )
        require_org_access(org)
        row, attempts = await self.service.get_delivery(org, delivery)
        if row["subscription_id"] != sub:
            raise NotFound("Webhook delivery not found", reason="WEBHOOK_DELIVERY_NOT_FOUND")
        return outbound_pb2.GetWebhookDeliveryResponse(webhook_delivery=_delivery_proto(org, row, attempts))

    async def ListWebhookDeliveries(
        self, request: outbound_pb2.ListWebhookDeliveriesRequest, context: Ctx
    ) -> Any:
        org, sub = names.parse(
            names.DELIVERY_PARENT,
            request.parent,
            "parent",
            "organizations/{org}/webhookSubscriptions/{id or -}",
        )
        require_org_access(org)
        ids = await self.service.list_deliveries(org, None if sub == "-" else sub, request.page_size)
        deliveries = []
        for delivery_id in ids:
            row, attempts = await self.service.get_delivery(org, delivery_id)
            deliveries.append(_delivery_proto(org, row, attempts[-1:]))
        return outbound_pb2.ListWebhookDeliveriesResponse(webhook_deliveries=deliveries)

    async def RedeliverWebhookDelivery(
        self, request: outbound_pb2.RedeliverWebhookDeliveryRequest, context: Ctx
    ) -> Any:
        org, _sub, delivery = names.parse(
            names.DELIVERY,
            request.name,
            "name",
            "organizations/{org}/webhookSubscriptions/{id}/deliveries/{id}",
        )
        require_org_access(org, roles=MANAGE)
        new_id = await self.service.redeliver(org, delivery, request.request_id)
        row, attempts = await self.service.get_delivery(org, new_id)
        return outbound_pb2.RedeliverWebhookDeliveryResponse(
            webhook_delivery=_delivery_proto(org, row, attempts)
        )


class FormCaptureServicer(forms_pb2_grpc.FormCaptureServiceServicer):
    def __init__(self, forms: FormCapture) -> None:
        self.forms = forms

    async def GetWidgetFormConfig(self, request: forms_pb2.GetWidgetFormConfigRequest, context: Ctx) -> Any:
        settings = await self.forms.widget_config(request.site_key)
        # Public and identical for every visitor of the site: the edge may cache it briefly.
        add_response_header("cache-control", "public, max-age=60")
        return forms_pb2.GetWidgetFormConfigResponse(
            enabled=settings.enabled,
            require_consent=settings.require_consent,
            rules=form_rules.widget_rules(settings),
        )

    async def SubmitForm(self, request: forms_pb2.SubmitFormRequest, context: Ctx) -> Any:
        accepted = await self.forms.submit(
            Submission(
                site_key=request.site_key,
                submission_id=request.submission_id,
                rule_id=request.rule_id,
                page_url=request.page_url,
                fields=dict(request.fields),
                visitor_id=request.visitor_id,
                consent_given=request.consent_given,
                occurred_at=request.occurred_at.ToDatetime(tzinfo=UTC)
                if request.HasField("occurred_at")
                else None,
            )
        )
        return forms_pb2.SubmitFormResponse(accepted=accepted)

    async def GetFormCaptureSettings(
        self, request: forms_pb2.GetFormCaptureSettingsRequest, context: Ctx
    ) -> Any:
        org, site = names.parse(
            names.FORM_SETTINGS, request.name, "name", "organizations/{org}/sites/{site}/formCaptureSettings"
        )
        require_org_access(org)
        return forms_pb2.GetFormCaptureSettingsResponse(
            form_capture_settings=await self.forms.get_settings(org, site)
        )

    async def UpdateFormCaptureSettings(
        self, request: forms_pb2.UpdateFormCaptureSettingsRequest, context: Ctx
    ) -> Any:
        org, site = names.parse(
            names.FORM_SETTINGS,
            request.form_capture_settings.name,
            "form_capture_settings.name",
            "organizations/{org}/sites/{site}/formCaptureSettings",
        )
        require_org_access(org, roles=MANAGE)
        settings = await self.forms.update_settings(
            org, site, request.form_capture_settings, list(request.update_mask.paths)
        )
        return forms_pb2.UpdateFormCaptureSettingsResponse(form_capture_settings=settings)


def _zapier_caller(org_id: str, site_id: str, scope: ApiKeyScope) -> None:
    """Zapier authenticates with an organization API key holding `scope` (decided at the edge)."""
    principal = require_org_access(org_id, scope=scope.value)
    if principal.kind is PrincipalKind.SERVICE:
        return
    if principal.kind is not PrincipalKind.API_KEY:
        raise PermissionDenied("Zapier calls authenticate with an API key", reason="API_KEY_REQUIRED")
    if principal.site_id and principal.site_id != site_id:
        raise PermissionDenied(
            "The API key is limited to another site",
            reason="SITE_ACCESS_DENIED",
            metadata={"site_id": site_id},
        )


def _zapier_hook_proto(record: ZapierHookRecord) -> zapier_pb2.ZapierHook:
    hook = zapier_pb2.ZapierHook(
        name=record.name,
        target_url=record.target_url,
        event_type=record.event_type,  # type: ignore[arg-type]
        activity_kinds=record.activity_kinds,  # type: ignore[arg-type]
    )
    hook.create_time.FromDatetime(record.created_at)
    if record.last_delivery_at is not None:
        hook.last_delivery_time.FromDatetime(record.last_delivery_at)
    return hook


class ZapierServicer(zapier_pb2_grpc.ZapierServiceServicer):
    def __init__(self, zapier: Zapier) -> None:
        self.zapier = zapier

    async def TestZapierAuth(self, request: zapier_pb2.TestZapierAuthRequest, context: Ctx) -> Any:
        principal = require_authenticated()
        if principal.kind is not PrincipalKind.API_KEY or not principal.org_id:
            raise PermissionDenied("Zapier calls authenticate with an API key", reason="API_KEY_REQUIRED")
        org = principal.org_id
        # The organization's display name and site list live in users / notifications; the key's own
        # site restriction is all this service knows (see docs/integrations.md).
        return zapier_pb2.TestZapierAuthResponse(
            organization=f"organizations/{org}",
            sites=[names.site_name(org, principal.site_id)] if principal.site_id else [],
        )

    async def CreateZapierHook(self, request: zapier_pb2.CreateZapierHookRequest, context: Ctx) -> Any:
        org, site = names.site(request.parent)
        _zapier_caller(org, site, ApiKeyScope.ACTIVITIES_READ)
        hook = request.zapier_hook
        record = await self.zapier.subscribe(
            org, site, hook.target_url, hook.event_type, list(hook.activity_kinds)
        )
        return zapier_pb2.CreateZapierHookResponse(zapier_hook=_zapier_hook_proto(record))

    async def DeleteZapierHook(self, request: zapier_pb2.DeleteZapierHookRequest, context: Ctx) -> Any:
        org, site, hook_id = names.parse(
            names.ZAPIER_HOOK, request.name, "name", "organizations/{org}/sites/{site}/zapierHooks/{id}"
        )
        _zapier_caller(org, site, ApiKeyScope.ACTIVITIES_READ)
        await self.zapier.unsubscribe(org, site, hook_id)
        return zapier_pb2.DeleteZapierHookResponse()

    async def ListZapierSamples(self, request: zapier_pb2.ListZapierSamplesRequest, context: Ctx) -> Any:
        org, site = names.site(request.parent)
        _zapier_caller(org, site, ApiKeyScope.ACTIVITIES_READ)
        samples = await self.zapier.samples(org, site, request.event_type, request.page_size)
        return zapier_pb2.ListZapierSamplesResponse(samples=samples)

    async def CreateZapierActivity(
        self, request: zapier_pb2.CreateZapierActivityRequest, context: Ctx
    ) -> Any:
        org, site = names.site(request.parent)
        _zapier_caller(org, site, ApiKeyScope.ACTIVITIES_WRITE)
        activity, _created = await self.zapier.create_activity(
            org, site, request.activity, request.request_id
        )
        return zapier_pb2.CreateZapierActivityResponse(activity=activity)


class ShopifyOAuthServicer(oauth_pb2_grpc.ShopifyOAuthServiceServicer):
    def __init__(self, oauth: ShopifyOAuth) -> None:
        self.oauth = oauth

    async def StartShopifyInstall(self, request: oauth_pb2.StartShopifyInstallRequest, context: Ctx) -> Any:
        org, site = names.site(request.parent)
        require_org_access(org, roles=MANAGE)
        connection_id = None
        if request.connection:
            name = names.connection(request.connection, "connection")
            if (name.org_id, name.site_id) != (org, site):
                raise NotFound("Connection not found", reason="CONNECTION_NOT_FOUND")
            connection_id = name.connection_id
        started = await self.oauth.start(org, site, request.shop_domain, connection_id, request.return_path)
        reply = oauth_pb2.StartShopifyInstallResponse(
            install_url=started.install_url, state=started.state, connection=started.connection
        )
        reply.expire_time.FromDatetime(started.expire_time)
        return reply

    async def HandleShopifyCallback(
        self, request: oauth_pb2.HandleShopifyCallbackRequest, context: Ctx
    ) -> Any:
        page = await self.oauth.callback(
            {
                "code": request.code,
                "hmac": request.hmac,
                "host": request.host,
                "shop": request.shop,
                "state": request.state,
                "timestamp": request.timestamp,
            }
        )
        # The URL carried a one-time code: never cache the page nor leak the URL as a referrer.
        add_response_header("cache-control", "no-store")
        add_response_header("referrer-policy", "no-referrer")
        return oauth_pb2.HandleShopifyCallbackResponse(
            http_body=httpbody_pb2.HttpBody(content_type="text/html; charset=utf-8", data=page.html)
        )


def _backfill_proto(job: BackfillJob) -> backfill_pb2.Backfill:
    row = job.row
    message = backfill_pb2.Backfill(
        name=job.name,
        lookback_days=row["lookback_days"],
        state=row["state"],
        error=row["error"],
        progress=backfill_pb2.BackfillProgress(
            processed_count=row["processed_count"],
            imported_count=row["imported_count"],
            skipped_count=row["skipped_count"],
            total_estimate=row["total_estimate"],
            percent_complete=job.percent,
        ),
    )
    if row["reached_at"] is not None:
        message.progress.reached_time.FromDatetime(row["reached_at"])
    for field, key in (("create_time", "created_at"), ("start_time", "started_at"), ("end_time", "ended_at")):
        stamp = _ts(row[key])
        if stamp is not None:
            getattr(message, field).CopyFrom(stamp)
    return message


class BackfillServicer(backfill_pb2_grpc.BackfillServiceServicer):
    def __init__(self, backfills: Backfills) -> None:
        self.backfills = backfills

    def _name(self, value: str) -> tuple[str, str, str, str]:
        org, site, conn, job = names.parse(
            names.BACKFILL, value, "name", "organizations/{org}/sites/{site}/connections/{id}/backfills/{id}"
        )
        return org, site, conn, job

    async def CreateBackfill(self, request: backfill_pb2.CreateBackfillRequest, context: Ctx) -> Any:
        name = names.connection(request.parent, "parent")
        require_org_access(name.org_id, roles=MANAGE)
        job = await self.backfills.create(
            name.org_id, name.site_id, name.connection_id, request.backfill.lookback_days, request.request_id
        )
        return backfill_pb2.CreateBackfillResponse(backfill=_backfill_proto(job))

    async def GetBackfill(self, request: backfill_pb2.GetBackfillRequest, context: Ctx) -> Any:
        org, site, conn, job_id = self._name(request.name)
        require_org_access(org)
        job = await self.backfills.get(org, site, conn, job_id)
        return backfill_pb2.GetBackfillResponse(backfill=_backfill_proto(job))

    async def ListBackfills(self, request: backfill_pb2.ListBackfillsRequest, context: Ctx) -> Any:
        name = names.connection(request.parent, "parent")
        require_org_access(name.org_id)
        jobs, token = await self.backfills.list(
            name.org_id, name.site_id, name.connection_id, request.page_size, request.page_token
        )
        return backfill_pb2.ListBackfillsResponse(
            backfills=[_backfill_proto(j) for j in jobs], next_page_token=token
        )

    async def CancelBackfill(self, request: backfill_pb2.CancelBackfillRequest, context: Ctx) -> Any:
        org, site, conn, job_id = self._name(request.name)
        require_org_access(org, roles=MANAGE)
        job = await self.backfills.cancel(org, site, conn, job_id)
        return backfill_pb2.CancelBackfillResponse(backfill=_backfill_proto(job))
