"""The `db` group: schema revision, upgrade, downgrade, backup and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survey_db.cli.database import database_file
from survey_db.cli.group import SurveyGroup
from survey_db.cli.output import fail, note

db_app = typer.Typer(
    cls=SurveyGroup, help="Schema migrations, backups and restores of the database.", no_args_is_help=True
)


def _url(ctx: typer.Context) -> str:
    from survey_db.db import resolve_url

    return resolve_url(ctx.find_root().obj.get("db"))


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's schema revision and the newest one this program knows.

    Example: survey db current
    """
    from survey_db.db import SCHEMA_REVISION, _is_known_revision, current_revision, open_database
    from survey_db.urls import display_url

    database = open_database(_url(ctx), create=False, migrate=False, allow_empty=True)
    revision = current_revision(database.engine)
    database.engine.dispose()
    if revision == SCHEMA_REVISION:
        state = "up to date"
    elif revision is None or _is_known_revision(revision):
        state = f"behind (newest is {SCHEMA_REVISION})"
    else:
        state = f"newer than this survey-db (which knows up to {SCHEMA_REVISION}); upgrade survey-db"
    note(f"database: {display_url(database.url)}")
    typer.echo(f"{revision or 'base'} {state}")


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database to the newest schema (or to REVISION).

    Example: survey db upgrade
    """
    from survey_db.db import open_database, upgrade

    database = open_database(_url(ctx), create=False, migrate=False, allow_empty=True)
    upgrade(database.engine, revision)
    _report_revision(database)


def _report_revision(database) -> None:
    from survey_db.db import current_revision

    revision = current_revision(database.engine)
    database.engine.dispose()
    note(f"schema at revision {revision}" if revision else "schema at base: no survey tables")


@db_app.command("downgrade")
def db_downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision ('-1': the previous one).")] = "-1",
) -> None:
    """Migrate the database back to an earlier schema.

    Example: survey db downgrade -1
    """
    from survey_db.db import downgrade, open_database

    database = open_database(_url(ctx), create=False, migrate=False)
    downgrade(database.engine, revision)
    _report_revision(database)


@db_app.command("backup")
def db_backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="sqlite (a copy made with SQLite's online backup API) or json (a portable dump of any "
            "engine). Default: json for a .json FILE or a PostgreSQL database, else sqlite.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace FILE if it exists; back up a database that fails SQLite's quick_check."
        ),
    ] = False,
) -> None:
    """Back up the database to FILE while others may keep working with it. A SQLite database is checked
    first (PRAGMA quick_check): a damaged one is refused unless --force.

    Example: survey db backup survey-2024-06-01.json
    """
    from survey_db import backup
    from survey_db.db import open_database

    database = open_database(_url(ctx), create=False, migrate=False)
    try:
        dialect = database.engine.dialect.name
        if fmt is None:
            fmt = "json" if file.suffix.lower() == ".json" or dialect != "sqlite" else "sqlite"
        if fmt not in ("sqlite", "json"):
            fail(f"unknown backup format {fmt!r}; choose sqlite or json")
        if fmt == "sqlite" and dialect != "sqlite":
            fail(f"a {dialect} database cannot be backed up as a SQLite file; use --format json")
        if file.is_dir():
            fail(f"{file} is a folder; give a file name")
        if file.exists() and not force:
            fail(f"{file} already exists; give --force to replace it")
        if dialect == "sqlite" and not force:
            backup.check_integrity(database.engine)
        guard = [database_file(ctx)]
        if fmt == "json":
            dump = backup.write_json_backup(database.engine, file, protected=guard)
            papers = dump.counts().get("papers", 0)
        else:
            backup.write_sqlite_backup(database.engine, file, protected=guard)
            papers = None
    finally:
        database.engine.dispose()
    what = f" ({papers} papers)" if papers is not None else ""
    note(f"wrote {fmt} backup {file}{what}")


@db_app.command("restore")
def db_restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup made by 'survey db backup' (JSON or SQLite).")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace everything in a database that already holds data.")
    ] = False,
) -> None:
    """Restore a backup into a new or empty database (an older backup is migrated on the way).

    Example: survey --db postgresql+psycopg://localhost/survey db restore survey.json
    """
    from survey_db import backup
    from survey_db.db import default_db_path, sqlite_path

    url = _url(ctx)
    if sqlite_path(url) == default_db_path().absolute():
        default_db_path().parent.mkdir(parents=True, exist_ok=True)
    report = backup.restore(url, file, force=force)
    older = f", migrated from revision {report.migrated_from}" if report.migrated_from else ""
    replaced = f", replacing {report.replaced} rows" if report.replaced else ""
    note(f"restored {report.counts.get('papers', 0)} papers from {file}{older}{replaced}")
