"""Set-based writing of PaperRecords: matching against what is stored, bulk inserts, and filling fields.

Every importer, `add` and `seed` go through `Store`, so matching and key rules live in one place.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import FromClause, String, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from survey_db.errors import DuplicateError, InputError
from survey_db.identifiers import arxiv_id, fold_ascii, is_http_url, normalize_doi, normalize_title, slugify
from survey_db.keys import make_key_stem, unique_key
from survey_db.models import (
    Author,
    KeyAlias,
    Paper,
    PaperAuthor,
    PaperTopic,
    Topic,
    Venue,
    check_storable,
    utcnow,
)
from survey_db.paper_fields import PAPER_COLUMNS, SCALAR_FIELDS
from survey_db.paper_fields import PROTECTABLE as PROTECTABLE  # `survey lookup --overwrite` names them
from survey_db.records import Name, PaperRecord
from survey_db.services.paper_records import link_name, load_papers, paper_to_record
from survey_db.venues import entry_type_for, normalize_venue

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def _fold_run(text: str) -> str:
    return fold_ascii(text)


def fold(text: str) -> str:
    """`fold_ascii`, fast: it works character by character, so only runs of non-ASCII text need it."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(lambda match: _fold_run(match.group()), text)


def title_norm(title: str | None) -> str:
    """`normalize_title`, with fast paths for titles without LaTeX commands (nearly all of them): plain ASCII,
    or folded run by run (see `fold`)."""
    if title and "\\" not in title:
        return _NOT_ASCII_ALNUM.sub(" ", (title if title.isascii() else fold(title)).lower()).strip()
    return normalize_title(title)


# Search covers the first 200,000 characters of a paper's words, on every engine.
SEARCH_TEXT_LIMIT = 200_000


def search_text(title: str, authors: list[Name], venue: str | None, abstract: str | None) -> str:
    """The folded text that `query TEXT` matches word prefixes in: lower-case words between spaces."""
    # The parts of each name, not `Name.display`: its ", " before Jr is punctuation, which is dropped.
    parts = [title or ""]
    for name in authors:
        parts += (name.first, name.von, name.last, name.jr)
    parts += (venue or "", abstract or "")
    folded = fold(" ".join(parts)).lower()
    if folded.isascii():
        words = _ASCII_WORD.findall(folded)
    else:
        words = "".join(ch if ch.isalnum() else " " for ch in folded).split()
    text = " " + " ".join(words) + " "
    if len(text) > SEARCH_TEXT_LIMIT:  # a 1 MB abstract: PostgreSQL's tsvector holds at most 1 MB
        text = text[: text.rfind(" ", 0, SEARCH_TEXT_LIMIT) + 1]
    return text


