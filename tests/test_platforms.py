"""Every platform family, crawled for real: one sample site each (Liferay, NukeViet, IBM
WebSphere Portal/WCM, SharePoint, DotNetNuke, WordPress), each with its own URL scheme,
pagination (links, WCM page parameters, DNN postbacks, sitemap-only articles) and traps
(portal state and session ids in every link, print views, calendars, archives, login walls).
The crawl must find exactly the articles, legal documents and files each site holds, and
fetch no trap page and no page twice."""
from __future__ import annotations

import json
import re
import sqlite3

import pytest

from portalize.samples.server import SampleServer

from .conftest import _workspace_env, run_portalize

pytestmark = pytest.mark.integration

AGENCY_BY_HOST = {"stnmt.tinhmau.gov.vn": "stnmt", "hoaxuan.tinhmau.gov.vn": "xa-hoaxuan",
                  "skhcn.tinhmau.gov.vn": "skhcn", "stc.tinhmau.gov.vn": "stc",
                  "sgddt.tinhmau.gov.vn": "sgddt", "xtdt.tinhmau.gov.vn": "xtdt"}
# What no crawl may request: print views, calendars and archives, search, login walls,
# session ids and portal state, Liferay p_p_* permutations, comment links.
TRAPS = re.compile(r"print|Print|calendar|CalendarDate|/\d{4}/\d{2}/(\d{2}/)?$|/\d{4}/\d{2}/$|[?&]s=|osssearch|"
                   r"login|Login|Authenticate|myportal|/\(S\(|!ut/p|p_p_lifecycle|p_p_state|replytocom|/wp-json/")


@pytest.fixture(scope="module")
def families(tmp_path_factory):
    """All six sample sites on a fresh server, crawled and transformed once."""
    base = tmp_path_factory.mktemp("families")
    env = _workspace_env(base)
    with SampleServer() as server:
        origins = [arg for host, url in server.origins.items() for arg in ("--origin", f"{host}={url}")]
        crawl = run_portalize("crawl", *AGENCY_BY_HOST.values(), "-s", *origins, env_extra=env)
        fetches = dict(server.sites.fetches)
        transform = run_portalize("transform", *AGENCY_BY_HOST.values(), "-s", env_extra=env)
        db = sqlite3.connect(base / "var" / "portalize.db")
        yield {"db": db, "sites": server.sites, "fetches": fetches, "crawl": crawl.stdout,
               "transform": transform.stdout}
        db.close()


@pytest.mark.parametrize("host", list(AGENCY_BY_HOST))
def test_every_article_document_and_file_is_found(families, host):
    code, db, present = AGENCY_BY_HOST[host], families["db"], families["sites"].present(host)
    pages = {(kind, url) for kind, url in db.execute(
        "select kind, url from pages where agency = ? and status = 200", (code,))}
    items = {url for kind, url in pages if kind == "item"}
    assets = {url for kind, url in pages if kind == "asset"}
    assert items == present["articles"]
    # The sites link files with per-page parameters (WCM CACHEID, DNN tabid/mid): compare by
    # what identifies the file on each site.
    assert len(assets) == len(present["assets"])
    documents = {json.loads(data)["source_url"] for (data,) in db.execute(
        "select data from staged_articles where agency = ? and status = 'ok'", (code,))
        if (json.loads(data)["document"] or {}).get("number")}  # a legal document, with its number
    assert documents == present["documents"]
    staged = db.execute("select count(*) from staged_articles where agency = ? and status = 'ok'", (code,)).fetchone()
    assert staged == (len(present["articles"]),)
    # The Liferay sample's menu links a "Liên hệ" page it does not have: following every link
    # finds it, and it is kept as a dead link (not an error of the crawl).
    dead = {url for (url,) in db.execute("select url from pages where agency = ? and (status is null or status >= 400)",
                                          (code,))}
    assert dead == ({"http://stnmt.tinhmau.gov.vn/web/guest/lien-he"} if code == "stnmt" else set())


def test_no_trap_page_and_no_page_fetched_twice(families):
    fetched = families["fetches"]
    assert not [path for (_, path) in fetched if TRAPS.search(path)]
    assert {key: n for key, n in fetched.items() if n > 1 and not key[1].startswith("POST ")} == {}
    # DNN's news list pages only by postback: pages 2 and 3, and page 1 once more from page 2's pager.
    assert {key: n for key, n in fetched.items() if key[1].startswith("POST ")} == {
        ("sgddt.tinhmau.gov.vn", "POST /tabid/57/Default.aspx"): 3}


def test_a_file_shared_by_two_pages_is_downloaded_once(families):
    db = families["db"]
    # Two DNN articles link the same PDF; two WordPress posts and two WCM articles share an image.
    for code, name in (("sgddt", "ke-hoach-boi-duong-2024.pdf"), ("xtdt", "hoi-nghi-xtdt.png"),
                       ("skhcn", "nghiem-thu-giong-lua.png")):
        linked = [json.loads(d) for (d,) in db.execute("select data from staged_articles where agency = ? and status = 'ok'",
                                                       (code,))]
        urls = {f["url"] for a in linked for f in a["attachments"] + a["images"] if f["filename"] == name}
        assert len(urls) == 1, (code, urls)
        assert sum(1 for a in linked for f in a["attachments"] + a["images"] if f["filename"] == name) == 2
        assert db.execute("select count(*) from pages where agency = ? and url = ?", (code, urls.pop())).fetchone() == (1,)


def test_files_served_by_a_script_keep_their_vietnamese_names(families):
    db = families["db"]
    article = next(json.loads(d) for (d,) in db.execute("select data from staged_articles where agency = 'sgddt'")
                   if "/ArticleID/401/" in json.loads(d)["source_url"])
    [xlsx] = article["attachments"]
    assert "LinkClick.aspx" in xlsx["url"] and xlsx["filename"] == "Khung kế hoạch thời gian năm học 2024-2025.xlsx"
    assert xlsx["media_type"].endswith("spreadsheetml.sheet") and xlsx["size"] > 100
    assert article["document"]["number"] == "1520/QĐ-UBND" and article["document"]["issued"] == "2024-08-12"
