"""Start-up stays fast: the CLI module does not pull in heavy libraries until a command needs them."""

from __future__ import annotations

import subprocess
import sys


def imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(output.split())


def test_cli_import_is_light():
    modules = imported_after("import survey_db.cli")
    heavy = {"alembic", "bibtexparser", "sqlalchemy", "markdown_it", "rich.table"}
    assert not heavy & {name.split(".")[0] if name.split(".")[0] != "rich" else name for name in modules}


def test_version_runs_without_database_libraries():
    run_version = (
        "import survey_db.cli as c; sys.argv = ['survey', '--version']\n"
        "try: c.main()\nexcept SystemExit: pass"
    )
    modules = imported_after(run_version)
    assert "sqlalchemy" not in modules and "alembic" not in modules
