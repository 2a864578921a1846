"""The demo: the main job end to end on the bundled sample sites and the embedded portal."""
from __future__ import annotations

from . import config


def run_demo(console, silent: bool = False) -> None:
    from .cli import _apply, _link, _plan_migrating, _portal, _print_crawl, _progress, _register, _registry, _transform
    from .crawl import run_crawls
    from .samples.server import SampleServer

    registry = _registry()
    agencies = list(registry.agencies.values())
    portal = _portal(registry)
    with SampleServer() as server:
        console.rule("1. Sample legacy sites")
        for host in server.origins:
            console.print(f"serving {host} at {server.url}", markup=False)
        console.rule("2. Register agencies")
        _register(registry, agencies, server.origins)
        console.rule("3. Interim links on the portal")
        _link(agencies, portal)
        console.rule("4. Crawl")
        _print_crawl(run_crawls(agencies, server.origins, progress=not silent))
    console.rule("5. Transform")
    _transform(registry, agencies, silent)
    console.rule("6. Plan (dry run)")
    plans = _plan_migrating(registry, portal, agencies)
    console.rule("7. Apply")
    for plan in plans:
        _apply(registry, portal, plan.id, silent)
    console.rule("8. Progress")
    _progress(registry, portal)
    changes = sum(p.summary["create"] + p.summary["update"] for p in plans)
    console.print(f"Plans made in this run: {', '.join(str(p.id) for p in plans)} — {changes} changes planned.",
                  markup=False)
    console.print(f"HTML plan reviews: {config.var_dir() / 'plans'}", markup=False)
    console.print(f"Ledger: {config.ledger_url()}", markup=False)
    console.print(f"Portal database: {portal.url}", markup=False)
