"""Migrations: a database made at every earlier revision and filled with data upgrades to the newest
schema without losing anything (and full-text search finds the old papers); `survey db downgrade` steps
back and `survey db upgrade` forward; every command runs on a new database of the engine under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from dbtools import FreshDatabases, snapshot, sqlite_integrity
from survey_db.db import SCHEMA_REVISION, current_revision, make_engine, open_database, upgrade


def revisions() -> list[str]:
    """Every revision from the first to the head."""
    from alembic.script import ScriptDirectory

    from survey_db.db import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


# -- data written with the SQL of an old schema --------------------------------------------------------------

PAPERS_0001 = [
    # id, key, type, title, title_norm, search_text, year, venue_id, url, code, arxiv, doi, extra
    (1, "leviathan2023fast", "inproceedings", "Fast Inference from Transformers via Speculative Decoding",
     "fast inference from transformers via speculative decoding",
     " fast inference from transformers via speculative decoding yaniv leviathan matan kalman icml ",
     2023, 1, "https://arxiv.org/abs/2211.17192", None, "2211.17192", None, {"publisher": "PMLR"}),
    (2, "muller2024uber", "article", "Über große Sprachmodelle: {LLM} & more",
     "uber grosse sprachmodelle llm more", " uber grosse sprachmodelle llm more jurgen muller jmlr ",
     2024, 2, None, "https://github.com/x/y", None, "10.5555/abc.1", {}),
    (3, "anon2020orphan", "misc", "An orphan preprint without authors", "an orphan preprint without authors",
     " an orphan preprint without authors ", None, None, None, None, None, None, {"howpublished": "x"}),
]  # fmt: skip


def fill_0001(connection) -> None:
    """Rows for the tables of revision 0001 (plain SQL, as a program of that time would have written)."""

    def run(sql: str, rows: list[dict]) -> None:
        connection.execute(text(sql), rows)

    run("INSERT INTO venues (id, short_name, full_name, kind) VALUES (:id, :s, :f, :k)", [
        {"id": 1, "s": "ICML", "f": "International Conference on Machine Learning", "k": "conference"},
        {"id": 2, "s": "JMLR", "f": None, "k": "journal"},
    ])  # fmt: skip
    run("INSERT INTO authors (id, first, von, last, jr, name_folded) VALUES (:id, :f, :v, :l, '', :n)", [
        {"id": 1, "f": "Yaniv", "v": "", "l": "Leviathan", "n": "yaniv leviathan"},
        {"id": 2, "f": "Matan", "v": "", "l": "Kalman", "n": "matan kalman"},
        {"id": 3, "f": "Jürgen", "v": "von", "l": "Müller", "n": "jurgen von muller"},
    ])  # fmt: skip
    run(
        "INSERT INTO papers (id, key, entry_type, title, title_norm, search_text, year, venue_id, url, "
        "code_url, arxiv_id, doi, pages, abstract, note, extra_fields, raw_fields, created_at, updated_at) "
        "VALUES (:id, :key, :type, :title, :norm, :search, :year, :venue, :url, :code, :arxiv, :doi, NULL, "
        ":abstract, NULL, :extra, '{}', '2023-05-01 10:00:00', '2023-06-02 11:30:00.250000')",
        [
            dict(zip(("id", "key", "type", "title", "norm", "search", "year", "venue", "url", "code",
                      "arxiv", "doi"), row[:12], strict=True))
            | {"extra": json.dumps(row[12]), "abstract": "Line one.\nLine two." if row[0] == 1 else None}
            for row in PAPERS_0001
        ],
    )  # fmt: skip
    run("INSERT INTO paper_authors (paper_id, position, author_id) VALUES (:p, :pos, :a)", [
        {"p": 1, "pos": 0, "a": 1}, {"p": 1, "pos": 1, "a": 2}, {"p": 2, "pos": 0, "a": 3},
    ])  # fmt: skip
    run("INSERT INTO topics (id, name, slug) VALUES (:id, :n, :s)", [
        {"id": 1, "n": "Speculative Decoding", "s": "speculative-decoding"},
        {"id": 2, "n": "Language Models", "s": "language-models"},
    ])  # fmt: skip
    run("INSERT INTO paper_topics (paper_id, topic_id, position) VALUES (:p, :t, :pos)", [
        {"p": 1, "t": 1, "pos": 0}, {"p": 1, "t": 2, "pos": 1}, {"p": 2, "t": 2, "pos": 0},
    ])  # fmt: skip
    # The child section has the smaller id: a tree moved about after it was made.
    run("INSERT INTO sections (id, parent_id, title, slug, position, description) VALUES "
        "(:id, NULL, :t, :s, :pos, :d)", [
        {"id": 2, "t": "Efficient Inference", "s": "efficient-inference", "pos": 0, "d": "Faster models."},
        {"id": 1, "t": "Speculative Decoding", "s": "speculative-decoding", "pos": 0, "d": None},
    ])  # fmt: skip
    connection.execute(text("UPDATE sections SET parent_id = 2 WHERE id = 1"))
    run("INSERT INTO placements (section_id, paper_id, position) VALUES (:s, :p, :pos)", [
        {"s": 1, "p": 1, "pos": 0}, {"s": 2, "p": 2, "pos": 0},
    ])  # fmt: skip
    run("INSERT INTO key_aliases (alias, paper_id) VALUES (:a, :p)", [{"a": "leviathan2022fast", "p": 1}])
    run("INSERT INTO survey_meta (name, value) VALUES (:n, :v)", [
        {"n": "title", "v": "A Survey of Small Models"}, {"n": "citation", "v": "@misc{x, title={y}}"},
    ])  # fmt: skip
    if connection.dialect.name == "postgresql":  # rows came with ids: move the sequences past them
        for table in ("venues", "authors", "papers", "topics", "sections"):
            connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            )


# Revision -> how to fill a database at that revision. Migration 0002 added only the full-text index, so
# the SQL of 0001 still fits it. A new migration must add its predecessor here (a test checks this).
FILLS = {"0001": fill_0001, "0002": fill_0001}
# Columns each revision added: a database from before it has none of them (compared without them).
ADDED_COLUMNS = {"0003": {"papers": {"protected_fields"}}}


def added_after(revision: str) -> dict[str, set[str]]:
    later = revisions()[revisions().index(revision) + 1 :]
    added: dict[str, set[str]] = {}
    for each in later:
        for table, columns in ADDED_COLUMNS.get(each, {}).items():
            added.setdefault(table, set()).update(columns)
    return added


@pytest.fixture
def fresh(tmp_path: Path):
    databases = FreshDatabases(tmp_path)
    yield databases
    databases.close()


def test_every_earlier_revision_has_a_fill():
    assert revisions()[-1] == SCHEMA_REVISION
    assert set(revisions()[:-1]) <= set(FILLS), "add a fill function for the previous head revision"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("revision", revisions()[:-1])
def test_database_at_earlier_revision_upgrades_without_loss(revision: str, fresh, cli):
    url = fresh.blank(f"rev{revision}")
    engine = make_engine(url)
    upgrade(engine, revision)
    assert current_revision(engine) == revision
    with engine.begin() as connection:
        FILLS[revision](connection)
    engine.dispose()
    before = snapshot(url)
    assert len(before["papers"]) == len(PAPERS_0001)

    # Any command migrates an old database first, with one notice.
    found = cli("query", "speculative", "--format", "keys", db=url)
    assert found.exit_code == 0, found.stderr
    assert "upgraded the database schema" in found.stderr
    assert found.lines == ["leviathan2023fast"]
    database = open_database(url, create=False, migrate=False)
    assert current_revision(database.engine) == SCHEMA_REVISION
    database.engine.dispose()
    assert snapshot(url, added_after(revision)) == before
    assert sqlite_integrity(url) == []
    # Rows from before protected fields existed protect nothing: `survey update` may upgrade them.
    with make_engine(url).connect() as connection:
        assert (
            connection.execute(
                text("SELECT COUNT(*) FROM papers WHERE protected_fields IS NOT NULL")
            ).scalar()
            == 0
        )

    # Full-text search finds the old papers, by title, author, venue and folded accents.
    for words, key in [
        ("transformers decod", "leviathan2023fast"),
        ("kalman", "leviathan2023fast"),
        ("grosse sprach", "muller2024uber"),
        ("Über", "muller2024uber"),
        ("jmlr", "muller2024uber"),
        ("orphan preprint", "anon2020orphan"),
    ]:
        result = cli("query", words, "--format", "keys", db=url)
        assert result.lines == [key], (words, result.stdout, result.stderr)

    # The old rows read back whole, and new rows go in after them.
    shown = json.loads(cli("show", "leviathan2022fast", "--format", "json", db=url).stdout)
    assert shown["key"] == "leviathan2023fast"
    assert shown["authors"] == ["Yaniv Leviathan", "Matan Kalman"]
    assert shown["sections"] == [["Efficient Inference", "Speculative Decoding"]]
    assert shown["abstract"] == "Line one.\nLine two."
    assert shown["extra"] == {"publisher": "PMLR"}
    added = cli("add", "--title", "A paper added after the upgrade", "--author", "Yaniv Leviathan", db=url)
    assert added.exit_code == 0, added.stderr
    assert cli("export", "--bibtex", db=url).stdout.count("@") == 4
    assert cli("check", db=url).exit_code in (0, 1)


@pytest.mark.timeout(120)
def test_downgrade_to_previous_revision_and_back(seeded_db, cli):
    before = snapshot(seeded_db)
    previous = revisions()[-2]
    before_without_new_columns = snapshot(seeded_db, added_after(previous))

    down = cli("db", "downgrade", db=seeded_db)
    assert down.exit_code == 0, down.stderr
    assert down.stderr.strip() == f"schema at revision {previous}"
    assert (
        cli("db", "current", db=seeded_db).stdout.strip()
        == f"{previous} behind (newest is {SCHEMA_REVISION})"
    )
    assert snapshot(seeded_db) == before_without_new_columns
    assert sqlite_integrity(seeded_db) == []

    up = cli("db", "upgrade", db=seeded_db)
    assert up.exit_code == 0, up.stderr
    assert up.stderr.strip() == f"schema at revision {SCHEMA_REVISION}"
    assert cli("db", "current", db=seeded_db).stdout.strip() == f"{SCHEMA_REVISION} up to date"
    assert snapshot(seeded_db) == before
    found = cli("query", "speculative decoding", "--format", "keys", db=seeded_db)
    assert "leviathan2023fast" in found.lines


@pytest.mark.timeout(60)
def test_downgrade_to_base_and_upgrade_again(empty_db, cli):
    assert cli("db", "downgrade", "base", db=empty_db).stderr.strip() == "schema at base: no survey tables"
    assert cli("db", "current", db=empty_db).stdout.strip() == f"base behind (newest is {SCHEMA_REVISION})"
    nothing_left = cli("db", "downgrade", db=empty_db)
    assert nothing_left.exit_code == 1
    up = cli("db", "upgrade", db=empty_db)
    assert up.exit_code == 0, up.stderr
    assert cli("db", "current", db=empty_db).stdout.strip() == f"{SCHEMA_REVISION} up to date"


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_unknown_revision_is_a_clean_error(empty_db, cli, command: str):
    result = cli("db", command, "nonsense", db=empty_db)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: cannot migrate to revision 'nonsense': Can't locate revision identified by 'nonsense'"
    ]


@pytest.mark.timeout(120)
def test_every_command_on_a_new_database(fresh, cli, tmp_path: Path):
    """`init` makes a seeded database on the engine under test (a PostgreSQL URL too), then every command
    runs on it."""
    url = fresh.blank("commands")

    def ok(*args: str, input: str | None = None):
        result = cli(*args, db=url, input=input)
        assert result.exit_code == 0, (args, result.stderr)
        return result

    assert "with 91 papers" in ok("init").stderr
    assert cli("init", db=url).exit_code == 1
    assert json.loads(ok("stats", "--format", "json").stdout)["papers"] == 91
    key = ok("add", "--title", "A test paper on every command", "--author", "Ada Lovelace", "--year", "2024",
             "--topic", "Testing", "--url", "https://example.org/p").lines[-1]  # fmt: skip
    ok("show", key, "--format", "json")
    ok("edit", key, "--note", "edited")
    ok("mv", key, "--section", "Speculative Decoding")
    assert key in ok("query", "every command", "--format", "keys").lines
    ok("query", "--topic", "Testing", "--year", "2020..2025", "--has-code", "--format", "csv")
    ok("topics")
    ok("sections")
    ok("topic", "rename", "Testing", "Tests")
    ok("section", "add", "Extra")
    ok("section", "add", "Extra > Deeper")
    ok("section", "rename", "Deeper", "Deepest")
    ok("section", "mv", "Deepest", "--position", "1")
    ok("section", "rm", "Extra", "--force")
    for fmt in ("--bibtex", "--biblatex", "--markdown", "--json", "--csl-json", "--csv"):
        ok("export", fmt)
    ok("export", "--markdown", "-o", str(tmp_path / "README.md"))
    assert cli("check", db=url).exit_code in (0, 1)  # 1: it found errors (a paper without a venue)
    ok("diff", str(tmp_path / "README.md"))
    ok("dump", str(tmp_path / "seeds"))
    ok("seed", str(tmp_path / "seeds"))
    ok("import", str(tmp_path / "seeds" / "papers.bib"))
    other = ok("add", "--title", "Fast inference from transformers via speculative decoding (preprint)",
               "--year", "2022").lines[-1]  # fmt: skip
    ok("merge", "leviathan2023fast", other)
    ok("keys", "regenerate", key, "--pattern", "{author}{year}{title2}")
    ok("rm", "leviathan2023fast", "--yes")
    ok("db", "current")
    ok("db", "backup", str(tmp_path / "backup.json"))
    assert cli("db", "restore", str(tmp_path / "backup.json"), db=url).exit_code == 1  # not empty
    ok("db", "restore", str(tmp_path / "backup.json"), "--force")
    assert json.loads(ok("stats", "--format", "json").stdout)["papers"] == 91
