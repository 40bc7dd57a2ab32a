"""The generated schema names (survey_db/schema_names.py) are the models' names, and the lists that the
services keep for one purpose cover every column."""

from __future__ import annotations

import subprocess
import sys

from survey_db import schema_names
from survey_db.generate_schema import COMMAND, TARGET, main, render


def test_the_generated_names_are_current():
    assert TARGET.read_text(encoding="utf-8") == render(), f"{TARGET} is stale: run `{COMMAND}`"


def test_the_generated_names_are_the_models_tables():
    from survey_db.models import Base

    assert list(schema_names.COLUMNS) == list(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        assert schema_names.COLUMNS[name] == tuple(table.columns.keys()), name
        assert schema_names.PRIMARY_KEYS[name] == tuple(table.primary_key.columns.keys()), name
        nullable = tuple(c.name for c in table.columns if c.nullable)
        assert schema_names.NULLABLE.get(name, ()) == nullable, name


def test_the_check_says_how_to_regenerate(capsys, monkeypatch, tmp_path):
    stale = tmp_path / "schema_names.py"
    stale.write_text(TARGET.read_text(encoding="utf-8").replace('"abstract",\n', ""), encoding="utf-8")
    monkeypatch.setattr("survey_db.generate_schema.TARGET", stale)
    assert main(["--check"]) == 1
    assert capsys.readouterr().err.strip() == f"schema_names.py is stale: run `{COMMAND}`"
    assert main([]) == 0 and main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == render()


def test_the_generated_module_imports_nothing():
    code = "import sys; import survey_db.schema_names; print('\\n'.join(sys.modules))"
    modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert not {"sqlalchemy", "alembic", "survey_db.models"} & set(modules.split())


def test_every_paper_column_is_stored_and_read_or_left_out_on_purpose():
    from dataclasses import fields

    from survey_db.paper_fields import (
        LINKED_FIELDS,
        NOT_RECORD_VALUES,
        PAPER_COLUMNS,
        PROTECTABLE,
        SCALAR_FIELDS,
    )
    from survey_db.records import PaperRecord
    from survey_db.services import reading

    columns = schema_names.COLUMNS["papers"]
    record_fields = {each.name for each in fields(PaperRecord)}
    # A column that is not a record's value is listed in NOT_RECORD_VALUES; every other one is a record's.
    assert set(NOT_RECORD_VALUES) <= set(columns)
    missing = [name for name in SCALAR_FIELDS if name not in record_fields]
    assert not missing, f"papers.{missing[0]} is no PaperRecord attribute: add it, or to NOT_RECORD_VALUES"
    # The store writes every column but the id, once.
    assert sorted(PAPER_COLUMNS) == sorted(name for name in columns if name != "id")
    # The export's reader reads every column but those it leaves out on purpose, each record value once.
    assert {"key", *SCALAR_FIELDS} <= set(reading._PAPER_COLUMNS)
    assert sorted(reading._PAPER_COLUMNS + reading.NOT_READ) == sorted(columns)
    # Every record attribute is kept somewhere (but `source`, which says where it was read, for messages).
    linked = {name for names in LINKED_FIELDS.values() for name in names}
    kept = {*SCALAR_FIELDS, "key", *linked, "topics", "extra", "raw", "protected"}
    assert record_fields - {"source"} == kept
    assert set(PROTECTABLE) == {*SCALAR_FIELDS, *linked} and len(PROTECTABLE) == len(set(PROTECTABLE))


def test_a_paper_with_every_field_set_reads_back_whole(empty_db):
    """Stored by the store, read by the ORM converter and by the export's reader: every value comes back."""
    from survey_db.db import open_database
    from survey_db.paper_fields import SCALAR_FIELDS
    from survey_db.records import Name, PaperRecord
    from survey_db.services.paper_records import load_papers, paper_to_record
    from survey_db.services.selection import iter_papers
    from survey_db.services.store import Store

    samples = {
        "entry_type": "inproceedings",
        "year": 2023,
        "url": "https://example.org/paper",
        "code_url": "https://github.com/example/code",
        "arxiv_id": "2301.01234",
        "doi": "10.1000/xyz123",
        "pages": "1\u201310",
    }
    values = {name: samples.get(name, f"A {name} value") for name in SCALAR_FIELDS}
    record = PaperRecord(
        key="every2023field",
        **values,
        authors=[Name(first="Ada", last="Lovelace")],
        venue="NeurIPS",
        venue_full="Advances in Neural Information Processing Systems",
        topics=["Testing"],
        extra={"month": "jan"},
    )
    database = open_database(empty_db)
    try:
        with database.session() as session:
            (pid,) = Store(session).insert([record])
            session.flush()
            orm = paper_to_record(load_papers(session, [pid])[0])
            (read,) = (paper.record for paper in iter_papers(session, [pid], sections=False))
    finally:
        database.engine.dispose()
    for name in (*SCALAR_FIELDS, "key", "authors", "venue", "topics", "extra"):
        assert getattr(orm, name) == getattr(record, name), name
    assert read == orm
