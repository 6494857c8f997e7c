"""Use cases of notifications: sites, campaigns, activities, templates, the widget feed and live."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import logging
import re
import secrets
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.api import httpbody_pb2
from google.protobuf import field_mask_pb2, json_format
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import mapping, names
from services.notifications.adapters.activity_consumer import OWN_PRODUCER
from services.notifications.adapters.entitlements import EntitlementsSource, FeedEntitlements
from services.notifications.adapters.home_page import FetchError, fetch_home_page
from services.notifications.adapters.outbox import OutboxRelay
from services.notifications.adapters.postgres import (
    ACTIVE,
    ActivityRepository,
    ActivityRow,
    CampaignRepository,
    CampaignRow,
    SiteRepository,
    SiteRow,
    TemplateRepository,
    TemplateRow,
    add_to_outbox,
    all_sites,
    claim_event,
    resolve_site_key,
)
from services.notifications.adapters.redis_store import (
    FeedCache,
    LiveChannel,
    Presence,
    feed_state,
)
from services.notifications.domain import builtin_templates, display, targeting, templates, verification
from shared.crypto import KeyRing, associated_data
from shared.db import Database
from shared.errors import (
    Aborted,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    Violations,
    validate,
)
from shared.kafka_bus import EventProducer, PermanentError, make_envelope
from shared.permissions import ApiKeyScope, Role
from shared.principal import require_org_access
from socialproof.events.v1 import activity_pb2, notifications_events_pb2
from socialproof.notifications.v1 import (
    activities_pb2,
    campaigns_pb2,
    sites_pb2,
    targeting_pb2,
    templates_pb2,
    widget_pb2,
)

log = logging.getLogger(__name__)

# Who may do what: role names and API-key scopes from the one table in shared.permissions.
SITE_WRITERS = (Role.OWNER.value, Role.ADMIN.value)
CAMPAIGN_WRITERS = (Role.OWNER.value, Role.ADMIN.value, Role.DESIGNER.value)
SCOPE_ACTIVITIES_WRITE = ApiKeyScope.ACTIVITIES_WRITE.value
SCOPE_ACTIVITIES_READ = ApiKeyScope.ACTIVITIES_READ.value
SCOPE_CAMPAIGNS_WRITE = ApiKeyScope.CAMPAIGNS_WRITE.value
SCOPE_CAMPAIGNS_READ = ApiKeyScope.CAMPAIGNS_READ.value
SCOPE_SITES_READ = ApiKeyScope.SITES_READ.value

SITE_KEY_RE = re.compile(r"^sk_pub_[0-9a-f]{24}$")
_HOST_RE = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_VARIANT_RE = re.compile(r"^[a-z0-9]{1,16}$")
_LOCALE_RE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
MAX_URL_CHARS = 2048
MAX_PAGE_SIZE = 100
FEED_MAX_AGE = timedelta(seconds=15)
FEED_VERSION_RE = re.compile(r"^[0-9.]{1,32}$")
# How long the edge's HTTP cache may answer a feed without asking (the bound on staleness there).
FEED_EDGE_MAX_AGE = timedelta(seconds=1)
FEED_STALE_WHILE_REVALIDATE = timedelta(seconds=30)
FEED_ACTIVITY_LIMIT = 500
# A build reads this many recent activities first and the rest (up to FEED_ACTIVITY_LIMIT) only when a
# campaign's filter ran out of rows before its cap: with the display-rule cap most builds need ~100.
FEED_ACTIVITY_FIRST_READ = 128
PREVIOUS_KEY_GRACE = timedelta(hours=24)
WIDGET_PROOF_TTL = 30 * 86400  # a token the widget reported stays usable for verification for 30 days
DEFAULT_ANONYMOUS_NAME = "Someone"
# The widget as the local edge (`make up`, port 8080) serves it; deployments set SP_WIDGET_SCRIPT_URL
# (required with SP_ENV=prod) and the devstack platform passes its edge's current versioned file.
DEFAULT_WIDGET_SCRIPT_URL = "http://127.0.0.1:8080/static/widget/sp-1.0.0.js"
EEA_UK_CH = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO GB CH"
).split()

CAMPAIGN_CONFIG_BY_TYPE: dict[int, str] = {
    templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY: "recent_activity",
    templates_pb2.CAMPAIGN_TYPE_LIVE_VISITORS: "live_visitors",
    templates_pb2.CAMPAIGN_TYPE_AGGREGATE_COUNTER: "aggregate_counter",
    templates_pb2.CAMPAIGN_TYPE_REVIEW: "review",
    templates_pb2.CAMPAIGN_TYPE_ANNOUNCEMENT: "announcement",
}

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class NotificationsService:
    """The service layer: every entry point (gRPC servicers, Kafka consumer) calls these methods."""

    db: Database
    feed_cache: FeedCache
    presence: Presence
    live: LiveChannel
    entitlements: EntitlementsSource
    #: PII key ring (SP_PII_KEYS): actors of activities are sealed with it at rest.
    keys: KeyRing
    producer: EventProducer | None = None
    #: Relays the outbox to Kafka right after a change commits (and in the background).
    outbox: OutboxRelay | None = None
    #: Topic of SiteCreated / SiteDeleted / CampaignChanged.
    events_topic: str = "notifications"
    clock: Clock = _utcnow
    draining: asyncio.Event = field(default_factory=asyncio.Event)
    heartbeat_interval: timedelta = timedelta(seconds=15)
    max_stream_duration: timedelta = timedelta(minutes=10)
    presence_window: timedelta = timedelta(minutes=5)
    render_memo: RenderMemo = field(default_factory=lambda: RenderMemo())
    feed_sources: FeedSources = field(default_factory=lambda: FeedSources())
    #: URL fetched for the meta-tag check ({domain} is replaced) and whether it may be a private address
    #: (tests point it at a local server; production keeps https://{domain}/ and the SSRF guard).
    domain_check_url: str = "https://{domain}/"
    domain_check_allow_private: bool = False
    #: Absolute URL of the widget script named in each site's install snippet (SP_WIDGET_SCRIPT_URL).
    widget_script_url: str = DEFAULT_WIDGET_SCRIPT_URL

    def _site_proto(self, row: SiteRow) -> sites_pb2.Site:
        return _site_to_proto(row, self.widget_script_url)

    async def fetch_home_page(self, domain: str) -> str:
        return await fetch_home_page(
            domain, url_template=self.domain_check_url, allow_private=self.domain_check_allow_private
        )

    # ---- sites ---------------------------------------------------------------------------------

    async def create_site(self, parent: str, site: sites_pb2.Site, request_id: str) -> sites_pb2.Site:
        org_id = names.parse_org(parent, "parent")
        require_org_access(org_id, roles=SITE_WRITERS)
        with validate("Invalid site") as v:
            _check_request_id(v, request_id)
            _check_site(v, site, "site")
        spec = sites_pb2.Site()
        spec.CopyFrom(site)
        spec.domains.clear()
        for d in site.domains:
            spec.domains.add(
                domain=d.domain.lower(),
                verification_state=sites_pb2.DOMAIN_VERIFICATION_STATE_UNVERIFIED,
                verification_token=secrets.token_hex(16),
            )
        spec.settings.holdout_id = str(uuid.uuid4())
        state = site.state or sites_pb2.SITE_STATE_ACTIVE
        async with self.db.tenant_session(org_id) as session:
            repo = SiteRepository(session, org_id)
            if request_id and (existing := await repo.by_request_id(org_id, request_id)):
                return self._site_proto(existing)
            row = await repo.add(
                org_id=org_id,
                display_name=site.display_name.strip(),
                site_key="sk_pub_" + secrets.token_hex(12),
                state=state,
                spec=spec.SerializeToString(),
                request_id=request_id or None,
            )
            created = self._site_proto(row)
            await self._stage(
                session,
                org_id,
                row.id,
                notifications_events_pb2.SiteCreated(
                    org_id=org_id,
                    site_id=row.id,
                    site_name=created.name,
                    display_name=created.display_name,
                    site_key=created.site_key,
                    domains=[d.domain for d in created.domains],
                    time_zone=created.settings.time_zone or "UTC",
                    activity_retention_days=created.settings.activity_retention_days or 90,
                    create_time=created.create_time,
                ),
            )
        await self._relay_events()
        return created

    async def get_site(self, name: str) -> sites_pb2.Site:
        org_id, site_id = names.parse_site(name)
        require_org_access(org_id, scope=SCOPE_SITES_READ)
        async with self.db.tenant_session(org_id) as session:
            row = await SiteRepository(session, org_id).get(site_id)
        if row is None:
            raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": name})
        return self._site_proto(row)

    async def list_sites(
        self, parent: str, page_size: int, page_token: str
    ) -> tuple[list[sites_pb2.Site], str]:
        org_id = names.parse_org(parent)
        require_org_access(org_id, scope=SCOPE_SITES_READ)
        size, offset = _paging(page_size, page_token)
        async with self.db.tenant_session(org_id) as session:
            rows = await SiteRepository(session, org_id).list(org_id, offset=offset, limit=size + 1)
        return [self._site_proto(r) for r in rows[:size]], _next_token(offset, size, len(rows))

    async def update_site(self, site: sites_pb2.Site, mask: field_mask_pb2.FieldMask) -> sites_pb2.Site:
        org_id, site_id = names.parse_site(site.name, "site.name")
        require_org_access(org_id, roles=SITE_WRITERS)
        paths = set(mask.paths)
        allowed = {"display_name", "domains", "settings", "state", "*"}
        with validate("Invalid site update") as v:
            v.check(bool(paths), "update_mask", "is required")
            for p in sorted(paths):
                v.check(p.split(".")[0] in allowed, "update_mask", f"cannot update '{p[:100]}'")
        async with self.db.tenant_session(org_id) as session:
            repo = SiteRepository(session, org_id)
            row = await repo.get(site_id, for_update=True)
            if row is None:
                raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": site.name})
            _check_etag(site.etag, _etag(row.revision))
            current = sites_pb2.Site.FromString(row.spec)
            merged = sites_pb2.Site()
            merged.CopyFrom(current)
            merged.display_name = row.display_name
            merged.state = row.state  # type: ignore[assignment]
            everything = "*" in paths
            if everything or "display_name" in paths:
                merged.display_name = site.display_name
            if everything or "state" in paths:
                merged.state = site.state  # type: ignore[assignment]
            if everything or "domains" in paths:
                old = {d.domain: d for d in current.domains}
                del merged.domains[:]
                for d in site.domains:
                    host = d.domain.lower()
                    kept = old.get(host)
                    if kept is not None:
                        merged.domains.append(kept)
                    else:
                        merged.domains.add(
                            domain=host,
                            verification_state=sites_pb2.DOMAIN_VERIFICATION_STATE_UNVERIFIED,
                            verification_token=secrets.token_hex(16),
                        )
            holdout_id = current.settings.holdout_id
            if everything or "settings" in paths:
                merged.settings.CopyFrom(site.settings)
            else:
                for p in paths:
                    if p.startswith("settings."):
                        leaf = p.split(".", 1)[1]
                        if leaf not in sites_pb2.SiteSettings.DESCRIPTOR.fields_by_name:
                            raise InvalidArgument(
                                "Invalid site update",
                                violations=[_violation("update_mask", f"unknown field '{p[:100]}'")],
                            )
                        mask_one = field_mask_pb2.FieldMask(paths=[leaf])
                        mask_one.MergeMessage(site.settings, merged.settings, replace_repeated_field=True)
            merged.settings.holdout_id = holdout_id
            with validate("Invalid site") as v:
                _check_site(v, merged, "site")
            row = await repo.update(
                site_id,
                display_name=merged.display_name.strip(),
                state=merged.state or sites_pb2.SITE_STATE_ACTIVE,
                spec=merged.SerializeToString(),
            )
        await self._site_changed(row.id)
        return self._site_proto(row)

    async def delete_site(self, name: str, etag: str) -> None:
        org_id, site_id = names.parse_site(name)
        require_org_access(org_id, roles=SITE_WRITERS)
        async with self.db.tenant_session(org_id) as session:
            repo = SiteRepository(session, org_id)
            row = await repo.get(site_id, for_update=True)
            if row is None:
                raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": name})
            _check_etag(etag, _etag(row.revision))
            await repo.delete(site_id)
            await self._stage(
                session,
                org_id,
                site_id,
                notifications_events_pb2.SiteDeleted(
                    org_id=org_id, site_id=site_id, site_name=name, delete_time=mapping.ts(self.clock())
                ),
            )
        await self.feed_cache.forget_key(row.site_key)
        await self._site_changed(site_id)
        await self._relay_events()

    async def rotate_site_key(self, name: str) -> tuple[sites_pb2.Site, datetime]:
        org_id, site_id = names.parse_site(name)
        require_org_access(org_id, roles=SITE_WRITERS)
        expires = self.clock() + PREVIOUS_KEY_GRACE
        async with self.db.tenant_session(org_id) as session:
            repo = SiteRepository(session, org_id)
            row = await repo.get(site_id, for_update=True)
            if row is None:
                raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": name})
            new_key = "sk_pub_" + secrets.token_hex(12)
            await repo.expire_key(row.site_key, expires)
            await repo.add_key(new_key, site_id, org_id)
            row = await repo.update(site_id, site_key=new_key)
        await self._site_changed(site_id)
        return self._site_proto(row), expires

    async def verify_site_domain(
        self, name: str, domain: str, method: int
    ) -> tuple[sites_pb2.SiteDomain, sites_pb2.Site]:
        """Checks one domain now; a failed check is a result (FAILED + last_error), not an error."""
        org_id, site_id = names.parse_site(name)
        require_org_access(org_id, roles=SITE_WRITERS)
        host = domain.strip().lower()
        with validate("Invalid verification request") as v:
            v.check(bool(host), "domain", "is required")
            v.check(
                method in sites_pb2.DomainVerificationMethod.values(),
                "method",
                "must be one of the DOMAIN_VERIFICATION_METHOD values",
            )
        async with self.db.tenant_session(org_id) as session:
            row = await SiteRepository(session, org_id).get(site_id)
        if row is None:
            raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": name})
        spec = sites_pb2.Site.FromString(row.spec)
        entry = next((d for d in spec.domains if d.domain == host), None)
        if entry is None:
            raise InvalidArgument(
                "Not a domain of this site",
                violations=[_violation("domain", "must be one of the site's domains")],
            )
        token = entry.verification_token
        # The network check runs outside any transaction; the result is merged into a fresh read.
        verified_by, error = 0, ""
        methods = (
            [method]
            if method
            else [
                sites_pb2.DOMAIN_VERIFICATION_METHOD_WIDGET,
                sites_pb2.DOMAIN_VERIFICATION_METHOD_META_TAG,
            ]
        )
        for m in methods:
            if m == sites_pb2.DOMAIN_VERIFICATION_METHOD_WIDGET:
                proof = await self.feed_cache.domain_proof(site_id, host)
                if proof is not None and _same_token(proof, token):
                    verified_by = m
                    break
                error = "the widget has not reported the verification meta tag from this domain yet"
            elif m == sites_pb2.DOMAIN_VERIFICATION_METHOD_META_TAG:
                page_host = host[2:] if host.startswith("*.") else host
                try:
                    html = await self.fetch_home_page(page_host)
                except FetchError as failure:
                    error = str(failure)
                    continue
                if any(_same_token(t, token) for t in verification.meta_tokens(html)):
                    verified_by = m
                    break
                error = f'meta tag <meta name="{verification.META_NAME}"> with this site\'s token not found'
            else:
                error = "DNS TXT checks are not available; use the meta tag or the installed widget"
        now = self.clock()
        async with self.db.tenant_session(org_id) as session:
            repo = SiteRepository(session, org_id)
            row = await repo.get(site_id, for_update=True)
            if row is None:
                raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": name})
            spec = sites_pb2.Site.FromString(row.spec)
            entry = next((d for d in spec.domains if d.domain == host), None)
            if entry is None or entry.verification_token != token:
                raise Aborted("The domain changed during the check", reason="ETAG_MISMATCH")
            entry.last_check_time.CopyFrom(mapping.ts(now))
            if verified_by:
                entry.verification_state = sites_pb2.DOMAIN_VERIFICATION_STATE_VERIFIED
                entry.verification_method = verified_by  # type: ignore[assignment]
                entry.verify_time.CopyFrom(mapping.ts(now))
                entry.last_error = ""
            elif entry.verification_state != sites_pb2.DOMAIN_VERIFICATION_STATE_VERIFIED:
                # A verified domain stays verified when a later re-check fails (e.g. tag removed
                # after a redesign); the error is still reported.
                entry.verification_state = sites_pb2.DOMAIN_VERIFICATION_STATE_FAILED
                entry.last_error = error[:300]
            else:
                entry.last_error = error[:300]
            row = await repo.update(site_id, spec=spec.SerializeToString())
        site = self._site_proto(row)
        return next(d for d in site.domains if d.domain == host), site

    async def _site_ids(self, site_key: str) -> tuple[str, str]:
        """(org_id, site_id) of a live key: Redis first, then the key table. Remembered for 60 s at most
        (a rotated-out key may thus work up to 60 s past its grace period); deleting a site forgets it."""
        cached = await self.feed_cache.site_for_key(site_key)
        if cached is not None:
            return cached
        now = self.clock()
        async with self.db.session() as session:
            found = await resolve_site_key(session, site_key, now)
        if found is None:
            raise NotFound("Unknown site key", reason="SITE_KEY_NOT_FOUND")
        await self.feed_cache.remember_key(site_key, found[0], found[1], ttl=60)
        return found

    async def resolve_site_key(self, site_key: str) -> tuple[SiteRow, sites_pb2.Site]:
        """The live site of a public key; NOT_FOUND (SITE_KEY_NOT_FOUND) when unknown, expired or deleted."""
        with validate("Invalid site key", reason="INVALID_SITE_KEY") as v:
            v.check(
                bool(SITE_KEY_RE.match(site_key)),
                "site_key",
                "must look like sk_pub_ followed by 24 hex digits",
            )
        async with self.db.session() as session:
            found = await resolve_site_key(session, site_key, self.clock())
        if found is None:
            raise NotFound("Unknown site key", reason="SITE_KEY_NOT_FOUND")
        org_id, site_id = found
        async with self.db.tenant_session(org_id) as session:
            row = await SiteRepository(session, org_id).get(site_id)
        if row is None:
            raise NotFound("Unknown site key", reason="SITE_KEY_NOT_FOUND")
        return row, self._site_proto(row)

    # ---- campaigns -----------------------------------------------------------------------------

    async def create_campaign(
        self, parent: str, campaign: campaigns_pb2.Campaign, request_id: str
    ) -> campaigns_pb2.Campaign:
        org_id, site_id = names.parse_site(parent, "parent")
        require_org_access(org_id, roles=CAMPAIGN_WRITERS, scope=SCOPE_CAMPAIGNS_WRITE)
        with validate("Invalid campaign") as v:
            _check_request_id(v, request_id)
            v.check(
                campaign.type in CAMPAIGN_CONFIG_BY_TYPE,
                "campaign.type",
                "must be one of the CAMPAIGN_TYPE values",
            )
            _check_campaign(v, campaign)
        spec = _normalized_campaign(campaign)
        if spec.HasField("experiment"):
            spec.experiment.experiment_id = str(uuid.uuid4())
        async with self.db.tenant_session(org_id) as session:
            repo = CampaignRepository(session, org_id)
            if request_id and (existing := await repo.by_request_id(org_id, request_id)):
                return _campaign_to_proto(existing)
            if await SiteRepository(session, org_id).get(site_id) is None:
                raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": parent})
            row = await repo.add(
                org_id=org_id,
                site_id=site_id,
                display_name=spec.display_name.strip(),
                type=spec.type,
                state=campaigns_pb2.CAMPAIGN_STATE_DRAFT,
                priority=spec.priority,
                spec=spec.SerializeToString(),
                request_id=request_id or None,
            )
            result = _campaign_to_proto(row)
            await self._stage_campaign_changed(
                session, row, result, notifications_events_pb2.CAMPAIGN_CHANGE_TYPE_CREATED
            )
        await self._campaign_changed(row)
        return result

    async def duplicate_campaign(
        self, name: str, target_parent: str, display_name: str, request_id: str
    ) -> campaigns_pb2.Campaign:
        """A DRAFT copy (same or another site of the org) with a new experiment id, so the copy's A/B
        assignments and results never mix with the original's."""
        org_id, site_id, campaign_id = names.parse_child(name, "campaigns")
        require_org_access(org_id, roles=CAMPAIGN_WRITERS, scope=SCOPE_CAMPAIGNS_WRITE)
        target = target_parent or names.site_name(org_id, site_id)
        target_org, _ = names.parse_site(target, "target_parent")
        with validate("Invalid duplicate request") as v:
            v.check(target_org == org_id, "target_parent", "must be a site of the same organization")
            v.check(len(display_name) <= 100, "display_name", "at most 100 characters")
        source = _campaign_to_proto(await self._campaign_row(org_id, site_id, campaign_id, name))
        copy = _normalized_campaign(source)
        copy.display_name = display_name.strip() or _copy_name(source.display_name)
        copy.source_template = source.source_template
        if copy.HasField("experiment"):
            copy.experiment.ClearField("start_time")
            copy.experiment.ClearField("experiment_id")
        return await self.create_campaign(target, copy, request_id)

    async def get_campaign(self, name: str) -> campaigns_pb2.Campaign:
        org_id, site_id, campaign_id = names.parse_child(name, "campaigns")
        require_org_access(org_id, scope=SCOPE_CAMPAIGNS_READ)
        return _campaign_to_proto(await self._campaign_row(org_id, site_id, campaign_id, name))

    async def _campaign_row(self, org_id: str, site_id: str, campaign_id: str, name: str) -> CampaignRow:
        async with self.db.tenant_session(org_id) as session:
            row = await CampaignRepository(session, org_id).get(site_id, campaign_id)
        if row is None:
            raise NotFound("Campaign not found", reason="CAMPAIGN_NOT_FOUND", metadata={"name": name})
        return row

    async def list_campaigns(
        self, parent: str, page_size: int, page_token: str, filter_text: str
    ) -> tuple[list[campaigns_pb2.Campaign], str]:
        org_id, site_id = names.parse_site(parent, "parent")
        require_org_access(org_id, scope=SCOPE_CAMPAIGNS_READ)
        states = _state_filter(filter_text)
        size, offset = _paging(page_size, page_token)
        async with self.db.tenant_session(org_id) as session:
            rows = await CampaignRepository(session, org_id).list(
                site_id, states=states, offset=offset, limit=size + 1
            )
        return [_campaign_to_proto(r) for r in rows[:size]], _next_token(offset, size, len(rows))

    async def update_campaign(
        self, campaign: campaigns_pb2.Campaign, mask: field_mask_pb2.FieldMask
    ) -> campaigns_pb2.Campaign:
        org_id, site_id, campaign_id = names.parse_child(campaign.name, "campaigns", "campaign.name")
        require_org_access(org_id, roles=CAMPAIGN_WRITERS, scope=SCOPE_CAMPAIGNS_WRITE)
        writable = {
            "display_name",
            "priority",
            "content",
            "source_template",
            "recent_activity",
            "live_visitors",
            "aggregate_counter",
            "review",
            "announcement",
            "targeting",
            "display_rules",
            "experiment",
        }
        paths = list(mask.paths)
        with validate("Invalid campaign update") as v:
            v.check(bool(paths), "update_mask", "is required")
            for p in paths:
                if p == "type":
                    v.add("update_mask", "type cannot change after creation")
                elif p != "*" and p.split(".")[0] not in writable:
                    v.add("update_mask", f"cannot update '{p[:100]}'")
        async with self.db.tenant_session(org_id) as session:
            repo = CampaignRepository(session, org_id)
            row = await repo.get(site_id, campaign_id, for_update=True)
            if row is None:
                raise NotFound(
                    "Campaign not found", reason="CAMPAIGN_NOT_FOUND", metadata={"name": campaign.name}
                )
            if row.state == campaigns_pb2.CAMPAIGN_STATE_ARCHIVED:
                raise FailedPrecondition("An archived campaign is read-only", reason="CAMPAIGN_ARCHIVED")
            _check_etag(campaign.etag, _etag(row.revision))
            current = campaigns_pb2.Campaign.FromString(row.spec)
            merged = campaigns_pb2.Campaign()
            merged.CopyFrom(current)
            if "*" in paths:
                merged.CopyFrom(campaign)
            else:
                field_mask_pb2.FieldMask(paths=paths).MergeMessage(
                    campaign, merged, replace_message_field=True, replace_repeated_field=True
                )
            merged.type = current.type
            experiment_id = current.experiment.experiment_id if current.HasField("experiment") else ""
            with validate("Invalid campaign") as v:
                _check_campaign(v, merged)
            spec = _normalized_campaign(merged)
            if spec.HasField("experiment"):
                spec.experiment.experiment_id = experiment_id or str(uuid.uuid4())
            row = await repo.update(
                campaign_id,
                display_name=spec.display_name.strip(),
                priority=spec.priority,
                spec=spec.SerializeToString(),
            )
            result = _campaign_to_proto(row)
            await self._stage_campaign_changed(
                session, row, result, notifications_events_pb2.CAMPAIGN_CHANGE_TYPE_UPDATED
            )
        await self._campaign_changed(row)
        return result

    async def delete_campaign(self, name: str, etag: str) -> None:
        org_id, site_id, campaign_id = names.parse_child(name, "campaigns")
        require_org_access(org_id, roles=CAMPAIGN_WRITERS, scope=SCOPE_CAMPAIGNS_WRITE)
        async with self.db.tenant_session(org_id) as session:
            repo = CampaignRepository(session, org_id)
            row = await repo.get(site_id, campaign_id, for_update=True)
            if row is None:
                raise NotFound("Campaign not found", reason="CAMPAIGN_NOT_FOUND", metadata={"name": name})
            _check_etag(etag, _etag(row.revision))
            await repo.delete(campaign_id)
            await self._stage_campaign_changed(
                session, row, _campaign_to_proto(row), notifications_events_pb2.CAMPAIGN_CHANGE_TYPE_DELETED
            )
        await self._campaign_changed(row)

    async def transition_campaign(self, name: str, etag: str, target: int) -> campaigns_pb2.Campaign:
        """Lifecycle: publish (DRAFT/PAUSED), pause (PUBLISHED), archive (any), unarchive (ARCHIVED)."""
        org_id, site_id, campaign_id = names.parse_child(name, "campaigns")
        require_org_access(org_id, roles=CAMPAIGN_WRITERS, scope=SCOPE_CAMPAIGNS_WRITE)
        transitions: dict[int, set[int]] = {
            campaigns_pb2.CAMPAIGN_STATE_PUBLISHED: {
                campaigns_pb2.CAMPAIGN_STATE_DRAFT,
                campaigns_pb2.CAMPAIGN_STATE_PAUSED,
            },
            campaigns_pb2.CAMPAIGN_STATE_PAUSED: {campaigns_pb2.CAMPAIGN_STATE_PUBLISHED},
            campaigns_pb2.CAMPAIGN_STATE_ARCHIVED: {
                campaigns_pb2.CAMPAIGN_STATE_DRAFT,
                campaigns_pb2.CAMPAIGN_STATE_PUBLISHED,
                campaigns_pb2.CAMPAIGN_STATE_PAUSED,
            },
            campaigns_pb2.CAMPAIGN_STATE_DRAFT: {campaigns_pb2.CAMPAIGN_STATE_ARCHIVED},
        }
        allowed_from = transitions[target]
        changes: dict[int, int] = {
            campaigns_pb2.CAMPAIGN_STATE_PUBLISHED: notifications_events_pb2.CAMPAIGN_CHANGE_TYPE_PUBLISHED,
            campaigns_pb2.CAMPAIGN_STATE_PAUSED: notifications_events_pb2.CAMPAIGN_CHANGE_TYPE_PAUSED,
            campaigns_pb2.CAMPAIGN_STATE_ARCHIVED: notifications_events_pb2.CAMPAIGN_CHANGE_TYPE_ARCHIVED,
            campaigns_pb2.CAMPAIGN_STATE_DRAFT: notifications_events_pb2.CAMPAIGN_CHANGE_TYPE_UNARCHIVED,
        }
        change = changes[target]
        async with self.db.tenant_session(org_id) as session:
            repo = CampaignRepository(session, org_id)
            row = await repo.get(site_id, campaign_id, for_update=True)
            if row is None:
                raise NotFound("Campaign not found", reason="CAMPAIGN_NOT_FOUND", metadata={"name": name})
            _check_etag(etag, _etag(row.revision))
            if row.state not in allowed_from:
                raise FailedPrecondition(
                    f"Cannot go from {campaigns_pb2.CampaignState.Name(row.state)} to "  # type: ignore[arg-type]
                    f"{campaigns_pb2.CampaignState.Name(target)}",  # type: ignore[arg-type]
                    reason="INVALID_CAMPAIGN_STATE",
                    metadata={"state": campaigns_pb2.CampaignState.Name(row.state)},  # type: ignore[arg-type]
                )
            values: dict[str, object] = {"state": target}
            if target == campaigns_pb2.CAMPAIGN_STATE_PUBLISHED:
                values["publish_time"] = self.clock()
                spec = campaigns_pb2.Campaign.FromString(row.spec)
                if spec.HasField("experiment") and not spec.experiment.HasField("start_time"):
                    spec.experiment.start_time.CopyFrom(mapping.ts(self.clock()))
                    values["spec"] = spec.SerializeToString()
            row = await repo.update(campaign_id, **values)
            result = _campaign_to_proto(row)
            await self._stage_campaign_changed(session, row, result, change)
        await self._campaign_changed(row)
        return result

    async def check_targeting(
        self,
        name: str,
        rules: targeting_pb2.TargetingRules | None,
        page: targeting_pb2.PageContext,
        at: datetime | None,
    ) -> campaigns_pb2.CheckCampaignTargetingResponse:
        org_id, site_id, campaign_id = names.parse_child(name, "campaigns")
        require_org_access(org_id, scope=SCOPE_CAMPAIGNS_READ)
        if rules is not None:
            with validate("Invalid targeting") as v:
                for p in targeting.targeting_problems(mapping.targeting_from_proto(rules)):
                    v.add(p.field, p.message)
        _check_page(page, "page")
        row = await self._campaign_row(org_id, site_id, campaign_id, name)
        async with self.db.tenant_session(org_id) as session:
            site = await SiteRepository(session, org_id).get(site_id)
        tz = sites_pb2.Site.FromString(site.spec).settings.time_zone if site else "UTC"
        saved = campaigns_pb2.Campaign.FromString(row.spec).targeting
        outcome = targeting.evaluate(
            mapping.targeting_from_proto(rules if rules is not None else saved),
            mapping.page_from_proto(page),
            at or self.clock(),
            tz,
        )
        return campaigns_pb2.CheckCampaignTargetingResponse(
            matches=outcome.matches,
            results=[
                campaigns_pb2.TargetingCheckResult(
                    check=int(r.check),  # type: ignore[arg-type]
                    passed=r.passed,
                    detail=r.detail,
                    field=r.field,
                )
                for r in outcome.results
            ],
        )

    # ---- templates -----------------------------------------------------------------------------

    async def validate_template(
        self, parent: str, campaign_type: int, content: templates_pb2.TemplateContent
    ) -> tuple[templates.ContentCheck, list[str]]:
        org_id, _ = names.parse_site(parent, "parent")
        require_org_access(org_id)
        with validate("Invalid template request") as v:
            v.check(campaign_type in mapping.CAMPAIGN_TYPE_NAMES, "campaign_type", "is required")
        result = templates.check_content(
            mapping.content_fields(content), mapping.CAMPAIGN_TYPE_NAMES[campaign_type]
        )
        return result, result.variables

    async def create_template(
        self, parent: str, template: templates_pb2.Template, request_id: str
    ) -> templates_pb2.Template:
        org_id, site_id = names.parse_site(parent, "parent")
        require_org_access(org_id, roles=CAMPAIGN_WRITERS, scope=SCOPE_CAMPAIGNS_WRITE)
        with validate("Invalid template", reason="INVALID_TEMPLATE") as v:
            _check_request_id(v, request_id)
            _check_template(v, template, "template")
        spec = _normalized_template(template)
        async with self.db.tenant_session(org_id) as session:
            repo = TemplateRepository(session, org_id)
            if request_id and (existing := await repo.by_request_id(request_id)):
                return _template_to_proto(existing)
            if await SiteRepository(session, org_id).get(site_id) is None:
                raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": parent})
            row = await repo.add(
                site_id=site_id,
                display_name=spec.display_name,
                campaign_type=spec.campaign_type,
                spec=spec.SerializeToString(),
                request_id=request_id or None,
            )
        return _template_to_proto(row)

    async def get_template(self, name: str) -> templates_pb2.Template:
        if name.startswith(BUILTIN_PREFIX):
            builtin = builtin_templates.BY_ID.get(name.removeprefix(BUILTIN_PREFIX))
            if builtin is None:
                raise NotFound(
                    "Template not found", reason="TEMPLATE_NOT_FOUND", metadata={"name": name[:200]}
                )
            return _builtin_to_proto(builtin)
        org_id, site_id, template_id = names.parse_child(name, "templates")
        require_org_access(org_id, scope=SCOPE_CAMPAIGNS_READ)
        async with self.db.tenant_session(org_id) as session:
            row = await TemplateRepository(session, org_id).get(site_id, template_id)
        if row is None:
            raise NotFound("Template not found", reason="TEMPLATE_NOT_FOUND", metadata={"name": name})
        return _template_to_proto(row)

    async def list_templates(
        self, request: templates_pb2.ListTemplatesRequest
    ) -> tuple[list[templates_pb2.Template], str]:
        org_id, site_id = names.parse_site(request.parent, "parent")
        require_org_access(org_id, scope=SCOPE_CAMPAIGNS_READ)
        campaign_type, name_contains = _template_filter(request.filter)
        with validate("Invalid request") as v:
            v.check(
                request.order_by.strip() in ("", "display_name", "update_time desc"),
                "order_by",
                "supported: display_name, update_time desc",
            )
        size, offset = _paging(request.page_size, request.page_token)
        async with self.db.tenant_session(org_id) as session:
            rows = await TemplateRepository(session, org_id).list(
                site_id,
                campaign_type=campaign_type,
                name_contains=name_contains,
                newest_first=request.order_by.strip() == "update_time desc",
                offset=offset,
                limit=size + 1,
            )
        return [_template_to_proto(r) for r in rows[:size]], _next_token(offset, size, len(rows))

    async def update_template(
        self, template: templates_pb2.Template, mask: field_mask_pb2.FieldMask
    ) -> templates_pb2.Template:
        if template.name.startswith(BUILTIN_PREFIX):
            raise FailedPrecondition("Built-in templates are read-only", reason="TEMPLATE_BUILTIN")
        org_id, site_id, template_id = names.parse_child(template.name, "templates", "template.name")
        require_org_access(org_id, roles=CAMPAIGN_WRITERS, scope=SCOPE_CAMPAIGNS_WRITE)
        paths = list(mask.paths)
        with validate("Invalid template update") as v:
            v.check(bool(paths), "update_mask", "is required")
            for path in paths:
                if path == "campaign_type":
                    v.add("update_mask", "campaign_type cannot change after creation")
                elif path != "*" and path.split(".")[0] not in ("display_name", "content", "locale"):
                    v.add("update_mask", f"cannot update '{path[:100]}'")
        async with self.db.tenant_session(org_id) as session:
            repo = TemplateRepository(session, org_id)
            row = await repo.get(site_id, template_id, for_update=True)
            if row is None:
                raise NotFound(
                    "Template not found", reason="TEMPLATE_NOT_FOUND", metadata={"name": template.name}
                )
            _check_etag(template.etag, _etag(row.revision))
            current = templates_pb2.Template.FromString(row.spec)
            merged = templates_pb2.Template()
            merged.CopyFrom(current)
            if "*" in paths:
                merged.CopyFrom(template)
            else:
                field_mask_pb2.FieldMask(paths=paths).MergeMessage(
                    template, merged, replace_message_field=True, replace_repeated_field=True
                )
            merged.campaign_type = current.campaign_type
            with validate("Invalid template", reason="INVALID_TEMPLATE") as v:
                _check_template(v, merged, "template")
            spec = _normalized_template(merged)
            row = await repo.update(
                template_id, display_name=spec.display_name, spec=spec.SerializeToString()
            )
        return _template_to_proto(row)

    async def delete_template(self, name: str, etag: str) -> None:
        if name.startswith(BUILTIN_PREFIX):
            raise FailedPrecondition("Built-in templates cannot be deleted", reason="TEMPLATE_BUILTIN")
        org_id, site_id, template_id = names.parse_child(name, "templates")
        require_org_access(org_id, roles=CAMPAIGN_WRITERS, scope=SCOPE_CAMPAIGNS_WRITE)
        async with self.db.tenant_session(org_id) as session:
            repo = TemplateRepository(session, org_id)
            row = await repo.get(site_id, template_id, for_update=True)
            if row is None:
                raise NotFound("Template not found", reason="TEMPLATE_NOT_FOUND", metadata={"name": name})
            _check_etag(etag, _etag(row.revision))
            await repo.delete(template_id)

    def list_builtin_templates(self, campaign_type: int, locale: str) -> list[templates_pb2.Template]:
        with validate("Invalid request") as v:
            v.check(
                campaign_type == 0 or campaign_type in mapping.CAMPAIGN_TYPE_NAMES,
                "campaign_type",
                "must be one of the CAMPAIGN_TYPE values",
            )
            v.check(
                not locale or (bool(_LOCALE_RE.match(locale)) and len(locale) <= 35),
                "locale",
                "must be a BCP 47 tag such as en-US",
            )
        kind = mapping.CAMPAIGN_TYPE_NAMES.get(campaign_type) if campaign_type else None
        return [_builtin_to_proto(b) for b in builtin_templates.for_type(kind, locale)]

    async def preview_template(
        self, request: templates_pb2.PreviewTemplateRequest
    ) -> tuple[templates_pb2.RenderedNotification, list[templates.Issue]]:
        org_id, site_id = names.parse_site(request.parent, "parent")
        require_org_access(org_id)
        with validate("Invalid template") as v:
            v.check(request.campaign_type in mapping.CAMPAIGN_TYPE_NAMES, "campaign_type", "is required")
        type_name = mapping.CAMPAIGN_TYPE_NAMES[request.campaign_type]
        check = templates.check_content(mapping.content_fields(request.content), type_name)
        _raise_content_errors(check, "content")
        async with self.db.tenant_session(org_id) as session:
            site_row = await SiteRepository(session, org_id).get(site_id)
            if site_row is None:
                raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": request.parent})
            event = activity_pb2.ActivityEvent()
            event.CopyFrom(SAMPLE_ACTIVITY)
            # The sample happened "4 min ago", so relative-time footers show something in the preview.
            event.occurred_at.CopyFrom(mapping.ts(self.clock() - timedelta(minutes=4)))
            if request.HasField("sample_activity"):
                event = request.sample_activity
            elif request.HasField("activity"):
                a_org, a_site, a_id = names.parse_child(request.activity, "activities", "activity")
                row = await ActivityRepository(session, org_id).get(a_site, a_id) if a_org == org_id else None
                if row is None:
                    raise NotFound("Activity not found", reason="ACTIVITY_NOT_FOUND")
                event = self._open_event(row)
            elif request.latest_activity:
                rows = await ActivityRepository(session, org_id).list(
                    site_id, include_retracted=False, include_test=True, limit=1
                )
                if rows:
                    event = self._open_event(rows[0])
        site = self._site_proto(site_row)
        renderer = _Renderer(site, self.clock(), site_key="")
        campaign = campaigns_pb2.Campaign(type=request.campaign_type, content=request.content)  # type: ignore[arg-type]
        anonymity = request.anonymity or site.settings.default_anonymity
        notification = renderer.render(
            campaign,
            "",
            "",
            request.content,
            check,
            event=event if type_name in templates.ACTIVITY_TYPES else None,
            anonymity=anonymity,
            count=request.count or 1204,
            live_count=request.live_count or 31,
        )
        return notification, [i for i in check.issues if not i.error]

    # ---- activities ----------------------------------------------------------------------------

    async def create_activity(
        self, parent: str, activity: activities_pb2.Activity, request_id: str
    ) -> tuple[activities_pb2.Activity, bool]:
        org_id, site_id = names.parse_site(parent, "parent")
        require_org_access(org_id, scope=SCOPE_ACTIVITIES_WRITE, roles=CAMPAIGN_WRITERS)
        event = activity_pb2.ActivityEvent()
        event.CopyFrom(activity.event)
        with validate("Invalid activity") as v:
            v.check(len(request_id) <= 128, "request_id", "at most 128 characters")
            _check_activity_event(v, event, "activity.event")
        event.activity_id = str(uuid.uuid4())
        event.source = activity_pb2.ACTIVITY_SOURCE_PARTNER_API
        event.connection_id = ""
        event.received_at.CopyFrom(mapping.ts(self.clock()))
        row, created = await self._store_activity(org_id, site_id, event, request_id or None, event_id=None)
        if row is None:
            raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": parent})
        if created:
            await self._activity_changed(row, event)
            await self._publish(
                org_id,
                site_id,
                activity_pb2.ActivityRecorded(site_id=site_id, activity=event),
                key=event.source_ref,
            )
        return _activity_to_proto(row, self._open_event(row)), created

    async def get_activity(self, name: str) -> activities_pb2.Activity:
        org_id, site_id, activity_id = names.parse_child(name, "activities")
        require_org_access(org_id, scope=SCOPE_ACTIVITIES_READ)
        async with self.db.tenant_session(org_id) as session:
            row = await ActivityRepository(session, org_id).get(site_id, activity_id)
        if row is None:
            raise NotFound("Activity not found", reason="ACTIVITY_NOT_FOUND", metadata={"name": name})
        return _activity_to_proto(row, self._open_event(row))

    async def list_activities(
        self, request: activities_pb2.ListActivitiesRequest
    ) -> tuple[list[activities_pb2.Activity], str]:
        org_id, site_id = names.parse_site(request.parent, "parent")
        require_org_access(org_id, scope=SCOPE_ACTIVITIES_READ)
        with validate("Invalid request") as v:
            v.check(0 <= request.page_size <= 500, "page_size", "must be within 0..500")
        size, offset = _paging(request.page_size or 50, request.page_token, maximum=500)
        async with self.db.tenant_session(org_id) as session:
            rows = await ActivityRepository(session, org_id).list(
                site_id,
                include_retracted=request.include_retracted,
                include_test=request.include_test,
                kinds=list(request.kinds),
                offset=offset,
                limit=size + 1,
            )
        return [_activity_to_proto(r, self._open_event(r)) for r in rows[:size]], _next_token(
            offset, size, len(rows)
        )

    async def retract_activity(self, name: str, reason: int) -> activities_pb2.Activity:
        org_id, site_id, activity_id = names.parse_child(name, "activities")
        require_org_access(org_id, scope=SCOPE_ACTIVITIES_WRITE, roles=CAMPAIGN_WRITERS)
        async with self.db.tenant_session(org_id) as session:
            row = await ActivityRepository(session, org_id).retract(
                site_id,
                activity_id=activity_id,
                source=0,
                source_ref=None,
                reason=reason or activity_pb2.ACTIVITY_RETRACTION_REASON_MANUAL,
                when=self.clock(),
            )
        if row is None:
            raise NotFound("Activity not found", reason="ACTIVITY_NOT_FOUND", metadata={"name": name})
        await self._activity_retracted(row)
        return _activity_to_proto(row, self._open_event(row))

    async def erase_activities(
        self, parent: str, visitor_id: str, source_refs: Sequence[str], request_id: str
    ) -> int:
        """GDPR erasure: actor, visitor id, review text and attributes are destroyed (not just hidden)
        and the activities retracted with reason ERASURE. A retry with the same request id returns
        the first answer."""
        org_id, site_id = names.parse_site(parent, "parent")
        require_org_access(org_id, roles=SITE_WRITERS, scope=SCOPE_ACTIVITIES_WRITE)
        refs = list(source_refs)
        with validate("Invalid erasure request") as v:
            _check_request_id(v, request_id)
            v.check(bool(visitor_id or refs), "visitor_id", "set visitor_id or source_refs")
            v.check(len(visitor_id) <= 128, "visitor_id", "at most 128 characters")
            v.check(len(refs) <= 1000, "source_refs", "at most 1000 references")
            v.check(all(0 < len(r) <= 256 for r in refs), "source_refs", "each must be 1..256 characters")
        if request_id and (earlier := await self.feed_cache.erasure_result(org_id, request_id)) is not None:
            return earlier
        erased: list[ActivityRow] = []
        async with self.db.tenant_session(org_id) as session:
            if await SiteRepository(session, org_id).get(site_id) is None:
                raise NotFound("Site not found", reason="SITE_NOT_FOUND", metadata={"name": parent})
            repo = ActivityRepository(session, org_id)
            rows = await repo.for_erasure(
                site_id,
                visitor_hash=self.keys.keyed_hash(visitor_id, kind="visitor") if visitor_id else None,
                source_refs=refs,
            )
            for row in rows:
                kept = activity_pb2.ActivityEvent.FromString(row.event)
                kept.ClearField("attributes")
                kept.ClearField("actor")
                kept.ClearField("visitor_id")
                kept.review.text = ""
                await repo.erase(
                    row.id,
                    event=kept.SerializeToString(),
                    reason=activity_pb2.ACTIVITY_RETRACTION_REASON_ERASURE,
                    when=self.clock(),
                )
                erased.append(row)
        if request_id:
            await self.feed_cache.remember_erasure(org_id, request_id, len(erased))
        if erased:
            self.render_memo.forget_activities({r.id for r in erased})
            self.feed_sources.forget(site_id)
            await self.feed_cache.bump(site_id)
            await self._push(
                site_id,
                widget_pb2.StreamLiveUpdatesResponse(
                    retracted=widget_pb2.NotificationsRetracted(activity_ids=[r.id for r in erased])
                ),
            )
        return len(erased)

    async def purge_expired_activities(self) -> int:
        """Retention: deletes activities older than their site's activity_retention_days (default
        90), site by site in tenant sessions and in batches so no transaction grows large."""
        async with self.db.session() as session:
            sites = await all_sites(session)
        deleted = 0
        for org_id, site_id in sites:
            async with self.db.tenant_session(org_id) as session:
                row = await SiteRepository(session, org_id).get(site_id)
            if row is None:
                continue
            days = sites_pb2.Site.FromString(row.spec).settings.activity_retention_days or 90
            before = self.clock() - timedelta(days=days)
            site_deleted = 0
            while True:
                async with self.db.tenant_session(org_id) as session:
                    batch = await ActivityRepository(session, org_id).delete_older_than(site_id, before)
                site_deleted += batch
                if batch < 5000:
                    break
            if site_deleted:
                await self.feed_cache.bump(site_id)
                log.info("retention deleted activities", extra={"site_id": site_id, "count": site_deleted})
            deleted += site_deleted
        return deleted

    async def record_activity_event(
        self, event_id: str, org_id: str, payload: activity_pb2.ActivityRecorded
    ) -> bool:
        """Kafka entry point for ActivityRecorded; idempotent by event id and by (source, source_ref)."""
        event = payload.activity
        if not names.UUID_RE.match(payload.site_id) or not names.UUID_RE.match(event.activity_id):
            raise PermanentError("ActivityRecorded needs UUID site_id and activity_id")
        if not event.HasField("received_at"):
            event.received_at.CopyFrom(mapping.ts(self.clock()))
        live = _LiveInputs()
        row, created = await self._store_activity(
            org_id, payload.site_id, event, None, event_id=event_id, live=live
        )
        if row is not None and created:
            await self._activity_changed(row, event, live)
        return created

    async def retract_activity_event(
        self, event_id: str, org_id: str, payload: activity_pb2.ActivityRetracted
    ) -> bool:
        if not names.UUID_RE.match(payload.site_id):
            raise PermanentError("ActivityRetracted needs a UUID site_id")
        target = payload.WhichOneof("target")
        if target is None or (target == "activity_id" and not names.UUID_RE.match(payload.activity_id)):
            raise PermanentError("ActivityRetracted needs activity_id (UUID) or source + source_ref")
        when = mapping.from_ts(payload.retracted_at) if payload.HasField("retracted_at") else self.clock()
        async with self.db.tenant_session(org_id) as session:
            if not await claim_event(session, event_id):
                return False
            row = await ActivityRepository(session, org_id).retract(
                payload.site_id,
                activity_id=payload.activity_id if target == "activity_id" else None,
                source=payload.source,
                source_ref=payload.source_ref if target == "source_ref" else None,
                reason=payload.reason or activity_pb2.ACTIVITY_RETRACTION_REASON_MANUAL,
                when=when,
            )
        if row is None:
            # A refund for an order we never stored (filtered, or before the connection existed).
            log.info("retraction for unknown activity", extra={"site_id": payload.site_id})
            return False
        await self._activity_retracted(row)
        return True

    async def _store_activity(
        self,
        org_id: str,
        site_id: str,
        event: activity_pb2.ActivityEvent,
        request_id: str | None,
        event_id: str | None,
        live: _LiveInputs | None = None,
    ) -> tuple[ActivityRow | None, bool]:
        """Stores the activity; with `live`, a new (non-test) activity's site and published campaigns are
        read into it in the same transaction, so the live push needs no second one."""
        async with self.db.tenant_session(org_id) as session:
            if event_id is not None and not await claim_event(session, event_id):
                return None, False
            site_row = await SiteRepository(session, org_id).get(site_id)
            if site_row is None:
                return None, False
            row, created = await ActivityRepository(session, org_id).add(
                id=event.activity_id,
                org_id=org_id,
                site_id=site_id,
                kind=event.kind,
                source=event.source,
                source_ref=event.source_ref,
                occurred_at=mapping.from_ts(event.occurred_at)
                if event.HasField("occurred_at")
                else self.clock(),
                test=event.test,
                state=ACTIVE,
                retraction_reason=0,
                **self._sealed_event(org_id, event),
                request_id=request_id,
            )
            if live is not None and created and not event.test:
                live.site = site_row
                live.campaigns = await CampaignRepository(session, org_id).list(
                    site_id, states=[campaigns_pb2.CAMPAIGN_STATE_PUBLISHED], offset=0, limit=200
                )
            return row, created

    def _sealed_event(self, org_id: str, event: activity_pb2.ActivityEvent) -> dict[str, bytes | None]:
        """Columns `event` (without personal fields) and `actor_sealed` (them, encrypted, bound to the
        org and the activity so a ciphertext cannot be moved to another tenant or row)."""
        personal = activity_pb2.ActivityEvent(visitor_id=event.visitor_id)
        if event.HasField("actor"):
            personal.actor.CopyFrom(event.actor)
        if event.review.text:
            personal.review.text = event.review.text
        stored = activity_pb2.ActivityEvent()
        stored.CopyFrom(event)
        stored.ClearField("actor")
        stored.ClearField("visitor_id")
        if stored.HasField("review"):
            stored.review.text = ""
        sealed = None
        if personal.ByteSize():
            sealed = self.keys.encrypt(personal.SerializeToString(), _pii_aad(org_id, event.activity_id))
        visitor_hash = self.keys.keyed_hash(event.visitor_id, kind="visitor") if event.visitor_id else None
        return {"event": stored.SerializeToString(), "actor_sealed": sealed, "visitor_hash": visitor_hash}

    def _open_event(self, row: ActivityRow) -> activity_pb2.ActivityEvent:
        event = activity_pb2.ActivityEvent.FromString(row.event)
        if row.actor_sealed:
            personal = self.keys.decrypt(bytes(row.actor_sealed), _pii_aad(row.org_id, row.id))
            event.MergeFromString(personal)
        return event

    # ---- widget feed ---------------------------------------------------------------------------

    async def widget_feed(
        self, request: widget_pb2.GetWidgetFeedRequest
    ) -> tuple[widget_pb2.WidgetFeed, str]:
        """The feed for a page and the cache-control value to send with it."""
        answer = await self.widget_feed_answer(request)
        return widget_pb2.WidgetFeed.FromString(answer.feed), answer.cache_control

    async def widget_feed_answer(
        self, request: widget_pb2.GetWidgetFeedRequest, *, as_json: bool = False
    ) -> FeedAnswer:
        """The feed for a page as serialized WidgetFeed bytes (`as_json`: its proto3 JSON mapping, what
        the REST route GetWidgetFeedJson sends), with its cache-control and version.

        A page the edge has not cached is composed from the site's FeedSource (what the feed reads from
        Postgres at this feed version, kept in memory) and its campaigns' serialized entries (kept while
        nothing they show can differ): per request only targeting, presence counts and a join of bytes.
        """
        with validate("Invalid site key", reason="INVALID_SITE_KEY") as v:
            v.check(
                bool(SITE_KEY_RE.match(request.site_key)),
                "site_key",
                "must look like sk_pub_ followed by 24 hex digits",
            )
        with validate("Invalid feed version", reason="INVALID_FEED_VERSION") as v:
            # only a cache key (see the proto): the answer is always the current feed
            v.check(
                not request.feed_version or bool(FEED_VERSION_RE.match(request.feed_version)),
                "feed_version",
                "digits and dots only, at most 32 characters (as FeedChanged.feed_version)",
            )
        _check_page(request.page, "page")
        org_id, site_id = await self._site_ids(request.site_key)
        if request.preview:
            # Previews show drafts and test data: only members of the site's organization may ask.
            require_org_access(org_id)
        entitlements = await self.entitlements.for_org(org_id)
        now = self.clock()
        targeting_class = None if request.preview else _targeting_class(request)
        if targeting_class is not None and as_json:
            targeting_class = "json|" + targeting_class  # the JSON form is kept beside the binary one
        version, page_count, site_count, stored = await feed_state(
            self.feed_cache,
            self.presence,
            site_id,
            targeting.normalize_url(request.page.url),
            self.presence_window.total_seconds(),
            targeting_class,
        )
        site_name = names.site_name(org_id, site_id)
        limits = _limits_key(entitlements, site_name)
        kept = _StoredFeed.parse(stored) if stored is not None else None
        if (
            kept is not None
            and (kept.version, kept.limits) == (version, limits)
            and (kept.expire is None or kept.expire > now)
        ):
            # The feed last composed for this targeting class and version (as before: a repeat of a
            # class within FEED_MAX_AGE + stale-while-revalidate is that same feed, from any replica).
            return _answer(kept.feed, kept.feed_version, kept.expire, now, as_json)

        def read() -> Awaitable[FeedSource]:
            return self._read_feed_source(org_id, site_id, request, now, version)

        # A preview's source (drafts, test data) is its own and never kept.
        source = await (read() if request.preview else self.feed_sources.get(site_id, version, now, read))
        feed, expire = await self._compose_feed(
            source, request, now, entitlements, site_name, (page_count, site_count), as_json
        )
        if targeting_class is None:
            return FeedAnswer(feed, "no-store", source.feed_version, as_json)
        stored = _StoredFeed(version, limits, source.feed_version, expire, feed).encode()
        ttl = int(FEED_MAX_AGE.total_seconds() + FEED_STALE_WHILE_REVALIDATE.total_seconds())
        await self.feed_cache.keep_composed(site_id, targeting_class, stored, ttl)
        return _answer(feed, source.feed_version, expire, now, as_json)

    async def _read_feed_source(
        self,
        org_id: str,
        site_id: str,
        request: widget_pb2.GetWidgetFeedRequest,
        now: datetime,
        version: int,
    ) -> FeedSource:
        # One tenant session (one transaction, one SET of the org) for everything a source reads.
        async with self.db.tenant_session(org_id) as session:
            site_row = await SiteRepository(session, org_id).get(site_id)
            if site_row is None:
                await self.feed_cache.forget_key(request.site_key)
                raise NotFound("Unknown site key", reason="SITE_KEY_NOT_FOUND")
            return await self._build_feed_in(session, site_row, request, now, version)

    async def _build_feed_in(
        self,
        session: AsyncSession,
        site_row: SiteRow,
        request: widget_pb2.GetWidgetFeedRequest,
        now: datetime,
        version: int,
    ) -> FeedSource:
        """What every feed of the site at this version reads from Postgres: the site's widget config,
        its published campaigns (plus a preview's drafts), the newest activities and aggregate counts."""
        site = self._site_proto(site_row)
        settings = site.settings
        feed = widget_pb2.WidgetFeed(
            status=widget_pb2.FEED_STATUS_ACTIVE,
            site=widget_pb2.WidgetSiteConfig(
                site_id=site_row.id,
                locale=settings.locale or "en",
                time_zone=settings.time_zone or "UTC",
                theme=settings.theme,
                position=settings.position or sites_pb2.WIDGET_POSITION_BOTTOM_LEFT,
                mobile_position=settings.mobile_position
                or settings.position
                or sites_pb2.WIDGET_POSITION_BOTTOM_LEFT,
                consent_mode=settings.consent_mode or sites_pb2.CONSENT_MODE_REQUIRED_IN_GDPR_COUNTRIES,
                gdpr_country_codes=list(settings.gdpr_country_codes) or EEA_UK_CH,
                holdout_basis_points=settings.holdout_basis_points,
                holdout_id=settings.holdout_id,
                add_utm_to_links=settings.add_utm_to_links,
                utm_source=settings.utm_source or "socialproof",
                live_updates_enabled=True,
            ),
            generate_time=mapping.ts(now),
        )
        feed.cache.max_age.FromTimedelta(FEED_MAX_AGE)
        feed.cache.stale_while_revalidate.FromTimedelta(FEED_STALE_WHILE_REVALIDATE)
        feed.cache.feed_version = f"{site_row.revision}.{version}"
        source = FeedSource(site_row=site_row, site=site, feed=feed, version=version, read_time=now)
        if site_row.state == sites_pb2.SITE_STATE_DISABLED:
            return source
        preview_ids = set(request.preview_campaigns) if request.preview else set()
        campaign_rows = await CampaignRepository(session, site_row.org_id).list(
            site_row.id,
            states=[
                campaigns_pb2.CAMPAIGN_STATE_PUBLISHED,
                campaigns_pb2.CAMPAIGN_STATE_PAUSED,
                campaigns_pb2.CAMPAIGN_STATE_DRAFT,
            ]
            if preview_ids
            else [campaigns_pb2.CAMPAIGN_STATE_PUBLISHED],
            offset=0,
            limit=200,
        )
        campaigns = [
            (r, *self.render_memo.campaign(r))
            for r in campaign_rows
            if r.state == campaigns_pb2.CAMPAIGN_STATE_PUBLISHED or r.id in preview_ids
        ]
        # The order of the feed; a page's feed is the matching ones in this order.
        source.campaigns = sorted(campaigns, key=lambda m: (-m[1].priority, m[1].display_name, m[0].id))
        include_test = settings.show_test_activities or request.preview
        since = now - timedelta(days=settings.activity_retention_days or 90)
        source.retention = now - since
        repo = ActivityRepository(session, site_row.org_id)
        if any(
            s.type in (templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY, templates_pb2.CAMPAIGN_TYPE_REVIEW)
            for _, s, _ in source.campaigns
        ):
            rows = await repo.list(
                site_row.id,
                include_retracted=False,
                include_test=include_test,
                since=since,
                offset=0,
                limit=FEED_ACTIVITY_FIRST_READ,
            )
            source.add_rows(rows, more=len(rows) == FEED_ACTIVITY_FIRST_READ)

        async def read_more_rows(offset: int, limit: int) -> list[ActivityRow]:
            async with self.db.tenant_session(site_row.org_id) as later:
                return await ActivityRepository(later, site_row.org_id).list(
                    site_row.id,
                    include_retracted=False,
                    include_test=include_test,
                    since=since,
                    offset=offset,
                    limit=limit,
                )

        source.read_more_rows = read_more_rows
        for row, spec, _ in source.campaigns:
            if spec.type == templates_pb2.CAMPAIGN_TYPE_AGGREGATE_COUNTER:
                source.counts[row.id] = await self._aggregate_count(repo, site_row.id, spec, now)
        return source

    async def _aggregate_count(
        self, repo: ActivityRepository, site_id: str, spec: campaigns_pb2.Campaign, now: datetime
    ) -> AggregateCount:
        cfg = spec.aggregate_counter
        look_back = cfg.look_back.ToTimedelta() if cfg.HasField("look_back") else timedelta(days=7)
        count, oldest = await repo.count(
            site_id, kinds=list(cfg.activity_filter.kinds), since=now - look_back
        )
        # Exact until its oldest activity leaves the window; a new one bumps the feed version.
        return AggregateCount(count, now, oldest + look_back if oldest is not None else None)

    async def _campaign_count(
        self, source: FeedSource, row: CampaignRow, spec: campaigns_pb2.Campaign, now: datetime
    ) -> int:
        found = source.counts.get(row.id)
        if found is None or not found.holds_at(now):
            async with self.db.tenant_session(row.org_id) as session:
                found = await self._aggregate_count(
                    ActivityRepository(session, row.org_id), row.site_id, spec, now
                )
            source.counts[row.id] = found
        return found.count

    async def _compose_feed(
        self,
        source: FeedSource,
        request: widget_pb2.GetWidgetFeedRequest,
        now: datetime,
        e: FeedEntitlements,
        site_name: str,
        presence: tuple[int, int],
        as_json: bool = False,
    ) -> tuple[bytes, datetime | None]:
        """The serialized WidgetFeed of `source` for this page at `now` with the plan's limits applied
        (after the caches, so a plan change needs no purge), and when it expires (the next schedule
        change of a campaign in it). The bytes are WidgetFeed's fields in field order (status and site,
        the campaigns, then counts, time and cache hints), as SerializeToString would write them;
        `as_json`: the WidgetFeed object in the proto3 JSON mapping, joined the same way."""
        site_row, settings = source.site_row, source.site.settings
        if site_row.state == sites_pb2.SITE_STATE_DISABLED:
            head = source.head(widget_pb2.FEED_STATUS_SITE_DISABLED, e)
            return _join_feed(head, [], _feed_tail(source, now), as_json), None
        page = mapping.page_from_proto(request.page)
        if settings.restrict_to_domains and not _host_allowed(
            page.url, [d.domain for d in source.site.domains]
        ):
            head = source.head(widget_pb2.FEED_STATUS_DOMAIN_NOT_ALLOWED, e)
            return _join_feed(head, [], _feed_tail(source, now), as_json), None
        matching = [
            m for m in source.campaigns if targeting.evaluate(m[2], page, now, settings.time_zone).matches
        ]
        page_count, site_count = presence
        zone = targeting.site_zone(settings.time_zone)
        entries: list[bytes] = []
        expire: datetime | None = None
        for row, spec, rules in matching:
            count = 0
            if spec.type == templates_pb2.CAMPAIGN_TYPE_AGGREGATE_COUNTER:
                count = await self._campaign_count(source, row, spec, now)
            change = targeting.next_schedule_change(rules.schedule, now, zone, timedelta(days=1))
            entry = await self._feed_entry(
                source, row, spec, page.url, now, count, page_count, site_count, e, change, as_json
            )
            if not entry:
                continue  # the campaign shows nothing on this page now
            if change is not None:
                expire = change if expire is None else min(expire, change)
            entries.append(entry)
        status = widget_pb2.FEED_STATUS_ACTIVE
        if not e.serving_allowed or site_name in e.capped_sites:
            status, entries = widget_pb2.FEED_STATUS_QUOTA_EXCEEDED, []
        counts = mapping.live_counts(page_count, site_count, now)
        tail = _feed_tail(source, now, counts, expire)
        return _join_feed(source.head(status, e), entries, tail, as_json), expire

    async def _feed_entry(
        self,
        source: FeedSource,
        row: CampaignRow,
        spec: campaigns_pb2.Campaign,
        page_url: str,
        now: datetime,
        count: int,
        page_count: int,
        site_count: int,
        e: FeedEntitlements,
        valid_until: datetime | None,
        as_json: bool = False,
    ) -> bytes:
        """One campaign of a feed as a serialized `WidgetFeed.campaigns` entry (b"": it shows nothing;
        `as_json`: the FeedCampaign object in the proto3 JSON mapping).

        Kept in the source under everything that can change it — the page only for a
        current-page-product filter, the counts only for campaigns that show them, the plan's
        limits, the schedule's valid_until — and only until the first instant at which a build would
        differ: a relative time's text changes, an activity ages past max_age, or a row of the source
        leaves the retention window."""
        activity_type = spec.type in (
            templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY,
            templates_pb2.CAMPAIGN_TYPE_REVIEW,
        )
        if activity_type:
            filt = (
                spec.recent_activity.activity_filter
                if spec.type == templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY
                else spec.review.activity_filter
            )
            page_key = targeting.normalize_url(page_url) if filt.current_page_product_only else ""
            counts_key: tuple[int, ...] = ()
        else:
            page_key, counts_key = "", (count, page_count, site_count)
        key: EntryKey = (
            row.id,
            row.revision,
            bool(page_url),
            page_key,
            counts_key,
            e.holdout,
            e.ab_tests,
            valid_until,
            as_json,
        )
        found = source.entry(key, now)
        if found is not None:
            return found
        renderer = _Renderer(
            source.site,
            now,
            site_key=source.site_row.site_key,
            memo=self.render_memo,
            site_revision=source.site_row.revision,
            open_event=self._open_event,
            shared=source.render_state,
        )
        more = source.more_rows
        feed_campaign = renderer.feed_campaign(
            row, spec, source.rows, count, page_count, site_count, page_url, more_rows=more
        )
        if renderer.ran_short and more:
            # The same newest-first order, read on: the campaign is built again over all the rows.
            await source.read_more(FEED_ACTIVITY_LIMIT)
            feed_campaign = renderer.feed_campaign(
                row, spec, source.rows, count, page_count, site_count, page_url
            )
        holds_until = _earliest(renderer.valid_until, source.valid_until)
        entry = b""
        if feed_campaign is not None:
            holds_until = _earliest(holds_until, _texts_change(feed_campaign, now))
            _limit_campaign(feed_campaign, e)
            if valid_until is not None:
                feed_campaign.valid_until.CopyFrom(mapping.ts(valid_until))
            if as_json:
                entry = _json_text(_json_dict(feed_campaign))
            else:
                holder = widget_pb2.WidgetFeed()
                holder.campaigns.append(feed_campaign)
                entry = holder.SerializeToString()
        source.put_entry(key, entry, now, holds_until)
        # Yield after a build: under a burst of misses the edge's health checks (same event loop) must
        # not wait for every campaign of every feed (measured: 503 "no_healthy_upstream").
        await asyncio.sleep(0)
        return entry

    # ---- live ----------------------------------------------------------------------------------

    async def record_presence(
        self, request: widget_pb2.RecordPresenceRequest
    ) -> widget_pb2.RecordPresenceResponse:
        with validate("Invalid presence") as v:
            v.check(0 < len(request.visitor_id) <= 128, "visitor_id", "must be 1..128 characters")
            _check_url(v, request.page_url, "page_url")
            v.check(len(request.verification_token) <= 128, "verification_token", "at most 128 characters")
        site_row, site = await self.resolve_site_key(request.site_key)
        if request.verification_token:
            await self._widget_domain_proof(site_row.id, site, request.page_url, request.verification_token)
        page_count, site_count = await self.presence.heartbeat(
            site_row.id,
            targeting.normalize_url(request.page_url),
            request.visitor_id,
            leaving=request.leaving,
            window_seconds=self.presence_window.total_seconds(),
        )
        response = widget_pb2.RecordPresenceResponse(
            live_counts=mapping.live_counts(page_count, site_count, self.clock())
        )
        response.next_heartbeat.FromTimedelta(timedelta(seconds=30))
        return response

    async def _widget_domain_proof(
        self, site_id: str, site: sites_pb2.Site, page_url: str, token: str
    ) -> None:
        """Remembers that the widget read a domain's token on a page of that very domain; only a
        matching token is stored, so a visitor cannot plant proofs for other domains."""
        from urllib.parse import urlsplit

        host = (urlsplit(page_url).hostname or "").lower()
        domain = verification.domain_for_host(host, [d.domain for d in site.domains])
        entry = next((d for d in site.domains if d.domain == domain), None)
        if entry is not None and _same_token(entry.verification_token, token):
            await self.feed_cache.remember_domain_proof(site_id, entry.domain, token, WIDGET_PROOF_TTL)

    async def live_visitors(self, site: str, page_url: str) -> tuple[int, int]:
        org_id, site_id = names.parse_site(site, "site")
        require_org_access(org_id)
        return await self.presence.counts(
            site_id, targeting.normalize_url(page_url), self.presence_window.total_seconds()
        )

    async def stream_live(
        self, request: widget_pb2.StreamLiveUpdatesRequest
    ) -> AsyncIterator[widget_pb2.StreamLiveUpdatesResponse]:
        """Live events for one page; validation errors before the first event are gRPC errors, after
        that they are StreamError events (browsers cannot see trailers), and every stream ends with a
        final event so EventSource does not reconnect blindly."""
        _check_page(request.page, "page")
        site_row, _ = await self.resolve_site_key(request.site_key)
        return self._stream(site_row, request)

    async def _stream(
        self, site_row: SiteRow, request: widget_pb2.StreamLiveUpdatesRequest
    ) -> AsyncIterator[widget_pb2.StreamLiveUpdatesResponse]:
        page_url = targeting.normalize_url(request.page.url)
        window = self.presence_window.total_seconds()
        deadline = asyncio.get_running_loop().time() + self.max_stream_duration.total_seconds()
        sequence = 0

        def event_id() -> str:
            nonlocal sequence
            sequence += 1
            return f"{site_row.id[:8]}-{sequence}"

        try:
            async with self.live.subscribe(site_row.id) as queue:
                version = f"{site_row.revision}.{await self.feed_cache.version(site_row.id)}"
                if request.feed_version and request.feed_version != version:
                    yield widget_pb2.StreamLiveUpdatesResponse(
                        event_id=event_id(), feed_changed=widget_pb2.FeedChanged(feed_version=version)
                    )
                page_count, site_count = await self.presence.counts(site_row.id, page_url, window)
                yield widget_pb2.StreamLiveUpdatesResponse(
                    event_id=event_id(), live_counts=mapping.live_counts(page_count, site_count, self.clock())
                )
                drain = asyncio.ensure_future(self.draining.wait())
                try:
                    while True:
                        remaining = deadline - asyncio.get_running_loop().time()
                        if remaining <= 0:
                            yield _end(
                                event_id(), widget_pb2.STREAM_END_REASON_MAX_DURATION, timedelta(seconds=1)
                            )
                            return
                        getter = asyncio.ensure_future(queue.get())
                        done, _ = await asyncio.wait(
                            {getter, drain},
                            timeout=min(remaining, self.heartbeat_interval.total_seconds()),
                            return_when=asyncio.FIRST_COMPLETED,
                        )
                        if drain in done:
                            getter.cancel()
                            yield _end(
                                event_id(), widget_pb2.STREAM_END_REASON_SERVER_SHUTDOWN, timedelta(seconds=2)
                            )
                            return
                        if getter in done:
                            event = widget_pb2.StreamLiveUpdatesResponse.FromString(getter.result())
                            event.event_id = event_id()
                            yield event
                            if event.HasField("end_of_stream"):
                                return
                            continue
                        getter.cancel()
                        page_count, site_count = await self.presence.counts(site_row.id, page_url, window)
                        yield widget_pb2.StreamLiveUpdatesResponse(
                            event_id=event_id(),
                            live_counts=mapping.live_counts(page_count, site_count, self.clock()),
                        )
                        yield widget_pb2.StreamLiveUpdatesResponse(
                            event_id=event_id(),
                            heartbeat=widget_pb2.StreamHeartbeat(server_time=mapping.ts(self.clock())),
                        )
                finally:
                    drain.cancel()
        except Exception as error:  # after the first event, errors travel as events
            log.exception("live stream failed", extra={"site_id": site_row.id})
            yield widget_pb2.StreamLiveUpdatesResponse(
                event_id=event_id(),
                error=widget_pb2.StreamError(
                    reason="INTERNAL", message="The live stream failed", retryable=True
                ),
            )
            del error

    # ---- change propagation --------------------------------------------------------------------

    async def _site_changed(self, site_id: str) -> None:
        version = await self.feed_cache.bump(site_id)
        await self._push(
            site_id,
            widget_pb2.StreamLiveUpdatesResponse(
                feed_changed=widget_pb2.FeedChanged(feed_version=str(version))
            ),
        )

    async def _campaign_changed(self, row: CampaignRow) -> None:
        await self._site_changed(row.site_id)
        await self._relay_events()

    async def _stage_campaign_changed(
        self, session: AsyncSession, row: CampaignRow, campaign: campaigns_pb2.Campaign, change: int
    ) -> None:
        experiment = campaign.experiment
        await self._stage(
            session,
            row.org_id,
            row.site_id,
            notifications_events_pb2.CampaignChanged(
                org_id=row.org_id,
                site_id=row.site_id,
                campaign_id=row.id,
                campaign_name=campaign.name,
                change_type=change,  # type: ignore[arg-type]
                display_name=campaign.display_name,
                kind=campaign.type,  # type: ignore[arg-type]
                lifecycle=campaign.state,  # type: ignore[arg-type]
                revision=campaign.revision,
                priority=campaign.priority,
                experiment_id=experiment.experiment_id,
                variants=[
                    notifications_events_pb2.CampaignVariantInfo(
                        variant_id=v.variant_id, display_name=v.display_name, weight=v.weight
                    )
                    for v in experiment.variants
                ],
                holdout_basis_points=experiment.holdout_basis_points,
                change_time=mapping.ts(self.clock()),
            ),
        )

    async def _activity_changed(
        self, row: ActivityRow, event: activity_pb2.ActivityEvent, live: _LiveInputs | None = None
    ) -> None:
        await self.feed_cache.bump(row.site_id)
        if event.test:
            return
        if live is not None and live.site is not None:
            site_row: SiteRow | None = live.site
            campaign_rows = live.campaigns
        else:
            async with self.db.tenant_session(row.org_id) as session:
                site_row = await SiteRepository(session, row.org_id).get(row.site_id)
                campaign_rows = await CampaignRepository(session, row.org_id).list(
                    row.site_id, states=[campaigns_pb2.CAMPAIGN_STATE_PUBLISHED], offset=0, limit=200
                )
        if site_row is None:
            return
        # With the feed's memo: the live push renders the new activity once, and the feed rebuilds that
        # the version bump causes reuse it.
        renderer = _Renderer(
            self._site_proto(site_row),
            self.clock(),
            site_key=site_row.site_key,
            memo=self.render_memo,
            site_revision=site_row.revision,
        )
        for campaign_row in campaign_rows:
            spec = campaigns_pb2.Campaign.FromString(campaign_row.spec)
            if spec.type not in (
                templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY,
                templates_pb2.CAMPAIGN_TYPE_REVIEW,
            ):
                continue
            renderer._events[row.id] = event
            built = renderer.feed_campaign(campaign_row, spec, [row], 0, 0, 0, "")
            if built is None:
                continue
            for variant in built.variants:
                for notification in variant.notifications:
                    await self._push(
                        row.site_id,
                        widget_pb2.StreamLiveUpdatesResponse(
                            notification=widget_pb2.NotificationPushed(
                                campaign_id=campaign_row.id, notification=notification
                            )
                        ),
                    )

    async def _activity_retracted(self, row: ActivityRow) -> None:
        await self.feed_cache.bump(row.site_id)
        await self._push(
            row.site_id,
            widget_pb2.StreamLiveUpdatesResponse(
                retracted=widget_pb2.NotificationsRetracted(activity_ids=[row.id])
            ),
        )

    async def _push(self, site_id: str, event: widget_pb2.StreamLiveUpdatesResponse) -> None:
        try:
            await self.live.publish(site_id, event.SerializeToString())
        except Exception:  # live fan-out is best effort; the feed version is the truth
            log.warning("live publish failed", extra={"site_id": site_id})

    async def _stage(self, session: AsyncSession, org_id: str, site_id: str, payload: object) -> None:
        """Writes a `notifications` event to the outbox in the caller's transaction: it is sent if and
        only if the change commits (the relay delivers it at least once; consumers deduplicate)."""
        if self.producer is None:
            return
        envelope = make_envelope(payload, org_id, site_id, producer=OWN_PRODUCER)  # type: ignore[arg-type]
        await add_to_outbox(session, self.events_topic, site_id, envelope.SerializeToString())

    async def _relay_events(self) -> None:
        if self.outbox is not None:
            self.outbox.kick()

    async def _publish(self, org_id: str, site_id: str, payload: object, key: str = "") -> None:
        if self.producer is None:
            return
        topic = "activity" if isinstance(payload, activity_pb2.ActivityRecorded) else "notifications"
        envelope = make_envelope(payload, org_id, site_id, idempotency_key=key, producer=OWN_PRODUCER)  # type: ignore[arg-type]
        try:
            await self.producer.publish(topic, envelope, delivery_timeout=5.0)
        except Exception:  # the change is committed; a lost event is logged
            log.exception(
                "event publish failed", extra={"site_id": site_id, "event_type": envelope.event_type}
            )


