"""`survey meta`: the survey's own title, description, authors and url."""

from __future__ import annotations

from typing import Annotated

import typer

from survey_db.cli.database import open_db
from survey_db.cli.group import SurveyGroup
from survey_db.cli.output import fail, note

meta_app = typer.Typer(
    cls=SurveyGroup, help="The survey's own title, description, authors and url.", no_args_is_help=True
)


@meta_app.command("show")
def meta_show(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Show the survey's metadata, one 'name: value' line each.

    Example: survey meta show --format json
    """
    from survey_db import render
    from survey_db.services.io import get_meta

    if fmt not in ("text", "json"):
        fail(f"unknown format {fmt!r}; choose text or json")
    with open_db(ctx).reading() as session:
        meta = get_meta(session)
    if fmt == "json":
        render.print_json(meta)
        return
    if not meta:
        note('no survey metadata yet: survey meta set title "..."')
    for name, value in meta.items():
        typer.echo(f"{name}: {value}")


@meta_app.command("set")
def meta_set(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="title, description, authors, url or citation.")],
    value: Annotated[str, typer.Argument(help="The new value; '' removes the field.")],
) -> None:
    """Set one field of the survey's metadata; the Markdown export writes the title as its H1 and the
    description, authors and url under it.

    Example: survey meta set title "Small Models in the LLM Era"
    """
    from survey_db.services.meta import set_field

    with open_db(ctx).session() as session:
        set_field(session, name, value)
    note(f"survey {name} {'set' if value.strip() else 'removed'}")
