"""Settled agencies: after an apply leaves an agency with nothing to write, its next plan trusts
that record (the ledger state and every portal marker it stood on) instead of checking each
item, and gives exactly the plan that checking each item gives. Anything it stood on that
moves (a portal edit, a transform of any unit, the mappings, a rollback) makes the plan check
each item again. Real crawls of the sample sites, the embedded portal."""
from __future__ import annotations

import json

import pytest

from .test_plan_apply import invoke, ledger_db, plan_json, portal_db

pytestmark = pytest.mark.integration


def _plan(agency, *options):
    return json.loads(invoke("plan", agency, "--json", *options).output)


def _settle(workspace) -> None:
    """Both sample units loaded, then planned and applied until nothing is left to write (a
    link between them resolves once both are on the portal)."""
    invoke("transform", "--all", "-s")
    for _ in range(3):
        for agency in ("stnmt", "xa-hoaxuan"):
            plan = plan_json(agency)
            if any(plan["summary"][a] for a in ("create", "update", "conflict")):
                invoke("apply", str(plan["plan"]), "-s")


def _stored(workspace, plan_id):
    """What a saved plan is: its fingerprint, its unchanged list and its entries."""
    db = ledger_db(workspace)
    fingerprint, unchanged = db.execute("select fingerprint, unchanged from plans where id = ?", (plan_id,)).fetchone()
    entries = db.execute("select position, uid, action, title, reason, expected_hash from plan_entries "
                         "where plan_id = ? order by position", (plan_id,)).fetchall()
    return fingerprint, json.loads(unchanged) if unchanged else None, entries


def test_a_settled_agency_is_replanned_from_its_record_exactly_as_item_by_item(crawled):
    _settle(crawled)
    trusted = _plan("stnmt")
    assert trusted["summary"].get("settled_since"), trusted["summary"]
    assert trusted["summary"]["unchanged"] == 7
    assert not any(trusted["summary"][a] for a in ("create", "update", "delete", "conflict"))
    checked = _plan("stnmt", "--recheck")
    assert "settled_since" not in checked["summary"]
    assert {k: v for k, v in trusted["summary"].items() if k != "settled_since"} == checked["summary"]
    # The same plan: the same fingerprint, unchanged list and entries (the skipped pages, with reasons).
    assert _stored(crawled, trusted["plan"]) == _stored(crawled, checked["plan"])
    assert [(e["uid"], e["action"], e["title"]) for e in trusted["entries"]] == \
        [(e["uid"], e["action"], e["title"]) for e in checked["entries"]]
    out = invoke("plan", "stnmt").output
    assert "nothing moved since the agency was recorded as settled" in out and "--recheck" in out
    html = (crawled / "var" / "plans" / f"plan-{trusted['plan']}-stnmt.html").read_text(encoding="utf-8")
    assert "Không có gì thay đổi kể từ khi đơn vị được ghi nhận là đã chuyển xong" in html
    # Applying it writes nothing and keeps the agency settled.
    again = plan_json("stnmt")
    assert "0 created, 0 updated" in invoke("apply", str(again["plan"]), "-s").output
    assert _plan("stnmt")["summary"].get("settled_since")


def test_an_edit_on_the_portal_is_found_though_the_agency_was_settled(crawled):
    _settle(crawled)
    assert _plan("stnmt")["summary"].get("settled_since")
    db = portal_db(crawled)
    item_id = ledger_db(crawled).execute("select portal_id from id_map where agency = 'stnmt' order by uid").fetchone()[0]
    # An editor's save: the fields change and so does the revision marker.
    db.execute("update items set fields = json_set(fields, '$.title', 'Biên tập viên đã sửa'), "
               "revision = 'edited-on-the-portal' where id = ?", (int(item_id),))
    db.commit()
    plan = _plan("stnmt")
    assert "settled_since" not in plan["summary"]
    assert plan["summary"]["conflict"] == 1 and plan["summary"]["unchanged"] == 6
    assert "edited on the portal after loading" in next(e for e in plan["entries"] if e["action"] == "conflict")["reason"]
    # Not settled while the conflict stands: every plan checks each item.
    assert "settled_since" not in _plan("stnmt")["summary"]
    # Forced over the portal's version (a partial plan: it neither uses nor forgets the record);
    # that apply checks each item and records the agency as settled again.
    uid = ledger_db(crawled).execute("select uid from id_map where portal_id = ?", (item_id,)).fetchone()[0]
    forced = _plan("stnmt", "--force", uid)
    assert forced["summary"]["update"] == 1 and "settled_since" not in forced["summary"]
    invoke("apply", str(forced["plan"]), "-s")
    after = _plan("stnmt")
    assert after["summary"].get("settled_since") and after["summary"]["unchanged"] == 7
    checked = _plan("stnmt", "--recheck")
    assert checked["summary"]["conflict"] == checked["summary"]["update"] == 0
    assert _stored(crawled, after["plan"]) == _stored(crawled, checked["plan"])


