"""BibTeX import and export: real files, malformed files, round trips, and the real bibtex/biber/pdflatex."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_db.bibtex import BibIssue, format_bibtex, parse_aux, parse_bibtex, read_bib_file
from survey_db.errors import InputError
from survey_db.latex import unicode_to_latex
from survey_db.records import Name, PaperRecord
from textools import kpsewhich, need, run, run_bibtex

DATA = Path(__file__).parent / "data" / "bib"
COMPARED = [f.name for f in dataclasses.fields(PaperRecord) if f.name != "source"]


def by_key(records: list[PaperRecord]) -> dict[str, PaperRecord]:
    return {r.key: r for r in records}


def assert_same_records(before: list[PaperRecord], after: list[PaperRecord], *, raw: bool = True) -> None:
    """Every record of `before` comes back field by field (the source line differs, of course)."""
    first, second = by_key(before), by_key(after)
    assert list(first) == list(second) or set(first) == set(second)
    for key, record in first.items():
        for name in COMPARED:
            if name == "raw" and not raw:
                continue
            assert getattr(record, name) == getattr(second[key], name), (key, name)


# ------------------------------------------------------------------------------------------ reading


def test_module_import_does_not_load_bibtexparser() -> None:
    code = (
        "import sys, survey_db.bibtex, survey_db.latex, survey_db.csl; print('bibtexparser' in sys.modules)"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


def test_features_file_maps_every_field() -> None:
    parse = parse_bibtex(read_bib_file(DATA / "features.bib"), source="features.bib")
    assert parse.errors == [] and parse.warnings == []
    records = by_key(parse.records)
    assert list(records) == ["Quoted2020", "child2021", "parent2021", "preprint2023", "dated2019"]

    quoted = records["Quoted2020"]
    assert quoted.entry_type == "article"  # @ARTICLE
    assert quoted.title == "Learning DoReMi with & without GPT-3"
    assert quoted.authors == [
        Name(first="José", last="Grün"),
        Name(first="Anna", last="Berg", von="van der"),
        Name(last="Barnes and Noble, Inc."),
    ]
    assert quoted.venue_full == "Journal of Machine Learning Research"  # from @string jmlr
    assert quoted.venue == "JMLR"
    assert quoted.year == 2020
    assert quoted.pages == "1\u201310"
    assert quoted.doi == "10.5555/abc.def"
    assert quoted.topics == ["Model Cascading", "Speculative Decoding"]
    assert quoted.code_url == "https://github.com/example/doremi"
    assert quoted.url == "https://example.org/paper?id=1&x=2"
    assert quoted.abstract == "Line one continues here."
    assert quoted.extra == {"month": "10~January", "volume": "21"}
    # macros and concatenations keep their expression; so do values the writer would spell differently
    assert quoted.raw == {
        "journaltitle": "jmlr",
        "month": '"10~" # jan',
        "doi": "{10.5555/ABC.DEF}",
        "keywords": "{Model Cascading; Speculative Decoding}",
    }
    assert parse.strings == {
        "jmlr": "Journal of Machine Learning Research",
        "neurips": "Advances in Neural Information Processing Systems",
    }
    assert parse.preamble == ['"\\newcommand{\\noopsort}[1]{}"']
    assert "jabref-meta: databaseType:biblatex;" in parse.comments

    child = records["child2021"]
    assert child.venue_full == "Proceedings of Something" and child.year == 2021  # inherited
    assert child.extra["crossref"] == "parent2021" and child.extra["publisher"] == "ACM"
    assert child.authors == [Name(first="Zoë", last="Ünal")]

    preprint = records["preprint2023"]
    assert preprint.arxiv_id == "2305.10429"
    assert preprint.raw == {"eprint": "{2305.10429v3}"}  # the version is not lost
    assert preprint.extra == {"primaryclass": "cs.CL", "date": "2023-05-17"}
    assert preprint.year == 2023

    dated = records["dated2019"]
    assert dated.year == 2019 and "date" not in dated.extra  # a date that only repeats the year
    assert dated.arxiv_id is None and dated.extra["eprinttype"] == "jstor"


def test_issue_text_is_file_line_key_message() -> None:
    assert str(BibIssue("refs.bib", 12, "xie2023", "year 'soon' is not a number")) == (
        "refs.bib:12: xie2023: year 'soon' is not a number"
    )
    assert str(BibIssue("refs.bib", 3, None, "missing key")) == "refs.bib:3: missing key"


@pytest.mark.parametrize(
    ("fixture", "line", "key", "message", "kept"),
    [
        ("missing_comma.bib", 9, "nocomma", "after the value (a missing comma?)", ["good1", "good2"]),
        ("unclosed_brace.bib", 3, "unclosed", "not closed before the next '@' entry", ["good1", "good2"]),
        ("missing_key.bib", 3, None, "entry without a citation key", ["good1", "good2"]),
        ("duplicate_key.bib", 5, "same", "duplicate key (first defined on line 1)", ["same", "other"]),
        ("bad_value.bib", 4, "junk", "unexpected text '{B}' after the value", ["good1"]),
    ],
)
def test_each_malformation_is_reported_with_its_line(fixture, line, key, message, kept) -> None:
    path = DATA / fixture
    parse = parse_bibtex(read_bib_file(path), source=str(path))
    assert len(parse.errors) == 1, [str(e) for e in parse.errors]
    issue = parse.errors[0]
    assert (issue.line, issue.key) == (line, key)
    assert message in issue.message
    assert str(issue).startswith(f"{path}:{line}: ")
    assert [r.key for r in parse.records] == kept


@pytest.mark.parametrize(
    ("fixture", "line", "key", "message", "kind"),
    [
        ("bad_year.bib", 5, "forthcoming", "year 'forthcoming' is not a number; kept", "year not a number"),
        ("duplicate_field.bib", 5, "twice", "field 'title' given again (first on line 4); the first is kept",
         "repeated field"),
    ],
)
def test_what_bibtex_reads_with_a_warning_is_a_warning(fixture, line, key, message, kind) -> None:
    path = DATA / fixture
    parse = parse_bibtex(read_bib_file(path), source=str(path))
    assert parse.errors == []
    assert [(w.line, w.key, w.kind) for w in parse.warnings] == [(line, key, kind)]
    assert parse.warnings[0].message.startswith(message)
    assert key in [r.key for r in parse.records]


def test_duplicates_are_listed() -> None:
    parse = parse_bibtex(read_bib_file(DATA / "duplicate_key.bib"))
    assert parse.duplicates_in_file == ["same"]
    assert by_key(parse.records)["same"].title == "First"


def test_sort_hint_years_keep_their_text() -> None:
    record = by_key(parse_bibtex(read_bib_file(DATA / "bad_year.bib")).records)["sorted"]
    assert record.year == 2019 and record.raw["year"] == '"{\\noopsort{2019b}}2019"'
    assert 'year = "{\\noopsort{2019b}}2019"' in format_bibtex([record])


def test_unclosed_entry_at_end_of_file() -> None:
    parse = parse_bibtex("@misc{ok, title = {A}}\n\n@misc{last, title = {never closed}\n", source="x.bib")
    assert [r.key for r in parse.records] == ["ok"]
    assert str(parse.errors[0]).startswith("x.bib:3: last: entry not closed at the end of the file")


def test_undefined_macro_and_missing_parent_are_warnings() -> None:
    parse = parse_bibtex("@misc{a, publisher = nowhere, crossref = {ghost}}")
    assert parse.errors == []
    assert [r.key for r in parse.records] == ["a"]
    assert [w.message for w in parse.warnings] == [
        "field 'publisher': undefined macro 'nowhere' (kept as its name)",
        "crossref 'ghost' is not an entry of this file",
    ]


def test_latin1_file_with_jabref_encoding_line() -> None:
    parse = parse_bibtex(read_bib_file(DATA / "latin1_jabref.bib"))
    assert parse.errors == []
    record = parse.records[0]
    assert record.authors == [Name(first="François", last="Müller")]
    assert record.title == "Études sur la régression"


def test_lines_that_are_not_utf8_are_read_as_cp1252_with_a_warning_each(tmp_path: Path) -> None:
    warnings: list[BibIssue] = []
    text = read_bib_file(DATA / "latin1.bib", warnings=warnings)
    assert parse_bibtex(text).records[0].title == "Études"
    assert [(w.line, w.kind) for w in warnings] == [(2, "line not UTF-8"), (3, "line not UTF-8")]
    mixed = tmp_path / "mixed.bib"
    mixed.write_bytes(
        "@misc{a, title = {Gödel}}\n".encode()
        + "@misc{b, title = {Café “quoted”}}\n".encode("cp1252")
        + "@misc{c, title = {Ærø}}\n".encode()
        + b"@misc{d, title = {x\x81y}}\n"  # a byte cp1252 leaves undefined
    )
    warnings = []
    titles = [r.title for r in parse_bibtex(read_bib_file(mixed, warnings=warnings)).records]
    assert titles == ["Gödel", "Café “quoted”", "Ærø", "x\x81y"]
    assert [w.line for w in warnings] == [2, 4]
    assert str(warnings[0]).startswith("mixed.bib:2: not UTF-8; read as Windows-1252")


def test_an_encoding_given_is_used_for_the_whole_file() -> None:
    text = read_bib_file(DATA / "latin1.bib", encoding="latin-1")
    assert parse_bibtex(text).records[0].title == "Études"
    with pytest.raises(InputError, match="unknown encoding"):
        read_bib_file(DATA / "latin1.bib", encoding="no-such-codec")
    with pytest.raises(InputError, match=r"latin1\.bib:2: byte 0xe7 is not valid ascii"):
        read_bib_file(DATA / "latin1.bib", encoding="ascii")


def test_binary_and_missing_files_are_input_errors(tmp_path: Path) -> None:
    binary = tmp_path / "image.bib"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="binary file"):
        read_bib_file(binary)
    with pytest.raises(InputError, match="cannot read"):
        read_bib_file(tmp_path / "absent.bib")


def test_windows_line_endings_and_bom() -> None:
    parse = parse_bibtex("\ufeff@misc{a,\r\n  title = {One\r\n two},\r\n}\r\n")
    assert parse.records[0].title == "One two"


def test_large_files_are_read_in_pieces_with_right_line_numbers() -> None:
    from survey_db.bibtex import parse as bibtex

    entries = [f"@misc{{k{i},\n  title = {{Title {i}}},\n  year = {2000 + i % 20},\n}}\n" for i in range(400)]
    entries[357] = "@misc{broken,\n  title = {Oops},\n  year = {2020} junk,\n}\n"
    text = "".join(entries)
    old = bibtex._CHUNK_CHARS
    try:
        bibtex._CHUNK_CHARS = 1000
        chunked = bibtex.parse_bibtex(text)
    finally:
        bibtex._CHUNK_CHARS = old
    whole = parse_bibtex(text)
    assert len(list(bibtex._chunks(text, 1000))) > 10
    assert len(chunked.records) == len(whole.records) == 399
    assert (
        [str(e) for e in chunked.errors]
        == [str(e) for e in whole.errors]
        == ["<string>:1431: broken: field 'year': unexpected text 'junk' after the value (a missing comma?)"]
    )


# ------------------------------------------------------------------------------------------ writing


def paper(**fields) -> PaperRecord:
    base = dict(
        key="xie2023doremi",
        entry_type="inproceedings",
        title="DoReMi: Optimizing Data Mixtures Speeds Up Language Model Pretraining",
        authors=[Name(first="Sang Michael", last="Xie"), Name(first="Percy", last="Liang")],
        year=2023,
        venue="NeurIPS",
        venue_full="Advances in Neural Information Processing Systems",
    )
    base.update(fields)
    return PaperRecord(**base)


def test_field_order_and_layout() -> None:
    record = paper(
        pages="1--10",
        doi="10.1/x",
        arxiv_id="2305.10429",
        url="https://arxiv.org/abs/2305.10429",
        code_url="https://github.com/sangmichaelxie/doremi",
        topics=["Data Mixtures", "Pretraining"],
        extra={"zeta": "z", "alpha": "a", "publisher": "Curran", "primaryclass": "cs.CL"},
    )
    text = format_bibtex([record])
    names = re.findall(r"^  (\w+) = ", text, flags=re.MULTILINE)
    assert names == [
        "author", "title", "booktitle", "year", "pages", "publisher", "doi", "eprint", "archivePrefix",
        "primaryClass", "url", "code", "shortvenue", "keywords", "alpha", "zeta",
    ]  # fmt: skip
    assert text.startswith(
        "@inproceedings{xie2023doremi,\n  author = {Xie, Sang Michael and Liang, Percy},\n"
    )
    assert "  title = {{DoReMi}: Optimizing Data Mixtures Speeds Up Language Model Pretraining},\n" in text
    assert text.endswith("  zeta = {z}\n}\n")
    assert format_bibtex([record]) == text  # deterministic


def test_arxiv_only_papers_are_misc_with_eprint() -> None:
    record = paper(entry_type="article", venue_full=None, venue=None, arxiv_id="2305.10429")
    record.extra = {"primaryclass": "cs.CL"}
    bibtex = format_bibtex([record])
    assert bibtex.startswith("@misc{xie2023doremi,")
    assert "  eprint = {2305.10429},\n  archivePrefix = {arXiv},\n  primaryClass = {cs.CL}\n}" in bibtex
    biblatex = format_bibtex([record], style="biblatex")
    assert "  eprint = {2305.10429},\n  eprinttype = {arxiv},\n  eprintclass = {cs.CL}\n}" in biblatex
    assert "  date = {2023}," in biblatex and "year" not in biblatex


def test_journal_article_in_both_styles() -> None:
    record = paper(entry_type="article", venue_full="Journal of Machine Learning Research")
    assert "  journal = {Journal of Machine Learning Research},\n  year = {2023}" in format_bibtex([record])
    text = format_bibtex([record], style="biblatex")
    assert "  journaltitle = {Journal of Machine Learning Research},\n  date = {2023}" in text


def test_utf8_output_on_request() -> None:
    record = paper(authors=[Name(first="Zoë", last="Ünal")], title="Ünal's café")
    assert 'author = {{\\"U}nal, Zo{\\"e}}' in format_bibtex([record])
    assert "author = {Ünal, Zoë}" in format_bibtex([record], ascii=False)


NASTY_TITLE = "100% & under_score #1 costs $5 ~ a^b {unbalanced and } closing }{ Schrödinger's café \\ end"


def test_nasty_title_survives_export_and_import() -> None:
    record = paper(title=NASTY_TITLE)
    for style in ("bibtex", "biblatex"):
        for ascii in (True, False):
            text = format_bibtex([record], style=style, ascii=ascii)
            parse = parse_bibtex(text)
            assert parse.errors == []
            assert parse.records[0].title == NASTY_TITLE


def test_user_text_cannot_run_commands_or_close_the_entry() -> None:
    record = paper(
        title="\\input{/etc/passwd}",
        note="}, evil = {x",
        extra={
            "howpublished": "unbalanced { brace",
            "annote": "line one\n@comment{ sneaky",
            "addendum": "ends with a backslash \\",
            "eprintclass": "a \\} b",
        },
    )
    text = format_bibtex([record])
    assert "\\input{" not in text
    assert "\\textbackslash{}input\\{/etc/passwd\\}" in text
    assert "\n@comment" not in text
    parse = parse_bibtex(text)
    assert parse.errors == [] and len(parse.records) == 1
    back = parse.records[0]
    assert back.title == record.title and back.note == record.note
    assert set(back.extra) == set(record.extra)


def test_stale_or_broken_raw_text_is_not_used() -> None:
    record = paper(raw={"title": "{An Old Title}", "author": "{unbalanced", "year": "{\\input{x}"})
    text = format_bibtex([record])
    assert "An Old Title" not in text and "unbalanced" not in text and "\\input" not in text
    assert parse_bibtex(text).records[0].title == record.title


def test_macros_come_back_bare_only_when_defined() -> None:
    parse = parse_bibtex(read_bib_file(DATA / "features.bib"))
    with_strings = format_bibtex(parse.records, strings=parse.strings)
    assert "  journal = jmlr," in with_strings and '  month = "10~" # jan,' in with_strings
    assert "@string{jmlr = {Journal of Machine Learning Research}}" in with_strings
    without = format_bibtex(parse.records)
    assert "  journal = {Journal of Machine Learning Research}," in without
    assert '  month = "10~" # jan,' in without  # the month macros are predefined


def test_crossref_children_do_not_repeat_inherited_fields_and_parents_come_last() -> None:
    parse = parse_bibtex(read_bib_file(DATA / "features.bib"))
    records = by_key(parse.records)
    parent, child = records["parent2021"], records["child2021"]
    text = format_bibtex([parent, child])
    assert text.index("@inproceedings{child2021") < text.index("@proceedings{parent2021")
    child_text = text[text.index("@inproceedings{child2021") : text.index("@proceedings")]
    assert "publisher" not in child_text and "booktitle" not in child_text and "year" not in child_text
    assert "crossref = {parent2021}" in child_text
    assert_same_records([child, parent], parse_bibtex(text).records)
    alone = format_bibtex([child])  # without its parent: everything written, no dangling crossref
    assert "crossref" not in alone and "publisher = {ACM}" in alone
    twin = dataclasses.replace(child, title=parent.title)  # biber does not copy a parent's title as title
    assert "Proceedings of Something},\n  pages" not in format_bibtex([twin, parent])
    assert "  title = {Proceedings of Something},\n  pages" in format_bibtex([twin, parent], style="biblatex")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": "has space"}, "citation key 'has space' cannot be written"),
        ({"key": None}, "citation key '' cannot be written"),
        ({"entry_type": "not a type"}, "entry type 'not a type' cannot be written"),
        ({"extra": {"bad name": "x"}}, "field name 'bad name' cannot be written"),
    ],
)
def test_unwritable_records_are_input_errors(change: dict, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        format_bibtex([paper(**change)])


def test_parse_aux() -> None:
    aux = "\n".join(
        [
            "\\relax",
            "\\citation{xie2023doremi,liang2022}",
            "\\citation{*}",
            "\\abx@aux@cite{0}{chen2023}",
            "\\abx@aux@cite{xie2023doremi}",
            "\\citation{ liang2022 , new }",
            "\\bibdata{refs}",
        ]
    )
    assert parse_aux(aux) == ["xie2023doremi", "liang2022", "*", "chen2023", "new"]


# ------------------------------------------------------------------------------------- round trips

_NOT_FIELDS = {
    "author", "title", "journal", "journaltitle", "booktitle", "year", "date", "pages", "doi", "eprint",
    "archiveprefix", "eprinttype", "primaryclass", "eprintclass", "url", "code", "shortvenue", "keywords",
    "abstract", "note", "crossref",
}  # fmt: skip


def _normal(text: str) -> str:
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip(" ")


texts = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40).map(_normal)
words = st.text("abcdefghijklmnopqrstuvwxyzéüçøßłABCDEFGHIJKLMNOPQRSTUVWXYZÉÜÇØ'-.", min_size=1, max_size=8)
names = st.builds(
    Name,
    first=st.lists(words, max_size=2).map(" ".join),
    last=st.one_of(
        words, st.sampled_from(["Barnes and Noble", "de la Cruz", "bell hooks", "Smith, Jr", "{X}"])
    ),
    von=st.sampled_from(["", "", "van", "von der", "de", "ünder"]),
    jr=st.sampled_from(["", "", "Jr.", "III"]),
).filter(lambda n: all(p == _normal(p) for p in (n.first, n.last)))
urls = st.from_regex(r"https?://[a-z0-9]{1,10}\.org/[A-Za-z0-9_~%#?=&./-]{0,20}", fullmatch=True)
topics = st.lists(texts.filter(lambda t: t and "," not in t and ";" not in t), max_size=3, unique=True)
extra = st.dictionaries(
    st.from_regex(r"[a-z][a-z_]{1,8}", fullmatch=True).filter(lambda n: n not in _NOT_FIELDS),
    texts.map(unicode_to_latex),
    max_size=4,
)


@st.composite
def records(draw: st.DrawFn) -> list[PaperRecord]:
    count = draw(st.integers(min_value=1, max_value=4))
    out = []
    for index in range(count):
        arxiv = draw(st.one_of(st.none(), st.from_regex(r"[0-9]{4}\.[0-9]{4,5}", fullmatch=True)))
        venue_full = draw(st.one_of(st.none(), texts))
        types = ["article", "inproceedings", "book", "techreport", "misc"]
        entry_type = draw(st.sampled_from(types if venue_full or not arxiv else types[2:]))
        out.append(
            PaperRecord(
                key=f"k{index}" + draw(st.from_regex(r"[A-Za-z0-9:_-]{0,10}", fullmatch=True)),
                entry_type=entry_type,
                title=draw(st.one_of(st.just(""), texts)),
                authors=draw(st.lists(names, max_size=3)),
                year=draw(st.one_of(st.none(), st.integers(1000, 2100), st.integers(1, 999))),
                venue=draw(st.one_of(st.none(), texts)),
                venue_full=venue_full,
                url=draw(st.one_of(st.none(), urls)),
                code_url=draw(st.one_of(st.none(), urls)),
                arxiv_id=arxiv,
                doi=draw(
                    st.one_of(
                        st.none(),
                        st.from_regex(r"10\.[0-9]{4,6}/[a-z0-9._()/:-]{0,12}[a-z0-9]", fullmatch=True),
                    )
                ),
                pages=draw(st.one_of(st.none(), texts)),
                abstract=draw(st.one_of(st.none(), texts)),
                note=draw(st.one_of(st.none(), texts)),
                topics=draw(topics),
                extra=draw(extra),
            )
        )
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.sampled_from(["bibtex", "biblatex"]), st.booleans())
def test_any_record_round_trips(batch: list[PaperRecord], style: str, ascii: bool) -> None:
    text = format_bibtex(batch, style=style, ascii=ascii)
    parse = parse_bibtex(text)
    assert parse.errors == [], [str(e) for e in parse.errors]
    assert_same_records(batch, parse.records)
    assert format_bibtex(parse.records, style=style, ascii=ascii) == text


def test_every_record_attribute_has_one_row_in_the_table_of_fields() -> None:
    """Reading and writing walk bibtex.fields.FIELDS: an attribute without a row would be neither."""
    from survey_db.bibtex.fields import FIELDS

    not_fields = {"key", "entry_type", "extra", "raw", "protected", "source"}
    attributes = sorted(f.name for f in dataclasses.fields(PaperRecord) if f.name not in not_fields)
    assert sorted(row.attribute for row in FIELDS) == attributes
    assert len({row.name for row in FIELDS}) == len(FIELDS)


@pytest.mark.parametrize("name", ["xampl.bib", "biblatex-examples.bib"])
@pytest.mark.parametrize("style", ["bibtex", "biblatex"])
@pytest.mark.parametrize("ascii", [True, False])
def test_real_files_import_fully_and_round_trip(name: str, style: str, ascii: bool) -> None:
    path = kpsewhich(name)
    parse = parse_bibtex(read_bib_file(path), source=str(path))
    assert parse.errors == [] and parse.warnings == []
    assert len(parse.records) == {"xampl.bib": 36, "biblatex-examples.bib": 92}[name]
    text = format_bibtex(
        parse.records, style=style, ascii=ascii, strings=parse.strings, preamble=parse.preamble
    )
    again = parse_bibtex(text)
    assert again.errors == []
    assert again.strings == parse.strings and again.preamble == parse.preamble
    assert_same_records(parse.records, again.records)


def test_xampl_details() -> None:
    parse = parse_bibtex(read_bib_file(kpsewhich("xampl.bib")))
    records = by_key(parse.records)
    assert list(parse.strings) == ["STOC-key", "ACM", "STOC"]
    assert len(parse.preamble) == 1 and "\\noopsort" in parse.preamble[0]
    child = records["article-crossref"]
    assert child.venue_full == "G-Animal's Journal" and child.year == 1986  # from whole-journal
    assert child.extra["crossref"] == "WHOLE-JOURNAL" and child.extra["key"] == ""
    assert records["inbook-full"].extra["month"] == "10~January"
    assert records["inbook-full"].raw["month"] == '"10~" # jan'
    assert records["whole-set"].year == 1968


# ------------------------------------------------------------------------------------- real tools


def well_formed() -> list[PaperRecord]:
    """Complete records of the kinds a survey holds: every field plain.bst requires is there."""
    return [
        paper(),
        paper(
            key="cetinkaya2021",
            entry_type="article",
            title="Über Mixtures-of-Experts: GPT-3, LLMs & the 100% Club",
            authors=[
                Name(first="Bekir", last="Çetinkaya"),
                Name(first="Ludwig", von="van", last="Beethoven"),
            ],
            year=2021,
            venue_full="Journal of Machine Learning Research",
            pages="1\u201320",
            extra={"volume": "22"},
        ),
        paper(
            key="zhang2024arxiv",
            entry_type="misc",
            title="An arXiv-only Preprint on α-divergences",
            authors=[Name(first="Wei", last="Zhang")],
            year=2024,
            venue=None,
            venue_full=None,
            arxiv_id="2401.00001",
            url="https://arxiv.org/abs/2401.00001",
            code_url="https://github.com/x/y_z",
            topics=["Speculative Decoding"],
            extra={"primaryclass": "cs.CL"},
        ),
        paper(key="nasty", title=NASTY_TITLE, note="See \\input{/etc/passwd}"),
    ]


def test_bibtex_accepts_well_formed_output_without_warnings(tmp_path: Path) -> None:
    need("bibtex", "texlive-binaries")
    result = run_bibtex(tmp_path, format_bibtex(well_formed()))
    assert result.returncode == 0, result.stdout
    assert "error message" not in result.stdout and "Warning" not in result.stdout, result.stdout
    bbl = (tmp_path / "doc.bbl").read_text()
    assert bbl.count("\\bibitem") == 4


@pytest.mark.parametrize("name", ["xampl.bib", "biblatex-examples.bib"])
def test_bibtex_accepts_real_file_output(tmp_path: Path, name: str) -> None:
    need("bibtex", "texlive-binaries")
    parse = parse_bibtex(read_bib_file(kpsewhich(name)))
    text = format_bibtex(parse.records, strings=parse.strings, preamble=parse.preamble)
    result = run_bibtex(tmp_path, text)
    assert result.returncode < 2 and "error message" not in result.stdout, result.stdout
    assert (tmp_path / "doc.bbl").read_text().count("\\bibitem") == len(parse.records)


@pytest.mark.parametrize("source", ["well-formed", "xampl.bib", "biblatex-examples.bib"])
def test_biber_validates_biblatex_output(tmp_path: Path, source: str) -> None:
    need("biber", "biber")
    if source == "well-formed":
        text = format_bibtex(well_formed(), style="biblatex")
    else:
        parse = parse_bibtex(read_bib_file(kpsewhich(source)))
        text = format_bibtex(parse.records, style="biblatex", strings=parse.strings, preamble=parse.preamble)
    (tmp_path / "refs.bib").write_text(text, encoding="utf-8")
    result = run(["biber", "--tool", "--validate-datamodel", "refs.bib"], tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "ERROR" not in output, output
    if source == "well-formed":  # only our own two custom fields are unknown to biblatex's data model
        warnings = [line for line in output.splitlines() if line.startswith("WARN")]
        assert warnings and all(re.search(r"Field '(code|shortvenue)' invalid", w) for w in warnings), output


def test_document_citing_every_entry_compiles(tmp_path: Path) -> None:
    need("pdflatex", "texlive-latex-base")
    need("bibtex", "texlive-binaries")
    xampl = parse_bibtex(read_bib_file(kpsewhich("xampl.bib")))
    records = xampl.records + well_formed()
    (tmp_path / "refs.bib").write_text(
        format_bibtex(records, strings=xampl.strings, preamble=xampl.preamble), encoding="utf-8"
    )
    keys = ",".join(r.key for r in records)
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\nSee \\cite{" + keys + "}.\n"
        "\\bibliographystyle{plain}\n\\bibliography{refs}\n\\end{document}\n"
    )
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc"]
    for command in (latex, ["bibtex", "doc"], latex, latex):
        result = run(command, tmp_path)
        assert result.returncode < (2 if command[0] == "bibtex" else 1), result.stdout[-3000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "undefined" not in log.lower() or "Citation" not in log, log[-2000:]
    assert (tmp_path / "doc.pdf").exists()
    bbl = (tmp_path / "doc.bbl").read_text()
    assert bbl.count("\\bibitem") == len(records)
    assert "schr{\\\"o}dinger's caf{\\'e}" in bbl and "100\\% \\& under\\_score" in bbl
    assert ":1--20, 2021" in bbl


@pytest.mark.parametrize("spelling", ["CROSSREF", "CrossRef", "cRoSsReF"])
@pytest.mark.parametrize("parent_first", [False, True])
def test_crossref_field_name_in_any_case_inherits_from_its_parent(spelling: str, parent_first: bool) -> None:
    """BibTeX reads field names in any case: an upper-case CROSSREF finds its parent like a lower-case one."""
    child = f"@inproceedings{{kid2020, title = {{A Child}}, {spelling} = {{Proc2020}}}}\n"
    parent = "@proceedings{Proc2020, title = {Proceedings of Things}, booktitle = {Things}, year = 2020}\n"
    text = parent + child if parent_first else child + parent
    parse = parse_bibtex(text)
    records = by_key(parse.records)
    if parent_first and spelling == "cRoSsReF":
        # An odd spelling before its parent is not scanned for: a warning says so, nothing is silent.
        assert any("crossref 'Proc2020' is not an entry" in issue.message for issue in parse.warnings)
        return
    assert records["kid2020"].year == 2020 and records["kid2020"].venue_full == "Things"
    assert not [issue for issue in parse.warnings if "crossref" in issue.message]
