"""Identifier parsing (arXiv, DOI, DBLP, ACL Anthology) and what `add` does with typed identifiers."""

from __future__ import annotations

import json

import pytest

from survey_db.identifiers import (
    Identifier,
    derived_link,
    parse_acl_id,
    parse_arxiv,
    parse_dblp_key,
    parse_doi,
    parse_identifier,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2401.10774", Identifier("arxiv", "2401.10774")),
        ("2401.10774v2", Identifier("arxiv", "2401.10774")),
        ("arXiv:2401.10774", Identifier("arxiv", "2401.10774")),
        ("arxiv: 2401.10774v1", Identifier("arxiv", "2401.10774")),
        ("https://arxiv.org/abs/2401.10774", Identifier("arxiv", "2401.10774")),
        ("https://arxiv.org/abs/2401.10774v3", Identifier("arxiv", "2401.10774")),
        ("http://arxiv.org/pdf/2401.10774v1.pdf", Identifier("arxiv", "2401.10774")),
        ("https://arxiv.org/pdf/2401.10774", Identifier("arxiv", "2401.10774")),
        ("https://export.arxiv.org/abs/2401.10774?context=cs", Identifier("arxiv", "2401.10774")),
        ("0704.0001", Identifier("arxiv", "0704.0001")),
        ("cs/0112017", Identifier("arxiv", "cs/0112017")),
        ("arXiv:math.GT/0309136v1", Identifier("arxiv", "math.GT/0309136")),
        ("https://arxiv.org/abs/hep-th/9901001v2", Identifier("arxiv", "hep-th/9901001")),
        ("10.48550/arXiv.2401.10774", Identifier("arxiv", "2401.10774")),
        ("https://doi.org/10.48550/arXiv.2211.17192", Identifier("arxiv", "2211.17192")),
        ("10.18653/v1/2022.acl-long.245", Identifier("doi", "10.18653/v1/2022.acl-long.245")),
        ("https://doi.org/10.1145/3442188.3445922", Identifier("doi", "10.1145/3442188.3445922")),
        ("http://dx.doi.org/10.1162/TACL_a_00373", Identifier("doi", "10.1162/tacl_a_00373")),
        ("doi:10.1038/s41586-021-03819-2", Identifier("doi", "10.1038/s41586-021-03819-2")),
        ("conf/icml/LeviathanKM23", Identifier("dblp", "conf/icml/LeviathanKM23")),
        ("journals/corr/abs-2203-07860", Identifier("dblp", "journals/corr/abs-2203-07860")),
        ("https://dblp.org/rec/conf/acl/ChenXZZH22.html", Identifier("dblp", "conf/acl/ChenXZZH22")),
        ("https://dblp.org/rec/conf/acl/ChenXZZH22.bib", Identifier("dblp", "conf/acl/ChenXZZH22")),
        ("dblp:conf/nips/VaswaniSPUJGKP17", Identifier("dblp", "conf/nips/VaswaniSPUJGKP17")),
        ("2022.acl-long.245", Identifier("acl", "2022.acl-long.245")),
        ("2023.emnlp-main.1", Identifier("acl", "2023.emnlp-main.1")),
        ("P19-1001", Identifier("acl", "P19-1001")),
        ("https://aclanthology.org/2022.acl-long.245/", Identifier("acl", "2022.acl-long.245")),
        ("https://aclanthology.org/2022.acl-long.245.pdf", Identifier("acl", "2022.acl-long.245")),
        ("https://www.aclweb.org/anthology/P19-1001", Identifier("acl", "P19-1001")),
    ],
)
def test_every_identifier_form(text, expected):
    assert parse_identifier(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "1234", "not an id", "10.1234", "https://example.org/paper", "conf/icml", "2401.107", "x/y/z"],
)
def test_what_is_no_identifier(text):
    assert parse_identifier(text) is None


def test_doi_is_whole_not_found_in_a_sentence():
    assert parse_doi("1234") is None
    assert parse_doi("see 10.1145/3442188.3445922 for details") is None
    assert parse_doi("https://doi.org/10.1007/978-3-030-58452-8_13") == "10.1007/978-3-030-58452-8_13"
    assert parse_doi("10.1000/a%2Fb") == "10.1000/a/b"


def test_acl_doi_and_old_ids():
    assert parse_acl_id("10.18653/v1/P19-1001") == "P19-1001"
    assert parse_acl_id("p19-1001") == "P19-1001"
    assert parse_acl_id("https://aclanthology.org/2022.ACL-long.245.bib") == "2022.acl-long.245"
    assert parse_dblp_key("https://dblp.uni-trier.de/rec/journals/corr/abs-2203-07860.xml") == (
        "journals/corr/abs-2203-07860"
    )
    assert parse_arxiv("https://arxiv.org/abs/2401.10774#abstract") == "2401.10774"


