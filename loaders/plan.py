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

from sqlalchemy import and_, bindparam, exists, insert, not_, or_, select, update
from sqlalchemy.orm import aliased, defer

from portalize.core import config
from portalize.core.errors import ArchiveOnly, LostLedger
from portalize.core.ledger import settled as settled_store
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import IdMap, Plan, PlanEntry, StagedArticle, utcnow
from portalize.transform.duplicates import content_fingerprint
from portalize.transform.markdown import to_markdown
from portalize.transform.spam import QUARANTINED, evidence_text

from .base import ASSET_REF, ITEM_REF, Remote, fields_hash, item_fields
from .diff import field_diff
from .link_rewrite import UrlMap, derive_fields, plan_links, rewrite_fields
from .references import legacy_links, references, resolve, slug_for, waiting_links
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
    links: dict | None = None  # a create planned from the outline: apply derives its fields
    adopt: bool = False  # unchanged: what the portal holds is taken into the id map when applied
    quarantined: bool = False  # suspected injected SEO spam (the article's quarantine evidence)


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
    hundreds of thousands): its outline, or for an article staged before outlines were kept,
    the JSON fields read in the database."""
    ok = StagedArticle.status == "ok"
    for uid, agency, key, outline in session.execute(select(
            StagedArticle.uid, StagedArticle.agency, StagedArticle.fingerprint, StagedArticle.outline)
            .where(ok, StagedArticle.outline.is_not(None))):
        yield _Address(uid, agency, key, outline["source_url"], outline.get("title"), outline.get("published_at"),
                       outline.get("aliases"), outline.get("attachments"), outline.get("images"))
    data = StagedArticle.data
    yield from session.execute(select(
        StagedArticle.uid, StagedArticle.agency, StagedArticle.fingerprint,
        data["source_url"].as_string().label("source_url"), data["title"].as_string().label("title"),
        data["published_at"].as_string().label("published_at"), data["aliases"].label("aliases"),
        data["attachments"].label("attachments"), data["images"].label("images"),
    ).where(ok, StagedArticle.outline.is_(None)))


@dataclass(frozen=True)
class _Address:
    uid: str
    agency: str
    fingerprint: str | None
    source_url: str
    title: str | None
    published_at: str | None
    aliases: list | None
    attachments: list | None
    images: list | None


def _fingerprint_of(session, uid: str) -> str:
    """For an article staged before fingerprints were kept."""
    data = session.get(StagedArticle, uid).data
    return content_fingerprint(data["title"], data.get("body_html"), data.get("summary"))


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

    def __init__(self, session, portal, subsite, titles: dict[str, str], mapped: dict[str, IdMap], adopt: bool = False):
        """`titles`: uid -> title of the chunk's items (ok rows). `adopt`: the loaded items are
        looked up by key too (what the portal holds, whatever the id map says)."""
        titles = titles if subsite is not None else {}
        known = [mapped[uid] for uid in titles if uid in mapped]
        unknown = {uid: slug_for(uid, title) for uid, title in titles.items() if adopt or uid not in mapped}
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


def written_from(digest: str | None, new_hash: str) -> bool:
    """Whether a portal item that vouches for `digest` was written from fields hashing to
    `new_hash` (links to items not loaded yet, or to legacy pages, marked in the digest as apply
    writes them): what may be adopted into the id map as it is."""
    if not digest:
        return False
    kept = legacy_links(digest)
    return (digest == new_hash or waiting_links(digest, new_hash) is not None
            or (kept is not None and kept[1] == new_hash))


def _entry(staged: StagedArticle, mapped: IdMap | None, view: _PortalView, url_map_of,
           force: frozenset = frozenset(), adopt: bool = False) -> PlannedEntry:
    evidence = staged.data.get("quarantine") if staged.status == "ok" else None
    if evidence and staged.uid not in force:
        # Suspected injected spam: never written unless a person forces this entry.
        return PlannedEntry(staged.uid, "skip", staged.data.get("title") or "", expected_hash=staged.content_hash,
                            reason=quarantine_reason(staged.agency, staged.uid, evidence), quarantined=True)
    entry = _decide(staged, mapped, view, url_map_of, adopt)
    if evidence:
        entry.reason = f"quarantine lifted (--force): {evidence_text(evidence)}" + (f"; {entry.reason}" if entry.reason else "")
    if entry.action == "conflict" and staged.uid in force:
        entry.action = "update"
        entry.reason = f"forced over the portal's version (--force): {entry.reason}"
    return entry


def quarantine_reason(agency_code: str, uid: str, evidence: list) -> str:
    """A quarantined article's skip reason: the evidence and the command that lifts it."""
    return (f"{QUARANTINED}: {evidence_text(evidence)}; after review, load it with "
            f"`portalize plan {agency_code} --force {uid}`")


