"""The schema as SQLAlchemy 2.x typed models. Alembic migrations own the real schema; a test keeps both equal.

>>> Paper.__tablename__
'papers'
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

# Stable constraint names let SQLite batch migrations find and alter constraints.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Venue(Base):
    """Where a paper appeared: short name ("NeurIPS"), full name, and kind (conference, journal, ...)."""

    __tablename__ = "venues"
    __table_args__ = (UniqueConstraint("short_name", "full_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    short_name: Mapped[str] = mapped_column(String(200), index=True)
    full_name: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str | None] = mapped_column(String(40))


class Paper(Base):
    """A paper with a stable citation key. `extra_fields` holds the other BibTeX fields verbatim."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    entry_type: Mapped[str] = mapped_column(String(40), default="misc")
    title: Mapped[str] = mapped_column(Text)
    title_norm: Mapped[str] = mapped_column(Text, index=True)
    # Folded (lower-case, accent-free) title, authors, venue and abstract, for prefix search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int | None] = mapped_column(index=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="SET NULL"), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    code_url: Mapped[str | None] = mapped_column(Text)
    arxiv_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    doi: Mapped[str | None] = mapped_column(String(300), unique=True)
    pages: Mapped[str | None] = mapped_column(String(100))
    abstract: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    extra_fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    raw_fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    # Names of fields a person typed (record attribute names: "title", "authors", ...): lookups keep them.
    protected_fields: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))

    venue: Mapped[Venue | None] = relationship(lazy="joined")
    author_links: Mapped[list[PaperAuthor]] = relationship(
        order_by="PaperAuthor.position", cascade="all, delete-orphan", back_populates="paper"
    )
    topic_links: Mapped[list[PaperTopic]] = relationship(
        order_by="PaperTopic.position", cascade="all, delete-orphan", back_populates="paper"
    )
    placements: Mapped[list[Placement]] = relationship(cascade="all, delete-orphan", back_populates="paper")
    aliases: Mapped[list[KeyAlias]] = relationship(cascade="all, delete-orphan", back_populates="paper")


class Author(Base):
    """A person, with the name in BibTeX's four parts."""

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("last", "first", "von", "jr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first: Mapped[str] = mapped_column(String(200), default="")
    von: Mapped[str] = mapped_column(String(100), default="")
    last: Mapped[str] = mapped_column(String(200))
    jr: Mapped[str] = mapped_column(String(50), default="")
    # Accent- and case-folded "first von last" for searching by part of a name.
    name_folded: Mapped[str] = mapped_column(String(500), index=True)


class PaperAuthor(Base):
    """The ordered author list of a paper."""

    __tablename__ = "paper_authors"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="RESTRICT"), index=True)

    paper: Mapped[Paper] = relationship(back_populates="author_links")
    author: Mapped[Author] = relationship(lazy="joined")


class Topic(Base):
    """A label such as "Speculative Decoding"; many-to-many with papers."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)

    @validates("name", "slug")
    def _fits(self, name: str, value: str) -> str:
        if name == "name":
            check_topic_name(value)
        check_length(f"topic {name}", value, Topic.__table__.c[name])
        return value


class PaperTopic(Base):
    __tablename__ = "paper_topics"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    paper: Mapped[Paper] = relationship(back_populates="topic_links")
    topic: Mapped[Topic] = relationship(lazy="joined")

    __table_args__ = (Index("ix_paper_topics_topic_id", "topic_id"),)


class Section(Base):
    """A node of the taxonomy tree; `position` orders siblings."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    slug: Mapped[str] = mapped_column(String(500), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str | None] = mapped_column(Text)

    @validates("title", "slug")
    def _fits(self, name: str, value: str) -> str:
        check_length(f"section {name}", value, Section.__table__.c[name])
        return value


class Placement(Base):
    """A paper placed in a section at a position (the row order of the README table)."""

    __tablename__ = "placements"

    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    paper: Mapped[Paper] = relationship(back_populates="placements")
    section: Mapped[Section] = relationship(lazy="joined")

    __table_args__ = (Index("ix_placements_paper_id", "paper_id"),)


