"""Reads at the prompt without SQLAlchemy: `query` and `show` as plain SQL on a sqlite3 connection.

services.query answers the same questions through SQLAlchemy on every engine; this module is its twin for a
SQLite file (opened by `db.open_for_reading`), so that a query at 100,000 papers starts in the time of
importing typer instead of SQLAlchemy. Every filter, sort, tie-break and limit is the one services.query
applies (tests/test_fast_reads.py gives random filters to both and compares the keys, in order); the pure
parts (the filters, the search words, README order) are shared through services.filters and
services.tree, and the papers are read by services.reading's PaperReader, which both paths use.

>>> import sqlite3
>>> find_ids(sqlite3.connect(":memory:"), Filters(), sort="shuffled")
Traceback (most recent call last):
  ...
survey_db.errors.InputError: unknown sort 'shuffled'; choose one of position, relevance, year, title, added
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from survey_db.dialect import match_words, rank_by_text
from survey_db.errors import NotFoundError, did_you_mean
from survey_db.identifiers import fold_ascii, slugify
from survey_db.services import filters as _filters
from survey_db.services.filters import (
    Filters,
    author_pattern,
    check_sort,
    first_in_tree_order,
    in_tree_order,
    only_text,
    parse_year_range,
    required_words,
    searched_key,
    tree_ranks,
)

if TYPE_CHECKING:
    import sqlite3

    from survey_db.services.reading import ExportedPaper
    from survey_db.services.tree import SectionNode

# Keys read per round trip: few enough bound parameters for any SQLite build.
KEY_BATCH = 900

# The SELECT of a paper by key and by old key (alias), which `text` also matches when it is one word.
KEY_MATCH = (
    "SELECT papers.id FROM papers WHERE papers.key = {key} "
    "UNION SELECT key_aliases.paper_id FROM key_aliases WHERE key_aliases.alias = {key}"
)
SECTION_ROWS = (
    "SELECT sections.id, sections.parent_id, sections.title, sections.slug FROM sections "
    "ORDER BY sections.position, sections.id"
)
ORDERS = {
    "year": "papers.year DESC NULLS LAST, papers.key",
    "title": "lower(papers.title), papers.key",
    "added": "papers.id",
}


class Params(dict[str, object]):
    """The named parameters of a statement (`:p0`, `:p1`, ...: the SQL of `dialect` names its own)."""

    def bind(self, value: object) -> str:
        """The placeholder of a new parameter holding `value`."""
        name = f"p{len(self)}"
        self[name] = value
        return ":" + name

    def binds(self, values: Iterable[object]) -> str:
        """Comma-separated placeholders of new parameters, one for each value."""
        return ", ".join(self.bind(value) for value in values)

    def name(self) -> str:
        """The name of a new parameter, for SQL (of `dialect`) that binds it itself."""
        return f"p{len(self)}"


class Matching:
    """A SELECT of the ids (column `id`) of the papers the filters select, with its parameters."""

    def __init__(self, sql: str, params: Params):
        self.sql, self.params = sql, params

    def ids_in(self) -> str:
        """`IN (...)` of the matching ids, for a WHERE clause (its parameters are `params`)."""
        return f"IN (SELECT matching.id FROM ({self.sql}) AS matching)"

    def more(self) -> Params:
        """The parameters of a statement that holds this SELECT, to bind more to."""
        return Params(self.params)


def _rows(
    connection: sqlite3.Connection, sql: str, params: Mapping[str, object] | None = None
) -> list[tuple]:
    return connection.execute(sql, params or {}).fetchall()


def select_ids(connection: sqlite3.Connection, filters: Filters) -> Matching:
    """The SELECT of the ids of the papers matching the filters (services.query.select_ids)."""
    where: list[str] = []
    params = Params()
    if filters.text:
        where.append(f"papers.id IN ({_text_match(filters.text, params)})")
    for name in filters.topics:
        topic = params.bind(_topic_id(connection, name))
        where.append(
            "papers.id IN (SELECT paper_topics.paper_id FROM paper_topics "
            f"WHERE paper_topics.topic_id = {topic})"
        )
    if filters.section:
        subtree = _section_subtree(connection, filters.section, params)
        where.append(
            "papers.id IN (SELECT placements.paper_id FROM placements "
            f"WHERE placements.section_id IN ({subtree}))"
        )
    if filters.venue:
        wanted = filters.venue.strip().lower()
        where.append(
            "papers.venue_id IN (SELECT venues.id FROM venues WHERE lower(venues.short_name) = "
            f"{params.bind(wanted)} OR lower(venues.full_name) LIKE {params.bind(f'%{wanted}%')})"
        )
    if filters.year:
        low, high = parse_year_range(filters.year)
        if low is not None:
            where.append(f"papers.year >= {params.bind(low)}")
        if high is not None:
            where.append(f"papers.year <= {params.bind(high)}")
    if filters.author:
        pattern = params.bind(author_pattern(filters.author))
        where.append(
            "papers.id IN (SELECT paper_authors.paper_id FROM paper_authors WHERE paper_authors.author_id IN "
            f"(SELECT authors.id FROM authors WHERE authors.name_folded LIKE {pattern} ESCAPE '\\'))"
        )
    if filters.has_code is True:
        where.append("papers.code_url IS NOT NULL")
    elif filters.has_code is False:
        where.append("papers.code_url IS NULL")
    if filters.keys is not None:
        where.append(f"papers.key IN ({params.binds(filters.keys)})" if filters.keys else "1 != 1")
    sql = "SELECT papers.id AS id FROM papers"
    return Matching(sql + (" WHERE " + " AND ".join(where) if where else ""), params)


def _text_match(query_text: str, params: Params) -> str:
    """The SELECT of the ids of papers holding every word as a prefix (FTS5), and of the paper whose key or
    old key the text is (services.query.text_match)."""
    name = params.name()
    found = match_words("sqlite", required_words(query_text), name)
    assert found is not None  # SQLite has its full-text index
    sql, values = found
    params.update(values)
    key = searched_key(query_text)
    if key is not None:
        sql += " UNION " + KEY_MATCH.format(key=params.bind(key))
    return sql


def _topic_id(connection: sqlite3.Connection, name: str) -> int:
    """The id of a topic by name (case- and accent-insensitive) or slug; an unknown name is the
    NotFoundError of `taxonomy.resolve_topic`."""
    wanted = fold_ascii(name).lower().strip()
    slug = slugify(name)
    rows = _rows(connection, "SELECT topics.id, topics.name, topics.slug FROM topics ORDER BY topics.id")
    for topic_id, topic_name, topic_slug in rows:
        if fold_ascii(topic_name).lower().strip() == wanted or topic_slug in (name.strip(), slug):
            return topic_id
    # resolve_topic's candidates, in the order its query reads them (the table's).
    names = [row[1] for row in _rows(connection, "SELECT topics.id, topics.name, topics.slug FROM topics")]
    raise NotFoundError(did_you_mean(name, names, "topic"))


def _section_subtree(connection: sqlite3.Connection, name: str, params: Params) -> str:
    """The SELECT (or list) of the ids of a section and all its descendants (query._section_subtree)."""
    from survey_db.services.tree import find_section, subtree_ids

    slugs = Params()
    wanted = slugs.binds(dict.fromkeys((name.strip(), slugify(name))))
    found = _rows(connection, f"SELECT sections.id FROM sections WHERE sections.slug IN ({wanted})", slugs)
    if len(found) == 1:
        return (
            "WITH RECURSIVE subtree(id) AS (SELECT sections.id FROM sections WHERE sections.id = "
            f"{params.bind(found[0][0])} UNION ALL SELECT sections.id FROM sections, subtree "
            "WHERE sections.parent_id = subtree.id) SELECT subtree.id FROM subtree"
        )
    return params.binds(subtree_ids(find_section(section_nodes(connection), name)))


def section_nodes(connection: sqlite3.Connection) -> list[SectionNode]:
    """The section tree in tree order, as `taxonomy.section_tree` gives it."""
    from survey_db.services.tree import nodes_from_rows

    return nodes_from_rows(_rows(connection, SECTION_ROWS))


def find_ids(
    connection: sqlite3.Connection, filters: Filters, *, sort: str = "position", limit: int | None = None
) -> tuple[list[int], int]:
    """Matching paper ids in `sort` order, at most `limit` of them, and the total count
    (services.query.find_ids)."""
    check_sort(sort)
    matching = select_ids(connection, filters)
    everything = filters == Filters()
    if everything:
        total = _rows(connection, "SELECT count(*) FROM papers")[0][0]
    else:
        total = _rows(connection, f"SELECT count(*) FROM ({matching.sql}) AS matching", matching.params)[0][0]
    if not total:
        return [], 0
    if sort == "relevance" and filters.text:
        ids = _ids_by_relevance(connection, matching, filters, limit)
    elif sort in ("position", "relevance"):
        ids = _ids_in_tree_order(connection, matching, limit, total, everything)
    else:
        sql, params = "SELECT papers.id FROM papers", matching.more()
        if not everything:
            sql += " WHERE papers.id " + matching.ids_in()
        sql += " ORDER BY " + ORDERS[sort]
        if limit:
            sql += f" LIMIT {params.bind(limit)}"
        ids = [row[0] for row in _rows(connection, sql, params)]
    return ids, total


def _ids_by_relevance(
    connection: sqlite3.Connection, matching: Matching, filters: Filters, limit: int | None
) -> list[int]:
    """The paper whose key (or old key) the text is, then the others by BM25 (then id)."""
    text = filters.text or ""
    key = searched_key(text)
    text_only = only_text(filters)
    first: list[int] = []
    if key is not None:
        params = matching.more()
        sql = f"SELECT papers.id FROM papers WHERE papers.id IN ({KEY_MATCH.format(key=params.bind(key))})"
        if not text_only:
            sql += " AND papers.id " + matching.ids_in()
        first = [row[0] for row in _rows(connection, sql, params)]
    params = matching.more()
    within = None if text_only else f"SELECT matching.id FROM ({matching.sql}) AS matching"
    ranked = rank_by_text("sqlite", required_words(text), params.name(), within=within)
    assert ranked is not None  # SQLite has its full-text index
    sql, values = ranked
    params.update(values)
    wanted = limit + len(first) if limit else None
    if wanted:
        sql += f" LIMIT {params.bind(wanted)}"
    ids = list(dict.fromkeys(first + [row[0] for row in _rows(connection, sql, params)]))
    return ids[:limit] if limit else ids


def section_ranks(connection: sqlite3.Connection) -> dict[int, int]:
    """Each section's rank in tree order (services.query.section_order)."""
    rows = _rows(
        connection,
        "SELECT sections.id, sections.parent_id FROM sections ORDER BY sections.position, sections.id",
    )
    return tree_ranks(rows)


