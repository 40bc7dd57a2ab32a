"""Finding papers: text, topic, section subtree, venue, year range, author, code; sorting and limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from survey_db.errors import InputError
from survey_db.identifiers import fold_ascii
from survey_db.models import Author, Paper, PaperAuthor, PaperTopic, Placement, Section, Venue
from survey_db.services.taxonomy import resolve_section, resolve_topic, subtree_ids

SORTS = ("position", "relevance", "year", "title", "added")


@dataclass
class Filters:
    """What `query` and `export` select. Empty filters select everything."""

    text: str | None = None
    topics: list[str] = field(default_factory=list)
    section: str | None = None
    venue: str | None = None
    year: str | None = None
    author: str | None = None
    has_code: bool | None = None
    keys: list[str] | None = None


def parse_year_range(text: str) -> tuple[int | None, int | None]:
    """'2023' -> (2023, 2023); '2022..2024'; '2022..' -> (2022, None); '..2023' -> (None, 2023)."""
    match = re.fullmatch(r"\s*(\d{4})?\s*(\.\.)?\s*(\d{4})?\s*", text)
    if not match or not (match.group(1) or match.group(3)) or (match.group(3) and not match.group(2)):
        raise InputError(f"year {text!r} is not a year or range such as 2023, 2022..2024, 2022.. or ..2023")
    low = int(match.group(1)) if match.group(1) else None
    high = int(match.group(3)) if match.group(3) else None
    if not match.group(2):
        high = low
    if low and high and low > high:
        raise InputError(f"year range {text!r} runs backwards")
    return low, high


def text_words(text: str) -> list[str]:
    folded = fold_ascii(text).lower()
    return "".join(ch if ch.isalnum() else " " for ch in folded).split()


def select_ids(session: Session, filters: Filters):  # noqa: ANN201
    """A SELECT of paper ids matching the filters."""
    statement = select(Paper.id)
    if filters.text:
        statement = statement.where(Paper.id.in_(text_match(session, filters.text)))
    # Each filter is `id IN (ids from its index)`, not a correlated EXISTS: the database reads the few
    # matching ids from the index and looks the papers up, instead of testing every paper.
    for name in filters.topics:
        topic = resolve_topic(session, name)
        statement = statement.where(
            Paper.id.in_(select(PaperTopic.paper_id).where(PaperTopic.topic_id == topic.id))
        )
    if filters.section:
        node = resolve_section(session, filters.section)
        placed = select(Placement.paper_id).where(Placement.section_id.in_(subtree_ids(node)))
        statement = statement.where(Paper.id.in_(placed))
    if filters.venue:
        wanted = filters.venue.strip().lower()
        venue_ids = select(Venue.id).where(
            or_(func.lower(Venue.short_name) == wanted, func.lower(Venue.full_name).like(f"%{wanted}%"))
        )
        statement = statement.where(Paper.venue_id.in_(venue_ids))
    if filters.year:
        low, high = parse_year_range(filters.year)
        if low is not None:
            statement = statement.where(Paper.year >= low)
        if high is not None:
            statement = statement.where(Paper.year <= high)
    if filters.author:
        folded = " ".join(text_words(filters.author))
        if not folded:
            raise InputError(f"author {filters.author!r} has no letters")
        # The words in order, anything between them ('j smith' finds 'J. Smith'); the people first, then
        # their papers through the index on paper_authors.author_id.
        pattern = "%" + "%".join(_escape_like(word) for word in folded.split()) + "%"
        people = select(Author.id).where(Author.name_folded.like(pattern, escape="\\"))
        authors = select(PaperAuthor.paper_id).where(PaperAuthor.author_id.in_(people))
        statement = statement.where(Paper.id.in_(authors))
    if filters.has_code is True:
        statement = statement.where(Paper.code_url.is_not(None))
    elif filters.has_code is False:
        statement = statement.where(Paper.code_url.is_(None))
    if filters.keys is not None:
        statement = statement.where(Paper.key.in_(filters.keys))
    return statement


def text_match(session: Session, query_text: str):  # noqa: ANN201
    """Ids of papers whose title, authors, venue or abstract hold every word as a prefix.

    SQLite answers from its FTS5 index, PostgreSQL from a GIN index on a 'simple' tsvector; other
    engines fall back to LIKE on the folded text. All three match the same papers.
    """
    words = text_words(query_text)
    if not words:
        raise InputError(f"search text {query_text!r} has no words")
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = " ".join(f'"{word}"*' for word in words)
        return (
            select(literal_column("rowid"))
            .select_from(text("papers_fts"))
            .where(text("papers_fts MATCH :fts_query").bindparams(bindparam("fts_query", match)))
        )
    if dialect == "postgresql":
        tsquery = func.to_tsquery("simple", " & ".join(f"{word}:*" for word in words))
        return select(Paper.id).where(func.to_tsvector("simple", Paper.search_text).op("@@")(tsquery))
    return like_match(query_text)


def like_match(query_text: str):  # noqa: ANN201
    """`text_match` as LIKE on the folded text: the reference the indexes must agree with."""
    statement = select(Paper.id)
    for word in text_words(query_text):
        statement = statement.where(Paper.search_text.like(f"% {_escape_like(word)}%", escape="\\"))
    return statement


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_ids(
    session: Session, filters: Filters, *, sort: str = "position", limit: int | None = None
) -> tuple[list[int], int]:
    """Matching paper ids in `sort` order, at most `limit` of them, and the total count.

    With a limit, the work grows with the number of matches, not with the size of the collection.
    """
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort!r}; choose one of {', '.join(SORTS)}")
    statement = select_ids(session, filters)
    everything = filters == Filters()
    matching = statement.subquery()
    total = session.scalar(select(func.count()).select_from(Paper if everything else matching)) or 0
    if total == 0:
        return [], 0
    if sort == "relevance" and filters.text:
        ids = _ids_by_relevance(session, matching, filters, limit)
    elif sort in ("position", "relevance"):
        ids = _ids_in_tree_order(session, matching, limit, total, everything)
    else:
        order = {
            "year": (Paper.year.desc().nulls_last(), Paper.key),
            "title": (func.lower(Paper.title), Paper.key),
            "added": (Paper.id,),
        }[sort]
        statement = select(Paper.id).order_by(*order)
        if not everything:
            statement = statement.where(Paper.id.in_(select(matching.c.id)))
        if limit:
            statement = statement.limit(limit)
        ids = list(session.scalars(statement))
    return ids, total


def _ids_by_relevance(session: Session, matching, filters: Filters, limit: int | None) -> list[int]:  # noqa: ANN001
    """Best matches first: BM25 on SQLite, ts_rank on PostgreSQL (else table order); the other filters and
    the limit are applied by the database."""
    dialect = session.get_bind().dialect.name
    words = text_words(filters.text or "")
    only_text = Filters(text=filters.text) == filters
    if dialect == "sqlite":
        match = " ".join(f'"{word}"*' for word in words)
        rowid = literal_column("papers_fts.rowid")
        statement = (
            select(rowid)
            .select_from(text("papers_fts"))
            .where(text("papers_fts MATCH :fts_ranked").bindparams(bindparam("fts_ranked", match)))
            .order_by(text("bm25(papers_fts)"), rowid)
        )
        if not only_text:
            statement = statement.where(rowid.in_(select(matching.c.id)))
        if limit:
            statement = statement.limit(limit)
        return list(session.scalars(statement))
    if dialect == "postgresql":
        tsquery = func.to_tsquery("simple", " & ".join(f"{word}:*" for word in words))
        vector = func.to_tsvector("simple", Paper.search_text)
        statement = (
            select(Paper.id)
            .where(vector.op("@@")(tsquery))
            .order_by(func.ts_rank(vector, tsquery).desc(), Paper.id)
        )
        if not only_text:
            statement = statement.where(Paper.id.in_(select(matching.c.id)))
        if limit:
            statement = statement.limit(limit)
        return list(session.scalars(statement))
    return _ids_in_tree_order(session, matching, limit, None)


def section_order(session: Session) -> dict[int, int]:
    """Each section's rank in tree (pre-)order, as `taxonomy.section_tree` orders them (siblings by
    position, then id), from one light query."""
    children: dict[int | None, list[int]] = {}
    rows = session.execute(select(Section.id, Section.parent_id).order_by(Section.position, Section.id))
    for section_id, parent_id in rows:
        children.setdefault(parent_id, []).append(section_id)
    rank: dict[int, int] = {}
    stack = list(reversed(children.get(None, [])))
    while stack:
        section_id = stack.pop()
        rank[section_id] = len(rank)
        stack.extend(reversed(children.get(section_id, [])))
    return rank


# Up to this many matches, README order is worked out in Python from all their placements; beyond it a
# query with a limit reads sections in tree order until it has enough.
SMALL_MATCH = 2000


def _ids_in_tree_order(  # noqa: ANN001
    session: Session, matching, limit: int | None, total: int | None, everything: bool = False
) -> list[int]:
    """Papers in README order: by their first placement in the tree, unplaced papers last by id."""
    rank = section_order(session)
    if limit and (total is None or total > SMALL_MATCH):
        return _first_in_tree_order(session, matching, limit, rank, everything)
    best: dict[int, tuple[int, int, int]] = {}
    rows = session.execute(
        select(matching.c.id, Placement.section_id, Placement.position).outerjoin(
            Placement, Placement.paper_id == matching.c.id
        )
    )
    unplaced = 1 << 30
    for pid, section_id, position in rows:
        key = (rank[section_id], position, pid) if section_id is not None else (unplaced, 0, pid)
        if pid not in best or key < best[pid]:
            best[pid] = key
    ordered = sorted(best, key=best.__getitem__)
    return ordered[:limit] if limit else ordered


def _first_in_tree_order(  # noqa: ANN001
    session: Session, matching, limit: int, rank: dict[int, int], everything: bool
) -> list[int]:
    """The first `limit` matches in README order, reading the sections in tree order a few at a time
    (more each round): a paper's first placement in tree order is where it is met first."""
    sections = sorted(rank, key=rank.__getitem__)
    chosen: list[int] = []
    seen: set[int] = set()
    start, step = 0, 16
    while start < len(sections) and len(chosen) < limit:
        group = sections[start : start + step]
        start, step = start + step, step * 4
        statement = select(Placement.paper_id, Placement.section_id, Placement.position).where(
            Placement.section_id.in_(group)
        )
        if not everything:
            statement = statement.where(Placement.paper_id.in_(select(matching.c.id)))
        rows = session.execute(statement).all()
        rows.sort(key=lambda row: (rank[row[1]], row[2], row[0]))
        for pid, _section_id, _position in rows:
            if pid not in seen:
                seen.add(pid)
                chosen.append(pid)
                if len(chosen) == limit:
                    return chosen
    if len(chosen) < limit:
        placed = select(Placement.paper_id)
        unplaced = (
            select(matching.c.id)
            .where(matching.c.id.not_in(placed))
            .order_by(matching.c.id)
            .limit(limit - len(chosen))
        )
        chosen.extend(session.scalars(unplaced))
    return chosen
