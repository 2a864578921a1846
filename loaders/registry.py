"""Choosing and opening the portal adapter from mappings/portal.yml. Adapters are plugins:
found by name among the `portalize.portals` entry points (sql and wordpress ship with
portalize; a province's package adds its own), or by class path (`package.module:Class`)."""
from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points

from portalize.core.config import resolve_sqlite_url
from portalize.core.errors import MappingError

from .base import CAPABILITIES

GROUP = "portalize.portals"


def portal_database(portal_config: dict) -> str:
    """The embedded portal's database URL: PORTALIZE_PORTAL_DB, else portal.url of portal.yml."""
    return os.environ.get("PORTALIZE_PORTAL_DB") or resolve_sqlite_url(portal_config.get("url", "sqlite:///var/portal.db"))


def adapter_class(name: str):
    if ":" in name:
        module, _, attribute = name.partition(":")
        try:
            return getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise MappingError([f"mappings/portal.yml:portal.adapter: cannot load {name!r} ({exc})"]) from exc
    found = {e.name: e for e in entry_points(group=GROUP)}
    if name not in found:
        valid = ", ".join(sorted(found)) or "none installed"
        raise MappingError([f"mappings/portal.yml:portal.adapter: unknown adapter {name!r}; valid: {valid} "
                            "(or a class path, package.module:Class)"])
    return found[name].load()


def open_portal(portal_config: dict):
    name = portal_config.get("adapter", "sql")
    cls = adapter_class(name)
    if name == "sql" or getattr(cls, "name", None) == "sql":
        portal = cls(portal_database(portal_config), portal_config.get("base_url", "https://portal.example"))
    else:
        portal = cls(portal_config)
    unknown = set(getattr(portal, "capabilities", ())) - set(CAPABILITIES)
    if unknown:
        raise MappingError([f"mappings/portal.yml:portal.adapter: {name} declares unknown capabilities "
                            f"{sorted(unknown)}; known: {', '.join(CAPABILITIES)}"])
    return portal


def serve_front(portal_config: dict, host: str, port: int, ready=None) -> None:
    """Serve the embedded portal's read-only web front until interrupted."""
    if portal_config.get("adapter", "sql") != "sql":
        raise MappingError([f"mappings/portal.yml:portal.adapter: `portal serve` shows the embedded `sql` portal, "
                            f"not {portal_config.get('adapter')!r}"])
    from .sql_portal.adapter import SqlPortal
    from .sql_portal.web import serve
    SqlPortal(portal_database(portal_config)).close()  # a wrong URL or a database down: its message, first
    serve(portal_database(portal_config), portal_config.get("base_url", "https://portal.example"),
          portal_config.get("name", "Cổng thông tin điện tử"), host, port, ready)