def _ids_in_tree_order(
    connection: sqlite3.Connection, matching: Matching, limit: int | None, total: int, everything: bool
) -> list[int]:
    """Papers in README order: by their first placement in the tree, unplaced papers last by id."""
    rank = section_ranks(connection)
    if limit and total > _filters.SMALL_MATCH:

        def placed_in(group: list[int]) -> list[tuple]:
            params = matching.more()
            sql = (
                "SELECT placements.paper_id, placements.section_id, placements.position FROM placements "
                f"WHERE placements.section_id IN ({params.binds(group)})"
            )
            if not everything:
                sql += " AND placements.paper_id " + matching.ids_in()
            return _rows(connection, sql, params)

        def unplaced(count: int) -> list[int]:
            params = matching.more()
            sql = (
                f"SELECT matching.id FROM ({matching.sql}) AS matching WHERE matching.id NOT IN "
                "(SELECT placements.paper_id FROM placements) "
                f"ORDER BY matching.id LIMIT {params.bind(count)}"
            )
            return [row[0] for row in _rows(connection, sql, params)]

        return first_in_tree_order(rank, limit, placed_in, unplaced)
    rows = _rows(
        connection,
        f"SELECT matching.id, placements.section_id, placements.position FROM ({matching.sql}) AS matching "
        "LEFT OUTER JOIN placements ON placements.paper_id = matching.id",
        matching.params,
    )
    return in_tree_order(rows, rank, limit)


