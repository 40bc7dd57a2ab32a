"""Bar charts drawn with text, for `survey stats` in a terminal or a pipe."""

from __future__ import annotations

# Eighths of a character cell, so a bar's length is exact to 1/8 of a column.
EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


def bar(value: int, largest: int, width: int) -> str:
    """A bar of `width` columns for the largest value, proportionally shorter for smaller ones.

    >>> bar(4, 8, 4)
    '██'
    """
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / largest * width * 8))
    return FULL * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def bar_chart(
    title: str, rows: list[tuple[str, int]], *, width: int = 40, label_width: int = 36
) -> list[str]:
    """Lines of a titled chart: one row per (label, count), the label cut to `label_width` columns.

    Example:
        Papers per year
          2023  ████████████████ 12
    """
    if not rows:
        return [title, "  (none)"]
    largest = max(count for _, count in rows)
    shown = [_cut(label, label_width) for label, _ in rows]
    pad = max(len(label) for label in shown)
    lines = [title]
    for label, (_, count) in zip(shown, rows, strict=True):
        lines.append(f"  {label.ljust(pad)}  {bar(count, largest, width)} {count}".rstrip())
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
