"""`survey export --taxonomy forest|mermaid|dot|svg`: the taxonomy as a figure, checked by the real tools
(pdflatex and bibtex, mermaid in headless Chromium, Graphviz's dot)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import textools
from browser import chromium_context, npm_file


def section_titles(cli, db: str) -> list[str]:
    return [row["path"][-1] for row in json.loads(cli("sections", "--format", "json", db=db).stdout)]


def test_forest_compiles_with_pdflatex_and_bibtex(cli, seeded_db, tmp_path: Path):
    textools.need("pdflatex", "texlive-latex-base")
    textools.need("bibtex", "texlive-binaries")
    textools.kpsewhich("forest.sty")  # Debian: texlive-pictures
    figure = cli("export", "--taxonomy", "forest", db=seeded_db)
    assert figure.exit_code == 0, figure.stderr
    first = figure.lines[0]
    assert first.startswith("%") and "\\usepackage[edges]{forest}" in figure.lines[1]
    assert "xcolor" in figure.lines[1]
    assert "forked edges" in figure.stdout and "grow'=0" in figure.stdout
    assert "Leviathan~\\cite{leviathan2023fast}" in figure.stdout  # first author's last name
    (tmp_path / "taxonomy.tex").write_text(figure.stdout, encoding="utf-8")
    bib = cli("export", "--bibtex", "-o", str(tmp_path / "refs.bib"), db=seeded_db)
    assert bib.exit_code == 0, bib.stderr
    (tmp_path / "paper.tex").write_text(
        "\\documentclass{article}\n\\usepackage[edges]{forest}\n\\usepackage{xcolor}\n"
        "\\begin{document}\n\\begin{figure}\n\\input{taxonomy}\n\\caption{Taxonomy}\n\\end{figure}\n"
        "\\bibliographystyle{plain}\n\\bibliography{refs}\n\\end{document}\n",
        encoding="utf-8",
    )
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper"]
    first_run = textools.run(latex, tmp_path)
    assert first_run.returncode == 0, first_run.stdout[-3000:]
    bibtex = textools.run(["bibtex", "paper"], tmp_path)
    assert bibtex.returncode == 0, bibtex.stdout
    for _ in range(2):
        final = textools.run(latex, tmp_path)
        assert final.returncode == 0, final.stdout[-3000:]
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace")
    assert "undefined" not in log.lower(), [line for line in log.splitlines() if "undefined" in line.lower()]
    bbl = (tmp_path / "paper.bbl").read_text(encoding="utf-8", errors="replace")
    assert bbl.count("\\bibitem") == 91  # every paper of the shipped survey is cited by the figure


def test_forest_names_a_paper_by_its_shorttitle(cli, empty_db, tmp_path: Path):
    bib = tmp_path / "p.bib"
    bib.write_text(
        "@inproceedings{cai2024medusa,\n  title = {Medusa: Simple {LLM} Inference Acceleration},\n"
        "  author = {Cai, Tianle and Li, Yuhong},\n  year = {2024},\n  shorttitle = {Medusa},\n}\n"
        "@inproceedings{li2024eagle,\n  title = {{EAGLE}: Speculative Sampling},\n"
        "  author = {Li, Yuhui and Wei, Fangyun},\n  year = {2024},\n}\n",
        encoding="utf-8",
    )
    assert cli("import", str(bib), db=empty_db).exit_code == 0
    assert cli("section", "add", "Inference", db=empty_db).exit_code == 0
    assert cli("section", "add", "Inference > Speculative & Fast_Decoding", db=empty_db).exit_code == 0
    for key in ("cai2024medusa", "li2024eagle"):
        moved = cli("mv", key, "--section", "Speculative & Fast_Decoding", db=empty_db)
        assert moved.exit_code == 0, moved.stderr
    out = cli("export", "--taxonomy", "forest", db=empty_db).stdout
    assert "[{Medusa~\\cite{cai2024medusa}, Li~\\cite{li2024eagle}}, leaf]" in out
    assert "[{Speculative \\& Fast\\_Decoding}" in out  # LaTeX's specials escaped


def test_section_depth_and_max_per_leaf(cli, seeded_db):
    sub = cli("export", "--taxonomy", "mermaid", "--section", "Efficient Inference", db=seeded_db)
    assert sub.exit_code == 0, sub.stderr
    assert sub.lines[1] == '  n0["Efficient Inference"]'
    assert "Speculative Decoding" in sub.stdout and "Collaboration" not in sub.stdout
    assert "Leviathan" in sub.stdout
    shallow = cli("export", "--taxonomy", "mermaid", "--depth", "1", db=seeded_db).stdout
    assert '"Collaboration"' in shallow and "SMs Enhance LLMs" not in shallow
    assert "Leviathan" in shallow  # the papers of deeper sections fold into the last level drawn
    capped = cli("export", "--taxonomy", "dot", "--section", "Efficient Inference", "--max-per-leaf", "2",
                 db=seeded_db).stdout  # fmt: skip
    assert "and 13 more" in capped  # 15 papers in 'Ensembling different-size models ...'
    filtered = cli("export", "--taxonomy", "forest", "--year", "1900", db=seeded_db).stdout
    assert "\\cite" not in filtered


def test_bad_taxonomy_options_are_one_line_errors(cli, seeded_db):
    for args, message in (
        (("--taxonomy", "png"), "unknown taxonomy format 'png'"),
        (("--taxonomy", "dot", "--depth", "0"), "--depth must be 1 or more"),
        (("--depth", "2"), "--depth and --max-per-leaf go with --taxonomy"),
        (("--taxonomy", "dot", "--markdown"), "choose one format"),
        (("--taxonomy", "dot", "--section", "Nowhere"), "section"),
    ):
        result = cli("export", *args, db=seeded_db)
        assert result.exit_code == 1, (args, result.stdout)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_mermaid_renders_in_chromium_with_every_section(cli, seeded_db):
    script = npm_file("mermaid", "dist/mermaid.min.js")
    diagram = cli("export", "--taxonomy", "mermaid", db=seeded_db).stdout
    with chromium_context() as browser:
        page = browser.new_page()
        page.set_content("<!doctype html><html><body><div id='out'></div></body></html>")
        page.add_script_tag(path=str(script))
        svg = page.evaluate(
            """async (source) => {
                mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});
                const {svg} = await mermaid.render('taxonomy', source);
                document.getElementById('out').innerHTML = svg;
                return document.querySelector('#out svg').textContent;
            }""",
            diagram,
        )
    text = " ".join(svg.split())
    for title in section_titles(cli, seeded_db):
        assert title in text, title
    assert "Leviathan" in text


def test_svg_drawn_by_graphviz_names_every_section(cli, seeded_db, tmp_path: Path):
    textools.need("dot", "graphviz")
    target = tmp_path / "taxonomy.svg"
    result = cli("export", "--taxonomy", "svg", "-o", str(target), db=seeded_db)
    assert result.exit_code == 0, result.stderr
    root = ET.parse(target).getroot()
    # A long title wraps over lines of its box: one <text> element each, in order.
    texts = " ".join(
        " ".join("".join(el.itertext()).split()) for el in root.iter("{http://www.w3.org/2000/svg}text")
    )
    for title in section_titles(cli, seeded_db):
        assert title in texts, title
    source = cli("export", "--taxonomy", "dot", db=seeded_db).stdout
    assert source.startswith("digraph taxonomy {")


def test_svg_without_graphviz_is_a_clear_error(cli, seeded_db, monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder without a dot program
    assert shutil.which("dot") is None
    result = cli("export", "--taxonomy", "svg", db=seeded_db)
    assert result.exit_code == 1
    assert "Graphviz's dot program is not installed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_markdown_into_readme_with_taxonomy_and_charts(cli, seeded_db, tmp_path: Path):
    pytest.importorskip("matplotlib", reason="charts need the charts extra: pip install 'survey-db[charts]'")
    readme = tmp_path / "README.md"
    intro = (
        "# My list\n\nWritten by hand.\n\n<!-- survey-db:begin -->\nold\n<!-- survey-db:end -->\n\nFooter.\n"
    )
    readme.write_text(intro, encoding="utf-8")
    charts = str(tmp_path / "docs" / "charts")
    result = cli(
        "export", "--markdown", "--into", str(readme), "--with-taxonomy", "--charts", charts, db=seeded_db
    )
    assert result.exit_code == 0, result.stderr
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# My list\n\nWritten by hand.\n\n<!-- survey-db:begin")
    assert text.endswith("<!-- survey-db:end -->\n\nFooter.\n")
    region = text[text.index("<!-- survey-db:begin") : text.index("<!-- survey-db:end -->")]
    assert region.split("\n")[1:3] == ["", "```mermaid"]  # the figure opens the region
    diagram = cli("export", "--taxonomy", "mermaid", db=seeded_db).stdout
    assert "```mermaid\n" + diagram + "```" in region  # the figure opens the region, before the contents
    assert region.index("```mermaid") < region.index("![Papers per year](docs/charts/years.svg)")
    assert region.index("![Authors with the most papers](docs/charts/authors.svg)") < region.index(
        "## Contents"
    )
    for kind in ("years", "sections", "venues", "topics", "authors"):
        assert (tmp_path / "docs" / "charts" / f"{kind}.svg").read_text().startswith("<?xml")
    # Up to date: --check writes nothing and exits 0; the README's own lint finds no error.
    before = (tmp_path / "docs" / "charts" / "years.svg").stat().st_mtime_ns
    again = cli(
        "export", "--markdown", "--into", str(readme), "--with-taxonomy", "--charts", charts, "--check",
        db=seeded_db,
    )  # fmt: skip
    assert again.exit_code == 0 and "is up to date" in again.stderr
    assert (tmp_path / "docs" / "charts" / "years.svg").stat().st_mtime_ns == before
    assert cli("check", str(readme), db=seeded_db).exit_code == 0
    (tmp_path / "docs" / "charts" / "years.svg").write_text("<svg/>")
    stale = cli("export", "--markdown", "--into", str(readme), "--charts", charts, "--check", db=seeded_db)
    assert stale.exit_code == 1 and "charts in" in stale.stderr and "years.svg" in stale.stderr
    whole = cli("export", "--markdown", "--with-taxonomy", db=seeded_db).stdout
    assert whole.startswith("# The Role of Small Models")
    assert whole.index("<!-- survey-db:begin") < whole.index("```mermaid") < whole.index("## Contents")
    wrong = cli("export", "--bibtex", "--with-taxonomy", db=seeded_db)
    assert wrong.exit_code == 1 and "go with --markdown" in wrong.stderr
