"""Paper fields from cleaned-up text: title, topics, authors, year, and the record they make.

>>> [name.last for name in authors_from_text("Ada Lovelace, Alan Turing et al.")]
['Lovelace', 'Turing']
"""

from __future__ import annotations

import re

from survey_db.identifiers import arxiv_id_from_url, doi_from_url
from survey_db.markdown.inline import squash, strip_emoji_ends
from survey_db.markdown.words import MISSING, YEAR4
from survey_db.names import parse_name
from survey_db.records import Name, PaperRecord


def clean_title(text: str) -> str | None:
    text = strip_emoji_ends(squash(text))
    return None if text.lower() in MISSING else text


def split_topics(text: str) -> list[str]:
    topics: list[str] = []
    for part in re.split(r"[,;]", squash(text)):
        topic = strip_emoji_ends(part)
        if topic.lower() not in MISSING and topic not in topics:
            topics.append(topic)
    return topics


def authors_from_text(text: str) -> list[Name]:
    text = re.sub(r",?\s*(et al\.?|and others)\s*$", "", squash(text), flags=re.IGNORECASE)
    if text.lower() in MISSING:
        return []
    separator = r"\s*;\s*" if ";" in text else r"\s*,\s*|\s+and\s+|\s*&\s*"
    return [parse_name(part) for part in re.split(separator, text) if part.strip()]


def year_in(text: str) -> int | None:
    match = YEAR4.search(text)
    return int(match.group(1)) if match else None


def paper_record(
    title: str, url: str | None, *, source: str, code: str | None = None, venue: str | None = None,
    year: int | None = None, topics: list[str] | None = None, authors: list[Name] | None = None,
    note: str | None = None,
) -> PaperRecord:
    return PaperRecord(
        # entry_type stays None: the store derives it from the venue's kind (journal -> article, ...).
        title=title, authors=authors or [], year=year, venue=venue, url=url,
        code_url=code, arxiv_id=arxiv_id_from_url(url), doi=doi_from_url(url), note=note,
        topics=topics or [], source=source,
    )
