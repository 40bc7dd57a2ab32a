"""Fuzzing the importers through the real CLI with hypothesis: BibTeX, CSV/TSV, Markdown/HTML READMEs and
CSL-JSON made of hostile pieces (deep nesting, 1 MB fields, NUL bytes, invalid UTF-8, 10,000 columns).

Every example either imports (exit 0) or fails with one clean `error: ...` line (exit 1) and leaves the
database exactly as it was; none raises a traceback. A file holding a NUL byte or invalid UTF-8 is always
refused. After an import, the BibTeX export parses back to exactly the stored papers.

Examples per importer: SURVEY_FUZZ_EXAMPLES (default 25); a longer run, e.g.
    SURVEY_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py --hypothesis-show-statistics
The statistics list, per importer, how many examples imported and how many were refused, and why.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dbtools import snapshot

EXAMPLES = int(os.environ.get("SURVEY_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,  # no example database in the checkout; a failure prints how to reproduce it
)
MB = 1 << 20

# -- building blocks -----------------------------------------------------------------------------------------

# Characters that matter to the formats, and some that matter to nobody.
SPECIAL = list("{}\\@%#\"',=|<>[]()*_`~^$&!\n\r\t ;:/") + ["\u00a0", "\u200b", "\ufeff", "é", "ß", "😀", "中"]
pieces = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12),
    st.sampled_from(SPECIAL),
    st.sampled_from(
        [
            "and", " and ", "{\\\"o}", "\\'e", "\\emph{x}", "$x^2$", "\\input{/etc/passwd}", "@comment{",
            "@string{a = \"b\"}", "</td><script>alert(1)</script>", "javascript:alert(1)", "https://x.org/a",
            "10.1000/xyz", "arXiv:2211.17192", "2023", "-- ", "\\\\", "}{", "{{", "}}", "\\", "%", "#", "\"",
            "| --- |", "<br>", "&amp;", "&#0;", "<!--", "-->", "[x](y)", "![i](j)", "```", "\x01", "\x1b[31m",
        ]
    ),
)  # fmt: skip
text = st.lists(pieces, max_size=8).map("".join)


@st.composite
def big(draw, of=text) -> str:
    """Usually short; sometimes a field of about 1 MB."""
    value = draw(of)
    if draw(st.integers(0, 14)) == 14:
        unit = value or "x"
        value = unit * (MB // len(unit) + 1)
    return value


def nested(opening: str, closing: str, deepest: int = 10_000):
    """`opening * n + inner + closing * n`, n up to `deepest` (sometimes left unbalanced)."""
    return st.builds(
        lambda n, inner, cut: (opening * n + inner + closing * n)[
            : len(opening * n + inner + closing * n) - cut
        ],
        st.sampled_from([1, 2, 50, 1000, deepest]),
        text,
        st.sampled_from([0, 0, 0, 1, 7]),
    )


# README blocks nest up to 2,000 deep here (markdown-it is slow on deeper ones); the always-run cases at the
# end of this file nest them 10,000 deep.
MD_DEEPEST = 2000


@st.composite
def corrupt(draw, data: bytes) -> bytes:
    """The bytes, sometimes with a NUL, a byte that is not UTF-8, a BOM or CR LF line ends."""
    # Hypothesis favours small draws: 0 (the most frequent) leaves the bytes alone.
    choice = draw(st.integers(0, 9))
    if choice == 7 and data:
        at = draw(st.integers(0, len(data)))
        return (
            data[:at]
            + draw(st.sampled_from([b"\x00", b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\xe9"]))
            + data[at:]
        )
    if choice == 8:
        return b"\xef\xbb\xbf" + data
    if choice == 9:
        return data.replace(b"\n", b"\r\n")
    return data


# -- BibTeX --------------------------------------------------------------------------------------------------

FIELD_NAMES = [
    "title", "author", "year", "journal", "booktitle", "doi", "eprint", "archiveprefix", "url", "code",
    "keywords", "abstract", "note", "pages", "month", "crossref", "editor", "date", "x-odd", "", "ti tle",
    "123",
]  # fmt: skip


@st.composite
def bib_value(draw) -> str:
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return '"' + draw(text).replace('"', "") + '"'
    if kind == 1:
        return draw(st.sampled_from(["jan", "2023", "undefinedmacro", "a # b", '"x" # jan']))
    if kind == 2:
        return "{" + draw(nested("{", "}")) + "}"
    if kind == 3:
        return "{" + draw(nested("\\emph{", "}")) + "}"
    return "{" + draw(big()) + "}"


@st.composite
def bib_entry(draw) -> str:
    """Mostly well-formed entries (so that many import) with hostile values; sometimes broken ones."""
    broken = draw(st.integers(0, 4)) == 4
    types = ["article", "inproceedings", "misc"]
    if broken:
        types += ["book", "string", "comment", "preamble", "", "weird type"]
    entry_type = draw(st.sampled_from(types))
    key = draw(st.from_regex(r"[a-z][a-z0-9:_-]{0,20}", fullmatch=True))
    if broken and draw(st.booleans()):
        key = draw(text)
    fields = [f"  title = {draw(bib_value())}"] if draw(st.integers(0, 4)) < 4 else []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(st.sampled_from(FIELD_NAMES))
        fields.append(f"  {name} = {draw(bib_value())}")
    end = draw(st.sampled_from(["\n}", ",\n}", "", "\n)"])) if broken else "\n}"
    body = f"@{entry_type}{{{key},\n" + ",\n".join(fields) + end
    if broken and draw(st.booleans()):
        body = draw(text) + body  # junk between entries
    return body


@st.composite
def bibtex_file(draw) -> bytes:
    entries = draw(st.lists(bib_entry(), min_size=0, max_size=6))
    return draw(corrupt("\n\n".join(entries).encode("utf-8")))


# -- CSV and TSV ---------------------------------------------------------------------------------------------

KNOWN_COLUMNS = ["Title", "Authors", "Year", "Venue", "Code", "DOI", "arXiv", "URL", "Topics", "Section",
                 "Type", "Key", "Abstract", "Notes", "venue_full", "Pages"]  # fmt: skip


@st.composite
def table_file(draw) -> tuple[bytes, str]:
    delimiter = draw(st.sampled_from([",", "\t"]))
    wide = draw(st.integers(0, 7)) == 7
    if wide:  # 10,000 columns
        headers = ["Title", *(f"column {i}" for i in range(9_999))]
    else:
        headers = draw(st.lists(st.one_of(st.sampled_from(KNOWN_COLUMNS), text), min_size=1, max_size=8))
        if draw(st.integers(0, 4)) < 4:
            headers.insert(draw(st.integers(0, len(headers))), "Title")
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        if wide:
            rows.append([draw(text), *(["v"] * 9_999)])
        else:
            size = len(headers) + draw(st.sampled_from([0, 0, 0, 1, -1]))
            rows.append([draw(big()) for _ in range(max(0, size))])
    quoting = draw(st.sampled_from(["csv", "csv", "csv", "raw"]))
    if quoting == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        data = out.getvalue()
    else:  # no quoting at all: stray quotes, delimiters and newlines inside cells
        data = "\n".join(delimiter.join(row) for row in [headers, *rows]) + "\n"
    return draw(corrupt(data.encode("utf-8"))), ".csv" if delimiter == "," else ".tsv"


LINKS = ["https://arxiv.org/abs/2211.17192", "javascript:x", ""]

# -- Markdown and HTML READMEs -------------------------------------------------------------------------------


@st.composite
def readme_block(draw) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return "#" * draw(st.integers(1, 7)) + " " + draw(text)
    if kind == 1:  # a pipe table
        columns = draw(st.lists(st.sampled_from(["Title", "Venue", "Code", "Topic", "Authors", "Year", "x"]),
                                min_size=1, max_size=5))  # fmt: skip
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for _ in range(draw(st.integers(0, 4))):
            lines.append("| " + " | ".join(draw(big()).replace("\n", " ") for _ in columns) + " |")
        return "\n".join(lines)
    if kind == 2:  # an HTML table as awesome lists write them
        cells = "".join(f"<td>{draw(big())}</td>" for _ in range(draw(st.integers(1, 4))))
        head = "<tr><th>Title</th><th>Venue</th><th>Code</th></tr>"
        return f"<table>{head}<tr>{cells}</tr>{draw(st.sampled_from(['', '</table>']))}"
    if kind == 3:  # a list of papers
        return "\n".join(
            f"- [{draw(text)}]({draw(st.sampled_from(LINKS))}) - {draw(text)}"
            for _ in range(draw(st.integers(1, 4)))
        )
    if kind == 4:
        return draw(nested("> ", "", MD_DEEPEST))
    if kind == 5:
        return draw(nested("<div>", "</div>", MD_DEEPEST))
    if kind == 6:
        return draw(nested("<table><tr><td>", "</td></tr></table>", MD_DEEPEST))
    if kind == 7:
        depth = draw(st.sampled_from([2, 100, 1000]))
        return "\n".join("  " * i + "- " + draw(text) for i in range(depth))
    if kind == 8:
        return draw(nested("[", "](x)", MD_DEEPEST)) + draw(nested("*", "*", MD_DEEPEST))
    return draw(big())


@st.composite
def readme_file(draw) -> bytes:
    blocks = ["# " + draw(text), "## " + draw(text)] + draw(st.lists(readme_block(), max_size=6))
    return draw(corrupt("\n\n".join(blocks).encode("utf-8")))


# -- CSL-JSON ------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)),
    max_leaves=10,
)


CSL_FIELDS = ["id", "author", "issued", "DOI", "URL", "container-title", "page", "keyword", "abstract"]


@st.composite
def csl_file(draw) -> bytes:
    kind = draw(st.integers(0, 4))
    if kind == 4:
        depth = draw(st.sampled_from([10, 100_000]))
        return b"[" * depth + b"]" * depth
    items = []
    for _ in range(draw(st.integers(0, 3))):
        item = {
            "type": draw(st.sampled_from(["article-journal", "paper-conference", "x"])),
            "title": draw(st.one_of(big(), json_values)),
        }
        for name in draw(st.lists(st.sampled_from(CSL_FIELDS), max_size=5)):
            item[name] = draw(json_values)
        items.append(item)
    data = json.dumps(items if kind != 1 else {"items": items}, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 9:  # JSON can spell an unpaired surrogate, which is not Unicode text
        data = data.replace('"title": "', '"title": "\\udc80', 1)
    return draw(corrupt(data.encode("utf-8")))


# -- the property --------------------------------------------------------------------------------------------

NOTES = ("warning:", "skipped invalid:", "conflict:")
BASELINE = """
@inproceedings{leviathan2023fast,
  author = {Leviathan, Yaniv and Kalman, Matan and Matias, Yossi},
  title = {Fast Inference from Transformers via Speculative Decoding},
  booktitle = {International Conference on Machine Learning}, year = {2023},
  eprint = {2211.17192}, archiveprefix = {arXiv}, keywords = {Speculative Decoding},
}
@misc{t, title = {T}, note = {a paper titled T, as many generated rows are}}
@article{a, author = {A, B}, title = {A}, journal = {J}, year = {2020}, doi = {10.1000/xyz}}
"""


def _import_cleanly(cli, db: str, folder: Path, data: bytes, suffix: str, importer: str, note=event) -> str:
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    before = snapshot(db)
    if not before["papers"]:  # every example meets the same few stored papers, which it may match
        baseline = folder / "baseline.bib"
        baseline.write_text(BASELINE, encoding="utf-8")
        assert cli("import", str(baseline), db=db).exit_code == 0
        before = snapshot(db)
    result = cli("import", str(path), db=db)  # a traceback would be raised here
    assert result.exit_code in (0, 1), result
    if result.exit_code == 0:
        note(f"{importer}: imported")
        assert b"\x00" not in data, "a file with a NUL byte was imported"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            # A .bib's lines that are not UTF-8 are read as Windows-1252 (as by BibTeX, byte for byte), with
            # a warning naming each; elsewhere invalid UTF-8 is refused.
            read_as_cp1252 = suffix == ".bib" and "not UTF-8; read as Windows-1252" in result.stderr
            assert data.startswith((b"\xff\xfe", b"\xfe\xff")) or read_as_cp1252, "invalid UTF-8 was imported"
        _exports_parse_back(cli, db)
        _empty(db)  # the next example starts again from the baseline papers, so examples stay cheap
        return "imported"
    problems = [line for line in result.stderr.splitlines() if not line.startswith(NOTES)]
    assert len(problems) == 1 and problems[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    note(f"{importer}: refused: {_reason(problems[0])}")
    assert snapshot(db) == before, "a refused import changed the database"
    return "refused"


def _empty(url: str) -> None:
    from sqlalchemy import MetaData

    from dbtools import SKIPPED, plain_engine

    engine = plain_engine(url)
    try:
        with engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection, only=lambda name, _m: not name.startswith(SKIPPED))
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())
    finally:
        engine.dispose()


def _reason(line: str) -> str:
    """The kind of an error message, for the statistics: paths, numbers and quoted values removed."""
    line = re.sub(r"'[^']*'|\"[^\"]*\"|\([^)]*\)", "…", line.removeprefix("error: "))
    line = re.sub(r"\S*input\.\w+(:\d+)?:?|\d+", "", line)
    return " ".join(line.split())[:70]


def _exports_parse_back(cli, db: str) -> None:
    """The BibTeX export of everything stored parses back, with no error, to the stored keys."""
    from survey_db.bibtex import parse_bibtex

    keys = cli("query", "--format", "keys", db=db).stdout.split()
    exported = cli("export", "--bibtex", db=db)
    assert exported.exit_code == 0, exported.stderr
    parsed = parse_bibtex(exported.stdout)
    assert [str(e) for e in parsed.errors] == []
    assert sorted(r.key for r in parsed.records) == sorted(keys)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


@pytest.mark.timeout(600)
@FUZZ
@given(data=bibtex_file())
def test_fuzz_bibtex(cli, empty_db, folder, data: bytes):
    _import_cleanly(cli, empty_db, folder, data, ".bib", "bibtex")


@pytest.mark.timeout(600)
@FUZZ
@given(table=table_file())
def test_fuzz_csv_and_tsv(cli, empty_db, folder, table: tuple[bytes, str]):
    data, suffix = table
    _import_cleanly(cli, empty_db, folder, data, suffix, "csv" if suffix == ".csv" else "tsv")


@pytest.mark.timeout(600)
@FUZZ
@given(data=readme_file())
def test_fuzz_markdown_and_html(cli, empty_db, folder, data: bytes):
    _import_cleanly(cli, empty_db, folder, data, ".md", "markdown")


@pytest.mark.timeout(600)
@FUZZ
@given(data=csl_file())
def test_fuzz_csl_json(cli, empty_db, folder, data: bytes):
    _import_cleanly(cli, empty_db, folder, data, ".json", "csl-json")


# -- the cases the issue names, always run -------------------------------------------------------------------

DEEP = 10_000
MD_HEAD = "# T\n\n## S\n\n"
MD_TABLE = MD_HEAD + "| Title | Venue |\n|---|---|\n| "
WIDE_ROW = ",".join("v" for _ in range(10_000))
# About 1 MB of words that are all different (a tsvector of them would pass PostgreSQL's 1 MB limit).
DISTINCT_WORDS = b" ".join(b"w%xq%d" % (i * 7919, i) for i in range(80_000))
# name -> (suffix, bytes, whether it imports)
NAMED_CASES = {
    "bib-deep-braces": (".bib", b"@misc{a, title = {" + b"{" * DEEP + b"x" + b"}" * DEEP + b"}}\n", True),
    "bib-deep-commands": (
        ".bib",
        b"@misc{a, title = {" + b"\\emph{" * DEEP + b"x" + b"}" * DEEP + b"}}\n",
        True,
    ),
    "bib-1mb-field": (".bib", b"@misc{a, title = {T}, abstract = {" + b"word " * (MB // 5) + b"}}\n", True),
    "bib-1mb-distinct-words": (".bib", b"@misc{a, title = {T}, abstract = {%s}}\n" % DISTINCT_WORDS, True),
    "bib-1mb-title": (".bib", b"@misc{a, title = {" + b"T" * MB + b"}}\n", False),
    "bib-10000-authors": (
        ".bib",
        b"@misc{a, title = {T}, author = {"
        + b" and ".join(b"Author%d, A." % i for i in range(10_000))
        + b"}}\n",
        True,
    ),
    "bib-nul-late": (
        ".bib",
        b"@misc{a, title = {ok}}\n" + b" " * 70_000 + b"@misc{b, title = {x\x00y}}\n",
        False,
    ),
    "bib-nul-utf16": (".bib", "\ufeff@misc{a, title = {x\x00y}}\n".encode("utf-16-le"), False),
    "bib-invalid-utf8": (".bib", b"@misc{a, title = {caf\xe9 \xff}}\n", True),  # a warning: not UTF-8
    "bib-control-character-key": (".bib", b"@misc{00\x1dx y, title = {T}}\n", False),  # one line, escaped
    "bib-long-key": (".bib", b"@misc{" + b"k" * 300 + b", title = {T}}\n", False),
    "csv-10000-columns": (
        ".csv",
        ("Title," + ",".join(f"c{i}" for i in range(10_000)) + "\nT," + WIDE_ROW + "\n").encode(),
        True,
    ),
    "csv-1mb-cell": (".csv", b"Title,Notes\nT," + b"n" * MB + b"\n", True),
    "csv-nul-late": (".csv", b"Title\n" + b"x" * 9_000 + b"\na\x00b\n", False),
    "csv-long-venue": (".csv", b"Title,Venue\nT," + b"v" * 1000 + b"\n", False),
    "csv-long-author": (".csv", b"Title,Authors\nT," + b"A" * 1000 + b" B\n", False),
    "csv-bad-type": (".csv", b"Title,Type\nT,%bad type$\n", False),
    "csv-bad-key": (".csv", b"Title,Key\nT,a key{\n", False),
    "csv-odd-headers": (".csv", b"Title,!!,#,1x,a,A\nT,1,2,3,4,5\n", True),
    "md-nul-late": (".md", MD_TABLE.encode() + b" " * 9_000 + b"a\x00b | X |\n", False),
    "md-deep-html": (
        ".md",
        (
            MD_HEAD + "<table><tr><td>" + "<div>" * DEEP + "x" + "</div>" * DEEP + "</td></tr></table>\n"
        ).encode(),
        True,
    ),
    "md-deep-lists": (".md", (MD_HEAD + "".join("  " * i + "- item\n" for i in range(1000))).encode(), True),
    "md-deep-emphasis": (
        ".md",
        (MD_TABLE + "*" * 50_000 + "a" + "*" * 50_000 + " | ICML |\n").encode(),
        False,
    ),
    "md-1mb-heading": (".md", b"# T\n\n## " + b"h" * MB + b"\n\n| Title |\n|---|\n| A paper |\n", False),
    "md-1mb-open-comments": (".md", MD_HEAD.encode() + b"<!--" * (MB // 4), True),  # was minutes
    "md-long-open-comment": (".md", (MD_HEAD + "<table><tr><td><!--\n" + "a line\n" * 30_000).encode(), True),
    "md-charrefs": (".md", (MD_TABLE + "&#0;&#xD800;&#99999999; | X |\n").encode(), True),
    "md-1mb-cell": (".md", (MD_TABLE + "w " * (MB // 2) + " | ICML |\n").encode(), False),
    "json-surrogate": (".json", b'[{"type": "article", "title": "a \\ud800 b"}]', False),
    "json-deep": (".json", b"[" * 100_000 + b"]" * 100_000, False),
    "json-deep-title": (".json", b'[{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]", False),
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("case", list(NAMED_CASES))
def test_named_hostile_inputs(cli, empty_db, folder, case: str):
    suffix, data, imports = NAMED_CASES[case]
    outcome = _import_cleanly(cli, empty_db, folder, data, suffix, case, note=lambda _: None)
    assert outcome == ("imported" if imports else "refused")


def test_an_argument_that_is_not_unicode_is_a_clean_error(cli, empty_db):
    """A shell passes bytes that are not UTF-8 as unpaired surrogates (Python's surrogateescape)."""
    before = snapshot(empty_db)
    result = cli("add", "--title", "caf\udce9", db=empty_db)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: a value ") and len(result.stderr.splitlines()) == 1
    assert snapshot(empty_db) == before
