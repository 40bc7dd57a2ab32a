"""What a command says besides its results: one-line errors, notices and the progress bar on stderr.

Shared by every command module; imports nothing of the CLI itself.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import NoReturn

import typer


def fail(message: str) -> NoReturn:
    """Print `error: message` on stderr, on one line, and exit 1."""
    from survey_db.urls import mask_passwords

    typer.echo(f"error: {one_line(mask_passwords(message))}", err=True)
    raise typer.Exit(1)


def note(message: str) -> None:
    """A notice for people on stderr (a database URL in it shows no password)."""
    from survey_db.urls import mask_passwords

    typer.echo(mask_passwords(message), err=True)


def interrupted(code: int) -> NoReturn:
    """Ctrl-C (130) or SIGTERM (143): every transaction rolled back and every temporary file went on the
    way out, so one line says so."""
    typer.echo("interrupted; nothing was changed", err=True)
    raise typer.Exit(code)


def one_line(text: str) -> str:
    """`text` with line breaks and other invisible control characters (from a hostile file's key or value)
    written as escapes, so that a message stays one line.

    >>> one_line("key\\nwith a break")
    'key\\\\nwith a break'
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


@contextlib.contextmanager
def progress_bar(description: str) -> Iterator[Callable[[float], None]]:
    """A function to report the share of work done; a rich progress bar on stderr shows it once the work
    has taken SURVEY_PROGRESS_DELAY seconds (1 by default), and only on a terminal (never in pipes)."""
    import os
    import time

    setting = os.environ.get("SURVEY_PROGRESS_DELAY", "1")
    try:
        delay = float(setting)
    except ValueError:
        delay = float("nan")
    if not delay >= 0:  # also NaN
        fail(f"SURVEY_PROGRESS_DELAY must be a number of seconds, not {setting!r}")
    started = time.monotonic()
    shown: list = []  # [Progress, task id] once shown

    def update(done: float) -> None:
        if not shown:
            if time.monotonic() - started < delay or not sys.stderr.isatty():
                return
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

            from survey_db import render

            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=render.console(stderr=True),
                transient=True,
            )
            bar.start()
            shown.extend([bar, bar.add_task(description, total=1.0)])
        shown[0].update(shown[1], completed=min(max(done, 0.0), 1.0))

    try:
        yield update
    finally:
        if shown:
            shown[0].stop()
