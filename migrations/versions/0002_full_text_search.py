"""Full-text search over papers.search_text with each engine's own machinery.

SQLite: an FTS5 index kept in step with `papers` by triggers. PostgreSQL: a GIN index on the
'simple' tsvector of the same column. Both match word prefixes, as `survey query TEXT` promises.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE papers_fts USING fts5(search_text, content='papers', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    "CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN "
    "INSERT INTO papers_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN "
    "INSERT INTO papers_fts(papers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER papers_fts_update AFTER UPDATE OF search_text ON papers BEGIN "
    "INSERT INTO papers_fts(papers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO papers_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS papers_fts_update",
    "DROP TRIGGER IF EXISTS papers_fts_delete",
    "DROP TRIGGER IF EXISTS papers_fts_insert",
    "DROP TABLE IF EXISTS papers_fts",
]
POSTGRES_UP = ["CREATE INDEX papers_fts_gin ON papers USING gin (to_tsvector('simple', search_text))"]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS papers_fts_gin"]


def _run(statements: dict[str, list[str]]) -> None:
    dialect = op.get_bind().dialect.name
    for statement in statements.get(dialect, []):
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def downgrade() -> None:
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})