def _decide(staged: StagedArticle, mapped: IdMap | None, view: _PortalView, url_map_of,
            adopt: bool = False) -> PlannedEntry:
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
    current = view.read.get(mapped.portal_id) if mapped is not None else None
    if mapped is not None and adopt and current is not None and _edited(current, mapped):
        # --adopt: the portal's item moved since this ledger wrote it (a restored or foreign
        # ledger, or an edit): decided from what the portal holds, as for an item it never knew.
        existing = view.found.get(staged.uid)
        if existing is not None and written_from(existing.digest, new_hash):
            return PlannedEntry(action="unchanged", adopt=True, reason=f"written on the portal ({existing.url}) by "
                                "an apply this ledger has no record of, with the same content: taken into the "
                                "ledger's id map when applied", **base)
    if mapped is None:
        # The ledger does not know this item. The portal may still hold it (a lost or replaced
        # ledger): never create it twice, never overwrite what is there.
        existing = view.found.get(staged.uid)
        if existing is not None:
            if written_from(existing.digest, new_hash):
                return PlannedEntry(action="unchanged", adopt=True, reason=f"already on the portal ({existing.url}) "
                                    "but not in this ledger: taken into the ledger's id map when applied", **base)
            return PlannedEntry(action="conflict", reason=f"already on the portal ({existing.url}) with other "
                                "content, but not in this ledger (was the ledger lost or replaced?); not overwritten",
                                diff=field_diff(None, fields), **base)
        reason = f"same content as {owner.uid} ({owner.agency_name}): loaded as a cross-reference" if owner else None
        return PlannedEntry(action="create", diff=field_diff(None, fields), reason=reason, **base)
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
    kept = legacy_links(mapped.portal_hash)
    if kept is not None and kept[1] == new_hash:
        return PlannedEntry(action="unchanged", reason=f"{kept[0]} link(s) to pages of units that are not migrated "
                            "(or not staged yet) are kept as legacy addresses; read again at every plan", **base)
    reason = None if kept is None or len(unresolved) >= kept[0] else (
        f"{kept[0] - len(unresolved)} link(s) to legacy pages now lead to migrated items")
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
    """uids of the agency whose content another unit also staged (cross-references): looked up
    by fingerprint in an index, not by grouping the province's articles."""
    other = aliased(StagedArticle)
    return set(session.scalars(select(StagedArticle.uid).where(
        StagedArticle.agency == agency_code, StagedArticle.fingerprint.is_not(None),
        exists().where(other.fingerprint == StagedArticle.fingerprint, other.agency != agency_code,
                       other.status == "ok"))))


def _settled():
    """Loaded from exactly the staged content, every link resolved then (none to an item not
    loaded, none to a legacy page of a unit not staged), the portal's revision marker kept:
    unchanged, unless the portal's marker has moved."""
    return and_(StagedArticle.status == "ok", StagedArticle.content_hash == IdMap.content_hash,
                IdMap.portal_revision.is_not(None), not_(IdMap.portal_hash.startswith("unresolved:")),
                not_(IdMap.portal_hash.startswith("legacy:")))


def settled_items(session, agency_code: str) -> list:
    """(uid, portal id, revision, id-map hash, content hash) of the agency's settled items, in
    one query answered from indexes (no article is read)."""
    return session.execute(select(IdMap.uid, IdMap.portal_id, IdMap.portal_revision, IdMap.portal_hash,
                                  IdMap.content_hash)
                           .join(StagedArticle, StagedArticle.uid == IdMap.uid)
                           .where(StagedArticle.agency == agency_code, IdMap.agency == agency_code, _settled())).all()