def test_an_item_added_or_deleted_on_the_portal_is_checked_item_by_item(crawled):
    _settle(crawled)
    db = portal_db(crawled)
    item_id = ledger_db(crawled).execute("select portal_id from id_map where agency = 'stnmt' order by uid").fetchone()[0]
    db.execute("delete from items where id = ?", (int(item_id),))
    db.commit()
    plan = _plan("stnmt")
    assert "settled_since" not in plan["summary"]
    gone = next(e for e in plan["entries"] if e["action"] == "create")
    assert "gone from the portal" in gone["reason"]


def test_a_transform_of_any_unit_or_a_changed_mapping_makes_the_plan_check_each_item(crawled, own_mappings):
    _settle(crawled)
    assert _plan("stnmt")["summary"].get("settled_since")
    # Another unit transformed again (its articles may now be linked to, or be the same content).
    invoke("transform", "xa-hoaxuan", "-s")
    first = _plan("stnmt")
    assert "settled_since" not in first["summary"] and first["summary"]["unchanged"] == 7
    # Checked and found with nothing to do, the agency is recorded as settled again.
    assert _plan("stnmt")["summary"].get("settled_since")
    # A unit's name in the mappings (cross-references carry it) is what plans read too.
    agency_file = own_mappings / "agencies" / "xa-hoaxuan.yml"
    text = agency_file.read_text(encoding="utf-8")
    name = next(line for line in text.splitlines() if line.startswith("name:"))
    agency_file.write_text(text.replace(name, name + " (sau sáp nhập)"), encoding="utf-8")
    assert "settled_since" not in _plan("stnmt")["summary"]


def test_a_rollback_ends_the_settlement(crawled):
    _settle(crawled)
    assert _plan("xa-hoaxuan")["summary"].get("settled_since")
    ledger = ledger_db(crawled)
    assert ledger.execute("select count(*) from settled_agencies where agency = 'xa-hoaxuan'").fetchone() == (1,)
    # Its last applied plan created its 6 items (the seventh, with injected spam, is
    # quarantined): rolled back, they are deleted.
    rollback = json.loads(invoke("rollback", "xa-hoaxuan", "--json").output)
    assert rollback["summary"]["delete"] == 6
    invoke("apply", str(rollback["plan"]), "-s")
    assert ledger.execute("select count(*) from settled_agencies where agency = 'xa-hoaxuan'").fetchone() == (0,)
    plan = _plan("xa-hoaxuan")
    assert "settled_since" not in plan["summary"] and plan["summary"]["create"] == 6


def test_a_partial_or_forced_plan_never_trusts_nor_records_a_settlement(crawled):
    _settle(crawled)
    uid = ledger_db(crawled).execute("select uid from id_map where agency = 'stnmt' order by uid").fetchone()[0]
    partial = _plan("stnmt", "--only", uid)
    assert "settled_since" not in partial["summary"] and partial["summary"]["unchanged"] == 1
    assert "settled_since" not in _plan("stnmt", "--sync")["summary"]
    assert _plan("stnmt")["summary"].get("settled_since")



def test_after_a_rollback_that_restores_the_trusted_plan_is_the_checked_plan(crawled):
    _settle(crawled)
    # stnmt's last applied plan resolved a link to a xa-hoaxuan item: rolled back, the older
    # version is restored, its link resolved again as it is written.
    rollback = json.loads(invoke("rollback", "stnmt", "--json").output)
    assert rollback["summary"]["restore"] == 1
    invoke("apply", str(rollback["plan"]), "-s")
    trusted = _plan("stnmt")
    checked = _plan("stnmt", "--recheck")
    assert trusted["summary"].get("settled_since") and "settled_since" not in checked["summary"]
    assert _stored(crawled, trusted["plan"]) == _stored(crawled, checked["plan"])


