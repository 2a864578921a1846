"""plan: compare staged articles with the id map and the portal, and save what apply would do.

Actions: create, update (with field diffs), unchanged, skip (with the transform's reason),
conflict (the portal item was edited after loading; never overwritten silently, unless forced),
delete (loaded earlier, gone from the source: only with `sync`), and in rollback plans
(loaders/rollback.py) restore and delete."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from html import escape

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import defer

from portalize.core import config
from portalize.core.errors import ArchiveOnly, LostLedger
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import IdMap, Plan, PlanEntry, StagedArticle, utcnow
from portalize.transform.duplicates import content_fingerprint
from portalize.transform.markdown import to_markdown

from .base import ASSET_REF, ITEM_REF, Remote, fields_hash, item_fields
from .diff import field_diff
from .link_rewrite import UrlMap, rewrite_fields
from .references import references, resolve, slug_for, waiting_links
from .render import document_rows

ACTIONS = ("create", "update", "restore", "delete", "unchanged", "skip", "conflict")
WRITES = ("create", "update", "restore")


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


def build_url_map(session, registry) -> UrlMap:
    """Every legacy page and file of every migrating agency -> its reference ({{item:UID}},
    {{asset:SHA256}}), resolved to portal addresses by apply once the targets exist."""
    url_map = UrlMap()
    for agency in registry.agencies.values():
        for host in agency.hosts:
            url_map.legacy_hosts.add(host)
            url_map.drop_params[host] = tuple(agency.platform.discovery.get("drop_params") or ())
    same_content: dict[str, list] = {}
    for staged in _staged_addresses(session):
        agency = registry.agencies.get(staged.agency)
        if agency is None or agency.disposition != "migrate":
            continue
        target = ITEM_REF % staged.uid
        for url in [staged.source_url, *(staged.aliases or [])]:
            url_map.pages.setdefault(url, target)
        for asset in (staged.attachments or []) + (staged.images or []):
            if asset.get("sha256"):
                url_map.files[asset["url"]] = ASSET_REF % asset["sha256"]
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
    """What the portal and the ledger hold for one chunk of entries, read in a few requests:
    the loaded items' revisions, the unknown keys looked up, the fields last written."""

    def __init__(self, session, portal, subsite, chunk: list[StagedArticle], mapped: dict[str, IdMap]):
        ok = [s for s in chunk if s.status == "ok"] if subsite is not None else []
        known = [mapped[s.uid] for s in ok if s.uid in mapped]
        unknown = {s.uid: slug_for(s.uid, s.data.get("title") or "") for s in ok if s.uid not in mapped}
        self.read = portal.read_items(subsite, [m.portal_id for m in known]) if known else {}
        self.found = portal.find_items(subsite, unknown) if unknown else {}
        wanted = [(m.plan_id, m.uid) for m in known if m.plan_id]
        self.written: dict[str, dict] = {}
        if wanted:
            rows = session.execute(select(PlanEntry.uid, PlanEntry.fields).where(
                PlanEntry.plan_id.in_({p for p, _ in wanted}), PlanEntry.uid.in_([u for _, u in wanted]),
                PlanEntry.action.in_(("create", "update"))))
            for uid, fields in rows:
                self.written[uid] = fields
        self.session = session

    def loaded(self, uids) -> set[str]:
        """Which of these items (of any agency) are on the portal now."""
        return set(self.session.scalars(select(IdMap.uid).where(IdMap.uid.in_(list(uids))))) if uids else set()


def _edited(current: Remote, mapped: IdMap) -> bool:
    """Edited on the portal since we wrote it: its revision marker moved (or, for items loaded
    before markers were kept, the portal no longer vouches for what we wrote)."""
    if mapped.portal_revision:
        return current.revision != mapped.portal_revision
    return current.digest is None or current.digest != mapped.portal_hash


def _entry(staged: StagedArticle, mapped: IdMap | None, view: _PortalView, url_map_of,
           force: frozenset = frozenset()) -> PlannedEntry:
    entry = _decide(staged, mapped, view, url_map_of)
    if entry.action == "conflict" and staged.uid in force:
        entry.action = "update"
        entry.reason = f"forced over the portal's version (--force): {entry.reason}"
    return entry


