"""Duplicates: finding papers that are probably the same, and merging two papers into one."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from survey_db.errors import InputError
from survey_db.identifiers import arxiv_id_from_url, doi_from_url
from survey_db.models import KeyAlias, Paper, Placement
from survey_db.paper_fields import PROTECTABLE
from survey_db.services.paper_records import paper_to_record
from survey_db.services.papers import find_paper
from survey_db.services.store import Store


def find_duplicates(session: Session) -> list:
    """Papers that are probably the same: equal DOI, arXiv id (field, URL or eprint) or normalised title.

    Papers are grouped by each normalised identifier (a hash join), so the work grows with the number of
    papers, not with the number of pairs.
    """
    from survey_db.services.findings import Finding
    from survey_db.services.store import titles_agree

    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    from_links: set[tuple[str, str, str]] = set()
    titles: dict[str, str] = {}
    for key, title_norm, doi, arxiv, url in session.execute(
        select(Paper.key, Paper.title_norm, Paper.doi, Paper.arxiv_id, Paper.url)
    ):
        titles[key] = title_norm
        idents = {("title", title_norm)} if title_norm else set()
        for what, stored, linked in (
            ("DOI", doi, doi_from_url(url)),
            ("arXiv id", arxiv, arxiv_id_from_url(url)),
        ):
            if stored:
                idents.add((what, stored))
            if linked and linked != stored:
                idents.add((what, linked))
                from_links.add((key, what, linked))
        for ident in idents:
            groups[ident].append(key)
    pairs: dict[tuple[str, ...], list[str]] = defaultdict(list)
    findings = []
    for (what, value), keys in groups.items():
        if len(keys) < 2:
            continue
        via = [k for k in keys if (k, what, value) in from_links]
        others = [k for k in keys if k not in via]
        if via and others and not all(titles_agree(titles[a], titles[b]) for a in via for b in others):
            # Not a duplicate: a paper link that points at another paper's page (a copy-paste slip).
            for key in via:
                message = f"{key}: its paper link is the page of {', '.join(others)} ({what} {value})"
                findings.append(Finding("warning", "foreign-link", message, key))
            continue
        pairs[tuple(sorted(keys))].append(f"{what} {value!r}" if what != "title" else "title")
    findings += [
        Finding(
            "warning",
            "duplicate",
            f"{', '.join(keys)} look like the same paper (same {' and '.join(how)})",
            keys[0],
        )
        for keys, how in sorted(pairs.items())
    ]
    return findings


# The fields whose differing values a merge records in KEEP's note. Authors and the note are compared on
# their own; OTHER's abstract only fills an empty one.
COMPARED = tuple(name for name in PROTECTABLE if name not in ("authors", "abstract", "note"))


def merge_papers(session: Session, keep_key: str, other_key: str) -> list[str]:
    """Merge OTHER into KEEP: empty fields filled, topics and placements joined, OTHER's keys kept as aliases.

    Values of OTHER that differ from KEEP's are recorded in KEEP's note, so nothing is lost. Returns
    what was recorded there.
    """
    keep, other = find_paper(session, keep_key), find_paper(session, other_key)
    if keep.id == other.id:
        raise InputError(f"{keep_key} and {other_key} are the same paper")
    kept, merged = paper_to_record(keep), paper_to_record(other)
    other_id, other_keys = other.id, [other.key, *(a.alias for a in other.aliases)]
    differences = []
    for name in COMPARED:
        mine, theirs = getattr(kept, name), getattr(merged, name)
        if theirs not in (None, "") and mine not in (None, "") and mine != theirs:
            differences.append(f"{name} {theirs}")
    if merged.authors and kept.authors and merged.authors != kept.authors:
        differences.append("authors " + "; ".join(n.display for n in merged.authors))
    for name, value in merged.extra.items():
        if name in kept.extra and kept.extra[name] != value:
            differences.append(f"{name} {value}")
    if merged.note and kept.note and merged.note != kept.note:
        differences.append(f"note {merged.note}")
    placements = [(p.section_id, p.position) for p in other.placements]
    # OTHER goes first, so that its unique DOI or arXiv id can move to KEEP.
    session.execute(delete(KeyAlias).where(KeyAlias.paper_id == other_id))
    session.execute(delete(Paper).where(Paper.id == other_id))
    session.flush()
    session.expire_all()
    merged.note = None
    if differences:
        record = "; ".join(differences)
        merged.note = f"{kept.note}\n" if kept.note else ""
        merged.note += f"Merged from {other_keys[0]}: {record}"
    store = Store(session)
    store.merge_into(keep.id, merged, overwrite=False)
    # A value OTHER had typed by hand that now fills KEEP stays protected there.
    typed = {name for name in merged.protected if getattr(kept, name, None) in (None, "", [])}
    if not typed <= set(kept.protected):
        protected = sorted({*kept.protected, *typed})
        session.execute(update(Paper).where(Paper.id == keep.id).values(protected_fields=protected))
    if merged.note:
        session.execute(update(Paper).where(Paper.id == keep.id).values(note=merged.note))
    for alias in other_keys:
        session.add(KeyAlias(alias=alias, paper_id=keep.id))
    have = set(session.scalars(select(Placement.section_id).where(Placement.paper_id == keep.id)))
    for section_id, position in placements:
        if section_id not in have:
            session.add(Placement(section_id=section_id, paper_id=keep.id, position=position))
    session.flush()
    return differences
