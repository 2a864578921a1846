"""How the NukeViet fixtures were recorded (run by hand; NukeViet's code is never committed).

A default install of NukeViet eGovernment 1.2.02 (the public `nukeviet/eGovernment` release,
NukeViet 4.4) ran on loopback under PHP 8.2 (`php -S 127.0.0.1:80` with a router that
`require`s index.php at top level), on a private MariaDB, installed through its own installer
(single language, Vietnamese, the eGovernment sample data) and answering for the legacy host
`hoaphuoc.tinhmau.gov.vn`. Local changes to make it run: `install/ini.php` accepts PHP 8 and
reports rewriting supported under `cli-server`; the database class's `query`, `exec`,
`prepare` and `execute` take PDO's PHP 8 signatures; `my_domains` names the legacy host.

    python -m tests.sites.nukeviet_record http://127.0.0.1 /path/to/mysql.sock

1. crawls the live site with portalize itself (every in-host link, the real Host header) and
   keeps every response as `tests/fixtures/nukeviet/site.warc.gz` (`portalize archive`);
2. reads what NukeViet's own tables say of every published news item, legal document,
   consultation draft, page and about page into `ground-truth.json`, keyed by URL.
"""
from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "nukeviet"
HOST = "hoaphuoc.tinhmau.gov.vn"
CODE = "xa-hoaphuoc"
AGENCY = f"""code: {CODE}
name: UBND xã Hòa Phước
level: commune
legacy: {{base_urls: ['http://{HOST}/'], hosts: [{HOST}]}}
target: {{subsite: UBND xã Hòa Phước, path: /web/{CODE}}}
"""

QUERIES = {
    "news": "SELECT JSON_ARRAY(r.id, r.alias, r.title, r.publtime, r.author, r.hometext, d.bodyhtml, c.alias, c.title) "
            "FROM nv4_vi_news_rows r JOIN nv4_vi_news_detail d ON d.id = r.id "
            "JOIN nv4_vi_news_cat c ON c.catid = r.catid WHERE r.status = 1",
    "laws": "SELECT JSON_ARRAY(id, alias, title, publtime, code, introtext, bodytext) FROM nv4_vi_laws_row WHERE status = 1",
    "opinions": "SELECT JSON_ARRAY(id, alias, title, publtime, code, introtext, bodytext) FROM nv4_vi_opinions_row "
                "WHERE status = 1",
    "page": "SELECT JSON_ARRAY(id, alias, title, add_time, '', description, bodytext) FROM nv4_vi_page WHERE status = 1",
    "about": "SELECT JSON_ARRAY(id, alias, title, add_time, '', '', bodytext) FROM nv4_vi_about WHERE status = 1",
}


def _rows(sock: str, sql: str) -> list[list]:
    out = subprocess.run(["mariadb", "--no-defaults", f"--socket={sock}", "-uroot", "-N", "-B", "--raw", "nukeviet",
                          "-e", sql], capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line]


def ground_truth(sock: str) -> dict:
    truth = {}
    for module, sql in QUERIES.items():
        for row in _rows(sock, sql):
            if module == "news":
                rid, alias, title, publ, author, hometext, body, cat_alias, cat_title = row
                url = f"http://{HOST}/{cat_alias}/{alias}-{rid}.html"
                entry = {"kind": "article", "category": html.unescape(cat_title), "author": author or None,
                         "summary": html.unescape(hometext)}
            else:
                rid, alias, title, publ, code, intro, body = row
                if module in ("laws", "opinions"):
                    url = f"http://{HOST}/{module}/detail/{alias}/"
                    entry = {"kind": "document", "number": html.unescape(code), "summary": html.unescape(intro)}
                else:
                    url = f"http://{HOST}/{module}/{alias}.html"
                    entry = {"kind": "page"}
            entry.update(module=module, title=html.unescape(title), published=int(publ) if publ else None,
                         body=html.unescape(body or ""))
            truth[url] = entry
    return truth


def main(origin: str, sock: str) -> None:
    work = Path(tempfile.mkdtemp())
    shutil.copytree(ROOT / "mappings", work / "mappings")
    for path in (work / "mappings" / "agencies").glob("*.yml"):
        path.unlink()
    (work / "mappings" / "agencies" / f"{CODE}.yml").write_text(AGENCY, encoding="utf-8")
    env = {**os.environ, "PORTALIZE_MAPPINGS": str(work / "mappings"), "PORTALIZE_VAR": str(work / "var"),
           "PORTALIZE_DB": f"sqlite:///{work / 'var' / 'portalize.db'}"}
    run = [sys.executable, "-m", "portalize.cli"]
    subprocess.run([*run, "crawl", CODE, "-s", "--origin", f"{HOST}={origin}"], env=env, check=True)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    subprocess.run([*run, "archive", CODE, "-s", "--output", str(FIXTURES / "site.warc.gz")], env=env, check=True)
    truth = ground_truth(sock)
    (FIXTURES / "ground-truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                                encoding="utf-8")
    print(f"{len(truth)} items of ground truth; WARC at {FIXTURES / 'site.warc.gz'}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
