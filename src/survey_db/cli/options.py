"""Option declarations shared by several commands, and their conversion to service arguments."""

from __future__ import annotations

from typing import Annotated

import typer

import survey_db.cli.completion as completion
from survey_db.errors import InputError

Text = Annotated[
    str | None, typer.Argument(help="Words to find (each a prefix) in title, authors, venue, abstract.")
]
Topics = Annotated[
    list[str] | None,
    typer.Option(
        "--topic", "-t", help="Topic name or slug (repeatable: all).", autocompletion=completion.topics
    ),
]
SectionOpt = Annotated[
    str | None,
    typer.Option(
        "--section",
        "-s",
        help="Section title, slug or 'A > B' path; includes its subsections.",
        autocompletion=completion.sections,
    ),
]
Venue = Annotated[
    str | None,
    typer.Option(
        "--venue",
        help="Venue short name (NeurIPS) or part of its full name.",
        autocompletion=completion.venues,
    ),
]
Year = Annotated[str | None, typer.Option("--year", "-y", help="2023, 2022..2024, 2022.. or ..2023.")]
AuthorOpt = Annotated[
    str | None, typer.Option("--author", "-a", help="Part of an author's name, accents ignored.")
]
HasCode = Annotated[
    bool | None, typer.Option("--has-code/--no-code", help="Only papers with (without) a code link.")
]
Sort = Annotated[
    str | None,
    typer.Option(
        "--sort", help="position (table order), relevance (the default with TEXT), year, title or added."
    ),
]


def sort_order(sort: str | None, text: str | None) -> str:
    return sort or ("relevance" if text else "position")


def parse_year(text: str | None) -> int | None:
    """A year option's value; anything but four digits is an InputError."""
    if text is None or text == "":
        return None
    text = text.strip()
    if not text.isdigit() or len(text) != 4:
        raise InputError(f"year {text!r} is not a four-digit number")
    return int(text)


def filters(text=None, topics=None, section=None, venue=None, year=None, author=None, has_code=None):
    from survey_db.services.filters import Filters, parse_year_range

    if year:
        parse_year_range(year)
    return Filters(
        text=text,
        topics=list(topics or []),
        section=section,
        venue=venue,
        year=year,
        author=author,
        has_code=has_code,
    )
