"""The reader: one pass over a README's blocks that keeps track of the section and hands tables, lists and
headings to their recognisers.

>>> readme = parse_readme("# Survey\\n\\n## Decoding\\n\\n- [Fast Inference](https://arxiv.org/abs/2211.17192)\\n")
>>> [(s.path, [r.arxiv_id for r in s.rows]) for s in readme.sections]
[(['Decoding'], ['2211.17192'])]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from survey_db.errors import InputError
from survey_db.identifiers import slugify
from survey_db.markdown.badges import badge_venue
from survey_db.markdown.fields import authors_from_text, paper_record, split_topics, year_in
from survey_db.markdown.headings import Slugger, github_slug, heading_key, heading_title
from survey_db.markdown.html_tables import RESCAN_LIMIT, HtmlTable, HtmlTables, cell_nodes, feeder_class
from survey_db.markdown.inline import (
    Node,
    defuse,
    ends_escaped,
    inline_tree,
    markdown_parser,
    plain,
    squash,
    starts_escaped,
    walk,
)
from survey_db.markdown.items import (
    Item,
    first_of_several,
    names_like,
    read_item,
    row_links,
    split_short_title,
    title_with_venue,
)
from survey_db.markdown.links import REPOSITORY_HOST, is_paper_url, link_label
from survey_db.markdown.lint import TocEntry, duplicate_link_problems, inline_tags, tag_problems, toc_problems
from survey_db.markdown.list_items import ListEntry, list_entries, list_item
from survey_db.markdown.model import ERROR, INFO, PARSER_RULES, WARNING, ParsedReadme, ParsedSection, Problem
from survey_db.markdown.table_rows import (
    code_cell,
    column_kinds,
    links_cell,
    pipe_cell_count,
    refine_kinds,
    split_title_cell,
    title_cell,
    venue_cell,
)
from survey_db.markdown.words import (
    ANCHOR_ONLY,
    BOILERPLATE_HEADINGS,
    CITATION_HEADINGS,
    CONTENTS_HEADINGS,
    RAW_HTML_START,
)
from survey_db.records import PaperRecord


@dataclass
class Frame:
    level: int
    title: str


class Reader:
    """One pass over the README's block tokens, keeping track of the current section."""

    def __init__(self, text: str, source: str) -> None:
        if not isinstance(text, str):
            raise InputError(f"{source}: a README must be text, not {type(text).__name__}")
        text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.text = text
        self.lines = text.split("\n")
        self.source = source
        self.problems: list[Problem] = []
        self.title: str | None = None
        self.sections: list[ParsedSection] = []
        self.loose_rows: list[PaperRecord] = []
        self.items: list[Item] = []
        self.citation: str | None = None
        self.toc: list[TocEntry] = []
        self.anchors: set[str] = set()
        self.section_anchors: list[set[str]] = []
        self.slugger = Slugger()
        self.tables = HtmlTables(self)
        self.stack: list[Frame] = []
        self.current: ParsedSection | None = None
        self.discard = False  # under a contents or boilerplate heading: rows there are not papers
        self.skip_level: int | None = None
        self.started = True
        self.seen_heading = False
        self.contents_seen = False
        self.expect_toc = False
        self.in_citation = False
        self.fresh = False  # the current section has had no table or list yet
        self.pending_anchor: str | None = None
        self.last_line = 1

    def problem(self, line: int, rule: str, severity: str, message: str) -> None:
        self.problems.append(Problem(max(line, 1), rule, severity, message))

    # -- the walk ------------------------------------------------------------------------------------------

    def run(self) -> None:
        tokens = markdown_parser().parse(self.text)
        self.started = not any(
            tok.type == "heading_open" and tok.level == 0
            and heading_key(heading_title(inline_tree(tokens[k + 1].children, 0))[0]) in CONTENTS_HEADINGS
            for k, tok in enumerate(tokens[:-1])
        )
        self._blocks(tokens, nested=False)
        if self.tables.table is not None:
            self.tables.close(len(self.lines), abandoned=True)
        self._check_toc()
        self._check_duplicates()

    def _blocks(self, tokens: list[Any], *, nested: bool) -> None:
        self._lint_inline(tokens)
        index = 0
        while index < len(tokens):
            tok = tokens[index]
            end = self._block_end(tokens, index)
            if tok.map is not None and tok.nesting != -1:
                self._block(tokens, index, end, nested)
            index = end

    @staticmethod
    def _block_end(tokens: list[Any], index: int) -> int:
        if tokens[index].nesting != 1:
            return index + 1
        depth, cursor = 0, index
        while cursor < len(tokens):
            depth += tokens[cursor].nesting
            cursor += 1
            if depth == 0:
                break
        return cursor

    def _block(self, tokens: list[Any], index: int, end: int, nested: bool) -> None:
        tok = tokens[index]
        start, stop = tok.map
        self.last_line = start + 1
        kind = tok.type
        if self.tables.table is not None and kind not in ("heading_open", "html_block"):
            # An HTML table interrupted by a blank line continues in the next blocks.
            self._feed(start, stop)
            return
        if kind == "heading_open":
            if self.tables.table is not None:
                self.tables.close(start + 1, abandoned=True)
            level = int(tok.tag[1]) if tok.tag[1:].isdigit() else 1
            self._heading(level, inline_tree(tokens[index + 1].children, start + 1), start + 1)
            return
        if kind == "html_block":
            if not nested:
                self._html_block(start, stop)
            return
        self.pending_anchor = None
        if kind == "table_open":
            self._gfm_table(tokens[index:end])
        elif kind in ("bullet_list_open", "ordered_list_open"):
            self._list(tokens[index:end])
        elif kind in ("fence", "code_block"):
            if self.in_citation and self.citation is None:
                self.citation = tok.content.rstrip("\n")
        elif kind == "paragraph_open":
            nodes = inline_tree(tokens[index + 1].children, start + 1)
            names = [n.text for n in nodes if n.kind == "anchor"]
            if names and not squash(plain(nodes)):
                self.pending_anchor = names[-1]
                self.anchors.add(names[-1].lower())
                return
            if self._paragraph_item(nodes, start + 1):
                return
            if self.current is not None and self.fresh and not self.discard and not nested:
                text = squash(plain(nodes))
                if text:
                    joined = f"{self.current.description}\n\n{text}" if self.current.description else text
                    self.current.description = joined

    def _feed(self, start: int, stop: int) -> None:
        if start >= stop:
            return
        feeder = feeder_class()
        parser = feeder(self.tables, start + 1)
        try:
            parser.feed(defuse("\n".join(self.lines[start:stop]) + "\n"))
            parser.close()
        except (AssertionError, ValueError) as exc:  # html.parser's rare complaints about broken markup
            self.problem(start + 1, "html-error", WARNING, f"unreadable HTML: {exc}")

    def _html_block(self, start: int, stop: int) -> None:
        block = "\n".join(self.lines[start:stop]).strip()
        match = ANCHOR_ONLY.match(block)
        if match and self.tables.table is None:
            self.pending_anchor = match.group(1)
            self.anchors.add(match.group(1).lower())
            return
        self.pending_anchor = None
        raw = RAW_HTML_START.match(block) is not None
        feeder = feeder_class()
        parser = feeder(self.tables, start + 1)
        run: list[int] = []
        lines = defuse("\n".join(self.lines[start:stop])).split("\n")
        pending: list[str] = []  # lines held back while a long unfinished tag or comment is open
        held = 0
        try:
            for number, line in enumerate(lines, start=start):
                if pending or len(parser.rawdata) > RESCAN_LIMIT:
                    if run:
                        self._markdown_run(run)
                        run = []
                    pending.append(line + "\n")
                    held += len(line) + 1
                    if held >= len(parser.rawdata):  # each rescan is paid for by as much new text
                        parser.feed("".join(pending))
                        pending, held = [], 0
                    continue
                # Markdown inside an HTML block (<details> without a blank line): GitHub shows it raw, but
                # its headings and lists are meant as structure. Not inside tables, comments or open tags.
                if (not raw and self.tables.table is None and not parser.rawdata and line.strip()
                        and not line.lstrip().startswith("<")):
                    run.append(number)
                elif run:
                    self._markdown_run(run)
                    run = []
                parser.feed(line + "\n")
            if pending:
                parser.feed("".join(pending))
            if run:
                self._markdown_run(run)
            parser.close()
        except (AssertionError, ValueError) as exc:  # html.parser's rare complaints about broken markup
            self.problem(start + 1, "html-error", WARNING, f"unreadable HTML: {exc}")

    def _markdown_run(self, numbers: list[int]) -> None:
        first = numbers[0]
        tokens = markdown_parser().parse("\n".join(self.lines[first : numbers[-1] + 1]))
        for tok in tokens:
            if tok.map is not None:
                tok.map = [tok.map[0] + first, tok.map[1] + first]
        self._blocks(tokens, nested=True)

    # -- headings ----------------------------------------------------------------------------------------

    def _heading(self, level: int, nodes: list[Node], line: int) -> None:
        raw = plain(nodes)
        names = [n.text for n in walk(nodes) if n.kind == "anchor"]
        for name in names:
            self.anchors.add(name.lower())
        slug = self.slugger.slug(slugify(raw))
        variants = {slug, github_slug(raw)} | {n.lower() for n in names}
        self.anchors |= variants
        title, colon = heading_title(nodes)
        anchor = names[0] if names else self.pending_anchor
        if self.pending_anchor:
            variants.add(self.pending_anchor.lower())
        self.pending_anchor = None
        self.expect_toc = False
        self.in_citation = False
        self.fresh = False
        if self.title is None and not self.seen_heading and level == 1:
            self.seen_heading = True
            self.title = title or None
            return
        self.seen_heading = True
        key = heading_key(title)
        if key in CONTENTS_HEADINGS and not self.contents_seen:
            self.started = self.expect_toc = self.contents_seen = True
            self.skip_level = None
            self.in_citation = False
            self._leave(level, discard=True)
            return
        if colon:
            self.problem(line, "heading-colon", INFO, f"heading {title!r} ends with ':'")
        if self.skip_level is not None and level > self.skip_level:
            return
        self.skip_level = None
        if key in BOILERPLATE_HEADINGS or key.startswith(("citation", "how to cite", "star history")):
            self._leave(level, discard=True)
            self.skip_level = level
            self.in_citation = key in CITATION_HEADINGS or key.startswith(("citation", "how to cite"))
            return
        if not self.started:
            self._leave(level, discard=False)
            return
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        path = [frame.title for frame in self.stack] + [title]
        self.stack.append(Frame(level, title))
        section = ParsedSection(path=path, slug=anchor or slug, line=line)
        self.sections.append(section)
        self.section_anchors.append(variants)
        self.current = section
        self.discard = False
        self.fresh = True

    def _leave(self, level: int, *, discard: bool) -> None:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        self.current = None
        self.discard = discard

    # -- rows --------------------------------------------------------------------------------------------

    def _add_rows(self, rows: list[PaperRecord], line: int) -> None:
        self.fresh = False
        if not rows or self.discard:
            return
        if self.current is not None:
            self.current.rows.extend(rows)
        else:
            self.loose_rows.extend(rows)
            self.problem(line, "rows-outside-section", INFO,
                         f"{len(rows)} paper row(s) before the first section heading")

    def html_table(self, table: HtmlTable) -> None:
        rows = [row for row in table.rows if row.cells]
        if not rows:
            return
        # The first row is the header, <th> or not; without a title column the table is not papers.
        header = rows[0]
        kinds = column_kinds([squash(plain(cell_nodes(cell))) for cell in header.cells])
        kinds = refine_kinds(kinds, [[cell_nodes(cell) for cell in row.cells] for row in rows[1:]])
        if "title" not in kinds:
            self.problem(table.line, "unrecognised-table", INFO,
                         "table without a Title/Paper/Name column: not read as papers")
            self.fresh = False
            return
        records = []
        for row in rows[1:]:
            cells = [cell_nodes(cell) for cell in row.cells]
            record = self._row(cells, kinds, row.line, len(header.cells))
            if record is not None:
                records.append(record)
        self._add_rows(records, table.line)

    def _gfm_table(self, tokens: list[Any]) -> None:
        header: list[list[Node]] = []
        rows: list[tuple[int, list[list[Node]]]] = []
        in_head = False
        line = tokens[0].map[0] + 1 if tokens[0].map else self.last_line
        row_line = line
        cells: list[list[Node]] = []
        for tok in tokens:
            if tok.type == "thead_open":
                in_head = True
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                row_line = tok.map[0] + 1 if tok.map else row_line + 1
                cells = []
            elif tok.type == "inline":
                cells.append(inline_tree(tok.children, row_line))
            elif tok.type == "tr_close":
                if in_head:
                    header = cells
                else:
                    rows.append((row_line, cells))
        kinds = column_kinds([squash(plain(cell)) for cell in header])
        kinds = refine_kinds(kinds, [cells for _, cells in rows])
        if "title" not in kinds:
            self.problem(line, "unrecognised-table", INFO,
                         "table without a Title/Paper/Name column: not read as papers")
            self.fresh = False
            return
        records = []
        for row_line, cells in rows:
            in_range = row_line <= len(self.lines)
            raw_count = pipe_cell_count(self.lines[row_line - 1]) if in_range else len(cells)
            record = self._row(cells, kinds, row_line, len(header), raw_count)
            if record is not None:
                records.append(record)
        self._add_rows(records, line)

    def _row(
        self, cells: list[list[Node]], kinds: list[str | None], line: int, expected: int,
        count: int | None = None,
    ) -> PaperRecord | None:
        count = len(cells) if count is None else count
        if count != expected:
            self.problem(line, "wrong-cell-count", ERROR, f"row has {count} cells, the header has {expected}")

        def cell(kind: str) -> list[Node]:
            if kind in kinds:
                position = kinds.index(kind)
                if position < len(cells):
                    return cells[position]
            return []

        title_nodes, beside = split_title_cell(cell("title"))
        title_nodes, also = first_of_several(title_nodes)
        title, url, code = title_cell(title_nodes)
        source = f"{self.source}:{line}"
        if not title:
            if any(squash(plain(c)) or any(n.kind in ("link", "image") for n in walk(c)) for c in cells):
                self.problem(line, "row-without-title", WARNING, "row without a title: skipped")
                text = " | ".join(squash(plain(c)) for c in cells)[:120]
                self._note_item(Item(line, "table row", reason="row without a title", links=row_links(cells),
                                     text=text))
            return None
        venue_url, venue, year = venue_cell(cell("venue"))
        if venue is None and year is None and "venue" not in kinds:
            for nodes in cells:
                found = next((badge_venue(n.href) for n in walk(nodes) if n.kind == "image"
                              and badge_venue(n.href)), None)
                if found:
                    venue, year = found
                    break
        link_url, link_code = links_cell(cell("links"))
        authors = authors_from_text(plain(cell("authors")))
        notes = [squash(plain(cell("note")))] if squash(plain(cell("note"))) else []
        for text in beside:  # text beside the title in its cell, after a <br>: the authors, or a note
            if not authors and names_like(text):
                authors = authors_from_text(text)
            else:
                notes.append(text)
        literal_end = ends_escaped(title_nodes)  # 'Title (ICML 2023\)': the parenthesis is the title's
        if title and not literal_end:
            title, found = title_with_venue(title)
            if found and venue is None and year is None:
                venue, year = found
        links = row_links(cells)
        if also:
            notes.append("also in this row: " + "; ".join(f"{link.label}: {link.url}" for link in also))
        url = url or venue_url or link_url or next((link.url for link in links if link.role == "paper"), None)
        code = code_cell(cell("code")) or code or link_code
        listed = {link.url for link in also}
        unused = [link for link in links if link.url not in (url, code) and link.url not in listed
                  and is_paper_url(link.url)]
        if unused:
            notes.append("; ".join(f"{link_label(link.label) or 'link'}: {link.url}" for link in unused))
        title, short = split_short_title(title, bracket_is_text=starts_escaped(title_nodes),
                                         suffix_is_text=literal_end)
        record = paper_record(
            title, url, source=source, code=code, venue=venue,
            year=year or year_in(plain(cell("date"))) or self.year_hint(),
            topics=split_topics(plain(cell("topic"))),
            authors=authors, note=". ".join(notes) or None,
        )
        if short:
            record.extra["shorttitle"] = short
        self._note_item(Item(line, "table row", record=record, links=links, text=title[:120]))
        return record

    def _list(self, tokens: list[Any]) -> None:
        first_line = tokens[0].map[0] + 1 if tokens[0].map else self.last_line
        records: list[PaperRecord] = []
        toc: list[TocEntry] = []
        self._entries(list_entries(tokens, first_line), records, toc, self.year_hint())
        if toc and (self.expect_toc or (not self.toc and not records and self.current is None)):
            self.toc = self.toc or toc
        self.expect_toc = False
        self._add_rows(records, first_line)

    def _entries(
        self, entries: list[ListEntry], records: list[PaperRecord], toc: list[TocEntry], year: int | None,
    ) -> None:
        """Each item with its sub-bullets is at most one paper; the items under a group are items too."""
        for entry in entries:
            link = next((n for n in walk(entry.nodes) if n.kind == "link"), None)
            if link is not None and link.href.startswith("#"):
                toc.append(TocEntry(squash(plain(link.children)), link.href[1:], entry.line, entry.depth))
                self._entries(entry.children, records, toc, year)
                continue
            source = f"{self.source}:{entry.line}"
            standalone = [read_item(c.all_nodes(), f"{self.source}:{c.line}", year=year)
                          for c in entry.children]
            if any(item.record is not None and (item.record.url or _has_title_markup(c.nodes))
                   for item, c in zip(standalone, entry.children, strict=True)):
                # A group: its sub-items are the papers, and a year written on it dates them.
                own = squash(plain(entry.nodes))
                group_year = int(own) if re.fullmatch(r"(?:19|20)\d{2}", own.strip(" :*")) else None
                if own and group_year is None:  # a group heading is a paper only with a link of its own
                    self._item(entry.nodes, source, records, year, group=True)
                self._entries(entry.children, records, toc, group_year or year)
                continue
            self._item(entry.all_nodes(), source, records, year)

    def _item(
        self, nodes: list[Node], source: str, records: list[PaperRecord], year: int | None, *,
        group: bool = False,
    ) -> None:
        item = read_item(nodes, source, year=year)
        if _written_shape(nodes) and not item.reason_is_final:  # '- [Title](url) - description', as written
            record = list_item(nodes, source)
            if record is not None and not _repository_only(record):
                record.year = record.year or year
                item.record, item.reason = record, None
        if group and (item.record is None or not item.record.url):
            return
        self._note_item(item)
        if item.record is not None:
            records.append(item.record)

    def _paragraph_item(self, nodes: list[Node], line: int) -> bool:
        """A paragraph written as an item ('**Title** <br /> Authors [[paper](u)]'): a paper when it has a
        paper link and a bold or linked title in front."""
        if self.discard or not self.started:
            return False
        lead = [n for n in nodes
                if not (n.kind in ("image", "anchor") or (n.kind == "text" and not n.text.strip()))]
        if not lead or lead[0].kind not in ("strong", "link"):
            return False
        if not any(n.kind == "link" for n in walk(nodes)):
            return False
        item = read_item(nodes, f"{self.source}:{line}", kind="paragraph", year=self.year_hint())
        if item.record is None or not item.record.url:
            return False
        self._note_item(item)
        self._add_rows([item.record], line)
        return True

    def _note_item(self, item: Item) -> None:
        if self.discard:
            return
        item.section = list(self.current.path) if self.current is not None else []
        self.items.append(item)

    def year_hint(self) -> int | None:
        """The year a heading above gives its papers ('## 2023', '### Year 2023', '## 2023 Papers')."""
        for frame in reversed(self.stack):
            match = _YEAR_HEADING.fullmatch(frame.title.strip())
            if match:
                return int(match.group(1))
        return None

    # -- lint ----------------------------------------------------------------------------------------------

    def check_tag(self, tag: str, attrs: dict[str, str | None], line: int) -> None:
        for key in ("name", "id"):
            if attrs.get(key) and (tag == "a" or key == "id"):
                self.anchors.add(str(attrs[key]).lower())
        self.problems.extend(tag_problems(tag, attrs, line))

    def _lint_inline(self, tokens: list[Any]) -> None:
        for line, tag, attrs in inline_tags(tokens):
            if tag:
                self.check_tag(tag, attrs, line)
            else:
                self.problem(line, "empty-link", WARNING, "empty link target: ']()'")

    def _check_toc(self) -> None:
        self.problems.extend(toc_problems(self.toc, self.sections, self.section_anchors, self.anchors))

    def _check_duplicates(self) -> None:
        rows = self.loose_rows + [row for section in self.sections for row in section.rows]
        self.problems.extend(duplicate_link_problems(rows))




