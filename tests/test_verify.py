"""`portalize verify` finds each kind of gap, and `portalize status --refresh` sees a legacy host
that redirects to the portal (cut over) and one that does not, on local servers."""
from __future__ import annotations

import csv
import json
import sqlite3
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from click.testing import CliRunner

from portalize.cli import cli

from .conftest import ROOT
from .sites.local import base_url, running

pytestmark = pytest.mark.integration


def run(*args, code=0):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def gaps(code="stnmt", ok=False):
    result = run("verify", code, "--json", code=0 if ok else 1)
    return json.loads(result.output)


@pytest.fixture
def loaded(crawled, sample_server, monkeypatch):
    monkeypatch.setenv("PORTALIZE_ORIGINS", ",".join(f"{h}={u}" for h, u in sample_server.origins.items()))
    run("transform", "stnmt", "xa-hoaxuan", "-s")
    for code in ("xa-hoaxuan", "stnmt"):
        run("apply", str(json.loads(run("plan", code, "--json").output)["plan"]), "--yes", "-s")
    return crawled


def test_verify_finds_each_kind_of_gap(loaded, monkeypatch):
    started = time.perf_counter()
    first = gaps()
    seconds = time.perf_counter() - started
    print(f"verify of one agency ({first['crawled']} pages, {first['loaded']} items): {seconds:.2f} s")
    assert first["crawled"] == 16 and first["loaded"] == 7
    assert first["gaps"]["unaccounted"] == [] and first["gaps"]["missing_items"] == []
    # The sample department has no organisation or procedure pages: named.
    assert {g["url"] for g in first["gaps"]["missing_groups"]} == {"organization", "procedures"}
    assert any(g["url"] == "http://stnmt.tinhmau.gov.vn/web/guest/lien-he" for g in first["gaps"]["unresolved_links"])
    with open(first["report"], encoding="utf-8-sig", newline="") as f:
        report = list(csv.reader(f))
    assert report[0] == ["Loại", "Địa chỉ", "Chi tiết"]
    assert ["Nhóm nội dung bắt buộc còn trống", "organization",
            "no content in “Chức năng, nhiệm vụ, cơ cấu tổ chức, đầu mối liên hệ”"] in report

    # An item deleted on the portal, a file gone from the asset map, a crawled page the ledger
    # cannot account for, a stricter field-report threshold: each found and named.
    portal, ledger = sqlite3.connect(loaded / "var" / "portal.db"), sqlite3.connect(loaded / "var" / "portalize.db")
    gone = portal.execute("select id, external_key from items where external_key like 'stnmt-%' limit 1").fetchone()
    portal.execute("delete from items where id = ?", (gone[0],))
    portal.commit()
    sha = ledger.execute("select json_extract(detail, '$.files[0]') from audit_log where agency = 'stnmt' and "
                         "action = 'create' and json_array_length(json_extract(detail, '$.files')) > 0").fetchone()[0]
    ledger.execute("delete from portal_files where sha256 = ?", (sha,))
    page = ledger.execute("select id, url from pages where agency = 'stnmt' and status = 200 and kind = 'list' "
                          "limit 1").fetchone()
    ledger.execute("delete from staged_articles where page_id = ?", (page[0],))  # crawled, never transformed
    ledger.commit()
    root = loaded / "mappings"
    import shutil
    shutil.copytree(ROOT / "mappings", root)
    agency = yaml.safe_load((root / "agencies" / "stnmt.yml").read_text(encoding="utf-8"))
    agency["quality"] = {"min_items": 50}  # a province that expects a bigger site
    (root / "agencies" / "stnmt.yml").write_text(yaml.safe_dump(agency, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(root))
    second = gaps()["gaps"]
    assert [g["detail"] for g in second["missing_items"]][0].startswith("loaded from http://stnmt.tinhmau.gov.vn/")
    assert second["missing_files"] and all("not in the portal's asset map" in g["detail"] for g in second["missing_files"])
    unaccounted = {g["url"] for g in second["unaccounted"]}
    assert page[1] in unaccounted  # a page the ledger cannot account for
    # The file that is not on the portal has no redirect either: its legacy URL is unaccounted too.
    assert {g["url"] for g in second["missing_files"]} <= unaccounted and len(unaccounted) == 1 + len(second["missing_files"])
    assert second["quality"] and "items" in second["quality"][0]["detail"]
    events = [e for (e,) in ledger.execute("select event from agency_events where agency = 'stnmt' and event like "
                                           "'verif%' order by id")]
    assert events == ["verify-failed", "verify-failed"]
    # The dashboard names the units with the most legacy URLs not accounted for.
    html = loaded / "tien-do.html"
    run("progress", "--html", str(html))
    import lxml.html
    table = lxml.html.parse(str(html)).getroot().get_element_by_id("most-unaccounted")
    cells = [td.text_content() for td in table.xpath(".//tbody/tr[1]/td")]
    assert cells[0] == "stnmt" and int(cells[2]) == len(unaccounted)


def test_a_unit_with_no_gap_is_verified(loaded, monkeypatch):
    root = loaded / "mappings"
    import shutil
    shutil.copytree(ROOT / "mappings", root)
    profile = root / "regulation" / "decree-42-2022.yml"
    data = yaml.safe_load(profile.read_text(encoding="utf-8"))
    data["required_groups"] = {"commune": ["news"]}
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(root))
    result = gaps("xa-hoaxuan", ok=True)
    assert result["ok"] and not any(result["gaps"].values())
    rows = {r["code"]: r for r in json.loads(run("progress", "--json").output)}
    assert rows["xa-hoaxuan"]["state"] == "verified" and "no gap" in rows["xa-hoaxuan"]["evidence"]["verified"]


def _redirecting(target: str):
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(301)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass
    return ThreadingHTTPServer(("127.0.0.1", 0), Redirect)


def test_cut_over_is_seen_on_a_legacy_host_that_redirects_and_not_on_one_that_does_not(loaded, sample_server):
    with running(_redirecting("https://tinhmau.gov.vn/web/stnmt")) as redirecting:
        moved = json.loads(run("status", "stnmt", "--refresh", "--origin",
                               f"stnmt.tinhmau.gov.vn={base_url(redirecting)}", "--json").output)
    assert moved[0]["cut_over"] and "answers 301 to https://tinhmau.gov.vn/web/stnmt" in moved[0]["evidence"]["legacy_host"]
    assert moved[0]["present"] == moved[0]["loaded"] == 7
    rows = {r["code"]: r for r in json.loads(run("progress", "--json").output)}
    assert rows["stnmt"]["state"] == "cut-over" and rows["stnmt"]["done"]
    # The old site answers again with its own pages (the redirect was taken down): seen, recorded.
    still = json.loads(run("status", "stnmt", "--refresh", "--origin",
                           f"stnmt.tinhmau.gov.vn={sample_server.origins['stnmt.tinhmau.gov.vn']}", "--json").output)
    assert not still[0]["cut_over"] and "answers 200" in still[0]["evidence"]["legacy_host"]
    rows = {r["code"]: r for r in json.loads(run("progress", "--json").output)}
    assert rows["stnmt"]["state"] == "loaded"
    ledger = sqlite3.connect(loaded / "var" / "portalize.db")
    assert [e for (e,) in ledger.execute("select event from agency_events where agency = 'stnmt' and event in "
                                         "('cut-over', 'not-cut-over') order by id")] == ["cut-over", "not-cut-over"]