def unchanged_digest(pairs) -> str:
    """Of (uid, id-map hash) pairs in uid order: what a plan's list of unchanged items stood on."""
    return hashlib.sha256("\n".join(f"{uid}|{map_hash}" for uid, map_hash in pairs).encode()).hexdigest()


def _unchanged_quickly(session, portal, subsite, agency_code: str, force, only, shared: set, revisions=None):
    """({uid: id-map hash} of the items known unchanged without reading them: settled, not
    forced, not a cross-reference, and the portal's revision marker where it was; [(uid,
    status, content hash)] of the other settled items, planned one by one). One query of the
    ledger, one read of the portal's markers (`revisions`, given or read now, else a batch
    `read_items`)."""
    rows = [r for r in settled_items(session, agency_code) if only is None or r[0] in only]
    candidates = [r for r in rows if r[0] not in force and r[0] not in shared and subsite is not None]
    if candidates and revisions is None:
        revisions = _revisions(portal, subsite)
    if candidates and revisions is None:
        revisions = {item_id: remote.revision for item_id, remote in
                     portal.read_items(subsite, [r[1] for r in candidates]).items()}
    quick = {uid: map_hash for uid, item_id, revision, map_hash, _ in candidates if revisions.get(item_id) == revision}
    return quick, [(uid, "ok", content_hash) for uid, _, _, _, content_hash in rows if uid not in quick]


def _portal_runs(portal, subsite) -> list[str]:
    """The apply runs that wrote the subsite's items, when the portal keeps them (`runs`)."""
    if subsite is None or "runs" not in portal.capabilities or not callable(getattr(portal, "recent_runs", None)):
        return []
    return list(portal.recent_runs(subsite))


def _revisions(portal, subsite) -> dict[str, str] | None:
    """Every revision marker of the subsite in one read, when the portal gives them (`revisions`)."""
    if subsite is None or not callable(getattr(portal, "revisions", None)):
        return None
    return portal.revisions(subsite)


def portal_marker(revisions: dict[str, str]) -> str:
    """A digest of every item's revision marker in the subsite: any edit, create or delete on
    the portal changes it."""
    return hashlib.sha256("\n".join(sorted(f"{i}|{r}" for i, r in revisions.items())).encode()).hexdigest()


def mappings_digest(registry, portal) -> str:
    """What a plan reads of the mappings: every unit's name, addresses, disposition and subsite
    (links and cross-references between units), and which portal."""
    units = [(a.code, a.name, a.disposition, a.hosts, a.subsite_name, a.subsite_path,
              tuple(a.platform.discovery.get("drop_params") or ())) for _, a in sorted(registry.agencies.items())]
    return hashlib.sha256(repr((units, portal.name)).encode()).hexdigest()


def _settled_stamp(agency_code: str, state: tuple, registry, portal, revisions) -> tuple[str, str] | None:
    """(ledger stamp, portal marker) an agency's settlement stands on (`state`: the ledger's, in
    brief); None when the portal cannot give every marker of a subsite at once."""
    if revisions is None:
        return None
    return settled_store.stamp(agency_code, state, mappings_digest(registry, portal)), portal_marker(revisions)


def _unsettled(session, agency_code: str) -> list:
    """(uid, status, content hash) of the agency's staged articles a plan decides one by one:
    neither list pages (how items were found) nor excluded pages (not content), and not
    settled."""
    return session.execute(select(StagedArticle.uid, StagedArticle.status, StagedArticle.content_hash)
                           .outerjoin(IdMap, IdMap.uid == StagedArticle.uid)
                           .where(StagedArticle.agency == agency_code, StagedArticle.status.not_in(("list", "excluded")),
                                  or_(IdMap.uid.is_(None), not_(_settled())))).all()


