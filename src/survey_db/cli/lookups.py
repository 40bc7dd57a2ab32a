"""Looking papers up online: the lookups behind `add IDENTIFIER...` and `import --lookup`, and `update`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from survey_db.cli.database import open_db
from survey_db.cli.output import fail, note, progress_bar

Offline = Annotated[
    bool,
    typer.Option("--offline", help="Answer from the cache only, never the network (or SURVEY_OFFLINE=1)."),
]


def lookup_settings(offline: bool, *, refresh: bool = False, max_age: float | None = None):
    from survey_db.sources.settings import Settings

    settings = Settings.from_env(offline=offline)
    settings.refresh, settings.max_age = refresh, max_age
    return settings


def parse_identifiers(texts: list[str]) -> list:  # list[Identifier]
    """Every text as an identifier, or a one-line error naming the first that is none."""
    from survey_db.identifiers import parse_identifier

    found = []
    for text in texts:
        identifier = parse_identifier(text)
        if identifier is None:
            fail(
                f"{text!r} is not an arXiv id or URL, a DOI or doi.org URL, a DBLP key or URL, "
                "or an ACL Anthology id or URL"
            )
        found.append(identifier)
    return found


def identifiers_in_file(source: str) -> list[str]:
    """The identifiers of a file ('-': stdin), one a line; blank lines and '#' comments are skipped."""
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    lines = [line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
             for line in text.splitlines()]  # fmt: skip
    return [line for line in lines if line]


def look_up(identifiers: list, settings, *, upgrade: bool = True, description: str = "looking up") -> list:
    """`services.lookup.resolve` with a progress bar on a terminal."""
    from survey_db.services.lookup import Lookup, resolve

    with progress_bar(description) as progress:
        lookup = Lookup(settings, progress)
        try:
            results = resolve(lookup, identifiers, upgrade=upgrade)
        finally:
            lookup.close()
    for line in dict.fromkeys(lookup.notices):
        note(f"warning: {line}")
    return results


def update(
    ctx: typer.Context,
    keys: Annotated[list[str] | None, typer.Argument(help="Citation keys of the papers to update.")] = None,
    all_papers: Annotated[bool, typer.Option("--all", help="Update every paper with an identifier.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the changes; write nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    overwrite: Annotated[
        list[str] | None,
        typer.Option("--overwrite", help="Replace this protected (hand-typed) field too (repeatable)."),
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch again even when the cache has a recent answer.")
    ] = False,
    offline: Offline = False,
) -> None:
    """Fetch papers again and show what changed, per paper and field; preprints become their published
    versions. Fields typed by hand are kept (shown with '='). Applies on --yes or after a question.

    Example: survey update leviathan2022fast --dry-run
    """
    from survey_db.services.store import PROTECTABLE
    from survey_db.services.update import (
        PaperUpdate,
        apply_update,
        identifier_of,
        papers_to_update,
        plan_update,
    )
    from survey_db.sources.settings import WEEK

    if bool(keys) == all_papers:
        fail("give citation keys or --all (not both)")
    unknown = sorted(set(overwrite or []) - set(PROTECTABLE))
    if unknown:
        fail(f"--overwrite {unknown[0]!r} is not a field; choose from {', '.join(PROTECTABLE)}")
    database = open_db(ctx)
    with database.reading() as session:
        stored = papers_to_update(session, None if all_papers else keys or [])
    plans = [PaperUpdate(record.key or "", identifier_of(record)) for record in stored]
    for plan in plans:
        if plan.identifier is None:
            plan.notes.append("no DOI, arXiv id or identifier link to look up; skipped")
    todo = [(plan, record) for plan, record in zip(plans, stored, strict=True) if plan.identifier]
    settings = lookup_settings(offline, refresh=refresh, max_age=WEEK)
    looked = look_up([plan.identifier for plan, _ in todo], settings, description="updating")
    for (plan, record), result in zip(todo, looked, strict=True):
        if result.error:
            plan.error = result.error
            continue
        plan.notes.extend(result.notes)
        plan.upgraded_from = result.upgraded_from
        plan.changes = plan_update(record, result.record, set(overwrite or []))

    for plan in plans:
        if not plan.changes and not plan.error and not (len(plans) == 1 or plan.notes):
            continue
        header = plan.key
        if plan.upgraded_from:
            header += f": published version of {plan.upgraded_from}"
        typer.echo(header)
        for change in plan.changes:
            typer.echo(change.line())
        if plan.error:
            typer.echo(f"  ! lookup failed: {plan.error}")
        for line in plan.notes:
            typer.echo(f"  ! {line}")
        if not plan.changes and not plan.error and not plan.notes:
            typer.echo("  (up to date)")
    changing = [plan for plan in plans if plan.applied]
    kept = sum(len(plan.changes) - len(plan.applied) for plan in plans)
    failed = [plan for plan in plans if plan.error]
    summary = f"{len(changing)} paper(s) to update ({sum(len(p.applied) for p in changing)} fields)"
    summary += f", {kept} protected field(s) kept, {len(failed)} lookup(s) failed"
    if dry_run or not changing:
        note(("dry run, nothing written: " if dry_run else "nothing to write: ") + summary)
        raise typer.Exit(1 if failed else 0)
    if not yes:
        if not sys.stdin.isatty():
            fail(f"{summary}; refusing to write without --yes (no terminal to ask on)")
        typer.confirm(f"{summary}. Apply?", abort=True, err=True)

    def work(session) -> list[str]:
        problems = []
        for plan in changing:
            from survey_db.errors import SurveyError

            try:
                with session.begin_nested():
                    apply_update(session, plan)
            except SurveyError as exc:
                problems.append(f"{plan.key}: not updated: {exc}")
        return problems

    for problem in database.transaction(work):
        note(f"warning: {problem}")
    note(f"updated: {summary}")
    if failed:
        raise typer.Exit(1)
