"""Lookups by identifier against a local server answering as arXiv, Crossref, doi.org, DBLP and the ACL
Anthology: `add IDENTIFIER`, the cache, rate limits, retries, `update` with protected fields, `import
--lookup`. No test here reaches the internet."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from fake_services import FakeServices, Scripted


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    fake = FakeServices()
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SURVEY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SURVEY_EMAIL", "survey-tests@example.org")
    for service in ("ARXIV", "CROSSREF", "DOI", "DBLP", "ACL"):
        monkeypatch.setenv(f"SURVEY_{service}_INTERVAL", "0")
    monkeypatch.setenv("SURVEY_HTTP_RETRIES", "2")
    monkeypatch.setenv("SURVEY_HTTP_BACKOFF", "0.05")
    monkeypatch.setenv("SURVEY_HTTP_TIMEOUT", "2")
    yield fake
    fake.stop()


def shown(cli, db, key: str) -> dict:
    result = cli("show", key, "--format", "json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def added(cli, db, *args) -> str:
    result = cli("add", *args, db=db)
    assert result.exit_code == 0, result.stderr
    return result.lines[-1]


LOVE_BOOKTITLE = (
    "Proceedings of the 60th Annual Meeting of the Association for Computational Linguistics "
    "(Volume 1: Long Papers)"
)


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        # arXiv, every form; a preprint that DBLP knows as an ICML paper is added as that paper.
        ("2211.17192", {"venue": "ICML", "year": 2023, "type": "inproceedings", "arxiv_id": "2211.17192"}),
        ("https://arxiv.org/abs/2211.17192v2", {"venue": "ICML", "year": 2023}),
        ("http://arxiv.org/pdf/2211.17192v1.pdf", {"venue": "ICML", "pages": "19274\u201319286"}),
        ("arXiv:2211.17192", {"venue": "ICML"}),
        ("10.48550/arXiv.2211.17192", {"venue": "ICML", "arxiv_id": "2211.17192"}),
        # No published version: the preprint.
        ("2309.04564", {"venue": "arXiv", "year": 2023, "type": "misc", "arxiv_id": "2309.04564",
                        "url": "https://arxiv.org/abs/2309.04564"}),
        ("cs/0112017", {"venue": "arXiv", "year": 2001, "arxiv_id": "cs/0112017"}),
        # arXiv names the published DOI: Crossref's record of it.
        ("2203.07860", {"venue": "ACL", "venue_full": LOVE_BOOKTITLE, "type": "inproceedings", "year": 2022,
                        "doi": "10.18653/v1/2022.acl-long.245", "arxiv_id": "2203.07860"}),
        # DOIs: Crossref, and a DataCite DOI through doi.org.
        ("10.18653/v1/2022.acl-long.245", {"venue": "ACL", "pages": "3488\u20133504",
                                           "url": "https://doi.org/10.18653/v1/2022.acl-long.245"}),
        ("https://doi.org/10.18653/v1/2022.acl-long.245", {"venue": "ACL", "year": 2022}),
        ("10.5281/zenodo.1234567", {"title": "A Benchmark of Routing Decisions", "year": 2023,
                                    "doi": "10.5281/zenodo.1234567"}),
        # DBLP keys and URLs.
        ("conf/icml/LeviathanKM23", {"venue": "ICML", "year": 2023, "type": "inproceedings"}),
        ("https://dblp.org/rec/conf/icml/LeviathanKM23.html", {"venue": "ICML"}),
        # ACL Anthology ids and URLs.
        ("2022.acl-long.245", {"venue": "ACL", "type": "inproceedings", "year": 2022}),
        ("https://aclanthology.org/2022.acl-long.245/", {"venue": "ACL",
                                                         "doi": "10.18653/v1/2022.acl-long.245"}),
    ],
)  # fmt: skip
def test_add_by_every_identifier_form(cli, empty_db, services, identifier, expected):
    key = added(cli, empty_db, identifier)
    paper = shown(cli, empty_db, key)
    assert paper["authors"], paper
    for name, value in expected.items():
        assert paper[name] == value, (name, paper)
    assert not [r for r in services.log if r.service == "arxiv" and r.query.get("id_list") == [""]]


def test_add_bibtex_of_a_conference_paper_has_its_booktitle(cli, empty_db, services):
    key = added(cli, empty_db, "2203.07860")
    bib = cli("show", key, "--format", "bibtex", db=empty_db).stdout
    assert bib.startswith("@inproceedings{chen2022imputing,")
    assert "booktitle" in bib and "60th Annual Meeting" in bib
    assert "2203.07860" in bib  # the arXiv id is kept with the published version


def test_options_by_hand_win_and_apply_to_each(cli, empty_db, services):
    for path in ("Decoding",):
        assert cli("section", "add", path, db=empty_db).exit_code == 0
    key = added(cli, empty_db, "2211.17192", "--title", "Speculative Decoding (ICML version)",
                "--topic", "Speculative Decoding", "--section", "Decoding",
                "--code", "https://github.com/example/specdec")  # fmt: skip
    paper = shown(cli, empty_db, key)
    assert paper["title"] == "Speculative Decoding (ICML version)"
    assert paper["venue"] == "ICML" and paper["topics"] == ["Speculative Decoding"]
    assert paper["code_url"] == "https://github.com/example/specdec"
    assert paper["sections"] == [["Decoding"]]
    several = cli("add", "2401.10774", "2309.04564", "--title", "One title", db=empty_db)
    assert several.exit_code == 1 and "give one identifier" in several.stderr


def test_several_identifiers_from_a_file_in_one_arxiv_request(cli, empty_db, services, tmp_path):
    listing = tmp_path / "ids.txt"
    listing.write_text("# papers to add\n2211.17192\n\n2401.10774\nhttps://arxiv.org/abs/2309.04564\n")
    result = cli("add", "--from", str(listing), "cs/0112017", db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert len(result.lines) == 4
    [request] = services.requests("arxiv")
    assert request.query["id_list"] == ["cs/0112017,2211.17192,2401.10774,2309.04564"]
    assert "the published version of arXiv 2211.17192" in result.stderr


def test_dry_run_prints_bibtex_and_writes_nothing(cli, empty_db, services):
    result = cli("add", "2022.acl-long.245", "--dry-run", db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("@inproceedings{chen2022imputing,")
    assert "  editor = {Muresan, Smaranda and Nakov, Preslav and Villavicencio, Aline},\n" in result.stdout
    assert "dry run, nothing written" in result.stderr
    assert cli("query", "--format", "keys", db=empty_db).stdout == ""


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("2401.99999", "arXiv: no paper with id 2401.99999; check the id"),
        ("10.5555/nobody.knows", "doi.org: DOI 10.5555/nobody.knows is not registered"),
        ("conf/icml/Nobody99", "DBLP: no record conf/icml/Nobody99"),
        ("2099.acl-long.1", "ACL Anthology: no paper 2099.acl-long.1"),
        ("not-an-identifier", "is not an arXiv id or URL, a DOI"),
    ],
)
def test_a_failed_lookup_is_one_line_and_writes_nothing(cli, empty_db, services, identifier, message):
    result = cli("add", "2211.17192", identifier, db=empty_db)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert cli("query", "--format", "keys", db=empty_db).stdout == ""


def test_a_malformed_arxiv_id_gets_arxivs_error_entry(services):
    from survey_db.services.lookup import Lookup
    from survey_db.sources.http import LookupError_
    from survey_db.sources.settings import Settings

    lookup = Lookup(Settings.from_env())
    with pytest.raises(LookupError_, match="arXiv: incorrect id format for 1234.5"):
        lookup.arxiv(["1234.5"])
    lookup.close()


# -- the cache ------------------------------------------------------------------------------------------


def test_a_second_lookup_makes_no_request_and_works_with_the_server_stopped(
    cli, empty_db, seeded_db, services
):
    added(cli, empty_db, "2211.17192", "10.5281/zenodo.1234567", "2022.acl-long.245")
    sent = len(services.log)
    assert sent > 0
    services.stop()
    result = cli("add", "2211.17192", "10.5281/zenodo.1234567", "2022.acl-long.245", "--dry-run", db=empty_db)
    assert (
        result.exit_code == 1 and "already present" in result.stderr
    )  # looked up, then refused as duplicate
    other = cli("add", "2211.17192", "10.5281/zenodo.1234567", "2022.acl-long.245", db=seeded_db)
    assert (
        "leviathan2023fast" in other.stderr
    )  # the seeded copy of the paper; the lookups came from the cache
    offline = cli("add", "--offline", "10.5281/zenodo.1234567", "--dry-run", db=seeded_db)
    assert offline.exit_code == 0, offline.stderr
    assert "A Benchmark of Routing Decisions" in offline.stdout
    assert len(services.log) == sent


def test_offline_without_a_cached_answer_is_an_error(cli, empty_db, services, monkeypatch):
    monkeypatch.setenv("SURVEY_OFFLINE", "1")
    result = cli("add", "2401.10774", db=empty_db)
    assert result.exit_code == 1
    assert "arXiv: not in the cache and lookups are offline" in result.stderr
    assert services.log == []


# -- manners --------------------------------------------------------------------------------------------


def test_arxiv_interval_holds_across_runs(cli, empty_db, services, monkeypatch):
    monkeypatch.setenv("SURVEY_ARXIV_INTERVAL", "0.6")
    added(cli, empty_db, "2401.10774")
    added(cli, empty_db, "2309.04564")  # a separate run: the last request's time is in the cache folder
    added(cli, empty_db, "cs/0112017")
    times = [request.time for request in services.requests("arxiv")]
    assert len(times) == 3
    assert all(later - earlier >= 0.55 for earlier, later in zip(times, times[1:], strict=False)), times


def test_429_with_retry_after_is_waited_for(cli, empty_db, services):
    services.queue("arxiv", Scripted(429, "Rate exceeded.", {"Retry-After": "1"}))
    key = added(cli, empty_db, "2401.10774")
    assert shown(cli, empty_db, key)["venue"] == "ICML"
    first, second = services.requests("arxiv")
    assert second.time - first.time >= 0.95


def test_a_retry_after_too_long_fails_saying_so(cli, empty_db, services, monkeypatch):
    monkeypatch.setenv("SURVEY_MAX_RETRY_AFTER", "5")
    services.queue("crossref", Scripted(429, "", {"Retry-After": "3600"}))
    result = cli("add", "10.18653/v1/2022.acl-long.245", db=empty_db)
    assert result.exit_code == 1
    assert "Crossref: answered HTTP 429 and asks to wait 3600 s; try again later" in result.stderr


def test_5xx_is_retried_a_bounded_number_of_times(cli, empty_db, services):
    services.queue("dblp", Scripted(503, "busy"))
    assert added(cli, empty_db, "conf/icml/LeviathanKM23")
    services.queue("acl", *[Scripted(502, "bad gateway")] * 3)
    result = cli("add", "2022.acl-long.245", db=empty_db)
    assert result.exit_code == 1
    assert "ACL Anthology: answered HTTP 502 (3 tries)" in result.stderr
    assert len(services.requests("acl")) == 3


def test_a_malformed_answer_is_an_error_naming_the_service(cli, empty_db, services):
    services.queue("arxiv", Scripted(200, "<html><body>Service unavailable</body>"))
    result = cli("add", "2401.10774", db=empty_db)
    assert result.exit_code == 1 and "arXiv: the answer is not an Atom feed" in result.stderr
    services.queue("crossref", Scripted(200, '{"status": "ok", "message": '))
    result = cli("add", "10.18653/v1/2022.acl-long.245", db=empty_db)
    assert result.exit_code == 1 and "Crossref: the answer is not JSON" in result.stderr
    assert cli("query", "--format", "keys", db=empty_db).stdout == ""


def test_a_slow_answer_times_out(cli, empty_db, services, monkeypatch):
    monkeypatch.setenv("SURVEY_HTTP_TIMEOUT", "0.3")
    monkeypatch.setenv("SURVEY_HTTP_RETRIES", "1")
    services.queue("acl", Scripted(200, delay=1.0), Scripted(200, delay=1.0))
    result = cli("add", "2022.acl-long.245", db=empty_db)
    assert result.exit_code == 1
    assert "ACL Anthology: no answer within 0.3 s (2 tries)" in result.stderr


def test_crossref_gets_the_polite_pool_address(cli, empty_db, services):
    added(cli, empty_db, "10.18653/v1/2022.acl-long.245")
    [request] = services.requests("crossref")
    assert request.query["mailto"] == ["survey-tests@example.org"]
    assert "mailto:survey-tests@example.org" in request.headers["User-Agent"]


# -- update and protected fields ---------------------------------------------------------------------------

PREPRINTS_BIB = """@misc{leviathan2022fast,
  title = {Fast Inference from Transformers via Speculative Decoding},
  author = {Leviathan, Yaniv and Kalman, Matan and Matias, Yossi},
  year = {2022},
  eprint = {2211.17192},
  archivePrefix = {arXiv},
  url = {https://arxiv.org/abs/2211.17192},
}
@misc{marion2023when,
  title = {When Less is More: Investigating Data Pruning for Pretraining LLMs at Scale},
  author = {Marion, Max},
  year = {2023},
  eprint = {2309.04564},
  archivePrefix = {arXiv},
}
"""


def test_update_upgrades_a_preprint_and_keeps_a_protected_field(cli, empty_db, services, tmp_path):
    bib = tmp_path / "preprints.bib"
    bib.write_text(PREPRINTS_BIB)
    assert cli("import", str(bib), db=empty_db).exit_code == 0
    assert (
        cli(
            "edit", "leviathan2022fast", "--title", "Fast Inference via Speculative Decoding", db=empty_db
        ).exit_code
        == 0
    )

    dry = cli("update", "leviathan2022fast", "marion2023when", "--dry-run", db=empty_db)
    assert dry.exit_code == 0, dry.stderr
    lines = dry.lines
    assert lines[0] == "leviathan2022fast: published version of arXiv 2211.17192"
    assert "  ~ entry_type: 'misc' -> 'inproceedings'" in lines
    assert "  ~ year: 2022 -> 2023" in lines
    assert "  ~ venue: (none) -> 'ICML'" in lines
    assert (
        "  = title: kept 'Fast Inference via Speculative Decoding' (typed by hand; the lookup has "
        "'Fast Inference from Transformers via Speculative Decoding'; --overwrite title replaces it)"
    ) in lines
    assert "marion2023when" in lines
    assert "dry run, nothing written: 2 paper(s) to update" in dry.stderr
    assert shown(cli, empty_db, "leviathan2022fast")["year"] == 2022

    no_terminal = cli("update", "leviathan2022fast", db=empty_db)
    assert no_terminal.exit_code == 1 and "refusing to write without --yes" in no_terminal.stderr

    applied = cli("update", "leviathan2022fast", "--yes", db=empty_db)
    assert applied.exit_code == 0, applied.stderr
    paper = shown(cli, empty_db, "leviathan2022fast")  # the key never changes
    assert (paper["venue"], paper["year"], paper["type"]) == ("ICML", 2023, "inproceedings")
    assert paper["pages"] == "19274\u201319286" and paper["arxiv_id"] == "2211.17192"
    assert paper["title"] == "Fast Inference via Speculative Decoding"
    assert paper["url"] == "https://proceedings.mlr.press/v202/leviathan23a.html"

    again = cli("update", "leviathan2022fast", "--dry-run", db=empty_db)
    assert [line for line in again.lines if line.startswith("  ~")] == []
    overwritten = cli("update", "leviathan2022fast", "--yes", "--overwrite", "title", db=empty_db)
    assert overwritten.exit_code == 0, overwritten.stderr
    assert (
        shown(cli, empty_db, "leviathan2022fast")["title"]
        == "Fast Inference from Transformers via Speculative Decoding"
    )


def test_update_all_revalidates_old_cache_entries_and_refresh_forces(cli, empty_db, services, tmp_path):
    bib = tmp_path / "preprints.bib"
    bib.write_text(PREPRINTS_BIB)
    assert cli("import", str(bib), db=empty_db).exit_code == 0
    assert cli("update", "--all", "--dry-run", db=empty_db).exit_code == 0
    sent = len(services.log)
    assert cli("update", "--all", "--dry-run", db=empty_db).exit_code == 0
    assert len(services.log) == sent  # a fresh cache: no request
    assert cli("update", "--all", "--dry-run", "--refresh", db=empty_db).exit_code == 0
    assert len(services.log) > sent
    # An answer older than a week is fetched again.
    for path in (tmp_path / "cache" / "answers").rglob("*.json"):
        data = json.loads(path.read_text())
        data["fetched_at"] -= 8 * 24 * 3600
        path.write_text(json.dumps(data))
    sent = len(services.log)
    assert cli("update", "--all", "--dry-run", db=empty_db).exit_code == 0
    assert len(services.requests("arxiv")) and len(services.log) > sent


def test_fields_typed_in_add_are_protected_and_survive_dump_and_seed(
    cli, empty_db, services, tmp_path, templates
):
    key = added(
        cli, empty_db, "--title", "Medusa (our title)", "--author", "Tianle Cai", "--arxiv", "2401.10774"
    )
    update = cli("update", key, "--dry-run", db=empty_db)
    kept = {line.split(":")[0].strip("= ") for line in update.lines if line.startswith("  =")}
    assert kept == {"title", "authors", "arxiv_id"} - {"arxiv_id"}  # the lookup agrees on the arXiv id
    assert cli("dump", str(tmp_path / "seeds"), db=empty_db).exit_code == 0
    text = (tmp_path / "seeds" / "papers.bib").read_text()
    assert "protected = {arxiv_id, authors, title}" in text
    other = templates.copy("empty", False, tmp_path / "other.db")
    assert cli("seed", str(tmp_path / "seeds"), db=other).exit_code == 0
    assert cli("dump", str(tmp_path / "seeds2"), db=other).exit_code == 0
    assert (tmp_path / "seeds2" / "papers.bib").read_text() == text
    again = cli("update", key, "--dry-run", db=other)
    assert {line.split(":")[0].strip("= ") for line in again.lines if line.startswith("  =")} == kept


def test_import_lookup_fills_missing_fields_and_lists_failures(cli, empty_db, services, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Papers\n\n## Decoding\n\n| Title | Venue |\n|---|---|\n"
        "| [Fast Inference from Transformers via Speculative Decoding]"
        "(https://arxiv.org/abs/2211.17192) | |\n"
        "| [Medusa](https://arxiv.org/abs/2401.10774) | |\n"
        "| [A paper nobody has](https://arxiv.org/abs/2401.99999) | |\n"
    )
    result = cli("import", str(readme), "--lookup", db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "lookup failed: A paper nobody has: arXiv: no paper with id 2401.99999" in result.stderr
    papers = {p["title"]: p for p in json.loads(cli("query", "--format", "json", db=empty_db).stdout)}
    fast = papers["Fast Inference from Transformers via Speculative Decoding"]
    assert fast["authors"] == ["Yaniv Leviathan", "Matan Kalman", "Yossi Matias"] and fast["year"] == 2022
    assert papers["Medusa"]["authors"][0] == "Tianle Cai"  # the title in the file is kept
    assert papers["A paper nobody has"]["authors"] == []
    [request] = services.requests("arxiv")  # one batch
    assert request.query["id_list"] == ["2211.17192,2401.10774,2401.99999"]


# -- the service formats, one answer at a time ----------------------------------------------------------


def test_dblp_single_hit_and_single_author_come_as_objects():
    from fake_services import CONFERENCE, dblp_info
    from survey_db.sources import dblp

    info = dblp_info("conf/x/Solo24", "A Paper by One Person", ["Wei Li 0001"], "X", 2024, CONFERENCE)
    answer = json.dumps({"result": {"hits": {"@total": "1", "hit": {"@score": "1", "info": info}}}})
    [hit] = dblp.read_hits(answer)
    assert (hit.key, hit.title, hit.authors, hit.year) == (
        "conf/x/Solo24",
        "A Paper by One Person",
        ["Wei Li"],
        2024,
    )
    assert dblp.read_hits(json.dumps({"result": {"hits": {"@total": "0"}}})) == []


def test_doi_org_bibtex_answer_drops_the_url_key():
    from fake_services import DATACITE
    from survey_db.sources import doi

    found = doi.read_answer(DATACITE["10.5281/zenodo.1234567"]["bibtex"], "application/x-bibtex")
    record = found.record
    assert record.key is None and record.title == "A Benchmark of Routing Decisions"
    assert record.doi == "10.5281/zenodo.1234567" and record.year == 2023
    assert [a.last for a in record.authors] == ["Hari", "Thomson"]


def test_edit_in_editor_protects_the_changed_fields(cli, empty_db, services, monkeypatch, tmp_path):
    key = added(cli, empty_db, "2309.04564")
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('When Less is More', 'When Less Is More'))\n"
    )
    import sys

    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    assert cli("edit", key, db=empty_db).exit_code == 0
    update = cli("update", key, "--dry-run", db=empty_db)
    assert any(line.startswith("  = title: kept 'When Less Is More") for line in update.lines), update.stdout


def test_protected_fields_survive_a_json_backup_and_restore(cli, empty_db, services, tmp_path, templates):
    key = added(cli, empty_db, "--title", "Medusa (our title)", "--arxiv", "2401.10774", "--year", "2024")
    assert cli("db", "backup", str(tmp_path / "backup.json"), db=empty_db).exit_code == 0
    other = templates.copy("empty", False, tmp_path / "other.db")
    restored = cli("db", "restore", str(tmp_path / "backup.json"), db=other)
    assert restored.exit_code == 0, restored.stderr
    update = cli("update", key, "--dry-run", db=other)
    assert {line.split(":")[0].strip("= ") for line in update.lines if line.startswith("  =")} == {"title"}


def test_add_arxiv_option_alone_looks_the_paper_up(cli, empty_db, services):
    key = added(cli, empty_db, "--arxiv", "https://arxiv.org/abs/2309.04564")
    paper = shown(cli, empty_db, key)
    assert paper["title"].startswith("When Less is More") and paper["year"] == 2023


def test_more_than_100_arxiv_ids_go_in_batches_of_100_at_the_interval(services, monkeypatch):
    from survey_db.services.lookup import Lookup
    from survey_db.sources.settings import Settings

    monkeypatch.setenv("SURVEY_ARXIV_INTERVAL", "0.4")
    ids = ["2211.17192", *(f"2401.{n:05d}" for n in range(149))]
    lookup = Lookup(Settings.from_env())
    found = lookup.arxiv(ids)
    lookup.close()
    assert found["2211.17192"].record.title.startswith("Fast Inference")
    assert str(found["2401.00000"]) == "arXiv: no paper with id 2401.00000; check the id"
    first, second = services.requests("arxiv")
    assert (
        len(first.query["id_list"][0].split(",")) == 100 and len(second.query["id_list"][0].split(",")) == 50
    )
    assert second.time - first.time >= 0.4


def test_no_network_fails_at_once_naming_the_service(cli, empty_db, monkeypatch):
    monkeypatch.setenv("SURVEY_HTTP_RETRIES", "3")
    started = time.monotonic()
    result = cli(
        "add", "10.18653/v1/2022.acl-long.245", db=empty_db
    )  # conftest points every service at port 9
    assert result.exit_code == 1
    assert "error: Crossref: cannot connect" in result.stderr and "--offline" in result.stderr
    assert time.monotonic() - started < 5


def test_arxiv_error_entry_with_200_and_rate_exceeded_body(cli, empty_db, services):
    from fake_services import arxiv_feed

    _, error_feed = arxiv_feed(["bad-id"])
    services.queue("arxiv", Scripted(200, error_feed))
    result = cli("add", "2401.10774", db=empty_db)
    assert result.exit_code == 1 and "arXiv: incorrect id format for bad-id" in result.stderr
    # arXiv's throttling answer is a plain 'Rate exceeded.', not a feed: waited for and retried.
    services.queue("arxiv", Scripted(503, "Rate exceeded."), Scripted(200, "Rate exceeded."))
    key = added(cli, empty_db, "2401.10774")
    assert shown(cli, empty_db, key)["venue"] == "ICML" and len(services.requests("arxiv")) == 4


def test_merge_keeps_the_protection_of_values_it_moves(cli, empty_db, tmp_path):
    keep = added(cli, empty_db, "--title", "Medusa", "--year", "2024")
    other = added(cli, empty_db, "--title", "Medusa (preprint)", "--pages", "1--10", "--year", "2023")
    assert cli("merge", keep, other, db=empty_db).exit_code == 0
    assert cli("dump", str(tmp_path / "seeds"), db=empty_db).exit_code == 0
    assert "protected = {pages, title, year}" in (tmp_path / "seeds" / "papers.bib").read_text()


def test_update_uses_an_old_cached_answer_when_the_service_is_down(cli, empty_db, services, tmp_path):
    bib = tmp_path / "preprints.bib"
    bib.write_text(PREPRINTS_BIB)
    assert cli("import", str(bib), db=empty_db).exit_code == 0
    assert cli("update", "leviathan2022fast", "--dry-run", db=empty_db).exit_code == 0
    for path in (tmp_path / "cache" / "answers").rglob("*.json"):
        data = json.loads(path.read_text())
        data["fetched_at"] -= 8 * 24 * 3600
        path.write_text(json.dumps(data))
    services.stop()
    result = cli("update", "leviathan2022fast", "--dry-run", db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "  ~ venue: (none) -> 'ICML'" in result.lines
    assert (
        "warning: arXiv: cannot connect" in result.stderr
        and "used the cached answers of 1 arXiv id" in result.stderr
    )
