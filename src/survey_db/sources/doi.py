"""doi.org content negotiation: `GET /{doi}` with an Accept header answers CSL-JSON or BibTeX from the DOI's
registration agency (Crossref, DataCite, mEDRA ...); 404 for a DOI nobody registered.

>>> ACCEPT.split(",")[0]
'application/vnd.citationstyles.csl+json'
"""

from __future__ import annotations

from survey_db.sources.common import Found, malformed, record_from_bibtex

ACCEPT = "application/vnd.citationstyles.csl+json, application/x-bibtex;q=0.5"


def doi_url(api: str, doi: str) -> str:
    from urllib.parse import quote

    return f"{api}/{quote(doi, safe='/()')}"


def read_answer(text: str, content_type: str) -> Found:
    """A record from CSL-JSON (or BibTeX, when that is what came)."""
    import json

    from survey_db import csl
    from survey_db.errors import InputError
    from survey_db.identifiers import arxiv_id, derived_link, parse_doi

    if "bibtex" in content_type or text.lstrip().startswith("@"):
        record = record_from_bibtex(text, "doi")
    else:
        try:
            records = csl.csl_to_records(json.loads(text))
        except (ValueError, InputError):
            raise malformed("doi", "CSL-JSON") from None
        if not records:
            raise malformed("doi", "CSL-JSON with an item")
        record = records[0]
        record.key = None
        record.extra = {k: v for k, v in record.extra.items() if k in ("publisher", "volume", "number")}
    if not record.title:
        raise malformed("doi", "a record with a title")
    record.doi = parse_doi(record.doi or "") or record.doi
    preprint = False
    if record.doi and record.doi.startswith("10.48550/arxiv."):
        record.arxiv_id = record.arxiv_id or arxiv_id(record.doi.removeprefix("10.48550/arxiv."))
        record.venue, record.venue_full, preprint = "arXiv", None, True
    record.url = derived_link(record.arxiv_id, record.doi) or record.url
    record.source = "doi.org"
    return Found(record, "doi", preprint=preprint)