def settle(registry, portal, agency) -> bool:
    """After an apply: record the agency as settled when it is (every item settled with the
    portal's marker where it was, nothing else staged but skipped pages), so the next plan
    trusts it; else forget any earlier record. True when recorded."""
    code = agency.code
    with transaction() as session:
        subsite = portal.find_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path)
        revisions = _revisions(portal, subsite)
        stamp = _settled_stamp(code, settled_store.ledger_state(session, code), registry, portal, revisions)
        if stamp is not None:
            quick, others = _unchanged_quickly(session, portal, subsite, code, frozenset(), None,
                                               _shared_fingerprints(session, code), revisions)
            rest = _unsettled(session, code)
        # Quarantined articles (suspected injected spam) stay out, as skips do.
        held = _quarantined_reasons(session, code, [uid for uid, status, _ in rest if status == "ok"]) if stamp else {}
        if stamp is None or not quick or others or any(status == "ok" and uid not in held for uid, status, _ in rest):
            settled_store.forget(session, code)
            return False
        skips = session.execute(select(StagedArticle.uid, StagedArticle.data["source_url"].as_string(),
                                       StagedArticle.reason, StagedArticle.content_hash)
                                .where(StagedArticle.uid.in_([uid for uid, _, _ in rest])))
        settled_store.record(session, code, *stamp, _unchanged_list(quick),
                             sorted([uid, url, held.get(uid, reason), hash_] for uid, url, reason, hash_ in skips))
        return True


def _quarantined_reasons(session, agency_code: str, uids: list[str]) -> dict[str, str]:
    """uid -> skip reason of those staged articles that are quarantined."""
    rows = session.execute(select(StagedArticle.uid, StagedArticle.data["quarantine"])
                           .where(StagedArticle.uid.in_(uids))) if uids else []
    return {uid: quarantine_reason(agency_code, uid, evidence) for uid, evidence in rows if evidence}


def _unchanged_list(quick: dict[str, str]) -> dict | None:
    """A plan's list of the items known unchanged ({uid: id-map hash}): their uids and a digest."""
    same = sorted(quick.items())
    return {"uids": [uid for uid, _ in same], "digest": unchanged_digest(same)} if same else None


def _articles(session, uids: list[str]) -> list[StagedArticle]:
    return list(session.scalars(select(StagedArticle).where(StagedArticle.uid.in_(uids)))) if uids else []


def _from_outline(row, view: _PortalView, url_map_of) -> PlannedEntry | None:
    """A skip, or the create of an item the portal does not hold, decided from the article's
    outline: the entry keeps the references its links get (apply derives the fields from the
    article and them). None: the article itself is needed."""
    if row.status != "ok":
        return PlannedEntry(row.uid, "skip", row.outline.get("source_url", ""), reason=row.reason,
                            expected_hash=row.content_hash)
    url_map = url_map_of()
    if row.uid in view.found or row.uid in url_map.copies or row.outline.get("quarantined"):
        return None
    links, unresolved = plan_links(row.outline, url_map)
    return PlannedEntry(row.uid, "create", row.outline.get("title") or "", expected_hash=row.content_hash,
                        links=links, unresolved=unresolved)


def _planned(session, agency, portal, subsite, url_map_of, settled: list, only=None, force=frozenset(),
             sync: bool = False, adopt: bool = False):
    """Each staged article of the agency that is not known unchanged as a planned entry, a
    chunk of rows at a time (`settled`: the loaded ones among them); with `sync`, a delete for
    each loaded item whose article is gone from the source. Skips and creates are decided from
    the articles' outlines; the others are read and their links rewritten (`url_map_of()`
    builds the map of every migrating unit's addresses, once, when first needed)."""
    agency_code = agency.code
    rows = _unsettled(session, agency_code) + settled
    if only is not None:
        rows = [r for r in rows if r[0] in only]
    for start in range(0, len(rows), _CHUNK):
        part = [uid for uid, _, _ in rows[start:start + _CHUNK]]
        mapped = {m.uid: m for m in session.scalars(select(IdMap).where(IdMap.uid.in_(part)))}
        light = session.execute(select(StagedArticle.uid, StagedArticle.status, StagedArticle.reason,
                                       StagedArticle.content_hash, StagedArticle.outline)
                                .where(StagedArticle.uid.in_(part))).all()
        # Read whole only what the outline cannot decide: items already loaded (or staged before
        # outlines were kept).
        outlined = {r.uid: r for r in light if r.outline is not None and not (r.status == "ok" and r.uid in mapped)}
        chunk = _articles(session, [r.uid for r in light if r.uid not in outlined])
        titles = {s.uid: s.data.get("title") or "" for s in chunk if s.status == "ok"}
        titles |= {uid: r.outline.get("title") or "" for uid, r in outlined.items() if r.status == "ok"}
        view = _PortalView(session, portal, subsite, titles, mapped, adopt)
        decided = {uid: _from_outline(r, view, url_map_of) for uid, r in outlined.items()}
        # On the portal already, or the same content as another unit's: compared with the article.
        chunk += _articles(session, [uid for uid, e in decided.items() if e is None])
        decided |= {s.uid: _entry(s, mapped.get(s.uid), view, url_map_of, force, adopt) for s in chunk}
        yield from [decided[uid] for uid in part]
    if sync:
        present = select(StagedArticle.uid).where(StagedArticle.agency == agency_code, StagedArticle.status == "ok")
        for row in session.scalars(select(IdMap).where(IdMap.agency == agency_code, IdMap.uid.not_in(present))
                                   .order_by(IdMap.uid)):
            if only is None or row.uid in only:
                yield PlannedEntry(row.uid, "delete", row.source_url, expected_map_hash=row.portal_hash,
                                   reason=f"gone from the legacy site since it was loaded; {row.portal_url} is removed")


