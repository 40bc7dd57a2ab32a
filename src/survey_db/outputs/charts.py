"""Charts of the survey as SVG or PNG files, drawn with matplotlib (the optional `charts` extra).

matplotlib writes both formats itself, offline, with no browser or JavaScript runtime; its SVG is
reproducible (fixed ids, no date) and keeps its words as text (searchable, read by screen readers), so a
chart committed beside a README changes only when the data does.
"""

from __future__ import annotations

from pathlib import Path

from survey_db.errors import InputError, SurveyError

PLOTS = ("years", "sections", "venues", "topics", "authors")
TITLES = {
    "years": "Papers per year",
    "sections": "Papers per section",
    "venues": "Papers per venue",
    "topics": "Papers per topic",
    "authors": "Authors with the most papers",
}
AXIS = {"years": "Year", "sections": "Section", "venues": "Venue", "topics": "Topic", "authors": "Author"}
MOST_BARS = 25
COLOUR = "#4c72b0"


def chart_format(path: Path) -> str:
    """'svg' or 'png' from the file's extension; anything else is an InputError."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("svg", "png"):
        raise InputError(f"a chart is written as .svg or .png, not {path.name!r}")
    return suffix


def draw_chart(kind: str, rows: list[tuple[str, int]], fmt: str, *, survey_title: str | None = None) -> bytes:
    """The chart `kind` (one of PLOTS) of (label, papers) rows as SVG or PNG bytes.

    Years are vertical bars in time order; the rest are horizontal bars, most papers on top, the first
    MOST_BARS of them (the title says when there are more).
    """
    if kind not in PLOTS:
        raise InputError(f"unknown chart {kind!r}; choose one of {', '.join(PLOTS)}")
    try:
        import matplotlib
    except ImportError:
        raise SurveyError("charts need matplotlib: pip install 'survey-db[charts]'") from None
    import io

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.figure import Figure

    title = TITLES[kind] + (f" — {survey_title}" if survey_title else "")
    if kind != "years" and len(rows) > MOST_BARS:
        title += f" (top {MOST_BARS} of {len(rows)})"
        rows = rows[:MOST_BARS]
    labels = [_short(label) for label, _ in rows]
    counts = [count for _, count in rows]
    with pyplot.rc_context({"svg.hashsalt": "survey-db", "svg.fonttype": "none", "font.size": 10}):
        if kind == "years":
            figure = Figure(figsize=(max(5.0, 0.5 * len(rows) + 2), 3.8))
            axes = figure.add_subplot()
            bars = axes.bar(labels, counts, color=COLOUR)
            axes.set_xlabel(AXIS[kind])
            axes.set_ylabel("Papers")
        else:
            figure = Figure(figsize=(8.0, max(2.5, 0.32 * len(rows) + 1.4)))
            axes = figure.add_subplot()
            bars = axes.barh(labels[::-1], counts[::-1], color=COLOUR)
            axes.set_xlabel("Papers")
            axes.set_ylabel(AXIS[kind])
        axes.bar_label(bars, padding=2, fontsize=8)
        axes.set_title(title)
        axes.spines[["top", "right"]].set_visible(False)
        if kind == "years":
            axes.margins(y=0.12)
        else:
            axes.margins(x=0.08)
        from matplotlib.ticker import MaxNLocator

        (axes.yaxis if kind == "years" else axes.xaxis).set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
        out = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {}
        figure.savefig(out, format=fmt, dpi=120, metadata=metadata)
    return out.getvalue()


def _short(label: str, width: int = 48) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"
