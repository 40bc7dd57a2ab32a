"""survey_db.markdown: reading awesome-list READMEs, linting them and rendering them back."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from linters import awesome_lint, markdownlint
from survey_db.errors import InputError
from survey_db.identifiers import slugify
from survey_db.markdown import (
    BEGIN_MARKER,
    END_MARKER,
    STYLES,
    ParsedReadme,
    RegionOptions,
    RenderSection,
    begin_marker,
    lint_readme,
    parse_readme,
    region_options,
    render_readme,
    render_sections,
    replace_region,
    venue_from_text,
)
from survey_db.records import Name, PaperRecord

DATA = Path(__file__).parent / "data" / "markdown"
FIELDS = ("title", "url", "topics", "venue", "year", "code_url")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def upstream_file(name: str) -> Path:
    """A file of the upstream awesome list, located as conftest does (SURVEY_UPSTREAM_DIR or ../shared)."""
    from conftest import upstream_dir

    found = upstream_dir()
    return (found or Path("/nonexistent")) / name


def read_upstream(name: str) -> str:
    path = upstream_file(name)
    if not path.is_file():
        pytest.skip(f"upstream README not found at {path}; set SURVEY_UPSTREAM_DIR to run this test")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def upstream_text() -> str:
    return read_upstream("README.md")


@pytest.fixture(scope="module")
def upstream(upstream_text: str) -> ParsedReadme:
    return parse_readme(upstream_text)


def rows_of(readme: ParsedReadme) -> list[PaperRecord]:
    return [row for section in readme.sections for row in section.rows]


def facts(rows: list[PaperRecord]) -> list[tuple]:
    return [tuple(getattr(row, name) for name in FIELDS) for row in rows]


def render_parsed(readme: ParsedReadme, style: str, toc_depth: int | None = 2) -> str:
    sections = [RenderSection(s.path, s.slug, s.rows, s.description) for s in readme.sections]
    return render_readme(readme.title or "Untitled", sections, style, toc_depth=toc_depth)


def paper(title: str, **fields) -> PaperRecord:
    return PaperRecord(title=title, **fields)


# ---------------------------------------------------------------------------------------------------------
# The upstream README (skipped when ../shared/upstream is absent)


def test_upstream_sections_are_the_33_headings_in_tree_order(upstream: ParsedReadme):
    assert upstream.title == "The Role of Small Models"
    assert len(upstream.sections) == 33
    first, last = upstream.sections[0], upstream.sections[-1]
    assert (first.path, first.slug, first.line) == (["Collaboration"], "collaboration", 64)
    assert upstream.sections[3].path == [
        "Collaboration", "SMs Enhance LLMs", "Data Curation", "Curating pre-training data"]
    assert last.path == ["Competition", "Interpretability-required Environment"]
    competition = [s for s in upstream.sections if s.path[0] == "Competition"]
    assert [s.path[-1] for s in competition] == [
        "Competition", "Computation-constrained Environment", "Task-specific Environment",
        "Interpretability-required Environment"]
    assert all(not s.rows for s in competition)
    # Trailing ':' and the <a name> html are gone; the anchor is the <a name>.
    black_box = next(s for s in upstream.sections if s.path[-1] == "Black-box Distillation")
    assert black_box.slug == "black-box-distillation"
    assert all(not s.path[-1].endswith(":") and "<" not in s.path[-1] for s in upstream.sections)
    assert all(s.slug == slugify(s.path[-1]) for s in upstream.sections)
    assert not any(s.path[-1] in ("Citation", "Content List") for s in upstream.sections)


def test_upstream_rows_topics_venues_and_codes(upstream: ParsedReadme):
    rows = rows_of(upstream)
    assert len(rows) == 91
    assert len({topic for row in rows for topic in row.topics}) == 36
    assert sum(row.code_url is None for row in rows) == 35
    assert all(row.url and row.venue and row.year for row in rows)
    first = rows[0]
    assert (first.title, first.url, first.venue, first.year, first.topics, first.code_url) == (
        "Data selection for language models via importance resampling", "https://arxiv.org/abs/2302.03169",
        "NeurIPS", 2023, ["Data Selection"], "https://github.com/p-lambda/dsir")
    assert (first.arxiv_id, first.entry_type, first.source) == ("2302.03169", None, "README.md:79")
    assert rows[1].venue == "arXiv"
    titles = [row.title for row in rows]
    # The unclosed <tr> after AutoMix neither loses nor merges rows.
    automix = titles.index("AutoMix: Automatically Mixing Language Models")
    assert titles[automix + 1] == "FrugalML: How to use ML Prediction APIs more accurately and cheaply"
    # Titles split over two lines are joined.
    assert "Distilling Step-by-Step! Outperforming Larger Language Models with Less Training Data and " \
           "Smaller Model Sizes" in titles
    assert "LLM-BLENDER: Ensembling Large Language Models with Pairwise Ranking and Generative " \
           "Fusion" in titles
    assert 'Symbolic Chain-of-Thought Distillation: Small Models Can Also "Think" Step-by-Step' in titles
    fly = next(row for row in rows if row.title.startswith("Fly-Swat"))
    assert (fly.doi, fly.venue, fly.year) == ("10.1145/3616855.3635825", "WSDM", 2024)
    halu = next(row for row in rows if row.title.startswith("Small Agent Can Also Rock"))
    assert halu.arxiv_id == "2406.11277"  # the URL has a trailing slash
    assert upstream.citation is not None and upstream.citation.startswith("@misc{chen2024rolesmallmodelsllm,")


def test_upstream_parser_problems_are_the_unclosed_tr_only(upstream: ParsedReadme):
    assert [(p.line, p.rule, p.severity) for p in upstream.problems] == [(288, "unclosed-tr", "error")]
    assert "AutoMix" in upstream.problems[0].message


def test_upstream_older_version_has_81_rows_and_the_same_sections(upstream: ParsedReadme):
    older = parse_readme(read_upstream("README.2024-09-18.md"), "README.2024-09-18.md")
    assert [s.path for s in older.sections] == [s.path for s in upstream.sections]
    old_rows, new_rows = rows_of(older), rows_of(upstream)
    assert len(old_rows) == 81
    old_titles = {row.title for row in old_rows}
    assert len([row for row in new_rows if row.title not in old_titles]) == 10
    assert old_titles <= {row.title for row in new_rows}


def test_upstream_lint_reports_the_known_quirks(upstream_text: str):
    problems = lint_readme(upstream_text)
    by_rule: dict[str, list] = {}
    for problem in problems:
        by_rule.setdefault(problem.rule, []).append(problem)
    assert {rule: len(found) for rule, found in by_rule.items()} == {
        "badge-raw-space": 91, "heading-colon": 7, "toc-mismatch": 5, "empty-link": 1, "unclosed-tr": 1,
        "duplicate-link": 1}
    assert [p.line for p in by_rule["unclosed-tr"]] == [288]
    assert [p.line for p in by_rule["empty-link"]] == [2]
    badge = by_rule["badge-raw-space"][0]
    assert badge.line == 83 and "PDF-NeurIPS 2023-10868" in badge.message
    duplicate = by_rule["duplicate-link"][0].message
    assert "2305.08848" in duplicate and "LOVE" in duplicate and "Plug-ins" in duplicate
    toc = {(p.line, "missing" in p.message) for p in by_rule["toc-mismatch"]}
    assert toc == {(45, False), (168, True), (429, True), (551, True), (613, True)}
    assert {p.severity for p in problems} == {"error", "warning", "info"}
    assert problems == sorted(problems, key=lambda p: (p.line, p.rule, p.message))


@pytest.mark.parametrize("style", STYLES)
def test_upstream_round_trip_in_each_style(upstream: ParsedReadme, style: str):
    text = render_parsed(upstream, style)
    again = parse_readme(text)
    assert again.title == upstream.title
    assert [(s.path, s.slug) for s in again.sections] == [(s.path, s.slug) for s in upstream.sections]
    assert [len(s.rows) for s in again.sections] == [len(s.rows) for s in upstream.sections]
    assert facts(rows_of(again)) == facts(rows_of(upstream))
    assert again.problems == []
    # The only lint finding left is the upstream's own duplicate paper link.
    assert [p.rule for p in lint_readme(text)] == ["duplicate-link"]
    assert render_parsed(again, style) == text


# ---------------------------------------------------------------------------------------------------------
# Other dialects (hand-made fixtures)


def test_pipe_table_dialect():
    readme = parse_readme((DATA / "pipe_tables.md").read_text(encoding="utf-8"), "pipe.md")
    assert readme.title == "Awesome Efficient LLM Papers"
    assert [(s.path, s.slug) for s in readme.sections] == [
        (["Quantization"], "-quantization-"), (["Quantization", "Weight-only"], "weight-only"),
        (["Pruning"], "pruning")]
    quantization = readme.sections[0]
    assert quantization.description == "Papers that make weights smaller."
    gptq, awq, smooth, too_many, too_few = quantization.rows
    assert gptq.title == "GPTQ: Accurate Post-Training Quantization"  # bold and the stars badge dropped
    assert (gptq.url, gptq.arxiv_id, gptq.venue, gptq.year) == (
        "https://arxiv.org/abs/2210.17323v2", "2210.17323", "ICLR", 2023)
    assert gptq.authors == [Name("Elias", "Frantar"), Name("Saleh", "Ashkboos"), Name("Dan", "Alistarh")]
    assert (gptq.topics, gptq.code_url, gptq.source) == (
        ["PTQ", "Weight-only"], "https://github.com/IST-DASLab/gptq", "pipe.md:20")
    assert awq.title == "AWQ: Activation-aware Weight Quantization"  # <br> inside the cell
    assert (awq.authors, awq.venue, awq.year, awq.code_url) == ([Name("Ji", "Lin")], "MLSys", 2024, None)
    assert smooth.title == "SmoothQuant | the pipe"
    assert (smooth.url, smooth.venue, smooth.code_url) == (
        "https://proceedings.neurips.cc/paper/smoothquant", "NeurIPS", None)
    assert (too_many.title, too_many.venue) == ("A paper with too many cells", "ICML")
    assert (too_few.title, too_few.venue) == ("Too few cells", None)
    quip = readme.sections[1].rows[0]
    assert (quip.venue, quip.year, quip.arxiv_id, quip.code_url) == (
        "NeurIPS", 2023, "2307.13304", "https://github.com/Cornell-RelaxML/QuIP")
    sparse = readme.sections[2].rows[0]
    assert (sparse.doi, sparse.venue) == ("10.48550/arxiv.2301.00774", "arXiv")
    assert [(p.line, p.rule) for p in readme.problems] == [
        (23, "wrong-cell-count"), (24, "wrong-cell-count"), (25, "row-without-title")]
    assert "7 cells" in readme.problems[0].message


def test_pipe_table_dialect_lint():
    problems = lint_readme((DATA / "pipe_tables.md").read_text(encoding="utf-8"))
    assert [(p.line, p.rule) for p in problems] == [
        (12, "toc-mismatch"), (23, "wrong-cell-count"), (24, "wrong-cell-count"), (25, "row-without-title"),
        (27, "heading-colon")]


def test_list_entries_without_a_year():
    text = ("## A\n\n- [P](https://a.org/p) - ICML.\n- [Q](https://a.org/q) - A Survey.\n"
            "- **R** - Not linked.\n")
    p, q, r = parse_readme(text).sections[0].rows
    assert (p.venue, p.note) == ("ICML", None)
    assert (q.venue, q.note) == (None, "A Survey.")
    assert (r.title, r.url, r.note) == ("R", None, "Not linked.")


def test_bullet_dialect():
    readme = parse_readme((DATA / "bullets.md").read_text(encoding="utf-8"))
    assert readme.title == "Awesome Speculative Decoding"  # a setext heading
    assert [s.path for s in readme.sections] == [["Surveys"], ["Surveys", "Drafts"]]
    survey, fast, nested = readme.sections[0].rows
    assert (survey.note, survey.topics, survey.venue) == ("A survey of speculative decoding.", [], None)
    assert (fast.topics, fast.venue, fast.year, fast.code_url, fast.note) == (
        ["Speculative Decoding"], "ICML", 2023, "https://github.com/feifeibear/LLMSpeculativeSampling", None)
    assert (nested.title, nested.venue, nested.year) == ("A nested entry", "NeurIPS", 2022)
    # Inside <details> with no blank line, the heading and its list still count; a comment does not.
    drafts = readme.sections[1].rows
    assert [(r.title, r.venue, r.year) for r in drafts] == [("Blockwise Parallel Decoding", "NeurIPS", 2018)]
    assert readme.citation == "@article{x, title={X}}"
    assert readme.problems == []


# ---------------------------------------------------------------------------------------------------------
# Parsing details


@pytest.mark.parametrize(("text", "expected"), [
    ("NeurIPS 2023", ("NeurIPS", 2023)),
    ("ICML'23", ("ICML", 2023)),
    ("ICLR’99", ("ICLR", 1999)),
    ("2023", (None, 2023)),
    ("arxiv", ("arXiv", None)),
    ("Findings of ACL 2023", ("Findings of ACL", 2023)),
    ("(EMNLP 2022)", ("EMNLP", 2022)),
    ("PDF", (None, None)),
    ("-", (None, None)),
    ("", (None, None)),
    ("2409.06857", (None, None)),
])
def test_venue_from_text(text, expected):
    assert venue_from_text(text) == expected


def html_row(venue_cell: str, title: str = "A Paper", code: str = "") -> str:
    return (
        "## Papers\n\n<table>\n<tr><th>Title</th><th>Topic</th><th>Venue</th><th>Code</th></tr>\n"
        f"<tr><td>{title}</td><td>T</td><td>{venue_cell}</td><td>{code}</td></tr>\n</table>\n"
    )


@pytest.mark.parametrize(("badge", "venue", "year"), [
    ("https://img.shields.io/badge/PDF-NeurIPS 2023-10868", "NeurIPS", 2023),
    ("https://img.shields.io/badge/PDF-NeurIPS%202023-green", "NeurIPS", 2023),
    ("https://img.shields.io/badge/arXiv-2024-red.svg", "arXiv", 2024),
    ("https://img.shields.io/badge/ACL--IJCNLP_2021-blue", "ACL-IJCNLP", 2021),
    ("https://img.shields.io/static/v1?label=Paper&message=ICML%202024&color=blue", "ICML", 2024),
    ("https://img.shields.io/badge/GitHub-%23121011.svg?logo=github", None, None),
    ("https://example.org/badge/PDF-NeurIPS%202023-green", None, None),
])
def test_venue_badges(badge, venue, year):
    readme = parse_readme(html_row(f'<a href="https://arxiv.org/abs/2302.03169"><img src="{badge}"></a>'))
    row = readme.sections[0].rows[0]
    assert (row.venue, row.year, row.url, row.arxiv_id) == (
        venue, year, "https://arxiv.org/abs/2302.03169", "2302.03169")
    assert row.entry_type is None


@pytest.mark.parametrize("code", ["", " ", "-", "🚧", "<a>none</a>", '<a href="javascript:alert(1)">x</a>'])
def test_missing_code_cells(code):
    assert parse_readme(html_row("ICML 2023", code=code)).sections[0].rows[0].code_url is None


def test_html_cell_details():
    text = html_row(
        "ICML'23",
        title='<b>**Bold**</b> <a href="https://arxiv.org/abs/2401.00001">Linked<br>Title</a> &amp; '
              '&#42;stars&#42; <img src="https://img.shields.io/github/stars/a/b"> ⭐',
        code='<a href="https://github.com/a/b">code</a>',
    )
    row = parse_readme(text).sections[0].rows[0]
    assert row.title == "Bold Linked Title & *stars*"
    assert (row.url, row.venue, row.year, row.code_url) == (
        "https://arxiv.org/abs/2401.00001", "ICML", 2023, "https://github.com/a/b")


def test_title_cell_with_code_and_pdf_links():
    text = ("## P\n\n| Paper | Venue |\n| --- | --- |\n"
            "| [Real Title](https://a.org/x) \\| [[code](https://github.com/o/r)] | NeurIPS 2020 |\n"
            "| Only Badges [![pdf](https://x.org/b.svg)](https://arxiv.org/abs/2001.00001) | 2020 |\n")
    first, second = parse_readme(text).sections[0].rows
    assert (first.title, first.url, first.code_url) == (
        "Real Title", "https://a.org/x", "https://github.com/o/r")
    assert (second.title, second.url, second.year) == (
        "Only Badges", "https://arxiv.org/abs/2001.00001", 2020)


def test_html_table_survives_blank_lines_and_missing_close_tags():
    text = ("# T\n\n## Papers\n\n<table>\n<tr><th>Title</th><th>Venue</th></tr>\n\n"
            "<tr><td>One<td>ICML 2020\n\n<tr><td>Two</td><td>2021</td></tr>\n")
    readme = parse_readme(text)
    assert [(r.title, r.venue, r.year) for r in readme.sections[0].rows] == [
        ("One", "ICML", 2020), ("Two", None, 2021)]
    assert [(p.line, p.rule) for p in readme.problems] == [(5, "unclosed-table"), (8, "unclosed-tr")]


def test_header_row_of_td_cells_and_markdown_inside_details():
    text = ("## A\n\n<table><tr><td>Paper</td><td>Venue</td></tr>"
            "<tr><td>P</td><td>ICML 2020</td></tr></table>\n\n<details>\n<summary>More</summary>\n"
            "### B <img src='https://img.shields.io/badge/a b-c'>\n"
            "| Title | Venue |\n| --- | --- |\n| Q | 2021 |\n</details>\n")
    readme = parse_readme(text)
    rows = [[(r.title, r.venue, r.year) for r in s.rows] for s in readme.sections]
    assert rows == [[("P", "ICML", 2020)], [("Q", None, 2021)]]
    assert rules(text) == [(7, "badge-raw-space")]  # once, though both parsers see that line


def test_unclosed_table_is_closed_by_the_next_heading():
    text = "## A\n\n<table>\n<tr><th>Title</th></tr>\n<tr><td>One</td></tr>\n\n## B\n\ntext\n"
    readme = parse_readme(text)
    assert [len(s.rows) for s in readme.sections] == [1, 0]
    assert [(p.line, p.rule) for p in readme.problems] == [(3, "unclosed-table")]


def test_tables_without_a_title_column_are_not_papers():
    text = "## A\n\n| Key | Value |\n| --- | --- |\n| x | y |\n\n<table><tr><th>Year</th></tr></table>\n"
    readme = parse_readme(text)
    assert readme.sections[0].rows == []
    assert [p.rule for p in readme.problems] == ["unrecognised-table", "unrecognised-table"]


def test_headings_cleaned_and_boilerplate_skipped():
    text = (
        "# Awesome X\n\n## Contents\n\n- [Methods](#methods)\n\n"
        "## Methods: <a name=\"methods\"></a>\n\n### 🔥 Hot Topics :fire: [back to top](#contents)\n\n"
        "- [P](https://a.org/p) - *T*.\n\n"
        "## Star History\n\n### Chart\n\n- [Q](https://a.org/q)\n\n"
        "## Acknowledgements\n\n## Later\n\n<a name=\"old-anchor\"></a>\n\n## Renamed\n"
    )
    readme = parse_readme(text)
    assert [(s.path, s.slug) for s in readme.sections] == [
        (["Methods"], "methods"), (["Methods", "Hot Topics"], "-hot-topics-fire-back-to-top"),
        (["Later"], "later"), (["Renamed"], "old-anchor")]
    assert [r.title for r in readme.sections[1].rows] == ["P"]


def test_title_is_the_first_heading_only_when_it_is_an_h1():
    readme = parse_readme("## Papers\n\n# Big\n\n- [P](https://a.org/p)\n")
    assert readme.title is None
    assert [s.path for s in readme.sections] == [["Papers"], ["Big"]]
    assert parse_readme("").title is None and parse_readme("").sections == []


def test_headings_before_the_contents_heading_are_not_sections():
    text = "# T\n\n## News\n\n## Introduction\n\n## Table of Contents\n\n- [A](#a)\n\n## A\n"
    assert [s.path for s in parse_readme(text).sections] == [["A"]]


def test_rows_before_any_section_are_loose():
    readme = parse_readme("| Title | Venue |\n| --- | --- |\n| P | ICML 2020 |\n")
    assert readme.sections == []
    assert [(r.title, r.venue) for r in readme.loose_rows] == [("P", "ICML")]
    assert [p.rule for p in readme.problems] == ["rows-outside-section"]


def test_crlf_bom_and_nul_are_read():
    text = "\ufeff# T\r\n\r\n## A\r\n\r\n- [P\x00](https://a.org/p) - ICML 2020.\r\n"
    readme = parse_readme(text)
    assert readme.title == "T" and readme.sections[0].rows[0].venue == "ICML"


@pytest.mark.parametrize("garbage", [
    "<table>" * 500, "</tr></td></table>" * 50, "<tr><td>x" * 200, "#" * 10_000, ">" * 5_000 + "x",
    "- " * 3000 + "[x](y)", "<details>\n# a\n" * 100, "&#99999999999;&#xD800;&bogus;<img src='a b'>",
    "| a |\n|---|\n" + "| b | c | d |\n" * 100, "<!--", "<![CDATA[", "<a href='", "\x00\x01\x02",
])
def test_garbage_never_crashes(garbage):
    assert isinstance(parse_readme(garbage), ParsedReadme)
    assert isinstance(lint_readme(garbage), list)


def test_non_text_is_an_input_error():
    with pytest.raises(InputError):
        parse_readme(b"# bytes")  # type: ignore[arg-type]


_MARKUP = st.sampled_from([
    "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>Title</th>", "<th>Venue</th>", "\n", "\n\n",
    "# ", "## ", "- ", "| ", " |", "|---|", "[", "]", "(", ")", "](", "https://a.org", "![", '<a href="',
    '">', "</a>", '<img src="https://img.shields.io/badge/PDF-A 2023-1">', "&amp;", "&#", "<details>",
    "</details>", "<!--", "-->", "```", "*", "_", "\\", "Title", "Contents", "Citation", ":", "<br>", "\t",
    "    ", "\r", "é", "🔥", "<", ">", "'23",
])


@FAST
@given(st.lists(st.one_of(_MARKUP, st.text(max_size=4)), max_size=40))
def test_fuzzed_markup_never_crashes(parts):
    text = "".join(parts)
    readme = parse_readme(text)
    assert all(p.severity in ("error", "warning", "info") and p.line >= 1 for p in lint_readme(text))
    assert all(row.title for section in readme.sections for row in section.rows)


# ---------------------------------------------------------------------------------------------------------
# Lint rules one by one


def rules(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.rule) for p in lint_readme(text)]


def test_lint_rules_on_small_inputs():
    assert rules("# T [![A](https://x.org/a.svg)]()\n\ntext [x]() and <a href=\"\">y</a>\n") == [
        (1, "empty-link"), (3, "empty-link"), (3, "empty-link")]
    assert rules('<p>\n<img src="https://img.shields.io/badge/a b-c">\n</p>\n') == [(2, "badge-raw-space")]
    assert rules("# T\n\n## A:\n") == [(3, "heading-colon")]
    dup = "## A\n\n- [P](https://arxiv.org/abs/2301.00001)\n- [Q](https://arxiv.org/pdf/2301.00001v2.pdf)\n"
    assert rules(dup) == [(4, "duplicate-link")]
    assert rules("## A\n\n- [P](https://a.org/x/)\n- [Q](https://A.org/x)\n") == [(4, "duplicate-link")]
    assert rules("## A\n\n- [P](https://a.org/x)\n- [Q](https://a.org/y)\n") == []


def test_lint_toc_rules():
    text = ("# T\n\n## Contents\n\n- [A](#a)\n  - [Gone](#gone)\n- [C](#c)\n- [B](#b)\n\n"
            "## A\n\n### A1\n\n#### Deep\n\n## B\n\n## C\n\n## Extra\n")
    assert [(p.line, p.rule, p.message.split()[0]) for p in lint_readme(text)] == [
        (6, "toc-mismatch", "contents"), (8, "toc-mismatch", "contents"), (12, "toc-mismatch", "heading"),
        (20, "toc-mismatch", "heading")]
    # A contents list only two levels deep does not ask for the deeper headings.
    assert rules("# T\n\n## Contents\n\n- [A](#a)\n\n## A\n\n### B\n") == []


# ---------------------------------------------------------------------------------------------------------
# Rendering


SAMPLE = [
    RenderSection(["Inference"], "inference", [], "Making models cheaper to run."),
    RenderSection(["Inference", "Speculative Decoding"], "speculative-decoding", [
        paper("Fast Inference from Transformers via Speculative Decoding", url="https://arxiv.org/abs/2211.17192",
              code_url="https://github.com/feifeibear/LLMSpeculativeSampling", venue="ICML", year=2023,
              topics=["Speculative Decoding"]),
        paper("Blockwise Parallel Decoding for Deep Autoregressive Models",
              url="https://arxiv.org/abs/1811.03115", venue="NeurIPS", year=2018,
              topics=["Speculative Decoding", "Parallel Decoding"]),
    ]),
    RenderSection(["Inference", "Speculative Decoding", "Drafting"], "drafting", [
        paper("Draft and Verify", url="https://arxiv.org/abs/2309.08168", venue="arXiv", year=2023,
              code_url="https://gitlab.com/example/draft", topics=["Self-Speculation"]),
    ]),
    RenderSection(["Data"], "data", []),
    RenderSection(["Data", "Selection"], "selection", [
        paper("Data Selection via Importance Resampling", url="https://arxiv.org/abs/2302.03169", year=2023,
              topics=["Data Selection"]),
        paper("A Paper Without a Link", venue="Findings of ACL", year=2023, topics=[]),
    ]),
    RenderSection(["Data", "Selection Methods"], "old-selection-anchor", []),
]


@pytest.mark.parametrize("style", STYLES)
def test_render_structure(style):
    intro = "An intro  \nwith *Markdown*.\n\n\n\nEnd."
    text = render_readme("Awesome Small Models", SAMPLE, style, intro=intro)
    lines = text.split("\n")
    assert lines[0] == "# Awesome Small Models [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)"
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert all(line == line.rstrip() for line in lines)
    assert "\n\n\n" not in text
    assert sum(line.startswith("# ") for line in lines) == 1
    assert "An intro\nwith *Markdown*.\n\nEnd." in text
    for position, line in enumerate(lines):
        if line.startswith("#") and position:
            assert lines[position - 1] == "" and lines[position + 1] == ""
    assert f"\n{begin_marker(style, None)}\n" in text and END_MARKER in text
    assert '<a name="old-selection-anchor"></a>\n\n### Selection Methods' in text
    assert "## Inference\n\nMaking models cheaper to run.\n\n### Speculative Decoding" in text
    assert "#### Drafting" in text
    contents = text.split("## Contents\n\n")[1].split("\n\n")[0]
    assert contents.split("\n") == [
        "- [Inference](#inference)", "  - [Speculative Decoding](#speculative-decoding)",
        "    - [Drafting](#drafting)", "- [Data](#data)", "  - [Selection](#selection)",
        "  - [Selection Methods](#selection-methods)"]
    assert lint_readme(text) == []
    again = parse_readme(text)
    assert [(s.path, s.slug, s.description) for s in again.sections] == [
        (s.path, s.slug, s.description) for s in SAMPLE]
    assert facts(rows_of(again)) == facts([row for s in SAMPLE for row in s.rows])
    assert render_readme("Awesome Small Models", SAMPLE, style, intro=intro) == text


def test_render_toc_depth_and_duplicate_titles():
    sections = [RenderSection(["A"], "a", []), RenderSection(["A", "Same"], "same", []),
                RenderSection(["B"], "b", []), RenderSection(["B", "Same"], "same-1", []),
                RenderSection(["Contents"], "contents-1", [])]
    body = render_sections(sections, "list", toc_depth=1)
    assert "- [A](#a)\n- [B](#b)\n- [Contents](#contents-1)\n\n## A" in body
    assert "<a name" not in body  # GitHub's own anchors equal the slugs
    assert "### Same" in body and lint_readme("# T\n\n" + body) == []
    slugs = [s.slug for s in parse_readme("# T\n\n" + body).sections]
    assert slugs == ["a", "same", "b", "same-1", "contents-1"]
    assert render_sections([], "html") == ""
    with pytest.raises(InputError):
        render_sections(sections, "yaml")
    with pytest.raises(InputError):
        render_sections(sections, "list", toc_depth=0)


def test_render_html_badges_are_encoded():
    row = paper("T", url="https://a.org/p?x=1&y=2", venue="ACL-IJCNLP Findings", year=2021,
                code_url="https://github.com/o/r")
    text = render_sections([RenderSection(["S"], "s", [row])], "html")
    assert '<a href="https://a.org/p?x=1&amp;y=2">' in text
    badge = "https://img.shields.io/badge/PDF-ACL--IJCNLP%20Findings%202021-green"
    assert f'src="{badge}" alt="ACL-IJCNLP Findings 2021"' in text
    assert "logo=github&amp;logoColor=white" in text
    assert " " not in re.findall(r'src="([^"]*)"', text)[0]


EVIL_TITLE = "</td><script>alert(1)</script> | *x* [y](javascript:alert(1)) `z` &amp; \\ _u_ ~~s~~ #"


@pytest.mark.parametrize("style", STYLES)
def test_render_escapes_everything_user_supplied(style):
    evil = paper(EVIL_TITLE, url="javascript:alert(1)", code_url="data:text/html,x", venue="<b>V|e</b>",
                 year=2023, topics=["A|B", "<i>C</i>"])
    text = render_readme("<script>T</script>", [RenderSection(["<img src=x onerror=alert(1)>"], "s", [evil])],
                         style)
    assert "data:text" not in text
    from markdown_it import MarkdownIt

    shown = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    assert "<script" not in shown and "<img src=x" not in shown and "<b>" not in shown
    assert not re.search(r"""(href|src)=["']?(javascript|data):""", shown)
    assert len(re.findall("<td>", shown)) in (0, 4)
    again = parse_readme(text)
    assert again.title == "<script>T</script>"
    assert again.sections[0].path == ["<img src=x onerror=alert(1)>"]
    row = again.sections[0].rows[0]
    assert (row.title, row.url, row.code_url, row.venue, row.year, row.topics) == (
        EVIL_TITLE, None, None, "<b>V|e</b>", 2023, ["A|B", "<i>C</i>"])
    assert lint_readme(text) == []


