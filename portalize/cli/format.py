"""How the CLI shows each result on a terminal. Everything here only reads the typed results
of `portalize.api`; `--json` bypasses it and prints `result.to_dict()`."""
from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from ..app.reports import PROGRESS_HEADERS, days_phrase, progress_cells

# Wide enough for the progress table when output goes to a file or a CI log.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 150)  # progress bars


def say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


def warn(text: str) -> None:
    click.echo(text, err=True)


def as_json(result) -> None:
    if isinstance(result, list):
        data = [r.to_dict() if hasattr(r, "to_dict") else r for r in result]
    else:
        data = result.to_dict() if hasattr(result, "to_dict") else result
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def bar(silent: bool) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, disable=silent)


def validation(v) -> None:
    for warning in v.warnings:
        warn(f"warning: {warning}")
    say(f"OK: {v.agencies} agencies, {v.platforms} platform presets, profile {v.profile} "
        f"(deadline {v.deadline:%d/%m/%Y}).")


def agency_list(rows) -> None:
    for r in rows:
        say(f"{r.code:<14} {r.level:<11} {r.platform:<9} {r.name}  {r.base_urls[0]}")


def registrations(rows) -> None:
    for r in rows:
        say(f"{'registered' if r.created else 'up to date'}: {r.agency} ({r.name})")
        if r.detected:
            say(f"  platform detected: {r.platform} ({'; '.join(r.evidence)})")


def links(rows) -> None:
    for r in rows:
        say(f"{'linked' if r.created else 'already linked'}: {r.agency} -> {r.url}")


def verification(v) -> None:
    mark = "[green]no gap[/]" if v.ok else "[red]gaps found[/]"
    console.print(f"verify {v.agency}: {mark} — {v.crawled} legacy pages crawled, {v.loaded} items loaded")
    labels = {"unaccounted": "legacy URLs not accounted for", "missing_items": "loaded items missing on the portal",
              "missing_files": "files missing on the portal", "missing_groups": "required content groups empty",
              "unresolved_links": "links not resolved", "quality": "field report outside its thresholds"}
    for kind, found in v.gaps.items():
        if found:
            say(f"  {len(found)} {labels[kind]}:")
            for gap in found[:5]:
                say(f"    {gap['url']}  ({gap['detail']})")
            if len(found) > 5:
                say(f"    … and {len(found) - 5} more in the report")
    if v.quality_accepted:
        say(f"  field report accepted over its thresholds: {v.quality_accepted}")
    if v.report:
        say(f"  every gap: {v.report}")


def statuses(rows) -> None:
    for r in rows:
        say(f"{r.agency}: link {'read back' if r.linked else 'not on the portal'}; {r.present} of {r.loaded} loaded "
            f"items on the portal; {'cut over' if r.cut_over else 'not cut over'} ({r.evidence['legacy_host']})")


def switched(rows) -> None:
    for r in rows:
        say(f"link switched: {r.agency} -> {r.url}")


def unlinked(rows) -> None:
    for r in rows:
        say(f"link removed: {r.agency} ({r.url})" if r.url else f"no link to remove: {r.agency}")


def crawls(results) -> None:
    for s in results:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(s.by_status.items()))
        kinds = ", ".join(f"{v} {k}" for k, v in sorted(s.by_kind.items()))
        unchanged = f"; {s.not_modified} not modified since the last crawl" if s.not_modified else ""
        if s.known_not_rechecked and s.resumed_from_ledger:
            unchanged += f"; {s.known_not_rechecked} articles stored before not fetched again"
        elif s.known_not_rechecked:
            unchanged += f"; {s.known_not_rechecked} stored articles under unchanged lists not re-checked (--full)"
        say(f"crawled {s.agency}: {s.pages} pages ({kinds}); by status: {statuses}{unchanged}")
        if s.resumed:
            say(f"  resumed the interrupted crawl of {s.agency}")
        for run, status in s.resumed_from_ledger:
            why = "stopped abruptly" if status == "killed" else "stopped at its page limit"
            say(f"  resumed from the ledger after crawl run {run} of {s.agency} {why} "
                "(articles it stored were kept and not fetched again)")
        if s.status == "interrupted":
            say(f"  interrupted; pages fetched so far are kept. Run `portalize crawl {s.agency}` to resume.")
        if s.status == "limited":
            say(f"  stopped early: {s.reason}; pages fetched so far are kept. "
                f"Raise --max-pages and run `portalize crawl {s.agency}` again.")
        for url, error in s.errors[:5]:
            say(f"  failed: {url} ({error})")
        if s.cloaking_found:
            console.print(f"  [bold red]{s.cloaking_found} of {s.cloaking_checks} page(s) asked again as Googlebot "
                          "answered it with other links or betting words[/] (cloaking): the legacy site may have "
                          f"been compromised; `portalize transform {s.agency}` quarantines them")
        if s.depth_limited:
            say(f"  depth limit reached: {s.depth_limited} links not followed. To go deeper, run "
                f"`portalize crawl {s.agency} -S PORTALIZE_MAX_DEPTH=<more>`.")
        if s.sitemaps_limited:
            say(f"  sitemap limit of {s.max_sitemaps} reached: {s.sitemaps_limited} sitemaps not fetched. To read more, "
                f"run `portalize crawl {s.agency} -S PORTALIZE_MAX_SITEMAPS=<more>`.")
        if s.unreached:
            say(f"  {s.unreached} linked pages never reached; list: {s.unreached_report}")
    logs = {s.log for s in results if s.log}
    if logs:
        say(f"Crawl log: {', '.join(sorted(logs))}")