def _decide(staged: StagedArticle, mapped: IdMap | None, view: _PortalView, url_map_of) -> PlannedEntry:
    if staged.status != "ok":
        return PlannedEntry(staged.uid, "skip", staged.data.get("source_url", ""), reason=staged.reason,
                            expected_hash=staged.content_hash)
    url_map = url_map_of()
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
        existing = view.found.get(staged.uid)
        if existing is not None:
            if existing.digest == new_hash:
                return PlannedEntry(action="unchanged", reason=f"already on the portal ({existing.url}) but not in "
                                    "this ledger: taken into the ledger's id map when applied", **base)
            return PlannedEntry(action="conflict", reason=f"already on the portal ({existing.url}) with other "
                                "content, but not in this ledger (was the ledger lost or replaced?); not overwritten",
                                diff=field_diff(None, fields), **base)
        reason = f"same content as {owner.uid} ({owner.agency_name}): loaded as a cross-reference" if owner else None
        return PlannedEntry(action="create", diff=field_diff(None, fields), reason=reason, **base)
    current = view.read.get(mapped.portal_id)
    if current is None:
        return PlannedEntry(action="create", reason="the item loaded earlier is gone from the portal; it will be created again",
                            diff=field_diff(None, fields), **base)
    before = view.written.get(staged.uid)
    if _edited(current, mapped):
        return PlannedEntry(action="conflict", reason=f"edited on the portal after loading ({current.url}: revision "
                            f"{mapped.portal_revision or '?'} then, {current.revision} now); not overwritten",
                            diff=field_diff(before, fields), **base)
    if new_hash == mapped.portal_hash:
        return PlannedEntry(action="unchanged", **base)
    reason = None
    waiting = waiting_links(mapped.portal_hash, new_hash)
    if waiting is not None:
        # Written with links to items that were not on the portal yet: rewritten once one is.
        targets = references(fields)[0]
        still = len(targets - view.loaded(targets))
        if still >= waiting:
            return PlannedEntry(action="unchanged", reason=f"links to {still} item(s) not loaded yet; they are "
                                "resolved by the first plan after those are loaded", **base)
        reason = f"{waiting - still} link(s) to items that are on the portal now are resolved"
    return PlannedEntry(action="update", diff=field_diff(before, fields), reason=reason, **base)


_CHUNK = 200  # staged articles read, and plan entries written then let go, at a time


def _shared_fingerprints(session, agency_code: str) -> set[str]:
    """uids of the agency whose content another unit also staged (cross-references)."""
    shared = (select(StagedArticle.fingerprint).where(StagedArticle.status == "ok", StagedArticle.fingerprint.is_not(None))
              .group_by(StagedArticle.fingerprint).having(func.count(func.distinct(StagedArticle.agency)) > 1))
    return set(session.scalars(select(StagedArticle.uid).where(StagedArticle.agency == agency_code,
                                                               StagedArticle.fingerprint.in_(shared))))


def _unchanged_quickly(session, portal, subsite, rows, mapped: dict, force, shared: set) -> dict[str, PlannedEntry]:
    """The entries known unchanged without reading their articles: the same staged content as
    when loaded, all its links resolved then, not a cross-reference, and the portal's revision
    marker where it was. One batch read of markers, one query for the titles."""
    quick = {uid: mapped[uid] for uid, status, content_hash in rows
             if status == "ok" and uid in mapped and uid not in force and uid not in shared
             and mapped[uid].content_hash == content_hash and mapped[uid].portal_revision
             and not mapped[uid].portal_hash.startswith("unresolved:")}
    if not quick or subsite is None:
        return {}
    remote = portal.read_items(subsite, [m.portal_id for m in quick.values()])
    same = {uid: m for uid, m in quick.items()
            if remote.get(m.portal_id) is not None and remote[m.portal_id].revision == m.portal_revision}
    titles = dict(session.execute(select(PlanEntry.uid, PlanEntry.title).where(
        PlanEntry.plan_id.in_({m.plan_id for m in same.values()}), PlanEntry.uid.in_(list(same)))).all()) if same else {}
    return {uid: PlannedEntry(uid, "unchanged", titles.get(uid) or m.source_url, expected_hash=m.content_hash,
                              expected_map_hash=m.portal_hash)
            for uid, m in same.items()}


def _planned(session, agency, portal, url_map_of, only=None, force=frozenset(), sync: bool = False):
    """Each staged article of the agency as a planned entry, a chunk of rows at a time; with
    `sync`, a delete for each loaded item whose article is gone from the source. Articles known
    unchanged are decided without reading them; the others are read and their links rewritten
    (`url_map_of()` builds the map of every migrating unit's addresses, once, when first needed)."""
    agency_code = agency.code
    # Read only: a plan writes nothing to the portal (None: no subsite yet, so nothing on it).
    subsite = portal.find_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path)
    mapped = {m.uid: m for m in session.scalars(select(IdMap).where(IdMap.agency == agency_code))}
    # List pages (how items were found) and excluded pages (not content) are never planned.
    rows = session.execute(select(StagedArticle.uid, StagedArticle.status, StagedArticle.content_hash)
                           .where(StagedArticle.agency == agency_code,
                                  StagedArticle.status.not_in(("list", "excluded")))).all()
    if only is not None:
        rows = [r for r in rows if r[0] in only]
    shared = _shared_fingerprints(session, agency_code) if mapped else set()
    for start in range(0, len(rows), _CHUNK):
        part = rows[start:start + _CHUNK]
        known = _unchanged_quickly(session, portal, subsite, part, mapped, force, shared)
        rest = [r[0] for r in part if r[0] not in known]
        chunk = session.scalars(select(StagedArticle).where(StagedArticle.uid.in_(rest))).all() if rest else []
        view = _PortalView(session, portal, subsite, chunk, mapped) if chunk else None
        decided = {s.uid: _entry(s, mapped.get(s.uid), view, url_map_of, force) for s in chunk}
        yield from [known.get(uid) or decided[uid] for uid, _, _ in part]
    if sync:
        present = set(session.scalars(select(StagedArticle.uid).where(StagedArticle.agency == agency_code,
                                                                      StagedArticle.status == "ok")))
        for uid, row in sorted(mapped.items()):
            if uid not in present and (only is None or uid in only):
                yield PlannedEntry(uid, "delete", row.source_url, expected_map_hash=row.portal_hash,
                                   reason=f"gone from the legacy site since it was loaded; {row.portal_url} is removed")