def make_plan(agency, registry, portal, adopt: bool = False, only=None, limit: int | None = None,
              sync: bool = False, force=(), url_maps: dict | None = None, recheck: bool = False) -> Plan:
    """Build and save a plan; earlier pending plans of the agency are superseded. Entries are
    written as they are planned and not kept in memory (an agency may have tens of thousands);
    their order (by action, then title) is set at the end.

    A partial plan: `only` (these uids), `limit` (at most N writes; the rest waits for the next
    plan). `sync`: also delete loaded items gone from the source. `force`: these uids' conflicts
    become updates that overwrite the portal's version. `url_maps`: a dict kept across the plans
    of one run (`plan --all`), so the map of the province's addresses is built once.
    `adopt`: what the portal holds that this ledger does not know as it is (a lost, restored or
    foreign ledger) is taken into the id map when applied (the same content), else a conflict;
    applying the plan records the apply runs that wrote the subsite's items as known.

    An agency recorded as settled (by `settle` after an apply, or by a plan that found nothing
    to do) is planned from that record while the ledger state and every portal marker it stood
    on are the same: its items are not checked one by one (`recheck` checks them anyway)."""
    agency_code, disposition = agency.code, agency.disposition
    if disposition == "archive-only":
        raise ArchiveOnly(f"Agency {agency_code} is archive-only: its legacy site is crawled and kept, "
                          "never loaded into the portal.",
                          f"change disposition in mappings/agencies/{agency_code}.yml to migrate if it should be")
    order = {a: i for i, a in enumerate(ACTIONS)}
    with transaction() as session:
        built = url_maps if url_maps is not None else {}

        def url_map_of() -> UrlMap:  # staging does not change while plans are made
            if "map" not in built:
                built["map"] = build_url_map(session, registry)
            return built["map"]
        plans = Plan.__table__  # a table statement: no plan is loaded in this session yet
        session.execute(update(plans).where(plans.c.agency == agency_code, plans.c.status == "pending")
                        .values(status="superseded"))
        plan = Plan(agency=agency_code, fingerprint="", created_at=utcnow(), summary={})
        session.add(plan)
        session.flush()
        plan_id, counts, unresolved, quarantined = plan.id, Counter(), 0, 0
        keys, written = [], []  # keys: (sort key, fingerprint key)
        # A ledger that knows nothing of this agency's loads, while the portal holds its items,
        # was lost, emptied or replaced: an error, unless adopting them is asked for.
        state = settled_store.ledger_state(session, agency_code)
        ledger_knows = state[0] > 0
        on_portal, writes, held_back = 0, 0, 0
        only, force = (set(only) if only else None), frozenset(force)
        # Read only: a plan writes nothing to the portal (None: no subsite yet, so nothing on it).
        subsite = portal.find_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path)
        quick, settled, known, stamp, skips = {}, [], None, None, []
        whole = ledger_knows and only is None and limit is None and not force and not sync
        if ledger_knows:
            # A whole plan reads every marker of the subsite now (its settlement stands on them);
            # a partial one only when it has loaded items to compare (_unchanged_quickly).
            revisions = _revisions(portal, subsite) if whole else None
            stamp = _settled_stamp(agency_code, state, registry, portal, revisions) if whole else None
            known = settled_store.recall(session, agency_code, *stamp) if stamp and not (recheck or adopt) else None
            if known is None:
                quick, settled = _unchanged_quickly(session, portal, subsite, agency_code, force, only,
                                                    _shared_fingerprints(session, agency_code), revisions)
        planned = ((PlannedEntry(uid, "skip", url, reason=reason, expected_hash=expected,
                                 quarantined=(reason or "").startswith(QUARANTINED))
                    for uid, url, reason, expected in known.skips) if known is not None else
                   _planned(session, agency, portal, subsite, url_map_of, settled, only, force, sync, adopt))
        for e in planned:
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
                       fields=e.fields, links=e.links, unresolved=e.unresolved,
                       result={"adopt": True} if e.adopt else {})
            written.append(((order[e.action], e.title, e.uid), row, (e.uid, e.action, e.expected_hash,
                                                                      e.expected_map_hash)))
            counts[e.action] += 1
            quarantined += e.quarantined
            unresolved += len(e.unresolved)
            if e.action == "skip":
                skips.append([e.uid, e.title, e.reason, e.expected_hash])
            if len(written) >= _CHUNK:
                _let_go(session, written, keys)
        in_order = not keys  # fewer entries than a chunk, all still in hand: written once, in order
        if in_order:
            written.sort(key=lambda w: w[0])
            for position, (_, row, _) in enumerate(written):
                row["position"] = position
        _let_go(session, written, keys)
        if on_portal and not adopt:
            raise LostLedger(f"The ledger {config.masked(config.ledger_url())} has no record of loading {agency_code}, "
                             f"but the portal already holds {on_portal} of its items: the ledger was lost, emptied "
                             "or replaced. Nothing was planned.",
                             f"restore the ledger from its backup (PORTALIZE_DB), or run `portalize plan {agency_code} "
                             "--adopt` to take the portal's items into this ledger (the same content is adopted, "
                             "other content is a conflict and never overwritten)")
        keys.sort()
        if keys and not in_order:
            ids = dict(session.execute(select(PlanEntry.uid, PlanEntry.id).where(PlanEntry.plan_id == plan_id)).all())
            table = PlanEntry.__table__
            session.execute(update(table).where(table.c.id == bindparam("entry")).values(position=bindparam("at")),
                            [{"entry": ids[sort_key[2]], "at": position} for position, (sort_key, _) in enumerate(keys)])
        # The items known unchanged: one list on the plan, not an entry each.
        plan.unchanged = known.unchanged if known is not None else _unchanged_list(quick)
        same = len((plan.unchanged or {}).get("uids") or ())
        counts["unchanged"] += same
        plan.fingerprint = fingerprint([*(key for _, key in keys)] +
                                       ([("*", "unchanged", str(same), plan.unchanged["digest"])] if same else []))
        plan.summary = {a: counts.get(a, 0) for a in ACTIONS} | {"portal": portal.name, "unresolved_links": unresolved}
        if quarantined:
            plan.summary["quarantined"] = quarantined
        if only is not None or held_back:
            plan.summary |= {"partial": True, "held_back": held_back}
        if adopt:  # the runs that wrote the portal's items now: known to this ledger once the plan is applied
            plan.summary |= {"adopt": True, "adopts_runs": _portal_runs(portal, subsite)}
        if known is not None:
            plan.summary["settled_since"] = known.recorded_at.isoformat(timespec="seconds")
        elif stamp is not None and same and set(counts) <= {"skip", "unchanged"} and counts["unchanged"] == same:
            # Nothing to write, every item known unchanged without reading it: the next plan may trust that.
            settled_store.record(session, agency_code, *stamp, plan.unchanged, skips)
        elif whole:
            settled_store.forget(session, agency_code)
        from portalize.core.ledger.agencies import record_event
        record_event(session, agency_code, "planned", plan=plan.id, **plan.summary)
    return plan


