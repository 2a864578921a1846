"""apply: execute exactly a saved plan. Refuses a stale plan; records each action as it lands,
so a run that dies part-way is finished by running the same command again, with no duplicates."""
from __future__ import annotations

import hashlib
import logging
import os
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import defer

from portalize.core import config, leases
from portalize.core.errors import Busy, LostLedger, PlanNotFound, PortalError, StalePlan, UsageProblem
from portalize.core.ledger import agencies as agency_store, pages as page_store, runs as run_store, staging
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import AgencyRow, AuditLog, IdMap, Plan, PlanEntry, PortalFile, StagedArticle, utcnow
from portalize.transform.embedded import KEY_PREFIX, embedded_images
from portalize.transform.filetypes import file_type
from portalize.transform.markdown import to_markdown
from portalize.transform.outline import article_outline
from portalize.transform.schema import content_hash
from portalize.transform.spam import QUARANTINED

from .base import ItemWrite, Remote, fields_hash
from .link_rewrite import derive_fields
from .plan import settle, settled_items, unchanged_digest, written_from
from .references import references, resolve, slug_for, written_digest
from .write_order import in_batches, link_targets

WRITES = ("create", "update", "restore")
COUNTED = WRITES + ("delete",)
log = logging.getLogger("portalize")


def _quarantined(entry: PlanEntry) -> bool:
    """A skip of a staged article kept out as suspected injected spam (its hash covers the evidence)."""
    return entry.action == "skip" and (entry.reason or "").startswith(QUARANTINED)


def _stale_reasons(session, plan: Plan, entries: list[PlanEntry]) -> list[str]:
    # Hashes and states only: the articles themselves are read one at a time when applied.
    staged = {s.uid: s for s in session.execute(select(StagedArticle.uid, StagedArticle.content_hash, StagedArticle.status)
                                                .where(StagedArticle.agency == plan.agency,
                                                       StagedArticle.status.not_in(("list", "excluded"))))}
    mapped = {m.uid: m for m in session.execute(select(IdMap.uid, IdMap.portal_hash, IdMap.content_hash)
                                                .where(IdMap.agency == plan.agency))}
    reasons = []
    planned = {e.uid for e in entries}
    same = (plan.unchanged or {}).get("uids") or []
    if same:  # the plan's list of unchanged items: each still settled, with the id-map hash it had
        planned |= set(same)
        settled = {uid: map_hash for uid, _, _, map_hash, _ in settled_items(session, plan.agency)}
        moved = [uid for uid in same if uid not in settled]
        reasons += [f"{uid}: transformed differently since the plan was made"
                    if uid not in staged or uid not in mapped or staged[uid].content_hash != mapped[uid].content_hash
                    else f"{uid}: loaded by another plan since" for uid in moved]
        if not moved and unchanged_digest((uid, settled[uid]) for uid in same) != plan.unchanged["digest"]:
            reasons.append(f"{len(same)} items planned as unchanged: loaded by another plan since")
    rollback = plan.summary.get("kind") == "rollback"
    if not plan.summary.get("partial") and not rollback:
        for uid in sorted(set(staged) - planned):
            reasons.append(f"{uid}: staged after the plan was made")
    for e in entries:
        if e.applied_at is not None:
            continue
        s = staged.get(e.uid)
        if rollback or e.action == "delete":  # not made from the staged articles: the id map only
            m = mapped.get(e.uid)
            if (m.portal_hash if m else None) != e.expected_map_hash:
                reasons.append(f"{e.uid}: loaded by another plan since")
            continue
        if s is None:
            reasons.append(f"{e.uid}: no longer staged")
        elif s.content_hash != e.expected_hash or (s.status == "skipped") != (e.action == "skip" and not _quarantined(e)):
            reasons.append(f"{e.uid}: transformed differently since the plan was made")
        m = mapped.get(e.uid)
        if (m.portal_hash if m else None) != e.expected_map_hash:
            reasons.append(f"{e.uid}: loaded by another plan since")
    return reasons


