"""Headings: their cleaned title, their key for known names, and GitHub's anchors.

>>> slugger = Slugger(); [slugger.slug("intro"), slugger.slug("intro")]
['intro', 'intro-1']
"""

from __future__ import annotations

import re

from survey_db.markdown.inline import Node, is_emoji, plain, squash
from survey_db.markdown.words import SHORTCODE


def heading_title(nodes: list[Node]) -> tuple[str, bool]:
    """(cleaned title, whether it ended in ':'): no anchors, back-links, badges, emoji or trailing colon."""
    backlinks = {id(n) for n in nodes if n.kind == "link" and n.href.startswith("#")}
    text = plain(nodes, backlinks)
    if not text.strip():
        text = plain(nodes)
    text = SHORTCODE.sub(" ", text)
    text = squash("".join(" " if is_emoji(ch) else ch for ch in text))
    colon = text.endswith(":")
    return text.rstrip(": ").strip(), colon


def heading_key(title: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split())


def github_slug(text: str) -> str:
    """GitHub's anchor for heading text, untrimmed (github-slugger keeps a trailing space as '-')."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


class Slugger:
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
