"""BibTeX and BibLaTeX files <-> plain `PaperRecord`s, losslessly.

The only module that imports bibtexparser (2.x), and only inside `parse_bibtex`: importing this module is
cheap. bibtexparser splits the file into blocks (no middleware); the values are interpreted here.

Reading (`parse_bibtex`)
    Mapped fields become decoded Unicode attributes of the record: author (split on top-level 'and' as
    names.split_authors does, each name parsed with names.parse_name on the LaTeX text, then decoded),
    title, journaltitle/journal (article) or booktitle (every other type) -> venue_full, shortvenue ->
    venue, year (or the year of `date`), pages, doi (normalised), eprint with archivePrefix/eprinttype arXiv
    -> arxiv_id (the archive field is implied and not kept; primaryClass/eprintclass is kept as
    extra["primaryclass"]), url, code -> code_url, abstract, note, keywords -> topics (split on `,` or `;`).
    Whitespace runs in mapped fields become one space, as in BibTeX; `\\_`-style escapes in urls and DOIs
    (DBLP writes them) are undone. `year = {}` is no year. A `date` that only repeats the year is dropped;
    any other `date` is kept in extra.
    Every other field goes to `record.extra[name]` verbatim: the LaTeX between the delimiters as written
    (field names in lower case; a number or a "quoted" literal is kept as its text).

`record.raw` (field name -> a BibTeX value expression, delimiters included)
    Kept only where writing the decoded value back would not reproduce the file: a mapped field whose text
    differs from what `format_bibtex` would write for its decoded value, in ASCII or UTF-8 mode (`{\\"o}`
    is what the writer writes, so it needs no raw; `\\"{o}` does; whitespace and quotes vs braces do not
    count), and any field whose value is not one literal (a macro such as `month = jul`, or a
    concatenation `"10~" # jan`, kept exactly as written). Titles are kept with the braces that
    latex.protect_capitals adds (`{DoReMi}`), as the writer writes them, so that exports protect them and a
    DBLP title needs no raw at all. Author fields are compared name by name, so `Donald E. Knuth` needs no
    raw and is written back as `Knuth, Donald E.`. The venue's original is kept under "journaltitle" for
    articles (whether the file said journal or journaltitle) and under "booktitle" otherwise.

Macros
    `@string` definitions are expanded when read (BibParse.strings maps each name, as written, to its
    expanded LaTeX value). A field that used a macro keeps its expanded text in the record (extra, or the
    decoded attribute) and the expression in `raw`, so `month = jan` is written back bare as `jan` (and
    `journal = jams` as `jams`) whenever the expression still expands to the current value: the month macros
    jan..dec are predefined (expanding to "January"..."December", as in BibTeX's standard styles); other
    macros must be given to `format_bibtex(strings=...)`, else the expanded text is written instead.

Crossref
    A child inherits the fields it lacks from a parent in the same file (for display and search; BibTeX's
    same-name inheritance). `crossref` itself stays in extra. `format_bibtex` does not write a child's field
    whose text equals its parent's when the parent is exported too (so inherited fields are not written, and
    an import of the output inherits them again), writes parents after their children as BibTeX requires,
    and drops the `crossref` field of a child whose parent is not in the export.

Problems (`BibParse.errors`, `str()` is `FILE:LINE: key: what is wrong`) make an entry invalid; it is left
out of `records`: malformed entries, a missing or invalid key, a duplicate key (the first entry is kept; keys
differing only in case are the same key, as in BibTeX). What BibTeX reads with a warning is a warning here
(`warnings`, each with its `kind`), and the entry is read: an undefined macro (kept as its name), a missing
crossref parent, a field given twice (the first kept), a year that is not a number (`n.d.`: kept in extra,
no year), a url or code link that is not http(s) (`citeseer.ist.psu.edu/x.html`: kept in extra, so no
export makes a link of it). `parse_bib_texts` reads several files as one `\\bibliography{a,b,c}`.

Writing (`format_bibtex`) is a fast formatter of its own. Field order: author, editor, title, journal /
journaltitle / booktitle, year, date, month, volume, number, pages, publisher, address, location, edition,
series, organization, institution, school, howpublished, doi, eprint, archivePrefix / eprinttype,
primaryClass / eprintclass, url, urldate, note, abstract, code, shortvenue, keywords, then every other field
alphabetically. Unicode values are encoded with latex.unicode_to_latex (titles with protect_capitals);
url, code, doi and eprint are written verbatim (a brace, backslash or whitespace in them is percent-encoded).
Nothing a record holds can end an entry early or run a command: raw text is used only when it parses as a
value expression, is balanced and still decodes to the current value; verbatim extra values only when
their braces balance both for BibTeX (which counts `\\{`) and for bibtexparser (which does not), no line
starts with `@`, and they do not end in a backslash; otherwise they are re-encoded as text. Neither is used
when it holds a command that reads or writes files, runs programs or redefines TeX (`\\input`, `\\write`,
`\\def`, `\\csname`, `^^5c`, ...; see _UNSAFE_LATEX): such text is written as text, backslashes escaped.
arXiv-only papers (an arXiv id, neither venue nor venue_full) of a type that needs a venue (article,
inproceedings, incollection) are written as @misc. With
`ascii=True` (the default) raw text that is not ASCII is not used, and the non-ASCII letters of verbatim
extra values become LaTeX commands; characters LaTeX has no text command for (CJK, emoji) stay UTF-8.
In biblatex style the year is written as `date` (unless a `date` is kept in extra) and biber's data model
warns about the two custom fields `code` and `shortvenue`, which it ignores.

Both directions pause Python's cyclic garbage collector while they run (see `_bulk_work`).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from survey_db.errors import InputError
from survey_db.identifiers import arxiv_id as _arxiv_id
from survey_db.identifiers import is_http_url, normalize_doi
from survey_db.latex import group_end, latex_to_unicode, protect_capitals, unicode_to_latex
from survey_db.names import parse_name
from survey_db.records import Name, PaperRecord

__all__ = [
    "BibIssue",
    "BibParse",
    "parse_bibtex",
    "read_bib_file",
    "format_bibtex",
    "parse_aux",
    "MONTHS",
]

# fmt: off
MONTHS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May", "jun": "June",
    "jul": "July", "aug": "August", "sep": "September", "oct": "October", "nov": "November",
    "dec": "December",
}
# fmt: on

_KEY = re.compile(r"[^\s,{}()\"#%'=\\~]+")
_FIELD_NAME = re.compile(r"[A-Za-z][\w\-:.+/]*")
_ENTRY_TYPE = re.compile(r"[A-Za-z][\w\-]*")
_MACRO_NAME = re.compile(r"[^\s\"#%'(),={}0-9][^\s\"#%'(),={}]*")
_NUMBER = re.compile(r"[0-9]+")
_WS = re.compile(r"[ \t\n\r\f\v]+")
_BRACES = re.compile(r"(?<!\\)[{}]")
_BRACES_QUOTES = re.compile(r'(?<!\\)[{}"]')
_ALL_BRACES = re.compile(r"[{}]")
_LINE_START_AT = re.compile(r"\n[ \t\r\f\v]*@")
# Control sequences that read or write files, run programs, define or redefine commands, change how TeX
# reads characters or end the document, and the ^^ notation that can spell any of them: a stored field's
# LaTeX kept verbatim (a raw or an extra field) that holds one is written as text instead, its backslashes
# escaped, so that compiling an export never runs it. Formatting, accents, math and \url stay LaTeX.
# (@preamble and @string text given to format_bibtex by a caller is written as given.)
_UNSAFE_LATEX = re.compile(
    r"\\(?:input|include|includeonly|includegraphics|InputIfFileExists|IfFileExists|openin|openout|read"
    r"|readline|write|immediate|special|catcode|lccode|uccode|mathcode|sfcode|delcode|mathchardef"
    r"|chardef|countdef|toksdef|def|edef|gdef|xdef|let|futurelet|global|long|outer|protected"
    r"|newcommand|renewcommand|providecommand|DeclareRobustCommand|DeclareTextCommand|NewDocumentCommand"
    r"|RenewDocumentCommand|csname|endcsname|expandafter|usepackage|RequirePackage|documentclass"
    r"|makeatletter|makeatother|scantokens|everypar|everyeof|everyjob|everymath|everydisplay|everyhbox"
    r"|everyvbox|everycr|endinput|end|begin|verb|newread|newwrite|closein|closeout|afterassignment"
    r"|aftergroup|shipout|output|dump|batchmode|nonstopmode|scrollmode|errorstopmode|errmessage|errhelp"
    r"|loop|repeat|ShellEscape|directlua|latelua|luaexec|luadirect|primitive|pdf[A-Za-z]*|XeTeX[A-Za-z]*"
    r"|newif|newtoks|newcount|newdimen|newskip|newbox)(?![A-Za-z])"
    r"|\\[A-Za-z]*@|\^\^"
)
_YEAR4 = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")
_TOPIC_SPLIT = re.compile(r"[,;]")
_AND_SPLIT = re.compile(r"\s+and\s+", re.IGNORECASE)
_SIMPLE_NAME_PART = re.compile(r"[A-Za-z][A-Za-z0-9.\-' ]*")
_AND_WORD = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)
BLOCK_START = re.compile(r"\n[ \t\r\f\v]*@\w*[ \t]*[{(]")
CROSSREF_TARGET = re.compile(r"crossref\s*=\s*[{\"]\s*([^}\"\s,]+)", re.IGNORECASE)
_ENCODING_LINE = re.compile(rb"^%\s*Encoding:\s*([A-Za-z0-9_.:-]+)", re.MULTILINE)

_VENUE_SOURCES_ARTICLE = ("journaltitle", "journal")
_TEXT_FIELDS = {"pages": "pages", "abstract": "abstract", "note": "note", "shortvenue": "venue"}
_URL_FIELDS = {"url": "url", "code": "code_url"}
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
_CHUNK_CHARS = 1 << 20


# ----------------------------------------------------------------------------------------------- results


# The kinds of warning: what BibTeX reads with a warning of its own, or what is kept in a way worth a word.
UNDEFINED_MACRO = "undefined macro"
MISSING_CROSSREF = "missing crossref target"
REPEATED_FIELD = "repeated field"
YEAR_NOT_NUMBER = "year not a number"
URL_WITHOUT_SCHEME = "link without http(s)"
NOT_UTF8 = "line not UTF-8"
UNPAIRED_ESCAPE = "unpaired \\{ or \\}"


@dataclass
class BibIssue:
    """A problem in a .bib file, shown as `FILE:LINE: key: what is wrong`; `kind` names a warning's kind."""

    source: str
    line: int | None
    key: str | None
    message: str
    kind: str = ""

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