@dataclass
class _LiveInputs:
    """What the live push of a new activity reads, filled by the transaction that stored it."""

    site: SiteRow | None = None
    campaigns: list[CampaignRow] = field(default_factory=list)


# ---- rendering -------------------------------------------------------------------------------

SAMPLE_ACTIVITY = activity_pb2.ActivityEvent(
    activity_id="00000000-0000-4000-8000-000000000000",
    kind=activity_pb2.ACTIVITY_KIND_PURCHASE,
    actor=activity_pb2.ActivityActor(first_name="Jana", last_initial="K"),
    product=activity_pb2.ActivityProduct(name="Trail Shoes", url="https://example.com/products/trail-shoes"),
    verified=True,
)


RenderKey = tuple[object, ...]


class RenderMemo:
    """Rendered activity notifications, bounded LRU, shared by every feed build of this process.

    A cache miss is one targeting class of one feed version, yet most of its work is the same for
    every page and survives version bumps: a new activity changes one item per campaign, a new page
    changes none. So a notification is rendered once per (site revision, content, activity,
    anonymity). A relative time ("4 min ago") is re-computed on every reuse; only content that
    transforms it further (e.g. `relative_time | upcase`) is re-rendered once per minute.
    """

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._items: OrderedDict[RenderKey, templates_pb2.RenderedNotification] = OrderedDict()
        self.plans: OrderedDict[RenderKey, list[_ArmPlan]] = OrderedDict()
        self.campaigns: OrderedDict[tuple[str, int], tuple[campaigns_pb2.Campaign, targeting.Targeting]] = (
            OrderedDict()
        )
        self.hits = 0
        self.misses = 0

    def get(self, key: RenderKey) -> templates_pb2.RenderedNotification | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return found

    def put(self, key: RenderKey, notification: templates_pb2.RenderedNotification) -> None:
        self._items[key] = notification
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def put_plans(self, key: RenderKey, plans: list[_ArmPlan]) -> None:
        self.plans[key] = plans
        if len(self.plans) > self.capacity // 10:
            self.plans.popitem(last=False)

    def campaign(self, row: CampaignRow) -> tuple[campaigns_pb2.Campaign, targeting.Targeting]:
        """The parsed spec and targeting rules of a campaign revision (treat both as read-only)."""
        key = (row.id, row.revision)
        found = self.campaigns.get(key)
        if found is None:
            spec = campaigns_pb2.Campaign.FromString(row.spec)
            found = self.campaigns[key] = (spec, mapping.targeting_from_proto(spec.targeting))
            if len(self.campaigns) > self.capacity // 10:
                self.campaigns.popitem(last=False)
        return found

    def forget_activities(self, activity_ids: set[str]) -> None:
        """Drops renders of erased activities now rather than when the LRU gets to them."""
        for key in [k for k in self._items if k[3] in activity_ids]:
            del self._items[key]

    def clear(self) -> None:
        self.campaigns.clear()
        self._items.clear()
        self.plans.clear()


