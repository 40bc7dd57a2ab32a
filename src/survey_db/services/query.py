"""Finding papers: text, topic, section subtree, venue, year range, author, code; sorting and limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Integer, TextClause, column, func, literal_column, or_, select, table, text, union
from sqlalchemy.orm import Session

from survey_db.dialect import text_search
from survey_db.identifiers import fold_ascii, slugify
from survey_db.schema_names import COLUMNS
from survey_db.services import filters as _filters
from survey_db.services.filters import (  # noqa: F401 - Filters, SORTS, text_words...: imported from here
    SORTS,
    Filters,
    author_pattern,
    check_sort,
    escape_like,
    first_in_tree_order,
    in_tree_order,
    only_text,
    parse_year_range,
    required_words,
    searched_key,
    text_words,
    tree_ranks,
)

if TYPE_CHECKING:
    from survey_db.services.tree import SectionNode


def _table(name: str, *columns: str):
    return table(name, *(column(each) for each in columns))


# Light clauses of the tables (their names and columns from schema_names, no types or constraints), not the
# ORM models: a query then loads neither the model classes nor their mappers (building them is about a
# twentieth of `survey query`'s start-up). tests/test_startup.py keeps them equal to the models' tables.
TABLES = {name: _table(name, *columns) for name, columns in COLUMNS.items()}
papers = TABLES["papers"].c
paper_topics = TABLES["paper_topics"].c
placements = TABLES["placements"].c
people = TABLES["authors"].c
paper_people = TABLES["paper_authors"].c
venues = TABLES["venues"].c
sections = TABLES["sections"].c
topics = TABLES["topics"].c
key_aliases = TABLES["key_aliases"].c


def select_ids(session: Session, filters: Filters):
    """A SELECT of paper ids matching the filters."""
    statement = select(papers.id)
    if filters.text:
        statement = statement.where(papers.id.in_(text_match(session, filters.text)))
    # Each filter is `id IN (ids from its index)`, not a correlated EXISTS: the database reads the few
    # matching ids from the index and looks the papers up, instead of testing every paper.
    for name in filters.topics:
        topic_id = _topic_id(session, name)
        statement = statement.where(
            papers.id.in_(select(paper_topics.paper_id).where(paper_topics.topic_id == topic_id))
        )
    if filters.section:
        placed = select(placements.paper_id).where(
            placements.section_id.in_(_section_subtree(session, filters.section))
        )
        statement = statement.where(papers.id.in_(placed))
    if filters.venue:
        wanted = filters.venue.strip().lower()
        venue_ids = select(venues.id).where(
            or_(func.lower(venues.short_name) == wanted, func.lower(venues.full_name).like(f"%{wanted}%"))
        )
        statement = statement.where(papers.venue_id.in_(venue_ids))
    if filters.year:
        low, high = parse_year_range(filters.year)
        if low is not None:
            statement = statement.where(papers.year >= low)
        if high is not None:
            statement = statement.where(papers.year <= high)
    if filters.author:
        # The people first, then their papers through the index on paper_authors.author_id.
        pattern = author_pattern(filters.author)
        found = select(people.id).where(people.name_folded.like(pattern, escape="\\"))
        authors = select(paper_people.paper_id).where(paper_people.author_id.in_(found))
        statement = statement.where(papers.id.in_(authors))
    if filters.has_code is True:
        statement = statement.where(papers.code_url.is_not(None))
    elif filters.has_code is False:
        statement = statement.where(papers.code_url.is_(None))
    if filters.keys is not None:
        statement = statement.where(papers.key.in_(filters.keys))
    return statement


def _topic_id(session: Session, name: str) -> int:
    """The id of a topic by name (case- and accent-insensitive) or slug, as `taxonomy.resolve_topic` finds
    it, from plain rows; an unknown name gets resolve_topic's error."""
    wanted = fold_ascii(name).lower().strip()
    slug = slugify(name)
    for topic_id, topic_name, topic_slug in session.execute(
        select(topics.id, topics.name, topics.slug).order_by(topics.id)
    ):
        if fold_ascii(topic_name).lower().strip() == wanted or topic_slug in (name.strip(), slug):
            return topic_id
    from survey_db.services.taxonomy import resolve_topic

    return resolve_topic(session, name).id  # an unknown name: its error, with close matches


def _section_subtree(session: Session, name: str):
    """The ids of a section, found as `taxonomy.resolve_section` finds it, and of all its descendants.

    A name that is exactly one section's slug (most titles are, slugified) is found by an indexed lookup and
    its subtree by a recursive query, without reading the whole tree; anything else goes through
    resolve_section.
    """
    found = session.scalars(select(sections.id).where(sections.slug.in_({name.strip(), slugify(name)}))).all()
    if len(found) == 1:
        tree = select(sections.id).where(sections.id == found[0]).cte("subtree", recursive=True)
        tree = tree.union_all(select(sections.id).where(sections.parent_id == tree.c.id))
        return select(tree.c.id)
    from survey_db.services.tree import find_section, subtree_ids

    return subtree_ids(find_section(_section_nodes(session), name))


def _section_nodes(session: Session) -> list[SectionNode]:
    """The section tree as `taxonomy.section_tree` gives it, from plain rows (no ORM objects)."""
    from survey_db.services.tree import nodes_from_rows

    rows = session.execute(
        select(sections.id, sections.parent_id, sections.title, sections.slug).order_by(
            sections.position, sections.id
        )
    )
    return nodes_from_rows(rows)


