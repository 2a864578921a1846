"""The progress reports a province hands to its People's Committee: the terminal table, CSV and
XLSX with Vietnamese headers, and the self-contained HTML dashboard rendered in a real headless
Chromium, on the sample units and on a registry of 150 units after the 2025 mergers (every
state represented, moved dates audited). The 150-unit timings are printed and kept in
var/artifacts/progress-150.txt."""
from __future__ import annotations

import csv
import json
import os
import time

import pytest
from click.testing import CliRunner

from portalize.cli import cli
from portalize.samples.generated import generated_server

from .conftest import ROOT, mappings_with_agency
from .sites.local import base_url, running
from .sites.registry150 import origins, write_registry
from .test_browser import artifact, chromium

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def run(*args, code=0):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def rendered(page):
    """The DOM Chromium built, and what its console said (errors included)."""
    result = chromium("--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    return result.stdout, console


def test_the_dashboard_of_the_sample_units(crawled, sample_server, monkeypatch):
    monkeypatch.setenv("PORTALIZE_TODAY", "2026-12-02")
    # One more unit whose name a spreadsheet would run as a formula.
    root = mappings_with_agency(crawled, "xa-congthuc", "=1+2 Xã Công Thức", "nukeviet",
                                "http://congthuc.tinhmau.gov.vn/vi/")
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(root))
    monkeypatch.setenv("PORTALIZE_ORIGINS", ",".join(f"{h}={u}" for h, u in sample_server.origins.items()))
    run("links", "register", "stnmt", "xa-hoaxuan", "sgddt")
    run("transform", "stnmt", "xa-hoaxuan", "-s")
    for code in ("stnmt", "xa-hoaxuan"):
        run("apply", str(json.loads(run("plan", code, "--json").output)["plan"]), "--yes", "-s")
    moved = run("agencies", "set-date", "sgddt", "--milestone", "content", "--date", "2027-03-31",
                "--reason", "chờ sáp nhập", "--by", "Phòng CNTT").output
    assert "sgddt: content moved from 2026-06-30 to 2027-03-31 by Phòng CNTT (chờ sáp nhập)" in moved
    html, table, sheet = crawled / "tien-do.html", crawled / "tien-do.csv", crawled / "tien-do.xlsx"
    out = run("progress", "--html", str(html), "--csv", str(table), "--xlsx", str(sheet)).output
    assert "Wrote " in out and "tien-do.html" in out.replace("\n", "")
    # Most urgent first: open units, the most overdue first; then done ones.
    codes = [r["code"] for r in json.loads(run("progress", "--json").output)]
    assert codes.index("sgddt") < codes.index("stnmt") and codes.index("xa-congthuc") < codes.index("stnmt")
    assert codes[-2:] == sorted(codes[-2:]) and set(codes[-2:]) == {"stnmt", "xa-hoaxuan"}

    dom, console = rendered(html)
    assert console == [], console
    assert 'class="chart burn-down"' in dom and dom.count('class="chart bars"') == 3
    assert 'id="done">2<' in dom and 'id="total">7<' in dom
    assert "Hạn 15/08/2024" in dom and "Hôm nay 02/12/2026" in dom
    assert 'data-code="sgddt"' in dom and "đổi hạn" in dom  # the moved date is shown as moved
    assert dom.count('class="bar" data-state="loaded"') >= 2
    shot = artifact("progress-demo.png")
    assert chromium(f"--screenshot={shot}", "--window-size=1200,1600", html.as_uri()).returncode == 0
    assert shot.stat().st_size > 20_000

    with table.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["Mã", "Đơn vị", "Cấp", "Trạng thái"] and len(rows) == 8
    formula = next(r for r in rows if r[0] == "xa-congthuc")
    assert formula[1] == "'=1+2 Xã Công Thức"  # text, never run
    from openpyxl import load_workbook
    book = load_workbook(sheet)
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert values[3][:4] == ["Mã", "Đơn vị", "Cấp", "Trạng thái"]
    sgddt = next(v for v in values if v[0] == "sgddt")
    assert sgddt[8] == "31/03/2027"  # the content date as moved
    english = crawled / "progress.html"
    run("progress", "--html", str(english), "--lang", "en")
    assert "Website conversion progress" in english.read_text(encoding="utf-8")