@dataclass
class BibParse:
    """Everything read from one .bib file.

    `strings` maps each @string name (as written) to its expanded LaTeX value; `preamble` holds each
    @preamble's value expression as written; `comments` the text of @comment blocks and of text between
    entries. `duplicates_in_file` lists keys defined more than once (each also reported in `errors`).
    """

    records: list[PaperRecord]
    strings: dict[str, str]
    preamble: list[str]
    comments: list[str]
    errors: list[BibIssue]
    duplicates_in_file: list[str]
    warnings: list[BibIssue] = field(default_factory=list)


class _ValueError(Exception):
    """A field value that is not a valid BibTeX value expression."""


# ------------------------------------------------------------------------------------ value expressions


def _closing(value: str, start: int, pattern: re.Pattern[str], quote: bool) -> int:
    """Index after the delimiter that closes the `{` or `"` at value[start]; -1 if it is never closed."""
    depth = 0
    for match in pattern.finditer(value, start + 1):
        ch = match.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                if quote:
                    raise _ValueError("unbalanced '}' in a quoted value")
                return match.end()
            depth -= 1
        elif depth == 0:  # a quote outside braces
            return match.end()
    return -1


def _pieces(value: str) -> list[tuple[str, str]]:
    """Split a value expression into pieces: ('{', text), ('"', text), ('0', digits), ('m', macro name)."""
    pieces: list[tuple[str, str]] = []
    i, n = 0, len(value)
    while True:
        while i < n and value[i] in " \t\n\r\f\v":
            i += 1
        if i >= n:
            raise _ValueError("empty value" if not pieces else "value ends with '#'")
        ch = value[i]
        if ch == "{":
            end = _closing(value, i, _BRACES, False)
            if end < 0:
                raise _ValueError("unbalanced braces")
            pieces.append(("{", value[i + 1 : end - 1]))
        elif ch == '"':
            end = _closing(value, i, _BRACES_QUOTES, True)
            if end < 0:
                raise _ValueError("unclosed '\"'")
            pieces.append(('"', value[i + 1 : end - 1]))
        elif "0" <= ch <= "9":
            end = _NUMBER.match(value, i).end()
            pieces.append(("0", value[i:end]))
        else:
            match = _MACRO_NAME.match(value, i)
            if match is None:
                raise _ValueError(f"unexpected {ch!r} in value")
            end = match.end()
            pieces.append(("m", match.group()))
        i = end
        while i < n and value[i] in " \t\n\r\f\v":
            i += 1
        if i >= n:
            return pieces
        if value[i] != "#":
            raise _ValueError(f"unexpected text {value[i : i + 20]!r} after the value (a missing comma?)")
        i += 1


