"""A crawl killed with SIGKILL (no chance to save Scrapy's queue) resumes from the ledger:
every page of the site ends up stored exactly once, and pages the killed run stored are not
fetched again."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from contextlib import closing

import pytest

from portalize.samples.generated import HOST, generated_server

from .conftest import PORTALIZE, ROOT, mappings_with_agency, run_portalize

pytestmark = pytest.mark.integration
SITE_PAGES = 1000 + 51 + 1  # 1,000 articles, 51 list URLs (page 1 has two), the home page


@pytest.fixture
def generated_site():
    fetches = Counter()
    server = generated_server(1000, fetches)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", fetches
    server.shutdown()
    server.server_close()


def test_killed_crawl_resumes_without_losing_or_duplicating(workspace, generated_site):
    origin, fetches = generated_site
    root = mappings_with_agency(workspace, "so-lon", "Sở Lớn", "nukeviet", f"http://{HOST}/vi/")
    env = {**os.environ, "PORTALIZE_MAPPINGS": str(root)}
    env.pop("PYTHONWARNINGS", None)
    proc = subprocess.Popen([*PORTALIZE, "crawl", "so-lon", "-s", "--origin", f"{HOST}={origin}",
                             "-S", "CONCURRENT_REQUESTS=4"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db_path = workspace / "var" / "portalize.db"
    deadline = time.time() + 120
    stored = 0
    while time.time() < deadline and stored < 400:
        time.sleep(0.05)
        try:
            with closing(sqlite3.connect(db_path)) as db:
                stored = db.execute("select count(*) from pages").fetchone()[0]
        except sqlite3.OperationalError:  # not created yet, or locked for a moment
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    db = sqlite3.connect(db_path)
    before = db.execute("select count(*) from pages").fetchone()[0]
    assert 400 <= before < SITE_PAGES
    assert db.execute("select status from crawl_runs").fetchall() == [("running",)]
    # Scrapy had written some of its seen-requests file but never its queue state: resuming from
    # it would drop the start page as already seen and end with nothing more.
    assert (workspace / "var" / "jobs" / "so-lon" / "requests.seen").stat().st_size > 0

    resumed = run_portalize("crawl", "so-lon", "-s", "--origin", f"{HOST}={origin}",
                            env_extra={"PORTALIZE_MAPPINGS": str(root)})
    assert "resumed from the ledger after crawl run 1 of so-lon stopped abruptly" in resumed.stdout
    assert "articles stored before not fetched again" in resumed.stdout
    assert db.execute("select count(*), count(distinct url) from pages where status = 200").fetchone() == (
        SITE_PAGES, SITE_PAGES)
    assert db.execute("select status from crawl_runs order by id").fetchall() == [("killed",), ("finished",)]
    # Articles the killed run stored were not fetched again; only pages in flight at the moment
    # of the kill were answered twice: the 4 concurrent requests, plus the answered pages still
    # queued for the ledger's writer thread (at most CONCURRENT_ITEMS = 4).
    articles = {path: n for path, n in fetches.items() if path.endswith(".html")}
    assert len(articles) == 1000
    assert sum(n - 1 for n in articles.values()) <= 8


def test_resume_fetches_the_files_a_killed_run_never_reached(workspace, sample_server):
    """The killed run stored every article but died before their files: the resumed crawl
    fetches the files (found in the stored article bodies) and not the articles again."""
    origin = ["--origin", f"stnmt.tinhmau.gov.vn={sample_server.url}"]
    run_portalize("crawl", "stnmt", "-s", *origin)
    with closing(sqlite3.connect(workspace / "var" / "portalize.db")) as db:
        assert db.execute("delete from pages where kind = 'asset'").rowcount == 2
        db.execute("update crawl_runs set status = 'running', finished_at = null")
        db.commit()
    sites = sample_server.sites
    sites.fetches.clear()
    resumed = run_portalize("crawl", "stnmt", "-s", *origin)
    assert "resumed from the ledger after crawl run 1 of stnmt stopped abruptly" in resumed.stdout
    fetched = {path for (host, path) in sites.fetches if host == "stnmt.tinhmau.gov.vn"}
    assert {p for p in fetched if p.startswith("/documents/")} == {
        path for (host, path) in sites.assets if host == "stnmt.tinhmau.gov.vn"}
    assert not [p for p in fetched if "/-/asset_publisher/" in p]  # no article fetched again
    with closing(sqlite3.connect(workspace / "var" / "portalize.db")) as db:
        assert db.execute("select count(*) from pages where kind = 'asset' and status = 200").fetchone() == (2,)
