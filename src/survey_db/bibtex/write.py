"""Writing records as BibTeX or BibLaTeX text (see the package doc)."""

from __future__ import annotations

from collections.abc import Iterable

from survey_db.bibtex.values import (
    _ENTRY_TYPE,
    _FIELD_NAME,
    _KEY,
    _MACRO_NAME,
    _TEXT_FIELDS,
    _YEAR4,
    _bulk_work,
    _decode_authors,
    _decode_doi,
    _decode_eprint,
    _decode_text,
    _decode_topics,
    _decode_url,
    _decode_year,
    _encode_authors,
    _encode_text,
    _encode_title,
    _encode_topics,
    _encode_year,
    _expand,
    _harmless,
    _inert,
    _pieces,
    _ValueError,
    _verbatim,
    _ws,
)
from survey_db.errors import InputError
from survey_db.latex import latex_to_unicode, protect_capitals, unicode_to_latex
from survey_db.records import PaperRecord

_NEEDS_VENUE = frozenset({"article", "inproceedings", "incollection", "conference"})
# Verbatim fields in biblatex: never LaTeX-encoded.
_VERBATIM_EXTRA = frozenset({"url", "doi", "eprint", "file", "pdf", "verba", "verbb", "verbc", "urlraw"})
# fmt: off
_ORDER = [
    "author", "editor", "title", "journal", "journaltitle", "booktitle", "year", "date", "month", "volume",
    "number", "pages", "publisher", "address", "location", "edition", "series", "organization", "institution",
    "school", "howpublished", "doi", "eprint", "archiveprefix", "eprinttype", "primaryclass", "eprintclass",
    "url", "urldate", "note", "abstract", "code", "shortvenue", "keywords",
]
# fmt: on
_SORT_KEY = {name: (index, name) for index, name in enumerate(_ORDER)}  # grows with the names seen
# Fields biber does not copy from a crossref parent under the same name (biblatex manual, appendix B).
# fmt: off
_NOT_INHERITED_BIBLATEX = frozenset({
    "crossref", "xref", "ids", "entryset", "entrysubtype", "execute", "label", "options", "presort",
    "related", "relatedoptions", "relatedstring", "relatedtype", "shorthand", "shorthandintro", "sortkey",
    "title", "subtitle", "titleaddon", "shorttitle", "sorttitle", "indextitle", "indexsorttitle",
})
# fmt: on
_SPELLING = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}

# --------------------------------------------------------------------------------------------- writing


def _raw_value(expr: str | None, macros: dict[str, str], ascii: bool) -> str | None:
    """The expanded text of a stored raw expression when it can be written safely, else None."""
    if not expr or (ascii and not expr.isascii()):
        return None
    try:
        pieces = _pieces(expr)
        for kind, piece in pieces:
            if kind in '{"' and not (_inert(piece) and _harmless(piece)):
                return None
        if len(pieces) == 1 and pieces[0][0] in '{"0':
            return pieces[0][1]
        expanded = _expand(pieces, macros, None)
        return expanded if _harmless(expanded) else None
    except _ValueError:
        return None


def _ascii_latex(text: str) -> str:
    """Verbatim LaTeX with its non-ASCII characters as LaTeX commands."""
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else unicode_to_latex(ch) for ch in text)


