"""Redirects for cut-over: every legacy URL of an agency that was migrated -> its portal URL
(301), its list pages -> the subsite's home (301), and what was deliberately not migrated ->
410 with where the archive is. Exported for nginx (a `map`), Apache (mod_rewrite) or as CSV.

Stored legacy URLs are canonical (lower-case host, sorted query, session ids and the site's
meaningless parameters dropped); visitors' are not. The nginx map therefore looks URLs up by
host, decoded path and the values of the query parameters that matter (`$arg_NAME`), so
parameter order, session ids, tracking parameters and percent-encoding of the path do not
stop a redirect."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from sqlalchemy import select

from portalize.core.ledger.models import IdMap, Page, PortalFile, StagedArticle
from portalize.core.report_files import safe_cell
from portalize.transform.embedded import KEY_PREFIX
from portalize.transform.spam import QUARANTINED

FORMATS = ("nginx", "apache", "csv")
_NGINX_NAME = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Redirect:
    legacy: str  # canonical legacy URL
    status: int  # 301 or 410
    target: str | None  # portal URL (301)
    reason: str


def redirects_of(session, agency, portal_base: str, archive: str | None) -> tuple[list[Redirect], list[Redirect]]:
    """(redirects, refused): the agency's rows, and those whose target is not on the portal's
    host (never exported: a redirect must land on the portal). An archive-only unit's every
    page is gone (410), with where its archive is."""
    rows: dict[str, Redirect] = {}
    if agency.disposition == "archive-only":
        where = f"archived in {archive}" if archive else "not archived yet (portalize archive)"
        for page_url in session.scalars(select(Page.url).where(Page.agency == agency.code, Page.status == 200)
                                        .order_by(Page.url)):
            rows[page_url] = Redirect(page_url, 410, None, f"an archive-only unit: {where}")
        return list(rows.values()), []
    for mapped in session.scalars(select(IdMap).where(IdMap.agency == agency.code, IdMap.status == "loaded")):
        rows[mapped.source_url] = Redirect(mapped.source_url, 301, mapped.portal_url, "migrated")
    loaded = {r.legacy: r.target for r in rows.values()}
    uploaded = dict(session.execute(select(PortalFile.sha256, PortalFile.portal_url)).all())  # the asset map
    home = f"{portal_base.rstrip('/')}/{agency.subsite_path.strip('/')}"
    for staged in session.scalars(select(StagedArticle).where(StagedArticle.agency == agency.code)):
        data = staged.data or {}
        source = data.get("source_url") or ""
        target = loaded.get(source)
        if target:
            for alias in data.get("aliases") or []:  # the same article under other URLs
                rows.setdefault(alias, Redirect(alias, 301, target, "migrated (another address of it)"))
            for asset in (data.get("attachments") or []) + (data.get("images") or []):
                if uploaded.get(asset.get("sha256")) and not asset["url"].startswith(KEY_PREFIX):
                    rows.setdefault(asset["url"], Redirect(asset["url"], 301, uploaded[asset["sha256"]], "file"))
        elif staged.status == "list":
            page_url = session.scalar(select(Page.url).where(Page.id == staged.page_id)) or source
            rows.setdefault(page_url, Redirect(page_url, 301, home, "a list page: the subsite's home"))
        elif staged.status == "ok" and data.get("quarantine"):  # kept out as suspected injected spam
            where = f"; archived in {archive}" if archive else "; not archived yet (portalize archive)"
            rows.setdefault(source, Redirect(source, 410, None, f"not migrated: {QUARANTINED}, not loaded unless "
                                                                f"forced (plan --force){where}"))
        elif staged.status in ("excluded", "skipped"):
            page_url = session.scalar(select(Page.url).where(Page.id == staged.page_id, Page.status == 200))
            if page_url:
                where = f"; archived in {archive}" if archive else "; not archived yet (portalize archive)"
                rows.setdefault(page_url, Redirect(page_url, 410, None, f"not migrated: {staged.reason}{where}"))
    # The legacy site's feeds and sitemaps (how the crawl found pages): gone, the portal has its own.
    for page_url in session.scalars(select(Page.url).where(Page.agency == agency.code, Page.kind == "feed",
                                                          Page.status == 200)):
        rows.setdefault(page_url, Redirect(page_url, 410, None, "a feed or sitemap of the legacy site: the portal "
                                                                 "publishes its own"))
    portal_host = (urlsplit(portal_base).hostname or "").lower()
    kept = [r for r in rows.values() if r.target is None or (urlsplit(r.target).hostname or "").lower() == portal_host]
    refused = [r for r in rows.values() if r not in kept]
    return sorted(kept, key=lambda r: r.legacy), refused


def render(rows: list[Redirect], fmt: str, agency: str) -> str:
    return {"nginx": _nginx, "apache": _apache, "csv": _csv}[fmt](rows, agency)


def _params(rows) -> list[str]:
    """The query parameters that matter on these sites (their names, as nginx variables)."""
    names = {k for r in rows for k, _ in parse_qsl(urlsplit(r.legacy).query, keep_blank_values=True)}
    return sorted(n for n in names if _NGINX_NAME.match(n))


def _nginx_key(url: str, params: list[str]) -> str | None:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if any(not _NGINX_NAME.match(k) for k in query):
        return None
    values = [query.get(name, "") for name in params]
    return "|".join([parts.hostname or "", unquote(parts.path or "/"), *values])


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx_variables(agency: str) -> tuple[str, str]:
    """The map's variables for this agency ($portalize_moved_CODE, $portalize_gone_CODE): one
    include per agency, side by side in one nginx."""
    code = re.sub(r"[^A-Za-z0-9_]", "_", agency)
    return f"portalize_moved_{code}", f"portalize_gone_{code}"


def _nginx(rows: list[Redirect], agency: str) -> str:
    moved_var, gone_var = nginx_variables(agency)
    params = _params(rows)
    source = "|".join(["$host", "$uri", *(f"$arg_{name}" for name in params)])
    moved, gone, skipped = [], [], 0
    for r in rows:
        key = _nginx_key(r.legacy, params)
        if key is None:
            skipped += 1
            continue
        (moved if r.status == 301 else gone).append(f"    {_quoted(key)} {_quoted(r.target or '410')};")
    return "\n".join([
        "# portalize redirects (generated): include in the `http` block, then in the server block of",
        "# the legacy hosts:",
        f"#     if (${moved_var}) {{ return 301 ${moved_var}; }}",
        f"#     if (${gone_var}) {{ return 410; }}",
        "# Looked up by host, decoded path and the values of the parameters that matter, so order,",
        "# session ids and other parameters of visitors' URLs do not matter.",
        f"# {len(moved)} moved (301), {len(gone)} gone (410)"
        + (f"; {skipped} with parameter names nginx cannot read are in the CSV export only" if skipped else ""),
        f"map {_quoted(source)} ${moved_var} {{", "    default \"\";", *moved, "}",
        f"map {_quoted(source)} ${gone_var} {{", "    default \"\";", *gone, "}", ""])


def _apache(rows: list[Redirect], agency: str) -> str:
    lines = ["# portalize redirects (generated): mod_rewrite rules for the legacy hosts' virtual host.",
             "RewriteEngine On"]
    for r in rows:
        parts = urlsplit(r.legacy)
        lines.append(f"RewriteCond %{{HTTP_HOST}} ^{re.escape(parts.hostname or '')}$ [NC]")
        if parts.query:
            lines.append(f"RewriteCond %{{QUERY_STRING}} ^{re.escape(parts.query)}$")
        pattern = "^" + re.escape(unquote(parts.path or "/")).replace("\\/", "/") + "$"
        if r.status == 301:
            lines.append(f"RewriteRule {pattern} {r.target.replace(' ', '%20')}? [R=301,L,NE]")
        else:
            lines.append(f"RewriteRule {pattern} - [G,L]")
    return "\n".join(lines) + "\n"


def _csv(rows: list[Redirect], agency: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["legacy_url", "status", "target", "reason"])
    for r in rows:
        writer.writerow([safe_cell(r.legacy), r.status, safe_cell(r.target or ""), safe_cell(r.reason)])
    return out.getvalue()
