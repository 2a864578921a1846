"""verify and status --refresh: what the portal and the legacy host show now, as evidence.

`verify AGENCY` checks that every crawled legacy URL is accounted for (migrated, redirected, or
excluded with a reason), that every loaded item is on the portal and every file in its asset
map, that the subsite has content in each group the regulation profile requires for the unit's
level, that links inside migrated bodies resolve, and that the field report is within its
thresholds (or was accepted, with a reason). `status --refresh` re-collects the lifecycle's
evidence: the interim link read back, the share of loaded items present, whether the legacy
host redirects to the portal (cut over), whether the archive and the 410 list are published."""
from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from ..core.errors import FetchFailed, NotRegistered
from ..core.ledger import agencies as agency_store
from ..core.ledger.db import transaction
from ..core.ledger.models import IdMap, Page, PlanEntry, PortalFile, StagedArticle
from ..crawlers.fetch import first_answer
from ..loaders.redirects import redirects_of
from ..transform.urls import canonical_url
from . import context
from .plan import quality_of
from .results import StatusResult, VerifyResult

KINDS = ("unaccounted", "missing_items", "missing_files", "missing_groups", "unresolved_links", "quality")


def require_registered(agencies) -> None:
    """verify and status --refresh record events on the agency's ledger row: one never
    registered has none (a database error otherwise)."""
    with transaction() as session:
        missing = [a.code for a in agencies if not agency_store.known(session, a.code)]
    if missing:
        raise NotRegistered(f"agency {', '.join(missing)} is not registered in the ledger yet",
                            f"run `portalize agencies register {' '.join(missing)}` first")


def verify_agency(registry, portal, agency) -> VerifyResult:
    gaps = {kind: [] for kind in KINDS}
    base = registry.portal.get("base_url", "https://portal.example")
    with transaction() as session:
        archived = agency_store.last_event(session, agency.code, "archived")
        rows, _ = redirects_of(session, agency, base, (archived or {}).get("path"))
        accounted = {r.legacy for r in rows}
        drop = tuple(agency.platform.discovery.get("drop_params") or ())
        crawled = session.scalars(select(Page.url).where(Page.agency == agency.code, Page.status == 200)).all()
        for url in crawled:
            if url not in accounted and canonical_url(url, drop) not in accounted:
                gaps["unaccounted"].append({"url": url, "detail": "crawled, but neither migrated, redirected nor "
                                                                  "excluded with a reason"})
        mapped = session.scalars(select(IdMap).where(IdMap.agency == agency.code)).all()
        subsite = portal.find_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path) if mapped else None
        present = portal.read_items(subsite, [m.portal_id for m in mapped]) if subsite is not None else {}
        for m in mapped:
            if m.portal_id not in present:
                gaps["missing_items"].append({"url": m.portal_url, "detail": f"loaded from {m.source_url}, not on "
                                                                            "the portal now"})
            if m.portal_hash.startswith("unresolved:"):
                gaps["unresolved_links"].append({"url": m.portal_url, "detail": "links to items not loaded yet; "
                                                 f"run `portalize plan {agency.code}` once they are"})
        staged = {s.uid: s.data for s in session.scalars(select(StagedArticle).where(
            StagedArticle.uid.in_([m.uid for m in mapped])))} if mapped else {}
        uploaded = set(session.scalars(select(PortalFile.sha256)))
        groups = set()
        for m in mapped:
            data = staged.get(m.uid) or {}
            groups.add(data.get("group"))
            for asset in (data.get("attachments") or []) + (data.get("images") or []):
                if asset.get("sha256") and asset["sha256"] not in uploaded:
                    gaps["missing_files"].append({"url": asset["url"], "detail": f"a file of {m.portal_url}, not in "
                                                                                 "the portal's asset map"})
        for uid, unresolved in session.execute(select(PlanEntry.uid, PlanEntry.unresolved).where(
                PlanEntry.plan_id.in_({m.plan_id for m in mapped}), PlanEntry.uid.in_([m.uid for m in mapped]),
                PlanEntry.unresolved.is_not(None))).all() if mapped else ():
            for link in unresolved or []:
                gaps["unresolved_links"].append({"url": link, "detail": f"linked from {uid}: a legacy page that is "
                                                                        "not migrated"})
        names = {g.code: g.name for g in registry.profile.groups}
        for code in registry.profile.required_groups.get(agency.level, ()):
            if code not in groups:
                gaps["missing_groups"].append({"url": code, "detail": f"no content in “{names.get(code, code)}”"})
        report = quality_of(session, agency)
        accepted = agency_store.last_event(session, agency.code, "quality-accepted")
        for problem in report.problems(agency.quality):
            if not accepted:
                gaps["quality"].append({"url": agency.code, "detail": problem})
        ok = not any(gaps.values())
        counts = {kind: len(found) for kind, found in gaps.items()}
        agency_store.record_event(session, agency.code, "verified" if ok else "verify-failed", **counts,
                                  crawled=len(crawled), loaded=len(mapped))
    return VerifyResult(agency=agency.code, ok=ok, crawled=len(crawled), loaded=len(mapped), gaps=gaps,
                        quality_accepted=(accepted or {}).get("reason"))


