"""Reading .bib files a piece at a time, optionally in a second process, for `survey import`.

`bibtex.parse_bib_texts` reads whole texts and returns every record: for a 100,000-entry file that is a
few hundred MB of records held at once. `iter_bib_files` gives the same records, errors and warnings in
batches of about 1 MB of text, so an import writes each batch and lets it go:

- the files are read in order, each cut where a block starts at the beginning of a line (as bibtexparser
  itself would);
- `@string` macros defined in earlier pieces (and files) are defined for each later piece;
- a crossref parent defined in another piece or file is copied to the head of the piece that needs it (and
  its copy is not returned twice); a key already returned by an earlier piece is a duplicate, as in one text;
- line numbers in sources, errors and warnings are those of each file.

`BibBatches` runs `iter_bib_files` in a forked child process when the files are large and the platform
forks, so that parsing (bibtexparser is pure Python) and writing to the database use two cores; the batches
come back through a pipe. It forks when created, before the caller opens its database. Every .bib import of
the command line reads through it, so a small file and a large one are read alike.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from survey_db.bibtex import (
    BLOCK_START,
    CROSSREF_TARGET,
    REPEATED_FIELD,
    BibIssue,
    BibParse,
    block_spans,
    duplicate_message,
)
from survey_db.records import PaperRecord

CHUNK_CHARS = 1 << 20
# Batches the reading process may be ahead of the importer.
AHEAD = 8
# Smaller files are parsed in this process; larger ones (from about 250 entries) by a child process, which
# starts before the importer loads the database layer (a third of a second), so that even a file of 1,000
# entries is mostly read meanwhile.
PARALLEL_BYTES = 256 << 10

# An entry's head, `@type{key,`: it starts a block where nothing but blanks comes before it on its line. The
# pattern starts at the `@` (a pattern starting at a line break is tried at every character: 15x slower).
_ENTRY_HEAD = re.compile(r"@[ \t]*\w+[ \t]*[{(][ \t]*([^\s,{}()\"#%'=\\~]+)[ \t]*,")
_LINE_INDENT = frozenset(" \t\r\f\v")
# An entry left open at the end of a piece that is not the file's end ran into the next piece's first block.
_UNCLOSED_AT_END = "entry not closed at the end of the file"
_UNCLOSED_BEFORE_NEXT = "entry not closed before the next '@' entry"
_FIRST_ON_LINE = re.compile(r"\(first on line ([0-9]+)\)")


@dataclass
class BibBatch:
    """Records of one piece of the files, and the problems found in it: errors as `str(BibIssue)` lines,
    warnings as BibIssues (with their kind); `comments` are the text of the piece's @comment blocks."""

    records: list[PaperRecord]
    errors: list[str] = field(default_factory=list)
    warnings: list[BibIssue] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    done: float = 1.0  # the share of the files read so far


def _parent_spans(texts: list[tuple[str, str]]) -> dict[str, tuple[int, int, int]]:
    """Where each crossref target (lower-case key) is first defined, in any of the texts: (the text's
    index, start, end) of its block."""
    targets: set[str] = set()
    for text, _ in texts:
        if "rossref" in text:
            targets.update(m.group(1).lower() for m in CROSSREF_TARGET.finditer(text))
    spans: dict[str, tuple[int, int, int]] = {}
    if not targets:
        return spans
    for index, (text, _) in enumerate(texts):
        for match in _ENTRY_HEAD.finditer(text):
            key = match.group(1).lower()
            if key in targets and key not in spans:
                start = text.rfind("\n", 0, match.start()) + 1
                if not _LINE_INDENT.issuperset(text[start : match.start()]):
                    continue  # not at the start of its line
                following = BLOCK_START.search(text, match.end())
                spans[key] = (index, start, following.start() + 1 if following else len(text))
    return spans


def iter_bibtex(text: str, source: str = "<string>", chunk_chars: int | None = None) -> Iterator[BibBatch]:
    """`parse_bibtex(text, source)` in batches of about `chunk_chars` (see the module docstring)."""
    return iter_bib_files([(text, source)], chunk_chars)


