"""Plan, review, apply on the embedded portal, after a real crawl of the sample sites."""
from __future__ import annotations

import csv
import hashlib
import json
import re
import sqlite3

import lxml.html
import pytest
from click.testing import CliRunner

from portalize.core.ledger.db import transaction
from portalize.loaders.apply import apply_plan
from portalize.loaders.plan import entry_fields
from portalize.loaders.registry import open_portal
from portalize.cli import cli
from portalize.core.errors import PortalError
from portalize.core.registry import load_registry
from portalize.samples.server import sample_png

from .conftest import ROOT


pytestmark = pytest.mark.integration


def invoke(*args, ok=True):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def plan_json(agency):
    return json.loads(invoke("plan", agency, "--json").output)


def portal_db(ws):
    return sqlite3.connect(ws / "var" / "portal.db")


def ledger_db(ws):
    return sqlite3.connect(ws / "var" / "portalize.db")


def test_plan_apply_and_idempotence(crawled):
    invoke("transform", "--all", "-s")
    plan = plan_json("stnmt")
    assert plan["summary"] == {"create": 7, "update": 0, "restore": 0, "delete": 0, "unchanged": 0, "skip": 0, "conflict": 0, "portal": "sql",
                               "unresolved_links": 1}
    titles = {e["title"] for e in plan["entries"]}
    assert "Quyết định ban hành bảng giá đất giai đoạn 2020-2024" in titles
    created = next(e for e in plan["entries"] if e["title"].startswith("Quyết định"))
    assert {"field": "group", "old": "", "new": "legal-docs"} in created["diff"]
    html = (crawled / "var" / "plans" / f"plan-{plan['plan']}-stnmt.html").read_text(encoding="utf-8")
    assert "Kế hoạch" in html and "Tạo mới" in html
    # Entries are written as they are planned; their order (action, then title) is set at the end.
    rows = ledger_db(crawled).execute("select position, action, title, uid from plan_entries where plan_id = ? "
                                      "order by position", (plan["plan"],)).fetchall()
    assert [r[0] for r in rows] == list(range(7))
    assert [(r[2], r[3]) for r in rows] == sorted((r[2], r[3]) for r in rows)
    assert [(e["title"], e["uid"]) for e in plan["entries"]] == [(r[2], r[3]) for r in rows]

    out = invoke("apply", str(plan["plan"]), "-s").output
    assert "7 created, 0 updated" in out
    db = portal_db(crawled)
    assert db.execute("select count(*) from items").fetchone() == (7,)
    assert db.execute("select count(*) from media").fetchone() == (2,)
    ledger = ledger_db(crawled)
    assert ledger.execute("select count(*) from id_map where agency='stnmt'").fetchone() == (7,)
    assert ledger.execute("select count(*) from audit_log where action='create'").fetchone() == (7,)
    item = json.loads(db.execute("select fields from items where json_extract(fields, '$.group') = 'legal-docs' "
                                 "and json_extract(fields, '$.title') like 'Quyết định%'").fetchone()[0])
    assert item["published_at"] == "2019-12-20T16:00:00+07:00" and item["attachments"][0]["filename"].endswith(".pdf")

    # Applying the same plan again does nothing; a new plan has nothing to change.
    assert "already applied" in invoke("apply", str(plan["plan"]), "-s").output
    again = plan_json("stnmt")
    assert again["summary"]["unchanged"] == 7 and again["summary"]["create"] == again["summary"]["update"] == 0
    # Known unchanged without reading them, they are one list on the plan, not an entry each
    # (the one whose link waits for an item of another unit is an entry, with its reason); the
    # plan still shows each, titled as written.
    assert ledger.execute("select action, reason from plan_entries where plan_id = ?", (again["plan"],)).fetchall() == [
        ("unchanged", "links to 1 item(s) not loaded yet; they are resolved by the first plan after those are loaded")]
    assert len(json.loads(ledger.execute("select unchanged from plans where id = ?", (again["plan"],)).fetchone()[0])["uids"]) == 6
    assert sorted((e["action"], e["title"]) for e in again["entries"]) == sorted(("unchanged", e["title"])
                                                                                for e in plan["entries"])
    invoke("apply", str(again["plan"]), "-s")
    assert db.execute("select count(*) from items").fetchone() == (7,)


