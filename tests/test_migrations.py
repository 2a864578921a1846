"""The ledger's schema: migrations agree with the models, run only when asked (under a lock),
and an older ledger is met with the command that upgrades it."""
import json
import sqlite3

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from portalize.cli import cli
from portalize.core.ledger.db import alembic_config, make_engine
from portalize.core.ledger.models import Base


def test_the_migrations_build_exactly_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_an_old_ledger_names_the_upgrade_command_and_db_upgrade_brings_it_up(workspace):
    url = f"sqlite:///{workspace / 'var' / 'portalize.db'}"
    command.upgrade(alembic_config(url), "0003")  # a ledger left by an older portalize
    result = CliRunner().invoke(cli, ["progress"])
    assert result.exit_code == 1
    assert "has schema 0003" in result.output and "Next: run `portalize db upgrade`" in result.output
    result = CliRunner().invoke(cli, ["db", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    upgraded = json.loads(result.stdout)
    assert upgraded["from"] == "0003" and upgraded["to"] == upgraded["to"] != "0003"
    assert (workspace / "var" / "portalize.db.migrate.lock").exists()  # taken under the file lock
    assert CliRunner().invoke(cli, ["progress", "--json"]).exit_code == 0
    with sqlite3.connect(workspace / "var" / "portalize.db") as connection:
        assert connection.execute("select version_num from alembic_version").fetchone()[0] == upgraded["to"]