class _Writer:
    def __init__(self, style: str, ascii: bool, macros: dict[str, str]) -> None:
        self.biblatex = style == "biblatex"
        self.ascii = ascii
        self.macros = macros

    def fields(self, record: PaperRecord) -> tuple[str, list[tuple[str, str]]]:
        """The entry type and (name, value text) of every field, in output order."""
        ascii, raw, macros = self.ascii, record.raw or {}, self.macros
        out: dict[str, str] = {}

        def put(name: str, raw_key: str, value, decode, encode) -> None:
            expr = raw.get(raw_key) if raw else None
            if expr is not None:
                content = _raw_value(expr, macros, ascii)
                if content is not None:
                    try:
                        if decode(content) == value:
                            out[name] = expr
                            return
                    except ValueError:
                        pass
            out[name] = "{" + encode(value, ascii) + "}"

        entry_type = (record.entry_type or "misc").lower()
        if record.arxiv_id and not record.venue_full and not record.venue and entry_type in _NEEDS_VENUE:
            entry_type = "misc"
        extra = record.extra or {}
        if record.authors:
            put("author", "author", record.authors, _decode_authors, _encode_authors)
        if record.title:
            put("title", "title", record.title, _decode_text, _encode_title)
            written = out["title"]
            if written == raw.get("title") and written[0] == "{":  # kept text gets protected words too
                out["title"] = "{" + protect_capitals(written[1:-1]) + "}"
        if record.venue_full is not None:
            if entry_type == "article":
                name = "journaltitle" if self.biblatex else "journal"
                if name in extra:
                    name = "journal" if name == "journaltitle" else "journaltitle"
                raw_key = "journaltitle"
            else:
                name = raw_key = "booktitle"
            put(name, raw_key, record.venue_full, _decode_text, _encode_text)
        if record.year is not None:
            year_raw = raw.get("year")
            date = extra.get("date")
            if (
                not self.biblatex
                or not 1000 <= record.year <= 9999  # a biblatex date has four digits
                or (year_raw and _raw_value(year_raw, macros, ascii) is not None)
            ):
                put("year", "year", record.year, _decode_year, _encode_year)
            elif date is not None:
                match = _YEAR4.search(date)
                if match is None or int(match.group()) != record.year:
                    out["year"] = f"{{{record.year}}}"
            else:
                out["date"] = f"{{{record.year}}}"
        for name, attribute in _TEXT_FIELDS.items():
            value = getattr(record, attribute)
            if value is not None:
                put(name, name, value, _decode_text, _encode_text)
        if record.doi:
            put("doi", "doi", record.doi, _decode_doi, _verbatim)
        if record.arxiv_id:
            put("eprint", "eprint", record.arxiv_id, _decode_eprint, _verbatim)
            if self.biblatex:
                out["eprinttype"] = "{arxiv}"
            else:
                out["archiveprefix"] = "{arXiv}"
            category = extra.get("primaryclass")
            if category is not None:
                name = "eprintclass" if self.biblatex else "primaryclass"
                expr = raw.get("primaryclass")
                if expr is not None and _raw_value(expr, macros, ascii) == category:
                    out[name] = expr
                else:
                    out[name] = "{" + self.verbatim_extra("primaryclass", category) + "}"
        if record.url is not None:
            put("url", "url", record.url, _decode_url, _verbatim)
        if record.code_url is not None:
            put("code", "code", record.code_url, _decode_url, _verbatim)
        if record.topics:
            put("keywords", "keywords", record.topics, _decode_topics, _encode_topics)
        for name, value in extra.items():
            if name in out or (record.arxiv_id and name == "primaryclass"):
                continue
            if _FIELD_NAME.fullmatch(name) is None:
                raise InputError(f"{record.key}: field name {name!r} cannot be written to BibTeX")
            expr = raw.get(name)
            if expr is not None and _raw_value(expr, macros, ascii) == value:
                out[name] = expr
            else:
                out[name] = "{" + self.verbatim_extra(name, value) + "}"
        for name in out:
            if name not in _SORT_KEY:
                _SORT_KEY[name] = (len(_ORDER), name)
        return entry_type, [(name, out[name]) for name in sorted(out, key=_SORT_KEY.__getitem__)]

    def verbatim_extra(self, name: str, value: str) -> str:
        verbatim = name in _VERBATIM_EXTRA
        if not verbatim and self.ascii:
            value = _ascii_latex(value)
        if _inert(value) and _harmless(value):
            return value
        if verbatim:
            return _verbatim(value)
        return unicode_to_latex(_ws(latex_to_unicode(value)), self.ascii)