def test_stale_plan_is_refused_then_replanned_as_updates(own_mappings):
    invoke("transform", "xa-hoaxuan", "-s")
    first = plan_json("xa-hoaxuan")
    invoke("apply", str(first["plan"]), "-s")
    stale = plan_json("xa-hoaxuan")
    # The seventh article, with injected spam, is quarantined (a skip): never loaded.
    assert stale["summary"]["unchanged"] == 6 and stale["summary"]["quarantined"] == 1
    # A province fixes the category mapping and re-runs transform: the saved plan is now stale.
    agency_file = own_mappings / "agencies" / "xa-hoaxuan.yml"
    agency_file.write_text(agency_file.read_text(encoding="utf-8").replace("Tin tức - Sự kiện: news",
                                                                           "Tin tức - Sự kiện: direction"), encoding="utf-8")
    invoke("transform", "xa-hoaxuan", "-s")
    refused = invoke("apply", str(stale["plan"]), "-s", ok=False)
    assert refused.exit_code == 1
    assert f"Plan {stale['plan']} for xa-hoaxuan is stale" in refused.output
    assert "transformed differently since the plan was made" in refused.output
    assert "portalize plan xa-hoaxuan" in refused.output
    fresh = plan_json("xa-hoaxuan")
    assert fresh["summary"]["update"] == 4 and fresh["summary"]["unchanged"] == 2  # and 1 quarantined
    update = next(e for e in fresh["entries"] if e["action"] == "update")
    assert {"field": "group", "old": "news", "new": "direction"} in update["diff"]
    # An older, superseded plan is refused too.
    assert "superseded" in invoke("apply", str(stale["plan"]), "-s", ok=False).output
    assert "4 updated" in invoke("apply", str(fresh["plan"]), "-s").output


def test_item_edited_on_the_portal_is_not_overwritten(crawled):
    invoke("transform", "stnmt", "-s")
    invoke("apply", str(plan_json("stnmt")["plan"]), "-s")
    db = portal_db(crawled)
    # An editor's save on the portal: the fields change and so does the revision marker.
    db.execute("update items set fields = json_set(fields, '$.title', 'Biên tập viên đã sửa'), "
               "revision = 'edited-on-the-portal' where id = 1")
    db.commit()
    plan = plan_json("stnmt")
    assert plan["summary"]["conflict"] == 1 and plan["summary"]["unchanged"] == 6
    conflict = next(e for e in plan["entries"] if e["action"] == "conflict")
    assert "edited on the portal after loading" in conflict["reason"]
    invoke("apply", str(plan["plan"]), "-s")
    assert db.execute("select json_extract(fields, '$.title') from items where id = 1").fetchone() == ("Biên tập viên đã sửa",)