def _adopt(session, portal, subsite, agency: str, plan_id: int, uid: str, entry) -> None:
    """An item already on the portal with exactly the planned content, unknown to this ledger
    (lost or replaced): recorded in the id map, nothing written to the portal."""
    digest = fields_hash(entry.fields)
    slug = slug_for(uid, entry.fields["title"])
    found = portal.find_items(subsite, {uid: slug}).get(uid) if subsite is not None else None
    if found is None or not written_from(found.digest, digest):
        raise StalePlan(f"Item {uid} changed on the portal since the plan was made.",
                        f"run `portalize plan {agency}` to make a new plan, review it, then apply it")
    staged = session.get(StagedArticle, uid)
    session.merge(IdMap(uid=uid, agency=agency, source_url=staged.data["source_url"], portal_id=found.id,
                        portal_url=found.url, content_hash=staged.content_hash, portal_hash=found.digest,
                        portal_revision=found.revision, slug=slug, status="loaded", last_loaded_at=utcnow(),
                        plan_id=plan_id))
    session.add(AuditLog(agency=agency, plan_id=plan_id, action="adopt", target=found.url,
                         detail={"uid": uid, "portal_id": found.id}))
    entry.result = {"portal_id": found.id, "portal_url": found.url, "adopted": True}


def _file_bytes(session, agency: str, article: dict, asset: dict) -> bytes:
    """The bytes transform listed for a file, found by their sha256 (which the content hash
    covers), and only when they still hash to it: a file crawled again since, or its stored bytes
    changed in the ledger, is never sent in their place (b"": the item keeps the legacy address)."""
    if asset["url"].startswith(KEY_PREFIX):  # pasted into the body: the bytes are in the article
        pasted = {image.key: image.data for image in embedded_images(article.get("body_html") or "")}
        data = pasted.get(asset["url"]) or b""
    else:
        data = page_store.load_body(session, asset["sha256"])
    if data and hashlib.sha256(data).hexdigest() != asset["sha256"]:
        log.warning("%s: the stored bytes of %s no longer match the sha256 transform listed (%s); not sent, the item "
                    "keeps the legacy address. Next: run `portalize crawl %s`, then `portalize transform %s`",
                    agency, asset["url"], asset["sha256"], agency, agency)
        return b""
    return data


def _put_files(session, portal, subsite: str, agency: str, article: dict, fields: dict) -> dict[str, str]:
    """Files first: every file the item uses is on the portal before the item is written, once
    per subsite (the asset map in the ledger), de-duplicated by sha256. sha256 -> portal URL."""
    wanted = {a["sha256"]: a for a in (fields.get("attachments") or []) + (fields.get("images") or [])
              if a.get("sha256")}
    known = dict(session.execute(select(PortalFile.sha256, PortalFile.portal_url).where(
        PortalFile.subsite == subsite, PortalFile.sha256.in_(list(wanted)))).all()) if wanted else {}
    for sha256, asset in wanted.items():
        if sha256 in known:
            continue
        data = _file_bytes(session, agency, article, asset)
        if not data:
            continue  # not downloaded: the body keeps the legacy address, reported by the plan
        media_type = file_type(asset["filename"], data)  # from the bytes, never the legacy server's word
        url = portal.put_file(subsite, asset["filename"], media_type, data, sha256)
        session.add(PortalFile(sha256=sha256, subsite=subsite, portal=portal.name, filename=asset["filename"],
                               legacy_url=asset["url"], portal_url=url))
        session.flush()
        known[sha256] = url
    return known


def _item_addresses(session, uids) -> tuple[dict[str, str], dict[str, str]]:
    """(uid -> portal URL of what is loaded, uid -> legacy URL as the stand-in until it is)."""
    if not uids:
        return {}, {}
    loaded = dict(session.execute(select(IdMap.uid, IdMap.portal_url).where(IdMap.uid.in_(list(uids)))).all())
    legacy = dict(session.execute(select(StagedArticle.uid, StagedArticle.data["source_url"].as_string())
                                  .where(StagedArticle.uid.in_(list(uids)))).all())
    return loaded, legacy