def _literal(value: str) -> str | None:
    """The text of a value that is one `{...}` or `"..."` literal or a number, else None (fast path)."""
    if not value:
        return None
    first, last = value[0], value[-1]
    if (first == "{" and last == "}") or (first == '"' and last == '"' and len(value) > 1):
        inner = value[1:-1]
        if "{" not in inner and "}" not in inner and '"' not in inner and not inner.endswith("\\"):
            return inner
    if first == "{" and last == "}":
        depth = 0
        for match in _BRACES.finditer(value):
            if match.group() == "{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return value[1:-1] if match.end() == len(value) else None
        return None
    if first == '"' and last == '"' and len(value) > 1:
        depth = 0
        for match in _BRACES_QUOTES.finditer(value, 1, len(value) - 1):
            ch = match.group()
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth < 0:
                    return None
            elif depth == 0:
                return None
        return value[1:-1] if depth == 0 else None
    if value.isdigit() and value.isascii():
        return value
    return None


def _expand(pieces: list[tuple[str, str]], macros: dict[str, str], undefined: list[str] | None) -> str:
    parts = []
    for kind, text in pieces:
        if kind != "m":
            parts.append(text)
            continue
        name = text.lower()
        if name in macros:
            parts.append(macros[name])
        elif name in MONTHS:
            parts.append(MONTHS[name])
        else:
            if undefined is None:
                raise _ValueError(f"undefined macro {text!r}")
            undefined.append(text)
            parts.append(text)
    return "".join(parts)


def _inert(text: str) -> bool:
    """True when `{text}` is safe in a .bib file for BibTeX, biber and bibtexparser alike."""
    if "{" in text or "}" in text:
        for pattern in (_ALL_BRACES, _BRACES):
            depth = 0
            for match in pattern.finditer(text):
                depth += 1 if match.group() == "{" else -1
                if depth < 0:
                    return False
            if depth:
                return False
    if text.endswith("\\"):
        return False
    return "\n" not in text or _LINE_START_AT.search(text) is None


def _harmless(text: str) -> bool:
    """True when LaTeX `text` runs no command that reads or writes files or redefines TeX."""
    return ("\\" not in text and "^^" not in text) or _UNSAFE_LATEX.search(text) is None


def _ws(text: str) -> str:
    """Runs of ASCII whitespace as one space, none at the ends (U+00A0 from `~` stays)."""
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        return _WS.sub(" ", text).strip(" ")
    return text.strip(" ")


# ------------------------------------------------------------------------------- field value conversion


def _decode_text(content: str) -> str:
    return _ws(latex_to_unicode(_ws(content)))


# Any character but printable ASCII without LaTeX's specials \\ { } ~ % & _ # $ ^ (one class: fast).
_NOT_PLAIN = re.compile(r"[^\x20-\x22\x27-\x5b\x5d\x60-\x7a\x7c]")


def _is_plain(text: str) -> bool:
    """True for text that is its own LaTeX and its own decoding: no specials, ligatures or extra spaces."""
    return (
        _NOT_PLAIN.search(text) is None
        and "--" not in text
        and "``" not in text
        and "''" not in text
        and "  " not in text
        and "?`" not in text
        and "!`" not in text
        and text[:1] != " "
        and text[-1:] != " "
    )


