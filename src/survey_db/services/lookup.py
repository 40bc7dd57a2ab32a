"""Looking papers up by identifier, and the rule that finds a preprint's published version.

Each identifier is fetched from its service (through the cache); an arXiv preprint with a published
version is returned as that version, keeping its arXiv id:

1. arXiv names the published DOI (`<arxiv:doi>`): that DOI's record (Crossref, else doi.org).
2. Otherwise DBLP is searched by title, and a hit is the published version when `same_paper` holds: the
   normalised titles are equal or nearly so (a similarity ratio of at least 0.85), the first authors' last
   names are equal (accents and case folded), and the hit's year is the preprint's year or the next one.
   CoRR records (DBLP's copy of arXiv) are never a published version; among several hits a conference
   paper comes before a journal article, then the earlier year.

>>> # resolve(Lookup(Settings.from_env()), [parse_identifier("2211.17192")])[0].record.venue
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from survey_db.identifiers import Identifier, fold_ascii, normalize_title
from survey_db.records import Name, PaperRecord
from survey_db.sources.common import Found
from survey_db.sources.http import Fetcher, LookupError_, NotFound, service_name
from survey_db.sources.settings import Settings

if TYPE_CHECKING:
    from survey_db.sources.dblp import Hit

TITLE_RATIO = 0.85


@dataclass
class Looked:
    """The outcome for one identifier: a record, or the one-line reason there is none."""

    identifier: Identifier
    record: PaperRecord | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    upgraded_from: str | None = None  # "arXiv 2211.17192" when the record is the published version


# -- the matching rule ---------------------------------------------------------------------------------------


def last_name_key(name: Name | str) -> str:
    """A first author's last name for comparison: 'Bražinskas' and 'Brazinskas' agree."""
    if isinstance(name, str):
        from survey_db.names import parse_name

        name = parse_name(name)
    return normalize_title(fold_ascii(" ".join(p for p in (name.von, name.last) if p))).replace(" ", "")


def titles_match(a: str, b: str) -> bool:
    a, b = normalize_title(a), normalize_title(b)
    if not a or not b:
        return False
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= TITLE_RATIO


def same_paper(
    preprint_title: str, preprint_first_author: Name | str | None, preprint_year: int | None,
    title: str, first_author: Name | str | None, year: int | None,
) -> bool:  # fmt: skip
    """The rule: titles match, first authors' last names are equal, and the year is the same or one later."""
    if not titles_match(preprint_title, title):
        return False
    if preprint_first_author is None or first_author is None:
        return False
    if last_name_key(preprint_first_author) != last_name_key(first_author):
        return False
    if preprint_year is None or year is None:
        return False
    return year in (preprint_year, preprint_year + 1)


def pick_published(preprint: PaperRecord, hits: list[Hit]) -> Hit | None:
    """The DBLP hit that is the preprint's published version, or None (see the module's rule)."""
    from survey_db.sources import dblp

    first = preprint.authors[0] if preprint.authors else None
    matches = [
        hit
        for hit in hits
        if not hit.is_corr
        and hit.type != dblp.INFORMAL
        and same_paper(
            preprint.title, first, preprint.year, hit.title, hit.authors[0] if hit.authors else None, hit.year
        )
    ]
    if not matches:
        return None
    order = {dblp.CONFERENCE: 0, dblp.JOURNAL: 1}
    return min(matches, key=lambda hit: (order.get(hit.type, 2), hit.year or 0))


def as_published(preprint: PaperRecord, published: PaperRecord) -> PaperRecord:
    """The published record, keeping the preprint's arXiv id and what the published one lacks."""
    published.arxiv_id = preprint.arxiv_id
    published.abstract = published.abstract or preprint.abstract
    if not published.authors:
        published.authors = list(preprint.authors)
    published.extra.pop("primaryclass", None)
    return published


# -- fetching ----------------------------------------------------------------------------------------------


