"""What every service module returns, and the readers that several of them share."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from survey_db.records import PaperRecord
from survey_db.sources.http import LookupError_, service_name

# Fields of a service's BibTeX that describe the service's own record, not the paper.
_SERVICE_FIELDS = {
    "timestamp",
    "biburl",
    "bibsource",
    "eprinttype",
    "eprint",
    "archiveprefix",
    "primaryclass",
}


@dataclass
class Found:
    """A paper as one service describes it. `preprint` is true for arXiv (and DBLP's CoRR) records;
    `published_doi` and `journal_ref` are what arXiv says about a published version."""

    record: PaperRecord
    service: str
    preprint: bool = False
    published_doi: str | None = None
    journal_ref: str | None = None
    notes: list[str] = field(default_factory=list)


def malformed(service: str, what: str) -> LookupError_:
    return LookupError_(f"{service_name(service)}: the answer is not {what}; try again later or report it")


def plain_text(text: str | None) -> str | None:
    """Text without markup (JATS, HTML) and with single spaces: '<jats:p>A  b</jats:p>' -> 'A b'."""
    if text is None:
        return None
    text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(html.unescape(text).split())
    return text or None


def record_from_bibtex(text: str, service: str) -> PaperRecord:
    """The first entry of a service's BibTeX answer, without the service's key and bookkeeping fields."""
    from survey_db import bibtex
    from survey_db.identifiers import arxiv_id

    parsed = bibtex.parse_bibtex(text, source=service_name(service))
    if not parsed.records:
        raise malformed(service, "BibTeX with an entry")
    record = parsed.records[0]
    eprint = record.extra.get("eprint")
    if eprint and not record.arxiv_id and (record.extra.get("eprinttype", "").lower() == "arxiv"):
        record.arxiv_id = arxiv_id(eprint)
    for name in _SERVICE_FIELDS:
        record.extra.pop(name, None)
        record.raw.pop(name, None)
    # Services wrap long values over indented lines; BibTeX reads any run of spaces as one.
    record.extra = {name: " ".join(value.split()) for name, value in record.extra.items()}
    record.raw = {name: " ".join(value.split()) for name, value in record.raw.items()}
    record.key = None
    record.source = service_name(service)
    return record
