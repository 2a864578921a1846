"""plan: compare staged articles with the id map and the portal, and save what apply would do.

Actions: create, update (with field diffs), unchanged, skip (with the transform's reason),
conflict (the portal item was edited after loading; never overwritten silently)."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from html import escape

from sqlalchemy import select, update

from portalize.errors import ArchiveOnly
from portalize.ledger.db import transaction
from portalize.ledger.models import IdMap, Plan, PlanEntry, StagedArticle, utcnow
from transform.duplicates import content_fingerprint
from transform.markdown import to_markdown

from .base import fields_hash, item_fields
from .diff import field_diff
from .link_rewrite import UrlMap, rewrite_fields

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
    fields: dict | None = None
    unresolved: list = field(default_factory=list)


def fingerprint(entries) -> str:
    text = "\n".join(f"{e.uid}|{e.action}|{e.expected_hash}|{e.expected_map_hash}" for e in entries)
    return hashlib.sha256(text.encode()).hexdigest()


def build_url_map(session, registry, portal) -> UrlMap:
    """Every legacy page and file of every migrating agency -> its portal address: from the id
    map for what is loaded, predicted by the portal for what a plan will create."""
    url_map = UrlMap()
    for agency in registry.agencies.values():
        for host in agency.hosts:
            url_map.legacy_hosts.add(host)
            url_map.drop_params[host] = tuple(agency.platform.discovery.get("drop_params") or ())
    for row in session.scalars(select(IdMap)):
        url_map.pages[row.source_url] = row.portal_url
    same_content: dict[str, list] = {}
    for staged in session.scalars(select(StagedArticle).where(StagedArticle.status == "ok")):
        agency = registry.agencies.get(staged.agency)
        if agency is None or agency.disposition != "migrate":
            continue
        data = staged.data
        target = url_map.pages.get(data["source_url"]) or portal.item_url(agency.subsite_path, staged.uid, data["title"])
        for url in [data["source_url"], *data.get("aliases", [])]:
            url_map.pages.setdefault(url, target)
        for asset in (data.get("attachments") or []) + (data.get("images") or []):
            if asset.get("sha256"):
                url_map.files[asset["url"]] = portal.asset_url(asset["sha256"], asset["filename"])
        key = content_fingerprint(data["title"], data.get("body_html"))
        same_content.setdefault(key, []).append((data.get("published_at") or "9999", agency.code, staged.uid,
                                                 target, agency.name))
    for copies in same_content.values():
        if len({c[1] for c in copies}) > 1:
            # Re-posted by several units: the first publisher keeps the article; the others
            # point to it (a cross-reference), so the portal never holds two copies.
            owner = min(copies)
            for copy in copies:
                if copy[1] != owner[1]:
                    url_map.copies[copy[2]] = CrossReference(owner[2], owner[3], owner[4])
    return url_map


@dataclass(frozen=True)
class CrossReference:
    uid: str
    url: str
    agency_name: str


def cross_reference_fields(fields: dict, owner: CrossReference) -> dict:
    """The fields of a re-posted article on the portal: its title and summary, and a link to
    the first publisher's item instead of a second copy of the body and files."""
    body = (f'<p>Nội dung này đã được {escape(owner.agency_name)} đăng trên cổng: '
            f'<a href="{escape(owner.url)}">{escape(fields["title"])}</a></p>')
    return {**fields, "body_html": body, "body_markdown": to_markdown(body), "attachments": [], "images": []}


def _entry(staged: StagedArticle, mapped: IdMap | None, portal, url_map: UrlMap) -> PlannedEntry:
    if staged.status != "ok":
        return PlannedEntry(staged.uid, "skip", staged.data.get("source_url", ""), reason=staged.reason,
                            expected_hash=staged.content_hash)
    fields, unresolved = rewrite_fields(item_fields(staged.data), url_map)
    owner = url_map.copies.get(staged.uid)
    if owner:
        fields, unresolved = cross_reference_fields(fields, owner), []
    new_hash = fields_hash(fields)
    base = dict(uid=staged.uid, title=fields["title"], expected_hash=staged.content_hash,
                expected_map_hash=mapped.portal_hash if mapped else None, fields=fields, unresolved=unresolved)
    if mapped is None:
        reason = f"same content as {owner.uid} ({owner.agency_name}): loaded as a cross-reference" if owner else None
        return PlannedEntry(action="create", diff=field_diff(None, fields), reason=reason, **base)
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


def build_entries(session, agency_code: str, portal, url_map: UrlMap) -> list[PlannedEntry]:
    staged = session.scalars(select(StagedArticle).where(StagedArticle.agency == agency_code)).all()
    mapped = {m.uid: m for m in session.scalars(select(IdMap).where(IdMap.agency == agency_code))}
    entries = [_entry(s, mapped.get(s.uid), portal, url_map) for s in staged]
    order = {a: i for i, a in enumerate(ACTIONS)}
    return sorted(entries, key=lambda e: (order[e.action], e.title, e.uid))


def make_plan(agency, registry, portal) -> Plan:
    """Build and save a plan; earlier pending plans of the agency are superseded."""
    agency_code, disposition = agency.code, agency.disposition
    if disposition == "archive-only":
        raise ArchiveOnly(f"Agency {agency_code} is archive-only: its legacy site is crawled and kept, "
                          "never loaded into the portal.",
                          f"change disposition in mappings/agencies/{agency_code}.yml to migrate if it should be")
    with transaction() as session:
        entries = build_entries(session, agency_code, portal, build_url_map(session, registry, portal))
        counts = Counter(e.action for e in entries)
        session.execute(update(Plan).where(Plan.agency == agency_code, Plan.status == "pending")
                        .values(status="superseded"))
        plan = Plan(agency=agency_code, fingerprint=fingerprint(entries), created_at=utcnow(),
                    summary={a: counts.get(a, 0) for a in ACTIONS} | {"portal": portal.name,
                             "unresolved_links": sum(len(e.unresolved) for e in entries)})
        session.add(plan)
        session.flush()
        for position, e in enumerate(entries):
            session.add(PlanEntry(plan_id=plan.id, position=position, uid=e.uid, action=e.action, title=e.title,
                                  reason=e.reason, diff=e.diff, expected_hash=e.expected_hash,
                                  expected_map_hash=e.expected_map_hash, fields=e.fields, unresolved=e.unresolved))
        from portalize.ledger.store import record_event
        record_event(session, agency_code, "planned", plan=plan.id, **plan.summary)
    return plan


def plan_entries(session, plan_id: int) -> list[PlanEntry]:
    return list(session.scalars(select(PlanEntry).where(PlanEntry.plan_id == plan_id).order_by(PlanEntry.position)))


def staged_warnings(session, agency_code: str) -> dict[str, list[str]]:
    """uid -> what the transform asks a person to check (dates, encodings, hidden content...)."""
    rows = session.scalars(select(StagedArticle).where(StagedArticle.agency == agency_code,
                                                       StagedArticle.status == "ok"))
    return {row.uid: row.data.get("warnings") or [] for row in rows if row.data.get("warnings")}
