"""Papers one at a time: resolve a key, add, edit, remove. (Stored papers become records in paper_records.)"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from survey_db.errors import DuplicateError, InputError, NotFoundError, did_you_mean
from survey_db.models import KeyAlias, Paper, PaperAuthor, PaperTopic, Placement, Topic, utcnow
from survey_db.paper_fields import PROTECTABLE
from survey_db.records import PaperRecord
from survey_db.services.paper_records import Outcome, paper_to_record
from survey_db.services.store import Store, check_record


def all_keys(session: Session) -> list[str]:
    return list(session.scalars(select(Paper.key))) + list(session.scalars(select(KeyAlias.alias)))


def find_paper(session: Session, key: str) -> Paper:
    """The paper with this citation key or old key (alias)."""
    paper = session.scalar(select(Paper).where(Paper.key == key))
    if paper is None:
        alias = session.get(KeyAlias, key)
        paper = alias.paper if alias else None
    if paper is None:
        raise NotFoundError(did_you_mean(key, all_keys(session), "key"))
    return paper


def add_paper(session: Session, record: PaperRecord, *, force: bool = False) -> Outcome:
    """Add one paper. A paper whose DOI, arXiv id or title is already present is refused unless `force`.

    >>> # add_paper(session, PaperRecord(title="Fast Inference ...", year=2023)).key
    """
    check_record(record)
    store = Store(session)
    if record.key and store.key_taken(record.key):
        raise DuplicateError(f"citation key {record.key!r} is already taken")
    owner = store.identifier_owner(record)
    if owner and (not force or owner[0] != "title"):
        what, pid = owner
        raise DuplicateError(duplicate_advice(what, session.get_one(Paper, pid).key))
    store.insert([record])
    outcome = Outcome("added", record.key or "")
    outcome.warnings = [*missing_basics(record), *store.new_topic_notes()]
    return outcome


def missing_basics(record: PaperRecord) -> list[str]:
    """A warning when a new paper lacks an author or a year: its key and its citation are poorer without.

    >>> missing_basics(PaperRecord(title="Only A Title Here", key="anononly"))
    ['anononly has no author and no year: give them with `survey edit anononly --author NAME --year YEAR`']
    """
    wanted = (("author", "--author NAME", record.authors), ("year", "--year YEAR", record.year))
    missing = [(what, option) for what, option, value in wanted if not value]
    if not missing:
        return []
    what = " and no ".join(name for name, _ in missing)
    options = " ".join(option for _, option in missing)
    them = "them" if len(missing) > 1 else "it"
    return [f"{record.key} has no {what}: give {them} with `survey edit {record.key} {options}`"]


def duplicate_advice(what: str, existing: str) -> str:
    """Why a paper cannot be added beside `existing`, and what the user can do instead.

    A title may repeat (--force adds it anyway); a DOI or arXiv id names one paper, even with --force.
    """
    if what == "title":
        return f"a paper with the same title is already present: {existing} (use --force to add anyway)"
    article = "an" if what[0].lower() in "aeiou" else "a"
    return (
        f"a paper with the same {what} is already present: {existing}; "
        f"{article} {what} belongs to one paper only, even with --force: "
        f"see it with `survey show {existing}`, change it with `survey edit {existing}`, "
        f"or add yours without its {what} and join the two with `survey merge {existing} NEWKEY`"
    )


def edit_paper(
    session: Session,
    key: str,
    changes: dict[str, object],
    *,
    add_topics: list[str] | None = None,
    remove_topics: list[str] | None = None,
    protect: bool = True,
) -> Outcome:
    """Change fields of a paper; `changes` maps record attributes (title, year, authors, ...) to values.

    The changed fields become protected (a person typed them) unless `protect` is false (a lookup)."""
    from survey_db.services.taxonomy import resolve_topic

    paper = find_paper(session, key)
    record = paper_to_record(paper)
    for name, value in changes.items():
        if not hasattr(record, name):
            raise InputError(f"unknown field {name!r}")
        setattr(record, name, value)
    check_record(record)
    store = Store(session)
    for attribute, label in (("doi", "DOI"), ("arxiv_id", "arXiv id")):
        value = changes.get(attribute)
        if value:
            other = session.scalar(
                select(Paper.key).where(getattr(Paper, attribute) == value, Paper.id != paper.id)
            )
            if other:
                raise DuplicateError(f"{label} {value} already belongs to {other}")
    replace_topics = "topics" in changes
    topics = record.topics
    record.topics = []
    store.merge_into(paper.id, record, overwrite=True)
    for name in [
        n for n in ("doi", "arxiv_id", "url", "code_url", "pages", "abstract", "note") if n in changes
    ]:
        if changes[name] in (None, ""):
            session.execute(update(Paper).where(Paper.id == paper.id).values({name: None}))
    if "authors" in changes and not changes["authors"]:
        session.execute(delete(PaperAuthor).where(PaperAuthor.paper_id == paper.id))
    if replace_topics:
        session.execute(delete(PaperTopic).where(PaperTopic.paper_id == paper.id))
        store.add_topics(paper.id, topics)
    if add_topics:
        store.add_topics(paper.id, add_topics)
    for name in remove_topics or []:
        topic = resolve_topic(session, name)
        session.execute(
            delete(PaperTopic).where(PaperTopic.paper_id == paper.id, PaperTopic.topic_id == topic.id)
        )
    values: dict[str, object] = {"updated_at": utcnow()}
    typed = {name for name in changes if name in PROTECTABLE}
    if protect and not typed <= set(record.protected):
        values["protected_fields"] = sorted({*record.protected, *typed})
    session.execute(update(Paper).where(Paper.id == paper.id).values(values))
    store.refresh_search_text([paper.id])
    outcome = Outcome("updated", paper.key)
    outcome.warnings = store.new_topic_notes()
    return outcome


def remove_paper(session: Session, key: str) -> str:
    """Delete a paper with its placements, topics links and aliases; returns its key."""
    paper = find_paper(session, key)
    paper_key = paper.key
    session.delete(paper)
    session.flush()
    return paper_key


def unused_topics(session: Session) -> list[Topic]:
    used = select(PaperTopic.topic_id)
    return list(session.scalars(select(Topic).where(Topic.id.not_in(used))))


def placements_of(session: Session, paper_id: int) -> list[Placement]:
    return list(session.scalars(select(Placement).where(Placement.paper_id == paper_id)))
