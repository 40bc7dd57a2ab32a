"""`SurveyGroup`, the click group of `survey` and of its command groups: how errors end a command.

Shared by the root app and the command modules that define a group (`db`, `meta`, ...); imports no
command module.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import typer
from typer.core import TyperGroup

from survey_db.cli.output import fail, interrupted, note
from survey_db.errors import SurveyError

if TYPE_CHECKING:
    # click's own Context (typer ships click inside itself): the type TyperGroup's methods take.
    from typer._click import Context as ClickContext


class SurveyGroup(TyperGroup):
    """Turns errors a user can act on into one line on stderr and exit code 1, never a traceback; refuses
    an option that takes one value given twice (click would silently keep the last)."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        _refuse_repeated_options(self, ctx.info_name, ctx.parent, args)  # the group's own: --db
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: ClickContext, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not isinstance(command, TyperGroup):
            _refuse_repeated_options(command, name, ctx, rest)
        return name, command, rest

    def invoke(self, ctx: ClickContext):
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
            reason = getattr(exc, "reason", exc)  # every concrete UnicodeError has one
            fail(f"a value is not valid Unicode text ({reason}: {bad!r}); nothing was changed")
        except Exception as exc:
            cause = _interruption(exc)
            if cause is not None:  # a rollback after Ctrl-C failed in its turn: still an interruption
                interrupted(143 if isinstance(cause, Terminated) else 130)
            if _is_sqlalchemy_error(exc):
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


def _is_sqlalchemy_error(exc: BaseException) -> bool:
    """An error of SQLAlchemy's; asked without importing it (a command on the fast read path, or --help,
    ends with an exception too, and has not loaded SQLAlchemy: then it raised none)."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def _refuse_repeated_options(
    command, name: str | None, parent: ClickContext | None, args: list[str]
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


def closed_pipe(ctx: ClickContext) -> NoReturn:
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


def _interruption(exc: BaseException) -> BaseException | None:
    """The KeyboardInterrupt or SIGTERM behind `exc` (raised while handling one), if any."""
    from survey_db.atomic import Terminated

    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, KeyboardInterrupt | Terminated):
            return current
        current = current.__cause__ or current.__context__
    return None
