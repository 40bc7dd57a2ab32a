"""Reading stored papers back as records, a batch at a time, with plain SQL on a DB-API connection.

The same records as `papers.paper_to_record` builds from ORM objects, at a fraction of the cost for a whole
collection. This module imports no SQLAlchemy, so that a helper process reading for a large export starts
fast (`io.session_reader` makes a reader on a session's connection).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from survey_db.records import Name, PaperRecord

if TYPE_CHECKING:

    class DBAPIConnection(Protocol):
        """What the reader needs of a DB-API connection (sqlite3's, psycopg's)."""

        def cursor(self) -> Any: ...

# Papers read per round trip: few enough for any engine's limit on bound parameters.
READ_BATCH = 900


@dataclass
class ExportedPaper:
    record: PaperRecord
    sections: list[list[str]]


class PaperReader:
    """Reads papers as ExportedPapers, a batch of ids at a time.

    Plain SQL on the connection, no ORM rows. Venues, topics and the section tree are read once, and each
    person once (people recur: a collection has about one for every five papers). When `expected` papers
    are a large share of the collection, the author, topic and section links of every paper are read up
    front by one scan of each table, cheaper than looking them up a batch at a time.
    """

    def __init__(
        self,
        dbapi: DBAPIConnection,
        *,
        quote: Callable[[str], str] = lambda name: '"' + name + '"',
        mark: str = "?",
        expected: int = 0,
        sections: tuple[dict[int, int], list[list[str]]] | None = None,
    ):
        """Read through a DB-API connection with `mark` parameters; `sections` is the section ranks and
        paths of `io.section_paths`, None to leave the papers' sections empty."""
        self.dbapi, self.quote, self.mark = dbapi, quote, mark
        self.venues = {
            vid: (short, full)
            for vid, short, full in self._all("SELECT id, short_name, full_name FROM venues")
        }
        self.topics = dict(self._all("SELECT id, name FROM topics"))
        self.names: dict[int, Name] = {}
        self.decoded: dict[str, dict] = {}  # JSON text -> its value: extra fields repeat a lot
        self.sections = sections is not None
        self.rank, self.paths = sections if sections is not None else ({}, [])
        self.links: tuple[dict, dict, dict] | None = None
        if expected >= 5000:
            total = self._all("SELECT count(*) FROM papers")[0][0] or 0
            if expected * 4 >= total:
                self.links = self._links("")
                self._read_names(None)

    def _all(self, sql: str, params: tuple = ()) -> list:
        """Rows as plain tuples from the driver's own cursor (Row objects cost more than the query)."""
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def _links(self, where: str, params: tuple = ()) -> tuple[dict, dict, dict]:
        """Author ids, topic names and (section rank, position) pairs of papers, by paper id."""
        authors: dict[int, list[int]] = {}
        for pid, aid in self._all(
            f"SELECT paper_id, author_id FROM paper_authors {where} ORDER BY paper_id, position", params
        ):
            authors.setdefault(pid, []).append(aid)
        topics: dict[int, list[str]] = {}
        names = self.topics
        for pid, tid in self._all(
            f"SELECT paper_id, topic_id FROM paper_topics {where} ORDER BY paper_id, position", params
        ):
            topics.setdefault(pid, []).append(names[tid])
        placed: dict[int, list[tuple[int, int]]] = {}
        rank = self.rank
        if self.sections:
            for pid, section_id, position in self._all(
                f"SELECT paper_id, section_id, position FROM placements {where}", params
            ):
                placed.setdefault(pid, []).append((rank[section_id], position))
        return authors, topics, placed

    def read(self, ids: list[int]) -> dict[int, ExportedPaper]:
        """The papers with these ids (at most a few thousand), by id."""
        chunk = tuple(set(ids))
        where = f"WHERE paper_id IN ({', '.join([self.mark] * len(chunk))})"
        authors, topics, placed = self.links or self._links(where, chunk)
        if self.links is None:
            self._read_names({aid for pid in chunk for aid in authors.get(pid, ())})
        names, paths, venues, json_dict = self.names, self.paths, self.venues, self._json_dict
        columns = ", ".join(self.quote(name) for name in _PAPER_COLUMNS)
        found = {}
        for row in self._all(f"SELECT {columns} FROM papers {where.replace('paper_id', 'id')}", chunk):
            pid, key, entry_type, title, year, venue_id, url, code_url, arxiv, doi, pages = row[:11]
            short, full = venues.get(venue_id, (None, None))
            record = PaperRecord(
                key=key,
                entry_type=entry_type,
                title=title,
                authors=[names[aid] for aid in authors.get(pid, ())],
                year=year,
                venue=short,
                venue_full=full,
                url=url,
                code_url=code_url,
                arxiv_id=arxiv,
                doi=doi,
                pages=pages,
                abstract=row[11],
                note=row[12],
                topics=list(topics.get(pid, ())),
                extra={} if row[13] in _EMPTY else json_dict(row[13]),
                raw={} if row[14] in _EMPTY else json_dict(row[14]),
            )
            places = placed.get(pid)
            found[pid] = ExportedPaper(record, [paths[i] for i, _ in sorted(places)] if places else [])
        return found

    def _json_dict(self, value: str | dict) -> dict:
        """A JSON column's value as a new dict: SQLite gives the text, PostgreSQL the decoded value."""
        if isinstance(value, dict):
            return dict(value)
        decoded = self.decoded.get(value)
        if decoded is None:
            if len(self.decoded) > 10000:
                self.decoded.clear()
            decoded = self.decoded[value] = json.loads(value)
        return dict(decoded)

    def _read_names(self, wanted: set[int] | None) -> None:
        """Read these people (None: everyone) that are not read yet."""
        columns = f"id, {self.quote('first')}, {self.quote('last')}, von, jr"
        parts: list[tuple[str, tuple[int, ...]]]
        if wanted is None:
            parts = [("", ())]
        else:
            missing = [aid for aid in wanted if aid not in self.names]
            parts = []
            for start in range(0, len(missing), READ_BATCH):
                part = tuple(missing[start : start + READ_BATCH])
                parts.append((f"WHERE id IN ({', '.join([self.mark] * len(part))})", part))
        for where, params in parts:
            for aid, first, last, von, jr in self._all(f"SELECT {columns} FROM authors {where}", params):
                # Names are immutable: one object per person, shared by all their papers.
                self.names[aid] = Name(first=first, last=last, von=von, jr=jr)


