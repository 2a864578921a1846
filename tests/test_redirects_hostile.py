"""Redirect exports that no legacy URL or file name can break out of (issue 21, hole 4).

A hostile legacy site names its files and paths `bao-cao$foo.pdf`, `%{HTTP_COOKIE}-$1.pdf`,
`quyet dinh so 1.pdf`, `${NAME}`, quotes, backslashes, braces, NULs, newlines... They are put
in the ledger as migrated files (301) and feeds (410), exported by `portalize redirects` for
nginx and Apache, and the exports are loaded into a real nginx and a real Apache (Debian's
packages, private instances on loopback). `-t` passes; every legacy path, requested as stored
and fully percent-encoded, answers with exactly its target as a URI (byte for byte where the
target already is one); the visitor's cookie and Apache's environment never show; and what
cannot be written safely is listed with a reason in the export's report."""
from __future__ import annotations

import hashlib
import http.client
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes, urlsplit

import pytest
from click.testing import CliRunner

from portalize.cli import cli
from portalize.core.ledger import agencies as agency_store
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import CrawlRun, IdMap, Page
from portalize.core.registry import load_registry
from transform.urls import canonical_url

from .sites.web_servers import apache_serving, nginx_serving

pytestmark = pytest.mark.integration

AGENCY = "stnmt"
HOST = "stnmt.tinhmau.gov.vn"
PORTAL = "https://tinhmau.gov.vn"
COOKIE = "cookie-secret-5d1f"  # sent by the visitor on every request: must never come back
ENV_SECRET = "env-secret-93c2"  # in Apache's environment as PORTALIZE_SECRET: `${PORTALIZE_SECRET}` must not read it
# A URI as RFC 3986 writes it: unreserved and reserved characters, and %-escapes.
URI = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*$")

VIETNAMESE = "Báo cáo tổng kết năm 2023 – Sở Tài nguyên.pdf"
LONG = ("Quyết định phê duyệt kế hoạch chuyển đổi số " * 5).strip() + ".pdf"
# File names a hostile site gives its documents: all must be redirected, exactly.
SERVED = [
    "bao-cao$foo.pdf", "bao-cao$1.pdf", "$0$1$9.pdf", "$", "end$", "${x}.pdf", "${PORTALIZE_SECRET}.pdf",
    "%{HTTP_COOKIE}-$1.pdf", "%{ENV:PORTALIZE_SECRET}.pdf", "%1.pdf", "%2 %1.pdf", "%", "100%.pdf", "%zz%2.pdf",
    "quyet dinh so 1.pdf", "quyet%20dinh%20so%201.pdf", "%00.pdf", "B%C3%A1o%20c%C3%A1o.pdf",
    'say "hi".pdf', "it's.pdf", '"', "'", "a\\b.pdf", "a\\$1.pdf", "\\%{HTTP_COOKIE}.pdf", "\\", "trailing\\",
    "semi;colon }.pdf", "{brace}.pdf", "}{;.pdf", "#hash.pdf", "q?x=1&y=2.pdf", "a&b=c.pdf", "a+b.pdf",
    "a|b^c`d.pdf", "<svg onload=alert(1)>.pdf", "[x](y).pdf", "~user.pdf", "trailing space .pdf", " lead.pdf",
    unicodedata.normalize("NFC", VIETNAMESE), unicodedata.normalize("NFD", VIETNAMESE),
    unicodedata.normalize("NFC", LONG), unicodedata.normalize("NFD", LONG), "ĐƯỜNG ỐNG.docx", "日本語.pdf",
    "Bao-Cao.pdf", "bao-cao.pdf", "BAO-CAO.PDF", "Đ.pdf", "đ.pdf",  # nginx's map keys fold ASCII case
    "tab\\t and \\n.pdf", "x [R=302] y.pdf", "RewriteRule ^ https:evil [R].pdf", "a;} return 302 evil; #",
]
# Names no server rule can hold safely: left out with a reason, listed in the export's report.
REFUSED = ["new\nline.pdf", "tab\there.pdf", "nul\x00.pdf", "esc\x1b[31m.pdf", "del\x7f.pdf", "c1\x85.pdf",
           "12/QĐ-UBND.pdf"]


@dataclass(frozen=True)
class Case:
    link: str  # path and query as the hostile site's link writes them (percent-encoded)
    target: str | None  # the portal URL (None: gone, 410)
    refused: bool = False


def _file(name: str, refused: bool = False, folder: str = "files") -> Case:
    """A document: linked percent-encoded, as a browser sends it; its portal URL with the raw
    name, as the embedded portal builds it."""
    sha = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    return Case(f"/{folder}/" + quote(name, safe=""), f"{PORTAL}/documents/{sha}/{name}", refused)


FUZZ_SERVED, FUZZ_REFUSED = 400, 40


