"""Kill -9 an apply into a real WordPress network 20 times at random points, resuming each time
with the same command; then count the posts against the plan. WordPress has no upsert by
external key: what stops a second create is the intent recorded before each write and the post
found by its slug on resume. Lost and duplicated posts are both expected to be zero (run with
-s for the tally)."""
from __future__ import annotations

import os
import random
import sqlite3
from contextlib import closing

import pytest
import yaml

from portalize.samples.generated import HOST, generated_server

from .conftest import mappings_with_agency, run_portalize, wordpress_portal_config
from .sites.local import base_url, running
from .test_kill_tally import _count, _kill_at_random

pytestmark = pytest.mark.integration
ITEMS = 1000  # one category of the generated site
KILLS = 20


def test_twenty_kills_of_an_apply_into_wordpress_lose_and_duplicate_nothing(workspace, wordpress_network):
    root = mappings_with_agency(workspace, "so-lon", "Sở Lớn", "nukeviet", f"http://{HOST}/vi/")
    config = yaml.safe_load((root / "portal.yml").read_text(encoding="utf-8"))
    config["portal"] = wordpress_portal_config(wordpress_network)
    (root / "portal.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    wordpress_network.create_site("so-lon", "Sở Lớn")
    env_extra = {"PORTALIZE_MAPPINGS": str(root)}
    env = {**os.environ, **env_extra}
    env.pop("PYTHONWARNINGS", None)
    ledger = workspace / "var" / "portalize.db"
    with running(generated_server(ITEMS)) as server:
        run_portalize("crawl", "so-lon", "-s", "--origin", f"{HOST}={base_url(server)}", env_extra=env_extra, timeout=600)
    run_portalize("transform", "so-lon", "-s", env_extra=env_extra)
    planned = run_portalize("plan", "so-lon", "--accept-quality", "generated test site: no dates, no sections",
                            env_extra=env_extra)
    plan_id = planned.stdout.split("Plan ", 1)[1].split()[0]
    applied = lambda: _count(ledger, f"select count(*) from plan_entries where plan_id = {plan_id} "  # noqa: E731
                                     "and applied_at is not null")
    rng = random.Random(20220815)
    tally = {"apply": 0}
    attempts = 0
    while tally["apply"] < KILLS and attempts < 60:
        attempts += 1
        if not _kill_at_random(["apply", plan_id, "--yes", "-s"], env, applied, rng, tally, "apply", (0.0, 0.6)):
            break
    final = run_portalize("apply", plan_id, "--yes", "-s", env_extra=env_extra, timeout=600)

    posts = wordpress_network.all("/so-lon/wp-json/wp/v2/posts?context=edit&_fields=id,slug,content")
    keys = [p["content"]["raw"].rsplit("<!-- portalize:item ", 1)[1].split()[0] for p in posts
            if "<!-- portalize:item " in p["content"]["raw"]]
    with closing(sqlite3.connect(ledger)) as db:
        mapped = [uid for (uid,) in db.execute("select uid from id_map where agency = 'so-lon'")]
        recovered = db.execute("select count(*) from audit_log where action = 'create' "
                               "and json_extract(detail, '$.recovered')").fetchone()[0]
        creates = db.execute("select count(*) from plan_entries where plan_id = ? and action = 'create'",
                             (plan_id,)).fetchone()[0]
    lost = len(set(mapped) ^ set(keys)) + (creates - len(set(keys)))
    duplicated = (len(keys) - len(set(keys))) + (len(posts) - len(keys) - 1)  # one "Hello world" post of its own
    print(f"WordPress kill -9 tally: {tally['apply']} kills in {attempts} runs; planned {creates}, posts {len(keys)}, "
          f"found on resume and recorded {recovered}, lost {lost}, duplicated {duplicated}; last run: "
          f"{final.stdout.strip().splitlines()[-1]}")
    assert tally["apply"] == KILLS, tally
    assert creates == len(set(keys)) == len(mapped) and lost == 0 and duplicated == 0
