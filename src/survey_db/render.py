"""Output for people (rich tables and trees on a terminal, plain text in pipes) and for programs."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


def paper_detail(out: Console, paper: ExportedPaper, aliases: list[str]) -> None:
    """One paper, field by field."""
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
    rows = [(name, str(value)) for name, value in rows if value not in (None, "")]
    if not out.is_terminal:
        for name, value in rows:
            out.print(f"{name}: {value}", markup=False, highlight=False)
        return
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, value)
    out.print(table)


def print_json(data: object) -> None:
    """Plain JSON on stdout, for programs."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def counts_table(
    out: Console, title: str, rows: list[tuple[str, int]], header: str, value: str = "Papers"
) -> None:
    if not out.is_terminal:
        for name, count in rows:
            out.print(f"{count}\t{name}", markup=False, highlight=False)
        return
    from rich.table import Table

    table = Table(title=title)
    table.add_column(header, style="magenta")
    table.add_column(value, justify="right")
    for name, count in rows:
        table.add_row(name, str(count))
    out.print(table)


def section_tree(out: Console, title: str, nodes: list[tuple[list[str], str, int, int]]) -> None:
    """nodes: (path, slug, papers placed directly, papers in the subtree), in tree order."""
    if not out.is_terminal:
        for path, _slug, own, total in nodes:
            indent = "  " * (len(path) - 1)
            out.print(f"{indent}{path[-1]} ({own}/{total})", markup=False, highlight=False)
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
