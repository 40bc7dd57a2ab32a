"""The full-text SQL of survey_db.dialect, run by the plain driver, finds and ranks papers as the
SQLAlchemy queries of services.query do (on whichever engine the suite runs)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from survey_db import dialect
from survey_db.db import open_database, sqlite_path
from survey_db.services.query import Filters, find_ids, like_match, text_match

# Two words or more: no citation key is matched first, so the order is the engine's ranking alone.
SEARCHES = ["speculative decoding", "small lang", "Model Casc", "knowledge distil", "large language model"]


def _plain_rows(url: str, session, sql: str, params: dict) -> list:
    """Rows of `sql` from sqlite3 itself on a SQLite file, else through the session's connection."""
    path = sqlite_path(url)
    if path is None:
        return [tuple(row) for row in session.execute(text(sql), params)]
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


@pytest.mark.parametrize("search", SEARCHES)
def test_the_shared_sql_matches_and_ranks_as_the_queries(seeded_db, search):
    database = open_database(seeded_db)
    try:
        with database.session() as session:
            engine = session.get_bind().dialect.name
            words = dialect.search_words(search)
            sql, params = dialect.match_words(engine, words)
            found = {pid for (pid,) in _plain_rows(seeded_db, session, sql, params)}
            assert found, search
            assert found == set(session.scalars(text_match(session, search)))
            assert found == set(session.scalars(like_match(search)))

            sql, params = dialect.rank_by_text(engine, words)
            ranked = [pid for (pid,) in _plain_rows(seeded_db, session, sql, params)]
            assert ranked == find_ids(session, Filters(text=search), sort="relevance")[0]

            topic = session.execute(
                text("SELECT topic_id FROM paper_topics WHERE paper_id = :p"), {"p": ranked[0]}
            )
            topic_id = topic.scalar()
            name = session.execute(text("SELECT name FROM topics WHERE id = :t"), {"t": topic_id}).scalar()
            within = "SELECT paper_id FROM paper_topics WHERE topic_id = :topic"
            sql, params = dialect.rank_by_text(engine, words, "text", within=within)
            params["topic"] = topic_id
            ranked = [pid for (pid,) in _plain_rows(seeded_db, session, sql, params)]
            assert (
                ranked
                and ranked == find_ids(session, Filters(text=search, topics=[name]), sort="relevance")[0]
            )
    finally:
        database.engine.dispose()


def test_an_engine_without_an_index_has_no_shared_sql():
    assert dialect.text_search("mysql") is None
    assert dialect.match_words("mysql", ["x"]) is None and dialect.rank_by_text("mysql", ["x"]) is None


def test_the_full_text_index_is_the_one_the_migrations_made(empty_db):
    database = open_database(empty_db)
    try:
        with database.session() as session:
            engine = session.get_bind().dialect.name
            if engine == "sqlite":
                names = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
                assert dialect.FTS_TABLE in set(names)
                session.connection().exec_driver_sql(dialect.FTS_REBUILD)
                session.connection().exec_driver_sql(dialect.fts_automerge(4))
            else:
                indexes = session.execute(text("SELECT indexdef FROM pg_indexes WHERE tablename = 'papers'"))
                assert any(
                    f"to_tsvector('{dialect.TS_CONFIG}'::regconfig, search_text)" in each
                    for each in indexes.scalars()
                )
    finally:
        database.engine.dispose()
