"""Issue 15, items 3 to 7: masked passwords, a restore as strict as import, driver errors in one line,
Ctrl-C during a large import, bounded and spoken waits. (Items 1 and 2, the files written: test_atomic.)"""

from __future__ import annotations

import json
import os
import pty
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbtools import PG_SERVER, FreshDatabases, snapshot, subprocess_env, survey_command

SECRET = "s3cretPW"


def one_error_line(run) -> str:
    assert run.exit_code == 1, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    assert "Traceback" not in run.stderr
    return lines[0]


# -- 3. passwords are never printed --------------------------------------------------------------------------


def test_mask_passwords() -> None:
    from survey_db.urls import mask_passwords

    assert mask_passwords(f"at postgresql+psycopg://survey:{SECRET}@db:5432/s.") == (
        "at postgresql+psycopg://survey:***@db:5432/s."
    )
    assert mask_passwords("postgresql://u:p@ss/w@h/d") == "postgresql://u:***@h/d"
    assert mask_passwords(f"invalid dsn: host=h password={SECRET} x") == "invalid dsn: host=h password=*** x"
    assert mask_passwords('password authentication failed for user "u"') == (
        'password authentication failed for user "u"'
    )
    assert mask_passwords("sqlite:////tmp/a@b:c.db and postgresql://h/d") == (
        "sqlite:////tmp/a@b:c.db and postgresql://h/d"
    )


def test_errors_about_a_url_hide_its_password(cli) -> None:
    refused = cli("init", "--empty", db=f"postgresql+psycopg://survey:{SECRET}@127.0.0.1:1/db")
    assert SECRET not in one_error_line(refused)
    unknown = cli("query", db=f"nosuchengine://survey:{SECRET}@host/db")
    line = one_error_line(unknown)
    assert SECRET not in line and "survey:***@host" in line


@pytest.mark.postgres
def test_notices_and_db_current_hide_the_password(cli, tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    databases = FreshDatabases(tmp_path, pg_url=PG_SERVER)
    try:
        blank = make_url(databases.blank_postgres("masked"))
        # The test server trusts local connections, so any password is accepted: it must still not show.
        url = blank.set(password=SECRET).render_as_string(hide_password=False)
        made = cli("init", "--empty", db=url)
        assert made.exit_code == 0 and SECRET not in made.stderr and ":***@" in made.stderr, made.stderr
        current = cli("db", "current", db=url)
        assert current.exit_code == 0 and SECRET not in current.stderr + current.stdout
        assert ":***@" in current.stderr
    finally:
        databases.close()


# -- 4. db restore is as strict as import --------------------------------------------------------------------


def _backup(cli, db: str, tmp_path: Path) -> dict:
    path = tmp_path / "good.json"
    assert cli("db", "backup", "--force", path, db=db).exit_code == 0
    return json.loads(path.read_text())


def _table(data: dict, name: str) -> tuple[list[str], list[list]]:
    table = data["tables"][name]
    return table["columns"], table["rows"]


def _set(data: dict, table: str, column: str, value, row: int = 0) -> dict:
    columns, rows = _table(data, table)
    rows[row][columns.index(column)] = value
    return data


def _section_cycle(data: dict) -> dict:
    columns, rows = _table(data, "sections")
    first, second = rows[0], rows[1]
    first[columns.index("parent_id")] = second[columns.index("id")]
    second[columns.index("parent_id")] = first[columns.index("id")]
    return data


def _alias_of_another_key(data: dict) -> dict:
    papers, rows = _table(data, "papers")
    columns, aliases = _table(data, "key_aliases")
    row = {"alias": rows[0][papers.index("key")], "paper_id": rows[1][papers.index("id")]}
    aliases.append([row[c] for c in columns])
    return data


def _own_parent(data: dict) -> dict:
    columns, rows = _table(data, "sections")
    rows[0][columns.index("parent_id")] = rows[0][columns.index("id")]
    return data


HOSTILE = {
    "extra_fields a string": (lambda d: _set(d, "papers", "extra_fields", "note = x"), "not an object"),
    "extra_fields a list": (lambda d: _set(d, "papers", "extra_fields", ["a", "b"]), "not an object"),
    "section its own parent": (_own_parent, "cycle"),
    "cycle of sections": (_section_cycle, "cycle"),
    "year abc": (lambda d: _set(d, "papers", "year", "abc"), "not a whole number"),
    "year 10^30": (lambda d: _set(d, "papers", "year", 10**30), "not a number a database can store"),
    "10 MB title": (lambda d: _set(d, "papers", "title", "t" * (10 << 20)), "longer than"),
    "key with a newline": (lambda d: _set(d, "papers", "key", "a\nb"), "citation key"),
    "key with a brace": (lambda d: _set(d, "papers", "key", "a}b"), "citation key"),
    "topic A, B; C": (lambda d: _set(d, "topics", "name", "A, B; C"), "cannot contain"),
    "missing author": (lambda d: _set(d, "paper_authors", "author_id", 10**9), "names no row of authors"),
    "duplicate key": (
        lambda d: _set(d, "papers", "key", _table(d, "papers")[1][1][_table(d, "papers")[0].index("key")]),
        "appears twice",
    ),
    "bad field name": (lambda d: _set(d, "papers", "extra_fields", {"a b}": "x"}), "not a BibTeX field"),
    "alias equal to a key": (lambda d: _alias_of_another_key(d), "also the key of a paper"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_backup_is_refused_in_one_line(cli, seeded_db, tmp_path: Path, case: str) -> None:
    mutate, message = HOSTILE[case]
    data = mutate(_backup(cli, seeded_db, tmp_path))
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data))
    target = tmp_path / "new.db"
    line = one_error_line(cli("db", "restore", path, db=str(target)))
    assert message in line, line
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("new.db")) == []
    before = snapshot(seeded_db)
    one_error_line(cli("db", "restore", "--force", path, db=seeded_db))
    assert snapshot(seeded_db) == before