def _reproduces(encode: Callable[[Any, bool], str], value: Any, text: str) -> bool:
    """True when the writer, in ASCII or in UTF-8 mode, writes `value` as `text`."""
    return encode(value, True) == text or (not text.isascii() and encode(value, False) == text)


def _read_text(content: str) -> tuple[str, bool]:
    """A text field's decoded value, and whether encoding that value gives the field's text back."""
    if _is_plain(content):
        return content, True
    value = _decode_text(content)
    text = _ws(content)
    return value, _reproduces(_encode_text, value, text)


def _read_title(content: str) -> tuple[str, str | None]:
    """A title's decoded value, and the literal to keep in `raw` (None when the writer writes it anyway).

    Titles are kept with the braces of protect_capitals added, as the writer writes them: a DBLP title
    `DoReMi: ...` needs no raw text at all, and one kept for its spelling gains the braces it needs.
    """
    if _is_plain(content):
        return content, None  # the writer writes protect_capitals(content)
    value = _decode_text(content)
    protected = protect_capitals(content)
    return value, None if _reproduces(_encode_title, value, _ws(protected)) else "{" + protected + "}"


def _encode_text(value: str, ascii: bool) -> str:  # noqa: A002
    return unicode_to_latex(_ws(value), ascii)


def _encode_title(value: str, ascii: bool) -> str:  # noqa: A002
    return protect_capitals(unicode_to_latex(_ws(value), ascii))


def _verbatim(value: str, ascii: bool = True) -> str:  # noqa: A002, ARG001 - the writer's signature
    """A url/doi/eprint as written: characters that could break the file percent-encoded."""
    value = _ws(value)
    if "{" in value or "}" in value or "\\" in value or " " in value:
        value = value.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")
    return value


_URL_ESCAPE = re.compile(r"\{?\\([_%&#$~])\}?")


def _decode_url(content: str) -> str:
    """A url as written, without the `\\_`-style escapes some exporters (DBLP) put into urls."""
    text = _ws(content)
    return _URL_ESCAPE.sub(r"\1", text) if "\\" in text else text


def _decode_doi(content: str) -> str | None:
    return normalize_doi(_decode_url(content))


def _decode_eprint(content: str) -> str | None:
    return _arxiv_id(_ws(content))


def _encode_year(year: int, ascii: bool) -> str:  # noqa: A002, ARG001 - the writer's signature
    return str(year)


def _decode_year(content: str) -> int:
    text = _ws(content)
    if text.isdigit() and text.isascii():
        return int(text)
    match = _YEAR4.search(latex_to_unicode(text))
    if match is None:
        raise ValueError(text)
    return int(match.group())


def _decode_topics(content: str) -> list[str]:
    return [t for t in (_ws(part) for part in _TOPIC_SPLIT.split(latex_to_unicode(_ws(content)))) if t]


def _encode_topics(topics: list[str], ascii: bool) -> str:  # noqa: A002
    return ", ".join(unicode_to_latex(_ws(t), ascii) for t in topics)


@lru_cache(maxsize=1 << 16)
def _decode_name(latex: Name) -> Name:
    return Name(
        first=_decode_text(latex.first),
        last=_decode_text(latex.last),
        von=_decode_text(latex.von),
        jr=_decode_text(latex.jr),
    )


@lru_cache(maxsize=1 << 16)
def _parse_name(text: str) -> Name:
    return parse_name(text)


_AND_OR_BRACE = re.compile(r"[{}]|\s+and\s+", re.IGNORECASE)


def _split_and(text: str) -> list[str]:
    """An author list split on 'and' outside braces, as names.split_authors does (but at C speed)."""
    if "{" not in text:
        return _AND_SPLIT.split(text)
    parts, depth, start = [], 0, 0
    for match in _AND_OR_BRACE.finditer(text):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


@lru_cache(maxsize=1 << 16)
def _read_name(text: str) -> tuple[Name, bool]:
    """One author as written: its decoded name, and whether writing that back would change the LaTeX."""
    latex = _parse_name(text)
    decoded = _decode_name(latex)
    same = _name_latex(decoded, True) == latex or (
        not text.isascii() and _name_latex(decoded, False) == latex
    )
    return decoded, not same


def _read_authors(content: str) -> tuple[list[Name], bool]:
    """The decoded names of an author field, and whether the field needs its raw text kept."""
    names, changed = [], False
    for part in _split_and(_ws(content)):
        if part.strip():
            name, differs = _read_name(part)
            names.append(name)
            changed = changed or differs
    return names, changed


def _decode_authors(content: str) -> list[Name]:
    return _read_authors(content)[0]


def _encode_part(text: str, ascii: bool) -> str:  # noqa: A002
    latex = unicode_to_latex(_ws(text), ascii)
    if "," in latex or _AND_WORD.search(latex):
        latex = "{" + latex + "}"
    return latex


def _encode_von_word(word: str, ascii: bool) -> str:  # noqa: A002
    latex = unicode_to_latex(word, ascii)
    if latex.startswith("{\\"):
        # `{\"u}ber` counts as upper case for BibTeX's name parser; `\"uber` does not.
        end = group_end(latex, 0)
        if latex[end - 1 : end] == "}":
            return latex[1 : end - 1] + latex[end:]
    return latex


def _parses_back(candidate: Name, name: Name) -> bool:
    parsed = _parse_name(candidate.bibtex)
    return parsed == candidate and _decode_name(parsed) == name


def _simple(part: str, spaces: bool) -> bool:
    """A name part that is its own LaTeX and that BibTeX's name parser cannot misread."""
    if not part:
        return True
    return (
        _SIMPLE_NAME_PART.fullmatch(part) is not None
        and (spaces or " " not in part)
        and "--" not in part
        and "''" not in part
        and "  " not in part
        and part[-1] != " "
        and _AND_WORD.search(part) is None
    )