# -- papers as records --------------------------------------------------------------------------------------


def section_paths(connection: sqlite3.Connection) -> tuple[dict[int, int], list[list[str]]]:
    """Each section's rank in tree order and the path of titles of each rank (selection.section_paths)."""
    from survey_db.services.tree import section_paths as paths_of

    rows = _rows(
        connection,
        "SELECT sections.id, sections.parent_id, sections.title FROM sections "
        "ORDER BY sections.position, sections.id",
    )
    return paths_of(rows)


def read_papers(
    connection: sqlite3.Connection, ids: list[int], *, sections: bool = True
) -> list[ExportedPaper]:
    """The papers with these ids, in this order, as records with their section paths
    (selection.iter_papers)."""
    from survey_db.services.reading import READ_BATCH, PaperReader

    if not ids:
        return []
    reader = PaperReader(
        connection, expected=len(ids), sections=section_paths(connection) if sections else None
    )
    papers: list[ExportedPaper] = []
    for start in range(0, len(ids), READ_BATCH):
        found = reader.read(ids[start : start + READ_BATCH])
        papers += [found[pid] for pid in ids[start : start + READ_BATCH] if pid in found]
    return papers


def selected_papers(
    connection: sqlite3.Connection,
    filters: Filters | None = None,
    *,
    sort: str = "position",
    limit: int | None = None,
    sections: bool = True,
) -> tuple[list[ExportedPaper], int]:
    """Papers matching the filters as records with their section paths, and the total count
    (selection.selected_papers)."""
    ids, total = find_ids(connection, filters or Filters(), sort=sort, limit=limit)
    return read_papers(connection, ids, sections=sections), total


