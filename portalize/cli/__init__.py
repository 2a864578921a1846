"""The portalize command line: one command per step of the migration. Each command calls one
function of `portalize.api` and formats its result (`--json` prints the result as JSON)."""
from __future__ import annotations

import gc
import logging
import os
import sys

import click

from .. import api
from . import format as show

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Group(click.Group):
    """One error path: an expected failure prints its message and the next command to run,
    and exits with status 1, never with a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except api.PortalizeError as exc:
            self._fail(ctx, exc)
        except Exception as exc:  # a ledger that cannot be read or written: its own message
            problem = api.ledger_problem(exc)
            if problem is None:
                raise
            self._fail(ctx, problem)

    @staticmethod
    def _fail(ctx, exc) -> None:
        show.warn(f"Error: {exc.message}")
        if exc.hint:
            show.warn(f"  Next: {exc.hint}")
        ctx.exit(1)


def _origins(values) -> dict[str, str]:
    origins = api.parse_origins(os.environ.get("PORTALIZE_ORIGINS", ""))
    for value in values:
        if "=" not in value:
            raise click.BadParameter(f"{value!r} should be HOST=URL, e.g. stnmt.tinh.gov.vn=http://127.0.0.1:8000",
                                     param_hint="--origin")
        origins.update(api.parse_origins(value))
    return origins


def _settings(values) -> dict:
    settings = {}
    for item in values:
        if "=" not in item:
            raise click.BadParameter(f"{item!r} should be NAME=VALUE, e.g. DOWNLOAD_DELAY=1", param_hint="--setting")
        name, value = item.split("=", 1)
        name, value = name.strip(), value.strip()
        try:
            settings[name] = api.setting_value(name, value)
        except api.UsageProblem as exc:
            raise click.BadParameter(exc.message, param_hint="--setting") from None
    return settings


def _output(result, as_json: bool, printer) -> None:
    show.as_json(result) if as_json else printer(result)


agencies_arg = click.argument("agencies", nargs=-1, metavar="[AGENCY]...")
all_opt = click.option("--all", "all_", is_flag=True, help="Every agency in mappings/agencies/.")
silent_opt = click.option("-s", "--silent", is_flag=True, help="No progress bars.")
json_opt = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
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
    log = logging.getLogger("portalize")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        log.addHandler(_StderrHandler())
        log.propagate = False


class _StderrHandler(logging.Handler):
    """portalize's warnings (a broken agency file left out, ...) on whatever stderr is now."""

    def emit(self, record):
        show.warn(f"warning: {record.getMessage()}")


# -- registry ------------------------------------------------------------------------------
@cli.group(context_settings=CONTEXT)
def agencies():
    """The agency registry in mappings/agencies/.

    \b
    Example:
        portalize agencies validate
    """


@agencies.command("validate")
@json_opt
def agencies_validate(as_json):
    """Check every mapping file; list each problem as file:key: message (exit 1 if any).

    \b
    Example:
        portalize agencies validate
    """
    _output(api.validate(), as_json, show.validation)


@agencies.command("list")
@json_opt
def agencies_list(as_json):
    """List the registered agencies.

    \b
    Example:
        portalize agencies list --json
    """
    _output(api.list_agencies(), as_json, show.agency_list)


@agencies.command("register")
@agencies_arg
@all_opt
@origin_opt
@json_opt
def agencies_register(agencies, all_, origins, as_json):
    """Record agencies in the ledger (state: registered); detect the platform of those that name none.

    \b
    Example:
        portalize agencies register --all
    """
    _output(api.register(agencies, all_, _origins(origins)), as_json, show.registrations)


@agencies.command("set-date")
@click.argument("agency")
@click.option("--milestone", type=click.Choice(["link", "content", "cutover"]), default="content", show_default=True)
@click.option("--date", "when", required=True, metavar="YYYY-MM-DD", help="The new date.")
@click.option("--reason", required=True, help="Why the date moves (kept in the audit).")
@click.option("--by", help="Who moves it (default: the logged-in user).")
@json_opt
def agencies_set_date(agency, milestone, when, reason, by, as_json):
    """Move one of an agency's milestones; the change is audited (who, when, why) and shown in
    progress reports.

    \b
    Example:
        portalize agencies set-date xa-hoaxuan --milestone content --date 2027-03-31 --reason "sáp nhập xã"
    """
    _output(api.set_date(agency, milestone, when, reason, by), as_json,
            lambda d: show.say(f"{agency}: {d['milestone']} moved from {d['from'] or '—'} to {d['to']} by {d['by']} "
                               f"({d['reason']})"))


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
@origin_opt
@click.option("--force", is_flag=True, help="Link a legacy site even though it does not answer.")
@json_opt
def links_register(agencies, all_, origins, force, as_json):
    """Put a link to each agency's legacy site on the portal, after checking that the site
    answers (idempotent).

    \b
    Example:
        portalize links register stnmt
    """
    _output(api.link(agencies, all_, origins=_origins(origins), force=force), as_json, show.links)


