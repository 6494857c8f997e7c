"""Use cases of form capture: per-site settings, the widget's config, and submitted forms → activities."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text

from services.integrations.adapters.sites import ResolvedSite, SiteDirectory
from services.integrations.domain import forms
from services.integrations.domain.names import is_uuid
from services.integrations.service import IntegrationsService
from shared.errors import FailedPrecondition, NotFound, Unavailable, validate
from shared.kafka_bus import KafkaBusError
from socialproof.events.v1.integrations_events_pb2 import WebhookEventType
from socialproof.integrations.v1.forms_pb2 import FormCaptureSettings

log = logging.getLogger(__name__)

SETTINGS_PATHS = ("enabled", "require_consent", "rules")


@dataclass(frozen=True)
class Submission:
    site_key: str
    submission_id: str
    rule_id: str
    page_url: str
    fields: Mapping[str, str]
    visitor_id: str
    consent_given: bool
    occurred_at: datetime | None


def settings_name(org_id: str, site_id: str) -> str:
    return f"organizations/{org_id}/sites/{site_id}/formCaptureSettings"


class FormCapture:
    def __init__(self, core: IntegrationsService, sites: SiteDirectory) -> None:
        self.core = core
        self.sites = sites

    async def get_settings(self, org_id: str, site_id: str) -> FormCaptureSettings:
        async with self.core.db.tenant_session(org_id) as session:
            row = (
                await session.execute(
                    text(
                        "SELECT settings, updated_at FROM form_capture_settings "
                        "WHERE site_id = :site AND org_id = :org"
                    ),
                    {"site": site_id, "org": org_id},
                )
            ).one_or_none()
        # Never saved means the default: off (opt-in), no rules.
        settings = FormCaptureSettings.FromString(bytes(row[0])) if row else FormCaptureSettings()
        settings.name = settings_name(org_id, site_id)
        if row:
            settings.update_time.FromDatetime(row[1])
        return settings

    async def update_settings(
        self, org_id: str, site_id: str, changes: FormCaptureSettings, paths: Sequence[str]
    ) -> FormCaptureSettings:
        with validate("Invalid form capture settings") as v:
            v.check(bool(paths), "update_mask", "is required")
            for path in paths:
                v.check(path in SETTINGS_PATHS, "update_mask", f"{path!r} cannot be updated")
        current = await self.get_settings(org_id, site_id)
        merged = FormCaptureSettings(enabled=current.enabled, require_consent=current.require_consent)
        merged.rules.extend(current.rules)
        for path in paths:
            if path == "rules":
                del merged.rules[:]
                merged.rules.extend(changes.rules)
            else:
                setattr(merged, path, getattr(changes, path))
        with validate("Invalid form capture settings") as v:
            forms.validate_settings(merged, v)
        async with self.core.db.tenant_session(org_id) as session:
            await session.execute(
                text(
                    "INSERT INTO form_capture_settings (org_id, site_id, settings, updated_at) "
                    "VALUES (:org, :site, :settings, now()) ON CONFLICT (site_id) DO UPDATE "
                    "SET settings = excluded.settings, updated_at = now()"
                ),
                {"org": org_id, "site": site_id, "settings": merged.SerializeToString()},
            )
        return await self.get_settings(org_id, site_id)

    async def _site(self, site_key: str) -> ResolvedSite:
        with validate("Invalid site key") as v:
            v.check(0 < len(site_key) <= 100, "site_key", "1-100 characters")
        return await self.sites.resolve_site_key(site_key)

    async def widget_config(self, site_key: str) -> FormCaptureSettings:
        """The site's settings as the widget may see them (disabled and empty unless opted in)."""
        site = await self._site(site_key)
        settings = await self.get_settings(site.org_id, site.site_id)
        if not settings.enabled or not site.active:
            return FormCaptureSettings()
        return settings

    async def submit(self, submission: Submission) -> bool:
        """Stores and publishes one submission; True also for a repeat of an accepted one."""
        with validate("Invalid form submission", reason="FORM_SUBMISSION_INVALID") as v:
            v.check(0 < len(submission.site_key) <= 100, "site_key", "1-100 characters")
            v.check(is_uuid(submission.submission_id.lower()), "submission_id", "must be a UUID")
            v.check(0 < len(submission.rule_id) <= 64, "rule_id", "1-64 characters")
            v.check(len(submission.page_url) <= 2048, "page_url", "at most 2048 characters")
            v.check(len(submission.visitor_id) <= 100, "visitor_id", "at most 100 characters")
            v.check(
                len(submission.fields) <= forms.MAX_SUBMITTED_FIELDS,
                "fields",
                f"at most {forms.MAX_SUBMITTED_FIELDS} fields",
            )
            for name, value in submission.fields.items():
                v.check(
                    0 < len(name) <= forms.MAX_FIELD_NAME_CHARS,
                    f'fields["{name[:100]}"]',
                    "field names are 1-100 characters",
                )
                v.check(
                    len(value) <= forms.MAX_FIELD_VALUE_CHARS,
                    f'fields["{name[:100]}"]',
                    f"at most {forms.MAX_FIELD_VALUE_CHARS} characters",
                )
        site = await self.sites.resolve_site_key(submission.site_key)
        if not site.active:
            raise FailedPrecondition("The site is disabled", reason="SITE_DISABLED")
        settings = await self.get_settings(site.org_id, site.site_id)
        if not settings.enabled:
            raise FailedPrecondition(
                "Form capture is not enabled for this site", reason="FORM_CAPTURE_DISABLED"
            )
        if settings.require_consent and not submission.consent_given:
            raise FailedPrecondition(
                "This site captures forms only after the visitor's consent", reason="FORM_CONSENT_REQUIRED"
            )
        rule = next((r for r in settings.rules if r.rule_id == submission.rule_id), None)
        if rule is None:
            raise NotFound("No form rule with this id on the site", reason="FORM_RULE_NOT_FOUND")
        if submission.page_url and not forms.url_matches(rule, submission.page_url):
            with validate("Invalid form submission", reason="FORM_SUBMISSION_INVALID") as v:
                v.add("page_url", "is not a page the rule applies to")
        captured = forms.capture(
            rule,
            submission.fields,
            site_id=site.site_id,
            submission_id=submission.submission_id,
            visitor_id=submission.visitor_id,
            occurred_at=submission.occurred_at,
            received_at=datetime.now(UTC),
        )
        activity = captured.activity
        async with self.core.db.tenant_session(site.org_id) as session:
            inserted = (
                await session.execute(
                    text(
                        "INSERT INTO form_submissions (org_id, site_id, submission_id, activity_id) "
                        "VALUES (:org, :site, :sub, :act) ON CONFLICT DO NOTHING RETURNING activity_id"
                    ),
                    {
                        "org": site.org_id,
                        "site": site.site_id,
                        "sub": submission.submission_id.lower(),
                        "act": activity.activity_id,
                    },
                )
            ).scalar_one_or_none()
            if inserted is None:
                return True
            # Published while the submission row is uncommitted (as for webhooks): a failed publish
            # rolls it back, so the widget's retry of the same submission id goes through.
            try:
                await self.core.publisher.recorded(site.org_id, site.site_id, activity)
            except KafkaBusError:
                log.warning("form activity publish failed", extra={"site": site.site_id})
                raise Unavailable("Activities cannot be published right now", retry_after_seconds=5) from None
            for event_type in (
                WebhookEventType.WEBHOOK_EVENT_TYPE_FORM_SUBMITTED,
                WebhookEventType.WEBHOOK_EVENT_TYPE_ACTIVITY_RECORDED,
            ):
                await self.core._enqueue(session, site.org_id, site.site_id, event_type, activity=activity)
        self.core.outbound_wakeup.set()
        return True
