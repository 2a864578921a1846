"""The portalize command line: one command per step of the migration."""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import config
from .errors import MappingError, PortalizeError
from .ledger.models import AgencyRow
from .registry import load_registry

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
# Wide enough for the progress table when output goes to a file or a CI log.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 150)


class Group(click.Group):
    """Turns the project's errors into one clear message and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PortalizeError as exc:
            err.print(f"[red]Error:[/] {exc.message}", markup=True, highlight=False)
            if exc.hint:
                err.print(f"  Next: {exc.hint}", markup=False)
            ctx.exit(1)


def _registry():
    """The mappings, with the platforms detected at registration for agencies that name none."""
    registry = load_registry()
    if all(a.platform_declared for a in registry.agencies.values()):
        return registry
    from .ledger import store
    from .ledger.db import transaction
    with transaction() as session:
        return registry.with_detected(store.detected_platforms(session))


def _portal(registry):
    from loaders.registry import open_portal
    return open_portal(registry.portal)


def _bar(silent: bool) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, disable=silent)


def _origins(values) -> dict[str, str]:
    from crawlers.spiders.legacy import parse_origins
    origins = parse_origins(os.environ.get("PORTALIZE_ORIGINS", ""))
    for value in values:
        if "=" not in value:
            raise click.BadParameter(f"{value!r} should be HOST=URL, e.g. stnmt.tinh.gov.vn=http://127.0.0.1:8000",
                                     param_hint="--origin")
        origins.update(parse_origins(value))
    return origins


def _select(registry, codes, all_):
    if not codes and not all_:
        raise click.UsageError("name one or more agencies, or pass --all")
    return registry.select(codes, all_)


agencies_arg = click.argument("agencies", nargs=-1, metavar="[AGENCY]...")
all_opt = click.option("--all", "all_", is_flag=True, help="Every agency in mappings/agencies/.")
silent_opt = click.option("-s", "--silent", is_flag=True, help="No progress bars.")
origin_opt = click.option("--origin", "origins", multiple=True, metavar="HOST=URL",
                          help="Fetch a legacy host from another address (repeatable; also PORTALIZE_ORIGINS).")


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(package_name="portalize")
def cli():
    """Move the legacy websites of a province's units into the provincial portal
    (Decree 42/2022/NĐ-CP): register, link, crawl, transform, plan, apply, track.

    \b
    Example:
        portalize agencies validate
        portalize batch stnmt --apply
        portalize progress
    """


# -- registry ------------------------------------------------------------------------------
@cli.group(context_settings=CONTEXT)
def agencies():
    """The agency registry in mappings/agencies/.

    \b
    Example:
        portalize agencies validate
    """


@agencies.command("validate")
def agencies_validate():
    """Check every mapping file; list each problem as file:key: message.

    \b
    Example:
        portalize agencies validate
    """
    try:
        registry = _registry()
    except MappingError as exc:
        for problem in exc.problems:
            err.print(problem, markup=False)
        err.print(f"{len(exc.problems)} problem(s) in {config.mappings_dir()}", markup=False)
        sys.exit(1)
    for warning in registry.warnings:
        err.print(f"warning: {warning}", markup=False)
    console.print(f"OK: {len(registry.agencies)} agencies, {len(registry.platforms)} platform presets, "
                  f"profile {registry.profile.id} (deadline {registry.profile.deadline:%d/%m/%Y}).")


@agencies.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def agencies_list(as_json):
    """List the registered agencies.

    \b
    Example:
        portalize agencies list --json
    """
    registry = _registry()
    rows = [{"code": a.code, "name": a.name, "level": a.level, "platform": a.platform.name,
             "disposition": a.disposition, "successor": a.successor, "base_urls": list(a.base_urls),
             "target": a.subsite_path, "target_date": a.target_date.isoformat() if a.target_date else None}
            for a in registry.agencies.values()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        console.print(f"{r['code']:<14} {r['level']:<11} {r['platform']:<9} {r['name']}  {r['base_urls'][0]}",
                      markup=False)


@agencies.command("register")
@agencies_arg
@all_opt
@origin_opt
def agencies_register(agencies, all_, origins):
    """Record agencies in the ledger (state: registered); detect the platform of those that name none.

    \b
    Example:
        portalize agencies register --all
    """
    registry = _registry()
    _register(registry, _select(registry, agencies, all_), _origins(origins))


def _register(registry, agencies, origins: dict) -> None:
    """Record agencies in the ledger, detecting the platform of those whose file names none."""
    from transform.decode import decode_html

    from .detect import detect_platform
    from .ledger import store
    from .ledger.db import transaction
    for agency in agencies:
        detection = None
        if not agency.platform_declared:
            body, content_type = _fetch(agency.base_urls[0], origins)
            detection, _ = detect_platform(agency.base_urls[0], decode_html(body, content_type)[0], registry.platforms)
        with transaction() as session:
            new = store.register_agency(session, agency)
            if detection:
                session.get(AgencyRow, agency.code).platform = detection.platform
                store.record_event(session, agency.code, "detected", platform=detection.platform,
                                   evidence=detection.evidence)
        console.print(f"{'registered' if new else 'up to date'}: {agency.code} ({agency.name})", markup=False)
        if detection:
            console.print(f"  platform detected: {detection.platform} ({'; '.join(detection.evidence)})", markup=False)


# -- links ---------------------------------------------------------------------------------
@cli.group(context_settings=CONTEXT)
def links():
    """Interim links to each unit's existing site on the portal.

    \b
    Example:
        portalize links register --all
    """


@links.command("register")
@agencies_arg
@all_opt
def links_register(agencies, all_):
    """Put a link to each agency's legacy site on the portal (idempotent).

    \b
    Example:
        portalize links register stnmt
    """
    registry = _registry()
    _link(_select(registry, agencies, all_), _portal(registry))


def _link(agencies, portal) -> None:
    from loaders.links import register_links
    for code, url, created in register_links(agencies, portal):
        console.print(f"{'linked' if created else 'already linked'}: {code} -> {url}", markup=False)


# -- crawl / transform ---------------------------------------------------------------------
def _print_crawl(results: dict) -> None:
    for code, s in results.items():
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(s.get("by_status", {}).items()))
        kinds = ", ".join(f"{v} {k}" for k, v in sorted(s.get("by_kind", {}).items()))
        unchanged = f"; {s['not_modified']} not modified since the last crawl" if s.get("not_modified") else ""
        if s.get("known_not_rechecked") and s.get("resumed_from_ledger"):
            unchanged += f"; {s['known_not_rechecked']} articles stored before not fetched again"
        elif s.get("known_not_rechecked"):
            unchanged += f"; {s['known_not_rechecked']} stored articles under unchanged lists not re-checked (--full)"
        console.print(f"crawled {code}: {s.get('pages', 0)} pages ({kinds}); by status: {statuses}{unchanged}",
                      markup=False)
        if s.get("resumed"):
            console.print(f"  resumed the interrupted crawl of {code}", markup=False)
        for run, status in s.get("resumed_from_ledger", []):
            why = "stopped abruptly" if status == "killed" else "stopped at its page limit"
            console.print(f"  resumed from the ledger after crawl run {run} of {code} {why} "
                          "(articles it stored were kept and not fetched again)", markup=False)
        if s.get("status") == "interrupted":
            console.print(f"  interrupted; pages fetched so far are kept. Run `portalize crawl {code}` to resume.",
                          markup=False)
        if s.get("status") == "limited":
            console.print(f"  stopped early: {s.get('reason')}; pages fetched so far are kept. "
                          f"Raise --max-pages and run `portalize crawl {code}` again.", markup=False)
        for url, error in s.get("errors", [])[:5]:
            console.print(f"  failed: {url} ({error})", markup=False)
        if s.get("depth_limited"):
            console.print(f"  depth limit reached: {s['depth_limited']} links not followed. To go deeper, run "
                          f"`portalize crawl {code} -S PORTALIZE_MAX_DEPTH=<more>`.", markup=False)
        if s.get("unreached"):
            console.print(f"  {s['unreached']} linked pages never reached; list: {s['unreached_report']}", markup=False)
    logs = {s["log"] for s in results.values() if s.get("log")}
    if logs:
        console.print(f"Crawl log: {', '.join(sorted(logs))}", markup=False)


@cli.command()
@agencies_arg
@all_opt
@origin_opt
@click.option("--max-pages", type=int, help="Hard limit of pages per agency.")
@click.option("-S", "--setting", "settings", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting for this crawl, e.g. DOWNLOAD_DELAY=1 (repeatable).")
@click.option("--full", is_flag=True, help="Re-check every stored page, not only those that changed lists show.")
@silent_opt
def crawl(agencies, all_, origins, max_pages, settings, full, silent):
    """Harvest agencies' legacy sites into the raw store (every response kept).

    \b
    Example:
        portalize crawl stnmt --origin stnmt.tinhmau.gov.vn=http://127.0.0.1:8000
    """
    from .crawl import run_crawls
    registry = _registry()
    selected = _select(registry, agencies, all_)
    overrides = {}
    for item in settings:
        if "=" not in item:
            raise click.BadParameter(f"{item!r} should be NAME=VALUE, e.g. DOWNLOAD_DELAY=1", param_hint="--setting")
        name, value = item.split("=", 1)
        overrides[name.strip()] = value.strip()
    if full:
        overrides["PORTALIZE_REVALIDATE_ALL"] = True
    results = run_crawls(selected, _origins(origins), progress=not silent, max_pages=max_pages, overrides=overrides)
    _print_crawl(results)
    stopped = [code for code, s in results.items() if s.get("status") == "interrupted"]
    if stopped:
        from .errors import CrawlFailed
        raise CrawlFailed(f"crawl interrupted for {', '.join(stopped)}; everything fetched so far is kept",
                          f"run `portalize crawl {' '.join(stopped)}` to resume where it stopped")


def _transform(registry, selected, silent):
    from .transform_run import transform_agency
    with _bar(silent) as bar:
        results = {a.code: transform_agency(registry, a, bar) for a in selected}
    for code, counts in results.items():
        console.print(f"transformed {code}: {counts.get('ok', 0)} articles, {counts.get('skipped', 0)} skipped, "
                      f"{counts.get('warnings', 0)} warnings", markup=False)
        if counts.get("compromised"):
            console.print(f"  [bold red]{counts['compromised']} article(s) held hidden links to other sites[/] "
                          "(removed): the legacy site may have been compromised; see the report")
        if counts.get("report"):
            console.print(f"  every warning and skipped page, for review: {counts['report']}", markup=False)
    return results


@cli.command()
@agencies_arg
@all_opt
@silent_opt
def transform(agencies, all_, silent):
    """Re-run transform over stored pages (no network) into staged articles.

    \b
    Example:
        portalize transform stnmt
    """
    registry = _registry()
    _transform(registry, _select(registry, agencies, all_), silent)


def _fetch(url: str, origins: dict | None = None) -> tuple[bytes, str | None]:
    """One page, through its origin override when it has one (see --origin)."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit
    request = urllib.request.Request(url, headers={"User-Agent": "portalize/0.1 (extract)"})
    origin = (origins or {}).get((urlsplit(url).hostname or "").lower())
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": origin} if origin else {}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.read(), response.headers.get("Content-Type")
    except (urllib.error.URLError, OSError) as exc:
        from .errors import CrawlFailed
        raise CrawlFailed(f"could not fetch {url} ({getattr(exc, 'reason', exc)})",
                          "check the address, or save the page and run `portalize extract FILE --url URL`") from exc


