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
