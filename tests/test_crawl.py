"""Real Scrapy crawls of the sample sites served on a local port."""
from __future__ import annotations

import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest

from .conftest import ROOT, run_portalize

pytestmark = pytest.mark.integration


def ledger(workspace):
    return sqlite3.connect(workspace / "var" / "portalize.db")


def test_crawl_counts_and_summary(crawled_template):
    base, result = crawled_template
    # Every in-host link is followed: the menu's "Liên hệ" page, which the sample site lacks, is
    # found and recorded as a dead link (404).
    assert "crawled stnmt: 17 pages (2 asset, 7 item, 8 list); by status: 200: 16, 404: 1" in result.stdout
    assert "crawled xa-hoaxuan: 15 pages (2 asset, 2 feed, 7 item, 4 list); by status: 200: 15" in result.stdout
    db = ledger(base)
    rows = dict(((a, k), n) for a, k, n in db.execute("select agency, kind, count(*) from pages group by 1, 2"))
    assert rows == {("stnmt", "item"): 7, ("stnmt", "list"): 8, ("stnmt", "asset"): 2,
                    ("xa-hoaxuan", "item"): 7, ("xa-hoaxuan", "list"): 4, ("xa-hoaxuan", "asset"): 2,
                    ("xa-hoaxuan", "feed"): 2,
                    ("skhcn", "item"): 4, ("skhcn", "list"): 4, ("skhcn", "asset"): 2,
                    ("stc", "item"): 5, ("stc", "list"): 5, ("stc", "asset"): 2,
                    ("sgddt", "item"): 6, ("sgddt", "list"): 5, ("sgddt", "asset"): 3,
                    ("xtdt", "item"): 6, ("xtdt", "list"): 5, ("xtdt", "asset"): 5, ("xtdt", "feed"): 3}
    runs = db.execute("select agency, status from crawl_runs order by agency").fetchall()
    assert runs == [(code, "finished") for code in ("sgddt", "skhcn", "stc", "stnmt", "xa-hoaxuan", "xtdt")]


def test_no_trap_or_duplicate_urls_fetched(crawled_template):
    db = ledger(crawled_template[0])
    urls = [u for (u,) in db.execute("select url from pages")]
    assert len(urls) == len(set(urls))
    for trap in ("print", "login", "/users/", "p_p_lifecycle", "redirect="):
        assert not [u for u in urls if trap in u], trap


def test_raw_bodies_are_kept_compressed_and_exact(crawled_template, sample_sites):
    db = ledger(crawled_template[0])
    url, sha = db.execute("select url, sha256 from pages where url like '%ky-niem-ngay-thanh-lap-xa-103.html'").fetchone()
    data, size = db.execute("select data, size from raw_bodies where sha256 = ?", (sha,)).fetchone()
    served = sample_sites.route("hoaxuan.tinhmau.gov.vn", "/vi/news/tin-tuc-su-kien/ky-niem-ngay-thanh-lap-xa-103.html").body
    assert zlib.decompress(data) == served and size == len(served)
    assert len(data) < size
    pdf = db.execute("select p.content_type, r.size from pages p join raw_bodies r on r.sha256 = p.sha256 "
                     "where p.url like '%.pdf%' and p.agency = 'stnmt'").fetchone()
    assert pdf[0] == "application/pdf" and pdf[1] > 100


def test_scrapy_crawl_runs_the_same_spider(workspace, sample_server):
    origins = ",".join(f"{h}={u}" for h, u in sample_server.origins.items())
    import subprocess, sys, os
    env = {**os.environ, "PORTALIZE_DB": os.environ["PORTALIZE_DB"]}
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "legacy", "-a", "agency=xa-hoaxuan",
                             "-a", f"origins={origins}", "-s", f"PORTALIZE_DB={env['PORTALIZE_DB']}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    count = ledger(workspace).execute("select count(*) from pages where agency = 'xa-hoaxuan' and status = 200").fetchone()
    assert count == (15,)


