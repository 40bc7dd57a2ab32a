"""Where the online services are and how politely to ask them, from environment variables.

>>> Settings.from_env({"SURVEY_ARXIV_INTERVAL": "0.1"}).intervals["arxiv"]
0.1
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from survey_db.errors import InputError

DEFAULT_ENDPOINTS = {
    "arxiv": ("SURVEY_ARXIV_API", "https://export.arxiv.org/api/query"),
    "crossref": ("SURVEY_CROSSREF_API", "https://api.crossref.org"),
    "doi": ("SURVEY_DOI_API", "https://doi.org"),
    "dblp": ("SURVEY_DBLP_API", "https://dblp.org"),
    "acl": ("SURVEY_ACL_API", "https://aclanthology.org"),
}
# Seconds between two requests to a service. arXiv asks for one request every 3 seconds; Crossref's polite
# pool allows many more; DBLP and the ACL Anthology ask for restraint without a figure.
DEFAULT_INTERVALS = {"arxiv": 3.0, "crossref": 0.2, "doi": 0.2, "dblp": 1.0, "acl": 0.5}
SERVICE_NAMES = {
    "arxiv": "arXiv",
    "crossref": "Crossref",
    "doi": "doi.org",
    "dblp": "DBLP",
    "acl": "ACL Anthology",
}
# Cached answers older than this are fetched again by `survey update` (never by `add`).
WEEK = 7 * 24 * 3600.0


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 0:
        raise InputError(f"{name} must be a number of seconds (or a count) >= 0, not {text!r}")
    return value


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """$SURVEY_CACHE_DIR, else $XDG_CACHE_HOME/survey-db, else ~/.cache/survey-db."""
    if env.get("SURVEY_CACHE_DIR"):
        return Path(env["SURVEY_CACHE_DIR"]).expanduser()
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "survey-db"


@dataclass
class Settings:
    """Endpoints, cache folder and manners. Every value has an environment variable (see the README)."""

    endpoints: dict[str, str]
    cache_dir: Path
    email: str | None = None
    offline: bool = False
    # Fetch again even when the cache has an answer (`--refresh`), or when it is older than `max_age`.
    refresh: bool = False
    max_age: float | None = None
    intervals: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0
    # A Retry-After longer than this is not waited for: the lookup fails and says when to try again.
    max_retry_after: float = 120.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, offline: bool = False) -> Settings:
        env = os.environ if env is None else env
        endpoints = {
            service: (env.get(variable) or default).rstrip("/")
            for service, (variable, default) in DEFAULT_ENDPOINTS.items()
        }
        intervals = {
            service: _number(env, f"SURVEY_{service.upper()}_INTERVAL", seconds)
            for service, seconds in DEFAULT_INTERVALS.items()
        }
        return cls(
            endpoints=endpoints,
            cache_dir=default_cache_dir(env),
            email=env.get("SURVEY_EMAIL") or None,
            offline=offline or env.get("SURVEY_OFFLINE", "").strip().lower() in ("1", "true", "yes"),
            intervals=intervals,
            timeout=_number(env, "SURVEY_HTTP_TIMEOUT", 30.0),
            retries=int(_number(env, "SURVEY_HTTP_RETRIES", 3)),
            backoff=_number(env, "SURVEY_HTTP_BACKOFF", 2.0),
            max_retry_after=_number(env, "SURVEY_MAX_RETRY_AFTER", 120.0),
        )
