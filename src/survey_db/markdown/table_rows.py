"""Pipe and HTML table rows: what each column means and what each kind of cell holds.

>>> column_kinds(["Title", "Venue", "Code", "Year"])
['title', 'venue', 'code', 'date']
"""

from __future__ import annotations

import re

from survey_db.markdown.badges import badge_venue, venue_from_text
from survey_db.markdown.fields import clean_title, year_in
from survey_db.markdown.inline import Node, plain, squash, walk
from survey_db.markdown.links import http_url, is_paper_url, link_label
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
        if kind == "title" and kind in kinds and words and words[0] in ("paper", "papers", "pdf"):
            kind = "links"  # 'Title | Paper': the second column holds the paper's link
        kinds.append(kind if kind not in kinds else None)
    return kinds


def split_title_cell(nodes: list[Node]) -> tuple[list[Node], list[str]]:
    """A title cell cut at its line breaks: the part holding the title (a link or bold text), and the plain
    text of the parts after it (authors, mostly). Badges before the title are left with it."""
    segments: list[list[Node]] = [[]]
    for node in nodes:
        if node.kind == "br":
            segments.append([])
        else:
            segments[-1].append(node)
    if len(segments) < 2:
        return nodes, []
    for position, segment in enumerate(segments):
        if any(n.kind in ("link", "strong") and squash(plain(n.children)) for n in segment):
            beside = [squash(plain(s)) for s in segments[position + 1 :]]
            beside = [text for text in beside if text]
            return [n for s in segments[: position + 1] for n in s if n.kind == "image"] + segment, beside
    return nodes, []


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


def refine_kinds(kinds: list[str | None], rows: list[list[list[Node]]]) -> list[str | None]:
    """Fix the column meanings the header words got wrong, from the cells: a 'Paper' column of bare
    '[pdf]' links holds links, not titles; without a title column, the first column of named links (or else
    the first column of text) in a table that links papers holds the titles."""
    kinds = list(kinds)

    def column(position: int) -> list[list[Node]]:
        return [row[position] for row in rows if position < len(row)]

    def named_link_share(cells: list[list[Node]]) -> float:
        named = sum(1 for c in cells if any(
            n.kind == "link" and link_label(plain(n.children)) not in PAPER_WORDS
            and len(squash(plain(n.children))) > 1
            for n in walk(c)))
        return named / len(cells) if cells else 0.0

    if "title" in kinds:
        position = kinds.index("title")
        cells = column(position)
        titled = sum(1 for c in cells if re.search(r"[^\W\d_]", title_cell(c)[0] or ""))
        if cells and titled * 2 < len(cells):
            kinds[position] = "links" if "links" not in kinds else None
    if "title" in kinds or not rows:
        return kinds
    paper_links = any(n.kind == "link" and is_paper_url(n.href) for row in rows for c in row for n in walk(c))
    if not paper_links:
        return kinds
    width = max(len(row) for row in rows)
    free = [p for p in range(width) if p >= len(kinds) or kinds[p] is None]
    for position in free:
        if named_link_share(column(position)) >= 0.5:
            return _with(kinds, position, "title")
    for position in free:
        cells = column(position)
        texts = [squash(plain(c)) for c in cells]
        wordy = sum(1 for text in texts
                    if re.search(r"[^\W\d_]{2}", text) and not year_in(text) or len(text) > 20)
        if cells and wordy * 2 >= len(cells):
            return _with(kinds, position, "title")
    return kinds


def _with(kinds: list[str | None], position: int, kind: str) -> list[str | None]:
    kinds = kinds + [None] * (position + 1 - len(kinds))
    kinds[position] = kind
    return kinds
