"""Finding and organising: query, topics, sections, stats, and the topic and section groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import survey_db.cli.completion as completion
from survey_db.cli.database import open_db
from survey_db.cli.group import SurveyGroup
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
from survey_db.cli.output import fail, note

QUERY_FORMATS = ("table", "json", "csv", "keys", "bibtex")
DEFAULT_TABLE_ROWS = 50


def query(
    ctx: typer.Context,
    text: Text = None,
    topic: Topics = None,
    section: SectionOpt = None,
    venue: Venue = None,
    year: Year = None,
    author: AuthorOpt = None,
    has_code: HasCode = None,
    sort: Sort = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=0,
            help="At most N papers; 0 means all (default: 50 in a table on a terminal, all otherwise).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, csv, keys or bibtex.")] = "table",
) -> None:
    """Find papers.

    Example: survey query --topic "Speculative Decoding" --year 2023.. --has-code
    """
    from survey_db import render
    from survey_db.cli.reading import plain_connection

    if fmt not in QUERY_FORMATS:
        fail(f"unknown format {fmt!r}; choose one of {', '.join(QUERY_FORMATS)}")
    chosen = filters(text, topic, section, venue, year, author, has_code)
    if limit is None:  # a table for people is cut at 50 rows; a pipe gets every row
        limit = DEFAULT_TABLE_ROWS if fmt == "table" and render.for_a_terminal() else 0
    order = sort_order(sort, text)
    connection = plain_connection(ctx)
    if connection is not None:  # a SQLite file at the current schema: plain sqlite3, no SQLAlchemy
        from survey_db.services import fast_reads

        try:
            if fmt == "keys":  # only the keys are read
                keys, total = fast_reads.selected_keys(connection, chosen, sort=order, limit=limit or None)
            else:  # a table shows no sections: they are read for json and csv only
                papers, total = fast_reads.selected_papers(
                    connection, chosen, sort=order, limit=limit or None, sections=fmt in ("json", "csv")
                )
        finally:
            connection.close()
    else:
        from survey_db.services.selection import selected_papers

        database = open_db(ctx)
        with database.reading() as session:
            papers, total = selected_papers(session, chosen, sort=order, limit=limit or None)
        keys = [paper.record.key or "" for paper in papers]
    if fmt == "table":
        render.papers_table(None, papers, total)  # rich only on a terminal
    elif fmt == "keys":
        typer.echo("".join(key + "\n" for key in keys), nl=False)
    else:
        from survey_db.services import paper_text

        if fmt == "json":
            typer.echo(paper_text.to_json(papers), nl=False)
        elif fmt == "csv":
            typer.echo(paper_text.to_csv(papers), nl=False)
        else:
            typer.echo(paper_text.to_bibtex([p.record for p in papers]), nl=False)


def topics(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List topics with their number of papers.

    Example: survey topics --format json
    """
    from survey_db import render
    from survey_db.cli.reading import dbapi_reading
    from survey_db.services.statistics import topic_counts

    with dbapi_reading(ctx) as connection:
        rows = topic_counts(connection)
    if fmt == "json":
        render.print_json([{"topic": name, "papers": count} for name, count in rows])
    else:
        render.counts_table(None, "Topics", rows, "Topic")  # rich only on a terminal


topic_app = typer.Typer(cls=SurveyGroup, help="Rename or merge topics.", no_args_is_help=True)


@topic_app.command("rename")
def topic_rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The topic to rename.", autocompletion=completion.topics)],
    new: Annotated[str, typer.Argument(help="Its new name.")],
) -> None:
    """Rename a topic.

    Example: survey topic rename "Data Selection" "Data Filtering"
    """
    from survey_db.services.taxonomy import rename_topic

    with open_db(ctx).session() as session:
        topic = rename_topic(session, old, new)
    note(f"topic renamed to {topic.name!r}")


@topic_app.command("merge")
def topic_merge(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(help="The topic that disappears.", autocompletion=completion.topics)
    ],
    target: Annotated[
        str, typer.Argument(help="The topic its papers move to.", autocompletion=completion.topics)
    ],
) -> None:
    """Merge one topic into another.

    Example: survey topic merge "Data Reweighting" "Data Selection"
    """
    from survey_db.services.taxonomy import merge_topics

    with open_db(ctx).session() as session:
        moved = merge_topics(session, source, target)
    note(f"merged {source!r} into {target!r} ({moved} papers moved)")


def sections(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="tree or json.")] = "tree",
) -> None:
    """Show the section tree with paper counts (own / with subsections).

    Example: survey sections
    """
    from survey_db import render
    from survey_db.cli.reading import dbapi_reading
    from survey_db.services.statistics import section_counts, survey_title

    with dbapi_reading(ctx) as connection:
        counts = section_counts(connection)
        title = survey_title(connection)
    rows = [(count.path, count.slug, count.own, count.total) for count in counts]
    if fmt == "json":
        render.print_json(
            [
                {"path": p, "slug": s, "papers": own, "papers_with_subsections": total}
                for p, s, own, total in rows
            ]
        )
    else:
        render.section_tree(None, "Sections" if title is None else title, rows)


section_app = typer.Typer(cls=SurveyGroup, help="Add, rename, move or remove sections.", no_args_is_help=True)


