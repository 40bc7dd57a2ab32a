"""The BibTeX fields a PaperRecord knows, in one table (`FIELDS`) that drives reading and writing.

Each row names a record attribute and the BibTeX field it is read from and written to (also the key of the
field's original text in `record.raw`), how the field's LaTeX is decoded into the value and how a value is
encoded as LaTeX. `read_record` and `write_fields` walk the same rows in the same order; every field no row
takes stays in `record.extra`, verbatim and in the file's order, and is written back from there.

The rows that are more than a field and a value say so in their own class, here: the title (raw text kept
with the braces protect_capitals adds), the venue (journal or journaltitle for an article, booktitle for
every other type), the year (a `date` that only repeats it is dropped; biblatex writes `date`), links that
are not http(s) (kept in extra, with a warning) and the arXiv eprint (only with archivePrefix/eprinttype
arXiv, written back with the archive field and the primary class; an arXiv-only paper of a type that needs
a venue is written as @misc).

>>> from survey_db.bibtex import parse_bibtex
>>> record = parse_bibtex("@article{k, title={Spin}, journal={Phys.}, year={1990}, volume={3}}").records[0]
>>> record.venue_full, record.year, record.extra
('Phys.', 1990, {'volume': '3'})
>>> write_fields(record, biblatex=True, ascii=True, macros={})
('article', {'title': '{Spin}', 'journaltitle': '{Phys.}', 'date': '{1990}', 'volume': '{3}'})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from survey_db.bibtex.issues import URL_WITHOUT_SCHEME, YEAR_NOT_NUMBER
from survey_db.bibtex.values import (
    _FIELD_NAME,
    _YEAR4,
    _ascii_latex,
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
    _harmless,
    _inert,
    _raw_value,
    _read_authors,
    _read_text,
    _read_title,
    _reproduces,
    _verbatim,
    _ws,
)
from survey_db.errors import InputError
from survey_db.identifiers import is_http_url
from survey_db.latex import latex_to_unicode, protect_capitals, unicode_to_latex
from survey_db.records import PaperRecord

__all__ = ["FIELDS", "read_record", "write_fields"]

# Entry types BibTeX's styles expect a venue in (an arXiv-only paper of these types is written as @misc).
_NEEDS_VENUE = frozenset({"article", "inproceedings", "incollection", "conference"})
# Verbatim fields in biblatex: never LaTeX-encoded.
_VERBATIM_EXTRA = frozenset({"url", "doi", "eprint", "file", "pdf", "verba", "verbb", "verbc", "urlraw"})


class Item(Protocol):
    """A field as read (parse._Field): its value expression as written, its expanded LaTeX, whether it is
    one literal, and its line."""

    expr: str
    content: str
    literal: bool
    line: int


Warn = Callable[[int, str, str, str], None]  # (line, key, message, kind)


class _Reading:
    """One entry being read into `record`: its fields, and the raw texts and extra fields kept."""

    __slots__ = ("record", "fields", "raw", "extra", "consumed", "warn")

    def __init__(self, record: PaperRecord, fields: Mapping[str, Item], warn: Warn) -> None:
        self.record, self.fields, self.warn = record, fields, warn
        self.raw: dict[str, str] = {}
        self.extra: dict[str, str] = {}
        self.consumed: set[str] = set()

    def take(self, name: str, item: Item, same: bool, raw_key: str | None = None) -> None:
        """Field `name` is read into the record; its text is kept in raw unless writing gives it back."""
        self.consumed.add(name)
        if not item.literal or not same:
            self.raw[raw_key or name] = item.expr


class _Writing:
    """One record being written: the fields written so far (name -> value expression) and what they are
    written from."""

    __slots__ = ("fields", "raw", "extra", "entry_type", "biblatex", "ascii", "macros", "from_extra")

    def __init__(
        self, record: PaperRecord, entry_type: str, biblatex: bool, ascii: bool, macros: dict[str, str]
    ) -> None:
        self.fields: dict[str, str] = {}
        self.raw, self.extra = record.raw or {}, record.extra or {}
        self.entry_type, self.biblatex, self.ascii, self.macros = entry_type, biblatex, ascii, macros
        self.from_extra: set[str] = set()  # extra fields a row writes (under another name)

    def put(
        self,
        name: str,
        raw_key: str,
        value: Any,
        decode: Callable[[str], Any],
        encode: Callable[[Any, bool], str],
    ) -> None:
        """Write `value` as field `name`: its raw text when that still decodes to the value, else encoded."""
        expr = self.raw.get(raw_key) if self.raw else None
        if expr is not None:
            content = _raw_value(expr, self.macros, self.ascii)
            if content is not None:
                try:
                    if decode(content) == value:
                        self.fields[name] = expr
                        return
                except ValueError:
                    pass
        self.fields[name] = "{" + encode(value, self.ascii) + "}"

    def put_extra(self, name: str, extra_name: str, value: str) -> None:
        """Write the extra field `extra_name` as field `name`: its raw text when that still expands to it."""
        expr = self.raw.get(extra_name)
        if expr is not None and _raw_value(expr, self.macros, self.ascii) == value:
            self.fields[name] = expr
        else:
            self.fields[name] = "{" + verbatim_extra(extra_name, value, self.ascii) + "}"


def verbatim_extra(name: str, value: str, ascii: bool) -> str:
    """An extra field's LaTeX, as kept when it is safe to write (see the package doc), else re-encoded."""
    verbatim = name in _VERBATIM_EXTRA
    if not verbatim and ascii:
        value = _ascii_latex(value)
    if _inert(value) and _harmless(value):
        return value
    if verbatim:
        return _verbatim(value)
    return unicode_to_latex(_ws(latex_to_unicode(value)), ascii)


