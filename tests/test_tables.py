"""CSV/TSV import: header recognition, authors, the venue rules, matching of papers already present."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_db.errors import InputError
from survey_db.tables import read_table


def test_headers_are_recognised_and_unknown_columns_kept():
    text = (
        "Paper,Authors,Year,Conference,GitHub,Tags,Where found\n"
        'A study,Ada Lovelace; Alan Turing,2023,ICML,https://github.com/a/b,"x, y",web\n'
    )
    [(record, section)] = read_table(text, "list.csv")
    assert record.title == "A study"
    assert [a.last for a in record.authors] == ["Lovelace", "Turing"]
    assert (record.year, record.venue, record.code_url) == (2023, "ICML", "https://github.com/a/b")
    assert record.topics == ["x", "y"]
    assert record.extra == {"where_found": "web"}
    assert section is None


def test_venue_badge_gives_short_name_and_year_column_wins():
    text = "title\tvenue_badge\tyear\nX\tNeurIPS 2023\t2022\n"
    [(record, _)] = read_table(text, "t.tsv")
    assert (record.venue, record.year) == ("NeurIPS", 2022)


def test_row_with_wrong_cell_count_names_its_line():
    with pytest.raises(InputError, match=r"t.csv:3: 1 cells"):
        read_table("title,year\nA,2020\nB\n", "t.csv")


def test_non_numeric_year_is_an_error():
    with pytest.raises(InputError, match="year 'soon' is not a number"):
        read_table("title,year\nA,soon\n", "t.csv")


def test_missing_title_column_is_an_error():
    with pytest.raises(InputError, match="no title column"):
        read_table("name of thing,year\n", "t.csv".replace("t", "u"))


def test_import_csv_then_again_adds_nothing(cli, empty_db, tmp_path: Path):
    table = tmp_path / "papers.csv"
    table.write_text(
        "title,authors,year,venue,url,section,topics\n"
        "Fast Inference from Transformers via Speculative Decoding,Yaniv Leviathan; Matan Kalman,2023,ICML,"
        "https://arxiv.org/abs/2211.17192,Efficient Inference > Speculative Decoding,Speculative Decoding\n"
    )
    first = cli("import", table, db=empty_db)
    assert first.exit_code == 0, first.stderr
    assert "1 added, 0 updated, 0 skipped" in first.stdout
    again = cli("import", table, db=empty_db)
    assert "0 added, 0 updated, 1 skipped" in again.stdout
    shown = cli("query", "--section", "Speculative Decoding", "--format", "keys", db=empty_db)
    assert shown.lines == ["leviathan2023fast"]


def test_metadata_table_imports_91_papers_with_corrected_venues(cli, empty_db, upstream: Path):
    result = cli("import", upstream / "papers_metadata.tsv", db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "91 added" in result.stdout
    import json

    papers = {p["title"]: p for p in json.loads(cli("query", "--format", "json", db=empty_db).stdout)}
    assert len(papers) == 91
    assert all(p["authors"] and p["year"] for p in papers.values())
    findings = papers["Small Models are Valuable Plug-ins for Large Language Models"]
    assert findings["venue"] == "Findings of ACL"
    assert papers["Explanations from Large Language Models Make Small Reasoners Better"]["venue"] == "arXiv"
    love = next(p for t, p in papers.items() if t.startswith("Imputing Out-of-Vocabulary"))
    assert love["arxiv_id"] == "2203.07860" and love["url"] == "https://arxiv.org/abs/2305.08848"
