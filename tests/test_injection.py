"""Hostile text in titles and fields is stored as it is and exported inertly, on every exporter.

Each value below goes into a title, an abstract, a note, an extra BibTeX field (through a CSV import), a
topic, a venue, an author, a section title and the survey's title. Every export is read back with a real
parser (our importers, bibtexparser, markdown-it and Python's HTML, JSON and CSV parsers): the same values
come back, and no extra entry, cell, row, tag, link or command appears. Where bibtex, biber and pdflatex
are installed the BibTeX and BibLaTeX exports are compiled, and LaTeX must not have opened /etc/passwd.
"""

from __future__ import annotations

import csv
import html.parser
import io
import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import textools
from survey_db.db import open_database
from survey_db.latex import latex_to_unicode

HOSTILE = {
    "html": "</td><script>alert('td')</script><td>",
    "pipe": "a | b || c \\| d",
    "brace": "closing } brace }} and { open",
    "comment": "@comment{ and @misc{evil, title={x}} @string{a=b}",
    "input": "\\input{/etc/passwd} \\write18{touch /tmp/pwned} \\def\\x{y} "
    "\\csname input\\endcsname{/etc/passwd}",
    "javascript": '[click](javascript:alert(1)) <a href="javascript:alert(2)">x</a> javascript:alert(3)',
    "newline": "line one\nline two\n\n# not a heading\n- not a list\n@misc{x,\n}",
    "markdown": "**bold** _it_ `code` ![img](http://x.org/i.png) <!-- c --> &amp; &#60; [l][r] <b>",
    "latex": "100% $x^2$ # & _ ~ ^ \\\\ \\ end",
}
SECTION = "Evil | pipe `x` [l](javascript:y) *em* <b"
SURVEY_TITLE = "Survey </h1><script>alert(1)</script> | [a](javascript:b) *x*"
URL = 'https://example.org/{name}?q="><script>alert(1)</script>(x)[y]|z'
CODE = "https://github.com/a/b?x=1&y=<2>"


def squash(text: str) -> str:
    return " ".join(text.split())


def title_of(name: str) -> str:
    return squash(f"{name}: {HOSTILE[name]}")


def topic_of(name: str) -> str:
    """The value as a topic: without ',' and ';', which separate topics in every format."""
    return squash(f"Topic {name} " + HOSTILE[name].replace(",", " ").replace(";", " ")[:60])


