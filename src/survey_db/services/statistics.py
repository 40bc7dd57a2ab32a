"""Counts of the survey for `stats` and its charts: papers per year, section, venue and topic; top authors."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_db.services.query import (
    TABLES,
    paper_people,
    paper_topics,
    papers,
    people,
    placements,
    topics,
    venues,
)
from survey_db.services.query import sections as section_columns

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


@dataclass
class SurveyStats:
    """(label, papers) pairs: years in order, venues, topics and authors by count (then name)."""

    years: list[tuple[str, int]] = field(default_factory=list)
    sections: list[SectionCount] = field(default_factory=list)
    venues: list[tuple[str, int]] = field(default_factory=list)
    topics: list[tuple[str, int]] = field(default_factory=list)
    authors: list[tuple[str, int]] = field(default_factory=list)


def survey_stats(session: Session, top_authors: int = TOP_AUTHORS) -> SurveyStats:
    """The counts, a few GROUP BY queries (the section subtrees are summed here from the placements)."""
    stats = SurveyStats()
    for year, count in session.execute(
        select(papers.year, func.count()).group_by(papers.year).order_by(papers.year.is_(None), papers.year)
    ):
        stats.years.append((str(year) if year is not None else NO_YEAR, count))
    venue_rows = session.execute(
        select(venues.short_name, func.count())
        .select_from(TABLES["papers"].outerjoin(TABLES["venues"], papers.venue_id == venues.id))
        .group_by(venues.short_name)
    )
    stats.venues = _by_count((name or NO_VENUE, count) for name, count in venue_rows)
    topic_rows = session.execute(
        select(topics.name, func.count())
        .select_from(TABLES["paper_topics"].join(TABLES["topics"], paper_topics.topic_id == topics.id))
        .group_by(topics.name)
    )
    stats.topics = _by_count(topic_rows)
    author_rows = session.execute(
        select(
            people.id, people.first, people.von, people.last, func.count(func.distinct(paper_people.paper_id))
        )
        .select_from(TABLES["paper_authors"].join(TABLES["authors"], paper_people.author_id == people.id))
        .group_by(people.id, people.first, people.von, people.last)
    )
    named = [
        (" ".join(p for p in (first, von, last) if p), count) for _, first, von, last, count in author_rows
    ]
    stats.authors = _by_count(named)[:top_authors]
    stats.sections = _section_counts(session)
    return stats


def _by_count(rows) -> list[tuple[str, int]]:
    """Most papers first, then by name; rows whose names fold together are kept apart."""
    return sorted(
        ((str(name), int(count)) for name, count in rows), key=lambda row: (-row[1], row[0].lower())
    )


def _section_counts(session: Session) -> list[SectionCount]:
    from survey_db.services.taxonomy import nodes_in_tree_order, subtree_ids

    rows = session.execute(
        select(
            section_columns.id, section_columns.parent_id, section_columns.title, section_columns.slug
        ).order_by(section_columns.position, section_columns.id)
    ).all()
    placed: dict[int, set[int]] = {}
    for section_id, paper_id in session.execute(select(placements.section_id, placements.paper_id)):
        placed.setdefault(section_id, set()).add(paper_id)
    counts = []
    for node in nodes_in_tree_order(rows):
        subtree = set().union(*(placed.get(i, set()) for i in subtree_ids(node)))
        counts.append(
            SectionCount(node.section.title, node.depth, len(placed.get(node.section.id, ())), len(subtree))
        )
    return counts


def chart_rows(stats: SurveyStats, kind: str) -> list[tuple[str, int]]:
    """The (label, papers) rows of one chart; sections are those holding papers of their own, in tree
    order (the tables of the README)."""
    if kind == "sections":
        return [(section.title, section.own) for section in stats.sections if section.own]
    return getattr(stats, kind)