@links.command("switch")
@agencies_arg
@all_opt
@click.option("--force", is_flag=True, help="Switch although nothing of the unit is loaded yet.")
@json_opt
def links_switch(agencies, all_, force, as_json):
    """Point each agency's link at its subsite on the portal, once its content is loaded.

    \b
    Example:
        portalize links switch stnmt
    """
    _output(api.switch_links(agencies, all_, force=force), as_json, show.switched)


@links.command("remove")
@agencies_arg
@all_opt
@json_opt
def links_remove(agencies, all_, as_json):
    """Take each agency's link off the portal (a unit merged away, or only archived).

    \b
    Example:
        portalize links remove xa-cu
    """
    _output(api.unlink(agencies, all_), as_json, show.unlinked)


# -- crawl / transform ---------------------------------------------------------------------
@cli.command()
@agencies_arg
@all_opt
@origin_opt
@click.option("--max-pages", type=int, help="Hard limit of pages per agency.")
@click.option("-S", "--setting", "settings", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting for this crawl, e.g. DOWNLOAD_DELAY=1 (repeatable).")
@click.option("--full", is_flag=True, help="Re-check every stored page, not only those that changed lists show.")
@silent_opt
@json_opt
def crawl(agencies, all_, origins, max_pages, settings, full, silent, as_json):
    """Harvest agencies' legacy sites into the raw store (every response kept).

    \b
    Example:
        portalize crawl stnmt --origin stnmt.tinhmau.gov.vn=http://127.0.0.1:8000
    """
    try:
        results = api.crawl(agencies, all_, _origins(origins), max_pages, _settings(settings), full,
                            progress=not silent and not as_json)
    except api.CrawlFailed as exc:
        if exc.results:
            _output(exc.results, as_json, show.crawls)
        raise
    _output(results, as_json, show.crawls)


@cli.command()
@agencies_arg
@all_opt
@silent_opt
@json_opt
def transform(agencies, all_, silent, as_json):
    """Re-run transform over stored pages (no network) into staged articles.

    \b
    Example:
        portalize transform stnmt
    """
    try:
        with show.bar(silent or as_json) as bar:
            results = api.transform(agencies, all_, bar)
    except api.NothingFound as exc:
        _output(exc.results, as_json, show.transforms)
        raise
    _output(results, as_json, show.transforms)


@cli.command()
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--url", "page_url", help="The page's legacy URL (for a saved file: resolves links, names the uid).")
@click.option("--agency", help="Use this agency's mapping; without it, automatic extraction.")
@json_opt
@origin_opt
def extract(source, page_url, agency, as_json, origins):
    """Print the canonical article for one saved HTML file or URL, and which selector gave each field.

    \b
    Example:
        portalize extract saved-page.html --url http://stnmt.tinh.gov.vn/-/bai-viet --agency stnmt
        portalize extract https://example.gov.vn/tin-tuc/bai-1.html --json
    """
    _output(api.extract(source, page_url, agency, _origins(origins)), as_json, show.article)


@cli.command()
@click.argument("url")
@origin_opt
@json_opt
def detect(url, origins, as_json):
    """Name the platform of a legacy site from URL and HTML markers, with the evidence.

    \b
    Example:
        portalize detect http://stnmt.tinh.gov.vn/web/guest/trang-chu
    """
    _output(api.detect(url, _origins(origins)), as_json, show.detection)


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
@json_opt
def mapping_check(agency, url, origins, as_json):
    """Fetch one page and show every field: each selector in order, what it yields, which is used.

    \b
    Example:
        portalize mapping check xa-hoaxuan http://hoaxuan.tinh.gov.vn/vi/news/tin-tuc/bai-1.html
    """
    result = api.check_mapping(agency, url, _origins(origins))
    if as_json:
        show.as_json(result.rows)  # the selector rows, as before the typed result
    else:
        show.field_check(result)


@cli.command()
@click.argument("agency")
@json_opt
def categories(agency, as_json):
    """List the legacy categories of an agency's staged articles, their content group and counts.

    \b
    Example:
        portalize categories xa-hoaxuan
    """
    rows = api.categories(agency)
    _output(rows, as_json, lambda r: show.category_counts(r, agency))


# -- plan / apply / rollback --------------------------------------------------------------
class PlanGroup(click.Group):
    """`portalize plan AGENCY...` makes plans (the `make` subcommand); `portalize plan show
    PLAN` prints one in full."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["make", *args]
        elif not args:
            args = ["make"]
        return super().parse_args(ctx, args)


@cli.group(cls=PlanGroup, context_settings=CONTEXT)
def plan():
    """Dry runs: `portalize plan AGENCY...` saves a plan with an HTML review page;
    `portalize plan show PLAN` prints a saved plan in full.

    \b
    Example:
        portalize plan stnmt
        portalize plan show 3
    """


@plan.command("make")
@agencies_arg
@all_opt
@click.option("--accept-quality", "accept_quality", metavar="REASON",
              help="Plan even though the field report crosses the quality gate; the reason is recorded.")
@click.option("--adopt", is_flag=True,
              help="The ledger lost track of items the portal holds (lost, restored from a backup, or another "
                   "ledger wrote them): take them in (same content adopted, other content a conflict, never "
                   "overwritten).")
@click.option("--only", "only", multiple=True, metavar="UID", help="Plan only these items (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="At most N writes; the rest wait for the next plan.")
@click.option("--sync", is_flag=True, help="Also delete loaded items whose pages are gone from the legacy site.")
@click.option("--force", "force", multiple=True, metavar="UID",
              help="Overwrite the portal's version of this conflicting item, or load this quarantined one "
                   "(suspected injected spam, reviewed) (repeatable).")
@click.option("--recheck", is_flag=True,
              help="Compare every item with the ledger and the portal, even for an agency recorded as "
                   "settled after its last apply.")
@json_opt
def plan_make(agencies, all_, accept_quality, adopt, only, limit, sync, force, recheck, as_json):
    """Save a dry-run plan (create/update/unchanged/skip/conflict, delete with --sync) with diffs
    and an HTML review page. Refused when the transform's field report crosses the quality gate
    (few items, titles or dates missing, too much in group 'other'), unless --accept-quality
    gives a reason.

    \b
    Example:
        portalize plan stnmt
        portalize plan stnmt --limit 50
        portalize plan stnmt --accept-quality "site has no dates; agreed with the unit"
        portalize plan xa-hoaxuan --force xa-hoaxuan-1a2b3c4d5e6f   # a quarantined item, reviewed
    """
    results = api.plan(agencies, all_, accept_quality=accept_quality, adopt=adopt, only=only, limit=limit,
                       sync=sync, force=force, recheck=recheck)
    if as_json:
        show.as_json(results[0] if len(results) == 1 else results)
    else:
        for result in results:
            show.plan(result)


@plan.command("show")
@click.argument("plan_id", type=int)
@json_opt
def plan_show(plan_id, as_json):
    """Print a saved plan in full: every entry, every changed field, text word by word.

    \b
    Example:
        portalize plan show 3
    """
    _output(api.show_plan(plan_id), as_json, show.plan_in_full)


@cli.command()
@click.argument("agency")
@click.option("--plan", "plan_id", type=int, help="The applied plan to undo (default: the agency's last).")
@click.option("--force", "force", multiple=True, metavar="UID",
              help="Roll back this item although it was edited on the portal since (repeatable).")
@json_opt
def rollback(agency, plan_id, force, as_json):
    """Plan the undoing of an applied plan: what it created is deleted, what it updated gets back
    the fields written before; items that existed before it are kept. Review the plan, then
    `portalize apply` it.

    \b
    Example:
        portalize rollback stnmt
        portalize apply 9
    """
    _output(api.rollback(agency, plan_id, force=force), as_json, show.plan)


@cli.command()
@click.argument("plan_id", type=int)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--break-lease", is_flag=True,
              help="Take the plan over from an apply on another machine that is known to be gone.")
@silent_opt
@json_opt
def apply(plan_id, yes, break_lease, silent, as_json):
    """Apply exactly a reviewed plan to the portal; a stale plan is refused.

    \b
    Example:
        portalize apply 3 --yes
    """
    if not yes and sys.stdin.isatty():
        click.confirm(f"Write plan {plan_id} to the portal?", abort=True)
    with show.bar(silent or as_json) as bar:
        result = api.apply(plan_id, bar, break_lease=break_lease)
    _output(result, as_json, show.applied)


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
    show.crawls(api.crawl(agencies, all_, _origins(origins), max_pages, progress=not silent))
    with show.bar(silent) as bar:
        show.transforms(api.transform(agencies, all_, bar))
    plans = api.plan(agencies, all_)
    for result in plans:
        show.plan(result)
    if do_apply:
        for result in plans:
            if result.plan is not None:
                with show.bar(silent) as bar:
                    show.applied(api.apply(result.plan, bar))


@cli.command()
@agencies_arg
@all_opt
@click.option("--output", type=click.Path(dir_okay=False), help="WARC file to write (one agency only).")
@silent_opt
@json_opt
def archive(agencies, all_, output, silent, as_json):
    """Write each agency's stored crawl as a standard WARC file (keep the legacy site after switch-off).

    \b
    Example:
        portalize archive xa-hoaxuan
    """
    with show.bar(silent or as_json) as bar:
        results = api.archive(agencies, all_, output, bar)
    _output(results, as_json, show.archives)


# -- verification and evidence --------------------------------------------------------------
@cli.command()
@click.argument("agency")
@json_opt
def verify(agency, as_json):
    """Check a migrated unit: every crawled legacy URL accounted for, every loaded item and file
    on the portal, the required content groups present, links resolved, the field report within
    its thresholds. Lists each gap (var/reports/verify-AGENCY.csv); exit 1 when there is one.

    \b
    Example:
        portalize verify stnmt
    """
    result = api.verify(agency)
    _output(result, as_json, show.verification)
    if not result.ok:
        sys.exit(1)


@cli.command()
@agencies_arg
@all_opt
@origin_opt
@click.option("--refresh", is_flag=True, required=True,
              help="Re-collect the evidence now (link read back, items on the portal, legacy host redirecting).")
@json_opt
def status(agencies, all_, origins, refresh, as_json):
    """Re-collect each agency's lifecycle evidence; a change (a legacy host now redirecting to
    the portal: cut over) is recorded as an event. Run it on a schedule.

    \b
    Example:
        portalize status --all --refresh
    """
    _output(api.refresh_status(agencies, all_, _origins(origins)), as_json, show.statuses)


# -- progress ------------------------------------------------------------------------------
@cli.command()
@json_opt
@click.option("--xlsx", type=click.Path(dir_okay=False, writable=True), help="Also write the table to an Excel file.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True), help="Also write the table as CSV.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, writable=True),
              help="Also write a self-contained dashboard (burn-down, status by level and successor unit, history).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the CSV and the dashboard.")
def progress(as_json, xlsx, csv_file, html_file, lang):
    """Each agency's lifecycle state, counts, and milestones (link, content, cut-over) with days
    left or overdue, most urgent first.

    \b
    Example:
        portalize progress --xlsx tien-do.xlsx --html tien-do.html
    """
    result = api.progress(xlsx, csv=csv_file, html=html_file, lang=lang)
    if as_json:
        show.as_json(result.agencies)
    else:
        show.progress(result)
    for written in (result.xlsx, result.csv, result.html):
        if written:
            show.warn(f"Wrote {written}")


# -- the ledger ----------------------------------------------------------------------------
@cli.group(context_settings=CONTEXT)
def db():
    """The ledger's schema (Alembic migrations).

    \b
    Example:
        portalize db upgrade
    """


@db.command("upgrade")
@json_opt
def db_upgrade(as_json):
    """Bring the ledger to the newest schema (one process at a time, under a lock).

    \b
    Example:
        portalize db upgrade
    """
    result = api.db_upgrade()
    if as_json:
        show.as_json(result)
    elif result["from"] == result["to"]:
        show.say(f"The ledger is up to date ({result['to']}).")
    else:
        show.say(f"Upgraded the ledger from {result['from'] or 'empty'} to {result['to']}.")


@db.command("status")
@json_opt
def db_status(as_json):
    """The ledger's schema revision and the newest one.

    \b
    Example:
        portalize db status
    """
    result = api.db_status()
    if as_json:
        show.as_json(result)
    else:
        show.say(f"ledger {result['ledger']}: revision {result['revision'] or 'empty'} (newest {result['head']})")


@cli.command()
@click.argument("agency")
@click.option("--format", "fmt", type=click.Choice(["nginx", "apache", "csv"]), default="nginx", show_default=True)
@click.option("--output", "-o", metavar="FILE", help="Where to write (default var/redirects/redirects-AGENCY.*).")
@json_opt
def redirects(agency, fmt, output, as_json):
    """Export the agency's cut-over redirects: legacy URL -> portal URL (301) for every migrated
    item, its other addresses and files; list pages -> the subsite's home; 410 for what was
    not migrated on purpose (with the archive's location).

    \b
    Example:
        portalize redirects stnmt --format nginx
    """
    result = api.redirects(agency, fmt, output)
    if as_json:
        show.as_json(result)
    else:
        show.say(f"redirects for {result.agency} ({result.format}): {result.moved} moved (301), {result.gone} gone "
                 f"(410) -> {result.path}")
        if result.refused:
            show.warn(f"  {result.refused} target(s) not on the portal's host were left out")
        if result.left_out:
            show.warn(f"  {len(result.left_out)} legacy URL(s) left out, not safe to write into the {result.format} "
                      f"configuration (they are in the CSV export; redirect them by hand if needed):")
            for row in result.left_out[:20]:
                show.warn(f"    {row['legacy_url']}: {row['reason']}")
            if len(result.left_out) > 20:
                show.warn(f"    ... and {len(result.left_out) - 20} more")
            show.warn(f"  Next: portalize redirects {result.agency} --format {result.format} --json   (all of them, "
                      "with their reasons)")


# -- the embedded portal -------------------------------------------------------------------
@cli.group(context_settings=CONTEXT)
def portal():
    """The embedded portal: a read-only web front to review what was loaded.

    \b
    Example:
        portalize portal serve --port 8080
    """


@portal.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8080, show_default=True, help="Port (0: any free port).")
def portal_serve(host, port):
    """Serve a read-only web front of the embedded portal until Ctrl-C: its home, each subsite
    with its content groups, item pages, files and the interim-links list.

    \b
    Example:
        portalize portal serve --port 8080
    """
    def ready(bound):
        show.say(f"Portal front at http://{host}:{bound}/ (Ctrl-C to stop)")
        sys.stdout.flush()

    try:
        api.serve_portal(host, port, ready)
    except KeyboardInterrupt:
        pass


# -- samples and demo ----------------------------------------------------------------------
@cli.command("serve-samples")
@click.option("--port", type=int, default=8642, show_default=True, help="Port on 127.0.0.1.")
def serve_samples(port):
    """Serve the bundled sample legacy sites on localhost until Ctrl-C.

    \b
    Example:
        portalize serve-samples --port 8642
    """
    with api.serve_samples(port) as server:
        origins = ",".join(f"{h}={u}" for h, u in server.origins.items())
        show.say(f"Serving {', '.join(server.origins)} at {server.url}")
        show.say(f"Crawl them with: PORTALIZE_ORIGINS={origins} portalize batch --all")
        try:
            server.thread.join()
        except KeyboardInterrupt:
            pass


_DEMO_PRINTERS = {"register": show.registrations, "link": show.links, "crawl": show.crawls,
                  "transform": show.transforms, "plan": lambda plans: [show.plan(p) for p in plans],
                  "apply": lambda rows: [show.applied(r) for r in rows], "progress": show.progress}


@cli.command()
@silent_opt
@json_opt
def demo(silent, as_json):
    """Run the whole migration on the bundled sample sites and the embedded portal.

    \b
    Example:
        portalize demo
    """
    def step(name, title, result):
        if as_json:
            return
        show.console.rule(title)
        if name == "samples":
            for host, url in result.items():
                show.say(f"serving {host} at {url}")
        else:
            _DEMO_PRINTERS[name](result)

    with show.bar(silent or as_json) as bar:
        result = api.demo(step, bar, live=not silent and not as_json)
    if as_json:
        show.as_json(result)
        return
    show.say(f"Plans made in this run: {', '.join(str(p) for p in result.plans)} — {result.changes} changes planned.")
    show.say(f"HTML plan reviews: {result.plan_reviews}")
    show.say(f"Ledger: {result.ledger}")
    show.say(f"Portal database: {result.portal}")


def main():
    # What the imports made (Scrapy, lxml, SQLAlchemy: some 130,000 objects) lives as long as
    # the process: kept out of every full garbage collection, each of which would walk it again
    # (15-30 ms a time, several times in a plan).
    gc.freeze()
    cli(prog_name="portalize")