@cli.command()
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--url", "page_url", help="The page's legacy URL (for a saved file: resolves links, names the uid).")
@click.option("--agency", help="Use this agency's mapping; without it, automatic extraction.")
@click.option("--json", "as_json", is_flag=True, help="Print the canonical article as JSON.")
@origin_opt
def extract(source, page_url, agency, as_json, origins):
    """Print the canonical article for one saved HTML file or URL, and which selector gave each field.

    \b
    Example:
        portalize extract saved-page.html --url http://stnmt.tinh.gov.vn/-/bai-viet --agency stnmt
        portalize extract https://example.gov.vn/tin-tuc/bai-1.html --json
    """
    from pathlib import Path

    from transform.pipeline import Mapping, RawPage, transform_page
    from transform.schema import SkippedPage

    from .transform_run import mapping_for
    path = Path(source)
    if path.is_file():
        body, content_type = path.read_bytes(), None
        page_url = page_url or path.resolve().as_uri()
        fetched_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)  # saved then
    elif source.startswith(("http://", "https://")):
        body, content_type = _fetch(source, _origins(origins))
        page_url = page_url or source
        fetched_at = dt.datetime.now(dt.timezone.utc)
    else:
        raise click.BadParameter(f"{source!r} is neither a file nor an http(s) URL", param_hint="FILE_OR_URL")
    if agency:
        registry = _registry()
        mapping = mapping_for(registry, registry.agency(agency))
    else:
        mapping = Mapping(agency="extract")
    result = transform_page(RawPage(page_url, 200, body, content_type, fetched_at), mapping)
    if isinstance(result, SkippedPage):
        err.print(f"Not extracted: {result.reason} ({page_url})", markup=False)
        sys.exit(1)
    data = result.to_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console.print(f"extracted by {data['extracted_by']}", markup=False)
    for name in ("title", "published_at", "summary", "legacy_category", "group", "kind", "author", "source_name"):
        source_of = data["field_sources"].get(name if name not in ("published_at", "legacy_category") else
                                              {"published_at": "date", "legacy_category": "category"}[name], "")
        console.print(f"{name:>15}: {data[name]}  [{source_of}]" if data[name] else f"{name:>15}: —",
                      markup=False, highlight=False)
    for kind in ("attachments", "images"):
        for asset in data[kind]:
            console.print(f"{kind[:-1]:>15}: {asset['filename']}  {asset['url']}", markup=False)
    for warning in data["warnings"]:
        console.print(f"{'warning':>15}: {warning}", markup=False)
    console.print(f"{'body':>15}: [{data['field_sources'].get('body', '')}]", markup=False)
    console.print(data["body_markdown"][:1200], markup=False, highlight=False)


