"""Reading a large .bib file a piece at a time, optionally in a second process, for `survey import`.

`bibtex.parse_bibtex` reads a whole text and returns every record: for a 100,000-entry file that is a few
hundred MB of records held at once. `iter_bibtex` gives the same records, errors and warnings as
`parse_bibtex(text)` in batches of about 1 MB of text, so an import writes each batch and lets it go:

- the text is cut where a block starts at the beginning of a line (as bibtexparser itself would);
- `@string` macros defined in earlier pieces are defined again at the head of each later piece;
- a crossref parent defined in another piece is copied to the head of the piece that needs it (and its
  copy is not returned twice); a key already returned by an earlier piece is a duplicate, as in one text;
- line numbers in sources, errors and warnings are those of the whole file.

`BibBatches` runs `iter_bibtex` in a forked child process when the file is large and the platform forks,
so that parsing (bibtexparser is pure Python) and writing to the database use two cores; the batches come
back through a pipe. It forks when created, before the caller opens its database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from survey_db.bibtex import BLOCK_START, CROSSREF_TARGET, block_spans
from survey_db.records import PaperRecord

CHUNK_CHARS = 1 << 20
# Batches the reading process may be ahead of the importer.
AHEAD = 8
# Smaller files are parsed whole, before the database opens; larger ones in batches by a child process.
PARALLEL_BYTES = 2 << 20

_ENTRY_HEAD = re.compile(r"(?:^|\n)[ \t\r\f\v]*@[ \t]*\w+[ \t]*[{(][ \t]*([^\s,{}()\"#%'=\\~]+)[ \t]*,")
# An entry left open at the end of a piece that is not the file's end ran into the next piece's first block.
_UNCLOSED_AT_END = "entry not closed at the end of the file"
_UNCLOSED_BEFORE_NEXT = "entry not closed before the next '@' entry"


@dataclass
class BibBatch:
    """Records of one piece of the file, and the problems found in it (`str(BibIssue)` lines)."""

    records: list[PaperRecord]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    done: float = 1.0  # the share of the file read so far


def _parent_spans(text: str) -> dict[str, tuple[int, int]]:
    """Where each crossref target (lower-case key) is first defined: its block's span in the text."""
    if "rossref" not in text:
        return {}
    targets = {m.group(1).lower() for m in CROSSREF_TARGET.finditer(text)}
    spans: dict[str, tuple[int, int]] = {}
    for match in _ENTRY_HEAD.finditer(text):
        key = match.group(1).lower()
        if key in targets and key not in spans:
            start = match.start() + (1 if text[match.start()] == "\n" else 0)
            following = BLOCK_START.search(text, match.end())
            spans[key] = (start, following.start() + 1 if following else len(text))
    return spans