def test_an_apply_whose_settlement_cannot_be_recorded_still_succeeds_and_says_so(crawled, monkeypatch):
    """A fake failure beside the real portal: its `revisions` raises once the plan is made."""
    from portalize.core.errors import PortalError
    from portalize.loaders.sql_portal.adapter import SqlPortal
    invoke("transform", "--all", "-s")
    plan = plan_json("xa-hoaxuan")

    def gone(self, subsite):
        raise PortalError("the portal database went away", "start it again")
    with monkeypatch.context() as patched:
        patched.setattr(SqlPortal, "revisions", gone)
        out = invoke("apply", str(plan["plan"]), "-s").output
    assert "6 created" in out and "1 skipped" in out  # the quarantined article (injected spam)
    assert "xa-hoaxuan: plan" in out and "its next plan checks each item" in out
    assert ledger_db(crawled).execute("select count(*) from settled_agencies").fetchone() == (0,)
    again = _plan("xa-hoaxuan")
    assert "settled_since" not in again["summary"] and again["summary"]["unchanged"] == 6
    assert _plan("xa-hoaxuan")["summary"].get("settled_since")


HOST = "hoaxuan.tinhmau.gov.vn"


def _article_page(n: int, number: int) -> tuple[str, bytes]:
    """A NukeViet article page of xa-hoaxuan: article `number` at the n-th URL."""
    paragraphs = "".join(f"<p>Đoạn {k} của bài {number}: Ủy ban nhân dân xã Hòa Xuân triển khai kế hoạch "
                         "chuyển đổi số, cải cách hành chính và xây dựng nông thôn mới.</p>" for k in range(6))
    html = ('<html><head><meta charset="utf-8"><title>Bài {0}</title></head><body>'
            '<div class="breadcrumbs-wrap"><ul class="breadcrumbs"><li><a href="/vi/">Trang chủ</a></li>'
            '<li><a href="/vi/news/tin-tuc-su-kien/">Tin tức - Sự kiện</a></li></ul></div>'
            '<div class="news_column"><span class="h5">10:00, 0{1}/05/2024</span>'
            '<h1 class="title">Bài viết số {0} về kế hoạch năm</h1><div class="hometext">Tóm tắt bài {0}.</div>'
            '<div id="news-bodyhtml" class="bodytext">{2}</div></div></body></html>').format(
                number, 1 + number % 9, paragraphs)
    return f"http://{HOST}/vi/news/tin-tuc-su-kien/bai-{n}.html", html.encode()


def test_skipped_pages_of_a_settled_agency_are_planned_as_when_checked(workspace):
    """Pages skipped by the transform (here: the same article under a second URL) are entries of
    every plan, with their reasons; the settlement record keeps them."""
    from portalize.core.ledger import agencies as agency_store, pages as page_store
    from portalize.core.ledger.db import transaction
    from portalize.core.registry import load_registry
    from portalize.crawlers.items import PageItem

    from .conftest import ROOT
    agency = load_registry(ROOT / "mappings").agency("xa-hoaxuan")
    with transaction() as session:
        agency_store.register_agency(session, agency)
        run = page_store.start_crawl_run(session, agency.code)
        for n in range(14):  # articles 0-11, then articles 3 and 7 again under other URLs
            url, body = _article_page(n, n if n < 12 else (3, 7)[n - 12])
            page_store.save_page(session, agency.code, run, PageItem(url, "item", 200, body, "text/html; charset=utf-8"))
    invoke("transform", "xa-hoaxuan", "-s")
    first = plan_json("xa-hoaxuan")
    assert first["summary"]["create"] == 12 and first["summary"]["skip"] == 2
    invoke("apply", str(first["plan"]), "-s")
    trusted = _plan("xa-hoaxuan")
    checked = _plan("xa-hoaxuan", "--recheck")
    assert trusted["summary"].get("settled_since") and trusted["summary"]["skip"] == 2
    assert _stored(workspace, trusted["plan"]) == _stored(workspace, checked["plan"])
    skips = [e for e in trusted["entries"] if e["action"] == "skip"]
    assert len(skips) == 2 and all(e["reason"] and e["title"].startswith(f"http://{HOST}/") for e in skips)
    # A settled plan applies (its skipped pages are the staged ones, nothing is stale) and writes nothing.
    again = _plan("xa-hoaxuan")
    assert again["summary"].get("settled_since")
    assert "0 created, 0 updated, 12 unchanged, 2 skipped" in invoke("apply", str(again["plan"]), "-s").output
