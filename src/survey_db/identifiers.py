"""Normalised identifiers: arXiv ids, DOIs, titles and slugs, used for matching and duplicates.

>>> arxiv_id_from_url("https://arxiv.org/abs/2302.03169v2")
'2302.03169'
>>> normalize_title("{DoReMi}: Optimizing Data Mixtures!")
'doremi optimizing data mixtures'
"""

from __future__ import annotations

import re
import unicodedata

_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?")
_ARXIV_HOSTS = ("arxiv.org/abs/", "arxiv.org/pdf/", "arxiv.org/html/", "export.arxiv.org/abs/")
_DOI = re.compile(r"10\.\d{4,9}/\S+")


def arxiv_id(text: str | None) -> str | None:
    """An arXiv identifier without its version: '2302.03169v2' -> '2302.03169'; None if there is none."""
    if not text:
        return None
    text = text.strip()
    if text.lower().startswith("arxiv:"):
        text = text[6:]
    match = _ARXIV_NEW.fullmatch(text) or _ARXIV_OLD.fullmatch(text)
    return match.group(1) if match else None


def arxiv_id_from_url(url: str | None) -> str | None:
    """The arXiv id in an arxiv.org URL ('https://arxiv.org/pdf/2302.03169v1.pdf'), else None."""
    if not url:
        return None
    lowered = url.lower()
    for host in _ARXIV_HOSTS:
        start = lowered.find(host)
        if start >= 0:
            rest = url[start + len(host) :].strip("/ ")
            rest = rest.removesuffix(".pdf")
            return arxiv_id(rest)
    return None


def normalize_doi(text: str | None) -> str | None:
    """A DOI in lower case without resolver prefix: 'https://doi.org/10.1/ABC' -> '10.1/abc'."""
    if not text:
        return None
    match = _DOI.search(text.strip())
    return match.group(0).rstrip(".").lower() if match else None


def doi_from_url(url: str | None) -> str | None:
    """The DOI in a doi.org or publisher URL that carries one ('dl.acm.org/doi/10.1145/...')."""
    if not url:
        return None
    lowered = url.lower()
    if "doi.org/" in lowered or "/doi/" in lowered:
        return normalize_doi(url)
    return None


def fold_ascii(text: str) -> str:
    """Strip accents and other marks: 'Gaël Üstün' -> 'Gael Ustun'."""
    special = {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "þ": "th",
    }
    text = "".join(special.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+\s*|\\.")


def normalize_title(title: str | None) -> str:
    """Case-, accent-, punctuation- and brace-insensitive form of a title, for matching duplicates."""
    if not title:
        return ""
    text = _LATEX_COMMAND.sub("", title) if "\\" in title else title
    text = fold_ascii(text).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.strip()


def slugify(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, spaces to '-', punctuation dropped.

    >>> slugify("Using SMs to evaluate LLM's generations")
    'using-sms-to-evaluate-llms-generations'
    """
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text, flags=re.UNICODE)
    return text.replace(" ", "-")


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    return re.match(r"^https?://[^\s/$.?#][^\s]*$", url, flags=re.IGNORECASE) is not None