@lru_cache(maxsize=1 << 16)
def _name_latex(name: Name, ascii: bool) -> Name:  # noqa: A002
    """The LaTeX parts `format_bibtex` writes for a name ("von Last, Jr, First"), braced where needed."""
    simple = not name.von and name.last and _simple(name.last, False)
    if simple and _simple(name.first, True) and _simple(name.jr, True):
        return name
    first, jr = _encode_part(name.first, ascii), _encode_part(name.jr, ascii)
    von = " ".join(_encode_von_word(w, ascii) for w in _ws(name.von).split(" ")) if name.von.strip() else ""
    last = unicode_to_latex(_ws(name.last), ascii)
    candidate = Name(first=first, last=last, von=von, jr=jr)
    if _parses_back(candidate, name):
        return candidate
    braced = Name(first=first, last="{" + last + "}", von=von, jr=jr)
    if _parses_back(braced, name):
        return braced
    # Cannot be expressed exactly (a von part BibTeX would not see as one): keep every word, inertly.
    return Name(first=first, last="{" + " ".join(p for p in (von, last) if p) + "}", jr=jr)


_NAME_TEXT: tuple[dict[Name, str], dict[Name, str]] = ({}, {})  # "von Last, Jr, First" (UTF-8, ASCII)


def authors_latex(names: list[Name]) -> str:
    """An author field's LaTeX for names, as `format_bibtex` writes it (UTF-8 kept)."""
    return _encode_authors(names, False)


def topics_latex(topics: list[str]) -> str:
    """A keywords field's LaTeX for topics, as `format_bibtex` writes it (UTF-8 kept)."""
    return _encode_topics(topics, False)


def _encode_authors(names: list[Name], ascii: bool) -> str:  # noqa: A002
    cache = _NAME_TEXT[ascii]
    if len(cache) > 1 << 17:
        cache.clear()
    parts = []
    for name in names:
        text = cache.get(name)
        if text is None:
            text = cache[name] = _name_latex(name, ascii).bibtex
        parts.append(text)
    return " and ".join(parts)


# -------------------------------------------------------------------------------------------- parsing


class _Field:
    """A field as read: its value expression as written, the expanded LaTeX text, whether it is one literal
    (so that writing `{content}` gives the same value), and its line."""

    __slots__ = ("expr", "content", "literal", "line")

    def __init__(self, expr: str, content: str, literal: bool, line: int) -> None:
        self.expr, self.content, self.literal, self.line = expr, content, literal, line


class _Entry:
    __slots__ = ("key", "entry_type", "fields", "line", "source")

    def __init__(self, key: str, entry_type: str, fields: dict[str, _Field], line: int, source: str) -> None:
        self.key, self.entry_type, self.fields, self.line, self.source = key, entry_type, fields, line, source