class FailingPortal:
    """The real SQL portal, failing once on the Nth item write (a portal answering 500)."""

    write_items = None  # one write at a time, so that the Nth is the one that fails

    def __init__(self, real, fail_on: int):
        self.real, self.fail_on, self.calls = real, fail_on, 0

    def __getattr__(self, name):
        return getattr(self.real, name)

    def write_item(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.fail_on:
            raise PortalError("portal answered HTTP 500", "try again")
        return self.real.write_item(*args, **kwargs)


def test_apply_killed_midway_resumes_without_duplicates(crawled):
    invoke("transform", "stnmt", "-s")
    plan = plan_json("stnmt")
    registry = load_registry()
    portal = open_portal(registry.portal)
    names = {g.code: g.name for g in registry.profile.groups}
    with pytest.raises(PortalError):
        apply_plan(plan["plan"], FailingPortal(portal, fail_on=3), registry.agency("stnmt"), names)
    db, ledger = portal_db(crawled), ledger_db(crawled)
    assert db.execute("select count(*) from items").fetchone() == (2,)
    assert ledger.execute("select count(*) from plan_entries where plan_id=? and applied_at is not null",
                          (plan["plan"],)).fetchone() == (2,)
    out = invoke("apply", str(plan["plan"]), "-s").output
    assert "5 created" in out
    assert db.execute("select count(*), count(distinct external_key) from items").fetchone() == (7, 7)
    assert ledger.execute("select count(*) from id_map").fetchone() == (7,)


class RefusesBatches(FailingPortal):
    """The real SQL portal answering 500 to every batch of writes, and once to the Nth single write."""

    def __init__(self, real, fail_on: int):
        super().__init__(real, fail_on)
        self.batches = []

    def write_items(self, subsite, writes):
        self.batches.append(len(writes))
        raise PortalError("portal answered HTTP 500 to a batch of writes", "try again")


def test_a_refused_batch_is_written_item_by_item_and_the_item_at_fault_named(crawled):
    invoke("transform", "stnmt", "-s")
    plan = plan_json("stnmt")
    registry = load_registry()
    names = {g.code: g.name for g in registry.profile.groups}
    refusing = RefusesBatches(open_portal(registry.portal), fail_on=3)
    with pytest.raises(PortalError) as stopped:
        apply_plan(plan["plan"], refusing, registry.agency("stnmt"), names)
    # The batch (6 items: the seventh links to one of them, so it is written after them), then
    # one by one up to the third.
    assert refusing.batches == [6] and refusing.calls == 3
    assert "2 items of plan" in stopped.value.message and f"portalize apply {plan['plan']}" in stopped.value.hint
    db, ledger = portal_db(crawled), ledger_db(crawled)
    assert db.execute("select count(*) from items").fetchone() == (2,)
    assert ledger.execute("select count(*) from plan_entries where plan_id=? and applied_at is not null",
                          (plan["plan"],)).fetchone() == (2,)
    out = invoke("apply", str(plan["plan"]), "-s").output  # the real portal takes the batch of the other 5
    assert "5 created" in out
    assert db.execute("select count(*), count(distinct external_key) from items").fetchone() == (7, 7)


class Killed(BaseException):
    """Stands for SIGKILL at one exact point: no `except Exception` and no ledger commit runs."""


class PortalKilledAfterWrite(FailingPortal):
    """The real SQL portal; the process "dies" right after the Nth item write has landed on the
    portal, before the ledger records it."""

    def write_item(self, *args, **kwargs):
        self.calls += 1
        ref = self.real.write_item(*args, **kwargs)
        if self.calls == self.fail_on:
            raise Killed()
        return ref


def test_a_kill_between_the_portal_write_and_the_ledger_write_is_recorded_once(crawled):
    invoke("transform", "stnmt", "-s")
    plan = plan_json("stnmt")
    registry = load_registry()
    names = {g.code: g.name for g in registry.profile.groups}
    with pytest.raises(Killed):
        apply_plan(plan["plan"], PortalKilledAfterWrite(open_portal(registry.portal), fail_on=3),
                   registry.agency("stnmt"), names)
    db, ledger = portal_db(crawled), ledger_db(crawled)
    assert db.execute("select count(*) from items").fetchone() == (3,)  # the third landed on the portal
    # The embedded portal upserts by key: apply records a batch of entries per ledger transaction,
    # so the killed batch left no record of the three; the resumed run finds them by key.
    assert ledger.execute("select count(*) from id_map").fetchone() == (0,)
    out = invoke("apply", str(plan["plan"]), "-s").output
    assert "7 created" in out and "3 of them had been written to the portal by the stopped run" in out
    assert db.execute("select count(*), count(distinct external_key) from items").fetchone() == (7, 7)
    assert ledger.execute("select count(*) from id_map").fetchone() == (7,)
    # The bookkeeping matches the portal: one audit record per item, the plan's totals in its event.
    assert ledger.execute("select count(*), count(distinct target) from audit_log where action = 'create' "
                          "and plan_id = ?", (plan["plan"],)).fetchone() == (7, 7)
    detail = json.loads(ledger.execute("select detail from agency_events where event = 'loaded' order by id desc "
                                       "limit 1").fetchone()[0])
    assert detail["create"] == 7 and detail["recovered"] == 3 and detail["this_run"]["create"] == 7


@pytest.fixture
def legacy_online(sample_server, monkeypatch):
    """The sample legacy sites answer under their own host names (PORTALIZE_ORIGINS)."""
    monkeypatch.setenv("PORTALIZE_ORIGINS", ",".join(f"{h}={u}" for h, u in sample_server.origins.items()))


def test_links_are_registered_once(crawled, legacy_online):
    first = invoke("links", "register", "--all").output
    assert "linked: stnmt -> http://stnmt.tinhmau.gov.vn/web/guest/trang-chu" in first
    second = invoke("links", "register", "--all").output
    assert "already linked: stnmt" in second and "already linked: xa-hoaxuan" in second
    db = portal_db(crawled)
    assert db.execute("select key, title from links order by key").fetchall() == [
        ("sgddt", "Trang thông tin điện tử Sở Giáo dục và Đào tạo"),
        ("skhcn", "Trang thông tin điện tử Sở Khoa học và Công nghệ"),
        ("stc", "Trang thông tin điện tử Sở Tài chính"),
        ("stnmt", "Trang thông tin điện tử Sở Tài nguyên và Môi trường"),
        ("xa-hoaxuan", "Trang thông tin điện tử UBND xã Hòa Xuân"),
        ("xtdt", "Trang thông tin điện tử Trung tâm Xúc tiến Đầu tư")]
    assert ledger_db(crawled).execute("select count(*) from agency_events where event='linked'").fetchone() == (6,)


def test_a_dead_legacy_site_gets_no_link_and_links_follow_the_migration(crawled, sample_server, monkeypatch):
    """First the link to the legacy site (only if it answers), then switched to the subsite once
    content is loaded, then removed; each change audited."""
    monkeypatch.setenv("PORTALIZE_ORIGINS", "stnmt.tinhmau.gov.vn=http://127.0.0.1:9")  # nothing listens there
    dead = invoke("links", "register", "stnmt", ok=False)
    assert dead.exit_code == 1 and "No link was put on the portal for a legacy site that does not answer: stnmt" in dead.output
    assert "portalize links register CODE --force" in dead.output
    assert portal_db(crawled).execute("select count(*) from links").fetchone() == (0,)
    assert "linked: stnmt" in invoke("links", "register", "stnmt", "--force").output  # asked for: linked anyway
    early = invoke("links", "switch", "stnmt", ok=False)
    assert early.exit_code == 1 and "stnmt has nothing loaded on the portal yet" in early.output
    invoke("transform", "stnmt", "-s")
    invoke("apply", str(plan_json("stnmt")["plan"]), "-s")
    assert "link switched: stnmt -> https://tinhmau.gov.vn/web/stnmt" in invoke("links", "switch", "stnmt").output
    db = portal_db(crawled)
    assert db.execute("select url from links where key = 'stnmt'").fetchone() == ("https://tinhmau.gov.vn/web/stnmt",)
    assert "link removed: stnmt" in invoke("links", "remove", "stnmt").output
    assert db.execute("select count(*) from links").fetchone() == (0,)
    audit = ledger_db(crawled).execute("select action, target from audit_log where action like 'link%' order by id").fetchall()
    assert [a for a, _ in audit] == ["link", "link-switch", "link-remove"]


def test_progress_states_and_deadlines(crawled, legacy_online, monkeypatch):
    monkeypatch.setenv("PORTALIZE_TODAY", "2026-11-28")
    rows = {r["code"]: r for r in json.loads(invoke("progress", "--json").output)}
    assert rows["stnmt"]["state"] == "crawled" and rows["stnmt"]["pages"] == 17  # the dead menu link too
    invoke("links", "register", "--all")
    invoke("transform", "stnmt", "-s")
    invoke("apply", str(plan_json("stnmt")["plan"]), "-s")
    rows = {r["code"]: r for r in json.loads(invoke("progress", "--json").output)}
    assert rows["stnmt"]["state"] == "loaded" and rows["stnmt"]["loaded"] == 7
    assert rows["xa-hoaxuan"]["state"] == "crawled" and rows["xa-hoaxuan"]["linked"]
    assert rows["stnmt"]["statutory_days_overdue"] == 835  # 2024-08-15 -> 2026-11-28
    assert rows["stnmt"]["days_left"] == -516  # target 2025-06-30
    assert rows["xa-hoaxuan"]["days_left"] == 33  # target 2026-12-31
    table = invoke("progress").output
    assert "quá hạn 835 ngày" in table and "còn 33 ngày" in table and "đã chuyển lên cổng" in table


def test_progress_spreadsheet_for_leadership(crawled, monkeypatch):
    from openpyxl import load_workbook
    monkeypatch.setenv("PORTALIZE_TODAY", "2026-11-28")
    path = crawled / "tien-do.xlsx"
    invoke("progress", "--xlsx", str(path))
    sheet = load_workbook(path).active
    assert "quá hạn 835 ngày" in sheet["A2"].value
    assert [c.value for c in sheet[4]][:4] == ["Mã", "Đơn vị", "Cấp", "Trạng thái"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows["stnmt"][3] == "đã thu thập" and rows["stnmt"][4] == 17
    assert rows["xa-hoaxuan"][9] == "còn 33 ngày"


def test_archive_only_agency_is_never_planned(own_mappings):
    path = own_mappings / "agencies" / "stnmt.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("disposition: migrate", "disposition: archive-only"),
                    encoding="utf-8")
    invoke("transform", "stnmt", "-s")
    result = invoke("plan", "stnmt", ok=False)
    assert result.exit_code == 1 and "Agency stnmt is archive-only" in result.output
    rows = {r["code"]: r for r in json.loads(invoke("progress", "--json").output)}
    assert rows["stnmt"]["disposition"] == "archive-only" and rows["stnmt"]["state"] == "crawled"
    assert "archived stnmt: 17 records" in invoke("archive", "stnmt", "-s").output  # the dead link too
    rows = {r["code"]: r for r in json.loads(invoke("progress", "--json").output)}
    assert rows["stnmt"]["state"] == "archived"
    assert "đã lưu trữ (chỉ lưu trữ)" in invoke("progress").output


def test_merged_units_share_one_subsite(own_mappings):
    path = own_mappings / "agencies" / "xa-hoaxuan.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("path: /web/xa-hoaxuan", "path: /web/stnmt"),
                    encoding="utf-8")
    invoke("transform", "--all", "-s")
    for code in ("stnmt", "xa-hoaxuan"):
        invoke("apply", str(plan_json(code)["plan"]), "-s")
    db = portal_db(own_mappings.parent)
    assert db.execute("select count(*) from subsites").fetchone() == (1,)
    assert db.execute("select count(*) from items").fetchone() == (13,)  # 7 + 7, less the commune's quarantined one