def test_render_table_pipes_are_aligned():
    row = paper("Wide | title with ü and 中文", url="https://a.org/p", venue="NeurIPS", year=2023,
                topics=["X"])
    text = render_sections([RenderSection(["S"], "s", [row, paper("Short")])], "table")
    table = [line for line in text.split("\n") if line.startswith("|")]
    assert len(table) == 4 and len({len(line) for line in table}) == 1
    assert "Wide \\| title" in text


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1,
                max_size=8)
_TITLE_CHARS = "abcXYZ019 *_[]`\\<>|#~&;:!?'\"(){}-.,/@%+=é中"
_NOT_TITLES = ("na", "tbd", "code", "paper", "pdf", "link")
_TITLES = st.text(alphabet=_TITLE_CHARS, min_size=1, max_size=40).map(lambda t: " ".join(t.split())).filter(
    lambda t: any(ch.isalpha() for ch in t) and t.lower() not in _NOT_TITLES)
_TOPICS = st.lists(
    st.text(alphabet="abcXYZ 0-*_|<>&'()", min_size=1, max_size=15).map(lambda t: " ".join(t.split())).filter(
        lambda t: any(ch.isalpha() for ch in t) and t.lower() not in ("na", "n/a")), max_size=3, unique=True)
_URLS = st.one_of(st.none(), st.builds(
    lambda path, query: f"https://example.org/{path}" + (f"?q={query}&r=1" if query else ""),
    st.text(alphabet="abcXYZ019-._~/", max_size=20), st.text(alphabet="abc019-_", max_size=5)))
