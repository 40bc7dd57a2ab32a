"""What differs between the database engines, as SQL text: full-text search on SQLite (FTS5) and PostgreSQL
(a 'simple' tsvector), and the upkeep of SQLite's full-text index.

Both the SQLAlchemy queries (services.query) and plain sqlite3 readers run this SQL, so a search finds the
same papers in the same order on either path. The statements use named parameters (`:name`), which
sqlite3 and SQLAlchemy's `text()` both read. This module imports no SQLAlchemy.

Papers are searched by word prefixes of their folded `search_text` (title, authors, venue, abstract):
SQLite keeps it in the FTS5 table `papers_fts` (external content, kept by triggers), PostgreSQL answers
from a GIN index on `to_tsvector('simple', search_text)`; other engines fall back to LIKE (services.query).
Migration 0002 made both indexes; migrations are history and keep their own copy of that SQL.

>>> search_words("Speculative  Décodage, v2!")
['speculative', 'decodage', 'v2']
>>> sql, params = match_words("sqlite", ["spec", "dec"])
>>> sql, params
('SELECT papers_fts.rowid FROM papers_fts WHERE papers_fts MATCH :words', {'words': '"spec"* "dec"*'})
>>> match_words("mysql", ["spec"]) is None
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from survey_db.identifiers import fold_ascii

# SQLite's full-text index of papers.search_text (an FTS5 table whose rowid is the paper's id).
FTS_TABLE = "papers_fts"
# PostgreSQL's text search configuration: no stemming or stop words, so that every word is a prefix.
TS_CONFIG = "simple"


def search_words(text: str) -> list[str]:
    """The words a search looks for: folded to lower-case ASCII, split at anything not a letter or digit."""
    folded = fold_ascii(text).lower()
    return "".join(ch if ch.isalnum() else " " for ch in folded).split()


def fts5_query(words: list[str]) -> str:
    """An FTS5 query for papers holding every word as a prefix: '"spec"* "dec"*'."""
    return " ".join(f'"{word}"*' for word in words)


def tsquery(words: list[str]) -> str:
    """A PostgreSQL tsquery for papers holding every word as a prefix: 'spec:* & dec:*'."""
    return " & ".join(f"{word}:*" for word in words)


@dataclass(frozen=True)
class TextSearch:
    """How one engine finds papers by word prefixes: `SELECT {id} FROM {source} WHERE {condition}` gives the
    ids of the matching papers, `ORDER BY {order}` puts the best first (ties by id). In `condition` and
    `order`, `{param}` stands for the name of the parameter that holds `value(words)`."""

    source: str
    id: str
    condition: str
    order: str
    value: Callable[[list[str]], str]

    def where(self, param: str) -> str:
        return self.condition.format(param=param)

    def order_by(self, param: str) -> str:
        return self.order.format(param=param)

    def params(self, words: list[str], param: str) -> dict[str, str]:
        return {param: self.value(words)}


_VECTOR = f"to_tsvector('{TS_CONFIG}', papers.search_text)"
_QUERY = f"to_tsquery('{TS_CONFIG}', :{{param}})"

TEXT_SEARCH = {
    "sqlite": TextSearch(
        source=FTS_TABLE,
        id=f"{FTS_TABLE}.rowid",
        condition=f"{FTS_TABLE} MATCH :{{param}}",
        order=f"bm25({FTS_TABLE}), {FTS_TABLE}.rowid",
        value=fts5_query,
    ),
    "postgresql": TextSearch(
        source="papers",
        id="papers.id",
        condition=f"{_VECTOR} @@ {_QUERY}",
        order=f"ts_rank({_VECTOR}, {_QUERY}) DESC, papers.id",
        value=tsquery,
    ),
}


def text_search(dialect: str) -> TextSearch | None:
    """The full-text search of an engine ('sqlite', 'postgresql'), None where there is none (use LIKE)."""
    return TEXT_SEARCH.get(dialect)


def match_words(dialect: str, words: list[str], param: str = "words") -> tuple[str, dict[str, str]] | None:
    """A SELECT of the ids of papers holding every word as a prefix, and its parameters; None for an engine
    without a full-text index."""
    search = text_search(dialect)
    if search is None:
        return None
    sql = f"SELECT {search.id} FROM {search.source} WHERE {search.where(param)}"
    return sql, search.params(words, param)


def rank_by_text(
    dialect: str, words: list[str], param: str = "words", *, within: str | None = None
) -> tuple[str, dict[str, str]] | None:
    """A SELECT of the ids of papers holding every word as a prefix, best match first, and its parameters;
    `within` is a SELECT of the ids to keep (its parameters are the caller's). None for an engine without a
    full-text index.

    >>> rank_by_text("sqlite", ["spec"], within="SELECT 1")[0]  # doctest: +NORMALIZE_WHITESPACE
    'SELECT papers_fts.rowid FROM papers_fts WHERE papers_fts MATCH :words AND papers_fts.rowid IN (SELECT 1)
     ORDER BY bm25(papers_fts), papers_fts.rowid'
    """
    search = text_search(dialect)
    if search is None:
        return None
    sql = f"SELECT {search.id} FROM {search.source} WHERE {search.where(param)}"
    if within is not None:
        sql += f" AND {search.id} IN ({within})"
    sql += f" ORDER BY {search.order_by(param)}"
    return sql, search.params(words, param)


# -- upkeep of SQLite's full-text index -------------------------------------------------------------------


def fts_automerge(segments: int) -> str:
    """The statement that sets how many segments FTS5 gathers before merging them (4 is its default; a bulk
    import raises it meanwhile)."""
    return f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', {int(segments)})"


# Rebuilds the full-text index from papers.search_text (after rows were copied in without the triggers).
FTS_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"
