"""CSL-JSON (the format of Zotero, pandoc and citeproc) <-> plain `PaperRecord`s.

Written per record: `id` (the key), `type` (article -> article-journal, inproceedings -> paper-conference,
incollection/inbook -> chapter, misc -> article for an arXiv preprint else document, ...), `title`,
`author` ([{family, given, non-dropping-particle, suffix}]: BibTeX's last, first, von, jr), `issued`
({"date-parts": [[year]]}), `container-title` (the full venue) and `container-title-short` (the short one),
`URL`, `DOI`, `page`, `abstract`, `note`, `keyword` (topics joined with ", ") and, from the BibTeX fields,
`volume`, `issue` (number), `publisher`, `publisher-place` (address), `edition`, `ISBN`, `ISSN`,
`collection-title` (series), decoded to Unicode.

arXiv: an arXiv id is written as `"number": "arXiv:2302.03169"` with `"archive": "arXiv"`, which is how
Zotero's preprints come out. On reading, the id is taken from `number` when it says `arXiv:...` or when
`archive` or `publisher` is arXiv, and else from `archive_location` when `archive` is arXiv.

Lossless round trip: what CSL has no variable for goes into the `custom` object that CSL 1.0.2 sets aside
for extensions (citeproc, pandoc and Zotero ignore it): `custom.bibtex-type` (the BibTeX entry type),
`custom.code` (code_url) and `custom.bibtex-fields` (record.extra verbatim, LaTeX included). When reading a
file that has `custom.bibtex-fields`, those are the BibTeX fields; otherwise they are made from the CSL
variables above. `raw` (original LaTeX) has no place in CSL and is not written.

An `id` that cannot be a BibTeX key (spaces, commas, braces, ...) or is a URI (Zotero's item URIs) gives a
record without key, for the caller to assign one. A malformed item is an InputError naming its position
and id.

>>> from survey_db.records import Name, PaperRecord
>>> record = PaperRecord("DoReMi", key="xie2023doremi", year=2023, authors=[Name("Sang Michael", "Xie")])
>>> csl = records_to_csl([record])[0]
>>> csl["author"], csl["issued"]
([{'family': 'Xie', 'given': 'Sang Michael'}], {'date-parts': [[2023]]})
>>> back = csl_to_records([csl])[0]
>>> (back.key, back.title, back.authors == record.authors, back.year)
('xie2023doremi', 'DoReMi', True, 2023)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from survey_db.errors import InputError
from survey_db.identifiers import arxiv_id, normalize_doi
from survey_db.latex import latex_to_unicode, unicode_to_latex
from survey_db.records import Name, PaperRecord

__all__ = ["records_to_csl", "csl_to_records"]

_TO_CSL = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "book": "book",
    "mvbook": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "incollection": "chapter",
    "bookinbook": "chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "manual": "report",
    "unpublished": "manuscript",
    "online": "webpage",
    "www": "webpage",
    "patent": "patent",
    "dataset": "dataset",
    "software": "software",
    "periodical": "periodical",
    "standard": "standard",
}
_FROM_CSL = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "review": "article",
    "paper-conference": "inproceedings",
    "book": "book",
    "chapter": "incollection",
    "entry-encyclopedia": "incollection",
    "entry-dictionary": "incollection",
    "thesis": "phdthesis",
    "report": "techreport",
    "manuscript": "unpublished",
    "patent": "patent",
    "pamphlet": "booklet",
}
# BibTeX field -> CSL variable, for the plain-text variables written and read besides custom.bibtex-fields.
_TEXT_VARIABLES = {
    "volume": "volume",
    "number": "issue",
    "publisher": "publisher",
    "address": "publisher-place",
    "edition": "edition",
    "isbn": "ISBN",
    "issn": "ISSN",
    "series": "collection-title",
}
_KEY = re.compile(r"[^\s,{}()\"#%'=\\~]+")
_YEAR = re.compile(r"(?<![0-9])-?[0-9]{1,4}(?![0-9])")
_TOPIC_SPLIT = re.compile(r"[,;]")
_WS = re.compile(r"\s+")


def _plain(latex: str) -> str:
    return _WS.sub(" ", latex_to_unicode(_WS.sub(" ", latex))).strip()


def _csl_name(name: Name) -> dict[str, str]:
    item = {"family": name.last, "given": name.first, "non-dropping-particle": name.von, "suffix": name.jr}
    return {part: value for part, value in item.items() if value}


def records_to_csl(records: Iterable[PaperRecord]) -> list[dict[str, Any]]:
    """CSL-JSON items (plain dicts, ready for json.dumps) for records, in order."""
    items = []
    for record in records:
        entry_type = (record.entry_type or "misc").lower()
        csl_type = _TO_CSL.get(entry_type)
        if csl_type is None:
            csl_type = "article" if record.arxiv_id and not record.venue_full else "document"
        item: dict[str, Any] = {"id": record.key or "", "type": csl_type}
        if record.title:
            item["title"] = record.title
        if record.authors:
            item["author"] = [_csl_name(name) for name in record.authors]
        if record.year is not None:
            item["issued"] = {"date-parts": [[record.year]]}
        if record.venue_full:
            item["container-title"] = record.venue_full
        if record.venue:
            item["container-title-short"] = record.venue
        extra = record.extra or {}
        for field, variable in _TEXT_VARIABLES.items():
            if extra.get(field):
                item[variable] = _plain(extra[field])
        if record.pages:
            item["page"] = record.pages
        if record.doi:
            item["DOI"] = record.doi
        if record.url:
            item["URL"] = record.url
        if record.arxiv_id:
            item["number"] = f"arXiv:{record.arxiv_id}"
            item["archive"] = "arXiv"
        if record.abstract:
            item["abstract"] = record.abstract
        if record.note:
            item["note"] = record.note
        if record.topics:
            item["keyword"] = ", ".join(record.topics)
        custom: dict[str, Any] = {"bibtex-type": entry_type}
        if record.code_url:
            custom["code"] = record.code_url
        if extra:
            custom["bibtex-fields"] = dict(extra)
        item["custom"] = custom
        items.append(item)
    return items


def _text(item: dict[str, Any], variable: str, where: str) -> str | None:
    value = item.get(variable)
    if value is None or value == "":
        return None
    if isinstance(value, list):  # some exporters write one-element lists
        value = ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        raise InputError(f"{where}: '{variable}' should be text, not an object")
    return str(value).strip() or None


def _year(issued: Any, where: str) -> int | None:
    if issued is None or issued == "":
        return None
    if isinstance(issued, int | str):
        text = str(issued)
    elif isinstance(issued, dict):
        parts = issued.get("date-parts")
        if parts:
            try:
                first = parts[0][0]
                return int(first)
            except (TypeError, ValueError, IndexError, KeyError):
                raise InputError(f"{where}: 'issued' date-parts {parts!r} have no year") from None
        text = str(issued.get("raw") or issued.get("literal") or "")
        if not text:
            return None
    elif isinstance(issued, list) and issued:
        return _year(issued[0], where)
    else:
        raise InputError(f"{where}: 'issued' {issued!r} is not a date")
    match = _YEAR.search(text)
    if match is None:
        raise InputError(f"{where}: 'issued' {text!r} has no year")
    return int(match.group())


def _names(value: Any, where: str) -> list[Name]:
    if not value:
        return []
    if not isinstance(value, list):
        raise InputError(f"{where}: 'author' should be a list of names")
    names = []
    for person in value:
        if isinstance(person, str):
            names.append(Name(last=person))
            continue
        if not isinstance(person, dict):
            raise InputError(f"{where}: author {person!r} is not a name")
        if person.get("literal") and not person.get("family"):
            names.append(Name(last=str(person["literal"])))
            continue
        particles = [str(person.get(p) or "") for p in ("dropping-particle", "non-dropping-particle")]
        names.append(
            Name(
                first=str(person.get("given") or ""),
                last=str(person.get("family") or ""),
                von=" ".join(p for p in particles if p),
                jr=str(person.get("suffix") or ""),
            )
        )
    return names


def _arxiv(item: dict[str, Any]) -> str | None:
    archive = str(item.get("archive") or "").lower()
    publisher = str(item.get("publisher") or "").lower()
    number = str(item.get("number") or "")
    if number.lower().startswith("arxiv:") or "arxiv" in (archive, publisher):
        found = arxiv_id(number)
        if found:
            return found
    if archive == "arxiv":
        return arxiv_id(str(item.get("archive_location") or ""))
    return None


def _check_text(data: Any) -> None:
    """JSON's \\ud800 escapes can spell an unpaired surrogate, which is not Unicode text: refuse it."""
    import re

    surrogate = re.compile("[\ud800-\udfff]")
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and (found := surrogate.search(item)):
                raise InputError(f"CSL-JSON text holds an unpaired surrogate {found.group()!r} (not Unicode)")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def csl_to_records(data: Any) -> list[PaperRecord]:
    """Records from parsed CSL-JSON: a list of items (or one item). Malformed input is an InputError."""
    _check_text(data)
    if isinstance(data, dict):
        data = data.get("items", [data]) if "items" in data and isinstance(data["items"], list) else [data]
    if not isinstance(data, list):
        raise InputError("CSL-JSON should be a list of items")
    records = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InputError(f"CSL-JSON item {index} is not an object")
        ident = item.get("id")
        where = f"CSL-JSON item {index}" + (f" ({ident})" if ident not in (None, "") else "")
        custom = item.get("custom")
        if not isinstance(custom, dict):
            custom = {}
        key = str(ident).strip() if ident not in (None, "") else None
        if key is not None and (_KEY.fullmatch(key) is None or "://" in key):
            key = None
        entry_type = str(custom.get("bibtex-type") or "") or _FROM_CSL.get(
            str(item.get("type") or ""), "misc"
        )
        record = PaperRecord(
            title=_text(item, "title", where) or "",
            key=key,
            entry_type=entry_type.lower(),
            authors=_names(item.get("author"), where),
            year=_year(item.get("issued"), where),
            venue_full=_text(item, "container-title", where),
            venue=_text(item, "container-title-short", where) or _text(item, "journalAbbreviation", where),
            url=_text(item, "URL", where),
            code_url=str(custom["code"]) if custom.get("code") else None,
            arxiv_id=_arxiv(item),
            doi=normalize_doi(_text(item, "DOI", where)),
            pages=_text(item, "page", where),
            abstract=_text(item, "abstract", where),
            note=_text(item, "note", where),
            source=where,
        )
        keywords = item.get("keyword")
        if isinstance(keywords, list):
            record.topics = [str(k).strip() for k in keywords if str(k).strip()]
        elif keywords:
            record.topics = [t.strip() for t in _TOPIC_SPLIT.split(str(keywords)) if t.strip()]
        fields = custom.get("bibtex-fields")
        if isinstance(fields, dict):
            record.extra = {str(name).lower(): str(value) for name, value in fields.items()}
        else:
            extra = {}
            for field, variable in _TEXT_VARIABLES.items():
                value = _text(item, variable, where)
                if value is not None and not (variable == "publisher" and value.lower() == "arxiv"):
                    extra[field] = unicode_to_latex(value)
            editors = _names(item.get("editor"), where)
            if editors:
                extra["editor"] = " and ".join(
                    Name(*(unicode_to_latex(part) for part in (e.first, e.last, e.von, e.jr))).bibtex
                    for e in editors
                )
            record.extra = extra
        records.append(record)
    return records