def _fuzzed(seed: int = 21) -> list[Case]:
    """Random names (a fixed seed): every printable ASCII character but `/`, the characters
    configurations read, Vietnamese letters and combining marks; and the same names with one
    control character in them, which must be left out."""
    rng = random.Random(seed)
    alphabet = ([chr(c) for c in range(0x20, 0x7F) if chr(c) != "/"] + list("$%{}\\\"'; #?&") * 3
                + list("ăâđêôơưĐƯáàảãạếềểễệốồổỗộứừửữự") + ["\u0301", "\u0323", "\u0309"])
    controls = [chr(c) for c in range(0x20)] + ["\x7f", "\x85"]
    names: set[str] = set()
    while len(names) < FUZZ_SERVED:
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        if name not in (".", ".."):  # dot segments: not a file name
            names.add(name)
    refused = []
    for name in sorted(names)[:FUZZ_REFUSED]:
        at = rng.randint(0, len(name))
        refused.append(name[:at] + rng.choice(controls) + name[at:])
    names |= {name.swapcase() for name in sorted(names)[-20:]}  # nginx's map keys fold ASCII case
    return ([_file(name, folder="fuzz") for name in sorted(names)]
            + [_file(name, refused=True, folder="fuzz-refused") for name in refused])


CASES = [
    *(_file(name) for name in SERVED), *(_file(name, refused=True) for name in REFUSED),
    # hostile folders and queries, moved to items
    Case("/" + quote("${x}/%{HTTP_COOKIE}/$1/{a b}", safe="/"), f"{PORTAL}/web/stnmt/-/tin-1"),
    Case("/a//b///" + quote("$1 x", safe=""), f"{PORTAL}/web/stnmt/-/tin-5"),  # the servers merge slashes
    Case(quote("/thư-mục-rất-dài" * 80 + "/$1.pdf"), f"{PORTAL}/web/stnmt/-/tin-6"),  # a 4 KB request line
    Case("/tin.aspx?id=$1", f"{PORTAL}/web/stnmt/-/tin-2"),
    Case("/tin.aspx?id=" + quote("%{HTTP_COOKIE}", safe=""), f"{PORTAL}/web/stnmt/-/tin-3"),
    Case("/tin.aspx?id=a+b&x=" + quote('"}; #', safe=""), f"{PORTAL}/web/stnmt/-/tin-4"),
    Case("/files/caf%E9.pdf", f"{PORTAL}/documents/0/cafe.pdf", refused=True),  # not UTF-8 once decoded
    # feeds of the legacy site: gone
    Case("/rss/" + quote("${x}.rss", safe=""), None),
    Case("/rss/" + quote('%{HTTP_COOKIE} "a b" \\.xml', safe=""), None),
    Case("/rss/" + quote("$1;}.xml", safe=""), None),
    Case("/rss/nul%00.xml", None, refused=True),
    *_fuzzed(),
]


def _seed() -> dict[str, Case]:
    """The cases in the ledger, as apply and crawl leave them: migrated files in the id map
    (301), feeds among the pages (410). Returns them by their stored (canonical) legacy URL."""
    registry = load_registry()
    stored = {}
    with transaction() as session:
        agency_store.register_agency(session, registry.agency(AGENCY))
        run = CrawlRun(agency=AGENCY, status="finished")
        session.add(run)
        session.flush()
        for number, case in enumerate(CASES):
            url = canonical_url(f"http://{HOST}{case.link}")
            assert url not in stored, (case, url)
            stored[url] = case
            if case.target is None:
                session.add(Page(agency=AGENCY, url=url, kind="feed", status=200, crawl_run=run.id, headers={}))
            else:
                session.add(IdMap(uid=f"{AGENCY}-hostile-{number}", agency=AGENCY, source_url=url,
                                  portal_id=str(number), portal_url=case.target, content_hash="x", portal_hash="x",
                                  status="loaded"))
    return stored


