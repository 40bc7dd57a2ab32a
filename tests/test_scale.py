"""The paths that keep survey-db fast at 100,000 papers, checked on small collections.

Full-text search agrees with the LIKE reference; the batched .bib reader and importer agree with the
whole-file ones; the set-based paper reader agrees with the ORM; README order with a limit agrees with the
full order; and the benchmark's generator and import path still run (benchmarks/run.py measures them).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from survey_db.bibtex import parse_bibtex, read_bib_file
from survey_db.db import open_database
from survey_db.errors import InputError
from survey_db.identifiers import normalize_title
from survey_db.models import Paper, Placement
from survey_db.services import filters as filters_module
from survey_db.services import query
from survey_db.services.bibstream import iter_bibtex
from survey_db.services.io import ParsedInput, import_bibtex, import_parsed
from survey_db.services.paper_records import load_papers, paper_to_record
from survey_db.services.query import Filters, find_ids, like_match, text_match
from survey_db.services.selection import iter_papers
from survey_db.services.store import title_norm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402


@pytest.fixture(scope="module")
def collection():
    return generate.generate(200, seed=7)


@pytest.fixture
def generated(collection, tmp_path: Path) -> tuple[Path, Path]:
    return generate.write(collection, tmp_path / "bench")


def _import_bib(url: str, path: Path) -> None:
    database = open_database(url)
    try:
        with database.session() as session:
            import_parsed(session, _parse(path))
    finally:
        database.engine.dispose()


def _parse(path: Path) -> ParsedInput:
    parsed = parse_bibtex(read_bib_file(path), source=path.name)
    assert not parsed.errors, parsed.errors[:3]
    return ParsedInput(records=parsed.records, by_key=True)


# -- the generator and the benchmark's import path ---------------------------------------------------------


def test_generated_collection_imports_and_queries(cli, empty_db, collection, generated):
    bib, seeds = generated
    text = bib.read_text(encoding="utf-8")
    assert text.count("@string{") >= 20 and "crossref" in text and '{\\"' in text
    entries = [e for e in collection.entries]
    assert len(entries) == 200
    assert sum(1 for e in entries if e.macro) == 10  # 5%
    assert sum(1 for e in entries if any(not ch.isascii() for ch in e.record.title)) >= 20  # 10%
    assert all(1 <= len(e.record.authors) <= 20 for e in entries)

    result = cli("import", bib, db=empty_db)
    assert result.exit_code == 0, result.stderr
    assert "200 added" in result.stdout or f"{200 + len(collection.proceedings)} added" in result.stdout
    for name, args in collection.queries.items():
        if name in ("section", "no results"):
            continue  # the sections come with the seeds
        found = cli("query", *args, "--limit", "20", "--format", "keys", db=empty_db)
        assert found.exit_code == 0, (name, found.stderr)
        assert found.lines, f"the {name} query found nothing"
    exported = cli("export", "--bibtex", db=empty_db)
    assert len(parse_bibtex(exported.stdout).records) == 200 + len(collection.proceedings)


def test_realistic_options_give_accents_utf8_names_and_long_author_lists(tmp_path):
    """`--accented 1 --utf8 0.5 --long-authors 0.1`: every entry names an accented person, some in LaTeX and
    some in UTF-8, some entries have long author lists; the .bib reads back as the records meant."""
    realistic = generate.generate(600, seed=3, accented_share=1.0, long_authors=0.1)
    bib, _ = generate.write(realistic, tmp_path / "real", utf8_share=0.5)
    text = bib.read_text(encoding="utf-8")
    assert '{\\"' in text and any(letter in text for letter in "üéö")
    entries = realistic.entries
    assert all(any(not ch.isascii() for ch in e.record.title) for e in entries)
    assert all(any(not n.display.isascii() for n in e.record.authors) for e in entries)
    assert sum(1 for e in entries if len(e.record.authors) >= 20) >= 30
    parsed = {r.key: r for r in _parse(bib).records}
    for entry in entries:
        assert parsed[entry.record.key].authors == entry.record.authors
        assert parsed[entry.record.key].title == entry.record.title


def test_generated_seeds_load(cli, empty_db, collection, generated):
    _, seeds = generated
    result = cli("seed", seeds, db=empty_db)
    assert result.exit_code == 0, result.stderr
    section = cli("query", *collection.queries["section"], "--format", "keys", db=empty_db)
    assert section.exit_code == 0 and section.lines
    none = cli("query", *collection.queries["no results"], db=empty_db)
    assert none.exit_code == 0 and "0 papers" in none.stderr


# -- fast paths agree with the reference ---------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(alphabet="aZ9 -{}\\'\"éÉßØøıİΩ中\u0301\u00a0\u2013ﬁＡ½"))
def test_the_fast_title_norm_is_normalize_title(title):
    assert title_norm(title) == normalize_title(title)


# -- full-text search agrees with LIKE -------------------------------------------------------------------


@pytest.fixture
def searchable(empty_db, generated) -> str:
    bib, _ = generated
    _import_bib(empty_db, bib)
    return empty_db


def _words(collection) -> list[str]:
    words = set()
    for entry in collection.entries[:80]:
        record = entry.record
        for text in (record.title, record.abstract or "", *(n.display for n in record.authors)):
            words.update(text.split())
    return sorted(words)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_full_text_search_matches_the_like_reference(searchable, collection, data):
    words = _words(collection)
    picked = data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=3), label="words")
    # Prefixes, other case, punctuation around: every word of the query is a prefix to find.
    cut = data.draw(st.lists(st.integers(1, 8), min_size=len(picked), max_size=len(picked)), label="cut")
    terms = [word[: max(cut_at, 2)] for word, cut_at in zip(picked, cut, strict=True)]
    if data.draw(st.booleans(), label="upper"):
        terms = [t.upper() for t in terms]
    text = data.draw(st.sampled_from([" ", ", ", " - ", "  "]), label="separator").join(terms)
    if not query.text_words(text):
        return
    database = open_database(searchable)
    try:
        with database.session() as session:
            fast = set(session.scalars(text_match(session, text)))
            reference = set(session.scalars(like_match(text)))
    finally:
        database.engine.dispose()
    assert fast == reference, text


# -- the batched .bib reader and importer ------------------------------------------------------------------


def test_batched_reader_gives_what_the_whole_file_parse_gives(generated):
    bib, _ = generated
    text = read_bib_file(bib)
    whole = parse_bibtex(text, source="c.bib")
    for size in (3000, 20000):  # many pieces: macros and crossref parents cross them
        batches = list(iter_bibtex(text, "c.bib", chunk_chars=size))
        assert len(batches) > 3
        records = [r for b in batches for r in b.records]
        assert [r.__dict__ for r in records] == [r.__dict__ for r in whole.records]
        assert [e for b in batches for e in b.errors] == [str(i) for i in whole.errors]
        assert batches[-1].done == 1.0


def test_batched_reader_reports_problems_with_file_lines():
    good = "".join(f"@misc{{k{i},\n  title = {{Paper {i}}},\n  year = 2020\n}}\n\n" for i in range(200))
    text = "@string{v = {Venue}}\n" + good + "@misc{bad, year = {abc}}\n\n" + good.replace("{k1,", "{k1x,")
    whole = parse_bibtex(text, source="x.bib")
    batches = list(iter_bibtex(text, "x.bib", chunk_chars=1500))
    assert sorted(e for b in batches for e in b.errors) == sorted(str(i) for i in whole.errors)
    assert sorted(d for b in batches for d in b.duplicates) == sorted(whole.duplicates_in_file)
    assert [r.source for b in batches for r in b.records] == [r.source for r in whole.records]


def test_batched_import_stores_what_the_whole_file_import_stores(empty_db, templates, tmp_path, generated):
    bib, _ = generated
    other = templates.copy("empty", False, tmp_path / "other.db")
    _import_bib(empty_db, bib)
    database = open_database(other)
    try:
        with database.session() as session:
            batches = iter_bibtex(read_bib_file(bib), bib.name, chunk_chars=5000)
            report = import_bibtex(session, batches, bib.name)
        assert len(report.added) == 200 + len(generate.generate(200, seed=7).proceedings)
    finally:
        database.engine.dispose()
    assert _stored(empty_db) == _stored(other)


def test_batched_import_is_all_or_nothing(empty_db, tmp_path):
    good = "".join(f"@misc{{k{i}, title = {{Paper number {i}}}}}\n" for i in range(100))
    text = good + "@misc{bad, year = {2020} junk}\n" + good.replace("{k", "{j")
    database = open_database(empty_db)
    try:
        with pytest.raises(InputError, match="nothing imported"), database.session() as session:
            import_bibtex(session, iter_bibtex(text, "x.bib", chunk_chars=500), "x.bib")
        with database.session() as session:
            assert session.scalar(select(Paper.id).limit(1)) is None
            report = import_bibtex(
                session, iter_bibtex(text, "x.bib", chunk_chars=500), "x.bib", skip_invalid=True
            )
        assert len(report.added) == 200 and len(report.invalid) == 1
    finally:
        database.engine.dispose()


def _stored(url: str) -> list[dict]:
    database = open_database(url)
    try:
        with database.session() as session:
            ids = list(session.scalars(select(Paper.id).order_by(Paper.key)))
            return [paper_to_record(p).__dict__ for p in load_papers(session, ids)]
    finally:
        database.engine.dispose()


# -- reading papers back -----------------------------------------------------------------------------------


def test_set_based_reader_gives_the_orm_records(seeded_db):
    database = open_database(seeded_db)
    try:
        with database.session() as session:
            ids = list(session.scalars(select(Paper.id).order_by(Paper.key)))
            fast = [paper.record.__dict__ for paper in iter_papers(session, ids)]
            orm = [paper_to_record(p).__dict__ for p in load_papers(session, ids)]
    finally:
        database.engine.dispose()
    assert fast == orm


def test_a_section_filter_finds_what_resolve_section_finds(seeded_db):
    """The indexed lookup by slug and the recursive subtree give the papers of the whole-tree resolution,
    for every section named by slug, title and path."""
    from survey_db.services.taxonomy import resolve_section, section_tree, subtree_ids

    database = open_database(seeded_db)
    try:
        with database.session() as session:
            for node in section_tree(session):
                for name in {node.section.slug, node.section.title, " > ".join(node.path)}:
                    try:
                        wanted = set(subtree_ids(resolve_section(session, name)))
                    except InputError:  # an ambiguous title: the query gives the same error
                        with pytest.raises(InputError):
                            find_ids(session, Filters(section=name))
                        continue
                    placed = select(Placement.paper_id).where(Placement.section_id.in_(wanted))
                    ids, _ = find_ids(session, Filters(section=name))
                    assert set(ids) == set(session.scalars(placed)), name
    finally:
        database.engine.dispose()


def test_readme_order_with_a_limit_is_the_head_of_the_full_order(seeded_db, monkeypatch):
    database = open_database(seeded_db)
    try:
        with database.session() as session:
            for filters in (Filters(), Filters(year="2023.."), Filters(text="model")):
                full, total = find_ids(session, filters, sort="position")
                monkeypatch.setattr(filters_module, "SMALL_MATCH", 0)  # read sections in tree order
                for limit in (1, 7, 40, total + 5):
                    head, _ = find_ids(session, filters, sort="position", limit=limit)
                    assert head == full[:limit], (filters, limit)
                monkeypatch.setattr(filters_module, "SMALL_MATCH", 2000)
                ranked, _ = find_ids(session, Filters(text="model"), sort="relevance")
                top, _ = find_ids(session, Filters(text="model"), sort="relevance", limit=5)
                assert top == ranked[:5]
    finally:
        database.engine.dispose()


def test_export_json_is_the_plain_json_dump(cli, seeded_db):
    result = cli("export", "--json", "--year", "2023", db=seeded_db)
    papers = json.loads(result.stdout)
    assert papers and result.stdout == json.dumps(papers, ensure_ascii=False, indent=2) + "\n"
    empty = cli("export", "--json", "--year", "1900", db=seeded_db)
    assert empty.stdout == "[]\n"


def test_option_values_are_checked_without_pydantic(cli, seeded_db):
    assert cli("query", "--limit", "-1", db=seeded_db).exit_code == 2
    assert cli("query", "--limit", "many", db=seeded_db).exit_code == 2
    assert cli("query", "--limit", "2", "--format", "keys", db=seeded_db).lines.__len__() == 2


@pytest.mark.sqlite_only  # PostgreSQL keeps its indexes during a bulk import
def test_a_bulk_import_builds_the_indexes_again(empty_db, generated, monkeypatch):
    from survey_db.services import io

    def indexes() -> list[tuple]:
        database = open_database(empty_db)
        try:
            with database.session() as session:
                sql = "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
                return [tuple(row) for row in session.connection().exec_driver_sql(sql)]
        finally:
            database.engine.dispose()

    before = indexes()
    monkeypatch.setattr(io, "BULK_REBUILD", 10)
    bib, _ = generated
    database = open_database(empty_db)
    try:
        with database.session() as session:
            dropped = []
            real = io._drop_plain_indexes
            monkeypatch.setattr(io, "_drop_plain_indexes", lambda s: dropped.extend(real(s)) or list(dropped))
            import_bibtex(session, iter_bibtex(read_bib_file(bib), bib.name), bib.name, expected=200)
            assert len(dropped) >= 3
    finally:
        database.engine.dispose()
    assert indexes() == before
    assert len(_stored(empty_db)) == 200 + len(generate.generate(200, seed=7).proceedings)
    database = open_database(empty_db)
    try:
        with database.session() as session:
            check = "INSERT INTO papers_fts(papers_fts) VALUES ('integrity-check')"
            session.connection().exec_driver_sql(check)
            for word in ("neural", "mo", "Gödel"):
                fast = set(session.scalars(text_match(session, word)))
                assert fast == set(session.scalars(like_match(word)))
    finally:
        database.engine.dispose()


def test_bibtex_export_in_pieces_is_the_whole_export(empty_db, generated, monkeypatch):
    """Pieces, crossref families put back in place, and the helper process: the text of one format."""
    from survey_db.services import export

    bib, _ = generated
    _import_bib(empty_db, bib)
    database = open_database(empty_db)
    try:
        with database.session() as session:
            for sort in ("position", "title"):
                ids, _ = find_ids(session, Filters(), sort=sort)
                whole = export.to_bibtex(p.record for p in iter_papers(session, ids, sections=False))
                assert "crossref" in whole
                monkeypatch.setattr(export, "BIBTEX_PIECE", 7)
                assert export.bibtex_export(session, ids) == whole
                assert export.bibtex_export(session, ids[::-1]) == export.to_bibtex(
                    p.record for p in iter_papers(session, ids[::-1], sections=False)
                )
                if empty_db.startswith("sqlite"):
                    monkeypatch.setattr(export, "PARALLEL_BIBTEX", 10)
                    monkeypatch.setattr(export, "_second_core", lambda: True)
                    assert export.bibtex_export(session, ids) == whole
                    with monkeypatch.context() as broken:  # a helper that ends at once: nothing is lost
                        broken.setattr(sys, "executable", shutil.which("true"))
                        assert export.bibtex_export(session, ids) == whole
                    biblatex = export.bibtex_export(session, ids, style="biblatex", unicode=True)
                    records = (p.record for p in iter_papers(session, ids, sections=False))
                    assert biblatex == export.to_bibtex(records, style="biblatex", unicode=True)
                monkeypatch.setattr(export, "PARALLEL_BIBTEX", 20000)
                monkeypatch.setattr(export, "BIBTEX_PIECE", 1000)
            assert export.bibtex_export(session, []) == ""
    finally:
        database.engine.dispose()


@pytest.mark.sqlite_only  # the helper process reads SQLite files only
def test_a_shared_export_reads_one_state_when_a_writer_commits_meanwhile(empty_db, generated, monkeypatch):
    """A writer that commits after the export's transaction began reading: the export (helper or not) is
    the state that transaction sees, never a mix."""
    import sqlite3

    from survey_db.services import export

    bib, _ = generated
    _import_bib(empty_db, bib)
    monkeypatch.setattr(export, "PARALLEL_BIBTEX", 10)
    monkeypatch.setattr(export, "BIBTEX_PIECE", 7)
    monkeypatch.setattr(export, "_second_core", lambda: True)
    database = open_database(empty_db)
    try:
        with database.reading() as session:
            ids, _ = find_ids(session, Filters())
            before = export.to_bibtex(p.record for p in iter_papers(session, ids, sections=False))
            writer = sqlite3.connect(empty_db.removeprefix("sqlite:///"), isolation_level=None)
            writer.execute("UPDATE papers SET year = 1234")
            writer.close()
            assert export.bibtex_export(session, ids) == before
        with database.reading() as session:  # a new transaction sees the change, with the helper
            after = export.bibtex_export(session, ids)
            assert "year = {1234}" in after
            assert after == export.to_bibtex(p.record for p in iter_papers(session, ids, sections=False))
    finally:
        database.engine.dispose()


@pytest.mark.sqlite_only  # the helper process reads SQLite files only
def test_the_export_helper_opens_a_file_whose_path_has_uri_characters(templates, tmp_path, monkeypatch):
    from survey_db.services import export

    folder = tmp_path / "a#b?c%d"
    folder.mkdir()
    url = templates.copy("seeded", True, folder / "survey.db")
    monkeypatch.setattr(export, "PARALLEL_BIBTEX", 10)
    monkeypatch.setattr(export, "BIBTEX_PIECE", 7)
    monkeypatch.setattr(export, "_second_core", lambda: True)
    helped = []
    results = export._BibtexHelper.results

    def recorded(self):
        returned, lost = results(self)
        helped.append((len(returned), len(lost)))
        return returned, lost

    monkeypatch.setattr(export._BibtexHelper, "results", recorded)
    database = open_database(url)
    try:
        with database.reading() as session:
            ids, _ = find_ids(session, Filters())
            text = export.bibtex_export(session, ids)
            assert text == export.to_bibtex(p.record for p in iter_papers(session, ids, sections=False))
    finally:
        database.engine.dispose()
    assert len(helped) == 1 and helped[0][0] > 0 and helped[0][1] == 0, helped


def test_import_read_by_a_second_process_is_the_same(empty_db, templates, tmp_path, generated, monkeypatch):
    from survey_db.services import bibstream

    bib, _ = generated
    other = templates.copy("empty", False, tmp_path / "other.db")
    _import_bib(empty_db, bib)
    monkeypatch.setattr(bibstream, "PARALLEL_BYTES", 1)
    monkeypatch.setattr(bibstream, "CHUNK_CHARS", 20000)
    reader = bibstream.BibBatches(bib, bib.name)
    assert reader._process is not None or not bibstream._can_fork()
    database = open_database(other)
    try:
        with database.session() as session:
            report = import_bibtex(session, reader, bib.name)
        assert not report.invalid
    finally:
        database.engine.dispose()
    assert _stored(empty_db) == _stored(other)