def read_text(text: str, source: str) -> Reader:
    reader = Reader(text, source)
    try:
        reader.run()
    except InputError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise InputError(f"{source}: README too deeply nested or too large to read") from exc
    except Exception as exc:  # a parser bug must reach the user as a clear input error, not a traceback
        raise InputError(f"{source}: cannot read this README ({type(exc).__name__}: {exc})") from exc
    # Markdown inside an HTML block is seen by both parsers: report each finding once.
    unique = {(p.line, p.rule, p.message): p for p in reader.problems}
    reader.problems = [unique[key] for key in sorted(unique)]
    return reader


def parse_readme(text: str, source: str = "README.md") -> ParsedReadme:
    """Sections (every heading after the contents list, as a tree) and their paper rows, in order."""
    reader = read_text(text, source)
    return ParsedReadme(
        title=reader.title,
        sections=reader.sections,
        problems=[p for p in reader.problems if p.rule in PARSER_RULES],
        citation=reader.citation,
        loose_rows=reader.loose_rows,
        items=reader.items,
    )


def lint_readme(text: str, source: str = "README.md") -> list[Problem]:
    """Everything wrong with a README that can be seen without a database, sorted by line."""
    return read_text(text, source).problems



_YEAR_HEADING = re.compile(r"(?:year\s*)?((?:19|20)\d{2})(?:\s*papers?)?", re.IGNORECASE)


def _line_of(source: str) -> int:
    tail = source.rpartition(":")[2]
    return int(tail) if tail.isdigit() else 0


def _written_shape(nodes: list[Node]) -> bool:
    """One line: a link or bold title, then nothing or a description after ' - '."""
    nodes = [n for n in nodes if not (n.kind == "text" and not n.text.strip())]
    if not nodes or any(n.kind == "br" for n in nodes) or nodes[0].kind not in ("link", "strong"):
        return False
    return len(nodes) == 1 or (nodes[1].kind == "text" and nodes[1].text.lstrip()[:1] in "-–—:|")


def _has_title_markup(nodes: list[Node]) -> bool:
    return any(n.kind in ("strong", "link") for n in nodes)


def _repository_only(record: PaperRecord) -> bool:
    """A `[Name](https://github.com/...)` entry is a tool or another list, not a paper."""
    return bool(record.url and REPOSITORY_HOST.match(record.url))