def transforms(results) -> None:
    for s in results:
        say(f"transformed {s.agency}: {s.ok} articles, {s.skipped} skipped, {s.warnings} warnings "
            f"({s.lists} list pages, {s.files} files)")
        quality_table(s)
        if s.quarantined:
            console.print(f"  [bold red]{s.quarantined} article(s) quarantined[/] as suspected injected SEO spam "
                          f"(hidden or off-topic betting links, or cloaking): planned as skips until forced; "
                          "see the report")
        if s.compromised:
            console.print(f"  [bold red]{s.compromised} article(s) held hidden links to other sites[/] "
                          "(removed): the legacy site may have been compromised; see the report")
        if s.report:
            say(f"  every warning and skipped page, for review: {s.report}")


def quality_table(s) -> None:
    """The field report: which step of the fallback chain filled each field, and what the
    quality gate will refuse."""
    fields = (s.quality or {}).get("fields")
    if not fields:
        return
    kinds = ", ".join(f"{n} {k}" for k, n in sorted((s.quality.get("kinds") or {}).items()))
    say(f"  items by kind: {kinds or 'none'}; in group 'other': {s.quality.get('other_share', 0):.0%}")
    if s.site_names:
        say(f"  site name stripped from titles: {', '.join(s.site_names)}")
    say("  field      mapping  metadata  auto  missing")
    for name, shares in fields.items():
        say(f"  {name:<10} " + "  ".join(f"{shares[step]:>7.0%}" for step in ("mapping", "metadata", "auto", "missing")))
    for problem in s.quality_problems:
        console.print(f"  [bold red]quality gate:[/] {problem}")
    if s.quality_problems:
        say(f"  `portalize plan {s.agency}` will refuse; look closer with `portalize mapping check {s.agency} URL`, "
            f"or accept with `portalize plan {s.agency} --accept-quality \"reason\"`")
    if s.quality_report:
        say(f"  field report: {s.quality_report}")


def plan(p, max_diffs: int = 3) -> None:
    if p.archive_only:
        say(f"{p.agency} is archive-only: crawled and kept, not planned.")
        return
    s = p.summary
    kind = f" (rolls back plan {s['rolls_back']})" if s.get("kind") == "rollback" else ""
    extra = "".join(f", {s[a]} {a}" for a in ("restore", "delete") if s.get(a))
    console.print(f"[bold]Plan {p.plan}[/]{kind} for {p.agency}: "
                  f"[green]{s['create']} create[/], [yellow]{s['update']} update[/]{extra}, {s['unchanged']} unchanged, "
                  f"{s['skip']} skip, [red]{s['conflict']} conflict[/]")
    if s.get("quarantined"):
        console.print(f"  [bold red]{s['quarantined']} quarantined[/] as suspected injected SEO spam: planned as skips, "
                      f"with their evidence in the review; after checking one, load it with "
                      f"`portalize plan {p.agency} --force UID`")
    if s.get("partial"):
        say(f"  a partial plan: {s.get('held_back', 0)} more change(s) wait for the next plan")
    if s.get("settled_since"):
        say(f"  nothing moved since the agency was recorded as settled ({s['settled_since']}): the ledger and "
            "every revision marker of its subsite are as they were, so items were not compared one by one "
            "(--recheck compares them)")
    if s.get("unresolved_links"):
        say(f"  {s['unresolved_links']} link(s) to legacy pages that are not migrated are kept as they are; "
            "they are listed in the HTML review")
    shown = 0
    for e in p.entries:
        if e.action == "unchanged" or shown >= max_diffs:
            continue
        shown += 1
        console.print(f"  [bold]{e.action:<9}[/] {e.title}  [dim]{e.uid}[/]")
        if e.reason:
            say(f"            {e.reason}")
        for change in e.diff[:4]:
            if change.get("lines"):
                for line in change["lines"][2:8]:
                    say(f"            {line}")
            else:
                say(f"            {change['field']}: {change['old'][:60]!r} -> {change['new'][:60]!r}")
    rest = sum(1 for e in p.entries if e.action != "unchanged") - shown
    if rest > 0:
        say(f"  … and {rest} more entries in the HTML review")
    say(f"  Review: {p.html}")


