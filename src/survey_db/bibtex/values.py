"""BibTeX value expressions and field values: `{...}`/`"..."`/macro pieces, and each mapped field's
decoding (LaTeX -> Unicode) and encoding (Unicode -> LaTeX), names included."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from survey_db.identifiers import arxiv_id as _arxiv_id
from survey_db.identifiers import normalize_doi
from survey_db.latex import group_end, latex_to_unicode, protect_capitals, unicode_to_latex
from survey_db.names import parse_name
from survey_db.records import Name

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
            number = _NUMBER.match(value, i)
            assert number is not None  # value[i] is a digit
            end = number.end()
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
    if content == _ws(content) and unicode_to_latex(value, True) == content:
        # The writer's LaTeX for the value is the title itself, so it writes protect_capitals(content): the
        # check below would say so, after protecting the capitals of the title twice.
        return value, None
    protected = protect_capitals(content)
    return value, None if _reproduces(_encode_title, value, _ws(protected)) else "{" + protected + "}"


def _encode_text(value: str, ascii: bool) -> str:
    return unicode_to_latex(_ws(value), ascii)


def _encode_title(value: str, ascii: bool) -> str:
    return protect_capitals(unicode_to_latex(_ws(value), ascii))


def _verbatim(value: str, ascii: bool = True) -> str:  # `ascii` unused: the writer's signature
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


def _encode_year(year: int, ascii: bool) -> str:  # `ascii` unused: the writer's signature
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


def _encode_topics(topics: list[str], ascii: bool) -> str:
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


def _encode_part(text: str, ascii: bool) -> str:
    latex = unicode_to_latex(_ws(text), ascii)
    if "," in latex or _AND_WORD.search(latex):
        latex = "{" + latex + "}"
    return latex


def _encode_von_word(word: str, ascii: bool) -> str:
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
def _name_latex(name: Name, ascii: bool) -> Name:
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


def _encode_authors(names: list[Name], ascii: bool) -> str:
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