def test_links_and_images_point_at_the_portal_after_apply(crawled):
    invoke("transform", "--all", "-s")
    plan = plan_json("stnmt")
    entry = next(e for e in plan["entries"] if e["title"] == "Đẩy mạnh chuyển đổi số trong lĩnh vực đất đai")
    ledger = ledger_db(crawled)
    unresolved = json.loads(ledger.execute("select unresolved from plan_entries where plan_id=? and uid=?",
                                           (plan["plan"], entry["uid"])).fetchone()[0])
    assert unresolved == ["http://stnmt.tinhmau.gov.vn/web/guest/lien-he"]
    invoke("apply", str(plan["plan"]), "-s")
    invoke("apply", str(plan_json("xa-hoaxuan")["plan"]), "-s")
    # The link to the commune's item was {{item:UID}} in the plan; known only once that item was
    # loaded ("known after apply"): the next plan of stnmt updates that one item, and says why.
    again = plan_json("stnmt")
    assert again["summary"]["update"] == 1 and again["summary"]["unchanged"] == 6
    resolved = next(e for e in again["entries"] if e["action"] == "update")
    assert resolved["reason"] == "1 link(s) to items that are on the portal now are resolved"
    invoke("apply", str(again["plan"]), "-s")
    assert plan_json("stnmt")["summary"]["unchanged"] == 7
    db = portal_db(crawled)
    urls = dict(db.execute("select json_extract(fields, '$.source_url'), i.slug from items i").fetchall())
    portal_url = {row[0]: row[1] for row in ledger.execute("select source_url, portal_url from id_map")}
    body = db.execute("select json_extract(fields, '$.body_html') from items "
                      "where json_extract(fields, '$.title') = 'Đẩy mạnh chuyển đổi số trong lĩnh vực đất đai'").fetchone()[0]
    decision = next(u for u in portal_url if u.endswith("quyet-dinh-ban-hanh-bang-gia-dat"))
    birth = next(u for u in portal_url if u.endswith("thu-tuc-dang-ky-khai-sinh-201.html"))
    assert f'href="{portal_url[decision]}"' in body and f'href="{portal_url[birth]}"' in body
    assert 'href="http://stnmt.tinhmau.gov.vn/web/guest/lien-he"' in body  # listed in the plan, kept
    assert portal_url[birth].startswith("https://tinhmau.gov.vn/web/xa-hoaxuan/-/")
    image_body = db.execute("select json_extract(fields, '$.body_html') from items where json_extract(fields, '$.title') "
                            "like 'Hội nghị tổng kết%'").fetchone()[0]
    media = db.execute("select sha256, filename from media where filename like '%.png'").fetchall()
    assert any(f"/documents/{sha[:16]}/{name}" in image_body for sha, name in media)
    assert "stnmt.tinhmau.gov.vn/documents" not in image_body
    # A picture pasted into the commune site's editor (a data: URL) is uploaded as a file, and
    # the body shows the portal's copy.
    pasted = hashlib.sha256(sample_png("so-do-tuyen-duong.png")).hexdigest()
    pasted_body = db.execute("select json_extract(fields, '$.body_html') from items where json_extract(fields, '$.title') "
                             "like 'Ra mắt mô hình%'").fetchone()[0]
    assert re.search(rf'src="https://[^"]+/documents/{pasted[:16]}/anh-nhung-{pasted[:12]}.png"', pasted_body)
    assert "data:" not in pasted_body
    assert db.execute("select size, media_type from media where sha256 = ?", (pasted,)).fetchall() == \
        [(len(sample_png("so-do-tuyen-duong.png")), "image/png")]
    assert len(urls) == 13  # 7 + 7, less the commune's article quarantined for injected spam


