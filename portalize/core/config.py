"""Where things live. Nothing is looked for beside the installed code, so a wheel, an
editable checkout and a Scrapyd egg behave the same:

- mappings: `PORTALIZE_MAPPINGS`, else `./mappings` in the working directory, else the
  defaults bundled with the package (`portalize.mappings`, read through importlib.resources);
- var (ledger, reports, plans, logs): `PORTALIZE_VAR`, else `./var` in the working directory;
- ledger: `PORTALIZE_DB` (any SQLAlchemy URL), else `var/portalize.db`.
"""
from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def bundled_mappings() -> Path:
    """The mappings shipped inside the package (the province's defaults and the samples)."""
    return Path(str(resources.files("portalize.mappings")))


def mappings_dir() -> Path:
    if os.environ.get("PORTALIZE_MAPPINGS"):
        return Path(os.environ["PORTALIZE_MAPPINGS"])
    local = Path.cwd() / "mappings"
    if (local / "agencies").is_dir():
        return local
    return bundled_mappings()


def var_dir() -> Path:
    path = Path(os.environ.get("PORTALIZE_VAR") or Path.cwd() / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def ledger_url() -> str:
    return os.environ.get("PORTALIZE_DB") or f"sqlite:///{var_dir() / 'portalize.db'}"


def resolve_sqlite_url(url: str) -> str:
    """A relative sqlite path in a mapping file: `var/...` is taken in the var directory
    (PORTALIZE_VAR, whatever its name), anything else under the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        relative = url[len(prefix):]
        if relative.startswith("var/"):
            return prefix + str(var_dir() / relative[len("var/"):])
        return prefix + str(Path.cwd() / relative)
    return url


def sqlite_file(url: str | None) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    if not url or not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return None
    return Path(url.removeprefix("sqlite:///"))


def free_bytes(url: str | None) -> int | None:
    """Room left on the disk that holds a SQLite database (None when unknown)."""
    import shutil

    path = sqlite_file(url)
    try:
        return shutil.disk_usage(path.parent).free if path else None
    except OSError:
        return None


# Names under which a secret travels in a URL's query or a libpq DSN (password, sslpassword,
# passwd, pwd, client_secret, access_token, api_key...).
_SECRET_NAME = r"[A-Za-z_]*(?:password|passwd|pass|pwd|secret|token|api_?key)"
# userinfo: up to the last @ before the path (an unescaped @ in a password is read either way)
_USERINFO = re.compile(r"(\b[A-Za-z][\w+.-]*://[^:/?#@\s]*):[^@\s]*@(?:[^/?#@\s]*@)*")
_QUERY_SECRET = re.compile(rf"([?&;]{_SECRET_NAME}=)[^&#\s]*", re.IGNORECASE)
_DSN_SECRET = re.compile(rf"(?<![?&;\w])({_SECRET_NAME}\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s'][^\s]*)", re.IGNORECASE)


def masked(text: str | None) -> str | None:
    """A database URL, a DSN or a message holding either, fit to show: every password replaced
    by ***, whether it is written as `user:password@`, as a query parameter (`?password=`,
    `sslpassword=`, `token=`...) or as a libpq `password=...` (quoted or not)."""
    if not text:
        return text
    shown = str(text)
    try:
        from sqlalchemy.engine import make_url
        shown = make_url(shown).render_as_string(hide_password=True)
    except Exception:  # not a database URL (a DSN, a message): the patterns below do it
        pass
    shown = _USERINFO.sub(r"\1:***@", shown)
    shown = _QUERY_SECRET.sub(r"\1***", shown)
    return _DSN_SECRET.sub(r"\1***", shown)
