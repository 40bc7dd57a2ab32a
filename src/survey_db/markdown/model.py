"""What reading a README yields: sections with their paper rows, the title, and findings at lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from survey_db.markdown.items import Item
from survey_db.records import PaperRecord

ERROR, WARNING, INFO = "error", "warning", "info"
# What parse_readme reports; lint_readme adds the README-hygiene rules on top.


PARSER_RULES = frozenset(
    {"unclosed-tr", "unclosed-table", "wrong-cell-count", "row-without-title", "unrecognised-table",
     "rows-outside-section", "html-error"}
)
# Every rule lint_readme reports (the names its Problems carry), in the order `check --rule` lists them.
LINT_RULES = (
    "unclosed-tr", "unclosed-table", "wrong-cell-count", "row-without-title", "unrecognised-table",
    "rows-outside-section", "html-error", "heading-colon", "empty-link", "badge-raw-space", "toc-mismatch",
    "duplicate-link",
)  # fmt: skip


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
    # Every item read (list items, paragraphs, table rows), each with its paper or why it is not one.
    items: list[Item] = field(default_factory=list)