def iter_bibtex(text: str, source: str = "<string>", chunk_chars: int | None = None) -> Iterator[BibBatch]:
    """`parse_bibtex(text, source)` in batches of about `chunk_chars` (see the module docstring)."""
    from survey_db.bibtex import BibIssue, parse_bibtex

    chunk_chars = chunk_chars or CHUNK_CHARS
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) <= chunk_chars:
        parsed = parse_bibtex(text, source=source)
        yield BibBatch(
            parsed.records,
            [str(issue) for issue in parsed.errors],
            [str(issue) for issue in parsed.warnings],
            list(parsed.duplicates_in_file),
        )
        return
    spans = _parent_spans(text)
    macros: dict[str, tuple[str, str]] = {}  # lower-case name -> (name as written, value), latest last
    first_line: dict[str, int] = {}
    line0 = 0
    for start, end in block_spans(text, chunk_chars):
        piece = text[start:end]
        head = [f"@string{{{name} = {{{value}}}}}\n" for name, value in macros.values()]
        borrowed = set()
        if spans and "rossref" in piece:
            for match in CROSSREF_TARGET.finditer(piece):
                target = match.group(1).lower()
                span = spans.get(target)
                if span is not None and not (start <= span[0] < end) and target not in borrowed:
                    borrowed.add(target)
                    head.append(text[span[0] : span[1]].rstrip("\n") + "\n")
        prelude = "".join(head)
        skip = prelude.count("\n")
        parsed = parse_bibtex(prelude + piece, source=source)

        def moved(line: int | None, skip: int = skip, line0: int = line0) -> int | None:
            """The file's line number of a line of this piece; None for the copied head."""
            if line is None:
                return None
            return None if line <= skip else line - skip + line0

        batch = BibBatch([], done=end / len(text))
        for name, value in parsed.strings.items():
            macros.pop(name.lower(), None)
            macros[name.lower()] = (name, value)
        for issues, out in ((parsed.errors, batch.errors), (parsed.warnings, batch.warnings)):
            for issue in issues:
                line = moved(issue.line)
                if issue.line is not None and line is None:
                    continue  # reported where the copied block itself is
                message = issue.message
                if end < len(text) and message.startswith(_UNCLOSED_AT_END):
                    message = _UNCLOSED_BEFORE_NEXT + message.removeprefix(_UNCLOSED_AT_END)
                if issue.key and line is not None and out is batch.errors:
                    first_line.setdefault(issue.key, line)
                out.append(str(BibIssue(issue.source, line, issue.key, message)))
        batch.duplicates = list(parsed.duplicates_in_file)
        for record in parsed.records:
            where, _, number = (record.source or "").rpartition(":")
            line = moved(int(number)) if number.isdigit() else None
            if number.isdigit() and line is None:
                continue  # a crossref parent copied from another piece
            if line is not None:
                record.source = f"{where}:{line}"
            key = record.key or ""
            if key in first_line:
                issue = BibIssue(
                    source, line, key, f"duplicate key (first defined on line {first_line[key]}); skipped"
                )
                batch.errors.append(str(issue))
                batch.duplicates.append(key)
                continue
            first_line[key] = line or 0
            batch.records.append(record)
        yield batch
        line0 += piece.count("\n")


class BibBatches:
    """The batches of a .bib file, parsed in a child process when that helps (see the module docstring).

    Iterate once. A problem reading the file (an InputError) is raised by the iteration.
    """

    def __init__(self, path: Path, source: str, encoding: str | None = None, *, parallel: bool = True):
        self.path, self.source, self.encoding = path, source, encoding
        self._process = self._receive = None
        if parallel and _can_fork() and path.stat().st_size >= PARALLEL_BYTES:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_produce, args=(path, source, encoding, send, self._receive), daemon=True
            )
            self._process.start()
            send.close()

    def __iter__(self) -> Iterator[BibBatch]:
        if self._process is None:
            from survey_db.bibtex import read_bib_file

            yield from iter_bibtex(read_bib_file(self.path, encoding=self.encoding), self.source)
            return
        import queue
        import threading

        # A thread empties the pipe into a queue of a few batches, so that the child parses on while this
        # process writes a slow batch (the pipe itself holds less than one batch).
        waiting: queue.Queue = queue.Queue(maxsize=AHEAD)
        stop = threading.Event()

        def receive() -> None:
            while not stop.is_set():
                try:
                    item = self._receive.recv()
                except (EOFError, OSError, TypeError, ValueError):  # the child ended, or the pipe closed
                    if stop.is_set():
                        return
                    item = RuntimeError(f"the process reading {self.path} stopped unexpectedly")
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

    def close(self, receiver=None) -> None:  # noqa: ANN001
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
        self._receive.close()
        self._process = None


def _can_fork() -> bool:
    import sys

    return hasattr(os, "fork") and sys.platform.startswith("linux")


def _produce(path: Path, source: str, encoding: str | None, send, receive) -> None:  # noqa: ANN001
    """The child: parse and send each batch, then None; an exception is sent instead of raised.

    It lets go of the parent's end of the pipe (so that, should the parent die, the next send fails and the
    child ends) and of standard input and output (so that it never keeps the parent's pipes open).
    """
    import gc
    import signal

    from survey_db.bibtex import read_bib_file

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
        for batch in iter_bibtex(read_bib_file(path, encoding=encoding), source):
            send.send(batch)
        send.send(None)
    except BaseException as exc:  # noqa: BLE001 - handed to the parent as is
        try:
            send.send(exc)
        except Exception:  # an exception that does not pickle
            send.send(RuntimeError(str(exc)))
    finally:
        send.close()
