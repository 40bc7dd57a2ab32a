"""Keeping the data right: check, diff, merge and the keys group."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import survey_db.cli.completion as completion
from survey_db.cli.database import database_file, open_db
from survey_db.cli.group import SurveyGroup
from survey_db.cli.output import fail, note

CHECK_FORMATS = ("text", "json", "github")


def check(
    ctx: typer.Context,
    readme: Annotated[
        Path | None, typer.Argument(help="An awesome-list README to lint (default: the database).")
    ] = None,
    rule: Annotated[
        list[str] | None,
        typer.Option(
            "--rule",
            "-r",
            help="Only this rule, by the name findings carry (repeatable): missing-field, no-code, "
            "duplicate, ... for the database; toc-mismatch, badge-year, ... for a README.",
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, json or github (Actions annotations).")
    ] = "text",
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Exit 1 when a finding is at least: error, warning or info.")
    ] = "error",
    duplicates: Annotated[
        bool, typer.Option("--duplicates", help="Only likely duplicates: --rule duplicate.")
    ] = False,
) -> None:
    """Lint the database, or a README against it, and report findings with severities.

    Example: survey check README.md --format github --fail-on warning
    """
    from survey_db import render
    from survey_db.services.check import check_database, check_readme
    from survey_db.services.findings import SEVERITIES, at_least

    if fmt not in CHECK_FORMATS:
        fail(f"unknown format {fmt!r}; choose one of {', '.join(CHECK_FORMATS)}")
    if fail_on not in SEVERITIES:
        fail(f"unknown severity {fail_on!r}; choose one of {', '.join(SEVERITIES)}")
    rules = set(rule or []) | ({"duplicate"} if duplicates else set())
    database = open_db(ctx)
    with database.reading() as session:
        if readme is not None:
            from survey_db.services.io import read_text

            findings = check_readme(session, read_text(readme), readme.name, rules or None)
        else:
            findings = check_database(session, rules or None)
    if fmt == "json":
        render.print_json([f.as_dict() for f in findings])
    else:
        for finding in findings:
            where = f"{finding.file}:{finding.line}: " if finding.file else ""
            if fmt == "github":
                location = f" file={finding.file},line={finding.line}," if finding.file else " "
                level = {"info": "notice"}.get(finding.severity, finding.severity)
                typer.echo(f"::{level}{location}title={finding.rule}::{finding.message}")
            else:
                typer.echo(f"{where}{finding.severity}: {finding.rule}: {finding.message}")
        counts = {s: sum(f.severity == s for f in findings) for s in reversed(SEVERITIES)}
        note(", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items()))
    if any(at_least(f.severity, fail_on) for f in findings):
        raise typer.Exit(1)


def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The paper that stays.", autocompletion=completion.keys)],
    other: Annotated[
        str,
        typer.Argument(
            help="The paper merged into it; its key becomes an alias.", autocompletion=completion.keys
        ),
    ],
) -> None:
    """Merge two papers that are the same (a preprint and its published version), losing nothing.

    Example: survey merge leviathan2023fast leviathan2022fast
    """
    from survey_db.services.dedupe import merge_papers

    with open_db(ctx).session() as session:
        differences = merge_papers(session, keep, other)
    for difference in differences:
        note(f"kept in the note: {difference}")
    typer.echo(keep)


keys_app = typer.Typer(
    cls=SurveyGroup, help="Citation keys: regenerate them on request.", no_args_is_help=True
)


@keys_app.command("regenerate")
def keys_regenerate(
    ctx: typer.Context,
    keys: Annotated[
        list[str] | None,
        typer.Argument(help="Only these papers (default: all).", autocompletion=completion.keys),
    ] = None,
    pattern: Annotated[
        str,
        typer.Option("--pattern", help="Fields: {author} {authors} {year} {word} {title2} {title3} {venue}."),
    ] = "{author}{year}{word}",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the map; change nothing.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text (old -> new) or json.")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the map to this file, not stdout.")
    ] = None,
) -> None:
    """Give papers new keys from a pattern; prints the old -> new map. Old keys stay as aliases.

    Example: survey keys regenerate --pattern "{author}{year}{title2}" --format json -o keymap.json
    """
    import json

    from survey_db.atomic import atomic_write
    from survey_db.services.keys import regenerate_keys

    if fmt not in ("text", "json"):
        fail(f"unknown format {fmt!r}; choose text or json")
    with open_db(ctx).session() as session:
        changes = regenerate_keys(session, pattern, keys or None, dry_run=dry_run)
        if fmt == "json":
            text = json.dumps({old: new for old, new in changes}, indent=2, ensure_ascii=False) + "\n"
        else:
            text = "".join(f"{old} -> {new}\n" for old, new in changes)
        if output is not None and str(output) != "-":
            # Written before the new keys are committed: a map that cannot be written changes no key.
            atomic_write(output, text, protected=[database_file(ctx)])
    if output is None or str(output) == "-":
        typer.echo(text, nl=False)
    note(f"{len(changes)} keys {'would change' if dry_run else 'changed'}")


def diff(
    ctx: typer.Context,
    readme: Annotated[Path, typer.Argument(help="The awesome-list README to compare with the database.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Show what differs from the database to a README: papers added, removed, moved or changed.

    Read as diff reads `diff database README.md`: `+ added` papers are in the README only, `- removed`
    ones in the database only, and `a -> b` goes from the database's value to the README's.

    Example: survey diff README.md --format json
    """
    from dataclasses import asdict

    from survey_db import render
    from survey_db.services.diff import diff_readme
    from survey_db.services.io import read_text

    database = open_db(ctx)
    with database.reading() as session:
        differences = diff_readme(session, read_text(readme), readme.name)
    if fmt == "json":
        render.print_json([asdict(d) for d in differences])
        return
    marks = {"added": "+", "removed": "-", "moved": ">", "changed": "~"}
    if differences:  # as diff tools say which side is which
        typer.echo("--- database")
        typer.echo(f"+++ {readme}")
    for d in differences:
        where = f" [{'; '.join(d.sections)}]" if d.sections else ""
        key = f"{d.key}: " if d.key else ""
        typer.echo(f"{marks[d.kind]} {d.kind}: {key}{d.title}{where}")
        for detail in d.details:
            typer.echo(f"    {detail}")
    counts = {kind: sum(d.kind == kind for d in differences) for kind in marks}
    note(", ".join(f"{n} {kind}" for kind, n in counts.items()))