def plan_in_full(p) -> None:
    """Every entry of a saved plan, every changed field in full, text fields word by word."""
    s = p.summary
    counts = ", ".join(f"{s[a]} {a}" for a in ("create", "update", "restore", "delete", "unchanged", "skip", "conflict")
                       if s.get(a))
    console.print(f"[bold]Plan {p.plan}[/] for {p.agency} ({p.status}): {counts or 'nothing to do'}")
    for e in p.entries:
        if e.action == "unchanged" and not e.reason:
            continue
        console.print(f"[bold]{e.action}[/] {escape(e.title)}  [dim]{e.uid}[/]")
        if e.reason:
            console.print(f"    {escape(e.reason)}")
        for change in e.diff:
            if change.get("words"):
                marked = "".join(escape(text) if op == "=" else
                                 f"[red strike]{escape(text)}[/]" if op == "-" else f"[green underline]{escape(text)}[/]"
                                 for op, text in change["words"])
                console.print(f"    {change['field']}: {marked}", soft_wrap=True)
            elif change["old"] != change["new"]:
                console.print(f"    {change['field']}: [red]{escape(change['old'])}[/] → [green]{escape(change['new'])}[/]",
                              soft_wrap=True)


def applied(r) -> None:
    if r.already_applied:
        say(f"Plan {r.plan} ({r.agency}) was already applied; nothing to do.")
    else:
        extra = "".join(f", {n} {what}" for n, what in ((r.restored, "restored"), (r.deleted, "deleted")) if n)
        say(f"applied plan {r.plan} ({r.agency}): {r.created} created, {r.updated} updated{extra}, "
            f"{r.unchanged} unchanged, {r.skipped} skipped, {r.conflicts} conflicts kept")
        if r.recovered:
            say(f"  {r.recovered} of them had been written to the portal by the stopped run before it could "
                "record them; recorded now, not written again")


def progress(p) -> None:
    table = Table(title=f"Tiến độ chuyển đổi — hạn theo quy định {p.deadline:%d/%m/%Y} "
                        f"({days_phrase(p.deadline, p.today)})", title_justify="left")
    for header in PROGRESS_HEADERS:
        table.add_column(header, overflow="fold", no_wrap=header in ("Trạng thái", "Còn / quá hạn", "Hạn đơn vị"))
    for r in p.agencies:  # most urgent first: overdue in red, done in green
        content = r.milestones.get("content") or {}
        style = "green" if r.done else ("red" if content.get("days", 0) < 0 else "yellow" if content.get("days", 99) < 30
                                         else None)
        table.add_row(*[str(v) for v in progress_cells(r, p.deadline, p.today)], style=style)
    console.print(table)


def article(data: dict) -> None:
    say(f"extracted by {data['extracted_by']}")
    platform = data.get("platform")
    if platform and platform.get("evidence") != ["the agency's mapping"]:
        say(f"{'platform':>15}: {platform['name']} (detected: {'; '.join(platform['evidence'])})")
    sources = {"published_at": "date", "legacy_category": "category"}
    for name in ("title", "published_at", "summary", "legacy_category", "group", "kind", "author", "source_name"):
        source_of = data["field_sources"].get(sources.get(name, name), "")
        say(f"{name:>15}: {data[name]}  [{source_of}]" if data[name] else f"{name:>15}: —")
    for kind in ("attachments", "images"):
        for asset in data[kind]:
            say(f"{kind[:-1]:>15}: {asset['filename']}  {asset['url']}")
    for warning in data["warnings"]:
        say(f"{'warning':>15}: {warning}")
    say(f"{'body':>15}: [{data['field_sources'].get('body', '')}]")
    say(data["body_markdown"][:1200])


def detection(d) -> None:
    say(f"{d.url}: {d.platform}")
    for line in d.evidence:
        say(f"  - {line}")
    for other in d.candidates[1:]:
        say(f"  (also {other['platform']}: {other['score']} marker(s))")


def field_check(c) -> None:
    say(f"{c.url}  (platform {c.platform}, {c.label})")
    for warning in c.warnings:
        say(f"  warning: {warning}")
    for row in c.rows:
        mark = "=>" if row["used"] else "  "
        value = row["value"][:70] if row["matches"] else "(no match)"
        say(f"{mark} {row['field']:<11} {row['selector']:<58} {value}")
    if c.missing:
        say(f"No selector matched: {', '.join(c.missing)}. Add one under fields: in "
            f"mappings/platforms/{c.platform}.yml (or the agency's overrides).")


def category_counts(rows, agency: str) -> None:
    for row in rows:
        mark = "" if row.mapped else "   <- not mapped"
        say(f"{row.count:>6}  {row.legacy_category or '(none)':<40} -> {row.group}{mark}")
    if any(not r.mapped for r in rows):
        say(f"Map them under `categories:` in the agency's file (mappings/agencies/{agency}.yml), then run "
            f"`portalize transform {agency}`.")


def archives(rows) -> None:
    for r in rows:
        if r.records:
            say(f"archived {r.agency}: {r.records} records -> {r.path}")
        else:
            warn(f"{r.agency}: nothing stored yet. Next: run `portalize crawl {r.agency}`")
