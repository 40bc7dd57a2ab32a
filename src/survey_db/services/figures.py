"""The taxonomy tree for figures (outputs.tree) read from the database, with the papers in each section."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_db.errors import InputError
from survey_db.outputs.tree import LeafPaper, TreeNode, short_name
from survey_db.services.query import Filters, find_ids
from survey_db.services.query import papers as paper_columns
from survey_db.services.query import placements as placement_columns
from survey_db.services.taxonomy import SectionNode, resolve_section, section_tree


def taxonomy_tree(
    session: Session,
    filters: Filters | None = None,
    *,
    section: str | None = None,
    depth: int | None = None,
    max_per_leaf: int | None = None,
) -> TreeNode:
    """The section tree (or the subtree of `section`) with each section's papers in table order.

    Only papers matching `filters` appear. Below `depth` levels, a section's papers join those of its
    ancestor at the last level shown. A leaf keeps at most `max_per_leaf` papers and counts the rest.
    """
    from survey_db.services.io import get_meta
    from survey_db.services.selection import iter_papers

    if depth is not None and depth < 1:
        raise InputError("--depth must be 1 or more")
    if max_per_leaf is not None and max_per_leaf < 1:
        raise InputError("--max-per-leaf must be 1 or more")
    nodes = section_tree(session)
    if section:
        top = resolve_section(session, section, nodes)
        roots: list[SectionNode] = [top]
        root = TreeNode(top.section.title, top.section.slug)
        shown = _convert(top, root, session, depth)
    else:
        roots = [node for node in nodes if node.depth == 0]
        root = TreeNode(get_meta(session).get("title") or "Taxonomy", "")
        shown = {}
        for node in roots:
            child = TreeNode(node.section.title, node.section.slug)
            root.children.append(child)
            shown.update(_convert(node, child, session, depth, level=1))
    placed: dict[int, list[int]] = {}
    for section_id, paper_id in session.execute(
        select(placement_columns.section_id, placement_columns.paper_id).order_by(
            placement_columns.section_id, placement_columns.position
        )
    ):
        placed.setdefault(section_id, []).append(paper_id)
    wanted: set[int] | None = None
    if filters is not None and filters != Filters():
        wanted = set(find_ids(session, filters)[0])
    # Which tree node each section's papers go to, in tree order (so a folded subtree keeps its order).
    order = [(node.section.id, shown[node.section.id]) for node in nodes if node.section.id in shown]
    ids: dict[int, None] = {}
    for section_id, _ in order:
        for paper_id in placed.get(section_id, []):
            if wanted is None or paper_id in wanted:
                ids[paper_id] = None
    names: dict[str, str] = {}
    for paper in iter_papers(session, list(ids), sections=False):
        key = paper.record.key
        assert key is not None  # every stored paper has a key
        last_names = [a.last for a in paper.record.authors]
        names[key] = short_name(paper.record.extra.get("shorttitle"), last_names, key)
    keys = _keys(session, list(ids))
    for section_id, target in order:
        seen = {paper.key for paper in target.papers}
        for paper_id in placed.get(section_id, []):
            key = keys.get(paper_id)
            if key is not None and key not in seen:
                target.papers.append(LeafPaper(key, names[key]))
                seen.add(key)
    if max_per_leaf is not None:
        for node in root.walk():
            node.more = max(0, len(node.papers) - max_per_leaf)
            del node.papers[max_per_leaf:]
    return root


def _convert(
    node: SectionNode, target: TreeNode, session: Session, depth: int | None, level: int = 0
) -> dict[int, TreeNode]:
    """Fill `target` with `node`'s subsections down to `depth`; returns section id -> the tree node that
    shows its papers (an ancestor, for sections below the depth)."""
    shown = {node.section.id: target}
    for child in node.children:
        if depth is not None and level >= depth:
            for section_id in _subtree(child):
                shown[section_id] = target
            continue
        child_node = TreeNode(child.section.title, child.section.slug)
        target.children.append(child_node)
        shown.update(_convert(child, child_node, session, depth, level + 1))
    return shown


def _keys(session: Session, ids: list[int]) -> dict[int, str]:
    """Paper id -> citation key, read in batches (SQLite limits the parameters of one statement)."""
    keys: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        statement = select(paper_columns.id, paper_columns.key).where(paper_columns.id.in_(batch))
        keys.update({paper_id: key for paper_id, key in session.execute(statement)})
    return keys


def _subtree(node: SectionNode) -> list[int]:
    return [node.section.id, *(i for child in node.children for i in _subtree(child))]
