"""An on-disk cache of the services' answers, one small JSON file per looked-up identifier.

Our own files rather than an HTTP cache (hishel): the answers are kept per identifier, not per request
URL, so an arXiv `id_list` request for 100 papers fills 100 entries that a later lookup of any one of them
finds; `--offline` must answer from the cache without building a request; and `update` decides freshness
itself (a week, or `--refresh`), where an HTTP cache follows the servers' Cache-Control headers, which
arXiv and DBLP set to minutes. Each entry holds the service's own text (Atom entry, JSON, BibTeX), so a
better parser later reads old entries too.

>>> # Cache(Path("~/.cache/survey-db")).put("arxiv", "2401.10774", "<entry>...</entry>", "text/xml")
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CachedAnswer:
    body: str
    content_type: str
    fetched_at: float

    def age(self) -> float:
        return time.time() - self.fetched_at


class Cache:
    """Answers under `folder/answers/<service>/<hash of the identifier>.json`."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, service: str, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.folder / "answers" / service / digest[:2] / f"{digest}.json"

    def get(self, service: str, key: str) -> CachedAnswer | None:
        try:
            data = json.loads(self._path(service, key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("body"), str):
            return None
        return CachedAnswer(data["body"], str(data.get("content_type", "")), float(data.get("fetched_at", 0)))

    def put(self, service: str, key: str, body: str, content_type: str) -> None:
        """Store an answer; a cache that cannot be written (read-only folder) is skipped, not an error."""
        data = {"key": key, "content_type": content_type, "fetched_at": time.time(), "body": body}
        path = self._path(service, key)
        from survey_db.atomic import atomic_write
        from survey_db.errors import OutputError

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(data, ensure_ascii=False), follow_symlinks=False)
        except (OSError, OutputError):
            pass

