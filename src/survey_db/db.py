"""Which database, how to connect, and keeping its schema current.

>>> resolve_url("/tmp/x.db")
'sqlite:////tmp/x.db'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from survey_db.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

# The newest migration; a test checks it is Alembic's single head. Comparing it with the database's
# alembic_version row is one cheap query, so Alembic is imported only when a migration is due.
SCHEMA_REVISION = "0003"
ENV_VAR = "SURVEY_DB"
T = TypeVar("T")


def default_db_path() -> Path:
    """$XDG_DATA_HOME/survey-db/survey.db, else ~/.local/share/survey-db/survey.db."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "survey-db" / "survey.db"


def resolve_url(target: str | None) -> str:
    """A SQLAlchemy URL from `--db`, else $SURVEY_DB, else the default path."""
    target = target or os.environ.get(ENV_VAR) or str(default_db_path())
    if "://" in target:
        if target.startswith("postgresql://"):
            target = "postgresql+psycopg://" + target.removeprefix("postgresql://")
        return target
    return "sqlite:///" + str(Path(target).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL, None for other engines or in-memory databases."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///")
    return None if path in ("", ":memory:") else Path(path)




@dataclass
class WaitPolicy:
    """How long a writer waits for another process's write transaction before giving up (`survey --wait`,
    SURVEY_WAIT), and whom to tell once it has waited NOTICE_AFTER seconds (the CLI: on a terminal)."""

    seconds: float = 60.0
    notify: Callable[[], None] | None = None


DEFAULT_WAIT = 60.0
NOTICE_AFTER = 2.0
# While waiting for the write lock, BEGIN is tried again this often (ms), so the wait can speak and end.
LOCK_POLL_MS = 200
# PostgreSQL: seconds to wait for a server to answer a connection, unless the URL says connect_timeout.
CONNECT_TIMEOUT = 10
WAIT = WaitPolicy()


def set_wait(seconds: float, notify: Callable[[], None] | None = None) -> None:
    WAIT.seconds, WAIT.notify = seconds, notify


def busy_timeout_ms() -> int:
    """SQLite's busy timeout: how long one statement waits for another writer's lock."""
    return int(WAIT.seconds * 1000)


class WaitTimeout(DatabaseError):
    """Another process kept the database locked for longer than the wait allows."""


def gave_up() -> WaitTimeout:
    return WaitTimeout(
        f"gave up after waiting {WAIT.seconds:g} s for another survey command to finish writing; nothing "
        "was changed (survey --wait SECONDS waits longer)"
    )

# The execution option of an engine whose transactions only read (`reading_engine`).
READ_ONLY = "survey_read_only"


def make_engine(url: str) -> Engine:
    """An engine: SQLite with foreign keys, WAL journaling and a busy timeout. No engine takes a NUL."""
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            from sqlalchemy.engine import URL

            # Built, not parsed: a '?' or '#' in a folder's name is part of the path, not a query.
            target: str | URL = URL.create("sqlite", database=str(path))
        else:
            target = url
        engine = create_engine(target, connect_args={"timeout": busy_timeout_ms() / 1000})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # pysqlite's own transaction handling would defer BEGIN; SQLAlchemy emits it below instead.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
            _retry_busy(lambda: cursor.execute("PRAGMA journal_mode=WAL"))
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            connection.info[_CHANGES_AT_BEGIN] = connection.connection.dbapi_connection.total_changes
            if connection.get_execution_options().get(READ_ONLY):
                # A reader takes no lock: in WAL mode it reads a snapshot while a writer goes on.
                connection.exec_driver_sql("BEGIN")
                return
            # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking.
            _wait_for_write_lock(connection)

    else:
        from sqlalchemy.engine import make_url

        query: Mapping[str, object]
        try:
            query = make_url(url).query
        except Exception:  # let create_engine word the complaint
            query = {}
        connect_args: dict[str, object] = {}
        if url.startswith("postgresql") and "connect_timeout" not in query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
        if url.startswith("postgresql") and "options" not in query:
            # A writer blocked by another transaction's lock gives up after the wait, as on SQLite.
            connect_args["options"] = f"-c lock_timeout={max(1, busy_timeout_ms())}"
        try:
            engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        except Exception as exc:  # an unknown dialect or a missing driver
            raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from None
    event.listen(engine, "before_cursor_execute", _refuse_nul, retval=True)
    return engine


# On SQLite: the connection's count of changed rows when its transaction began (see `_has_written`).
_CHANGES_AT_BEGIN = "survey_changes_at_begin"


def _has_written(connection) -> bool:
    """Whether the connection's transaction has changed any row so far (rows inserted straight through the
    driver included)."""
    if connection.dialect.name == "sqlite":
        changes = connection.connection.dbapi_connection.total_changes
        return changes != connection.info.get(_CHANGES_AT_BEGIN, -1)
    if connection.dialect.name == "postgresql":
        # A PostgreSQL transaction is given an id at its first write.
        return connection.exec_driver_sql("SELECT txid_current_if_assigned() IS NOT NULL").scalar()
    return True


