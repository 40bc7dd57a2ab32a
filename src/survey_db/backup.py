"""Backups and restores: a SQLite copy made with SQLite's online backup API, or a portable JSON dump.

A JSON backup holds every row of every survey table (not the full-text index, which is rebuilt) and the
schema revision it was taken at; it restores into any engine, so a SQLite survey moves to PostgreSQL with
`survey db backup x.json` then `survey --db postgresql+psycopg://... db restore x.json`. A backup taken at
an older revision is restored by replaying it at that revision in a scratch SQLite database, migrating that
to the newest schema and restoring the result. Restoring is one transaction and refuses a database that
already holds data unless told to replace it.

>>> encode_value(date(2024, 5, 17)), encode_value(datetime(2024, 5, 17, 9, 30)), encode_value(["x", 1, None])
('2024-05-17', '2024-05-17T09:30:00', ['x', 1, None])
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey_db.dialect import FTS_REBUILD, FTS_TABLE
from survey_db.errors import DatabaseError, InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

FORMAT_NAME = "survey-db backup"
FORMAT_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
# Tables that are not survey data: Alembic's bookkeeping and the full-text index (made by migration 0002).
SKIPPED_PREFIXES = ("alembic_version", FTS_TABLE, "sqlite_")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Dump:
    """Every row of the survey tables at one schema revision: table -> (columns, rows)."""

    revision: str
    tables: dict[str, tuple[list[str], list[list[Any]]]] = field(default_factory=dict)
    engine: str = ""

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, (_, rows) in self.tables.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "revision": self.revision,
            "engine": self.engine,
            "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "tables": {
                name: {"columns": columns, "rows": rows} for name, (columns, rows) in self.tables.items()
            },
        }


def encode_value(value: Any) -> Any:
    """A column value as JSON: datetimes as ISO text, JSON columns as they are."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        raise DatabaseError("the database holds binary data, which a JSON backup cannot keep")
    return value


def _data_tables(connection: Connection):
    """The survey tables of the database as reflected Table objects, parents before children."""
    from sqlalchemy import MetaData

    metadata = MetaData()
    metadata.reflect(connection, only=lambda name, _meta: not name.startswith(SKIPPED_PREFIXES))
    return metadata.sorted_tables


def _revision(connection: Connection) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def dump_database(engine: Engine) -> Dump:
    """Every survey row, read in one transaction (a consistent snapshot), ordered by primary key."""
    from sqlalchemy import select

    from survey_db.db import reading_engine

    with reading_engine(engine).begin() as connection:
        revision = _revision(connection)
        if revision is None:
            raise DatabaseError("the database has no survey schema to back up")
        dump = Dump(revision=revision, engine=engine.dialect.name)
        for table in _data_tables(connection):
            columns = [column.name for column in table.columns]
            order = list(table.primary_key.columns) or list(table.columns)
            rows = [
                [encode_value(value) for value in row]
                for row in connection.execute(select(*table.columns).order_by(*order))
            ]
            dump.tables[table.name] = (columns, rows)
    return dump


# -- writing backups ---------------------------------------------------------------------------------------