def duplicate_message(source: str, first_source: str, first_line: int, first_key: str, key: str) -> str:
    """What is said of a key defined again (in `source`): BibTeX ignores case in keys."""
    where = f"line {first_line}" if first_source == source else f"{first_source}:{first_line}"
    spelled = "" if first_key == key else f" as '{first_key}'"
    return f"duplicate key (first defined on {where}{spelled}); skipped"


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.macros: dict[str, str] = {}
        self.strings: dict[str, str] = {}
        self.preamble: list[str] = []
        self.comments: list[str] = []
        self.errors: list[BibIssue] = []
        self.warnings: list[BibIssue] = []
        self.duplicates: list[str] = []
        # lower-case key -> (source, line, key): BibTeX's keys are the same whatever their case
        self.first_line: dict[str, tuple[str, int, str]] = {}
        self.field_names: set[str] = set()  # names already checked

    def issue(self, line: int | None, key: str | None, message: str) -> None:
        self.errors.append(BibIssue(self.source, line, key, message))

    def warn(self, line: int | None, key: str | None, message: str, kind: str) -> None:
        self.warnings.append(BibIssue(self.source, line, key, message, kind))

    def value(self, expr: str, line: int, key: str, name: str) -> _Field | None:
        literal = _literal(expr)
        if literal is not None:
            field = _Field(expr, literal, True, line)
        else:
            try:
                pieces = _pieces(expr)
            except _ValueError as exc:
                self.issue(line, key, f"field '{name}': {exc}")
                return None
            undefined: list[str] = []
            content = _expand(pieces, self.macros, undefined)
            for macro in undefined:
                message = f"field '{name}': undefined macro '{macro}' (kept as its name)"
                self.warn(line, key, message, UNDEFINED_MACRO)
            field = _Field(expr, content, len(pieces) == 1 and pieces[0][0] != "m", line)
        text = field.content
        if ("\\{" in text or "\\}" in text or text.endswith("\\")) and not _inert(text):
            message = f"field '{name}': its \\{{ and \\}} do not pair up, and BibTeX counts them"
            self.warn(line, key, message, UNPAIRED_ESCAPE)
        return field

    def entry(self, block, offset: int) -> _Entry | None:  # noqa: ANN001 - a bibtexparser Entry
        line = block.start_line + offset + 1
        key = block.key.strip()
        if not key:
            self.issue(line, None, f"@{block.entry_type} entry without a citation key")
            return None
        if _KEY.fullmatch(key) is None:
            self.issue(line, key, "invalid citation key (no spaces, commas, braces, quotes or #%'()=\\~)")
            return None
        if _ENTRY_TYPE.fullmatch(block.entry_type or "") is None:
            self.issue(line, key, f"invalid entry type '@{block.entry_type}'")
            return None
        folded = key.lower()
        if folded in self.first_line:
            self.issue(line, key, duplicate_message(self.source, *self.first_line[folded], key))
            self.duplicates.append(key)
            return None
        self.first_line[folded] = (self.source, line, key)
        fields: dict[str, _Field] = {}
        ok = True
        for item in block.fields:  # the splitter strips keys and values
            name = item.key.lower()
            field_line = item.start_line + offset + 1
            if name not in self.field_names:
                if _FIELD_NAME.fullmatch(name) is None:
                    self.issue(field_line, key, f"invalid field name {item.key!r} (a missing comma?)")
                    ok = False
                    continue
                self.field_names.add(name)
            if name in fields:
                # BibTeX keeps the first and ignores the others, with a warning.
                first = fields[name].line
                message = f"field '{name}' given again (first on line {first}); the first is kept"
                self.warn(field_line, key, message, REPEATED_FIELD)
                continue
            value = self.value(item.value, field_line, key, name)
            if value is None:
                ok = False
                continue
            fields[name] = value
        return _Entry(key, block.entry_type.lower(), fields, line, self.source) if ok else None

    def failed(self, block, offset: int) -> None:  # noqa: ANN001
        line = (block.start_line or 0) + offset + 1
        raw = block.raw or ""
        match = re.match(r"@\s*\w*\s*[{(]\s*([^,\s{}()=]*)", raw)
        key = match.group(1) if match and match.group(1) else None
        reason = getattr(block.error, "abort_reason", None) or str(block.error)
        if reason.startswith("Unexpected block start"):
            message = "entry not closed before the next '@' entry (an unbalanced brace or a missing '}'?)"
        elif reason.startswith("Unexpectedly reached end of file"):
            message = "entry not closed at the end of the file (an unbalanced brace or a missing '}'?)"
        elif reason.startswith("Expected comma after entry key"):
            message = "missing citation key, or missing comma after it"
            key = None
        elif reason.startswith("Expected a `=`") or reason.startswith("Expected equals"):
            message = "field without '=' (a missing comma or a stray word?)"
        elif reason.startswith("Expected either a `,`"):
            message = "missing comma between fields"
        else:
            message = reason.strip()
        self.issue(line, key, message)

    def preamble_block(self, block, offset: int) -> None:  # noqa: ANN001
        expr = block.value.strip()
        try:
            balanced = all(_inert(text) for kind, text in _pieces(expr) if kind in '{"')
        except _ValueError as exc:
            self.issue(block.start_line + offset + 1, None, f"@preamble: {exc}")
            return
        if not balanced:
            self.issue(block.start_line + offset + 1, None, "@preamble: unbalanced braces")
            return
        self.preamble.append(expr)

    def string(self, block, offset: int) -> None:  # noqa: ANN001
        line = block.start_line + offset + 1
        name = block.key.strip()
        if _MACRO_NAME.fullmatch(name) is None:
            self.issue(line, name or None, f"invalid @string name {name!r}")
            return
        try:
            value = self.value(block.value, line, name, "@string")
        except _ValueError as exc:  # pragma: no cover - value() reports its own errors
            self.issue(line, name, str(exc))
            return
        if value is not None:
            self.strings[name] = value.content
            self.macros[name.lower()] = value.content


@contextmanager
def _bulk_work(quiet: tuple[str, ...] = ()) -> Iterator[None]:
    """Silence the named loggers (bibtexparser logs each malformed block; we report them ourselves) and
    pause the cyclic garbage collector: the many small containers built here trigger full collections that
    walk every live object, about a quarter of the time at 10,000 entries. Nothing built here forms cycles.
    """
    import logging

    loggers = [logging.getLogger(name) for name in quiet]
    disabled = [logger.disabled for logger in loggers]
    collecting = gc.isenabled()
    for logger in loggers:
        logger.disabled = True
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
        for logger, was in zip(loggers, disabled, strict=True):
            logger.disabled = was


def block_spans(text: str, size: int) -> Iterator[tuple[int, int]]:
    """(start, end) of pieces of `text` of about `size` characters, each ending where a new block starts at
    the beginning of a line.

    bibtexparser starts a new block at every line-start `@type{` (even inside an unclosed one), so parsing
    the pieces one by one gives the same blocks while holding only one piece's blocks in memory.
    """
    start, n = 0, len(text)
    while start < n:
        end = n
        if n - start > size:
            match = BLOCK_START.search(text, start + size)
            if match is not None:
                end = match.start() + 1
        yield start, end
        start = end


def _chunks(text: str, size: int | None = None) -> Iterator[tuple[str, int]]:
    """The pieces of `block_spans` as text, each with the number of lines before it."""
    line = 0
    for start, end in block_spans(text, size or _CHUNK_CHARS):
        yield text[start:end], line
        line += text.count("\n", start, end)


def parse_bibtex(text: str, source: str = "<string>") -> BibParse:
    """Read BibTeX/BibLaTeX text into records, reporting every problem with its line (see module doc)."""
    return parse_bib_texts([(text, source)])


