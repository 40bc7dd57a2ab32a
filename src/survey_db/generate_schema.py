"""Writes `schema_names.py`, the schema's table and column names, from the models (survey_db.models).

The models are the one source of the schema; modules that must not import SQLAlchemy (the plain-sqlite3
reads, shell completion, the export's readers) take the names from the generated module. Run it after
changing models.py (tests/test_schema_names.py fails while the file is stale):

    python -m survey_db.generate_schema          # rewrite src/survey_db/schema_names.py
    python -m survey_db.generate_schema --check  # exit 1 when it is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

TARGET = Path(__file__).with_name("schema_names.py")
COMMAND = "python -m survey_db.generate_schema"
LINE_LENGTH = 110

HEADER = f'''\
"""The schema's tables and columns as plain names, GENERATED from survey_db/models.py: do not edit.

Regenerate with `{COMMAND}` after changing the models (tests/test_schema_names.py
fails while this file is stale). It imports nothing, so that readers without SQLAlchemy (plain sqlite3)
use the models' names, never a copy typed by hand.

>>> COLUMNS["topics"]
('id', 'name', 'slug')
"""
'''


def _names(names: tuple[str, ...]) -> str:
    if len(names) == 1:
        return f'("{names[0]}",)'
    return "(" + ", ".join(f'"{name}"' for name in names) + ")"


def _mapping(name: str, comment: str, entries: dict[str, tuple[str, ...]]) -> list[str]:
    """`name = {table: (column, ...)}` laid out as `ruff format` lays it out."""
    lines = [f"# {comment}", f"{name}: dict[str, tuple[str, ...]] = {{"]
    for table, columns in entries.items():
        one_line = f'    "{table}": {_names(columns)},'
        if len(one_line) <= LINE_LENGTH:
            lines.append(one_line)
        else:
            lines.append(f'    "{table}": (')
            lines += [f'        "{column}",' for column in columns]
            lines.append("    ),")
    lines.append("}")
    return lines


def render() -> str:
    """The text of schema_names.py for the models as they are now."""
    from sqlalchemy import JSON, DateTime

    from survey_db.models import Base

    tables = Base.metadata.tables.values()

    def columns_where(test) -> dict[str, tuple[str, ...]]:
        found = {table.name: tuple(c.name for c in table.columns if test(c)) for table in tables}
        return {name: columns for name, columns in found.items() if columns}

    parts = [
        _mapping("COLUMNS", "Each table's columns, in the models' order.", columns_where(lambda c: True)),
        _mapping(
            "PRIMARY_KEYS",
            "Each table's primary key.",
            {t.name: tuple(t.primary_key.columns.keys()) for t in tables},
        ),
        _mapping("NULLABLE", "The columns that may hold NULL.", columns_where(lambda c: c.nullable)),
        _mapping(
            "JSON_COLUMNS",
            "Columns holding JSON (SQLite gives the text, PostgreSQL the decoded value).",
            columns_where(lambda c: isinstance(c.type, JSON)),
        ),
        _mapping(
            "DATETIME_COLUMNS",
            "Columns holding a naive UTC date-time (SQLite stores the text 'YYYY-MM-DD HH:MM:SS.ffffff').",
            columns_where(lambda c: isinstance(c.type, DateTime)),
        ),
    ]
    return HEADER + "".join("\n" + "\n".join(lines) + "\n" for lines in parts)


def main(argv: list[str] | None = None) -> int:
    """Rewrite schema_names.py (atomically), or with --check say whether it is stale."""
    args = sys.argv[1:] if argv is None else argv
    text = render()
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else None
    if "--check" in args:
        if current != text:
            print(f"{TARGET.name} is stale: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        from survey_db.atomic import atomic_write

        atomic_write(TARGET, text)
        print(f"wrote {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
