"""Rendering: the generated region of a README (contents list, headings, and each section's papers as an HTML
table, a pipe table or a list) and putting it between the markers.

>>> print(render_sections([RenderSection(["Decoding"], "decoding", [])], style="list"), end="")
## Contents
<BLANKLINE>
- [Decoding](#decoding)
<BLANKLINE>
## Decoding
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from survey_db.errors import InputError
from survey_db.identifiers import slugify
from survey_db.markdown.headings import Slugger
from survey_db.markdown.inline import squash
from survey_db.markdown.links import http_url
from survey_db.records import PaperRecord

BEGIN_MARKER = "<!-- survey-db:begin -->"
END_MARKER = "<!-- survey-db:end -->"
STYLES = ("html", "table", "list")
# awesome-lint's awesome-toc rule takes a contents list two levels deep at most.
DEFAULT_TOC_DEPTH = 2
# The begin marker, plain or with the options its region was made with: `style=table toc-depth=2`.
_BEGIN = re.compile(r"<!--\s*survey-db:begin(?P<options>(?:\s+[^\s=]+=\S+?)*)\s*-->")
AWESOME_BADGE = "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)"


@dataclass
class RenderSection:
    """One section to render: `path` gives its depth (1 -> ##), `slug` its historical anchor."""

    path: list[str]
    slug: str
    rows: list[PaperRecord]
    description: str | None = None


_MD_ESCAPES = frozenset("\\`*_[]<>|#~")
_GITHUB_BADGE = "https://img.shields.io/badge/GitHub-%23121011.svg?logo=github&logoColor=white"
_CODE_BADGE = "https://img.shields.io/badge/Code-blue"
_HTML_TEXT_ESCAPES = {
    "*": "&#42;",
    "_": "&#95;",
    "[": "&#91;",
    "]": "&#93;",
    "`": "&#96;",
    "\\": "&#92;",
    "~": "&#126;",
}


def _escape_md(text: str) -> str:
    """Text that Markdown shows literally: no emphasis, links, HTML, entities or table breaks."""
    text = squash(text)
    out = []
    for position, char in enumerate(text):
        if char in _MD_ESCAPES:
            out.append("\\" + char)
        elif char == "&" and re.match(r"&#?\w+;", text[position:]):
            out.append("\\&")
        else:
            out.append(char)
    return "".join(out)


def _escape_title(text: str, *, html: bool = False) -> str:
    """A title as Markdown (or HTML) text; a closing parenthesis at its end is escaped too, so that a reader
    does not take a '(ICML 2023)' or '(@Org)' there for the venue or the lab written after a title."""
    text = _escape_html(text) if html else _escape_md(text)
    if text.endswith(")"):
        text = text[:-1] + ("&#41;" if html else "\\)")
    return text


def _escape_block_start(text: str) -> str:
    """Escape a first character that would start a list, quote, heading or rule."""
    if text[:1] in ("-", "+", "=", ">"):
        return "\\" + text
    match = re.match(r"(\d+)([.)])", text)
    return f"{match.group(1)}\\{text[match.end(1) :]}" if match else text


def _escape_html(text: str) -> str:
    import html

    return "".join(_HTML_TEXT_ESCAPES.get(ch, ch) for ch in html.escape(squash(text), quote=False))


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
    return " ".join(part for part in (squash(row.venue or ""), str(row.year) if row.year else "") if part)


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
        url, code, venue = http_url(row.url), http_url(row.code_url), _venue_text(row)
        if venue:
            badge = f"https://img.shields.io/badge/PDF-{_shields(venue)}-green"
            venue_html = f'<img src="{_attr(badge)}" alt="{_attr(squash(venue))}">'
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
            f"    <td>{_escape_title(row.title or '', html=True) or 'Untitled'}</td>",
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
        title = _escape_title(row.title or "") or "Untitled"
        url, code = http_url(row.url), http_url(row.code_url)
        table.append(
            [
                f"[{title}]({_md_url(url)})" if url else title,
                _escape_md(", ".join(row.topics)),
                _escape_md(_venue_text(row)),
                f"[{'GitHub' if _is_github(code) else 'Code'}]({_md_url(code)})" if code else "",
            ]
        )
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
        url, code = http_url(row.url), http_url(row.code_url)
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


def render_sections(
    sections: Iterable[RenderSection], style: str = "html", toc_depth: int | None = None
) -> str:
    """The generated part of a README: a `## Contents` list, then every section with its rows."""
    if style not in STYLES:
        raise InputError(f"unknown README style {style!r}; choose one of {', '.join(STYLES)}")
    if toc_depth is not None and toc_depth < 1:
        raise InputError("the contents depth must be at least 1")
    slugger = Slugger()
    slugger.slug("contents")
    blocks: list[str] = []
    toc: list[str] = []
    for section in sections:
        depth = max(len(section.path), 1)
        title = squash(section.path[-1]) if section.path else ""
        title = title or "Untitled"
        anchor = slugger.slug(slugify(title))
        if section.slug and section.slug != anchor:
            # Keep an old anchor alive without changing the heading text that GitHub slugs.
            blocks.append(f'<a name="{_attr(section.slug)}"></a>')
        blocks.append(f"{'#' * min(depth + 1, 6)} {_escape_md(title)}")
        if toc_depth is None or depth <= toc_depth:
            toc.append(f"{'  ' * (depth - 1)}- [{_escape_md(title)}](#{anchor})")
        if section.description and squash(section.description):
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
    sections: Iterable[RenderSection],
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
    begin = begin_marker(style, toc_depth)
    blocks += [begin, body.rstrip("\n"), END_MARKER] if body.strip() else [begin, END_MARKER]
    return _finish(blocks)


@dataclass(frozen=True)
class RegionOptions:
    """The options a README's region was made with, as its begin marker records them (None: not recorded)."""

    style: str | None = None
    toc_depth: int | None = None
    all_levels: bool = False  # toc-depth=all: every heading in the contents


def begin_marker(style: str, toc_depth: int | None) -> str:
    """The begin marker recording the region's options, so that `--into` renders it the same way again.

    >>> begin_marker("table", 2)
    '<!-- survey-db:begin style=table toc-depth=2 -->'
    """
    depth = "all" if toc_depth is None else str(toc_depth)
    return f"<!-- survey-db:begin style={style} toc-depth={depth} -->"


def region_options(readme_text: str) -> RegionOptions:
    """The options recorded in the README's begin marker; a plain marker records none.

    >>> region_options("<!-- survey-db:begin style=list toc-depth=3 -->")
    RegionOptions(style='list', toc_depth=3, all_levels=False)
    """
    found = _BEGIN.search(readme_text)
    if found is None:
        return RegionOptions()
    values = dict(item.split("=", 1) for item in found.group("options").split())
    unknown = sorted(set(values) - {"style", "toc-depth"})
    if unknown:
        raise InputError(f"the begin marker has an option survey-db does not know: {unknown[0]}")
    style = values.get("style")
    if style is not None and style not in STYLES:
        raise InputError(f"the begin marker's style {style!r} is not one of {', '.join(STYLES)}")
    depth = values.get("toc-depth")
    if depth is None or depth == "all":
        return RegionOptions(style, None, all_levels=depth == "all")
    if not depth.isdigit() or int(depth) < 1:
        raise InputError(f"the begin marker's toc-depth {depth!r} is not a number from 1, or 'all'")
    return RegionOptions(style, int(depth))


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


def replace_region(readme_text: str, generated: str, marker: str = BEGIN_MARKER) -> str:
    """Put `generated` between the begin marker (rewritten as `marker`, which records the options) and
    END_MARKER; the rest of the README stays byte for byte."""
    begins = list(_BEGIN.finditer(readme_text))
    end = readme_text.find(END_MARKER)
    if not begins or end < 0:
        raise InputError(
            f"the README has no generated region: add a line {BEGIN_MARKER} and a line {END_MARKER} "
            "where the paper tables belong"
        )
    if len(begins) > 1 or end < begins[0].start() or readme_text.count(END_MARKER) > 1:
        raise InputError(f"the README must hold exactly one {BEGIN_MARKER} followed by one {END_MARKER}")
    body = generated.strip("\n")
    middle = f"\n\n{body}\n\n" if body.strip() else "\n\n"
    return readme_text[: begins[0].start()] + marker + middle + readme_text[end:]
