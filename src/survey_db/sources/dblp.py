"""DBLP: a record's BibTeX at `/rec/{key}.bib`, and the publication search `/search/publ/api?format=json`,
whose `result.hits.hit` is a list, or a single object when there is one hit (as is `authors.author` for a
paper with one author).

>>> search_params("Fast Inference from Transformers")["format"]
'json'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from survey_db.sources.common import Found, malformed, record_from_bibtex

SEARCH_PATH = "/search/publ/api"
CONTENT_TYPE = "application/json"
# DBLP's types of the search API.
CONFERENCE = "Conference and Workshop Papers"
JOURNAL = "Journal Articles"
INFORMAL = "Informal and Other Publications"  # CoRR preprints, among others


def rec_url(api: str, key: str) -> str:
    return f"{api}/rec/{key}.bib"


def search_params(title: str, hits: int = 10) -> dict[str, str]:
    return {"q": title, "format": "json", "h": str(hits)}


@dataclass
class Hit:
    key: str
    title: str
    authors: list[str]
    year: int | None
    venue: str | None
    type: str
    doi: str | None

    @property
    def is_corr(self) -> bool:
        return self.key.startswith("journals/corr/") or (self.venue or "").lower() == "corr"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("text", "")
    if isinstance(value, list):
        value = ", ".join(_text(v) for v in value)
    return " ".join(str(value).split())


def read_hits(text: str) -> list[Hit]:
    import json

    from survey_db.identifiers import parse_doi

    try:
        data = json.loads(text)
        hits = data["result"]["hits"]
    except (ValueError, KeyError, TypeError):
        raise malformed("dblp", "a search answer (result.hits)") from None
    found = []
    for hit in _as_list(hits.get("hit") if isinstance(hits, dict) else None):
        info = hit.get("info") if isinstance(hit, dict) else None
        if not isinstance(info, dict) or not info.get("key") or not info.get("title"):
            continue
        authors = (info.get("authors") or {}).get("author") if isinstance(info.get("authors"), dict) else None
        # DBLP tells homonyms apart with a number: 'Wei Li 0001'.
        names = [re.sub(r"\s+\d{4}$", "", _text(a)) for a in _as_list(authors)]
        year = str(info.get("year") or "")
        found.append(
            Hit(
                key=str(info["key"]),
                title=_text(info["title"]).rstrip("."),
                authors=[n for n in names if n],
                year=int(year) if year.isdigit() else None,
                venue=_text(info.get("venue")) or None,
                type=_text(info.get("type")),
                doi=parse_doi(_text(info.get("doi"))) if info.get("doi") else None,
            )
        )
    return found


def read_record(text: str, key: str, venue: str | None = None) -> Found:
    """A record from a DBLP BibTeX answer; `venue` is the short name the search gave, if any."""
    from survey_db.identifiers import derived_link

    record = record_from_bibtex(text, "dblp")
    record.title = record.title.rstrip(".") if record.title else record.title
    corr = key.startswith("journals/corr/")
    if corr:
        record.entry_type, record.venue, record.venue_full, record.doi = None, "arXiv", None, None
        record.extra.pop("volume", None)
    elif venue:
        record.venue = venue
    record.url = derived_link(record.arxiv_id if corr else None, record.doi) or record.url
    return Found(record, "dblp", preprint=corr)