def apply_plan(plan_id: int, portal, agency, category_names: dict, progress=None, break_lease: bool = False,
               registry=None) -> dict:
    """Write plan `plan_id` to the portal. With the `registry`, an agency left with nothing to
    write is then recorded as settled (plan.settle), so its next plan need not check each item."""
    with transaction() as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise PlanNotFound(f"There is no plan {plan_id}.", "run `portalize plan AGENCY` to make one")
        if plan.status == "applied":
            return {"already_applied": True, **plan.summary}
        entries = list(session.scalars(select(PlanEntry).options(defer(PlanEntry.fields), defer(PlanEntry.diff))
                                       .where(PlanEntry.plan_id == plan_id).order_by(PlanEntry.position)))
        if plan.status == "rolled-back":
            raise StalePlan(f"Plan {plan_id} for {plan.agency} was rolled back (plan {plan.summary.get('rolled_back_by')}).",
                            f"run `portalize plan {plan.agency}` to make a new plan, review it, then apply it")
        if plan.status == "superseded":
            raise StalePlan(f"Plan {plan_id} for {plan.agency} was superseded by a newer plan.",
                            f"review the newest plan (`portalize plan {plan.agency}`) and apply that one")
        if plan.lease and leases.held(plan.lease) and not break_lease:  # before anything is read as stale
            raise _busy(plan_id, plan.agency, plan.lease)
        reasons = _stale_reasons(session, plan, entries)
        if reasons:
            shown = "; ".join(reasons[:5]) + (f"; and {len(reasons) - 5} more" if len(reasons) > 5 else "")
            raise StalePlan(f"Plan {plan_id} for {plan.agency} is stale: {shown}.",
                            f"run `portalize plan {plan.agency}` to make a new plan, review it, then apply it")
        targets = link_targets(e for e in entries if e.applied_at is None and e.action in WRITES)
        _refuse_altered(session, plan, _depended_on(session, [e for e in entries if e.applied_at is None
                                                               and e.action in WRITES], targets))
        run_id = _check_runs(session, plan, portal, agency)
        pending = [(e.id, e.uid, e.action) for e in entries if e.applied_at is None]
        seen = plan.lease
    lease = _take_lease(plan_id, agency.code, seen, break_lease)
    try:
        result = _apply_entries(plan_id, pending, targets, portal, agency, category_names, progress, run_id,
                                bool(plan.summary.get("adopt")))
    finally:
        with transaction() as session:  # released whatever happened; a killed apply leaves it to be taken over
            session.execute(update(Plan).where(Plan.id == plan_id, Plan.lease == lease).values(lease=None))
    if registry is not None:
        try:
            settle(registry, portal, agency)
        except (PortalError, SQLAlchemyError) as exc:  # the plan was applied; only the shortcut is lost
            log.warning("%s: plan %s is applied, but whether the agency is left with nothing to write could not "
                        "be recorded (%s); its next plan checks each item", agency.code, plan_id, exc)
    return result


def _depended_on(session, writes: list[PlanEntry], targets: dict[str, set[str]]) -> list[str]:
    """The staged articles what the writes send depends on: each written article, and each item
    its links were planned to point at (from that item's outline: its address and aliases in the
    plan's url map). Stored fields are read a chunk at a time for their item references."""
    uids = dict.fromkeys(e.uid for e in writes)
    for linked in targets.values():
        uids.update(dict.fromkeys(sorted(linked)))
    stored = [e.id for e in writes if e.links is None]
    for start in range(0, len(stored), 200):
        for fields in session.scalars(select(PlanEntry.fields).where(PlanEntry.id.in_(stored[start:start + 200]))):
            uids.update(dict.fromkeys(sorted(references(fields or {})[0])))
    return list(uids)


def _refuse_altered(session, plan: Plan, uids: list[str]) -> None:
    """Refuses the plan when a staged article it writes (or links to) is no longer the record transform wrote
    (its data or outline changed in the ledger since, e.g. by SQL): apply would write what the
    plan's review did not show. Checked on the whole record (staging.record_hash: body_markdown
    and the outline too, not only the content hash's fields); a chunk of articles at a time."""
    altered = []
    for start in range(0, len(uids), 200):
        rows = session.execute(select(StagedArticle.uid, StagedArticle.agency, StagedArticle.data,
                                      StagedArticle.outline, StagedArticle.content_hash, StagedArticle.record_hash)
                               .where(StagedArticle.uid.in_(uids[start:start + 200]),
                                      StagedArticle.status == "ok"))
        altered += [(row.agency, row.uid, (row.data or {}).get("source_url") or "?")
                    for row in rows if not _as_transformed(row)]
    if altered:
        altered.sort(key=lambda a: (a[0] != plan.agency, a))  # the plan's own agency first
        shown = "; ".join(f"{code} {uid} {url}" for code, uid, url in altered[:5])
        more = f"; and {len(altered) - 5} more" if len(altered) > 5 else ""
        again = " and ".join(f"`portalize transform {code}`" for code in dict.fromkeys(a[0] for a in altered))
        raise StalePlan(f"Plan {plan.id} for {plan.agency} is refused: the staged content of {len(altered)} item(s) "
                        f"it writes or links to was changed after transform (it no longer matches its content hash "
                        f"and record hash), so it is not what the plan's review showed: {shown}{more}. "
                        "Nothing was written.",
                        f"run {again} to stage the legacy pages again, then `portalize plan {plan.agency}`, "
                        "review the plan and apply it")


