"""The `survey` command: the only place that imports typer, parses options, prints and exits.

Services do the work; heavy modules (sqlalchemy, alembic, bibtexparser) load inside commands, so
`survey --version` and `survey --help` start fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from survey_db import __version__
from survey_db.errors import SurveyError


class SurveyGroup(TyperGroup):
    """Turns errors a user can act on into one line on stderr and exit code 1, never a traceback; refuses
    an option that takes one value given twice (click would silently keep the last)."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        _refuse_repeated_options(self, ctx.info_name, ctx.parent, args)  # the group's own: --db
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: typer.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not isinstance(command, TyperGroup):
            _refuse_repeated_options(command, name, ctx, rest)
        return name, command, rest

    def invoke(self, ctx: typer.Context):
        from survey_db.atomic import Terminated, sigterm_as_exception

        try:
            with sigterm_as_exception():
                return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted(130)
        except Terminated:
            interrupted(143)
        except SurveyError as exc:
            fail(str(exc))
        except BrokenPipeError:
            closed_pipe(ctx)
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        except UnicodeError as exc:  # an unpaired surrogate (a JSON escape, an undecodable argument)
            bad = exc.object[exc.start : exc.end] if isinstance(exc, UnicodeEncodeError) else b""
            fail(f"a value is not valid Unicode text ({exc.reason}: {bad!r}); nothing was changed")
        except Exception as exc:
            from sqlalchemy.exc import SQLAlchemyError

            cause = _interruption(exc)
            if cause is not None:  # a rollback after Ctrl-C failed in its turn: still an interruption
                interrupted(143 if isinstance(cause, Terminated) else 130)
            if isinstance(exc, SQLAlchemyError):
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                fail(f"database error: {reason}")
            if is_driver_error(exc):
                fail(f"database error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            raise


def is_driver_error(exc: BaseException) -> bool:
    """An error raised by a database driver itself (sqlite3, psycopg), from the paths that use DB-API
    cursors directly (bulk inserts, the fast reader, backups)."""
    module = type(exc).__module__ or ""
    return module == "sqlite3" or module.startswith(("psycopg", "_sqlite3"))


def _refuse_repeated_options(
    command, name: str | None, parent: typer.Context | None, args: list[str]
) -> None:
    """A usage error (exit 2) when an option that takes one value is given more than once."""
    from typer._click.exceptions import ClickException, UsageError

    settings = {**(command.context_settings or {}), "resilient_parsing": True}
    ctx = command.context_class(command, parent=parent, info_name=name, **settings)
    try:
        _, _, order = command.make_parser(ctx).parse_args(args=list(args))
    except ClickException:
        return  # the real parse reports it
    seen = set()
    for param in order:
        option = getattr(param, "param_type_name", None) == "option"
        single = option and not (param.multiple or getattr(param, "count", False) or param.is_flag)
        if single and param.name in seen:
            option = max(param.opts, key=len)
            hint = f" (a range is one value: {option} 2022..2024)" if param.name == "year" else ""
            raise UsageError(f"{option} is given more than once; give it once{hint}", ctx)
        seen.add(param.name)


def closed_pipe(ctx: typer.Context) -> None:
    """The reader of the output has gone (`survey ... | head`): stop writing, and exit 0 when the command's
    change was already committed (the change stands; only what it printed was cut short), else 1."""
    import contextlib
    import os

    database = (ctx.find_root().obj or {}).get("database")
    committed = database is not None and database.changed
    if committed:
        with contextlib.suppress(OSError):
            note("the output stopped at a closed pipe; the change was made")
    # Python flushes both streams at exit: there they must not fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    raise typer.Exit(0 if committed else 1)


def fail(message: str) -> None:
    """Print `error: message` on stderr, on one line, and exit 1."""
    from survey_db.urls import mask_passwords

    typer.echo(f"error: {one_line(mask_passwords(message))}", err=True)
    raise typer.Exit(1)


def _interruption(exc: BaseException) -> BaseException | None:
    """The KeyboardInterrupt or SIGTERM behind `exc` (raised while handling one), if any."""
    from survey_db.atomic import Terminated

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt | Terminated):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def interrupted(code: int) -> None:
    """Ctrl-C (130) or SIGTERM (143): every transaction rolled back and every temporary file went on the
    way out, so one line says so."""
    typer.echo("interrupted; nothing was changed", err=True)
    raise typer.Exit(code)


def one_line(text: str) -> str:
    """`text` with line breaks and other invisible control characters (from a hostile file's key or value)
    written as escapes, so that a message stays one line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def note(message: str) -> None:
    """A notice for people on stderr (a database URL in it shows no password)."""
    from survey_db.urls import mask_passwords

    typer.echo(mask_passwords(message), err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"survey-db {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=SurveyGroup,
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


def main() -> None:
    """Entry point of the `survey` console script."""
    from survey_db.cli.coercion import narrowed
    from survey_db.cli.completion import words_before_the_cursor

    # At a Tab the command line comes in the environment, not argv: build only the command it names.
    argv = words_before_the_cursor() if "_SURVEY_COMPLETE" in os.environ else sys.argv[1:]
    narrowed(app, argv)(prog_name="survey")


# Typer converts option values through pydantic, a tenth of a second of start-up: plain types skip it.
from survey_db.cli import coercion  # noqa: E402

coercion.install()

# Register the command modules (each adds its commands to `app`).
from survey_db.cli import files, lookups, meta, papers, quality, schema, views  # noqa: E402, F401
