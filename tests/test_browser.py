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


def test_plan_review_page_renders_in_chromium(crawled):
    runner = CliRunner()
    assert runner.invoke(cli, ["transform", "stnmt", "-s"]).exit_code == 0
    plan = json.loads(runner.invoke(cli, ["plan", "stnmt", "--json"]).output)
    page = crawled / "var" / "plans" / f"plan-{plan['plan']}-stnmt.html"
    result = chromium("--dump-dom", page.as_uri())
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Kế hoạch {plan['plan']}: Sở Tài nguyên và Môi trường" in dom
    assert dom.count('class="entry"') == 7
    assert dom.count('data-action="create" data-uid=') == 7
    assert "Quyết định ban hành bảng giá đất giai đoạn 2020-2024" in dom
    shot = crawled / "plan.png"
    result = chromium(f"--screenshot={shot}", "--window-size=1200,900", page.as_uri())
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