@cli.command()
@click.argument("url")
@origin_opt
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def detect(url, origins, as_json):
    """Name the platform of a legacy site from URL and HTML markers, with the evidence.

    \b
    Example:
        portalize detect http://stnmt.tinh.gov.vn/web/guest/trang-chu
    """
    from transform.decode import decode_html

    from .detect import detect_platform
    body, content_type = _fetch(url, _origins(origins))
    html, _ = decode_html(body, content_type)
    best, candidates = detect_platform(url, html, _registry().platforms)
    if as_json:
        click.echo(json.dumps({"platform": best.platform, "score": best.score, "evidence": best.evidence,
                               "candidates": [c.__dict__ for c in candidates]}, ensure_ascii=False, indent=2))
        return
    console.print(f"{url}: {best.platform}", markup=False)
    for line in best.evidence:
        console.print(f"  - {line}", markup=False)
    for other in candidates[1:]:
        console.print(f"  (also {other.platform}: {other.score} marker(s))", markup=False)


@cli.group(context_settings=CONTEXT)
def mapping():
    """Write and fix an agency's mapping against real pages.

    \b
    Example:
        portalize mapping check stnmt http://stnmt.tinh.gov.vn/-/asset_publisher/x/content/bai-viet
    """


@mapping.command("check")
@click.argument("agency")
@click.argument("url")
@origin_opt
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def mapping_check(agency, url, origins, as_json):
    """Fetch one page and show every field: each selector in order, what it yields, which is used.

    \b
    Example:
        portalize mapping check xa-hoaxuan http://hoaxuan.tinh.gov.vn/vi/news/tin-tuc/bai-1.html
    """
    from transform.decode import decode_html
    from transform.extract import explain_fields
    record = _registry().agency(agency)
    body, content_type = _fetch(url, _origins(origins))
    html, warnings = decode_html(body, content_type)
    rows = explain_fields(html, record.platform.fields)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    console.print(f"{url}  (platform {record.platform.name}, {record.platform.label})", markup=False)
    for warning in warnings:
        console.print(f"  warning: {warning}", markup=False)
    for row in rows:
        mark = "=>" if row["used"] else "  "
        value = row["value"][:70] if row["matches"] else "(no match)"
        console.print(f"{mark} {row['field']:<11} {row['selector']:<58} {value}", markup=False, highlight=False)
    missing = sorted({r["field"] for r in rows} - {r["field"] for r in rows if r["used"]} - {"attachments", "images"})
    if missing:
        console.print(f"No selector matched: {', '.join(missing)}. Add one under fields: in "
                      f"mappings/platforms/{record.platform.name}.yml (or the agency's overrides).", markup=False)