def _let_go(session, written: list, keys: list) -> None:
    """Write the pending entries (one executemany, no row read back), keep what ordering needs,
    free the rest (and the rows read for them)."""
    if written:
        session.execute(insert(PlanEntry.__table__), [row for _, row, _ in written])
        keys.extend((sort_key, key) for sort_key, _, key in written)
    written.clear()
    for row in [r for r in session.identity_map.values() if not isinstance(r, Plan)]:
        session.expunge(row)  # the articles and id-map rows read for these entries; the plan stays


def plan_entries(session, plan_id: int) -> list[PlanEntry]:
    """The entries in order, for people to read: without the fields apply writes (the bodies).
    The items the plan keeps as one unchanged list are shown as entries too (not saved), titled
    as last written."""
    entries = list(session.scalars(select(PlanEntry).options(defer(PlanEntry.fields))
                                   .where(PlanEntry.plan_id == plan_id).order_by(PlanEntry.position)))
    plan = session.get(Plan, plan_id)
    same = set(((plan.unchanged if plan else None) or {}).get("uids") or ())
    if not same:
        return entries
    written = session.execute(select(IdMap.uid, IdMap.source_url, PlanEntry.title).outerjoin(
        PlanEntry, and_(PlanEntry.plan_id == IdMap.plan_id, PlanEntry.uid == IdMap.uid)).where(IdMap.agency == plan.agency))
    shown = [PlanEntry(plan_id=plan_id, uid=uid, action="unchanged", title=title or source_url, reason=None, diff=[],
                       unresolved=[], result={}) for uid, source_url, title in written if uid in same]
    order = {a: i for i, a in enumerate(ACTIONS)}
    return sorted(entries + shown, key=lambda e: (order[e.action], e.title, e.uid))


