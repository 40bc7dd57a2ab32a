"""Crossref's REST API: `GET /works/{doi}` answers `{"status": "ok", "message": {...}}`; 404 for a DOI it
does not hold (DataCite DOIs such as arXiv's or Zenodo's: ask doi.org then).

>>> work_url("https://api.crossref.org", "10.18653/v1/2022.acl-long.245")
'https://api.crossref.org/works/10.18653/v1/2022.acl-long.245'
"""

from __future__ import annotations

from typing import Any

from survey_db.sources.common import Found, malformed, plain_text

CONTENT_TYPE = "application/json"
# Crossref work types -> BibTeX entry types.
ENTRY_TYPES = {
    "journal-article": "article",
    "proceedings-article": "inproceedings",
    "book-chapter": "incollection",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "dissertation": "phdthesis",
    "report": "techreport",
    "posted-content": "misc",
    "dataset": "misc",
}


def work_url(api: str, doi: str) -> str:
    from urllib.parse import quote

    return f"{api}/works/{quote(doi, safe='/()')}"


def request_params(email: str | None) -> dict[str, str]:
    """The polite pool: Crossref asks for a contact address in `mailto`."""
    return {"mailto": email} if email else {}


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return plain_text(value) if isinstance(value, str) else None


def _year(message: dict[str, Any]) -> int | None:
    for name in ("published-print", "published-online", "published", "issued", "created"):
        parts = (message.get(name) or {}).get("date-parts") if isinstance(message.get(name), dict) else None
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            year = parts[0][0]
            if isinstance(year, int):
                return year
    return None


def read_work(text: str) -> Found:
    import json

    from survey_db.identifiers import doi_link, parse_doi
    from survey_db.records import Name, PaperRecord

    try:
        data = json.loads(text)
    except ValueError:
        raise malformed("crossref", "JSON") from None
    if not isinstance(data, dict) or data.get("status") != "ok" or not isinstance(data.get("message"), dict):
        raise malformed("crossref", 'a works answer ({"status": "ok", "message": ...})')
    message = data["message"]
    doi = parse_doi(str(message.get("DOI") or ""))
    title = _first(message.get("title"))
    if not doi or not title:
        raise malformed("crossref", "a work with a DOI and a title")
    authors = []
    for person in message.get("author") or []:
        if not isinstance(person, dict):
            continue
        family, given = plain_text(person.get("family")), plain_text(person.get("given"))
        if family:
            authors.append(Name(first=given or "", last=family))
        elif person.get("name"):
            authors.append(Name(last=plain_text(person["name"]) or ""))
    work_type = str(message.get("type") or "")
    venue_full = _first(message.get("container-title"))
    event = message.get("event") if isinstance(message.get("event"), dict) else {}
    if not venue_full and work_type == "proceedings-article":
        venue_full = plain_text(event.get("name"))
    record = PaperRecord(
        title=title,
        entry_type=ENTRY_TYPES.get(work_type, "misc"),
        authors=authors,
        year=_year(message),
        venue=_first(message.get("short-container-title")) or plain_text(event.get("acronym")),
        venue_full=venue_full,
        url=doi_link(doi),
        doi=doi,
        pages=plain_text(message.get("page")),
        abstract=plain_text(message.get("abstract")),
        source="Crossref",
    )
    for field, name in (("publisher", "publisher"), ("volume", "volume"), ("number", "issue")):
        value = plain_text(str(message[name])) if message.get(name) else None
        if value:
            record.extra[field] = value
    return Found(record, "crossref", preprint=work_type == "posted-content")