_CODES = st.one_of(st.none(), st.builds(lambda o, r: f"https://github.com/{o}/{r}", _WORD, _WORD),
                   st.just("https://gitlab.com/x/y"))
_VENUES = st.sampled_from([None, "NeurIPS", "ICML", "arXiv", "ACL-IJCNLP", "V|e", "C*", "<V>", "A&B", "TMLR"])
_YEARS = st.one_of(st.none(), st.integers(1950, 2099))


@st.composite
def _rows(draw):
    venue, year = draw(_VENUES), draw(_YEARS)
    return paper(draw(_TITLES), url=draw(_URLS), code_url=draw(_CODES), venue=venue, year=year,
                 topics=draw(_TOPICS))


@FAST
@given(st.lists(_rows(), min_size=1, max_size=4), st.sampled_from(STYLES))
def test_random_rows_round_trip(rows, style):
    if style == "list":
        # A bullet description names a venue without a year only as arXiv or one acronym-like word
        # ("ICML"); anything else there is read as a free-text note.
        acronyms = (None, "NeurIPS", "ICML", "arXiv", "ACL-IJCNLP", "TMLR")
        assume(all(row.year or row.venue in acronyms for row in rows))
    text = render_readme("T", [RenderSection(["S"], "s", rows)], style)
    again = parse_readme(text)
    assert facts(again.sections[0].rows) == facts(rows)
    assert again.problems == []


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("title", ["[0]0 X", "[x](y) z", "[DSV2] DSV2: A Strong Model", "[x]", "a [x] b",
                                   "a (@)", "Ab Cd(@Lab)", "Ab (1999)", "Ab [2023]", "Ab Cd (ICML 2023)"])