@dataclass(frozen=True)
class _ArmPlan:
    """What a feed build needs of one arm of a campaign revision, computed once."""

    display_rules: campaigns_pb2.DisplayRules
    check: templates.ContentCheck
    content_key: RenderKey
    #: Most activity items this arm carries in a feed (display.feed_items of its effective rules).
    feed_items: int


CLOCK_FREE, CLOCK_REFRESHED, CLOCK_BUCKETED = 0, 1, 2
_SPAN_FIELDS = ("title", "body", "footer")


def _clock_use(check: templates.ContentCheck) -> int:
    """How a render depends on "now": not at all; only through `relative_time` as the last filter of a
    title/body/footer expression (that span's text is exactly the relative time, so a reused render is
    refreshed on copy); or otherwise (reuse is keyed by the minute)."""
    mode = CLOCK_FREE
    for name, parsed in check.parsed.items():
        for node in parsed.nodes:
            if not isinstance(node, templates.Expression):
                continue
            filters = [f.name for f in node.filters]
            if "relative_time" not in filters:
                continue
            if name in _SPAN_FIELDS and filters.index("relative_time") == len(filters) - 1:
                mode = max(mode, CLOCK_REFRESHED)
            else:
                return CLOCK_BUCKETED
    return mode


def _refresh_relative_times(n: templates_pb2.RenderedNotification, now: datetime) -> None:
    changed = False
    fields = (n.title_spans, n.body_spans, n.footer_spans)
    for spans in fields:
        for span in spans:
            if span.HasField("relative_time"):
                text = templates.relative_time(mapping.from_ts(span.relative_time), now)
                if text != span.text:
                    span.text, changed = text, True
    if changed:
        texts = ("".join(s.text for s in spans) for spans in fields)
        n.accessible_text = " ".join(t for t in texts if t)


