"""Exports of a selection of papers: BibTeX, BibLaTeX, CSL-JSON, JSON, CSV and a Markdown README."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from survey_db.records import PaperRecord
from survey_db.services.io import get_meta, section_rows
from survey_db.services.paper_text import (  # noqa: F401 - the formats' home was here
    json_chunks,
    paper_json,
    to_bibtex,
    to_csv,
    to_json,
)
from survey_db.services.query import Filters, find_ids
from survey_db.services.reading import READ_BATCH, ExportedPaper
from survey_db.services.selection import session_reader

if TYPE_CHECKING:
    from survey_db.services.taxonomy import SectionNode

# Papers per separately formatted piece of a large BibTeX export, and the size from which a SQLite file's
# export shares its pieces with a helper process.
BIBTEX_PIECE = 1000
PARALLEL_BIBTEX = 20000


def bibtex_export(
    session: Session,
    ids: list[int],
    *,
    style: str = "bibtex",
    unicode: bool = False,
    progress: Callable[[float], None] | None = None,
) -> str:
    """`to_bibtex` of the papers with these ids, in this order, read and formatted a piece at a time.

    The same text as formatting all records at once. Papers linked by crossref (parents and children, which
    `format_bibtex` writes together, a parent after its last child) are formatted together, family by
    family, and each entry is put where `format_bibtex` puts it; the runs of other papers between them are
    formatted as pieces. An export of many papers from a SQLite file on a machine with a second core shares
    the pieces with a helper process with its own read-only connection (reading and formatting are pure
    Python: two cores nearly halve the time): this process takes pieces from the front, the helper from
    the back, until they meet, so both finish together however fast each runs. Meanwhile this transaction
    holds SQLite's write lock, so that both read the same state (see `_hold_writers`).
    """
    from collections import deque

    from survey_db.services.reading import format_piece

    order, families = _crossref_families(session, ids)
    family_of = {index: members for members in families for index in members}
    # The output in order: runs of unlinked papers (id lists), and single entries of families (indexes).
    segments: list[list[int] | int] = []
    for index in order:
        if index in family_of:
            segments.append(index)
        elif segments and isinstance(segments[-1], list) and len(segments[-1]) < BIBTEX_PIECE:
            segments[-1].append(ids[index])
        else:
            segments.append([ids[index]])
    runs = [index for index, segment in enumerate(segments) if isinstance(segment, list)]
    # deque.popleft and deque.pop are atomic: this process and the helper's thread need no lock.
    todo = deque((index, segment) for index, segment in enumerate(segments) if isinstance(segment, list))
    texts: dict[int, str] = {}
    path = _sqlite_file(session)
    helper = None
    shared = len(ids) >= PARALLEL_BIBTEX and len(runs) > 1 and path is not None and _second_core()
    if shared and _hold_writers(session):
        helper = _BibtexHelper(path, todo, style, unicode, len(ids) // 2)
    reader = session_reader(session, len(ids) // 2 if helper else len(ids), sections=False)
    rank = {index: place for place, index in enumerate(order)} if families else {}
    try:
        entries: dict[int, str] = {}
        for members in families:
            text = format_piece(reader, [ids[i] for i in members], style, unicode)
            split = [entry + "\n" for entry in _ENTRY_BREAK.split(text.rstrip("\n"))] if text else []
            placed = sorted(members, key=rank.__getitem__)
            if len(split) != len(placed):  # pragma: no cover - a format_bibtex this does not know
                records = (p.record for p in _iter_records(session, ids))
                return to_bibtex(records, style=style, unicode=unicode)
            entries.update(zip(placed, split, strict=True))
        while True:
            try:
                index, segment = todo.popleft()
            except IndexError:
                break
            texts[index] = format_piece(reader, segment, style, unicode)
            if progress is not None:
                progress((len(texts) + (helper.done if helper else 0)) / len(runs))
        if helper is not None:
            returned, lost = helper.results()
            texts.update(returned)
            for index, segment in lost:  # the helper ended without formatting them
                texts[index] = format_piece(reader, segment, style, unicode)
    finally:
        if helper is not None:
            helper.close()
    out = [
        entries[segment] if isinstance(segment, int) else texts[index]
        for index, segment in enumerate(segments)
    ]
    # Each text ends with its last entry's "}\n"; entries are separated by one blank line.
    return "\n".join(text for text in out if text)


@dataclass
class Citations:
    """The papers a LaTeX document cites: each paper's stored key and the keys it is cited under (its own or
    old ones), the cited keys no paper has, and whether it cites everything (`\\nocite{*}`)."""

    stored: dict[int, str] = field(default_factory=dict)
    cited_as: dict[int, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    everything: bool = False

    def twice(self) -> list[list[str]]:
        """The keys of papers cited under more than one key (an old key and the new one)."""
        return [names for names in self.cited_as.values() if len(names) > 1]

    def renames(self) -> bool:
        """Whether a paper is cited under a key other than its own (an old key, or two keys)."""
        return any(names != [self.stored[pid]] for pid, names in self.cited_as.items())


def resolve_citations(session: Session, cited: list[str]) -> Citations:
    """Which paper each cited key names, by its key or an old key (alias), as BibTeX will look them up.

    >>> # resolve_citations(session, ["leviathan2023fast", "nosuch"]).missing == ["nosuch"]
    """
    from sqlalchemy import select

    from survey_db.models import KeyAlias, Paper

    wanted = [key for key in cited if key != "*"]
    owner: dict[str, int] = {}
    found = Citations(everything="*" in cited)
    for start in range(0, len(wanted), READ_BATCH):
        part = wanted[start : start + READ_BATCH]
        for key, pid in session.execute(select(Paper.key, Paper.id).where(Paper.key.in_(part))):
            owner[key] = pid
            found.stored[pid] = key
        aliases = select(KeyAlias.alias, KeyAlias.paper_id, Paper.key).join(Paper)
        for alias, pid, key in session.execute(aliases.where(KeyAlias.alias.in_(part))):
            owner[alias] = pid
            found.stored[pid] = key
    for key in wanted:
        if key in owner:
            found.cited_as.setdefault(owner[key], []).append(key)
        else:
            found.missing.append(key)
    return found


def cited_bibtex(
    session: Session, ids: list[int], citations: Citations, *, style: str = "bibtex", unicode: bool = False
) -> str:
    """`to_bibtex` of these papers with each entry under the key the document cites it by, so that bibtex
    and biber find it: an old key (alias) stays the entry's key, and a paper cited under two keys is written
    under both. Papers not cited by a key of their own (`\\nocite{*}`) keep their stored key. A crossref to a
    paper written under an old key follows it."""
    from dataclasses import replace

    reader = session_reader(session, len(ids), sections=False)
    found: dict[int, ExportedPaper] = {}
    for start in range(0, len(ids), READ_BATCH):
        found.update(reader.read(ids[start : start + READ_BATCH]))
    records = []
    written_as: dict[str, str] = {}  # stored key (lower case) -> the key its entry is written under
    for pid in ids:
        if pid not in found:
            continue
        record = found[pid].record
        key = record.key
        assert key is not None  # every stored paper has a key
        names = citations.cited_as.get(pid, [key])
        records += [replace(record, key=name) for name in names]
        if names[0] != key:
            written_as[key.lower()] = names[0]
    for index, record in enumerate(records):
        target = (record.extra or {}).get("crossref")
        if isinstance(target, str) and target.strip().lower() in written_as:
            extra = dict(record.extra, crossref=written_as[target.strip().lower()])
            records[index] = replace(record, extra=extra)
    return to_bibtex(records, style=style, unicode=unicode)


def _sqlite_file(session: Session):
    """The file of the session's SQLite database, None for another engine or an in-memory database."""
    from pathlib import Path

    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)  # the URL object's own: its text escapes '?', '#' and '%'


