"""The shipped survey: seeds load into the schema, dump back byte for byte, and match the upstream list."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from survey_db.db import open_database
from survey_db.models import Paper, PaperAuthor, Section, Topic
from survey_db.paths import seeds_dir
from survey_db.services.seeds import PAPERS_FILE, TAXONOMY_FILE


def counts(url: str) -> dict[str, int]:
    database = open_database(url)
    with database.session() as session:
        result = {
            "papers": session.scalar(select(func.count(Paper.id))),
            "sections": session.scalar(select(func.count(Section.id))),
            "topics": session.scalar(select(func.count(Topic.id))),
            "without_authors": session.scalar(
                select(func.count(Paper.id)).where(Paper.id.not_in(select(PaperAuthor.paper_id)))
            ),
            "without_year": session.scalar(select(func.count(Paper.id)).where(Paper.year.is_(None))),
        }
    database.engine.dispose()
    return result


def test_seeded_database_holds_the_survey(seeded_db):
    assert counts(seeded_db) == {
        "papers": 91,
        "sections": 33,
        "topics": 36,
        "without_authors": 0,
        "without_year": 0,
    }


def test_seeding_twice_changes_nothing(cli, seeded_db, tmp_path: Path):
    before = cli("dump", tmp_path / "before", db=seeded_db)
    assert before.exit_code == 0
    again = cli("seed", db=seeded_db)
    assert again.exit_code == 0, again.stderr
    assert "0 added, 0 updated, 91 skipped" in again.stderr
    cli("dump", tmp_path / "after", db=seeded_db)
    for name in (PAPERS_FILE, TAXONOMY_FILE):
        assert (tmp_path / "before" / name).read_bytes() == (tmp_path / "after" / name).read_bytes()


def test_seed_then_dump_reproduces_the_seed_files(cli, seeded_db, tmp_path: Path):
    assert cli("dump", tmp_path / "out", db=seeded_db).exit_code == 0
    for name in (PAPERS_FILE, TAXONOMY_FILE):
        assert (tmp_path / "out" / name).read_bytes() == (seeds_dir() / name).read_bytes(), name


def test_first_use_creates_and_seeds_with_one_notice(cli, tmp_path: Path):
    result = cli(
        "query", "--topic", "Speculative Decoding", "--format", "keys", db=str(tmp_path / "first.db")
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("created a survey database") == 1
    assert len(result.lines) == 3
    second = cli("stats", db=str(tmp_path / "first.db"))
    assert "created" not in second.stderr


def test_init_empty_and_refusing_an_existing_file(cli, tmp_path: Path):
    target = str(tmp_path / "mine.db")
    assert cli("init", "--empty", db=target).exit_code == 0
    assert json.loads(cli("stats", "--format", "json", db=target).stdout)["papers"] == 0
    again = cli("init", db=target)
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_broken_seed_file_is_one_line_and_changes_nothing(cli, empty_db, tmp_path: Path):
    broken = tmp_path / "seeds"
    broken.mkdir()
    (broken / PAPERS_FILE).write_text((seeds_dir() / PAPERS_FILE).read_text())
    (broken / TAXONOMY_FILE).write_text('[[sections]]\npath = ["A"]\npapers = ["nosuchkey2020"]\n')
    result = cli("seed", broken, db=empty_db)
    assert result.exit_code == 1
    assert "unknown key 'nosuchkey2020'" in result.stderr and len(result.stderr.splitlines()) == 1
    assert json.loads(cli("stats", "--format", "json", db=empty_db).stdout)["papers"] == 0
    (broken / TAXONOMY_FILE).write_text("[[sections]\n")
    assert cli("seed", broken, db=empty_db).exit_code == 1


def survey_shape(cli, db: str) -> tuple[list, list, dict]:
    """(sections with their ordered paper titles, titles, topics by title) of a database."""
    papers = json.loads(cli("query", "--format", "json", db=db).stdout)
    by_key = {p["key"]: p for p in papers}
    tree = json.loads(cli("sections", "--format", "json", db=db).stdout)
    sections = []
    for section in tree:
        keys = cli("query", "--section", " > ".join(section["path"]), "--format", "keys", db=db).lines
        own = [by_key[k]["title"] for k in keys if section["path"] in by_key[k]["sections"]]
        sections.append((section["path"], own))
    topics = {p["title"]: sorted(p["topics"]) for p in papers}
    return sections, sorted(by_key[k]["title"] for k in by_key), topics


def upstream_corrections() -> list[list[str]]:
    """The `survey` commands of scripts/upstream-corrections, as argument lists."""
    import shlex

    text = (Path(__file__).parents[1] / "scripts" / "upstream-corrections").read_text(encoding="utf-8")
    return [shlex.split(line) for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_upstream_readme_import_matches_the_seeds(cli, empty_db, seeded_db, upstream: Path):
    result = cli("import", upstream / "README.md", db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "91 added" in result.stdout and "33 sections added" in result.stdout
    metadata = cli("import", upstream / "papers_metadata.tsv", db=empty_db)
    assert metadata.exit_code == 0, metadata.stderr
    assert "0 added, 91 updated, 0 skipped" in metadata.stdout


def test_build_seeds_steps_give_the_seeds(cli, empty_db, seeded_db, upstream: Path):
    """What scripts/build-seeds does: the metadata table, the README, then the corrections of the list's
    known slips (keys come from the table's authors, so the corrections name the seeds' keys)."""
    for name in ("papers_metadata.tsv", "README.md"):
        imported = cli("import", upstream / name, db=empty_db)
        assert imported.exit_code == 0, imported.stderr
    for command in upstream_corrections():
        corrected = cli(*command, db=empty_db)
        assert corrected.exit_code == 0, corrected.stderr
    assert survey_shape(cli, empty_db) == survey_shape(cli, seeded_db)
    fields = ("key", "title", "url", "arxiv_id", "doi", "year", "venue", "authors")

    def papers(url: str) -> dict[str, dict]:
        rows = json.loads(cli("query", "--format", "json", db=url).stdout)
        return {row["key"]: {f: row[f] for f in fields} for row in rows}

    assert papers(empty_db) == papers(seeded_db)