def check_integrity(engine: Engine) -> None:
    """A DatabaseError when SQLite's quick_check finds damage: a backup of a damaged file would look good
    and hold the damage."""
    raw = engine.raw_connection()
    sqlite = raw.driver_connection
    assert sqlite is not None  # a connection fresh from the pool is open
    try:
        found = [row[0] for row in sqlite.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        found = [str(exc)]
    finally:
        raw.close()
    if found != ["ok"]:
        raise DatabaseError(
            f"the database is damaged (SQLite quick_check: {found[0]}); give --force to back it up anyway"
        )


def write_json_backup(engine: Engine, path: Path, *, protected: Iterable[Path | None] = ()) -> Dump:
    from survey_db.atomic import atomic_open

    dump = dump_database(engine)
    with atomic_open(path, protected=protected) as out:
        json.dump(dump.to_json(), out, ensure_ascii=True, separators=(",", ":"))
        out.write("\n")
    return dump


def write_sqlite_backup(engine: Engine, path: Path, *, protected: Iterable[Path | None] = ()) -> None:
    """Copy a SQLite database with the online backup API: writers may go on meanwhile; the copy is one
    consistent state, in rollback-journal mode so that it is a single self-contained file."""
    if engine.dialect.name != "sqlite":
        raise InputError("a SQLite backup needs a SQLite database; use --format json for this one")

    from survey_db.atomic import atomic_path

    with atomic_path(path, protected=protected) as target:
        raw = engine.raw_connection()
        try:
            copy = sqlite3.connect(target)
            try:
                assert raw.driver_connection is not None  # a connection fresh from the pool is open
                raw.driver_connection.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.Error as exc:
                raise DatabaseError(f"cannot write the backup {path}: {exc}; nothing was written") from None
            finally:
                copy.close()
        finally:
            raw.close()


# -- reading backups ---------------------------------------------------------------------------------------


def read_backup(path: Path) -> Dump:
    """A backup file, JSON or SQLite, as a Dump; anything else is an InputError."""
    if not path.exists():
        from survey_db.errors import NotFoundError

        raise NotFoundError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a backup file")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return _read_sqlite_backup(path)
    return _read_json_backup(path)


def _read_sqlite_backup(path: Path) -> Dump:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    # Read-only, without the pragmas of make_engine: reading a backup never changes it.
    engine = create_engine(f"sqlite:///file:{path.absolute()}?mode=ro&uri=true")
    try:
        return dump_database(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise InputError(f"{path} is not a readable survey database: {reason}") from None
    finally:
        engine.dispose()


class RepeatedKey(ValueError):
    pass


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice: JSON would keep the last silently, so a backup with two
    "tables" would restore (or, with --force, replace everything with) the one nobody looked at."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise RepeatedKey(key)
        result[key] = value
    return result


def _load_json(data: bytes) -> Any:
    return json.loads(data.decode("utf-8"), object_pairs_hook=_no_repeated_keys)


def _read_json_backup(path: Path) -> Dump:
    def bad(why: str) -> InputError:
        return InputError(f"{path} is not a survey-db backup: {why}")

    try:
        data = _load_json(path.read_bytes())
    except RepeatedKey as exc:
        raise bad(f"the key {exc.args[0]!r} appears twice in one object (which one would count?)") from None
    except UnicodeDecodeError:
        raise bad("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise bad(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise bad("JSON nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise bad(str(exc).splitlines()[0]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise bad(f'no "format": "{FORMAT_NAME}" field')
    if data.get("version") != FORMAT_VERSION:
        raise bad(f"format version {data.get('version')!r}; this program reads version {FORMAT_VERSION}")
    revision, tables = data.get("revision"), data.get("tables")
    if not isinstance(revision, str) or not isinstance(tables, dict):
        raise bad("no revision or tables")
    dump = Dump(revision=revision, engine=str(data.get("engine") or ""))
    for name, table in tables.items():
        columns = table.get("columns") if isinstance(table, dict) else None
        rows = table.get("rows") if isinstance(table, dict) else None
        if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
            raise bad(f"table {name!r} has no list of columns")
        if not (isinstance(rows, list) and all(isinstance(r, list) and len(r) == len(columns) for r in rows)):
            raise bad(f"table {name!r} has a row that does not match its {len(columns)} columns")
        dump.tables[name] = (columns, rows)
    return dump


# -- restoring -----------------------------------------------------------------------------------------------


def _decode(column, value: Any) -> Any:
    from sqlalchemy import Date, DateTime

    if isinstance(value, str) and isinstance(column.type, DateTime | Date):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InputError(f"column {column.table.name}.{column.name}: {value!r} is not a date") from None
        return parsed.date() if not isinstance(column.type, DateTime) else parsed
    if isinstance(value, str) and ("\x00" in value or _SURROGATE.search(value)):
        raise InputError(f"column {column.table.name}.{column.name}: a NUL or an unpaired surrogate")
    return value


def row_count(connection: Connection) -> int:
    """How many rows the survey tables of a database hold."""
    from sqlalchemy import func, select

    return sum(
        connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in _data_tables(connection)
    )


def load_dump(connection: Connection, dump: Dump, *, replace: bool) -> None:
    """Insert every row of `dump` into a database at the same revision, in the caller's transaction."""
    from sqlalchemy import bindparam, delete, insert, text, update

    tables = {table.name: table for table in _data_tables(connection)}
    unknown = sorted(set(dump.tables) - set(tables))
    if unknown:
        raise InputError(f"the backup has tables this schema lacks: {', '.join(unknown)}")
    if replace:
        for table in reversed(list(tables.values())):
            connection.execute(delete(table))
    for name, table in tables.items():
        if name not in dump.tables:
            continue
        columns, rows = dump.tables[name]
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise InputError(f"table {name}: the backup has columns this schema lacks: {', '.join(missing)}")
        # A foreign key to the same table (a section's parent) may point at a later row: set it afterwards.
        self_refs = {fk.parent.name for fk in table.foreign_keys if fk.column.table.name == name} & set(
            columns
        )
        records = []
        for row in rows:
            records.append({c: _decode(table.columns[c], v) for c, v in zip(columns, row, strict=True)})
        if not records:
            continue
        first_pass = [{**r, **{c: None for c in self_refs}} for r in records]
        for start in range(0, len(first_pass), 1000):
            connection.execute(insert(table), first_pass[start : start + 1000])
        if self_refs:
            keys = [column.name for column in table.primary_key.columns]
            later = [r for r in records if any(r[c] is not None for c in self_refs)]
            if later:
                statement = (
                    update(table)
                    .where(*(table.columns[k] == bindparam(f"k_{k}") for k in keys))
                    .values({c: bindparam(f"v_{c}") for c in self_refs})
                )
                connection.execute(
                    statement,
                    [
                        {**{f"k_{k}": r[k] for k in keys}, **{f"v_{c}": r[c] for c in self_refs}}
                        for r in later
                    ],
                )
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Rows came with their ids: move each id sequence past them.
        for name, table in tables.items():
            for column in table.primary_key.columns:
                sequence = connection.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": name, "c": column.name}
                ).scalar()
                if sequence:
                    highest = f'SELECT MAX("{column.name}") FROM "{name}"'
                    connection.execute(
                        text(f"SELECT setval(:s, COALESCE(({highest}), 0) + 1, false)"), {"s": sequence}
                    )
    elif dialect == "sqlite":
        from sqlalchemy import inspect

        if inspect(connection).has_table(FTS_TABLE):
            connection.exec_driver_sql(FTS_REBUILD)


def _upgraded(dump: Dump) -> Dump:
    """The dump of an older revision, migrated to the newest schema through a scratch SQLite database."""
    from survey_db.db import make_engine, upgrade

    with tempfile.TemporaryDirectory(prefix="survey-restore-") as folder:
        engine = make_engine("sqlite:///" + str(Path(folder) / "scratch.db"))
        try:
            upgrade(engine, dump.revision)
            with engine.begin() as connection:
                load_dump(connection, dump, replace=False)
            upgrade(engine)
            return dump_database(engine)
        finally:
            engine.dispose()


@dataclass
class RestoreReport:
    revision: str
    counts: dict[str, int]
    replaced: int = 0
    migrated_from: str | None = None


def restore(url: str, path: Path, *, force: bool = False) -> RestoreReport:
    """Restore a backup file into the database at `url` (created when new), all or nothing: every row is
    checked first (see backup_checks), and a database file this call created is removed again on failure."""
    from survey_db.backup_checks import check_dump, check_plain_values
    from survey_db.db import SCHEMA_REVISION, _is_known_revision, open_database, sqlite_path

    dump = read_backup(path)
    check_plain_values(dump)
    migrated_from = None
    if dump.revision != SCHEMA_REVISION:
        if not _is_known_revision(dump.revision):
            raise DatabaseError(
                f"{path} was made at schema revision {dump.revision}, newer than this survey-db (unknown to "
                f"it; it knows up to {SCHEMA_REVISION}): upgrade survey-db to restore it"
            )
        migrated_from = dump.revision
        dump = _replayed(path, dump)
    check_dump(dump)
    target = sqlite_path(url)
    new_file = target is not None and not target.exists()
    try:
        database = open_database(url, create=True)
        try:
            with database.engine.begin() as connection:
                present = row_count(connection)
                if present and not force:
                    raise DatabaseError(
                        f"the database already holds data ({present} rows); restore into a new database, "
                        "or give --force to replace everything in it"
                    )
                load_dump(connection, dump, replace=bool(present))
        finally:
            database.engine.dispose()
    except BaseException:
        if new_file and target is not None:
            for leftover in (
                target,
                *(target.with_name(target.name + s) for s in ("-wal", "-shm", "-journal")),
            ):
                leftover.unlink(missing_ok=True)
        raise
    return RestoreReport(
        revision=dump.revision, counts=dump.counts(), replaced=present, migrated_from=migrated_from
    )


def _replayed(path: Path, dump: Dump) -> Dump:
    """An older backup at the newest schema; a backup its own revision's schema refuses is an InputError."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return _upgraded(dump)
    except (SQLAlchemyError, sqlite3.Error, TypeError, ValueError, OverflowError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise InputError(f"{path} does not fit the schema of revision {dump.revision}: {reason}") from None
