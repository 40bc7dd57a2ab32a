"""`survey stats`: bars in the terminal, and `--plot KIND -o FILE` charts as SVG or PNG (matplotlib)."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SVG = "{http://www.w3.org/2000/svg}"


def test_stats_draws_bars_for_years_sections_venues_topics_and_authors(cli, seeded_db):
    result = cli("stats", db=seeded_db)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for title in (
        "Papers per year",
        "Papers per section (with subsections)",
        "Papers per venue",
        "Papers per topic",
        "Authors with the most papers (top 15)",
    ):
        assert title in out
    lines = out.splitlines()
    arxiv = next(line for line in lines if line.strip().startswith("arXiv "))
    emnlp = next(line for line in lines if line.strip().startswith("EMNLP "))
    # The longest bar is the venue with the most papers, and the counts are printed after the bars.
    assert arxiv.count("█") == 40 and arxiv.endswith(" 29")
    assert 14 <= emnlp.count("█") <= 16 and emnlp.endswith(" 11")
    assert any(line.strip().startswith("Speculative Decoding") and line.endswith(" 3") for line in lines)
    assert any("Mike Lewis" in line and line.endswith(" 4") for line in lines)


def test_stats_json_has_every_count(cli, seeded_db):
    data = json.loads(cli("stats", "--format", "json", db=seeded_db).stdout)
    assert data["papers"] == 91
    assert sum(data["by_year"].values()) == 91
    assert sum(data["by_venue"].values()) == 91
    assert data["by_venue"]["arXiv"] == 29
    assert data["by_topic"]["Speculative Decoding"] == 3
    assert data["top_authors"][0] == {"author": "Mike Lewis", "papers": 4}
    top = {row["section"]: row for row in data["by_section"] if row["depth"] == 0}
    assert top["Competition"]["papers_with_subsections"] == 0
    assert top["Collaboration"]["papers_with_subsections"] == 91 - 0  # every paper sits under Collaboration


@pytest.mark.parametrize("kind", ["years", "sections", "venues", "topics", "authors"])
def test_plot_svg_is_titled_and_labelled(cli, seeded_db, tmp_path: Path, kind: str):
    pytest.importorskip("matplotlib", reason="charts need the charts extra: pip install 'survey-db[charts]'")
    target = tmp_path / f"{kind}.svg"
    result = cli("stats", "--plot", kind, "-o", str(target), db=seeded_db)
    assert result.exit_code == 0, result.stderr
    assert f"wrote {target}" in result.stderr
    root = ET.parse(target).getroot()
    assert root.tag == SVG + "svg"
    texts = {" ".join("".join(el.itertext()).split()) for el in root.iter(SVG + "text")}
    title = {
        "years": "Papers per year",
        "sections": "Papers per section",
        "venues": "Papers per venue",
        "topics": "Papers per topic",
        "authors": "Authors with the most papers",
    }[kind]
    assert any(text.startswith(title) for text in texts), texts
    assert "Papers" in texts  # the count axis is labelled
    label = {"years": "2023", "sections": "Speculative Decoding", "venues": "arXiv",
             "topics": "Model Routing", "authors": "Mike Lewis"}[kind]  # fmt: skip
    assert label in texts
    # Made twice, the file is the same (no date, fixed ids): a chart committed to git changes with the data.
    again = tmp_path / "again.svg"
    cli("stats", "--plot", kind, "-o", str(again), db=seeded_db)
    assert again.read_bytes() == target.read_bytes()


def test_plot_png(cli, seeded_db, tmp_path: Path):
    pytest.importorskip("matplotlib", reason="charts need the charts extra: pip install 'survey-db[charts]'")
    target = tmp_path / "years.png"
    assert cli("stats", "--plot", "years", "-o", str(target), db=seeded_db).exit_code == 0
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 300 and height > 200


def test_plot_errors_are_one_line(cli, seeded_db, tmp_path: Path):
    for args, message in (
        (("--plot", "moons", "-o", str(tmp_path / "x.svg")), "unknown chart 'moons'"),
        (("--plot", "years"), "--plot needs -o FILE.svg or FILE.png"),
        (("--plot", "years", "-o", str(tmp_path / "x.pdf")), "a chart is written as .svg or .png"),
        (("-o", str(tmp_path / "x.svg")), "-o goes with --plot"),
    ):
        result = cli("stats", *args, db=seeded_db)
        assert result.exit_code == 1, args
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("x.*"))


def test_plot_without_matplotlib_names_the_extra(cli, seeded_db, tmp_path: Path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the charts extra were not installed
    result = cli("stats", "--plot", "years", "-o", str(tmp_path / "y.svg"), db=seeded_db)
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: charts need matplotlib: pip install 'survey-db[charts]'"
