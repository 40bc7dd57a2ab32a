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
