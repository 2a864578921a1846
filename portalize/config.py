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
    """A relative sqlite path in a mapping file is taken under the var directory's parent."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        relative = url[len(prefix):]
        base = var_dir().parent if relative.startswith("var/") else ROOT
        return prefix + str(base / relative)
    return url
