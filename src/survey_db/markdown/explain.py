"""What the reader made of each item of a README, for `survey import README.md --dry-run --explain`.

>>> from survey_db.markdown.reader import parse_readme
>>> text = "## A\\n\\n- **T One**. [[pdf](https://arxiv.org/abs/2401.00001)]\\n- A tool for editing\\n"
>>> readme = parse_readme(text)
>>> print("\\n".join(explain_lines(readme)))
## A
  line 3: paper 'T One' (paper: https://arxiv.org/abs/2401.00001)
  line 4: skipped: no link, authors or venue: not a paper ('A tool for editing')
>>> skipped_reasons(readme)
{'no link, authors or venue: not a paper': 1}
"""

from __future__ import annotations

from collections import Counter

from survey_db.markdown.items import Item
from survey_db.markdown.model import ParsedReadme


def _describe(item: Item) -> str:
    if item.record is not None:
        record = item.record
        found = []
        if record.url:
            found.append(f"paper: {record.url}")
        if record.code_url:
            found.append(f"code: {record.code_url}")
        if record.extra.get("projectpage"):
            found.append(f"project: {record.extra['projectpage']}")
        more = len({link.url for link in item.links} - {record.url, record.code_url,
                                                          record.extra.get("projectpage")})
        if more:
            found.append(f"{more} more link(s) in the note")
        details = [f"{key}={value}" for key, value in (
            ("short", record.extra.get("shorttitle")), ("venue", record.venue), ("year", record.year),
            ("authors", len(record.authors) or None)) if value]
        text = f"line {item.line}: paper {record.title!r}"
        if details:
            text += f" [{', '.join(details)}]"
        return text + (f" ({'; '.join(found)})" if found else " (no link)")
    return f"line {item.line}: skipped: {item.reason} ({item.text[:70]!r})"


def explain_lines(readme: ParsedReadme) -> list[str]:
    """One line per item under a line per section, in the README's order."""
    lines: list[str] = []
    section: list[str] | None = None
    for item in readme.items:
        if item.section != section:
            section = item.section
            lines.append(f"## {' > '.join(section)}" if section else "## (before the first section)")
        lines.append(f"  {_describe(item)}")
    return lines


def skipped_reasons(readme: ParsedReadme) -> dict[str, int]:
    """How many items were not read as papers, per reason, most common first."""
    reasons = Counter(item.reason or "not a paper" for item in readme.items if item.record is None)
    return dict(reasons.most_common())
