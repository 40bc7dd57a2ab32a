"""BibTeX through the CLI and the database: lossless round trips, exports LaTeX accepts, keys, duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey_db.db import open_database
from survey_db.services.paper_records import load_papers, paper_to_record
from textools import kpsewhich, need, run, run_bibtex, warnings_and_errors


def stored_records(url: str) -> dict:
    """Every stored paper as a record, by key (what 'the same stored records' compares)."""
    from sqlalchemy import select

    from survey_db.models import Paper

    database = open_database(url)
    with database.session() as session:
        ids = list(session.scalars(select(Paper.id).order_by(Paper.key)))
        records = {p.key: paper_to_record(p) for p in load_papers(session, ids)}
    database.engine.dispose()
    return records


@pytest.mark.parametrize("name", ["xampl.bib", "biblatex-examples.bib"])
@pytest.mark.parametrize("style", ["bibtex", "biblatex"])
def test_real_bib_files_import_and_round_trip_through_the_database(cli, templates, tmp_path, name, style):
    source = kpsewhich(name)
    first = templates.copy("empty", False, tmp_path / "first.db")
    imported = cli("import", source, db=first)
    assert imported.exit_code == 0, imported.stderr
    expected = {"xampl.bib": 36, "biblatex-examples.bib": 92}[name]
    assert f"{expected} added" in imported.stdout
    exported = tmp_path / f"out.{style}.bib"
    assert cli("export", f"--{style}", "-o", exported, db=first).exit_code == 0
    second = templates.copy("empty", False, tmp_path / "second.db")
    again = cli("import", exported, db=second)
    assert again.exit_code == 0, again.stderr
    before, after = stored_records(first), stored_records(second)
    assert list(before) == list(after)
    for key, record in before.items():
        fields = ("entry_type", "title", "authors", "year", "venue_full", "url", "doi", "arxiv_id", "pages")
        for field in (*fields, "abstract", "note", "topics", "extra"):
            assert getattr(record, field) == getattr(after[key], field), (key, field)


def test_seeded_export_gives_zero_bibtex_warnings(cli, seeded_db, tmp_path):
    need("bibtex", "texlive-binaries")
    text = cli("export", "--bibtex", db=seeded_db).stdout
    result = run_bibtex(tmp_path, text)
    assert result.returncode == 0, result.stdout
    assert warnings_and_errors(result) == []


def test_seeded_biblatex_export_validates_with_biber(cli, seeded_db, tmp_path):
    need("biber", "biber")
    (tmp_path / "refs.bib").write_text(cli("export", "--biblatex", db=seeded_db).stdout, encoding="utf-8")
    result = run(["biber", "--tool", "--validate-datamodel", "refs.bib"], tmp_path)
    assert "ERROR" not in result.stdout + result.stderr, result.stdout


def test_export_parses_with_bibtexparser_and_is_deterministic(cli, seeded_db):
    import bibtexparser

    first = cli("export", "--bibtex", db=seeded_db).stdout
    assert first == cli("export", "--bibtex", db=seeded_db).stdout
    library = bibtexparser.parse_string(first)
    assert library.failed_blocks == []
    assert len(library.entries) == 91
    speculative = next(e for e in library.entries if e.key == "chen2023accelerating")
    assert speculative.entry_type == "misc" and speculative["archivePrefix"] == "arXiv"
    findings = next(e for e in library.entries if e.key == "xu2024small")
    assert findings["booktitle"] == "Findings of the Association for Computational Linguistics: ACL 2024"


NASTY = "100% of R&D_costs #1: $5 ~ {unbalanced and } Gödel's Straße \\ naïve"


def test_nasty_title_survives_the_database_and_compiles(cli, empty_db, templates, tmp_path):
    assert (
        cli("add", "--title", NASTY, "--author", "Kurt Gödel", "--year", "2020", db=empty_db).exit_code == 0
    )
    exported = tmp_path / "refs.bib"
    assert cli("export", "--bibtex", "-o", exported, db=empty_db).exit_code == 0
    other = templates.copy("empty", False, tmp_path / "other.db")
    assert cli("import", exported, db=other).exit_code == 0
    [paper] = json.loads(cli("query", "--format", "json", db=other).stdout)
    assert paper["title"] == NASTY and paper["authors"] == ["Kurt Gödel"]
    need("pdflatex", "texlive-latex-base")
    need("bibtex", "texlive-binaries")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\\usepackage[T1]{fontenc}\\begin{document}\\nocite{*}"
        "\\bibliographystyle{plain}\\bibliography{refs}\\end{document}\n"
    )
    for command in (["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc"], ["bibtex", "doc"],
                    ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc"]):  # fmt: skip
        result = run(command, tmp_path)
        assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "doc.pdf").exists()


def _bibtex_on_aux(tmp_path: Path, aux_text: str, bib_text: str) -> tuple[str, str]:
    """Run the real bibtex on an .aux citing from refs.bib: its log lines and the .bbl it wrote."""
    need("bibtex", "texlive-binaries")
    (tmp_path / "refs.bib").write_text(bib_text, encoding="utf-8")
    (tmp_path / "paper.aux").write_text(aux_text + "\\bibdata{refs}\n\\bibstyle{plain}\n")
    result = run(["bibtex", "paper"], tmp_path)
    return result.stdout + result.stderr, (tmp_path / "paper.bbl").read_text(encoding="utf-8")


def test_aux_export_writes_the_keys_the_aux_cites_after_keys_regenerate(cli, seeded_db, tmp_path):
    renamed = cli(
        "keys", "regenerate", "--pattern", "{author}{year}{title2}", "leviathan2023fast", "xie2023data",
        db=seeded_db,
    )  # fmt: skip
    assert renamed.exit_code == 0 and renamed.lines == [
        "leviathan2023fast -> leviathan2023fastinference",
        "xie2023data -> xie2023dataselection",
    ]
    aux = tmp_path / "paper.aux"
    aux.write_text("\\relax\n\\citation{leviathan2023fast,xie2023data}\n\\citation{xie2023data}\n")
    result = cli("export", "--bibtex", "--aux", aux, db=seeded_db)
    assert result.exit_code == 0, result.stderr
    keys = [line.split("{")[1].rstrip(",") for line in result.lines if line.startswith("@")]
    assert sorted(keys) == ["leviathan2023fast", "xie2023data"]
    log, bbl = _bibtex_on_aux(tmp_path, aux.read_text(), result.stdout)
    assert "Warning--" not in log, log
    assert "\\bibitem{leviathan2023fast}" in bbl and "\\bibitem{xie2023data}" in bbl
    assert "Fast inference from transformers" in bbl
    # The old keys resolve in query as in show.
    assert cli("query", "leviathan2023fast", "--format", "keys", db=seeded_db).lines == [
        "leviathan2023fastinference"
    ]
    assert cli("query", "xie2023data", "--format", "keys", db=seeded_db).lines == ["xie2023dataselection"]


def test_aux_export_under_old_and_new_key_and_through_a_crossref(cli, empty_db, tmp_path):
    bib = tmp_path / "in.bib"
    bib.write_text(
        "@proceedings{icml2023, title = {Proceedings of ICML 2023}, year = 2023, editor = {Ann Editor}}\n"
        "@inproceedings{smith2023fast, author = {Jo Smith}, title = {Fast Things}, crossref = {icml2023},"
        " pages = {1--2}}\n"
    )
    assert cli("import", bib, db=empty_db).exit_code == 0
    assert cli("keys", "regenerate", "icml2023", "--pattern", "{title3}{year}", db=empty_db).exit_code == 0
    aux_text = "\\citation{smith2023fast}\n\\citation{icml2023}\n"
    aux = tmp_path / "paper.aux"
    aux.write_text(aux_text)
    result = cli("export", "--aux", aux, db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "crossref = {icml2023}" in result.stdout
    (tmp_path / "latex").mkdir()
    log, bbl = _bibtex_on_aux(tmp_path / "latex", aux_text, result.stdout)
    assert "Warning--" not in log and "\\bibitem{icml2023}" in bbl, log
    new_key = cli("query", "icml2023", "--format", "keys", db=empty_db).stdout.strip()
    both = tmp_path / "both.aux"
    both.write_text(f"\\citation{{icml2023,{new_key}}}\n")
    twice = cli("export", "--aux", both, db=empty_db)
    assert twice.exit_code == 0
    assert f"cites one paper as icml2023 and {new_key}" in twice.stderr and "lists it twice" in twice.stderr
    assert [line for line in twice.lines if line.startswith("@")] == [
        "@proceedings{icml2023,",
        f"@proceedings{{{new_key},",
    ]


def test_aux_export_warns_per_missing_key_and_strict_fails(cli, seeded_db, tmp_path):
    aux = tmp_path / "paper.aux"
    aux.write_text("\\citation{nosuchpaper2020,xie2023data}\n\\citation{another1999}\n")
    result = cli("export", "--bibtex", "--aux", aux, db=seeded_db)
    assert result.exit_code == 0, result.stderr
    assert [line for line in result.lines if line.startswith("@")] == ["@inproceedings{xie2023data,"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: paper.aux cites 'nosuchpaper2020', which is not in the database; its entry is left out",
        "warning: paper.aux cites 'another1999', which is not in the database; its entry is left out",
    ]
    out = tmp_path / "refs.bib"
    strict = cli("export", "--bibtex", "--aux", aux, "--strict", "-o", out, db=seeded_db)
    assert strict.exit_code == 1 and not out.exists()
    assert strict.stderr == (
        "error: paper.aux cites keys that are not in the database: nosuchpaper2020, another1999\n"
    )
    assert cli("export", "--strict", db=seeded_db).exit_code == 1  # --strict goes with --aux
    missing = tmp_path / "missing.aux"
    assert cli("export", "--bibtex", "--aux", missing, db=seeded_db).exit_code == 1  # no such file


def test_keys_regenerate_prints_the_map_and_keeps_aliases(cli, seeded_db):
    dry = cli(
        "keys",
        "regenerate",
        "--pattern",
        "{author}{year}{venue}",
        "--dry-run",
        "--format",
        "json",
        db=seeded_db,
    )
    mapping = json.loads(dry.stdout)
    assert mapping["leviathan2023fast"] == "leviathan2023icml"
    assert cli("show", "leviathan2023fast", db=seeded_db).exit_code == 0  # nothing changed yet
    done = cli("keys", "regenerate", "--pattern", "{author}{year}{venue}", db=seeded_db)
    assert done.exit_code == 0 and "leviathan2023fast -> leviathan2023icml" in done.lines
    shown = json.loads(cli("show", "leviathan2023fast", "--format", "json", db=seeded_db).stdout)
    assert shown["key"] == "leviathan2023icml" and "leviathan2023fast" in shown["aliases"]
    again = cli("keys", "regenerate", "--pattern", "{author}{year}{venue}", db=seeded_db)
    assert again.lines == []  # stable: nothing changes silently or twice
    bad = cli("keys", "regenerate", "--pattern", "{nope}", db=seeded_db)
    assert bad.exit_code == 1 and "bad key pattern" in bad.stderr


def test_preprint_and_published_version_are_found_and_merged(cli, seeded_db, tmp_path):
    bib = tmp_path / "preprint.bib"
    bib.write_text(
        "@misc{leviathan2022fast,\n  author = {Leviathan, Yaniv and Kalman, Matan and Matias, Yossi},\n"
        "  title = {Fast Inference from Transformers via Speculative Decoding},\n  year = {2022},\n"
        "  howpublished = {arXiv preprint},\n  url = {https://arxiv.org/abs/2211.17192v1},\n}\n"
    )
    imported = cli("import", bib, db=seeded_db)
    assert imported.exit_code == 0 and "possible duplicate of leviathan2023fast" in imported.stderr
    findings = json.loads(cli("check", "--duplicates", "--format", "json", db=seeded_db).stdout)
    duplicate = [f for f in findings if f["rule"] == "duplicate"]
    assert duplicate and "leviathan2022fast, leviathan2023fast" in duplicate[0]["message"]
    merged = cli("merge", "leviathan2023fast", "leviathan2022fast", db=seeded_db)
    assert merged.exit_code == 0, merged.stderr
    shown = json.loads(cli("show", "leviathan2022fast", "--format", "json", db=seeded_db).stdout)
    assert shown["key"] == "leviathan2023fast" and shown["aliases"] == ["leviathan2022fast"]
    assert shown["year"] == 2023 and shown["note"].startswith("Merged from leviathan2022fast: ")
    assert "year 2022" in shown["note"] and "url https://arxiv.org/abs/2211.17192v1" in shown["note"]
    assert shown["extra"]["howpublished"] == "arXiv preprint"
    assert not [f for f in json.loads(cli("check", "--duplicates", "--format", "json", db=seeded_db).stdout)
                if f["rule"] == "duplicate"]  # fmt: skip


def test_malformed_bib_is_all_or_nothing_unless_skip_invalid(cli, empty_db, tmp_path):
    bib = tmp_path / "mixed.bib"
    bib.write_text(
        "@article{good, title = {Good}, year = 2020}\n\n@article{bad, title = {Bad} year = {2020}}\n"
    )
    refused = cli("import", bib, db=empty_db)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: mixed.bib:3: bad:") and "nothing imported" in refused.stderr
    assert json.loads(cli("stats", "--format", "json", db=empty_db).stdout)["papers"] == 0
    partial = cli("import", bib, "--skip-invalid", db=empty_db)
    assert partial.exit_code == 0 and "1 added" in partial.stdout and "1 invalid" in partial.stdout
    assert "skipped invalid: mixed.bib:3: bad:" in partial.stderr


def test_csl_json_export_and_import(cli, seeded_db, empty_db, tmp_path):
    exported = tmp_path / "survey.json"
    assert cli("export", "--csl-json", "-o", exported, db=seeded_db).exit_code == 0
    items = json.loads(exported.read_text())
    assert len(items) == 91 and {"id", "type", "title", "author", "issued"} <= set(items[0])
    assert cli("import", exported, db=empty_db).exit_code == 0
    before, after = stored_records(seeded_db), stored_records(empty_db)
    assert list(before) == list(after)
    assert all(before[k].title == after[k].title and before[k].authors == after[k].authors for k in before)


def test_add_from_bibtex_on_stdin(cli, empty_db):
    result = cli("add", "--bibtex", "-", db=empty_db, input="@article{k1, title={From stdin}, year={2021}}\n")
    assert result.exit_code == 0 and result.lines[-1] == "k1"
    dup = cli("add", "--bibtex", "-", db=empty_db, input="@article{k1, title={Again}, year={2021}}\n")
    assert dup.exit_code == 1 and "already taken" in dup.stderr


def test_latin1_lines_are_read_with_a_warning_and_the_encoding_option_forces_one(cli, empty_db, tmp_path):
    bib = tmp_path / "latin1.bib"
    bib.write_bytes("@article{g, title = {Gödel}, year = 1931}\n".encode("latin-1"))
    read = cli("import", bib, "--dry-run", db=empty_db)
    assert read.exit_code == 0, read.stderr
    assert "warning: latin1.bib:1: not UTF-8; read as Windows-1252" in read.stderr
    assert "1 line not UTF-8" in read.stdout
    wrong = cli("import", bib, "--encoding", "ascii", db=empty_db)
    assert wrong.exit_code == 1 and "latin1.bib:1: byte 0xf6 is not valid ascii" in wrong.stderr
    assert cli("import", bib, "--encoding", "latin-1", db=empty_db).exit_code == 0
    assert json.loads(cli("query", "--format", "json", db=empty_db).stdout)[0]["title"] == "Gödel"


def test_every_test_file_path_exists():
    assert Path(__file__).with_name("textools.py").is_file()


def test_a_short_venue_alone_exports_its_full_name_and_bibtex_does_not_warn(cli, empty_db, tmp_path):
    need("bibtex", "texlive-binaries")
    added = cli("add", "--title", "Fast Inference", "--author", "Yaniv Leviathan", "--year", "2023",
                "--venue", "icml", "--pages", "1--10", db=empty_db)  # fmt: skip
    assert added.exit_code == 0, added.stderr
    shown = json.loads(cli("show", "leviathan2023fast", "--format", "json", db=empty_db).stdout)
    assert (shown["venue"], shown["venue_full"]) == ("ICML", "International Conference on Machine Learning")
    bib = cli("export", "--bibtex", db=empty_db).stdout
    assert "booktitle = {International Conference on Machine Learning}" in bib
    assert warnings_and_errors(run_bibtex(tmp_path, bib)) == []
    # A full name given by hand is kept as given.
    own = cli("add", "--title", "Other", "--author", "A B", "--year", "2023", "--venue", "ICML",
              "--venue-full", "Proceedings of the 40th ICML", db=empty_db)  # fmt: skip
    assert json.loads(cli("show", own.lines[-1], "--format", "json", db=empty_db).stdout)["venue_full"] == (
        "Proceedings of the 40th ICML"
    )


def test_check_reports_an_empty_booktitle_or_journal(cli, empty_db, tmp_path):
    need("bibtex", "texlive-binaries")
    for args in (["--type", "inproceedings", "--venue", "MyConf"], ["--type", "article", "--venue", "MyJ"]):
        added = cli("add", "--title", f"Paper {args[1]}", "--author", "A B", "--year", "2023", *args,
                    "--url", "https://example.org/p", db=empty_db)  # fmt: skip
        assert added.exit_code == 0, added.stderr
    findings = json.loads(cli("check", "--format", "json", db=empty_db).stdout)
    empty = sorted(f["message"] for f in findings if "empty" in f["message"])
    assert [m.split(" (")[0] for m in empty] == [
        "b2023paper is @inproceedings with an empty booktitle",
        "b2023papera is @article with an empty journal",
    ]
    assert {f["severity"] for f in findings if "empty" in f["message"]} == {"warning"}
    # bibtex agrees: it warns about the same two fields.
    warned = warnings_and_errors(run_bibtex(tmp_path, cli("export", "--bibtex", db=empty_db).stdout))
    assert any("empty booktitle" in w for w in warned) and any("empty journal" in w for w in warned)
    fixed = cli("edit", "b2023paper", "--venue-full", "Proceedings of MyConf", db=empty_db)
    assert fixed.exit_code == 0, fixed.stderr
    findings = json.loads(cli("check", "--format", "json", db=empty_db).stdout)
    assert [f["key"] for f in findings if "empty" in f["message"]] == ["b2023papera"]