def _entry_text(entry_type: str, key: str, fields: list[tuple[str, str]]) -> str:
    body = ",\n".join(f"  {_SPELLING.get(name, name)} = {value}" for name, value in fields)
    return f"@{entry_type}{{{key},\n{body}\n}}\n" if fields else f"@{entry_type}{{{key},\n}}\n"


def format_bibtex(
    records: Iterable[PaperRecord],
    *,
    style: str = "bibtex",
    ascii: bool = True,
    strings: dict[str, str] | None = None,
    preamble: list[str] | None = None,
) -> str:
    """BibTeX (style="bibtex") or BibLaTeX (style="biblatex") text for records; deterministic.

    `strings` (name -> LaTeX value) are written as @string definitions, and fields whose raw text uses them
    keep doing so; `preamble` entries (value expressions, as in BibParse.preamble) become @preamble blocks.
    A record without a valid key, type or field name is an InputError.
    """
    if style not in ("bibtex", "biblatex"):
        raise ValueError(f"unknown style {style!r}; use 'bibtex' or 'biblatex'")
    macros: dict[str, str] = {}
    parts: list[str] = []
    for expr in preamble or []:
        expr = expr.strip()
        try:
            pieces = _pieces(expr)
            ok = all(_inert(text) for kind, text in pieces if kind in '{"')
        except _ValueError:
            ok = False
        if not ok:
            if not _inert(expr):
                raise InputError(f"@preamble {expr[:40]!r} is not balanced LaTeX")
            expr = "{" + expr + "}"
        parts.append(f"@preamble{{{expr}}}\n")
    for name, value in (strings or {}).items():
        if _MACRO_NAME.fullmatch(name) is None:
            raise InputError(f"@string name {name!r} cannot be written to BibTeX")
        if ascii:
            value = _ascii_latex(value)
        if not _inert(value):
            value = unicode_to_latex(_ws(latex_to_unicode(value)), ascii)
        macros[name.lower()] = value
        parts.append(f"@string{{{name} = {{{value}}}}}\n")
    if parts:
        parts.append("\n")

    with _bulk_work():
        return _format_entries(records, _Writer(style, ascii, macros), parts)


def _format_entries(records: Iterable[PaperRecord], writer: _Writer, parts: list[str]) -> str:
    entries: list[tuple[str, str, list[tuple[str, str]], str | None]] = []
    index_of: dict[str, int] = {}
    for record in records:
        key = record.key or ""
        if _KEY.fullmatch(key) is None:
            raise InputError(f"citation key {key!r} cannot be written to BibTeX")
        entry_type, fields = writer.fields(record)
        if _ENTRY_TYPE.fullmatch(entry_type) is None:
            raise InputError(f"{key}: entry type {entry_type!r} cannot be written to BibTeX")
        crossref = (record.extra or {}).get("crossref")
        index_of.setdefault(key.lower(), len(entries))
        entries.append((entry_type, key, fields, crossref.strip().lower() if crossref else None))

    # Children do not repeat what they inherit; parents come after their last child.
    keep = _NOT_INHERITED_BIBLATEX if writer.biblatex else {"crossref"}
    position = list(range(len(entries)))
    for index, (entry_type, key, fields, parent_key) in enumerate(entries):
        if parent_key is None:
            continue
        parent = index_of.get(parent_key)
        if parent is None or parent == index:
            entries[index] = (entry_type, key, [f for f in fields if f[0] != "crossref"], None)
            continue
        inherited = set(entries[parent][2])
        kept = [f for f in fields if f[0] in keep or f not in inherited]
        entries[index] = (entry_type, key, kept, parent_key)
        if position[parent] < index:
            position[parent] = index
    order = sorted(range(len(entries)), key=lambda i: (position[i], i != position[i] and 1 or 0, i))
    parts.extend(_entry_text(*entries[i][:3]) + "\n" for i in order)
    text = "".join(parts)
    return text[:-1] if text.endswith("\n\n") else text