def test_the_dashboard_of_150_units_after_the_mergers(workspace, monkeypatch):
    monkeypatch.setenv("PORTALIZE_TODAY", "2026-12-02")
    units = write_registry(workspace / "mappings", ROOT / "mappings")
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(workspace / "mappings"))
    with running(generated_server(1000)) as server:
        monkeypatch.setenv("PORTALIZE_ORIGINS", origins(units, base_url(server)))
        codes = [u["code"] for u in units]
        registered, linked = codes[:140], codes[:110]
        run("agencies", "register", *registered)
        run("links", "register", *linked)
        crawled = ["so-01", "so-02", "huyen-01", "huyen-02", "huyen-03", "xa-001", "xa-002", "xa-003", "xa-004",
                   "xa-005"]
        env = {**os.environ}
        env.pop("PYTHONWARNINGS", None)
        from .conftest import run_portalize
        run_portalize("crawl", *crawled, "-s", "--max-pages", "8", env_extra={
            "PORTALIZE_MAPPINGS": str(workspace / "mappings"), "PORTALIZE_ORIGINS": os.environ["PORTALIZE_ORIGINS"],
            **{k: os.environ[k] for k in ("PORTALIZE_VAR", "PORTALIZE_DB", "PORTALIZE_PORTAL_DB")}}, timeout=600)
    for code in ("so-01", "xa-001", "xa-002"):
        run("transform", code, "-s")
        plan = json.loads(run("plan", code, "--accept-quality", "generated test site", "--json").output)
        run("apply", str(plan["plan"]), "--yes", "-s")
    for code in ("huyen-01", "huyen-02", "huyen-03"):
        run("archive", code, "-s")
    for code in ("huyen-01", "huyen-02"):  # huyen-03's 410 list is not published: archived, not done
        exported = json.loads(run("redirects", code, "--format", "csv", "--json").output)
        assert exported["moved"] == 0 and exported["gone"] == 8  # every crawled page of an archive-only unit
    for code, when in (("xa-100", "2027-06-30"), ("so-05", "2027-01-31"), ("huyen-09", "2025-12-31")):
        run("agencies", "set-date", code, "--date", when, "--reason", "điều chỉnh sau sáp nhập", "--by", "Sở TTTT")

    from portalize import api
    started = time.perf_counter()
    report = api.progress()
    table_seconds = time.perf_counter() - started
    html = workspace / "tien-do-150.html"
    started = time.perf_counter()
    api.progress(html=html, csv=workspace / "tien-do-150.csv")
    files_seconds = time.perf_counter() - started
    states = {r.state for r in report.agencies}
    assert states == {"unregistered", "registered", "linked", "crawled", "loaded", "archived"}, states
    assert len(report.agencies) == 150 and sum(r.done for r in report.agencies) == 5
    successors = {r.successor for r in report.agencies if r.successor}
    assert len(successors) == 40  # 120 communes, three into one
    dom, console = rendered(html)
    assert console == [], console
    assert dom.count('class="unit"') == 150 and 'class="chart burn-down"' in dom
    assert "Thừa Thiên Huế" in dom and "Quảng Trị" in dom
    shot = artifact("progress-150.png")
    assert chromium(f"--screenshot={shot}", "--window-size=1200,2000", html.as_uri()).returncode == 0
    timings = (f"150 units: progress (terminal table's data) {table_seconds:.2f} s; "
               f"with the HTML dashboard and CSV {files_seconds:.2f} s")
    artifact("progress-150.txt").write_text(timings + "\n", encoding="utf-8")
    print(timings)
