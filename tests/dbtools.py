"""Helpers of the safety tests (concurrency, crashes, migrations, backups, fuzzing, injection).

- `FreshDatabases`: blank databases (no tables at all) on the engine the suite runs on: SQLite files, or
  databases created on the SURVEY_TEST_PG_URL server and dropped afterwards.
- `snapshot`: every row of every survey table, read with a plain engine, to prove that nothing changed.
- `survey_command`: argv that runs the real `survey` CLI in a separate Python process.
"""

from __future__ import annotations

import hashlib
import os
import sys
import uuid
from pathlib import Path

PG_URL = os.environ.get("SURVEY_TEST_PG_URL")
PG_SERVER = os.environ.get("SURVEY_TEST_PG_SERVER") or PG_URL
# Tables that are bookkeeping or derived (the FTS index) rather than data.
SKIPPED = ("alembic_version", "papers_fts", "sqlite_")


class FreshDatabases:
    """Blank databases of the engine under test, made on demand and removed by `close()`."""

    def __init__(self, folder: Path, pg_url: str | None = PG_URL):
        self.folder = folder
        self.pg_url = pg_url
        self.created: list[str] = []
        self._admin = None

    @property
    def engine_name(self) -> str:
        return "postgresql" if self.pg_url else "sqlite"

    def blank(self, name: str = "fresh") -> str:
        """The URL of a database with no tables."""
        if not self.pg_url:
            path = self.folder / f"{name}-{uuid.uuid4().hex[:6]}.db"
            return "sqlite:///" + str(path)
        return self.blank_postgres(name)

    def blank_postgres(self, name: str = "fresh") -> str:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        assert self.pg_url, "no PostgreSQL server (SURVEY_TEST_PG_URL)"
        url = make_url(self.pg_url)
        if self._admin is None:
            self._admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        db_name = f"survey_safety_{name}_{uuid.uuid4().hex[:8]}"
        with self._admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{db_name}"')
        self.created.append(db_name)
        return url.set(database=db_name).render_as_string(hide_password=False)

    def close(self) -> None:
        if self._admin is None:
            return
        with self._admin.connect() as connection:
            for name in self.created:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin.dispose()


def plain_engine(url: str):
    """An engine without survey-db's hooks, so the check does not depend on the code under test."""
    from sqlalchemy import create_engine

    return create_engine(url)


def snapshot(url: str, without: dict[str, set[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every data table, as text, sorted: equal snapshots mean equal data. `without` leaves
    out columns by table (the ones a later migration added, to compare across revisions)."""
    from sqlalchemy import MetaData, select

    engine = plain_engine(url)
    try:
        with engine.connect() as connection:
            metadata = MetaData()
            metadata.reflect(connection, only=lambda name, _m: not name.startswith(SKIPPED))
            result = {}
            for table in metadata.sorted_tables:
                left_out = (without or {}).get(table.name, set())
                rows = connection.execute(select(*(c for c in table.columns if c.name not in left_out))).all()
                result[table.name] = sorted(tuple(_text(v) for v in row) for row in rows)
            return result
    finally:
        engine.dispose()


def _text(value: object) -> str:
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, sort_keys=True)
    return repr(value)


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Row count and checksum of each data table."""
    return {
        name: (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16])
        for name, rows in snapshot(url).items()
    }


def sqlite_integrity(url: str) -> list[str]:
    """SQLite's own integrity checks (file and FTS index); [] when fine, and for other engines."""
    import sqlite3

    if not url.startswith("sqlite:///"):
        return []
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [f"foreign key: {row}" for row in connection.execute("PRAGMA foreign_key_check")]
        has_fts = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'papers_fts'").fetchone()
        try:
            if has_fts:  # not at revisions before the full-text index
                connection.execute("INSERT INTO papers_fts(papers_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            problems.append(f"full-text index: {exc}")
        return problems
    finally:
        connection.close()


def survey_command(*args: str, db: str) -> list[str]:
    """argv running the real CLI (`survey --db DB ARGS`) in a new Python process."""
    return [sys.executable, "-c", "from survey_db.cli import main; main()", "--db", db, *map(str, args)]


def subprocess_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SURVEY_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def in_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run a command with a pseudo-terminal as stdin, stdout and stderr: its exit code and all it wrote."""
    import pty
    import select
    import subprocess

    leader, follower = pty.openpty()
    process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    try:
        while select.select([leader], [], [], 60)[0]:
            try:
                data = os.read(leader, 1 << 16)
            except OSError:  # EIO: the command has ended and closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")
