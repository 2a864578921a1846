"""portalize works outside its checkout: the wheel in a fresh virtual environment runs the demo
from an empty directory, and the Scrapy project runs alone, from `scrapy crawl` and from a
Scrapyd egg, doing what `portalize crawl` does."""
import json
import os
import sqlite3
import subprocess
import sys
import venv
import zipfile

import pytest

from .conftest import ROOT, _workspace_env, run_portalize

pytestmark = pytest.mark.integration


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTALIZE_", "PYTHON", "SCRAPY_"))}
    return {**env, **extra}


def test_the_wheel_runs_the_demo_in_an_empty_directory(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
                         capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-3000:]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run([str(env_dir / "bin" / "portalize"), "demo", "--json"], cwd=empty,
                            capture_output=True, text=True, timeout=900, env=_clean_env())
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    demo = json.loads(result.stdout)
    # Six agencies planned, and one second plan resolving links to units loaded after it; the
    # commune's article with injected SEO spam is quarantined (a skip, not a change).
    assert demo["changes"] == 34 and len(demo["plans"]) == 7
    assert (empty / "var" / "portalize.db").is_file()  # var/ under the working directory
    assert demo["ledger"] == f"sqlite:///{empty / 'var' / 'portalize.db'}"
    # nothing was looked for beside the installed code
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    assert not (site / "var").exists() and (site / "portalize" / "mappings" / "agencies" / "stnmt.yml").is_file()


def _pages(db: str) -> set:
    with sqlite3.connect(db) as connection:
        return set(connection.execute("SELECT url, kind, status, sha256 FROM pages WHERE agency = 'stnmt'"))


def _scrapy_env(workspace, origins: dict, **extra) -> dict:
    env = _clean_env(**_workspace_env(workspace), PORTALIZE_MAPPINGS=str(ROOT / "mappings"),
                     PORTALIZE_ORIGINS=",".join(f"{h}={u}" for h, u in origins.items()), **extra)
    return env


def test_scrapy_crawl_and_portalize_crawl_store_the_same_pages(sample_server, tmp_path):
    ours, theirs = tmp_path / "portalize", tmp_path / "scrapy"
    origins = [a for h, u in sample_server.origins.items() for a in ("--origin", f"{h}={u}")]
    summary = json.loads(run_portalize("crawl", "stnmt", "-s", "--json", *origins,
                                       env_extra=_workspace_env(ours)).stdout)[0]
    env = _scrapy_env(theirs, sample_server.origins, SCRAPY_SETTINGS_MODULE="portalize.crawlers.settings")
    result = subprocess.run([sys.executable, "-m", "scrapy.cmdline", "crawl", "legacy", "-a", "agency=stnmt"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    pages = _pages(theirs / "var" / "portalize.db")
    assert pages == _pages(ours / "var" / "portalize.db") and len(pages) == summary["pages"] > 10
    with sqlite3.connect(theirs / "var" / "portalize.db") as connection:  # the run's bookkeeping, too
        status, stats = connection.execute("SELECT status, stats FROM crawl_runs").fetchone()
    assert status == "finished" and json.loads(stats)["pages"] == summary["pages"]
    assert not (theirs / "var" / "jobs" / "stnmt").exists()  # a finished crawl clears its job folder


def test_a_scrapyd_egg_crawls_with_mappings_from_the_environment(sample_server, tmp_path):
    egg = tmp_path / "portalize.egg"
    deploy = ROOT / ".venv" / "bin" / "scrapyd-deploy"
    build = subprocess.run([str(deploy), f"--build-egg={egg}"], cwd=ROOT, capture_output=True, text=True,
                           timeout=600, env=_clean_env())
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-3000:]
    names = zipfile.ZipFile(egg).namelist()
    assert "portalize/crawlers/spiders/legacy.py" in names and "portalize/mappings/agencies/stnmt.yml" in names
    assert not any(n.startswith(("crawlers/", "transform/", "loaders/")) for n in names)  # one import root
    entry = zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()
    assert "settings = portalize.crawlers.settings" in entry
    # As Scrapyd runs a job: the egg first on the path, settings from its entry point, in a
    # folder of its own; the mappings, ledger and origins come from the environment.
    run_dir = tmp_path / "job"
    run_dir.mkdir()
    probe = ("import sys, portalize; assert portalize.__file__.startswith(sys.argv[1]), portalize.__file__; "
             "from scrapy.cmdline import execute; execute(['scrapy', 'crawl', 'legacy', '-a', 'agency=stnmt'])")
    env = _scrapy_env(tmp_path, sample_server.origins, PYTHONPATH=str(egg),
                      SCRAPY_SETTINGS_MODULE="portalize.crawlers.settings")
    result = subprocess.run([sys.executable, "-c", probe, str(egg)], cwd=run_dir, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    pages = _pages(tmp_path / "var" / "portalize.db")
    assert sum(1 for _, kind, status, _ in pages if kind == "item" and status == 200) >= 7
