"""The survey's own metadata: its title, description, authors, url and citation.

The Markdown export writes the title as the README's H1 and the rest under it; `survey dump` keeps them in
seeds/taxonomy.toml under [survey].
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from survey_db.errors import InputError
from survey_db.identifiers import is_http_url
from survey_db.models import SurveyMeta
from survey_db.services.io import set_meta

FIELDS = ("title", "description", "authors", "url", "citation")


def set_field(session: Session, name: str, value: str) -> None:
    """Set one field; an empty value removes it.

    >>> # set_field(session, "title", "Small Models in the LLM Era")
    """
    if name not in FIELDS:
        raise InputError(f"unknown survey field {name!r}; choose one of {', '.join(FIELDS)}")
    value = value.strip() if name != "citation" else value.strip("\n")
    if name in ("title", "authors", "url"):
        value = " ".join(value.split())
    if not value:
        session.execute(delete(SurveyMeta).where(SurveyMeta.name == name))
        return
    if name == "url" and not is_http_url(value):
        raise InputError(f"url {value!r} is not an http(s) URL")
    if name == "title" and len(value) > 300:
        raise InputError("a survey title holds at most 300 characters")
    set_meta(session, {name: value})


def readme_intro(meta: dict[str, str]) -> str | None:
    """What a generated README says under its H1: the description, then the authors and the url.

    >>> readme_intro({"description": "Papers on small models.", "authors": "A and B", "url": "https://x.org"})
    'Papers on small models.\\n\\nBy A and B. <https://x.org>'
    """
    blocks = []
    if meta.get("description"):
        blocks.append(meta["description"])
    byline = []
    if meta.get("authors"):
        byline.append(f"By {meta['authors']}.")
    if meta.get("url"):
        byline.append(f"<{meta['url']}>")
    if byline:
        blocks.append(" ".join(byline))
    return "\n\n".join(blocks) or None
