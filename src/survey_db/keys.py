"""Citation keys: made once from first author, year and first significant title word, never changed.

>>> make_key_stem("Xie", 2023, "Data selection for language models")
'xie2023data'
"""

from __future__ import annotations

import re
from collections.abc import Callable

from survey_db.identifiers import fold_ascii

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "without",
        "via",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "as",
        "is",
        "are",
        "be",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "yes",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "we",
        "our",
        "you",
        "your",
        "their",
        "towards",
        "toward",
        "than",
        "then",
        "there",
        "here",
        "so",
        "if",
        "between",
        "through",
        "after",
        "before",
        "during",
        "per",
        "vs",
        "versus",
    ]
)


def ascii_letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", fold_ascii(text).lower())


def make_key_stem(first_author_last: str | None, year: int | None, title: str | None) -> str:
    """The key before any disambiguating letter: 'xie' + '2023' + 'data'.

    A paper with no author uses 'anon'; with no year, nothing stands for the year.
    """
    stem = ascii_letters(first_author_last or "") or "anon"
    if year:
        stem += str(year)
    words = re.split(r"[\s\-/:]+", re.sub(r"[{}\\]", "", title or ""))
    for word in words:
        letters = ascii_letters(word)
        if letters and letters not in STOPWORDS:
            stem += letters
            break
    return stem


def unique_key(stem: str, is_taken: Callable[[str], bool]) -> str:
    """The stem itself if free, else the stem with 'a', 'b', ... 'z', 'aa', ... appended."""
    if not is_taken(stem):
        return stem
    index = 0
    while True:
        suffix, n = "", index
        while True:
            suffix = chr(ord("a") + n % 26) + suffix
            n = n // 26 - 1
            if n < 0:
                break
        candidate = stem + suffix
        if not is_taken(candidate):
            return candidate
        index += 1