def reading_engine(engine: Engine) -> Engine:
    """The engine for transactions that only read, each one snapshot of the database. On SQLite they
    neither wait for a writer nor hold one up (a write in one would still work, waiting as any deferred
    SQLite transaction does); on PostgreSQL they are REPEATABLE READ and READ ONLY (read committed, the
    default, would let a long export see a commit made while it runs)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True, **{READ_ONLY: True}
        )
    return engine.execution_options(**{READ_ONLY: True})


def _retry_busy(statement):
    """Run `statement`; when SQLite says the database is busy (after its own timeout), give up."""
    try:
        return statement()
    except Exception as exc:
        if is_busy(exc):
            raise gave_up() from None
        raise


def _wait_for_write_lock(connection) -> None:
    """BEGIN IMMEDIATE, tried every LOCK_POLL_MS while another process writes: after NOTICE_AFTER seconds
    the policy's `notify` is told once, and after the policy's seconds the wait ends with WaitTimeout.
    (Nothing has run in a transaction whose BEGIN failed, so trying again is always safe.)"""
    import time

    raw = connection.connection.driver_connection
    started = time.monotonic()
    told = False
    raw.execute(f"PRAGMA busy_timeout={min(LOCK_POLL_MS, busy_timeout_ms())}")
    try:
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except Exception as exc:
                if not is_busy(exc):
                    raise
            waited = time.monotonic() - started
            if waited >= WAIT.seconds:
                raise gave_up()
            if not told and waited >= NOTICE_AFTER and WAIT.notify is not None:
                WAIT.notify()
                told = True
    finally:
        raw.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")


def _refuse_nul(connection, cursor, statement, parameters, context, executemany):
    """No engine stores a NUL character (PostgreSQL cannot, so SQLite does not either) or an unpaired
    surrogate (not Unicode text: neither driver can encode it)."""
    if _holds_nul(parameters):
        from survey_db.errors import InputError

        raise InputError(
            "a value contains a NUL character or an unpaired surrogate, which no database here can store"
        )
    return statement, parameters


def _holds_nul(parameters) -> bool:
    """Whether any string among the parameters (one row, many rows, a flat batch) has a NUL or an unpaired
    surrogate in it."""
    import re

    surrogate = re.compile("[\ud800-\udfff]")
    stack = [parameters]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or (not item.isascii() and surrogate.search(item)):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None)


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` is SQLite's 'database is locked/busy' (SQLITE_BUSY, SQLITE_LOCKED)."""
    import sqlite3

    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (5, 6)
        return "database is locked" in str(orig) or "database is busy" in str(orig)
    return False


# PostgreSQL: serialization failure, deadlock, lock not available, and a unique violation (two
# transactions adding the same new author, topic or key at once: the retry sees the other's row).
RETRY_SQLSTATES = ("40001", "40P01", "55P03", "23505")


def is_retryable(exc: BaseException) -> bool:
    """Whether a transaction that failed with `exc` may succeed when run again from the start."""
    return is_busy(exc) or _sqlstate(exc) in RETRY_SQLSTATES


def _alembic_config(connection=None):
    from alembic.config import Config

    from survey_db.paths import migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, None for a database without survey tables."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run migrations up to `revision` in one transaction."""
    from alembic import command

    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "-1") -> None:
    """Run migrations down to `revision` ('-1' is the previous one)."""
    from alembic import command

    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step, revision: str) -> None:
    from alembic.util import CommandError

    try:
        with engine.begin() as connection:
            _lock_schema(connection)
            step(_alembic_config(connection), revision)
    except CommandError as exc:  # an unknown revision, or no step left in that direction
        raise DatabaseError(f"cannot migrate to revision {revision!r}: {exc}") from None


def _lock_schema(connection) -> None:
    """Two processes migrating one PostgreSQL database at once take turns (SQLite's BEGIN IMMEDIATE
    already serialises them); the second then finds the schema current and does nothing."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7316001)")


def head_revision() -> str:
    """Alembic's head revision as the migration scripts say (loads Alembic)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(_alembic_config()).get_heads()
    if len(heads) != 1:
        raise DatabaseError(f"the migrations have {len(heads)} heads; expected one")
    return heads[0]