def _as_transformed(row) -> bool:
    """Whether a staged article is the record transform wrote. A row staged before record
    hashes were kept: its content hash, and what transform derives from the body (Markdown,
    outline) derived again and compared (milliseconds; the hash takes hundredths)."""
    if row.record_hash is not None:
        return staging.is_intact(row)
    data = row.data or {}
    return (content_hash(data) == row.content_hash
            and data.get("body_markdown") == to_markdown(data.get("body_html") or "")
            and (row.outline is None or row.outline == article_outline(data)))


def _check_runs(session, plan: Plan, portal, agency) -> str:
    """This apply's run identity, recorded in the ledger before anything is written (the portal
    keeps it on every item written). Refuses when the portal's latest writes to the agency's
    subsite carry a run this ledger has no record of (nor the plan adopts): the ledger was
    restored from a backup, or another ledger writes this portal, and its picture of the items
    is not what the portal holds."""
    run = run_store.new_run()
    adopted = list((plan.summary or {}).get("adopts_runs") or ())
    if "runs" in portal.capabilities and callable(getattr(portal, "recent_runs", None)):
        subsite = portal.find_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path)
        unknown = [r for r in run_store.unknown(session, portal.recent_runs(subsite) if subsite is not None else ())
                   if r not in adopted]
        if unknown:
            raise LostLedger(f"The portal's items of {plan.agency} ({agency.subsite_path}) were written by an apply "
                             f"the ledger {config.masked(config.ledger_url())} has no record of (run {unknown[0]}"
                             f"{f' and {len(unknown) - 1} more' if len(unknown) > 1 else ''}): the ledger was restored "
                             "from a backup, or another ledger writes this portal, so what it knows of those items is "
                             f"not what the portal holds. Plan {plan.id} was not applied; nothing was written.",
                             f"run `portalize plan {plan.agency} --adopt` to take what the portal holds into this "
                             "ledger (the same content is adopted, other content is a conflict and never "
                             "overwritten), review that plan, then apply it")
    for other in adopted:
        run_store.record(session, other, plan.agency, plan.id, "adopted")
    run_store.record(session, run, plan.agency, plan.id)
    return run


def _take_lease(plan_id: int, agency: str, seen: str | None, break_lease: bool) -> str:
    """The plan's lease for this process, taken atomically (compare-and-set on the lease seen):
    a live holder is named in a Busy error; a dead one (a killed apply) is taken over."""
    if seen and leases.held(seen) and not break_lease:
        raise _busy(plan_id, agency, seen)
    lease = leases.mine()
    with transaction() as session:
        taken = session.execute(update(Plan).where(Plan.id == plan_id, Plan.lease.is_(None) if seen is None
                                                   else Plan.lease == seen)
                                .values(lease=lease, status="applying")).rowcount
        holder = None if taken == 1 else session.scalar(select(Plan.lease).where(Plan.id == plan_id))
    if taken != 1:
        raise _busy(plan_id, agency, holder or "")
    return lease


def _busy(plan_id: int, agency: str, lease: str) -> Busy:
    return Busy(f"plan {plan_id} ({agency}) is being applied by {leases.describe(lease)}",
                f"wait for it to finish, then run `portalize apply {plan_id}` again (if that process is gone "
                f"and ran on another machine, `portalize apply {plan_id} --break-lease`)")


def _batch_size() -> int:
    """Entries recorded per ledger transaction when the portal upserts by key (100;
    PORTALIZE_APPLY_BATCH changes it)."""
    value = os.environ.get("PORTALIZE_APPLY_BATCH")
    if not value:
        return 100
    if not (value.strip().isdigit() and 1 <= int(value) <= 100_000):  # nan, inf, 2.5, -1, true...
        raise UsageProblem(f"PORTALIZE_APPLY_BATCH={value!r} must be a whole number from 1 to 100000",
                           "e.g. PORTALIZE_APPLY_BATCH=100, or unset it")
    return int(value)


@dataclass
class _Run:
    """One apply run: where it writes, how, and what it has done so far."""
    plan_id: int
    portal: object
    subsite: str
    agency: object
    category_names: dict
    in_plan: set  # "item:UID" of this plan's writes
    batched: bool  # the portal upserts by key: no intents, a batch per ledger transaction
    run_id: str | None = None  # this apply's identity, kept with each item the portal writes ("runs")
    adopting: bool = False  # a plan made with --adopt: its unchanged items are taken into the id map
    done: dict = field(default_factory=lambda: {a: 0 for a in COUNTED})
    recovered: int = 0
    waiting: list = field(default_factory=list)  # written while an item of this plan they link to was not yet

    def wrote(self, entry_id: int, uid: str, wrote: dict) -> None:
        self.recovered += wrote["recovered"]
        if self.in_plan.intersection(wrote["missing"]):
            self.waiting.append((entry_id, uid))