def test_repeated_json_keys_are_refused(cli, seeded_db, tmp_path: Path) -> None:
    text = json.dumps(_backup(cli, seeded_db, tmp_path))
    # The second "tables" (empty) would win in plain JSON: with --force, a silent wipe.
    wiping = text[:-1] + ', "tables": {}}'
    path = tmp_path / "twice.json"
    path.write_text(wiping)
    before = snapshot(seeded_db)
    line = one_error_line(cli("db", "restore", "--force", path, db=seeded_db))
    assert "'tables' appears twice" in line
    assert snapshot(seeded_db) == before


def test_a_backup_from_a_newer_schema_is_refused(cli, seeded_db, tmp_path: Path) -> None:
    data = _backup(cli, seeded_db, tmp_path)
    data["revision"] = "9999"
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    line = one_error_line(cli("db", "restore", path, db=str(tmp_path / "new.db")))
    assert "newer than this survey-db" in line and not (tmp_path / "new.db").exists()


def _every_reader(cli, db: str, tmp_path: Path) -> None:
    """query --limit 0, every export and dump: each works or fails in one line."""
    runs = [cli("query", "--limit", "0", "--format", "json", db=db)]
    for fmt in ("--bibtex", "--biblatex", "--markdown", "--json", "--csl-json", "--csv"):
        runs.append(cli("export", fmt, db=db))
    runs.append(cli("dump", tmp_path / "dumped", db=db))
    for run in runs:
        assert run.exit_code in (0, 1) and "Traceback" not in run.stderr, run.stderr
        if run.exit_code:
            one_error_line(run)
        else:
            assert run.exit_code == 0


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["a\nb", "x}y", "A, B; C", "", " ", "\\", "{", "2023", "https://x.org", "t" * 700]),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=5), st.one_of(st.text(max_size=5), st.integers()), max_size=2),
)


@st.composite
def hostile_backups(draw, base: dict) -> dict:
    data = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(data["tables"])))
        columns, rows = _table(data, name)
        if not rows:
            continue
        action = draw(st.sampled_from(["value", "copy row", "drop row", "self reference"]))
        row = draw(st.integers(0, len(rows) - 1))
        if action == "value":
            rows[row][draw(st.integers(0, len(columns) - 1))] = draw(JUNK)
        elif action == "copy row":
            rows.append(list(rows[row]))
        elif action == "drop row":
            rows.pop(row)
        elif "parent_id" in columns:
            rows[row][columns.index("parent_id")] = rows[row][columns.index("id")]
    return data