def parse_bib_texts(texts: Iterable[tuple[str, str]], macros: dict[str, str] | None = None) -> BibParse:
    """Read several .bib texts, each (text, source name), as BibTeX reads the files of one
    `\\bibliography{a,b,c}`: in order, `@string` macros defined in one file usable in the later ones,
    crossref targets found in any of them, a key defined twice a duplicate wherever it is.

    `macros` (lower-case name -> LaTeX value) are defined before the first text (they are not returned in
    `strings`).
    """
    import bibtexparser
    from bibtexparser.model import (
        DuplicateBlockKeyBlock,
        DuplicateFieldKeyBlock,
        Entry,
        ExplicitComment,
        ImplicitComment,
        ParsingFailedBlock,
        Preamble,
        String,
    )

    texts = [(_clean_text(text), source) for text, source in texts]
    reader = _Reader(texts[0][1] if texts else "<string>")
    if macros:
        reader.macros.update(macros)
    parents: set[str] = set()
    for text, _ in texts:
        if "rossref" in text:
            parents.update(m.group(1).lower() for m in CROSSREF_TARGET.finditer(text))
    kept: dict[str, _Entry] = {}  # parents, by lower-case key
    slots: list[PaperRecord | _Entry | None] = []

    with _bulk_work(quiet=("bibtexparser", "bibtexparser.splitter")):
        for text, source in texts:
            reader.source = source
            for chunk, offset in _chunks(text):
                library = bibtexparser.parse_string(chunk, parse_stack=[])
                for block in library.blocks:
                    if isinstance(block, DuplicateBlockKeyBlock):
                        block = block.ignore_error_block
                    if isinstance(block, DuplicateFieldKeyBlock):
                        block = block.ignore_error_block  # every field; the reader keeps the first
                    if isinstance(block, Entry):
                        parsed = reader.entry(block, offset)
                        if parsed is None:
                            continue
                        if parsed.key.lower() in parents:
                            kept.setdefault(parsed.key.lower(), parsed)
                        if "crossref" in parsed.fields:
                            slots.append(parsed)
                        else:
                            slots.append(_make_record(parsed, reader))
                    elif isinstance(block, String):
                        reader.string(block, offset)
                    elif isinstance(block, Preamble):
                        reader.preamble_block(block, offset)
                    elif isinstance(block, ExplicitComment | ImplicitComment):
                        reader.comments.append(block.comment)
                    elif isinstance(block, ParsingFailedBlock):
                        reader.failed(block, offset)

    records: list[PaperRecord] = []
    for slot in slots:
        if isinstance(slot, _Entry):
            reader.source = slot.source
            target = slot.fields["crossref"].content.strip()
            parent = kept.get(target.lower())
            if parent is None:
                where = "this file" if len(texts) == 1 else "these files"
                message = f"crossref '{target}' is not an entry of {where}"
                reader.warn(slot.line, slot.key, message, MISSING_CROSSREF)
            elif parent is not slot:
                merged = dict(slot.fields)
                for name, value in parent.fields.items():
                    if name not in merged and name != "crossref":
                        merged[name] = value
                slot = _Entry(slot.key, slot.entry_type, merged, slot.line, slot.source)
            slot = _make_record(slot, reader)
        if slot is not None:
            records.append(slot)
    return BibParse(
        records=records,
        strings=reader.strings,
        preamble=reader.preamble,
        comments=reader.comments,
        errors=reader.errors,
        duplicates_in_file=reader.duplicates,
        warnings=reader.warnings,
    )


def _clean_text(text: str) -> str:
    """Text with Unix line ends and no byte order mark."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[1:] if text.startswith("\ufeff") else text


def _make_record(entry: _Entry, reader: _Reader) -> PaperRecord | None:
    """Map an entry's fields onto a PaperRecord (see the module docstring)."""
    fields = entry.fields
    key = entry.key
    source = f"{reader.source}:{entry.line}"
    record = PaperRecord(title="", key=key, entry_type=entry.entry_type, source=source)
    raw: dict[str, str] = {}
    extra: dict[str, str] = {}
    consumed: set[str] = set()

    def text(name: str) -> str | None:
        item = fields.get(name)
        if item is None:
            return None
        consumed.add(name)
        value, same = _read_text(item.content)
        if not item.literal or not same:
            raw[name] = item.expr
        return value

    # title
    item = fields.get("title")
    if item is not None:
        consumed.add("title")
        record.title, kept = _read_title(item.content)
        if not item.literal:
            raw["title"] = item.expr
        elif kept is not None:
            raw["title"] = kept
    # authors
    item = fields.get("author")
    if item is not None:
        consumed.add("author")
        record.authors, changed = _read_authors(item.content)
        if not item.literal or changed:
            raw["author"] = item.expr
    # venue
    if entry.entry_type == "article":
        source = next((n for n in _VENUE_SOURCES_ARTICLE if n in fields), None)
        raw_key = "journaltitle"
    else:
        source = "booktitle" if "booktitle" in fields else None
        raw_key = "booktitle"
    if source is not None:
        record.venue_full = text(source)
        if source in raw:
            raw[raw_key] = raw.pop(source)
    for name, attribute in _TEXT_FIELDS.items():
        if name in fields:
            setattr(record, attribute, text(name))
    # year, date
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
                raw["year"] = year_item.expr
        else:  # `n.d.`, `in press`: BibTeX sorts it as text; kept as the field it is, with no year
            message = f"year {_ws(year_item.content)!r} is not a number; kept as a field, the year left empty"
            reader.warn(year_item.line, key, message, YEAR_NOT_NUMBER)
    if date_item is not None:
        date = _ws(date_item.content)
        match = _YEAR4.search(date)
        if record.year is None and ("year" in consumed or "year" not in fields):
            if match is None:
                message = f"date {date!r} has no year; kept as a field, the year left empty"
                reader.warn(date_item.line, key, message, YEAR_NOT_NUMBER)
            else:
                record.year = int(match.group())
        if date_item.literal and date == str(record.year):
            consumed.add("date")
    # identifiers and links
    item = fields.get("doi")
    if item is not None:
        doi = _decode_doi(item.content)
        if doi is not None:
            consumed.add("doi")
            record.doi = doi
            if not item.literal or _verbatim(doi) != _ws(item.content):
                raw["doi"] = item.expr
    for name, attribute in _URL_FIELDS.items():
        item = fields.get(name)
        if item is not None:
            value = _decode_url(item.content)
            if value and not is_http_url(value):
                # `citeseer.ist.psu.edu/x.html`: BibTeX prints it as it is; kept as a plain field, so no
                # export ever makes a link of it (nor of a `javascript:` one).
                shown = value if len(value) <= 80 else value[:77] + "..."
                why = "has a space in it" if " " in value else "is not an http(s) link"
                message = f"{name} {shown!r} {why}; kept as a plain field"
                reader.warn(item.line, key, message, URL_WITHOUT_SCHEME)
                continue
            consumed.add(name)
            setattr(record, attribute, value)
            if not item.literal or _verbatim(value) != _ws(item.content):
                raw[name] = item.expr
    item = fields.get("eprint")
    if item is not None:
        archive = fields.get("archiveprefix") or fields.get("eprinttype")
        arxiv = _arxiv_id(_ws(item.content)) if archive and _ws(archive.content).lower() == "arxiv" else None
        if arxiv is not None:
            consumed.update(("eprint", "archiveprefix", "eprinttype"))
            record.arxiv_id = arxiv
            if not item.literal or arxiv != _ws(item.content):
                raw["eprint"] = item.expr
            category = fields.get("primaryclass") or fields.get("eprintclass")
            if category is not None:
                consumed.update(("primaryclass", "eprintclass"))
                extra["primaryclass"] = category.content
                if not category.literal:
                    raw["primaryclass"] = category.expr
    item = fields.get("keywords")
    if item is not None:
        consumed.add("keywords")
        record.topics = _decode_topics(item.content)
        if not item.literal or not _reproduces(_encode_topics, record.topics, _ws(item.content)):
            raw["keywords"] = item.expr
    # everything else, verbatim
    for name, item in fields.items():
        if name in consumed:
            continue
        extra[name] = item.content
        if not item.literal:
            raw[name] = item.expr
    record.extra = extra
    record.raw = raw
    return record