@dataclass
class _RenderState:
    """Per-activity work every campaign and arm showing an activity shares: the parsed (unsealed)
    event, its template variables and actor names. None of it depends on the instant, so a
    FeedSource keeps it for every build at its version."""

    events: dict[str, activity_pb2.ActivityEvent] = field(default_factory=dict)
    event_values: dict[str, dict[str, templates.Value]] = field(default_factory=dict)
    actor_values: dict[tuple[str, int, str], tuple[dict[str, templates.Value], bool]] = field(
        default_factory=dict
    )


class _Renderer:
    """Renders campaigns into feed entries for one site at one instant."""

    def __init__(
        self,
        site: sites_pb2.Site,
        now: datetime,
        site_key: str,
        *,
        memo: RenderMemo | None = None,
        site_revision: int = 0,
        open_event: Callable[[ActivityRow], activity_pb2.ActivityEvent] | None = None,
        shared: _RenderState | None = None,
    ) -> None:
        self.open_event = open_event or (lambda row: activity_pb2.ActivityEvent.FromString(row.event))
        self.site, self.now, self.site_key = site, now, site_key
        self.locale = site.settings.locale or "en"
        self.gdpr = set(site.settings.gdpr_country_codes) or set(EEA_UK_CH)
        self.memo, self.site_revision = memo, site_revision
        self._minute = int(now.timestamp() // 60)
        # Per build (or per FeedSource): an activity's variables are the same for every campaign and
        # arm showing it.
        state = shared or _RenderState()
        self._event_values = state.event_values
        self._events = state.events
        self._actor_values = state.actor_values
        #: Whether the last feed_campaign looked at every row without filling its list.
        self.ran_short = False
        #: When the last feed_campaign's choice of activities or a minute-keyed render could first
        #: differ (an activity ages past max_age, the minute ends); None: not before the rows change.
        #: Relative-time texts in its spans are bounded by the caller (_texts_change).
        self.valid_until: datetime | None = None

    def _arm_plans(
        self,
        row: CampaignRow,
        spec: campaigns_pb2.Campaign,
        arms: Sequence[tuple[str, int, templates_pb2.TemplateContent, campaigns_pb2.DisplayRules]],
    ) -> list[_ArmPlan]:
        """Merged display rules and parsed templates per arm, once per (campaign, site) revision."""
        key = (row.id, row.revision, self.site_revision)
        plans = self.memo.plans.get(key) if self.memo is not None else None
        if plans is not None:
            return plans
        type_name = mapping.CAMPAIGN_TYPE_NAMES[spec.type]
        campaign_rules = mapping.display_from_proto(spec.display_rules)
        plans = []
        for _, _, content, rules in arms:
            effective = display.effective(
                campaign_rules,
                mapping.display_from_proto(rules),
                site_position=self.site.settings.position,
                site_mobile_position=self.site.settings.mobile_position,
            )
            fields = mapping.content_fields(content)
            check = templates.check_content(fields, type_name)
            content_key: RenderKey = (
                type_name,
                tuple(fields.values()),
                content.image_source,
                content.show_verified_mark,
                _clock_use(check) if check.ok else CLOCK_FREE,
            )
            plans.append(
                _ArmPlan(
                    mapping.display_to_proto(effective), check, content_key, display.feed_items(effective)
                )
            )
        if self.memo is not None:
            self.memo.put_plans(key, plans)
        return plans

    def event(self, row: ActivityRow) -> activity_pb2.ActivityEvent:
        """The row's event, parsed on first use: a build reads up to FEED_ACTIVITY_LIMIT rows, but
        campaigns stop at their max_items, so most rows of a busy site are never looked at."""
        event = self._events.get(row.id)
        if event is None:
            event = self._events[row.id] = self.open_event(row)
        return event

    def _activity_notification(
        self,
        spec: campaigns_pb2.Campaign,
        campaign_id: str,
        variant_id: str,
        content: templates_pb2.TemplateContent,
        check: templates.ContentCheck,
        content_key: RenderKey,
        event: activity_pb2.ActivityEvent,
        anonymity: int,
    ) -> templates_pb2.RenderedNotification:
        if self.memo is None:
            return self.render(
                spec, campaign_id, variant_id, content, check, event=event, anonymity=anonymity
            )
        key: RenderKey = (self.site_key, self.site_revision, content_key, event.activity_id, anonymity)
        clock = content_key[-1]
        if clock == CLOCK_BUCKETED:
            key += (self._minute,)
        rendered = self.memo.get(key)
        if rendered is None:
            rendered = self.render(spec, "", "", content, check, event=event, anonymity=anonymity)
            self.memo.put(key, rendered)
        out = templates_pb2.RenderedNotification()
        out.CopyFrom(rendered)
        out.notification_id = f"{campaign_id}:{variant_id or '-'}:{event.activity_id}"
        out.campaign_id = campaign_id
        out.variant_id = variant_id
        if clock == CLOCK_REFRESHED:
            _refresh_relative_times(out, self.now)
        return out

    def feed_campaign(
        self,
        row: CampaignRow,
        spec: campaigns_pb2.Campaign,
        activity_rows: Sequence[ActivityRow],
        count: int,
        page_count: int,
        site_count: int,
        page_url: str,
        *,
        more_rows: bool = False,
    ) -> widget_pb2.FeedCampaign | None:
        """The campaign's feed entry; None when it shows nothing, or (ran_short set) when its filter ran
        out of rows before its cap while more_rows says the caller can read more: then call again."""
        kind = spec.type
        self.ran_short = False
        self.valid_until = None
        out = widget_pb2.FeedCampaign(
            campaign_id=row.id,
            type=kind,
            priority=spec.priority,
            revision=row.revision,  # type: ignore[arg-type]
        )
        if spec.HasField("experiment"):
            out.experiment_id = spec.experiment.experiment_id
            out.holdout_basis_points = spec.experiment.holdout_basis_points
        arms: list[tuple[str, int, templates_pb2.TemplateContent, campaigns_pb2.DisplayRules]] = []
        variants = spec.experiment.variants if spec.HasField("experiment") else []
        for v in variants:
            arms.append(
                (
                    v.variant_id,
                    v.weight,
                    v.content if v.HasField("content") else spec.content,
                    v.display_rules,
                )
            )
        if not arms:
            arms.append(("", 1, spec.content, campaigns_pb2.DisplayRules()))
        plans = self._arm_plans(row, spec, arms)
        activity_kind = kind in (
            templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY,
            templates_pb2.CAMPAIGN_TYPE_REVIEW,
        )
        if any(p.content_key[-1] == CLOCK_BUCKETED for p in plans) or (
            not activity_kind and any(p.content_key[-1] != CLOCK_FREE for p in plans)
        ):
            # rendered per minute (or, without an activity, at this instant): exact until it ends
            self.valid_until = datetime.fromtimestamp((self._minute + 1) * 60, UTC)
        selected: list[tuple[ActivityRow, activity_pb2.ActivityEvent]] = []
        anonymity = 0
        if kind in (templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY, templates_pb2.CAMPAIGN_TYPE_REVIEW):
            if kind == templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY:
                cfg = spec.recent_activity
                filt, max_items, min_items = cfg.activity_filter, cfg.max_items or 20, cfg.min_items or 1
                max_age = cfg.max_age.ToTimedelta() if cfg.HasField("max_age") else timedelta(days=7)
                anonymity = cfg.anonymity
                min_rating, need_text = 0.0, False
            else:
                rcfg = spec.review
                filt, max_items, min_items = rcfg.activity_filter, rcfg.max_items or 20, 1
                max_age = timedelta(days=self.site.settings.activity_retention_days or 90)
                anonymity = rcfg.anonymity
                min_rating, need_text = rcfg.min_rating, rcfg.require_text
            # What the widget can use, not everything max_items allows (docs/notifications.md, "Feed size");
            # min_items is still judged on the real count.
            max_items = min(max_items, max(p.feed_items for p in plans))
            wanted = max(max_items, min_items)
            aged_out = False
            cutoff = self.now - max_age
            oldest: datetime | None = None  # of the rows looked at and young enough
            for a_row in activity_rows:
                if len(selected) >= wanted:
                    break
                if page_url:
                    if a_row.occurred_at < cutoff:
                        aged_out = True  # rows come newest first: none of the rest is young enough
                        break
                    if oldest is None or a_row.occurred_at < oldest:
                        oldest = a_row.occurred_at
                if a_row.state != ACTIVE:
                    continue
                event = self.event(a_row)
                if kind == templates_pb2.CAMPAIGN_TYPE_REVIEW and (
                    event.kind != activity_pb2.ACTIVITY_KIND_REVIEW
                    or event.review.rating < min_rating
                    or (need_text and not event.review.text.strip())
                ):
                    continue
                if _filter_matches(filt, event, page_url):
                    selected.append((a_row, event))
            if oldest is not None:
                # Later, the oldest row looked at is the first to age out and change the choice.
                self.valid_until = _earliest(self.valid_until, oldest + max_age)
            self.ran_short = len(selected) < wanted and not aged_out
            if len(selected) < min_items or (self.ran_short and more_rows):
                return None
            del selected[max_items:]
        elif kind == templates_pb2.CAMPAIGN_TYPE_AGGREGATE_COUNTER and count < max(
            1, spec.aggregate_counter.min_count
        ):
            return None
        elif kind == templates_pb2.CAMPAIGN_TYPE_LIVE_VISITORS:
            lv = spec.live_visitors
            out.live_count_scope = lv.scope or campaigns_pb2.LIVE_COUNT_SCOPE_PAGE
            out.min_live_count = lv.min_count or 2
        elif kind == templates_pb2.CAMPAIGN_TYPE_ANNOUNCEMENT:
            out.once_per_visitor = spec.announcement.once_per_visitor
        live = page_count if out.live_count_scope != campaigns_pb2.LIVE_COUNT_SCOPE_SITE else site_count
        for (variant_id, weight, content, _), plan in zip(arms, plans, strict=True):
            feed_variant = out.variants.add(variant_id=variant_id, weight=weight)
            feed_variant.display_rules.CopyFrom(plan.display_rules)
            check = plan.check
            if not check.ok:
                continue  # validated on save; never show a half-rendered card
            if selected:
                content_key = plan.content_key
                for _, event in selected[: plan.feed_items]:
                    feed_variant.notifications.append(
                        self._activity_notification(
                            spec, row.id, variant_id, content, check, content_key, event, anonymity
                        )
                    )
            elif kind not in (
                templates_pb2.CAMPAIGN_TYPE_RECENT_ACTIVITY,
                templates_pb2.CAMPAIGN_TYPE_REVIEW,
            ):
                feed_variant.notifications.append(
                    self.render(
                        spec,
                        row.id,
                        variant_id,
                        content,
                        check,
                        count=count,
                        live_count=live,
                        revision=row.revision,
                    )
                )
        return out

    def render(
        self,
        spec: campaigns_pb2.Campaign,
        campaign_id: str,
        variant_id: str,
        content: templates_pb2.TemplateContent,
        check: templates.ContentCheck,
        *,
        event: activity_pb2.ActivityEvent | None = None,
        anonymity: int = 0,
        count: int = 0,
        live_count: int = 0,
        revision: int = 0,
    ) -> templates_pb2.RenderedNotification:
        values: dict[str, templates.Value] = {
            "site.name": self.site.display_name,
            "count": count,
            "live_count": live_count,
        }
        cfg_window = spec.aggregate_counter.look_back if spec.HasField("aggregate_counter") else None
        if cfg_window is not None and cfg_window.ToTimedelta():
            values["window"] = _window_words(cfg_window.ToTimedelta())
        else:
            values["window"] = "7 days"
        anonymous_name = content.anonymous_name or self.site.settings.anonymous_name or DEFAULT_ANONYMOUS_NAME
        anonymous = False
        name_values: dict[str, templates.Value] = {}
        if event is not None:
            event_values = self._event_values.get(event.activity_id) if event.activity_id else None
            if event_values is None:
                event_values = mapping.activity_values(event)
                if event.activity_id:
                    self._event_values[event.activity_id] = event_values
            values.update(event_values)
            level = anonymity or self.site.settings.default_anonymity or sites_pb2.ANONYMITY_LEVEL_ANONYMOUS
            if self.site.settings.anonymize_gdpr_actors and event.location.country_code.upper() in self.gdpr:
                level = sites_pb2.ANONYMITY_LEVEL_ANONYMOUS
            actor_key = (event.activity_id, level, anonymous_name)
            actor = self._actor_values.get(actor_key) if event.activity_id else None
            if actor is None:
                actor = templates.actor_values(
                    event.actor.first_name,
                    event.actor.last_initial,
                    templates.Anonymity(level),
                    anonymous_name,
                )
                if event.activity_id:
                    self._actor_values[actor_key] = actor
            name_values, anonymous = actor
            values.update(name_values)
        ctx = templates.RenderContext(values, self.locale, self.now)
        spans = {f: templates.render(check.parsed[f], ctx) for f in ("title", "body", "footer")}

        link = templates.plain_text(templates.render(check.parsed["link_url"], ctx))
        image = templates.plain_text(templates.render(check.parsed["image_url"], ctx))
        image_source = content.image_source or templates_pb2.IMAGE_SOURCE_UNSPECIFIED
        if event is not None and image_source in (
            templates_pb2.IMAGE_SOURCE_UNSPECIFIED,
            templates_pb2.IMAGE_SOURCE_PRODUCT,
        ):
            image = event.product.image_url or image
            image_source = templates_pb2.IMAGE_SOURCE_PRODUCT
        elif event is not None and image_source == templates_pb2.IMAGE_SOURCE_AVATAR and not anonymous:
            image = event.actor.avatar_url or image
        ident = event.activity_id if event is not None else f"r{revision}"
        notification = templates_pb2.RenderedNotification(
            notification_id=f"{campaign_id}:{variant_id or '-'}:{ident}",
            campaign_id=campaign_id,
            variant_id=variant_id,
            activity_id=event.activity_id if event is not None else "",
            title_spans=mapping.spans_to_proto(spans["title"]),
            body_spans=mapping.spans_to_proto(spans["body"]),
            footer_spans=mapping.spans_to_proto(spans["footer"]),
            accessible_text=" ".join(t for t in (templates.plain_text(s) for s in spans.values()) if t),
            cta_text=templates.plain_text(templates.render(check.parsed["cta_text"], ctx)),
            link_url=link if templates.is_safe_url(link) else "",
            image_url=image if image.lower().startswith("https://") and templates.is_safe_url(image) else "",
            image_source=image_source,  # type: ignore[arg-type]
            fallback_initials=templates.initials(name_values, anonymous or event is None),
            anonymous=anonymous,
        )
        if event is not None:
            if event.HasField("occurred_at"):
                notification.occurred_at.CopyFrom(event.occurred_at)
            notification.verified = event.verified and content.show_verified_mark
            notification.source = event.source
            notification.rating = event.review.rating if event.HasField("review") else 0.0
            if event.visitor_id and self.site_key:
                digest = hashlib.sha256(f"{self.site_key}:{event.visitor_id}".encode()).digest()[:8]
                notification.actor_visitor_hash = digest.hex()
        return notification


EntryKey = tuple[object, ...]
#: Campaign entries a FeedSource keeps (LRU): they vary by page only with a current-page-product filter.
FEED_ENTRIES_PER_SOURCE = 256


@dataclass(frozen=True)
class FeedAnswer:
    """A composed feed: serialized WidgetFeed (`as_json`: its JSON mapping), the cache-control to
    send and the feed version (etag)."""

    feed: bytes
    cache_control: str
    feed_version: str
    as_json: bool = False

    @property
    def response(self) -> bytes:
        """The serialized GetWidgetFeedResponse: its one field (1, length-delimited) is the feed; for
        a JSON feed the serialized GetWidgetFeedJsonResponse, whose body is `{"feed": <the feed>}`."""
        if self.as_json:
            # HttpBody{content_type = 1, data = 2} as field 1, written in one join (the feed is large).
            data_size = len(_FEED_JSON_OPEN) + len(self.feed) + 1
            data_head = b"\x12" + _varint(data_size)
            body_size = len(_JSON_CONTENT_TYPE) + len(data_head) + data_size
            parts = (
                b"\x0a",
                _varint(body_size),
                _JSON_CONTENT_TYPE,
                data_head,
                _FEED_JSON_OPEN,
                self.feed,
                b"}",
            )
            return b"".join(parts)
        return b"\x0a" + _varint(len(self.feed)) + self.feed


#: HttpBody.content_type (field 1) of the JSON feed, serialized, and the opening of its data.
_JSON_CONTENT_TYPE = httpbody_pb2.HttpBody(content_type="application/json").SerializeToString()
_FEED_JSON_OPEN = b'{"feed":'


@dataclass(frozen=True)
class AggregateCount:
    """An aggregate campaign's count, exact from `counted_at` until `until` (None: until a change)."""

    count: int
    counted_at: datetime
    until: datetime | None

    def holds_at(self, now: datetime) -> bool:
        return self.counted_at <= now and (self.until is None or now < self.until)


@dataclass
class _Entry:
    body: bytes
    built_at: datetime
    until: datetime | None


@dataclass
class FeedSource:
    """What a site's feed reads from Postgres at one feed version, and the campaign entries built
    from it. Anything that can change a feed bumps the version (campaign, site, activity stored,
    retracted or erased), so a source is current for its version; what changes with time alone is
    bounded: the source until its oldest row leaves the retention window, an aggregate count until
    its oldest activity leaves the look-back, an entry until a text, an age or a minute it depends on
    would differ. Within those bounds a build from the source is the build from Postgres."""

    site_row: SiteRow
    site: sites_pb2.Site
    #: As the read built it: status ACTIVE, the site's widget config and the cache hints.
    feed: widget_pb2.WidgetFeed
    version: int
    read_time: datetime
    #: Published campaigns (and a preview's) with their parsed spec and rules, in feed order.
    campaigns: list[tuple[CampaignRow, campaigns_pb2.Campaign, targeting.Targeting]] = field(
        default_factory=list
    )
    #: Newest activities first; `more_rows`: more exist and `read_more` reads them.
    rows: list[ActivityRow] = field(default_factory=list)
    more_rows: bool = False
    retention: timedelta | None = None
    valid_until: datetime | None = None
    counts: dict[str, AggregateCount] = field(default_factory=dict)
    read_more_rows: Callable[[int, int], Awaitable[list[ActivityRow]]] | None = None
    render_state: _RenderState = field(default_factory=_RenderState)
    _entries: OrderedDict[EntryKey, _Entry] = field(default_factory=OrderedDict)
    _heads: dict[tuple[int, bool, bool], bytes] = field(default_factory=dict)
    _reading: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def feed_version(self) -> str:
        return self.feed.cache.feed_version

    def holds_at(self, now: datetime) -> bool:
        return self.read_time <= now and (self.valid_until is None or now < self.valid_until)

    def add_rows(self, rows: Sequence[ActivityRow], *, more: bool) -> None:
        known = {r.id for r in self.rows}
        added = [r for r in rows if r.id not in known]  # a row inserted between reads shifts offsets
        self.rows.extend(added)
        self.more_rows = more
        if added and self.retention is not None:
            oldest = min(r.occurred_at for r in added)
            self.valid_until = _earliest(self.valid_until, oldest + self.retention)

    async def read_more(self, limit: int) -> None:
        """Reads the rows after those held, up to `limit` in all (once, whoever asks first)."""
        async with self._reading:
            if self.more_rows and self.read_more_rows is not None:
                self.add_rows(await self.read_more_rows(len(self.rows), limit - len(self.rows)), more=False)

    def entry(self, key: EntryKey, now: datetime) -> bytes | None:
        found = self._entries.get(key)
        if found is None or now < found.built_at or (found.until is not None and now >= found.until):
            return None
        self._entries.move_to_end(key)
        return found.body

    def put_entry(self, key: EntryKey, body: bytes, now: datetime, until: datetime | None) -> None:
        self._entries[key] = _Entry(body, now, until)
        self._entries.move_to_end(key)
        while len(self._entries) > FEED_ENTRIES_PER_SOURCE:
            self._entries.popitem(last=False)

    def head(self, status: int, e: FeedEntitlements) -> bytes:
        """WidgetFeed's fields before the campaigns (status, site) with the plan's limits applied."""
        # A feed over its quota keeps the site's holdout share as it is (nothing is shown anyway).
        zero_holdout = not e.holdout and status != widget_pb2.FEED_STATUS_QUOTA_EXCEEDED
        key = (status, e.show_branding, zero_holdout)
        found = self._heads.get(key)
        if found is None:
            site = widget_pb2.WidgetSiteConfig()
            site.CopyFrom(self.feed.site)
            site.show_branding = e.show_branding
            if zero_holdout:
                site.holdout_basis_points = 0
            head = widget_pb2.WidgetFeed(status=status, site=site)  # type: ignore[arg-type]
            found = self._heads[key] = head.SerializeToString()
        return found


class FeedSources:
    """The current FeedSource of each site, per process (bounded LRU). A source is read once per
    feed version: concurrent misses of a site wait for that one read instead of each querying."""

    def __init__(self, capacity: int = 128) -> None:
        self.capacity = capacity
        self._sources: OrderedDict[str, FeedSource] = OrderedDict()
        self._reading: dict[tuple[str, int], asyncio.Future[FeedSource]] = {}
        #: Sources read (a test and a profile read this).
        self.reads = 0

    async def get(
        self, site_id: str, version: int, now: datetime, read: Callable[[], Awaitable[FeedSource]]
    ) -> FeedSource:
        source = self._sources.get(site_id)
        if source is not None and source.version == version and source.holds_at(now):
            self._sources.move_to_end(site_id)
            return source
        key = (site_id, version)
        pending = self._reading.get(key)
        if pending is None:
            pending = self._reading[key] = asyncio.ensure_future(self._read(key, read))
        # Shielded: a caller that gives up does not cancel the read the others wait for.
        return await asyncio.shield(pending)

    async def _read(self, key: tuple[str, int], read: Callable[[], Awaitable[FeedSource]]) -> FeedSource:
        try:
            source = await read()
        finally:
            del self._reading[key]
        self.reads += 1
        self._sources[key[0]] = source
        self._sources.move_to_end(key[0])
        while len(self._sources) > self.capacity:
            self._sources.popitem(last=False)
        return source

    def forget(self, site_id: str) -> None:
        """Drops a site's source now (an erasure: its rows held the erased actors, unsealed)."""
        self._sources.pop(site_id, None)

    def clear(self) -> None:
        self._sources.clear()


def _window_words(window: timedelta) -> str:
    days = int(window.total_seconds() // 86400)
    if days >= 1:
        return f"{days} day{'s' if days > 1 else ''}"
    hours = max(1, int(window.total_seconds() // 3600))
    return f"{hours} hour{'s' if hours > 1 else ''}"


def _filter_matches(
    f: campaigns_pb2.ActivityFilter, event: activity_pb2.ActivityEvent, page_url: str
) -> bool:
    if f.kinds and event.kind not in f.kinds:
        return False
    if (
        f.custom_kinds
        and event.kind == activity_pb2.ACTIVITY_KIND_CUSTOM
        and event.custom_kind not in f.custom_kinds
    ):
        return False
    if f.sources and event.source not in f.sources:
        return False
    if f.product_refs and event.product.product_ref not in f.product_refs:
        return False
    if f.verified_only and not event.verified:
        return False
    if f.country_codes and event.location.country_code.upper() not in {c.upper() for c in f.country_codes}:
        return False
    if f.current_page_product_only and page_url:
        return targeting.normalize_url(event.product.url) == targeting.normalize_url(page_url)
    return True


# ---- validation helpers ----------------------------------------------------------------------


def _violation(field: str, description: str) -> FieldViolation:
    return FieldViolation(field, description)


def _check_request_id(v: Violations, request_id: str) -> None:
    v.check(len(request_id) <= 128, "request_id", "at most 128 characters")


def _check_url(v: Violations, url: str, field: str) -> None:
    if not v.check(bool(url), field, "is required"):
        return
    if not v.check(len(url) <= MAX_URL_CHARS, field, f"at most {MAX_URL_CHARS} characters"):
        return
    v.check(templates.is_safe_url(url), field, "must be an absolute http(s) URL")


def _check_page(page: targeting_pb2.PageContext, prefix: str) -> None:
    with validate("Invalid page", reason="INVALID_PAGE") as v:
        _check_url(v, page.url, f"{prefix}.url")
        v.check(
            len(page.referrer) <= MAX_URL_CHARS, f"{prefix}.referrer", f"at most {MAX_URL_CHARS} characters"
        )
        for name in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"):
            v.check(len(getattr(page, name)) <= 256, f"{prefix}.{name}", "at most 256 characters")
        v.check(
            len(page.country_code) in (0, 2), f"{prefix}.country_code", "must be an ISO 3166-1 alpha-2 code"
        )


def _check_site(v: Violations, site: sites_pb2.Site, prefix: str) -> None:
    v.check(1 <= len(site.display_name.strip()) <= 100, f"{prefix}.display_name", "must be 1..100 characters")
    v.check(len(site.domains) <= 20, f"{prefix}.domains", "at most 20 domains")
    seen: set[str] = set()
    for i, d in enumerate(site.domains[:20]):
        host = d.domain.lower()
        v.check(
            len(host) <= 253 and bool(_HOST_RE.match(host)),
            f"{prefix}.domains[{i}].domain",
            "must be a host name such as shop.example.com (no scheme, port or path)",
        )
        v.check(host not in seen, f"{prefix}.domains[{i}].domain", "is listed twice")
        seen.add(host)
    s = site.settings
    p = f"{prefix}.settings"
    v.check(
        not s.locale or (bool(_LOCALE_RE.match(s.locale)) and len(s.locale) <= 35),
        f"{p}.locale",
        "must be a BCP 47 tag such as en-US",
    )
    if s.time_zone:
        v.check(
            targeting.site_zone(s.time_zone).key == s.time_zone,
            f"{p}.time_zone",
            "must be an IANA time zone such as Europe/Prague",
        )
    v.check(len(s.anonymous_name) <= 40, f"{p}.anonymous_name", "at most 40 characters")
    for code in s.gdpr_country_codes:
        if not re.fullmatch(r"[A-Z]{2}", code):
            v.add(f"{p}.gdpr_country_codes", f"'{code[:8]}' is not an ISO 3166-1 alpha-2 code")
            break
    v.check(0 <= s.activity_retention_days <= 730, f"{p}.activity_retention_days", "must be within 1..730")
    v.check(0 <= s.holdout_basis_points <= 5000, f"{p}.holdout_basis_points", "must be within 0..5000")
    for name in ("background_color", "text_color", "accent_color"):
        value = getattr(s.theme, name)
        v.check(not value or bool(_COLOR_RE.match(value)), f"{p}.theme.{name}", "must be #rrggbb")
    v.check(0 <= s.theme.corner_radius_px <= 32, f"{p}.theme.corner_radius_px", "must be within 0..32")
    v.check(len(s.utm_source) <= 64, f"{p}.utm_source", "at most 64 characters")


def _raise_content_errors(check: templates.ContentCheck, prefix: str) -> None:
    with validate("Invalid template", reason="INVALID_TEMPLATE") as v:
        _content_violations(v, check, prefix)


def _content_violations(v: Violations, check: templates.ContentCheck, prefix: str) -> None:
    for issue in check.issues:
        if issue.error:
            v.add(f"{prefix}.{issue.field}", issue.describe())


def _check_campaign(v: Violations, c: campaigns_pb2.Campaign) -> None:
    v.check(1 <= len(c.display_name.strip()) <= 100, "campaign.display_name", "must be 1..100 characters")
    v.check(0 <= c.priority <= 100, "campaign.priority", "must be within 0..100")
    type_name = mapping.CAMPAIGN_TYPE_NAMES.get(c.type)
    config = c.WhichOneof("config")
    if type_name is not None and config is not None:
        v.check(
            config == CAMPAIGN_CONFIG_BY_TYPE[c.type],
            f"campaign.{config}",
            f"does not match type {type_name}; use {CAMPAIGN_CONFIG_BY_TYPE[c.type]}",
        )
    if type_name is not None and v.check(c.HasField("content"), "campaign.content", "is required"):
        _content_violations(
            v, templates.check_content(mapping.content_fields(c.content), type_name), "campaign.content"
        )
    for p in targeting.targeting_problems(mapping.targeting_from_proto(c.targeting), "campaign.targeting"):
        v.add(p.field, p.message)
    for f, message in display.problems(mapping.display_from_proto(c.display_rules)):
        v.add(f, message)
    if c.HasField("recent_activity"):
        v.check(
            0 <= c.recent_activity.max_items <= 50,
            "campaign.recent_activity.max_items",
            "must be within 1..50",
        )
    if c.HasField("review"):
        v.check(0 <= c.review.min_rating <= 5, "campaign.review.min_rating", "must be within 0..5")
    if c.HasField("experiment"):
        e = c.experiment
        v.check(
            0 <= e.holdout_basis_points <= 5000,
            "campaign.experiment.holdout_basis_points",
            "must be within 0..5000",
        )
        v.check(
            len(e.variants) == 0 or 2 <= len(e.variants) <= 5,
            "campaign.experiment.variants",
            "need 2..5 variants",
        )
        ids: set[str] = set()
        for i, variant in enumerate(e.variants):
            here = f"campaign.experiment.variants[{i}]"
            v.check(
                bool(_VARIANT_RE.match(variant.variant_id)),
                f"{here}.variant_id",
                "must be 1..16 lower-case letters or digits",
            )
            v.check(variant.variant_id not in ids, f"{here}.variant_id", "is used twice")
            ids.add(variant.variant_id)
            v.check(1 <= variant.weight <= 10000, f"{here}.weight", "must be within 1..10000")
            if variant.HasField("content") and type_name is not None:
                _content_violations(
                    v,
                    templates.check_content(mapping.content_fields(variant.content), type_name),
                    f"{here}.content",
                )
            for f, message in display.problems(
                mapping.display_from_proto(variant.display_rules), f"{here}.display_rules"
            ):
                v.add(f, message)


def _check_activity_event(v: Violations, e: activity_pb2.ActivityEvent, prefix: str) -> None:
    v.check(e.kind != activity_pb2.ACTIVITY_KIND_UNSPECIFIED, f"{prefix}.kind", "is required")
    v.check(e.HasField("occurred_at"), f"{prefix}.occurred_at", "is required")
    v.check(
        e.HasField("product") or e.HasField("actor"),
        f"{prefix}.product",
        "an activity needs a product or an actor",
    )
    for name, value, limit in (
        ("actor.first_name", e.actor.first_name, 100),
        ("actor.last_initial", e.actor.last_initial, 2),
        ("product.name", e.product.name, 300),
        ("source_ref", e.source_ref, 256),
        ("custom_kind", e.custom_kind, 64),
        ("visitor_id", e.visitor_id, 128),
        ("review.text", e.review.text, 5000),
        ("review.title", e.review.title, 300),
    ):
        v.check(len(value) <= limit, f"{prefix}.{name}", f"at most {limit} characters")
    for name, value in (
        ("product.url", e.product.url),
        ("product.image_url", e.product.image_url),
        ("actor.avatar_url", e.actor.avatar_url),
    ):
        if value:
            v.check(
                len(value) <= MAX_URL_CHARS and templates.is_safe_url(value),
                f"{prefix}.{name}",
                "must be an http(s) URL",
            )
    v.check(len(e.attributes) <= 20, f"{prefix}.attributes", "at most 20 attributes")
    for key, value in list(e.attributes.items())[:20]:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key) or len(value) > 500:
            v.add(
                f"{prefix}.attributes",
                f"key '{key[:40]}' must be lower_snake_case (≤ 40) with a value ≤ 500 characters",
            )
            break
    if e.HasField("review"):
        v.check(0 <= e.review.rating <= 5, f"{prefix}.review.rating", "must be within 0..5")
    if e.HasField("amount"):
        v.check(
            bool(re.fullmatch(r"[A-Z]{3}", e.amount.currency_code)),
            f"{prefix}.amount.currency_code",
            "must be an ISO 4217 code",
        )


BUILTIN_PREFIX = "builtinTemplates/"


def _check_template(v: Violations, t: templates_pb2.Template, prefix: str) -> None:
    v.check(1 <= len(t.display_name.strip()) <= 100, f"{prefix}.display_name", "must be 1..100 characters")
    v.check(
        not t.locale or (bool(_LOCALE_RE.match(t.locale)) and len(t.locale) <= 35),
        f"{prefix}.locale",
        "must be a BCP 47 tag such as en-US",
    )
    type_name = mapping.CAMPAIGN_TYPE_NAMES.get(t.campaign_type)
    if not v.check(
        type_name is not None, f"{prefix}.campaign_type", "must be one of the CAMPAIGN_TYPE values"
    ):
        return
    if v.check(t.HasField("content"), f"{prefix}.content", "is required"):
        assert type_name is not None
        _content_violations(
            v, templates.check_content(mapping.content_fields(t.content), type_name), f"{prefix}.content"
        )


def _normalized_template(t: templates_pb2.Template) -> templates_pb2.Template:
    spec = templates_pb2.Template(
        display_name=t.display_name.strip(), campaign_type=t.campaign_type, locale=t.locale or "en"
    )
    spec.content.CopyFrom(t.content)
    return spec


def _template_filter(text: str) -> tuple[int | None, str | None]:
    text = text.strip()
    if not text:
        return None, None
    m = re.fullmatch(r"campaign_type\s*=\s*([A-Z_]+)", text)
    if m:
        name = m.group(1).removeprefix("CAMPAIGN_TYPE_")
        number = next((k for k, v in mapping.CAMPAIGN_TYPE_NAMES.items() if v == name), None)
        if number is not None:
            return number, None
    m = re.fullmatch(r'display_name\s*:\s*"([^"\\]{1,100})"', text)
    if m:
        return None, m.group(1)
    raise InvalidArgument(
        "Unsupported filter",
        violations=[_violation("filter", 'supported: campaign_type = REVIEW, display_name : "text"')],  # type: ignore[list-item]
    )


def _template_to_proto(row: TemplateRow) -> templates_pb2.Template:
    t = templates_pb2.Template.FromString(row.spec)
    t.name = names.child_name(row.org_id, row.site_id, "templates", row.id)
    t.display_name = row.display_name
    t.create_time.CopyFrom(mapping.ts(row.create_time))
    t.update_time.CopyFrom(mapping.ts(row.update_time))
    t.etag = _etag(row.revision)
    return t


def _builtin_to_proto(b: builtin_templates.BuiltinTemplate) -> templates_pb2.Template:
    image = templates_pb2.ImageSource.Value("IMAGE_SOURCE_" + b.image_source) if b.image_source else 0
    return templates_pb2.Template(
        name=BUILTIN_PREFIX + b.id,
        display_name=b.display_name,
        campaign_type=templates_pb2.CampaignType.Value("CAMPAIGN_TYPE_" + b.campaign_type),  # type: ignore[arg-type]
        locale=b.locale,
        builtin=True,
        content=templates_pb2.TemplateContent(
            title=b.title,
            body=b.body,
            footer=b.footer,
            cta_text=b.cta_text,
            link_url=b.link_url,
            image_source=image,  # type: ignore[arg-type]
            show_verified_mark=b.show_verified_mark,
        ),
        etag='W/"builtin"',
    )


def _check_etag(given: str, current: str) -> None:
    if given and given != current:
        raise Aborted("The resource changed since it was read", reason="ETAG_MISMATCH")


def _etag(revision: int) -> str:
    return f'W/"{revision}"'


def _paging(page_size: int, token: str, maximum: int = MAX_PAGE_SIZE) -> tuple[int, int]:
    with validate("Invalid paging") as v:
        v.check(0 <= page_size <= maximum, "page_size", f"must be within 0..{maximum}")
        offset = 0
        if token:
            try:
                offset = int(base64.urlsafe_b64decode(token.encode() + b"==").decode().removeprefix("o:"))
            except (ValueError, UnicodeDecodeError):
                offset = -1
            v.check(0 <= offset <= 1_000_000, "page_token", "is not a token from a previous page")
    return page_size or 50, offset


def _next_token(offset: int, size: int, fetched: int) -> str:
    if fetched <= size:
        return ""
    return base64.urlsafe_b64encode(f"o:{offset + size}".encode()).decode().rstrip("=")


def _state_filter(text: str) -> list[int] | None:
    text = text.strip()
    if not text:
        return [
            campaigns_pb2.CAMPAIGN_STATE_DRAFT,
            campaigns_pb2.CAMPAIGN_STATE_PUBLISHED,
            campaigns_pb2.CAMPAIGN_STATE_PAUSED,
        ]
    m = re.fullmatch(r"state\s*=\s*([A-Z_]+)", text)
    state = None
    if m:
        name = m.group(1) if m.group(1).startswith("CAMPAIGN_STATE_") else "CAMPAIGN_STATE_" + m.group(1)
        state = campaigns_pb2.CampaignState.DESCRIPTOR.values_by_name.get(name)
    if state is None or state.number == 0:
        raise InvalidArgument(
            "Unsupported filter",
            violations=[_violation("filter", "supported: state = DRAFT|PUBLISHED|PAUSED|ARCHIVED")],  # type: ignore[list-item]
        )
    return [state.number]


def _same_token(given: str, expected: str) -> bool:
    # Bytes: compare_digest rejects non-ASCII str, and page/visitor input can be anything.
    return secrets.compare_digest(given.encode(), expected.encode())


def _pii_aad(org_id: str, activity_id: str) -> bytes:
    return associated_data(org_id, "activities.actor_sealed", activity_id)


def _copy_name(original: str) -> str:
    suffix = " (copy)"
    return original[: 100 - len(suffix)].rstrip() + suffix


def _normalized_campaign(c: campaigns_pb2.Campaign) -> campaigns_pb2.Campaign:
    spec = campaigns_pb2.Campaign()
    spec.CopyFrom(c)
    for name in ("name", "state", "revision", "create_time", "update_time", "publish_time", "etag"):
        spec.ClearField(name)  # type: ignore[arg-type]
    if spec.WhichOneof("config") is None:
        getattr(spec, CAMPAIGN_CONFIG_BY_TYPE[spec.type]).SetInParent()
    if not c.HasField("content"):
        spec.content.SetInParent()
    if spec.priority == 0 and not c.priority:
        spec.priority = 50
    return spec


def _targeting_class(request: widget_pb2.GetWidgetFeedRequest) -> str:
    p = request.page
    return "\x1f".join(
        [
            targeting.normalize_url(p.url),
            targeting.normalize_url(p.referrer) if p.referrer else "",
            p.utm_source,
            p.utm_medium,
            p.utm_campaign,
            p.utm_term,
            p.utm_content,
            str(int(p.device_type)),
            p.country_code.upper(),
            str(int(p.visitor_type)),
        ]
    )


def _limits_key(e: FeedEntitlements, site_name: str) -> str:
    """What of the plan a composed feed depends on (a stored feed is used only while it is the same)."""
    capped = site_name in e.capped_sites
    return "".join(
        "1" if f else "0" for f in (e.serving_allowed, capped, e.show_branding, e.holdout, e.ab_tests)
    )


def _answer(
    feed: bytes, feed_version: str, expire: datetime | None, now: datetime, as_json: bool
) -> FeedAnswer:
    # Browsers revalidate every time (max-age=0) and the edge's shared cache keeps an answer for
    # s-maxage: a pause, a publish or a refund reaches every visitor within that second, with no
    # purge, while repeats within it never reach this process.
    shared_max_age = int(FEED_EDGE_MAX_AGE.total_seconds())
    if expire is not None:
        left = int((expire - now).total_seconds())
        shared_max_age = max(0, min(shared_max_age, left))
    return FeedAnswer(feed, f"public, max-age=0, s-maxage={shared_max_age}", feed_version, as_json)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class _StoredFeed:
    """A composed feed as kept in Redis per (site, targeting class): with its version and plan limits."""

    version: int
    limits: str
    feed_version: str
    expire: datetime | None
    feed: bytes

    def encode(self) -> bytes:
        expire = (self.expire - _EPOCH) // _MICROSECOND if self.expire is not None else -1
        return f"{self.version}|{self.limits}|{self.feed_version}|{expire}|".encode() + self.feed

    @classmethod
    def parse(cls, value: bytes) -> _StoredFeed | None:
        try:
            version, limits, feed_version, expire, feed = value.split(b"|", 4)
            micros = int(expire)
            when = _EPOCH + micros * _MICROSECOND if micros >= 0 else None
            return cls(int(version), limits.decode(), feed_version.decode(), when, feed)
        except ValueError:
            return None  # another format (an older replica's): compose anew


def _host_allowed(url: str, domains: Sequence[str]) -> bool:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    for domain in domains:
        if domain.startswith("*.") and (host == domain[2:] or host.endswith(domain[1:])):
            return True
        if host == domain:
            return True
    return False


def _limit_campaign(campaign: widget_pb2.FeedCampaign, e: FeedEntitlements) -> None:
    """The plan's limits on one campaign of a feed (applied to the campaign's kept entry, which is
    keyed by them, so a plan change needs no purge)."""
    if not e.holdout:
        campaign.holdout_basis_points = 0
    if not e.ab_tests and len(campaign.variants) > 1:
        # Without A/B tests in the plan every visitor sees the first arm.
        first = widget_pb2.FeedVariant()
        first.CopyFrom(campaign.variants[0])
        del campaign.variants[:]
        campaign.variants.append(first)
    if not e.ab_tests and not e.holdout:
        campaign.experiment_id = ""


def _feed_tail(
    source: FeedSource,
    now: datetime,
    counts: widget_pb2.LiveCounts | None = None,
    expire: datetime | None = None,
) -> bytes:
    """WidgetFeed's fields after the campaigns: live counts, generate time, cache hints."""
    tail = widget_pb2.WidgetFeed(generate_time=mapping.ts(now), cache=source.feed.cache)
    if counts is not None:
        tail.live_counts.CopyFrom(counts)
    if expire is not None:
        tail.cache.expire_time.CopyFrom(mapping.ts(expire))
    return tail.SerializeToString()


def _json_dict(message: Message) -> dict[str, Any]:
    """`message` in the proto3 JSON mapping as the edge's transcoder prints it: field names as in the
    proto, fields without presence printed."""
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _json_text(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _join_feed(head: bytes, entries: list[bytes], tail: bytes, as_json: bool) -> bytes:
    """A WidgetFeed from its serialized parts: the fields before the campaigns, the campaign entries
    and the fields after them. `as_json`: the entries are FeedCampaign objects in JSON, and the
    object is the head's and tail's fields in JSON with `campaigns` last (JSON keys have no order)."""
    if not as_json:
        return head + b"".join(entries) + tail
    fields = _json_dict(widget_pb2.WidgetFeed.FromString(head + tail))
    fields.pop("campaigns", None)  # printed as [] (no presence): the entries take its place
    text = _json_text(fields)
    parts = [text[:-1], b',"campaigns":[' if fields else b'"campaigns":[']
    for i, entry in enumerate(entries):
        parts += (b",", entry) if i else (entry,)
    parts.append(b"]}")
    return b"".join(parts)  # one copy of the (large) entries


def _texts_change(campaign: widget_pb2.FeedCampaign, now: datetime) -> datetime | None:
    """The first instant after `now` at which a relative time shown in the campaign reads differently."""
    first: datetime | None = None
    for variant in campaign.variants:
        for n in variant.notifications:
            for spans in (n.title_spans, n.body_spans, n.footer_spans):
                for span in spans:
                    if span.HasField("relative_time"):
                        change = templates.relative_time_changes(mapping.from_ts(span.relative_time), now)
                        first = change if first is None or change < first else first
    return first


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    """The earlier of two bounds, None meaning no bound."""
    if a is None:
        return b
    return a if b is None or a <= b else b


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _end(event_id: str, reason: int, reconnect_after: timedelta) -> widget_pb2.StreamLiveUpdatesResponse:
    end = widget_pb2.EndOfStream(reason=reason)  # type: ignore[arg-type]
    end.reconnect_after.FromTimedelta(reconnect_after)
    return widget_pb2.StreamLiveUpdatesResponse(event_id=event_id, end_of_stream=end)


# ---- proto views of rows ---------------------------------------------------------------------


def install_snippet(script_url: str, site_key: str) -> str:
    """The tag a site owner pastes into their pages: async, so it never blocks rendering."""
    src, key = html.escape(script_url, quote=True), html.escape(site_key, quote=True)
    return f'<script async src="{src}" data-site-key="{key}"></script>'


def _site_to_proto(row: SiteRow, widget_script_url: str = DEFAULT_WIDGET_SCRIPT_URL) -> sites_pb2.Site:
    site = sites_pb2.Site.FromString(row.spec)
    site.name = names.site_name(row.org_id, row.id)
    site.display_name = row.display_name
    site.site_key = row.site_key
    site.state = row.state  # type: ignore[assignment]
    site.install_snippet = install_snippet(widget_script_url, row.site_key)
    site.create_time.CopyFrom(mapping.ts(row.create_time))
    site.update_time.CopyFrom(mapping.ts(row.update_time))
    site.etag = _etag(row.revision)
    return site


def _campaign_to_proto(row: CampaignRow) -> campaigns_pb2.Campaign:
    c = campaigns_pb2.Campaign.FromString(row.spec)
    c.name = names.child_name(row.org_id, row.site_id, "campaigns", row.id)
    c.display_name = row.display_name
    c.state = row.state  # type: ignore[assignment]
    c.priority = row.priority
    c.revision = row.revision
    c.create_time.CopyFrom(mapping.ts(row.create_time))
    c.update_time.CopyFrom(mapping.ts(row.update_time))
    if row.publish_time is not None:
        c.publish_time.CopyFrom(mapping.ts(row.publish_time))
    c.etag = _etag(row.revision)
    return c


def _activity_to_proto(row: ActivityRow, event: activity_pb2.ActivityEvent) -> activities_pb2.Activity:
    a = activities_pb2.Activity(
        name=names.child_name(row.org_id, row.site_id, "activities", row.id),
        event=event,
        state=row.state,  # type: ignore[arg-type]
        retraction_reason=row.retraction_reason,  # type: ignore[arg-type]
    )
    if row.retract_time is not None:
        a.retract_time.CopyFrom(mapping.ts(row.retract_time))
    return a
