"""Choosing and opening the portal adapter from mappings/portal.yml."""
from __future__ import annotations

import os

from portalize.core.config import resolve_sqlite_url
from portalize.core.errors import MappingError


def open_portal(portal_config: dict):
    adapter = portal_config.get("adapter", "sql")
    if adapter == "sql":
        from .sql_portal import SqlPortal
        url = os.environ.get("PORTALIZE_PORTAL_DB") or resolve_sqlite_url(portal_config.get("url", "sqlite:///var/portal.db"))
        return SqlPortal(url, portal_config.get("base_url", "https://portal.example"))
    raise MappingError([f"mappings/portal.yml:portal.adapter: unknown adapter {adapter!r}; valid: sql"])