@pytest.mark.parametrize("url", [None, "https://a.org/p"])
def test_a_title_with_brackets_at_its_ends_round_trips(style, title, url):
    # The writer escapes the bracket, so the reader keeps it: not the '[Abbrev] Title', 'Title (@Org)' or
    # 'Title (Venue YYYY)' of real lists.
    text = render_readme("T", [RenderSection(["S"], "s", [paper(title, url=url)])], style)
    (row,) = parse_readme(text).sections[0].rows
    assert (row.title, row.url, row.extra.get("shorttitle")) == (title, url, None)


def test_an_escaped_bracket_starting_a_title_is_the_titles_own():
    text = ("## A\n\n| Title | Code |\n| --- | --- |\n| [KVQ] KVQ: Caches for Long Context | |\n"
            "| \\[KVQ\\] KVQ: Caches for Long Context | |\n\n"
            "- **[PlanX] Plans Explained**. *Ann Smith*. ICRA 2023.\n"
            "- **\\[PlanX\\] Plans Explained**. *Ann Smith*. ICRA 2023.\n")
    rows = rows_of(parse_readme(text))
    assert [(row.title, row.extra.get("shorttitle")) for row in rows] == [
        ("KVQ: Caches for Long Context", "KVQ"), ("[KVQ] KVQ: Caches for Long Context", None),
        ("Plans Explained", "PlanX"), ("[PlanX] Plans Explained", None)]


