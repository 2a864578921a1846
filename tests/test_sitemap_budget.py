"""An endless chain of sitemap indexes (each listing two more) does not eat the page budget:
sitemaps have their own (PORTALIZE_MAX_SITEMAPS), every article the sitemaps list is fetched
within the page limit, and the sitemaps left unread are named."""
from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path

import pytest

from .conftest import mappings_with_agency, run_portalize
from .sites.local import html_handler, serving

pytestmark = pytest.mark.integration

ARTICLES = 60
UNIT = "sodo.tinhmau.gov.vn"
URLSET = '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'
INDEX = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         '{}</sitemapindex>')


def page(path: str) -> str:
    def index(*paths):
        return INDEX.format("".join(f"<sitemap><loc>http://{UNIT}{p}</loc></sitemap>" for p in paths))
    if path == "/sitemap.xml":
        return index("/chuoi/1.xml", "/bai-viet.xml")
    if chain := re.fullmatch(r"/chuoi/(\d+)\.xml", path):
        n = int(chain[1])
        return index(f"/chuoi/{2 * n}.xml", f"/chuoi/{2 * n + 1}.xml")  # endless, and wider at every step
    if path == "/bai-viet.xml":
        return URLSET.format("".join(f"<url><loc>http://{UNIT}/tin/bai-{i}.html</loc></url>" for i in range(ARTICLES)))
    if path.startswith("/tin/"):
        return f"<html><body><article><h1>Bài {path}</h1><p>{'Nội dung bài viết. ' * 30}</p></article></body></html>"
    return "<html><body><p>Trang chủ của đơn vị.</p></body></html>"


def test_an_endless_sitemap_chain_does_not_eat_the_page_budget(workspace):
    root = mappings_with_agency(workspace, "so-do", "Sở Đo", "generic", f"http://{UNIT}/")
    with serving(html_handler(page)) as server:
        result = run_portalize("crawl", "so-do", "--origin", f"{UNIT}=http://127.0.0.1:{server.server_address[1]}",
                               "--max-pages", str(ARTICLES + 20), "-S", "PORTALIZE_MAX_SITEMAPS=40",
                               env_extra={"PORTALIZE_MAPPINGS": str(root)}, timeout=300)
    db = sqlite3.connect(workspace / "var" / "portalize.db")
    fetched = db.execute("select count(*) from pages where url like '%/tin/bai-%' and status = 200").fetchone()[0]
    assert fetched == ARTICLES, result.stdout
    sitemaps = db.execute("select count(*) from pages where kind = 'feed' and status = 200").fetchone()[0]
    assert sitemaps == 40
    assert "stopped early" not in result.stdout  # the page limit was never reached
    # Hitting the sitemap budget is said, with the setting to raise, and each sitemap left unread
    # is listed in the report of pages never reached.
    assert "sitemap limit of 40 reached:" in result.stdout and "PORTALIZE_MAX_SITEMAPS=<more>" in result.stdout
    report = re.search(r"list: (\S+\.csv)", result.stdout)[1]
    rows = list(csv.DictReader(Path(report).read_text(encoding="utf-8-sig").splitlines()))
    unread = [r for r in rows if r["reason"] == "not fetched: sitemap limit of 40 reached (PORTALIZE_MAX_SITEMAPS)"]
    assert unread and all(re.search(r"/chuoi/\d+\.xml$", r["url"]) and r["linked_from"] for r in unread)


def test_the_sitemap_budget_has_a_finite_default():
    from portalize.crawlers import settings

    assert isinstance(settings.PORTALIZE_MAX_SITEMAPS, int) and 0 < settings.PORTALIZE_MAX_SITEMAPS <= 10_000
