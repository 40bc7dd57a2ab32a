"""Files in and out: init, seed, import, export, dump."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from survey_db.cli.database import database_file, open_db
from survey_db.cli.options import (
    AuthorOpt,
    HasCode,
    SectionOpt,
    Sort,
    Text,
    Topics,
    Venue,
    Year,
    filters,
    sort_order,
)
from survey_db.cli.output import fail, note, progress_bar


def init(
    ctx: typer.Context,
    empty: Annotated[
        bool, typer.Option("--empty", help="Create an empty database for a survey of your own.")
    ] = False,
    title: Annotated[
        str | None, typer.Option("--title", help="The survey's title (the H1 of its Markdown export).")
    ] = None,
) -> None:
    """Create a database: seeded with the shipped survey, or empty.

    Example: survey --db my-survey.db init --empty --title "Small Models in the LLM Era"
    """
    from survey_db.db import current_revision, make_engine, resolve_url, sqlite_path

    url = resolve_url(ctx.find_root().obj.get("db"))
    path = sqlite_path(url)
    if path is not None and path.exists() and path.stat().st_size > 0:
        fail(f"{path} already exists")
    if path is None:
        # Look without creating: open_db below creates, migrates and seeds in one go.
        engine = make_engine(url)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
        if revision is not None:
            fail(f"{url.split('@')[-1]} already holds a survey database")
    if title is not None and not title.strip():
        fail("--title cannot be empty")
    database = open_db(ctx, seed=not empty)
    if title is not None:
        from survey_db.services.meta import set_field

        with database.session() as session:
            set_field(session, "title", title)


def seed(
    ctx: typer.Context,
    directory: Annotated[
        Path | None, typer.Argument(help="Seed folder (default: the shipped survey).")
    ] = None,
) -> None:
    """Load seed files (papers.bib, taxonomy.toml) into the database; seeding twice changes nothing.

    Example: survey seed seeds/
    """
    from survey_db.paths import seeds_dir
    from survey_db.services.seeds import seed as load_seeds

    database = open_db(ctx, seed=False)
    with database.session() as session:
        report = load_seeds(session, directory or seeds_dir())
    note(f"seeded: {report.summary()}")


def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="A .bib, .md (awesome-list README), .csv, .tsv or CSL .json file; or several .bib files, "
            "read together in order (sharing @string macros and crossref targets)."
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="bibtex, markdown, csv, tsv or csl-json (default: from the extension)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace stored values that differ.")
    ] = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Read the files in this encoding, e.g. latin-1.")
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Import the .bib entries that can be stored; list the rest."),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Print every warning (else 10 of each kind).")
    ] = False,
    lookup: Annotated[
        bool,
        typer.Option(
            "--lookup", help="Fill missing authors, years and venues online from DOIs and arXiv ids."
        ),
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="With --lookup: the cache only (or SURVEY_OFFLINE=1).")
    ] = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="README: print each item per section, as a paper or skipped and why."),
    ] = False,
) -> None:
    """Import papers; a paper already present is filled in, not added twice. All or nothing.

    Example: survey import README.md --dry-run --explain

    Example: survey import abbrev.bib journals.bib articles.bib --skip-invalid

    Example: survey import awesome-list.md --lookup
    """
    from survey_db.services.bibstream import BibBatches
    from survey_db.services.formats import check_readable, detect_format

    chosen = [detect_format(file, fmt) for file in files]
    if explain and set(chosen) != {"markdown"}:
        raise typer.BadParameter("it reads awesome-list READMEs (markdown) only", param_hint="--explain")
    for file in files:
        check_readable(file)
    if len(files) > 1 and set(chosen) != {"bibtex"}:
        fail("several files are read together only when all are .bib files; import the others one by one")
    if len(files) > 1 and lookup:
        fail("--lookup reads one file; import several .bib files first, then `survey update`")
    name = files[0].name if len(files) == 1 else f"{files[0].name} and {len(files) - 1} more"
    lookup_problems: list[str] = []
    if lookup:
        import copy

        from survey_db.cli.lookups import lookup_settings
        from survey_db.services.io import import_parsed, parse_file
        from survey_db.services.lookup import Lookup, fill_missing

        filled = parse_file(files[0], chosen[0], encoding=encoding, skip_invalid=skip_invalid)
        if explain:
            for line in filled.explanation:
                typer.echo(line)
        with progress_bar(f"looking up {name}") as progress:
            finder = Lookup(lookup_settings(offline), progress)
            try:
                lookup_problems = fill_missing(finder, filled.records)
            finally:
                finder.close()
        for line in dict.fromkeys(finder.notices):
            note(f"warning: {line}")
        readers = []

        def todo(session, progress):
            return import_parsed(session, copy.deepcopy(filled), overwrite=overwrite, progress=progress)

    elif chosen[0] == "bibtex":
        # .bib files are read in batches, by a second process when they are large: started here, before
        # the database layer loads and the database opens, it parses while this process does both, then
        # writes.
        readers = [BibBatches(files, encoding=encoding)]
        size = sum(file.stat().st_size for file in files)
        from survey_db.services.io import import_bibtex

        def todo(session, progress):
            # A retry (after a concurrent writer got in the way) reads the files again.
            reader = readers.pop() if readers else BibBatches(files, encoding=encoding, parallel=False)
            return import_bibtex(
                session,
                reader,
                name,
                overwrite=overwrite,
                skip_invalid=skip_invalid,
                progress=progress,
                expected=size // 1000,  # a .bib entry with an abstract is about 1 KB
            )

    else:
        from survey_db.services.io import import_parsed, parse_file

        file = files[0]
        parsed = [parse_file(file, chosen[0], encoding=encoding, skip_invalid=skip_invalid)]
        readers = []
        if explain:
            for line in parsed[0].explanation:
                typer.echo(line)

        def todo(session, progress):
            # A retry (after a concurrent writer got in the way) starts again from the file: records
            # change as they are written (keys, identifiers).
            if parsed:
                again = parsed.pop()
            else:
                again = parse_file(file, chosen[0], encoding=encoding, skip_invalid=skip_invalid)
            return import_parsed(session, again, overwrite=overwrite, progress=progress)

    class DryRun(Exception):
        pass

    reports = []
    try:
        database = open_db(ctx)
        with progress_bar(f"importing {name}") as progress:

            def work(session) -> None:
                reports.append(todo(session, progress))
                if dry_run:
                    raise DryRun

            with contextlib.suppress(DryRun):
                database.transaction(work)
    finally:
        for reader in readers:
            reader.close()
    report = reports[-1]
    for line in report.invalid:
        note(f"skipped invalid: {line}")
    _print_warnings(report.kinded_warnings(), verbose)
    for line in report.notices:
        note(line)
    for line in report.conflicts:
        note(f"conflict: {line}")
    for line in lookup_problems:
        note(f"lookup failed: {line} (imported as read)")
    for reason, count in report.not_papers.items():
        note(f"not a paper: {count} item(s): {reason}")
    prefix = "dry run, nothing written: " if dry_run else ""
    typer.echo(f"{prefix}{name}: {report.summary()}")


# Warnings of one kind printed before the rest are only counted (all of them with --verbose).
WARNINGS_SHOWN = 10


def _print_warnings(warnings: list[tuple[str, str]], verbose: bool) -> None:
    shown: dict[str, int] = {}
    for kind, message in warnings:
        shown[kind] = shown.get(kind, 0) + 1
        if verbose or shown[kind] <= WARNINGS_SHOWN:
            note(f"warning: {message}")
    for kind, count in shown.items():
        if not verbose and count > WARNINGS_SHOWN:
            note(f"warning: {count - WARNINGS_SHOWN} more of kind '{kind}' not shown (--verbose shows them)")


def export(
    ctx: typer.Context,
    text: Text = None,
    bibtex: Annotated[bool, typer.Option("--bibtex", help="BibTeX (the default).")] = False,
    biblatex: Annotated[
        bool, typer.Option("--biblatex", help="BibLaTeX (date, journaltitle, eprinttype).")
    ] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="An awesome-list README.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="A JSON list of papers.")] = False,
    csl_json: Annotated[bool, typer.Option("--csl-json", help="CSL-JSON for pandoc and Zotero.")] = False,
    csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row.")] = False,
    taxonomy: Annotated[
        str | None,
        typer.Option(
            "--taxonomy",
            metavar="FORMAT",
            help="The taxonomy as a figure: forest (LaTeX), mermaid, dot (Graphviz) or svg (drawn by dot).",
        ),
    ] = None,
    site: Annotated[
        Path | None,
        typer.Option("--site", metavar="DIR", help="A static website of the survey in DIR (works offline)."),
    ] = None,
    depth: Annotated[
        int | None, typer.Option("--depth", help="--taxonomy: levels of sections to draw (deeper fold in).")
    ] = None,
    max_per_leaf: Annotated[
        int | None, typer.Option("--max-per-leaf", help="--taxonomy: at most N papers per leaf.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    style: Annotated[
        str | None, typer.Option("--style", help="Markdown: html (default), table or list.")
    ] = None,
    toc_depth: Annotated[
        int | None,
        typer.Option(
            "--toc-depth", min=1, help="Markdown: contents depth (default 2, what awesome-lint takes)."
        ),
    ] = None,
    unicode: Annotated[
        bool, typer.Option("--unicode", help="BibTeX: keep UTF-8, not LaTeX accents.")
    ] = False,
    aux: Annotated[
        Path | None,
        typer.Option("--aux", help="BibTeX: the papers a LaTeX .aux file cites, under the keys it cites."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="With --aux: fail when a cited key is not in the database.")
    ] = False,
    into: Annotated[
        Path | None,
        typer.Option(
            "--into",
            help="Markdown: regenerate only the marked region of this README, in place, with the style and "
            "contents depth its begin marker records.",
        ),
    ] = None,
    check_only: Annotated[
        bool, typer.Option("--check", help="With --into: write nothing; exit 1 if the README is out of date.")
    ] = False,
    with_taxonomy: Annotated[
        bool,
        typer.Option(
            "--with-taxonomy", help="Markdown: the taxonomy as a Mermaid figure before the contents."
        ),
    ] = False,
    charts: Annotated[
        Path | None,
        typer.Option(
            "--charts", metavar="DIR", help="Markdown: write the charts (SVG) into DIR and show them."
        ),
    ] = None,
    topic: Topics = None,
    section: SectionOpt = None,
    venue: Venue = None,
    year: Year = None,
    author: AuthorOpt = None,
    has_code: HasCode = None,
    sort: Sort = None,
) -> None:
    """Export papers, all or those matching the filters of `query`.

    Example: survey export --bibtex --topic "Speculative Decoding" -o spec.bib
    """
    from survey_db.atomic import atomic_write, is_stream_target, write_text
    from survey_db.services import export as exporting
    from survey_db.services.selection import iter_selected

    chosen = [
        name
        for name, on in (
            ("bibtex", bibtex),
            ("biblatex", biblatex),
            ("markdown", markdown),
            ("json", json_),
            ("csl-json", csl_json),
            ("csv", csv),
        )
        if on
    ]
    if taxonomy is not None:
        chosen.append("taxonomy")
    if site is not None:
        chosen.append("site")
    if len(chosen) > 1:
        fail(f"choose one format, not {' and '.join('--' + c for c in chosen)}")
    if (depth is not None or max_per_leaf is not None) and taxonomy is None:
        fail("--depth and --max-per-leaf go with --taxonomy")
    if site is not None:
        if output is not None or any(v for v in (text, topic, section, venue, year, author, has_code)):
            fail("--site exports the whole survey; its page has the filters (no -o or filters)")
        _export_site(ctx, site)
        return
    if taxonomy is not None:
        # --section picks the subtree to draw; the other filters pick the papers in its leaves.
        selection = filters(text, topic, None, venue, year, author, has_code)
        _export_taxonomy(ctx, taxonomy, output, selection, section, depth=depth, max_per_leaf=max_per_leaf)
        return
    fmt = chosen[0] if chosen else "bibtex"
    if style is not None and style not in ("html", "table", "list"):
        fail(f"unknown style {style!r}; choose html, table or list")
    for given, option in ((style, "--style"), (toc_depth, "--toc-depth")):
        if given is not None and fmt != "markdown":
            fail(f"{option} goes with --markdown")
    if (into or check_only) and fmt != "markdown":
        fail("--into and --check go with --markdown")
    if check_only and into is None:
        fail("--check needs --into README.md")
    if strict and aux is None:
        fail("--strict goes with --aux")
    if (with_taxonomy or charts is not None) and fmt != "markdown":
        fail("--with-taxonomy and --charts go with --markdown")
    selection = filters(text, topic, section, venue, year, author, has_code)
    from survey_db.atomic import refuse_protected

    for target in (into, output):
        if target is not None and str(target) != "-":
            refuse_protected(target.absolute(), [database_file(ctx)])
    database = open_db(ctx)
    with database.reading() as session:
        citations = None
        if aux is not None:
            citations = _citations(session, aux, strict=strict)
            if not citations.everything:
                selection.keys = list(citations.stored.values())
        before = None
        result: str | Iterable[str]  # JSON comes in pieces, never all joined
        if with_taxonomy or charts is not None:
            readme = (
                into if into is not None else output if output is not None and str(output) != "-" else None
            )
            before = _readme_figures(
                ctx, session, selection, with_taxonomy, charts, readme, write=not check_only
            )
        if into is not None:
            from survey_db.services.io import read_text

            current = read_text(into)
            result = exporting.into_readme(
                session, current, selection, style=style, toc_depth=toc_depth, before=before
            )
        elif fmt == "markdown":
            result = exporting.to_markdown(
                session, selection, style=style or "html", toc_depth=toc_depth, before=before
            )
        elif fmt in ("bibtex", "biblatex"):
            from survey_db.services.query import find_ids

            ids, _ = find_ids(session, selection, sort=sort_order(sort, text))
            if citations is not None and citations.renames():
                result = exporting.cited_bibtex(session, ids, citations, style=fmt, unicode=unicode)
            else:
                with progress_bar("exporting") as progress:
                    result = exporting.bibtex_export(
                        session, ids, style=fmt, unicode=unicode, progress=progress
                    )
        else:
            with_sections = fmt in ("json", "csv")
            found, total = iter_selected(
                session, selection, sort=sort_order(sort, text), sections=with_sections
            )
            with progress_bar("exporting") as progress:
                papers = _counted(found, total, progress)  # read from the database as they are written
                records = (p.record for p in papers)
                result = {
                    "json": lambda: list(exporting.json_chunks(papers)),  # pieces, never all joined
                    "csl-json": lambda: exporting.to_csl_json(list(records)),
                    "csv": lambda: exporting.to_csv(list(papers)),
                }[fmt]()
    if into is not None:
        if result == current:
            note(f"{into} is up to date")
        elif check_only:
            fail(f"{into} is out of date; run 'survey export --markdown --into {into}'")
        else:
            atomic_write(into, result, protected=[database_file(ctx)])
            note(f"updated {into}")
    elif output is None or str(output) == "-":
        write_text(sys.stdout, result)
    else:
        atomic_write(output, result, protected=[database_file(ctx)])
        if not is_stream_target(output):
            note(f"wrote {output}")


def _readme_figures(
    ctx, session, selection, with_taxonomy: bool, charts: Path | None, readme, *, write: bool
) -> str:
    """Markdown for the top of a README's generated region: the taxonomy as a Mermaid block, and the
    charts, written as SVG files into `charts` (unless not `write`: --check) and linked relative to the
    README's folder."""
    import os

    blocks = []
    if with_taxonomy:
        from dataclasses import replace

        from survey_db.outputs import mermaid
        from survey_db.services.figures import taxonomy_tree

        tree = taxonomy_tree(session, replace(selection, section=None), section=selection.section)
        blocks.append("```mermaid\n" + mermaid.to_mermaid(tree) + "```")
    if charts is not None:
        from survey_db.atomic import replace_files
        from survey_db.outputs.charts import PLOTS, TITLES, draw_chart
        from survey_db.services.io import get_meta
        from survey_db.services.selection import dbapi_connection
        from survey_db.services.statistics import chart_rows, survey_stats

        if charts.exists() and not charts.is_dir():
            fail(f"{charts} is not a folder")
        stats = survey_stats(dbapi_connection(session))
        title = get_meta(session).get("title")
        drawn = {charts / f"{kind}.svg": draw_chart(kind, chart_rows(stats, kind), "svg", survey_title=title)
                 for kind in PLOTS}  # fmt: skip
        if write:
            charts.mkdir(parents=True, exist_ok=True)
            replace_files(
                {path: svg.decode("utf-8") for path, svg in drawn.items()}, protected=[database_file(ctx)]
            )
            note(f"wrote {len(drawn)} charts into {charts}")
        else:
            stale = [p.name for p, svg in drawn.items() if not p.is_file() or p.read_bytes() != svg]
            if stale:
                fail(f"charts in {charts} are out of date ({', '.join(stale)}); run without --check")
        base = Path(readme).absolute().parent if readme is not None else Path.cwd()
        links = []
        for kind, path in zip(PLOTS, drawn, strict=True):
            relative = Path(os.path.relpath(path.absolute(), base)).as_posix()
            links.append(f"![{TITLES[kind]}]({relative.replace(' ', '%20')})")
        blocks.append("\n".join(links))
    return "\n\n".join(blocks)


