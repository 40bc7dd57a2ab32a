"""Awesome-list READMEs: parse paper tables and lists under a tree of headings, lint them, render them again.

Parsing uses markdown-it-py for the Markdown structure and html.parser for HTML tables; regular expressions
only ever look at one cell, one badge URL or one heading line, never at the whole file. The package is a set
of small parts: `inline` (the node tree), `items` (one item read as at most one paper), `list_items`,
`table_rows`, `html_tables`, `badges`, `links`, `headings`, `fields`, `lint`, `reader` (the walk over the
blocks), `explain` and `render`.

>>> readme = parse_readme("# Survey\\n\\n## Decoding\\n\\n- [Fast Inference](https://arxiv.org/abs/2211.17192)\\n")
>>> [(s.path, [r.arxiv_id for r in s.rows]) for s in readme.sections]
[(['Decoding'], ['2211.17192'])]
"""

from survey_db.markdown.badges import venue_from_text
from survey_db.markdown.explain import explain_lines, skipped_reasons
from survey_db.markdown.items import Item
from survey_db.markdown.model import ERROR, INFO, LINT_RULES, WARNING, ParsedReadme, ParsedSection, Problem
from survey_db.markdown.reader import lint_readme, parse_readme
from survey_db.markdown.render import (
    AWESOME_BADGE,
    BEGIN_MARKER,
    DEFAULT_TOC_DEPTH,
    END_MARKER,
    STYLES,
    RegionOptions,
    RenderSection,
    begin_marker,
    region_options,
    render_readme,
    render_sections,
    replace_region,
)

__all__ = [
    "AWESOME_BADGE", "BEGIN_MARKER", "DEFAULT_TOC_DEPTH", "END_MARKER", "ERROR", "INFO", "LINT_RULES",
    "STYLES", "WARNING", "Item", "ParsedReadme", "ParsedSection", "Problem", "RegionOptions", "RenderSection",
    "begin_marker", "explain_lines", "lint_readme", "parse_readme", "region_options", "render_readme",
    "render_sections", "replace_region", "skipped_reasons", "venue_from_text",
]
