"""Reading selected papers back as records: `query` and the exports.

This module loads none of the ORM models (services.query reads light table clauses, services.reading
plain SQL), so that `survey query` starts fast.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_db.services.query import Filters, find_ids
from survey_db.services.query import sections as section_columns
from survey_db.services.reading import READ_BATCH, ExportedPaper, PaperReader


def selected_papers(
    session: Session, filters: Filters | None = None, *, sort: str = "position", limit: int | None = None
) -> tuple[list[ExportedPaper], int]:
    """Papers matching the filters as records with their section paths, and the total count."""
    papers, total = iter_selected(session, filters, sort=sort, limit=limit)
    return list(papers), total


def iter_selected(
    session: Session,
    filters: Filters | None = None,
    *,
    sort: str = "position",
    limit: int | None = None,
    sections: bool = True,
) -> tuple[Iterator[ExportedPaper], int]:
    """`selected_papers` as an iterator that reads the papers a batch at a time, and the total count.
    Without `sections` the papers' section paths are left empty (BibTeX has no use for them)."""
    ids, total = find_ids(session, filters or Filters(), sort=sort, limit=limit)
    return iter_papers(session, ids, sections=sections), total


def iter_papers(session: Session, ids: list[int], *, sections: bool = True) -> Iterator[ExportedPaper]:
    """The papers with these ids, in this order, as records with their section paths.

    A few set-based queries per batch of ids instead of ORM objects: the same records as
    `papers.paper_to_record`, at a fraction of the cost for a whole collection.
    """
    if not ids:
        return
    reader = session_reader(session, len(ids), sections=sections)
    for start in range(0, len(ids), READ_BATCH):
        found = reader.read(ids[start : start + READ_BATCH])
        yield from (found[pid] for pid in ids[start : start + READ_BATCH] if pid in found)


def dbapi_connection(session: Session) -> object:
    """The DB-API connection under the session's transaction, for the services that run plain SQL on one
    (statistics, reading)."""
    return session.connection().connection


def session_reader(session: Session, expected: int = 0, *, sections: bool = True) -> PaperReader:
    """A PaperReader on the session's connection."""
    connection = session.connection()
    return PaperReader(
        connection.connection,
        quote=connection.dialect.identifier_preparer.quote,
        mark="?" if connection.dialect.paramstyle in ("qmark", "numeric") else "%s",
        expected=expected,
        sections=section_paths(session) if sections else None,
    )


def section_paths(session: Session) -> tuple[dict[int, int], list[list[str]]]:
    """Each section's rank in tree order (section id -> rank), and the path of titles of each rank."""
    from survey_db.services.tree import section_paths as paths_of

    rows = session.execute(
        select(section_columns.id, section_columns.parent_id, section_columns.title).order_by(
            section_columns.position, section_columns.id
        )
    ).all()
    return paths_of(rows)