class KeyAlias(Base):
    """An old citation key that still resolves to its paper. Keys and aliases share one namespace."""

    __tablename__ = "key_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)

    paper: Mapped[Paper] = relationship(back_populates="aliases")


class SurveyMeta(Base):
    """The survey's own metadata as name/value pairs: title, authors, citation, url."""

    __tablename__ = "survey_meta"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def check_topic_name(name: str) -> None:
    """A topic name cannot hold ',' or ';': BibTeX keywords, CSV cells and README tables list topics
    separated by them, so such a name would come back as two topics."""
    if "," in name or ";" in name:
        from survey_db.errors import InputError

        raise InputError(f"topic {name!r} cannot contain ',' or ';' (they separate topics in every format)")


def check_length(label: str, value: str | None, column) -> None:
    """An InputError when `value` is longer than the column holds (PostgreSQL would refuse it; SQLite
    would not, so both refuse it here)."""
    limit = getattr(column.type, "length", None)
    if value and limit and len(value) > limit:
        from survey_db.errors import InputError

        shown = value[:40] + "..." if len(value) > 40 else value
        raise InputError(f"{label} {shown!r} is longer than {limit} characters")


# Titles are Text, but PostgreSQL's B-tree index on the normalised title holds at most 2,704 bytes.
TITLE_LIMIT = 600


def check_storable(record) -> None:
    """Check a PaperRecord's values against the columns they are stored in: lengths, topic names without
    the separators every format splits topics on, and a key and entry type that BibTeX can write (else every
    later BibTeX export of the database would fail).

    Imports call this for every record: the people and topics, which recur, are checked once each.
    """
    from survey_db.bibtex.values import _ENTRY_TYPE, _KEY
    from survey_db.errors import InputError

    if record.key is not None and _KEY.fullmatch(record.key) is None:
        raise InputError(
            f"citation key {record.key!r} cannot be written to BibTeX "
            "(no spaces and none of , { } ( ) \" # % ' = \\ ~)"
        )
    if record.entry_type is not None and _ENTRY_TYPE.fullmatch(record.entry_type) is None:
        raise InputError(f"entry type {record.entry_type!r} is not a BibTeX type such as article or misc")
    if record.title and len(record.title) > TITLE_LIMIT:
        raise InputError(f"title {record.title[:40] + '...'!r} is longer than {TITLE_LIMIT} characters")
    for name in record.topics:
        check_topic_name(name)
    for label, attribute, limit, column in _record_columns():
        value = getattr(record, attribute)
        if value and len(value) > limit:
            check_length(label, value, column)
    for name in record.topics:
        _check_topic(name)
    for name in record.authors:
        _check_person(name)


@lru_cache(maxsize=1)
def _record_columns() -> tuple[tuple[str, str, int, object], ...]:
    """(label, PaperRecord attribute, length limit, column) of the record's length-limited values."""
    paper, venue = Paper.__table__.c, Venue.__table__.c
    checks = (
        ("citation key", "key", paper.key),
        ("entry type", "entry_type", paper.entry_type),
        ("DOI", "doi", paper.doi),
        ("arXiv id", "arxiv_id", paper.arxiv_id),
        ("pages", "pages", paper.pages),
        ("venue", "venue", venue.short_name),
        ("full venue name", "venue_full", venue.full_name),
    )
    return tuple(
        (label, attribute, length, column)
        for label, attribute, column in checks
        if (length := getattr(column.type, "length", None))
    )


@lru_cache(maxsize=65536)
def _check_topic(name: str) -> None:
    from survey_db.identifiers import slugify

    topic = Topic.__table__.c
    check_length("topic", name, topic.name)
    check_length("topic", slugify(name), topic.slug)


@lru_cache(maxsize=65536)
def _check_person(name) -> None:  # a records.Name (frozen, hashable)
    from survey_db.identifiers import fold_ascii

    author = Author.__table__.c
    for label, value, column in (
        ("first name", name.first, author.first),
        ("name part", name.von, author.von),
        ("last name", name.last, author.last),
        ("name suffix", name.jr, author.jr),
        ("author name", fold_ascii(name.display), author.name_folded),
    ):
        check_length(label, value, column)