def _export(fmt: str) -> dict:
    result = CliRunner().invoke(cli, ["redirects", AGENCY, "--format", fmt, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _get(port: int, target: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", target, headers={"Host": HOST, "Cookie": f"SESSION={COOKIE}"})
        answer = connection.getresponse()
        answer.read()
        return answer
    finally:
        connection.close()


def _every_byte_encoded(url: str) -> str:
    """The legacy path with every byte but `/`, `.` and letters and digits percent-encoded
    (another form a visitor's client may send), and its query as stored."""
    parts = urlsplit(url)
    path = quote(unquote_to_bytes(parts.path), safe="/.")
    path = "".join(f"%{ord(c):02X}" if c in "-_~" else c for c in path)
    return path + (f"?{parts.query}" if parts.query else "")


def _mod_rewrite_drops(target: str | None) -> bool:
    """mod_rewrite splits a substitution at its first `?`, drops an empty query, a trailing
    `&` and a trailing `?` (seen on Apache 2.4): such a target cannot be given exactly."""
    return bool(target) and "?" in target and (not target.partition("?")[2] or target[-1] in "?&")


def _check_server(port: int, stored: dict[str, Case], left_out: list[dict], apache: bool = False) -> int:
    """Every legacy URL, requested as stored and fully encoded: its status and exact target.
    Returns how many requests were checked."""
    problems, checked = [], 0
    listed = {row["legacy_url"]: row["reason"] for row in left_out}
    for url, case in stored.items():
        if case.refused or (apache and _mod_rewrite_drops(case.target)):
            if url not in listed:
                problems.append(f"{url!r}: not safe to write, yet not listed as left out")
            continue
        if url in listed:
            problems.append(f"{url!r}: left out ({listed[url]}), yet it is safe")
            continue
        parts = urlsplit(url)
        for request in {parts.path + (f"?{parts.query}" if parts.query else ""), _every_byte_encoded(url)}:
            answer = _get(port, request)
            checked += 1
            headers = "\n".join(f"{k}: {v}" for k, v in answer.getheaders())
            if COOKIE in headers or ENV_SECRET in headers:
                problems.append(f"{request}: a secret reflected in the answer:\n{headers}")
            if case.target is None:
                if answer.status != 410:
                    problems.append(f"{request}: {answer.status}, wanted 410")
                continue
            location = answer.getheader("Location")
            if answer.status != 301 or location is None:
                problems.append(f"{request}: {answer.status} {location!r}, wanted 301 to {case.target!r}")
            elif not URI.match(location):
                problems.append(f"{request}: Location {location!r} is not a URI")
            elif unquote_to_bytes(location) != unquote_to_bytes(case.target):
                problems.append(f"{request}: Location {location!r} is not {case.target!r}")
            elif URI.match(case.target) and location != case.target:
                problems.append(f"{request}: Location {location!r} is not exactly {case.target!r}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])
    return checked


def _known_answers(port: int) -> None:
    """The issue's cases, by their literal answers."""
    documents = f"{PORTAL}/documents"
    for name, ending in [("quyet dinh so 1.pdf", "/quyet%20dinh%20so%201.pdf"),
                         ("%{HTTP_COOKIE}-$1.pdf", "/%25%7BHTTP_COOKIE%7D-$1.pdf"),
                         ("bao-cao$foo.pdf", "/bao-cao$foo.pdf"), ("bao-cao$1.pdf", "/bao-cao$1.pdf")]:
        location = _get(port, "/files/" + quote(name, safe="")).getheader("Location")
        sha = hashlib.sha256(name.encode()).hexdigest()[:16]
        assert location == f"{documents}/{sha}{ending}", (name, location)


def test_nginx_export_of_hostile_names_is_exact(workspace, tmp_path):
    stored = _seed()
    exported = _export("nginx")
    conf = exported["path"]
    text = Path(conf).read_text(encoding="utf-8")
    bucket = re.search(r"map_hash_bucket_size (\d+)", text)
    code = AGENCY.replace("-", "_")
    server = [f"if ($portalize_moved_{code}) {{ return 301 $portalize_moved_{code}; }}",
              f"if ($portalize_gone_{code}) {{ return 410; }}"]
    http = [f"map_hash_bucket_size {bucket[1] if bucket else 64};", "map_hash_max_size 65536;"]
    with nginx_serving(tmp_path / "nginx", [conf], server, http) as port:
        checked = _check_server(port, stored, exported["left_out"])
        _known_answers(port)
    print(f"nginx: {len(stored)} hostile legacy URLs, {checked} requests exact, "
          f"{len(exported['left_out'])} left out with a reason")


def test_apache_export_of_hostile_names_is_exact(workspace, tmp_path):
    stored = _seed()
    exported = _export("apache")
    with apache_serving(tmp_path / "apache", [f"Include {exported['path']}"], {"PORTALIZE_SECRET": ENV_SECRET}) as port:
        checked = _check_server(port, stored, exported["left_out"], apache=True)
        _known_answers(port)
    print(f"apache: {len(stored)} hostile legacy URLs, {checked} requests exact, "
          f"{len(exported['left_out'])} left out with a reason")


def test_left_out_rows_are_reported_by_the_command_and_kept_in_the_csv(workspace):
    stored = _seed()
    refused = {url for url, case in stored.items() if case.refused or _mod_rewrite_drops(case.target)}
    result = CliRunner().invoke(cli, ["redirects", AGENCY, "--format", "apache"])
    assert result.exit_code == 0, result.output
    assert f"{len(refused)} legacy URL(s) left out" in result.output
    assert "a NUL or control byte in its %-decoded path" in result.output
    assert f"... and {len(refused) - 20} more" in result.output
    assert "Next: portalize redirects stnmt --format apache --json" in result.output
    listed = {row["legacy_url"]: row["reason"] for row in _export("apache")["left_out"]}
    assert set(listed) == refused
    reasons = "\n".join(listed.values())
    for reason in ("a NUL or control byte", "an encoded slash (%2F)", "not UTF-8 once %-decoded",
                   "which mod_rewrite drops"):
        assert reason in reasons
    exported = _export("csv")
    csv_text = Path(exported["path"]).read_text(encoding="utf-8-sig")
    assert exported["left_out"] == [] and all(url in csv_text for url in stored)
