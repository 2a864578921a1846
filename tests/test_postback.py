"""Postback paging (ASP.NET GridView): 32 list pages reached only by form POSTs."""
import sqlite3

import pytest

from .conftest import mappings_with_agency, run_portalize
from .sites.aspnet_postback import HOST, PAGES, PER_PAGE, Handler, PostbackSite

pytestmark = pytest.mark.integration


def test_postback_paged_list_is_crawled_completely(workspace):
    root = mappings_with_agency(workspace, "so-tu-phap", "Sở Tư pháp", "aspnet", f"http://{HOST}/portal/Default.aspx")
    env = {"PORTALIZE_MAPPINGS": str(root)}
    with PostbackSite() as site:
        Handler.posts = 0
        result = run_portalize("crawl", "so-tu-phap", "-s", "--origin", f"{HOST}={site.url}", env_extra=env)
    assert f"crawled so-tu-phap: {PAGES + PAGES * PER_PAGE} pages ({PAGES * PER_PAGE} item, {PAGES} list)" in result.stdout
    db = sqlite3.connect(workspace / "var" / "portalize.db")
    assert db.execute("select count(*), count(distinct url) from pages where status = 200").fetchone() == (352, 352)
    lists = [u for (u,) in db.execute("select url from pages where kind = 'list'")]
    assert sum("__EVENTARGUMENT=Page%2432" in u for u in lists) == 1
    assert not [u for (u,) in db.execute("select url from pages") if "Print.aspx" in u]
    assert Handler.posts == PAGES  # pages 2..32 once each, and page 1 once more (not stored twice)
    transformed = run_portalize("transform", "so-tu-phap", "-s", env_extra=env)
    assert f"transformed so-tu-phap: {PAGES * PER_PAGE} articles, 0 skipped" in transformed.stdout