def _apply_entries(plan_id: int, pending, targets, portal, agency, category_names: dict, progress,
                   run_id: str | None = None, adopting: bool = False) -> dict:
    """Write the pending entries, a batch per ledger transaction, each item after the items of
    the plan it links to. A portal that upserts by external key is written without intents (a
    run killed inside a batch writes the same items again on resume: found by key, recorded
    once); any other portal gets the batch's intents recorded first."""
    subsite = portal.ensure_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path)
    task = progress.add_task(f"apply plan {plan_id} ({agency.code})", total=len(pending)) if progress else None
    batched = "upsert_by_key" in getattr(portal, "capabilities", ())
    # Each batch's writes go together (_write_batch); without upsert by key, a batch is 4 writes
    # per connection, its intents recorded and what a killed run wrote looked up, once per batch.
    run = _Run(plan_id, portal, subsite, agency, category_names,
               {f"item:{uid}" for _, uid, action in pending if action in WRITES}, batched,
               run_id if "runs" in portal.capabilities else None, adopting)
    step = _batch_size() if batched else min(_batch_size(), 4 * _workers(portal))
    for levels in in_batches(pending, targets, step):
        part = [p for level in levels for p in level]
        writes = [(entry_id, uid, action) for entry_id, uid, action in part if action in WRITES]
        if writes and not batched:
            _record_intents(writes)
        with transaction() as session:
            # One query each for the batch's entries, articles and id-map rows (then in the session).
            entries = {e.id: e for e in session.scalars(select(PlanEntry).options(defer(PlanEntry.diff))
                                                        .where(PlanEntry.id.in_([i for i, _, _ in part])))}
            uids = [uid for _, uid, _ in part]
            rows = {"staged": {a.uid: a for a in session.scalars(select(StagedArticle).where(StagedArticle.uid.in_(uids)))},
                    "mapped": {m.uid: m for m in session.scalars(select(IdMap).where(IdMap.uid.in_(uids)))}}
            creates = {uid: entries[entry_id] for entry_id, uid, action in writes if action == "create"}
            if batched:
                found = _found_on_portal(portal, subsite, creates) if creates else None
            else:  # every write of the batch has its intent: what a killed run wrote is looked up at once
                found = _found_on_portal(portal, subsite, {uid: entries[i] for i, uid, _ in writes}) if writes else None
            failure = None
            for level in levels:  # a level's items link only to items of earlier levels: resolved now
                failure = _apply_level(session, run, level, entries, rows, found)
                if failure is not None:
                    break
                session.flush()
        if failure is not None:
            raise failure
        if progress:
            progress.advance(task, len(part))
    # Items linking to items of this plan written after them (a cycle, or a plan made before
    # links were kept): written again, their links resolved now, a batch at a time.
    for start in range(0, len(run.waiting), step):
        again = run.waiting[start:start + step]
        with transaction() as session:
            entries = {e.id: e for e in session.scalars(select(PlanEntry).where(PlanEntry.id.in_([i for i, _ in again])))}
            ready = [_prepare(session, plan_id, entries[i], uid, "update", portal, subsite, agency, category_names,
                              None, None, run=run.run_id) for i, uid in again]
            _write_batch(session, plan_id, ready, portal, subsite, agency, None, [])
    done, recovered = run.done, run.recovered
    with transaction() as session:
        plan = session.get(Plan, plan_id)
        plan.status, plan.applied_at = "applied", utcnow()
        # The plan's whole count, over every run that worked on it (a resumed run writes the rest).
        totals = dict(session.execute(select(PlanEntry.action, func.count()).where(
            PlanEntry.plan_id == plan_id, PlanEntry.action.in_(COUNTED), PlanEntry.applied_at.is_not(None))
            .group_by(PlanEntry.action)).all())
        event = "rolled-back" if plan.summary.get("kind") == "rollback" else "loaded"
        if event == "rolled-back" and not plan.summary.get("conflict"):  # items kept: a forced rollback may follow
            target = session.get(Plan, plan.summary["rolls_back"])
            target.status, target.summary = "rolled-back", {**target.summary, "rolled_back_by": plan_id}
        agency_store.record_event(session, agency.code, event, plan=plan_id,
                                  **{a: totals.get(a, 0) for a in COUNTED}, this_run=done, recovered=recovered)
        return {"already_applied": False, **plan.summary, "written": done, "recovered": recovered}