def iter_bib_files(
    texts: list[tuple[str, str]], chunk_chars: int | None = None, notes: Iterable[BibIssue] = ()
) -> Iterator[BibBatch]:
    """`parse_bib_texts(texts)` in batches of about `chunk_chars`: files in order, each file's @string
    macros defined for the later pieces and files, crossref parents found in any file (see the module
    docstring). `notes` (warnings found while reading the files) come with the first batch."""
    from survey_db.bibtex import parse_bib_texts
    from survey_db.bibtex.parse import _clean_text

    chunk_chars = chunk_chars or CHUNK_CHARS
    texts = [(_clean_text(text), source) for text, source in texts]
    notes = list(notes)
    total = sum(len(text) for text, _ in texts) or 1
    if total <= chunk_chars:
        parsed = parse_bib_texts(texts)
        yield BibBatch(
            parsed.records,
            [str(issue) for issue in parsed.errors],
            notes + parsed.warnings,
            list(parsed.duplicates_in_file),
            parsed.comments,
        )
        return
    spans = _parent_spans(texts)
    macros: dict[str, str] = {}  # lower-case name -> value
    first_line: _FirstLines = {}
    done = 0
    for index, (text, source) in enumerate(texts):
        line0 = 0
        for start, end in block_spans(text, chunk_chars):
            piece = text[start:end]
            borrowed: set[str] = set()
            head = []
            if spans and "rossref" in piece:
                for match in CROSSREF_TARGET.finditer(piece):
                    target = match.group(1).lower()
                    span = spans.get(target)
                    if span is None or target in borrowed:
                        continue
                    where, first, last = span
                    if where != index or not (start <= first < end):
                        borrowed.add(target)
                        head.append(texts[where][0][first:last].rstrip("\n") + "\n")
            prelude = "".join(head)
            skip = prelude.count("\n")
            parsed = parse_bib_texts([(prelude + piece, source)], macros)
            batch = _batch(parsed, source, skip, line0, end < len(text), first_line)
            macros.update((name.lower(), value) for name, value in parsed.strings.items())
            batch.done = (done + end) / total
            if notes:
                batch.warnings[:0] = notes
                notes = []
            yield batch
            line0 += piece.count("\n")
        done += len(text)


_FirstLines = dict[str, tuple[str, int, str]]  # lower-case key -> (source, line, key as first written)


def _batch(
    parsed: BibParse, source: str, skip: int, line0: int, more: bool, first_line: _FirstLines
) -> BibBatch:
    """A piece's BibParse as a batch, with the file's line numbers; a piece starts with `skip` lines of
    copied crossref parents and follows `line0` lines of its file; `more` when the file goes on after it."""

    def moved(line: int | None) -> int | None:
        """The file's line number of a line of this piece; None for the copied head."""
        if line is None:
            return None
        return None if line <= skip else line - skip + line0

    batch = BibBatch([], comments=parsed.comments)
    for issues, is_error in ((parsed.errors, True), (parsed.warnings, False)):
        for issue in issues:
            line = moved(issue.line)
            if issue.line is not None and line is None:
                continue  # reported where the copied block itself is
            message = issue.message
            if issue.kind == REPEATED_FIELD:  # "(first on line N)" of this piece
                message = _FIRST_ON_LINE.sub(lambda m: f"(first on line {moved(int(m.group(1)))})", message)
            if more and message.startswith(_UNCLOSED_AT_END):
                message = _UNCLOSED_BEFORE_NEXT + message.removeprefix(_UNCLOSED_AT_END)
            moved_issue = BibIssue(issue.source, line, issue.key, message, issue.kind)
            if is_error:
                if issue.key and line is not None:
                    first_line.setdefault(issue.key.lower(), (source, line, issue.key))
                batch.errors.append(str(moved_issue))
            else:
                batch.warnings.append(moved_issue)
    batch.duplicates = list(parsed.duplicates_in_file)
    for record in parsed.records:
        where, _, number = (record.source or "").rpartition(":")
        line = moved(int(number)) if number.isdigit() else None
        if number.isdigit() and line is None:
            continue  # a crossref parent copied from another piece
        if line is not None:
            record.source = f"{where}:{line}"
        key = record.key or ""
        if key.lower() in first_line:
            issue = BibIssue(source, line, key, duplicate_message(source, *first_line[key.lower()], key))
            batch.errors.append(str(issue))
            batch.duplicates.append(key)
            continue
        first_line[key.lower()] = (source, line or 0, key)
        batch.records.append(record)
    return batch


