"""The `db` group: schema revision, upgrade and downgrade."""

from __future__ import annotations

from typing import Annotated

import typer

from survey_db.cli import SurveyGroup, app, note

db_app = typer.Typer(cls=SurveyGroup, help="Schema migrations of the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _url(ctx: typer.Context) -> str:
    from survey_db.db import resolve_url

    return resolve_url(ctx.find_root().obj.get("db"))


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's schema revision and the newest one this program knows.

    Example: survey db current
    """
    from survey_db.db import SCHEMA_REVISION, current_revision, open_database

    database = open_database(_url(ctx), create=False, migrate=False)
    revision = current_revision(database.engine)
    state = "up to date" if revision == SCHEMA_REVISION else f"behind (newest is {SCHEMA_REVISION})"
    typer.echo(f"{revision} {state}")


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database to the newest schema (or to REVISION).

    Example: survey db upgrade
    """
    from survey_db.db import current_revision, open_database, upgrade

    database = open_database(_url(ctx), create=False, migrate=False)
    upgrade(database.engine, revision)
    note(f"schema at revision {current_revision(database.engine)}")


@db_app.command("downgrade")
def db_downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision ('-1': the previous one).")] = "-1",
) -> None:
    """Migrate the database back to an earlier schema.

    Example: survey db downgrade -1
    """
    from survey_db.db import current_revision, downgrade, open_database

    database = open_database(_url(ctx), create=False, migrate=False)
    downgrade(database.engine, revision)
    note(f"schema at revision {current_revision(database.engine)}")
