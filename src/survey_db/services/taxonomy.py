"""The section tree, placements of papers in sections, and topics."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from survey_db.errors import DuplicateError, InputError, NotFoundError, did_you_mean
from survey_db.identifiers import fold_ascii, slugify
from survey_db.keys import unique_key
from survey_db.models import Paper, PaperTopic, Placement, Section, Topic
from survey_db.services.tree import (  # noqa: F401 - re-exported: the tree's home was here
    PATH_SEPARATOR,
    SectionNode,
    find_section,
    nodes_in_tree_order,
    split_path,
    subtree_ids,
)


def section_tree(session: Session) -> list[SectionNode]:
    """All sections in tree (pre-)order."""
    return nodes_in_tree_order(session.scalars(select(Section).order_by(Section.position, Section.id)))


def _fold(text: str) -> str:
    return fold_ascii(text).lower().strip()


def resolve_section(session: Session, name: str, nodes: list[SectionNode] | None = None) -> SectionNode:
    """A section by slug, title, or 'A > B' path (a path may start anywhere in the tree)."""
    return find_section(nodes if nodes is not None else section_tree(session), name)


def _child_of(parent_id: int | None):
    return Section.parent_id.is_(None) if parent_id is None else Section.parent_id == parent_id


def _free_slug(session: Session, title: str) -> str:
    slug = slugify(title) or "section"
    taken = set(session.scalars(select(Section.slug).where(Section.slug.like(f"{slug}%"))))
    if slug not in taken:
        return slug
    return unique_key(slug + "-", taken.__contains__)


def ensure_section(
    session: Session, path: list[str], *, slug: str | None = None, description: str | None = None
) -> Section:
    """The section at this exact path from the root, creating it and missing parents at the end."""
    parent_id: int | None = None
    section: Section | None = None
    for depth, title in enumerate(path):
        section = session.scalar(select(Section).where(_child_of(parent_id), Section.title == title))
        if section is None:
            position = session.scalar(
                select(func.coalesce(func.max(Section.position) + 1, 0)).where(_child_of(parent_id))
            )
            last = depth == len(path) - 1
            wanted = slug if last and slug else None
            if wanted and session.scalar(select(Section.id).where(Section.slug == wanted)):
                wanted = None
            section = Section(
                parent_id=parent_id,
                title=title,
                slug=wanted or _free_slug(session, title),
                position=position,
                description=description if last else None,
            )
            session.add(section)
            session.flush()
        parent_id = section.id
    if section is None:
        raise InputError("a section path cannot be empty")
    return section


def add_section(session: Session, path_text: str, *, position: int | None = None) -> Section:
    """Create 'Parent > New' (the parent must exist); `position` is 1-based among siblings."""
    parts = split_path(path_text)
    if not parts:
        raise InputError("give a section title, e.g. 'Collaboration > New section'")
    parent = resolve_section(session, " > ".join(parts[:-1])).section if len(parts) > 1 else None
    exists = session.scalar(
        select(Section).where(_child_of(parent.id if parent else None), Section.title == parts[-1])
    )
    if exists:
        raise DuplicateError(f"section {' > '.join(parts)!r} already exists")
    section = ensure_section(session, [*([] if parent is None else _path_of(session, parent)), parts[-1]])
    if position is not None:
        _move_among_siblings(session, section, position)
    return section


def _path_of(session: Session, section: Section) -> list[str]:
    path: list[str] = []
    node: Section | None = section
    while node is not None:
        path.insert(0, node.title)
        node = session.get(Section, node.parent_id) if node.parent_id else None
    return path


def _siblings(session: Session, parent_id: int | None) -> list[Section]:
    return list(
        session.scalars(select(Section).where(_child_of(parent_id)).order_by(Section.position, Section.id))
    )


def _move_among_siblings(session: Session, section: Section, position: int) -> None:
    siblings = [s for s in _siblings(session, section.parent_id) if s.id != section.id]
    index = max(0, min(position - 1, len(siblings)))
    siblings.insert(index, section)
    for i, sibling in enumerate(siblings):
        sibling.position = i
    session.flush()


def rename_section(session: Session, name: str, new_title: str) -> Section:
    node = resolve_section(session, name)
    if not new_title.strip():
        raise InputError("a section title cannot be empty")
    node.section.title = new_title.strip()
    session.flush()
    return node.section


def move_section(session: Session, name: str, new_parent: str | None, position: int | None) -> Section:
    """Move a section under another parent ('' or None: the root), at a 1-based position."""
    nodes = section_tree(session)
    node = resolve_section(session, name, nodes)
    parent = resolve_section(session, new_parent, nodes) if new_parent else None
    if parent and parent.section.id in subtree_ids(node):
        raise InputError("a section cannot move under itself")
    node.section.parent_id = parent.section.id if parent else None
    session.flush()
    _move_among_siblings(session, node.section, position if position is not None else 10**9)
    return node.section


def remove_section(session: Session, name: str, *, force: bool = False) -> int:
    """Delete a section and its subsections (unless `force`, only an empty leaf); returns placements cut."""
    node = resolve_section(session, name)
    ids = subtree_ids(node)
    count = session.scalar(select(func.count()).select_from(Placement).where(Placement.section_id.in_(ids)))
    if (count or len(ids) > 1) and not force:
        raise InputError(
            f"section {' > '.join(node.path)!r} holds {count} placements and {len(ids) - 1} subsections; "
            "use --force to remove it anyway (the papers stay in the database)"
        )
    session.execute(delete(Placement).where(Placement.section_id.in_(ids)))
    for section_id in reversed(ids):
        session.execute(delete(Section).where(Section.id == section_id))
    return count or 0


def place(session: Session, paper: Paper, section: Section, position: int | None = None) -> None:
    """Put a paper in a section at a 1-based position (default: the end); moves it if already there."""
    rows = list(
        session.scalars(
            select(Placement).where(Placement.section_id == section.id).order_by(Placement.position)
        )
    )
    order = [p.paper_id for p in rows if p.paper_id != paper.id]
    index = len(order) if position is None else max(0, min(position - 1, len(order)))
    order.insert(index, paper.id)
    session.execute(delete(Placement).where(Placement.section_id == section.id))
    session.execute(
        insert(Placement),
        [{"section_id": section.id, "paper_id": pid, "position": i} for i, pid in enumerate(order)],
    )


def unplace(session: Session, paper: Paper, section: Section) -> None:
    session.execute(
        delete(Placement).where(Placement.section_id == section.id, Placement.paper_id == paper.id)
    )


def append_placements(session: Session, section_id: int, paper_ids: list[int]) -> int:
    """Append papers not yet in the section, keeping their order; returns how many were added."""
    have = set(session.scalars(select(Placement.paper_id).where(Placement.section_id == section_id)))
    start = session.execute(
        select(func.coalesce(func.max(Placement.position) + 1, 0)).where(Placement.section_id == section_id)
    ).scalar_one()
    new = [pid for pid in dict.fromkeys(paper_ids) if pid not in have]
    if new:
        session.execute(
            insert(Placement),
            [{"section_id": section_id, "paper_id": pid, "position": start + i} for i, pid in enumerate(new)],
        )
    return len(new)


# -- topics ------------------------------------------------------------------------------------------


def resolve_topic(session: Session, name: str) -> Topic:
    """A topic by name (case- and accent-insensitive) or slug."""
    topics = list(session.scalars(select(Topic)))
    wanted = _fold(name)
    for topic in topics:
        if _fold(topic.name) == wanted or topic.slug == name.strip() or topic.slug == slugify(name):
            return topic
    raise NotFoundError(did_you_mean(name, [t.name for t in topics], "topic"))


# Two topic names this alike are one topic misspelt ("Speculative Decodng"); shipped topics such as
# "Black-box" and "White-box Domain Adaptation" stay below it.
TOPIC_CLOSENESS = 0.85


def close_topic(name: str, names: Iterable[str]) -> str | None:
    """The stored topic that `name` most likely misspells, or None.

    >>> close_topic("Speculative Decodng", ["Speculative Decoding", "Model Cascading"])
    'Speculative Decoding'
    """
    import difflib

    by_slug = {slugify(fold_ascii(n)): n for n in names}
    found = difflib.get_close_matches(slugify(fold_ascii(name)), list(by_slug), n=1, cutoff=TOPIC_CLOSENESS)
    return by_slug[found[0]] if found else None


def topics_to_use(session: Session, names: Iterable[str], *, allow_new: bool = False) -> list[str]:
    """The topic names a person typed, spelt as stored where they name a stored topic (by name, slug or
    without accents). A new name close to a stored one is refused with the suggestion unless `allow_new`.
    """
    stored = list(session.scalars(select(Topic.name)))
    exact = {_fold(n): n for n in stored} | {slugify(n): n for n in stored}
    chosen = []
    for name in names:
        name = " ".join(name.split())
        if not name:
            continue
        known = exact.get(_fold(name)) or exact.get(slugify(name))
        if known is None and not allow_new:
            near = close_topic(name, stored)
            if near is not None:
                raise InputError(
                    f"unknown topic {name!r}; did you mean {near!r}? (give --new-topic to create {name!r})"
                )
        chosen.append(known or name)
    return list(dict.fromkeys(chosen))


def rename_topic(session: Session, name: str, new_name: str) -> Topic:
    topic = resolve_topic(session, name)
    new_name = " ".join(new_name.split())
    if not new_name:
        raise InputError("a topic name cannot be empty")
    clash = session.scalar(
        select(Topic).where(func.lower(Topic.name) == new_name.lower(), Topic.id != topic.id)
    )
    if clash:
        raise DuplicateError(f"topic {clash.name!r} already exists; use 'survey topic merge'")
    topic.name = new_name
    topic.slug = slugify(new_name) or topic.slug
    session.flush()
    return topic


def merge_topics(session: Session, source: str, target: str) -> int:
    """Move every paper of topic `source` to `target` and delete `source`; returns papers moved."""
    old, new = resolve_topic(session, source), resolve_topic(session, target)
    if old.id == new.id:
        raise InputError("a topic cannot be merged into itself")
    has_new = select(PaperTopic.paper_id).where(PaperTopic.topic_id == new.id)
    session.execute(delete(PaperTopic).where(PaperTopic.topic_id == old.id, PaperTopic.paper_id.in_(has_new)))
    from sqlalchemy.engine import CursorResult

    result = session.execute(update(PaperTopic).where(PaperTopic.topic_id == old.id).values(topic_id=new.id))
    assert isinstance(result, CursorResult)  # an UPDATE's result, which counts the rows it changed
    moved = result.rowcount
    session.execute(delete(Topic).where(Topic.id == old.id))
    return moved or 0