@pytest.mark.parametrize("staged_before_fingerprints", [False, True])
def test_an_article_reposted_by_two_units_is_loaded_once(crawled, staged_before_fingerprints):
    """Sở KH&CN published it first; the investment centre's WordPress site re-posted it word for
    word. The portal gets one article and, on the centre's subsite, a cross-reference to it.
    The plan reads the fingerprint the transform kept; an article staged before fingerprints
    were kept (none in its row) is fingerprinted from its body."""
    invoke("transform", "skhcn", "xtdt", "-s")
    ledger = ledger_db(crawled)
    assert ledger.execute("select count(*) from staged_articles where status = 'ok' and fingerprint is null"
                          ).fetchone() == (0,)
    if staged_before_fingerprints:
        ledger.execute("update staged_articles set fingerprint = null")
        ledger.commit()
    planned = {code: plan_json(code) for code in ("skhcn", "xtdt")}
    original = next(e for e in planned["skhcn"]["entries"] if e["title"].startswith("Công bố chỉ số"))
    assert original["action"] == "create" and original["reason"] is None
    copy = next(e for e in planned["xtdt"]["entries"] if e["title"].startswith("Công bố chỉ số"))
    assert copy["action"] == "create"
    assert copy["reason"] == f"same content as {original['uid']} (Sở Khoa học và Công nghệ): loaded as a cross-reference"

    def planned_body(uid):
        plan = next(p["plan"] for p in planned.values() if any(e["uid"] == uid for e in p["entries"]))
        with transaction() as session:
            return entry_fields(session, plan)[uid]["body_html"]
    body = planned_body(copy["uid"])
    assert "Nội dung này đã được Sở Khoa học và Công nghệ đăng trên cổng" in body
    # A link to the original (a reference, resolved at apply), not a second copy.
    assert f'href="{{{{item:{original["uid"]}}}}}"' in body and "31,5 điểm" not in body
    assert "31,5 điểm" in planned_body(original["uid"])
    invoke("apply", str(planned["skhcn"]["plan"]), "-s")
    invoke("apply", str(planned["xtdt"]["plan"]), "-s")
    loaded = portal_db(crawled).execute("select json_extract(fields, '$.body_html') from items where external_key = ?",
                                        (copy["uid"],)).fetchone()[0]
    assert re.search(r'href="https://tinhmau.gov.vn/web/skhcn/-/cong-bo-chi-so-[^"]+"', loaded)


