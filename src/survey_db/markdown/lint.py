"""README hygiene beyond what the parser needs: empty links, raw spaces in badges, the contents list against
the headings, and one paper link used twice.

>>> [p.rule for p in tag_problems("a", {"href": ""}, 3)]
['empty-link']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from survey_db.markdown.inline import tag_events
from survey_db.markdown.links import url_key
from survey_db.markdown.model import WARNING, ParsedSection, Problem
from survey_db.records import PaperRecord


@dataclass
class TocEntry:
    """One link of the contents list: its text, its #target, line and nesting depth."""

    text: str
    target: str
    line: int
    depth: int


def tag_problems(tag: str, attrs: dict[str, str | None], line: int) -> list[Problem]:
    """An <a> with an empty href, an <img> whose URL holds a raw space."""
    problems = []
    if tag == "a" and "href" in attrs and not (attrs.get("href") or "").strip():
        problems.append(Problem(max(line, 1), "empty-link", WARNING, "link with an empty href"))
    if tag == "img":
        src = attrs.get("src") or ""
        if any(ch.isspace() for ch in src.strip()):
            problems.append(Problem(max(line, 1), "badge-raw-space", WARNING,
                                    f"image URL contains a raw space (write %20): {src.strip()}"))
    return problems


def inline_tags(tokens: list[Any]) -> Iterator[tuple[int, str, dict[str, str | None]]]:
    """(line, tag, attrs) of each inline HTML start tag; (line, '', {}) for a Markdown link without target."""
    for tok in tokens:
        if tok.type != "inline" or not tok.children:
            continue
        line = tok.map[0] + 1 if tok.map else 1
        for child in tok.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "link_open" and not str(child.attrGet("href") or "").strip():
                yield line, "", {}
            elif child.type == "html_inline":
                for event, tag, attrs in tag_events(child.content):
                    if event == "start":
                        yield line, tag, attrs


def toc_problems(
    toc: list[TocEntry], sections: list[ParsedSection], section_anchors: list[set[str]], anchors: set[str],
) -> list[Problem]:
    """Contents entries that link nowhere or out of order, and headings the contents leave out."""
    if not toc:
        return []
    from urllib.parse import unquote

    problems: list[Problem] = []
    index: dict[str, int] = {}
    for heading, variants in enumerate(section_anchors):
        for variant in variants:
            index.setdefault(variant, heading)
    last, last_title, reported = -1, "", False
    linked: set[int] = set()
    for entry in toc:
        target = unquote(entry.target).lower()
        position = index.get(target)
        if position is None:
            if target not in anchors:
                message = f"contents entry {entry.text!r} links to #{entry.target}, which no heading has"
                problems.append(Problem(max(entry.line, 1), "toc-mismatch", WARNING, message))
            continue
        linked.add(position)
        if position < last and not reported:
            reported = True
            message = (f"contents entry {entry.text!r} is out of order: its heading comes before "
                       f"{last_title!r}")
            problems.append(Problem(max(entry.line, 1), "toc-mismatch", WARNING, message))
        if position > last:
            last, last_title = position, sections[position].path[-1]
    deepest = max(entry.depth for entry in toc)
    for position, section in enumerate(sections):
        if position not in linked and len(section.path) <= deepest:
            problems.append(Problem(max(section.line, 1), "toc-mismatch", WARNING,
                                    f"heading {section.path[-1]!r} is missing from the contents"))
    return problems


def duplicate_link_problems(rows: list[PaperRecord]) -> list[Problem]:
    """Each paper row whose link (or arXiv id) an earlier row already has."""
    problems: list[Problem] = []
    seen: dict[str, PaperRecord] = {}
    for row in sorted(rows, key=row_line):
        if not row.url:
            continue
        key = f"arxiv:{row.arxiv_id}" if row.arxiv_id else url_key(row.url)
        first = seen.setdefault(key, row)
        if first is not row:
            message = (f"paper link {row.url} of {row.title!r} is also the link of {first.title!r} "
                       f"(line {row_line(first)})")
            problems.append(Problem(max(row_line(row), 1), "duplicate-link", WARNING, message))
    return problems


def row_line(row: PaperRecord) -> int:
    """The line a row came from, read back from its source 'README.md:LINE'."""
    tail = (row.source or "").rpartition(":")[2]
    return int(tail) if tail.isdigit() else 0
