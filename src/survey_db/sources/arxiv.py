"""arXiv's API (an Atom feed): up to 100 ids in one `id_list` request, each entry read into a record.

An unknown id gives a feed without its entry (200); a malformed id gives 400 with an entry titled 'Error'.

>>> request_params(["2401.10774", "2211.17192"])["id_list"]
'2401.10774,2211.17192'
"""

from __future__ import annotations

from survey_db.sources.common import Found, malformed

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
BATCH = 100  # arXiv's advice: at most 100 ids a request ...
CONTENT_TYPE = "application/atom+xml"


def request_params(ids: list[str]) -> dict[str, str]:
    return {"id_list": ",".join(ids), "max_results": str(len(ids))}


def _parse(text: str):
    import xml.etree.ElementTree as ET

    if "<!DOCTYPE" in text or "<!ENTITY" in text:  # a feed has neither; refuse entity expansion outright
        raise malformed("arxiv", "an Atom feed")
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        raise malformed("arxiv", "an Atom feed") from None
    return root


def error_message(text: str) -> str | None:
    """The summary of an 'Error' entry (the answer to a malformed request), if there is one."""
    try:
        root = _parse(text)
    except Exception:
        return None
    for entry in root.iter(f"{ATOM}entry"):
        if (entry.findtext(f"{ATOM}title") or "").strip() == "Error":
            return " ".join((entry.findtext(f"{ATOM}summary") or "malformed request").split())
    return None


def split_feed(text: str) -> dict[str, str]:
    """Each entry of a feed as its own XML text, by arXiv id without version."""
    import xml.etree.ElementTree as ET

    from survey_db.identifiers import arxiv_id_from_url

    root = _parse(text)
    if root.tag != f"{ATOM}feed":
        raise malformed("arxiv", "an Atom feed")
    entries = {}
    for entry in root.findall(f"{ATOM}entry"):
        if (entry.findtext(f"{ATOM}title") or "").strip() == "Error":
            continue
        identifier = arxiv_id_from_url(entry.findtext(f"{ATOM}id") or "")
        if identifier:
            entries[identifier] = ET.tostring(entry, encoding="unicode")
    return entries


def read_entry(text: str) -> Found:
    """A record from one Atom entry: the preprint, with what arXiv says of a published version."""
    from survey_db.identifiers import arxiv_id_from_url, arxiv_link, parse_doi
    from survey_db.names import parse_name
    from survey_db.records import PaperRecord

    entry = _parse(text)

    def value(tag: str) -> str | None:
        found = entry.findtext(tag)
        return " ".join(found.split()) if found and found.strip() else None

    identifier = arxiv_id_from_url(value(f"{ATOM}id") or "")
    title = value(f"{ATOM}title")
    if not identifier or not title:
        raise malformed("arxiv", "an Atom entry with an id and a title")
    published = value(f"{ATOM}published") or ""
    year = int(published[:4]) if published[:4].isdigit() else None
    authors = [
        parse_name(" ".join(n.split()))
        for n in (a.findtext(f"{ATOM}name") or "" for a in entry.findall(f"{ATOM}author"))
        if n.strip()
    ]
    record = PaperRecord(
        title=title,
        authors=authors,
        year=year,
        venue="arXiv",
        url=arxiv_link(identifier),
        arxiv_id=identifier,
        abstract=value(f"{ATOM}summary"),
        source="arXiv",
    )
    category = entry.find(f"{ARXIV}primary_category")
    if category is not None and category.get("term"):
        record.extra["primaryclass"] = category.get("term", "")
    return Found(
        record,
        "arxiv",
        preprint=True,
        published_doi=parse_doi(value(f"{ARXIV}doi")),
        journal_ref=value(f"{ARXIV}journal_ref"),
    )
