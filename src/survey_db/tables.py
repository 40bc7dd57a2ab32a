"""CSV and TSV files with a header row, as spreadsheets export them, to and from PaperRecords.

Columns are recognised by their header (case and punctuation ignored); unknown columns are kept as
extra fields. `Title, Authors, Year, Venue, Code` is enough:

>>> rows = read_table("Title,Authors,Year\\nFast Inference,Yaniv Leviathan; Matan Kalman,2023\\n", "x.csv")
>>> rows[0][0].authors[1].last, rows[0][0].year
('Kalman', 2023)
"""

from __future__ import annotations

import csv
import io
import re

from survey_db.errors import InputError
from survey_db.identifiers import arxiv_id, arxiv_id_from_url, doi_from_url
from survey_db.latex import unicode_to_latex
from survey_db.names import parse_name, split_authors
from survey_db.records import PaperRecord

COLUMNS = {
    "key": ("key", "citation_key", "citationkey", "bibtex_key", "id"),
    "title": ("title", "paper", "name", "paper_title"),
    "authors": ("authors", "author", "creators"),
    "year": ("year", "date", "published", "publication_year"),
    "venue": ("venue", "venue_badge", "conference", "publication", "venue_short", "short_venue"),
    "venue_full": ("venue_full", "booktitle", "journal", "container_title", "publication_title"),
    "url": ("url", "link", "paper_url", "pdf", "paper_link"),
    "code_url": ("code", "code_url", "github", "repo", "repository"),
    "arxiv_id": ("arxiv", "arxiv_id", "eprint"),
    "doi": ("doi",),
    "pages": ("pages",),
    "abstract": ("abstract",),
    "note": ("note", "notes", "comment"),
    "topics": ("topic", "topics", "keywords", "tags", "category"),
    "section": ("section", "sections", "path"),
    "entry_type": ("type", "entry_type", "item_type"),
}
_BY_HEADER = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_VENUE_YEAR = re.compile(r"^(.*?)[\s']*((?:19|20)\d{2})$")


def _header_name(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def _extra_names(headers: list[str], columns: list[str | None]) -> list[str]:
    """Names for the other columns' extra fields that BibTeX can write and that do not collide: a header
    of punctuation becomes column7, one that starts with a digit gets an x, a repeated one a suffix."""
    taken: set[str] = set()
    names = []
    for index, (header, column) in enumerate(zip(headers, columns, strict=True)):
        if column is not None:
            names.append(header)
            continue
        name = header if header[:1].isascii() and header[:1].isalpha() else (f"x{header}" if header else "")
        name = name or f"column{index + 1}"
        unique, n = name, 1
        while unique in taken or unique in _BY_HEADER:
            n += 1
            unique = f"{name}_{n}"
        taken.add(unique)
        names.append(unique)
    return names


def _split_people(text: str) -> list:
    text = text.strip()
    if not text:
        return []
    if ";" in text:
        return [parse_name(part) for part in text.split(";") if part.strip()]
    return split_authors(text)


def _year(text: str, where: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    match = re.search(r"(?<!\d)(\d{4})(?!\d)", text)
    if not match:
        raise InputError(f"{where}: year {text!r} is not a number")
    return int(match.group(1))


def read_table(
    text: str, source: str, *, delimiter: str | None = None
) -> list[tuple[PaperRecord, str | None]]:
    """Records with their section path ('A > B' or None), one per data row."""
    if delimiter is None:
        delimiter = "\t" if source.lower().endswith((".tsv", ".tab")) else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text)))  # a cell may be as long as the file (an abstract of 1 MB)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{source}: not a valid table: {exc}") from None
    finally:
        csv.field_size_limit(limit)
    if not rows:
        raise InputError(f"{source}: the file is empty")
    headers = [_header_name(h) for h in rows[0]]
    columns = [_BY_HEADER.get(h) for h in headers]
    headers = _extra_names(headers, columns)
    if "title" not in columns:
        raise InputError(f"{source}:1: no title column in header {rows[0]!r}")
    has_full_venue_column = "venue_full" in columns
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{source}:{line}"
        if len(row) != len(headers):
            raise InputError(f"{where}: {len(row)} cells, but the header has {len(headers)}")
        record = PaperRecord(title="", source=where)
        section = None
        for header, column, cell in zip(headers, columns, row, strict=True):
            value = cell.strip()
            if column is None:
                if value:
                    # Extra fields hold BibTeX's LaTeX (as a .bib import keeps them): the cell is text.
                    record.extra[header] = unicode_to_latex(value, ascii=False)
            elif not value:
                continue
            elif column == "authors":
                record.authors = _split_people(value)
            elif column == "year":
                record.year = _year(value, where)
            elif column == "venue":
                match = _VENUE_YEAR.match(value)
                record.venue = match.group(1).strip() or None if match else value
                if match and record.year is None:
                    record.year = int(match.group(2))
            elif column == "topics":
                record.topics = [t.strip() for t in re.split(r"[;,]", value) if t.strip()]
            elif column == "section":
                section = value
            elif column == "arxiv_id":
                record.arxiv_id = arxiv_id(value) or value
            elif column == "entry_type":
                record.entry_type = value.lower()
            else:
                setattr(record, column, value)
        # The year column is the authority over a year in the venue badge.
        year_index = columns.index("year") if "year" in columns else None
        if year_index is not None and row[year_index].strip():
            record.year = _year(row[year_index], where)
        record.arxiv_id = record.arxiv_id or arxiv_id_from_url(record.url)
        record.doi = record.doi or doi_from_url(record.url)
        # A table that names full venues and leaves one empty says the paper is only a preprint.
        if has_full_venue_column and not record.venue_full and record.arxiv_id:
            record.venue = "arXiv"
        records.append((record, section))
    return records


def write_table(rows: list[dict[str, object]], *, delimiter: str = ",") -> str:
    """CSV text with a header row from a list of flat dicts (lists joined with '; ')."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()})
    return out.getvalue()
