"""`portalize demo` end to end, twice: the second run plans no changes and duplicates nothing."""
import sqlite3

import pytest

from .conftest import _workspace_env, run_portalize

pytestmark = pytest.mark.integration


def test_demo_runs_and_is_idempotent(tmp_path):
    env = _workspace_env(tmp_path)
    first = run_portalize("demo", "-s", env_extra=env)
    # 35 articles, one of them quarantined (the commune site's injected spam): never loaded.
    assert "34 changes planned" in first.stdout
    assert "applied plan 4 (stnmt): 7 created" in first.stdout
    assert "HTML plan reviews:" in first.stdout and "Portal database:" in first.stdout
    second = run_portalize("demo", "-s", env_extra=env)
    assert "0 changes planned" in second.stdout
    assert "0 create, 0 update, 7 unchanged" in second.stdout
    portal = sqlite3.connect(tmp_path / "var" / "portal.db")
    assert portal.execute("select count(*), count(distinct external_key) from items").fetchone() == (34, 34)
    assert portal.execute("select count(*) from links").fetchone() == (6,)
    assert portal.execute("select count(*) from media").fetchone() == (17,)  # 16 linked files + 1 pasted image
