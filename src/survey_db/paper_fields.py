"""The papers' columns by what they hold, built from the schema's generated names (schema_names).

A column added to the models lands in SCALAR_FIELDS (stored from, and read into, the PaperRecord attribute
of its name) unless it is listed in NOT_RECORD_VALUES; tests/test_schema_names.py fails while a scalar has
no record attribute, so a new column is either a record's value or deliberately left out, never forgotten.
Imports nothing heavy (readers without SQLAlchemy use it).

>>> SCALAR_FIELDS[:3]
('entry_type', 'title', 'year')
>>> PROTECTABLE[:4]
('entry_type', 'title', 'authors', 'year')
"""

from __future__ import annotations

from survey_db.schema_names import COLUMNS

# Paper columns that do not hold the record attribute of their name, in the order Store.insert fills them
# after the scalars: the row id, the citation key (assigned and checked by the store), what the store
# derives (normalised title, folded search text, the venue's row), the record's extra and raw fields as
# JSON, the times, and the names of the fields a person typed (`PaperRecord.protected`).
NOT_RECORD_VALUES = (
    "id",
    "key",
    "title_norm",
    "search_text",
    "venue_id",
    "extra_fields",
    "raw_fields",
    "created_at",
    "updated_at",
    "protected_fields",
)
# Paper columns holding the PaperRecord attribute of the same name, in the models' order.
SCALAR_FIELDS = tuple(name for name in COLUMNS["papers"] if name not in NOT_RECORD_VALUES)
# The columns of a new paper's row as Store.insert builds it: the scalars, then the others but the id.
PAPER_COLUMNS = (*SCALAR_FIELDS, *(name for name in NOT_RECORD_VALUES if name != "id"))

# Record attributes kept in other tables (the ordered people; the venue's names through papers.venue_id),
# by the scalar they follow in lists of fields.
LINKED_FIELDS = {"title": ("authors",), "year": ("venue", "venue_full")}
# Fields a lookup can fill, by record attribute; `protected_fields` names some of them.
PROTECTABLE = tuple(name for scalar in SCALAR_FIELDS for name in (scalar, *LINKED_FIELDS.get(scalar, ())))