TAXONOMY_FORMATS = ("forest", "mermaid", "dot", "svg")


def _export_taxonomy(ctx, fmt, output, selection, section, *, depth, max_per_leaf) -> None:
    """`export --taxonomy`: the section tree (or --section's subtree) with the matching papers in leaves."""
    from survey_db.outputs import dot, forest, mermaid
    from survey_db.services.figures import taxonomy_tree

    if fmt not in TAXONOMY_FORMATS:
        fail(f"unknown taxonomy format {fmt!r}; choose one of {', '.join(TAXONOMY_FORMATS)}")
    database = open_db(ctx)
    with database.reading() as session:
        tree = taxonomy_tree(session, selection, section=section, depth=depth, max_per_leaf=max_per_leaf)
    if fmt == "forest":
        result = forest.to_forest(tree)
    elif fmt == "mermaid":
        result = mermaid.to_mermaid(tree)
    else:
        result = dot.to_dot(tree)
        if fmt == "svg":
            result = dot.to_svg(result)
    write_output(ctx, output, result)


def _export_site(ctx, directory: Path) -> None:
    """`export --site DIR`: index.html, data.js, app.js, style.css and taxonomy.svg (with Graphviz)."""
    import shutil

    from survey_db.outputs import dot, website
    from survey_db.services.figures import taxonomy_tree
    from survey_db.services.site import site_data
    from survey_db.services.statistics import chart_rows

    if directory.exists() and not directory.is_dir():
        fail(f"{directory} is not a folder")
    database = open_db(ctx)
    with database.reading() as session:
        data, stats = site_data(session)
        tree = taxonomy_tree(session, max_per_leaf=12)
    figure = None
    if shutil.which("dot") is None:
        note("Graphviz's dot is not installed (Debian: graphviz): the site has no taxonomy figure")
    else:
        figure = dot.to_svg(dot.to_dot(tree))
    charts = [
        {"title": "Papers per year", "rows": chart_rows(stats, "years")},
        {"title": "Papers per section", "rows": chart_rows(stats, "sections")},
        {"title": "Papers per venue", "rows": chart_rows(stats, "venues")},
        {"title": "Papers per topic", "rows": chart_rows(stats, "topics")},
        {"title": "Authors with the most papers", "rows": chart_rows(stats, "authors")},
    ]
    files = website.site_files(data, charts, figure)
    from survey_db.atomic import replace_files

    directory.mkdir(parents=True, exist_ok=True)
    # All files are renamed into place at the end: a failure part way leaves the old site whole.
    replace_files({directory / name: text for name, text in files.items()}, protected=[database_file(ctx)])
    note(f"wrote the site of {len(data['papers'])} papers to {directory}/ (open {directory / 'index.html'})")


