"""The root app of `survey`: its own options (--db, --wait, --version) and its commands, read from the
table in `registry.py` and built only when asked for."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from survey_db import __version__
from survey_db.cli.coercion import install as install_fast_coercion
from survey_db.cli.group import SurveyGroup
from survey_db.cli.output import note
from survey_db.cli.registry import COMMANDS, LazyCommands

if TYPE_CHECKING:
    from typer._click import Context as ClickContext

# Typer converts option values through pydantic, a tenth of a second of start-up: plain types skip it.
install_fast_coercion()


class RootGroup(SurveyGroup):
    """`survey` itself: the commands of the table, each imported and built the first time it is needed
    (the one that runs; all of them for --help and for completing a command's name)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(COMMANDS, self.commands)

    def list_commands(self, ctx: ClickContext) -> list[str]:
        return list(self.commands)  # the names alone: building them is get_command's


def _version(value: bool) -> None:
    if value:
        typer.echo(f"survey-db {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=RootGroup,
    name="survey",
    help="Keep a literature survey's papers, taxonomy and BibTeX in one database.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH_OR_URL",
            help="Database file or URL (postgresql+psycopg://...). Default: $SURVEY_DB, "
            "else ~/.local/share/survey-db/survey.db.",
        ),
    ] = None,
    wait: Annotated[
        str | None,
        typer.Option(
            "--wait",
            metavar="SECONDS",
            envvar="SURVEY_WAIT",
            show_envvar=False,
            help="How long a command that writes waits for another one to finish writing before it gives "
            "up (default: $SURVEY_WAIT, else 60).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Keep a literature survey's papers, taxonomy and BibTeX in one database.

    Example: survey query --topic "Speculative Decoding"
    """
    from survey_db.db import DEFAULT_WAIT, set_wait

    seconds = DEFAULT_WAIT
    if wait is not None and wait.strip() != "":
        try:
            seconds = float(wait)
        except ValueError:
            seconds = float("nan")
        if not 0 <= seconds < 10**7:  # also NaN
            raise typer.BadParameter(f"{wait!r} is not a number of seconds", param_hint="'--wait'")
    set_wait(seconds, _tell_waiting)
    ctx.obj = {"db": db}


def _tell_waiting() -> None:
    """Said once, on a terminal only, by a writer that has waited two seconds for another writer."""
    if sys.stderr.isatty():
        note("waiting for another survey command to finish writing...")


def main() -> None:
    """Entry point of the `survey` console script."""
    app(prog_name="survey")
