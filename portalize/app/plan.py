"""Plan and apply: a saved, reviewable dry run per agency, then exactly that plan written."""
from __future__ import annotations

from portalize.transform.quality import FieldReport, field_report

from ..core.errors import PlanNotFound, QualityGateFailed
from ..core.ledger import agencies as agency_store, plans as plan_store, staging
from ..core.ledger.db import transaction
from ..loaders.apply import apply_plan
from ..loaders.plan import WRITES, create_diffs, entry_fields, make_plan, plan_entries, plan_previews, staged_warnings
from ..loaders.plan import staged_quarantine
from ..loaders.rollback import make_rollback
from . import context
from .reports import write_plan_html
from .results import ApplyResult, PlanEntryView, PlanResult


def quality_of(session, agency):
    """The field report of the agency's staged transform. What it counts of the items was kept
    with the transform (staging changes only with a transform, in the same transaction); for a
    transform recorded before that, every staged article is read again."""
    counts = staging.counts(session, agency.code)
    last = agency_store.last_event(session, agency.code, "transformed") or {}
    pages = dict(lists=counts.get("list", 0), excluded=counts.get("skipped", 0) + counts.get("excluded", 0),
                 listed=last.get("listed", 0), listed_missing=sorted(last.get("listed_missing", ())))
    if last.get("item_stats") is not None:
        return FieldReport(**last["item_stats"], **pages)
    return field_report(staging.staged_items(session, agency.code), **pages)


def check_quality(agency, report, accept_quality: str | None) -> list[str]:
    """The quality gate: refuses with the fields to look at, unless a person accepted the
    report with a reason (recorded as an event by the caller)."""
    problems = report.problems(agency.quality)
    if problems and not accept_quality:
        raise QualityGateFailed(
            f"Quality gate for agency {agency.code}: " + "; ".join(problems) + ". No plan was made.",
            f"look closer with `portalize mapping check {agency.code} URL` and `portalize categories {agency.code}`, "
            f"fix mappings/agencies/{agency.code}.yml (or its thresholds under `quality:`) and run "
            f"`portalize transform {agency.code}`; or accept with `portalize plan {agency.code} --accept-quality \"reason\"`",
            problems)
    return problems


def plan_agency(registry, portal, agency, pass_over_archive_only: bool = True,
                accept_quality: str | None = None, adopt: bool = False, **partial) -> PlanResult:
    """One agency's plan, saved in the ledger, with its HTML review page. An archive-only
    agency is never planned: passed over (its result says so and holds no plan), or, when it
    was named on its own, refused with ArchiveOnly. The quality gate comes first."""
    if agency.disposition != "migrate" and pass_over_archive_only:
        return PlanResult(plan=None, agency=agency.code, summary={}, html=None, archive_only=True)
    with transaction() as session:
        agency_store.register_agency(session, agency)  # a plan is made for a known agency
        report = quality_of(session, agency)
    if agency.disposition == "migrate":
        problems = check_quality(agency, report, accept_quality)
        if problems:
            with transaction() as session:
                agency_store.record_event(session, agency.code, "quality-accepted", reason=accept_quality,
                                          problems=problems)
    plan = make_plan(agency, registry, portal, adopt=adopt, **partial)
    return _result(plan, agency, registry, portal.name, report, accept_quality)


def _result(plan, agency, registry, portal_name: str, report=None, accept_quality=None) -> PlanResult:
    """The saved plan with its HTML review page (written again from the ledger)."""
    with transaction() as session:
        entries = plan_entries(session, plan.id)
        warnings = staged_warnings(session, agency.code)
        quarantine = staged_quarantine(session, agency.code)
        fields = entry_fields(session, plan.id, WRITES + ("conflict",))
        previews = plan_previews(session, plan.id, fields)
        diffs = create_diffs(entries, fields)
    views = [PlanEntryView(uid=e.uid, action=e.action, title=e.title, reason=e.reason, diff=diffs.get(e.uid, e.diff),
                           unresolved=e.unresolved or []) for e in entries]
    html = write_plan_html(plan, views, agency, registry, portal_name, warnings, report, accept_quality, previews,
                           quarantine)
    return PlanResult(plan=plan.id, agency=agency.code, summary=dict(plan.summary), html=str(html),
                      quality=report.to_dict() if report else {}, accepted_quality=accept_quality, entries=views)