def test_an_escaped_parenthesis_ending_a_title_is_the_titles_own():
    text = ("## A\n\n| Title | Code |\n| --- | --- |\n| Fast Caches (ICML 2023) | |\n"
            "| Fast Caches (ICML 2023\\) | |\n| Fast Caches(@Lab) | |\n| Fast Caches(@Lab\\) | |\n\n"
            "- **Plans Explained (ICRA 2023)**. *Ann Smith*.\n"
            "- **Plans Explained (ICRA 2023\\)**. *Ann Smith*.\n")
    rows = rows_of(parse_readme(text))
    assert [(row.title, row.venue, row.year) for row in rows] == [
        ("Fast Caches", "ICML", 2023), ("Fast Caches (ICML 2023)", None, None), ("Fast Caches", None, None),
        ("Fast Caches(@Lab)", None, None), ("Plans Explained", "ICRA", 2023),
        ("Plans Explained (ICRA 2023)", None, None)]


_HEADINGS = st.text(alphabet="abcXYZ019 *_[]`\\<>|#~&'()-.,é", min_size=1, max_size=20).map(
    lambda t: " ".join(t.split())).filter(lambda t: any(ch.isalnum() for ch in t))


@FAST
@given(st.lists(st.tuples(st.integers(1, 3), _HEADINGS), min_size=1, max_size=6))
def test_random_heading_trees_round_trip(specs):
    sections, path = [], []
    for depth, title in specs:
        path = [*path[: min(depth, len(path) + 1) - 1], title]
        sections.append(RenderSection(list(path), "", []))
    text = render_readme("T", sections, "list")
    again = parse_readme(text)
    assert [s.path for s in again.sections] == [s.path for s in sections]
    assert not [p for p in lint_readme(text) if p.rule != "duplicate-link"]