def insert_rows(
    session: Session,
    table: FromClause,
    names: Sequence[str],
    rows: list[list],
    returning: tuple[str, ...] = (),
) -> list[tuple]:
    """INSERT many rows (values in the order of `names`) with a few statements; returns (id, *returning)
    of each new row, in any order.

    On SQLite the rows go straight to the driver as multi-row INSERTs (SQLAlchemy's per-row parameter
    handling costs more than SQLite's own work). We hold the write lock (BEGIN IMMEDIATE), so the new rows
    are the ones with ids above the largest before. Other engines use a Core INSERT ... RETURNING. No
    engine stores a NUL character (see db._refuse_nul, which this path does not pass through).
    """
    if not rows:
        return []
    assert isinstance(table, Table)  # a model's __table__, which SQLAlchemy types as any FROM clause
    bind = session.connection()
    dialect = bind.dialect
    if dialect.name != "sqlite":
        dicts = [dict(zip(names, row, strict=True)) for row in rows]
        if not returning:
            session.execute(insert(table), dicts)
            return []
        columns = [table.c.id, *(table.c[name] for name in returning)]
        return [tuple(row) for row in session.execute(insert(table).returning(*columns), dicts)]
    processors = [
        (index, process)
        for index, column in enumerate(names)
        if (process := table.c[column].type._cached_bind_processor(dialect)) is not None
    ]
    params = rows
    if processors:
        params = []
        # Rows repeat values (one timestamp object per batch, empty JSON objects): convert those once.
        last: list[tuple[object, object]] = [(None, None)] * len(processors)
        empty: list[object] = [None] * len(processors)
        for row in rows:
            values = list(row)
            for slot, (index, process) in enumerate(processors):
                value = values[index]
                if value is last[slot][0] and value is not None:
                    values[index] = last[slot][1]
                elif value == {}:
                    if empty[slot] is None:
                        empty[slot] = process(value)
                    values[index] = empty[slot]
                else:
                    values[index] = process(value)
                    last[slot] = (value, values[index])
            params.append(values)
    quote = dialect.identifier_preparer.quote
    name = quote(table.name)
    head = f"INSERT INTO {name} ({', '.join(quote(n) for n in names)}) VALUES "
    one = "(" + ", ".join("?" * len(names)) + ")"
    # Many rows per statement, not executemany: each statement makes the full-text index (a trigger on
    # papers) write out what it holds, so one row per statement costs six times as much.
    per_statement = max(1, min(1000, _max_variables() // len(names)))
    driver = bind.connection.driver_connection
    assert driver is not None  # the session's connection is open
    cursor = driver.cursor()
    try:
        if returning:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {name}")
            before = cursor.fetchone()[0]
        for start in range(0, len(params), per_statement):
            chunk = params[start : start + per_statement]
            flat = [value for values in chunk for value in values]
            if "\x00" in "".join([value for value in flat if value.__class__ is str]):
                raise InputError("a value contains a NUL character, which no database here can store")
            cursor.execute(head + ", ".join([one] * len(chunk)), flat)
        if not returning:
            return []
        selected = ", ".join(quote(n) for n in returning)
        cursor.execute(f"SELECT id, {selected} FROM {name} WHERE id > ?", (before,))
        return cursor.fetchall()
    finally:
        cursor.close()


def _max_variables() -> int:
    import sqlite3

    return 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999


def titles_agree(a: str, b: str) -> bool:
    """Whether two normalised titles plausibly name the same paper."""
    if not a or not b or a == b or a.startswith(b) or b.startswith(a):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.6


def check_record(record: PaperRecord, *, require_title: bool = True) -> None:
    """Reject values no paper can have: a non-http(s) link, a NUL byte, a silly year, and (unless imported
    from a file, where a .bib entry may lack one) an empty title."""
    where = f"{record.source}: " if record.source else ""
    if require_title and not (record.title or "").strip():
        raise InputError(f"{where}a paper needs a title")
    for label, url in (("url", record.url), ("code link", record.code_url)):
        if url and not is_http_url(url):
            raise InputError(f"{where}{label} {url!r} is not an http(s) URL")
    if record.year is not None and not (1000 <= record.year <= 2999):
        raise InputError(f"{where}year {record.year} is out of range")
    texts = [record.title or "", record.key or "", record.note or "", record.abstract or "", *record.topics]
    texts += record.extra.values()
    for name in record.authors:
        texts += (name.first, name.von, name.last, name.jr)
    if "\x00" in "".join(texts):
        raise InputError(f"{where}a field contains a NUL byte")
    try:
        check_storable(record)
    except InputError as exc:
        raise InputError(f"{where}{exc}") from None


class Store:
    """Matches records with stored papers and writes them with bulk statements."""

    def __init__(self, session: Session):
        self.session = session
        self._loaded = False  # the indexes below are filled from the database at the first need
        self._keys: dict[str, int] = {}
        self._dois: dict[str, int] = {}
        self._arxiv: dict[str, int] = {}
        self._titles: dict[str, int] = {}
        self._stored_titles: dict[int, str] = {}
        self._spaceless: dict[str, int] | None = None  # titles without spaces, built at the first miss
        self._authors: dict[tuple[str, str, str, str], int] = {}
        self._topics: dict[str, int] = {}
        self._venues: dict[tuple[str, str | None], int] = {}
        self._venue_of: dict[tuple[str | None, str | None], tuple[int | None, str | None]] = {}
        self._norms: dict[str, str] = {}  # title -> normalised title, for the batch being written
        self.new_topics: list[str] = []
        self.topics_before: int | None = None

    # -- indexes of what is stored, loaded once per Store -----------------------------------------------
    def _load(self) -> None:
        if self._loaded:
            return
        s = self.session
        self._loaded = True
        for pid, key, doi, arxiv, title_norm in s.execute(
            select(Paper.id, Paper.key, Paper.doi, Paper.arxiv_id, Paper.title_norm)
        ):
            self._keys[key] = pid
            if doi:
                self._dois[doi] = pid
            if arxiv:
                self._arxiv[arxiv] = pid
            self._titles.setdefault(title_norm, pid)
            self._stored_titles[pid] = title_norm
        for alias, pid in s.execute(select(KeyAlias.alias, KeyAlias.paper_id)):
            self._keys[alias] = pid
        for aid, last, first, von, jr in s.execute(
            select(Author.id, Author.last, Author.first, Author.von, Author.jr)
        ):
            self._authors[(last, first, von, jr)] = aid
        for tid, name in s.execute(select(Topic.id, Topic.name)):
            self._topics[name.lower()] = tid
        self.topics_before = len(self._topics)
        for vid, short, full in s.execute(select(Venue.id, Venue.short_name, Venue.full_name)):
            self._venues[(short, full)] = vid

    def _norm(self, title: str) -> str:
        norm = self._norms.get(title)
        if norm is None:
            if len(self._norms) > 20000:
                self._norms.clear()
            norm = self._norms[title] = title_norm(title)
        return norm

    def key_taken(self, key: str) -> bool:
        self._load()
        return key in self._keys

    def paper_id_for_key(self, key: str) -> int | None:
        self._load()
        return self._keys.get(key)

    # -- matching -------------------------------------------------------------------------------------
    def match(self, record: PaperRecord, *, by_key: bool = False) -> tuple[int | None, list[str]]:
        """The stored paper this record is, and warnings about identifiers that point elsewhere.

        With `by_key` (BibTeX) only the citation key matches. Otherwise DOI, then arXiv id, then the
        normalised title; an identifier whose stored paper has a clearly different title is not a match
        (a README row linking another paper's arXiv page).
        """
        self._load()
        if by_key:
            return (self._keys.get(record.key) if record.key else None), []
        warnings: list[str] = []
        title = self._norm(record.title)
        for label, value, index in (
            ("DOI", record.doi, self._dois),
            ("arXiv id", record.arxiv_id, self._arxiv),
        ):
            if value and value in index:
                pid = index[value]
                if titles_agree(self._stored_titles.get(pid, ""), title):
                    return pid, warnings
                warnings.append(f"{label} {value} belongs to another paper; not set on {record.title!r}")
                if label == "DOI":
                    record.doi = None
                else:
                    record.arxiv_id = None
        return self._by_title(title), warnings

    def _by_title(self, title: str) -> int | None:
        """The paper with this normalised title, or with the same one but for spaces: a list's
        'LanguageModels' is the paper's 'Language Models'."""
        if not title:
            return None
        found = self._titles.get(title)
        if found is None:
            if self._spaceless is None:
                self._spaceless = {}
                for pid, stored in self._stored_titles.items():
                    self._spaceless.setdefault(stored.replace(" ", ""), pid)
            found = self._spaceless.get(title.replace(" ", ""))
        return found

    def similar_title(self, record: PaperRecord) -> int | None:
        """A stored paper with the same normalised title, for 'possible duplicate' reports."""
        self._load()
        title = self._norm(record.title)
        return self._titles.get(title) if title else None

    def identifier_owner(self, record: PaperRecord) -> tuple[str, int] | None:
        """('DOI'|'arXiv id'|'title', paper id) of a stored paper that this record duplicates."""
        self._load()
        if record.doi and record.doi in self._dois:
            return "DOI", self._dois[record.doi]
        if record.arxiv_id and record.arxiv_id in self._arxiv:
            return "arXiv id", self._arxiv[record.arxiv_id]
        title = self._norm(record.title)
        if title and title in self._titles:
            return "title", self._titles[title]
        return None

    # -- lookups that create ----------------------------------------------------------------------------
    def venue_id(self, short: str | None, full: str | None) -> tuple[int | None, str | None]:
        """The id of the venue (created when new) and its kind."""
        given = (short, full)
        known = self._venue_of.get(given)
        if known is not None:
            return known
        short, full, kind = normalize_venue(short, full)
        if short is None:
            return None, None
        short_type = Venue.__table__.c.short_name.type
        assert isinstance(short_type, String) and short_type.length is not None  # String(n)
        limit = short_type.length
        if len(short) > limit:  # a short name taken from a long full name (a given one is checked)
            short = short[: limit - 1].rstrip() + "…"
        self._load()
        vid = self._venues.get((short, full))
        if vid is None:
            vid = self.session.execute(
                insert(Venue).values(short_name=short, full_name=full, kind=kind).returning(Venue.id)
            ).scalar_one()
            self._venues[(short, full)] = vid
        self._venue_of[given] = (vid, kind)
        return vid, kind

    def author_ids(self, names: list[Name]) -> list[int]:
        self._load()
        self._ensure_authors(names)
        return [self._authors[(n.last, n.first, n.von, n.jr)] for n in names]

    def _ensure_authors(self, names: Iterable[Name]) -> None:
        """Insert the people not stored yet, in one statement."""
        self._load()
        missing: dict[tuple[str, str, str, str], Name] = {}
        for name in names:
            ident = (name.last, name.first, name.von, name.jr)
            if ident not in self._authors and ident not in missing:
                missing[ident] = name
        if not missing:
            return
        rows = [[n.first, n.von, n.last, n.jr, fold(n.display).lower()] for n in missing.values()]
        columns = ("first", "von", "last", "jr", "name_folded")
        returned = insert_rows(self.session, Author.__table__, columns, rows, ("last", "first", "von", "jr"))
        for aid, last, first, von, jr in returned:
            self._authors[(last, first, von, jr)] = aid

    def topic_ids(self, names: list[str]) -> list[int]:
        self._load()
        ids = []
        for name in names:
            name = " ".join(name.split())
            tid = self._topics.get(name.lower())
            if tid is None:
                slug = slugify(name) or "topic"
                taken = set(self.session.scalars(select(Topic.slug).where(Topic.slug.like(f"{slug}%"))))
                slug = unique_key(slug, taken.__contains__) if slug in taken else slug
                tid = self.session.execute(
                    insert(Topic).values(name=name, slug=slug).returning(Topic.id)
                ).scalar_one()
                self._topics[name.lower()] = tid
                self.new_topics.append(name)
            if tid not in ids:
                ids.append(tid)
        return ids

    def new_topic_notes(self) -> list[str]:
        """Notices for the topics this store created: one line each, or, where the survey had no topics
        before (an import into an empty survey), one line for all of them."""
        names = self.new_topics
        if len(names) > 1 and not self.topics_before:
            shown = ", ".join(repr(n) for n in names[:5])
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            return [f"{len(names)} new topics: {shown}{more} (`survey topics` lists them)"]
        return [f"new topic {name!r} created" for name in names]

    # -- writing ------------------------------------------------------------------------------------------
    def new_key(self, record: PaperRecord) -> str:
        first_last = record.authors[0].last if record.authors else None
        return unique_key(make_key_stem(first_last, record.year, record.title), self.key_taken)

    def insert(self, records: list[PaperRecord]) -> list[int]:
        """Insert new papers with their authors and topics; returns their ids. Keys are set on the records.

        A few statements per batch whatever its size: the people not stored yet, the papers (the full-text
        index follows by trigger), then the author and topic links.
        """
        self._load()
        now = utcnow()
        rows = []
        for record in records:
            normalize_record(record)
            if record.key is None:
                record.key = self.new_key(record)
            elif self.key_taken(record.key):
                raise DuplicateError(f"citation key {record.key!r} is already taken")
            venue_id, kind = self.venue_id(record.venue, record.venue_full)
            if record.entry_type is None:
                record.entry_type = entry_type_for(kind)
            rows.append(
                [
                    *[getattr(record, name) for name in SCALAR_FIELDS],
                    record.key,
                    self._norm(record.title),
                    search_text(record.title, record.authors, record.venue, record.abstract),
                    venue_id,
                    dict(record.extra),
                    dict(record.raw),
                    now,
                    now,
                    sorted(set(record.protected)) or None,
                ]
            )
            self._keys[record.key] = -1
        if not rows:
            return []
        self._ensure_authors(name for record in records for name in record.authors)
        topics = [self.topic_ids(record.topics) for record in records]
        returned = insert_rows(self.session, Paper.__table__, PAPER_COLUMNS, rows, ("key",))
        by_key = {key: pid for pid, key in returned}
        ids = [by_key[record.key] for record in records]
        authors = self._authors
        author_rows, topic_rows = [], []
        for record, pid, topic_ids in zip(records, ids, topics, strict=True):
            self._remember(pid, record)
            for position, name in enumerate(record.authors):
                author_rows.append([pid, position, authors[(name.last, name.first, name.von, name.jr)]])
            for position, tid in enumerate(topic_ids):
                topic_rows.append([pid, tid, position])
        insert_rows(self.session, PaperAuthor.__table__, ("paper_id", "position", "author_id"), author_rows)
        insert_rows(self.session, PaperTopic.__table__, ("paper_id", "topic_id", "position"), topic_rows)
        self._norms.clear()
        return ids

    def _remember(self, pid: int, record: PaperRecord) -> None:
        assert record.key is not None  # `insert` has set every record's key
        self._keys[record.key] = pid
        if record.doi:
            self._dois[record.doi] = pid
        if record.arxiv_id:
            self._arxiv[record.arxiv_id] = pid
        title = self._norm(record.title)
        self._titles.setdefault(title, pid)
        self._stored_titles[pid] = title
        if self._spaceless is not None:
            self._spaceless.setdefault(title.replace(" ", ""), pid)

    def merge_into(self, pid: int, record: PaperRecord, *, overwrite: bool) -> tuple[bool, list[str]]:
        """Fill the stored paper's empty fields from the record (or replace them with `overwrite`).

        Returns whether anything changed and the conflicts: fields where both have different values.
        """
        normalize_record(record)
        paper = self.session.get_one(Paper, pid)
        stored = paper_to_record(paper)
        changes: dict[str, Any] = {}
        conflicts: list[str] = []
        for name in (*SCALAR_FIELDS, "venue", "venue_full"):
            new, old = getattr(record, name), getattr(stored, name)
            if new in (None, "") or new == old:
                continue
            if old in (None, "") or overwrite:
                changes[name] = new
            else:
                conflicts.append(f"{name}: {old!r} kept, {new!r} given")
        if ("venue" in changes or "venue_full" in changes) and (record.venue or record.venue_full):
            short = changes.get("venue", stored.venue)
            full = changes.get("venue_full", stored.venue_full)
            if "venue" not in changes and "venue_full" in changes and stored.venue == "arXiv":
                short = None
            venue_id, kind = self.venue_id(short, full)
            changes.pop("venue", None)
            changes.pop("venue_full", None)
            changes["venue_id"] = venue_id
            if record.entry_type is None and (paper.entry_type == "misc" or overwrite):
                changes["entry_type"] = entry_type_for(kind)
        authors_changed = False
        if record.authors and record.authors != stored.authors:
            if not stored.authors or overwrite:
                self.session.execute(delete(PaperAuthor).where(PaperAuthor.paper_id == pid))
                ids = self.author_ids(record.authors)
                self.session.execute(
                    insert(PaperAuthor),
                    [{"paper_id": pid, "position": i, "author_id": a} for i, a in enumerate(ids)],
                )
                authors_changed = True
            else:
                old = "; ".join(n.display for n in stored.authors)
                new = "; ".join(n.display for n in record.authors)
                conflicts.append(f"authors: {old!r} kept, {new!r} given")
        topics_added = self.add_topics(pid, record.topics)
        extra = dict(paper.extra_fields or {})
        for name, value in record.extra.items():
            if name not in extra or (overwrite and extra[name] != value):
                extra[name] = value
            elif extra[name] != value:
                conflicts.append(f"{name}: {extra[name]!r} kept, {value!r} given")
        if extra != (paper.extra_fields or {}):
            changes["extra_fields"] = extra
        if record.raw and overwrite:
            changes["raw_fields"] = dict(record.raw)
        changed = bool(changes) or authors_changed or topics_added
        if changed:
            if "doi" in changes:
                self._dois[changes["doi"]] = pid
            if "arxiv_id" in changes:
                self._arxiv[changes["arxiv_id"]] = pid
            self.session.execute(update(Paper).where(Paper.id == pid).values(**changes, updated_at=utcnow()))
            self.refresh_search_text([pid])
        return changed, conflicts

    def add_topics(self, pid: int, topics: list[str]) -> bool:
        if not topics:
            return False
        have = set(self.session.scalars(select(PaperTopic.topic_id).where(PaperTopic.paper_id == pid)))
        start = self.session.execute(
            select(func.coalesce(func.max(PaperTopic.position) + 1, 0)).where(PaperTopic.paper_id == pid)
        ).scalar_one()
        new = [tid for tid in self.topic_ids(topics) if tid not in have]
        if new:
            self.session.execute(
                insert(PaperTopic),
                [{"paper_id": pid, "topic_id": tid, "position": start + i} for i, tid in enumerate(new)],
            )
        return bool(new)

    def refresh_search_text(self, paper_ids: list[int]) -> None:
        """Recompute the folded search text of papers after their title, authors or venue changed."""
        self.session.flush()
        for paper in load_papers(self.session, paper_ids):
            authors = [link_name(link.author) for link in paper.author_links]
            venue = paper.venue.short_name if paper.venue else None
            paper.search_text = search_text(paper.title, authors, venue, paper.abstract)
            paper.title_norm = title_norm(paper.title)


def normalize_record(record: PaperRecord) -> None:
    """Clean identifiers in place: DOI without resolver, arXiv id without version, trimmed text."""
    record.title = " ".join(record.title.split())
    record.doi = normalize_doi(record.doi) if record.doi else None
    record.arxiv_id = arxiv_id(record.arxiv_id) or record.arxiv_id if record.arxiv_id else None
    record.url = (record.url or "").strip() or None
    record.code_url = (record.code_url or "").strip() or None
    record.topics = [" ".join(t.split()) for t in record.topics if t and t.strip()]
    if "protected" in record.extra:  # a seed file's list of the fields a person typed
        listed = record.extra.pop("protected")
        record.raw.pop("protected", None)
        record.protected = sorted({*record.protected, *(n for n in re.split(r"[\s,]+", listed) if n)})
    if record.pages:
        # One spelling for ranges, the en dash that BibTeX's '--' stands for: '4003-4012', '4003--4012'.
        record.pages = re.sub(r"(?<=\w)\s*[-\u2013\u2014]+\s*(?=\w)", "\u2013", record.pages.strip())
