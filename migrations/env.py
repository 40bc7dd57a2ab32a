"""Alembic environment: runs on the connection the program passes in, or on `-x db=PATH_OR_URL`."""

from alembic import context

from survey_db.db import make_engine, resolve_url
from survey_db.dialect import FTS_TABLE
from survey_db.models import Base

config = context.config
target_metadata = Base.metadata

# Full-text search objects (FTS5 tables, a GIN index) are made by hand in a migration, not by the
# models, so autogenerate and `alembic check` leave them out.
EXTERNAL_PREFIX = FTS_TABLE  # the FTS5 table and its shadow tables, the GIN index papers_fts_gin


def include_object(obj, name, type_, reflected, compare_to):
    return not (name and name.startswith(EXTERNAL_PREFIX))


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(resolve_url(context.get_x_argument(as_dictionary=True).get("db")))
    with engine.begin() as conn:
        run(conn)
    engine.dispose()