@dataclass
class Database:
    """An open database: its engine, and whether this call created or migrated it."""

    url: str
    engine: Engine
    created: bool = False
    migrated: bool = False
    # Whether a transaction of `session` (or `transaction`) that changed rows has committed.
    changed: bool = False

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        from sqlalchemy.orm import Session

        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session
            wrote = _has_written(session.connection())
        self.changed = self.changed or wrote

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """One transaction for commands that only read: one snapshot of the database, taken without waiting
        for a writer (a long import or export of another process does not hold up a query)."""
        from sqlalchemy.orm import Session

        with Session(reading_engine(self.engine), expire_on_commit=False) as session, session.begin():
            yield session

    def transaction(self, work: Callable[[Session], T], *, attempts: int = 5) -> T:
        """`work(session)` in one transaction, run again from the start when it failed only because of a
        concurrent writer (SQLite busy past its timeout; a PostgreSQL serialization failure, deadlock or a
        row another transaction inserted first). `work` must not have effects outside the database."""
        import random
        import time

        from sqlalchemy.exc import SQLAlchemyError

        started = time.monotonic()
        told = False
        postgres = self.engine.dialect.name == "postgresql"
        attempt = 0
        while True:
            waited = time.monotonic() - started
            try:
                with self.session() as session:
                    if postgres:
                        # Wait for another transaction's lock in steps: first until the notice is due,
                        # then for the rest of the wait (0 would mean no limit at all to PostgreSQL).
                        step = NOTICE_AFTER if not told else WAIT.seconds - waited
                        limit = max(1, int(min(step, WAIT.seconds - waited) * 1000))
                        session.connection().exec_driver_sql(f"SET LOCAL lock_timeout = {limit}")
                    return work(session)
            except SQLAlchemyError as exc:
                waited = time.monotonic() - started
                if _sqlstate(exc) == "55P03":  # PostgreSQL's lock_timeout: a step of the wait is over
                    if waited >= WAIT.seconds - 0.001:
                        raise gave_up() from None
                    if not told and WAIT.notify is not None:
                        WAIT.notify()
                    told = True
                    continue
                if is_busy(exc) and waited >= WAIT.seconds:
                    raise gave_up() from None
                attempt += 1
                if attempt == attempts or not is_retryable(exc):
                    raise
                time.sleep(random.uniform(0.01, 0.05) * 2 ** (attempt - 1))


def _describe(url: str) -> str:
    path = sqlite_path(url)
    return str(path) if path else url.split("@")[-1]


def open_database(
    url: str, *, create: bool = True, migrate: bool = True, allow_empty: bool = False
) -> Database:
    """Open the database at `url`; create and migrate a new one, migrate an old one.

    A missing folder, a file that is not SQLite, a database without survey tables or with a newer schema
    are DatabaseErrors. With `allow_empty` (and not `create`), a database without survey tables (one
    downgraded to the base revision) is opened as it is.
    """
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    path = sqlite_path(url)
    if path is not None:
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file")
        if not path.parent.is_dir():
            raise DatabaseError(f"cannot create {path}: folder {path.parent} does not exist")
        if not path.exists() and not create:
            raise DatabaseError(f"no database at {path}")
    engine = make_engine(url)
    try:
        with reading_engine(engine).connect() as connection:
            tables = set(inspect(connection).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        engine.dispose()
        orig = getattr(exc, "orig", None)
        reason = str(orig) if orig else str(exc).splitlines()[0]
        raise DatabaseError(f"cannot open database {_describe(url)}: {reason}") from None
    database = Database(url=url, engine=engine)
    if revision is None:
        if tables - {"alembic_version"}:
            engine.dispose()
            raise DatabaseError(f"{_describe(url)} is not a survey database (it has other tables)")
        if allow_empty and not create:
            return database
        if not create:
            raise DatabaseError(f"{_describe(url)} is empty; run 'survey init' first")
        upgrade(engine)
        database.created = True
    elif revision != SCHEMA_REVISION and migrate:
        if not _is_known_revision(revision):
            engine.dispose()
            raise DatabaseError(
                f"{_describe(url)} has schema revision {revision}, unknown to this version of survey-db"
            )
        upgrade(engine)
        database.migrated = True
    return database


def open_for_reading(url: str):
    """A read-only sqlite3 connection, inside one read transaction (one snapshot), to the SQLite file at
    `url` when it exists and is at SCHEMA_REVISION; None when `open_database` must open it instead (another
    engine, no file yet, an older or unknown revision, not a survey database, not SQLite at all: its
    errors and notices are those of `open_database`). Imports neither SQLAlchemy nor Alembic.

    The connection waits for a lock as long as the wait policy allows (`busy_timeout_ms`); a database
    locked past that at the revision check is the WaitTimeout `open_database` would raise.
    """
    import sqlite3

    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    seconds = busy_timeout_ms() / 1000
    try:
        # as_uri escapes what a URI would misread in a file name ('?', '#', '%').
        connection = sqlite3.connect(
            path.absolute().as_uri() + "?mode=ro", uri=True, timeout=seconds, isolation_level=None
        )
    except sqlite3.Error:
        return None
    try:
        connection.execute("BEGIN")
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as exc:
        connection.close()
        if is_busy(exc):
            raise gave_up() from None
        return None
    if row is None or row[0] != SCHEMA_REVISION:
        connection.close()
        return None
    return connection


def _is_known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    try:
        ScriptDirectory.from_config(_alembic_config()).get_revision(revision)
    except Exception:
        return False
    return True