@cli.command()
@click.argument("agency")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def categories(agency, as_json):
    """List the legacy categories of an agency's staged articles, their content group and counts.

    \b
    Example:
        portalize categories xa-hoaxuan
    """
    from collections import Counter

    from sqlalchemy import select

    from .ledger.db import transaction
    from .ledger.models import StagedArticle
    registry = _registry()
    record = registry.agency(agency)
    with transaction() as session:
        rows = session.scalars(select(StagedArticle).where(StagedArticle.agency == record.code,
                                                           StagedArticle.status == "ok")).all()
        counts = Counter((r.data.get("legacy_category") or "", r.data.get("group")) for r in rows)
    if not rows:
        err.print(f"No staged articles for {record.code}.", markup=False)
        err.print(f"  Next: run `portalize transform {record.code}` (after `portalize crawl {record.code}`)",
                  markup=False)
        sys.exit(1)
    listing = [{"legacy_category": c, "group": g, "count": n, "mapped": g != "other"}
               for (c, g), n in counts.most_common()]
    if as_json:
        click.echo(json.dumps(listing, ensure_ascii=False, indent=2))
        return
    for row in listing:
        mark = "" if row["mapped"] else "   <- not mapped"
        console.print(f"{row['count']:>6}  {row['legacy_category'] or '(none)':<40} -> {row['group']}{mark}",
                      markup=False)
    if any(not r["mapped"] for r in listing):
        console.print(f"Map them under `categories:` in {record.source_file}, then run "
                      f"`portalize transform {record.code}`.", markup=False)


