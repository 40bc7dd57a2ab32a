"""The table of `survey`'s commands, and the mapping that builds each one the first time it is asked for.

A command module defines plain functions (and typer apps for the command groups); it never imports the
root app. `COMMANDS` names each command and where it lives, in the order `survey --help` lists them.
The root group reads it through `LazyCommands`, so running one command imports only its own module,
and `survey --version` imports none. To add a command, write its function and add a row here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

# name -> "module:attribute": a function for a command, a typer.Typer for a command group.
COMMANDS: dict[str, str] = {
    "init": "survey_db.cli.files:init",
    "seed": "survey_db.cli.files:seed",
    "import": "survey_db.cli.files:import_",
    "export": "survey_db.cli.files:export",
    "dump": "survey_db.cli.files:dump",
    "update": "survey_db.cli.lookups:update",
    "add": "survey_db.cli.papers:add",
    "show": "survey_db.cli.papers:show",
    "edit": "survey_db.cli.papers:edit",
    "rm": "survey_db.cli.papers:rm",
    "mv": "survey_db.cli.papers:mv",
    "check": "survey_db.cli.quality:check",
    "merge": "survey_db.cli.quality:merge",
    "diff": "survey_db.cli.quality:diff",
    "query": "survey_db.cli.views:query",
    "topics": "survey_db.cli.views:topics",
    "sections": "survey_db.cli.views:sections",
    "stats": "survey_db.cli.views:stats",
    "meta": "survey_db.cli.meta:meta_app",
    "keys": "survey_db.cli.quality:keys_app",
    "db": "survey_db.cli.schema:db_app",
    "topic": "survey_db.cli.views:topic_app",
    "section": "survey_db.cli.views:section_app",
}


def build(name: str, target: str) -> Any:
    """The click command (or group) `name` from its "module:attribute", built the way typer builds the
    commands registered on an app (same help, options and completion)."""
    import importlib

    import typer
    from typer.main import get_group

    module, _, attribute = target.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    holder = typer.Typer(rich_markup_mode=None, add_completion=False)  # as the root app renders help
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)
    else:
        holder.command(name)(found)
    return get_group(holder).commands[name]


class LazyCommands(MutableMapping[str, Any]):
    """A click group's `commands`: every name of the table, each command built on first access.

    Iterating gives the names without building anything; `get`, `[]` and `.items()` build.
    """

    def __init__(self, table: Mapping[str, str], built: Mapping[str, Any] | None = None) -> None:
        self._table = dict(table)
        self._built = dict(built or {})

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._table:
                raise KeyError(name)
            self._built[name] = build(name, self._table[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._table and name not in self._built:
            raise KeyError(name)
        self._table.pop(name, None)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._table
        yield from (name for name in self._built if name not in self._table)

    def __len__(self) -> int:
        return len(self._table.keys() | self._built.keys())

    def __contains__(self, name: object) -> bool:
        return name in self._table or name in self._built

    def built(self) -> list[str]:
        """The names built so far."""
        return list(self._built)
