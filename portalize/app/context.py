"""What every use case starts from: the registry (with platforms detected at registration)
and the portal adapter."""
from __future__ import annotations

from contextlib import contextmanager

from ..core.errors import NoAgencySelected
from ..core.ledger import agencies as agency_store
from ..core.ledger.db import transaction
from ..core.registry import Registry, load_registry
from ..loaders.registry import open_portal


def load() -> Registry:
    """The mappings, with the platforms detected at registration for agencies that name none."""
    registry = load_registry()
    if all(a.platform_declared for a in registry.agencies.values()):
        return registry
    with transaction() as session:
        return registry.with_detected(agency_store.detected_platforms(session))


@contextmanager
def portal_of(registry: Registry):
    """The portal adapter, closed (its connections let go) when the use case is done."""
    portal = open_portal(registry.portal)
    try:
        yield portal
    finally:
        close = getattr(portal, "close", None)
        if close:
            close()


def select(registry: Registry, codes=(), all_: bool = False) -> list:
    """The agencies named, or every (valid) agency with `all_`."""
    if not codes and not all_:
        raise NoAgencySelected("No agency named.", "name one or more agencies, or pass --all "
                               "(`portalize agencies list` shows them)")
    return registry.select(list(codes), all_)


class NullBar:
    """A progress bar that shows nothing (library callers that pass none)."""

    def add_task(self, *args, **kwargs):
        return 0

    def advance(self, *args, **kwargs):
        return None

    def update(self, *args, **kwargs):
        return None