class Lookup:
    """Fetches records through one `Fetcher` (cache, rate limits). `progress(done_share)` is called as
    identifiers are done."""

    def __init__(self, settings: Settings, progress: Callable[[float], None] | None = None):
        self.settings = settings
        self.fetcher = Fetcher(settings)
        self.progress = progress or (lambda done: None)
        self.notices: list[str] = []  # said once the lookups are done (an old cached answer used, ...)

    def close(self) -> None:
        self.fetcher.close()

    def _cached_or_get(self, service: str, key: str, url: str, params=None, accept=None,
                       content_type: str = "") -> tuple[str, str] | None:  # fmt: skip
        """(body, content type) of a 200 answer, from the cache or the service; None on 404."""
        cached = self.fetcher.cached(service, key)
        if cached is not None:
            return cached.body, cached.content_type
        try:
            answer = self.fetcher.get(service, url, params, accept)
        except LookupError_ as exc:
            old = self.fetcher.stale(service, key)
            if old is None or self.settings.offline:
                raise
            # Revalidating an old answer failed: the old answer serves, and the user hears so.
            self.notices.append(
                f"{exc}; used the cached answer for {key} from {old.age() / 86400:.0f} days ago"
            )
            return old.body, old.content_type
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise LookupError_(
                f"{service_name(service)}: answered HTTP {answer.status} for {key}; try again later"
            )
        kind = answer.content_type or content_type
        return answer.body, kind

    # arXiv -------------------------------------------------------------------------------------------
    def arxiv(self, ids: list[str]) -> dict[str, Found | LookupError_]:
        from survey_db.sources import arxiv

        out: dict[str, Found | LookupError_] = {}
        missing = []
        for identifier in dict.fromkeys(ids):
            cached = self.fetcher.cached("arxiv", identifier)
            if cached is not None:
                out[identifier] = arxiv.read_entry(cached.body)
            else:
                missing.append(identifier)
        for start in range(0, len(missing), arxiv.BATCH):
            batch = missing[start : start + arxiv.BATCH]
            try:
                answer = self.fetcher.get(
                    "arxiv", self.settings.endpoints["arxiv"], arxiv.request_params(batch)
                )
            except LookupError_ as exc:
                old = {i: self.fetcher.stale("arxiv", i) for i in batch}
                if self.settings.offline or any(entry is None for entry in old.values()):
                    raise
                self.notices.append(f"{exc}; used the cached answers of {len(batch)} arXiv id(s)")
                out.update((i, arxiv.read_entry(entry.body)) for i, entry in old.items() if entry)
                continue
            # A malformed request gets an entry titled 'Error': with 400, and sometimes with 200.
            message = arxiv.error_message(answer.body) if answer.status in (200, 400) else None
            if answer.status == 400 or message:
                message = message or "malformed request"
                raise LookupError_(f"arXiv: {message}; check the ids {', '.join(batch)}")
            if answer.status != 200:
                raise LookupError_(f"arXiv: answered HTTP {answer.status}; try again later")
            entries = arxiv.split_feed(answer.body)
            for identifier in batch:
                if identifier in entries:
                    self.fetcher.remember("arxiv", identifier, entries[identifier], arxiv.CONTENT_TYPE)
                    out[identifier] = arxiv.read_entry(entries[identifier])
                else:
                    out[identifier] = NotFound(f"arXiv: no paper with id {identifier}; check the id")
        return out

    # DOIs --------------------------------------------------------------------------------------------
    def doi(self, doi: str) -> Found:
        from survey_db.sources import crossref
        from survey_db.sources import doi as doi_org

        api = self.settings.endpoints
        # A DOI that Crossref does not hold was answered by doi.org before: ask neither again.
        if self.fetcher.cached("crossref", doi) is None:
            earlier = self.fetcher.cached("doi", doi)
            if earlier is not None:
                return doi_org.read_answer(earlier.body, earlier.content_type)
        answer = self._cached_or_get("crossref", doi, crossref.work_url(api["crossref"], doi),
                                     crossref.request_params(self.settings.email))  # fmt: skip
        if answer is not None:
            found = crossref.read_work(answer[0])
            self.fetcher.remember("crossref", doi, answer[0], crossref.CONTENT_TYPE)
            return found
        answer = self._cached_or_get("doi", doi, doi_org.doi_url(api["doi"], doi), accept=doi_org.ACCEPT)
        if answer is None:
            raise NotFound(
                f"doi.org: DOI {doi} is not registered (Crossref and doi.org know it not); check it"
            )
        found = doi_org.read_answer(*answer)
        self.fetcher.remember("doi", doi, *answer)
        return found

    # DBLP --------------------------------------------------------------------------------------------
    def dblp_record(self, key: str, venue: str | None = None) -> Found:
        from survey_db.sources import dblp

        answer = self._cached_or_get("dblp", f"rec:{key}", dblp.rec_url(self.settings.endpoints["dblp"], key))
        if answer is None:
            raise NotFound(f"DBLP: no record {key}; check the key (as in https://dblp.org/rec/KEY)")
        found = dblp.read_record(answer[0], key, venue)
        self.fetcher.remember("dblp", f"rec:{key}", answer[0], "application/x-bibtex")
        return found

    def dblp_search(self, title: str) -> list[Hit]:
        from survey_db.sources import dblp

        query = " ".join(normalize_title(title).split()[:12])
        key = f"search:{query}"
        url = self.settings.endpoints["dblp"] + dblp.SEARCH_PATH
        answer = self._cached_or_get("dblp", key, url, dblp.search_params(query))
        if answer is None:
            return []
        hits = dblp.read_hits(answer[0])
        self.fetcher.remember("dblp", key, answer[0], dblp.CONTENT_TYPE)
        return hits

    # ACL Anthology -----------------------------------------------------------------------------------
    def acl(self, anthology_id: str) -> Found:
        from survey_db.sources import acl

        answer = self._cached_or_get(
            "acl", anthology_id, acl.bib_url(self.settings.endpoints["acl"], anthology_id)
        )
        if answer is None:
            raise NotFound(
                f"ACL Anthology: no paper {anthology_id}; check the id (as in aclanthology.org/ID)"
            )
        found = acl.read_record(answer[0], anthology_id)
        self.fetcher.remember("acl", anthology_id, answer[0], acl.CONTENT_TYPE)
        return found

    # the published version ---------------------------------------------------------------------------
    def published_version(self, found: Found) -> tuple[PaperRecord, list[str], bool]:
        """(record, notes, upgraded): the published version of a preprint, or the preprint itself."""
        preprint = found.record
        if found.published_doi:
            try:
                published = self.doi(found.published_doi)
            except LookupError_ as exc:
                return preprint, [f"{exc}; kept the preprint"], False
            if not published.preprint:
                return as_published(preprint, published.record), [], True
        try:
            hits = self.dblp_search(preprint.title)
        except LookupError_ as exc:
            return (
                preprint,
                [f"{exc}; kept the preprint (survey update finds the published version later)"],
                False,
            )
        hit = pick_published(preprint, hits)
        if hit is None:
            return preprint, [], False
        try:
            published = self.dblp_record(hit.key, hit.venue)
        except LookupError_ as exc:
            return preprint, [f"{exc}; kept the preprint"], False
        return as_published(preprint, published.record), [], True