def _hold_writers(session: Session) -> bool:
    """Take SQLite's write lock in this transaction, which has only read so far, so that no writer commits
    while a helper reads the same file: the helper's own connection then sees this transaction's snapshot.
    False, at once, when another writer holds the lock or has committed since this transaction began
    reading (its snapshot is no longer the newest); the export then stays in this process."""
    import sqlite3

    from survey_db.db import busy_timeout_ms

    raw = session.connection().connection.dbapi_connection
    assert raw is not None  # the session's connection is open: it has just read
    try:
        raw.execute("PRAGMA busy_timeout=0")
        # A write that changes nothing still takes the lock (and fails on an old snapshot).
        raw.execute("UPDATE alembic_version SET version_num = version_num WHERE 0")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")


def _second_core() -> bool:
    """Whether this process may run on more than one core."""
    import os

    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:  # not on Linux
        return (os.cpu_count() or 1) > 1


# format_bibtex separates entries by a blank line, and no line of a written value starts with "@".
_ENTRY_BREAK = re.compile(r"\n\n(?=@)")


def _iter_records(session: Session, ids: list[int]):
    from survey_db.services.selection import iter_papers

    return iter_papers(session, ids, sections=False)


def _crossref_families(session: Session, ids: list[int]) -> tuple[list[int], list[list[int]]]:
    """The output order of the papers (indexes into ids) as format_bibtex writes them, and the families
    of papers linked by crossref (each a list of indexes, in ids order)."""
    from sqlalchemy import Text, cast, func, select

    from survey_db.models import Paper

    index_of = {pid: index for index, pid in enumerate(ids)}
    links: list[tuple[int, str]] = []  # (child index, parent key in lower case)
    rows = session.execute(
        select(Paper.id, Paper.extra_fields).where(cast(Paper.extra_fields, Text).like("%crossref%"))
    )
    for pid, extra in rows:
        target = (extra or {}).get("crossref")
        if pid in index_of and isinstance(target, str) and target.strip():
            links.append((index_of[pid], target.strip().lower()))
    if not links:
        return list(range(len(ids))), []
    # Every selected paper under each parent key (keys differing only in case all count, as in BibTeX).
    holders: dict[str, list[int]] = {}
    wanted = sorted({target for _, target in links})
    for start in range(0, len(wanted), READ_BATCH):
        part = wanted[start : start + READ_BATCH]
        for pid, key in session.execute(select(Paper.id, Paper.key).where(func.lower(Paper.key).in_(part))):
            if pid in index_of:
                holders.setdefault(key.lower(), []).append(index_of[pid])
    parent = list(range(len(ids)))  # union-find: a family is what crossref links, however indirectly

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    position = list(range(len(ids)))  # format_bibtex: a parent goes right after its last child
    linked: set[int] = set()
    for child, target in sorted(links):
        found = sorted(holders.get(target, []))
        if not found:
            continue  # the parent is not exported: the child is written alone, without crossref
        for other in found:
            parent[root(other)] = root(child)
        linked.add(child)
        linked.update(found)
        if found[0] != child and position[found[0]] < child:
            position[found[0]] = child
    order = sorted(range(len(ids)), key=lambda i: (position[i], i != position[i], i))
    families: dict[int, list[int]] = {}
    for index in sorted(linked):
        families.setdefault(root(index), []).append(index)
    return order, list(families.values())


