"""The section tree from plain rows: nodes in tree order, subtrees, finding a section by name, and each
section's path of titles. No database and no SQLAlchemy: services.taxonomy builds it from Section rows,
the plain readers from (id, parent_id, title, slug) tuples.

>>> from survey_db.services.tree import Row
>>> nodes = nodes_in_tree_order([Row(1, None, "Methods", "methods"), Row(2, 1, "Decoding", "decoding")])
>>> [node.path for node in nodes], subtree_ids(nodes[0])
([['Methods'], ['Methods', 'Decoding']], [1, 2])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from survey_db.errors import AmbiguousError, NotFoundError, did_you_mean
from survey_db.identifiers import fold_ascii, slugify

PATH_SEPARATOR = ">"
# The columns of a section the tree is built from, in the order of `Row`.
SECTION_COLUMNS = ("id", "parent_id", "title", "slug")


@dataclass
class Row:
    """The columns of a section that the tree, `find_section` and `subtree_ids` read."""

    id: int
    parent_id: int | None
    title: str
    slug: str
    description: str | None = None


@dataclass
class SectionNode:
    """A section with its path from the root, its depth and its children, in tree order."""

    section: Any  # a models.Section, or a Row
    path: list[str]
    children: list[SectionNode] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return len(self.path) - 1


def nodes_in_tree_order(sections: Iterable) -> list[SectionNode]:
    """The nodes of sections (Section rows, or anything with their id, parent_id and title) given with
    siblings in order, in tree (pre-)order."""
    children: dict[int | None, list] = {}
    for section in sections:
        children.setdefault(section.parent_id, []).append(section)
    ordered: list[SectionNode] = []

    def walk(parent_id: int | None, path: list[str], parent: SectionNode | None) -> None:
        for section in children.get(parent_id, []):
            node = SectionNode(section, [*path, section.title])
            ordered.append(node)
            if parent:
                parent.children.append(node)
            walk(section.id, node.path, node)

    walk(None, [], None)
    return ordered


def nodes_from_rows(rows: Iterable[tuple]) -> list[SectionNode]:
    """The tree from (id, parent_id, title, slug) rows ordered by position, then id."""
    return nodes_in_tree_order(Row(*row) for row in rows)


def split_path(text: str) -> list[str]:
    return [part.strip() for part in text.split(PATH_SEPARATOR) if part.strip()]


def _fold(text: str) -> str:
    return fold_ascii(text).lower().strip()


def find_section(nodes: list[SectionNode], name: str) -> SectionNode:
    """A section by slug, title, or 'A > B' path (a path may start anywhere in the tree)."""
    by_slug = [n for n in nodes if n.section.slug == name.strip() or n.section.slug == slugify(name)]
    if len(by_slug) == 1:
        return by_slug[0]
    parts = [_fold(p) for p in split_path(name)]
    matches = [n for n in nodes if [_fold(p) for p in n.path[-len(parts) :]] == parts] if parts else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        paths = "; ".join(" > ".join(n.path) for n in matches[:5])
        raise AmbiguousError(f"section {name!r} is ambiguous: {paths}")
    candidates = [n.section.title for n in nodes] + [" > ".join(n.path) for n in nodes]
    raise NotFoundError(did_you_mean(name, candidates, "section"))


def subtree_ids(node: SectionNode) -> list[int]:
    ids = [node.section.id]
    for child in node.children:
        ids.extend(subtree_ids(child))
    return ids


def section_paths(rows: Sequence[tuple[int, int | None, str]]) -> tuple[dict[int, int], list[list[str]]]:
    """From (id, parent_id, title) rows ordered by position, then id: each section's rank in tree order
    (section id -> rank), and the path of titles of each rank."""
    from survey_db.services.filters import tree_ranks

    rank = tree_ranks((section_id, parent_id) for section_id, parent_id, _ in rows)
    titles = {section_id: title for section_id, _, title in rows}
    parents = {section_id: parent_id for section_id, parent_id, _ in rows}
    paths: list[list[str]] = [[] for _ in rank]
    for section_id, index in rank.items():
        parent = parents[section_id]
        paths[index] = [*(paths[rank[parent]] if parent is not None else []), titles[section_id]]
    return rank, paths