def test_transform_report_lists_every_warning_and_flags_a_compromised_site(crawled):
    """The commune site was compromised (spam links hidden in an article): the transform says
    so, and its CSV report lists every warning and skipped page for review."""
    output = invoke("transform", "xa-hoaxuan", "-s").output
    assert "1 article(s) held hidden links to other sites" in output
    report = crawled / "var" / "reports" / "transform-xa-hoaxuan.csv"
    assert "every warning and skipped page, for review:" in output and "transform-xa-hoaxuan.csv" in output.replace("\n", "")
    with report.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    staged = ledger_db(crawled).execute("select data from staged_articles where agency='xa-hoaxuan' and status='ok'")
    expected = sorted((d["source_url"], d["title"], "warning", w) for d in map(json.loads, (r[0] for r in staged))
                      for w in d["warnings"])
    assert sorted((r["url"], r["title"], r["outcome"], r["message"]) for r in rows) == expected
    spam = [r for r in rows if r["message"].startswith("removed hidden content")]
    assert [r["title"] for r in spam] == ["Triển khai tiêm chủng mở rộng đợt 2 năm 2024"]
    assert any(r["message"].startswith("1 pasted image(s)") for r in rows)
    # The plan review shows the reviewer what to check, on the entry it concerns.
    plan = plan_json("xa-hoaxuan")
    page = lxml.html.parse(plan["html"]).getroot()
    spam_entry = next(e for e in plan["entries"] if e["title"] == spam[0]["title"])
    row = page.xpath(f'//tr[@data-uid="{spam_entry["uid"]}"]')[0]
    # In Vietnamese on the Vietnamese page, the transform's own words kept in the tooltip.
    shown = row.xpath('.//ul[@class="warnings"]/li')
    assert [" ".join(li.get("title").split()) for li in shown] == [" ".join(spam[0]["message"].split())]
    assert shown[0].text_content().startswith("Đã gỡ nội dung ẩn")
    assert "cần kiểm tra trang cũ có bị xâm nhập không" in shown[0].text_content()
    assert len(page.xpath('//ul[@class="warnings"]')) == len({r["url"] for r in rows})
    # Every warning of the sample sites has its Vietnamese wording: no English line left.
    from portalize.app.warnings_vi import in_vietnamese
    untranslated = {r["message"] for r in rows if r["outcome"] == "warning" and in_vietnamese(r["message"]) == r["message"]}
    assert untranslated == set()


