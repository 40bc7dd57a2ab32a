"""Links: which hrefs are web links, and one key per link for spotting the same paper twice.

>>> http_url(" https://arxiv.org/abs/2211.17192 "), http_url("#contents")
('https://arxiv.org/abs/2211.17192', None)
"""

from __future__ import annotations

from survey_db.identifiers import is_http_url


def http_url(url: str | None) -> str | None:
    url = (url or "").strip()
    return url if url and is_http_url(url) else None


def url_key(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"
