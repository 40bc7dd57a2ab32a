"""The schema: one migration head, models and migrations agree, databases are created and checked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from survey_db.db import SCHEMA_REVISION, current_revision, head_revision, open_database, resolve_url
from survey_db.errors import DatabaseError


def test_one_head_and_code_knows_it():
    assert head_revision() == SCHEMA_REVISION


def test_models_and_migrations_agree(empty_db):
    from alembic import command

    from survey_db.db import _alembic_config

    database = open_database(empty_db)
    with database.engine.connect() as connection:
        command.check(_alembic_config(connection))  # raises when autogenerate would find changes
    database.engine.dispose()


def test_new_database_is_created_and_migrated(tmp_path: Path):
    database = open_database(resolve_url(str(tmp_path / "new.db")))
    assert database.created
    assert current_revision(database.engine) == SCHEMA_REVISION
    again = open_database(resolve_url(str(tmp_path / "new.db")))
    assert not again.created and not again.migrated


def test_a_folder_name_with_uri_characters_is_part_of_the_path(cli, tmp_path: Path):
    """'?', '#' and '%' in a folder's name belong to the path (a URL parser would cut it at '?')."""
    folder = tmp_path / "a?b#c%d"
    folder.mkdir()
    assert cli("init", db=str(folder / "survey.db")).exit_code == 0
    assert [p.name for p in tmp_path.iterdir() if p.name != "xdg"] == ["a?b#c%d"]  # no file "a"
    assert (folder / "survey.db").stat().st_size > 0
    keys = cli("query", "--topic", "Speculative Decoding", "--format", "keys", db=str(folder / "survey.db"))
    assert keys.stdout.split() == ["leviathan2023fast", "xia2024unlocking", "chen2023accelerating"]


def test_missing_folder_is_an_error(tmp_path: Path):
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(resolve_url(str(tmp_path / "nowhere" / "x.db")))


def test_file_that_is_not_sqlite_is_an_error(tmp_path: Path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(DatabaseError, match="cannot open database"):
        open_database(resolve_url(str(path)))
    assert path.read_text().startswith("these are my notes")


def test_sqlite_database_of_another_program_is_an_error(tmp_path: Path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE things (id INTEGER)")
    with pytest.raises(DatabaseError, match="not a survey database"):
        open_database(resolve_url(str(path)))


def test_url_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("SURVEY_DB", str(tmp_path / "env.db"))
    assert resolve_url(None) == "sqlite:///" + str(tmp_path / "env.db")
    assert resolve_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    monkeypatch.delenv("SURVEY_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_url(None).endswith("/data/survey-db/survey.db")
