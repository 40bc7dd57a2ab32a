"""List items: the tree of items of a list (sub-bullets under their item), and the
`- [Title](url) - description` entry that survey-db writes, read as a paper.

>>> from survey_db.markdown.inline import markdown_nodes
>>> list_item(markdown_nodes("[Fast Inference](https://arxiv.org/abs/2211.17192) - ICML 2023", 1), "x").venue
'ICML'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey_db.markdown.badges import venue_from_text
from survey_db.markdown.fields import clean_title, paper_record, split_topics
from survey_db.markdown.inline import Node, inline_tree, plain, squash
from survey_db.markdown.links import http_url
from survey_db.markdown.words import CODE_WORDS, DESCRIPTION_SEPARATOR, PREPRINTS, YEAR2, YEAR4
from survey_db.records import PaperRecord


def list_item(nodes: list[Node], source: str) -> PaperRecord | None:
    """A `- [Title](url) - description` entry; the description is read for topics, venue and code."""
    while nodes and nodes[0].kind == "text" and not nodes[0].text.strip():
        nodes = nodes[1:]
    if not nodes:
        return None
    first = nodes[0]
    if first.kind == "link":
        url = http_url(first.href)
        if url is None:
            return None
    elif first.kind == "strong" and (len(nodes) == 1 or _starts_description(nodes[1])):
        url = None  # how render_readme writes a paper without a link
    else:
        return None
    title = clean_title(plain(first.children))
    if not title:
        return None
    rest = [Node(n.kind, n.text, n.href, n.children, n.line) for n in nodes[1:]]
    if rest and rest[0].kind == "text":
        rest[0].text = DESCRIPTION_SEPARATOR.sub("", rest[0].text, count=1)
    topics: list[str] = []
    code = None
    other: list[Node] = []
    for node in rest:
        if node.kind == "em" and not topics:
            topics = split_topics(plain(node.children))
        elif node.kind == "link" and http_url(node.href) and (
            squash(plain(node.children)).strip("[]() ").lower() in CODE_WORDS
        ):
            code = code or http_url(node.href)
        else:
            other.append(node)
    remainder = squash(plain(other)).strip(" ,;[]")
    venue = year = None
    note = None
    if remainder.rstrip("."):
        candidate = remainder.rstrip(".").strip(" ,;")
        if _venue_like(candidate):
            venue, year = venue_from_text(candidate)
        if venue is None and year is None:
            note = remainder
    return paper_record(title, url, source=source, code=code, venue=venue, year=year, topics=topics,
                        note=note)


def _starts_description(node: Node) -> bool:
    return node.kind == "text" and " - " in node.text[:4]


def _venue_like(text: str) -> bool:
    """Does a list entry's leftover description read as a venue ('NeurIPS 2023', 'ICML', 'arXiv')?"""
    if text.lower() in PREPRINTS:
        return True
    if YEAR4.search(text) or YEAR2.search(text):
        return len(text.split()) <= 6
    # One word with two capitals (ICML, NeurIPS, COLING) is a venue; 'Survey.' is a description.
    return " " not in text and sum(ch.isupper() for ch in text) >= 2 and text.replace("-", "").isalnum()


@dataclass
class ListEntry:
    """One list item as written: its own paragraphs' nodes (joined by line breaks), its line and depth, and
    its sub-items."""

    line: int
    depth: int
    nodes: list[Node] = field(default_factory=list)
    children: list[ListEntry] = field(default_factory=list)

    def all_nodes(self) -> list[Node]:
        """The item with its sub-bullets, one line break between each."""
        out = list(self.nodes)
        for child in self.children:
            child_nodes = child.all_nodes()
            if child_nodes:
                out += [Node("br", line=child.line), *child_nodes]
        return out


def list_entries(tokens: list[Any], fallback_line: int) -> list[ListEntry]:
    """The tree of items of one list (markdown-it block tokens from list open to close)."""
    top: list[ListEntry] = []
    stack: list[ListEntry] = []
    depth = 0
    for position, tok in enumerate(tokens):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "list_item_open":
            entry = ListEntry(tok.map[0] + 1 if tok.map else fallback_line, depth)
            (stack[-1].children if stack else top).append(entry)
            stack.append(entry)
        elif tok.type == "list_item_close":
            if stack:
                stack.pop()
        elif tok.type == "inline" and stack and position and tokens[position - 1].type == "paragraph_open":
            line = tok.map[0] + 1 if tok.map else stack[-1].line
            nodes = inline_tree(tok.children, line)
            if stack[-1].nodes and nodes:
                stack[-1].nodes.append(Node("br", line=line))
            stack[-1].nodes.extend(nodes)
    return top
