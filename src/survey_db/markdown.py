"""Awesome-list READMEs: parse paper tables and lists under a tree of headings, lint them, render them again.

Parsing uses markdown-it-py for the Markdown structure and html.parser for HTML tables; regular expressions
only ever look at one cell, one badge URL or one heading line, never at the whole file.

>>> readme = parse_readme("# Survey\\n\\n## Decoding\\n\\n- [Fast Inference](https://arxiv.org/abs/2211.17192)\\n")
>>> [(s.path, [r.arxiv_id for r in s.rows]) for s in readme.sections]
[(['Decoding'], ['2211.17192'])]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from survey_db.errors import InputError
from survey_db.identifiers import arxiv_id_from_url, doi_from_url, is_http_url, slugify
from survey_db.names import parse_name
from survey_db.records import Name, PaperRecord

BEGIN_MARKER = "<!-- survey-db:begin -->"
END_MARKER = "<!-- survey-db:end -->"
STYLES = ("html", "table", "list")
AWESOME_BADGE = "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)"

ERROR, WARNING, INFO = "error", "warning", "info"
# What parse_readme reports; lint_readme adds the README-hygiene rules on top.
_PARSER_RULES = frozenset(
    {"unclosed-tr", "unclosed-table", "wrong-cell-count", "row-without-title", "unrecognised-table",
     "rows-outside-section", "html-error"}
)


@dataclass
class Problem:
    """One finding of the README parser or linter, at a 1-based line."""

    line: int
    rule: str
    severity: str
    message: str


@dataclass
class ParsedSection:
    """A section heading: its cleaned title path from the root, anchor, line and the papers under it."""

    path: list[str]
    slug: str
    line: int
    rows: list[PaperRecord] = field(default_factory=list)
    # Paragraph text between the heading and its first table or list.
    description: str | None = None


@dataclass
class ParsedReadme:
    """What an awesome-list README holds: title, every section in document order, and parser findings."""

    title: str | None
    sections: list[ParsedSection]
    problems: list[Problem]
    citation: str | None = None
    # Paper rows found before the first section heading (a README without headings, say).
    loose_rows: list[PaperRecord] = field(default_factory=list)


@dataclass
class RenderSection:
    """One section to render: `path` gives its depth (1 -> ##), `slug` its historical anchor."""

    path: list[str]
    slug: str
    rows: list[PaperRecord]
    description: str | None = None


# ----------------------------------------------------------------------------------------------------------
# Words that decide what a heading, a column or a link is.

_CONTENTS_HEADINGS = frozenset(
    {"contents", "content", "content list", "contents list", "table of contents", "table of content", "toc"}
)
_BOILERPLATE_HEADINGS = frozenset(
    {"citation", "citations", "cite", "cite us", "citing", "how to cite", "bibtex", "license", "licence",
     "contributing", "contribute", "how to contribute", "contribution", "contributions", "contributors",
     "acknowledgement", "acknowledgements", "acknowledgment", "acknowledgments", "star history",
     "stargazers", "contact", "contact us", "references", "reference", "related", "related lists",
     "news", "updates", "changelog", "footnotes", "sponsors", "maintainers"}
)
_CITATION_HEADINGS = frozenset(
    {"citation", "citations", "cite", "cite us", "citing", "how to cite", "bibtex"}
)
_COLUMN_NAMES: dict[str, frozenset[str]] = {
    "links": frozenset({"links", "link", "pdf", "paper link", "paper links", "url", "urls", "arxiv",
                        "paper url"}),
    "code": frozenset({"code", "codes", "github", "repo", "repository", "implementation", "source code",
                       "official code", "project"}),
    "authors": frozenset({"author", "authors"}),
    "title": frozenset({"title", "paper", "papers", "name", "paper title", "paper name", "title of paper"}),
    "topic": frozenset({"topic", "topics", "category", "categories", "tag", "tags", "keywords", "keyword"}),
    "venue": frozenset({"venue", "venues", "conference", "conf", "publication", "published", "published in",
                        "journal", "venue year", "conference year"}),
    "date": frozenset({"date", "time", "year", "published date", "release date", "publication date"}),
}
# Single header words, tried when the whole header text is not a known name.
_COLUMN_WORDS: list[tuple[str, frozenset[str]]] = [
    ("code", frozenset({"code", "github", "repo", "repository", "implementation"})),
    ("authors", frozenset({"author", "authors"})),
    ("title", frozenset({"title"})),
    ("venue", frozenset({"venue", "conference", "publication", "journal"})),
    ("date", frozenset({"date", "year", "time"})),
    ("topic", frozenset({"topic", "topics", "category", "tags"})),
    ("links", frozenset({"link", "links", "pdf"})),
    ("title", frozenset({"paper", "papers"})),
]
_CODE_WORDS = frozenset({"code", "github", "repo", "repository", "implementation", "official code", "source"})
_PAPER_WORDS = frozenset(
    {"pdf", "paper", "arxiv", "link", "url", "openreview", "acl anthology", "doi", "html"}
)
# Badge labels and cell texts that say "a paper is here" rather than naming a venue.
_GENERIC_LABELS = frozenset({"pdf", "paper", "link", "url", "here", "publication", "venue", "conference",
                             "published", "doi"})
_NON_VENUE_LABELS = frozenset({"github", "code", "stars", "license", "prs", "build", "downloads", "website"})
_PREPRINTS = frozenset({"arxiv", "corr", "preprint", "biorxiv", "medrxiv", "ssrn"})
_MISSING = frozenset({"", "-", "--", "—", "–", "n/a", "na", "none", "null", "tbd", "todo", "?"})

_YEAR4 = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR2 = re.compile(r"['’‘](\d{2})(?!\d)")
_RAW_HTML_START = re.compile(r"<(!--|pre|script|style|textarea|\?|!\[CDATA\[)", re.IGNORECASE)
_ANCHOR_ONLY = re.compile(r"""^<a\s+(?:name|id)\s*=\s*["']([^"']+)["']\s*>\s*</a>$""", re.IGNORECASE)
_SHORTCODE = re.compile(r":[a-z0-9_+\-]+:")
_EMPTY_BRACKETS = re.compile(r"\[\s*\]|\(\s*\)")
_DESCRIPTION_SEPARATOR = re.compile(r"^\s*(?:[-–—:|]\s*)?")


# ----------------------------------------------------------------------------------------------------------
# A small inline tree shared by Markdown cells, HTML cells, headings and list items.


@dataclass
class _Node:
    kind: str  # text, code, link, image, br, em, strong, anchor
    text: str = ""  # text, image alt, anchor name
    href: str = ""  # link href or image src
    children: list[_Node] = field(default_factory=list)
    line: int = 0


def _walk(nodes: list[_Node]) -> Iterator[_Node]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _plain(nodes: list[_Node], skip: set[int] | None = None) -> str:
    """The visible text: link and emphasis text included, images, anchors and skipped nodes left out."""
    out = []
    for node in nodes:
        if skip and id(node) in skip:
            continue
        if node.kind in ("text", "code"):
            out.append(node.text)
        elif node.kind == "br":
            out.append(" ")
        elif node.kind in ("link", "em", "strong"):
            out.append(_plain(node.children, skip))
    return "".join(out)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Cs") or char in "\ufe0f\u200d\u20e3"


def _strip_emoji_ends(text: str) -> str:
    text = text.strip()
    while text and (_is_emoji(text[0]) or text[0].isspace()):
        text = text[1:]
    while text and (_is_emoji(text[-1]) or text[-1].isspace()):
        text = text[:-1]
    return text


def _http(url: str | None) -> str | None:
    url = (url or "").strip()
    return url if url and is_http_url(url) else None


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@lru_cache(maxsize=1)
def _html_parsers():
    """The two HTMLParser subclasses, built on first use so that importing this module stays cheap."""
    import html
    from html.parser import HTMLParser

    class TagEvents(HTMLParser):
        """Parses one inline tag string such as '<a href="x">' into (kind, tag, attrs) events."""

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.events: list[tuple[str, str, dict[str, str | None]]] = []

        def handle_starttag(self, tag, attrs):
            self.events.append(("start", tag, dict(attrs)))

        def handle_startendtag(self, tag, attrs):
            self.events.append(("start", tag, dict(attrs)))

        def handle_endtag(self, tag):
            self.events.append(("end", tag, {}))

    class Feeder(HTMLParser):
        """Forwards HTML events with absolute line numbers; entity text is marked literal (not Markdown)."""

        def __init__(self, sink: _HtmlTables, first_line: int) -> None:
            super().__init__(convert_charrefs=False)
            self.sink = sink
            self.first_line = first_line

        def _line(self) -> int:
            return self.first_line + self.getpos()[0] - 1

        def handle_starttag(self, tag, attrs):
            self.sink.start(tag, dict(attrs), self._line())

        def handle_startendtag(self, tag, attrs):
            self.sink.start(tag, dict(attrs), self._line())

        def handle_endtag(self, tag):
            self.sink.end(tag, self._line())

        def handle_data(self, data):
            self.sink.text(data, False, self._line())

        def handle_entityref(self, name):
            char = html.unescape(f"&{name};")
            if char == f"&{name};":
                self.sink.text(f"&{name}", False, self._line())
            else:
                self.sink.text(char, True, self._line())

        def handle_charref(self, name):
            try:
                int(name[1:], 16) if name[:1] in "xX" else int(name)
            except ValueError:
                self.sink.text(f"&#{name};", False, self._line())
            else:  # as HTML reads it: &#0;, a surrogate or a number past Unicode is U+FFFD
                self.sink.text(html.unescape(f"&#{name};"), True, self._line())

    return TagEvents, Feeder


def _defuse(markup: str) -> str:
    """The markup with what can never end written as text: a '<' after the last '>', a comment opener after
    the last '-->', a CDATA opener after the last ']]>'. html.parser would rescan each from its start again
    and again (quadratic time, CVE-2025-6069: minutes for a 1 MB README) before treating it as text anyway.
    Lines stay as they are."""
    last = markup.rfind(">")
    if markup.find("<", last + 1) >= 0:
        markup = markup[: last + 1] + markup[last + 1 :].replace("<", "&lt;")
    for opener, closer in (("<!--", "-->"), ("<![CDATA[", "]]>")):
        end = markup.rfind(closer)
        cut = markup.find(opener, end + len(closer) if end >= 0 else 0)
        if cut >= 0:
            markup = markup[:cut] + markup[cut:].replace(opener, "&lt;" + opener[1:])
    return markup


# An unfinished tag or comment longer than this is fed to html.parser in growing pieces, not line by line:
# it rescans the unfinished part on every feed.
_RESCAN_LIMIT = 4096


def _tag_events(markup: str) -> list[tuple[str, str, dict[str, str | None]]]:
    tag_events, _ = _html_parsers()
    parser = tag_events()
    try:
        parser.feed(_defuse(markup))
        parser.close()
    except (AssertionError, ValueError):
        return []
    return parser.events


def _inline_tree(children: list[Any] | None, line: int) -> list[_Node]:
    """Turn markdown-it inline tokens into nodes; inline <a>, <img> and <br> tags become nodes too."""
    root: list[_Node] = []
    stack: list[list[_Node]] = [root]
    html_links: list[bool] = []  # for each open inline <a>: did it push a link node?
    for tok in children or []:
        kind = tok.type
        if kind == "text":
            if tok.content:
                stack[-1].append(_Node("text", tok.content, line=line))
        elif kind == "code_inline":
            stack[-1].append(_Node("code", tok.content, line=line))
        elif kind in ("softbreak", "hardbreak"):
            stack[-1].append(_Node("br", line=line))
            line += 1
        elif kind == "image":
            stack[-1].append(_Node("image", tok.content, str(tok.attrGet("src") or ""), line=line))
        elif kind in ("link_open", "em_open", "strong_open"):
            node = _Node(kind[:-5], href=str(tok.attrGet("href") or ""), line=line)
            stack[-1].append(node)
            stack.append(node.children)
        elif kind in ("link_close", "em_close", "strong_close", "s_close"):
            if len(stack) > 1:
                stack.pop()
        elif kind == "s_open":
            node = _Node("text-group", line=line)
            stack[-1].append(node)
            stack.append(node.children)
        elif kind == "html_inline":
            for event, tag, attrs in _tag_events(tok.content):
                if event == "start" and tag == "a":
                    anchor = attrs.get("name") or attrs.get("id")
                    if anchor:
                        stack[-1].append(_Node("anchor", anchor, line=line))
                    if "href" in attrs:
                        node = _Node("link", href=attrs.get("href") or "", line=line)
                        stack[-1].append(node)
                        stack.append(node.children)
                        html_links.append(True)
                    else:
                        html_links.append(False)
                elif event == "end" and tag == "a":
                    if html_links and html_links.pop() and len(stack) > 1:
                        stack.pop()
                elif event == "start" and tag == "img":
                    alt, src = attrs.get("alt") or "", attrs.get("src") or ""
                    stack[-1].append(_Node("image", alt, src, line=line))
                elif event == "start" and tag in ("br", "p", "div", "li"):
                    stack[-1].append(_Node("br", line=line))
                elif event == "start" and attrs.get("id"):
                    stack[-1].append(_Node("anchor", attrs["id"] or "", line=line))
        elif tok.content:
            stack[-1].append(_Node("text", tok.content, line=line))
    return _flatten_groups(root)


def _flatten_groups(nodes: list[_Node]) -> list[_Node]:
    """Strikethrough carries no meaning here: splice its children in place."""
    out: list[_Node] = []
    for node in nodes:
        node.children = _flatten_groups(node.children)
        if node.kind == "text-group":
            out.extend(node.children)
        else:
            out.append(node)
    return out


_MARKDOWN_SPECIALS = frozenset("*_[]`\\<!&~")


def _markdown_nodes(source: str, line: int) -> list[_Node]:
    if not any(ch in _MARKDOWN_SPECIALS for ch in source):
        return [_Node("text", source, line=line)] if source else []
    tokens = _markdown().parseInline(source)
    return _inline_tree(tokens[0].children if tokens else [], line)


# ----------------------------------------------------------------------------------------------------------
# Cells: title, topic, venue, code, authors, links.


def _clean_title(text: str) -> str | None:
    text = _strip_emoji_ends(_squash(text))
    return None if text.lower() in _MISSING else text


def _title_cell(nodes: list[_Node]) -> tuple[str | None, str | None, str | None]:
    """(title, paper url, code url) of a title cell: links named 'code' or 'pdf' and badges are not title."""
    aux: set[int] = set()
    url = code = None
    fallback = None
    for node in _walk(nodes):
        if node.kind != "link":
            continue
        label = _squash(_plain(node.children)).strip("[]() ").lower()
        if label in _CODE_WORDS:
            aux.add(id(node))
            code = code or _http(node.href)
        elif not label or label in _PAPER_WORDS:
            aux.add(id(node))
            fallback = fallback or _http(node.href)
        elif url is None:
            url = _http(node.href)
    text = _plain(nodes, aux)
    if aux:
        text = _EMPTY_BRACKETS.sub("", text)
    title = _clean_title(text)
    if title and aux:
        title = title.strip(" |,;-–") or None
    return title, url or fallback, code


def _split_topics(text: str) -> list[str]:
    topics: list[str] = []
    for part in re.split(r"[,;]", _squash(text)):
        topic = _strip_emoji_ends(part)
        if topic.lower() not in _MISSING and topic not in topics:
            topics.append(topic)
    return topics


def venue_from_text(text: str) -> tuple[str | None, int | None]:
    """Venue and year from 'NeurIPS 2023', "ICML'23", '2023' or 'arXiv'.

    >>> venue_from_text("ICML'23"), venue_from_text("arxiv 2024")
    (('ICML', 2023), ('arXiv', 2024))
    """
    text = _squash(text)
    year = None
    match = _YEAR4.search(text)
    if match:
        year = int(match.group(1))
    else:
        match = _YEAR2.search(text)
        if match:
            short = int(match.group(1))
            year = 2000 + short if short < 70 else 1900 + short
    if match:
        text = f"{text[: match.start()]} {text[match.end():]}"
    venue = _squash(text).strip(" -–—,;:/()[]'’‘")
    if not venue or not any(ch.isalpha() for ch in venue) or venue.lower() in _GENERIC_LABELS | _MISSING:
        venue = None
    elif venue.lower() == "arxiv":
        venue = "arXiv"
    return venue, year


def _badge_parts(src: str) -> tuple[str | None, str] | None:
    """(label, message) of a shields.io badge URL, decoded, or None for any other image."""
    from urllib.parse import parse_qs, unquote, urlsplit

    try:
        parts = urlsplit(src.strip())
    except ValueError:
        return None
    if not parts.netloc.lower().endswith("shields.io"):
        return None
    path = parts.path
    if path.rstrip("/").endswith("/static/v1"):
        query = parse_qs(parts.query)
        return (query.get("label") or [None])[0], (query.get("message") or [""])[0]
    start = path.find("/badge/")
    if start < 0:
        return None
    body = re.sub(r"\.(svg|png)$", "", path[start + len("/badge/") :])
    pieces = [
        unquote(p.replace("--", "-").replace("__", "\0").replace("_", " ").replace("\0", "_"))
        for p in re.split(r"(?<!-)-(?!-)", body)
    ]
    if len(pieces) >= 3:
        return pieces[0], "-".join(pieces[1:-1])
    return None, pieces[0]


def _badge_venue(src: str) -> tuple[str | None, int | None] | None:
    parts = _badge_parts(src)
    if parts is None:
        return None
    label, message = parts
    label_key = (label or "").strip().lower()
    if label_key in _NON_VENUE_LABELS or message.strip().lower() in _NON_VENUE_LABELS:
        return None
    text = message if not label_key or label_key in _GENERIC_LABELS else f"{label} {message}"
    venue, year = venue_from_text(text)
    return (venue, year) if venue or year else None


def _venue_cell(nodes: list[_Node]) -> tuple[str | None, str | None, int | None]:
    """(paper url, venue, year): the link is the paper, a shields.io badge or the text gives the venue."""
    url = next((_http(n.href) for n in _walk(nodes) if n.kind == "link" and _http(n.href)), None)
    for node in _walk(nodes):
        if node.kind == "image":
            found = _badge_venue(node.href)
            if found:
                return url, found[0], found[1]
    venue, year = venue_from_text(_plain(nodes))
    return url, venue, year


def _code_cell(nodes: list[_Node]) -> str | None:
    for node in _walk(nodes):
        if node.kind == "link" and _http(node.href):
            return _http(node.href)
    return _http(_squash(_plain(nodes)))


def _authors_cell(text: str) -> list[Name]:
    text = re.sub(r",?\s*(et al\.?|and others)\s*$", "", _squash(text), flags=re.IGNORECASE)
    if text.lower() in _MISSING:
        return []
    separator = r"\s*;\s*" if ";" in text else r"\s*,\s*|\s+and\s+|\s*&\s*"
    return [parse_name(part) for part in re.split(separator, text) if part.strip()]


def _links_cell(nodes: list[_Node]) -> tuple[str | None, str | None]:
    url = code = None
    for node in _walk(nodes):
        href = _http(node.href) if node.kind == "link" else None
        if not href:
            continue
        label = _squash(_plain(node.children)).strip("[]() ").lower()
        if label in _CODE_WORDS or "github.com/" in href.lower():
            code = code or href
        else:
            url = url or href
    return url, code


def _year_in(text: str) -> int | None:
    match = _YEAR4.search(text)
    return int(match.group(1)) if match else None


def _column_kinds(headers: list[str]) -> list[str | None]:
    """The meaning of each column from its header text; each meaning goes to its first column only."""
    kinds: list[str | None] = []
    for header in headers:
        words = re.sub(r"[^a-z0-9]+", " ", header.lower()).split()
        name = " ".join(words)
        kind = next((k for k, names in _COLUMN_NAMES.items() if name in names), None)
        if kind is None:
            kind = next((k for k, vocab in _COLUMN_WORDS if any(w in vocab for w in words)), None)
        kinds.append(kind if kind not in kinds else None)
    return kinds


def _record(
    title: str, url: str | None, *, source: str, code: str | None = None, venue: str | None = None,
    year: int | None = None, topics: list[str] | None = None, authors: list[Name] | None = None,
    note: str | None = None,
) -> PaperRecord:
    return PaperRecord(
        # entry_type stays None: the store derives it from the venue's kind (journal -> article, ...).
        title=title, authors=authors or [], year=year, venue=venue, url=url,
        code_url=code, arxiv_id=arxiv_id_from_url(url), doi=doi_from_url(url), note=note,
        topics=topics or [], source=source,
    )


# ----------------------------------------------------------------------------------------------------------
# Headings.


def _heading_title(nodes: list[_Node]) -> tuple[str, bool]:
    """(cleaned title, whether it ended in ':'): no anchors, back-links, badges, emoji or trailing colon."""
    backlinks = {id(n) for n in nodes if n.kind == "link" and n.href.startswith("#")}
    text = _plain(nodes, backlinks)
    if not text.strip():
        text = _plain(nodes)
    text = _SHORTCODE.sub(" ", text)
    text = _squash("".join(" " if _is_emoji(ch) else ch for ch in text))
    colon = text.endswith(":")
    return text.rstrip(": ").strip(), colon


def _heading_key(title: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split())


def _github_slug(text: str) -> str:
    """GitHub's anchor for heading text, untrimmed (github-slugger keeps a trailing space as '-')."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


class _Slugger:
    """GitHub's de-duplication of heading anchors: 'a', 'a-1', 'a-2' (a port of github-slugger)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def slug(self, base: str) -> str:
        slug = base
        while slug in self.seen:
            self.seen[base] += 1
            slug = f"{base}-{self.seen[base]}"
        self.seen[slug] = 0
        return slug


# ----------------------------------------------------------------------------------------------------------
# HTML tables.


@dataclass
class _HCell:
    line: int
    header: bool
    parts: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class _HRow:
    line: int
    cells: list[_HCell] = field(default_factory=list)


@dataclass
class _HTable:
    line: int
    rows: list[_HRow] = field(default_factory=list)
    nested: int = 0


class _HtmlTables:
    """Builds tables from HTML events that may arrive over several html blocks; reports what is unclosed."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.table: _HTable | None = None
        self.row: _HRow | None = None
        self.cell: _HCell | None = None

    def start(self, tag: str, attrs: dict[str, str | None], line: int) -> None:
        self.reader.check_tag(tag, attrs, line)
        if tag == "table":
            if self.table is None:
                self.table = _HTable(line)
            else:
                self.table.nested += 1
            return
        if self.table is None or self.table.nested:
            return
        if tag == "tr":
            if self.row is not None:
                self._close_row(line)
            self.row = _HRow(line)
        elif tag in ("td", "th"):
            if self.row is None:
                self.row = _HRow(line)
            self._close_cell()
            self.cell = _HCell(line, tag == "th")
        elif self.cell is not None:
            if tag == "a":
                self.cell.parts.append(("a", attrs.get("href"), attrs.get("name") or attrs.get("id"), line))
            elif tag == "img":
                self.cell.parts.append(("img", attrs.get("src") or "", attrs.get("alt") or "", line))
            elif tag in ("br", "p", "div", "li", "ul", "ol"):
                self.cell.parts.append(("br", line))

    def end(self, tag: str, line: int) -> None:
        if self.table is None:
            return
        if tag == "table":
            if self.table.nested:
                self.table.nested -= 1
            else:
                self.close(line)
        elif self.table.nested:
            return
        elif tag == "tr":
            if self.row is not None:
                self._close_cell()
                self.table.rows.append(self.row)
                self.row = None
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "a" and self.cell is not None:
            self.cell.parts.append(("/a", line))

    def text(self, data: str, literal: bool, line: int) -> None:
        if self.cell is not None and self.table is not None and not self.table.nested:
            self.cell.parts.append(("text", data, literal, line))

    def _close_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.cells.append(self.cell)
        self.cell = None

    def _close_row(self, line: int) -> None:
        """A <tr> that was never closed: the next <tr> or </table> closes it."""
        assert self.row is not None and self.table is not None
        self._close_cell()
        row = self.row
        self.row = None
        previous = next((r for r in reversed(self.table.rows) if r.cells), None)
        after = ""
        if previous is not None:
            title = _squash(_plain(_cell_nodes(previous.cells[0])))
            after = f" after the row {title[:60]!r}" if title else ""
        if row.cells:
            message = f"<tr> at line {row.line} is not closed before line {line}{after}"
        else:
            message = f"<tr> at line {row.line} is never closed: an empty row{after}"
        self.reader.problem(row.line, "unclosed-tr", ERROR, message)
        self.table.rows.append(row)

    def close(self, line: int, *, abandoned: bool = False) -> None:
        table = self.table
        if table is None:
            return
        if self.row is not None:
            self._close_row(line)
        if abandoned:
            self.reader.problem(table.line, "unclosed-table", ERROR,
                                f"<table> at line {table.line} is not closed before line {line}")
        self.table = self.row = self.cell = None
        self.reader.html_table(table)


def _is_ascii_punctuation(char: str) -> bool:
    return char.isascii() and char.isprintable() and not char.isalnum() and char != " "


def _cell_nodes(cell: _HCell) -> list[_Node]:
    """Nodes of an HTML cell: its text is read as Markdown (lists put `**x**` there), entities literally."""
    root: list[_Node] = []
    stack: list[list[_Node]] = [root]
    links: list[bool] = []
    buffer: list[str] = []
    line = cell.line

    def flush() -> None:
        if buffer:
            stack[-1].extend(_markdown_nodes("".join(buffer), line))
            buffer.clear()

    for part in cell.parts:
        kind = part[0]
        if kind == "text":
            _, data, literal, line = part
            if literal:
                data = "".join("\\" + ch if _is_ascii_punctuation(ch) else ch for ch in data)
            buffer.append(data)
            continue
        flush()
        if kind == "a":
            _, href, anchor, line = part
            if anchor:
                stack[-1].append(_Node("anchor", anchor, line=line))
            if href is not None:
                node = _Node("link", href=href, line=line)
                stack[-1].append(node)
                stack.append(node.children)
            links.append(href is not None)
        elif kind == "/a":
            if links and links.pop() and len(stack) > 1:
                stack.pop()
        elif kind == "img":
            stack[-1].append(_Node("image", part[2], part[1], line=part[3]))
        elif kind == "br":
            stack[-1].append(_Node("br", line=part[1]))
    flush()
    return root


# ----------------------------------------------------------------------------------------------------------
# The reader.


@dataclass
class _TocEntry:
    text: str
    target: str
    line: int
    depth: int


@dataclass
class _Frame:
    level: int
    title: str


class _Reader:
    """One pass over the README's block tokens, keeping track of the current section."""

    def __init__(self, text: str, source: str) -> None:
        if not isinstance(text, str):
            raise InputError(f"{source}: a README must be text, not {type(text).__name__}")
        text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.text = text
        self.lines = text.split("\n")
        self.source = source
        self.problems: list[Problem] = []
        self.title: str | None = None
        self.sections: list[ParsedSection] = []
        self.loose_rows: list[PaperRecord] = []
        self.citation: str | None = None
        self.toc: list[_TocEntry] = []
        self.anchors: set[str] = set()
        self.section_anchors: list[set[str]] = []
        self.slugger = _Slugger()
        self.tables = _HtmlTables(self)
        self.stack: list[_Frame] = []
        self.current: ParsedSection | None = None
        self.discard = False  # under a contents or boilerplate heading: rows there are not papers
        self.skip_level: int | None = None
        self.started = True
        self.seen_heading = False
        self.contents_seen = False
        self.expect_toc = False
        self.in_citation = False
        self.fresh = False  # the current section has had no table or list yet
        self.pending_anchor: str | None = None
        self.last_line = 1

    def problem(self, line: int, rule: str, severity: str, message: str) -> None:
        self.problems.append(Problem(max(line, 1), rule, severity, message))

    # -- the walk ------------------------------------------------------------------------------------------

    def run(self) -> None:
        tokens = _markdown().parse(self.text)
        self.started = not any(
            tok.type == "heading_open" and tok.level == 0
            and _heading_key(_heading_title(_inline_tree(tokens[k + 1].children, 0))[0]) in _CONTENTS_HEADINGS
            for k, tok in enumerate(tokens[:-1])
        )
        self._blocks(tokens, nested=False)
        if self.tables.table is not None:
            self.tables.close(len(self.lines), abandoned=True)
        self._check_toc()
        self._check_duplicates()

    def _blocks(self, tokens: list[Any], *, nested: bool) -> None:
        self._lint_inline(tokens)
        index = 0
        while index < len(tokens):
            tok = tokens[index]
            end = self._block_end(tokens, index)
            if tok.map is not None and tok.nesting != -1:
                self._block(tokens, index, end, nested)
            index = end

    @staticmethod
    def _block_end(tokens: list[Any], index: int) -> int:
        if tokens[index].nesting != 1:
            return index + 1
        depth, cursor = 0, index
        while cursor < len(tokens):
            depth += tokens[cursor].nesting
            cursor += 1
            if depth == 0:
                break
        return cursor

    def _block(self, tokens: list[Any], index: int, end: int, nested: bool) -> None:
        tok = tokens[index]
        start, stop = tok.map
        self.last_line = start + 1
        kind = tok.type
        if self.tables.table is not None and kind not in ("heading_open", "html_block"):
            # An HTML table interrupted by a blank line continues in the next blocks.
            self._feed(start, stop)
            return
        if kind == "heading_open":
            if self.tables.table is not None:
                self.tables.close(start + 1, abandoned=True)
            level = int(tok.tag[1]) if tok.tag[1:].isdigit() else 1
            self._heading(level, _inline_tree(tokens[index + 1].children, start + 1), start + 1)
            return
        if kind == "html_block":
            if not nested:
                self._html_block(start, stop)
            return
        self.pending_anchor = None
        if kind == "table_open":
            self._gfm_table(tokens[index:end])
        elif kind in ("bullet_list_open", "ordered_list_open"):
            self._list(tokens[index:end])
        elif kind in ("fence", "code_block"):
            if self.in_citation and self.citation is None:
                self.citation = tok.content.rstrip("\n")
        elif kind == "paragraph_open":
            nodes = _inline_tree(tokens[index + 1].children, start + 1)
            names = [n.text for n in nodes if n.kind == "anchor"]
            if names and not _squash(_plain(nodes)):
                self.pending_anchor = names[-1]
                self.anchors.add(names[-1].lower())
                return
            if self.current is not None and self.fresh and not self.discard and not nested:
                text = _squash(_plain(nodes))
                if text:
                    joined = f"{self.current.description}\n\n{text}" if self.current.description else text
                    self.current.description = joined

    def _feed(self, start: int, stop: int) -> None:
        if start >= stop:
            return
        _, feeder = _html_parsers()
        parser = feeder(self.tables, start + 1)
        try:
            parser.feed(_defuse("\n".join(self.lines[start:stop]) + "\n"))
            parser.close()
        except (AssertionError, ValueError) as exc:  # html.parser's rare complaints about broken markup
            self.problem(start + 1, "html-error", WARNING, f"unreadable HTML: {exc}")

    def _html_block(self, start: int, stop: int) -> None:
        block = "\n".join(self.lines[start:stop]).strip()
        match = _ANCHOR_ONLY.match(block)
        if match and self.tables.table is None:
            self.pending_anchor = match.group(1)
            self.anchors.add(match.group(1).lower())
            return
        self.pending_anchor = None
        raw = _RAW_HTML_START.match(block) is not None
        _, feeder = _html_parsers()
        parser = feeder(self.tables, start + 1)
        run: list[int] = []
        lines = _defuse("\n".join(self.lines[start:stop])).split("\n")
        pending: list[str] = []  # lines held back while a long unfinished tag or comment is open
        held = 0
        try:
            for number, line in enumerate(lines, start=start):
                if pending or len(parser.rawdata) > _RESCAN_LIMIT:
                    if run:
                        self._markdown_run(run)
                        run = []
                    pending.append(line + "\n")
                    held += len(line) + 1
                    if held >= len(parser.rawdata):  # each rescan is paid for by as much new text
                        parser.feed("".join(pending))
                        pending, held = [], 0
                    continue
                # Markdown inside an HTML block (<details> without a blank line): GitHub shows it raw, but
                # its headings and lists are meant as structure. Not inside tables, comments or open tags.
                if (not raw and self.tables.table is None and not parser.rawdata and line.strip()
                        and not line.lstrip().startswith("<")):
                    run.append(number)
                elif run:
                    self._markdown_run(run)
                    run = []
                parser.feed(line + "\n")
            if pending:
                parser.feed("".join(pending))
            if run:
                self._markdown_run(run)
            parser.close()
        except (AssertionError, ValueError) as exc:  # html.parser's rare complaints about broken markup
            self.problem(start + 1, "html-error", WARNING, f"unreadable HTML: {exc}")

    def _markdown_run(self, numbers: list[int]) -> None:
        first = numbers[0]
        tokens = _markdown().parse("\n".join(self.lines[first : numbers[-1] + 1]))
        for tok in tokens:
            if tok.map is not None:
                tok.map = [tok.map[0] + first, tok.map[1] + first]
        self._blocks(tokens, nested=True)

    # -- headings ----------------------------------------------------------------------------------------

    def _heading(self, level: int, nodes: list[_Node], line: int) -> None:
        raw = _plain(nodes)
        names = [n.text for n in _walk(nodes) if n.kind == "anchor"]
        for name in names:
            self.anchors.add(name.lower())
        slug = self.slugger.slug(slugify(raw))
        variants = {slug, _github_slug(raw)} | {n.lower() for n in names}
        self.anchors |= variants
        title, colon = _heading_title(nodes)
        anchor = names[0] if names else self.pending_anchor
        if self.pending_anchor:
            variants.add(self.pending_anchor.lower())
        self.pending_anchor = None
        self.expect_toc = False
        self.in_citation = False
        self.fresh = False
        if self.title is None and not self.seen_heading and level == 1:
            self.seen_heading = True
            self.title = title or None
            return
        self.seen_heading = True
        key = _heading_key(title)
        if key in _CONTENTS_HEADINGS and not self.contents_seen:
            self.started = self.expect_toc = self.contents_seen = True
            self._leave(level, discard=True)
            return
        if colon:
            self.problem(line, "heading-colon", INFO, f"heading {title!r} ends with ':'")
        if self.skip_level is not None and level > self.skip_level:
            return
        self.skip_level = None
        if not self.started:
            self._leave(level, discard=False)
            return
        if key in _BOILERPLATE_HEADINGS or key.startswith(("citation", "how to cite", "star history")):
            self._leave(level, discard=True)
            self.skip_level = level
            self.in_citation = key in _CITATION_HEADINGS or key.startswith(("citation", "how to cite"))
            return
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        path = [frame.title for frame in self.stack] + [title]
        self.stack.append(_Frame(level, title))
        section = ParsedSection(path=path, slug=anchor or slug, line=line)
        self.sections.append(section)
        self.section_anchors.append(variants)
        self.current = section
        self.discard = False
        self.fresh = True

    def _leave(self, level: int, *, discard: bool) -> None:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        self.current = None
        self.discard = discard

    # -- rows --------------------------------------------------------------------------------------------

    def _add_rows(self, rows: list[PaperRecord], line: int) -> None:
        self.fresh = False
        if not rows or self.discard:
            return
        if self.current is not None:
            self.current.rows.extend(rows)
        else:
            self.loose_rows.extend(rows)
            self.problem(line, "rows-outside-section", INFO,
                         f"{len(rows)} paper row(s) before the first section heading")

    def html_table(self, table: _HTable) -> None:
        rows = [row for row in table.rows if row.cells]
        if not rows:
            return
        # The first row is the header, <th> or not; without a title column the table is not papers.
        header = rows[0]
        kinds = _column_kinds([_squash(_plain(_cell_nodes(cell))) for cell in header.cells])
        if "title" not in kinds:
            self.problem(table.line, "unrecognised-table", INFO,
                         "table without a Title/Paper/Name column: not read as papers")
            self.fresh = False
            return
        records = []
        for row in rows[1:]:
            cells = [_cell_nodes(cell) for cell in row.cells]
            record = self._row(cells, kinds, row.line, len(header.cells))
            if record is not None:
                records.append(record)
        self._add_rows(records, table.line)

    def _gfm_table(self, tokens: list[Any]) -> None:
        header: list[list[_Node]] = []
        rows: list[tuple[int, list[list[_Node]]]] = []
        in_head = False
        line = tokens[0].map[0] + 1 if tokens[0].map else self.last_line
        row_line, cells = line, []
        for tok in tokens:
            if tok.type == "thead_open":
                in_head = True
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                row_line = tok.map[0] + 1 if tok.map else row_line + 1
                cells = []
            elif tok.type == "inline":
                cells.append(_inline_tree(tok.children, row_line))
            elif tok.type == "tr_close":
                if in_head:
                    header = cells
                else:
                    rows.append((row_line, cells))
        kinds = _column_kinds([_squash(_plain(cell)) for cell in header])
        if "title" not in kinds:
            self.problem(line, "unrecognised-table", INFO,
                         "table without a Title/Paper/Name column: not read as papers")
            self.fresh = False
            return
        records = []
        for row_line, cells in rows:
            in_range = row_line <= len(self.lines)
            raw_count = _pipe_cell_count(self.lines[row_line - 1]) if in_range else len(cells)
            record = self._row(cells, kinds, row_line, len(header), raw_count)
            if record is not None:
                records.append(record)
        self._add_rows(records, line)

    def _row(
        self, cells: list[list[_Node]], kinds: list[str | None], line: int, expected: int,
        count: int | None = None,
    ) -> PaperRecord | None:
        count = len(cells) if count is None else count
        if count != expected:
            self.problem(line, "wrong-cell-count", ERROR, f"row has {count} cells, the header has {expected}")

        def cell(kind: str) -> list[_Node]:
            if kind in kinds:
                position = kinds.index(kind)
                if position < len(cells):
                    return cells[position]
            return []

        title, url, code = _title_cell(cell("title"))
        if not title:
            if any(_squash(_plain(c)) or any(n.kind in ("link", "image") for n in _walk(c)) for c in cells):
                self.problem(line, "row-without-title", WARNING, "row without a title: skipped")
            return None
        venue_url, venue, year = _venue_cell(cell("venue"))
        if venue is None and year is None and "venue" not in kinds:
            for nodes in cells:
                found = next((_badge_venue(n.href) for n in _walk(nodes) if n.kind == "image"
                              and _badge_venue(n.href)), None)
                if found:
                    venue, year = found
                    break
        link_url, link_code = _links_cell(cell("links"))
        return _record(
            title, url or venue_url or link_url, source=f"{self.source}:{line}",
            code=_code_cell(cell("code")) or code or link_code, venue=venue,
            year=year or _year_in(_plain(cell("date"))), topics=_split_topics(_plain(cell("topic"))),
            authors=_authors_cell(_plain(cell("authors"))),
        )

    def _list(self, tokens: list[Any]) -> None:
        depth = 0
        records: list[PaperRecord] = []
        toc: list[_TocEntry] = []
        for position, tok in enumerate(tokens):
            if tok.type in ("bullet_list_open", "ordered_list_open"):
                depth += 1
            elif tok.type in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
            elif (tok.type == "inline" and position >= 2 and tokens[position - 1].type == "paragraph_open"
                  and tokens[position - 2].type == "list_item_open"):
                line = tok.map[0] + 1 if tok.map else self.last_line
                nodes = _inline_tree(tok.children, line)
                link = next((n for n in _walk(nodes) if n.kind == "link"), None)
                if link is not None and link.href.startswith("#"):
                    toc.append(_TocEntry(_squash(_plain(link.children)), link.href[1:], line, depth))
                    continue
                record = _list_item(nodes, f"{self.source}:{line}")
                if record is not None:
                    records.append(record)
        if toc and (self.expect_toc or (not self.toc and not records and self.current is None)):
            self.toc = self.toc or toc
        self.expect_toc = False
        self._add_rows(records, tokens[0].map[0] + 1 if tokens[0].map else self.last_line)

    # -- lint ----------------------------------------------------------------------------------------------

    def check_tag(self, tag: str, attrs: dict[str, str | None], line: int) -> None:
        for key in ("name", "id"):
            if attrs.get(key) and (tag == "a" or key == "id"):
                self.anchors.add(str(attrs[key]).lower())
        if tag == "a" and "href" in attrs and not (attrs.get("href") or "").strip():
            self.problem(line, "empty-link", WARNING, "link with an empty href")
        if tag == "img":
            src = attrs.get("src") or ""
            if any(ch.isspace() for ch in src.strip()):
                self.problem(line, "badge-raw-space", WARNING,
                             f"image URL contains a raw space (write %20): {src.strip()}")

    def _lint_inline(self, tokens: list[Any]) -> None:
        for tok in tokens:
            if tok.type != "inline" or not tok.children:
                continue
            line = tok.map[0] + 1 if tok.map else 1
            for child in tok.children:
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                elif child.type == "link_open" and not str(child.attrGet("href") or "").strip():
                    self.problem(line, "empty-link", WARNING, "empty link target: ']()'")
                elif child.type == "html_inline":
                    for event, tag, attrs in _tag_events(child.content):
                        if event == "start":
                            self.check_tag(tag, attrs, line)

    def _check_toc(self) -> None:
        if not self.toc:
            return
        from urllib.parse import unquote

        index: dict[str, int] = {}
        for position, variants in enumerate(self.section_anchors):
            for variant in variants:
                index.setdefault(variant, position)
        last, last_title, reported = -1, "", False
        linked: set[int] = set()
        for entry in self.toc:
            target = unquote(entry.target).lower()
            position = index.get(target)
            if position is None:
                if target not in self.anchors:
                    message = f"contents entry {entry.text!r} links to #{entry.target}, which no heading has"
                    self.problem(entry.line, "toc-mismatch", WARNING, message)
                continue
            linked.add(position)
            if position < last and not reported:
                reported = True
                self.problem(entry.line, "toc-mismatch", WARNING,
                             f"contents entry {entry.text!r} is out of order: its heading comes before "
                             f"{last_title!r}")
            if position > last:
                last, last_title = position, self.sections[position].path[-1]
        deepest = max(entry.depth for entry in self.toc)
        for position, section in enumerate(self.sections):
            if position not in linked and len(section.path) <= deepest:
                self.problem(section.line, "toc-mismatch", WARNING,
                             f"heading {section.path[-1]!r} is missing from the contents")

    def _check_duplicates(self) -> None:
        seen: dict[str, PaperRecord] = {}
        rows = self.loose_rows + [row for section in self.sections for row in section.rows]
        for row in sorted(rows, key=_row_line):
            if not row.url:
                continue
            key = f"arxiv:{row.arxiv_id}" if row.arxiv_id else _url_key(row.url)
            first = seen.setdefault(key, row)
            if first is not row:
                self.problem(_row_line(row), "duplicate-link", WARNING,
                             f"paper link {row.url} of {row.title!r} is also the link of {first.title!r} "
                             f"(line {_row_line(first)})")


def _row_line(row: PaperRecord) -> int:
    tail = (row.source or "").rpartition(":")[2]
    return int(tail) if tail.isdigit() else 0


def _url_key(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"


def _pipe_cell_count(line: str) -> int:
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


def _list_item(nodes: list[_Node], source: str) -> PaperRecord | None:
    """A `- [Title](url) - description` entry; the description is read for topics, venue and code."""
    while nodes and nodes[0].kind == "text" and not nodes[0].text.strip():
        nodes = nodes[1:]
    if not nodes:
        return None
    first = nodes[0]
    if first.kind == "link":
        url = _http(first.href)
        if url is None:
            return None
    elif first.kind == "strong" and (len(nodes) == 1 or _starts_description(nodes[1])):
        url = None  # how render_readme writes a paper without a link
    else:
        return None
    title = _clean_title(_plain(first.children))
    if not title:
        return None
    rest = [_Node(n.kind, n.text, n.href, n.children, n.line) for n in nodes[1:]]
    if rest and rest[0].kind == "text":
        rest[0].text = _DESCRIPTION_SEPARATOR.sub("", rest[0].text, count=1)
    topics: list[str] = []
    code = None
    other: list[_Node] = []
    for node in rest:
        if node.kind == "em" and not topics:
            topics = _split_topics(_plain(node.children))
        elif node.kind == "link" and _http(node.href) and (
            _squash(_plain(node.children)).strip("[]() ").lower() in _CODE_WORDS
        ):
            code = code or _http(node.href)
        else:
            other.append(node)
    remainder = _squash(_plain(other)).strip(" ,;[]")
    venue = year = None
    note = None
    if remainder.rstrip("."):
        candidate = remainder.rstrip(".").strip(" ,;")
        if _venue_like(candidate):
            venue, year = venue_from_text(candidate)
        if venue is None and year is None:
            note = remainder
    return _record(title, url, source=source, code=code, venue=venue, year=year, topics=topics, note=note)


def _starts_description(node: _Node) -> bool:
    return node.kind == "text" and " - " in node.text[:4]


def _venue_like(text: str) -> bool:
    """Does a list entry's leftover description read as a venue ('NeurIPS 2023', 'ICML', 'arXiv')?"""
    if text.lower() in _PREPRINTS:
        return True
    if _YEAR4.search(text) or _YEAR2.search(text):
        return len(text.split()) <= 6
    # One word with two capitals (ICML, NeurIPS, COLING) is a venue; 'Survey.' is a description.
    return " " not in text and sum(ch.isupper() for ch in text) >= 2 and text.replace("-", "").isalnum()


# ----------------------------------------------------------------------------------------------------------
# Public parsing API.


def _read(text: str, source: str) -> _Reader:
    reader = _Reader(text, source)
    try:
        reader.run()
    except InputError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise InputError(f"{source}: README too deeply nested or too large to read") from exc
    except Exception as exc:  # a parser bug must reach the user as a clear input error, not a traceback
        raise InputError(f"{source}: cannot read this README ({type(exc).__name__}: {exc})") from exc
    # Markdown inside an HTML block is seen by both parsers: report each finding once.
    unique = {(p.line, p.rule, p.message): p for p in reader.problems}
    reader.problems = [unique[key] for key in sorted(unique)]
    return reader


def parse_readme(text: str, source: str = "README.md") -> ParsedReadme:
    """Sections (every heading after the contents list, as a tree) and their paper rows, in order."""
    reader = _read(text, source)
    return ParsedReadme(
        title=reader.title,
        sections=reader.sections,
        problems=[p for p in reader.problems if p.rule in _PARSER_RULES],
        citation=reader.citation,
        loose_rows=reader.loose_rows,
    )


def lint_readme(text: str, source: str = "README.md") -> list[Problem]:
    """Everything wrong with a README that can be seen without a database, sorted by line."""
    return _read(text, source).problems


# ----------------------------------------------------------------------------------------------------------
# Rendering.

_MD_ESCAPES = frozenset("\\`*_[]<>|#~")
_GITHUB_BADGE = "https://img.shields.io/badge/GitHub-%23121011.svg?logo=github&logoColor=white"
_CODE_BADGE = "https://img.shields.io/badge/Code-blue"
_HTML_TEXT_ESCAPES = {"*": "&#42;", "_": "&#95;", "[": "&#91;", "]": "&#93;", "`": "&#96;", "\\": "&#92;",
                      "~": "&#126;"}


def _escape_md(text: str) -> str:
    """Text that Markdown shows literally: no emphasis, links, HTML, entities or table breaks."""
    text = _squash(text)
    out = []
    for position, char in enumerate(text):
        if char in _MD_ESCAPES:
            out.append("\\" + char)
        elif char == "&" and re.match(r"&#?\w+;", text[position:]):
            out.append("\\&")
        else:
            out.append(char)
    return "".join(out)


def _escape_block_start(text: str) -> str:
    """Escape a first character that would start a list, quote, heading or rule."""
    if text[:1] in ("-", "+", "=", ">"):
        return "\\" + text
    match = re.match(r"(\d+)([.)])", text)
    return f"{match.group(1)}\\{text[match.end(1):]}" if match else text


def _escape_html(text: str) -> str:
    import html

    return "".join(_HTML_TEXT_ESCAPES.get(ch, ch) for ch in html.escape(_squash(text), quote=False))


def _attr(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _md_url(url: str) -> str:
    """A URL safe inside a Markdown link destination and a table cell; balanced parentheses stay."""
    from urllib.parse import quote

    url = url.strip()
    depth = 0
    for char in url:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    return quote(url, safe="!#$&'*+,-./:;=?@_~%" + ("()" if depth == 0 else ""))


def _venue_text(row: PaperRecord) -> str:
    return " ".join(part for part in (_squash(row.venue or ""), str(row.year) if row.year else "") if part)


def _shields(text: str) -> str:
    from urllib.parse import quote

    return quote(text.replace("-", "--").replace("_", "__"), safe="")


def _is_github(url: str) -> bool:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc.lower() in ("github.com", "www.github.com")


def _utf16_len(text: str) -> int:
    # remark-lint measures table columns in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _render_html_table(rows: list[PaperRecord]) -> str:
    lines = ["<table>", "  <tr>"]
    lines += [f"    <th>{name}</th>" for name in ("Title", "Topic", "Venue", "Code")]
    lines.append("  </tr>")
    for row in rows:
        url, code, venue = _http(row.url), _http(row.code_url), _venue_text(row)
        if venue:
            badge = f"https://img.shields.io/badge/PDF-{_shields(venue)}-green"
            venue_html = f'<img src="{_attr(badge)}" alt="{_attr(_squash(venue))}">'
        else:
            venue_html = "PDF" if url else ""
        if url:
            venue_html = f'<a href="{_attr(url)}">{venue_html}</a>'
        code_html = ""
        if code:
            badge, alt = (_GITHUB_BADGE, "GitHub") if _is_github(code) else (_CODE_BADGE, "Code")
            code_html = f'<a href="{_attr(code)}"><img src="{_attr(badge)}" alt="{alt}"></a>'
        lines += [
            "  <tr>",
            f"    <td>{_escape_html(row.title or '') or 'Untitled'}</td>",
            f"    <td>{_escape_html(', '.join(row.topics))}</td>",
            f"    <td>{venue_html}</td>",
            f"    <td>{code_html}</td>",
            "  </tr>",
        ]
    lines.append("</table>")
    return "\n".join(lines)


def _render_pipe_table(rows: list[PaperRecord]) -> str:
    table = [["Title", "Topic", "Venue", "Code"]]
    for row in rows:
        title = _escape_md(row.title or "") or "Untitled"
        url, code = _http(row.url), _http(row.code_url)
        table.append([
            f"[{title}]({_md_url(url)})" if url else title,
            _escape_md(", ".join(row.topics)),
            _escape_md(_venue_text(row)),
            f"[{'GitHub' if _is_github(code) else 'Code'}]({_md_url(code)})" if code else "",
        ])
    widths = [max(3, *(_utf16_len(line[column]) for line in table)) for column in range(4)]

    def fmt(cells: list[str]) -> str:
        padded = (cell + " " * (width - _utf16_len(cell)) for cell, width in zip(cells, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    lines = [fmt(table[0]), fmt(["-" * width for width in widths])]
    lines += [fmt(line) for line in table[1:]]
    return "\n".join(lines)


def _render_list(rows: list[PaperRecord]) -> str:
    lines = []
    for row in rows:
        title = _escape_md(row.title or "") or "Untitled"
        url, code = _http(row.url), _http(row.code_url)
        head = f"[{title}]({_md_url(url)})" if url else f"**{title}**"
        parts = []
        if row.topics:
            parts.append(f"*{_escape_md(', '.join(row.topics))}*")
        if _venue_text(row):
            parts.append(_escape_md(_venue_text(row)))
        if code:
            parts.append(f"[code]({_md_url(code)})")
        lines.append(f"- {head} - {', '.join(parts)}." if parts else f"- {head}")
    return "\n".join(lines)


def render_sections(sections: list[RenderSection], style: str = "html", toc_depth: int | None = None) -> str:
    """The generated part of a README: a `## Contents` list, then every section with its rows."""
    if style not in STYLES:
        raise InputError(f"unknown README style {style!r}; choose one of {', '.join(STYLES)}")
    if toc_depth is not None and toc_depth < 1:
        raise InputError("the contents depth must be at least 1")
    slugger = _Slugger()
    slugger.slug("contents")
    blocks: list[str] = []
    toc: list[str] = []
    for section in sections:
        depth = max(len(section.path), 1)
        title = _squash(section.path[-1]) if section.path else ""
        title = title or "Untitled"
        anchor = slugger.slug(slugify(title))
        if section.slug and section.slug != anchor:
            # Keep an old anchor alive without changing the heading text that GitHub slugs.
            blocks.append(f'<a name="{_attr(section.slug)}"></a>')
        blocks.append(f"{'#' * min(depth + 1, 6)} {_escape_md(title)}")
        if toc_depth is None or depth <= toc_depth:
            toc.append(f"{'  ' * (depth - 1)}- [{_escape_md(title)}](#{anchor})")
        if section.description and _squash(section.description):
            paragraphs = [p for p in section.description.split("\n\n") if p.strip()]
            blocks += [_escape_block_start(_escape_md(p)) for p in paragraphs]
        if section.rows:
            render = {"html": _render_html_table, "table": _render_pipe_table, "list": _render_list}[style]
            blocks.append(render(section.rows))
    if toc:
        blocks[:0] = ["## Contents", "\n".join(toc)]
    return _finish(blocks)


def render_readme(
    title: str,
    sections: list[RenderSection],
    style: str = "html",
    toc_depth: int | None = None,
    intro: str | None = None,
    *,
    awesome_badge: bool = True,
) -> str:
    """A whole README: one H1, the intro (Markdown, kept as given), then the generated region in markers."""
    heading = f"# {_escape_md(title) or 'Untitled'}"
    if awesome_badge:
        heading += f" {AWESOME_BADGE}"
    blocks = [heading]
    if intro and intro.strip():
        blocks.append(intro.strip("\n"))
    body = render_sections(sections, style, toc_depth)
    blocks += [BEGIN_MARKER, body.rstrip("\n"), END_MARKER] if body.strip() else [BEGIN_MARKER, END_MARKER]
    return _finish(blocks)


def _finish(blocks: list[str]) -> str:
    """Join blocks with one blank line; no trailing spaces, no runs of blank lines, one final newline."""
    lines: list[str] = []
    for line in "\n\n".join(blocks).split("\n"):
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def replace_region(readme_text: str, generated: str) -> str:
    """Put `generated` between BEGIN_MARKER and END_MARKER; the rest of the README stays byte for byte."""
    begin = readme_text.find(BEGIN_MARKER)
    end = readme_text.find(END_MARKER)
    if begin < 0 or end < 0:
        raise InputError(
            f"the README has no generated region: add a line {BEGIN_MARKER} and a line {END_MARKER} "
            "where the paper tables belong"
        )
    if end < begin or readme_text.count(BEGIN_MARKER) > 1 or readme_text.count(END_MARKER) > 1:
        raise InputError(f"the README must hold exactly one {BEGIN_MARKER} followed by one {END_MARKER}")
    body = generated.strip("\n")
    middle = f"\n\n{body}\n\n" if body.strip() else "\n\n"
    return readme_text[: begin + len(BEGIN_MARKER)] + middle + readme_text[end:]
