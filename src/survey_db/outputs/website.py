"""The survey as a static website: index.html rendered with Jinja2, the data in classic scripts
(data.js, and search.js with the search texts and BibTeX; Chromium runs classic scripts from file://, where
it blocks fetch and module scripts), the script and style sheet, and the taxonomy figure. Everything is in
the folder: no CDN, it works offline and on GitHub Pages."""

from __future__ import annotations

import json
from importlib import resources

ASSETS = ("app.js", "style.css")
CHART_ROWS = 12


def site_files(data: dict, charts: list[dict], taxonomy_svg: str | None) -> dict[str, str]:
    """File name -> text of every file of the site.

    `charts` are {"title", "rows": [(label, count)]} shown as bar charts in the page; `taxonomy_svg` is the
    figure drawn by Graphviz (None: the page has the taxonomy navigation only).
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    papers = data["papers"]
    environment = Environment(
        loader=PackageLoader("survey_db.outputs", "site"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    files = {
        "index.html": environment.get_template("index.html.j2").render(
            title=data["title"],
            papers=len(data["papers"]),
            sections=_tree(data["sections"]),
            topics=data["topics"],
            venues=data["venues"],
            years=sorted({p["y"] for p in data["papers"] if p["y"] is not None}),
            charts=[_bars(chart) for chart in charts],
            taxonomy_figure=taxonomy_svg is not None,
        ),
        # What the first render needs; search.js (every paper's search text and BibTeX, most of the bytes)
        # is loaded after the first paint, so a large survey shows its first papers at once.
        "data.js": _script("SURVEY_DATA", {**data, "papers": [_without(p, ("s", "b")) for p in papers]}),
        "search.js": _script("SURVEY_SEARCH", {"s": [p["s"] for p in papers], "b": [p["b"] for p in papers]}),
    }
    package = resources.files("survey_db.outputs") / "site"
    for name in ASSETS:
        files[name] = (package / name).read_text(encoding="utf-8")
    if taxonomy_svg is not None:
        files["taxonomy.svg"] = taxonomy_svg
    return files


def _script(name: str, value: object) -> str:
    """A classic script setting window[name]: JSON is JavaScript, and "</" is escaped so that the text
    could also sit inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.{name} = {text};\n"


def _without(paper: dict, names: tuple[str, ...]) -> dict:
    return {name: value for name, value in paper.items() if name not in names}


def _tree(sections: list[dict]) -> list[dict]:
    """Nested {"index", "slug", "title", "count", "children"} for the navigation."""
    nodes = [{**section, "index": i, "children": []} for i, section in enumerate(sections)]
    roots: list[dict] = []
    for node in nodes:
        (nodes[node["parent"]]["children"] if node["parent"] >= 0 else roots).append(node)
    return roots


def _bars(chart: dict) -> dict:
    rows = chart["rows"][:CHART_ROWS]
    largest = max((count for _, count in rows), default=0) or 1
    return {
        "title": chart["title"],
        "more": max(0, len(chart["rows"]) - CHART_ROWS),
        "rows": [
            {"label": label, "count": count, "width": round(100 * count / largest, 1)}
            for label, count in rows
        ],
    }