_EMPTY = (None, "{}")


# The paper columns a reader selects, in the order `read` unpacks them (named arguments written out: a
# `**values` call per paper would cost a third more). tests/test_schema_names.py fails while a column of the
# models is neither here nor in NOT_READ, or a paper_fields scalar is not here.
_PAPER_COLUMNS = (
    "id",
    "key",
    "entry_type",
    "title",
    "year",
    "venue_id",
    "url",
    "code_url",
    "arxiv_id",
    "doi",
    "pages",
    "abstract",
    "note",
    "extra_fields",
    "raw_fields",
)
# Columns it leaves out, which no export writes: the search helpers, the times and the protected fields
# (`dump` writes those, from papers read by services.paper_records).
NOT_READ = ("title_norm", "search_text", "created_at", "updated_at", "protected_fields")


# -- BibTeX a piece at a time ------------------------------------------------------------------------------


def format_piece(reader: PaperReader, ids: list[int], style: str, unicode: bool) -> str:
    """BibTeX of the papers with these ids, in this order (services.export.to_bibtex of their records)."""
    from survey_db.bibtex import format_bibtex

    records = []
    for start in range(0, len(ids), READ_BATCH):
        found = reader.read(ids[start : start + READ_BATCH])
        records += [found[pid].record for pid in ids[start : start + READ_BATCH] if pid in found]
    return format_bibtex(records, style=style, ascii=not unicode)


def child_main() -> None:
    """A helper process of a large BibTeX export: reads its job (pickled) from stdin, then pieces (index, ids)
    until None or the end of stdin; formats each from its own read-only connection to the SQLite file and
    writes (index, text) (pickled) to stdout. An exception is written as (None, exception) instead of
    raised."""
    import pickle
    import sqlite3
    import sys

    source, out = sys.stdin.buffer, sys.stdout.buffer
    try:
        job = pickle.load(source)
        from pathlib import Path

        # as_uri escapes what a URI would misread in a file name ('?', '#', '%').
        connection = sqlite3.connect(Path(job["path"]).absolute().as_uri() + "?mode=ro", uri=True)
        reader = PaperReader(connection, expected=job["expected"])
        while True:
            try:
                piece = pickle.load(source)
            except EOFError:
                break
            if piece is None:
                break
            index, ids = piece
            text = format_piece(reader, ids, job["style"], job["unicode"])
            pickle.dump((index, text), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
    except Exception as exc:  # handed to the parent, which raises it
        try:
            pickle.dump((None, exc), out)
        except Exception:  # an exception that does not pickle
            pickle.dump((None, RuntimeError(str(exc))), out)
        out.flush()
