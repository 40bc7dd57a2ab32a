"""Exports of a selection of papers: BibTeX, BibLaTeX, CSL-JSON, JSON, CSV and a Markdown README."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from survey_db.records import PaperRecord
from survey_db.services.io import ExportedPaper, get_meta, section_rows, selected_papers
from survey_db.services.papers import load_papers, paper_to_record
from survey_db.services.query import Filters


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


def to_json(papers: list[ExportedPaper]) -> str:
    return json.dumps([paper_json(p) for p in papers], ensure_ascii=False, indent=2) + "\n"


def to_csv(papers: list[ExportedPaper]) -> str:
    from survey_db.tables import write_table

    rows = []
    for paper in papers:
        data = paper_json(paper)
        data["sections"] = [" > ".join(path) for path in paper.sections]
        data.pop("extra")
        rows.append(data)
    return write_table(rows)


def to_bibtex(records: list[PaperRecord], *, style: str = "bibtex", unicode: bool = False) -> str:
    from survey_db import bibtex

    return bibtex.format_bibtex(records, style=style, ascii=not unicode)


def to_csl_json(records: list[PaperRecord]) -> str:
    from survey_db import csl

    return json.dumps(csl.records_to_csl(records), ensure_ascii=False, indent=2) + "\n"


def markdown_sections(session: Session, filters: Filters | None, *, include_empty: bool = True) -> list:
    """Each section in tree order with its (selected) papers in placement order, ready to render."""
    from survey_db import markdown

    selected = None
    if filters is not None and filters != Filters():
        papers, _ = selected_papers(session, filters)
        selected = {paper.record.key for paper in papers}
    sections = []
    for node, paper_ids in section_rows(session):
        records = [paper_to_record(p) for p in load_papers(session, paper_ids)]
        if selected is not None:
            records = [r for r in records if r.key in selected]
        if records or include_empty:
            sections.append(
                markdown.RenderSection(
                    path=node.path, slug=node.section.slug, rows=records, description=node.section.description
                )
            )
    return sections


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