def resolve(lookup: Lookup, identifiers: list[Identifier], *, upgrade: bool = True) -> list[Looked]:
    """Look up every identifier; failures are reported per identifier, never raised."""
    results = [Looked(identifier) for identifier in identifiers]
    arxiv_ids = [r.identifier.value for r in results if r.identifier.kind == "arxiv"]
    total = max(1, len(results))
    try:
        fetched_arxiv = lookup.arxiv(arxiv_ids) if arxiv_ids else {}
    except LookupError_ as exc:
        fetched_arxiv = {identifier: exc for identifier in arxiv_ids}
    for done, result in enumerate(results, start=1):
        kind, value = result.identifier.kind, result.identifier.value
        try:
            if kind == "arxiv":
                outcome = fetched_arxiv[value]
                if isinstance(outcome, LookupError_):
                    raise outcome
                found = outcome
            elif kind == "doi":
                found = lookup.doi(value)
            elif kind == "dblp":
                found = lookup.dblp_record(value)
            else:
                found = lookup.acl(value)
            record = found.record
            if upgrade and found.preprint and record.arxiv_id:
                record, notes, upgraded = lookup.published_version(found)
                result.notes.extend(notes)
                if upgraded:
                    result.upgraded_from = f"arXiv {found.record.arxiv_id}"
            result.record = record
        except LookupError_ as exc:
            result.error = str(exc)
        lookup.progress(done / total)
    return results


# -- filling imported records -------------------------------------------------------------------------------

FILLED_FIELDS = ("authors", "year", "venue", "venue_full", "pages", "doi", "arxiv_id", "abstract")


def needs_lookup(record: PaperRecord) -> bool:
    return not record.authors or record.year is None or not (record.venue or record.venue_full)


def identifier_for_import(record: PaperRecord) -> Identifier | None:
    from survey_db.identifiers import parse_identifier

    if record.doi:
        return parse_identifier(record.doi)
    if record.arxiv_id:
        return Identifier("arxiv", record.arxiv_id)
    return parse_identifier(record.url) if record.url else None


def fill_missing(lookup: Lookup, records: list[PaperRecord]) -> list[str]:
    """Fill the empty fields (authors, year, venue, ...) of records that lack some, from their identifiers.
    Values the file has are kept. Returns one line per record whose lookup failed or that has no
    identifier to look up; those records stay as read."""
    wanted = [(record, identifier_for_import(record)) for record in records if needs_lookup(record)]
    problems = [
        f"{record.title or record.key}: no DOI, arXiv id or identifier link to look up"
        for record, identifier in wanted
        if identifier is None
    ]
    todo = [(record, identifier) for record, identifier in wanted if identifier is not None]
    results = resolve(lookup, [identifier for _, identifier in todo], upgrade=False)
    for (record, _), result in zip(todo, results, strict=True):
        if result.error or result.record is None:
            problems.append(f"{record.title or record.key}: {result.error}")
            continue
        found = result.record
        for name in FILLED_FIELDS:
            if getattr(record, name) in (None, "", []) and getattr(found, name) not in (None, "", []):
                if name == "venue_full" and record.venue:
                    continue
                setattr(record, name, getattr(found, name))
        if record.entry_type is None and found.entry_type:
            record.entry_type = found.entry_type
        if not record.title:
            record.title = found.title
    return problems
