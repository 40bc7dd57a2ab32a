"""Awesome lists in and out through the CLI: import, export in each style, diff, check, --into."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey_db.markdown import BEGIN_MARKER, END_MARKER, STYLES


def shape(cli, db: str) -> list[tuple[list[str], list[tuple]]]:
    """Every section with its papers' (title, url, topics, venue, year, code) in table order."""
    papers = {p["key"]: p for p in json.loads(cli("query", "--format", "json", db=db).stdout)}
    result = []
    for section in json.loads(cli("sections", "--format", "json", db=db).stdout):
        path = section["path"]
        keys = cli("query", "--section", " > ".join(path), "--format", "keys", db=db).lines
        rows = [
            (p["title"], p["url"], p["topics"], p["venue"], p["year"], p["code_url"])
            for p in (papers[k] for k in keys)
            if path in p["sections"]
        ]
        result.append((path, rows))
    return result


@pytest.mark.parametrize("style", STYLES)
def test_upstream_import_then_export_gives_back_the_same_list(
    cli, templates, tmp_path, upstream: Path, style
):
    first = templates.copy("empty", False, tmp_path / "first.db")
    assert cli("import", upstream / "README.md", db=first).exit_code == 0
    exported = tmp_path / f"README-{style}.md"
    result = cli("export", "--markdown", "--style", style, "--toc-depth", "2", "-o", exported, db=first)
    assert result.exit_code == 0, result.stderr
    second = templates.copy("empty", False, tmp_path / "second.db")
    again = cli("import", exported, db=second)
    assert again.exit_code == 0, again.stderr
    assert "91 added" in again.stdout
    original, copy = shape(cli, first), shape(cli, second)
    assert len(original) == 33 and sum(len(rows) for _, rows in original) == 91
    assert copy == original


def test_exported_markdown_of_the_seeds_round_trips(cli, seeded_db, empty_db, tmp_path):
    readme = tmp_path / "README.md"
    assert cli("export", "--markdown", "-o", readme, db=seeded_db).exit_code == 0
    text = readme.read_text()
    assert text.count("\n# ") == 0 and text.startswith("# The Role of Small Models")
    assert "\n## Contents\n" in text
    assert cli("import", readme, db=empty_db).exit_code == 0
    seeded = [(path, [row[:3] for row in rows]) for path, rows in shape(cli, seeded_db)]
    imported = [(path, [row[:3] for row in rows]) for path, rows in shape(cli, empty_db)]
    assert imported == seeded


def test_diff_of_the_older_readme_lists_exactly_the_ten_new_papers(cli, empty_db, upstream: Path):
    assert cli("import", upstream / "README.2024-09-18.md", db=empty_db).exit_code == 0
    result = cli("diff", upstream / "README.md", "--format", "json", db=empty_db)
    assert result.exit_code == 0, result.stderr
    differences = json.loads(result.stdout)
    assert [d["kind"] for d in differences] == ["added"] * 10
    titles = {d["title"] for d in differences}
    assert "Theoretical Analysis of Weak-to-Strong Generalization" in titles
    assert "Hybrid LLM: Cost-Efficient and Quality-Aware Query Routing" in titles
    same = cli("diff", upstream / "README.2024-09-18.md", db=empty_db)
    assert same.stdout == "" and "0 added, 0 removed, 0 moved, 0 changed" in same.stderr


