"""Pipe and HTML table rows: what each column means and what each kind of cell holds.

>>> column_kinds(["Title", "Venue", "Code", "Year"])
['title', 'venue', 'code', 'date']
"""

from __future__ import annotations

import re

from survey_db.markdown.badges import badge_venue, venue_from_text
from survey_db.markdown.fields import clean_title
from survey_db.markdown.inline import Node, plain, squash, walk
from survey_db.markdown.links import http_url
from survey_db.markdown.words import CODE_WORDS, COLUMN_NAMES, COLUMN_WORDS, EMPTY_BRACKETS, PAPER_WORDS


def title_cell(nodes: list[Node]) -> tuple[str | None, str | None, str | None]:
    """(title, paper url, code url) of a title cell: links named 'code' or 'pdf' and badges are not title."""
    aux: set[int] = set()
    url = code = None
    fallback = None
    for node in walk(nodes):
        if node.kind != "link":
            continue
        label = squash(plain(node.children)).strip("[]() ").lower()
        if label in CODE_WORDS:
            aux.add(id(node))
            code = code or http_url(node.href)
        elif not label or label in PAPER_WORDS:
            aux.add(id(node))
            fallback = fallback or http_url(node.href)
        elif url is None:
            url = http_url(node.href)
    text = plain(nodes, aux)
    if aux:
        text = EMPTY_BRACKETS.sub("", text)
    title = clean_title(text)
    if title and aux:
        title = title.strip(" |,;-–") or None
    return title, url or fallback, code


def venue_cell(nodes: list[Node]) -> tuple[str | None, str | None, int | None]:
    """(paper url, venue, year): the link is the paper, a shields.io badge or the text gives the venue."""
    url = next((http_url(n.href) for n in walk(nodes) if n.kind == "link" and http_url(n.href)), None)
    for node in walk(nodes):
        if node.kind == "image":
            found = badge_venue(node.href)
            if found:
                return url, found[0], found[1]
    venue, year = venue_from_text(plain(nodes))
    return url, venue, year


def code_cell(nodes: list[Node]) -> str | None:
    for node in walk(nodes):
        if node.kind == "link" and http_url(node.href):
            return http_url(node.href)
    return http_url(squash(plain(nodes)))


def links_cell(nodes: list[Node]) -> tuple[str | None, str | None]:
    url = code = None
    for node in walk(nodes):
        href = http_url(node.href) if node.kind == "link" else None
        if not href:
            continue
        label = squash(plain(node.children)).strip("[]() ").lower()
        if label in CODE_WORDS or "github.com/" in href.lower():
            code = code or href
        else:
            url = url or href
    return url, code


def column_kinds(headers: list[str]) -> list[str | None]:
    """The meaning of each column from its header text; each meaning goes to its first column only."""
    kinds: list[str | None] = []
    for header in headers:
        words = re.sub(r"[^a-z0-9]+", " ", header.lower()).split()
        name = " ".join(words)
        kind = next((k for k, names in COLUMN_NAMES.items() if name in names), None)
        if kind is None:
            kind = next((k for k, vocab in COLUMN_WORDS if any(w in vocab for w in words)), None)
        kinds.append(kind if kind not in kinds else None)
    return kinds


def pipe_cell_count(line: str) -> int:
    """Cells in a raw pipe-table row, counting unescaped pipes the way GFM splits them."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    count, escaped = 1, False
    for char in text:
        if char == "|" and not escaped:
            count += 1
        escaped = char == "\\" and not escaped
    return count