# ---------------------------------------------------------------------------------------------------------
# The generated region


def test_replace_region():
    readme = f"# Mine\n\nIntro stays.\n\n{BEGIN_MARKER}\nold stuff\n{END_MARKER}\n\n## Citation\n\nkept\n"
    generated = render_sections(SAMPLE, "list")
    updated = replace_region(readme, generated)
    assert updated.startswith("# Mine\n\nIntro stays.\n\n" + BEGIN_MARKER + "\n\n## Contents")
    assert updated.endswith(f"\n\n{END_MARKER}\n\n## Citation\n\nkept\n")
    assert "old stuff" not in updated
    assert replace_region(updated, generated) == updated
    assert replace_region(readme, "") == readme.replace("\nold stuff\n", "\n\n")
    assert lint_readme(updated) == []


def test_the_begin_marker_records_the_region_options():
    assert begin_marker("table", 2) == "<!-- survey-db:begin style=table toc-depth=2 -->"
    assert begin_marker("html", None) == "<!-- survey-db:begin style=html toc-depth=all -->"
    for style in STYLES:
        for depth in (1, 2, 5, None):
            text = f"# Mine\n\n{begin_marker(style, depth)}\n{END_MARKER}\n"
            recorded = region_options(text)
            assert (recorded.style, recorded.toc_depth, recorded.all_levels) == (style, depth, depth is None)
    assert region_options(f"{BEGIN_MARKER}\n{END_MARKER}\n") == RegionOptions()  # a plain marker: none
    assert region_options("<!--survey-db:begin   style=list-->") == RegionOptions("list")
    readme = f"# Mine\n\n{BEGIN_MARKER}\nold\n{END_MARKER}\n\nkept\n"
    updated = replace_region(readme, "## Contents\n", begin_marker("list", 3))
    assert updated == f"# Mine\n\n{begin_marker('list', 3)}\n\n## Contents\n\n{END_MARKER}\n\nkept\n"
    assert replace_region(updated, "## Contents\n", begin_marker("list", 3)) == updated
    assert lint_readme(updated) == [] and parse_readme(updated).problems == []


