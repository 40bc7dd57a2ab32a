"""CSL-JSON (Zotero, pandoc) in and out."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_db.bibtex import parse_bibtex, read_bib_file
from survey_db.csl import csl_to_records, records_to_csl
from survey_db.errors import InputError
from survey_db.records import Name, PaperRecord
from textools import kpsewhich

DATA = Path(__file__).parent / "data" / "bib"
SAME = [f.name for f in dataclasses.fields(PaperRecord) if f.name not in ("raw", "source")]


def assert_same(before: list[PaperRecord], after: list[PaperRecord]) -> None:
    assert len(before) == len(after)
    for first, second in zip(before, after, strict=True):
        for name in SAME:
            assert getattr(first, name) == getattr(second, name), (first.key, name)


def test_zotero_export_is_read() -> None:
    records = csl_to_records(json.loads((DATA / "zotero.json").read_text(encoding="utf-8")))
    zotero, journal, conference = records

    assert zotero.key is None  # a Zotero URI is no citation key
    assert zotero.entry_type == "misc"
    assert zotero.arxiv_id == "2305.10429"
    assert zotero.year == 2023
    assert zotero.doi == "10.48550/arxiv.2305.10429"
    assert zotero.authors == [Name(first="Sang Michael", last="Xie"), Name(first="Hieu", last="Pham"),
                              Name(last="The DoReMi Team")]  # fmt: skip
    assert zotero.topics == [
        "Computer Science - Computation and Language",
        "Computer Science - Machine Learning",
    ]
    assert "publisher" not in zotero.extra  # "arXiv" as publisher is the preprint server, not a publisher

    assert journal.key == "beethoven1801" and journal.entry_type == "article"
    assert journal.authors == [Name(first="Ludwig", last="Beethoven", von="van")]
    assert journal.year == 1801
    assert (journal.venue_full, journal.venue, journal.pages) == ("Journal für Musik", "J. Musik", "10-20")
    assert journal.extra == {"volume": "2", "number": "3", "editor": 'M{\\"u}ller, Anna'}

    assert conference.entry_type == "inproceedings" and conference.arxiv_id == "2211.09110"


def test_records_are_written_as_csl() -> None:
    record = PaperRecord(
        title="DoReMi",
        key="xie2023doremi",
        entry_type="misc",
        authors=[Name(first="Ludwig", von="van", last="Beethoven", jr="Jr.")],
        year=2023,
        arxiv_id="2305.10429",
        url="https://arxiv.org/abs/2305.10429",
        code_url="https://github.com/x/doremi",
        topics=["Data Mixtures", "Pretraining"],
        extra={"publisher": "Curran {\\&} Sons", "primaryclass": "cs.CL"},
    )
    (item,) = records_to_csl([record])
    assert item["id"] == "xie2023doremi" and item["type"] == "article"
    assert item["author"] == [
        {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van", "suffix": "Jr."}
    ]
    assert item["issued"] == {"date-parts": [[2023]]}
    assert item["number"] == "arXiv:2305.10429" and item["archive"] == "arXiv"
    assert item["keyword"] == "Data Mixtures, Pretraining"
    assert item["publisher"] == "Curran & Sons"  # decoded for citeproc
    assert item["custom"] == {
        "bibtex-type": "misc",
        "code": "https://github.com/x/doremi",
        "bibtex-fields": {"publisher": "Curran {\\&} Sons", "primaryclass": "cs.CL"},
    }
    assert json.loads(json.dumps(records_to_csl([record]))) == [item]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not a list", "should be a list"),
        ([1], "item 1 is not an object"),
        ([{"id": "a", "issued": {"date-parts": [["soon"]]}}], r"item 1 \(a\): 'issued' date-parts"),
        ([{"id": "a", "author": "Someone"}], "'author' should be a list"),
        ([{"id": "a", "title": {"x": 1}}], "'title' should be text"),
    ],
)
def test_malformed_csl_is_an_input_error(data: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        csl_to_records(data)


texts = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
names = st.builds(
    Name, first=texts | st.just(""), last=texts, von=st.just("") | texts, jr=st.just("") | texts
)
records = st.builds(
    PaperRecord,
    title=st.just("") | texts,
    key=st.from_regex(r"[A-Za-z][A-Za-z0-9:_-]{0,12}", fullmatch=True),
    entry_type=st.sampled_from(["article", "inproceedings", "book", "inbook", "misc", "phdthesis", "online"]),
    authors=st.lists(names, max_size=3),
    year=st.none() | st.integers(1, 2100),
    venue=st.none() | texts,
    venue_full=st.none() | texts,
    url=st.none() | texts,
    code_url=st.none() | texts,
    arxiv_id=st.none() | st.from_regex(r"[0-9]{4}\.[0-9]{4,5}", fullmatch=True),
    doi=st.none() | st.from_regex(r"10\.[0-9]{4,6}/[a-z0-9._-]{0,10}[a-z0-9]", fullmatch=True),
    pages=st.none() | texts,
    abstract=st.none() | texts,
    note=st.none() | texts,
    topics=st.lists(texts.filter(lambda t: "," not in t and ";" not in t), max_size=3),
    extra=st.dictionaries(st.from_regex(r"[a-z]{2,8}", fullmatch=True), texts, max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(records, max_size=4))
def test_records_round_trip_through_csl_json(batch: list[PaperRecord]) -> None:
    text = json.dumps(records_to_csl(batch), ensure_ascii=False)
    assert_same(batch, csl_to_records(json.loads(text)))


@pytest.mark.parametrize("name", ["xampl.bib", "biblatex-examples.bib"])
def test_real_bibtex_files_round_trip_through_csl_json(name: str) -> None:
    records = parse_bibtex(read_bib_file(kpsewhich(name))).records
    assert_same(records, csl_to_records(json.loads(json.dumps(records_to_csl(records)))))
