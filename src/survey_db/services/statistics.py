"""Counts of the survey for `stats`, `sections`, `topics` and the charts: papers per year, section, venue and
topic; top authors; the totals.

Plain SQL on a DB-API connection, no SQLAlchemy: the same statements answer from a sqlite3 connection (the
fast reads at the prompt) and from a session's connection on any engine (`selection.dbapi_connection`).
They use no parameters, so they read alike whatever the driver's parameter style.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NO_VENUE = "(no venue)"
NO_YEAR = "(no year)"
TOP_AUTHORS = 15


@dataclass
class SectionCount:
    """A section in tree order: its depth, the papers placed in it and in its whole subtree."""

    title: str
    depth: int
    own: int
    total: int
    path: list[str] = field(default_factory=list)
    slug: str = ""


@dataclass
class SurveyStats:
    """(label, papers) pairs: years in order, venues, topics and authors by count (then name)."""

    years: list[tuple[str, int]] = field(default_factory=list)
    sections: list[SectionCount] = field(default_factory=list)
    venues: list[tuple[str, int]] = field(default_factory=list)
    topics: list[tuple[str, int]] = field(default_factory=list)
    authors: list[tuple[str, int]] = field(default_factory=list)


def _all(connection: object, sql: str) -> list[tuple]:
    # `connection` is any DB-API connection (sqlite3's or the driver's under SQLAlchemy): it has cursor().
    cursor = connection.cursor()  # type: ignore[attr-defined]
    try:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _one(connection: object, sql: str) -> int:
    return _all(connection, sql)[0][0] or 0


def totals(connection: object) -> dict[str, int]:
    """The numbers of papers, authors, venues (by short name), topics, sections and papers with code."""
    return {
        "papers": _one(connection, "SELECT count(papers.id) FROM papers"),
        "authors": _one(connection, "SELECT count(authors.id) FROM authors"),
        "venues": _one(connection, "SELECT count(DISTINCT venues.short_name) FROM venues"),
        "topics": _one(connection, "SELECT count(topics.id) FROM topics"),
        "sections": _one(connection, "SELECT count(sections.id) FROM sections"),
        "with code": _one(
            connection, "SELECT count(papers.id) FROM papers WHERE papers.code_url IS NOT NULL"
        ),
    }


def papers_per_year(connection: object) -> list[tuple[int | None, int]]:
    """(year, papers) in the engine's order of years (SQLite puts the papers without a year first,
    PostgreSQL last)."""
    return _all(
        connection,
        "SELECT papers.year, count(papers.id) FROM papers GROUP BY papers.year ORDER BY papers.year",
    )


def topic_counts(connection: object) -> list[tuple[str, int]]:
    """Every topic with its number of papers, most used first, then by name (taxonomy.topic_counts)."""
    rows = _all(
        connection,
        "SELECT topics.name, count(paper_topics.paper_id) AS papers FROM topics "
        "LEFT OUTER JOIN paper_topics ON paper_topics.topic_id = topics.id "
        "GROUP BY topics.id, topics.name ORDER BY papers DESC, topics.name",
    )
    return [(name, count) for name, count in rows]


def survey_title(connection: object) -> str | None:
    """The survey's own title (its metadata), if it has one."""
    rows = _all(connection, "SELECT survey_meta.value FROM survey_meta WHERE survey_meta.name = 'title'")
    return rows[0][0] if rows else None


def survey_stats(connection: object, top_authors: int = TOP_AUTHORS) -> SurveyStats:
    """The counts, a few GROUP BY queries (the section subtrees are summed here from the placements)."""
    stats = SurveyStats()
    for year, count in _all(
        connection,
        "SELECT papers.year, count(*) FROM papers GROUP BY papers.year "
        "ORDER BY papers.year IS NULL, papers.year",
    ):
        stats.years.append((str(year) if year is not None else NO_YEAR, count))
    venue_rows = _all(
        connection,
        "SELECT venues.short_name, count(*) FROM papers "
        "LEFT OUTER JOIN venues ON papers.venue_id = venues.id GROUP BY venues.short_name",
    )
    stats.venues = _by_count((name or NO_VENUE, count) for name, count in venue_rows)
    stats.topics = _by_count(
        _all(
            connection,
            "SELECT topics.name, count(*) FROM paper_topics "
            "JOIN topics ON paper_topics.topic_id = topics.id GROUP BY topics.name",
        )
    )
    author_rows = _all(
        connection,
        "SELECT authors.id, authors.first, authors.von, authors.last, count(DISTINCT paper_authors.paper_id) "
        "FROM paper_authors JOIN authors ON paper_authors.author_id = authors.id "
        "GROUP BY authors.id, authors.first, authors.von, authors.last",
    )
    named = [
        (" ".join(p for p in (first, von, last) if p), count) for _, first, von, last, count in author_rows
    ]
    stats.authors = _by_count(named)[:top_authors]
    stats.sections = section_counts(connection)
    return stats


def _by_count(rows) -> list[tuple[str, int]]:
    """Most papers first, then by name; rows whose names fold together are kept apart."""
    return sorted(
        ((str(name), int(count)) for name, count in rows), key=lambda row: (-row[1], row[0].lower())
    )


def section_counts(connection: object) -> list[SectionCount]:
    """Every section in tree order with the papers placed in it and in its subtree (each paper once)."""
    from survey_db.services.tree import nodes_from_rows, subtree_ids

    rows = _all(
        connection,
        "SELECT sections.id, sections.parent_id, sections.title, sections.slug FROM sections "
        "ORDER BY sections.position, sections.id",
    )
    placed: dict[int, set[int]] = {}
    for section_id, paper_id in _all(
        connection, "SELECT placements.section_id, placements.paper_id FROM placements"
    ):
        placed.setdefault(section_id, set()).add(paper_id)
    counts = []
    for node in nodes_from_rows(rows):
        subtree = set().union(*(placed.get(i, set()) for i in subtree_ids(node)))
        own = len(placed.get(node.section.id, ()))
        counts.append(
            SectionCount(node.section.title, node.depth, own, len(subtree), node.path, node.section.slug)
        )
    return counts


def chart_rows(stats: SurveyStats, kind: str) -> list[tuple[str, int]]:
    """The (label, papers) rows of one chart; sections are those holding papers of their own, in tree
    order (the tables of the README)."""
    if kind == "sections":
        return [(section.title, section.own) for section in stats.sections if section.own]
    return getattr(stats, kind)