def test_unreachable_site_fails_clearly_and_keeps_nothing_half_written(workspace, sample_server):
    # Nothing listens on this port: the site is unreachable.
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    result = run_portalize("crawl", "stnmt", "-s", "--origin", f"stnmt.tinhmau.gov.vn=http://127.0.0.1:{port}", check=False)
    assert result.returncode == 1
    assert "agency stnmt: could not crawl http://stnmt.tinhmau.gov.vn/web/guest/trang-chu" in result.stderr
    assert "Next:" in result.stderr and "portalize crawl stnmt" in result.stderr
    assert "Traceback" not in result.stderr
    db = ledger(workspace)
    assert db.execute("select status from crawl_runs").fetchall() == [("failed",)]
    assert db.execute("select count(*) from pages where status is not null").fetchone() == (0,)
    assert db.execute("select count(*) from agency_events where event = 'crawled'").fetchone() == (0,)
    # The failed first crawl leaves no job state behind: the next crawl, site back, fetches it all.
    assert not (workspace / "var" / "jobs" / "stnmt").exists()
    origins = [a for h, u in sample_server.origins.items() for a in ("--origin", f"{h}={u}")]
    again = run_portalize("crawl", "stnmt", "-s", *origins)
    assert "crawled stnmt: 17 pages" in again.stdout


def test_page_limit_stops_the_crawl_with_a_clear_message(workspace, sample_server):
    origins = [a for h, u in sample_server.origins.items() for a in ("--origin", f"{h}={u}")]
    result = run_portalize("crawl", "stnmt", "-s", "--max-pages", "5", *origins)
    assert "stopped early: page limit of 5 reached for agency stnmt" in result.stdout
    assert "Raise --max-pages" in result.stdout
    db = ledger(workspace)
    assert db.execute("select status from crawl_runs").fetchall() == [("limited",)]
    stored = db.execute("select count(*) from pages where status = 200").fetchone()[0]
    assert 5 <= stored <= 5 + 16  # requests already in flight when the limit hit still land


def test_archive_writes_a_replayable_warc(crawled, sample_sites):
    from click.testing import CliRunner
    from warcio.archiveiterator import ArchiveIterator

    from portalize.cli import cli
    out = crawled / "hoaxuan.warc.gz"
    result = CliRunner().invoke(cli, ["archive", "xa-hoaxuan", "--output", str(out), "-s"])
    assert result.exit_code == 0, result.output
    assert "archived xa-hoaxuan: 15 records" in result.output
    records = {}
    with out.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                records[record.rec_headers.get_header("WARC-Target-URI")] = (
                    record.http_headers.get_statuscode(), record.content_stream().read())
    assert len(records) == 15
    path = "/vi/news/tin-tuc-su-kien/ky-niem-ngay-thanh-lap-xa-103.html"
    status, body = records[f"http://hoaxuan.tinhmau.gov.vn{path}"]
    assert status == "200" and body == sample_sites.route("hoaxuan.tinhmau.gov.vn", path).body
    pdf = next(b for u, (_, b) in records.items() if u.endswith(".pdf"))
    assert pdf.startswith(b"%PDF-1.4")


def test_agency_without_platform_gets_the_detected_one(workspace, sample_server):
    import json
    root = workspace / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    path = root / "agencies" / "xa-hoaxuan.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("platform: nukeviet\n", ""), encoding="utf-8")
    env = {"PORTALIZE_MAPPINGS": str(root)}
    origin = ["--origin", f"hoaxuan.tinhmau.gov.vn={sample_server.url}"]
    result = run_portalize("agencies", "register", "xa-hoaxuan", *origin, env_extra=env)
    assert "platform detected: nukeviet (" in result.stdout and "HTML has 'content=\"NukeViet'" in result.stdout
    listed = json.loads(run_portalize("agencies", "list", "--json", env_extra=env).stdout)
    assert next(a for a in listed if a["code"] == "xa-hoaxuan")["platform"] == "nukeviet"
    crawl = run_portalize("crawl", "xa-hoaxuan", "-s", *origin, env_extra=env)
    assert "crawled xa-hoaxuan: 15 pages (2 asset, 2 feed, 7 item, 4 list)" in crawl.stdout
    db = ledger(workspace)
    assert db.execute("select platform from agencies where code='xa-hoaxuan'").fetchone() == ("nukeviet",)
    detail = json.loads(db.execute("select detail from agency_events where event='detected'").fetchone()[0])
    assert detail["platform"] == "nukeviet" and detail["evidence"]