@pytest.mark.parametrize(("marker", "message"), [
    ("<!-- survey-db:begin style=fancy -->", "style 'fancy' is not one of html, table, list"),
    ("<!-- survey-db:begin toc-depth=0 -->", "toc-depth '0' is not a number from 1, or 'all'"),
    ("<!-- survey-db:begin colour=red -->", "an option survey-db does not know: colour"),
])  # fmt: skip
def test_a_begin_marker_with_bad_options_is_an_error(marker, message):
    with pytest.raises(InputError, match=re.escape(message)):
        region_options(f"{marker}\n{END_MARKER}\n")


@pytest.mark.parametrize("readme", [
    "# No markers\n", f"{BEGIN_MARKER}\n", f"{END_MARKER}\n{BEGIN_MARKER}\n",
    f"{BEGIN_MARKER}\n{END_MARKER}\n{BEGIN_MARKER}\n{END_MARKER}\n",
    f"{begin_marker('list', 2)}\n{END_MARKER}\n{BEGIN_MARKER}\n{END_MARKER}\n",
])
def test_replace_region_needs_one_pair_of_markers(readme):
    with pytest.raises(InputError, match="survey-db"):
        replace_region(readme, "x")


def test_lint_rules_names_every_rule_the_linter_reports():
    """`check --rule` takes LINT_RULES: every rule name a Problem of the package is made with is there."""
    from survey_db.markdown import LINT_RULES

    package = Path(__file__).resolve().parents[1] / "src" / "survey_db" / "markdown"
    made = set()
    for source in package.glob("*.py"):
        text = source.read_text()
        made |= set(re.findall(r'(?:problem|Problem)\([^"]*?"([a-z][a-z-]+)"', text))
    assert made and made == set(LINT_RULES) and len(LINT_RULES) == len(set(LINT_RULES))