def test_a_plan_written_in_small_chunks_is_the_same_plan(crawled, monkeypatch):
    """make_plan writes entries a chunk at a time and orders them at the end: with chunks of 2
    the 7 entries of stnmt get the same positions, summary and fingerprint as in one chunk."""
    import portalize.loaders.plan
    invoke("transform", "stnmt", "-s")
    whole = plan_json("stnmt")
    monkeypatch.setattr(portalize.loaders.plan, "_CHUNK", 2)
    chunked = plan_json("stnmt")
    assert chunked["plan"] != whole["plan"] and chunked["summary"] == whole["summary"]
    assert [(e["uid"], e["action"]) for e in chunked["entries"]] == [(e["uid"], e["action"]) for e in whole["entries"]]
    fingerprints = dict(ledger_db(crawled).execute("select id, fingerprint from plans"))
    assert fingerprints[chunked["plan"]] == fingerprints[whole["plan"]]


def test_an_agency_name_is_never_a_formula_in_the_spreadsheet(own_mappings, workspace):
    from openpyxl import load_workbook
    path = own_mappings / "agencies" / "stnmt.yml"
    text = path.read_text(encoding="utf-8")
    name = next(line for line in text.splitlines() if line.startswith("name:"))
    path.write_text(text.replace(name, "name: '=HYPERLINK(\"http://evil.example\",\"Sở\")'"), encoding="utf-8")
    out = workspace / "tien-do.xlsx"
    invoke("progress", "--xlsx", str(out))
    cell = next(row[1] for row in load_workbook(out).active.iter_rows(min_row=5) if row[0].value == "stnmt")
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example","Sở")'


def test_a_lost_ledger_never_overwrites_the_portal(crawled):
    """The ledger's id map is gone (emptied, or PORTALIZE_DB pointed at a fresh one) while the
    portal holds the agency's items, one edited by an editor: nothing is created twice,
    identical items are taken back into the id map, the edited one is a conflict, kept."""
    invoke("transform", "xa-hoaxuan", "-s")
    first = plan_json("xa-hoaxuan")
    invoke("apply", str(first["plan"]), "-s")
    portal = portal_db(crawled)
    (item_id, fields), = portal.execute("select id, fields from items order by id limit 1").fetchall()
    edited = {**json.loads(fields), "title": "Tiêu đề do biên tập viên sửa"}
    portal.execute("update items set fields = ? where id = ?", (json.dumps(edited, ensure_ascii=False), item_id))
    portal.commit()
    ledger = ledger_db(crawled)
    ledger.execute("delete from id_map")
    ledger.commit()
    # A ledger with no record of the agency against a loaded portal is an error, not a plan.
    refused = invoke("plan", "xa-hoaxuan", ok=False)
    assert refused.exit_code == 1
    # 6 items: the seventh article, with injected spam, is quarantined and was never loaded.
    assert "has no record of loading xa-hoaxuan, but the portal already holds 6 of its items" in refused.output
    assert "portalize plan xa-hoaxuan --adopt" in refused.output
    assert ledger.execute("select count(*) from plans where agency = 'xa-hoaxuan' and status = 'pending'").fetchone() == (0,)
    again = json.loads(invoke("plan", "xa-hoaxuan", "--adopt", "--json").output)
    assert again["summary"]["create"] == 0
    assert again["summary"]["conflict"] == 1 and again["summary"]["unchanged"] == 5
    conflict = next(e for e in again["entries"] if e["action"] == "conflict")
    assert "not in this ledger" in conflict["reason"]
    invoke("apply", str(again["plan"]), "-s")
    assert ledger.execute("select count(*) from id_map").fetchone() == (5,)
    assert portal.execute("select count(*) from items").fetchone() == (6,)
    assert json.loads(portal.execute("select fields from items where id = ?", (item_id,)).fetchone()[0])["title"] == \
        "Tiêu đề do biên tập viên sửa"


