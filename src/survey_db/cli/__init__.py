"""The `survey` command: the only place that imports typer, parses options, prints and exits.

Services do the work. `root.py` holds the app and its own options; `registry.py` the table of commands,
each built from its module only when it runs (or for --help), so `survey --version` imports no command
module. Command modules (files, lookups, meta, papers, quality, schema, views) share `output.py` (fail,
note), `group.py` (SurveyGroup), `database.py` (open_db) and `options.py`; none imports the root app.
Heavy modules (sqlalchemy, alembic, bibtexparser) load inside commands.
"""

from survey_db.cli.root import app, main

__all__ = ["app", "main"]