def plan(codes=(), all_: bool = False, accept_quality: str | None = None, adopt: bool = False,
         only=(), limit: int | None = None, sync: bool = False, force=(), recheck: bool = False) -> list[PlanResult]:
    """Save a dry-run plan (create / update / unchanged / skip / conflict, and delete with
    `sync`) per agency. `accept_quality`: why a field report that crosses the quality gate is
    accepted; `adopt`: take items the portal already holds into a ledger that lost track of
    them (lost, restored from a backup, or another ledger's writes); `only` (uids) and `limit`
    (at most N writes) make a partial plan; `force` (uids): their conflicts become updates over
    the portal's version, their quarantine (suspected injected spam) is lifted; `recheck`:
    compare each item even for an agency recorded as settled."""
    registry = context.load()
    selected = context.select(registry, codes, all_)
    url_maps: dict = {}  # the province's addresses, mapped once for all the agencies planned
    with context.portal_of(registry) as portal:
        return [plan_agency(registry, portal, agency, pass_over_archive_only=all_ or len(selected) > 1,
                            accept_quality=accept_quality, adopt=adopt, only=tuple(only) or None, limit=limit,
                            sync=sync, force=tuple(force), url_maps=url_maps, recheck=recheck)
                for agency in selected]


def show_plan(plan_id: int) -> PlanResult:
    """A saved plan, every entry with its whole diff (for `plan show`)."""
    with transaction() as session:
        row = plan_store.get(session, plan_id)
        if row is None:
            raise PlanNotFound(f"There is no plan {plan_id}.", "run `portalize plan AGENCY` to make one")
        entries = plan_entries(session, plan_id)
        diffs = create_diffs(entries, entry_fields(session, plan_id, ("create",)))
        return PlanResult(plan=row.id, agency=row.agency, summary=dict(row.summary), html=None,
                          status=row.status,
                          entries=[PlanEntryView(uid=e.uid, action=e.action, title=e.title, reason=e.reason,
                                                 diff=diffs.get(e.uid, e.diff)) for e in entries])


def rollback(code: str, plan_id: int | None = None, force=()) -> PlanResult:
    """Plan the undoing of an applied plan (default: the agency's last): review it, then
    `portalize apply` it like any plan."""
    registry = context.load()
    agency = registry.agency(code)
    with context.portal_of(registry) as portal:
        made = make_rollback(agency, portal, plan_id, force=force)
        return _result(made, agency, registry, portal.name)


def apply(plan_id: int, progress=None, break_lease: bool = False) -> ApplyResult:
    """Write exactly plan `plan_id` to the portal; a stale or superseded plan is refused, and a
    run stopped half-way continues where it stopped."""
    registry = context.load()
    with transaction() as session:
        row = plan_store.get(session, plan_id)
        if row is None:
            raise PlanNotFound(f"There is no plan {plan_id}.", "run `portalize plan AGENCY` to make one")
        agency = registry.agency(row.agency)
    names = {g.code: g.name for g in registry.profile.groups}
    with context.portal_of(registry) as portal:
        result = apply_plan(plan_id, portal, agency, names, progress, break_lease=break_lease, registry=registry)
    written = result.get("written", {})
    return ApplyResult(plan=plan_id, agency=agency.code, already_applied=result["already_applied"],
                       created=written.get("create", 0), updated=written.get("update", 0),
                       unchanged=result.get("unchanged", 0), skipped=result.get("skip", 0),
                       conflicts=result.get("conflict", 0), recovered=result.get("recovered", 0),
                       restored=written.get("restore", 0), deleted=written.get("delete", 0))
