"""Choosing and opening the portal adapter from mappings/portal.yml."""
from __future__ import annotations

import os

from portalize.core.config import resolve_sqlite_url
from portalize.core.errors import MappingError


def portal_database(portal_config: dict) -> str:
    """The embedded portal's database URL: PORTALIZE_PORTAL_DB, else portal.url of portal.yml."""
    return os.environ.get("PORTALIZE_PORTAL_DB") or resolve_sqlite_url(portal_config.get("url", "sqlite:///var/portal.db"))


def open_portal(portal_config: dict):
    adapter = portal_config.get("adapter", "sql")
    if adapter == "sql":
        from .sql_portal import SqlPortal
        return SqlPortal(portal_database(portal_config), portal_config.get("base_url", "https://portal.example"))
    raise MappingError([f"mappings/portal.yml:portal.adapter: unknown adapter {adapter!r}; valid: sql"])


def serve_front(portal_config: dict, host: str, port: int, ready=None) -> None:
    """Serve the embedded portal's read-only web front until interrupted."""
    if portal_config.get("adapter", "sql") != "sql":
        raise MappingError([f"mappings/portal.yml:portal.adapter: `portal serve` shows the embedded `sql` portal, "
                            f"not {portal_config.get('adapter')!r}"])
    from .sql_portal.web import serve
    serve(portal_database(portal_config), portal_config.get("base_url", "https://portal.example"),
          portal_config.get("name", "Cổng thông tin điện tử"), host, port, ready)
