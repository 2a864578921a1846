"""Shared fixtures: a private workspace per test, the sample sites on a local port, and a
way to run the real `portalize` command in a subprocess (Scrapy's reactor runs once per process)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portalize.samples.server import SampleServer, SampleSites

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PORTALIZE = [sys.executable, "-m", "portalize.cli"]


@pytest.fixture(scope="session")
def sample_sites() -> SampleSites:
    return SampleSites()


@pytest.fixture(scope="session")
def sample_server():
    with SampleServer() as server:
        yield server


def _workspace_env(path: Path) -> dict:
    return {"PORTALIZE_VAR": str(path / "var"), "PORTALIZE_DB": f"sqlite:///{path / 'var' / 'portalize.db'}",
            "PORTALIZE_PORTAL_DB": f"sqlite:///{path / 'var' / 'portal.db'}"}


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A private var/ (ledger + portal) for one test, set in this process's environment."""
    env = _workspace_env(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PORTALIZE_ORIGINS", raising=False)
    return tmp_path


def run_portalize(*args, env_extra=None, check=True, timeout=300) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    env.pop("PYTHONWARNINGS", None)
    result = subprocess.run([*PORTALIZE, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"portalize {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def crawled_template(tmp_path_factory, sample_server):
    """Both sample agencies crawled once (a real Scrapy crawl); tests copy the result."""
    base = tmp_path_factory.mktemp("crawled")
    origins = [arg for host, url in sample_server.origins.items() for arg in ("--origin", f"{host}={url}")]
    result = run_portalize("crawl", "--all", "-s", *origins, env_extra=_workspace_env(base))
    return base, result


@pytest.fixture
def crawled(workspace, crawled_template):
    """A workspace holding a finished crawl of both sample agencies."""
    source, _ = crawled_template
    shutil.copytree(source / "var", workspace / "var", dirs_exist_ok=True)
    return workspace


@pytest.fixture
def own_mappings(crawled, monkeypatch):
    """A copy of the shipped mappings, which the test may edit (PORTALIZE_MAPPINGS)."""
    root = crawled / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(root))
    return root


def mappings_with_agency(workspace: Path, code: str, name: str, platform: str, base_url: str) -> Path:
    """A copy of the shipped mappings plus one test agency (robots.txt not obeyed) whose legacy
    site is `base_url`; point PORTALIZE_MAPPINGS at the returned folder."""
    root = workspace / "mappings"
    shutil.copytree(ROOT / "mappings", root, dirs_exist_ok=True)
    host = base_url.split("/")[2]
    (root / "agencies" / f"{code}.yml").write_text(
        f"code: {code}\nname: {name}\nlevel: department\nplatform: {platform}\nrobots: false\n"
        f"legacy: {{base_urls: ['{base_url}'], hosts: [{host}]}}\n"
        f"target: {{subsite: {name}, path: /web/{code}}}\n", encoding="utf-8")
    return root


def untuned_agency(workspace: Path, code: str, name: str, level: str, base_url: str, extra: str = "") -> dict:
    """The shipped mappings with one agency file that names only its legacy site (no platform,
    no selectors, no categories), as a new user writes it; returns the environment to use it."""
    root = workspace / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    for path in (root / "agencies").glob("*.yml"):
        path.unlink()
    host = base_url.split("/")[2]
    (root / "agencies" / f"{code}.yml").write_text(
        f"code: {code}\nname: {name}\nlevel: {level}\n"
        f"legacy: {{base_urls: ['{base_url}'], hosts: [{host}]}}\n"
        f"target: {{subsite: {name}, path: /web/{code}}}\n{extra}", encoding="utf-8")
    return {**_workspace_env(workspace), "PORTALIZE_MAPPINGS": str(root)}


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The project built as a wheel, the way it is published."""
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")  # a clean copy: no stale build/ of the checkout
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return next(out.glob("portalize-*.whl"))


@pytest.fixture(scope="session")
def wheel_site(wheel, tmp_path_factory) -> Path:
    """The wheel unpacked as site-packages would hold it (for checks on the installed shape)."""
    import zipfile
    site = tmp_path_factory.mktemp("site") / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    return site


@pytest.fixture(scope="session")
def wordpress_network(tmp_path_factory):
    """A real WordPress multisite network (Debian's packages) on loopback, as the portal."""
    from .sites.wordpress_network import WordPressNetwork
    network = WordPressNetwork(tmp_path_factory.mktemp("wp-network")).start()
    yield network
    network.stop()


def wordpress_portal_config(network, **extra) -> dict:
    """portal.yml's `portal:` for the network; the application password in a mode-600 file."""
    return {"adapter": "wordpress", "url": network.origin, "user": "quantri",
            "password_file": str(network.root / "app-password"), **extra}


@pytest.fixture
def pg_url():
    """The tests' PostgreSQL (started by scripts/postgres.sh from `make test`), emptied: tests
    share its one database, so each starts from no tables."""
    import sqlalchemy as sa

    url = os.environ.get("PORTALIZE_TEST_PG")
    if not url:
        pytest.fail("PORTALIZE_TEST_PG is not set: run the tests with `make test`, which starts PostgreSQL")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("drop schema public cascade; create schema public"))
    engine.dispose()
    return url
