"""One awesome-list item (a list item with its continuation lines and sub-bullets, or a paragraph) read as at
most one paper: title, short name, authors, venue, year, paper / code / project links and a note.

The shapes people write, each recognised here:
- `**Abbrev**: "Title", *Venue, Mon YYYY*. [[Paper](u)] [[Code](u)]`
- `**Title**. *Authors*. Venue YYYY. [[pdf](u)]`
- `**Title**` + line break + `*Authors.* [[pdf](u)], YYYY.MM ![](badge)`
- `(Venue YYYY) **Title**, Author et al. [[Paper](u)]`
- `**Title**. (Venue) <br />` + authors on the next line
- `**Title (Venue YYYY)**` with sub-bullets for authors and links
- `[Title](u) - description`

>>> from survey_db.markdown.inline import markdown_nodes
>>> text = '**TB**: "Tidy Bots", *arXiv, May 2023*. [[Paper](https://arxiv.org/abs/2305.05658)]'
>>> record = read_item(markdown_nodes(text, 1), "x:1").record
>>> (record.title, record.extra["shorttitle"], record.venue, record.year, record.arxiv_id)
('Tidy Bots', 'TB', 'arXiv', 2023, '2305.05658')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from survey_db.markdown.badges import badge_dated_venue, dated_venue
from survey_db.markdown.fields import authors_from_text, clean_title, paper_record, split_topics
from survey_db.markdown.inline import Node, ends_escaped, is_emoji, plain, squash, starts_escaped, walk
from survey_db.markdown.links import http_url, is_paper_url, link_label, link_role
from survey_db.records import PaperRecord

_QUOTED = re.compile(r"^\s*[\"“”„]([^\"“”]{3,})[\"“”]")
_LEADING_PAREN = re.compile(r"^\s*\(([^()]{1,60})\)\s*")
_LEADING_TAGS = re.compile(r"^\s*\[([^\[\]]{1,40})\]\s*")
_TRAILING_PAREN = re.compile(r"\s*[\(\[]([^()\[\]]{2,60})[\)\]]\s*$")
_NAME_PARTICLES = frozenset({"de", "van", "von", "der", "den", "da", "di", "du", "la", "le", "del", "dos",
                             "al", "bin", "ibn", "y", "zu", "ter", "te"})
_ET_AL = re.compile(r",?\s*(?:et\.?\s*al\.?|and others)\s*\.?\s*$", re.IGNORECASE)
NEWS = "a news line, not a paper"
OTHER_LIST = "a link to another list"
# '2024-05-16 Our paper ... has been accepted', '[2023/10] We release ...'
_NEWS = re.compile(r"^\W{0,3}(?:19|20)\d{2}[-./]\d{1,2}\b")
# Link texts that name what a link is, never a paper's title.
_LINK_WORDS = frozenset({
    "paper", "papers", "pdf", "code", "link", "links", "project", "project page", "website", "webpage",
    "homepage", "arxiv", "github", "demo", "video", "slides", "html", "blog", "url", "here", "openreview",
    "doi", "data", "dataset", "poster", "talk", "abs",
})
_NOT_PAPER_WORDS = re.compile(r"\bawesome\b", re.IGNORECASE)


@dataclass
class ItemLink:
    """A link found in an item, with what it is for."""

    label: str
    url: str
    role: str  # paper, code, project, other

    def __str__(self) -> str:
        return f"{self.role}: {self.url}"


@dataclass
class Item:
    """What one item gave: a paper record, or the reason it is not a paper; and every link it holds."""

    line: int
    kind: str  # "list item", "paragraph", "table row"
    record: PaperRecord | None = None
    reason: str | None = None
    links: list[ItemLink] = field(default_factory=list)
    text: str = ""
    section: list[str] = field(default_factory=list)

    @property
    def reason_is_final(self) -> bool:
        """Skipped for what it is (news, another list), not for what it lacks."""
        return self.reason in (NEWS, OTHER_LIST)


def _is_decoration(node: Node) -> bool:
    """Badges, anchors, emoji and blank text in front of an item's title."""
    if node.kind in ("image", "anchor", "br"):
        return True
    if node.kind == "text":
        return all(is_emoji(ch) or ch.isspace() or ch in "⭐★☆✨•·|" for ch in node.text)
    return False


