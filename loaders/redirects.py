"""Redirects for cut-over: every legacy URL of an agency that was migrated -> its portal URL
(301), its list pages -> the subsite's home (301), and what was deliberately not migrated ->
410 with where the archive is. Exported for nginx (a `map`), Apache (mod_rewrite) or as CSV.

Stored legacy URLs are canonical (lower-case host, sorted query, session ids and the site's
meaningless parameters dropped); visitors' are not. The nginx map therefore looks URLs up by
host, decoded path and the values of the query parameters that matter (`$arg_NAME`), so
parameter order, session ids, tracking parameters and percent-encoding of the path do not
stop a redirect.

Every byte of a legacy URL or a file name is hostile: no row can break out of the exported
configuration. Targets are written as URIs (`location_of`). nginx map keys and values are
quoted strings; nginx expands every `$` of a value and has no escape for it, so a target's `$`
is written as a variable holding one. Apache rules are unquoted words: in a pattern every ASCII
punctuation and the space are backslash-escaped; in a target the backslash, `$` and `%` are. So no `$N`,
`%N` or `%{VAR}` is expanded, and no `${VAR}` of Apache's configuration is ever formed. A row
that cannot be written safely (a NUL or control character, a path that is not UTF-8 once
decoded, an encoded slash, a host that is not a plain host name; for nginx a key twice; for
Apache a target mod_rewrite would change) is left out with its reason (`LeftOut`), and stays in
the CSV export. nginx's map folds ASCII case in its keys: keys that differ only by case are
written as exact, case-sensitive regular expressions."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

from sqlalchemy import select

from portalize.core.ledger.models import IdMap, Page, PortalFile, StagedArticle
from portalize.core.report_files import safe_cell
from portalize.transform.embedded import KEY_PREFIX
from portalize.transform.spam import QUARANTINED

FORMATS = ("nginx", "apache", "csv")
_NGINX_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
# What a URI may carry as it is (RFC 3986's unreserved and reserved characters; `%` only where
# it starts an escape). Everything else in a target is percent-encoded, as UTF-8.
_URI_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?#[]")
_HEX = frozenset(b"0123456789abcdefABCDEF")
# Left as they are in an Apache pattern; every other ASCII character is backslash-escaped.
_APACHE_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-_=&,:;@!~")


@dataclass(frozen=True)
class Redirect:
    legacy: str  # canonical legacy URL
    status: int  # 301 or 410
    target: str | None  # portal URL (301)
    reason: str


@dataclass(frozen=True)
class LeftOut:
    """A row left out of a server export, and why (the CSV export keeps every row)."""
    legacy: str
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


def render(rows: list[Redirect], fmt: str, agency: str) -> tuple[str, list[LeftOut]]:
    """The export's text, and the rows left out of it with their reasons."""
    return {"nginx": _nginx, "apache": _apache, "csv": _csv}[fmt](rows, agency)


def location_of(target: str) -> str:
    """The target as a URI, as a `Location` header carries it: what a URI may hold is kept
    byte for byte (its %-escapes too); spaces, quotes, braces, backslashes, non-ASCII text and
    a `%` that starts no escape are percent-encoded (UTF-8)."""
    data = target.encode("utf-8")
    out = []
    for i, byte in enumerate(data):
        escape = byte == 0x25 and len(data) > i + 2 and data[i + 1] in _HEX and data[i + 2] in _HEX
        out.append(chr(byte) if byte in _URI_BYTES or escape else f"%{byte:02X}")
    return "".join(out)


def printable(text: str) -> str:
    """`text` with its control characters shown as escapes (for reports and terminals)."""
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)