# ------------------------------------------------------------------------------------------------ rows


class MappedField:
    """A record attribute read from the BibTeX field `name` and written back to it.

    `decode` turns the field's LaTeX into the value (None: not a value of this attribute, and the field
    stays in extra); `encode(value, ascii)` writes a value as LaTeX (ascii=False keeps UTF-8); `read` is
    `decode` with whether `encode` writes the field's text back (a faster test where it has one). Values
    that are None are not written, nor, with `skip_empty`, empty ones.
    """

    __slots__ = ("attribute", "name", "decode", "encode", "read_value", "skip_empty")

    def __init__(
        self,
        attribute: str,
        name: str,
        decode: Callable[[str], Any],
        encode: Callable[[Any, bool], str],
        *,
        read: Callable[[str], tuple[Any, bool]] | None = None,
        skip_empty: bool = False,
    ) -> None:
        self.attribute, self.name, self.decode, self.encode = attribute, name, decode, encode
        self.read_value = read or self._read_value
        self.skip_empty = skip_empty

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.attribute!r}, {self.name!r})"

    def _read_value(self, content: str) -> tuple[Any, bool]:
        value = self.decode(content)
        return value, value is not None and _reproduces(self.encode, value, _ws(content))

    def read(self, entry: _Reading) -> None:
        item = entry.fields.get(self.name)
        if item is not None:
            value, same = self.read_value(item.content)
            if value is not None:  # as entry.take(self.name, item, same), inline: it runs for most fields
                setattr(entry.record, self.attribute, value)
                entry.consumed.add(self.name)
                if not item.literal or not same:
                    entry.raw[self.name] = item.expr

    def write(self, record: PaperRecord, out: _Writing) -> None:
        value = getattr(record, self.attribute)
        if value if self.skip_empty else value is not None:
            out.put(self.name, self.name, value, self.decode, self.encode)


class _Title(MappedField):
    """Kept text is kept with the braces protect_capitals adds, as the writer writes it: a DBLP title
    `DoReMi: ...` needs no raw text at all, and one kept for its spelling gains the braces it needs."""

    def read(self, entry: _Reading) -> None:
        item = entry.fields.get("title")
        if item is not None:
            entry.consumed.add("title")
            entry.record.title, kept = _read_title(item.content)
            if not item.literal:
                entry.raw["title"] = item.expr
            elif kept is not None:
                entry.raw["title"] = kept

    def write(self, record: PaperRecord, out: _Writing) -> None:
        if record.title:
            out.put("title", "title", record.title, self.decode, self.encode)
            written = out.fields["title"]
            if written == out.raw.get("title") and written[0] == "{":  # kept text gets protected words too
                out.fields["title"] = "{" + protect_capitals(written[1:-1]) + "}"


