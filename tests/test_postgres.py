"""The ledger on a real PostgreSQL (started by scripts/postgres.sh from `make test`)."""

import pytest
import sqlalchemy as sa

from .conftest import _workspace_env, run_portalize

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


def test_batch_and_apply_with_a_postgres_ledger(tmp_path, pg_url, sample_server):
    env = {**_workspace_env(tmp_path), "PORTALIZE_DB": pg_url}
    origins = [a for h, u in sample_server.origins.items() for a in ("--origin", f"{h}={u}")]
    first = run_portalize("batch", "--all", "--apply", "-s", *origins, env_extra=env)
    assert "applied plan 4 (stnmt): 7 created" in first.stdout
    # The commune's site carries an article with injected SEO spam: quarantined, a skip.
    assert "applied plan 5 (xa-hoaxuan): 6 created, 0 updated, 0 unchanged, 1 skipped" in first.stdout
    assert "applied plan 1 (sgddt): 6 created" in first.stdout
    second = run_portalize("batch", "--all", "--apply", "-s", *origins, env_extra=env)
    assert "for xa-hoaxuan: 0 create, 0 update, 6 unchanged, 1 skip" in second.stdout, second.stdout
    # Left with nothing to write by that apply, a unit is re-planned from its settlement.
    third = run_portalize("plan", "xa-hoaxuan", env_extra=env)
    assert "0 create, 0 update, 6 unchanged, 1 skip" in third.stdout, third.stdout
    assert "nothing moved since the agency was recorded as settled" in third.stdout
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        from alembic.script import ScriptDirectory

        from portalize.core.ledger.db import alembic_config
        head = ScriptDirectory.from_config(alembic_config(pg_url)).get_current_head()
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() == head
        assert conn.execute(sa.text("select count(*) from id_map")).scalar() == 34
        assert conn.execute(sa.text("select count(*) from pages where status = 200")).scalar() == 86
        events = dict(conn.execute(sa.text("select event, count(*) from agency_events group by event")).all())
    engine.dispose()
    assert events["crawled"] == 12 and events["loaded"] == 12 and events["registered"] == 6


def test_long_content_types_are_kept_and_agency_texts_are_checked_against_the_column_sizes(tmp_path, pg_url):
    """A 250-character Content-Type is stored on PostgreSQL (it was varchar(200): the page was
    lost while the crawl said finished); a code over 64 or a name over 300 characters is refused
    by `agencies validate`, naming the limit, instead of a traceback at `register`."""
    from .conftest import mappings_with_agency
    from .sites.local import html_handler, serving

    long_type = "text/html; charset=utf-8; profile=" + "a" * 216
    site = html_handler(lambda path: "<html><body><h1>Tin tức</h1><p>Nội dung.</p></body></html>", long_type)
    with serving(site) as server:
        root = mappings_with_agency(tmp_path, "so-dai", "Sở Dài", "generic", "http://sodai.tinhmau.gov.vn/")
        env = {**_workspace_env(tmp_path), "PORTALIZE_DB": pg_url, "PORTALIZE_MAPPINGS": str(root)}
        run_portalize("crawl", "so-dai", "-s", "--origin", f"sodai.tinhmau.gov.vn=http://127.0.0.1:{server.server_address[1]}",
                      env_extra=env)
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select content_type from pages where agency = 'so-dai' and status = 200")).scalars().all()
    engine.dispose()
    assert stored and set(stored) == {long_type} and len(long_type) == 250

    code = "so-" + "x" * 67
    (root / "agencies" / f"{code}.yml").write_text(
        f"code: {code}\nname: {'Đơn vị ' * 50}\nlevel: department\nplatform: generic\n"
        "legacy: {base_urls: ['http://dai.tinhmau.gov.vn/'], hosts: [dai.tinhmau.gov.vn]}\n"
        "target: {subsite: Dài, path: /web/dai}\n", encoding="utf-8")
    checked = run_portalize("agencies", "validate", env_extra=env, check=False)
    assert checked.returncode != 0
    assert "code: is 70 characters long; the ledger keeps at most 64" in checked.stdout + checked.stderr
    assert "name: is 349 characters long; the ledger keeps at most 300" in checked.stdout + checked.stderr
    assert "Traceback" not in checked.stdout + checked.stderr