def _apply_level(session, run: _Run, level, entries: dict, rows: dict, found) -> Exception | None:
    """One level of a batch: each entry made ready (or deleted, adopted, passed over), then the
    writes together. Returns the failure that stopped it (what landed before it is recorded)."""
    writes = [(i, uid) for i, uid, action in level if action in WRITES]
    batch = _batch_of(session, [(entries[i], rows["staged"][uid]) for i, uid in writes])
    failure, ready = None, []
    for entry_id, uid, action in level:
        entry = entries[entry_id]
        try:
            if action in WRITES:  # made ready here, written together below
                ready.append(_prepare(session, run.plan_id, entry, uid, action, run.portal, run.subsite, run.agency,
                                      run.category_names, run.done, found, rows, batch, run=run.run_id))
            elif action == "delete":
                _delete_entry(session, run.plan_id, entry, uid, run.portal, run.subsite, run.agency, run.done)
            else:
                if action == "unchanged" and (session.get(IdMap, uid) is None
                                              or (run.adopting and (entry.result or {}).get("adopt"))):
                    _adopt(session, run.portal, run.subsite, run.agency.code, run.plan_id, uid, entry)
                entry.applied_at = utcnow()
        except (PortalError, StalePlan) as exc:  # what landed before it is recorded, then it is raised
            failure = exc
            break
    written: list = []
    try:
        if ready:
            _write_batch(session, run.plan_id, ready, run.portal, run.subsite, run.agency, run.done, written)
    except PortalError as exc:
        failure = failure or exc
    for w, wrote in written:
        run.wrote(w.entry.id, w.uid, wrote)
    return failure


def _batch_of(session, writes) -> dict:
    """A batch's fields by entry id, and the addresses of the items they link to, in two queries."""
    fields = {entry.id: _fields_of(entry, staged) for entry, staged in writes}
    targets = set().union(*(references(f)[0] for f in fields.values())) if fields else set()
    return {"fields": fields, "addresses": _item_addresses(session, targets)}


def _record_intents(writes) -> None:
    """Before the portal is written: the intent and the slug, in their own transaction. A run
    killed between the portal's write and the ledger's finds the item when resumed and records
    it, instead of writing (and counting) it a second time."""
    with transaction() as session:
        for entry in session.scalars(select(PlanEntry).where(PlanEntry.id.in_([i for i, _, _ in writes]))):
            if not (entry.result or {}).get("intent"):
                entry.result = {**(entry.result or {}), "intent": entry.action, "at": utcnow().isoformat(),
                                "slug": slug_for(entry.uid, _title(entry))}


def _found_on_portal(portal, subsite, entries: dict) -> dict:
    """The portal's items for these uids (uid -> plan entry), in one request: what a killed run
    already wrote."""
    return portal.find_items(subsite, {uid: slug_for(uid, _title(entry)) for uid, entry in entries.items()})


def _title(entry: PlanEntry) -> str:
    """The title an entry writes (a create planned from its outline has its fields derived later)."""
    return entry.fields["title"] if entry.fields is not None else entry.title


@dataclass
class _Write:
    """One planned write made ready: files on the portal, references resolved, category known."""
    entry: PlanEntry
    uid: str
    action: str
    staged: StagedArticle
    mapped: IdMap | None
    fields: dict
    slug: str
    digest: str  # what the portal keeps of the planned fields (written_digest)
    resolved: dict
    missing: list
    files: dict
    category: str
    there: Remote | None  # the item as found on the portal, when looked up
    item_id: str | None
    run: str | None = None  # the apply run's identity, for a portal that keeps it

    def request(self) -> ItemWrite:
        return ItemWrite(self.category, self.uid, self.slug, self.resolved, self.digest, self.item_id, self.run)


def _fields_of(entry: PlanEntry, staged: StagedArticle) -> dict:
    """Exactly what was planned and reviewed: stored, or for a create planned from its outline,
    derived from the article (its content hash checked as the plan's) and the planned links."""
    return entry.fields if entry.fields is not None else derive_fields(staged.data, entry.links)