class _Venue(MappedField):
    """journaltitle (else journal) in an article, booktitle in every other type; the original text is kept
    under journaltitle for articles and under booktitle otherwise. Written as journal (journaltitle in
    biblatex, or the other one when that name is taken by an extra field) or booktitle."""

    def read(self, entry: _Reading) -> None:
        fields = entry.fields
        if entry.record.entry_type == "article":
            name = "journaltitle" if "journaltitle" in fields else "journal" if "journal" in fields else None
            raw_key = "journaltitle"
        else:
            name = "booktitle" if "booktitle" in fields else None
            raw_key = "booktitle"
        if name is not None:
            item = fields[name]
            entry.record.venue_full, same = self.read_value(item.content)
            entry.take(name, item, same, raw_key)

    def write(self, record: PaperRecord, out: _Writing) -> None:
        if record.venue_full is not None:
            if out.entry_type == "article":
                name = "journaltitle" if out.biblatex else "journal"
                if name in out.extra:
                    name = "journal" if name == "journaltitle" else "journaltitle"
                raw_key = "journaltitle"
            else:
                name = raw_key = "booktitle"
            out.put(name, raw_key, record.venue_full, self.decode, self.encode)


class _Year(MappedField):
    """`year = {}` says nothing; a year that is not a number (`n.d.`) stays in extra, with a warning; the
    year of `date` when there is no year, and a `date` that only repeats the year is dropped. biblatex
    writes `date` (unless a `date` is kept in extra, or the year has raw text or is not four digits)."""

    def read(self, entry: _Reading) -> None:
        fields, record, consumed = entry.fields, entry.record, entry.consumed
        key = record.key or ""
        year_item, date_item = fields.get("year"), fields.get("date")
        if year_item is not None and not _ws(year_item.content) and year_item.literal:
            consumed.add("year")  # `year = {}` says nothing
        elif year_item is not None:
            try:
                year = _decode_year(year_item.content)
            except ValueError:
                year = None
            if year is not None:
                consumed.add("year")
                record.year = year
                if not year_item.literal or str(year) != _ws(year_item.content):
                    entry.raw["year"] = year_item.expr
            else:  # `n.d.`, `in press`: BibTeX sorts it as text; kept as the field it is, with no year
                shown = _ws(year_item.content)
                message = f"year {shown!r} is not a number; kept as a field, the year left empty"
                entry.warn(year_item.line, key, message, YEAR_NOT_NUMBER)
        if date_item is not None:
            date = _ws(date_item.content)
            match = _YEAR4.search(date)
            if record.year is None and ("year" in consumed or "year" not in fields):
                if match is None:
                    message = f"date {date!r} has no year; kept as a field, the year left empty"
                    entry.warn(date_item.line, key, message, YEAR_NOT_NUMBER)
                else:
                    record.year = int(match.group())
            if date_item.literal and date == str(record.year):
                consumed.add("date")

    def write(self, record: PaperRecord, out: _Writing) -> None:
        if record.year is None:
            return
        year_raw = out.raw.get("year")
        date = out.extra.get("date")
        if (
            not out.biblatex
            or not 1000 <= record.year <= 9999  # a biblatex date has four digits
            or (year_raw and _raw_value(year_raw, out.macros, out.ascii) is not None)
        ):
            out.put("year", "year", record.year, self.decode, self.encode)
        elif date is not None:
            match = _YEAR4.search(date)
            if match is None or int(match.group()) != record.year:
                out.fields["year"] = f"{{{record.year}}}"
        else:
            out.fields["date"] = f"{{{record.year}}}"


class _Link(MappedField):
    """A url or code link: one that is not http(s) (`citeseer.ist.psu.edu/x.html`, BibTeX prints it as it
    is) stays a plain extra field, with a warning, so that no export ever makes a link of it (nor of a
    `javascript:` one)."""

    def read(self, entry: _Reading) -> None:
        item = entry.fields.get(self.name)
        if item is None:
            return
        value, same = self.read_value(item.content)
        if value and not is_http_url(value):
            shown = value if len(value) <= 80 else value[:77] + "..."
            why = "has a space in it" if " " in value else "is not an http(s) link"
            message = f"{self.name} {shown!r} {why}; kept as a plain field"
            entry.warn(item.line, entry.record.key or "", message, URL_WITHOUT_SCHEME)
            return
        setattr(entry.record, self.attribute, value)
        entry.take(self.name, item, same)


