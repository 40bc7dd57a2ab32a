"""Importing .bib files as BibTeX reads them: its warnings are warnings, libraries split over files, JabRef
groups, and the large-file reader doing the same (snippets written in the shape of real libraries)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from survey_db.bibtex import parse_bib_texts, read_bib_file
from survey_db.services import bibstream
from survey_db.services.bibstream import iter_bib_files

QUIRKS = r"""@string{jan = "January"}

@inproceedings{Irvine95,
  author =	"Ian Irvine",
  title =	"Effective testing",
  booktitle =	"Proceedings of a workshop",
  year =	"1995",
  month =	jan # "~30,",
  url =		"citeseer.nj.nec.com/irvine95effectiveness.html",
}

@misc{EWD303,
  author = {Edsger W. Dijkstra},
  title = {On the reliability of programs},
  year = "n.d.",
  acknowledgement = ack-nhfb,
}

@article{Twice2011,
  author = {Summers, Alexander},
  authorASCII = {Summers, A.},
  authorASCII = {Summers, Alex},
  title = {Freedom before commitment},
  journal = {OOPSLA},
  year = 2011,
  code = {javascript:alert(1)},
}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def papers(cli, db: str) -> dict[str, dict]:
    return {p["key"]: p for p in json.loads(cli("export", "--json", db=db).stdout)}


