"""Output for people (rich tables and trees on a terminal, plain text in pipes) and for programs."""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.console import Console

    from survey_db.services.reading import ExportedPaper


def console(stderr: bool = False) -> Console:
    """A rich console; styles only on a terminal, and none at all with NO_COLOR: no colour, and no bold or
    dim either (rich itself keeps those)."""
    from rich.console import Console

    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=not (sys.stderr if stderr else sys.stdout).isatty(),
        color_system=None if _no_color() else "auto",
    )


def _no_color() -> bool:
    """Whether NO_COLOR is set to a value (https://no-color.org)."""
    import os

    return bool(os.environ.get("NO_COLOR"))


def _forced_terminal() -> bool:
    """Whether the environment asks rich to write for a terminal even in a pipe."""
    import os

    return any(os.environ.get(name) for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"))


def for_a_terminal() -> bool:
    """Whether stdout is a terminal (or the environment asks to write as for one): tables for people."""
    return sys.stdout.isatty() or _forced_terminal()


# What rich's console would take for an emoji code (`:smile:`), as its own pattern finds them.
_EMOJI_CODE = re.compile(r":\S*?:")
TAB_SIZE = 8


def as_rich_prints(text: str) -> str | None:
    """`text` as rich's console prints it without markup in a pipe, when that is plain to work out: tabs
    expanded to columns of 8 (after ASCII text), nothing else changed. None when rich would change more:
    an emoji code, a control or other non-printing character (rich drops some), a tab after wide text.

    >>> as_rich_prints("3\tSpeculative Decoding")
    '3       Speculative Decoding'
    >>> as_rich_prints("title: Smile :smile:") is None
    True
    """
    if "\t" in text:
        if not text[: text.rindex("\t")].isascii():
            return None
        text = text.expandtabs(TAB_SIZE)
    if _EMOJI_CODE.search(text) or not text.replace("\n", "").isprintable():
        return None
    return text


def print_lines(lines: Iterable[str]) -> None:
    """Lines for a pipe, exactly as rich's console (`console()`) prints them with markup and highlighting
    off, without loading rich for lines it would print as they are (`as_rich_prints`)."""
    out = None
    for line in lines:
        plain = as_rich_prints(line)
        if plain is not None:
            sys.stdout.write(plain + "\n")
            continue
        if out is None:
            out = console()
        out.print(line, markup=False, highlight=False)


def _venue_year(record) -> str:
    return " ".join(str(part) for part in (record.venue, record.year) if part)


def papers_table(out: Console | None, papers: list[ExportedPaper], total: int) -> None:
    """Key, year, venue, title, topics and code: a rich table on a terminal, tab-separated lines in a pipe.

    With `out` None the console is made only for a terminal: a pipe gets its lines without loading rich
    (a sixth of the start-up of `survey query` beyond its libraries), tabs and all.
    """
    footer = (
        f"{len(papers)} of {total} papers" if len(papers) < total else f"{total} paper{'s' * (total != 1)}"
    )
    if out is None and for_a_terminal():
        out = console()
    if out is None or not out.is_terminal:
        for paper in papers:
            r = paper.record
            cells = [
                r.key or "",
                str(r.year or ""),
                r.venue or "",
                r.title,
                ", ".join(r.topics),
                r.code_url or "",
            ]
            if out is None:
                sys.stdout.write("\t".join(cells) + "\n")
            else:
                out.print("\t".join(cells), markup=False, highlight=False)
        print(footer, file=sys.stderr)
        return
    from rich.table import Table

    table = Table(caption=footer, show_lines=False, expand=False)
    for name, style in (
        ("Key", "cyan"),
        ("Year", None),
        ("Venue", "green"),
        ("Title", None),
        ("Topics", "magenta"),
        ("Code", None),
    ):
        table.add_column(name, style=style, overflow="fold")
    for paper in papers:
        r = paper.record
        table.add_row(
            r.key, str(r.year or ""), r.venue or "", r.title, ", ".join(r.topics), "yes" if r.code_url else ""
        )
    out.print(table)


def paper_detail(out: Console | None, paper: ExportedPaper, aliases: list[str]) -> None:
    """One paper, field by field: a rich table on a terminal, `name: value` lines in a pipe (with `out`
    None, written without loading rich where rich would print them as they are)."""
    r = paper.record
    rows = [
        ("key", r.key),
        ("aliases", ", ".join(aliases)),
        ("type", r.entry_type),
        ("title", r.title),
        ("authors", "; ".join(n.display for n in r.authors)),
        ("year", r.year),
        ("venue", r.venue),
        ("venue (full)", r.venue_full),
        ("url", r.url),
        ("code", r.code_url),
        ("arXiv", r.arxiv_id),
        ("DOI", r.doi),
        ("pages", r.pages),
        ("topics", ", ".join(r.topics)),
        ("sections", "\n".join(" > ".join(p) for p in paper.sections)),
        ("abstract", r.abstract),
        ("note", r.note),
    ] + [(name, value) for name, value in sorted(r.extra.items())]
    shown = [(name, str(value)) for name, value in rows if value not in (None, "")]
    out = _terminal_console() if out is None else out
    if out is None or not out.is_terminal:
        _lines(out, [f"{name}: {value}" for name, value in shown])
        return
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in shown:
        table.add_row(name, value)
    out.print(table)


def _terminal_console() -> Console | None:
    """A rich console when stdout is a terminal (or the environment asks to write as for one), else None:
    output for a pipe then needs no rich."""
    return console() if for_a_terminal() else None


def _lines(out: Console | None, lines: list[str]) -> None:
    """Plain lines through a given console, else through `print_lines`."""
    if out is None:
        print_lines(lines)
        return
    for line in lines:
        out.print(line, markup=False, highlight=False)


def print_json(data: object) -> None:
    """Plain JSON on stdout, for programs."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def counts_table(
    out: Console | None, title: str, rows: list[tuple[str, int]], header: str, value: str = "Papers"
) -> None:
    """A rich table on a terminal, `count<TAB>name` lines in a pipe (tabs expanded, as rich prints them)."""
    out = _terminal_console() if out is None else out
    if out is None or not out.is_terminal:
        _lines(out, [f"{count}\t{name}" for name, count in rows])
        return
    from rich.table import Table

    table = Table(title=title)
    table.add_column(header, style="magenta")
    table.add_column(value, justify="right")
    for name, count in rows:
        table.add_row(name, str(count))
    out.print(table)


def section_tree(out: Console | None, title: str, nodes: list[tuple[list[str], str, int, int]]) -> None:
    """nodes: (path, slug, papers placed directly, papers in the subtree), in tree order. A rich tree on a
    terminal, indented lines in a pipe."""
    out = _terminal_console() if out is None else out
    if out is None or not out.is_terminal:
        lines = [f"{'  ' * (len(path) - 1)}{path[-1]} ({own}/{total})" for path, _slug, own, total in nodes]
        _lines(out, lines)
        return
    from rich.markup import escape
    from rich.tree import Tree

    root = Tree(f"[bold]{escape(title)}[/bold]")
    branches: dict[tuple[str, ...], Tree] = {(): root}
    for path, slug, own, total in nodes:
        parent = branches.get(tuple(path[:-1]), root)
        label = f"{escape(path[-1])} [dim]#{escape(slug)}[/dim]  [cyan]{own}[/cyan]/[green]{total}[/green]"
        branches[tuple(path)] = parent.add(label)
    out.print(root)