def text_match(session: Session, query_text: str):
    """Ids of papers whose title, authors, venue or abstract hold every word as a prefix, and of the paper
    whose citation key or old key (alias) the text is.

    SQLite answers from its FTS5 index, PostgreSQL from a GIN index on a 'simple' tsvector; other
    engines fall back to LIKE on the folded text. All three match the same papers.
    """
    words = required_words(query_text)
    search = text_search(session.get_bind().dialect.name)
    if search is not None:
        found = (
            select(literal_column(search.id, Integer))
            .select_from(text(search.source))
            .where(_bound(search.where("fts_query"), search.params(words, "fts_query")))
        )
    else:
        found = like_match(query_text)
    keyed = key_match(query_text)
    return found if keyed is None else union(found, *keyed)


def _bound(sql: str, params: dict[str, str]) -> TextClause:
    """`text(sql)` with the values of the parameters it names."""
    return text(sql).bindparams(**{name: value for name, value in params.items() if f":{name}" in sql})


def key_match(query_text: str) -> list | None:
    """SELECTs of the paper whose key, or old key, is the text (one word), by the indexes on both."""
    key = searched_key(query_text)
    if key is None:
        return None
    return [
        select(papers.id).where(papers.key == key),
        select(key_aliases.paper_id).where(key_aliases.alias == key),
    ]


def like_match(query_text: str):
    """`text_match` as LIKE on the folded text: the reference the indexes must agree with."""
    statement = select(papers.id)
    for word in text_words(query_text):
        statement = statement.where(papers.search_text.like(f"% {escape_like(word)}%", escape="\\"))
    return statement


def find_ids(
    session: Session, filters: Filters, *, sort: str = "position", limit: int | None = None
) -> tuple[list[int], int]:
    """Matching paper ids in `sort` order, at most `limit` of them, and the total count.

    With a limit, the work grows with the number of matches, not with the size of the collection.
    """
    check_sort(sort)
    statement = select_ids(session, filters)
    everything = filters == Filters()
    matching = statement.subquery()
    total = (
        session.scalar(select(func.count()).select_from(TABLES["papers"] if everything else matching)) or 0
    )
    if total == 0:
        return [], 0
    if sort == "relevance" and filters.text:
        ids = _ids_by_relevance(session, matching, filters, limit)
    elif sort in ("position", "relevance"):
        ids = _ids_in_tree_order(session, matching, limit, total, everything)
    else:
        order = {
            "year": (papers.year.desc().nulls_last(), papers.key),
            "title": (func.lower(papers.title), papers.key),
            "added": (papers.id,),
        }[sort]
        statement = select(papers.id).order_by(*order)
        if not everything:
            statement = statement.where(papers.id.in_(select(matching.c.id)))
        if limit:
            statement = statement.limit(limit)
        ids = list(session.scalars(statement))
    return ids, total


def _ids_by_relevance(session: Session, matching, filters: Filters, limit: int | None) -> list[int]:
    """Best matches first: the paper whose key (or old key) the text is, then BM25 on SQLite, ts_rank on
    PostgreSQL (else table order); the other filters and the limit are applied by the database."""
    keyed = key_match(filters.text or "")
    first = []
    if keyed:
        statement = select(papers.id).where(papers.id.in_(union(*keyed)))
        if not only_text(filters):
            statement = statement.where(papers.id.in_(select(matching.c.id)))
        first = list(session.scalars(statement))
    ranked = _ranked_by_text(session, matching, filters, limit + len(first) if limit else None)
    ids = list(dict.fromkeys(first + ranked))
    return ids[:limit] if limit else ids


def _ranked_by_text(session: Session, matching, filters: Filters, limit: int | None) -> list[int]:
    """The papers matching the text, best first (the engine's ranking: BM25 on SQLite, ts_rank on
    PostgreSQL)."""
    search = text_search(session.get_bind().dialect.name)
    if search is None:
        return _ids_in_tree_order(session, matching, limit, None)
    words = text_words(filters.text or "")
    found, params = literal_column(search.id, Integer), search.params(words, "fts_ranked")
    statement = (
        select(found)
        .select_from(text(search.source))
        .where(_bound(search.where("fts_ranked"), params))
        .order_by(_bound(search.order_by("fts_ranked"), params))
    )
    if not only_text(filters):
        statement = statement.where(found.in_(select(matching.c.id)))
    if limit:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def section_order(session: Session) -> dict[int, int]:
    """Each section's rank in tree (pre-)order, as `taxonomy.section_tree` orders them (siblings by
    position, then id), from one light query."""
    rows = session.execute(select(sections.id, sections.parent_id).order_by(sections.position, sections.id))
    return tree_ranks(rows)


def _ids_in_tree_order(
    session: Session, matching, limit: int | None, total: int | None, everything: bool = False
) -> list[int]:
    """Papers in README order: by their first placement in the tree, unplaced papers last by id."""
    rank = section_order(session)
    if limit and (total is None or total > _filters.SMALL_MATCH):
        return _first_in_tree_order(session, matching, limit, rank, everything)
    rows = session.execute(
        select(matching.c.id, placements.section_id, placements.position).outerjoin(
            TABLES["placements"], placements.paper_id == matching.c.id
        )
    )
    return in_tree_order(rows, rank, limit)


def _first_in_tree_order(
    session: Session, matching, limit: int, rank: dict[int, int], everything: bool
) -> list[int]:
    """The first `limit` matches in README order (filters.first_in_tree_order)."""

    def placed_in(group: list[int]) -> list:
        statement = select(placements.paper_id, placements.section_id, placements.position).where(
            placements.section_id.in_(group)
        )
        if not everything:
            statement = statement.where(placements.paper_id.in_(select(matching.c.id)))
        return list(session.execute(statement).all())

    def unplaced(count: int) -> list[int]:
        placed = select(placements.paper_id)
        statement = (
            select(matching.c.id).where(matching.c.id.not_in(placed)).order_by(matching.c.id).limit(count)
        )
        return list(session.scalars(statement))

    return first_in_tree_order(rank, limit, placed_in, unplaced)
