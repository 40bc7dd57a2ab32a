"""The survey's own metadata: init --title, meta show / set, and the Markdown export's H1 and intro."""

from __future__ import annotations

import json


def meta(cli, db):
    result = cli("meta", "show", "--format", "json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_init_empty_with_a_title_names_the_exported_readme(cli, tmp_path):
    db = str(tmp_path / "mine.db")
    created = cli("init", "--empty", "--title", "Small Models Everywhere", db=db)
    assert created.exit_code == 0, created.stderr
    assert meta(cli, db) == {"title": "Small Models Everywhere"}
    assert cli("meta", "show", db=db).stdout == "title: Small Models Everywhere\n"
    readme = cli("export", "--markdown", db=db).stdout
    assert readme.startswith("# Small Models Everywhere ")
    assert cli("init", "--empty", "--title", "  ", db=str(tmp_path / "other.db")).exit_code == 1


def test_an_empty_survey_without_a_title_exports_papers(cli, empty_db):
    assert meta(cli, empty_db) == {}
    assert "no survey metadata yet" in cli("meta", "show", db=empty_db).stderr
    assert cli("export", "--markdown", db=empty_db).stdout.startswith("# Papers ")


def test_meta_set_each_field_and_the_readme_uses_them(cli, empty_db):
    for name, value in (
        ("title", "Small Models Everywhere"),
        ("description", "Papers where a *small* model helps a large one."),
        ("authors", "Ada Lovelace and Alan Turing"),
        ("url", "https://example.org/survey"),
    ):
        result = cli("meta", "set", name, value, db=empty_db)
        assert result.exit_code == 0, result.stderr
        assert f"survey {name} set" in result.stderr
    readme = cli("export", "--markdown", db=empty_db).stdout
    head = readme.split("<!-- survey-db:begin -->")[0].splitlines()
    assert head[0].startswith("# Small Models Everywhere ")
    assert head[2] == "Papers where a *small* model helps a large one."
    assert head[4] == "By Ada Lovelace and Alan Turing. <https://example.org/survey>"
    # '' removes a field.
    assert cli("meta", "set", "description", "", db=empty_db).exit_code == 0
    assert "description" not in meta(cli, empty_db)


def test_meta_set_refuses_bad_input_and_changes_nothing(cli, empty_db):
    assert cli("meta", "set", "title", "Mine", db=empty_db).exit_code == 0
    for args, message in (
        (("subtitle", "x"), "unknown survey field 'subtitle'; choose one of title, description"),
        (("url", "ftp://example.org"), "is not an http(s) URL"),
        (("title", "x" * 400), "at most 300 characters"),
    ):
        result = cli("meta", "set", *args, db=empty_db)
        assert result.exit_code == 1 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert meta(cli, empty_db) == {"title": "Mine"}


def test_metadata_survives_dump_and_seed(cli, empty_db, tmp_path):
    for name, value in (("title", "Mine"), ("description", "Two\nlines."), ("url", "https://example.org")):
        assert cli("meta", "set", name, value, db=empty_db).exit_code == 0
    assert cli("dump", tmp_path / "seeds", db=empty_db).exit_code == 0
    fresh = str(tmp_path / "fresh.db")
    assert cli("init", "--empty", db=fresh).exit_code == 0
    assert cli("seed", tmp_path / "seeds", db=fresh).exit_code == 0
    assert meta(cli, fresh) == {"description": "Two\nlines.", "title": "Mine", "url": "https://example.org"}
