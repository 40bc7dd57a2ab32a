"""Exports of a selection of papers: BibTeX, BibLaTeX, CSL-JSON, JSON, CSV and a Markdown README."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from sqlalchemy.orm import Session

from survey_db.records import PaperRecord
from survey_db.services.io import READ_BATCH, ExportedPaper, PaperReader, get_meta, section_rows
from survey_db.services.query import Filters, find_ids


def paper_json(paper: ExportedPaper) -> dict[str, object]:
    """The JSON object of one paper (stable field order)."""
    record = paper.record
    return {
        "key": record.key,
        "type": record.entry_type,
        "title": record.title,
        "authors": [name.display for name in record.authors],
        "year": record.year,
        "venue": record.venue,
        "venue_full": record.venue_full,
        "url": record.url,
        "code_url": record.code_url,
        "arxiv_id": record.arxiv_id,
        "doi": record.doi,
        "pages": record.pages,
        "topics": list(record.topics),
        "sections": paper.sections,
        "abstract": record.abstract,
        "note": record.note,
        "extra": dict(sorted(record.extra.items())),
    }


def to_json(papers: Iterable[ExportedPaper]) -> str:
    """A JSON list of papers, as `json.dumps(list, indent=2)` writes it, built a paper at a time."""
    items = [json.dumps(paper_json(p), ensure_ascii=False, indent=2) for p in papers]
    if not items:
        return "[]\n"
    # JSON strings hold no raw newline, so indenting every line indents each object one level.
    return "[\n" + ",\n".join("  " + item.replace("\n", "\n  ") for item in items) + "\n]\n"


def to_csv(papers: list[ExportedPaper]) -> str:
    from survey_db.tables import write_table

    rows = []
    for paper in papers:
        data = paper_json(paper)
        data["sections"] = [" > ".join(path) for path in paper.sections]
        data.pop("extra")
        rows.append(data)
    return write_table(rows)


def to_bibtex(records: Iterable[PaperRecord], *, style: str = "bibtex", unicode: bool = False) -> str:
    from survey_db import bibtex

    return bibtex.format_bibtex(records, style=style, ascii=not unicode)


def to_csl_json(records: list[PaperRecord]) -> str:
    from survey_db import csl

    return json.dumps(csl.records_to_csl(records), ensure_ascii=False, indent=2) + "\n"


def markdown_sections(session: Session, filters: Filters | None, *, include_empty: bool = True) -> Iterator:
    """Each section in tree order with its (selected) papers in placement order, ready to render.

    A generator: papers are read a few hundred at a time, for the sections about to be rendered.
    """
    from survey_db import markdown

    selected = None
    if filters is not None and filters != Filters():
        ids, _ = find_ids(session, filters)
        selected = set(ids)
    reader = PaperReader(session)
    pending: list[tuple[object, list[int]]] = []
    waiting = 0

    def release() -> Iterator:
        ids = [pid for _, paper_ids in pending for pid in paper_ids]
        found = reader.read(ids) if ids else {}
        for node, paper_ids in pending:
            records = [found[pid].record for pid in paper_ids if pid in found]
            if records or include_empty:
                yield markdown.RenderSection(
                    path=node.path, slug=node.section.slug, rows=records, description=node.section.description
                )
        pending.clear()

    for node, paper_ids in section_rows(session):
        if selected is not None:
            paper_ids = [pid for pid in paper_ids if pid in selected]
        pending.append((node, paper_ids))
        waiting += len(paper_ids)
        if waiting >= READ_BATCH:
            yield from release()
            waiting = 0
    yield from release()


def to_markdown(
    session: Session, filters: Filters | None, *, style: str = "html", toc_depth: int | None = None
) -> str:
    """A README: the survey title as H1, a contents list, and each section's papers in placement order."""
    from survey_db import markdown

    title = get_meta(session).get("title", "Papers")
    return markdown.render_readme(
        title, markdown_sections(session, filters), style=style, toc_depth=toc_depth
    )


def into_readme(
    session: Session,
    readme_text: str,
    filters: Filters | None,
    *,
    style: str = "html",
    toc_depth: int | None = None,
) -> str:
    """The README with only the region between its marker comments regenerated."""
    from survey_db import markdown

    generated = markdown.render_sections(
        markdown_sections(session, filters), style=style, toc_depth=toc_depth
    )
    return markdown.replace_region(readme_text, generated)
