"""Checking a backup's rows before any is restored, as strictly as `import` and `add` check a paper.

A backup is a file like any other a user hands us: a hand-edited or hostile one must fail with one line,
never leave a database that a later `query`, export or `dump` cannot read. `check_dump` checks the types and
lengths of every value against the schema, every paper as `add` would (key, entry type, title, year, links,
topics, names), unique values, that every reference names a row of the backup, and that the section tree has
no cycle.

>>> try:
...     check_integer("papers", 1, "year", 10**30)
... except InputError as exc:
...     print(exc)
backup table papers, row 1, column year: 1000000000000000000000000000000 is not a number a database can store
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Protocol

from survey_db.errors import InputError


class Dump(Protocol):
    """What a backup.Dump offers here: table -> (columns, rows)."""

    tables: dict[str, tuple[list[str], list[list[Any]]]]

INT64 = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def _where(table: str, row: int, column: str) -> str:
    return f"backup table {table}, row {row}, column {column}"


def check_integer(table: str, row: int, column: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{_where(table, row, column)}: {_shown(value)} is not a whole number")
    if not -INT64 - 1 <= value <= INT64:
        raise InputError(f"{_where(table, row, column)}: {value} is not a number a database can store")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_plain_values(dump: Dump) -> None:
    """The checks that need no schema: every value is JSON's null, a boolean, a number a database can
    store, or text without NUL or unpaired surrogates (run before an older backup is replayed)."""
    for name, (columns, rows) in dump.tables.items():
        for number, row in enumerate(rows, start=1):
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, int) and not isinstance(value, bool):
                    check_integer(name, number, column, value)
                elif isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
                    raise InputError(f"{_where(name, number, column)}: {value} is not a number")
                elif isinstance(value, str):
                    _check_text(name, number, column, value)


def _check_text(table: str, row: int, column: str, value: str) -> None:
    if "\x00" in value or (not value.isascii() and _SURROGATE.search(value)):
        raise InputError(f"{_where(table, row, column)}: a NUL or an unpaired surrogate")


def check_dump(dump: Dump) -> None:
    """Raise an InputError naming the first row of `dump` (at the newest schema) that import would refuse,
    or that would break the database for later commands."""
    from survey_db.models import Base

    tables = Base.metadata.tables
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, (columns, values) in dump.tables.items():
        table = tables.get(name)
        if table is None:
            raise InputError(f"the backup has tables this schema lacks: {name}")
        _check_columns(table, columns)
        records = []
        for number, row in enumerate(values, start=1):
            record = dict(zip(columns, row, strict=True))
            for column in table.columns:
                if column.name in record:
                    _check_value(column, number, record[column.name])
            records.append(record)
        rows[name] = records
    _check_unique(tables, rows)
    _check_references(tables, rows)
    _check_section_tree(rows.get("sections", []))
    _check_key_namespace(rows)
    _check_papers(rows)


def _check_columns(table, columns: list[str]) -> None:
    if len(set(columns)) != len(columns):
        twice = next(c for c in columns if columns.count(c) > 1)
        raise InputError(f"backup table {table.name} lists column {twice!r} twice")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"backup table {table.name} has columns this schema lacks: {', '.join(missing)}")
    needed = [
        column.name
        for column in table.columns
        if (column.primary_key or not column.nullable)
        and column.default is None
        and column.server_default is None
        and column.name not in columns
    ]
    if needed:
        raise InputError(f"backup table {table.name} lacks the column {needed[0]!r}, which every row needs")


# JSON columns that hold a list of names (papers.protected_fields); the others hold objects of text fields.
LIST_COLUMNS = {"protected_fields"}


def _check_value(column, number: int, value: Any) -> None:
    from sqlalchemy import JSON, Date, DateTime, Integer, String

    table = column.table.name
    where = _where(table, number, column.name)
    if value is None:
        if column.primary_key or not column.nullable:
            raise InputError(f"{where}: empty (null), but every row needs it")
        return
    kind = column.type
    if isinstance(kind, Integer):
        check_integer(table, number, column.name, value)
    elif isinstance(kind, String):  # also Text
        if not isinstance(value, str):
            raise InputError(f"{where}: {_shown(value)} is not text")
        _check_text(table, number, column.name, value)
        limit = getattr(kind, "length", None)
        if limit and len(value) > limit:
            raise InputError(f"{where}: longer than {limit} characters")
    elif isinstance(kind, JSON) and column.name in LIST_COLUMNS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: {_shown(value)} is not a list of field names")
        for v in value:
            _check_text(table, number, column.name, v)
    elif isinstance(kind, JSON):
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise InputError(f"{where}: {_shown(value)} is not an object of text fields")
        for k, v in value.items():
            _check_text(table, number, column.name, k)
            _check_text(table, number, column.name, v)
    elif isinstance(kind, DateTime | Date):
        if not isinstance(value, str):
            raise InputError(f"{where}: {_shown(value)} is not a date")
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise InputError(f"{where}: {_shown(value)} is not a date") from None


def _unique_sets(table) -> list[tuple[str, ...]]:
    from sqlalchemy import UniqueConstraint

    sets = [tuple(c.name for c in table.primary_key.columns)]
    sets += [(c.name,) for c in table.columns if c.unique]
    sets += [
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    sets += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    return list(dict.fromkeys(sets))


def _check_unique(tables, rows: dict[str, list[dict[str, Any]]]) -> None:
    for name, records in rows.items():
        for columns in _unique_sets(tables[name]):
            seen: set[tuple] = set()
            for number, record in enumerate(records, start=1):
                values = tuple(record.get(c) for c in columns)
                if any(v is None for v in values):
                    continue  # NULLs never clash
                if values in seen:
                    shown = ", ".join(_shown(v) for v in values)
                    raise InputError(
                        f"backup table {name}, row {number}: {', '.join(columns)} {shown} appears twice"
                    )
                seen.add(values)


def _check_references(tables, rows: dict[str, list[dict[str, Any]]]) -> None:
    for name, records in rows.items():
        for key in tables[name].foreign_keys:
            column, target = key.parent.name, key.column
            present = {record.get(target.name) for record in rows.get(target.table.name, [])}
            for number, record in enumerate(records, start=1):
                value = record.get(column)
                if value is not None and value not in present:
                    raise InputError(
                        f"{_where(name, number, column)}: {_shown(value)} names no row of {target.table.name}"
                    )


def _check_section_tree(sections: list[dict[str, Any]]) -> None:
    parent = {record["id"]: record.get("parent_id") for record in sections}
    for start in parent:
        seen = {start}
        node = parent[start]
        while node is not None:
            if node in seen:
                raise InputError(f"backup table sections: section {start} is its own ancestor (a cycle)")
            seen.add(node)
            node = parent.get(node)


def _check_key_namespace(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Keys and old keys (aliases) share one namespace, and an old key must be one BibTeX can read."""
    from survey_db.services.keys import check_key

    keys = {record["key"] for record in rows.get("papers", [])}
    for record in rows.get("key_aliases", []):
        alias = record["alias"]
        if alias in keys:
            raise InputError(f"backup: old key {alias!r} is also the key of a paper")
        check_key(alias)