@pytest.fixture(scope="module")
def hostile(templates, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database holding one paper per hostile value, all in one hostile section, plus CSV-imported papers
    whose extra fields hold the values. Made once for the module; the tests only read it."""
    from typer.testing import CliRunner

    from survey_db.cli import app

    folder = tmp_path_factory.mktemp("hostile")
    db = templates.copy("empty", False, folder / "hostile.db")
    runner = CliRunner()

    def cli(*args: str, db: str):
        result = runner.invoke(app, ["--db", db, *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    assert cli("section", "add", SECTION, db=db).exit_code == 0
    for name, value in HOSTILE.items():
        result = cli(
            "add", "--title", f"{name}: {value}", "--abstract", value, "--note", value,
            "--topic", topic_of(name), "--venue", f"Ven|ue</td> {name}",
            "--author", "Ev}il {Author", "--author", f"{name} {{Brace}}", "--year", "2024",
            "--url", URL.format(name=name), "--code", CODE, "--section", SECTION,
            db=db,
        )  # fmt: skip
        assert result.exit_code == 0, (name, result.stderr)
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["Title", "howpublished", "annote"])
    for name, value in HOSTILE.items():
        writer.writerow([f"extra {name}", value, value])
    (folder / "extras.csv").write_text(rows.getvalue(), encoding="utf-8")
    result = cli("import", str(folder / "extras.csv"), db=db)
    assert result.exit_code == 0, result.stderr
    from survey_db.services.io import set_meta

    database = open_database(db)
    with database.session() as session:
        set_meta(session, {"title": SURVEY_TITLE})
    database.engine.dispose()
    return db


def stored(cli, db: str) -> dict[str, dict]:
    papers = json.loads(cli("query", "--format", "json", db=db).stdout)
    return {paper["key"]: paper for paper in papers}


def test_values_are_stored_as_they_are(cli, hostile: str):
    papers = stored(cli, hostile)
    assert len(papers) == 2 * len(HOSTILE)
    by_title = {paper["title"]: paper for paper in papers.values()}
    for name, value in HOSTILE.items():
        paper = by_title[title_of(name)]  # a title is one line: whitespace runs become one space
        assert paper["abstract"] == value and paper["note"] == value
        assert paper["authors"] == ["Ev}il {Author", f"{name} {{Brace}}"]
        assert paper["url"] == URL.format(name=name) and paper["code_url"] == CODE
        assert paper["venue"] == f"Ven|ue</td> {name}"
        assert paper["sections"] == [[SECTION]]
        assert paper["topics"] == [topic_of(name)]
        # Extra fields hold BibTeX's LaTeX: the CSV cell's text is kept as the LaTeX that reads as it.
        extra = by_title[f"extra {name}"]["extra"]
        assert set(extra) == {"howpublished", "annote"}
        assert all(latex_to_unicode(latex) == value for latex in extra.values())


def test_a_topic_with_a_separator_is_refused(cli, empty_db):
    result = cli("add", "--title", "x", "--topic", "Topic, with comma", db=empty_db)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: topic 'Topic, with comma' cannot contain ',' or ';'")
    assert cli("add", "--title", "y", "--topic", "Fine", db=empty_db).exit_code == 0
    renamed = cli("topic", "rename", "Fine", "Not; fine", db=empty_db)
    assert renamed.exit_code == 1 and "cannot contain" in renamed.stderr


def test_a_javascript_link_is_refused(cli, empty_db):
    for option in ("--url", "--code"):
        result = cli("add", "--title", "x", option, "javascript:alert(1)", db=empty_db)
        assert result.exit_code == 1 and "is not an http(s) URL" in result.stderr


# -- JSON, CSL-JSON, CSV -------------------------------------------------------------------------------------


def test_json_export_gives_the_same_values(cli, hostile: str):
    exported = json.loads(cli("export", "--json", db=hostile).stdout)
    assert {paper["key"]: paper for paper in exported} == stored(cli, hostile)


def test_csl_json_export_gives_the_same_values(cli, hostile: str):
    papers = stored(cli, hostile)
    items = json.loads(cli("export", "--csl-json", db=hostile).stdout)
    assert sorted(item["id"] for item in items) == sorted(papers)
    for item in items:
        paper = papers[item["id"]]
        assert item["title"] == paper["title"]
        if paper["abstract"]:
            assert item["abstract"] == paper["abstract"]
            assert item["URL"] == paper["url"]
    # and our own CSL-JSON importer reads it back to the same titles
    from survey_db.csl import csl_to_records

    assert sorted(r.title for r in csl_to_records(items)) == sorted(p["title"] for p in papers.values())


def test_csv_export_gives_the_same_cells(cli, hostile: str):
    papers = stored(cli, hostile)
    rows = list(csv.DictReader(io.StringIO(cli("export", "--csv", db=hostile).stdout)))
    assert len(rows) == len(papers)
    for row in rows:
        paper = papers[row["key"]]
        assert len(row) == 16 and None not in row  # no cell spilled into another column
        for column in ("title", "abstract", "note", "url", "code_url", "venue"):
            assert row[column] == (paper[column] or ""), column
        assert row["sections"] == (SECTION if paper["sections"] else "")


# -- BibTeX and BibLaTeX ---------------------------------------------------------------------------------


@pytest.fixture(params=["bibtex", "biblatex"])
def bib_export(request, cli, hostile: str) -> tuple[str, str]:
    result = cli("export", f"--{request.param}", db=hostile)
    assert result.exit_code == 0, result.stderr
    return request.param, result.stdout


def test_bibtex_export_parses_back_to_the_same_values(cli, hostile: str, bib_export):
    from survey_db.bibtex import parse_bibtex

    style, text = bib_export
    papers = stored(cli, hostile)
    parsed = parse_bibtex(text)
    assert [str(e) for e in parsed.errors] == [] and parsed.warnings == []
    assert sorted(r.key for r in parsed.records) == sorted(papers)
    for record in parsed.records:
        paper = papers[record.key]
        assert record.title == paper["title"]
        # BibTeX has no line breaks in a value: whitespace runs read back as one space.
        assert record.abstract == (squash(paper["abstract"]) if paper["abstract"] else None)
        assert record.note == (squash(paper["note"]) if paper["note"] else None)
        assert [n.display for n in record.authors] == paper["authors"]
        assert record.topics == paper["topics"]
        assert record.url == paper["url"]
        assert record.code_url == paper["code_url"]
        for field, value in paper["extra"].items():
            assert squash(record.extra[field]) == squash(value) or _decoded(record.extra[field]) == squash(
                value
            )


def _decoded(latex: str) -> str:
    return squash(latex_to_unicode(latex))


def test_bibtex_export_has_only_the_entries(cli, hostile: str, bib_export):
    """An independent parser (bibtexparser) sees exactly one entry per paper and nothing else: no
    @comment, @string or @preamble block and no failed block, so no value closed its entry early."""
    import bibtexparser

    _, text = bib_export
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert library.comments == [] and library.strings == [] and library.preambles == []
    assert sorted(entry.key for entry in library.entries) == sorted(stored(cli, hostile))
    # every '@' that starts a line starts one of those entries
    heads = [line for line in text.splitlines() if line.lstrip().startswith("@")]
    assert len(heads) == len(library.entries)


def test_bibtex_export_runs_no_command(bib_export):
    """Every backslash that is not one of LaTeX's text commands for a character was escaped."""
    from survey_db.bibtex.values import _UNSAFE_LATEX

    _, text = bib_export
    assert _UNSAFE_LATEX.search(text) is None
    assert "\\input{" not in text and "\\write18" not in text and "\\csname" not in text


def _document(folder: Path, style: str) -> None:
    if style == "bibtex":
        preamble, cite = "", "\\bibliographystyle{plain}\n\\bibliography{refs}"
    else:
        preamble = "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n"
        cite = "\\printbibliography"
    (folder / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{textcomp}\n\\usepackage{url}\n"
        f"{preamble}\\begin{{document}}\n\\nocite{{*}}\n{cite}\n\\end{{document}}\n"
    )


def _compile(folder: Path, style: str) -> str:
    """pdflatex, bibtex or biber, pdflatex twice; the LaTeX log."""
    _document(folder, style)
    latex = ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc"]
    first = textools.run(latex, folder)
    assert first.returncode == 0, first.stdout[-3000:]
    bib = textools.run(["bibtex", "doc"] if style == "bibtex" else ["biber", "doc"], folder)
    assert bib.returncode == 0, bib.stdout[-3000:]
    for _ in range(2):
        final = textools.run(latex, folder)
        assert final.returncode == 0, final.stdout[-3000:]
    assert "passwd" in (folder / "doc.bbl").read_text(errors="replace")  # the text is there, as text
    return (folder / "doc.log").read_text(errors="replace")


def _installed(name: str) -> bool:
    import shutil
    import subprocess

    if shutil.which("kpsewhich") is None:
        return False
    return bool(subprocess.run(["kpsewhich", name], capture_output=True, text=True).stdout.strip())


@pytest.mark.timeout(300)
def test_compiled_bibliography_reads_no_file(bib_export, tmp_path: Path):
    """BibTeX: bibtex and pdflatex. BibLaTeX: biber reads the file without an error (its --tool mode), and
    where biblatex's LaTeX packages are installed pdflatex compiles it too. LaTeX never opens /etc/passwd."""
    style, text = bib_export
    (tmp_path / "refs.bib").write_text(text, encoding="utf-8")
    textools.need("pdflatex", "texlive-latex-base")
    if style == "bibtex":
        textools.need("bibtex", "texlive-binaries")
        log = _compile(tmp_path, style)
    else:
        textools.need("biber", "biber")
        checked = textools.run(["biber", "--tool", "--validate-datamodel", "refs.bib"], tmp_path)
        assert checked.returncode == 0, checked.stdout[-3000:]
        assert "ERROR" not in checked.stdout, checked.stdout[-3000:]
        if not (_installed("biblatex.sty") and _installed("etoolbox.sty")):
            pytest.skip(
                "biblatex's LaTeX packages are not installed (Debian: texlive-bibtex-extra for biblatex.sty, "
                "texlive-latex-recommended for etoolbox.sty)"
            )
        log = _compile(tmp_path, style)
    # LaTeX writes "(/path" to its log for every file it opens; the typeset text may say /etc/passwd.
    assert "(/etc/passwd" not in log and "root:x:0:0" not in log
    assert not Path("/tmp/pwned").exists()


# -- Markdown: html, table and list styles -------------------------------------------------------------------


class Tags(html.parser.HTMLParser):
    """The elements, attributes and cell texts of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.cells: list[list[str]] = []  # per <tr>, the text of its cells
        self.items: list[str] = []
        self.headings: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.cells.append([])
        if tag in ("td", "th", "li", "h1", "h2", "h3"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if self._text is None:
            return
        text = "".join(self._text)
        if tag in ("td", "th"):
            self.cells[-1].append(text)
        elif tag == "li":
            self.items.append(text)
        elif tag in ("h1", "h2", "h3"):
            self.headings.append(text)
        else:
            return
        self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


ALLOWED_TAGS = {"h1", "h2", "h3", "p", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "ul", "li",
                "em", "strong"}  # fmt: skip


def _render(markdown_text: str) -> Tags:
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown_text)
    tags = Tags()
    tags.feed(rendered)
    tags.close()
    return tags


@pytest.mark.parametrize("style", ["html", "table", "list"])
def test_markdown_export_is_inert_and_reads_back(cli, hostile: str, style: str):
    papers = stored(cli, hostile)
    placed = sorted(p["title"] for p in papers.values() if p["sections"])
    text = cli("export", "--markdown", "--style", style, db=hostile).stdout
    tags = _render(text)

    # Nothing but the elements a README of paper tables has; links only to http(s) or the page itself.
    assert {tag for tag, _ in tags.tags} <= ALLOWED_TAGS, {tag for tag, _ in tags.tags} - ALLOWED_TAGS
    for tag, attrs in tags.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                scheme = urlsplit(attrs[name]).scheme
                assert scheme in ("http", "https") or attrs[name].startswith("#"), (tag, attrs)

    # The headings are the survey title, Contents and the section, each as written.
    assert tags.headings[0].strip() == SURVEY_TITLE  # then the Awesome badge, an image
    assert SECTION in tags.headings
    if style == "list":
        items = [item for item in tags.items if item.startswith(tuple(HOSTILE))]
        # each item is "title - topics, venue, code.": the longest stored title it starts with
        titles = sorted(max((t for t in placed if item.startswith(t + " - ")), key=len) for item in items)
        assert titles == placed
    else:
        [header, *rows] = tags.cells
        assert header == ["Title", "Topic", "Venue", "Code"]
        assert all(len(row) == 4 for row in rows), [len(row) for row in rows]
        assert sorted(row[0] for row in rows) == placed
        by_title = {p["title"]: p for p in papers.values()}
        for row in rows:
            assert row[1] == ", ".join(by_title[row[0]]["topics"])

    # Our own README importer reads the same papers, links and section back.
    from survey_db.markdown import parse_readme

    readme = parse_readme(text)
    assert readme.title == SURVEY_TITLE
    [section] = readme.sections
    assert section.path == [SECTION]
    assert sorted(row.title for row in section.rows) == placed
    by_title = {p["title"]: p for p in papers.values()}
    for row in section.rows:
        # The same links: the table and list styles percent-encode what a URL must not hold raw.
        assert unquote(row.url) == by_title[row.title]["url"]
        assert unquote(row.code_url) == CODE