def selected_keys(
    connection: sqlite3.Connection,
    filters: Filters | None = None,
    *,
    sort: str = "position",
    limit: int | None = None,
) -> tuple[list[str], int]:
    """The citation keys of the papers `selected_papers` gives, in its order, and the total count: only
    the keys are read."""
    ids, total = find_ids(connection, filters or Filters(), sort=sort, limit=limit)
    keys: dict[int, str] = {}
    for start in range(0, len(ids), KEY_BATCH):
        chunk = ids[start : start + KEY_BATCH]
        params = Params()
        sql = f"SELECT papers.id, papers.key FROM papers WHERE papers.id IN ({params.binds(chunk)})"
        keys.update(_rows(connection, sql, params))
    return [keys[pid] for pid in ids if pid in keys], total


def paper_by_key(connection: sqlite3.Connection, key: str) -> tuple[ExportedPaper, list[str]]:
    """The paper with this citation key or old key, with its section paths (in the order of its
    placements, as `survey show` lists them) and its old keys, sorted (papers.find_paper)."""
    wanted = {"key": key}
    found = _rows(connection, "SELECT papers.id FROM papers WHERE papers.key = :key", wanted)
    if not found:
        found = _rows(
            connection, "SELECT key_aliases.paper_id FROM key_aliases WHERE key_aliases.alias = :key", wanted
        )
    if not found:
        keys = [row[0] for row in _rows(connection, "SELECT papers.key FROM papers")]
        keys += [row[0] for row in _rows(connection, "SELECT key_aliases.alias FROM key_aliases")]
        raise NotFoundError(did_you_mean(key, keys, "key"))
    from survey_db.services.reading import ExportedPaper, PaperReader

    pid = found[0][0]
    record = PaperReader(connection).read([pid])[pid].record
    paths = {node.section.id: node.path for node in section_nodes(connection)}
    paper = {"paper": pid}
    placed = _rows(
        connection, "SELECT placements.section_id FROM placements WHERE placements.paper_id = :paper", paper
    )
    aliases = _rows(
        connection, "SELECT key_aliases.alias FROM key_aliases WHERE key_aliases.paper_id = :paper", paper
    )
    return ExportedPaper(record, [paths[row[0]] for row in placed]), sorted(row[0] for row in aliases)
