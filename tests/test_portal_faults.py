"""A real WordPress network behind a fault-injecting proxy: 429 and 503 answers (with
Retry-After), latency, and a create that lands but whose answer is lost (500). Apply retries
what the portal did not take, with backoff; stops with a clear message on the lost answer;
the same command then finds the post by its slug instead of creating it twice. A rate limit
from portal.yml caps the requests per second."""
from __future__ import annotations

import shutil

import pytest
import yaml
from click.testing import CliRunner

from portalize.cli import cli

from .conftest import ROOT, wordpress_portal_config
from .sites.fault_proxy import FaultProxy, Rule

pytestmark = pytest.mark.integration


def run(*args, code=0):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def _through(crawled, network, proxy, monkeypatch, **extra):
    root = crawled / "mappings"
    if not root.exists():
        shutil.copytree(ROOT / "mappings", root)
    config = yaml.safe_load((root / "portal.yml").read_text(encoding="utf-8"))
    config["portal"] = {**wordpress_portal_config(network), "connect_to": proxy.url, "backoff": 0.1, **extra}
    (root / "portal.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PORTALIZE_MAPPINGS", str(root))


def test_retries_backoff_and_a_lost_answer_through_a_faulty_proxy(crawled, wordpress_network, monkeypatch):
    network = wordpress_network
    network.create_site("stc", "Sở Tài chính")
    proxy = FaultProxy(network.origin, latency=0.02, rules=[
        Rule("POST", r"^/stc/wp-json/wp/v2/posts\?", 429, every=2, retry_after="1"),  # refused: retried after 1 s
        Rule("GET", r"^/stc/wp-json/wp/v2/", 503, every=4),  # refused reads: retried with backoff
        Rule("POST", r"^/stc/wp-json/wp/v2/posts\?", 500, every=3, times=1),  # landed, answer lost
    ]).start()
    try:
        _through(crawled, network, proxy, monkeypatch)
        run("transform", "stc", "-s")
        plan = run("plan", "stc", "--json")
        import json
        plan_id = json.loads(plan.output)["plan"]
        creates = json.loads(plan.output)["summary"]["create"]
        stopped = run("apply", str(plan_id), "--yes", "-s", code=1)
        assert "the portal answered HTTP 500 to POST" in stopped.output and "/stc/wp-json/wp/v2/posts" in stopped.output
        assert f"portalize apply {plan_id}" in stopped.output.replace("\n", " ")
        resumed = run("apply", str(plan_id), "--yes", "-s")
        assert "1 of them had been written to the portal by the stopped run" in resumed.output
        posts = network.all("/stc/wp-json/wp/v2/posts?context=edit&_fields=id,content")
        keys = [p["content"]["raw"].rsplit("<!-- portalize:item ", 1)[1].split()[0] for p in posts
                if "<!-- portalize:item " in p["content"]["raw"]]
        assert len(keys) == len(set(keys)) == creates  # none twice, none lost
        statuses = [status for _, _, _, status in proxy.log]
        assert statuses.count(429) >= 2 and statuses.count(503) >= 2 and statuses.count(500) == 1
    finally:
        proxy.stop()


def test_the_rate_limit_caps_requests_per_second(crawled, wordpress_network, monkeypatch):
    network = wordpress_network
    network.create_site("skhcn", "Sở Khoa học và Công nghệ")
    proxy = FaultProxy(network.origin).start()
    try:
        _through(crawled, network, proxy, monkeypatch, rate_limit=4)
        run("transform", "skhcn", "-s")
        import json
        plan_id = json.loads(run("plan", "skhcn", "--json").output)["plan"]
        run("apply", str(plan_id), "--yes", "-s")
        times = sorted(t for t, _, _, _ in proxy.log)
        assert len(times) > 12
        busiest = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)
        assert busiest <= 5, busiest  # 4 per second, +1 for a window's edges
    finally:
        proxy.stop()
