"""The HTML plan review, opened in a real headless Chromium (Debian's package)."""
import json
import shutil
import subprocess
import tempfile

import pytest
from click.testing import CliRunner

from portalize.cli import cli

pytestmark = [pytest.mark.browser, pytest.mark.integration]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(*args, timeout=90):
    if not CHROMIUM:
        pytest.fail("chromium is not installed: run the tests with `make test` (scripts/system-deps.sh installs it)")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                               "--no-first-run", "--disable-background-networking", "--disable-component-update",
                               "--disable-sync", f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)


def artifact(name: str):
    """Where a screenshot is kept after the run (var/artifacts/ of the checkout, as CI leaves it)."""
    from .conftest import ROOT
    folder = ROOT / "var" / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def test_plan_review_page_renders_in_chromium(crawled):
    """Everything a create will write is on the page (body, document fields, files, author,
    summary, group), beside a link to the legacy page; the filters by action, content group and
    warning work in a real Chromium (set from the address, as a reviewer's link would)."""
    runner = CliRunner()
    assert runner.invoke(cli, ["transform", "stnmt", "xa-hoaxuan", "-s"]).exit_code == 0
    plan = json.loads(runner.invoke(cli, ["plan", "stnmt", "--json"]).output)
    page = crawled / "var" / "plans" / f"plan-{plan['plan']}-stnmt.html"
    result = chromium("--dump-dom", page.as_uri())
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Kế hoạch {plan['plan']}: Sở Tài nguyên và Môi trường" in dom
    assert dom.count('class="entry"') == 7
    assert dom.count('data-action="create" data-uid=') == 7
    assert "Quyết định ban hành bảng giá đất giai đoạn 2020-2024" in dom
    assert 'id="shown" aria-live="polite">Hiển thị 7 / 7 mục' in dom
    assert dom.count('class="preview"') == 7 and dom.count('class="legacy"') == 7
    assert "Thông tin văn bản" in dom and "Số ký hiệu" in dom  # the decision's document fields
    assert 'class="files"' in dom and ".pdf" in dom
    # Filters: a group, then an action with no entries, from the address.
    legal = chromium("--dump-dom", page.as_uri() + "#group=legal-docs").stdout
    rows = [row.split(">")[0] for row in legal.split('<tr class="entry"')[1:]]
    visible = [row for row in rows if " hidden" not in row]
    in_group = dom.count('data-group="legal-docs"')
    assert 0 < in_group < 7 and len(visible) == in_group
    assert all('data-group="legal-docs"' in row for row in visible)
    assert f"Hiển thị {in_group} / 7 mục" in legal
    assert "Hiển thị 0 / 7 mục" in chromium("--dump-dom", page.as_uri() + "#action=conflict").stdout
    # xa-hoaxuan has a compromised page: filtered by warning.
    commune = json.loads(runner.invoke(cli, ["plan", "xa-hoaxuan", "--json"]).output)
    commune_page = crawled / "var" / "plans" / f"plan-{commune['plan']}-xa-hoaxuan.html"
    warned = chromium("--dump-dom", commune_page.as_uri() + "#warning=yes").stdout
    assert "Cần kiểm tra khi chuyển đổi" in warned and "Hiển thị 3 / 7 mục" in warned
    shot = artifact("plan-review.png")
    result = chromium(f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    assert result.returncode == 0 and shot.stat().st_size > 10_000


HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"><script>
window.__fired = [];
for (const name of ["alert", "confirm", "prompt", "print"]) { window[name] = (...a) => window.__fired.push(name); }
window.addEventListener("load", () => setTimeout(() => {
  document.body.setAttribute("data-fired", String(window.__fired.length));
}, 500));
</script></head><body>%s</body></html>"""


def run_in_chromium(tmp_path, name, body) -> str:
    page = tmp_path / name
    page.write_text(HARNESS % body, encoding="utf-8")
    result = chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_no_sanitised_payload_runs_in_chromium(tmp_path):
    from portalize.transform.sanitize import sanitize

    from .test_xss import payloads

    # The harness sees script that runs: an unsanitised payload trips it.
    control = run_in_chromium(tmp_path, "control.html", "<img src=x onerror=alert(1)>")
    assert 'data-fired="1"' in control
    body = "\n".join(f'<div class="case">{sanitize(p, "http://x.gov.vn/a.html")}</div>' for p in payloads())
    dom = run_in_chromium(tmp_path, "sanitised.html", body)
    assert 'data-fired="0"' in dom
    assert dom.count('class="case"') == len(payloads())


def test_the_portal_front_shows_the_migrated_subsites_in_chromium(crawled, sample_server):
    """`portalize portal serve` after two agencies are applied: the portal's home lists the
    subsites, a subsite's home shows its content groups and items, an item page its body,
    pasted and linked pictures and files from the portal itself, and the interim links; all
    rendered by a real Chromium. A screenshot of an item page is kept (var/portal-item.png)."""
    import os
    import re
    import sys
    import urllib.request

    from .conftest import ROOT

    runner = CliRunner()
    for agency in ("stnmt", "sgddt"):
        assert runner.invoke(cli, ["transform", agency, "-s"]).exit_code == 0
        plan = json.loads(runner.invoke(cli, ["plan", agency, "--json"]).output)
        assert runner.invoke(cli, ["apply", str(plan["plan"]), "--yes", "-s"]).exit_code == 0
    origins = [a for h, u in sample_server.origins.items() for a in ("--origin", f"{h}={u}")]
    assert runner.invoke(cli, ["links", "register", "--all", *origins]).exit_code == 0
    server = subprocess.Popen([sys.executable, "-m", "portalize.cli", "portal", "serve", "--port", "0"], cwd=ROOT,
                              env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+", line)[0]
        home = chromium("--dump-dom", f"{base}/").stdout
        assert "Sở Tài nguyên và Môi trường" in home and "Sở Giáo dục và Đào tạo" in home
        assert "(7 mục)" in home and "Danh sách liên kết tạm thời (6)" in home
        subsite = chromium("--dump-dom", f"{base}/web/sgddt").stdout
        assert subsite.count('<section class="group"') >= 2
        titles = re.findall(r'<a href="(/web/sgddt/-/[^"]+)">([^<]+)</a>', subsite)
        assert len(titles) == 6
        item = next(href for href, title in titles if title.startswith("Tổng kết năm học"))
        page = chromium("--virtual-time-budget=3000", "--dump-dom", f"{base}{item}").stdout
        assert "<h1>Tổng kết năm học 2023-2024 và triển khai nhiệm vụ năm học mới</h1>" in page
        picture = re.search(r'<img[^>]+src="(/documents/[^"]+)"', page)[1]
        with urllib.request.urlopen(f"{base}{picture}") as answer:
            assert answer.status == 200 and answer.headers["Content-Type"] == "image/png"
            assert answer.read().startswith(b"\x89PNG")
        files = re.findall(r'<ul class="files"><li><a href="(/documents/[^"]+)"', page)
        for href in files:
            with urllib.request.urlopen(f"{base}{href}") as answer:
                assert answer.status == 200 and len(answer.read()) > 0
        links = chromium("--dump-dom", f"{base}/lien-ket").stdout
        assert links.count("<tr><td>") == 6
        try:
            urllib.request.urlopen(f"{base}/web/sgddt/-/khong-co")
            raise AssertionError("a missing page answered 200")
        except urllib.error.HTTPError as missing:
            assert missing.code == 404
        shot = artifact("portal-item.png")
        result = chromium(f"--screenshot={shot}", "--window-size=1200,900", f"{base}{item}")
        assert result.returncode == 0 and shot.stat().st_size > 10_000
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()