def _controls(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def _decoded_path(url: str) -> str:
    """The path as nginx's `$uri` and Apache's rules see it: %-decoded, runs of `/` merged
    (both servers' default)."""
    return re.sub(r"/{2,}", "/", unquote_to_bytes(urlsplit(url).path or "/").decode("utf-8"))


def _unsafe(row: Redirect) -> str | None:
    """Why a row cannot be written into a server's configuration, or None."""
    if _controls(row.legacy):
        return "a control character in the legacy URL"
    host = urlsplit(row.legacy).hostname or ""
    if not _HOST.match(host):
        return f"its host {printable(host)!r} is not a plain host name"
    if "%2f" in urlsplit(row.legacy).path.lower():
        return "an encoded slash (%2F) in its path: nginx reads it as `/`, Apache refuses it (404)"
    try:
        path = _decoded_path(row.legacy)
    except UnicodeDecodeError:
        return "its path is not UTF-8 once %-decoded (nginx and Apache match decoded paths)"
    if _controls(path):
        return "a NUL or control byte in its %-decoded path (%00-%1F, %7F): no server rule can match it safely"
    if row.target is not None and _controls(row.target):
        return "a control character in the target"
    return None


def _writable(rows: list[Redirect]) -> tuple[list[Redirect], list[LeftOut]]:
    """(the rows a server's configuration can hold, the others with why)."""
    kept, left_out = [], []
    for r in rows:
        why = _unsafe(r)
        if why:
            left_out.append(LeftOut(r.legacy, why))
        else:
            kept.append(r)
    return kept, left_out


def _query(query: str) -> list[tuple[str, str]]:
    """The query's (name, value) pairs as written: nginx's `$arg_NAME` is not decoded."""
    return [(name, value) for name, _, value in (part.partition("=") for part in query.split("&") if part)]


def _params(rows) -> list[str]:
    """The query parameters that matter on these sites (their names, as nginx variables)."""
    names = {k for r in rows for k, _ in _query(urlsplit(r.legacy).query)}
    return sorted(n for n in names if _NGINX_NAME.match(n))


def _nginx_key(url: str, params: list[str]) -> str | None:
    parts = urlsplit(url)
    query = dict(_query(parts.query))
    if any(not _NGINX_NAME.match(k) for k in query):
        return None
    values = [query.get(name, "") for name in params]
    return "|".join([parts.hostname or "", _decoded_path(url), *values])


def _quoted(text: str) -> str:
    """An nginx string: in double quotes its parser reads `\\\\` and `\\"`; `;`, `{`, `#`, `'`
    and line ends are plain text there."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx_variables(agency: str) -> tuple[str, str]:
    """The map's variables for this agency ($portalize_moved_CODE, $portalize_gone_CODE): one
    include per agency, side by side in one nginx."""
    code = re.sub(r"[^A-Za-z0-9_]", "_", agency)
    return f"portalize_moved_{code}", f"portalize_gone_{code}"


def _ascii_lower(text: str) -> str:
    return re.sub(r"[A-Z]+", lambda m: m[0].lower(), text)


def _nginx_regex(key: str) -> str:
    """An exact, case-sensitive map key: `~` and a PCRE with every ASCII punctuation and the
    space backslash-escaped."""
    return "~^" + "".join(c if c.isalnum() or not c.isascii() else "\\" + c for c in key) + "$"


def _nginx_bucket(keys) -> int:
    """The smallest `map_hash_bucket_size` holding the longest key (nginx's hash element: a
    pointer, the key and its length, aligned to 8; a bucket ends with a pointer)."""
    longest = max((len(k.encode("utf-8")) for k in keys), default=0)
    need = 8 + (longest + 2 + 7) // 8 * 8 + 8
    size = 64
    while size < need:
        size *= 2
    return size


def _nginx(rows: list[Redirect], agency: str) -> tuple[str, list[LeftOut]]:
    moved_var, gone_var = nginx_variables(agency)
    dollar = "portalize_dollar_" + moved_var.removeprefix("portalize_moved_")
    rows, left_out = _writable(rows)
    params = _params(rows)
    source = "|".join(["$host", "$uri", *(f"$arg_{name}" for name in params)])
    keyed = {}
    for r in rows:
        key = _nginx_key(r.legacy, params)
        if key is None:
            left_out.append(LeftOut(r.legacy, "a query parameter name nginx cannot read ($arg_NAME)"))
        elif key in keyed:  # nginx refuses a map with a key twice
            left_out.append(LeftOut(r.legacy, "the same host, decoded path and parameters as another row"))
        else:
            keyed[key] = r
    # nginx's map folds ASCII case in its exact keys: keys that differ only by case are written as
    # case-sensitive regular expressions (tried after the exact keys), so each finds its own target.
    folded = Counter(_ascii_lower(key) for key in keyed)
    moved, gone = [], []
    for key, r in keyed.items():
        written = _quoted(_nginx_regex(key) if folded[_ascii_lower(key)] > 1 else key)
        if r.status == 301:  # nginx expands every `$` of a value: a target's `$` is a variable holding one
            moved.append(f"    {written} {_quoted(location_of(r.target).replace('$', '${' + dollar + '}'))};")
        else:
            gone.append(f"    {written} \"410\";")
    bucket = _nginx_bucket(keyed)
    return "\n".join([
        "# portalize redirects (generated): include in the `http` block, then in the server block of",
        "# the legacy hosts:",
        f"#     if (${moved_var}) {{ return 301 ${moved_var}; }}",
        f"#     if (${gone_var}) {{ return 410; }}",
        "# Looked up by host, decoded path and the values of the parameters that matter, so order,",
        "# session ids and other parameters of visitors' URLs do not matter.",
        *([f"# The longest key needs `map_hash_bucket_size {bucket};` (or more) in the http block."]
          if bucket > 64 else []),
        f"# {len(moved)} moved (301), {len(gone)} gone (410)"
        + (f"; {len(left_out)} left out, not safe to write here (the export's report lists them, "
           "the CSV export has them)" if left_out else ""),
        f"geo ${dollar} {{ default \"$\"; }}",
        f"map {_quoted(source)} ${moved_var} {{", "    default \"\";", *moved, "}",
        f"map {_quoted(source)} ${gone_var} {{", "    default \"\";", *gone, "}", ""]), left_out


def _apache_regex(text: str) -> str:
    """`text` as an exact PCRE, written as one unquoted word of an Apache line: every ASCII
    punctuation and the space backslash-escaped (PCRE reads `\\` + punctuation as that
    character; mod_rewrite's parser keeps `\\ ` inside a word), so no `${` or `%{` is formed."""
    return "^" + "".join(c if c in _APACHE_PLAIN or ord(c) > 127 else "\\" + c for c in text) + "$"


def _apache_target(target: str) -> str:
    """The target as mod_rewrite gives it back: a URI (no space, quote or brace), with `\\`, `$`
    and `%` backslash-escaped so no backreference or variable is expanded; the rule's [NE]
    keeps mod_rewrite from escaping it again."""
    return re.sub(r"([\\$%])", r"\\\1", location_of(target))


def _apache_drops(target: str) -> bool:
    """Whether mod_rewrite would change this target: it splits it at its first `?`, drops an
    empty query and one trailing `&`, and a trailing `?` of the whole substitution."""
    _, mark, query = location_of(target).partition("?")
    return bool(mark) and (not query or query[-1] in "?&")


def _apache(rows: list[Redirect], agency: str) -> tuple[str, list[LeftOut]]:
    rows, left_out = _writable(rows)
    left_out += [LeftOut(r.legacy, "its target ends with `?` or `&`, which mod_rewrite drops: Apache cannot "
                                   "redirect to it exactly") for r in rows if r.target and _apache_drops(r.target)]
    rows = [r for r in rows if not (r.target and _apache_drops(r.target))]
    lines = ["# portalize redirects (generated): mod_rewrite rules for the legacy hosts' virtual host.",
             *([f"# {len(left_out)} left out, not safe to write here (the export's report lists them, "
                "the CSV export has them)"] if left_out else []),
             "RewriteEngine On"]
    for r in rows:
        parts = urlsplit(r.legacy)
        lines.append(f"RewriteCond %{{HTTP_HOST}} {_apache_regex(parts.hostname)} [NC]")
        if parts.query:
            lines.append(f"RewriteCond %{{QUERY_STRING}} {_apache_regex(parts.query)}")
        pattern = _apache_regex(_decoded_path(r.legacy))
        if r.status == 301:  # QSD: the visitor's query is not added to the target
            lines.append(f"RewriteRule {pattern} {_apache_target(r.target)} [R=301,L,NE,QSD]")
        else:
            lines.append(f"RewriteRule {pattern} - [G,L]")
    return "\n".join(lines) + "\n", left_out


def _csv(rows: list[Redirect], agency: str) -> tuple[str, list[LeftOut]]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["legacy_url", "status", "target", "reason"])
    for r in rows:
        writer.writerow([safe_cell(r.legacy), r.status, safe_cell(r.target or ""), safe_cell(r.reason)])
    return out.getvalue(), []
