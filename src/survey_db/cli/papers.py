"""Commands on single papers: add, show, edit, rm, mv."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

import survey_db.cli.completion as completion
from survey_db.cli.database import open_db
from survey_db.cli.options import parse_year
from survey_db.cli.output import fail, note

Title = Annotated[str | None, typer.Option("--title", help="The paper's title.")]
Authors = Annotated[
    list[str] | None,
    typer.Option(
        "--author",
        "-a",
        help="An author, 'First Last' or 'Last, First' (repeatable, in order; 'A and B' is two).",
    ),
]
YearOpt = Annotated[str | None, typer.Option("--year", "-y", help="Year of publication.")]
VenueOpt = Annotated[
    str | None,
    typer.Option("--venue", help="Short venue name: NeurIPS, ACL, arXiv.", autocompletion=completion.venues),
]
VenueFull = Annotated[
    str | None, typer.Option("--venue-full", help="Full venue name for BibTeX's booktitle/journal.")
]
TopicsOpt = Annotated[
    list[str] | None,
    typer.Option("--topic", "-t", help="A topic (repeatable).", autocompletion=completion.topics),
]
NewTopic = Annotated[
    bool,
    typer.Option(
        "--new-topic", help="Create a topic even when its name is close to a stored one (not a misspelling)."
    ),
]
Url = Annotated[str | None, typer.Option("--url", help="Link to the paper (http or https).")]
Code = Annotated[str | None, typer.Option("--code", help="Link to the code (http or https).")]
Arxiv = Annotated[str | None, typer.Option("--arxiv", help="arXiv id or arxiv.org URL, e.g. 2211.17192.")]
Doi = Annotated[
    str | None, typer.Option("--doi", help="DOI or doi.org URL, e.g. 10.18653/v1/2023.acl-long.792.")
]
Pages = Annotated[str | None, typer.Option("--pages", help="Pages, e.g. 19274--19286.")]
Abstract = Annotated[str | None, typer.Option("--abstract", help="The abstract.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A free note.")]
EntryType = Annotated[str | None, typer.Option("--type", help="BibTeX entry type (default: from the venue).")]


def _record_from_options(
    title,
    authors,
    year,
    venue,
    venue_full,
    topics,
    url,
    code,
    arxiv,
    doi,
    pages,
    abstract,
    note_text,
    entry_type,
    key,
):
    from survey_db.identifiers import arxiv_id_from_url, derived_link, doi_from_url, typed_arxiv, typed_doi
    from survey_db.records import PaperRecord

    arxiv = typed_arxiv(arxiv) if arxiv else None
    doi = typed_doi(doi) if doi else None
    if url:
        # A paper link that names the paper fills its identifiers: --url https://arxiv.org/abs/2401.10774.
        arxiv = arxiv or arxiv_id_from_url(url)
        doi = doi or doi_from_url(url)
    return PaperRecord(
        title=title or "",
        key=key,
        entry_type=entry_type.lower() if entry_type else None,
        authors=author_names(authors),
        year=parse_year(year),
        venue=venue,
        venue_full=venue_full,
        url=url or derived_link(arxiv, doi),
        code_url=code,
        arxiv_id=arxiv,
        doi=doi,
        pages=pages,
        abstract=abstract,
        note=note_text,
        topics=list(topics or []),
    )


# The options that set one paper's own fields: with several identifiers they would apply to each.
_ONE_PAPER_FIELDS = ("title", "authors", "year", "url", "code_url", "arxiv_id", "doi", "pages", "abstract")


def author_names(values: list[str] | None):
    """The people of repeated --author options; one value may list several joined by ' and ', as in BibTeX.

    A comma list ('Alice Smith, Bob Jones') is one person to BibTeX ('Last, First'): kept so, with a warning.
    """
    import re

    from survey_db.names import looks_like_several_people, split_authors

    names = []
    for value in values or []:
        if any(looks_like_several_people(part) for part in re.split(r"\s+and\s+", value, flags=re.I)):
            note(
                f"warning: --author {value!r} reads as one person, 'Last, First' as in BibTeX; for several "
                "people repeat --author or join them with ' and '"
            )
        names.extend(split_authors(value))
    return names


def add(
    ctx: typer.Context,
    identifiers: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="IDENTIFIER",
            help="Look these up and add them: arXiv ids or URLs, DOIs, DBLP keys or ACL Anthology ids.",
            show_default=False,
        ),
    ] = None,
    title: Title = None,
    author: Authors = None,
    year: YearOpt = None,
    venue: VenueOpt = None,
    venue_full: VenueFull = None,
    topic: TopicsOpt = None,
    section: Annotated[
        str | None,
        typer.Option(
            "--section", "-s", help="Place it at the end of this section.", autocompletion=completion.sections
        ),
    ] = None,
    url: Url = None,
    code: Code = None,
    arxiv: Arxiv = None,
    doi: Doi = None,
    pages: Pages = None,
    abstract: Abstract = None,
    note_text: NoteOpt = None,
    entry_type: EntryType = None,
    key: Annotated[
        str | None, typer.Option("--key", help="Citation key (default: author + year + title word).")
    ] = None,
    bibtex: Annotated[
        str | None, typer.Option("--bibtex", help="Add the entries of a .bib file ('-': stdin).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Add even when the same title is present (a DOI or arXiv id never repeats)."
        ),
    ] = False,
    from_file: Annotated[
        str | None,
        typer.Option("--from", help="Look up the identifiers in this file, one a line ('-': stdin)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the BibTeX that would be added; write nothing.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Look up in the cache only (or SURVEY_OFFLINE=1).")
    ] = False,
    new_topic: NewTopic = False,
) -> None:
    """Add a paper by identifier (looked up online) or from options; prints each citation key.

    Options given by hand win over looked-up values and are never overwritten by `survey update`.

    Example: survey add 2211.17192 10.18653/v1/2022.acl-long.245 --topic "Speculative Decoding"

    Example: survey add --title "Fast Inference from Transformers via Speculative Decoding"
    --author "Yaniv Leviathan" --year 2023 --venue ICML --topic "Speculative Decoding"
    --section "Speculative Decoding" --arxiv 2211.17192
    """
    from survey_db.services.papers import add_paper, find_paper
    from survey_db.services.taxonomy import place, resolve_section, topics_to_use

    given = {
        "title": title, "authors": author, "year": year, "venue": venue, "venue_full": venue_full,
        "url": url, "code_url": code, "arxiv_id": arxiv, "doi": doi, "pages": pages, "abstract": abstract,
        "note": note_text, "entry_type": entry_type,
    }  # fmt: skip
    typed = sorted(name for name, value in given.items() if value is not None)
    wanted = list(identifiers or [])
    if from_file is not None:
        from survey_db.cli.lookups import identifiers_in_file

        wanted += identifiers_in_file(from_file)
        if not wanted:
            fail(f"{from_file}: no identifiers in it")
    identifier = doi or arxiv
    if not wanted and bibtex is None and not title and identifier:
        wanted = [identifier]  # `add --arxiv ID` alone: look it up
    options = _record_from_options(
        title, author, year, venue, venue_full, topic, url, code, arxiv, doi, pages, abstract, note_text,
        entry_type, key,
    )  # fmt: skip
    options.protected = typed
    upgrades: list[str] = []
    if wanted:
        if bibtex is not None:
            fail("give identifiers or --bibtex, not both")
        if len(wanted) > 1 and (key or set(typed) & set(_ONE_PAPER_FIELDS)):
            fail(f"--{(set(typed) & set(_ONE_PAPER_FIELDS) or {'key'}).pop().replace('_id', '')} "
                 "sets one paper's field: give one identifier with it")  # fmt: skip
        records, upgrades = _looked_up(wanted, options, offline)
    elif bibtex is not None:
        records = _read_bibtex_option(bibtex)
    else:
        if not title:
            fail("give --title, identifiers to look up, or --bibtex FILE")
        records = [options]
    database = open_db(ctx)

    def work(session) -> tuple[list[str], list[str]]:
        # Run again from the start when a concurrent writer got in the way: work on copies of the records.
        import copy

        keys, warnings = [], []
        target = resolve_section(session, section).section if section else None
        # The topics typed with --topic, as stored (a misspelling refused): they join each record's own.
        given_topics = topics_to_use(session, topic or [], allow_new=new_topic)
        for record in copy.deepcopy(records):
            own = [name for name in record.topics if name not in (topic or [])]
            record.topics = list(dict.fromkeys([*own, *given_topics]))
            outcome = add_paper(session, record, force=force)
            warnings.extend(outcome.warnings)
            if target is not None:
                place(session, find_paper(session, outcome.key), target)
            keys.append(outcome.key)
        if dry_run:
            from survey_db.services.export import to_bibtex
            from survey_db.services.papers import paper_to_record

            text = to_bibtex([paper_to_record(find_paper(session, k)) for k in keys], unicode=True)
            raise _DryRun(text, warnings)
        return keys, warnings

    try:
        keys, warnings = database.transaction(work)
    except _DryRun as dry:
        for warning in [*upgrades, *dry.warnings]:
            note(warning)
        typer.echo(dry.text, nl=False)
        note("dry run, nothing written")
        return
    for warning in [*upgrades, *warnings]:
        note(warning)
    for added_key in keys:
        typer.echo(added_key)


class _DryRun(Exception):
    """Raised inside the transaction of `add --dry-run` to roll it back, carrying what it would add."""

    def __init__(self, text: str, warnings: list[str]):
        super().__init__("dry run")
        self.text, self.warnings = text, warnings


def _looked_up(wanted: list[str], options, offline: bool):
    """(records, notices) for the identifiers; the options typed by hand replace looked-up values.
    Any failed lookup is the error (nothing is added)."""
    from survey_db.cli.lookups import look_up, lookup_settings, parse_identifiers

    identifiers = parse_identifiers(wanted)
    results = look_up(identifiers, lookup_settings(offline))
    failed = [r for r in results if r.error]
    if failed:
        more = f" (and {len(failed) - 1} more failed lookups)" if len(failed) > 1 else ""
        fail(f"{failed[0].error}{more}; nothing added")
    records, notices = [], []
    for result in results:
        record = result.record
        for name in options.protected:
            setattr(record, name, getattr(options, name))
        if "url" not in options.protected and ("arxiv_id" in options.protected or "doi" in options.protected):
            from survey_db.identifiers import derived_link

            record.url = derived_link(record.arxiv_id, record.doi) or record.url
        record.protected = list(options.protected)
        record.key = options.key
        record.topics = list(dict.fromkeys([*record.topics, *options.topics]))
        record.source = str(result.identifier)
        records.append(record)
        if result.upgraded_from:
            notices.append(f"{result.identifier}: the published version of {result.upgraded_from}")
        notices.extend(f"{result.identifier}: {line}" for line in result.notes)
    return records, notices


def _read_bibtex_option(source: str):
    from survey_db import bibtex
    from survey_db.errors import InputError

    if source == "-":
        text, name = sys.stdin.read(), "<stdin>"
    else:
        text, name = bibtex.read_bib_file(Path(source)), source
    parsed = bibtex.parse_bibtex(text, source=name)
    if parsed.errors:
        raise InputError(str(parsed.errors[0]))
    if not parsed.records:
        raise InputError(f"{name}: no BibTeX entries found")
    return parsed.records


def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citation key or old key.", autocompletion=completion.keys)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or bibtex.")] = "table",
) -> None:
    """Show one paper.

    Example: survey show leviathan2023fast --format bibtex
    """
    from survey_db import render
    from survey_db.cli.reading import plain_connection
    from survey_db.services.paper_text import paper_json, to_bibtex

    if fmt not in ("table", "json", "bibtex"):
        fail(f"unknown format {fmt!r}; choose table, json or bibtex")
    connection = plain_connection(ctx)
    if connection is not None:  # a SQLite file at the current schema: plain sqlite3, no SQLAlchemy
        from survey_db.services.fast_reads import paper_by_key

        try:
            exported, aliases = paper_by_key(connection, key)
        finally:
            connection.close()
    else:
        from survey_db.services.papers import find_paper, paper_to_record
        from survey_db.services.reading import ExportedPaper
        from survey_db.services.taxonomy import section_tree

        database = open_db(ctx)
        with database.reading() as session:
            paper = find_paper(session, key)
            paths = {node.section.id: node.path for node in section_tree(session)}
            sections = [paths[p.section_id] for p in paper.placements]
            exported = ExportedPaper(paper_to_record(paper), sections)
            aliases = sorted(a.alias for a in paper.aliases)
    if fmt == "json":
        render.print_json({**paper_json(exported), "aliases": aliases})
    elif fmt == "bibtex":
        typer.echo(to_bibtex([exported.record]), nl=False)
    else:
        render.paper_detail(None, exported, aliases)  # rich only on a terminal


def edit(
    ctx: typer.Context,
    key: Annotated[
        str, typer.Argument(help="Citation key of the paper to change.", autocompletion=completion.keys)
    ],
    title: Title = None,
    author: Authors = None,
    year: YearOpt = None,
    venue: VenueOpt = None,
    venue_full: VenueFull = None,
    topic: Annotated[
        list[str] | None,
        typer.Option(
            "--topic", "-t", help="Replace the topics (repeatable).", autocompletion=completion.topics
        ),
    ] = None,
    add_topic: Annotated[
        list[str] | None,
        typer.Option("--add-topic", help="Add a topic (repeatable).", autocompletion=completion.topics),
    ] = None,
    remove_topic: Annotated[
        list[str] | None,
        typer.Option("--remove-topic", help="Remove a topic.", autocompletion=completion.topics),
    ] = None,
    url: Url = None,
    code: Code = None,
    arxiv: Arxiv = None,
    doi: Doi = None,
    pages: Pages = None,
    abstract: Abstract = None,
    note_text: NoteOpt = None,
    entry_type: EntryType = None,
    new_key: Annotated[
        str | None, typer.Option("--key", help="A new citation key; the old one stays an alias.")
    ] = None,
    new_topic: NewTopic = False,
) -> None:
    """Change a paper's fields; with no option, edit it as BibTeX in $EDITOR.

    Example: survey edit leviathan2023fast --code https://github.com/example/specdec --add-topic "Decoding"
    """
    from survey_db.services.papers import edit_paper

    given = {
        "title": title,
        "authors": author,
        "year": year,
        "venue": venue,
        "venue_full": venue_full,
        "topics": topic,
        "url": url,
        "code_url": code,
        "arxiv_id": arxiv,
        "doi": doi,
        "pages": pages,
        "abstract": abstract,
        "note": note_text,
        "entry_type": entry_type,
    }
    changes: dict[str, object] = {name: value for name, value in given.items() if value is not None}
    database = open_db(ctx)
    if not changes and not add_topic and not remove_topic and not new_key:
        _edit_in_editor(database, key)
        return
    if "authors" in changes:
        changes["authors"] = author_names(author)
    if "year" in changes:
        changes["year"] = parse_year(year)
    from survey_db.identifiers import typed_arxiv, typed_doi

    if arxiv:
        changes["arxiv_id"] = typed_arxiv(arxiv)
    if doi:
        changes["doi"] = typed_doi(doi)
    if entry_type is not None:
        changes["entry_type"] = entry_type.lower()
    with database.session() as session:
        from survey_db.services.taxonomy import topics_to_use

        if "topics" in changes:
            changes["topics"] = topics_to_use(session, topic or [], allow_new=new_topic)
        if add_topic:
            add_topic = topics_to_use(session, add_topic, allow_new=new_topic)
        outcome = edit_paper(session, key, changes, add_topics=add_topic, remove_topics=remove_topic)
        if new_key:
            from survey_db.services.keys import rename_key

            rename_key(session, outcome.key, new_key)
            outcome.key = new_key
    for warning in outcome.warnings:
        note(warning)
    typer.echo(outcome.key)


def edit_text(text: str, suffix: str) -> str:
    """Open text in $VISUAL or $EDITOR (default vi) and return what was saved."""
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"entry{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            code = subprocess.call([*shlex.split(editor), str(path)])
        except OSError as exc:
            fail(f"cannot run editor {editor!r}: {exc.strerror}")
        if code != 0:
            fail(f"editor {editor!r} exited with code {code}; nothing changed")
        return path.read_text(encoding="utf-8")


def _edit_in_editor(database, key: str) -> None:
    import dataclasses

    from survey_db import bibtex
    from survey_db.errors import InputError
    from survey_db.services.export import to_bibtex
    from survey_db.services.keys import rename_key
    from survey_db.services.papers import edit_paper, find_paper, paper_to_record

    with database.reading() as session:
        stored = find_paper(session, key)
        original, original_key = paper_to_record(stored), stored.key
    before = to_bibtex([original], unicode=True)
    after = edit_text(before, suffix=".bib")
    if after == before:
        note("no change")
        return
    parsed = bibtex.parse_bibtex(after, source="<editor>")
    if parsed.errors or len(parsed.records) != 1:
        raise InputError(
            str(parsed.errors[0]) if parsed.errors else "the edited text must hold exactly one entry"
        )
    edited = parsed.records[0]
    fields = [
        f.name for f in dataclasses.fields(edited) if f.name not in ("key", "raw", "source", "protected")
    ]
    changes = {
        name: getattr(edited, name) for name in fields if getattr(edited, name) != getattr(original, name)
    }
    with database.session() as session:
        outcome = edit_paper(session, original_key, changes)
        if edited.key and edited.key != original_key:
            rename_key(session, original_key, edited.key)
            outcome.key = edited.key
    typer.echo(outcome.key)


def rm(
    ctx: typer.Context,
    key: Annotated[
        str, typer.Argument(help="Citation key of the paper to delete.", autocompletion=completion.keys)
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a paper (asks first on a terminal).

    Example: survey rm leviathan2023fast --yes
    """
    from survey_db.services.papers import find_paper, remove_paper

    database = open_db(ctx)
    with database.session() as session:
        paper = find_paper(session, key)
        if not yes:
            if not sys.stdin.isatty():
                fail(f"refusing to delete {paper.key} without --yes (no terminal to ask on)")
            typer.confirm(f"Delete {paper.key}: {paper.title}?", abort=True, err=True)
        removed = remove_paper(session, key)
    note(f"deleted {removed}")


