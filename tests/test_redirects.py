"""Cut-over redirects, for real: the exported nginx maps of two agencies (a path-addressed
Liferay site and a query-addressed SharePoint site) are loaded into a private nginx (Debian's
package) on loopback, and their Apache rules into a private Apache. Legacy URLs requested
through them (for nginx also raw as visitors type them) are redirected (301) to the portal,
and every target answers 200 on `portalize portal serve`."""
from __future__ import annotations

import csv
import http.client
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from portalize.cli import cli

from .conftest import ROOT
from .sites.web_servers import apache_serving, nginx_serving

pytestmark = pytest.mark.integration


def _get(port: int, host: str, target: str) -> tuple[int, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", target, headers={"Host": host})
        answer = connection.getresponse()
        answer.read()
        return answer.status, answer.getheader("Location")
    finally:
        connection.close()


def _csv_rows(path) -> list[dict]:
    with open(path, encoding="utf-8-sig") as source:
        return list(csv.DictReader(source))


def _landings(port: int, portal: str, expected: dict[str, int], visitor_forms: dict[str, str]) -> tuple[int, int]:
    """Every legacy URL (and its visitor forms) requested through the server on `port`: the
    status wanted, and a 301 to a page the portal serves. Returns (landed, gone)."""
    landed = gone = 0
    for url, wanted in expected.items():
        parts = urlsplit(url)
        for target in {parts.path + (f"?{parts.query}" if parts.query else ""), visitor_forms.get(url)} - {None}:
            status, location = _get(port, parts.hostname, target)
            assert status == wanted, (url, target, status)
            if wanted == 410:  # not migrated on purpose: gone, with the archive named in the CSV
                gone += 1
                continue
            assert location.startswith("https://tinhmau.gov.vn/"), location
            page = urlsplit(location)
            answer, _ = _get(int(portal), "tinhmau.gov.vn", page.path)
            assert answer == 200, (url, location, answer)
            landed += 1
    # What was never a page of the agency is not redirected.
    assert _get(port, "stc.tinhmau.gov.vn", "/Trang/ChiTietTin.aspx?ItemID=999")[0] == 404
    return landed, gone


def test_exported_nginx_and_apache_redirects_land_on_portal_pages(crawled):
    runner = CliRunner()
    for agency in ("stnmt", "stc"):
        assert runner.invoke(cli, ["transform", agency, "-s"]).exit_code == 0
        plan = json.loads(runner.invoke(cli, ["plan", agency, "--json"]).output)
        assert runner.invoke(cli, ["apply", str(plan["plan"]), "--yes", "-s"]).exit_code == 0
    maps, rules = {}, []
    for agency in ("stnmt", "stc"):
        result = runner.invoke(cli, ["redirects", agency, "--format", "nginx", "--json"])
        assert result.exit_code == 0, result.output
        exported = json.loads(result.output)
        assert exported["moved"] >= 7 and exported["refused"] == 0 and exported["left_out"] == []
        maps[agency.replace("-", "_")] = exported["path"]
        assert runner.invoke(cli, ["redirects", agency, "--format", "csv"]).exit_code == 0
        result = runner.invoke(cli, ["redirects", agency, "--format", "apache", "--json"])
        assert result.exit_code == 0 and json.loads(result.output)["left_out"] == [], result.output
        rules.append(f"Include {json.loads(result.output)['path']}")
    rows = _csv_rows(crawled / "var" / "redirects" / "redirects-stc.csv")
    items = [r for r in rows if r["reason"] == "migrated"]
    assert items and all(r["status"] == "301" and r["target"].startswith("https://tinhmau.gov.vn/web/stc/-/")
                         for r in items)
    apache = (crawled / "var" / "redirects" / "redirects-stc.apache.conf").read_text(encoding="utf-8")
    assert "RewriteCond %{QUERY_STRING} ^ItemID=13$" in apache

    checks = [line for code in maps for line in (
        f"if ($portalize_moved_{code}) {{ return 301 $portalize_moved_{code}; }}",
        f"if ($portalize_gone_{code}) {{ return 410; }}")]
    front = subprocess.Popen([sys.executable, "-m", "portalize.cli", "portal", "serve", "--port", "0"], cwd=ROOT,
                             env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        portal = re.search(r"http://127\.0\.0\.1:(\d+)", front.stdout.readline())[1]
        expected = {r["legacy_url"]: int(r["status"])
                    for r in _csv_rows(crawled / "var" / "redirects" / "redirects-stnmt.csv") + rows}
        visitor_forms = {
            # as visitors' links carry them: tracking and session parameters, another order
            "http://stc.tinhmau.gov.vn/Trang/ChiTietTin.aspx?ItemID=13":
                "/Trang/ChiTietTin.aspx?utm_source=zalo&ItemID=13&PHPSESSID=a1b2c3",
            "http://stnmt.tinhmau.gov.vn/-/asset_publisher/Xy7kPq2mN4aB/content/chuyen-doi-so-linh-vuc-dat-dai":
                "/-/asset_publisher/Xy7kPq2mN4aB/content/chuyen-doi-so-linh-vuc-dat-dai?fbclid=XYZ",
        }
        with nginx_serving(crawled / "nginx", list(maps.values()), checks,
                           ["map_hash_bucket_size 512;", "map_hash_max_size 65536;"]) as port:
            landed, gone = _landings(port, portal, expected, visitor_forms)
        assert landed >= sum(v == 301 for v in expected.values()) + 2
        print(f"redirects through nginx: {landed} legacy URLs (raw and canonical) landed on portal pages, {gone} gone")
        # Apache's rules match the stored (canonical) query exactly: no visitor forms there.
        with apache_serving(crawled / "apache", rules) as port:
            landed, gone = _landings(port, portal, expected, {})
        assert landed >= sum(v == 301 for v in expected.values())
        print(f"redirects through Apache: {landed} legacy URLs landed on portal pages, {gone} gone")
    finally:
        front.terminate()
        front.wait(timeout=10)
        for stream in (front.stdout, front.stderr):
            stream.close()
