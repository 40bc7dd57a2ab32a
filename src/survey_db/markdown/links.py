"""Links: which hrefs are web links, what a link in an item is for (paper, code, project page, other), and one
key per link for spotting the same paper twice.

>>> http_url(" https://arxiv.org/abs/2211.17192 "), http_url("#contents")
('https://arxiv.org/abs/2211.17192', None)
>>> link_role("pdf", "https://a.org/x"), link_role("Pytorch Code", "https://a.org/x")
('paper', 'code')
>>> link_role("DreamFace", "https://openreview.net/forum?id=x"), link_role("DreamFace", "https://github.com/a/b")
('paper', 'code')
>>> link_role("site", "https://github.com/a/b")
'project'
"""

from __future__ import annotations

import re

from survey_db.identifiers import is_http_url

# Where papers live: preprint servers, anthologies, publishers, proceedings, and any PDF.
PAPER_HOST = re.compile(
    r"^https?://(?:[^/]*\.)?(?:arxiv\.org|openreview\.net|aclanthology\.org|aclweb\.org|doi\.org|dl\.acm\.org"
    r"|ieeexplore\.ieee\.org|link\.springer\.com|sciencedirect\.com|proceedings\.[^/]+|papers\.nips\.cc"
    r"|neurips\.cc|nips\.cc|ojs\.aaai\.org|aaai\.org|jmlr\.org|mlr\.press|thecvf\.com|ijcai\.org"
    r"|ecva\.net|semanticscholar\.org|biorxiv\.org|medrxiv\.org|nature\.com|science\.org|usenix\.org"
    r"|ssrn\.com|academic\.oup\.com|onlinelibrary\.wiley\.com|tandfonline\.com|mdpi\.com|iopscience\.iop\.org"
    r"|isca-speech\.org|researchgate\.net|hal\.science|openaccess\.[^/]+|aps\.org|pnas\.org|acm\.org"
    r"|ieee\.org|springer\.com|elsevier\.com|frontiersin\.org|plos\.org|jstor\.org|cell\.com)(?:[/:?#]|$)",
    re.IGNORECASE,
)
PDF_PATH = re.compile(r"\.pdf(?:$|[?#])", re.IGNORECASE)
REPOSITORY_HOST = re.compile(
    r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|huggingface\.co|colab\.research\.google"
    r"\.com|pypi\.org|gitee\.com)(?:[/:?#]|$)",
    re.IGNORECASE,
)
_PAPER_LABELS = frozenset({
    "pdf", "paper", "papers", "arxiv", "openreview", "acl", "acl anthology", "doi", "abs", "abstract",
    "publication", "preprint", "full text", "article", "proceedings", "ieee", "acm", "springer", "pmlr",
    "cvf", "ojs", "journal", "conference",
})
# Labels that say nothing of what is behind the link: the host decides.
_BARE_LABELS = frozenset({"link", "links", "url", "here", "html", "web", "online"})
_CODE_LABEL = re.compile(r"\b(?:code|codes|github|gitlab|repo|repository|implementation|source|colab|pytorch"
                         r"|tensorflow|jax|official|unofficial|torch|tf)\b", re.IGNORECASE)
_PROJECT_LABELS = frozenset({
    "project", "project page", "projectpage", "website", "webpage", "web page", "homepage", "home page",
    "home", "page", "site", "project website", "blog", "blog post",
})


def http_url(url: str | None) -> str | None:
    url = (url or "").strip()
    return url if url and is_http_url(url) else None


def url_key(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"


def is_paper_url(url: str) -> bool:
    """Does the URL point at a paper (a known paper host, or a PDF)?"""
    return bool(PAPER_HOST.match(url) or PDF_PATH.search(url))


def is_site_root(url: str) -> bool:
    """A site's front page ('https://icml.cc/', '.../index.html'): a venue or a project, never a paper."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path.strip("/")
    return not path or (path.count("/") <= 1 and path.rsplit("/", 1)[-1].lower().startswith("index."))


def link_label(text: str) -> str:
    return " ".join(text.split()).strip("[]()<>*_ :.,").lower()


def link_role(label: str, url: str) -> str:
    """'paper', 'code', 'project' or 'other' for a link with this text; the label decides, then the host."""
    key = link_label(label)
    if is_site_root(url):
        return "code" if REPOSITORY_HOST.match(url) else "project"
    if key in _PAPER_LABELS or key.endswith((" pdf", " paper", " arxiv")):
        return "paper"
    if key in _PROJECT_LABELS:
        return "project"
    if _CODE_LABEL.search(key) and not is_paper_url(url):
        return "code"
    if is_paper_url(url):
        return "paper"
    if REPOSITORY_HOST.match(url):
        return "code"
    return "paper" if key in _BARE_LABELS else "other"
