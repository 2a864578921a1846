"""apply: execute exactly a saved plan. Refuses a stale plan; records each action as it lands,
so a run that dies part-way is finished by running the same command again, with no duplicates."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import defer

from portalize.core import leases
from portalize.core.errors import Busy, PlanNotFound, PortalError, StalePlan
from portalize.core.ledger import agencies as agency_store, pages as page_store
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import AuditLog, IdMap, Page, Plan, PlanEntry, StagedArticle, utcnow
from portalize.transform.embedded import KEY_PREFIX, embedded_images

from .base import ItemRef, fields_hash

WRITES = ("create", "update")


def _stale_reasons(session, plan: Plan, entries: list[PlanEntry]) -> list[str]:
    # Hashes and states only: the articles themselves are read one at a time when applied.
    staged = {s.uid: s for s in session.execute(select(StagedArticle.uid, StagedArticle.content_hash, StagedArticle.status)
                                                .where(StagedArticle.agency == plan.agency,
                                                       StagedArticle.status.not_in(("list", "excluded"))))}
    mapped = {m.uid: m for m in session.execute(select(IdMap.uid, IdMap.portal_hash).where(IdMap.agency == plan.agency))}
    reasons = []
    planned = {e.uid for e in entries}
    for uid in sorted(set(staged) - planned):
        reasons.append(f"{uid}: staged after the plan was made")
    for e in entries:
        if e.applied_at is not None:
            continue
        s = staged.get(e.uid)
        if s is None:
            reasons.append(f"{e.uid}: no longer staged")
        elif s.content_hash != e.expected_hash or (s.status == "skipped") != (e.action == "skip"):
            reasons.append(f"{e.uid}: transformed differently since the plan was made")
        m = mapped.get(e.uid)
        if (m.portal_hash if m else None) != e.expected_map_hash:
            reasons.append(f"{e.uid}: loaded by another plan since")
    return reasons


def _adopt(session, portal, agency: str, plan_id: int, uid: str, entry) -> None:
    """An item already on the portal with exactly the planned content, unknown to this ledger
    (lost or replaced): recorded in the id map, nothing written to the portal."""
    found = portal.find_item(uid)
    if found is None or fields_hash(found["fields"]) != fields_hash(entry.fields):
        raise StalePlan(f"Item {uid} changed on the portal since the plan was made.",
                        f"run `portalize plan {agency}` to make a new plan, review it, then apply it")
    staged = session.get(StagedArticle, uid)
    session.merge(IdMap(uid=uid, agency=agency, source_url=staged.data["source_url"], portal_id=found["id"],
                        portal_url=found["url"], content_hash=staged.content_hash, portal_hash=fields_hash(found["fields"]),
                        status="loaded", last_loaded_at=utcnow(), plan_id=plan_id))
    session.add(AuditLog(agency=agency, plan_id=plan_id, action="adopt", target=found["url"],
                         detail={"uid": uid, "portal_id": found["id"]}))
    entry.result = {"portal_id": found["id"], "portal_url": found["url"], "adopted": True}


def _upload_assets(session, portal, item_id: str, agency: str, article: dict) -> list[str]:
    urls = []
    pasted = {image.key: image.data for image in embedded_images(article.get("body_html") or "")}
    for asset in (article.get("attachments") or []) + (article.get("images") or []):
        if not asset.get("sha256"):
            continue
        if asset["url"].startswith(KEY_PREFIX):  # pasted into the body: the bytes are in the article
            data = pasted.get(asset["url"])
        else:
            page = session.scalar(select(Page).where(Page.agency == agency, Page.url == asset["url"]))
            data = page_store.load_body(session, page.sha256 if page else None)
        if data:
            urls.append(portal.upload_asset(item_id, asset["filename"], asset.get("media_type"), data, asset["sha256"]))
    return urls


def apply_plan(plan_id: int, portal, agency, category_names: dict, progress=None, break_lease: bool = False) -> dict:
    with transaction() as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise PlanNotFound(f"There is no plan {plan_id}.", "run `portalize plan AGENCY` to make one")
        if plan.status == "applied":
            return {"already_applied": True, **plan.summary}
        entries = list(session.scalars(select(PlanEntry).options(defer(PlanEntry.fields), defer(PlanEntry.diff))
                                       .where(PlanEntry.plan_id == plan_id).order_by(PlanEntry.position)))
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
        pending = [(e.id, e.uid, e.action) for e in entries if e.applied_at is None]
        seen = plan.lease
    lease = _take_lease(plan_id, agency.code, seen, break_lease)
    try:
        return _apply_entries(plan_id, pending, portal, agency, category_names, progress)
    finally:
        with transaction() as session:  # released whatever happened; a killed apply leaves it to be taken over
            session.execute(update(Plan).where(Plan.id == plan_id, Plan.lease == lease).values(lease=None))


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


def _apply_entries(plan_id: int, pending, portal, agency, category_names: dict, progress) -> dict:
    subsite = portal.ensure_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path)
    task = progress.add_task(f"apply plan {plan_id} ({agency.code})", total=len(pending)) if progress else None
    done = {"create": 0, "update": 0}
    recovered = 0
    for entry_id, uid, action in pending:
        if action in WRITES:
            # The intent is recorded before the portal is written: a run killed between the
            # portal's write and the ledger's finds the write on the portal when resumed and
            # records it, instead of writing (and counting) it a second time.
            with transaction() as session:
                entry = session.get(PlanEntry, entry_id)
                earlier = (entry.result or {}).get("intent")
                if not earlier:
                    entry.result = {"intent": action, "at": utcnow().isoformat()}
        with transaction() as session:
            entry = session.get(PlanEntry, entry_id)
            if action in WRITES:
                staged = session.get(StagedArticle, uid)
                fields = entry.fields  # exactly what was planned and reviewed
                category = portal.ensure_category(subsite, fields["group"], category_names.get(fields["group"], fields["group"]))
                try:
                    ref = _written_before(portal, uid, fields) if earlier else None
                    found_written = ref is not None
                    ref = ref or portal.upsert_item(subsite, category, uid, fields)
                    media = _upload_assets(session, portal, ref.id, agency.code, staged.data)
                except PortalError:
                    raise
                except Exception as exc:
                    raise PortalError(f"the portal refused {staged.data['source_url']} ({type(exc).__name__}: {exc}); "
                                      f"{sum(done.values())} items of plan {plan_id} were written and kept",
                                      f"run `portalize apply {plan_id}` again to continue") from exc
                mapped = session.get(IdMap, uid) or IdMap(uid=uid, agency=agency.code)
                mapped.source_url, mapped.portal_id, mapped.portal_url = staged.data["source_url"], ref.id, ref.url
                mapped.content_hash, mapped.portal_hash = staged.content_hash, fields_hash(fields)
                mapped.status, mapped.last_loaded_at, mapped.plan_id = "loaded", utcnow(), plan_id
                session.merge(mapped)
                session.add(AuditLog(agency=agency.code, plan_id=plan_id, action=action, target=ref.url,
                                     detail={"uid": uid, "portal_id": ref.id, "media": media,
                                             **({"recovered": True} if found_written else {})}))
                entry.result = {"portal_id": ref.id, "portal_url": ref.url}
                done[action] += 1
                recovered += found_written
            elif action == "unchanged" and session.get(IdMap, uid) is None:
                _adopt(session, portal, agency.code, plan_id, uid, entry)
            entry.applied_at = utcnow()
        if progress:
            progress.advance(task)
    with transaction() as session:
        plan = session.get(Plan, plan_id)
        plan.status, plan.applied_at = "applied", utcnow()
        # The plan's whole count, over every run that worked on it (a resumed run writes the rest).
        totals = dict(session.execute(select(PlanEntry.action, func.count()).where(
            PlanEntry.plan_id == plan_id, PlanEntry.action.in_(WRITES), PlanEntry.applied_at.is_not(None))
            .group_by(PlanEntry.action)).all())
        agency_store.record_event(session, agency.code, "loaded", plan=plan_id,
                                  **{a: totals.get(a, 0) for a in WRITES}, this_run=done, recovered=recovered)
        return {"already_applied": False, **plan.summary, "written": done, "recovered": recovered}


def _written_before(portal, uid: str, fields: dict):
    """The portal's item for `uid` when it already holds exactly the planned fields (the stopped
    run wrote it, then died before the ledger recorded it), else None."""
    found = portal.find_item(uid)
    if found is not None and fields_hash(found["fields"]) == fields_hash(fields):
        return ItemRef(found["id"], found["url"])
    return None
