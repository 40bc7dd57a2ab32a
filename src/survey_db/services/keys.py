"""Changing citation keys on request: the old key always lives on as an alias."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_db.errors import DuplicateError, InputError
from survey_db.models import KeyAlias, Paper
from survey_db.services.papers import find_paper

_VALID_KEY = re.compile(r"^[^\s,{}()=#%\"'\\~]+$")


def check_key(key: str) -> None:
    if not _VALID_KEY.match(key):
        raise InputError(f"{key!r} is not a usable citation key (no spaces, commas, braces or quotes)")


def rename_key(session: Session, old: str, new: str) -> None:
    """Give the paper known as `old` the key `new`; its previous key becomes an alias."""
    check_key(new)
    paper = find_paper(session, old)
    if new == paper.key:
        return
    alias = session.get(KeyAlias, new)
    if alias is not None and alias.paper_id != paper.id:
        raise DuplicateError(f"key {new!r} is an old key of another paper")
    if session.scalar(select(Paper.id).where(Paper.key == new)):
        raise DuplicateError(f"key {new!r} is already taken")
    if alias is not None:
        session.delete(alias)
        session.flush()
    session.add(KeyAlias(alias=paper.key, paper_id=paper.id))
    paper.key = new
    session.flush()


PATTERN_FIELDS = ("author", "authors", "year", "word", "title2", "title3", "venue")
DEFAULT_PATTERN = "{author}{year}{word}"


def key_from_pattern(pattern: str, record) -> str:
    """A key stem from a pattern such as '{author}{year}{word}' or '{author}_{venue}{year}'.

    author: first author's last name; authors: up to three last names; word / title2 / title3: the first
    one, two or three significant title words; venue: short venue name. All folded to ASCII letters.
    """
    from survey_db.keys import STOPWORDS, ascii_letters

    words = [w for w in (ascii_letters(w) for w in re.split(r"[\s\-/:]+", record.title)) if w]
    significant = [w for w in words if w not in STOPWORDS] or words
    values = {
        "author": ascii_letters(record.authors[0].last) if record.authors else "anon",
        "authors": "".join(ascii_letters(a.last) for a in record.authors[:3]) or "anon",
        "year": str(record.year or ""),
        "word": "".join(significant[:1]),
        "title2": "".join(significant[:2]),
        "title3": "".join(significant[:3]),
        "venue": ascii_letters(record.venue or ""),
    }
    try:
        return pattern.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        fields = ", ".join("{" + name + "}" for name in PATTERN_FIELDS)
        raise InputError(f"bad key pattern {pattern!r} ({exc}); use fields {fields}") from None


def regenerate_keys(
    session: Session, pattern: str = DEFAULT_PATTERN, keys: list[str] | None = None, *, dry_run: bool = False
) -> list[tuple[str, str]]:
    """New keys from a pattern, for all papers or the given ones; returns the (old, new) pairs that change.

    Old keys stay as aliases, so citations in .tex files keep resolving.
    """
    from survey_db.keys import unique_key
    from survey_db.services.paper_records import load_papers, paper_to_record

    ids = (
        [find_paper(session, key).id for key in keys]
        if keys
        else list(session.scalars(select(Paper.id).order_by(Paper.id)))
    )
    taken = set(session.scalars(select(Paper.key))) | set(session.scalars(select(KeyAlias.alias)))
    changes = []
    for paper in load_papers(session, ids):
        stem = key_from_pattern(pattern, paper_to_record(paper))
        check_key(stem)
        suffix = paper.key[len(stem) :] if paper.key.startswith(stem) else None
        # 'xie2023dataa' already is the pattern's key when another paper holds 'xie2023data'.
        disambiguated = suffix is not None and len(suffix) <= 2 and suffix.isalpha() and suffix.islower()
        if suffix == "" or (disambiguated and stem in taken):
            continue
        new = unique_key(stem, taken.__contains__)
        taken.add(new)
        changes.append((paper.key, new))
    if not dry_run:
        for old, new in changes:
            rename_key(session, old, new)
    return changes
