"""Venue and year from text and from shields.io badges.

>>> badge_venue("https://img.shields.io/badge/NeurIPS-2023-blue")
('NeurIPS', 2023)
"""

from __future__ import annotations

import re

from survey_db.markdown.inline import squash
from survey_db.markdown.words import GENERIC_LABELS, MISSING, NON_VENUE_LABELS, PREPRINTS, YEAR2, YEAR4


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
    venue: str | None = squash(text).strip(" -–—,;:/()[]'’‘")
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
        labels, messages = query.get("label"), query.get("message")
        return (labels[0] if labels else None), (messages[0] if messages else "")
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


_MONTH = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?=[\s,.\d]|$)", re.IGNORECASE
)
_YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})[./-](?:0?[1-9]|1[0-2])(?!\d)")


def dated_venue(text: str) -> tuple[str | None, int | None] | None:
    """Venue and year from the way list items date a paper: 'arXiv, May 2023', 'ICLR 2024',
    'ACL2024-findings', '2024.01', 'Preprint'; None when the text holds neither a year nor a preprint
    server's name.

    >>> dated_venue("arXiv, May 2023"), dated_venue("ACL2024-findings"), dated_venue("2025.02")
    (('arXiv', 2023), ('ACL findings', 2024), (None, 2025))
    >>> dated_venue("Drafter: small LM") is None
    True
    """
    text = squash(text)
    if not text or len(text) > 80:
        return None
    text = re.sub(r"(?i)\barxiv\s*:\s*\d{4}\.\d{4,5}(?:v\d+)?", "arXiv", text)
    text = _YEAR_MONTH.sub(r"\1", text)
    match = YEAR4.search(text)
    if match is None and YEAR2.search(text) is None:
        words = re.sub(r"[^a-z]+", " ", text.lower()).split()
        if words and words[0] in PREPRINTS and len(words) <= 2:
            return ("arXiv" if words[0] == "arxiv" else text.strip(" .,;()[]")), None
        return None
    if match is not None:  # 'ACL2024-findings': the year glued to the venue
        before, after = text[: match.start()].rstrip(" -–,"), text[match.end() :].lstrip(" -–,")
        text = f"{before} {match.group(1)} {after}"
    venue, year = venue_from_text(_MONTH.sub(" ", text))
    if venue is not None:
        venue = squash(venue.strip(" .,;:-–()[]")) or None
    if venue is not None and len(venue.split()) > 8:
        return None
    return venue, year


def badge_dated_venue(src: str) -> tuple[str | None, int | None] | None:
    """The venue a shields.io badge names, only when it holds a year or a preprint server (not a tag)."""
    parts = badge_parts(src)
    if parts is None:
        return None
    label, message = parts
    if (label or "").strip().lower() in NON_VENUE_LABELS or message.strip().lower() in NON_VENUE_LABELS:
        return None
    label_key = (label or "").strip().lower()
    text = message if not label_key or label_key in GENERIC_LABELS else f"{label} {message}"
    return dated_venue(text)
