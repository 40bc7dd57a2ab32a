"""Identifiers of papers: arXiv ids, DOIs, DBLP keys, ACL Anthology ids, the links derived from them,
and the normalised titles and slugs used for matching and duplicates. Every place that reads an identifier
a person typed or a file carried parses it here.

>>> arxiv_id_from_url("https://arxiv.org/abs/2302.03169v2")
'2302.03169'
>>> parse_identifier("https://doi.org/10.18653/v1/2022.acl-long.245")
Identifier(kind='doi', value='10.18653/v1/2022.acl-long.245')
>>> normalize_title("{DoReMi}: Optimizing Data Mixtures!")
'doremi optimizing data mixtures'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?")
_ARXIV_HOSTS = ("arxiv.org/abs/", "arxiv.org/pdf/", "arxiv.org/html/", "export.arxiv.org/abs/")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
# A whole DOI: the "10." directory indicator, a registrant code, a slash and a suffix without spaces.
_DOI_WHOLE = re.compile(r"10\.\d{4,9}(?:\.\d+)*/\S+")
_DOI_RESOLVERS = re.compile(r"^(?:https?://)?(?:dx\.)?(?:www\.)?doi\.org/", re.IGNORECASE)
# DBLP record keys: a top-level kind, then one or more path parts ("conf/acl/ChenX22").
_DBLP_KEY = re.compile(
    r"(?:conf|journals|books|series|phd|reference|tr|ms|persons|www|homepages)(?:/[\w\-.']+){2,}"
)
_DBLP_HOSTS = ("dblp.org/rec/", "dblp.uni-trier.de/rec/", "dblp.dagstuhl.de/rec/")
# ACL Anthology ids: new style "2022.acl-long.245", old style "P19-1001".
_ACL_NEW = re.compile(r"\d{4}\.[a-z\d]+(?:-[a-z\d]+)*\.\d+", re.IGNORECASE)
_ACL_OLD = re.compile(r"[A-Z]\d{2}-\d{4}", re.IGNORECASE)
_ACL_HOSTS = ("aclanthology.org/", "aclweb.org/anthology/")
# DOIs the ACL Anthology registers: 10.18653/v1/<anthology id>.
_ACL_DOI_PREFIX = "10.18653/v1/"
# arXiv registers a DataCite DOI for every paper: 10.48550/arXiv.<id>.
_ARXIV_DOI_PREFIX = "10.48550/arxiv."


def arxiv_id(text: str | None) -> str | None:
    """An arXiv identifier without its version: '2302.03169v2' -> '2302.03169'; None if there is none."""
    if not text:
        return None
    text = text.strip()
    if text.lower().startswith("arxiv:"):
        text = text[6:].strip()
    match = _ARXIV_NEW.fullmatch(text) or _ARXIV_OLD.fullmatch(text)
    return match.group(1) if match else None


def arxiv_id_from_url(url: str | None) -> str | None:
    """The arXiv id in an arxiv.org URL ('https://arxiv.org/pdf/2302.03169v1.pdf'), else None."""
    if not url:
        return None
    path = _path_after_host(url.strip(), _ARXIV_HOSTS, r"\.pdf$")
    return arxiv_id(path) if path is not None else None


def parse_arxiv(text: str | None) -> str | None:
    """An arXiv id from what a person types: an id, 'arXiv:' id, an arxiv.org URL or arXiv's own DOI.

    >>> parse_arxiv("https://arxiv.org/abs/2401.10774v2"), parse_arxiv("arXiv:cs/0112017")
    ('2401.10774', 'cs/0112017')
    """
    if not text:
        return None
    text = text.strip()
    found = arxiv_id(text) or arxiv_id_from_url(text)
    if found:
        return found
    doi = parse_doi(text)
    if doi and doi.startswith(_ARXIV_DOI_PREFIX):
        return arxiv_id(doi[len(_ARXIV_DOI_PREFIX) :])
    return None


def normalize_doi(text: str | None) -> str | None:
    """A DOI in lower case without resolver prefix: 'https://doi.org/10.1/ABC' -> '10.1/abc'."""
    if not text:
        return None
    match = _DOI.search(text.strip())
    return match.group(0).rstrip(".").lower() if match else None


def parse_doi(text: str | None) -> str | None:
    """A DOI from what a person types: the DOI itself, 'doi:' DOI or a doi.org URL; None for anything
    else ('1234', a sentence that contains a DOI). Lower case, as DOIs compare case-insensitively.

    >>> parse_doi("https://doi.org/10.18653/v1/2022.ACL-long.245"), parse_doi("1234")
    ('10.18653/v1/2022.acl-long.245', None)
    """
    if not text:
        return None
    text = text.strip()
    text = _DOI_RESOLVERS.sub("", text)
    if text.lower().startswith("doi:"):
        text = text[4:].strip()
    if not _DOI_WHOLE.fullmatch(text):
        return None
    from urllib.parse import unquote

    return unquote(text).rstrip(".").lower()


def doi_from_url(url: str | None) -> str | None:
    """The DOI in a doi.org or publisher URL that carries one ('dl.acm.org/doi/10.1145/...')."""
    if not url:
        return None
    lowered = url.lower()
    if "doi.org/" in lowered or "/doi/" in lowered:
        return normalize_doi(url)
    return None


def _path_after_host(text: str, hosts: tuple[str, ...], file_suffix: str) -> str | None:
    """The path of a URL on one of `hosts` without query, fragment, slashes and a file suffix; None if
    `text` names none of the hosts.

    >>> _path_after_host("https://dblp.org/rec/conf/icml/X23.bib?x=1", ("dblp.org/rec/",), r"\\.bib$")
    'conf/icml/X23'
    """
    lowered = text.lower()
    for host in hosts:
        start = lowered.find(host)
        if start >= 0:
            path = text[start + len(host) :].split("?")[0].split("#")[0].strip("/")
            return re.sub(file_suffix, "", path)
    return None


def parse_dblp_key(text: str | None) -> str | None:
    """A DBLP record key from a key or a dblp.org/rec URL ('.html', '.bib', '.xml' and queries dropped).

    >>> parse_dblp_key("https://dblp.org/rec/conf/icml/LeviathanKM23.html")
    'conf/icml/LeviathanKM23'
    """
    if not text:
        return None
    text = text.strip()
    path = _path_after_host(text, _DBLP_HOSTS, r"\.(html|bib|xml|ris|nt|ttl|rdf)$")
    if path is not None:
        text = path
    elif text.lower().startswith("dblp:"):
        text = text[5:].strip()
    return text if _DBLP_KEY.fullmatch(text) else None


def parse_acl_id(text: str | None) -> str | None:
    """An ACL Anthology id from an id, an aclanthology.org URL (page, .pdf or .bib) or an ACL DOI.

    >>> parse_acl_id("https://aclanthology.org/2022.acl-long.245.pdf"), parse_acl_id("P19-1001")
    ('2022.acl-long.245', 'P19-1001')
    """
    if not text:
        return None
    text = text.strip()
    path = _path_after_host(text, _ACL_HOSTS, r"\.(pdf|bib|xml)$")
    if path is not None:
        text = path
    else:
        doi = parse_doi(text)
        if doi and doi.startswith(_ACL_DOI_PREFIX):
            text = doi[len(_ACL_DOI_PREFIX) :]
    if _ACL_OLD.fullmatch(text):
        return text.upper()
    if _ACL_NEW.fullmatch(text):
        year, venue, number = text.split(".")
        return f"{year}.{venue.lower()}.{number}"
    return None


@dataclass(frozen=True)
class Identifier:
    """A parsed identifier: kind is 'arxiv', 'doi', 'dblp' or 'acl'; value is its normal form."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


