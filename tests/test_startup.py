"""Start-up stays fast: the CLI module does not pull in heavy libraries until a command needs them."""

from __future__ import annotations

import subprocess
import sys

from survey_db.cli.registry import COMMANDS

COMMAND_MODULES = {target.partition(":")[0] for target in COMMANDS.values()}


def imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(output.split())


def test_cli_import_is_light():
    modules = imported_after("import survey_db.cli")
    heavy = {"alembic", "bibtexparser", "sqlalchemy", "markdown_it", "rich.table", "httpx"}
    assert not heavy & {name.split(".")[0] if name.split(".")[0] != "rich" else name for name in modules}


def test_version_runs_without_database_libraries():
    run_version = (
        "import survey_db.cli as c; sys.argv = ['survey', '--version']\n"
        "try: c.main()\nexcept SystemExit: pass"
    )
    modules = imported_after(run_version)
    assert "sqlalchemy" not in modules and "alembic" not in modules
    assert not COMMAND_MODULES & modules, "survey --version imports no command module"


def test_a_command_imports_only_its_own_command_module(seeded_db):
    run_query = (
        "import survey_db.cli as c\n"
        f"sys.argv = ['survey', '--db', {seeded_db!r}, 'query', '--topic', 'Speculative Decoding']\n"
        "try: c.main()\nexcept SystemExit: pass"
    )
    modules = imported_after(run_query)
    assert "leviathan2023fast" in modules  # the query ran
    assert COMMAND_MODULES & modules == {"survey_db.cli.views"}
    run_group = (
        "import survey_db.cli as c\n"
        f"sys.argv = ['survey', '--db', {seeded_db!r}, 'db', 'current']\n"
        "try: c.main()\nexcept SystemExit: pass"
    )
    assert COMMAND_MODULES & imported_after(run_group) == {"survey_db.cli.schema"}


def test_help_builds_every_command_of_the_table_in_its_order():
    from typer.main import get_command

    from survey_db.cli import app

    group = get_command(app)
    ctx = group.make_context("survey", ["--version"], resilient_parsing=True)
    assert group.list_commands(ctx) == list(COMMANDS) and group.commands.built() == []
    assert group.get_command(ctx, "query").name == "query" and group.commands.built() == ["query"]
    for name in COMMANDS:
        assert group.get_command(ctx, name).help, name
    assert group.get_command(ctx, "qury") is None


def test_a_query_loads_no_orm_models(seeded_db):
    """`survey query` on a SQLite file at the current schema reads it with plain sqlite3: neither SQLAlchemy
    nor the model classes (building them is a twentieth of the start-up of a query through SQLAlchemy)."""
    run_query = (
        "import survey_db.cli as c\n"
        f"sys.argv = ['survey', '--db', {seeded_db!r}, 'query', '--topic', 'Speculative Decoding']\n"
        "try: c.main()\nexcept SystemExit: pass"
    )
    modules = imported_after(run_query)  # with the query's own output, whose first key shows it ran
    assert "leviathan2023fast" in modules
    heavy = {"survey_db.models", "survey_db.services.io", "sqlalchemy", "alembic", "bibtexparser", "httpx"}
    if seeded_db.startswith("sqlite"):
        assert "survey_db.services.fast_reads" in modules
        assert not heavy & modules
    else:  # PostgreSQL: through SQLAlchemy's light table clauses, still without the models
        assert "survey_db.services.selection" in modules
        assert not (heavy - {"sqlalchemy"}) & modules


def test_the_light_table_clauses_are_the_models_tables():
    from survey_db.models import Base
    from survey_db.services.query import TABLES

    for name, clause in TABLES.items():
        assert [c.name for c in clause.columns] == [c.name for c in Base.metadata.tables[name].columns], name


def test_a_commands_help_loads_no_database_library():
    """--help ends in an exception (click's Exit) like a failing command: telling it from a database error
    must not import SQLAlchemy."""
    run_help = (
        "import survey_db.cli as c; sys.argv = ['survey', 'query', '--help']\n"
        "try: c.main()\nexcept SystemExit: pass"
    )
    modules = imported_after(run_help)
    assert "survey_db.cli.views" in modules
    assert "sqlalchemy" not in modules and "alembic" not in modules
