"""The ledger on a real PostgreSQL (started by scripts/postgres.sh from `make test`)."""
import os

import pytest
import sqlalchemy as sa

from .conftest import _workspace_env, run_portalize

pytestmark = [pytest.mark.postgres, pytest.mark.integration]
PG_URL = os.environ.get("PORTALIZE_TEST_PG")


@pytest.fixture
def pg_url():
    if not PG_URL:
        pytest.fail("PORTALIZE_TEST_PG is not set: run the tests with `make test`, which starts PostgreSQL")
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text("drop schema public cascade; create schema public"))
    engine.dispose()
    return PG_URL


def test_batch_and_apply_with_a_postgres_ledger(tmp_path, pg_url, sample_server):
    env = {**_workspace_env(tmp_path), "PORTALIZE_DB": pg_url}
    origins = [a for h, u in sample_server.origins.items() for a in ("--origin", f"{h}={u}")]
    first = run_portalize("batch", "--all", "--apply", "-s", *origins, env_extra=env)
    assert "applied plan 4 (stnmt): 7 created" in first.stdout
    assert "applied plan 5 (xa-hoaxuan): 7 created" in first.stdout
    assert "applied plan 1 (sgddt): 6 created" in first.stdout
    second = run_portalize("batch", "--all", "--apply", "-s", *origins, env_extra=env)
    assert "0 create, 0 update, 7 unchanged" in second.stdout
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        from alembic.script import ScriptDirectory

        from portalize.core.ledger.db import alembic_config
        head = ScriptDirectory.from_config(alembic_config(pg_url)).get_current_head()
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() == head
        assert conn.execute(sa.text("select count(*) from id_map")).scalar() == 35
        assert conn.execute(sa.text("select count(*) from pages where status = 200")).scalar() == 86
        events = dict(conn.execute(sa.text("select event, count(*) from agency_events group by event")).all())
    engine.dispose()
    assert events["crawled"] == 12 and events["loaded"] == 12 and events["registered"] == 6
