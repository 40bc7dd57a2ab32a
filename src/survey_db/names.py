"""Personal names as BibTeX reads them: 'First von Last', 'von Last, First', 'von Last, Jr, First'.

>>> parse_name("Ludwig van Beethoven")
Name(first='Ludwig', last='Beethoven', von='van', jr='')
>>> [n.last for n in split_authors("Xie, Sang Michael and Tengyu Ma")]
['Xie', 'Ma']
"""

from __future__ import annotations

import re

from survey_db.records import Name


def _split_top_level(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split on a separator that is not inside braces."""
    parts, depth, start = [], 0, 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            match = separator.match(text, index)
            if match:
                parts.append(text[start:index])
                index = start = match.end()
                continue
        index += 1
    parts.append(text[start:])
    return parts


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_COMMA = re.compile(r",")
_SPACE = re.compile(r"[\s~]+")


def split_authors(text: str) -> list[Name]:
    """Split a BibTeX author list on top-level 'and' and parse each name."""
    text = text.strip()
    if not text:
        return []
    return [parse_name(part) for part in _split_top_level(text, _AND) if part.strip()]


def looks_like_several_people(text: str) -> bool:
    """Whether one name in 'Last, First' form is more likely a comma list of people, which BibTeX would
    read as one person ('Alice Smith, Bob Jones': last name 'Alice Smith', first name 'Bob Jones').

    >>> looks_like_several_people("Alice Smith, Bob Jones"), looks_like_several_people("Le Scao, Teven")
    (True, False)
    >>> looks_like_several_people("Smith, Jr., John"), looks_like_several_people("A B, C D, E F")
    (False, True)
    """
    parts = [p.strip() for p in _split_top_level(text, _COMMA)]
    if len(parts) < 2:
        return False
    if len(parts) > 3:
        return True
    last_words = [w for w in _split_top_level(parts[0], _SPACE) if w and not _is_lowercase_word(w)]
    first_words = [w for w in _split_top_level(parts[-1], _SPACE) if w]
    return len(last_words) >= 2 and len(first_words) >= 2


def _is_lowercase_word(word: str) -> bool:
    """A von particle starts with a lower-case letter outside braces ('van', 'de', 'della')."""
    stripped = word.lstrip("{\\")
    for char in word:
        if char == "{":
            return False  # a braced word counts as upper case, as in BibTeX
        if char.isalpha():
            return char.islower()
    return bool(stripped) and stripped[0].islower()


def parse_name(text: str) -> Name:
    """Parse one name in any of BibTeX's three forms."""
    text = " ".join(text.split())
    parts = [p.strip() for p in _split_top_level(text, _COMMA)]
    if len(parts) == 1:
        words = [w for w in _split_top_level(parts[0], _SPACE) if w]
        if not words:
            return Name()
        if len(words) == 1:
            return Name(last=words[0])
        # First: leading words up to the first lower-case one; von: lower-case run; Last: the rest.
        von_start = next((i for i, w in enumerate(words[:-1]) if _is_lowercase_word(w)), None)
        if von_start is None:
            return Name(first=" ".join(words[:-1]), last=words[-1])
        von_end = von_start
        for i in range(von_start, len(words) - 1):
            if _is_lowercase_word(words[i]):
                von_end = i + 1
        return Name(
            first=" ".join(words[:von_start]),
            von=" ".join(words[von_start:von_end]),
            last=" ".join(words[von_end:]),
        )
    von_last = [w for w in _split_top_level(parts[0], _SPACE) if w]
    jr = parts[1] if len(parts) >= 3 else ""
    first = parts[2] if len(parts) >= 3 else parts[1]
    von_end = 0
    for i, word in enumerate(von_last[:-1]):
        if _is_lowercase_word(word):
            von_end = i + 1
    return Name(
        first=first,
        von=" ".join(von_last[:von_end]),
        last=" ".join(von_last[von_end:]),
        jr=jr,
    )


def join_authors(names: list[Name]) -> str:
    """The BibTeX author field for a list of names."""
    return " and ".join(name.bibtex for name in names)
