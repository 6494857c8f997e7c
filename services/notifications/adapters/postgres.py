"""Postgres repositories of sites, site keys, campaigns and activities (schema notifications, RLS)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

metadata = sa.MetaData()
_UUID = postgresql.UUID(as_uuid=False)

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("id", _UUID, primary_key=True, server_default=sa.text("gen_random_uuid()")),
    sa.Column("org_id", _UUID),
    sa.Column("display_name", sa.Text),
    sa.Column("site_key", sa.Text),
    sa.Column("state", sa.SmallInteger),
    sa.Column("spec", sa.LargeBinary),
    sa.Column("revision", sa.BigInteger),
    sa.Column("request_id", sa.Text),
    sa.Column("create_time", sa.DateTime(timezone=True)),
    sa.Column("update_time", sa.DateTime(timezone=True)),
)
site_keys = sa.Table(
    "site_keys",
    metadata,
    sa.Column("site_key", sa.Text, primary_key=True),
    sa.Column("site_id", _UUID),
    sa.Column("org_id", _UUID),
    sa.Column("expire_time", sa.DateTime(timezone=True)),
)
campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", _UUID, primary_key=True, server_default=sa.text("gen_random_uuid()")),
    sa.Column("org_id", _UUID),
    sa.Column("site_id", _UUID),
    sa.Column("display_name", sa.Text),
    sa.Column("type", sa.SmallInteger),
    sa.Column("state", sa.SmallInteger),
    sa.Column("priority", sa.Integer),
    sa.Column("spec", sa.LargeBinary),
    sa.Column("revision", sa.BigInteger),
    sa.Column("request_id", sa.Text),
    sa.Column("publish_time", sa.DateTime(timezone=True)),
    sa.Column("create_time", sa.DateTime(timezone=True)),
    sa.Column("update_time", sa.DateTime(timezone=True)),
)
activities = sa.Table(
    "activities",
    metadata,
    sa.Column("id", _UUID, primary_key=True),
    sa.Column("org_id", _UUID),
    sa.Column("site_id", _UUID),
    sa.Column("kind", sa.SmallInteger),
    sa.Column("source", sa.SmallInteger),
    sa.Column("source_ref", sa.Text),
    sa.Column("occurred_at", sa.DateTime(timezone=True)),
    sa.Column("test", sa.Boolean),
    sa.Column("state", sa.SmallInteger),
    sa.Column("retraction_reason", sa.SmallInteger),
    sa.Column("retract_time", sa.DateTime(timezone=True)),
    sa.Column("event", sa.LargeBinary),
    sa.Column("request_id", sa.Text),
    sa.Column("create_time", sa.DateTime(timezone=True)),
    sa.Column("actor_sealed", sa.LargeBinary),
    sa.Column("visitor_hash", sa.LargeBinary),
)
processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
)

ACTIVE = 1
RETRACTED = 2


@dataclass(frozen=True)
class SiteRow:
    id: str
    org_id: str
    display_name: str
    site_key: str
    state: int
    spec: bytes
    revision: int
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class CampaignRow:
    id: str
    org_id: str
    site_id: str
    display_name: str
    type: int
    state: int
    priority: int
    spec: bytes
    revision: int
    publish_time: datetime | None
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class ActivityRow:
    id: str
    org_id: str
    site_id: str
    kind: int
    source: int
    source_ref: str
    occurred_at: datetime
    test: bool
    state: int
    retraction_reason: int
    retract_time: datetime | None
    event: bytes
    #: The event's personal fields (actor, review text, visitor id), AES-GCM sealed; None if it had none.
    actor_sealed: bytes | None = None


def _site(row: Any) -> SiteRow:
    m = row._mapping
    return SiteRow(**{k: m[k] for k in SiteRow.__dataclass_fields__})


def _campaign(row: Any) -> CampaignRow:
    m = row._mapping
    return CampaignRow(**{k: m[k] for k in CampaignRow.__dataclass_fields__})


def _activity(row: Any) -> ActivityRow:
    m = row._mapping
    return ActivityRow(**{k: m[k] for k in ActivityRow.__dataclass_fields__})


class SiteRepository:
    """Sites of the session's organization (RLS) plus the public site-key index."""

    def __init__(self, session: AsyncSession, org_id: str) -> None:
        # Every query also filters by org: RLS is the second line, not the only one (owners and
        # superusers bypass it).
        self.session, self.org_id = session, org_id

    async def by_request_id(self, org_id: str, request_id: str) -> SiteRow | None:
        q = sa.select(sites).where(sites.c.org_id == org_id, sites.c.request_id == request_id)
        row = (await self.session.execute(q)).first()
        return _site(row) if row else None

    async def add(
        self,
        *,
        org_id: str,
        display_name: str,
        site_key: str,
        state: int,
        spec: bytes,
        request_id: str | None,
    ) -> SiteRow:
        q = (
            insert(sites)
            .values(
                org_id=org_id,
                display_name=display_name,
                site_key=site_key,
                state=state,
                spec=spec,
                request_id=request_id,
            )
            .returning(*sites.c)
        )
        row = _site((await self.session.execute(q)).one())
        await self.session.execute(
            insert(site_keys).values(site_key=site_key, site_id=row.id, org_id=org_id, expire_time=None)
        )
        return row

    async def get(self, site_id: str, *, for_update: bool = False) -> SiteRow | None:
        q = sa.select(sites).where(sites.c.id == site_id, sites.c.org_id == self.org_id)
        if for_update:
            q = q.with_for_update()
        row = (await self.session.execute(q)).first()
        return _site(row) if row else None

    async def list(self, org_id: str, *, offset: int, limit: int) -> list[SiteRow]:
        q = (
            sa.select(sites)
            .where(sites.c.org_id == org_id)
            .order_by(sites.c.display_name, sites.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [_site(r) for r in (await self.session.execute(q)).all()]

    async def update(self, site_id: str, **values: Any) -> SiteRow:
        q = (
            sa.update(sites)
            .where(sites.c.id == site_id, sites.c.org_id == self.org_id)
            .values(**values, revision=sites.c.revision + 1, update_time=sa.func.now())
            .returning(*sites.c)
        )
        return _site((await self.session.execute(q)).one())

    async def delete(self, site_id: str) -> None:
        await self.session.execute(
            sa.delete(sites).where(sites.c.id == site_id, sites.c.org_id == self.org_id)
        )

    async def add_key(self, site_key: str, site_id: str, org_id: str) -> None:
        await self.session.execute(
            insert(site_keys).values(site_key=site_key, site_id=site_id, org_id=org_id)
        )

    async def expire_key(self, site_key: str, when: datetime) -> None:
        await self.session.execute(
            sa.update(site_keys).where(site_keys.c.site_key == site_key).values(expire_time=when)
        )


async def resolve_site_key(session: AsyncSession, site_key: str, now: datetime) -> tuple[str, str] | None:
    """(org_id, site_id) of a live site key; works without a tenant (the key table has no RLS)."""
    q = sa.select(site_keys.c.org_id, site_keys.c.site_id).where(
        site_keys.c.site_key == site_key,
        sa.or_(site_keys.c.expire_time.is_(None), site_keys.c.expire_time > now),
    )
    row = (await session.execute(q)).first()
    return (str(row.org_id), str(row.site_id)) if row else None


class CampaignRepository:
    def __init__(self, session: AsyncSession, org_id: str) -> None:
        # Every query also filters by org: RLS is the second line, not the only one (owners and
        # superusers bypass it).
        self.session, self.org_id = session, org_id

    async def by_request_id(self, org_id: str, request_id: str) -> CampaignRow | None:
        q = sa.select(campaigns).where(campaigns.c.org_id == org_id, campaigns.c.request_id == request_id)
        row = (await self.session.execute(q)).first()
        return _campaign(row) if row else None

    async def add(self, **values: Any) -> CampaignRow:
        q = insert(campaigns).values(**values).returning(*campaigns.c)
        return _campaign((await self.session.execute(q)).one())

    async def get(self, site_id: str, campaign_id: str, *, for_update: bool = False) -> CampaignRow | None:
        q = sa.select(campaigns).where(
            campaigns.c.id == campaign_id, campaigns.c.site_id == site_id, campaigns.c.org_id == self.org_id
        )
        if for_update:
            q = q.with_for_update()
        row = (await self.session.execute(q)).first()
        return _campaign(row) if row else None

    async def list(
        self, site_id: str, *, states: Sequence[int] | None, offset: int, limit: int
    ) -> list[CampaignRow]:
        q = sa.select(campaigns).where(campaigns.c.site_id == site_id, campaigns.c.org_id == self.org_id)
        if states is not None:
            q = q.where(campaigns.c.state.in_(list(states)))
        q = q.order_by(campaigns.c.priority.desc(), campaigns.c.display_name, campaigns.c.id)
        q = q.offset(offset).limit(limit)
        return [_campaign(r) for r in (await self.session.execute(q)).all()]

    async def update(self, campaign_id: str, **values: Any) -> CampaignRow:
        q = (
            sa.update(campaigns)
            .where(campaigns.c.id == campaign_id, campaigns.c.org_id == self.org_id)
            .values(**values, revision=campaigns.c.revision + 1, update_time=sa.func.now())
            .returning(*campaigns.c)
        )
        return _campaign((await self.session.execute(q)).one())

    async def delete(self, campaign_id: str) -> None:
        await self.session.execute(
            sa.delete(campaigns).where(campaigns.c.id == campaign_id, campaigns.c.org_id == self.org_id)
        )


class ActivityRepository:
    def __init__(self, session: AsyncSession, org_id: str) -> None:
        # Every query also filters by org: RLS is the second line, not the only one (owners and
        # superusers bypass it).
        self.session, self.org_id = session, org_id

    async def add(self, **values: Any) -> tuple[ActivityRow, bool]:
        """Inserts unless the same (site, source, source_ref) or (site, request_id) exists; returns the
        stored row and whether this call created it."""
        q = insert(activities).values(**values).on_conflict_do_nothing().returning(*activities.c)
        row = (await self.session.execute(q)).first()
        if row is not None:
            return _activity(row), True
        existing = await self.find_duplicate(
            values["site_id"], values["source"], values["source_ref"], values.get("request_id"), values["id"]
        )
        if existing is None:
            raise RuntimeError("activity insert conflicted but no duplicate was found")
        return existing, False

    async def find_duplicate(
        self, site_id: str, source: int, source_ref: str, request_id: str | None, activity_id: str
    ) -> ActivityRow | None:
        conditions = [activities.c.id == activity_id]
        if source_ref:
            conditions.append(sa.and_(activities.c.source == source, activities.c.source_ref == source_ref))
        if request_id:
            conditions.append(activities.c.request_id == request_id)
        q = (
            sa.select(activities)
            .where(activities.c.site_id == site_id, activities.c.org_id == self.org_id, sa.or_(*conditions))
            .limit(1)
        )
        row = (await self.session.execute(q)).first()
        return _activity(row) if row else None

    async def get(self, site_id: str, activity_id: str) -> ActivityRow | None:
        q = sa.select(activities).where(
            activities.c.site_id == site_id,
            activities.c.id == activity_id,
            activities.c.org_id == self.org_id,
        )
        row = (await self.session.execute(q)).first()
        return _activity(row) if row else None

    async def list(
        self,
        site_id: str,
        *,
        include_retracted: bool,
        include_test: bool,
        kinds: Sequence[int] = (),
        since: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> list[ActivityRow]:
        q = sa.select(activities).where(activities.c.site_id == site_id, activities.c.org_id == self.org_id)
        if not include_retracted:
            q = q.where(activities.c.state == ACTIVE)
        if not include_test:
            q = q.where(activities.c.test.is_(False))
        if kinds:
            q = q.where(activities.c.kind.in_(list(kinds)))
        if since is not None:
            q = q.where(activities.c.occurred_at >= since)
        q = q.order_by(activities.c.occurred_at.desc(), activities.c.id).offset(offset).limit(limit)
        return [_activity(r) for r in (await self.session.execute(q)).all()]

    async def count(
        self, site_id: str, *, kinds: Sequence[int], since: datetime
    ) -> tuple[int, datetime | None]:
        """Active non-test activities since `since`, and the oldest one's time: the count stays exact
        until that one leaves the window (nothing else lowers it; anything added bumps the feed)."""
        q = sa.select(sa.func.count(), sa.func.min(activities.c.occurred_at)).where(
            activities.c.site_id == site_id,
            activities.c.org_id == self.org_id,
            activities.c.state == ACTIVE,
            activities.c.test.is_(False),
            activities.c.occurred_at >= since,
        )
        if kinds:
            q = q.where(activities.c.kind.in_(list(kinds)))
        count, oldest = (await self.session.execute(q)).one()
        return int(count), oldest

    async def for_erasure(
        self, site_id: str, *, visitor_hash: bytes | None, source_refs: Sequence[str]
    ) -> Sequence[ActivityRow]:
        conditions = []
        if visitor_hash is not None:
            conditions.append(activities.c.visitor_hash == visitor_hash)
        if source_refs:
            conditions.append(activities.c.source_ref.in_(list(source_refs)))
        q = (
            sa.select(activities)
            .where(activities.c.site_id == site_id, activities.c.org_id == self.org_id, sa.or_(*conditions))
            .with_for_update()
        )
        return [_activity(r) for r in (await self.session.execute(q)).all()]

    async def erase(self, activity_id: str, *, event: bytes, reason: int, when: datetime) -> None:
        """Drops the personal fields for good and retracts (keeps the row so counts stay explainable)."""
        await self.session.execute(
            sa.update(activities)
            .where(activities.c.id == activity_id, activities.c.org_id == self.org_id)
            .values(
                event=event,
                actor_sealed=None,
                visitor_hash=None,
                state=RETRACTED,
                retraction_reason=reason,
                retract_time=sa.func.coalesce(activities.c.retract_time, when),
            )
        )

    async def delete_older_than(self, site_id: str, before: datetime, batch: int = 5000) -> int:
        """Deletes one batch of activities that occurred before `before`; returns how many."""
        doomed = (
            sa.select(activities.c.id)
            .where(
                activities.c.site_id == site_id,
                activities.c.org_id == self.org_id,
                activities.c.occurred_at < before,
            )
            .limit(batch)
            .scalar_subquery()
        )
        result = await self.session.execute(sa.delete(activities).where(activities.c.id.in_(doomed)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def retract(
        self,
        site_id: str,
        *,
        activity_id: str | None,
        source: int,
        source_ref: str | None,
        reason: int,
        when: datetime,
    ) -> ActivityRow | None:
        """Marks the activity RETRACTED (idempotent); None when no such activity exists."""
        q = sa.update(activities).where(activities.c.site_id == site_id, activities.c.org_id == self.org_id)
        if activity_id:
            q = q.where(activities.c.id == activity_id)
        else:
            q = q.where(activities.c.source == source, activities.c.source_ref == (source_ref or ""))
        q = q.values(
            state=RETRACTED,
            retraction_reason=sa.case(
                (activities.c.state == RETRACTED, activities.c.retraction_reason), else_=reason
            ),
            retract_time=sa.func.coalesce(activities.c.retract_time, when),
        ).returning(*activities.c)
        row = (await self.session.execute(q)).first()
        return _activity(row) if row else None


async def claim_event(session: AsyncSession, event_id: str) -> bool:
    """Records a Kafka event id in the current transaction; False when it was already processed."""
    q = (
        insert(processed_events)
        .values(event_id=event_id)
        .on_conflict_do_nothing()
        .returning(processed_events.c.event_id)
    )
    return (await session.execute(q)).first() is not None


templates = sa.Table(
    "templates",
    metadata,
    sa.Column("id", _UUID, primary_key=True, server_default=sa.text("gen_random_uuid()")),
    sa.Column("org_id", _UUID),
    sa.Column("site_id", _UUID),
    sa.Column("display_name", sa.Text),
    sa.Column("campaign_type", sa.SmallInteger),
    sa.Column("spec", sa.LargeBinary),
    sa.Column("revision", sa.BigInteger),
    sa.Column("request_id", sa.Text),
    sa.Column("create_time", sa.DateTime(timezone=True)),
    sa.Column("update_time", sa.DateTime(timezone=True)),
)


@dataclass(frozen=True)
class TemplateRow:
    id: str
    org_id: str
    site_id: str
    display_name: str
    campaign_type: int
    spec: bytes
    revision: int
    create_time: datetime
    update_time: datetime


def _template(row: Any) -> TemplateRow:
    m = row._mapping
    return TemplateRow(**{k: m[k] for k in TemplateRow.__dataclass_fields__})


class TemplateRepository:
    def __init__(self, session: AsyncSession, org_id: str) -> None:
        # Every query also filters by org: RLS is the second line, not the only one.
        self.session, self.org_id = session, org_id

    async def by_request_id(self, request_id: str) -> TemplateRow | None:
        q = sa.select(templates).where(
            templates.c.org_id == self.org_id, templates.c.request_id == request_id
        )
        row = (await self.session.execute(q)).first()
        return _template(row) if row else None

    async def add(self, **values: Any) -> TemplateRow:
        q = insert(templates).values(org_id=self.org_id, **values).returning(*templates.c)
        return _template((await self.session.execute(q)).one())

    async def get(self, site_id: str, template_id: str, *, for_update: bool = False) -> TemplateRow | None:
        q = sa.select(templates).where(
            templates.c.id == template_id, templates.c.site_id == site_id, templates.c.org_id == self.org_id
        )
        if for_update:
            q = q.with_for_update()
        row = (await self.session.execute(q)).first()
        return _template(row) if row else None

    async def list(
        self,
        site_id: str,
        *,
        campaign_type: int | None,
        name_contains: str | None,
        newest_first: bool,
        offset: int,
        limit: int,
    ) -> list[TemplateRow]:
        q = sa.select(templates).where(templates.c.site_id == site_id, templates.c.org_id == self.org_id)
        if campaign_type is not None:
            q = q.where(templates.c.campaign_type == campaign_type)
        if name_contains:
            escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            q = q.where(templates.c.display_name.ilike(f"%{escaped}%", escape="\\"))
        if newest_first:
            q = q.order_by(templates.c.update_time.desc(), templates.c.id)
        else:
            q = q.order_by(templates.c.display_name, templates.c.id)
        return [_template(r) for r in (await self.session.execute(q.offset(offset).limit(limit))).all()]

    async def update(self, template_id: str, **values: Any) -> TemplateRow:
        q = (
            sa.update(templates)
            .where(templates.c.id == template_id, templates.c.org_id == self.org_id)
            .values(**values, revision=templates.c.revision + 1, update_time=sa.func.now())
            .returning(*templates.c)
        )
        return _template((await self.session.execute(q)).one())

    async def delete(self, template_id: str) -> None:
        await self.session.execute(
            sa.delete(templates).where(templates.c.id == template_id, templates.c.org_id == self.org_id)
        )


async def all_sites(session: AsyncSession) -> list[tuple[str, str]]:
    """(org_id, site_id) of every site, from the key table (no RLS), for cross-tenant jobs."""
    q = sa.select(site_keys.c.org_id, site_keys.c.site_id).distinct()
    return [(str(r.org_id), str(r.site_id)) for r in (await session.execute(q)).all()]


outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("topic", sa.Text),
    sa.Column("message_key", sa.Text),
    sa.Column("envelope", sa.LargeBinary),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("published_at", sa.DateTime(timezone=True)),
)


async def add_to_outbox(session: AsyncSession, topic: str, message_key: str, envelope: bytes) -> None:
    await session.execute(insert(outbox).values(topic=topic, message_key=message_key, envelope=envelope))


async def pending_outbox(session: AsyncSession, limit: int) -> list[tuple[int, str, str, bytes]]:
    """Oldest unpublished events, locked; SKIP LOCKED lets several replicas relay side by side."""
    q = (
        sa.select(outbox.c.id, outbox.c.topic, outbox.c.message_key, outbox.c.envelope)
        .where(outbox.c.published_at.is_(None))
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(r.id, r.topic, r.message_key, bytes(r.envelope)) for r in (await session.execute(q)).all()]


async def mark_published(session: AsyncSession, ids: Sequence[int]) -> None:
    await session.execute(
        sa.update(outbox).where(outbox.c.id.in_(list(ids))).values(published_at=sa.func.now())
    )


async def delete_published_before(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        sa.delete(outbox).where(outbox.c.published_at.is_not(None), outbox.c.published_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