class BibBatches:
    """The batches of one or more .bib files read together (see `iter_bib_files`), parsed in a child
    process when that helps (see the module docstring).

    Iterate once. A problem reading a file (an InputError) is raised by the iteration.
    """

    def __init__(
        self,
        paths: Path | list[Path],
        source: str | None = None,
        encoding: str | None = None,
        *,
        parallel: bool = True,
    ):
        if isinstance(paths, Path):
            self.paths, self.sources = [paths], [source or paths.name]
        else:
            self.paths, self.sources = list(paths), [path.name for path in paths]
        self.encoding = encoding
        self._process = self._receive = None
        size = sum(path.stat().st_size for path in self.paths)
        if parallel and _can_fork() and size >= PARALLEL_BYTES:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_produce, args=(self.paths, self.sources, encoding, send, self._receive), daemon=True
            )
            self._process.start()
            send.close()

    def __iter__(self) -> Iterator[BibBatch]:
        if self._process is None:
            yield from _read(self.paths, self.sources, self.encoding)
            return
        import queue
        import threading

        # A thread empties the pipe into a queue of a few batches, so that the child parses on while this
        # process writes a slow batch (the pipe itself holds less than one batch).
        waiting: queue.Queue = queue.Queue(maxsize=AHEAD)
        stop = threading.Event()
        pipe = self._receive
        assert pipe is not None  # made with the process

        def receive() -> None:
            while not stop.is_set():
                try:
                    item = pipe.recv()
                except (EOFError, OSError, TypeError, ValueError):  # the child ended, or the pipe closed
                    if stop.is_set():
                        return
                    item = RuntimeError(f"the process reading {self.sources[0]} stopped unexpectedly")
                while not stop.is_set():
                    try:
                        waiting.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if item is None or isinstance(item, BaseException):
                    return

        thread = threading.Thread(target=receive, daemon=True)
        thread.start()
        try:
            while True:
                item = waiting.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            self.close(receiver=thread)

    def close(self, receiver=None) -> None:
        """Stop the child process (when the import ended early or was interrupted) and wait for it; then,
        once the receiving thread is done with it, close the pipe (closing it under a thread still reading
        would fail in that thread)."""
        if self._process is None:
            return
        if self._process.is_alive():
            self._process.join(timeout=0.2)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        if receiver is not None:
            receiver.join(timeout=5)
        assert self._receive is not None  # made with the process
        self._receive.close()
        self._process = None


def _can_fork() -> bool:
    import sys

    return hasattr(os, "fork") and sys.platform.startswith("linux")


def _read(paths: list[Path], sources: list[str], encoding: str | None) -> Iterator[BibBatch]:
    from survey_db.bibtex import read_bib_file

    notes: list[BibIssue] = []
    texts = [
        (read_bib_file(path, encoding=encoding, warnings=notes), source)
        for path, source in zip(paths, sources, strict=True)
    ]
    return iter_bib_files(texts, notes=notes)


def _produce(paths: list[Path], sources: list[str], encoding: str | None, send, receive) -> None:
    """The child: parse and send each batch, then None; an exception is sent instead of raised.

    It lets go of the parent's end of the pipe (so that, should the parent die, the next send fails and the
    child ends) and of standard input and output (so that it never keeps the parent's pipes open).
    """
    import gc
    import signal

    receive.close()
    # Ctrl-C reaches the whole process group: the parent handles it and ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    gc.disable()  # nothing here forms cycles; collections would walk every record
    try:
        for batch in _read(paths, sources, encoding):
            send.send(batch)
        send.send(None)
    except BaseException as exc:  # handed to the parent as is
        try:
            send.send(exc)
        except Exception:  # an exception that does not pickle
            send.send(RuntimeError(str(exc)))
    finally:
        send.close()