def test_diff_reports_moves_removals_and_changes(cli, seeded_db, tmp_path):
    readme = tmp_path / "README.md"
    cli("export", "--markdown", "--style", "table", "-o", readme, db=seeded_db)
    assert cli("diff", readme, db=seeded_db).stdout == ""
    assert (
        cli(
            "mv", "leviathan2023fast", "--section", "Speculative Decoding", "--position", "3", db=seeded_db
        ).exit_code
        == 0
    )
    assert cli("rm", "xie2023doremi", "--yes", db=seeded_db).exit_code == 0
    assert cli("edit", "xia2024unlocking", "--year", "2025", db=seeded_db).exit_code == 0
    differences = json.loads(cli("diff", readme, "--format", "json", db=seeded_db).stdout)
    kinds = {(d["kind"], d["key"]) for d in differences}
    assert ("added", None) in kinds  # DoReMi is in the README but no longer in the database
    assert ("moved", "leviathan2023fast") in kinds
    assert ("changed", "xia2024unlocking") in kinds
    # chen2023accelerating shifted up by one row only because another row moved: not a move
    assert ("moved", "chen2023accelerating") not in kinds
    text = cli("diff", readme, db=seeded_db)
    assert text.lines[:2] == ["--- database", f"+++ {readme}"]  # the direction, as diff tools give it
    assert any(line.startswith("+ added: DoReMi") for line in text.lines[2:]), text.stdout
    assert "    year: 2025 -> 2024" in text.lines  # from the database's value to the README's


def test_check_upstream_readme_reports_its_known_problems(cli, seeded_db, upstream: Path):
    result = cli("check", upstream / "README.md", "--format", "json", db=seeded_db)
    assert result.exit_code == 1  # the unclosed <tr> is an error
    findings = json.loads(result.stdout)
    rules = {f["rule"] for f in findings}
    assert {"unclosed-tr", "badge-raw-space", "empty-link", "toc-mismatch", "duplicate-link", "badge-year",
            "arxiv-id"} <= rules  # fmt: skip
    unclosed = next(f for f in findings if f["rule"] == "unclosed-tr")
    assert unclosed["line"] == 288 and "AutoMix" in unclosed["message"]
    love = [f for f in findings if f["rule"] == "arxiv-id"]
    assert [f["key"] for f in love] == ["chen2022imputing"]
    speculative_sampling = [
        f for f in findings if f["rule"] == "badge-year" and f["key"] == "chen2023accelerating"
    ]
    assert speculative_sampling and "2024" in speculative_sampling[0]["message"]
    github = cli("check", upstream / "README.md", "--format", "github", db=seeded_db)
    assert "::error file=README.md,line=288,title=unclosed-tr::" in github.stdout


def test_check_database_has_no_errors_or_warnings_on_the_seeds(cli, seeded_db):
    result = cli("check", "--format", "json", db=seeded_db)
    assert result.exit_code == 0, result.stdout
    findings = json.loads(result.stdout)
    assert [f for f in findings if f["severity"] != "info"] == []
    assert {"empty-section", "no-code"} <= {f["rule"] for f in findings}
    strict = cli("check", "--fail-on", "warning", db=seeded_db)
    assert strict.exit_code == 0, strict.stdout
    # The shipped LOVE paper links its own arXiv page, not that of xu2024small as the upstream list does.
    love = json.loads(cli("show", "chen2022imputing", "--format", "json", db=seeded_db).stdout)
    assert (love["url"], love["arxiv_id"]) == ("https://arxiv.org/abs/2203.07860", "2203.07860")
    assert "Makes Language Models Robust" in love["title"]


def test_check_reports_a_paper_link_to_another_papers_page(cli, seeded_db):
    slip = cli("edit", "chen2022imputing", "--url", "https://arxiv.org/abs/2305.08848", db=seeded_db)
    assert slip.exit_code == 0, slip.stderr
    findings = json.loads(cli("check", "--format", "json", db=seeded_db).stdout)
    assert [(f["rule"], f["key"]) for f in findings if f["severity"] == "warning"] == [
        ("foreign-link", "chen2022imputing")
    ]
    assert cli("check", "--fail-on", "warning", db=seeded_db).exit_code == 1


def test_check_finds_missing_fields_and_bad_links(cli, empty_db, tmp_path):
    (tmp_path / "p.csv").write_text(
        "title,url,code\nBare paper,http://example.org/x,https://example.org/not-a-repo\n"
    )
    cli("import", tmp_path / "p.csv", db=empty_db)
    findings = json.loads(cli("check", "--format", "json", db=empty_db).stdout)
    rules = {(f["severity"], f["rule"]) for f in findings}
    assert ("error", "missing-field") in rules
    assert ("warning", "insecure-link") in rules and ("warning", "code-not-repository") in rules
    assert ("info", "unplaced") in rules
    assert cli("check", db=empty_db).exit_code == 1


