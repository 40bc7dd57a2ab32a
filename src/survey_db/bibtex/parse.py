"""Reading .bib text into records: the blocks bibtexparser splits, interpreted here (see the package doc)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from survey_db.bibtex.fields import read_record
from survey_db.bibtex.issues import (
    MISSING_CROSSREF,
    NOT_UTF8,
    REPEATED_FIELD,
    UNDEFINED_MACRO,
    UNPAIRED_ESCAPE,
    BibIssue,
)
from survey_db.bibtex.values import (
    _ENTRY_TYPE,
    _FIELD_NAME,
    _KEY,
    _MACRO_NAME,
    _bulk_work,
    _expand,
    _inert,
    _literal,
    _pieces,
    _ValueError,
)
from survey_db.errors import InputError
from survey_db.records import PaperRecord

BLOCK_START = re.compile(r"\n[ \t\r\f\v]*@\w*[ \t]*[{(]")
CROSSREF_TARGET = re.compile(r"crossref\s*=\s*[{\"]\s*([^}\"\s,]+)", re.IGNORECASE)
_CROSSREF_SPELLINGS = ("rossref", "ROSSREF", "rossRef")  # crossref, Crossref, CROSSREF, CrossRef
_ENCODING_LINE = re.compile(rb"^%\s*Encoding:\s*([A-Za-z0-9_.:-]+)", re.MULTILINE)

_CHUNK_CHARS = 1 << 20

# ----------------------------------------------------------------------------------------------- results


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

    def entry(self, block, offset: int) -> _Entry | None:  # block: a bibtexparser Entry
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

    def failed(self, block, offset: int) -> None:
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

    def preamble_block(self, block, offset: int) -> None:
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

    def string(self, block, offset: int) -> None:
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
        Block,
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
        # A case-insensitive scan of a large file costs a second; the field's usual spellings gate it. A
        # parent written after its child (as BibTeX requires) is also found from the child's field below.
        if any(spelling in text for spelling in _CROSSREF_SPELLINGS):
            parents.update(m.group(1).lower() for m in CROSSREF_TARGET.finditer(text))
    kept: dict[str, _Entry] = {}  # parents, by lower-case key
    slots: list[PaperRecord | _Entry | None] = []

    with _bulk_work(quiet=("bibtexparser", "bibtexparser.splitter")):
        for text, source in texts:
            reader.source = source
            for chunk, offset in _chunks(text):
                library = bibtexparser.parse_string(chunk, parse_stack=[])
                block: Block | None  # a duplicate's block without the error may be None
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
                            parents.add(parsed.fields["crossref"].content.strip().lower())
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


def _make_record(entry: _Entry, reader: _Reader) -> PaperRecord:
    """Map an entry's fields onto a PaperRecord (see fields.py)."""
    return read_record(
        entry.key, entry.entry_type, entry.fields, f"{reader.source}:{entry.line}", reader.warn
    )


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
    lines: list[str] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            # cp1252 leaves five bytes undefined; Latin-1 reads those as the C1 controls they are there.
            undefined = _CP1252_UNDEFINED
            lines.append("".join(chr(b) if b in undefined else bytes((b,)).decode("cp1252") for b in raw))
            if warnings is not None:
                message = "not UTF-8; read as Windows-1252 (Latin-1); --encoding reads the file otherwise"
                warnings.append(BibIssue(path.name, number, None, message, NOT_UTF8))
    return "\n".join(lines)


_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
