"""Kill -9 at random points of crawl, transform and apply, 30 times in all (ten in each step),
resuming each time with the same command; then count what the portal holds against the site:
lost items and duplicated items, both expected to be zero. The tally is printed (run with -s)."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from contextlib import closing

import pytest

from portalize.samples.generated import HOST, generated_server

from .conftest import PORTALIZE, ROOT, mappings_with_agency, run_portalize
from .sites.local import base_url, running

pytestmark = pytest.mark.integration
ITEMS = 1000
KILLS_PER_STEP = 10


@pytest.fixture
def generated_site():
    with running(generated_server(ITEMS)) as server:
        yield base_url(server)


def _count(path, query) -> int:
    try:
        with closing(sqlite3.connect(path, timeout=5)) as db:
            return db.execute(query).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _kill_at_random(command, env, progress, rng: random.Random, tally: dict, step: str, within: tuple) -> bool:
    """Start `command`, wait until its work shows (`progress()` grew; None: the step commits
    only at its end, so the wait is by time alone), then a random delay within `within`
    seconds, and SIGKILL it. False when it finished before the kill landed."""
    start = progress() if progress else None
    proc = subprocess.Popen([*PORTALIZE, *command], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while progress and proc.poll() is None and progress() == start and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(*within))
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    tally[step] += 1
    return True


def test_thirty_kills_across_crawl_transform_and_apply_lose_and_duplicate_nothing(workspace, generated_site):
    root = mappings_with_agency(workspace, "so-lon", "Sở Lớn", "nukeviet", f"http://{HOST}/vi/")
    env = {**os.environ, "PORTALIZE_MAPPINGS": str(root)}
    env.pop("PYTHONWARNINGS", None)
    ledger, portal = workspace / "var" / "portalize.db", workspace / "var" / "portal.db"
    rng = random.Random(20260815)
    tally = {"crawl": 0, "transform": 0, "apply": 0}
    steps = {
        "crawl": (["crawl", "so-lon", "-s", "--origin", f"{HOST}={generated_site}", "-S", "CONCURRENT_REQUESTS=4"],
                  lambda: _count(ledger, "select count(*) from pages"), (0.0, 1.2)),
        # A transform commits its rows as it goes but reads the whole agency again when re-run:
        # killed anywhere from its start-up to its last pages.
        "transform": (["transform", "so-lon", "-s"], None, (0.8, 3.0)),
    }
    for step, (command, progress, within) in steps.items():
        attempts = 0
        while tally[step] < KILLS_PER_STEP and attempts < 40:
            attempts += 1
            if not _kill_at_random(command, env, progress, rng, tally, step, within) and step == "crawl":
                break  # finished before the kill: the crawl is done (a transform is simply run again)
        run_portalize(*command, env_extra={"PORTALIZE_MAPPINGS": str(root)}, timeout=600)  # resumed to the end
    planned = run_portalize("plan", "so-lon", "--accept-quality", "generated test site: no dates, no sections",
                            env_extra={"PORTALIZE_MAPPINGS": str(root)})
    plan_id = planned.stdout.split("Plan ", 1)[1].split()[0]
    applied = lambda: _count(ledger, f"select count(*) from plan_entries where plan_id = {plan_id} "  # noqa: E731
                                     "and applied_at is not null")
    # Two applies of one plan at once: the second names the first and writes nothing.
    first = subprocess.Popen([*PORTALIZE, "apply", plan_id, "--yes", "-s"], cwd=ROOT,
                             env={**env, "PORTALIZE_APPLY_BATCH": "25"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while first.poll() is None and applied() == 0 and time.time() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGSTOP)  # held mid-run (its lease alive) while the second one starts
    assert first.poll() is None, "the first apply finished before it could be held"
    second = run_portalize("apply", plan_id, "--yes", "-s", env_extra={"PORTALIZE_MAPPINGS": str(root)}, check=False)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"plan {plan_id} (so-lon) is being applied by pid {first.pid} on" in second.stderr
    tally["apply"] += 1
    attempts = 0
    while tally["apply"] < KILLS_PER_STEP and attempts < 40:
        attempts += 1
        # Apply records a batch of entries per transaction (10 here, 100 by default: the same code)
        # and writes 1,000 small items in well under a second: killed 0-50 ms after a batch lands.
        if not _kill_at_random(["apply", plan_id, "--yes", "-s"], {**env, "PORTALIZE_APPLY_BATCH": "10"}, applied,
                               rng, tally, "apply", (0.0, 0.05)):
            if applied() == 1000 and tally["apply"] < KILLS_PER_STEP:
                pytest.fail(f"apply finished after {tally['apply']} kills")
            continue
    run_portalize("apply", plan_id, "--yes", "-s", env_extra={"PORTALIZE_MAPPINGS": str(root)}, timeout=600)

    expected = {f"http://{HOST}/vi/news/c0/bai-0-{i}.html" for i in range(ITEMS)}
    with closing(sqlite3.connect(ledger)) as db:
        mapped = [url for (url,) in db.execute("select source_url from id_map where agency = 'so-lon'")]
        stored = db.execute("select count(*), count(distinct url) from pages where agency = 'so-lon'").fetchone()
    with closing(sqlite3.connect(portal)) as db:
        on_portal, distinct_keys = db.execute("select count(*), count(distinct external_key) from items").fetchone()
    lost = len(expected - set(mapped))
    duplicated = (on_portal - distinct_keys) + (len(mapped) - len(set(mapped))) + (stored[0] - stored[1])
    print(f"kill -9 tally: {tally} ({sum(tally.values())} kills); items expected {ITEMS}, on the portal {on_portal}, "
          f"lost {lost}, duplicated {duplicated}")
    assert sum(tally.values()) == 3 * KILLS_PER_STEP, tally
    assert lost == 0 and duplicated == 0
    assert on_portal == ITEMS
