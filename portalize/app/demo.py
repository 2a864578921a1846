"""The demo: the main job end to end on the bundled sample sites and the embedded portal."""
from __future__ import annotations

from ..core import config
from ..samples.server import SampleServer
from . import context
from .agencies import register
from .crawl import run_crawls
from .links import link
from .plan import apply, plan
from .progress import progress as progress_of
from .results import DemoResult
from .transform import transform


def demo(show=None, bar=None, live: bool = True) -> DemoResult:
    """Register, link, crawl, transform, plan and apply every bundled agency against the
    bundled sample sites. `show(step, title, result)` is called after each step (the CLI
    prints there); `bar` is a progress bar for the long steps."""
    def step(name, title, result):
        if show:
            show(name, title, result)
        return result

    with SampleServer() as server:
        step("samples", "1. Sample legacy sites", {host: server.url for host in server.origins})
        step("register", "2. Register agencies", register(all_=True, origins=server.origins))
        step("link", "3. Interim links on the portal", link(all_=True, origins=server.origins))
        registry = context.load()
        step("crawl", "4. Crawl", run_crawls(list(registry.agencies.values()), server.origins, progress=live))
    step("transform", "5. Transform", transform(all_=True, progress=bar))
    plans = step("plan", "6. Plan (dry run)", plan(all_=True))
    step("apply", "7. Apply", [apply(p.plan, bar) for p in plans if p.plan is not None])
    # Links between units are {{item:UID}} references, known only once their targets are loaded:
    # the units written before their targets get a second, small plan that resolves them.
    again = [p for p in plan(all_=True) if p.plan is not None and p.summary.get("update")]
    step("apply", "8. Links between units, resolved after apply", [apply(p.plan, bar) for p in again])
    step("progress", "9. Progress", progress_of())
    return DemoResult(plans=[p.plan for p in plans + again if p.plan is not None],
                      changes=sum(p.summary.get("create", 0) + p.summary.get("update", 0) for p in plans),
                      plan_reviews=str(config.var_dir() / "plans"), ledger=config.masked(config.ledger_url()),
                      portal=config.masked(_portal_url(registry)))


def _portal_url(registry) -> str:
    with context.portal_of(registry) as portal:
        return portal.url
