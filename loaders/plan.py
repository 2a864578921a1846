"""plan: compare staged articles with the id map and the portal, and save what apply would do.

Actions: create, update (with field diffs), unchanged, skip (with the transform's reason),
conflict (the portal item was edited after loading; never overwritten silently)."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from html import escape

from sqlalchemy import func, select, update
from sqlalchemy.orm import defer

from portalize.core import config
from portalize.core.errors import ArchiveOnly, LostLedger
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import IdMap, Plan, PlanEntry, StagedArticle, utcnow
from portalize.transform.duplicates import content_fingerprint
from portalize.transform.markdown import to_markdown

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


def fingerprint(keys) -> str:
    """Of the plan's entries in order, as (uid, action, expected hash, expected id-map hash)."""
    text = "\n".join(f"{uid}|{action}|{expected}|{mapped}" for uid, action, expected, mapped in keys)
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
    for staged in _staged_addresses(session):
        agency = registry.agencies.get(staged.agency)
        if agency is None or agency.disposition != "migrate":
            continue
        target = url_map.pages.get(staged.source_url) or portal.item_url(agency.subsite_path, staged.uid, staged.title)
        for url in [staged.source_url, *(staged.aliases or [])]:
            url_map.pages.setdefault(url, target)
        for asset in (staged.attachments or []) + (staged.images or []):
            if asset.get("sha256"):
                url_map.files[asset["url"]] = portal.asset_url(asset["sha256"], asset["filename"])
        key = staged.fingerprint or _fingerprint_of(session, staged.uid)
        same_content.setdefault(key, []).append((staged.published_at or "9999", agency.code, staged.uid,
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


def _staged_addresses(session):
    """What the url map needs of every staged article, without its body (a province stages
    hundreds of thousands): the JSON fields are read in the database."""
    data = StagedArticle.data
    return session.execute(select(
        StagedArticle.uid, StagedArticle.agency, StagedArticle.fingerprint,
        data["source_url"].as_string().label("source_url"), data["title"].as_string().label("title"),
        data["published_at"].as_string().label("published_at"), data["aliases"].label("aliases"),
        data["attachments"].label("attachments"), data["images"].label("images"),
    ).where(StagedArticle.status == "ok"))


def _fingerprint_of(session, uid: str) -> str:
    """For an article staged before fingerprints were kept."""
    data = session.get(StagedArticle, uid).data
    return content_fingerprint(data["title"], data.get("body_html"))


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


class _PortalView:
    """The portal's items for one chunk of entries, read in two requests when the adapter can
    (`read_items`, `find_items`), else one by one."""

    def __init__(self, portal, mapped: list[IdMap], unmapped: list[str]):
        self.portal = portal
        batch_read, batch_find = getattr(portal, "read_items", None), getattr(portal, "find_items", None)
        self.read = batch_read([m.portal_id for m in mapped]) if batch_read and mapped else None
        self.found = batch_find(unmapped) if batch_find and unmapped else None

    def read_item(self, item_id: str):
        return self.read.get(item_id) if self.read is not None else self.portal.read_item(item_id)

    def find_item(self, key: str):
        return self.found.get(key) if self.found is not None else self.portal.find_item(key)


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
        # The ledger does not know this item. The portal may still hold it (a lost or replaced
        # ledger): never create it twice, never overwrite what is there.
        existing = portal.find_item(staged.uid)
        if existing is not None:
            if fields_hash(existing["fields"]) == new_hash:
                return PlannedEntry(action="unchanged", reason=f"already on the portal ({existing['url']}) but not in "
                                    "this ledger: taken into the ledger's id map when applied", **base)
            return PlannedEntry(action="conflict", reason=f"already on the portal ({existing['url']}) with other "
                                "content, but not in this ledger (was the ledger lost or replaced?); not overwritten",
                                diff=field_diff(existing["fields"], fields), **base)
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


_CHUNK = 200  # staged articles read, and plan entries written then let go, at a time


def _planned(session, agency_code: str, portal, url_map: UrlMap):
    """Each staged article of the agency as a planned entry, a chunk of rows at a time."""
    mapped = {m.uid: m for m in session.scalars(select(IdMap).where(IdMap.agency == agency_code))}
    # List pages (how items were found) and excluded pages (not content) are never planned.
    uids = session.scalars(select(StagedArticle.uid).where(StagedArticle.agency == agency_code,
                                                           StagedArticle.status.not_in(("list", "excluded")))).all()
    for start in range(0, len(uids), _CHUNK):
        chunk = session.scalars(select(StagedArticle).where(StagedArticle.uid.in_(uids[start:start + _CHUNK]))).all()
        view = _PortalView(portal, [mapped[s.uid] for s in chunk if s.uid in mapped and s.status == "ok"],
                           [s.uid for s in chunk if s.uid not in mapped and s.status == "ok"])
        yield from [_entry(staged, mapped.get(staged.uid), view, url_map) for staged in chunk]


def make_plan(agency, registry, portal, adopt: bool = False) -> Plan:
    """Build and save a plan; earlier pending plans of the agency are superseded. Entries are
    written as they are planned and not kept in memory (an agency may have tens of thousands);
    their order (by action, then title) is set at the end."""
    agency_code, disposition = agency.code, agency.disposition
    if disposition == "archive-only":
        raise ArchiveOnly(f"Agency {agency_code} is archive-only: its legacy site is crawled and kept, "
                          "never loaded into the portal.",
                          f"change disposition in mappings/agencies/{agency_code}.yml to migrate if it should be")
    order = {a: i for i, a in enumerate(ACTIONS)}
    with transaction() as session:
        url_map = build_url_map(session, registry, portal)
        session.execute(update(Plan).where(Plan.agency == agency_code, Plan.status == "pending")
                        .values(status="superseded"))
        plan = Plan(agency=agency_code, fingerprint="", created_at=utcnow(), summary={})
        session.add(plan)
        session.flush()
        plan_id, counts, unresolved = plan.id, Counter(), 0
        keys, written = [], []  # keys: (sort key, entry id, fingerprint key)
        # A ledger that knows nothing of this agency's loads, while the portal holds its items,
        # was lost, emptied or replaced: an error, unless adopting them is asked for.
        ledger_knows = session.scalar(select(func.count()).select_from(IdMap).where(IdMap.agency == agency_code)) > 0
        on_portal = 0
        for e in _planned(session, agency_code, portal, url_map):
            if not ledger_knows and e.action in ("unchanged", "conflict"):
                on_portal += 1
                if not adopt:
                    continue
            row = PlanEntry(plan_id=plan_id, position=0, uid=e.uid, action=e.action, title=e.title, reason=e.reason,
                            diff=e.diff, expected_hash=e.expected_hash, expected_map_hash=e.expected_map_hash,
                            fields=e.fields, unresolved=e.unresolved)
            session.add(row)
            written.append(((order[e.action], e.title, e.uid), row, (e.uid, e.action, e.expected_hash,
                                                                      e.expected_map_hash)))
            counts[e.action] += 1
            unresolved += len(e.unresolved)
            if len(written) >= _CHUNK:
                _let_go(session, written, keys)
        _let_go(session, written, keys)
        if on_portal and not adopt:
            raise LostLedger(f"The ledger {config.masked(config.ledger_url())} has no record of loading {agency_code}, "
                             f"but the portal already holds {on_portal} of its items: the ledger was lost, emptied "
                             "or replaced. Nothing was planned.",
                             f"restore the ledger from its backup (PORTALIZE_DB), or run `portalize plan {agency_code} "
                             "--adopt` to take the portal's items into this ledger (the same content is adopted, "
                             "other content is a conflict and never overwritten)")
        keys.sort()
        if keys:
            session.execute(update(PlanEntry), [{"id": entry_id, "position": position}
                                                for position, (_, entry_id, _) in enumerate(keys)])
        plan = session.get(Plan, plan_id)
        plan.fingerprint = fingerprint(key for _, _, key in keys)
        plan.summary = {a: counts.get(a, 0) for a in ACTIONS} | {"portal": portal.name, "unresolved_links": unresolved}
        from portalize.core.ledger.agencies import record_event
        record_event(session, agency_code, "planned", plan=plan.id, **plan.summary)
    return plan


def _let_go(session, written: list, keys: list) -> None:
    """Write the pending entries, keep what ordering needs, and free the rest."""
    session.flush()
    keys.extend((sort_key, row.id, key) for sort_key, row, key in written)
    written.clear()
    session.expunge_all()


def plan_entries(session, plan_id: int) -> list[PlanEntry]:
    """The entries in order, for people to read: without the fields apply writes (the bodies)."""
    return list(session.scalars(select(PlanEntry).options(defer(PlanEntry.fields))
                                .where(PlanEntry.plan_id == plan_id).order_by(PlanEntry.position)))


def staged_warnings(session, agency_code: str) -> dict[str, list[str]]:
    """uid -> what the transform asks a person to check (dates, encodings, hidden content...)."""
    rows = session.execute(select(StagedArticle.uid, StagedArticle.data["warnings"])
                           .where(StagedArticle.agency == agency_code, StagedArticle.status == "ok"))
    return {uid: warnings for uid, warnings in rows if warnings}
