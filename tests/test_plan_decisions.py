"""Plan decisions without a crawl: staged articles written straight into a real SQLite ledger,
planned and applied against a portal held in memory."""
import pytest

from portalize.core.errors import PortalError, StalePlan
from portalize.core.ledger import agencies as agency_store, pages as page_store, staging
from portalize.core.ledger.db import transaction
from portalize.core.registry import load_registry
from portalize.crawlers.items import PageItem
from portalize.loaders.apply import apply_plan
from portalize.loaders.plan import make_plan
from portalize.transform.schema import content_hash

from .conftest import ROOT
from .fake_portal import FakePortal


def _article(uid: str, title: str, body: str = "<p>Nội dung</p>") -> dict:
    article = {"uid": uid, "agency": "stnmt", "kind": "article", "group": "tin-tuc", "title": title,
               "summary": "", "body_html": body, "body_markdown": body, "published_at": "2024-03-01T08:00:00+07:00",
               "author": None, "source_name": None, "source_url": f"http://stnmt.tinhmau.gov.vn/-/{uid}",
               "attachments": [], "images": [], "document": None, "aliases": [], "warnings": []}
    article["content_hash"] = content_hash(article)
    return article


def _stage(*articles) -> None:
    """As transform leaves them: each article staged from its stored page."""
    with transaction() as session:
        staging.clear(session, "stnmt")
        run = page_store.start_crawl_run(session, "stnmt")
        for article in articles:
            page = page_store.save_page(session, "stnmt", run, PageItem(article["source_url"], "item", 200, b"<html/>"))
            staging.add_article(session, "stnmt", page.id, article, article["content_hash"], f"fp-{article['uid']}")


@pytest.fixture
def setup(workspace):
    registry = load_registry(ROOT / "mappings")
    agency = registry.agency("stnmt")
    with transaction() as session:
        agency_store.register_agency(session, agency)
    names = {g.code: g.name for g in registry.profile.groups}
    return registry, agency, FakePortal(), names


def _actions(plan) -> dict:
    return {k: v for k, v in plan.summary.items() if k in ("create", "update", "unchanged", "skip", "conflict") and v}


def test_create_then_unchanged_then_update(setup):
    registry, agency, portal, names = setup
    _stage(_article("a1", "Tin một"), _article("a2", "Tin hai"))
    plan = make_plan(agency, registry, portal)
    assert _actions(plan) == {"create": 2}
    assert portal.items == {}  # a plan writes nothing
    apply_plan(plan.id, portal, agency, names)
    assert sorted(i["fields"]["title"] for i in portal.items.values()) == ["Tin hai", "Tin một"]
    assert _actions(make_plan(agency, registry, portal)) == {"unchanged": 2}
    _stage(_article("a1", "Tin một (sửa)"), _article("a2", "Tin hai"))
    assert _actions(make_plan(agency, registry, portal)) == {"update": 1, "unchanged": 1}


def test_an_item_edited_on_the_portal_is_a_conflict_not_overwritten(setup):
    registry, agency, portal, names = setup
    _stage(_article("a1", "Tin một"))
    apply_plan(make_plan(agency, registry, portal).id, portal, agency, names)
    item = next(iter(portal.items.values()))
    portal.edit(item["id"], title="Biên tập viên cổng đã sửa")  # its revision marker moves
    _stage(_article("a1", "Tin một (nguồn sửa)"))
    plan = make_plan(agency, registry, portal)
    assert _actions(plan) == {"conflict": 1}
    apply_plan(plan.id, portal, agency, names)
    assert item["fields"]["title"] == "Biên tập viên cổng đã sửa"


def test_a_plan_made_before_the_staged_articles_changed_is_refused(setup):
    registry, agency, portal, names = setup
    _stage(_article("a1", "Tin một"))
    plan = make_plan(agency, registry, portal)
    _stage(_article("a1", "Tin một, bản mới"))
    with pytest.raises(StalePlan) as info:
        apply_plan(plan.id, portal, agency, names)
    assert "portalize plan stnmt" in info.value.hint
    assert portal.items == {}


def test_a_portal_failure_keeps_what_was_written_and_the_rerun_finishes(setup):
    registry, agency, portal, names = setup
    _stage(_article("a1", "Tin một"), _article("a2", "Tin hai"))
    plan = make_plan(agency, registry, portal)
    portal.fail_on = {"a2"}
    with pytest.raises(PortalError) as info:
        apply_plan(plan.id, portal, agency, names)
    assert f"portalize apply {plan.id}" in info.value.hint
    written_before = {i["key"] for i in portal.items.values()}
    assert "a2" not in written_before
    portal.fail_on = set()
    result = apply_plan(plan.id, portal, agency, names)
    assert sorted(i["key"] for i in portal.items.values()) == ["a1", "a2"]
    assert result["written"]["create"] == 2 - len(written_before)  # nothing written twice
