"""The one HTTP client for every service: timeouts, a pause between requests per service (kept in the cache
folder, so separate runs respect it too), Retry-After and 429 honoured, and a bounded number of retries.

>>> # Fetcher(Settings.from_env()).get("arxiv", ARXIV_API, {"id_list": "2401.10774"})
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from survey_db.errors import SurveyError
from survey_db.sources.cache import Cache, CachedAnswer
from survey_db.sources.settings import SERVICE_NAMES, Settings

if TYPE_CHECKING:
    import httpx

RETRIED_STATUSES = {429, 500, 502, 503, 504}
# arXiv signals throttling with this plain-text body instead of a feed, whatever the status.
THROTTLED_BODIES = ("Rate exceeded.",)


class LookupError_(SurveyError):  # not the built-in LookupError
    """A lookup that failed: the message names the service and what to do."""


class NotFound(LookupError_):
    """The service answered, and has no such paper."""


@dataclass
class Answer:
    status: int
    body: str
    content_type: str


def service_name(service: str) -> str:
    return SERVICE_NAMES.get(service, service)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Fetcher:
    """Requests to the services, answers from the cache. One per command; `close()` when done."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.cache = Cache(settings.cache_dir)
        self._client: httpx.Client | None = None
        self.requests: list[tuple[str, str]] = []  # (service, url) of every request sent, for reports

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            import httpx

            from survey_db import __version__

            agent = f"survey-db/{__version__} (https://github.com/survey-db/survey-db"
            agent += f"; mailto:{self.settings.email})" if self.settings.email else ")"
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.settings.timeout),
                headers={"User-Agent": agent},
                follow_redirects=True,
            )
        return self._client

    # -- the cache ------------------------------------------------------------------------------------
    def cached(self, service: str, key: str) -> CachedAnswer | None:
        """The cached answer, unless `refresh` asks for a new one or it is older than `max_age`. Offline, any
        cached answer serves."""
        found = self.cache.get(service, key)
        if found is None or self.settings.offline:
            return found
        if self.settings.refresh:
            return None
        if self.settings.max_age is not None and found.age() > self.settings.max_age:
            return None
        return found

    def stale(self, service: str, key: str) -> CachedAnswer | None:
        """Any cached answer, however old (used when the service cannot be reached)."""
        return self.cache.get(service, key)

    def remember(self, service: str, key: str, body: str, content_type: str) -> None:
        self.cache.put(service, key, body, content_type)

    # -- the network ----------------------------------------------------------------------------------
    def get(
        self, service: str, url: str, params: dict[str, str] | None = None, accept: str | None = None
    ) -> Answer:
        """GET with the service's pause, retries on 429/5xx/timeouts and Retry-After. Any other status is
        returned for the service module to read (404, 400). Fails in one line after the last try."""
        name = service_name(service)
        if self.settings.offline:
            raise LookupError_(
                f"{name}: not in the cache and lookups are offline (--offline or SURVEY_OFFLINE); "
                "run once online to fill the cache"
            )
        import httpx

        headers = {"Accept": accept} if accept else {}
        tries = max(1, self.settings.retries + 1)
        problem = ""
        client = self._http()
        for attempt in range(tries):
            delay = self.settings.backoff * (2**attempt)
            with self._turn(service):
                self.requests.append((service, url))
                try:
                    response = client.get(url, params=params, headers=headers)
                except httpx.TimeoutException:
                    problem = f"no answer within {self.settings.timeout:g} s"
                    response = None
                except httpx.ConnectError as exc:
                    # No network, or nothing listening: trying again in a few seconds rarely helps.
                    raise LookupError_(
                        f"{name}: cannot connect ({_reason(exc)}); check the network, or use --offline "
                        "to answer from the cache"
                    ) from None
                except httpx.HTTPError as exc:
                    problem = f"the connection failed ({_reason(exc)})"
                    response = None
            if response is not None:
                throttled = response.text.strip() in THROTTLED_BODIES
                if response.status_code not in RETRIED_STATUSES and not throttled:
                    return Answer(
                        response.status_code, response.text, response.headers.get("content-type", "")
                    )
                problem = (
                    "says the rate is exceeded" if throttled else f"answered HTTP {response.status_code}"
                )
                wait = retry_after_seconds(response.headers.get("retry-after"))
                if wait is not None:
                    if wait > self.settings.max_retry_after:
                        raise LookupError_(
                            f"{name}: {problem} and asks to wait {wait:.0f} s; try again later"
                        )
                    delay = max(wait, self.settings.intervals.get(service, 0.0))
            if attempt + 1 < tries:
                time.sleep(delay)
        raise LookupError_(
            f"{name}: {problem} ({tries} tries); check the network or try again later "
            "(--offline answers from the cache)"
        )

    @contextlib.contextmanager
    def _turn(self, service: str) -> Iterator[None]:
        """Wait until the service's interval since the last request (by any run) has passed, then send, and
        record when this request ended. A lock file keeps two runs from sending at once."""
        interval = self.settings.intervals.get(service, 0.0)
        folder = self.settings.cache_dir / "last-request"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = open(folder / service, "a+", encoding="ascii")  # noqa: SIM115
        except OSError:
            handle = None
        try:
            if handle is not None:
                import fcntl

                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.seek(0)
                last = _float(handle.read())
            else:
                last = _MEMORY.get(service, 0.0)
            wait = last + interval - time.time()
            if wait > 0:
                time.sleep(wait)
            yield
        finally:
            # The interval counts from the end of a request: the next one reaches the service at least
            # `interval` after this one did, however long connecting took.
            now = time.time()
            _MEMORY[service] = now
            if handle is not None:
                handle.seek(0)
                handle.truncate()
                handle.write(f"{now:.6f}\n")
                handle.flush()
                handle.close()


_MEMORY: dict[str, float] = {}


def _float(text: str) -> float:
    try:
        return float(text.strip() or 0)
    except ValueError:
        return 0.0


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:120]


def last_request_file(cache_dir: Path, service: str) -> Path:
    return cache_dir / "last-request" / service
