"""Concurrent writers: two processes adding papers at once both finish with everything stored, and two
writers that would give one citation key to different papers cannot both succeed. Readers: a command that
only reads never waits for a writer.

Runs on the suite's engine: SQLite (WAL, busy timeout, BEGIN IMMEDIATE, retried BEGIN) or PostgreSQL
(read committed; a transaction that loses a race on a unique row is run again from the start).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dbtools import sqlite_integrity, subprocess_env, survey_command
from survey_db.db import open_database
from survey_db.errors import DuplicateError
from survey_db.records import PaperRecord
from survey_db.services.papers import add_paper

PAPERS_EACH = 200

# One writer: opens the database, says "ready", waits for "go" on stdin, then adds PAPERS_EACH papers in as
# many transactions. Every paper shares an author, a topic and a venue with the other writer's papers, so
# both race to create the same rows.
WRITER = """
import copy, sys, time
from survey_db.db import open_database
from survey_db.records import Name, PaperRecord
from survey_db.services.papers import add_paper

url, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
database = open_database(url, create=False)
print("ready", flush=True)
sys.stdin.readline()
started = time.time()
for i in range(count):
    record = PaperRecord(
        title=f"Concurrent paper {tag} number {i}",
        key=f"{tag}{i:03d}",
        year=2000 + i % 25,
        authors=[Name(first="Shared", last="Author"), Name(first=tag.upper(), last=f"Writer{i % 7}")],
        topics=["Shared Topic", f"Topic {tag} {i % 5}"],
        venue="NeurIPS" if i % 2 else f"Venue {tag} {i % 3}",
    )
    database.transaction(lambda session, r=record: add_paper(session, copy.deepcopy(r)))
