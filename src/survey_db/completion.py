"""Values a shell completes at the prompt: the topics, sections, citation keys and venues of a database.

A completion runs at every Tab, so it stays light: a SQLite file is read with plain sqlite3, read-only, and
a database that does not exist is not created (nothing is offered). Other engines are read through the
reading engine of `db` with the same statements. The statements name the models' tables and columns;
tests/test_completion.py checks them against the models. Nothing here raises: a completion that cannot
read the database offers nothing.

A shell offers only values that start with what was typed, as typed: a topic or section is offered by
name ('Spec' -> 'Speculative Decoding') or, when what was typed starts its slug, by slug ('spec' ->
'speculative-decoding'), which every option that takes one accepts.

>>> offered("spec", "Speculative Decoding", "speculative-decoding")
'speculative-decoding'
"""

from __future__ import annotations

# Descriptions longer than this are cut: Typer lays them out for an 80-column screen, and a longer one
# would break onto a second line in zsh's and fish's lists.
DESCRIPTION_WIDTH = 60
# At most this many citation keys are offered for one Tab (a shell asks before listing more than ~100).
KEY_LIMIT = 500

# One statement per kind of value; `:prefix` is a LIKE pattern (both sqlite3 and SQLAlchemy read `:name`).
STATEMENTS = {
    "topic": "SELECT name, slug FROM topics ORDER BY name",
    "venue": "SELECT short_name, max(full_name) FROM venues GROUP BY short_name ORDER BY short_name",
    "section": "SELECT id, parent_id, title, slug FROM sections ORDER BY position, id",
    "key": (
        f"SELECT key, title FROM papers WHERE key LIKE :prefix ESCAPE '\\' ORDER BY key LIMIT {KEY_LIMIT}"
    ),
}
# The tables and columns the statements read, for the test that keeps them equal to the models.
COLUMNS = {
    "topics": ("name", "slug"),
    "venues": ("short_name", "full_name"),
    "sections": ("id", "parent_id", "title", "slug", "position"),
    "papers": ("key", "title"),
}


def offered(incomplete: str, name: str, slug: str | None) -> str | None:
    """The name if it starts with what was typed, else the slug if that does, else None."""
    if name.startswith(incomplete):
        return name
    if slug and slug.startswith(incomplete):
        return slug
    return None


def _rows(target: str | None, kind: str, incomplete: str) -> list[tuple]:
    """The rows of one statement on the database `--db` (else $SURVEY_DB, else the default) names."""
    from survey_db.db import resolve_url, sqlite_path

    url = resolve_url(target)
    escaped = incomplete.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params = {"prefix": escaped + "%"} if ":prefix" in STATEMENTS[kind] else {}
    path = sqlite_path(url)
    if path is not None:
        import sqlite3
        from urllib.parse import quote

        if not path.is_file():
            return []
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=2)
        try:
            return connection.execute(STATEMENTS[kind], params).fetchall()
        finally:
            connection.close()
    if url.startswith("sqlite"):
        return []  # an in-memory database holds nothing between two runs
    from sqlalchemy import text

    from survey_db.db import make_engine, reading_engine

    engine = make_engine(url)
    try:
        with reading_engine(engine).connect() as server:
            return [tuple(row) for row in server.execute(text(STATEMENTS[kind]), params)]
    finally:
        engine.dispose()


def candidates(target: str | None, kind: str, incomplete: str) -> list[tuple[str, str | None]]:
    """(value, description) pairs of one kind ('topic', 'section', 'key', 'venue') that start with
    `incomplete`; empty when the database cannot be read."""
    try:
        rows = _rows(target, kind, incomplete)
    except Exception:  # a completion never fails: no database, another schema, no server
        return []
    return [(value, _short(text)) for value, text in _values(kind, rows, incomplete)]


def _short(text: str | None) -> str | None:
    """The text within DESCRIPTION_WIDTH: a section path loses its first parts, other text its end."""
    if text is None or len(text) <= DESCRIPTION_WIDTH:
        return text
    parts = text.split(" > ")
    while len(parts) > 1 and len(" > ".join(["\u2026", *parts])) > DESCRIPTION_WIDTH:
        parts.pop(0)
    if len(parts) < len(text.split(" > ")) and len(" > ".join(["\u2026", *parts])) <= DESCRIPTION_WIDTH:
        return " > ".join(["\u2026", *parts])
    return text[: DESCRIPTION_WIDTH - 1].rstrip() + "\u2026"


def _values(kind: str, rows: list[tuple], incomplete: str) -> list[tuple[str, str | None]]:
    if kind == "topic":
        return [(value, None) for name, slug in rows if (value := offered(incomplete, name, slug))]
    if kind == "venue":
        from survey_db.venues import catalogue_full

        return [
            (short, (catalogue_full(short) or (short, full))[1])
            for short, full in rows
            if short.startswith(incomplete)
        ]
    if kind == "key":
        return [(key, title) for key, title in rows]
    return _sections(rows, incomplete)


def _sections(rows: list[tuple], incomplete: str) -> list[tuple[str, str | None]]:
    """A section's title where it is the only one with that title, else its 'A > B' path; the path is
    the description."""
    by_id = {sid: (parent, title) for sid, parent, title, _slug in rows}

    def path(sid: int) -> list[str]:
        parts: list[str] = []
        while sid in by_id and len(parts) <= len(by_id):  # the length guard stops a cycle
            sid, title = by_id[sid]
            parts.insert(0, title)
        return parts

    titles = [title for _sid, _parent, title, _slug in rows]
    found: list[tuple[str, str | None]] = []
    for sid, _parent, title, slug in rows:
        full = " > ".join(path(sid))
        value = title if titles.count(title) == 1 else full
        if choice := offered(incomplete, value, slug):
            found.append((choice, full))
    return found