def parse_identifier(text: str) -> Identifier | None:
    """What kind of identifier `text` is, or None. An ACL Anthology DOI stays a DOI (Crossref has it);
    arXiv's DataCite DOI (10.48550/arXiv.ID) is read as the arXiv id.

    >>> parse_identifier("arXiv:2401.10774v1"), parse_identifier("conf/acl/ChenX22")
    (Identifier(kind='arxiv', value='2401.10774'), Identifier(kind='dblp', value='conf/acl/ChenX22'))
    """
    text = (text or "").strip()
    if not text:
        return None
    lowered = text.lower()
    if "arxiv.org/" in lowered or lowered.startswith("arxiv:"):
        found = parse_arxiv(text)
        return Identifier("arxiv", found) if found else None
    if any(host in lowered for host in _DBLP_HOSTS) or lowered.startswith("dblp:"):
        found = parse_dblp_key(text)
        return Identifier("dblp", found) if found else None
    if any(host in lowered for host in _ACL_HOSTS):
        found = parse_acl_id(text)
        return Identifier("acl", found) if found else None
    doi = parse_doi(text)
    if doi:
        if doi.startswith(_ARXIV_DOI_PREFIX) and (from_doi := arxiv_id(doi[len(_ARXIV_DOI_PREFIX) :])):
            return Identifier("arxiv", from_doi)
        return Identifier("doi", doi)
    for kind, parse in (("arxiv", arxiv_id), ("dblp", parse_dblp_key), ("acl", parse_acl_id)):
        found = parse(text)
        if found:
            return Identifier(kind, found)
    return None


def typed_arxiv(text: str) -> str:
    """The arXiv id of a value a person typed (--arxiv), or an InputError in one line."""
    found = parse_arxiv(text)
    if not found:
        from survey_db.errors import InputError

        raise InputError(f"{text!r} is not an arXiv id such as 2211.17192 or an arxiv.org URL")
    return found


def typed_doi(text: str) -> str:
    """The DOI of a value a person typed (--doi), or an InputError in one line."""
    found = parse_doi(text)
    if not found:
        from survey_db.errors import InputError

        raise InputError(f"{text!r} is not a DOI such as 10.18653/v1/2023.acl-long.792 or a doi.org URL")
    return found


def arxiv_link(identifier: str) -> str:
    """The abstract page of an arXiv id: '2401.10774' -> 'https://arxiv.org/abs/2401.10774'."""
    return f"https://arxiv.org/abs/{identifier}"


def doi_link(doi: str) -> str:
    """The resolver link of a DOI: '10.1/x' -> 'https://doi.org/10.1/x'."""
    return f"https://doi.org/{doi}"


def derived_link(arxiv: str | None, doi: str | None) -> str | None:
    """The paper link an identifier gives when none was typed: the DOI's (the version of record), else the
    arXiv abstract page; arXiv's own DOIs link to the abstract page.

    >>> derived_link("2401.10774", None), derived_link("2401.10774", "10.18653/v1/2022.acl-long.245")
    ('https://arxiv.org/abs/2401.10774', 'https://doi.org/10.18653/v1/2022.acl-long.245')
    """
    if doi and doi.lower().startswith(_ARXIV_DOI_PREFIX):
        from_doi = arxiv_id(doi[len(_ARXIV_DOI_PREFIX) :])
        if from_doi:
            return arxiv_link(from_doi)
    if doi:
        return doi_link(doi)
    if arxiv:
        return arxiv_link(arxiv)
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