def names_like(text: str) -> bool:
    """Does the text read as a list of people ('A. Author, B. Author and C. Author', 'Author et al.')?"""
    text = squash(text).strip(" .,;:")
    if not text or any(ch.isdigit() for ch in text) or len(text) > 600:
        return False
    et_al = bool(_ET_AL.search(text))
    text = _ET_AL.sub("", text).strip(" .,;:")
    if not text:
        return False
    parts = [p for p in re.split(r"\s*[,;&]\s*|\s+and\s+", text) if p.strip()]
    if len(parts) == 1 and not et_al and len(text.split()) > 3:
        return False  # 'Cost-Effective Language Models': a title-cased phrase, not a name
    for part in parts:
        words = part.split()
        if not 1 <= len(words) <= 5:
            return False
        if len(words) == 1 and not et_al and len(parts) == 1:
            return False
        for word in words:
            if word.lower() in _NAME_PARTICLES:
                continue
            if not (word[0].isupper() or (word[0] in "'’" and len(word) > 1)):
                return False
    return True


def _split_title_venue(title: str) -> tuple[str, tuple[str | None, int | None] | None]:
    """'Title (AAAI 2022)' -> ('Title', ('AAAI', 2022)); a parenthesis without a year stays in the title."""
    match = _TRAILING_PAREN.search(title)
    if match:
        found = dated_venue(match.group(1))
        if found is not None and found != (None, None):
            return title[: match.start()].rstrip(" .,;:-–"), found
    return title, None


@dataclass
class _Fields:
    title: str | None = None
    title_escaped: bool = False  # written `\[x] Title`: the bracket is the title's, not a short name's
    title_escaped_end: bool = False  # written `Title (ICML 2023\)`: the parenthesis is the title's own
    short: str | None = None
    title_link: Node | None = None
    venue: str | None = None
    year: int | None = None
    authors: str | None = None
    topics: list[str] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)

    def date(self, found: tuple[str | None, int | None] | None) -> bool:
        if not found:
            return False
        venue, year = found
        if self.venue is None and venue:
            self.venue = venue
        if self.year is None and year:
            self.year = year
        return True


def _lead(nodes: list[Node], fields: _Fields) -> list[Node]:
    """Strip decoration and a leading '(Venue YYYY)' or '[tag]' from the front of an item."""
    nodes = list(nodes)
    while nodes:
        first = nodes[0]
        if _is_decoration(first):
            if first.kind == "image":
                fields.date(badge_dated_venue(first.href))
            nodes.pop(0)
            continue
        if first.kind == "text":
            text = first.text.lstrip()
            text = "".join(ch for ch in text[:3] if not is_emoji(ch)).lstrip() + text[3:]
            if text.startswith("(") and ")" not in text:  # '(ECCV [RWS 2022](u)) **Title**': linked venue
                close = next((k for k, n in enumerate(nodes[1:6], 1) if n.kind == "text" and ")" in n.text),
                             None)
                if close is not None:
                    inside = text[1:] + plain(nodes[1:close]) + nodes[close].text.split(")", 1)[0]
                    fields.date(dated_venue(inside))
                    nodes[: close + 1] = [Node("text", nodes[close].text.split(")", 1)[1], line=first.line)]
                    continue
            match = _LEADING_PAREN.match(text)
            if match and dated_venue(match.group(1)):
                fields.date(dated_venue(match.group(1)))
                nodes[0] = Node("text", text[match.end() :], line=first.line)
                continue
            match = _LEADING_TAGS.match(text)
            if match:
                fields.topics += split_topics("".join(ch for ch in match.group(1) if not is_emoji(ch)))
                nodes[0] = Node("text", text[match.end() :], line=first.line)
                continue
            if re.match(r"^\s*\d+[.)]\s", text):  # a number written into the text: '3. **Title**'
                nodes[0] = Node("text", re.sub(r"^\s*\d+[.)]\s*", "", text), line=first.line)
                continue
            if text != first.text:
                nodes[0] = Node("text", text, line=first.line)
        break
    return nodes


