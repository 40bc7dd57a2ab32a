"""The JSON, CSV and BibTeX text of exported papers (`query --format`, `show`, `export`): no database, no
SQLAlchemy, so that the plain readers at the prompt format with them too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from survey_db.records import PaperRecord
    from survey_db.services.reading import ExportedPaper


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
    """A JSON list of papers, as `json.dumps(list, indent=2)` writes it."""
    return "".join(json_chunks(papers))


def json_chunks(papers: Iterable[ExportedPaper]) -> Iterator[str]:
    """`to_json` a paper at a time, for writing a large export without holding all of its text."""
    first = True
    for paper in papers:
        # JSON strings hold no raw newline, so indenting every line indents the object one level.
        item = json.dumps(paper_json(paper), ensure_ascii=False, indent=2).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + item
        first = False
    yield "[]\n" if first else "\n]\n"


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
