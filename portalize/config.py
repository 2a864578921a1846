"""Where things live. Every path can be moved with an environment variable."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def mappings_dir() -> Path:
    return Path(os.environ.get("PORTALIZE_MAPPINGS", ROOT / "mappings"))


def var_dir() -> Path:
    path = Path(os.environ.get("PORTALIZE_VAR", ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def ledger_url() -> str:
    return os.environ.get("PORTALIZE_DB") or f"sqlite:///{var_dir() / 'portalize.db'}"


def resolve_sqlite_url(url: str) -> str:
    """A relative sqlite path in a mapping file: `var/...` is taken in the var directory
    (PORTALIZE_VAR, whatever its name), anything else under the project root."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        relative = url[len(prefix):]
        if relative.startswith("var/"):
            return prefix + str(var_dir() / relative[len("var/"):])
        return prefix + str(ROOT / relative)
    return url
