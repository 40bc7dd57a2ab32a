"""The database of a command that only reads (`query`, `show`, `topics`, `sections`, `stats`).

A SQLite file at the current schema revision is read through a plain read-only sqlite3 connection, so the
command starts without importing SQLAlchemy or Alembic (`db.open_for_reading`). Everything else goes
through `open_db` as every other command: PostgreSQL, a file that does not exist yet (created and seeded),
an older revision (migrated), and anything that cannot be opened (its error, worded as always).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import sqlite3


def plain_connection(ctx: typer.Context) -> sqlite3.Connection | None:
    """A read-only sqlite3 connection in one read transaction when the command's database is a SQLite
    file at the current schema revision, else None (then `open_db` opens it)."""
    from survey_db.db import open_for_reading, resolve_url

    return open_for_reading(resolve_url(ctx.find_root().obj.get("db")))


@contextmanager
def dbapi_reading(ctx: typer.Context) -> Iterator[object]:
    """A DB-API connection for one read-only transaction: the plain sqlite3 one where it can be had, else
    the connection of a reading session of `open_db`'s database."""
    connection = plain_connection(ctx)
    if connection is not None:
        try:
            yield connection
        finally:
            connection.close()
        return
    from survey_db.cli.database import open_db
    from survey_db.services.selection import dbapi_connection

    with open_db(ctx).reading() as session:
        yield dbapi_connection(session)