print("done", started, time.time(), flush=True)
"""


def _papers(url: str) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from survey_db.models import Paper

    database = open_database(url, create=False)
    try:
        with database.session() as session:
            rows = session.execute(select(Paper.id, Paper.key).order_by(Paper.id))
            return [(pid, key) for pid, key in rows]
    finally:
        database.engine.dispose()


@pytest.mark.timeout(180)
def test_two_processes_each_adding_200_papers_in_200_transactions(empty_db, tmp_path: Path):
    env = subprocess_env(tmp_path)
    writers = {
        tag: subprocess.Popen(
            [sys.executable, "-c", WRITER, empty_db, tag, str(PAPERS_EACH)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for tag in ("a", "b")
    }
    try:
        for process in writers.values():
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        for process in writers.values():  # both start at once
            process.stdin.write("go\n")
            process.stdin.flush()
        results = {tag: process.communicate(timeout=150) for tag, process in writers.items()}
    finally:
        for process in writers.values():
            if process.poll() is None:
                process.kill()
    for tag, (out, err) in results.items():
        assert writers[tag].returncode == 0, f"writer {tag} failed:\n{err}"
        assert out.startswith("done"), out

    rows = _papers(empty_db)
    keys = [key for _, key in rows]
    assert len(keys) == 2 * PAPERS_EACH
    assert sorted(keys) == sorted(f"{tag}{i:03d}" for tag in "ab" for i in range(PAPERS_EACH))
    # The writers ran at the same time: each started before the other finished. (Whether their commits
    # interleave is up to the engine: SQLite's busy handler may let one writer finish first.)
    times = {tag: [float(t) for t in out.split()[1:3]] for tag, (out, _) in results.items()}
    assert max(start for start, _ in times.values()) < min(end for _, end in times.values()), times
    assert sqlite_integrity(empty_db) == []

    # Shared rows were made once; every paper is whole (authors, topics, venue) and searchable.
    database = open_database(empty_db, create=False)
    try:
        from sqlalchemy import func, select

        from survey_db.models import Author, PaperAuthor, PaperTopic, Topic, Venue
        from survey_db.services.query import Filters, find_ids

        with database.session() as session:
            assert session.scalar(select(func.count()).where(Author.last == "Author")) == 1
            assert session.scalar(select(func.count()).where(Topic.name == "Shared Topic")) == 1
            assert session.scalar(select(func.count()).where(Venue.short_name == "NeurIPS")) == 1
            assert session.scalar(select(func.count()).select_from(PaperAuthor)) == 4 * PAPERS_EACH
            assert session.scalar(select(func.count()).select_from(PaperTopic)) == 4 * PAPERS_EACH
            found, total = find_ids(session, Filters(text="concurrent paper number"))
            assert total == 2 * PAPERS_EACH
    finally:
        database.engine.dispose()


@pytest.mark.timeout(120)
def test_concurrent_adds_of_one_key_exactly_one_wins(empty_db, tmp_path: Path):
    """Two `survey add --key same` of different papers started together: one wins, one fails cleanly."""
    env = subprocess_env(tmp_path)
    for round_ in range(3):
        key = f"same{round_}"
        processes = [
            subprocess.Popen(
                survey_command("add", "--key", key, "--title", f"Paper {who} of round {round_}", db=empty_db),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for who in ("one", "two")
        ]
        outcomes = [(p.wait(timeout=90), *p.communicate()) for p in processes]
        codes = sorted(code for code, _, _ in outcomes)
        assert codes == [0, 1], outcomes
        winner = next(out for code, out, _ in outcomes if code == 0)
        loser = next(err for code, _, err in outcomes if code == 1)
        assert winner.strip().splitlines()[-1] == key
        assert loser.strip().splitlines() == [f"error: citation key {key!r} is already taken"], loser
        assert "Traceback" not in loser
    keys = [key for _, key in _papers(empty_db)]
    assert sorted(keys) == ["same0", "same1", "same2"]


@pytest.mark.timeout(60)
def test_key_race_inside_open_transactions(empty_db):
    """The hard interleaving: the second writer checks the key while the first has inserted it but not yet
    committed. On SQLite the second waits at BEGIN; on PostgreSQL its insert waits on the unique index,
    fails when the first commits, and its retry finds the key taken: a clean DuplicateError."""
    first_db = open_database(empty_db, create=False)
    second_db = open_database(empty_db, create=False)
    inserted, second_started = threading.Event(), threading.Event()
    errors: dict[str, BaseException] = {}

    def first() -> None:
        try:
            with first_db.session() as session:
                add_paper(session, PaperRecord(title="The first paper", key="contested"))
                session.flush()
                inserted.set()
                second_started.wait(10)
                threading.Event().wait(0.5)  # let the second writer run into the open transaction
        except BaseException as exc:  # pragma: no cover - reported below
            errors["first"] = exc

    def second() -> None:
        inserted.wait(10)
        second_started.set()
        try:
            second_db.transaction(
                lambda session: add_paper(session, PaperRecord(title="Another paper", key="contested"))
            )
        except BaseException as exc:
            errors["second"] = exc

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    first_db.engine.dispose()
    second_db.engine.dispose()
    assert "first" not in errors, errors
    assert isinstance(errors.get("second"), DuplicateError), errors
    assert "'contested' is already taken" in str(errors["second"])
    assert [key for _, key in _papers(empty_db)] == ["contested"]


@pytest.mark.timeout(120)
def test_concurrent_imports_of_one_key_cannot_both_succeed(empty_db, tmp_path: Path):
    """Two `survey import` of .bib files that give the key `shared2024` to different papers, at once."""
    env = subprocess_env(tmp_path)
    files = []
    for who in ("one", "two"):
        path = tmp_path / f"{who}.bib"
        entries = [f"@misc{{{who}{i}, title = {{Filler {who} {i}}}}}" for i in range(300)]
        entries.insert(150, f"@misc{{shared2024, title = {{The paper of {who}}}}}")
        path.write_text("\n".join(entries) + "\n")
        files.append(path)
    processes = [
        subprocess.Popen(
            survey_command("import", path, db=empty_db),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for path in files
    ]
    outcomes = [(p.wait(timeout=90), *p.communicate()) for p in processes]
    papers = _papers(empty_db)
    shared = [key for _, key in papers if key == "shared2024"]
    assert len(shared) == 1
    for code, _out, err in outcomes:
        assert "Traceback" not in err
        assert code in (0, 1)
    # A .bib import matches by key: the later import finds shared2024 stored and fills it in or reports a
    # conflict; it never stores a second paper under the same key.
    stored = json.loads(
        subprocess.run(
            survey_command("show", "shared2024", "--format", "json", db=empty_db),
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
    )
    assert stored["title"] in ("The paper of one", "The paper of two")


@pytest.mark.sqlite_only  # PostgreSQL readers never wait for writers (MVCC)
def test_commands_that_read_do_not_wait_for_a_writer(cli, seeded_db, tmp_path: Path, monkeypatch):
    """While another connection holds SQLite's write lock with an uncommitted change, every command that
    only reads answers at once, from the last committed state; a writer still waits its turn."""
    import sqlite3


    # A reader that waited for the lock would fail within a fraction of a second instead of after a minute.
    monkeypatch.setenv("SURVEY_WAIT", "0.3")
    writer = sqlite3.connect(seeded_db.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE papers SET title = 'UNCOMMITTED' WHERE key = 'leviathan2023fast'")
        outputs = []
        for args in (
            ("query", "--topic", "Speculative Decoding", "--format", "json"),
            ("show", "leviathan2023fast"),
            ("topics",),
            ("sections",),
            ("stats",),
            ("check",),
            ("export", "--bibtex"),
            ("export", "--markdown"),
            ("dump", tmp_path / "seeds"),
            ("db", "backup", "--format", "json", tmp_path / "backup.json"),
        ):
            result = cli(*args, db=seeded_db)
            assert result.exit_code == 0, (args, result.stderr)
            outputs.append(result.stdout)
        outputs.append((tmp_path / "seeds" / "papers.bib").read_text(encoding="utf-8"))
        outputs.append((tmp_path / "backup.json").read_text(encoding="utf-8"))
        assert "Fast Inference from Transformers" in outputs[0]
        assert not any("UNCOMMITTED" in text for text in outputs)
        blocked = cli("topic", "rename", "Speculative Decoding", "Drafting", db=seeded_db)
        assert blocked.exit_code == 1 and "Traceback" not in blocked.stderr
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert cli("topic", "rename", "Speculative Decoding", "Drafting", db=seeded_db).exit_code == 0


def test_a_reading_transaction_is_one_snapshot(seeded_db):
    """What a command that only reads sees does not change while it runs, whatever commits meanwhile."""
    from sqlalchemy import func, select, update

    from survey_db.models import Paper

    reader, writer = open_database(seeded_db), open_database(seeded_db)
    try:
        with reader.reading() as session:
            before = session.scalar(select(func.count()).select_from(Paper).where(Paper.year == 2023))
            with writer.session() as other:
                other.execute(update(Paper).values(year=1999))
            after = session.scalar(select(func.count()).select_from(Paper).where(Paper.year == 2023))
            assert after == before > 0
        with reader.reading() as session:
            assert session.scalar(select(func.count()).select_from(Paper).where(Paper.year == 2023)) == 0
    finally:
        reader.engine.dispose()
        writer.engine.dispose()
