"""Crash safety: `survey import` of a 10,000-entry .bib killed with SIGKILL in the middle leaves the database
exactly as it was, and the next commands work.

The import runs the real CLI in a child process, paused at a known point inside its transaction: after some
thousands of papers were written (not committed), or after the whole file was written, just before the
commit. The test then kills it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dbtools import fingerprint, snapshot, sqlite_integrity, subprocess_env, survey_command

ENTRIES = 10_000

# Runs `survey ARGS...` and, at the chosen point inside the import's transaction, prints "paused ..." and
# waits on stdin. The points are found from the statements sent to the database, not by patching the
# services: "insert" as the COUNT-th INSERT INTO papers statement starts (on SQLite the driver's cursors
# are watched, as the importer may use them directly), "commit" just before COMMIT is sent.
CRASHING_IMPORT = """
import sqlite3
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine

mode, count = sys.argv[1], int(sys.argv[2])
inserts = [0]


def pause(what):
    print("paused", what, flush=True)
    sys.stdin.readline()  # the test kills the process here
    raise SystemExit("was not killed")


def seen(statement):
    if statement.lstrip().upper().replace('"', "").startswith("INSERT INTO PAPERS "):
        inserts[0] += 1
        if mode == "insert" and inserts[0] == count:
            pause(f"as insert {count} of papers starts")


class Cursor(sqlite3.Cursor):
    def execute(self, statement, *args):
        seen(statement)
        return super().execute(statement, *args)

    def executemany(self, statement, *args):
        seen(statement)
        return super().executemany(statement, *args)


class Connection(sqlite3.Connection):
    def cursor(self, factory=Cursor):
        return super().cursor(factory)


original_connect = sqlite3.dbapi2.connect


def connect(*args, **kwargs):
    kwargs.setdefault("factory", Connection)
    return original_connect(*args, **kwargs)


sqlite3.connect = sqlite3.dbapi2.connect = connect


@event.listens_for(Engine, "before_cursor_execute")
def before_statement(connection, cursor, statement, parameters, context, executemany):
    if connection.dialect.name != "sqlite":
        seen(statement)


@event.listens_for(Engine, "commit")
def before_commit(connection):
    if mode == "commit" and inserts[0]:
        pause(f"before the commit of {inserts[0]} inserts of papers")


sys.argv = ["survey", *sys.argv[3:]]
from survey_db.cli import main

main()
"""


@pytest.fixture(scope="module")
def big_bib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10,000 entries with authors, venues, topics and sections' worth of variety; none in the seeds."""
    path = tmp_path_factory.mktemp("crash") / "big.bib"
    entries = []
    for i in range(ENTRIES):
        kind = ("article", "inproceedings", "misc")[i % 3]
        venue = "journal" if kind == "article" else "booktitle"
        entries.append(
            f"@{kind}{{crash{i:05d},\n"
            f"  author = {{M{i % 311}ller, J{i % 97}rgen and Smith, Alice and Doe{i % 13}, J.}},\n"
            f"  title = {{Robust {{LLM}} inference, part {i}: caf\\'e {i * 7919 % 10007}}},\n"
            f"  {venue} = {{Proceedings of Venue {i % 41}}},\n"
            f"  year = {{{1990 + i % 35}}},\n"
            f"  pages = {{{i}--{i + 9}}},\n"
            f"  doi = {{10.5555/crash.{i}}},\n"
            f"  keywords = {{Crash Topic {i % 23}, Shared}},\n"
            f"  note = {{entry {i}}},\n"
            "}\n"
        )
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def _killed_import(db: str, bib: Path, tmp_path: Path, mode: str, count: int = 0) -> str:
    """Run the import until it pauses, SIGKILL it, and check that it left no process behind (a helper
    process it forked must end too: an orphan would hold the file and the terminal's pipes)."""
    log = (tmp_path / "killed-import.err").open("w")
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_IMPORT, mode, str(count), "--db", db, "import", str(bib)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=subprocess_env(tmp_path),
        start_new_session=True,  # its own process group: the import and anything it forks
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("paused"), (
            "the import never reached its pause:\n" + (tmp_path / "killed-import.err").read_text()
        )
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        left = _group_members(process.pid, wait=10)
        assert not left, f"the killed import left processes running: {left}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in _group_members(process.pid, wait=0):
            os.kill(pid, signal.SIGKILL)
        process.stdin.close()
        process.stdout.close()
        log.close()
    return line.strip()


def _group_members(group: int, wait: float) -> list[int]:
    """Live (not zombie) processes of a process group, after waiting up to `wait` seconds for them to end."""
    deadline = time.monotonic() + wait
    while True:
        members = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                members.append(int(stat.parent.name))
        if not members or time.monotonic() >= deadline:
            return members
        time.sleep(0.1)


def _run(tmp_path: Path, *args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        survey_command(*args, db=db), capture_output=True, text=True, env=subprocess_env(tmp_path), timeout=90
    )


def _paper_count(tmp_path: Path, db: str) -> int:
    stats = _run(tmp_path, "stats", "--format", "json", db=db)
    assert stats.returncode == 0, stats.stderr
    return json.loads(stats.stdout)["papers"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("mode", "count", "rerun"),
    [("insert", 4, False), ("commit", 0, True)],
    ids=["mid-insert", "pre-commit"],
)
def test_sigkill_during_import_changes_nothing(seeded_db, big_bib: Path, tmp_path: Path, mode, count, rerun):
    before = snapshot(seeded_db)
    papers_before = len(before["papers"])

    where = _killed_import(seeded_db, big_bib, tmp_path, mode, count)

    assert snapshot(seeded_db) == before, f"the database changed after a kill {where}"
    assert sqlite_integrity(seeded_db) == []
    # The next commands work: reading, writing, and (once) the very same import, now to its end.
    assert _paper_count(tmp_path, seeded_db) == papers_before
    added = _run(tmp_path, "add", "--title", "Written after the crash", "--year", "2024", db=seeded_db)
    assert added.returncode == 0, added.stderr
    if rerun:
        # The first 500 entries of the same file: all new again, so no key of the killed import survived.
        head = tmp_path / "head.bib"
        head.write_text("\n@".join(big_bib.read_text(encoding="utf-8").split("\n@")[:500]) + "\n")
        again = _run(tmp_path, "import", str(head), db=seeded_db)
        assert again.returncode == 0, again.stderr
        assert "500 added, 0 updated, 0 skipped" in again.stdout
        assert _paper_count(tmp_path, seeded_db) == papers_before + 1 + 500
        found = _run(tmp_path, "query", "robust inference part 432", "--format", "keys", db=seeded_db)
        assert found.returncode == 0 and "crash00432" in found.stdout.split(), found.stderr
    assert sqlite_integrity(seeded_db) == []


@pytest.mark.timeout(60)
def test_fingerprint_notices_a_change(seeded_db, tmp_path: Path):
    """The comparison the crash test relies on does see a single changed field."""
    before = fingerprint(seeded_db)
    result = _run(tmp_path, "edit", "leviathan2023fast", "--note", "changed", db=seeded_db)
    assert result.returncode == 0, result.stderr
    after = fingerprint(seeded_db)
    assert [name for name in before if before[name] != after[name]] == ["papers"]
