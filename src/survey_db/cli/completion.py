"""Shell completion of option values and arguments from the database (`survey --install-completion`).

Each hook is a Typer `autocompletion` callback: (context, what was typed) -> (value, description) pairs.
The database is the one `--db` names on the command line being completed, else $SURVEY_DB, else the
default.
"""

from __future__ import annotations

import os
import re

import typer

# Characters bash would split a word on or expand; zsh and fish quote values themselves.
_BASH_SPECIAL = re.compile(r"([^\w@%+=:,./-])")


def _complete(kind: str, ctx: typer.Context, incomplete: str) -> list[tuple[str, str | None]]:
    from survey_db.completion import candidates

    target = ctx.find_root().params.get("db")
    found = candidates(target, kind, incomplete)
    if os.environ.get("_SURVEY_COMPLETE") == "complete_bash":
        # bash inserts a value as it is: escape it, unless what was typed already holds an escaped part
        # (the shell's completion then offers only values that start with the unescaped text).
        found = [
            (escaped if escaped.startswith(incomplete) else value, help_text)
            for value, help_text in found
            for escaped in [_BASH_SPECIAL.sub(r"\\\1", value)]
        ]
    return found


def topics(ctx: typer.Context, incomplete: str) -> list[tuple[str, str | None]]:
    return _complete("topic", ctx, incomplete)


def sections(ctx: typer.Context, incomplete: str) -> list[tuple[str, str | None]]:
    return _complete("section", ctx, incomplete)


def keys(ctx: typer.Context, incomplete: str) -> list[tuple[str, str | None]]:
    return _complete("key", ctx, incomplete)


def venues(ctx: typer.Context, incomplete: str) -> list[tuple[str, str | None]]:
    return _complete("venue", ctx, incomplete)
