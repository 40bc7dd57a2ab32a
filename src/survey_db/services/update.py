"""`survey update`: fetch papers again and work out, per field, what a lookup would change.

A field a person typed (protected) is kept unless the caller names it to overwrite. A paper link is
replaced only when it is the link derived from the paper's identifiers (an arXiv abstract page or the
DOI's resolver link), never a link someone chose; an abstract is only filled, never replaced; a venue's
full name changes only with the venue (not for another spelling of the same one).

>>> # plan_update(stored_record, fetched_record, overwrite=set()).changes
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from survey_db.identifiers import Identifier, derived_link, doi_link, parse_identifier
from survey_db.records import PaperRecord

# The fields a lookup may change, in the order a diff shows them.
UPDATED_FIELDS = ("entry_type", "title", "authors", "year", "venue", "venue_full", "pages", "doi", "arxiv_id",
                  "url", "abstract")  # fmt: skip
ONLY_FILLED = {"abstract"}


@dataclass
class FieldChange:
    name: str
    old: object
    new: object
    kept: bool = False  # protected: shown, not applied

    def show(self, value: object) -> str:
        if isinstance(value, list):
            return "; ".join(getattr(n, "display", str(n)) for n in value) or "(none)"
        if value in (None, ""):
            return "(none)"
        if isinstance(value, int):
            return str(value)
        text = str(value)
        return repr(text if len(text) <= 90 else text[:87] + "...")

    def line(self) -> str:
        if self.kept:
            return (
                f"  = {self.name}: kept {self.show(self.old)} (typed by hand; the lookup has "
                f"{self.show(self.new)}; --overwrite {self.name} replaces it)"
            )
        return f"  ~ {self.name}: {self.show(self.old)} -> {self.show(self.new)}"


@dataclass
class PaperUpdate:
    key: str
    identifier: Identifier | None = None
    changes: list[FieldChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    upgraded_from: str | None = None

    @property
    def applied(self) -> list[FieldChange]:
        return [c for c in self.changes if not c.kept]


def identifier_of(record: PaperRecord) -> Identifier | None:
    """What to look a stored paper up by: its DOI (unless arXiv's own), its arXiv id, else its link."""
    if record.doi and not record.doi.startswith("10.48550/"):
        return Identifier("doi", record.doi)
    if record.arxiv_id:
        return Identifier("arxiv", record.arxiv_id)
    if record.doi:
        return parse_identifier(record.doi)
    found = parse_identifier(record.url or "") if record.url else None
    return found


def _comparable(record: PaperRecord) -> PaperRecord:
    """A copy with the store's normal forms (pages with an en dash, DOI lower case, a derived type)."""
    from survey_db.services.store import normalize_record
    from survey_db.venues import entry_type_for, normalize_venue

    copied = copy.deepcopy(record)
    copied.extra = dict(copied.extra)
    normalize_record(copied)
    if copied.venue or copied.venue_full:
        short, full, kind = normalize_venue(copied.venue, copied.venue_full)
        copied.venue, copied.venue_full = short, full
        if copied.entry_type is None:
            copied.entry_type = entry_type_for(kind)
    return copied


def plan_update(stored: PaperRecord, fetched: PaperRecord, overwrite: set[str]) -> list[FieldChange]:
    """The per-field changes from `stored` to `fetched` (protected ones marked kept)."""
    new = _comparable(fetched)
    protected = set(stored.protected) - overwrite
    identifier_links = {derived_link(stored.arxiv_id, None), derived_link(None, stored.doi)}
    if stored.doi:
        identifier_links.add(doi_link(stored.doi))
    changes = []
    for name in UPDATED_FIELDS:
        after, before = getattr(new, name), getattr(stored, name)
        if after in (None, "", []) or after == before:
            continue
        if name in ONLY_FILLED and before not in (None, ""):
            continue
        if name == "url" and before and before not in identifier_links:
            continue
        if name == "venue_full" and before and new.venue == stored.venue:
            continue  # the same venue named another way ("Proceedings of the 40th ICML" / "ICML 2023, ...")
        if name == "title" and before and before.replace("{", "").replace("}", "") == after:
            continue
        changes.append(FieldChange(name, before, after, kept=name in protected))
    return changes


def papers_to_update(session: Session, keys: list[str] | None) -> list[PaperRecord]:
    """The stored records of the papers `keys` names (each once, in the order given; an unknown key is a
    NotFoundError), or of every paper in key order when `keys` is None."""
    from sqlalchemy import select

    from survey_db.models import Paper
    from survey_db.services.papers import find_paper, paper_to_record

    if keys is None:
        papers = list(session.scalars(select(Paper).order_by(Paper.key)))
    else:
        papers = [find_paper(session, key) for key in dict.fromkeys(keys)]
    return [paper_to_record(paper) for paper in papers]


def apply_update(session: Session, plan: PaperUpdate) -> None:
    """Write the planned changes (not the kept ones); overwritten fields stop being protected."""
    from survey_db.models import Paper
    from survey_db.services.papers import edit_paper, find_paper

    values = {change.name: change.new for change in plan.applied}
    if not values:
        return
    edit_paper(session, plan.key, values, protect=False)
    paper = find_paper(session, plan.key)
    protected = set(paper.protected_fields or [])
    if protected & set(values):
        remaining = sorted(protected - set(values)) or None
        session.execute(sql_update(Paper).where(Paper.id == paper.id).values(protected_fields=remaining))