class _BibtexHelper:
    """A helper process formatting pieces of a BibTeX export (services.reading.child_main).

    A thread of this process sends it pieces taken from the back of `todo`, a few ahead, and collects the
    texts it returns, while this process formats pieces from the front.
    """

    AHEAD = 2  # pieces sent and not yet returned: one being formatted, one waiting, so it never waits

    def __init__(self, path, todo, style, unicode, expected):
        import os
        import pickle
        import subprocess
        import sys
        import threading

        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from survey_db.services.reading import child_main; child_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None  # both are pipes (PIPE above)
        self.stdin = stdin
        job = {"path": str(path), "style": style, "unicode": unicode, "expected": expected}
        self.returned: dict[int, str] = {}
        self.sent: dict[int, list[int]] = {}  # pieces sent and not yet returned
        self.raised: BaseException | None = None  # an exception of the helper's own

        def send_next() -> bool:
            try:
                index, segment = todo.pop()
            except IndexError:
                return False
            self.sent[index] = segment
            pickle.dump((index, segment), stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()
            return True

        def talk() -> None:
            try:
                pickle.dump(job, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                more = all(send_next() for _ in range(self.AHEAD))
                while self.sent:
                    if not more and not stdin.closed:
                        pickle.dump(None, stdin)  # no more pieces
                        stdin.close()
                    index, text = pickle.load(stdout)
                    if index is None:
                        self.raised = text
                        return
                    self.returned[index] = text
                    del self.sent[index]
                    more = more and send_next()
            except (OSError, EOFError, ValueError, pickle.UnpicklingError):
                return  # the helper ended (or was stopped): this process formats what it did not return

        self.thread = threading.Thread(target=talk, daemon=True)
        self.thread.start()

    @property
    def done(self) -> int:
        return len(self.returned)

    def results(self) -> tuple[dict[int, str], list[tuple[int, list[int]]]]:
        """The texts the helper returned, and the pieces it was sent and did not return."""
        self.thread.join()
        if self.raised is not None:
            raise self.raised
        return self.returned, list(self.sent.items())

    def close(self) -> None:
        """Wait for the helper; stop it if the export ended before its results were read."""
        if self.thread.is_alive() or self.raised is not None:
            self.process.kill()
        with contextlib.suppress(OSError):  # a helper that ended leaves a broken pipe
            self.stdin.close()
        self.process.wait()
        self.thread.join()


def to_csl_json(records: list[PaperRecord]) -> str:
    from survey_db import csl

    return json.dumps(csl.records_to_csl(records), ensure_ascii=False, indent=2) + "\n"


def markdown_sections(session: Session, filters: Filters | None, *, include_empty: bool = True) -> Iterator:
    """Each section in tree order with its (selected) papers in placement order, ready to render.

    A generator: papers are read a few hundred at a time, for the sections about to be rendered.
    """
    from survey_db import markdown

    selected = None
    if filters is not None and filters != Filters():
        ids, _ = find_ids(session, filters)
        selected = set(ids)
    reader = session_reader(session)
    pending: list[tuple[SectionNode, list[int]]] = []
    waiting = 0

    def release() -> Iterator:
        ids = [pid for _, paper_ids in pending for pid in paper_ids]
        found = reader.read(ids) if ids else {}
        for node, paper_ids in pending:
            records = [found[pid].record for pid in paper_ids if pid in found]
            if records or include_empty:
                yield markdown.RenderSection(
                    path=node.path, slug=node.section.slug, rows=records, description=node.section.description
                )
        pending.clear()

    for node, paper_ids in section_rows(session):
        if selected is not None:
            paper_ids = [pid for pid in paper_ids if pid in selected]
        pending.append((node, paper_ids))
        waiting += len(paper_ids)
        if waiting >= READ_BATCH:
            yield from release()
            waiting = 0
    yield from release()


def to_markdown(
    session: Session,
    filters: Filters | None,
    *,
    style: str = "html",
    toc_depth: int | None = None,
    before: str | None = None,
) -> str:
    """A README: the survey title as H1, a contents list (`toc_depth` levels, by default the two that
    awesome-lint takes), and each section's papers in placement order; `before` (Markdown: the taxonomy
    figure, charts) opens the generated region."""
    from survey_db import markdown
    from survey_db.services.meta import readme_intro

    meta = get_meta(session)
    readme = markdown.render_readme(
        meta.get("title", "Papers"),
        markdown_sections(session, filters),
        style=style,
        toc_depth=toc_depth or markdown.DEFAULT_TOC_DEPTH,
        intro=readme_intro(meta),
    )
    return _open_region(readme, before) if before else readme


def into_readme(
    session: Session,
    readme_text: str,
    filters: Filters | None,
    *,
    style: str | None = None,
    toc_depth: int | None = None,
    before: str | None = None,
) -> str:
    """The README with only the region between its marker comments regenerated, in the style and contents
    depth its begin marker records (those given here instead, recorded for the next time); `before`
    (Markdown) opens the region."""
    from survey_db import markdown

    recorded = markdown.region_options(readme_text)
    style = style or recorded.style or "html"
    if toc_depth is None and not recorded.all_levels:
        toc_depth = recorded.toc_depth or markdown.DEFAULT_TOC_DEPTH
    generated = markdown.render_sections(
        markdown_sections(session, filters), style=style, toc_depth=toc_depth
    )
    if before:
        generated = before.strip("\n") + "\n\n" + generated
    return markdown.replace_region(readme_text, generated, markdown.begin_marker(style, toc_depth))


def _open_region(readme: str, before: str) -> str:
    """`readme` (as render_readme writes it) with `before` first in its generated region."""
    lines = readme.split("\n")
    opening = "<!-- survey-db:begin"
    at = next(i for i, line in enumerate(lines) if line.startswith(opening))
    return "\n".join([*lines[: at + 1], "", before.strip("\n"), *lines[at + 1 :]])