def _check_papers(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Every paper, with its authors, topics and venue, as `add` checks a new one."""
    from survey_db.bibtex.values import _FIELD_NAME
    from survey_db.records import Name, PaperRecord
    from survey_db.services.store import check_record

    authors = {r["id"]: r for r in rows.get("authors", [])}
    topics = {r["id"]: r["name"] for r in rows.get("topics", [])}
    venues = {r["id"]: r for r in rows.get("venues", [])}
    names: dict[int, list[tuple[int, Name]]] = {}
    for link in rows.get("paper_authors", []):
        person = authors[link["author_id"]]
        name = Name(
            first=person.get("first") or "",
            last=person.get("last") or "",
            von=person.get("von") or "",
            jr=person.get("jr") or "",
        )
        names.setdefault(link["paper_id"], []).append((link["position"], name))
    labels: dict[int, list[str]] = {}
    for link in rows.get("paper_topics", []):
        labels.setdefault(link["paper_id"], []).append(topics[link["topic_id"]])
    for name in topics.values():
        from survey_db.models import check_topic_name

        check_topic_name(name)
    for number, paper in enumerate(rows.get("papers", []), start=1):
        venue = venues.get(paper.get("venue_id")) or {}
        record = PaperRecord(
            title=paper["title"],
            key=paper["key"],
            entry_type=paper.get("entry_type"),
            authors=[name for _, name in sorted(names.get(paper["id"], []), key=lambda pair: pair[0])],
            year=paper.get("year"),
            venue=venue.get("short_name"),
            venue_full=venue.get("full_name"),
            url=paper.get("url"),
            code_url=paper.get("code_url"),
            arxiv_id=paper.get("arxiv_id"),
            doi=paper.get("doi"),
            pages=paper.get("pages"),
            abstract=paper.get("abstract"),
            note=paper.get("note"),
            topics=labels.get(paper["id"], []),
            extra=paper.get("extra_fields") or {},
            raw=paper.get("raw_fields") or {},
            source=f"backup table papers, row {number}",
        )
        check_record(record)
        for field_name in (*record.extra, *record.raw):
            if _FIELD_NAME.fullmatch(field_name) is None:
                raise InputError(f"{record.source}: {field_name!r} is not a BibTeX field name")
