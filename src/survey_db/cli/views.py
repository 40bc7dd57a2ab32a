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
    from survey_db.services.selection import selected_papers

    if fmt not in QUERY_FORMATS:
        fail(f"unknown format {fmt!r}; choose one of {', '.join(QUERY_FORMATS)}")
    chosen = filters(text, topic, section, venue, year, author, has_code)
    if limit is None:  # a table for people is cut at 50 rows; a pipe gets every row
        limit = DEFAULT_TABLE_ROWS if fmt == "table" and render.for_a_terminal() else 0
    database = open_db(ctx)
    with database.reading() as session:
        papers, total = selected_papers(session, chosen, sort=sort_order(sort, text), limit=limit or None)
    if fmt == "table":
        render.papers_table(None, papers, total)  # rich only on a terminal
    elif fmt == "keys":
        for paper in papers:
            typer.echo(paper.record.key)
    else:
        from survey_db.services import export  # which loads the ORM models: not for a table

        if fmt == "json":
            typer.echo(export.to_json(papers), nl=False)
        elif fmt == "csv":
            typer.echo(export.to_csv(papers), nl=False)
        else:
            typer.echo(export.to_bibtex([p.record for p in papers]), nl=False)


def topics(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List topics with their number of papers.

    Example: survey topics --format json
    """
    from survey_db import render
    from survey_db.services.taxonomy import topic_counts

    database = open_db(ctx)
    with database.reading() as session:
        rows = [(topic.name, count) for topic, count in topic_counts(session)]
    if fmt == "json":
        render.print_json([{"topic": name, "papers": count} for name, count in rows])
    else:
        render.counts_table(render.console(), "Topics", rows, "Topic")


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
    from sqlalchemy import select

    from survey_db import render
    from survey_db.models import Placement
    from survey_db.services.io import get_meta
    from survey_db.services.taxonomy import section_tree, subtree_ids

    database = open_db(ctx)
    with database.reading() as session:
        nodes = section_tree(session)
        placed = session.execute(select(Placement.section_id, Placement.paper_id)).all()
        title = get_meta(session).get("title", "Sections")
    by_section: dict[int, set[int]] = {}
    for section_id, paper_id in placed:
        by_section.setdefault(section_id, set()).add(paper_id)
    rows = []
    for node in nodes:
        subtree = set().union(*(by_section.get(i, set()) for i in subtree_ids(node)))
        rows.append((node.path, node.section.slug, len(by_section.get(node.section.id, ())), len(subtree)))
    if fmt == "json":
        render.print_json(
            [
                {"path": p, "slug": s, "papers": own, "papers_with_subsections": total}
                for p, s, own, total in rows
            ]
        )
    else:
        render.section_tree(render.console(), title, rows)


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
    from sqlalchemy import func, select

    from survey_db import render
    from survey_db.models import Author, Paper, Section, Topic, Venue
    from survey_db.services.selection import dbapi_connection
    from survey_db.services.statistics import chart_rows, survey_stats

    if plot is not None:
        if plot not in PLOTS:
            fail(f"unknown chart {plot!r}; choose one of {', '.join(PLOTS)}")
        if output is None:
            fail("--plot needs -o FILE.svg or FILE.png")
    elif output is not None:
        fail("-o goes with --plot")
    if plot is not None:
        from survey_db.outputs.charts import chart_format

        chart_format(output)  # a wrong extension fails before the database is opened
    database = open_db(ctx)
    with database.reading() as session:
        counts = {
            "papers": session.scalar(select(func.count(Paper.id))),
            "authors": session.scalar(select(func.count(Author.id))),
            "venues": session.scalar(select(func.count(func.distinct(Venue.short_name)))),
            "topics": session.scalar(select(func.count(Topic.id))),
            "sections": session.scalar(select(func.count(Section.id))),
            "with code": session.scalar(select(func.count(Paper.id)).where(Paper.code_url.is_not(None))),
        }
        years = session.execute(
            select(Paper.year, func.count(Paper.id)).group_by(Paper.year).order_by(Paper.year)
        ).all()
        detail = survey_stats(dbapi_connection(session))
        from survey_db.services.io import get_meta

        title = get_meta(session).get("title")
    if plot is not None:
        from survey_db.cli.files import write_output
        from survey_db.outputs.charts import draw_chart

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
    out = render.console()
    rows = [(name, count) for name, count in counts.items()] + [(f"year {y or '?'}", n) for y, n in years]
    render.counts_table(out, "Survey", rows, "What", "Count")
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
