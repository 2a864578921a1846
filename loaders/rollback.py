"""rollback: a plan that undoes an applied plan, from the audit log and the plans before it.
Items the plan created are deleted; items it updated get back the fields of the plan that
wrote them before; items that existed before it (adopted, or loaded by earlier plans) are kept.
Like any plan it is saved, reviewed (HTML page, `plan show`) and written by `portalize apply`.
An item edited on the portal since is a conflict, never overwritten."""
from __future__ import annotations

from sqlalchemy import select, update

from portalize.core.errors import PlanNotFound, UsageProblem
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import AuditLog, IdMap, Plan, PlanEntry, utcnow

from .base import fields_hash
from .diff import field_diff
from .plan import fingerprint


def _target_plan(session, agency: str, plan_id: int | None) -> Plan:
    if plan_id is not None:
        plan = session.get(Plan, plan_id)
        if plan is None or plan.agency != agency:
            raise PlanNotFound(f"There is no plan {plan_id} of {agency}.",
                               f"`portalize rollback {agency}` rolls back its last applied plan")
    else:
        plan = session.scalar(select(Plan).where(Plan.agency == agency, Plan.status == "applied")
                              .order_by(Plan.id.desc()).limit(1))
        while plan is not None and plan.summary.get("kind") == "rollback":
            plan = session.scalar(select(Plan).where(Plan.agency == agency, Plan.status == "applied",
                                                     Plan.id < plan.id).order_by(Plan.id.desc()).limit(1))
        if plan is None:
            raise PlanNotFound(f"No plan of {agency} was applied: there is nothing to roll back.",
                               "`portalize progress` shows what was done")
    if plan.status == "rolled-back":
        raise UsageProblem(f"Plan {plan.id} of {agency} was already rolled back (plan {plan.summary.get('rolled_back_by')}).")
    if plan.status not in ("applied", "applying"):
        raise UsageProblem(f"Plan {plan.id} of {agency} was never applied ({plan.status}): nothing to roll back.")
    return plan


def _earlier_fields(session, uid: str, before_plan: int):
    """(plan id, fields) the item was last written with before `before_plan`, or None."""
    row = session.execute(select(PlanEntry.plan_id, PlanEntry.fields, PlanEntry.expected_hash)
                          .join(Plan, Plan.id == PlanEntry.plan_id)
                          .where(PlanEntry.uid == uid, PlanEntry.plan_id < before_plan,
                                 PlanEntry.action.in_(("create", "update", "restore")),
                                 PlanEntry.applied_at.is_not(None))
                          .order_by(PlanEntry.plan_id.desc()).limit(1)).first()
    return row


def make_rollback(agency, portal, plan_id: int | None = None, force=()) -> Plan:
    """Save the plan that undoes `plan_id` (default: the agency's last applied plan)."""
    force = set(force)
    with transaction() as session:
        target = _target_plan(session, agency.code, plan_id)
        written = session.execute(select(AuditLog.action, AuditLog.detail).where(
            AuditLog.plan_id == target.id, AuditLog.action.in_(("create", "update", "restore"))).order_by(AuditLog.id))
        touched: dict[str, str] = {}
        for action, detail in written:
            touched.setdefault(detail["uid"], action)
        mapped = {m.uid: m for m in session.scalars(select(IdMap).where(IdMap.uid.in_(list(touched))))}
        subsite = portal.find_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path)
        current = portal.read_items(subsite, [m.portal_id for m in mapped.values()]) if subsite and mapped else {}
        session.execute(update(Plan).where(Plan.agency == agency.code, Plan.status == "pending")
                        .values(status="superseded"))
        plan = Plan(agency=agency.code, fingerprint="", created_at=utcnow(), summary={})
        session.add(plan)
        session.flush()
        counts: dict[str, int] = {}
        keys = []
        for position, (uid, action) in enumerate(sorted(touched.items())):
            m = mapped.get(uid)
            entry = PlanEntry(plan_id=plan.id, position=position, uid=uid, title=uid,
                              expected_map_hash=m.portal_hash if m else None, result={})
            remote = current.get(m.portal_id) if m else None
            if m is None or m.plan_id != target.id:
                entry.action, entry.reason = "skip", (f"written by plan {m.plan_id} since; roll that one back first"
                                                      if m else "no longer on the portal (deleted since)")
            elif remote is None:
                entry.action, entry.reason = "skip", f"{m.portal_url} is no longer on the portal"
            elif m.portal_revision and remote.revision != m.portal_revision and uid not in force:
                entry.action, entry.reason = "conflict", (f"edited on the portal after plan {target.id} wrote it "
                                                          f"({m.portal_url}); kept (--force {uid} to roll it back)")
            elif action == "create":
                entry.action, entry.title = "delete", m.source_url
                entry.reason = f"created by plan {target.id}: {m.portal_url} is removed"
            else:
                earlier = _earlier_fields(session, uid, target.id)
                if earlier is None:  # updated an item this ledger adopted: nothing older to go back to
                    entry.action, entry.reason = "skip", "no earlier version in the ledger (adopted); kept"
                else:
                    before_plan, fields, content_hash = earlier
                    now = session.scalar(select(PlanEntry.fields).where(PlanEntry.plan_id == target.id,
                                                                        PlanEntry.uid == uid))
                    entry.action, entry.fields, entry.title = "restore", fields, fields.get("title") or uid
                    entry.expected_hash, entry.result = content_hash, {"restores_plan": before_plan}
                    entry.diff = field_diff(now, fields)
                    entry.reason = f"updated by plan {target.id}: back to what plan {before_plan} wrote"
            counts[entry.action] = counts.get(entry.action, 0) + 1
            session.add(entry)
            keys.append((uid, entry.action, fields_hash(entry.fields) if entry.fields else None, entry.expected_map_hash))
        plan.fingerprint = fingerprint(keys)
        plan.summary = {"create": 0, "update": 0, "restore": counts.get("restore", 0), "delete": counts.get("delete", 0),
                        "unchanged": 0, "skip": counts.get("skip", 0), "conflict": counts.get("conflict", 0),
                        "portal": portal.name, "unresolved_links": 0, "kind": "rollback", "rolls_back": target.id}
        from portalize.core.ledger.agencies import record_event
        record_event(session, agency.code, "planned", plan=plan.id, **plan.summary)
        return plan