@section_app.command("add")
def section_add(
    ctx: typer.Context,
    path: Annotated[
        str, typer.Argument(help="'Parent > New' (the parent must exist) or 'New' for a top section.")
    ],
    position: Annotated[
        int | None, typer.Option("--position", "-p", min=1, help="1-based among siblings.")
    ] = None,
) -> None:
    """Add a section.

    Example: survey section add "Collaboration > SMs Enhance LLMs > Agents" --position 2
    """
    from survey_db.services.taxonomy import add_section

    with open_db(ctx).session() as session:
        section = add_section(session, path, position=position)
    note(f"added section {section.title!r} (#{section.slug})")


@section_app.command("rename")
def section_rename(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="Section title, slug or path.", autocompletion=completion.sections)
    ],
    title: Annotated[str, typer.Argument(help="The new title.")],
) -> None:
    """Rename a section (its slug stays, so links keep working).

    Example: survey section rename "Evaluating LLMs" "Evaluating Large Models"
    """
    from survey_db.services.taxonomy import rename_section

    with open_db(ctx).session() as session:
        section = rename_section(session, name, title)
    note(f"renamed to {section.title!r}")


@section_app.command("mv")
def section_mv(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="Section title, slug or path.", autocompletion=completion.sections)
    ],
    parent: Annotated[
        str | None,
        typer.Option(
            "--parent", help="New parent section (omit: keep the parent).", autocompletion=completion.sections
        ),
    ] = None,
    root: Annotated[bool, typer.Option("--root", help="Make it a top-level section.")] = False,
    position: Annotated[
        int | None, typer.Option("--position", "-p", min=1, help="1-based among siblings.")
    ] = None,
) -> None:
    """Move a section under another parent or to another position.

    Example: survey section mv "Speculative Decoding" --position 1
    """
    from survey_db.services.taxonomy import move_section, resolve_section

    with open_db(ctx).session() as session:
        if parent is None and not root:
            node = resolve_section(session, name)
            parent_path = " > ".join(node.path[:-1]) or None
        else:
            parent_path = None if root else parent
        section = move_section(session, name, parent_path, position)
    note(f"moved {section.title!r}")


@section_app.command("rm")
def section_rm(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="Section title, slug or path.", autocompletion=completion.sections)
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Remove even if it holds papers or subsections.")
    ] = False,
) -> None:
    """Remove a section (papers stay in the database).

    Example: survey section rm "Task-specific Environment"
    """
    from survey_db.services.taxonomy import remove_section

    with open_db(ctx).session() as session:
        removed = remove_section(session, name, force=force)
    note(f"removed section {name!r} ({removed} placements)")


PLOTS = ("years", "sections", "venues", "topics", "authors")


def stats(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    plot: Annotated[
        str | None,
        typer.Option("--plot", help="Draw a chart: years, sections, venues, topics or authors (needs -o)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="--plot: the chart file, .svg or .png.")
    ] = None,
) -> None:
    """Count papers, authors, venues, topics and sections, with bars per year, section, venue and topic
    and the authors with the most papers; --plot draws one of them as a chart file.

    Example: survey stats --plot years -o years.svg
    """
    from survey_db import render
    from survey_db.cli.reading import dbapi_reading
    from survey_db.services.statistics import (
        chart_rows,
        papers_per_year,
        survey_stats,
        survey_title,
        totals,
    )

    if plot is not None:
        if plot not in PLOTS:
            fail(f"unknown chart {plot!r}; choose one of {', '.join(PLOTS)}")
        if output is None:
            fail("--plot needs -o FILE.svg or FILE.png")
    elif output is not None:
        fail("-o goes with --plot")
    if plot is not None:
        from survey_db.outputs.charts import chart_format

        assert output is not None  # refused above
        chart_format(output)  # a wrong extension fails before the database is opened
    with dbapi_reading(ctx) as connection:
        counts = totals(connection)
        years = papers_per_year(connection)
        detail = survey_stats(connection)
        title = survey_title(connection)
    if plot is not None:
        from survey_db.cli.files import write_output
        from survey_db.outputs.charts import draw_chart

        assert output is not None  # refused above
        chart = draw_chart(plot, chart_rows(detail, plot), chart_format(output), survey_title=title)
        write_output(ctx, output, chart)
        return
    if fmt == "json":
        render.print_json(
            {
                **counts,
                "by_year": {str(y): n for y, n in years},
                "by_section": [
                    {
                        "section": s.title,
                        "depth": s.depth,
                        "papers": s.own,
                        "papers_with_subsections": s.total,
                    }
                    for s in detail.sections
                ],
                "by_venue": dict(detail.venues),
                "by_topic": dict(detail.topics),
                "top_authors": [{"author": name, "papers": n} for name, n in detail.authors],
            }
        )
        return
    rows = [(name, count) for name, count in counts.items()] + [(f"year {y or '?'}", n) for y, n in years]
    render.counts_table(None, "Survey", rows, "What", "Count")  # rich only on a terminal
    from survey_db.outputs.bars import bar_chart

    charts = [
        bar_chart("Papers per year", detail.years),
        bar_chart(
            "Papers per section (with subsections)",
            [("  " * s.depth + s.title, s.total) for s in detail.sections],
        ),
        bar_chart("Papers per venue", detail.venues),
        bar_chart("Papers per topic", detail.topics),
        bar_chart(f"Authors with the most papers (top {len(detail.authors)})", detail.authors),
    ]
    for lines in charts:
        typer.echo("")
        typer.echo("\n".join(lines))