def test_what_bibtex_warns_about_is_imported_with_a_warning(cli, empty_db, tmp_path):
    bib = write(tmp_path, "quirks.bib", QUIRKS)
    result = cli("import", bib, db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "3 added" in result.stdout
    assert re.search(r"warnings: .*1 year not a number", result.stdout)
    assert "2 link without http(s)" in result.stdout and "1 repeated field" in result.stdout
    assert "1 undefined macro" in result.stdout
    err = result.stderr
    assert "warning: quirks.bib:9: Irvine95: url 'citeseer.nj.nec.com/irvine95effectiveness.html'" in err
    assert "warning: quirks.bib:15: EWD303: year 'n.d.' is not a number; kept as a field" in err
    assert "warning: quirks.bib:16: EWD303: field 'acknowledgement': undefined macro 'ack-nhfb'" in err
    assert (
        "warning: quirks.bib:22: Twice2011: field 'authorascii' given again (first on line 21); "
        "the first is kept" in err
    )
    stored = papers(cli, empty_db)
    irvine, ewd, twice = stored["Irvine95"], stored["EWD303"], stored["Twice2011"]
    assert irvine["url"] is None
    assert irvine["extra"]["url"] == "citeseer.nj.nec.com/irvine95effectiveness.html"
    assert ewd["year"] is None and ewd["extra"]["year"] == "n.d."
    assert twice["extra"]["authorascii"] == "Summers, A."
    assert twice["code_url"] is None and twice["extra"]["code"] == "javascript:alert(1)"

    exported = cli("export", "--bibtex", db=empty_db).stdout
    assert "url = {citeseer.nj.nec.com/irvine95effectiveness.html}" in exported
    assert 'year = "n.d."' in exported or "year = {n.d.}" in exported
    assert "month = jan # " in exported
    markdown = cli("export", "--markdown", db=empty_db).stdout
    assert "javascript:" not in markdown and "citeseer" not in markdown  # never made a link
    items = {item["id"]: item for item in json.loads(cli("export", "--csl-json", db=empty_db).stdout)}
    assert "URL" not in items["Irvine95"] and "URL" not in items["Twice2011"]


def test_strict_import_fails_only_on_syntax_and_says_where(cli, empty_db, tmp_path):
    bib = write(tmp_path, "broken.bib", QUIRKS + "\n@misc{broken,\n  title = {A} {B},\n}\n")
    refused = cli("import", bib, db=empty_db)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: broken.bib:30: broken: field 'title': unexpected text")
    assert "nothing imported" in refused.stderr and "Traceback" not in refused.stderr
    assert papers(cli, empty_db) == {}


def test_skip_invalid_skips_what_cannot_be_stored_and_lists_it(cli, empty_db, tmp_path):
    long_key = "k" * 250
    text = QUIRKS + f"\n@misc{{{long_key},\n  title = {{T}},\n}}\n"
    text += "\n@misc{broken,\n  title = {A} {B},\n}\n"
    bib = write(tmp_path, "mixed.bib", text)
    refused = cli("import", bib, db=empty_db)
    assert refused.exit_code == 1 and "(and 1 more); nothing imported" in refused.stderr
    result = cli("import", bib, "--skip-invalid", db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "3 added" in result.stdout and "2 invalid" in result.stdout
    assert f"skipped invalid: mixed.bib:29: {long_key}: citation key 'kkkk" in result.stderr
    assert "is longer than 200 characters" in result.stderr
    assert "skipped invalid: mixed.bib:34: broken: field 'title'" in result.stderr
    assert set(papers(cli, empty_db)) == {"Irvine95", "EWD303", "Twice2011"}


def test_authors_glued_by_an_undefined_macro_are_kept_as_a_field(cli, empty_db, tmp_path):
    # abbrevshort.bib-style: the `and` macro is not defined, so `A #and# B` reads as one long name.
    author = " #and# ".join(f'"Ann Author{i}"' for i in range(40))
    bib = write(tmp_path, "glued.bib", f"@article{{glued,\n  author = {author},\n  title = {{T}},\n}}\n")
    result = cli("import", bib, db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "1 added" in result.stdout and "1 value kept as a plain field" in result.stdout
    assert "glued.bib:1: glued: author holds a value too long to store" in result.stderr
    stored = papers(cli, empty_db)["glued"]
    assert stored["authors"] == [] and "Ann Author0andAnn Author1and" in stored["extra"]["author"]
    assert "Author0andAnn Author1and" in cli("export", "--bibtex", db=empty_db).stdout


def test_a_keyword_too_long_for_a_topic_keeps_the_keywords_as_a_field(cli, empty_db, tmp_path):
    keywords = "short one, " + "a keyword that is really a whole sentence " * 6
    bib = write(tmp_path, "kw.bib", f"@misc{{kw, title = {{T}}, keywords = {{{keywords}}}}}\n")
    result = cli("import", bib, db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "kw.bib:1: kw: keywords holds a value too long to store" in result.stderr
    stored = papers(cli, empty_db)["kw"]
    assert stored["topics"] == [] and stored["extra"]["keywords"].startswith("short one, a keyword")


def test_warnings_past_ten_of_a_kind_are_counted(cli, empty_db, tmp_path):
    entries = "".join(f"@misc{{k{i}, title = {{Paper {i}}}, year = {{in press}}}}\n" for i in range(14))
    bib = write(tmp_path, "many.bib", entries)
    result = cli("import", bib, "--dry-run", db=empty_db)
    assert result.exit_code == 0
    assert result.stderr.count("is not a number") == 10
    assert "warning: 4 more of kind 'year not a number' not shown (--verbose shows them)" in result.stderr
    assert "14 year not a number" in result.stdout
    verbose = cli("import", bib, "--dry-run", "--verbose", db=empty_db)
    assert verbose.stderr.count("is not a number") == 14 and "more of kind" not in verbose.stderr


ABBREV = '@string{and = " and "}\n@string{jan = "January"}\n'
AUTHORS = '@string{Abramson_D = "Abramson, David"}\n@string{Dang_H = "Dang, Henry"}\n'
JOURNALS = "@string{jbi = {Journal of Biomedical Informatics}}\n"
ARTICLES = """@article{Abr2014,
  author =       Abramson_D #and# {Amoorthy, Mohan Krishna}
                 #and# Dang_H,
  title =        {Nimrod},
  journal =      jbi,
  year =         2014,
  month =        jan #" / "# feb,
}

@inproceedings{Chi2015,
  author =       Dang_H,
  title =        {A child},
  crossref =     {CONF2015},
}
"""
CROSSREF = """@proceedings{CONF2015,
  title =        {Proceedings of CONF 2015},
  booktitle =    {Proceedings of CONF 2015},
  year =         2015,
  publisher =    {ACM},
}
"""


def test_files_read_together_share_macros_and_crossref_targets(cli, empty_db, tmp_path):
    files = [
        write(tmp_path, name, text)
        for name, text in (
            ("abbrev.bib", ABBREV),
            ("authors.bib", AUTHORS),
            ("journals.bib", JOURNALS),
            ("articles.bib", ARTICLES),
            ("crossref.bib", CROSSREF),  # the parent after its child, as biber allows
        )
    ]
    result = cli("import", *files, db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
    assert result.stdout.startswith("abbrev.bib and 4 more: 3 added")
    stored = papers(cli, empty_db)
    assert stored["Abr2014"]["authors"] == ["David Abramson", "Mohan Krishna Amoorthy", "Henry Dang"]
    assert stored["Abr2014"]["venue_full"] == "Journal of Biomedical Informatics"
    assert stored["Chi2015"]["venue_full"] == "Proceedings of CONF 2015" and stored["Chi2015"]["year"] == 2015

    # Alone, the macros are undefined: kept as their names, with warnings.
    alone = cli("import", files[3], "--dry-run", db=empty_db)
    assert "undefined macro 'jbi'" in alone.stderr and "crossref 'CONF2015' is not an entry" in alone.stderr


def test_files_read_together_are_one_transaction(cli, empty_db, tmp_path):
    first = write(tmp_path, "a.bib", "@misc{a1, title = {One}}\n")
    second = write(tmp_path, "b.bib", "@misc{b1, title = {Two}}\n@misc{b2, title = {x} y}\n")
    refused = cli("import", first, second, db=empty_db)
    assert refused.exit_code == 1 and refused.stderr.startswith("error: b.bib:2: b2:")
    assert papers(cli, empty_db) == {}
    again = write(tmp_path, "c.bib", "@misc{a1, title = {Again}}\n")
    duplicate = cli("import", first, again, db=empty_db)
    assert duplicate.exit_code == 1
    assert "c.bib:1: a1: duplicate key (first defined on a.bib:1)" in duplicate.stderr
    mixed = cli("import", first, write(tmp_path, "x.md", "# A list\n"), db=empty_db)
    assert mixed.exit_code == 1 and "only when all are .bib files" in mixed.stderr


def test_the_batched_reader_reads_several_files_as_the_whole_parse_does(tmp_path):
    texts = [
        ("abbrev.bib", ABBREV),
        ("authors.bib", AUTHORS),
        ("journals.bib", JOURNALS),
        ("articles.bib", ARTICLES * 1 + QUIRKS.replace("@string{jan = \"January\"}", "")),
        ("crossref.bib", CROSSREF),
    ]
    whole = parse_bib_texts([(text, name) for name, text in texts])
    batches = list(iter_bib_files([(text, name) for name, text in texts], chunk_chars=200))
    assert len(batches) > 5
    records = [r for b in batches for r in b.records]
    assert [r.__dict__ for r in records] == [r.__dict__ for r in whole.records]
    assert [str(w) for b in batches for w in b.warnings] == [str(w) for w in whole.warnings]
    assert [w.kind for b in batches for w in b.warnings] == [w.kind for w in whole.warnings]


def test_a_large_import_in_a_second_process_warns_and_skips_alike(cli, empty_db, tmp_path, monkeypatch):
    monkeypatch.setattr(bibstream, "PARALLEL_BYTES", 1)
    monkeypatch.setattr(bibstream, "CHUNK_CHARS", 300)
    files = [write(tmp_path, n, t) for n, t in (("abbrev.bib", ABBREV), ("authors.bib", AUTHORS))]
    files.append(write(tmp_path, "quirks.bib", QUIRKS + JOURNALS + ARTICLES + "@misc{bad, title = {x} y}\n"))
    files.append(write(tmp_path, "crossref.bib", CROSSREF))
    files.append(tmp_path / "latin.bib")
    files[-1].write_bytes("@misc{latin, title = {Caf\u00e9}}\n".encode("cp1252"))
    result = cli("import", *files, "--skip-invalid", db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "7 added" in result.stdout and "1 invalid" in result.stdout
    for kind in ("1 year not a number", "2 link without http(s)", "1 repeated field", "1 undefined macro"):
        assert kind in result.stdout
    assert "1 line not UTF-8" in result.stdout and "latin.bib:1: not UTF-8" in result.stderr
    assert "skipped invalid: quirks.bib:43: bad:" in result.stderr
    stored = papers(cli, empty_db)
    assert stored["Chi2015"]["venue_full"] == "Proceedings of CONF 2015"
    assert stored["latin"]["title"] == "Café"


JABREF = r"""% Encoding: UTF-8

@Article{Harrer2014,
  author     = {Harrer, Simon and Lenhard, J{\"o}rg},
  title      = {Towards Uniform BPEL Engine Management},
  journal    = {Software Engineering},
  year       = {2014},
  month      = may,
  file       = {:Harrer2014TowardsUniformBPEL.pdf:PDF},
  groups     = {By rating, For teaching},
  priority   = {prio1},
  readstatus = {read},
  ranking    = {rank4},
}

@InProceedings{Lenhard2013,
  author    = {Lenhard, J{\"o}rg},
  title     = {Portability of Process-Aware Applications},
  booktitle = {Proceedings of a symposium},
  year      = {2013},
  groups    = {To be read},
}

@Comment{jabref-meta: databaseType:biblatex;}

@Comment{jabref-meta: grouping:
0 AllEntriesGroup:;
1 StaticGroup:By status\;2\;1\;0x8a8a8aff\;\;\;;
2 StaticGroup:Last read\;0\;0\;0x80334dff\;book\;\;;
2 StaticGroup:To be read\;0\;0\;0x336633ff\;bullseye\;\;;
1 StaticGroup:By rating\;0\;1\;0x808080ff\;\;\;;
1 StaticGroup:For teaching\;0\;1\;0x4d3399ff\;school\;\;;
}
"""


def test_jabref_groups_become_sections_and_its_fields_survive_export(cli, empty_db, tmp_path):
    bib = write(tmp_path, "library.bib", JABREF)
    result = cli("import", bib, db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "2 added" in result.stdout and "5 sections added" in result.stdout
    tree = json.loads(cli("sections", "--format", "json", db=empty_db).stdout)
    flat = json.dumps(tree)
    for title in ("By status", "Last read", "To be read", "By rating", "For teaching"):
        assert f'"{title}"' in flat
    stored = papers(cli, empty_db)
    assert sorted(" > ".join(s) for s in stored["Harrer2014"]["sections"]) == ["By rating", "For teaching"]
    assert stored["Lenhard2013"]["sections"] == [["By status", "To be read"]]
    exported = cli("export", "--bibtex", db=empty_db).stdout
    for field in (
        "file = {:Harrer2014TowardsUniformBPEL.pdf:PDF}",
        "groups = {By rating, For teaching}",
        "priority = {prio1}",
        "readstatus = {read}",
        "ranking = {rank4}",
        "groups = {To be read}",
    ):
        assert field in exported
    again = cli("import", bib, db=empty_db)  # a second import adds nothing
    assert again.exit_code == 0 and "0 added" in again.stdout and "sections added" not in again.stdout


@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_read_bib_file_reports_no_warning_for_clean_utf8(tmp_path, encoding):
    path = write(tmp_path, "clean.bib", "@misc{a, title = {Gödel}}\n")
    warnings: list = []
    assert "Gödel" in read_bib_file(path, encoding=encoding, warnings=warnings)
    assert warnings == []


def test_keys_that_differ_only_in_case_are_duplicates_as_in_bibtex(tmp_path):
    text = "@misc{Good, title = {One}}\n@misc{good, title = {Two}}\n"
    whole = parse_bib_texts([(text, "a.bib")])
    assert [r.key for r in whole.records] == ["Good"]
    assert [str(e) for e in whole.errors] == [
        "a.bib:2: good: duplicate key (first defined on line 1 as 'Good'); skipped"
    ]
    batches = list(iter_bib_files([(text, "a.bib"), ("@misc{GOOD, title = {Three}}\n", "b.bib")], 20))
    assert [r.key for b in batches for r in b.records] == ["Good"]
    assert [e for b in batches for e in b.errors] == [
        "a.bib:2: good: duplicate key (first defined on line 1 as 'Good'); skipped",
        "b.bib:1: GOOD: duplicate key (first defined on a.bib:1 as 'Good'); skipped",
    ]


def test_a_long_booktitle_without_a_short_name_is_stored(cli, empty_db, tmp_path):
    # DBLP-style proceedings titles pass 200 characters; the short name taken from one is cut to fit.
    booktitle = "Enterprise Modelling and Information Systems Architectures: Proceedings of the 4th " * 3
    bib = write(tmp_path, "long.bib", f"@inproceedings{{a, title = {{T}}, booktitle = {{{booktitle}}}}}\n")
    result = cli("import", bib, db=empty_db)
    assert result.exit_code == 0, result.stderr
    stored = papers(cli, empty_db)["a"]
    assert stored["venue_full"] == booktitle.strip()
    assert len(stored["venue"]) == 200 and stored["venue"].endswith("…")