def test_check_rule_takes_the_names_findings_carry(cli, empty_db, tmp_path):
    from survey_db.services.check import DATABASE_RULES

    (tmp_path / "p.csv").write_text(
        "title,url,code\nBare paper,http://example.org/x,https://example.org/not-a-repo\n"
    )
    cli("import", tmp_path / "p.csv", db=empty_db)
    everything = json.loads(cli("check", "--format", "json", db=empty_db).stdout)
    printed = {f["rule"] for f in everything}
    assert printed <= set(DATABASE_RULES)
    for name in printed:
        only = json.loads(cli("check", "--rule", name, "--format", "json", db=empty_db).stdout)
        assert only == [f for f in everything if f["rule"] == name], name
    two = json.loads(
        cli("check", "-r", "no-code", "-r", "insecure-link", "--format", "json", db=empty_db).stdout
    )
    assert {f["rule"] for f in two} == {"insecure-link"}  # the paper has a code link
    unknown = cli("check", "--rule", "bogus", "--rule", "links", db=empty_db)
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert (
        unknown.stderr
        == f"error: unknown rule 'bogus', 'links'; the rules are: {', '.join(DATABASE_RULES)}\n"
    )


def test_every_rule_a_finding_is_made_with_is_one_check_rule_takes():
    """A new check must list its rule names in DATABASE_CHECKS (or README's), or --rule would refuse them."""
    import re

    from survey_db.services.check import DATABASE_RULES, readme_rules

    services = Path(__file__).resolve().parents[1] / "src" / "survey_db" / "services"
    made = set()
    for name in ("check.py", "dedupe.py"):
        text = (services / name).read_text()
        made |= set(re.findall(r'Finding\(\s*"(?:error|warning|info)",\s*"([a-z][a-z-]+)"', text))
    assert made and made <= set(DATABASE_RULES) | set(readme_rules())
    assert set(DATABASE_RULES) <= made


def test_check_rule_on_a_readme_takes_the_names_its_findings_carry(cli, seeded_db, tmp_path):
    from survey_db.services.check import readme_rules

    readme = tmp_path / "README.md"
    readme.write_text(
        "# List\n\n## Contents\n\n- [Decoding](#decoding)\n- [Gone](#gone)\n\n## Decoding:\n\n"
        "| Title | Venue |\n|---|---|\n"
        "| [Fast Inference from Transformers via Speculative Decoding](https://arxiv.org/abs/2211.17192) "
        "| ![ICML](https://img.shields.io/badge/ICML-2021-blue) |\n| [Empty]() | x |\n"
    )
    everything = json.loads(cli("check", readme, "--format", "json", db=seeded_db).stdout)
    printed = {f["rule"] for f in everything}
    assert {"toc-mismatch", "heading-colon", "empty-link", "badge-year"} <= printed <= set(readme_rules())
    for name in printed:
        only = json.loads(cli("check", readme, "-r", name, "--format", "json", db=seeded_db).stdout)
        assert only == [f for f in everything if f["rule"] == name], name
    unknown = cli("check", readme, "--rule", "no-code", db=seeded_db)  # a rule of the database, not a README
    assert unknown.exit_code == 1
    assert unknown.stderr == f"error: unknown rule 'no-code'; the rules are: {', '.join(readme_rules())}\n"