def write_output(ctx, output: Path | None, result: str | bytes) -> None:
    """The text on stdout, or atomically into the file `output` with a note on stderr."""
    from survey_db.atomic import atomic_write, is_stream_target, write_text

    if output is None or str(output) == "-":
        write_text(sys.stdout.buffer if isinstance(result, bytes) else sys.stdout, result)
        return
    atomic_write(output, result, protected=[database_file(ctx)])
    if not is_stream_target(output):
        note(f"wrote {output}")


def _counted(items: Iterable, total: int, progress: Callable[[float], None]) -> Iterator:
    """The items, reporting the share done to `progress` every few hundred."""
    for done, item in enumerate(items, start=1):
        if done % 500 == 0:
            progress(done / max(total, 1))
        yield item


def _citations(session, aux: Path, *, strict: bool):
    """The papers a LaTeX .aux file cites (by their keys or old keys), with a warning for each cited key
    that is not in the database, as bibtex gives (an error with `strict`)."""
    from survey_db import bibtex
    from survey_db.services.export import resolve_citations
    from survey_db.services.io import read_text

    citations = resolve_citations(session, bibtex.parse_aux(read_text(aux)))
    if citations.missing and strict:
        fail(f"{aux.name} cites keys that are not in the database: {', '.join(citations.missing)}")
    for key in citations.missing:
        note(f"warning: {aux.name} cites {key!r}, which is not in the database; its entry is left out")
    for names in citations.twice():
        note(
            f"warning: {aux.name} cites one paper as {' and '.join(names)}; it is written under each key, "
            "so the bibliography lists it twice"
        )
    return citations


def dump(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="Folder to write papers.bib and taxonomy.toml into.")
    ] = Path("seeds"),
) -> None:
    """Write the database as seed files, deterministically, for review in git.

    Example: survey dump seeds/
    """
    from survey_db.services.seeds import dump as write_seeds

    database = open_db(ctx)
    with database.reading() as session:
        written = write_seeds(session, directory, protected=[database_file(ctx)])
    for link in written.replaced_links:
        note(f"{link} was a symlink; replaced it with a regular file (dump never writes through a link)")
    for path in written.paths:
        typer.echo(str(path))