def test_an_apply_already_running_holds_the_plan_and_a_dead_one_is_taken_over(crawled):
    """A plan being applied holds a lease (pid, host, since). A second apply names the holder
    and writes nothing; the lease of a process that is gone (killed) is taken over, and the
    plan finishes."""
    import os
    import socket
    import subprocess
    import sys

    invoke("transform", "--all", "-s")
    plan = plan_json("stnmt")["plan"]
    ledger = ledger_db(crawled)
    alive = f"{os.getppid()}@{socket.gethostname()}@2026-12-01T08:00:00+00:00"  # the test runner's parent: alive
    ledger.execute("update plans set lease = ?, status = 'applying' where id = ?", (alive, plan))
    ledger.commit()
    busy = invoke("apply", str(plan), "--yes", "-s", ok=False)
    assert busy.exit_code == 1
    assert f"plan {plan} (stnmt) is being applied by pid {os.getppid()} on {socket.gethostname()} " \
           "since 2026-12-01T08:00:00+00:00" in busy.output
    assert portal_db(crawled).execute("select count(*) from items").fetchone()[0] == 0
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{gone.stdout.strip()}@{socket.gethostname()}@2026-12-01T08:00:00+00:00"
    ledger.execute("update plans set lease = ? where id = ?", (dead, plan))
    ledger.commit()
    done = invoke("apply", str(plan), "--yes", "-s")
    assert "7 created" in done.output
    assert ledger.execute("select status, lease from plans where id = ?", (plan,)).fetchone() == ("applied", None)
    # A lease from another machine cannot be checked: it holds until broken on purpose.
    plan2 = plan_json("sgddt")["plan"]
    ledger.execute("update plans set lease = '4242@elsewhere@2026-12-01T08:00:00+00:00' where id = ?", (plan2,))
    ledger.commit()
    assert "--break-lease" in invoke("apply", str(plan2), "--yes", "-s", ok=False).output
    assert invoke("apply", str(plan2), "--yes", "-s", "--break-lease").exit_code == 0


def test_the_quality_gate_reads_what_the_transform_counted_and_reads_articles_only_for_older_ledgers(crawled):
    """Plans check the field report kept with the transform instead of reading every staged
    article again; it is the report the articles give. A transform recorded before that is
    counted from the articles."""
    from portalize.app.plan import quality_of
    from portalize.core.ledger import staging
    from portalize.transform.quality import field_report
    invoke("transform", "--all", "-s")
    registry = load_registry(ROOT / "mappings")

    def reports(code):
        with transaction() as session:
            kept = quality_of(session, registry.agency(code))
            counted = field_report(staging.staged_items(session, code), lists=kept.lists, excluded=kept.excluded,
                                   listed=kept.listed, listed_missing=kept.listed_missing)
        return kept, counted
    for code in ("stnmt", "xa-hoaxuan"):
        kept, counted = reports(code)
        assert kept.items == 7 and kept == counted
    ledger = ledger_db(crawled)
    kept_with_transform = ledger.execute("select json_extract(detail, '$.item_stats.items') from agency_events "
                                         "where event = 'transformed' and agency = 'stnmt'").fetchall()
    assert kept_with_transform == [(7,)]
    ledger.execute("update agency_events set detail = json_remove(detail, '$.item_stats') where event = 'transformed'")
    ledger.commit()
    kept, counted = reports("stnmt")
    assert kept.items == 7 and kept == counted