def _title(nodes: list[Node], fields: _Fields) -> list[Node]:
    """Find the title at the front of the item; return the nodes after it."""
    if not nodes:
        return nodes
    first = nodes[0]
    after = nodes[1:]
    if first.kind == "strong":
        strong_text = squash(plain(first.children))
        follow = after[0].text if after and after[0].kind == "text" else ""
        quoted = _QUOTED.match(follow.lstrip(" :-–—"))
        opens = follow.lstrip().startswith((":", "-", "–", "—", '"', "“"))
        if quoted and (opens or not follow.strip()[:1].isalnum()):
            fields.short = strong_text.strip("[]() ")
            fields.title = quoted.group(1)
            cut = follow.find(quoted.group(0).strip()) + len(quoted.group(0).strip())
            rest_text = follow[cut:]
            return ([Node("text", rest_text, line=after[0].line)] if rest_text.strip() else []) + after[1:]
        if follow.lstrip().startswith(":") and after and len(strong_text.split()) <= 4:
            # '**Abbrev**: Title text [links]': the title runs to the next link or emphasis.
            text = follow.lstrip()[1:]
            title, _, tail = text.partition(". ")
            if len(title.split()) >= 2:
                fields.short = strong_text.strip("[]() ")
                fields.title = title.strip(" ,.")
                return ([Node("text", tail, line=after[0].line)] if tail.strip() else []) + after[1:]
        links = [n for n in walk(first.children) if n.kind == "link"]
        if links and squash(plain(links[0].children)) == strong_text:
            fields.title_link = links[0]
        fields.title = strong_text
        fields.title_escaped = starts_escaped(first.children)
        fields.title_escaped_end = ends_escaped(first.children)
        return after
    if first.kind == "link":
        label = squash(plain(first.children))
        key = link_label(label)
        if len(key) > 1 and key not in _LINK_WORDS:
            fields.title = label
            fields.title_escaped = starts_escaped(first.children)
            fields.title_escaped_end = ends_escaped(first.children)
            fields.title_link = first
            return after
        return nodes
    if first.kind == "em" and len(squash(plain(first.children)).split()) >= 3:
        fields.title = squash(plain(first.children))
        fields.title_escaped = starts_escaped(first.children)
        fields.title_escaped_end = ends_escaped(first.children)
        return after
    if first.kind == "text":
        quoted = _QUOTED.match(first.text)
        if quoted:
            fields.title = quoted.group(1)
            rest_text = first.text[quoted.end() :]
            return ([Node("text", rest_text, line=first.line)] if rest_text.strip() else []) + after
        # Plain text up to the first link, emphasis or line break, as far as its first full stop.
        head: list[str] = []
        cut = 0
        for cut, node in enumerate(nodes):  # noqa: B007
            if node.kind != "text":
                break
            head.append(node.text)
        else:
            cut = len(nodes)
        text = squash("".join(head))
        sentence, dot, tail = text.partition(". ")
        title = sentence.strip(" ,;:-–—")
        if len(title.split()) >= 2:
            fields.title = title
            fields.title_escaped = starts_escaped(nodes[:cut])
            fields.title_escaped_end = ends_escaped(nodes[:cut])
            remainder = [Node("text", tail, line=first.line)] if dot and tail.strip() else []
            return remainder + nodes[cut:]
    return nodes


def _segments(nodes: list[Node]) -> list[list[Node]]:
    out: list[list[Node]] = [[]]
    for node in nodes:
        if node.kind == "br":
            out.append([])
        else:
            out[-1].append(node)
    return [segment for segment in out if segment]


