"""Plan decisions without a crawl: staged articles written straight into a real SQLite ledger,
planned and applied against a portal held in memory."""
import pytest
from sqlalchemy import select

from portalize.core.errors import PortalError, StalePlan
from portalize.core.ledger import agencies as agency_store, pages as page_store, staging
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import PlanEntry
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


def _all_actions(plan) -> dict:
    return {k: v for k, v in plan.summary.items()
            if k in ("create", "update", "restore", "delete", "unchanged", "skip", "conflict") and v}


def test_partial_plans_by_limit_and_by_uid(setup):
    registry, agency, portal, names = setup
    _stage(*[_article(f"a{i}", f"Tin số {i}") for i in range(1, 6)])
    first = make_plan(agency, registry, portal, limit=2)
    assert _all_actions(first) == {"create": 2} and first.summary["partial"] and first.summary["held_back"] == 3
    apply_plan(first.id, portal, agency, names)  # a partial plan is not stale for what it left out
    assert len(portal.items) == 2
    only = make_plan(agency, registry, portal, only=["a5"])
    assert _all_actions(only) == {"create": 1}
    apply_plan(only.id, portal, agency, names)
    rest = make_plan(agency, registry, portal)
    assert _all_actions(rest) == {"create": 2, "unchanged": 3}


def test_sync_deletes_items_gone_from_the_source_only_when_asked(setup):
    registry, agency, portal, names = setup
    _stage(_article("a1", "Tin một"), _article("a2", "Tin hai"))
    apply_plan(make_plan(agency, registry, portal).id, portal, agency, names)
    _stage(_article("a1", "Tin một"))  # a2 is gone from the legacy site
    assert _all_actions(make_plan(agency, registry, portal)) == {"unchanged": 1}
    synced = make_plan(agency, registry, portal, sync=True)
    assert _all_actions(synced) == {"unchanged": 1, "delete": 1}
    result = apply_plan(synced.id, portal, agency, names)
    assert result["written"]["delete"] == 1 and [i["key"] for i in portal.items.values()] == ["a1"]
    assert _all_actions(make_plan(agency, registry, portal, sync=True)) == {"unchanged": 1}


def test_force_overwrites_a_conflict_named_by_uid(setup):
    registry, agency, portal, names = setup
    _stage(_article("a1", "Tin một"))
    apply_plan(make_plan(agency, registry, portal).id, portal, agency, names)
    item = next(iter(portal.items.values()))
    portal.edit(item["id"], title="Biên tập viên cổng đã sửa")
    assert _all_actions(make_plan(agency, registry, portal)) == {"conflict": 1}
    forced = make_plan(agency, registry, portal, force=["a1"])
    assert _all_actions(forced) == {"update": 1}
    apply_plan(forced.id, portal, agency, names)
    assert portal.items[item["id"]]["fields"]["title"] == "Tin một"


def test_a_rollback_deletes_what_the_plan_created_and_restores_what_it_updated(setup):
    from portalize.loaders.rollback import make_rollback
    registry, agency, portal, names = setup
    _stage(_article("a1", "Tin một"))
    first = make_plan(agency, registry, portal)
    apply_plan(first.id, portal, agency, names)
    _stage(_article("a1", "Tin một (sửa)"), _article("a2", "Tin hai"))
    batch = make_plan(agency, registry, portal)
    assert _all_actions(batch) == {"update": 1, "create": 1}
    # Stopped part-way: the create landed, the portal refused the update.
    portal.fail_on = {"a1"}
    with pytest.raises(PortalError):
        apply_plan(batch.id, portal, agency, names)
    portal.fail_on = set()
    undo = make_rollback(agency, portal, batch.id)
    assert undo.summary["kind"] == "rollback" and _all_actions(undo) == {"delete": 1}
    assert sorted(i["key"] for i in portal.items.values()) == ["a1", "a2"]  # a plan writes nothing
    result = apply_plan(undo.id, portal, agency, names)
    assert result["written"]["delete"] == 1
    assert [(i["key"], i["fields"]["title"]) for i in portal.items.values()] == [("a1", "Tin một")]  # kept
    with pytest.raises(StalePlan) as rolled:  # a rolled-back plan is not resumed
        apply_plan(batch.id, portal, agency, names)
    assert "was rolled back" in rolled.value.message
    # A new batch, applied whole, then rolled back: the created item goes, the updated one is restored.
    again = make_plan(agency, registry, portal)
    assert _all_actions(again) == {"update": 1, "create": 1}
    apply_plan(again.id, portal, agency, names)
    assert sorted(i["key"] for i in portal.items.values()) == ["a1", "a2"]
    undo = make_rollback(agency, portal)
    assert _all_actions(undo) == {"restore": 1, "delete": 1}
    apply_plan(undo.id, portal, agency, names)
    assert [(i["key"], i["fields"]["title"]) for i in portal.items.values()] == [("a1", "Tin một")]
    # What the source says now is planned again from there.
    assert _all_actions(make_plan(agency, registry, portal)) == {"update": 1, "create": 1}


