"""`survey diff README.md`: what differs between the database and a README.

Read as "what the README has that the database does not": `added` papers are in the README only,
`removed` ones in the database only. A paper has `moved` when its sections differ, or when its order
among the papers both sides share in a section changed; rows inserted before it do not move it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_db.models import Paper
from survey_db.services.io import section_rows
from survey_db.services.paper_records import load_papers, paper_to_record
from survey_db.services.store import Store

if TYPE_CHECKING:
    from survey_db.records import PaperRecord

COMPARED = ("title", "year", "venue", "url", "code_url")


@dataclass
class Difference:
    kind: str  # added | removed | moved | changed
    title: str
    key: str | None = None
    sections: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def _lcs_members(a: list[int], b: list[int]) -> set[int]:
    """The items of a longest common subsequence of a and b."""
    lengths = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            lengths[i][j] = (
                lengths[i + 1][j + 1] + 1 if a[i] == b[j] else max(lengths[i + 1][j], lengths[i][j + 1])
            )
    members, i, j = set(), 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            members.add(a[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return members


def diff_readme(session: Session, text: str, source: str) -> list[Difference]:
    from survey_db import markdown

    parsed = markdown.parse_readme(text, source)
    store = Store(session)
    readme_sections: dict[tuple[str, ...], list[int]] = {}
    readme_rows: dict[int, PaperRecord] = {}
    differences: list[Difference] = []
    for section in parsed.sections:
        order = readme_sections.setdefault(tuple(section.path), [])
        for row in section.rows:
            pid, _ = store.match(dataclasses.replace(row))
            if pid is None:
                differences.append(Difference("added", row.title, sections=[" > ".join(section.path)]))
                continue
            order.append(pid)
            readme_rows.setdefault(pid, row)
    db_sections = {tuple(node.path): ids for node, ids in section_rows(session)}
    db_papers = set(session.scalars(select(Paper.id)))
    placed_in_db = {pid for ids in db_sections.values() for pid in ids}
    keys = dict(session.execute(select(Paper.id, Paper.key)).all())

    in_order: dict[str, set[int]] = {}

    def kept_order(path: str) -> set[int]:
        if path not in in_order:
            shared_db = [p for p in db_sections.get(tuple(path.split(" > ")), []) if p in readme_rows]
            shared_md = [p for p in readme_sections[tuple(path.split(" > "))] if p in placed_in_db]
            in_order[path] = _lcs_members(shared_db, shared_md)
        return in_order[path]

    def sections_of(pid: int, where: dict[tuple[str, ...], list[int]]) -> set[str]:
        return {" > ".join(path) for path, ids in where.items() if pid in ids}

    for pid in sorted(placed_in_db - set(readme_rows), key=keys.__getitem__):
        paper = session.get_one(Paper, pid)
        differences.append(
            Difference("removed", paper.title, paper.key, sorted(sections_of(pid, db_sections)))
        )
    for paper in load_papers(session, [pid for pid in readme_rows if pid in db_papers]):
        pid, row = paper.id, readme_rows[paper.id]
        stored = paper_to_record(paper)
        before, after = sections_of(pid, db_sections), sections_of(pid, readme_sections)
        details = []
        if before != after:
            details.append(f"sections {sorted(before)} -> {sorted(after)}")
        else:
            details += [f"reordered in {path!r}" for path in sorted(after) if pid not in kept_order(path)]
        if details:
            differences.append(Difference("moved", paper.title, paper.key, sorted(after), details))
        changed = [
            f"{name}: {getattr(stored, name)!r} -> {getattr(row, name)!r}"
            for name in COMPARED
            if getattr(row, name) not in (None, "") and getattr(row, name) != getattr(stored, name)
        ]
        if changed:
            differences.append(Difference("changed", paper.title, paper.key, sorted(after), changed))
    return differences