def staged_warnings(session, agency_code: str) -> dict[str, list[str]]:
    """uid -> what the transform asks a person to check (dates, encodings, hidden content...)."""
    rows = session.execute(select(StagedArticle.uid, StagedArticle.data["warnings"])
                           .where(StagedArticle.agency == agency_code, StagedArticle.status == "ok"))
    return {uid: warnings for uid, warnings in rows if warnings}


def staged_quarantine(session, agency_code: str) -> dict[str, list[dict]]:
    """uid -> the quarantine evidence of each staged article that has some (injected spam)."""
    rows = session.execute(select(StagedArticle.uid, StagedArticle.data["quarantine"])
                           .where(StagedArticle.agency == agency_code, StagedArticle.status == "ok"))
    return {uid: evidence for uid, evidence in rows if evidence}


def entry_fields(session, plan_id: int, actions=WRITES) -> dict[str, dict]:
    """uid -> the fields each entry of these actions writes: as stored, or for a create planned
    from its outline, derived from the staged article and the entry's planned links (what apply
    will write while the article's content hash is the planned one)."""
    rows = session.execute(select(PlanEntry.uid, PlanEntry.fields, PlanEntry.links).where(
        PlanEntry.plan_id == plan_id, PlanEntry.action.in_(actions)).order_by(PlanEntry.position)).all()
    out = {uid: fields for uid, fields, _ in rows if fields is not None}
    derived = {uid: links for uid, fields, links in rows if fields is None and links is not None}
    waiting = list(derived)
    for start in range(0, len(waiting), _CHUNK):
        part = waiting[start:start + _CHUNK]
        articles = dict(session.execute(select(StagedArticle.uid, StagedArticle.data)
                                        .where(StagedArticle.uid.in_(part))).all())
        out |= {uid: derive_fields(articles[uid], derived[uid]) for uid in part if uid in articles}
    return out


def create_diffs(entries, fields: dict[str, dict]) -> dict[str, list]:
    """uid -> the diff each create shows (a create planned from its outline stores none)."""
    return {e.uid: e.diff or field_diff(None, fields[e.uid]) for e in entries
            if e.action == "create" and e.uid in fields}


def plan_previews(session, plan_id: int, fields: dict[str, dict] | None = None) -> dict[str, dict]:
    """uid -> what each write of the plan puts on the portal, for the review page: its fields
    with references shown as the addresses known now (the portal's for loaded items, else the
    legacy page or file), the legal document's fields, its files. Two queries for the targets
    of every entry's links, whatever the plan's size."""
    rows = list((fields if fields is not None else entry_fields(session, plan_id, WRITES + ("conflict",))).items())
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