def test_sitemap_and_feed_reach_an_article_no_list_links_to(crawled_template):
    db = ledger(crawled_template[0])
    feeds = sorted(u for (u,) in db.execute("select url from pages where kind = 'feed' and agency = 'xa-hoaxuan'"))
    assert feeds == ["http://hoaxuan.tinhmau.gov.vn/sitemap.xml", "http://hoaxuan.tinhmau.gov.vn/vi/news/rss/"]
    # WordPress: the feed its pages announce, and the core sitemap index with its post sitemap.
    assert sorted(u for (u,) in db.execute("select url from pages where kind = 'feed' and agency = 'xtdt'")) == [
        "http://xtdt.tinhmau.gov.vn/feed/", "http://xtdt.tinhmau.gov.vn/wp-sitemap-posts-post-1.xml",
        "http://xtdt.tinhmau.gov.vn/wp-sitemap.xml"]
    hidden = db.execute("select status from pages where url like '%/toa-dam-ha-tang-khu-kinh-te/'").fetchone()
    assert hidden == (200,)  # shown in no list: reached through the sitemap and the feed
    orphan = db.execute("select status, referer from pages where url like '%thong-bao-lich-tiep-cong-dan-105.html'").fetchone()
    assert orphan[0] == 200 and orphan[1] in feeds
    # The Liferay site has no sitemap: its 404 probe is not stored as a page of the site.
    assert db.execute("select count(*) from pages where url like '%stnmt%sitemap%'").fetchone() == (0,)


def test_recrawl_asks_conditionally_and_replans_only_what_changed(crawled, sample_server):
    from click.testing import CliRunner

    from portalize.cli import cli
    origins = [a for h, u in sample_server.origins.items() for a in ("--origin", f"{h}={u}")]
    sites = sample_server.sites
    sites.hits.clear()
    again = run_portalize("crawl", "stnmt", "xa-hoaxuan", "-s", *origins)
    # Lists, sitemap and feeds are revalidated (all 304); articles they show are not re-requested.
    assert ("crawled stnmt: 7 pages (7 list); by status: 200: 7; 7 not modified since the last crawl; "
            "7 stored articles under unchanged lists not re-checked") in again.stdout
    assert sites.hits[304] == 7 + 6 and sites.hits[200] == 2  # only the two robots.txt came back whole
    sites.hits.clear()
    full = run_portalize("crawl", "stnmt", "--full", "-s", *origins)
    assert "crawled stnmt: 14 pages (7 item, 7 list); by status: 200: 14; 14 not modified" in full.stdout
    assert sites.hits[304] == 14
    runner = CliRunner()
    assert runner.invoke(cli, ["transform", "--all", "-s"]).exit_code == 0
    import json
    first_plan = json.loads(runner.invoke(cli, ["plan", "stnmt", "--json"]).output)
    assert runner.invoke(cli, ["apply", str(first_plan["plan"]), "-y", "-s"]).exit_code == 0
    article = sites.sites["stnmt.tinhmau.gov.vn"]["categories"][0]["articles"][1]
    original = article["title"]
    article["title"] = original + " (cập nhật)"
    try:
        sites.hits.clear()
        third = run_portalize("crawl", "stnmt", "-s", *origins)
    finally:
        article["title"] = original
    # robots.txt, the two list pages showing the new title and the changed article come back
    # whole; the other lists answer 304, and so does the other article of the changed list.
    assert sites.hits[200] == 1 + 2 + 1 and sites.hits[304] == 5 + 1
    assert "not modified" in third.stdout
    assert runner.invoke(cli, ["transform", "stnmt", "-s"]).exit_code == 0
    plan = json.loads(runner.invoke(cli, ["plan", "stnmt", "--json"]).output)
    assert plan["summary"]["update"] == 1 and plan["summary"]["unchanged"] == 6
    [update] = [e for e in plan["entries"] if e["action"] == "update"]
    assert {"field": "title", "old": original, "new": original + " (cập nhật)",
            "words": [["=", original], ["+", " (cập nhật)"]]} in update["diff"]  # the change seen where it is


