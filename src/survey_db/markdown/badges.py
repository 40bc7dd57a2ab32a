"""Venue and year from text and from shields.io badges.

>>> badge_venue("https://img.shields.io/badge/NeurIPS-2023-blue")
('NeurIPS', 2023)
"""

from __future__ import annotations

import re

from survey_db.markdown.inline import squash
from survey_db.markdown.words import GENERIC_LABELS, MISSING, NON_VENUE_LABELS, YEAR2, YEAR4


def venue_from_text(text: str) -> tuple[str | None, int | None]:
    """Venue and year from 'NeurIPS 2023', "ICML'23", '2023' or 'arXiv'.

    >>> venue_from_text("ICML'23"), venue_from_text("arxiv 2024")
    (('ICML', 2023), ('arXiv', 2024))
    """
    text = squash(text)
    year = None
    match = YEAR4.search(text)
    if match:
        year = int(match.group(1))
    else:
        match = YEAR2.search(text)
        if match:
            short = int(match.group(1))
            year = 2000 + short if short < 70 else 1900 + short
    if match:
        text = f"{text[: match.start()]} {text[match.end():]}"
    venue = squash(text).strip(" -–—,;:/()[]'’‘")
    if not venue or not any(ch.isalpha() for ch in venue) or venue.lower() in GENERIC_LABELS | MISSING:
        venue = None
    elif venue.lower() == "arxiv":
        venue = "arXiv"
    return venue, year


def badge_parts(src: str) -> tuple[str | None, str] | None:
    """(label, message) of a shields.io badge URL, decoded, or None for any other image."""
    from urllib.parse import parse_qs, unquote, urlsplit

    try:
        parts = urlsplit(src.strip())
    except ValueError:
        return None
    if not parts.netloc.lower().endswith("shields.io"):
        return None
    path = parts.path
    if path.rstrip("/").endswith("/static/v1"):
        query = parse_qs(parts.query)
        return (query.get("label") or [None])[0], (query.get("message") or [""])[0]
    start = path.find("/badge/")
    if start < 0:
        return None
    body = re.sub(r"\.(svg|png)$", "", path[start + len("/badge/") :])
    pieces = [
        unquote(p.replace("--", "-").replace("__", "\0").replace("_", " ").replace("\0", "_"))
        for p in re.split(r"(?<!-)-(?!-)", body)
    ]
    if len(pieces) >= 3:
        return pieces[0], "-".join(pieces[1:-1])
    return None, pieces[0]


def badge_venue(src: str) -> tuple[str | None, int | None] | None:
    parts = badge_parts(src)
    if parts is None:
        return None
    label, message = parts
    label_key = (label or "").strip().lower()
    if label_key in NON_VENUE_LABELS or message.strip().lower() in NON_VENUE_LABELS:
        return None
    text = message if not label_key or label_key in GENERIC_LABELS else f"{label} {message}"
    venue, year = venue_from_text(text)
    return (venue, year) if venue or year else None