def test_a_rollback_keeps_an_item_edited_on_the_portal_since(setup):
    from portalize.loaders.rollback import make_rollback
    registry, agency, portal, names = setup
    _stage(_article("a1", "Tin một"))
    plan = make_plan(agency, registry, portal)
    apply_plan(plan.id, portal, agency, names)
    item = next(iter(portal.items.values()))
    portal.edit(item["id"], title="Biên tập viên cổng đã sửa")
    undo = make_rollback(agency, portal, plan.id)
    assert _all_actions(undo) == {"conflict": 1}
    apply_plan(undo.id, portal, agency, names)
    assert portal.items[item["id"]]["fields"]["title"] == "Biên tập viên cổng đã sửa"
    assert _all_actions(make_rollback(agency, portal, plan.id, force=["a1"])) == {"delete": 1}


def test_a_link_to_a_unit_staged_later_becomes_a_link_to_its_item(setup):
    """An article links to a page of a unit not crawled yet: kept as the legacy address, and the
    item is read again at every plan (not passed as unchanged), so once that unit is staged
    the next plan rewrites the link to its item."""
    registry, agency, portal, names = setup
    other = registry.agency("skhcn")
    with transaction() as session:
        agency_store.register_agency(session, other)
    link = "http://skhcn.tinhmau.gov.vn/tin/cong-bo-chi-so-doi-moi-sang-tao"
    _stage(_article("a1", "Tin một", f'<p>Xem <a href="{link}">bài của Sở Khoa học và Công nghệ</a>.</p>'))
    first = make_plan(agency, registry, portal)
    assert _actions(first) == {"create": 1} and first.summary["unresolved_links"] == 1
    apply_plan(first.id, portal, agency, names)
    again = make_plan(agency, registry, portal)
    assert _actions(again) == {"unchanged": 1}
    with transaction() as session:
        (reason,) = session.execute(select(PlanEntry.reason).where(PlanEntry.plan_id == again.id)).one()
    assert reason.startswith("1 link(s) to pages of units that are not migrated (or not staged yet) are kept")
    # The science department is crawled and transformed: its article is staged under that address.
    with transaction() as session:
        run = page_store.start_crawl_run(session, "skhcn")
        page = page_store.save_page(session, "skhcn", run, PageItem(link, "item", 200, b"<html/>"))
        article = {**_article("skhcn-b1", "Công bố chỉ số đổi mới sáng tạo"), "agency": "skhcn", "source_url": link}
        article["content_hash"] = content_hash(article)
        staging.add_article(session, "skhcn", page.id, article, article["content_hash"], "fp-skhcn-b1")
    then = make_plan(agency, registry, portal)
    assert _actions(then) == {"update": 1} and then.summary["unresolved_links"] == 0
    with transaction() as session:
        reason, fields = session.execute(select(PlanEntry.reason, PlanEntry.fields)
                                         .where(PlanEntry.plan_id == then.id)).one()
    assert reason == "1 link(s) to legacy pages now lead to migrated items"
    assert 'href="{{item:skhcn-b1}}"' in fields["body_html"]