# -- plan / apply --------------------------------------------------------------------------
def _plan(registry, portal, agency, as_json=False):
    from loaders.plan import make_plan, plan_entries, staged_warnings
    from .ledger.db import transaction
    from .reports import print_plan, write_plan_html
    plan = make_plan(agency, registry, portal)
    with transaction() as session:
        entries = plan_entries(session, plan.id)
        warnings = staged_warnings(session, agency.code)
    html = write_plan_html(plan, entries, agency, registry, portal.name, warnings)
    if as_json:
        click.echo(json.dumps({"plan": plan.id, "agency": agency.code, "summary": plan.summary, "html": str(html),
                               "entries": [{"uid": e.uid, "action": e.action, "title": e.title, "reason": e.reason,
                                            "diff": e.diff} for e in entries]}, ensure_ascii=False, indent=2))
    else:
        print_plan(console, plan, entries, agency, html)
    return plan


def _plan_migrating(registry, portal, agencies) -> list:
    """Plans for the agencies to migrate; archive-only ones are said and passed over."""
    plans = []
    for agency in agencies:
        if agency.disposition == "migrate":
            plans.append(_plan(registry, portal, agency))
        else:
            console.print(f"{agency.code} is archive-only: crawled and kept, not planned.", markup=False)
    return plans


@cli.command()
@agencies_arg
@all_opt
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(agencies, all_, as_json):
    """Save a dry-run plan (create/update/unchanged/skip) with diffs and an HTML review page.

    \b
    Example:
        portalize plan stnmt
    """
    registry = _registry()
    portal = _portal(registry)
    for agency in _select(registry, agencies, all_):
        _plan(registry, portal, agency, as_json)


def _apply(registry, portal, plan_id, silent):
    from loaders.apply import apply_plan
    from .ledger.db import transaction
    from .ledger.models import Plan
    with transaction() as session:
        row = session.get(Plan, plan_id)
        if row is None:
            from .errors import PlanNotFound
            raise PlanNotFound(f"There is no plan {plan_id}.", "run `portalize plan AGENCY` to make one")
        agency = registry.agency(row.agency)
    names = {g.code: g.name for g in registry.profile.groups}
    with _bar(silent) as bar:
        result = apply_plan(plan_id, portal, agency, names, bar)
    if result["already_applied"]:
        console.print(f"Plan {plan_id} ({agency.code}) was already applied; nothing to do.", markup=False)
    else:
        w = result["written"]
        console.print(f"applied plan {plan_id} ({agency.code}): {w['create']} created, {w['update']} updated, "
                      f"{result['unchanged']} unchanged, {result['skip']} skipped, {result['conflict']} conflicts kept",
                      markup=False)
    return result


@cli.command()
@click.argument("plan_id", type=int)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@silent_opt
def apply(plan_id, yes, silent):
    """Apply exactly a reviewed plan to the portal; a stale plan is refused.

    \b
    Example:
        portalize apply 3 --yes
    """
    registry = _registry()
    if not yes and sys.stdin.isatty():
        click.confirm(f"Write plan {plan_id} to the portal?", abort=True)
    _apply(registry, _portal(registry), plan_id, silent)


