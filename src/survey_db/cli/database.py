"""The database a command works on: the one `--db` names (else $SURVEY_DB, else the default file).

Shared by the command modules; imports no command module.
"""

from __future__ import annotations

import typer

from survey_db.cli.output import note


def database_file(ctx: typer.Context):
    """The SQLite file of the database in use (None for PostgreSQL): no output file may replace it."""
    from survey_db.db import resolve_url, sqlite_path

    return sqlite_path(resolve_url(ctx.find_root().obj.get("db")))


def open_db(ctx: typer.Context, *, create: bool = True, seed: bool = True):
    """The command's database: created, migrated and seeded with the shipped survey on first use."""
    from survey_db.db import open_database, resolve_url, sqlite_path

    url = resolve_url(ctx.find_root().obj.get("db"))
    path = sqlite_path(url)
    if path is not None and not path.exists():
        from survey_db.db import default_db_path

        if path == default_db_path().absolute():
            path.parent.mkdir(parents=True, exist_ok=True)
    database = open_database(url, create=create)
    if database.created and seed:
        from survey_db.paths import seeds_dir
        from survey_db.services.seeds import seed as load_seeds

        try:
            report = database.transaction(lambda session: load_seeds(session, seeds_dir()))
        except BaseException:
            # A half-made database would never be seeded again: remove it so the next run starts over.
            database.engine.dispose()
            if path is not None:
                for leftover in (
                    path,
                    path.with_name(path.name + "-wal"),
                    path.with_name(path.name + "-shm"),
                ):
                    leftover.unlink(missing_ok=True)
            raise
        where = path or url
        note(f"created a survey database at {where} with {len(report.added)} papers of the shipped survey")
    elif database.created:
        note(f"created a new empty survey database at {path or url}")
    elif database.migrated:
        note(f"upgraded the database schema of {path or url}")
    database.changed = False  # from here on: the command's own change
    ctx.find_root().obj["database"] = database
    return database
