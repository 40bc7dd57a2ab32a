"""Stored papers as records: loading papers with their links, converting them to PaperRecords, and the
Outcome of writing one. Shared by `store` (bulk writing) and `papers` (one paper at a time).

>>> Outcome("added", "smith2023fast")
Outcome(action='added', key='smith2023fast', conflicts=[], warnings=[])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey_db.models import Author, Paper
from survey_db.paper_fields import SCALAR_FIELDS
from survey_db.records import Name, PaperRecord


@dataclass
class Outcome:
    """What happened to one record: 'added', 'updated', 'skipped'; conflicts list 'field: stored != given'."""

    action: str
    key: str
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_papers(session: Session, paper_ids: Iterable[int]) -> list[Paper]:
    """Papers with authors, topics, venue and placements loaded, in the order of `paper_ids`."""
    ids = list(paper_ids)
    papers: dict[int, Paper] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        statement = (
            select(Paper)
            .where(Paper.id.in_(chunk))
            .options(
                selectinload(Paper.author_links),
                selectinload(Paper.topic_links),
                selectinload(Paper.placements),
                selectinload(Paper.aliases),
            )
        )
        papers.update((p.id, p) for p in session.scalars(statement))
    return [papers[i] for i in ids if i in papers]


def paper_to_record(paper: Paper) -> PaperRecord:
    """The stored paper as a plain record."""
    return PaperRecord(
        key=paper.key,
        **{name: getattr(paper, name) for name in SCALAR_FIELDS},
        authors=[link_name(link.author) for link in paper.author_links],
        venue=paper.venue.short_name if paper.venue else None,
        venue_full=paper.venue.full_name if paper.venue else None,
        topics=[link.topic.name for link in paper.topic_links],
        extra=dict(paper.extra_fields or {}),
        raw=dict(paper.raw_fields or {}),
        protected=list(paper.protected_fields or []),
    )


def link_name(author: Author) -> Name:
    return Name(first=author.first, last=author.last, von=author.von, jr=author.jr)
