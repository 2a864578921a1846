"""Opening the ledger: engine, sessions, and bringing the schema to Alembic's head."""
from __future__ import annotations

import json

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import fcntl
import tempfile
from importlib import resources

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .. import config
from ..errors import SchemaOutdated

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x706F7274  # "port": the advisory lock id of portalize migrations


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _to_json(value) -> str:
    """JSON columns as UTF-8 text, Vietnamese as itself rather than \\u escapes (a third of the
    size), encoded by orjson (articles are tens of kB each); what orjson refuses (an integer
    beyond 64 bits, a key that is not a string) goes through the standard library."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, ensure_ascii=False)


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True, json_serializer=_to_json, json_deserializer=orjson.loads)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache(maxsize=1)
def _migrations_dir() -> Path:
    """Alembic reads its scripts from a folder. Inside a zipped egg (Scrapyd) there is none:
    the scripts are copied out to a temporary folder once per process."""
    if MIGRATIONS.is_dir():
        return MIGRATIONS
    target = Path(tempfile.mkdtemp(prefix="portalize-migrations-"))

    def copy(source, into: Path) -> None:
        into.mkdir(exist_ok=True)
        for entry in source.iterdir():
            if entry.is_dir():
                if entry.name != "__pycache__":
                    copy(entry, into / entry.name)
            else:
                (into / entry.name).write_bytes(entry.read_bytes())

    copy(resources.files("portalize.core.ledger") / "migrations", target)
    return target


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str) -> str | None:
    """The ledger's Alembic revision; None for an empty database."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@contextmanager
def migration_lock(url: str):
    """One migrating process at a time: an advisory lock on PostgreSQL, a file lock beside a
    SQLite database (other databases: none)."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
                    connection.commit()
        elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            with open(f"{engine.url.database}.migrate.lock", "w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        else:
            yield
    finally:
        engine.dispose()


def upgrade_locked(url: str) -> tuple[str | None, str]:
    """Bring the ledger to the newest migration; (revision before, revision after)."""
    with migration_lock(url):
        before = current_revision(url)
        command.upgrade(alembic_config(url), "head")
    return before, head_revision()


def _empty(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    finally:
        engine.dispose()


@lru_cache(maxsize=8)
def _ready_engine(url: str) -> Engine:
    """An engine on a ledger at the newest schema. A new, empty ledger is created (under the
    migration lock); an older one is never migrated behind the user's back."""
    revision = current_revision(url)
    if revision is None and _empty(url):
        upgrade_locked(url)
    elif revision != head_revision():
        raise SchemaOutdated(f"The ledger at {_shown(url)} has schema {revision or 'unknown'}; this portalize "
                             f"needs {head_revision()}.", "run `portalize db upgrade` (back up the ledger first)")
    return make_engine(url)


def _shown(url: str) -> str:
    return config.masked(url)


def engine(url: str | None = None) -> Engine:
    return _ready_engine(url or config.ledger_url())


def sessionmaker_for(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(engine(url), expire_on_commit=False)


@contextmanager
def transaction(url: str | None = None):
    """One state change = one transaction: commit on success, roll back on any error."""
    with sessionmaker_for(url)() as session, session.begin():
        yield session


def ledger_problem(exc: Exception, url: str | None = None):
    """A database error of the ledger as a LedgerUnreadable naming the ledger, what happened
    and what to do; None for errors that are not about the ledger's storage."""
    from sqlalchemy.exc import ArgumentError, DatabaseError, InterfaceError, NoSuchModuleError, OperationalError

    from ..errors import LedgerUnreadable

    url = url or config.ledger_url()
    if isinstance(exc, (ArgumentError, NoSuchModuleError)) and _is_ledger_url_problem(exc, url):
        return LedgerUnreadable(f"PORTALIZE_DB is not a database URL portalize can open: {_shown(url)} "
                                f"({config.masked(str(exc).strip().splitlines()[0])})",
                                "set PORTALIZE_DB to a SQLAlchemy URL, e.g. postgresql+psycopg://USER@HOST/DB or "
                                "sqlite:////path/ledger.db (or unset it for var/portalize.db)")
    if not isinstance(exc, (DatabaseError, OperationalError, InterfaceError)):
        return None
    reason = config.masked(" ".join(str(getattr(exc, "orig", None) or exc).split()))
    if not reason:
        reason = type(getattr(exc, "orig", None) or exc).__name__
    where = f"the ledger {_shown(url)}"
    lowered = reason.lower()
    if "disk i/o error" in lowered and nearly_full(url):
        lowered += " (disk is full)"  # SQLite in WAL mode reports a full disk as an I/O error
    if "disk is full" in lowered or "no space" in lowered or "disk full" in lowered:
        return LedgerUnreadable(f"{where}: the disk is full ({reason}); the step stopped, everything "
                                "finished before it is kept",
                                "free space on that disk, then run the same command again: it goes on from there")
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return LedgerUnreadable(f"{where} is damaged or not a portalize ledger ({reason})",
                                "restore the file from its last backup, or point PORTALIZE_DB at another file "
                                "(a new ledger is created there; `portalize agencies register --all` starts it again)")
    if "unable to open" in lowered or "readonly" in lowered or "read-only" in lowered or "permission" in lowered:
        return LedgerUnreadable(f"{where} cannot be opened or written ({reason})",
                                "check that the folder exists and is writable, or point PORTALIZE_DB elsewhere")
    if "locked" in lowered:
        return LedgerUnreadable(f"{where} is locked by another portalize process ({reason})",
                                "wait for the other command to end, then run this one again")
    if not url.startswith("sqlite:") and (isinstance(exc, InterfaceError) or "invalid connection option" in lowered
                                          or isinstance(exc, OperationalError)
                                          and any(sign in lowered for sign in _CONNECTION_FAILURES)):
        return LedgerUnreadable(f"cannot connect to {where} ({reason})",
                                "check that the database server is running and that PORTALIZE_DB names the right "
                                "host, port, database, user and password; `portalize db status` tries it again")
    return None


# How database drivers say a connection was not made (unreachable, refused, login refused).
_CONNECTION_FAILURES = ("connection failed", "could not connect", "connection refused", "connection to server",
                        "authentication failed", "password", "does not exist", "timeout expired", "timed out",
                        "could not translate host name", "name or service not known", "no route to host",
                        "server closed the connection", "access denied", "can't connect", "unknown database",
                        "no pg_hba.conf entry", "ssl")


def _is_ledger_url_problem(exc: Exception, url: str) -> bool:
    """Whether an ArgumentError or NoSuchModuleError came from the ledger's URL (and not from,
    say, the portal's)."""
    try:
        make_engine(url).dispose()
    except type(exc):
        return True
    except Exception:
        return False
    return False


def nearly_full(url: str) -> bool:
    """Whether the disk that holds a SQLite ledger has (almost) no space left."""
    free = config.free_bytes(url)
    return free is not None and free < 1024 * 1024