def _prepare(session, plan_id, entry, uid, action, portal, subsite, agency, category_names, done, found,
             rows=None, batch: dict | None = None, run: str | None = None) -> _Write:
    """Files first, references resolved, the category and the item looked up: all but the write.
    `found`: the portal's items by key, read beforehand for a batch (None: looked up here when
    an intent was recorded or the item is not mapped). `rows`: the batch's articles and id-map
    rows, read beforehand; `batch`: its fields by entry id and its links' targets' addresses."""
    staged = rows["staged"][uid] if rows else session.get(StagedArticle, uid)
    mapped = rows["mapped"].get(uid) if rows else session.get(IdMap, uid)
    fields = batch["fields"][entry.id] if batch else _fields_of(entry, staged)
    slug = slug_for(uid, fields["title"])
    try:
        files = _put_files(session, portal, subsite, agency.code, staged.data, fields)
        loaded, legacy = batch["addresses"] if batch else _item_addresses(session, references(fields)[0])
        resolved, missing = resolve(fields, loaded, files, fallback=legacy)
        category = portal.ensure_category(subsite, fields["group"], category_names.get(fields["group"], fields["group"]))
        there = None
        if found is not None:
            there = found.get(uid)
        elif (entry.result or {}).get("intent") or mapped is None:
            there = portal.find_items(subsite, {uid: (mapped.slug if mapped and mapped.slug else slug)}).get(uid)
    except Exception as exc:
        raise _refused(exc, staged, plan_id, done) from exc
    item_id = (mapped.portal_id if mapped is not None and action in ("update", "restore") else (there.id if there else None))
    # Links kept as legacy addresses because their unit is not staged yet: read again by every
    # plan until it is (a dead link of a staged unit's site stays as it is, listed by verify).
    legacy = sum(_host(url) in _unstaged_hosts(session) for url in entry.unresolved or []) if action != "restore" else 0
    return _Write(entry, uid, action, staged, mapped, fields, slug, written_digest(fields_hash(fields), missing, legacy),
                  resolved, missing, files, category, there, item_id, run)


def _unstaged_hosts(session) -> set[str]:
    """The legacy hosts of registered units with nothing staged, once per ledger transaction."""
    if "unstaged_hosts" not in session.info:
        staged = select(StagedArticle.uid).where(StagedArticle.agency == AgencyRow.code).exists()
        session.info["unstaged_hosts"] = {host.lower() for (config,) in session.execute(
            select(AgencyRow.config).where(~staged)) for host in (config or {}).get("hosts") or ()}
    return session.info["unstaged_hosts"]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _landed(w: _Write, done) -> bool:
    """Already on the portal exactly as planned (written by a run that was killed before the
    ledger recorded it): recorded, not written again."""
    return w.there is not None and w.there.digest == w.digest and done is not None


def _refused(exc, staged, plan_id, done) -> PortalError:
    """The portal's refusal, naming the legacy page and where apply stood."""
    written = sum(done.values()) if done else 0
    if isinstance(exc, PortalError):  # the adapter's own message, with where apply stood
        return PortalError(f"{exc.message}; while writing {staged.data['source_url']}: {written} items of plan "
                           f"{plan_id} were written and kept",
                           f"{exc.hint}; then run `portalize apply {plan_id}` to continue")
    return PortalError(f"the portal refused {staged.data['source_url']} ({type(exc).__name__}: {exc}); "
                       f"{written} items of plan {plan_id} were written and kept",
                       f"run `portalize apply {plan_id}` again to continue")


def _send(portal, subsite, w: _Write) -> Remote:
    run = {"run": w.run} if w.run else {}  # only to a portal that keeps it ("runs")
    return portal.write_item(subsite, w.category, w.uid, w.slug, w.resolved, w.digest, item_id=w.item_id, **run)


def _write_one(portal, subsite, w: _Write, plan_id, done) -> Remote:
    try:
        return _send(portal, subsite, w)
    except Exception as exc:
        raise _refused(exc, w.staged, plan_id, done) from exc


def _write_batch(session, plan_id, ready: list[_Write], portal, subsite, agency, done, out: list) -> None:
    """A batch's writes in one request to a portal that takes many (`write_items`; when the
    portal refuses the batch, they are written one by one, so the item at fault is named and
    every item before it is kept), or on the adapter's connections at once. Each write's
    record is appended to `out` as it is made."""
    pending = [w for w in ready if not _landed(w, done)]
    out += [(w, _record(session, plan_id, w, w.there, True, agency, done)) for w in ready if _landed(w, done)]
    if len(pending) > 1 and "batch_writes" in portal.capabilities and callable(getattr(portal, "write_items", None)):
        try:
            refs = portal.write_items(subsite, [w.request() for w in pending])
        except Exception:  # noqa: BLE001 - written one by one below, the refusal then named
            refs = None
        if refs is not None:
            out += [(w, _record(session, plan_id, w, ref, False, agency, done)) for w, ref in zip(pending, refs)]
            return
    elif len(pending) > 1 and _workers(portal) > 1:
        _write_concurrently(session, plan_id, pending, portal, subsite, agency, done, out)
        return
    for w in pending:  # one at a time: the first refusal stops the batch
        out.append((w, _record(session, plan_id, w, _write_one(portal, subsite, w, plan_id, done), False, agency, done)))


