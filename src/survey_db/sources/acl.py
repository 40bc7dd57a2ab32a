"""The ACL Anthology: every paper's BibTeX at `/{anthology id}.bib` (404 for an unknown id).

>>> bib_url("https://aclanthology.org", "2022.acl-long.245")
'https://aclanthology.org/2022.acl-long.245.bib'
"""

from __future__ import annotations

from survey_db.sources.common import Found, record_from_bibtex

CONTENT_TYPE = "application/x-bibtex"


def bib_url(api: str, anthology_id: str) -> str:
    return f"{api}/{anthology_id}.bib"


def read_record(text: str, anthology_id: str) -> Found:
    from survey_db.identifiers import derived_link

    record = record_from_bibtex(text, "acl")
    record.url = record.url or f"https://aclanthology.org/{anthology_id}"
    if not record.url:
        record.url = derived_link(None, record.doi)
    return Found(record, "acl")
