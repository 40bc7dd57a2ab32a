"""HTML tables: rows and cells built from html.parser events, even across several html blocks.

The cells keep their parts (text, links, images, breaks) and are read as Markdown by `cell_nodes`, since
lists put `**x**` inside `<td>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from survey_db.markdown.inline import Node, markdown_nodes, plain, squash
from survey_db.markdown.model import ERROR

# An unfinished tag or comment longer than this is fed to html.parser in growing pieces, not line by line:
# it rescans the unfinished part on every feed.
RESCAN_LIMIT = 4096


class TableReader(Protocol):
    """What the tables report to: tags for lint, problems, and each finished table."""

    def check_tag(self, tag: str, attrs: dict[str, str | None], line: int) -> None: ...

    def problem(self, line: int, rule: str, severity: str, message: str) -> None: ...

    def html_table(self, table: HtmlTable) -> None: ...


@lru_cache(maxsize=1)
def feeder_class():
    """The HTMLParser subclass that feeds `HtmlTables`, built on first use so that importing stays cheap."""
    import html
    from html.parser import HTMLParser

    class Feeder(HTMLParser):
        """Forwards HTML events with absolute line numbers; entity text is marked literal (not Markdown)."""

        def __init__(self, sink: HtmlTables, first_line: int) -> None:
            super().__init__(convert_charrefs=False)
            self.sink = sink
            self.first_line = first_line

        def _line(self) -> int:
            return self.first_line + self.getpos()[0] - 1

        def handle_starttag(self, tag, attrs):
            self.sink.start(tag, dict(attrs), self._line())

        def handle_startendtag(self, tag, attrs):
            self.sink.start(tag, dict(attrs), self._line())

        def handle_endtag(self, tag):
            self.sink.end(tag, self._line())

        def handle_data(self, data):
            self.sink.text(data, False, self._line())

        def handle_entityref(self, name):
            char = html.unescape(f"&{name};")
            if char == f"&{name};":
                self.sink.text(f"&{name}", False, self._line())
            else:
                self.sink.text(char, True, self._line())

        def handle_charref(self, name):
            try:
                int(name[1:], 16) if name[:1] in "xX" else int(name)
            except ValueError:
                self.sink.text(f"&#{name};", False, self._line())
            else:  # as HTML reads it: &#0;, a surrogate or a number past Unicode is U+FFFD
                self.sink.text(html.unescape(f"&#{name};"), True, self._line())

    return Feeder


@dataclass
class HtmlCell:
    line: int
    header: bool
    parts: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class HtmlRow:
    line: int
    cells: list[HtmlCell] = field(default_factory=list)


@dataclass
class HtmlTable:
    line: int
    rows: list[HtmlRow] = field(default_factory=list)
    nested: int = 0


class HtmlTables:
    """Builds tables from HTML events that may arrive over several html blocks; reports what is unclosed."""

    def __init__(self, reader: TableReader) -> None:
        self.reader = reader
        self.table: HtmlTable | None = None
        self.row: HtmlRow | None = None
        self.cell: HtmlCell | None = None

    def start(self, tag: str, attrs: dict[str, str | None], line: int) -> None:
        self.reader.check_tag(tag, attrs, line)
        if tag == "table":
            if self.table is None:
                self.table = HtmlTable(line)
            else:
                self.table.nested += 1
            return
        if self.table is None or self.table.nested:
            return
        if tag == "tr":
            if self.row is not None:
                self._close_row(line)
            self.row = HtmlRow(line)
        elif tag in ("td", "th"):
            if self.row is None:
                self.row = HtmlRow(line)
            self._close_cell()
            self.cell = HtmlCell(line, tag == "th")
        elif self.cell is not None:
            if tag == "a":
                self.cell.parts.append(("a", attrs.get("href"), attrs.get("name") or attrs.get("id"), line))
            elif tag == "img":
                self.cell.parts.append(("img", attrs.get("src") or "", attrs.get("alt") or "", line))
            elif tag in ("br", "p", "div", "li", "ul", "ol"):
                self.cell.parts.append(("br", line))

    def end(self, tag: str, line: int) -> None:
        if self.table is None:
            return
        if tag == "table":
            if self.table.nested:
                self.table.nested -= 1
            else:
                self.close(line)
        elif self.table.nested:
            return
        elif tag == "tr":
            if self.row is not None:
                self._close_cell()
                self.table.rows.append(self.row)
                self.row = None
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "a" and self.cell is not None:
            self.cell.parts.append(("/a", line))

    def text(self, data: str, literal: bool, line: int) -> None:
        if self.cell is not None and self.table is not None and not self.table.nested:
            self.cell.parts.append(("text", data, literal, line))

    def _close_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.cells.append(self.cell)
        self.cell = None

    def _close_row(self, line: int) -> None:
        """A <tr> that was never closed: the next <tr> or </table> closes it."""
        assert self.row is not None and self.table is not None
        self._close_cell()
        row = self.row
        self.row = None
        previous = next((r for r in reversed(self.table.rows) if r.cells), None)
        after = ""
        if previous is not None:
            title = squash(plain(cell_nodes(previous.cells[0])))
            after = f" after the row {title[:60]!r}" if title else ""
        if row.cells:
            message = f"<tr> at line {row.line} is not closed before line {line}{after}"
        else:
            message = f"<tr> at line {row.line} is never closed: an empty row{after}"
        self.reader.problem(row.line, "unclosed-tr", ERROR, message)
        self.table.rows.append(row)

    def close(self, line: int, *, abandoned: bool = False) -> None:
        table = self.table
        if table is None:
            return
        if self.row is not None:
            self._close_row(line)
        if abandoned:
            self.reader.problem(table.line, "unclosed-table", ERROR,
                                f"<table> at line {table.line} is not closed before line {line}")
        self.table = self.row = self.cell = None
        self.reader.html_table(table)


def _is_ascii_punctuation(char: str) -> bool:
    return char.isascii() and char.isprintable() and not char.isalnum() and char != " "


def cell_nodes(cell: HtmlCell) -> list[Node]:
    """Nodes of an HTML cell: its text is read as Markdown (lists put `**x**` there), entities literally."""
    root: list[Node] = []
    stack: list[list[Node]] = [root]
    links: list[bool] = []
    buffer: list[str] = []
    line = cell.line

    def flush() -> None:
        if buffer:
            stack[-1].extend(markdown_nodes("".join(buffer), line))
            buffer.clear()

    for part in cell.parts:
        kind = part[0]
        if kind == "text":
            _, data, literal, line = part
            if literal:
                data = "".join("\\" + ch if _is_ascii_punctuation(ch) else ch for ch in data)
            buffer.append(data)
            continue
        flush()
        if kind == "a":
            _, href, anchor, line = part
            if anchor:
                stack[-1].append(Node("anchor", anchor, line=line))
            if href is not None:
                node = Node("link", href=href, line=line)
                stack[-1].append(node)
                stack.append(node.children)
            links.append(href is not None)
        elif kind == "/a":
            if links and links.pop() and len(stack) > 1:
                stack.pop()
        elif kind == "img":
            stack[-1].append(Node("image", part[2], part[1], line=part[3]))
        elif kind == "br":
            stack[-1].append(Node("br", line=part[1]))
    flush()
    return root