def test_the_ledger_password_is_never_shown_or_stored(tmp_path, pg_url, sample_server):
    """A ledger URL with a password (the test server trusts local connections, so any password
    works): no command's output, crawl log, plan page, report or ledger row holds it."""
    import subprocess

    secret = "Mat-khau-9z7Q"
    url = pg_url.replace("postgres@", f"postgres:{secret}@", 1)
    assert secret in url
    env = {**_workspace_env(tmp_path), "PORTALIZE_DB": url}
    origins = [a for h, u in sample_server.origins.items() if h.startswith("stnmt") for a in ("--origin", f"{h}={u}")]
    outputs = [run_portalize(*args, env_extra=env) for args in (
        ("db", "upgrade"), ("db", "status"), ("agencies", "register", "stnmt", *origins), ("links", "register", "stnmt", *origins),
        ("crawl", "stnmt", "-s", *origins), ("transform", "stnmt", "-s"), ("plan", "stnmt"), ("progress",),
        ("progress", "--xlsx", str(tmp_path / "tien-do.xlsx")))]
    plan_id = next(line for line in outputs[6].stdout.splitlines() if line.startswith("Plan ")).split()[1]
    outputs.append(run_portalize("apply", plan_id, "--yes", "-s", env_extra=env))
    for result in outputs:
        assert secret not in result.stdout + result.stderr, result.args
    assert "***" in outputs[1].stdout  # db status shows the URL, masked
    written = subprocess.run(["grep", "-rl", secret, str(tmp_path)], capture_output=True, text=True).stdout
    assert written == "", written  # logs, plan pages, reports, the portal
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        dump = " ".join(str(row) for table in ("agencies", "agency_events", "crawl_runs", "plans", "audit_log")
                        for row in conn.execute(sa.text(f"select * from {table}")))
    engine.dispose()
    assert dump and secret not in dump


def test_the_portal_database_gone_mid_apply_stops_with_a_message_and_the_same_command_resumes(
        crawled, pg_url, monkeypatch):
    """The portal on PostgreSQL. After three items are written, the portal database stops
    taking connections and its sessions are cut (a database server going away). apply stops
    with one message naming the item and the command; with the database back, the same plan
    finishes: seven items, none twice."""
    from click.testing import CliRunner

    from portalize.cli import cli
    from portalize.core.errors import PortalError
    from portalize.core.registry import load_registry
    from portalize.loaders.apply import apply_plan
    from portalize.loaders.registry import open_portal

    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("drop database if exists portal_gone with (force)"))
        conn.execute(sa.text("create database portal_gone"))
    portal_url = pg_url.rsplit("/", 1)[0] + "/portal_gone"
    monkeypatch.setenv("PORTALIZE_PORTAL_DB", portal_url)
    runner = CliRunner()
    assert runner.invoke(cli, ["transform", "stnmt", "-s"]).exit_code == 0
    planned = runner.invoke(cli, ["plan", "stnmt", "--json"])
    import json
    plan_id = json.loads(planned.output)["plan"]
    registry = load_registry()

    class GoesAway:
        write_items = None  # one write at a time: the database goes away at the fourth

        def __init__(self, real):
            self.real, self.calls = real, 0

        def __getattr__(self, name):
            return getattr(self.real, name)

        def write_item(self, *args, **kwargs):
            self.calls += 1
            if self.calls == 4:
                with admin.connect() as conn:
                    conn.execute(sa.text("alter database portal_gone allow_connections false"))
                    conn.execute(sa.text("select pg_terminate_backend(pid) from pg_stat_activity "
                                         "where datname = 'portal_gone' and pid <> pg_backend_pid()"))
            return self.real.write_item(*args, **kwargs)

    names = {g.code: g.name for g in registry.profile.groups}
    real = open_portal(registry.portal)
    with pytest.raises(PortalError) as stopped:
        apply_plan(plan_id, GoesAway(real), registry.agency("stnmt"), names)
    real.close()
    assert "3 items of plan" in stopped.value.message and "were written and kept" in stopped.value.message
    assert f"portalize apply {plan_id}" in stopped.value.hint
    with admin.connect() as conn:
        conn.execute(sa.text("alter database portal_gone allow_connections true"))
    resumed = runner.invoke(cli, ["apply", str(plan_id), "--yes", "-s"])
    assert resumed.exit_code == 0, resumed.output
    assert "4 created" in resumed.output
    engine = sa.create_engine(portal_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*), count(distinct external_key) from items")).one() == (7, 7)
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text("drop database portal_gone with (force)"))
    admin.dispose()