def _read_rest(nodes: list[Node], fields: _Fields) -> None:
    """Authors, venue, year, topics and the leftover text from what follows the title."""
    for segment in _segments(nodes):
        texts: list[str] = []
        for node in segment:
            if node.kind == "image":
                fields.date(badge_dated_venue(node.href))
            elif node.kind == "em":
                text = squash(plain(node.children))
                if fields.date(dated_venue(text)):
                    continue
                if fields.authors is None and names_like(text):
                    fields.authors = text
                else:
                    texts.append(text)
            elif node.kind == "strong":
                texts.append(squash(plain(node.children)))
            elif node.kind in ("text", "code"):
                texts.append(node.text)
            elif node.kind == "link":
                texts.append("\0")  # a link separates the text pieces around it
        for piece in re.split(r"\0", "".join(texts)):
            _read_text(piece, fields)


def _read_text(piece: str, fields: _Fields) -> None:
    text = squash(piece).strip(" ,;|")
    text = re.sub(r"^[\[\]()\s,.]+|[\[\]()\s,]+$", "", text)
    if not text or text in (".",):
        return
    # '(Venue YYYY)', 'Venue YYYY.', 'YYYY.MM' and the like.
    for match in re.finditer(r"\(([^()]{1,60})\)", text):
        if fields.date(dated_venue(match.group(1))):
            text = text.replace(match.group(0), " ")
    pieces = re.split(r"(?<=[.;])\s+|,\s+(?=(?:19|20)\d{2}\b)", text)
    sentences = [s.strip(" ,;") for s in pieces if s.strip(" ,;")]
    leftover = []
    for sentence in sentences:
        bare = sentence.strip(" .,;:")
        if not bare:
            continue
        if fields.authors is None and names_like(bare):
            fields.authors = bare
            continue
        found = dated_venue(bare) if len(bare.split()) <= 8 else None
        if found and fields.date(found):
            continue
        if bare.lower() in ("preprint", "arxiv", "arxiv preprint", "tech report", "technical report") \
                and fields.venue is None:
            fields.venue = "arXiv" if "arxiv" in bare.lower() else bare
            continue
        leftover.append(sentence)
    # Authors written before a venue in one sentence: 'Jinlu Zhang et al'.
    if leftover:
        fields.rest.append(" ".join(leftover))


def read_item(nodes: list[Node], source: str, *, kind: str = "list item", year: int | None = None) -> Item:
    """Read one item's nodes (line breaks as 'br' nodes) into an Item with a paper or a reason."""
    line = int(source.rpartition(":")[2]) if source.rpartition(":")[2].isdigit() else 0
    item = Item(line=line, kind=kind, text=squash(plain(nodes))[:120])
    links: list[ItemLink] = []
    for node in walk(nodes):
        url = http_url(node.href) if node.kind == "link" else None
        if url:
            label = squash(plain(node.children))
            links.append(ItemLink(label, url, link_role(label, url)))
    item.links = links
    fields = _Fields()
    rest = _title(_lead(nodes, fields), fields)
    title = clean_title(fields.title or "")
    if title:
        title, short = split_short_title(title.strip(" .,;:"), bracket_is_text=fields.title_escaped,
                                         suffix_is_text=fields.title_escaped_end)
        fields.short = fields.short or short
        if not fields.title_escaped_end:
            title, found = _split_title_venue(title)
            fields.date(found)
    if title and _NEWS.match(title):
        item.reason = NEWS
        return item
    if not title or title.lower() in _LINK_WORDS:
        item.reason = "no title" if links else "plain text, no title or link"
        return item
    _read_rest(rest, fields)
    title_url = http_url(fields.title_link.href) if fields.title_link is not None else None
    paper = next((link.url for link in links if link.role == "paper" and link.url != title_url), None)
    code = next((link.url for link in links if link.role == "code"), None)
    project = next((link.url for link in links if link.role == "project"), None)
    if title_url:
        role = link_role(title, title_url)
        if role == "code" and not is_paper_url(title_url):
            code = code or title_url
        elif role == "project":
            project = project or title_url
        else:
            paper = title_url if (is_paper_url(title_url) or not paper) else paper
    if _NOT_PAPER_WORDS.search(title) and paper is None:
        item.reason = OTHER_LIST
        return item
    if paper is None and not (fields.authors or fields.venue or fields.year):
        if not links:
            item.reason = "no link, authors or venue: not a paper"
        elif code or project:
            item.reason = "links only to code or a website, no paper"
        else:
            item.reason = "no paper link"
        return item
    used = {paper, code, project}
    others = [link for link in links if link.url not in used]
    note_parts = [" ".join(fields.rest)] if fields.rest else []
    if others:
        note_parts.append("; ".join(f"{link_label(link.label) or 'link'}: {link.url}" for link in others))
    authors = authors_from_text(_ET_AL.sub("", fields.authors).strip(" .")) if fields.authors else []
    record = paper_record(
        title, paper, source=source, code=code, venue=fields.venue, year=fields.year or year,
        topics=fields.topics, authors=authors,
        note=". ".join(part.strip() for part in note_parts if part.strip()) or None,
    )
    if fields.short and fields.short.lower() != title.lower():
        record.extra["shorttitle"] = fields.short
    if project:
        record.extra["projectpage"] = project
    item.record = record
    return item