class _Eprint(MappedField):
    """An eprint is an arXiv id only with archivePrefix or eprinttype arXiv (the archive field is implied,
    not kept); primaryClass or eprintclass is kept as extra["primaryclass"]. Written back with
    archivePrefix (eprinttype in biblatex) and primaryClass (eprintclass)."""

    def read(self, entry: _Reading) -> None:
        fields = entry.fields
        item = fields.get("eprint")
        archive = fields.get("archiveprefix") or fields.get("eprinttype")
        if item is None or archive is None or _ws(archive.content).lower() != "arxiv":
            return
        value, same = self.read_value(item.content)
        if value is None:
            return
        entry.record.arxiv_id = value
        entry.consumed.update(("archiveprefix", "eprinttype"))
        entry.take("eprint", item, same)
        category = fields.get("primaryclass") or fields.get("eprintclass")
        if category is not None:
            entry.consumed.update(("primaryclass", "eprintclass"))
            entry.extra["primaryclass"] = category.content
            if not category.literal:
                entry.raw["primaryclass"] = category.expr

    def write(self, record: PaperRecord, out: _Writing) -> None:
        if not record.arxiv_id:
            return
        out.put("eprint", "eprint", record.arxiv_id, self.decode, self.encode)
        if out.biblatex:
            out.fields["eprinttype"] = "{arxiv}"
        else:
            out.fields["archiveprefix"] = "{arXiv}"
        out.from_extra.add("primaryclass")
        category = out.extra.get("primaryclass")
        if category is not None:
            out.put_extra("eprintclass" if out.biblatex else "primaryclass", "primaryclass", category)


def _read_names(content: str) -> tuple[Any, bool]:
    names, changed = _read_authors(content)
    return names, not changed


# The table, in the order fields are read (which orders `raw`, `extra` and the warnings); the writer orders
# its output by field name (write._ORDER).
FIELDS: tuple[MappedField, ...] = (
    _Title("title", "title", _decode_text, _encode_title, skip_empty=True),
    MappedField("authors", "author", _decode_authors, _encode_authors, read=_read_names, skip_empty=True),
    _Venue("venue_full", "booktitle", _decode_text, _encode_text, read=_read_text),  # or journal(title)
    MappedField("pages", "pages", _decode_text, _encode_text, read=_read_text),
    MappedField("abstract", "abstract", _decode_text, _encode_text, read=_read_text),
    MappedField("note", "note", _decode_text, _encode_text, read=_read_text),
    MappedField("venue", "shortvenue", _decode_text, _encode_text, read=_read_text),
    _Year("year", "year", _decode_year, _encode_year),
    MappedField("doi", "doi", _decode_doi, _verbatim, skip_empty=True),
    _Link("url", "url", _decode_url, _verbatim),
    _Link("code_url", "code", _decode_url, _verbatim),
    _Eprint("arxiv_id", "eprint", _decode_eprint, _verbatim, skip_empty=True),
    MappedField("topics", "keywords", _decode_topics, _encode_topics, skip_empty=True),
)


def read_record(
    key: str, entry_type: str, fields: Mapping[str, Item], source: str, warn: Warn
) -> PaperRecord:
    """The record of an entry's fields (lower-case name -> field as read): each row takes its field, every
    other field goes to extra verbatim, in the file's order, with its raw text when it is not one literal."""
    record = PaperRecord(title="", key=key, entry_type=entry_type, source=source)
    entry = _Reading(record, fields, warn)
    for row in FIELDS:
        row.read(entry)
    extra, raw, consumed = entry.extra, entry.raw, entry.consumed
    for name, item in fields.items():
        if name not in consumed:
            extra[name] = item.content
            if not item.literal:
                raw[name] = item.expr
    record.extra = extra
    record.raw = raw
    return record


def write_fields(
    record: PaperRecord, biblatex: bool, ascii: bool, macros: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """The entry type and the fields (name -> value expression) a record is written as, in no order: each
    row writes its attribute, then every extra field is written that no row wrote."""
    entry_type = (record.entry_type or "misc").lower()
    if record.arxiv_id and not record.venue_full and not record.venue and entry_type in _NEEDS_VENUE:
        entry_type = "misc"
    out = _Writing(record, entry_type, biblatex, ascii, macros)
    for row in FIELDS:
        row.write(record, out)
    fields = out.fields
    for name, value in out.extra.items():
        if name in fields or name in out.from_extra:
            continue
        if _FIELD_NAME.fullmatch(name) is None:
            raise InputError(f"{record.key}: field name {name!r} cannot be written to BibTeX")
        out.put_extra(name, name, value)
    return entry_type, fields