def make_plan(agency, registry, portal, adopt: bool = False, only=None, limit: int | None = None,
              sync: bool = False, force=()) -> Plan:
    """Build and save a plan; earlier pending plans of the agency are superseded. Entries are
    written as they are planned and not kept in memory (an agency may have tens of thousands);
    their order (by action, then title) is set at the end.

    A partial plan: `only` (these uids), `limit` (at most N writes; the rest waits for the next
    plan). `sync`: also delete loaded items gone from the source. `force`: these uids' conflicts
    become updates that overwrite the portal's version."""
    agency_code, disposition = agency.code, agency.disposition
    if disposition == "archive-only":
        raise ArchiveOnly(f"Agency {agency_code} is archive-only: its legacy site is crawled and kept, "
                          "never loaded into the portal.",
                          f"change disposition in mappings/agencies/{agency_code}.yml to migrate if it should be")
    order = {a: i for i, a in enumerate(ACTIONS)}
    with transaction() as session:
        built: list[UrlMap] = []

        def url_map_of() -> UrlMap:
            if not built:
                built.append(build_url_map(session, registry))
            return built[0]
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
        on_portal, writes, held_back = 0, 0, 0
        only = set(only) if only else None
        for e in _planned(session, agency, portal, url_map_of, only, frozenset(force), sync):
            if limit is not None and e.action in WRITES + ("delete",):
                if writes >= limit:
                    held_back += 1
                    continue
                writes += 1
            if not ledger_knows and e.action in ("unchanged", "conflict"):
                on_portal += 1
                if not adopt:
                    continue
            row = dict(plan_id=plan_id, position=0, uid=e.uid, action=e.action, title=e.title, reason=e.reason,
                       diff=e.diff, expected_hash=e.expected_hash, expected_map_hash=e.expected_map_hash,
                       fields=e.fields, unresolved=e.unresolved, result={})
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
        if only is not None or held_back:
            plan.summary |= {"partial": True, "held_back": held_back}
        from portalize.core.ledger.agencies import record_event
        record_event(session, agency_code, "planned", plan=plan.id, **plan.summary)
    return plan


def _let_go(session, written: list, keys: list) -> None:
    """Write the pending entries (one multi-row insert), keep what ordering needs, free the rest."""
    if written:
        ids = session.scalars(insert(PlanEntry).returning(PlanEntry.id, sort_by_parameter_order=True),
                              [row for _, row, _ in written]).all()
        keys.extend((sort_key, entry_id, key) for (sort_key, _, key), entry_id in zip(written, ids))
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


def plan_previews(session, plan_id: int) -> dict[str, dict]:
    """uid -> what each write of the plan puts on the portal, for the review page: its fields
    with references shown as the addresses known now (the portal's for loaded items, else the
    legacy page or file), the legal document's fields, its files. Two queries for the targets
    of every entry's links, whatever the plan's size."""
    rows = session.execute(select(PlanEntry.uid, PlanEntry.fields).where(
        PlanEntry.plan_id == plan_id, PlanEntry.action.in_(WRITES + ("conflict",)), PlanEntry.fields.is_not(None))).all()
    targets = set().union(*(references(fields)[0] for _, fields in rows)) if rows else set()
    loaded = dict(session.execute(select(IdMap.uid, IdMap.portal_url).where(IdMap.uid.in_(list(targets))))
                  .all()) if targets else {}
    legacy = dict(session.execute(select(StagedArticle.uid, StagedArticle.data["source_url"].as_string())
                                  .where(StagedArticle.uid.in_(list(targets)))).all()) if targets else {}
    previews = {}
    for uid, fields in rows:
        shown, _ = resolve(fields, loaded, {}, fallback=legacy)
        previews[uid] = {**shown, "document_rows": document_rows(fields),
                         "files": (fields.get("attachments") or []) + (fields.get("images") or [])}
    return previews