def row_links(cells: list[list[Node]]) -> list[ItemLink]:
    """Every web link in a table row, with what it is for."""
    links = []
    for cell in cells:
        for node in walk(cell):
            url = http_url(node.href) if node.kind == "link" else None
            if url:
                label = squash(plain(node.children))
                links.append(ItemLink(label, url, link_role(label, url)))
    return links


def split_short_title(
    title: str, *, bracket_is_text: bool = False, suffix_is_text: bool = False
) -> tuple[str, str | None]:
    """'[Abbrev] Title (@Org)' -> ('Title', 'Abbrev'); a title without a short name in front stays whole, and
    so does one whose bracket was written escaped (`\\[x] Title`, `&#91;x] Title`): it is the title's own, as
    is an '(@Org)' whose closing parenthesis was written escaped (`suffix_is_text`).

    >>> split_short_title("[DSV2] DSV2: A Strong Model(@Lab)")
    ('DSV2: A Strong Model', 'DSV2')
    >>> split_short_title("[0] Reasons to Stop", bracket_is_text=True)
    ('[0] Reasons to Stop', None)
    """
    if not suffix_is_text:
        title = re.sub(r"\s*\(@[^()]*\)\s*$", "", title).strip()
    if bracket_is_text:
        return title, None
    short = re.match(r"^\[([^\[\]]{1,30})\]\s*(?=\S)", title)
    if short and len(title[short.end() :].split()) >= 2:
        return title[short.end() :], short.group(1).strip("* ")
    return title, None


def title_with_venue(title: str) -> tuple[str, tuple[str | None, int | None] | None]:
    """A venue written after a title: 'Title ⭐ ASE 2026', 'Title (AAAI 2022)'.

    >>> title_with_venue("A Clone Finder ⭐ ASE 2026")
    ('A Clone Finder', ('ASE', 2026))
    """
    match = re.search(r"\s*[^\w\s\-:,.()\[\]'\"]+\s*([^\W\d][^⭐★]{0,40})$", title)
    if match and len(title[: match.start()].split()) >= 2:
        found = dated_venue(match.group(1))
        if found and found[1]:
            return title[: match.start()].strip(), found
    return _split_title_venue(title)


def first_of_several(nodes: list[Node]) -> tuple[list[Node], list[ItemLink]]:
    """A cell listing several named links ('[A](u1), [B](u2)'): the first is the title, the rest are returned
    so that they are kept with the paper (one row is one paper)."""
    named = [n for n in nodes if n.kind == "link" and http_url(n.href) and link_label(plain(n.children))
             and link_role(plain(n.children), n.href) != "code" and len(squash(plain(n.children))) > 1]
    between = "".join(n.text for n in nodes if n.kind == "text")
    if len(named) < 2 or len({n.href for n in named}) < 2 or re.sub(r"[\s,;/&|]|\band\b", "", between):
        return nodes, []
    rest = [ItemLink(squash(plain(n.children)), http_url(n.href) or "", "paper") for n in named[1:]]
    return [named[0]], rest