def test_module_import_is_light():
    code = ("import sys, survey_db.markdown; "
            "print(sorted(m for m in ('markdown_it', 'html.parser') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[1] / "src"),
                                                                      os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


# ---------------------------------------------------------------------------------------------------------
# External linters (run only where installed)



def exported_readmes(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    """README files to lint, each with the awesome-lint rules it must skip beyond the offline ones."""
    out: dict[str, tuple[Path, list[str]]] = {}
    sample = [s for s in SAMPLE if s.path[0] != "Data" or len(s.path) == 1] + [
        RenderSection(["Data", "Selection"], "selection", SAMPLE[4].rows[:1])]
    for style in STYLES:
        out[f"sample-{style}"] = (render_readme("Awesome Small Models", sample, style, toc_depth=2), [])
    upstream_readme = upstream_file("README.md")
    if upstream_readme.is_file():
        parsed = parse_readme(upstream_readme.read_text(encoding="utf-8"))
        for style in STYLES:
            # The upstream data itself repeats links (LOVE's row points at SuperICL's paper; two rows share
            # a code repository), which awesome-lint's double-link rule reports whatever the rendering.
            out[f"upstream-{style}"] = (render_parsed(parsed, style, toc_depth=2), ["double-link"])
    paths = {}
    for name, (text, skip) in out.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "README.md").write_text(text, encoding="utf-8")
        paths[name] = (folder / "README.md", skip)
    return paths


def test_markdownlint_cli2_accepts_exported_readmes(tmp_path: Path):
    readmes = exported_readmes(tmp_path)
    problems = markdownlint([path for path, _ in readmes.values()], tmp_path)
    assert not problems, problems


def test_awesome_lint_accepts_exported_readmes(tmp_path: Path):
    failures = []
    for name, (path, skip) in exported_readmes(tmp_path).items():
        problems = awesome_lint(path, skip)
        if problems:
            failures.append(f"{name}:\n{problems}")
    assert not failures, "\n".join(failures)
