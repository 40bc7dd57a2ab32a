"""Words and patterns that decide what a heading, a column, a badge or a link is."""

from __future__ import annotations

import re

CONTENTS_HEADINGS = frozenset(
    {"contents", "content", "content list", "contents list", "table of contents", "table of content", "toc"}
)
BOILERPLATE_HEADINGS = frozenset(
    {"citation", "citations", "cite", "cite us", "citing", "how to cite", "bibtex", "license", "licence",
     "contributing", "contribute", "how to contribute", "contribution", "contributions", "contributors",
     "acknowledgement", "acknowledgements", "acknowledgment", "acknowledgments", "star history",
     "stargazers", "contact", "contact us", "references", "reference", "related", "related lists",
     "news", "updates", "changelog", "footnotes", "sponsors", "maintainers"}
)
CITATION_HEADINGS = frozenset(
    {"citation", "citations", "cite", "cite us", "citing", "how to cite", "bibtex"}
)
COLUMN_NAMES: dict[str, frozenset[str]] = {
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
    "note": frozenset({"comment", "comments", "note", "notes", "tl dr", "tldr", "description", "summary",
                       "key contribution", "contribution", "contributions", "remark", "remarks", "highlight",
                       "highlights", "main idea", "key idea", "abstract"}),
}
# Single header words, tried when the whole header text is not a known name.
COLUMN_WORDS: list[tuple[str, frozenset[str]]] = [
    ("code", frozenset({"code", "github", "repo", "repository", "implementation"})),
    ("authors", frozenset({"author", "authors"})),
    ("title", frozenset({"title"})),
    ("venue", frozenset({"venue", "conference", "conf", "publication", "journal", "jour"})),
    ("date", frozenset({"date", "year", "time"})),
    ("topic", frozenset({"topic", "topics", "category", "tags"})),
    ("links", frozenset({"link", "links", "pdf"})),
    ("title", frozenset({"paper", "papers"})),
]
CODE_WORDS = frozenset({"code", "github", "repo", "repository", "implementation", "official code", "source"})
PAPER_WORDS = frozenset(
    {"pdf", "paper", "arxiv", "link", "url", "openreview", "acl anthology", "doi", "html"}
)
# Badge labels and cell texts that say "a paper is here" rather than naming a venue.
GENERIC_LABELS = frozenset({"pdf", "paper", "link", "url", "here", "publication", "venue", "conference",
                             "published", "doi"})
NON_VENUE_LABELS = frozenset({"github", "code", "stars", "license", "prs", "build", "downloads", "website"})
PREPRINTS = frozenset({"arxiv", "corr", "preprint", "biorxiv", "medrxiv", "ssrn"})
MISSING = frozenset({"", "-", "--", "—", "–", "n/a", "na", "none", "null", "tbd", "todo", "?"})

YEAR4 = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
YEAR2 = re.compile(r"['’‘](\d{2})(?!\d)")
RAW_HTML_START = re.compile(r"<(!--|pre|script|style|textarea|\?|!\[CDATA\[)", re.IGNORECASE)
ANCHOR_ONLY = re.compile(r"""^<a\s+(?:name|id)\s*=\s*["']([^"']+)["']\s*>\s*</a>$""", re.IGNORECASE)
SHORTCODE = re.compile(r":[a-z0-9_+\-]+:")
EMPTY_BRACKETS = re.compile(r"\[\s*\]|\(\s*\)")
DESCRIPTION_SEPARATOR = re.compile(r"^\s*(?:[-–—:|]\s*)?")
