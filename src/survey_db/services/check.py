"""`survey check`: lint rules over the database or over an awesome-list README, with severities.

Each rule yields Findings; the command prints them and fails when one is at or above --fail-on.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_db.errors import InputError
from survey_db.models import Paper, PaperAuthor, Placement, Venue
from survey_db.services.dedupe import find_duplicates
from survey_db.services.findings import SEVERITIES, Finding
from survey_db.services.taxonomy import section_tree

CODE_HOSTS = (
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "huggingface.co",
    "sr.ht",
    "gitee.com",
)


def check_database(session: Session, rules: set[str] | None = None) -> list[Finding]:
    """All database rules (or only those named, the names findings carry), findings ordered by severity
    then key.

    >>> # check_database(session, {"no-code"}) -> [Finding("info", "no-code", "... has no code link"), ...]
    """
    if rules is not None:
        unknown_rules(rules, DATABASE_RULES)
    findings: list[Finding] = []
    for names, check in DATABASE_CHECKS:
        if rules is None or rules.intersection(names):
            findings.extend(f for f in check(session) if rules is None or f.rule in rules)
    findings.sort(key=lambda f: (-SEVERITIES.index(f.severity), f.rule, f.key or "", f.message))
    return findings


def unknown_rules(rules: set[str], known: tuple[str, ...]) -> None:
    """An InputError naming the rules that are not among `known`, and listing those."""
    unknown = sorted(rules - set(known))
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise InputError(f"unknown rule {names}; the rules are: {', '.join(known)}")


def _missing_fields(session: Session) -> list[Finding]:
    with_authors = set(session.scalars(select(PaperAuthor.paper_id).distinct()))
    findings = []
    rows = session.execute(select(Paper.id, Paper.key, Paper.year, Paper.venue_id, Paper.url))
    for pid, key, year, venue_id, url in rows:
        for missing, label in (
            (pid not in with_authors, "authors"),
            (year is None, "year"),
            (venue_id is None, "venue"),
            (not url, "paper link"),
        ):
            if missing:
                findings.append(Finding("error", "missing-field", f"{key} has no {label}", key))
    return findings + _empty_container(session)


# Entry types whose BibTeX needs the venue's full name, and the field it goes in.
CONTAINER_FIELDS = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle",
                    "conference": "booktitle"}  # fmt: skip


def _empty_container(session: Session) -> list[Finding]:
    """Papers whose export would have an empty booktitle or journal, which bibtex warns about.

    An arXiv paper with no venue at all is exempt: the export writes it as @misc with its eprint.
    """
    rows = session.execute(
        select(Paper.key, Paper.entry_type, Paper.arxiv_id, Paper.venue_id, Venue.full_name)
        .outerjoin(Venue, Venue.id == Paper.venue_id)
        .where(Paper.entry_type.in_(list(CONTAINER_FIELDS)))
    )
    findings = []
    for key, entry_type, arxiv, venue_id, full in rows:
        if full or (arxiv and venue_id is None):
            continue
        field = CONTAINER_FIELDS[entry_type]
        findings.append(
            Finding(
                "warning",
                "missing-field",
                f"{key} is @{entry_type} with an empty {field} (bibtex warns): give it with "
                f"`survey edit {key} --venue-full NAME`",
                key,
            )
        )
    return findings


def _links(session: Session) -> list[Finding]:
    findings = []
    for key, url, code in session.execute(select(Paper.key, Paper.url, Paper.code_url)):
        for label, link in (("paper link", url), ("code link", code)):
            if link and not link.lower().startswith("https://"):
                findings.append(
                    Finding("warning", "insecure-link", f"{key}: {label} {link} is not https", key)
                )
        if code:
            host = (urlparse(code).hostname or "").removeprefix("www.")
            if (
                not any(host == h or host.endswith("." + h) for h in CODE_HOSTS)
                or len(urlparse(code).path.strip("/").split("/")) < 2
            ):
                findings.append(
                    Finding(
                        "warning",
                        "code-not-repository",
                        f"{key}: code link {code} is not a repository URL",
                        key,
                    )
                )
    return findings


def _placement(session: Session) -> list[Finding]:
    placed = set(session.scalars(select(Placement.paper_id).distinct()))
    findings = [
        Finding("info", "unplaced", f"{key} is in no section", key)
        for pid, key in session.execute(select(Paper.id, Paper.key))
        if pid not in placed
    ]
    sections_with_papers = set(session.scalars(select(Placement.section_id).distinct()))
    for node in section_tree(session):
        if node.section.id not in sections_with_papers and not node.children:
            findings.append(
                Finding("info", "empty-section", f"section {' > '.join(node.path)!r} has no papers")
            )
    for key, code in session.execute(select(Paper.key, Paper.code_url)):
        if not code:
            findings.append(Finding("info", "no-code", f"{key} has no code link", key))
    return findings


# Each check of the database and the rules it reports: the names its findings carry, which --rule takes.
DATABASE_CHECKS: tuple[tuple[tuple[str, ...], Callable[[Session], list[Finding]]], ...] = (
    (("missing-field",), _missing_fields),
    (("insecure-link", "code-not-repository"), _links),
    (("unplaced", "empty-section", "no-code"), _placement),
    (("duplicate", "foreign-link"), find_duplicates),
)
DATABASE_RULES = tuple(name for names, _ in DATABASE_CHECKS for name in names)


def _line_of(source: str | None) -> int | None:
    tail = (source or "").rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def readme_rules() -> tuple[str, ...]:
    """The rules of `check README.md`: the README linter's, then rows that disagree with the database."""
    from survey_db.markdown import LINT_RULES

    return (*LINT_RULES, "badge-year", "arxiv-id")


def check_readme(session: Session, text: str, source: str, rules: set[str] | None = None) -> list[Finding]:
    """The README's own problems, and rows whose badge year or arXiv id disagree with the database (all
    rules, or only those named)."""
    import dataclasses

    from survey_db import markdown
    from survey_db.services.store import Store

    if rules is not None:
        unknown_rules(rules, readme_rules())
    findings = [
        Finding(p.severity, p.rule, p.message, file=source, line=p.line)
        for p in markdown.lint_readme(text, source)
    ]
    store = Store(session)
    for section in markdown.parse_readme(text, source).sections:
        for row in section.rows:
            pid, _ = store.match(dataclasses.replace(row))
            if pid is None:
                continue
            paper = session.get_one(Paper, pid)
            line = _line_of(row.source)
            if row.year and paper.year and row.year != paper.year:
                findings.append(
                    Finding(
                        "warning",
                        "badge-year",
                        f"{row.title!r}: the badge says {row.year}, the database {paper.year} ({paper.key})",
                        paper.key,
                        source,
                        line,
                    )
                )
            if row.arxiv_id and paper.arxiv_id and row.arxiv_id != paper.arxiv_id:
                findings.append(
                    Finding(
                        "warning",
                        "arxiv-id",
                        f"{row.title!r} links arXiv {row.arxiv_id}, "
                        f"the database has {paper.arxiv_id} ({paper.key})",
                        paper.key,
                        source,
                        line,
                    )
                )
    if rules is not None:
        findings = [f for f in findings if f.rule in rules]
    findings.sort(key=lambda f: (f.line or 0, -SEVERITIES.index(f.severity), f.rule))
    return findings
