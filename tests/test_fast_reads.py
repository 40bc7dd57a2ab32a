"""The plain-sqlite3 reads (services.fast_reads) against the SQLAlchemy reads (services.query) they stand in
for: random filter combinations, sorts and limits give the same papers in the same order.

On SQLite both paths read one file. With SURVEY_TEST_PG_URL the SQLAlchemy path reads PostgreSQL and the fast
path a SQLite file filled with the same data: the same set, and the same order for every sort but relevance
(BM25 and ts_rank rank differently).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dbtools import PG_URL
from survey_db.db import SCHEMA_REVISION, open_database, open_for_reading
from survey_db.errors import SurveyError
from survey_db.records import Name, PaperRecord
from survey_db.services import fast_reads, query
from survey_db.services import filters as filters_module
from survey_db.services.filters import SORTS, Filters

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import generate

# Papers that the generated collection lacks: no year, no venue, accents, a key with an old key.
EXTRA = [
    PaperRecord(title="Ünderstanding Tiny Models Without a Year", key="nodate_tiny",
                authors=[Name("José", "Núñez")], topics=["Edge Inference"],
                code_url="https://github.com/example/tiny"),
    PaperRecord(title="a lower-case title about cascades", key="lower2021cascade", year=2021,
                authors=[Name("J.", "Smith"), Name("Jane", "Smithson")], topics=["Model Cascading"]),
    PaperRecord(title="Zebra: Speculative Decoding at the End", key="zebra2024spec", year=2024,
                venue="NeurIPS", venue_full="Advances in Neural Information Processing Systems",
                topics=["Speculative Decoding"]),
    PaperRecord(title="Straße und Übersetzung: Machine Translation", key="strasse2019mt", year=2019,
                venue="ACL", authors=[Name("Jürgen", "Müller")], abstract="Decoding for translation."),
]  # fmt: skip
ALIASES = {"oldkey2020": 1, "former_name": 7, "spec-draft": 15}


def fill(url: str, seeds: Path) -> dict[int, str]:
    """The generated collection, the extra papers, old keys and second placements; returns key by id."""
    from sqlalchemy import select

    from survey_db.models import KeyAlias, Paper, Section
    from survey_db.services.papers import add_paper
    from survey_db.services.seeds import seed
    from survey_db.services.taxonomy import place

    database = open_database(url)
    try:
        with database.session() as session:
            seed(session, seeds)
            for record in EXTRA:
                add_paper(session, record)
            session.flush()
            ids = sorted(session.scalars(select(Paper.id)))
            for alias, index in ALIASES.items():
                session.add(KeyAlias(alias=alias, paper_id=ids[index]))
            sections = list(session.scalars(select(Section).order_by(Section.id)))
            for index in range(0, len(ids), 9):  # every ninth paper also in a section further down the tree
                paper = session.get(Paper, ids[index])
                place(session, paper, sections[(index * 7) % len(sections)], position=1 + index % 3)
        with database.reading() as session:
            return dict(session.execute(select(Paper.id, Paper.key)).all())
    finally:
        database.engine.dispose()


@pytest.fixture(scope="module")
def collection():
    return generate.generate(400, seed=11)


@pytest.fixture(scope="module")
def both(templates, tmp_path_factory, collection):
    """(the SQLAlchemy path's database, a sqlite3 connection of the fast path, key by id on each side)."""
    folder = tmp_path_factory.mktemp("fast")
    _bib, seeds = generate.write(collection, folder / "generated")
    lite = folder / "lite.db"
    lite_url = templates.copy("empty", False, lite) if not PG_URL else _fresh_sqlite(lite)
    lite_keys = fill(lite_url, seeds)
    if PG_URL:
        full_url = templates.copy("empty", False, folder / "unused.db")
        full_keys = fill(full_url, seeds)
    else:
        full_url, full_keys = lite_url, lite_keys
    database = open_database(full_url)
    connection = open_for_reading("sqlite:///" + str(lite))
    assert connection is not None
    yield database, connection, full_keys, lite_keys
    connection.close()
    database.engine.dispose()


def _fresh_sqlite(path: Path) -> str:
    url = "sqlite:///" + str(path)
    open_database(url).engine.dispose()
    return url


def _vocabulary(collection) -> dict[str, list[str]]:
    records = [entry.record for entry in collection.entries] + EXTRA
    words = sorted({word for r in records for word in r.title.split()[:3]})
    topics = sorted({topic for r in records for topic in r.topics})
    people = sorted({name.last for r in records for name in r.authors})
    venues = sorted({r.venue for r in records if r.venue})
    venues += sorted({r.venue_full.split()[0] for r in records if r.venue_full})  # part of a full name
    sections = [path for path, _ in collection.sections]
    return {"words": words, "topics": topics, "people": people, "venues": venues, "sections": sections,
            "keys": [r.key for r in records[:40] if r.key] + list(ALIASES)}  # fmt: skip


VOCABULARY = _vocabulary(generate.generate(400, seed=11))


def _variants(values: list[str]) -> st.SearchStrategy[str]:
    """A value as stored, lower-cased, slugified, cut to a prefix, or with its accents dropped."""
    from survey_db.identifiers import fold_ascii, slugify

    value = st.sampled_from(values)
    return st.one_of(
        value,
        value.map(str.lower),
        value.map(slugify),
        value.map(fold_ascii),
        value.map(lambda v: v[: max(1, len(v) // 2)]),
    )


def _sections() -> st.SearchStrategy[str]:
    paths = st.sampled_from(VOCABULARY["sections"])
    return st.one_of(
        paths.map(lambda path: path[-1]),
        paths.map(lambda path: " > ".join(path[-2:])),
        paths.map(lambda path: path[-1].lower()),
        st.just("No Such Section"),
        st.just("Methods"),  # a title several sections may share
    )


TEXT = st.one_of(
    st.lists(_variants(VOCABULARY["words"]), min_size=1, max_size=3).map(" ".join),
    st.sampled_from(VOCABULARY["keys"]),
    st.sampled_from(["decoding", "spec dec", "zzqx", "Über", "strasse", "--", "model's"]),
)
YEARS = st.one_of(
    st.integers(1994, 2026).map(str),
    st.tuples(st.integers(1994, 2026), st.integers(0, 8)).map(lambda p: f"{p[0]}..{p[0] + p[1]}"),
    st.integers(1994, 2026).map(lambda y: f"{y}.."),
    st.integers(1994, 2026).map(lambda y: f"..{y}"),
    st.sampled_from(["2024..2020", "20x", "1999-2001"]),
)


def _sometimes(strategy: st.SearchStrategy, one_in: int = 4) -> st.SearchStrategy:
    """`strategy` one time in `one_in`, else None: most queries give a few filters, not all of them."""
    return st.integers(1, one_in).flatmap(lambda n: strategy if n == 1 else st.none())


FILTERS = st.builds(
    Filters,
    text=_sometimes(TEXT),
    topics=_sometimes(
        st.lists(_variants(VOCABULARY["topics"]), min_size=1, max_size=2) | st.just(["Nonexistent Topic"]),
        3,
    ).map(lambda topics: topics or []),
    section=_sometimes(_sections()),
    venue=_sometimes(_variants(VOCABULARY["venues"])),
    year=_sometimes(YEARS),
    author=_sometimes(_variants(VOCABULARY["people"]) | st.sampled_from(["j smith", "jose", "mull", "--"])),
    has_code=st.none() | st.booleans(),
    keys=_sometimes(st.lists(st.sampled_from(VOCABULARY["keys"]), max_size=4), 10),
)
LIMITS = st.sampled_from([None, 0, 1, 3, 10, 60])


def _answer(run):
    try:
        return run()
    except SurveyError as exc:
        return type(exc).__name__, str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=FILTERS, sort=st.sampled_from(SORTS), limit=LIMITS, small_match=st.sampled_from([2000, 5]))
def test_both_paths_select_the_same_papers_in_the_same_order(
    both, monkeypatch, filters, sort, limit, small_match
):
    database, connection, full_keys, lite_keys = both
    # A small threshold sends a query with a limit through the read of sections in tree order.
    monkeypatch.setattr(filters_module, "SMALL_MATCH", small_match)
    with database.reading() as session:
        full = _answer(lambda: query.find_ids(session, filters, sort=sort, limit=limit or None))
    lite = _answer(lambda: fast_reads.find_ids(connection, filters, sort=sort, limit=limit or None))
    if isinstance(full[0], str) or isinstance(lite[0], str):  # an error: the same on both paths
        assert full == lite
        event(f"refused: {full[0]}")
        return
    event("found none" if not full[1] else "found some" if full[1] < 50 else "found many")
    (full_ids, full_total), (lite_ids, lite_total) = full, lite
    full_found = [full_keys[i] for i in full_ids]
    lite_found = [lite_keys[i] for i in lite_ids]
    assert full_total == lite_total
    if not PG_URL:
        assert full_found == lite_found
    elif sort == "relevance" and filters.text:  # BM25 and ts_rank: the same papers, each ranked its way
        assert len(full_found) == len(lite_found)
        if not limit:
            assert set(full_found) == set(lite_found)
    else:
        assert full_found == lite_found


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(text="decoding"), Filters(year="2020.."), Filters(section="No Such Section"),
     Filters(topics=["Speculative Decoding"], has_code=False)],
)  # fmt: skip
def test_both_paths_read_the_same_records(both, filters):
    from survey_db.services.selection import selected_papers

    database, connection, full_keys, lite_keys = both
    with database.reading() as session:
        full = _answer(lambda: selected_papers(session, filters, sort="title", limit=80))
    lite = _answer(lambda: fast_reads.selected_papers(connection, filters, sort="title", limit=80))
    assert full == lite


def test_show_reads_what_the_models_read(both):
    """Every paper with an old key or two placements, by key and by old key, as `survey show` read it."""
    from sqlalchemy import func, select

    from survey_db.models import KeyAlias, Paper, Placement
    from survey_db.services.papers import find_paper, paper_to_record
    from survey_db.services.reading import ExportedPaper
    from survey_db.services.taxonomy import section_tree

    database, connection, _full_keys, _lite_keys = both
    with database.reading() as session:
        twice = select(Placement.paper_id).group_by(Placement.paper_id).having(func.count() > 1)
        keys = list(session.scalars(select(Paper.key).where(Paper.id.in_(twice)))) + list(ALIASES)
        assert len(keys) > 20
        for key in keys + ["nodate_tiny", "strasse2019mt"]:
            paper = find_paper(session, key)
            paths = {node.section.id: node.path for node in section_tree(session)}
            record = paper_to_record(paper)
            record.protected = []  # `show` prints no protected fields; the plain reader leaves them out
            expected = (ExportedPaper(record, [paths[p.section_id] for p in paper.placements]),
                        sorted(a.alias for a in paper.aliases))  # fmt: skip
            found = fast_reads.paper_by_key(connection, key)
            if PG_URL:  # the placements come in each engine's table order (the relationship has none)
                found[0].sections.sort()
                expected[0].sections.sort()
            assert found == expected, key
        assert session.scalar(select(KeyAlias).limit(1)) is not None
    with pytest.raises(SurveyError) as missing:
        fast_reads.paper_by_key(connection, "leviathan2023fastt")
    with database.reading() as session, pytest.raises(SurveyError) as expected_error:
        find_paper(session, "leviathan2023fastt")
    assert str(missing.value) == str(expected_error.value)


def test_the_counts_are_the_same_on_both_connections(both):
    """stats, sections and topics run one set of statements: on the session's connection (any engine) and
    on the fast path's sqlite3 connection they count alike."""
    from survey_db.services import statistics
    from survey_db.services.selection import dbapi_connection

    database, connection, _full_keys, _lite_keys = both
    with database.reading() as session:
        full = dbapi_connection(session)
        assert statistics.totals(full) == statistics.totals(connection)
        assert statistics.survey_stats(full) == statistics.survey_stats(connection)
        assert statistics.topic_counts(full) == statistics.topic_counts(connection)
        assert statistics.survey_title(full) == statistics.survey_title(connection) == "A Synthetic Survey"
        years = statistics.papers_per_year(full)
    assert sorted(years, key=lambda row: (row[0] is not None, row[0] or 0)) == sorted(
        statistics.papers_per_year(connection), key=lambda row: (row[0] is not None, row[0] or 0)
    )


# -- when the fast path is taken ----------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_only_a_sqlite_file_at_the_current_revision_is_read_plainly(seeded_db, tmp_path):
    path = Path(seeded_db.removeprefix("sqlite:///"))
    connection = open_for_reading(seeded_db)
    assert connection is not None
    assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (SCHEMA_REVISION,)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("DELETE FROM papers")
    connection.close()
    assert open_for_reading("sqlite:///" + str(tmp_path / "missing.db")) is None  # created by the full path
    assert open_for_reading("postgresql+psycopg://user@localhost/survey") is None
    notes = tmp_path / "notes.db"
    notes.write_text("these are my notes, not a database\n" * 100)
    assert open_for_reading("sqlite:///" + str(notes)) is None  # the full path words the error
    older = tmp_path / "older.db"
    older.write_bytes(path.read_bytes())
    with sqlite3.connect(older) as writer:
        writer.execute("UPDATE alembic_version SET version_num = '0002'")
    assert open_for_reading("sqlite:///" + str(older)) is None  # migrated by the full path
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as writer:
        writer.execute("CREATE TABLE things (id INTEGER)")
    assert open_for_reading("sqlite:///" + str(other)) is None


# -- the commands -------------------------------------------------------------------------------------------

READ_COMMANDS = [
    ("query",),
    ("query", "--format", "keys"),
    ("query", "--topic", "Speculative Decoding", "--format", "json"),
    ("query", "decoding", "--format", "csv"),
    ("query", "model", "--sort", "year", "--limit", "7", "--format", "bibtex"),
    ("query", "--section", "Collaboration", "--year", "2023..", "--has-code"),
    ("query", "--author", "chen", "--sort", "title", "-n", "5", "--format", "json"),
    ("query", "--venue", "acl", "--no-code", "--format", "keys"),
    ("query", "--topic", "Nonexistent Topic"),
    ("query", "--section", "Nowhere At All", "--format", "keys"),
    ("query", "--year", "2024..2020"),
    ("query", "--sort", "shuffled"),
    ("show", "leviathan2023fast"),
    ("show", "leviathan2023fast", "--format", "json"),
    ("show", "leviathan2023fast", "--format", "bibtex"),
    ("show", "rocket2024launch"),
    ("show", "unal2024rocket", "--format", "json"),
    ("show", "leviathan2023fastt"),
    ("topics",),
    ("topics", "--format", "json"),
    ("sections",),
    ("sections", "--format", "json"),
    ("stats",),
    ("stats", "--format", "json"),
]


@pytest.fixture
def quirky_db(cli, seeded_db):
    """The shipped survey and a paper whose note and topic rich would print its own way (an emoji code,
    a tab), under an old key."""
    added = cli(
        "add", "--title", "Rocket Launch of Small Models", "--year", "2024", "--topic", ":fire: Hot Takes",
        "--note", "ships :rocket: fast\tand tabbed", "--author", "Zoë Ünal", "--key", "unal2024rocket",
        db=seeded_db,
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert cli("edit", "unal2024rocket", "--key", "rocket2024launch", db=seeded_db).exit_code == 0
    return seeded_db


def _sqlalchemy_path(monkeypatch):
    """Every command opens its database through SQLAlchemy, as before the plain reads."""
    from survey_db import db

    monkeypatch.setattr(db, "open_for_reading", lambda url: None)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_the_read_commands_print_the_same_on_both_paths(cli, quirky_db, monkeypatch, terminal):
    if terminal:  # rich writes for a terminal: tables, trees, colours
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
        monkeypatch.setenv("COLUMNS", "120")
    fast = [cli(*args, db=quirky_db) for args in READ_COMMANDS]
    _sqlalchemy_path(monkeypatch)
    full = [cli(*args, db=quirky_db) for args in READ_COMMANDS]
    for args, plain, through_orm in zip(READ_COMMANDS, fast, full, strict=True):
        assert plain == through_orm, args
    assert any(":fire:" in run.stdout or "\U0001f525" in run.stdout for run in fast)


def imported_by(argv: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules a run of the real CLI imported, and what it printed on stdout."""
    from dbtools import subprocess_env

    code = (
        "import sys\nfrom survey_db.cli import main\nsys.argv = ['survey', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stdout.flush()\nsys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)) + '\\n')"
    )
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120,
        env=subprocess_env(tmp_path) | (env or {}),
    )  # fmt: skip
    modules = done.stderr.rsplit("MODULES ", 1)[1].split()
    return set(modules), done.stdout


HEAVY = {"sqlalchemy", "alembic", "bibtexparser", "httpx", "markdown_it", "rich", "survey_db.models"}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("args", [args for args in READ_COMMANDS if "Nonexistent" not in " ".join(args)])
def test_the_read_commands_import_no_sqlalchemy(seeded_db, tmp_path, args):
    modules, out = imported_by(["--db", seeded_db, *args], tmp_path)
    assert not {name.split(".")[0] for name in modules} & HEAVY - {"survey_db"}, args
    assert "survey_db.models" not in modules
    if args == ("query", "--format", "keys"):
        assert "leviathan2023fast" in out.split()


@pytest.mark.sqlite_only
def test_a_completion_request_imports_no_sqlalchemy(seeded_db, tmp_path):
    env = {
        "_SURVEY_COMPLETE": "complete_bash",
        "COMP_WORDS": f"survey --db {seeded_db} query --topic Spec",
        "COMP_CWORD": "5",
    }
    modules, out = imported_by([], tmp_path, env)
    assert "Speculative\\ Decoding" in out.split("\n")
    assert not {name.split(".")[0] for name in modules} & HEAVY - {"survey_db"}
    assert "survey_db.models" not in modules


@pytest.mark.sqlite_only
def test_the_fallbacks_go_through_sqlalchemy(cli, seeded_db, tmp_path, monkeypatch):
    """A file that does not exist yet is created and seeded, an older one migrated: as before."""
    new = tmp_path / "new.db"
    created = cli("query", "--topic", "Speculative Decoding", "--format", "keys", db=str(new))
    assert created.exit_code == 0 and "created a survey database" in created.stderr
    assert "leviathan2023fast" in created.stdout.split()
    assert open_for_reading("sqlite:///" + str(new)) is not None


# -- database errors on the plain path are one line ---------------------------------------------------------


def _one_error_line(run) -> str:
    assert run.exit_code == 1, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    return lines[0]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("table", "args"),
    [("papers_fts", ("query", "decoding")), ("placements", ("sections",)), ("papers", ("show", "x")),
     ("paper_topics", ("topics",)), ("authors", ("stats",)), ("sections", ("query", "--format", "keys"))],
)  # fmt: skip
def test_a_missing_table_is_one_line(cli, seeded_db, monkeypatch, table, args):
    path = Path(seeded_db.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as writer:
        writer.execute("PRAGMA foreign_keys = OFF")
        writer.execute(f"DROP TABLE {table}")
    assert open_for_reading(seeded_db) is not None  # the revision is current: the plain path reads it
    plain = _one_error_line(cli(*args, db=seeded_db))
    assert plain == f"error: database error: no such table: {table}"
    _sqlalchemy_path(monkeypatch)
    assert _one_error_line(cli(*args, db=seeded_db)) == plain  # worded as the SQLAlchemy path words it


@pytest.mark.sqlite_only
def test_a_damaged_file_is_one_line(cli, seeded_db, tmp_path):
    source = Path(seeded_db.removeprefix("sqlite:///"))
    data = bytearray(source.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for number in range(2, 40):  # the b-tree pages after the header page, as a bad disk leaves them
        for offset in range(number * page, number * page + 20):
            data[offset] ^= 0xFF
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(bytes(data))
    for args in READ_COMMANDS:
        run = cli(*args, db=str(damaged))
        assert "Traceback" not in run.stderr
        if run.exit_code:
            _one_error_line(run)


@pytest.mark.sqlite_only
def test_a_locked_database_is_one_line(cli, seeded_db, monkeypatch):
    path = Path(seeded_db.removeprefix("sqlite:///"))
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE papers SET year = year")
        for args in (("query", "--format", "keys"), ("show", "leviathan2023fast"), ("stats",)):
            plain = _one_error_line(cli("--wait", "0.2", *args, db=seeded_db))
            assert plain.startswith("error: gave up after waiting 0.2 s"), plain
        _sqlalchemy_path(monkeypatch)
        assert _one_error_line(cli("--wait", "0.2", "query", db=seeded_db)) == plain
    finally:
        holder.close()


@pytest.mark.sqlite_only
def test_a_file_that_is_not_a_database_is_worded_as_before(cli, tmp_path, monkeypatch):
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"not a database at all" * 50)
    for args in (("query",), ("show", "x"), ("topics",), ("sections",), ("stats",)):
        assert _one_error_line(cli(*args, db=str(notes))).startswith("error: cannot open database")


@pytest.mark.parametrize(
    "text",
    ["plain", "3\tSpeculative Decoding", "ships :rocket: fast", "a\tb\tc", "Zoë\tÜnal", "x\x07y\rz",
     "line one\nline two", "trailing  ", "wide 漢字 ok", "nbsp\u00a0here", "url: https://a.b/c:d", ""],
)  # fmt: skip
def test_plain_lines_are_what_rich_prints(text, capsys, monkeypatch):
    from survey_db import render

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    render.print_lines([text])
    ours = capsys.readouterr().out
    render.console().print(text, markup=False, highlight=False)
    assert ours == capsys.readouterr().out


def test_the_plain_sql_names_the_models_tables_and_columns():
    """Every `table.column` the plain SQL of fast_reads and statistics names is a column of the models (the
    one source of the schema); papers_fts is the full-text index the migrations make beside them."""
    import re

    from survey_db.models import Base
    from survey_db.services import statistics

    tables = Base.metadata.tables
    named = set()
    for module in (fast_reads, statistics):
        source = Path(module.__file__).read_text(encoding="utf-8")
        source = re.sub(r'"""(?s:.*?)"""', "", source)  # docstrings
        source = re.sub(r"\{[^}]*\}", "", source)  # the placeholders of f-strings
        for text in re.findall(r'"([^"\n]*(?:SELECT|FROM|WHERE|ORDER BY|JOIN)[^"\n]*)"', source):
            named |= set(re.findall(r"\b([a-z_]+)\.([a-z_]+)\b", text))
    columns = {(table, column) for table, column in named if table in tables}
    assert len(columns) >= 25
    for table, column in columns:
        assert column in tables[table].columns, f"{table}.{column}"
    unknown = {table for table, _ in named if table not in tables}
    assert unknown <= {"papers_fts", "matching", "subtree"}, unknown