def test_hostile_backups_restore_and_work_or_fail_in_one_line(cli, empty_db, tmp_path: Path) -> None:
    """Hypothesis mutates a small real backup; each restore either works, and then every reader works,
    or fails with one line and leaves no file."""
    source = "sqlite:///" + str(tmp_path / "source.db")
    assert cli("init", db=source).exit_code == 0
    base = _backup(cli, source, tmp_path)
    for name in ("papers", "paper_authors", "paper_topics", "placements"):  # keep each example small
        columns, rows = _table(base, name)
        del rows[12:]
    counter = iter(range(10**6))

    @settings(max_examples=int(os.environ.get("SURVEY_FUZZ_EXAMPLES", "25")), deadline=None,
              suppress_health_check=list(HealthCheck), database=None)  # fmt: skip
    @given(hostile_backups(base))
    def restore_then_read(data: dict) -> None:
        number = next(counter)
        path = tmp_path / f"h{number}.json"
        path.write_text(json.dumps(data))
        target = databases.blank(f"r{number}")  # a new file, or a new database on the PostgreSQL server
        run = cli("db", "restore", path, db=target)
        if run.exit_code == 0:
            _every_reader(cli, target, tmp_path / f"d{number}")
        else:
            one_error_line(run)
            if target.startswith("sqlite:///"):
                assert not Path(target.removeprefix("sqlite:///")).exists()

    databases = FreshDatabases(tmp_path)  # the engine under test
    try:
        restore_then_read()
    finally:
        databases.close()


# -- 5. driver errors are one line; backup checks the source -------------------------------------------------


def _no_dac_override(argv: list[str]) -> list[str]:
    """Run `argv` as root without the capability to ignore file modes: read-only files stay read-only."""
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *argv]


@pytest.mark.sqlite_only
def test_writing_to_a_read_only_database_file_is_one_line(seeded_db, tmp_path: Path) -> None:
    if subprocess.run(["setpriv", "--version"], capture_output=True).returncode != 0:
        pytest.skip("setpriv (util-linux) is not installed")
    path = Path(seeded_db.removeprefix("sqlite:///"))
    path.chmod(0o444)
    before = path.read_bytes()
    for args in (
        ("add", "--title", "A paper on a read-only disk"),
        ("import", Path(__file__).parent / "data" / "bib" / "features.bib"),
        ("query", "--limit", "0"),
    ):
        done = subprocess.run(
            _no_dac_override(survey_command(*args, db=seeded_db)),
            capture_output=True,
            text=True,
            env=subprocess_env(tmp_path),
        )
        assert "Traceback" not in done.stderr, done.stderr
        if args[0] != "query" or done.returncode:
            assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert path.read_bytes() == before