def test_interrupted_crawl_resumes_without_losing_or_refetching(workspace, sample_server):
    import os
    import signal
    import subprocess
    import time

    from .conftest import PORTALIZE
    sites = sample_server.sites
    sites.fetches.clear()
    origin = ["--origin", f"stnmt.tinhmau.gov.vn={sample_server.url}"]
    slow = ["-S", "DOWNLOAD_DELAY=0.25", "-S", "CONCURRENT_REQUESTS=1", "-S", "RANDOMIZE_DOWNLOAD_DELAY=False"]
    proc = subprocess.Popen([*PORTALIZE, "crawl", "stnmt", "-s", *origin, *slow], cwd=ROOT, env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db_path = workspace / "var" / "portalize.db"
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        if db_path.exists():
            try:
                if sqlite3.connect(db_path).execute("select count(*) from pages").fetchone()[0] >= 5:
                    break
            except sqlite3.OperationalError:
                pass
    proc.send_signal(signal.SIGINT)
    out, errors = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + errors
    assert "crawl interrupted for stnmt" in errors and "to resume" in errors
    first = sqlite3.connect(db_path).execute("select count(*) from pages").fetchone()[0]
    assert 5 <= first < 16
    assert (workspace / "var" / "jobs" / "stnmt" / "requests.seen").exists()
    resumed = run_portalize("crawl", "stnmt", "-s", *origin)
    assert "resumed the interrupted crawl of stnmt" in resumed.stdout
    db = ledger(workspace)
    assert db.execute("select count(*), count(distinct url) from pages where status = 200").fetchone() == (16, 16)
    pages = [(h, p) for (h, p) in sites.fetches if p != "/robots.txt" and h == "stnmt.tinhmau.gov.vn"]
    assert len(pages) == 16 and all(sites.fetches[k] == 1 for k in pages)  # nothing fetched twice
    assert not (workspace / "var" / "jobs" / "stnmt").exists()  # finished: job state removed
    runs = db.execute("select status from crawl_runs order by id").fetchall()
    assert runs == [("interrupted",), ("finished",)]


def test_an_agency_file_carries_its_own_crawl_settings(workspace, sample_server):
    root = workspace / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    path = root / "agencies" / "stnmt.yml"
    path.write_text(path.read_text(encoding="utf-8") + "crawl:\n  PORTALIZE_MAX_PAGES: 5\n"
                    "  CONCURRENT_REQUESTS_PER_DOMAIN: 2\n  AUTOTHROTTLE_ENABLED: false\n", encoding="utf-8")
    env = {"PORTALIZE_MAPPINGS": str(root)}
    origin = ["--origin", f"stnmt.tinhmau.gov.vn={sample_server.url}"]
    limited = run_portalize("crawl", "stnmt", "-s", *origin, env_extra=env)
    assert "stopped early: page limit of 5 reached for agency stnmt" in limited.stdout
    log = limited.stdout.rsplit("Crawl log: ", 1)[1].strip()
    assert "'CONCURRENT_REQUESTS_PER_DOMAIN': 2" in Path(log).read_text(encoding="utf-8")
    # The command line still wins over the agency file.
    wider = run_portalize("crawl", "stnmt", "-s", "--max-pages", "9", *origin, env_extra=env)
    assert "page limit of 9 reached" in wider.stdout
    # A page-limited crawl's in-flight requests were dropped, not queued: the next crawl builds
    # on the ledger (stored articles are not fetched again) instead of Scrapy's job state.
    assert "resumed from the ledger after crawl run 1 of stnmt stopped at its page limit" in wider.stdout
    assert ledger(workspace).execute("select count(*), count(distinct url) from pages").fetchone()[0] > 5