def test_derived_link_prefers_the_version_of_record():
    assert derived_link("2401.10774", None) == "https://arxiv.org/abs/2401.10774"
    assert derived_link(None, "10.1145/3442188.3445922") == "https://doi.org/10.1145/3442188.3445922"
    assert derived_link("2401.10774", "10.48550/arxiv.2401.10774") == "https://arxiv.org/abs/2401.10774"
    assert derived_link(None, None) is None


# -- the CLI ---------------------------------------------------------------------------------------------


def stored(cli, db) -> list[dict]:
    return json.loads(cli("query", "--format", "json", db=db).stdout)


BASE = ["--title", "Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads",
        "--author", "Tianle Cai", "--year", "2024", "--venue", "ICML"]  # fmt: skip


@pytest.mark.parametrize(
    "option",
    [
        ["--arxiv", "https://arxiv.org/abs/2401.10774"],
        ["--arxiv", "https://arxiv.org/pdf/2401.10774v3.pdf"],
        ["--arxiv", "arXiv:2401.10774v1"],
        ["--url", "https://arxiv.org/abs/2401.10774v2"],
    ],
)
def test_add_takes_an_arxiv_url(cli, empty_db, option):
    result = cli("add", *BASE, *option, db=empty_db)
    assert result.exit_code == 0, result.stderr
    [paper] = stored(cli, empty_db)
    assert paper["arxiv_id"] == "2401.10774"
    assert paper["url"].startswith("https://arxiv.org/")


def test_add_takes_a_doi_url_and_url_fills_the_doi(cli, empty_db):
    assert cli("add", *BASE, "--doi", "https://doi.org/10.5555/Medusa.2024", db=empty_db).exit_code == 0
    assert (
        cli("add", "--title", "Other", "--url", "https://doi.org/10.5555/other", db=empty_db).exit_code == 0
    )
    dois = {p["title"]: p["doi"] for p in stored(cli, empty_db)}
    assert dois == {BASE[1]: "10.5555/medusa.2024", "Other": "10.5555/other"}


def test_an_invalid_doi_is_one_line_error_and_nothing_stored(cli, empty_db):
    result = cli("add", "--title", "Not a DOI", "--author", "Jane Doe", "--year", "2024", "--doi", "1234",
                 db=empty_db)  # fmt: skip
    assert result.exit_code == 1
    assert "'1234' is not a DOI such as 10.18653/v1/2023.acl-long.792 or a doi.org URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert stored(cli, empty_db) == []


def test_edit_checks_identifiers_too(cli, empty_db):
    assert cli("add", *BASE, db=empty_db).exit_code == 0
    key = stored(cli, empty_db)[0]["key"]
    bad = cli("edit", key, "--doi", "1234", db=empty_db)
    assert bad.exit_code == 1 and "is not a DOI" in bad.stderr
    good = cli("edit", key, "--arxiv", "https://arxiv.org/abs/2401.10774v1", db=empty_db)
    assert good.exit_code == 0, good.stderr
    assert stored(cli, empty_db)[0]["arxiv_id"] == "2401.10774"
    assert stored(cli, empty_db)[0]["doi"] is None


@pytest.mark.parametrize(
    ("option", "link"),
    [
        (["--arxiv", "2401.10774"], "https://arxiv.org/abs/2401.10774"),
        (["--doi", "10.5555/medusa.2024"], "https://doi.org/10.5555/medusa.2024"),
    ],
)
def test_an_identifier_gives_the_paper_its_link(cli, empty_db, option, link):
    assert cli("section", "add", "Speculative Decoding", db=empty_db).exit_code == 0
    added = cli("add", *BASE, "--section", "Speculative Decoding", *option, db=empty_db)
    assert added.exit_code == 0, added.stderr
    [paper] = stored(cli, empty_db)
    assert paper["url"] == link
    markdown = cli("export", "--markdown", db=empty_db)
    assert markdown.exit_code == 0, markdown.stderr
    assert link in markdown.stdout
    check = cli("check", "--format", "json", db=empty_db)
    findings = json.loads(check.stdout)
    assert not [f for f in findings if f["rule"] == "missing-field"], findings


def test_a_typed_url_wins_over_the_derived_link(cli, empty_db):
    url = "https://proceedings.mlr.press/v235/cai24b.html"
    assert cli("add", *BASE, "--arxiv", "2401.10774", "--url", url, db=empty_db).exit_code == 0
    assert stored(cli, empty_db)[0]["url"] == url