def test_export_into_replaces_only_the_marked_region(cli, seeded_db, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# My list\n\nMy own words.\n\n{BEGIN_MARKER}\n{END_MARKER}\n\n## Thanks\n\nTo all.\n")
    stale = cli("export", "--markdown", "--into", readme, "--check", db=seeded_db)
    assert stale.exit_code == 1 and "out of date" in stale.stderr
    assert cli("export", "--markdown", "--into", readme, db=seeded_db).exit_code == 0
    text = readme.read_text()
    assert text.startswith("# My list\n\nMy own words.\n") and text.endswith("## Thanks\n\nTo all.\n")
    assert "Fast Inference from Transformers via Speculative Decoding" in text
    fresh = cli("export", "--markdown", "--into", readme, "--check", db=seeded_db)
    assert fresh.exit_code == 0 and "up to date" in fresh.stderr
    no_markers = tmp_path / "plain.md"
    no_markers.write_text("# Plain\n")
    refused = cli("export", "--markdown", "--into", no_markers, db=seeded_db)
    assert refused.exit_code == 1 and "survey-db:begin" in refused.stderr


def test_into_keeps_the_style_and_contents_depth_the_region_was_made_with(cli, seeded_db, tmp_path):
    readme = tmp_path / "README.md"
    made = cli("export", "--markdown", "--style", "table", "--toc-depth", "2", "-o", readme, db=seeded_db)
    assert made.exit_code == 0, made.stderr
    assert "<!-- survey-db:begin style=table toc-depth=2 -->" in readme.read_text().splitlines()
    fresh = cli("export", "--markdown", "--into", readme, "--check", db=seeded_db)
    assert fresh.exit_code == 0 and fresh.stderr == f"{readme} is up to date\n"
    assert cli("edit", "xia2024unlocking", "--year", "2025", db=seeded_db).exit_code == 0
    stale = cli("export", "--markdown", "--into", readme, "--check", db=seeded_db)
    assert stale.exit_code == 1 and "out of date" in stale.stderr
    assert cli("export", "--markdown", "--into", readme, db=seeded_db).exit_code == 0
    # The suggested fix gives what the same options give from scratch: the table style, two levels.
    again = tmp_path / "again.md"
    cli("export", "--markdown", "--style", "table", "--toc-depth", "2", "-o", again, db=seeded_db)
    assert readme.read_text() == again.read_text()
    assert cli("export", "--markdown", "--into", readme, "--check", db=seeded_db).exit_code == 0
    # Options given with --into change the region and are recorded for the next time.
    assert cli("export", "--markdown", "--into", readme, "--style", "list", db=seeded_db).exit_code == 0
    text = readme.read_text()
    assert "<!-- survey-db:begin style=list toc-depth=2 -->" in text.splitlines() and "<table>" not in text
    assert "| Title |" not in text
    assert "- [Fast Inference from Transformers via Speculative Decoding](" in text
    assert cli("export", "--markdown", "--into", readme, "--check", db=seeded_db).exit_code == 0
    assert cli("check", readme, "--format", "json", db=seeded_db).exit_code == 0


def test_the_default_markdown_export_passes_awesome_lint(cli, seeded_db, tmp_path):
    from linters import awesome_lint, markdownlint

    readme = tmp_path / "README.md"
    assert cli("export", "--markdown", "-o", readme, db=seeded_db).exit_code == 0
    contents = readme.read_text().split("## Contents\n\n")[1].split("\n\n")[0].splitlines()
    assert max(len(line) - len(line.lstrip()) for line in contents) == 2  # two levels: awesome-toc's most
    assert "<!-- survey-db:begin style=html toc-depth=2 -->" in readme.read_text().splitlines()
    assert awesome_lint(readme) == ""
    assert markdownlint([readme], tmp_path) == ""


def test_exported_readme_passes_awesome_lint_and_markdownlint(cli, seeded_db, tmp_path):
    from linters import awesome_lint, markdownlint

    readmes = []
    for style in STYLES:
        folder = tmp_path / style
        folder.mkdir()
        readme = folder / "README.md"
        result = cli("export", "--markdown", "--style", style, "--toc-depth", "2", "-o", readme, db=seeded_db)
        assert result.exit_code == 0, result.stderr
        readmes.append(readme)
        # The survey's own data repeats links: LOVE's row links SuperICL's page; two rows share a repository.
        assert awesome_lint(readme, ["double-link"]) == ""
    assert markdownlint(readmes, tmp_path) == ""
