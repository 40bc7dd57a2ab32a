"""Writing records as BibTeX or BibLaTeX text (see the package doc)."""

from __future__ import annotations

from collections.abc import Iterable

from survey_db.bibtex.fields import write_fields
from survey_db.bibtex.values import (
    _ENTRY_TYPE,
    _KEY,
    _MACRO_NAME,
    _ascii_latex,
    _bulk_work,
    _inert,
    _pieces,
    _ValueError,
    _ws,
)
from survey_db.errors import InputError
from survey_db.latex import latex_to_unicode, unicode_to_latex
from survey_db.records import PaperRecord

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


class _Writer:
    def __init__(self, style: str, ascii: bool, macros: dict[str, str]) -> None:
        self.biblatex = style == "biblatex"
        self.ascii = ascii
        self.macros = macros

    def fields(self, record: PaperRecord) -> tuple[str, list[tuple[str, str]]]:
        """The entry type and (name, value text) of every field, in output order."""
        entry_type, out = write_fields(record, self.biblatex, self.ascii, self.macros)
        for name in out:
            if name not in _SORT_KEY:
                _SORT_KEY[name] = (len(_ORDER), name)
        return entry_type, [(name, out[name]) for name in sorted(out, key=_SORT_KEY.__getitem__)]


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