def mv(
    ctx: typer.Context,
    key: Annotated[
        str, typer.Argument(help="Citation key of the paper to place.", autocompletion=completion.keys)
    ],
    section: Annotated[
        str,
        typer.Option(
            "--section", "-s", help="The section to place it in.", autocompletion=completion.sections
        ),
    ],
    from_section: Annotated[
        str | None,
        typer.Option("--from", help="Take it out of this section.", autocompletion=completion.sections),
    ] = None,
    position: Annotated[
        int | None, typer.Option("--position", "-p", min=1, help="1-based row (default: last).")
    ] = None,
) -> None:
    """Place a paper in a section, move it from another, or reorder it.

    Example: survey mv leviathan2023fast --section "Speculative Decoding" --position 1
    """
    import shlex

    from survey_db.services.papers import find_paper
    from survey_db.services.taxonomy import place, resolve_section, section_tree, unplace

    database = open_db(ctx)
    with database.session() as session:
        paper = find_paper(session, key)
        target = resolve_section(session, section)
        if from_section:
            source = resolve_section(session, from_section)
            if source.section.id not in {p.section_id for p in paper.placements}:
                fail(f"{paper.key} is not in section {' > '.join(source.path)!r}")
            if source.section.id != target.section.id:
                unplace(session, paper, source.section)
            others = []
        else:
            others = [p.section_id for p in paper.placements if p.section_id != target.section.id]
        already_there = any(p.section_id == target.section.id for p in paper.placements)
        place(session, paper, target.section, position)
        if others:
            paths = {node.section.id: node.path for node in section_tree(session)}
            other_paths = [" > ".join(paths[sid]) for sid in others]
    where = " > ".join(target.path)
    if not others or already_there:
        note(f"{paper.key} placed in {where}")
        return
    # A second placement is what `mv` without --from does; say so, and how a move is written.
    note(
        f"{paper.key} also placed in {where}; it stays in {', '.join(other_paths)} "
        f"(to move it: survey mv {paper.key} --section {shlex.quote(where)} --from "
        f"{shlex.quote(other_paths[0])})"
    )
