"""No traceback for any input (issue 21, hole 10): a mapping file nested hundreds of levels deep,
`status --refresh` or `verify` for an agency never registered, and a PostgreSQL ledger that is
unreachable or refuses the login each end in one message with a `Next:` line, through the real
command in a subprocess."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from .conftest import _workspace_env, run_portalize
from .sites.local import closed_port

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PORTALIZE_TEST_PG")


def _one_message(result, *expected: str) -> str:
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out and "RecursionError" not in out, out
    assert "  Next: " in result.stderr, out
    for text in expected:
        assert text in out, out
    return out


def _mappings(tmp_path: Path) -> Path:
    root = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    return root


AGENCY = "code: sau\nname: Sở Sâu\nlevel: department\nlegacy: {base_urls: ['http://sau.tinhmau.gov.vn/']}\n" \
         "target: {subsite: Sở Sâu, path: /web/sau}\n"
DEEP = {
    "flow lists": "overrides: " + "[" * 500 + "]" * 500 + "\n",
    "flow mappings": "overrides: " + "{a: " * 500 + "1" + "}" * 500 + "\n",
    "block mappings": "overrides:\n" + "".join(" " * i + "a:\n" for i in range(1, 501)),
    "block lists": "overrides:\n  " + "- " * 500 + "x\n",
    "alias chains": "".join(f"l{i}: &l{i} " + "[" * 30 + (f"*l{i - 1}" if i else "x") + "]" * 30 + "\n"
                            for i in range(40)),
    "an alias inside itself": "overrides: &a [*a]\n",
}


@pytest.mark.parametrize("shape", DEEP)
def test_a_mapping_file_nested_500_levels_deep_is_a_file_key_message(tmp_path, shape):
    root = _mappings(tmp_path)
    (root / "agencies" / "sau.yml").write_text(AGENCY + DEEP[shape], encoding="utf-8")
    env = {**_workspace_env(tmp_path), "PORTALIZE_MAPPINGS": str(root)}
    out = _one_message(run_portalize("agencies", "validate", check=False, env_extra=env),
                       "mappings/agencies/sau.yml:", "not valid YAML")
    assert "deeper than" in out or "holds it" in out or "expand past" in out
    # Every other command goes on without that agency (one warning, no traceback).
    other = run_portalize("agencies", "list", check=False, env_extra=env)
    assert other.returncode == 0 and "Traceback" not in other.stderr
    assert "sau.yml is left out until it is fixed" in other.stderr and "stnmt" in other.stdout


def test_a_portal_file_nested_500_levels_deep_stops_every_command_with_a_message(tmp_path):
    root = _mappings(tmp_path)
    (root / "portal.yml").write_text((root / "portal.yml").read_text(encoding="utf-8")
                                     + "extra: " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    env = {**_workspace_env(tmp_path), "PORTALIZE_MAPPINGS": str(root)}
    for command in (["agencies", "list"], ["progress"], ["status", "stnmt", "--refresh"]):
        _one_message(run_portalize(*command, check=False, env_extra=env), "mappings/portal.yml:line ")


@pytest.mark.parametrize("command", [["status", "stnmt", "--refresh"], ["verify", "stnmt"]])
def test_an_agency_never_registered_is_named_with_the_command_that_registers_it(tmp_path, command):
    env = _workspace_env(tmp_path)
    _one_message(run_portalize(*command, check=False, env_extra=env),
                 "agency stnmt is not registered in the ledger yet", "Next: run `portalize agencies register stnmt`")


def test_status_refresh_of_every_agency_skips_those_not_registered(tmp_path):
    env = _workspace_env(tmp_path)
    run_portalize("agencies", "register", "xa-hoaxuan", env_extra=env)
    result = run_portalize("status", "--all", "--refresh", "--json", "--origin",
                           f"hoaxuan.tinhmau.gov.vn=http://127.0.0.1:{closed_port()}", check=False, env_extra=env,
                           timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert '"xa-hoaxuan"' in result.stdout and '"stnmt"' not in result.stdout


LEDGER_COMMANDS = (["progress"], ["db", "status"], ["agencies", "register", "stnmt"], ["plan", "stnmt"])


@pytest.mark.parametrize("command", LEDGER_COMMANDS)
def test_an_unreachable_postgresql_ledger_is_one_message_on_every_command(tmp_path, command):
    url = f"postgresql+psycopg://portalize:geheim@127.0.0.1:{closed_port()}/ledger"
    env = {**_workspace_env(tmp_path), "PORTALIZE_DB": url}
    out = _one_message(run_portalize(*command, check=False, env_extra=env), "cannot connect to the ledger",
                       "Connection refused")
    assert "geheim" not in out


def test_a_ledger_url_that_is_no_database_url_is_one_message(tmp_path):
    env = {**_workspace_env(tmp_path), "PORTALIZE_DB": "host=127.0.0.1 dbname=ledger"}
    _one_message(run_portalize("progress", check=False, env_extra=env),
                 "PORTALIZE_DB is not a database URL portalize can open")


@pytest.mark.postgres
@pytest.mark.integration
def test_a_postgresql_ledger_that_refuses_the_password_is_one_message(tmp_path):
    """A role with a password (scram-sha-256 for that role only, on the test server); the wrong
    password is one message naming the ledger, the right one works."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    if not PG_URL:
        pytest.fail("PORTALIZE_TEST_PG is not set: run the tests with `make test`, which starts PostgreSQL")
    engine = sa.create_engine(PG_URL)
    with engine.begin() as connection:
        hba = Path(connection.execute(sa.text("SHOW hba_file")).scalar())
        connection.execute(sa.text("DROP ROLE IF EXISTS portalize_pw"))
        connection.execute(sa.text("CREATE ROLE portalize_pw LOGIN PASSWORD 'the-right-one'"))
    original = hba.read_text()
    hba.write_text("host all portalize_pw 127.0.0.1/32 scram-sha-256\n" + original)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("SELECT pg_reload_conf()"))
        base = make_url(PG_URL).set(username="portalize_pw")
        env = _workspace_env(tmp_path)
        wrong = base.set(password="wrong-pass-word").render_as_string(hide_password=False)
        for command in LEDGER_COMMANDS:
            out = _one_message(run_portalize(*command, check=False, env_extra={**env, "PORTALIZE_DB": wrong}),
                               "cannot connect to the ledger", "password authentication failed")
            assert "wrong-pass-word" not in out
        right = base.set(password="the-right-one").render_as_string(hide_password=False)
        result = run_portalize("db", "status", check=False, env_extra={**env, "PORTALIZE_DB": right})
        assert "password authentication failed" not in result.stderr and "Traceback" not in result.stderr
    finally:
        hba.write_text(original)
        with engine.begin() as connection:
            connection.execute(sa.text("SELECT pg_reload_conf()"))
            connection.execute(sa.text("DROP ROLE IF EXISTS portalize_pw"))
        engine.dispose()


@pytest.mark.integration
def test_an_apply_batch_that_is_no_whole_number_is_a_message_and_nothing_is_lost(crawled):
    """PORTALIZE_APPLY_BATCH=nan used to end `apply` in a ValueError traceback; the same plan
    then applies once the setting is mended."""
    env = _workspace_env(crawled)
    run_portalize("transform", "stnmt", "-s", env_extra=env)
    plan_id = str(json.loads(run_portalize("plan", "stnmt", "--json", env_extra=env).stdout)["plan"])
    for value in ("nan", "inf", "2.5", "-1", "0", "true", "many"):
        refused = run_portalize("apply", plan_id, "--yes", "-s", env_extra={**env, "PORTALIZE_APPLY_BATCH": value},
                                check=False)
        _one_message(refused, "PORTALIZE_APPLY_BATCH", repr(value))
    applied = run_portalize("apply", plan_id, "--yes", "-s", env_extra=env)
    assert "7 created" in applied.stdout + applied.stderr
