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