def _damaged_copy(seeded_db: str, tmp_path: Path) -> Path:
    source = Path(seeded_db.removeprefix("sqlite:///"))
    path = tmp_path / "damaged.db"
    data = bytearray(source.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    # 200 bytes flipped at the start of ten b-tree pages (not the header page), as a bad disk or copy does.
    for number in range(2, 12):
        for offset in range(number * page, number * page + 20):
            data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.mark.sqlite_only
def test_a_damaged_database_is_one_line_and_not_backed_up(cli, seeded_db, tmp_path: Path) -> None:
    damaged = _damaged_copy(seeded_db, tmp_path)
    url = "sqlite:///" + str(damaged)
    for args in (("query", "--limit", "0"), ("export", "--bibtex"), ("stats",), ("check",)):
        run = cli(*args, db=url)
        assert "Traceback" not in run.stderr
        if run.exit_code:
            one_error_line(run)
    refused = cli("db", "backup", tmp_path / "copy.db", db=url)
    assert "damaged" in one_error_line(refused) and not (tmp_path / "copy.db").exists()
    forced = cli("db", "backup", "--force", tmp_path / "copy.db", db=url)
    assert forced.exit_code == 0 and (tmp_path / "copy.db").exists()


def test_driver_errors_of_both_drivers_are_recognised() -> None:
    import psycopg

    from survey_db.cli.group import is_driver_error

    assert is_driver_error(sqlite3.OperationalError("attempt to write a readonly database"))
    assert is_driver_error(psycopg.errors.ReadOnlySqlTransaction("read-only"))
    assert is_driver_error(psycopg.OperationalError("server closed the connection"))
    assert not is_driver_error(ValueError("x"))


# -- 6. Ctrl-C during a large .bib import -------------------------------------------------------------------

# The real CLI in a child process that stops after its second batch is written, says so and waits for the
# signal the test sends to its whole process group (as a terminal's Ctrl-C does).
PAUSE_IN_IMPORT = """
import sys, time
from survey_db.services import io

add = io._Importer.add
calls = []

def pausing(self, records):
    add(self, records)
    calls.append(1)
    if len(calls) == 2:
        sys.stderr.write("PAUSED\\n"); sys.stderr.flush()
        time.sleep(60)

io._Importer.add = pausing
from survey_db.cli import main
sys.argv = ["survey", *sys.argv[1:]]
main()
"""


# The same, stopping inside a statement that SQLAlchemy runs in the import's write transaction.
PAUSE_IN_STATEMENT = """
import sys, time
from sqlalchemy import event
from sqlalchemy.engine import Engine

seen = []

@event.listens_for(Engine, "before_cursor_execute")
def pausing(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().startswith("INSERT") and not seen:  # the first row the import writes
        seen.append(statement)
        sys.stderr.write("PAUSED" + chr(10)); sys.stderr.flush()
        time.sleep(60)

from survey_db.cli import main
sys.argv = ["survey", *sys.argv[1:]]
main()
"""


def _large_bib(path: Path) -> Path:
    entries = [
        f"@article{{big{i},\n  title = {{Paper number {i} on speculative decoding}},\n"
        f"  author = {{Writer, Ann and Other, Bob}},\n  year = {{2023}},\n  journal = {{J}},\n"
        f"  abstract = {{{'x' * 700}}}\n}}\n"
        for i in range(3500)
    ]
    path.write_text("\n".join(entries))
    return path


def _process_group_gone(group: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(
    ("where", "sig", "code"),
    [
        (PAUSE_IN_IMPORT, signal.SIGINT, 130),
        (PAUSE_IN_STATEMENT, signal.SIGINT, 130),
        (PAUSE_IN_STATEMENT, signal.SIGTERM, 143),
    ],
    ids=["ctrl-c-between-batches", "ctrl-c-in-a-statement", "sigterm-in-a-statement"],
)
def test_ctrl_c_during_a_large_import(empty_db, tmp_path: Path, where: str, sig: int, code: int) -> None:
    from survey_db.services.bibstream import PARALLEL_BYTES

    bib = _large_bib(tmp_path / "large.bib")
    assert bib.stat().st_size >= PARALLEL_BYTES  # read by a second process
    before = snapshot(empty_db)
    env = {**subprocess_env(tmp_path), "SURVEY_DB": empty_db}
    child = subprocess.Popen(
        [sys.executable, "-c", where, "import", str(bib)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    assert child.stderr is not None
    line = child.stderr.readline()
    assert line == "PAUSED\n", line + child.stderr.read()
    os.killpg(child.pid, sig)
    out, err = child.communicate(timeout=60)
    assert child.returncode == code, err
    assert err.strip() == "interrupted; nothing was changed", err
    assert _process_group_gone(child.pid), "the parsing child process outlived the import"
    assert snapshot(empty_db) == before


# -- 7. waits are bounded and spoken -------------------------------------------------------------------------


def _hold_sqlite_write_lock(url: str) -> sqlite3.Connection:
    writer = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    return writer


def _write_on_a_terminal(db: str, tmp_path: Path, wait: str) -> tuple[int, str, float]:
    """`survey --wait WAIT add ...` with stderr on a pseudo-terminal: exit code, what it said, seconds."""
    primary, secondary = pty.openpty()
    started = time.monotonic()
    child = subprocess.Popen(
        survey_command("--wait", wait, "add", "--title", "Waiting", db=db),
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=subprocess_env(tmp_path),
    )
    os.close(secondary)
    said = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        said += chunk
    child.wait(timeout=60)
    os.close(primary)
    return child.returncode, said.decode().replace("\r", ""), time.monotonic() - started


@pytest.mark.sqlite_only
def test_a_waiting_writer_says_so_on_a_terminal_and_gives_up(seeded_db, tmp_path: Path) -> None:
    writer = _hold_sqlite_write_lock(seeded_db)
    try:
        code, text, elapsed = _write_on_a_terminal(seeded_db, tmp_path, "3.5")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert code == 1, text
    assert text.count("waiting for another survey command to finish writing...") == 1
    assert "error: gave up after waiting 3.5 s" in text
    assert 3.5 <= elapsed < 20


@pytest.mark.sqlite_only
def test_survey_wait_bounds_a_writer_quietly_in_a_pipe(cli, seeded_db, monkeypatch) -> None:
    writer = _hold_sqlite_write_lock(seeded_db)
    try:
        monkeypatch.setenv("SURVEY_WAIT", "1")
        started = time.monotonic()
        run = cli("add", "--title", "Waiting", db=seeded_db)
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "gave up after waiting 1 s" in one_error_line(run)
    assert "waiting for another" not in run.stderr and 1 <= elapsed < 10
    assert cli("--wait", "soon", "stats", db=seeded_db).exit_code == 2


@pytest.mark.postgres
def test_a_postgresql_writer_says_so_and_gives_up_after_the_wait(cli, tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    databases = FreshDatabases(tmp_path, pg_url=PG_SERVER)
    try:
        url = databases.blank_postgres("locked")
        assert cli("init", db=url).exit_code == 0
        holder = create_engine(url).connect()
        try:
            transaction = holder.begin()
            holder.exec_driver_sql("LOCK TABLE papers IN ACCESS EXCLUSIVE MODE")
            code, text, elapsed = _write_on_a_terminal(url, tmp_path, "3.5")
            started = time.monotonic()
            quiet = cli("--wait", "1", "add", "--title", "Waiting", db=url)
            quiet_elapsed = time.monotonic() - started
            transaction.rollback()
        finally:
            holder.close()
            holder.engine.dispose()
        assert code == 1, text
        assert text.count("waiting for another survey command to finish writing...") == 1
        assert "error: gave up after waiting 3.5 s" in text and 3.5 <= elapsed < 20
        assert "gave up after waiting 1 s" in one_error_line(quiet) and quiet_elapsed < 15
        assert cli("add", "--title", "No longer waiting", db=url).exit_code == 0
    finally:
        databases.close()


def test_an_unanswering_postgresql_host_times_out(cli) -> None:
    """A server that takes the connection and never says a word (a firewall that drops, a hung host)."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        started = time.monotonic()
        run = cli("stats", db=f"postgresql+psycopg://u:{SECRET}@127.0.0.1:{port}/db?connect_timeout=2")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    line = one_error_line(run)
    assert SECRET not in line and elapsed < 15


def test_postgresql_connect_timeout_has_a_default(cli, monkeypatch) -> None:
    """Without connect_timeout in the URL the default applies (10 s; shortened here to be quick)."""
    from survey_db import db

    assert db.CONNECT_TIMEOUT == 10
    monkeypatch.setattr(db, "CONNECT_TIMEOUT", 2)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        started = time.monotonic()
        run = cli("stats", db=f"postgresql+psycopg://u@127.0.0.1:{silent.getsockname()[1]}/db")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    one_error_line(run)
    assert elapsed < 15


def test_db_current_calls_a_future_revision_newer(cli, seeded_db) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(seeded_db)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff9999'")
    engine.dispose()
    run = cli("db", "current", db=seeded_db)
    assert run.exit_code == 0 and "ffff9999 newer than this survey-db" in run.stdout, run.stdout
