"""What a query selects and how its matches are ordered, without a database: the filters, the sorts, the
search words, and README (tree) order worked out from placements.

Both readers use these: services.query (SQLAlchemy, every engine) and services.fast_reads (plain sqlite3).
This module imports no SQLAlchemy.

>>> parse_year_range("2022..")
(2022, None)
>>> text_words("Müller's LLM-cascade")
['muller', 's', 'llm', 'cascade']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from survey_db.dialect import search_words
from survey_db.errors import InputError

SORTS = ("position", "relevance", "year", "title", "added")

# Up to this many matches, README order is worked out in Python from all their placements; beyond it a
# query with a limit reads sections in tree order until it has enough.
SMALL_MATCH = 2000


@dataclass
class Filters:
    """What `query` and `export` select. Empty filters select everything."""

    text: str | None = None
    topics: list[str] = field(default_factory=list)
    section: str | None = None
    venue: str | None = None
    year: str | None = None
    author: str | None = None
    has_code: bool | None = None
    keys: list[str] | None = None


def check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort!r}; choose one of {', '.join(SORTS)}")


def parse_year_range(text: str) -> tuple[int | None, int | None]:
    """'2023' -> (2023, 2023); '2022..2024'; '2022..' -> (2022, None); '..2023' -> (None, 2023)."""
    match = re.fullmatch(r"\s*(\d{4})?\s*(\.\.)?\s*(\d{4})?\s*", text)
    if not match or not (match.group(1) or match.group(3)) or (match.group(3) and not match.group(2)):
        raise InputError(f"year {text!r} is not a year or range such as 2023, 2022..2024, 2022.. or ..2023")
    low = int(match.group(1)) if match.group(1) else None
    high = int(match.group(3)) if match.group(3) else None
    if not match.group(2):
        high = low
    if low and high and low > high:
        raise InputError(f"year range {text!r} runs backwards")
    return low, high


def text_words(text: str) -> list[str]:
    """The words a text search looks for (`dialect.search_words`)."""
    return search_words(text)


def required_words(query_text: str) -> list[str]:
    """The words of a search text; a text without any is an InputError."""
    words = search_words(query_text)
    if not words:
        raise InputError(f"search text {query_text!r} has no words")
    return words


def author_pattern(author: str) -> str:
    """The LIKE pattern (escape '\\') that finds a person by part of their folded name: the words in order,
    anything between them ('j smith' finds 'J. Smith')."""
    folded = " ".join(text_words(author))
    if not folded:
        raise InputError(f"author {author!r} has no letters")
    return "%" + "%".join(escape_like(word) for word in folded.split()) + "%"


def searched_key(query_text: str) -> str | None:
    """The citation key (or old key) a search text may be: one word, else None."""
    key = query_text.strip()
    if not key or len(key.split()) != 1:
        return None
    return key


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def only_text(filters: Filters) -> bool:
    """Whether the filters hold nothing but a search text."""
    return Filters(text=filters.text) == filters


def tree_ranks(rows: Iterable[tuple[int, int | None]]) -> dict[int, int]:
    """Each section's rank in tree (pre-)order, from (id, parent id) pairs with siblings in order."""
    children: dict[int | None, list[int]] = {}
    for section_id, parent_id in rows:
        children.setdefault(parent_id, []).append(section_id)
    rank: dict[int, int] = {}
    stack = list(reversed(children.get(None, [])))
    while stack:
        section_id = stack.pop()
        rank[section_id] = len(rank)
        stack.extend(reversed(children.get(section_id, [])))
    return rank


def in_tree_order(
    rows: Iterable[tuple[int, int | None, int | None]], rank: dict[int, int], limit: int | None
) -> list[int]:
    """Paper ids in README order from (paper id, section id, position) rows, one per placement and one with
    no section for an unplaced paper: by first placement in the tree, unplaced papers last by id."""
    best: dict[int, tuple[int, int, int]] = {}
    unplaced = 1 << 30
    for pid, section_id, position in rows:
        key = (rank[section_id], position or 0, pid) if section_id is not None else (unplaced, 0, pid)
        if pid not in best or key < best[pid]:
            best[pid] = key
    ordered = sorted(best, key=best.__getitem__)
    return ordered[:limit] if limit else ordered


def first_in_tree_order(
    rank: dict[int, int],
    limit: int,
    placed_in: Callable[[list[int]], Iterable[tuple[int, int, int]]],
    unplaced: Callable[[int], Iterable[int]],
) -> list[int]:
    """The first `limit` matches in README order, reading the sections in tree order a few at a time
    (more each round): a paper's first placement in tree order is where it is met first.

    `placed_in(section ids)` gives the matches' (paper id, section id, position) placements in those
    sections; `unplaced(n)` the first n matches without a placement, by id."""
    sections = sorted(rank, key=rank.__getitem__)
    chosen: list[int] = []
    seen: set[int] = set()
    start, step = 0, 16
    while start < len(sections) and len(chosen) < limit:
        group = sections[start : start + step]
        start, step = start + step, step * 4
        rows = list(placed_in(group))
        rows.sort(key=lambda row: (rank[row[1]], row[2], row[0]))
        for pid, _section_id, _position in rows:
            if pid not in seen:
                seen.add(pid)
                chosen.append(pid)
                if len(chosen) == limit:
                    return chosen
    if len(chosen) < limit:
        chosen.extend(unplaced(limit - len(chosen)))
    return chosen
