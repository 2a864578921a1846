"""Interim links: first a link to each unit's existing site (after checking that it answers),
then switched to the unit's subsite once its content is loaded, or removed."""
from __future__ import annotations

from ..core.errors import DeadSite, FetchFailed
from ..core.ledger import idmap
from ..core.ledger.db import transaction
from ..crawlers.fetch import fetch_page
from ..loaders.links import register_link, remove_link, switch_link
from . import context
from .results import LinkResult


def _answers(agency, origins: dict | None) -> str | None:
    """None when the legacy site's home answers; else why not."""
    try:
        page = fetch_page(agency.base_urls[0], origins, agency.hosts, obey_robots=False,
                          allow_private=agency.local_test_host)
    except FetchFailed as exc:
        return exc.message
    if page.status >= 400:
        return f"{agency.base_urls[0]} answered HTTP {page.status}"
    return None


def link(codes=(), all_: bool = False, origins: dict | None = None, force: bool = False) -> list[LinkResult]:
    """Put (or refresh) one link per agency to its legacy site; idempotent. A site that does
    not answer gets no link (DeadSite names it), unless `force`."""
    registry = context.load()
    results, dead = [], []
    with context.portal_of(registry) as portal:
        for agency in context.select(registry, codes, all_):
            problem = None if force else _answers(agency, origins)
            if problem:
                dead.append(f"{agency.code}: {problem}")
                continue
            url, created = register_link(agency, portal)
            results.append(LinkResult(agency=agency.code, url=url, created=created))
    if dead:
        done = f" ({len(results)} other link(s) were put on the portal)" if results else ""
        raise DeadSite("No link was put on the portal for a legacy site that does not answer: " + "; ".join(dead) + done,
                       "check the address in mappings/agencies/CODE.yml (or pass --origin HOST=URL); to link it "
                       "anyway, `portalize links register CODE --force`")
    return results


def switch(codes=(), all_: bool = False, force: bool = False) -> list[LinkResult]:
    """Point each agency's link at its subsite on the portal. Refused for a unit with nothing
    loaded yet, unless `force`."""
    registry = context.load()
    results = []
    with context.portal_of(registry) as portal:
        base = registry.portal.get("base_url", "").rstrip("/")
        for agency in context.select(registry, codes, all_):
            with transaction() as session:
                loaded = idmap.loaded_count(session, agency.code)
            if not loaded and not force:
                raise DeadSite(f"{agency.code} has nothing loaded on the portal yet: its link still goes to the legacy "
                               "site.", f"apply a plan first (`portalize plan {agency.code}`), or `portalize links "
                               f"switch {agency.code} --force`")
            url, old = switch_link(agency, portal, subsite_address(portal, base, agency))
            results.append(LinkResult(agency=agency.code, url=url, created=old is None))
    return results


def subsite_address(portal, base: str, agency) -> str:
    handle = portal.find_subsite(agency.subsite_path, agency.subsite_name, agency.subsite_path)
    if isinstance(handle, str) and handle.startswith(("http://", "https://")):
        return handle + "/"
    return f"{base}/{agency.subsite_path.strip('/')}"


def unlink(codes=(), all_: bool = False) -> list[LinkResult]:
    """Take each agency's link off the portal (a unit merged away, or archived)."""
    registry = context.load()
    with context.portal_of(registry) as portal:
        out = []
        for agency in context.select(registry, codes, all_):
            old = remove_link(agency, portal)
            out.append(LinkResult(agency=agency.code, url=old or "", created=False))
        return out
