"""The schema's tables and columns as plain names, GENERATED from survey_db/models.py: do not edit.

Regenerate with `python -m survey_db.generate_schema` after changing the models (tests/test_schema_names.py
fails while this file is stale). It imports nothing, so that readers without SQLAlchemy (plain sqlite3)
use the models' names, never a copy typed by hand.

>>> COLUMNS["topics"]
('id', 'name', 'slug')
"""

# Each table's columns, in the models' order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "venues": ("id", "short_name", "full_name", "kind"),
    "papers": (
        "id",
        "key",
        "entry_type",
        "title",
        "title_norm",
        "search_text",
        "year",
        "venue_id",
        "url",
        "code_url",
        "arxiv_id",
        "doi",
        "pages",
        "abstract",
        "note",
        "extra_fields",
        "raw_fields",
        "created_at",
        "updated_at",
        "protected_fields",
    ),
    "authors": ("id", "first", "von", "last", "jr", "name_folded"),
    "paper_authors": ("paper_id", "position", "author_id"),
    "topics": ("id", "name", "slug"),
    "paper_topics": ("paper_id", "topic_id", "position"),
    "sections": ("id", "parent_id", "title", "slug", "position", "description"),
    "placements": ("section_id", "paper_id", "position"),
    "key_aliases": ("alias", "paper_id"),
    "survey_meta": ("name", "value"),
}

# Each table's primary key.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "venues": ("id",),
    "papers": ("id",),
    "authors": ("id",),
    "paper_authors": ("paper_id", "position"),
    "topics": ("id",),
    "paper_topics": ("paper_id", "topic_id"),
    "sections": ("id",),
    "placements": ("section_id", "paper_id"),
    "key_aliases": ("alias",),
    "survey_meta": ("name",),
}

# The columns that may hold NULL.
NULLABLE: dict[str, tuple[str, ...]] = {
    "venues": ("full_name", "kind"),
    "papers": (
        "year",
        "venue_id",
        "url",
        "code_url",
        "arxiv_id",
        "doi",
        "pages",
        "abstract",
        "note",
        "protected_fields",
    ),
    "sections": ("parent_id", "description"),
}

# Columns holding JSON (SQLite gives the text, PostgreSQL the decoded value).
JSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "papers": ("extra_fields", "raw_fields", "protected_fields"),
}

# Columns holding a naive UTC date-time (SQLite stores the text 'YYYY-MM-DD HH:MM:SS.ffffff').
DATETIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "papers": ("created_at", "updated_at"),
}
