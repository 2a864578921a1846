"""Interim links: before anything is converted, the portal links to each unit's existing site."""
from __future__ import annotations

from ..loaders.links import register_links
from . import context
from .results import LinkResult


def link(codes=(), all_: bool = False) -> list[LinkResult]:
    """Put (or refresh) one link per agency on the portal; idempotent."""
    registry = context.load()
    with context.portal_of(registry) as portal:
        return [LinkResult(agency=code, url=url, created=created)
                for code, url, created in register_links(context.select(registry, codes, all_), portal)]
