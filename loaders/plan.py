"""plan: compare staged articles with the id map and the portal, and save what apply would do.

Actions: create, update (with field diffs), unchanged, skip (with the transform's reason),
conflict (the portal item was edited after loading; never overwritten silently)."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select, update

from portalize.errors import ArchiveOnly
from portalize.ledger.db import transaction
from portalize.ledger.models import IdMap, Plan, PlanEntry, StagedArticle, utcnow

from .base import fields_hash, item_fields
from .diff import field_diff

ACTIONS = ("create", "update", "unchanged", "skip", "conflict")


@dataclass
class PlannedEntry:
    uid: str
    action: str
    title: str
    reason: str | None = None
    diff: list = field(default_factory=list)
    expected_hash: str | None = None
    expected_map_hash: str | None = None


def fingerprint(entries) -> str:
    text = "\n".join(f"{e.uid}|{e.action}|{e.expected_hash}|{e.expected_map_hash}" for e in entries)
    return hashlib.sha256(text.encode()).hexdigest()


def _entry(staged: StagedArticle, mapped: IdMap | None, portal) -> PlannedEntry:
    if staged.status != "ok":
        return PlannedEntry(staged.uid, "skip", staged.data.get("source_url", ""), reason=staged.reason)
    fields = item_fields(staged.data)
    new_hash = fields_hash(fields)
    base = dict(uid=staged.uid, title=fields["title"], expected_hash=new_hash,
                expected_map_hash=mapped.portal_hash if mapped else None)
    if mapped is None:
        return PlannedEntry(action="create", diff=field_diff(None, fields), **base)
    current = portal.read_item(mapped.portal_id)
    if current is None:
        return PlannedEntry(action="create", reason="the item loaded earlier is gone from the portal; it will be created again",
                            diff=field_diff(None, fields), **base)
    if fields_hash(current["fields"]) != mapped.portal_hash:
        return PlannedEntry(action="conflict", reason=f"edited on the portal after loading ({current['url']}); not overwritten",
                            diff=field_diff(current["fields"], fields), **base)
    if new_hash == mapped.portal_hash:
        return PlannedEntry(action="unchanged", **base)
    return PlannedEntry(action="update", diff=field_diff(current["fields"], fields), **base)


def build_entries(session, agency_code: str, portal) -> list[PlannedEntry]:
    staged = session.scalars(select(StagedArticle).where(StagedArticle.agency == agency_code)).all()
    mapped = {m.uid: m for m in session.scalars(select(IdMap).where(IdMap.agency == agency_code))}
    entries = [_entry(s, mapped.get(s.uid), portal) for s in staged]
    order = {a: i for i, a in enumerate(ACTIONS)}
    return sorted(entries, key=lambda e: (order[e.action], e.title, e.uid))


def make_plan(agency_code: str, portal, disposition: str = "migrate") -> Plan:
    """Build and save a plan; earlier pending plans of the agency are superseded."""
    if disposition == "archive-only":
        raise ArchiveOnly(f"Agency {agency_code} is archive-only: its legacy site is crawled and kept, "
                          "never loaded into the portal.",
                          f"change disposition in mappings/agencies/{agency_code}.yml to migrate if it should be")
    with transaction() as session:
        entries = build_entries(session, agency_code, portal)
        counts = Counter(e.action for e in entries)
        session.execute(update(Plan).where(Plan.agency == agency_code, Plan.status == "pending")
                        .values(status="superseded"))
        plan = Plan(agency=agency_code, fingerprint=fingerprint(entries), created_at=utcnow(),
                    summary={a: counts.get(a, 0) for a in ACTIONS} | {"portal": portal.name})
        session.add(plan)
        session.flush()
        for position, e in enumerate(entries):
            session.add(PlanEntry(plan_id=plan.id, position=position, uid=e.uid, action=e.action, title=e.title,
                                  reason=e.reason, diff=e.diff, expected_hash=e.expected_hash,
                                  expected_map_hash=e.expected_map_hash))
        from portalize.ledger.store import record_event
        record_event(session, agency_code, "planned", plan=plan.id, **plan.summary)
    return plan


def plan_entries(session, plan_id: int) -> list[PlanEntry]:
    return list(session.scalars(select(PlanEntry).where(PlanEntry.plan_id == plan_id).order_by(PlanEntry.position)))