def read_bib_file(
    path: str | Path, encoding: str | None = None, warnings: list[BibIssue] | None = None
) -> str:
    """The text of a .bib file.

    With `encoding`, the file is read in that encoding. Otherwise: UTF-8; else the encoding named by
    JabRef's `% Encoding:` line; else UTF-8 line by line, each line that is not UTF-8 read as Windows-1252
    (a UTF-8 library with a few Latin-1 lines pasted in), with a warning per line added to `warnings`.
    A binary or undecodable file, or one holding a NUL character anywhere (no database here stores one),
    is an InputError with a one-line message.
    """
    text = _decode_bib_file(Path(path), encoding, warnings)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(f"{path}:{line}: a NUL character; nothing imported")
    return text


def _decode_bib_file(path: Path, encoding: str | None, warnings: list[BibIssue] | None) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding is None:
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{path}: not valid UTF-16 text") from None
    if b"\x00" in data[:65536] and not (encoding or "").lower().startswith("utf-16"):
        raise InputError(f"{path} is a binary file, not BibTeX text")
    if encoding is not None:
        try:
            return data.decode(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            byte = data[exc.start]
            raise InputError(f"{path}:{line}: byte 0x{byte:02x} is not valid {encoding}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = _ENCODING_LINE.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        try:
            lines[number - 1] = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            # cp1252 leaves five bytes undefined; Latin-1 reads those as the C1 controls they are there.
            lines[number - 1] = "".join(
                chr(byte) if byte in _CP1252_UNDEFINED else bytes((byte,)).decode("cp1252") for byte in line
            )
            if warnings is not None:
                message = "not UTF-8; read as Windows-1252 (Latin-1); --encoding reads the file otherwise"
                warnings.append(BibIssue(path.name, number, None, message, NOT_UTF8))
    return "\n".join(lines)


_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


# --------------------------------------------------------------------------------------------- writing


def _raw_value(expr: str | None, macros: dict[str, str], ascii: bool) -> str | None:  # noqa: A002
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
    def __init__(self, style: str, ascii: bool, macros: dict[str, str]) -> None:  # noqa: A002
        self.biblatex = style == "biblatex"
        self.ascii = ascii
        self.macros = macros

    def fields(self, record: PaperRecord) -> tuple[str, list[tuple[str, str]]]:
        """The entry type and (name, value text) of every field, in output order."""
        ascii, raw, macros = self.ascii, record.raw or {}, self.macros
        out: dict[str, str] = {}

        def put(name: str, raw_key: str, value, decode, encode) -> None:  # noqa: ANN001
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
    ascii: bool = True,  # noqa: A002
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


# ------------------------------------------------------------------------------------------- aux files

_AUX_CITE = re.compile(r"\\citation\{([^{}]*)\}|\\abx@aux@cite(?:\{[^{}]*\})?\{([^{}]*)\}")


def parse_aux(text: str) -> list[str]:
    """The cited keys of a LaTeX .aux file, in order, each once ('*' for \\nocite{*}).

    Reads `\\citation{a,b}` (BibTeX) and `\\abx@aux@cite{0}{key}` / `\\abx@aux@cite{key}` (biblatex).
    Files pulled in with `\\@input{...}` are not followed.
    """
    keys: dict[str, None] = {}
    for match in _AUX_CITE.finditer(text):
        for key in (match.group(1) if match.group(1) is not None else match.group(2)).split(","):
            key = key.strip()
            if key:
                keys.setdefault(key, None)
    return list(keys)