@cli.command()
@agencies_arg
@all_opt
@origin_opt
@click.option("--apply", "do_apply", is_flag=True, help="Apply the plans after making them.")
@click.option("--max-pages", type=int, help="Hard limit of pages per agency.")
@silent_opt
def batch(agencies, all_, origins, do_apply, max_pages, silent):
    """Crawl -> transform -> plan for agencies, and with --apply, apply.

    \b
    Example:
        portalize batch stnmt xa-hoaxuan --apply
    """
    from .crawl import run_crawls
    registry = _registry()
    selected = _select(registry, agencies, all_)
    portal = _portal(registry)
    _print_crawl(run_crawls(selected, _origins(origins), progress=not silent, max_pages=max_pages))
    _transform(registry, selected, silent)
    plans = _plan_migrating(registry, portal, selected)
    if do_apply:
        for p in plans:
            _apply(registry, portal, p.id, silent)


@cli.command()
@agencies_arg
@all_opt
@click.option("--output", type=click.Path(dir_okay=False), help="WARC file to write (one agency only).")
@silent_opt
def archive(agencies, all_, output, silent):
    """Write each agency's stored crawl as a standard WARC file (keep the legacy site after switch-off).

    \b
    Example:
        portalize archive xa-hoaxuan
    """
    from pathlib import Path

    from .archive import write_warc
    registry = _registry()
    selected = _select(registry, agencies, all_)
    if output and len(selected) != 1:
        raise click.UsageError("--output names one file: give exactly one agency")
    with _bar(silent) as bar:
        for agency in selected:
            path, count = write_warc(agency, Path(output) if output else None, bar)
            if count == 0:
                err.print(f"{agency.code}: nothing stored yet. Next: run `portalize crawl {agency.code}`", markup=False)
            else:
                console.print(f"archived {agency.code}: {count} records -> {path}", markup=False)


# -- progress ------------------------------------------------------------------------------
def today_local() -> dt.date:
    if os.environ.get("PORTALIZE_TODAY"):
        return dt.date.fromisoformat(os.environ["PORTALIZE_TODAY"])
    return dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _progress(registry, portal, as_json=False, xlsx=None):
    from .progress import agency_progress
    from .reports import progress_table, write_progress_xlsx
    rows = agency_progress(registry, portal)
    if xlsx:
        write_progress_xlsx(xlsx, rows, registry, today_local())
        err.print(f"Wrote {xlsx}", markup=False)
    if as_json:
        today = today_local()
        for r in rows:
            deadline = r["target_date"] or registry.profile.deadline
            r["days_left"] = (deadline - today).days
            r["statutory_days_overdue"] = max(0, (today - registry.profile.deadline).days)
            r["target_date"] = r["target_date"].isoformat() if r["target_date"] else None
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        console.print(progress_table(rows, registry, today_local()))
    return rows


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--xlsx", type=click.Path(dir_okay=False, writable=True), help="Also write the table to an Excel file.")
def progress(as_json, xlsx):
    """Each agency's lifecycle state, counts, and days left or overdue.

    \b
    Example:
        portalize progress --xlsx tien-do.xlsx
    """
    registry = _registry()
    _progress(registry, _portal(registry), as_json, xlsx)


# -- samples and demo ----------------------------------------------------------------------
@cli.command("serve-samples")
@click.option("--port", type=int, default=8642, show_default=True, help="Port on 127.0.0.1.")
def serve_samples(port):
    """Serve the bundled sample legacy sites on localhost until Ctrl-C.

    \b
    Example:
        portalize serve-samples --port 8642
    """
    from .samples.server import SampleServer
    with SampleServer(port) as server:
        origins = ",".join(f"{h}={u}" for h, u in server.origins.items())
        console.print(f"Serving {', '.join(server.origins)} at {server.url}", markup=False)
        console.print(f"Crawl them with: PORTALIZE_ORIGINS={origins} portalize batch --all", markup=False)
        try:
            server.thread.join()
        except KeyboardInterrupt:
            pass


@cli.command()
@silent_opt
def demo(silent):
    """Run the whole migration on the bundled sample sites and the embedded portal.

    \b
    Example:
        portalize demo
    """
    from .demo import run_demo
    run_demo(console, silent)


def main():
    cli(prog_name="portalize")


if __name__ == "__main__":
    main()
