"""Masking every password form (issue 21, hole 11). A database password may be written as
`user:password@`, as a query parameter (`?password=`, `?sslpassword=`, `?pass=`, `?token=`...) or
in a libpq DSN (`host=... password=...`, quoted or not). Whatever the form, and whether the
database is the ledger (PORTALIZE_DB) or the embedded portal (PORTALIZE_PORTAL_DB), the password
never appears in what a command prints, nor in any file it leaves under var/ (logs, reports).

Before, `db status` and the portal-database error printed `?password=` in clear."""
from __future__ import annotations

from pathlib import Path

import pytest

from portalize.core.config import masked

from .conftest import _workspace_env, run_portalize
from .sites.local import closed_port



def _forms(host: str, port: int, user: str, database: str, secret: str) -> dict[str, str]:
    """Every way of writing `secret` as the password of one database."""
    base = f"postgresql+psycopg://{user}@{host}:{port}/{database}"
    return {
        "userinfo": f"postgresql+psycopg://{user}:{secret}@{host}:{port}/{database}",
        "?password=": f"{base}?password={secret}",
        "?sslpassword=": f"{base}?sslmode=prefer&sslpassword={secret}",
        "?pass=": f"{base}?pass={secret}",
        "?token=": f"{base}?token={secret}",
        "DSN": f"host={host} port={port} user={user} password={secret} dbname={database}",
        "DSN quoted": f"host={host} port={port} user={user} password='{secret} and more' dbname={database}",
    }


SECRET = "Zq7-hidden-Pw"


def test_the_masking_function_hides_every_form():
    for form, text in _forms("db.tinh.gov.vn", 5432, "portalize", "ledger", SECRET).items():
        shown = masked(text)
        assert SECRET not in shown and "***" in shown, (form, shown)
        assert "db.tinh.gov.vn" in shown, (form, shown)  # the rest still says which database
    for text in (f"could not open 'postgresql://u:{SECRET}@h/db?x=1': refused",
                 f"connection options: host=h password = '{SECRET}' user=u", f"mysql://u:{SECRET}@x@h/db"):
        assert SECRET not in masked(text), text
    assert masked("sqlite:////var/lib/portalize/ledger.db") == "sqlite:////var/lib/portalize/ledger.db"


def _everything_seen(result, workspace: Path) -> str:
    """stdout, stderr and every file the command left in the workspace."""
    seen = [result.stdout, result.stderr]
    for path in workspace.rglob("*"):
        if path.is_file():
            seen.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(seen)


# Every form goes through these; the two most common forms through every command below too.
COMMON = {"PORTALIZE_DB": (["db", "status"], ["progress"]), "PORTALIZE_PORTAL_DB": (["progress"], ["plan", "stnmt"])}
MORE = {"PORTALIZE_DB": (["status", "stnmt", "--refresh"], ["crawl", "stnmt", "-s", "--origin", "{origin}"]),
        "PORTALIZE_PORTAL_DB": (["portal", "serve", "--port", "0"], ["links", "register", "stnmt", "--force"])}


@pytest.mark.integration
@pytest.mark.parametrize("form", list(_forms("h", 1, "u", "d", SECRET)))
def test_no_command_shows_the_password_of_an_unreachable_database(tmp_path, form):
    port = closed_port()
    url = _forms("127.0.0.1", port, "portalize", "ledger", SECRET)[form]
    env = _workspace_env(tmp_path)
    runs = [(role, command) for role, commands in COMMON.items() for command in commands]
    if form in ("userinfo", "?password="):
        runs += [(role, command) for role, commands in MORE.items() for command in commands]
    for role, command in runs:
        command = [part.format(origin=f"stnmt.tinhmau.gov.vn=http://127.0.0.1:{port}") for part in command]
        result = run_portalize(*command, check=False, env_extra={**env, role: url}, timeout=120)
        seen = _everything_seen(result, tmp_path)
        assert SECRET not in seen, (form, role, command, seen[-2000:])
        assert result.returncode != 0 and "Traceback" not in result.stderr, (role, command, result.stderr)
        assert "  Next: " in result.stderr, (role, command, result.stderr)
        assert "***" in result.stderr, (role, command, result.stderr)  # the database is still named


@pytest.mark.postgres
@pytest.mark.integration
def test_no_command_shows_the_password_of_a_database_that_works(tmp_path, pg_url):
    """The PostgreSQL of the tests (trust login: any password is taken), as ledger and as portal,
    with the password in the URL and in its query: the commands work, and the password is never
    shown."""
    from sqlalchemy.engine import make_url

    url = make_url(pg_url)  # an empty database: earlier tests may have left tables of theirs
    forms = _forms(url.host, url.port, url.username, url.database, SECRET)
    env = _workspace_env(tmp_path)
    for form in ("userinfo", "?password="):
        for role, commands in (("PORTALIZE_DB", (["db", "status"], ["agencies", "register", "stnmt"], ["progress"])),
                               ("PORTALIZE_PORTAL_DB", (["progress"], ["links", "register", "stnmt", "--force"]))):
            for command in commands:
                result = run_portalize(*command, check=False, env_extra={**env, role: forms[form]}, timeout=120)
                assert result.returncode == 0, (form, role, command, result.stdout, result.stderr)
                assert SECRET not in _everything_seen(result, tmp_path), (form, role, command)
        shown = run_portalize("db", "status", env_extra={**env, "PORTALIZE_DB": forms[form]}).stdout
        assert f"{url.host}:{url.port}/{url.database}" in shown and "***" in shown
