"""List items: a `- [Title](url) - description` entry read as a paper.

>>> from survey_db.markdown.inline import markdown_nodes
>>> list_item(markdown_nodes("[Fast Inference](https://arxiv.org/abs/2211.17192) - ICML 2023", 1), "x").venue
'ICML'
"""

from __future__ import annotations

from survey_db.markdown.badges import venue_from_text
from survey_db.markdown.fields import clean_title, paper_record, split_topics
from survey_db.markdown.inline import Node, plain, squash
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