GAP_NAMES = {"unaccounted": "Địa chỉ cũ chưa được xử lý", "missing_items": "Bài đã chuyển không còn trên cổng",
             "missing_files": "Tệp chưa có trên cổng", "missing_groups": "Nhóm nội dung bắt buộc còn trống",
             "unresolved_links": "Liên kết chưa trỏ tới cổng", "quality": "Chất lượng trích xuất vượt ngưỡng"}


def verify(code: str) -> VerifyResult:
    """Check one agency's migration; every gap is listed in var/reports/verify-CODE.csv."""
    import csv

    from ..core import config
    from ..core.report_files import safe_cell
    registry = context.load()
    require_registered([registry.agency(code)])
    with context.portal_of(registry) as portal:
        result = verify_agency(registry, portal, registry.agency(code))
    path = config.var_dir() / "reports" / f"verify-{code}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Loại", "Địa chỉ", "Chi tiết"])
        for kind, found in result.gaps.items():
            for gap in found:
                writer.writerow([safe_cell(GAP_NAMES[kind]), safe_cell(gap["url"]), safe_cell(gap["detail"])])
    result.report = str(path)
    return result


def _cut_over(agency, portal_hosts: set[str], origins) -> tuple[bool, str]:
    """Whether the legacy host answers with a redirect to the portal, and what it answered."""
    try:
        status, location = first_answer(agency.base_urls[0], origins, allow_private=agency.local_test_host)
    except FetchFailed as exc:
        return False, exc.message
    target = (urlsplit(location or "").hostname or "").lower()
    if status in (301, 302, 303, 307, 308) and target in portal_hosts:
        return True, f"{agency.base_urls[0]} answers {status} to {location}"
    return False, f"{agency.base_urls[0]} answers {status}" + (f" to {location}" if location else "")


def refresh(codes=(), all_: bool = False, origins: dict | None = None) -> list[StatusResult]:
    """Re-collect each agency's evidence now; a change of state is recorded as an event."""
    registry = context.load()
    portal_hosts = {(urlsplit(registry.portal.get(k) or "").hostname or "").lower() for k in ("base_url", "url")} - {""}
    selected = context.select(registry, codes, all_)
    if codes:
        require_registered(selected)
    else:  # --all: the agencies not registered yet have no evidence to collect
        with transaction() as session:
            selected = [a for a in selected if agency_store.known(session, a.code)]
    out = []
    with context.portal_of(registry) as portal:
        links = {link["key"]: link["url"] for link in portal.links()}
        for agency in selected:
            evidence = {"link": links.get(agency.code)}
            with transaction() as session:
                mapped = session.scalars(select(IdMap.portal_id).where(IdMap.agency == agency.code)).all()
                archived = agency_store.last_event(session, agency.code, "archived")
                exported = agency_store.last_event(session, agency.code, "redirects-exported")
            subsite = (portal.find_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path)
                       if mapped else None)
            present = len(portal.read_items(subsite, mapped)) if subsite is not None else 0
            evidence["loaded"] = f"{present} of {len(mapped)} loaded items on the portal" if mapped else None
            cut, answered = _cut_over(agency, portal_hosts, origins)
            evidence["legacy_host"] = answered
            evidence["archived"] = (f"WARC {archived.get('path')}; 410 list {exported.get('path')}"
                                    if archived and exported else None)
            with transaction() as session:
                last = agency_store.last_event(session, agency.code, "cut-over-checked") or {}
                if cut != last.get("cut_over"):
                    agency_store.record_event(session, agency.code, "cut-over" if cut else "not-cut-over",
                                              evidence=answered)
                agency_store.record_event(session, agency.code, "cut-over-checked", cut_over=cut, evidence=answered)
            out.append(StatusResult(agency=agency.code, linked=evidence["link"] is not None, present=present,
                                    loaded=len(mapped), cut_over=cut, evidence=evidence))
    return out
