"""`survey db backup` and `survey db restore`: a SQLite copy made with the online backup API, a portable
JSON dump of any engine, restores into new databases (SQLite -> JSON -> PostgreSQL too), a refusal to
overwrite data without --force, and backups of older schema revisions.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from dbtools import PG_SERVER, FreshDatabases, snapshot, sqlite_integrity
from survey_db.db import SCHEMA_REVISION, make_engine, open_database, upgrade


@pytest.fixture
def fresh(tmp_path: Path):
    databases = FreshDatabases(tmp_path)
    yield databases
    databases.close()


def _ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def _changed(cli, db: str) -> None:
    """Data a plain seed does not have: an alias, a paper with extras and newlines, a nested section."""
    _ok(cli("section", "add", "Backups", db=db))
    _ok(cli("section", "add", "Backups > Nested", db=db))
    _ok(cli("add", "--title", "Backed up: “quotes”, ünïcödé & 100% {braces}", "--author", "Zoë von Brück, Jr",
            "--year", "2024", "--abstract", "line one\nline two", "--section", "Nested", "--topic", "Safety",
            db=db))  # fmt: skip
    _ok(cli("keys", "regenerate", "leviathan2023fast", "--pattern", "{author}{year}", db=db))


@pytest.mark.timeout(120)
def test_json_backup_restores_into_a_new_database_exactly(seeded_db, fresh, cli, tmp_path: Path):
    _changed(cli, seeded_db)
    before = snapshot(seeded_db)
    backup = tmp_path / "survey.json"
    made = _ok(cli("db", "backup", str(backup), db=seeded_db))
    assert made.stderr.strip() == f"wrote json backup {backup} (92 papers)"
    data = json.loads(backup.read_text())
    assert data["format"] == "survey-db backup" and data["revision"] == SCHEMA_REVISION
    assert not any(name.startswith(("alembic", "papers_fts")) for name in data["tables"])

    target = fresh.blank("restored")
    restored = _ok(cli("db", "restore", str(backup), db=target))
    assert restored.stderr.strip() == f"restored 92 papers from {backup}"
    assert snapshot(target) == before
    assert sqlite_integrity(target) == []
    # The restored database is fully usable: search, aliases, new papers get fresh ids.
    assert "leviathan2023" in cli("query", "speculative decoding", "--format", "keys", db=target).lines
    assert _ok(cli("show", "leviathan2023fast", "--format", "json", db=target)).stdout
    _ok(cli("add", "--title", "Added after the restore", db=target))
    _ok(cli("section", "add", "Backups > Nested > Deeper", db=target))


@pytest.mark.timeout(120)
def test_sqlite_online_backup_is_a_plain_sqlite_file(tmp_path: Path, cli):
    source = "sqlite:///" + str(tmp_path / "source.db")
    _ok(cli("init", db=source))
    _changed(cli, source)
    backup = tmp_path / "survey.bak"
    _ok(cli("db", "backup", str(backup), db=source))
    with sqlite3.connect(backup) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not Path(str(backup) + "-wal").exists()
    assert snapshot("sqlite:///" + str(backup)) == snapshot(source)
    target = "sqlite:///" + str(tmp_path / "restored.db")
    _ok(cli("db", "restore", str(backup), db=target))
    assert snapshot(target) == snapshot(source)
    # An existing file is not overwritten without --force; a folder or a missing folder is an error.
    again = cli("db", "backup", str(backup), db=source)
    assert again.exit_code == 1 and "already exists" in again.stderr
    _ok(cli("db", "backup", str(backup), "--force", db=source))
    assert cli("db", "backup", str(tmp_path), db=source).exit_code == 1
    missing = cli("db", "backup", str(tmp_path / "no" / "x.bak"), db=source)
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


@pytest.mark.timeout(120)
def test_sqlite_backup_while_another_process_writes(tmp_path: Path):
    """The online backup is one consistent state even while a writer commits meanwhile."""
    from survey_db import backup
    from survey_db.records import PaperRecord
    from survey_db.services.papers import add_paper

    url = "sqlite:///" + str(tmp_path / "busy.db")
    database = open_database(url)
    stop = threading.Event()
    written = []

    def writer() -> None:
        writing = open_database(url)
        i = 0
        while not stop.is_set():
            writing.transaction(
                lambda s, i=i: add_paper(s, PaperRecord(title=f"Busy paper {i}", key=f"busy{i}"))
            )
            written.append(i)
            i += 1
        writing.engine.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        for n in range(3):
            backup.write_sqlite_backup(database.engine, tmp_path / f"busy{n}.bak")
    finally:
        stop.set()
        thread.join(30)
    for n in range(3):
        copy = "sqlite:///" + str(tmp_path / f"busy{n}.bak")
        assert sqlite_integrity(copy) == []
        keys = sorted(int(row[1].strip("'busy")) for row in snapshot(copy)["papers"])
        assert keys == list(range(len(keys))) and len(keys) >= 20  # a prefix of the commits, no gaps
    database.engine.dispose()


def test_restore_refuses_a_database_with_data_unless_forced(seeded_db, empty_db, cli, tmp_path: Path):
    backup = tmp_path / "empty.json"
    _ok(cli("db", "backup", str(backup), db=empty_db))
    before = snapshot(seeded_db)
    refused = cli("db", "restore", str(backup), db=seeded_db)
    assert refused.exit_code == 1
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert snapshot(seeded_db) == before
    forced = _ok(cli("db", "restore", str(backup), "--force", db=seeded_db))
    assert "replacing" in forced.stderr
    assert all(rows == [] for rows in snapshot(seeded_db).values())
    assert cli("query", "--format", "keys", db=seeded_db).stdout == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a survey-db backup"),
        (b"\xff\xfe garbage", "not UTF-8"),
        (b'{"format": "something else"}', "not a survey-db backup"),
        (b'{"format": "survey-db backup", "version": 99}', "format version 99"),
        (b'{"format": "survey-db backup", "version": 1, "revision": "0002", "tables": {"papers": '
         b'{"columns": ["id"], "rows": [[1, 2]]}}}', "does not match"),
        (b'{"format": "survey-db backup", "version": 1, "revision": "9999", "tables": {}}', "unknown"),
        (b'{"format": "survey-db backup", "version": 1, "revision": "0002", "tables": {"secrets": '
         b'{"columns": ["id"], "rows": []}}}', "tables this schema lacks: secrets"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "not a readable survey database"),
        (b"[" * 100000 + b"]" * 100000, "not a survey-db backup"),
    ],
)  # fmt: skip
def test_bad_backup_files_are_clean_errors_and_change_nothing(empty_db, cli, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    before = snapshot(empty_db)
    result = cli("db", "restore", str(path), db=empty_db)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line, line
    assert snapshot(empty_db) == before


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "surrogate"])
def test_a_nul_or_surrogate_in_a_backup_is_refused(empty_db, cli, tmp_path: Path, bad: str):
    backup = tmp_path / "survey.json"
    _ok(cli("db", "backup", str(backup), db=empty_db))
    data = json.loads(backup.read_text())
    data["tables"]["survey_meta"]["rows"].append(["title", bad])
    backup.write_text(json.dumps(data))
    before = snapshot(empty_db)
    result = cli("db", "restore", str(backup), "--force", db=empty_db)
    assert result.exit_code == 1 and "NUL or an unpaired surrogate" in result.stderr
    assert snapshot(empty_db) == before


@pytest.mark.timeout(120)
def test_backup_of_an_older_revision_restores_migrated(fresh, cli, tmp_path: Path):
    """A backup taken before an upgrade (backups never migrate the database) restores at the newest
    schema, with the full-text index built."""
    from test_migrations import fill_0001

    old = fresh.blank("old")
    engine = make_engine(old)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        fill_0001(connection)
    engine.dispose()
    backup = tmp_path / "old.json"
    _ok(cli("db", "backup", str(backup), db=old))
    assert json.loads(backup.read_text())["revision"] == "0001"
    assert cli("db", "current", db=old).stdout.startswith("0001 behind")  # the backup did not migrate it

    target = fresh.blank("new")
    restored = _ok(cli("db", "restore", str(backup), db=target))
    assert "migrated from revision 0001" in restored.stderr
    assert cli("db", "current", db=target).stdout.startswith(f"{SCHEMA_REVISION} up to date")
    assert cli("query", "speculative", "--format", "keys", db=target).lines == ["leviathan2023fast"]


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_sqlite_to_json_to_postgresql_and_back(tmp_path: Path, cli):
    """A survey moves from a SQLite file to a PostgreSQL server and back, unchanged."""
    databases = FreshDatabases(tmp_path, pg_url=PG_SERVER)
    try:
        source = "sqlite:///" + str(tmp_path / "laptop.db")
        _ok(cli("init", db=source))
        _changed(cli, source)
        before = snapshot(source)
        _ok(cli("db", "backup", str(tmp_path / "laptop.json"), db=source))

        server = databases.blank_postgres("team")
        _ok(cli("db", "restore", str(tmp_path / "laptop.json"), db=server))
        assert snapshot(server) == before
        assert "leviathan2023" in cli("query", "speculative decoding", "--format", "keys", db=server).lines
        _ok(cli("add", "--title", "Written on the server", db=server))  # the id sequences moved on
        sqlite_backup = cli("db", "backup", str(tmp_path / "x.bak"), "--format", "sqlite", db=server)
        assert sqlite_backup.exit_code == 1 and "--format json" in sqlite_backup.stderr

        _ok(cli("db", "backup", str(tmp_path / "server.json"), db=server))
        back = "sqlite:///" + str(tmp_path / "back.db")
        _ok(cli("db", "restore", str(tmp_path / "server.json"), db=back))
        assert snapshot(back) == snapshot(server)
        # And the SQLite file backup restores onto the server directly.
        _ok(cli("db", "backup", str(tmp_path / "laptop.bak"), db=source))
        _ok(cli("db", "restore", str(tmp_path / "laptop.bak"), "--force", db=server))
        assert snapshot(server) == before
    finally:
        databases.close()


def test_restore_into_the_default_database(empty_db, cli, tmp_path: Path):
    """With no --db the default database (under $XDG_DATA_HOME, set by the cli fixture) is made."""
    backup = tmp_path / "empty.json"
    _ok(cli("db", "backup", str(backup), db=empty_db))
    restored = _ok(cli("db", "restore", str(backup)))
    assert restored.stderr.strip() == f"restored 0 papers from {backup}"
    assert (tmp_path / "xdg" / "survey-db" / "survey.db").exists()