def _workers(portal) -> int:
    """The writes the adapter makes at once (`concurrency` in portal.yml; 1 when it has none)."""
    return max(1, int(getattr(portal, "concurrency", 1) or 1))


def _write_concurrently(session, plan_id, pending: list[_Write], portal, subsite, agency, done, out: list) -> None:
    """The writes on the adapter's `concurrency` connections; every write that landed is
    recorded, then the first refusal (in plan order) is raised."""
    with ThreadPoolExecutor(max_workers=min(_workers(portal), len(pending)), thread_name_prefix="apply") as pool:
        futures = [pool.submit(_send, portal, subsite, w) for w in pending]
        wait(futures)
    refused = [(w, f.exception()) for w, f in zip(pending, futures) if f.exception() is not None]
    out += [(w, _record(session, plan_id, w, f.result(), False, agency, done))
            for w, f in zip(pending, futures) if f.exception() is None]
    if refused:
        w, exc = refused[0]
        raise _refused(exc, w.staged, plan_id, done) from exc


def _record(session, plan_id, w: _Write, ref: Remote, was_there: bool, agency, done) -> dict:
    """The ledger's side of a write that landed: the id map, the audit log, the entry."""
    entry, uid, action, staged, mapped = w.entry, w.uid, w.action, w.staged, w.mapped
    restores = (entry.result or {}).get("restores_plan")  # a rollback's restore: the plan it goes back to
    if mapped is None:
        mapped = IdMap(uid=uid, agency=agency.code)
        session.add(mapped)
    mapped.source_url, mapped.portal_id, mapped.portal_url = staged.data["source_url"], ref.id, ref.url
    # A restore wrote an older version: the id map says which (the next plan updates it to the source).
    mapped.content_hash = entry.expected_hash if action == "restore" else staged.content_hash
    mapped.portal_hash = w.digest
    mapped.portal_revision, mapped.slug = ref.revision, w.slug
    # A restore points the id map back at the plan whose fields it wrote (the next plan's diff).
    mapped.status, mapped.last_loaded_at, mapped.plan_id = "loaded", utcnow(), restores or plan_id
    missing = w.missing
    if done is None:
        session.add(AuditLog(agency=agency.code, plan_id=plan_id, action="resolve-links", target=ref.url,
                             detail={"uid": uid, "portal_id": ref.id, "unresolved": missing}))
        return {"recovered": False, "missing": missing}
    session.add(AuditLog(agency=agency.code, plan_id=plan_id, action=action, target=ref.url,
                         detail={"uid": uid, "portal_id": ref.id, "revision": ref.revision, "files": sorted(w.files),
                                 "unresolved": missing, **({"recovered": True} if was_there else {}),
                                 **({"run": w.run} if w.run else {})}))
    if entry.fields is None:
        entry.fields = w.fields  # kept: the next plan's diff and a rollback's restore read it
    entry.result = {"portal_id": ref.id, "portal_url": ref.url, "revision": ref.revision,
                    **({"restores_plan": restores} if restores else {}), **({"unresolved": missing} if missing else {})}
    entry.applied_at = utcnow()
    done[action] += 1
    return {"recovered": was_there, "missing": missing}


def _delete_entry(session, plan_id, entry, uid, portal, subsite, agency, done) -> None:
    """Remove a loaded item (gone from the source with --sync, or created by a rolled-back
    plan); the id map forgets it, the audit log keeps what it was."""
    mapped = session.get(IdMap, uid)
    if mapped is not None:
        try:
            portal.delete_item(subsite, mapped.portal_id)
        except PortalError:
            raise
        except Exception as exc:
            raise PortalError(f"the portal refused to delete {mapped.portal_url} ({type(exc).__name__}: {exc})",
                              f"run `portalize apply {plan_id}` again to continue") from exc
        session.add(AuditLog(agency=agency.code, plan_id=plan_id, action="delete", target=mapped.portal_url,
                             detail={"uid": uid, "portal_id": mapped.portal_id, "source_url": mapped.source_url,
                                     "portal_hash": mapped.portal_hash}))
        session.delete(mapped)
        done["delete"] += 1
    entry.result = {"deleted": mapped is not None}
    entry.applied_at = utcnow()
