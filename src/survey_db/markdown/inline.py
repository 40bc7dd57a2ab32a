"""The inline tree shared by Markdown cells, HTML cells, headings and list items, and the parsers behind it.

>>> [(n.kind, plain(n.children)) for n in markdown_nodes("**Fast** [x](https://a.org)", 1) if n.children]
[('strong', 'Fast'), ('link', 'x')]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# ----------------------------------------------------------------------------------------------------------
# A small inline tree shared by Markdown cells, HTML cells, headings and list items.


@dataclass
class Node:
    kind: str  # text, code, link, image, br, em, strong, anchor
    text: str = ""  # text, image alt, anchor name
    href: str = ""  # link href or image src
    children: list[Node] = field(default_factory=list)
    line: int = 0
    # text: its first / last visible character was written escaped (`\[`, `&#91;`), so it is text, not syntax
    escaped: bool = False
    escaped_end: bool = False


def walk(nodes: list[Node]) -> Iterator[Node]:
    for node in nodes:
        yield node
        yield from walk(node.children)


def plain(nodes: list[Node], skip: set[int] | None = None) -> str:
    """The visible text: link and emphasis text included, images, anchors and skipped nodes left out."""
    out = []
    for node in nodes:
        if skip and id(node) in skip:
            continue
        if node.kind in ("text", "code"):
            out.append(node.text)
        elif node.kind == "br":
            out.append(" ")
        elif node.kind in ("link", "em", "strong"):
            out.append(plain(node.children, skip))
    return "".join(out)


def squash(text: str) -> str:
    return " ".join(text.split())


def is_emoji(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Cs") or char in "\ufe0f\u200d\u20e3"


def strip_emoji_ends(text: str) -> str:
    text = text.strip()
    while text and (is_emoji(text[0]) or text[0].isspace()):
        text = text[1:]
    while text and (is_emoji(text[-1]) or text[-1].isspace()):
        text = text[:-1]
    return text


@lru_cache(maxsize=1)
def markdown_parser():
    from markdown_it import MarkdownIt

    # inline_tree joins the text pieces itself, noting which runs start with an escaped character.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).disable("text_join")


@lru_cache(maxsize=1)
def _tag_event_parser():
    """The HTMLParser subclass for inline tags, built on first use so that importing stays cheap."""
    from html.parser import HTMLParser

    class TagEvents(HTMLParser):
        """Parses one inline tag string such as '<a href="x">' into (kind, tag, attrs) events."""

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.events: list[tuple[str, str, dict[str, str | None]]] = []

        def handle_starttag(self, tag, attrs):
            self.events.append(("start", tag, dict(attrs)))

        def handle_startendtag(self, tag, attrs):
            self.events.append(("start", tag, dict(attrs)))

        def handle_endtag(self, tag):
            self.events.append(("end", tag, {}))

    return TagEvents


def defuse(markup: str) -> str:
    """The markup with what can never end written as text: a '<' after the last '>', a comment opener after
    the last '-->', a CDATA opener after the last ']]>'. html.parser would rescan each from its start again
    and again (quadratic time, CVE-2025-6069: minutes for a 1 MB README) before treating it as text anyway.
    Lines stay as they are."""
    last = markup.rfind(">")
    if markup.find("<", last + 1) >= 0:
        markup = markup[: last + 1] + markup[last + 1 :].replace("<", "&lt;")
    for opener, closer in (("<!--", "-->"), ("<![CDATA[", "]]>")):
        end = markup.rfind(closer)
        cut = markup.find(opener, end + len(closer) if end >= 0 else 0)
        if cut >= 0:
            markup = markup[:cut] + markup[cut:].replace(opener, "&lt;" + opener[1:])
    return markup


def tag_events(markup: str) -> list[tuple[str, str, dict[str, str | None]]]:
    parser = _tag_event_parser()()
    try:
        parser.feed(defuse(markup))
        parser.close()
    except (AssertionError, ValueError):
        return []
    return parser.events


def inline_tree(children: list[Any] | None, line: int) -> list[Node]:
    """Turn markdown-it inline tokens into nodes; inline <a>, <img> and <br> tags become nodes too."""
    root: list[Node] = []
    stack: list[list[Node]] = [root]
    html_links: list[bool] = []  # for each open inline <a>: did it push a link node?
    for tok in children or []:
        kind = tok.type
        if kind in ("text", "text_special"):  # text_special: an escaped character or a character reference
            if tok.content:
                _add_text(stack[-1], tok.content, escaped=kind == "text_special", line=line)
        elif kind == "code_inline":
            stack[-1].append(Node("code", tok.content, line=line))
        elif kind in ("softbreak", "hardbreak"):
            stack[-1].append(Node("br", line=line))
            line += 1
        elif kind == "image":
            stack[-1].append(Node("image", tok.content, str(tok.attrGet("src") or ""), line=line))
        elif kind in ("link_open", "em_open", "strong_open"):
            node = Node(kind[:-5], href=str(tok.attrGet("href") or ""), line=line)
            stack[-1].append(node)
            stack.append(node.children)
        elif kind in ("link_close", "em_close", "strong_close", "s_close"):
            if len(stack) > 1:
                stack.pop()
        elif kind == "s_open":
            node = Node("text-group", line=line)
            stack[-1].append(node)
            stack.append(node.children)
        elif kind == "html_inline":
            for event, tag, attrs in tag_events(tok.content):
                if event == "start" and tag == "a":
                    anchor = attrs.get("name") or attrs.get("id")
                    if anchor:
                        stack[-1].append(Node("anchor", anchor, line=line))
                    if "href" in attrs:
                        node = Node("link", href=attrs.get("href") or "", line=line)
                        stack[-1].append(node)
                        stack.append(node.children)
                        html_links.append(True)
                    else:
                        html_links.append(False)
                elif event == "end" and tag == "a":
                    if html_links and html_links.pop() and len(stack) > 1:
                        stack.pop()
                elif event == "start" and tag == "img":
                    alt, src = attrs.get("alt") or "", attrs.get("src") or ""
                    stack[-1].append(Node("image", alt, src, line=line))
                elif event == "start" and tag in ("br", "p", "div", "li"):
                    stack[-1].append(Node("br", line=line))
                elif event == "start" and attrs.get("id"):
                    stack[-1].append(Node("anchor", attrs["id"] or "", line=line))
        elif tok.content:
            stack[-1].append(Node("text", tok.content, line=line))
    return _flatten_groups(root)


def _add_text(nodes: list[Node], text: str, *, escaped: bool, line: int) -> None:
    """Text joins the text node before it (as markdown-it's text_join would); a run whose first visible
    character was escaped is marked."""
    last = nodes[-1] if nodes else None
    if last is not None and last.kind == "text":
        if escaped and not last.text.strip():
            last.escaped = True
        last.text += text
    else:
        last = Node("text", text, line=line, escaped=escaped)
        nodes.append(last)
    if text.strip():
        last.escaped_end = escaped


def starts_escaped(nodes: list[Node]) -> bool:
    """Was the first visible character of the nodes written escaped (`\\[`, `&#91;`), so that it is text and
    never syntax?

    >>> starts_escaped(markdown_nodes(r"**\\[x\\] y**", 1)), starts_escaped(markdown_nodes("**[x] y**", 1))
    (True, False)
    """
    for node in nodes:
        if node.kind in ("link", "em", "strong"):
            if plain(node.children).strip():
                return starts_escaped(node.children)
        elif node.kind in ("text", "code") and node.text.strip():
            return node.kind == "text" and node.escaped
    return False


def ends_escaped(nodes: list[Node]) -> bool:
    """Was the last visible character of the nodes written escaped (`\\)`, `&#41;`)?

    >>> ends_escaped(markdown_nodes(r"x (ICML 2023\\)", 1)), ends_escaped(markdown_nodes("x (ICML 2023)", 1))
    (True, False)
    """
    for node in reversed(nodes):
        if node.kind in ("link", "em", "strong"):
            if plain(node.children).strip():
                return ends_escaped(node.children)
        elif node.kind in ("text", "code") and node.text.strip():
            return node.kind == "text" and node.escaped_end
    return False


def _flatten_groups(nodes: list[Node]) -> list[Node]:
    """Strikethrough carries no meaning here: splice its children in place."""
    out: list[Node] = []
    for node in nodes:
        node.children = _flatten_groups(node.children)
        if node.kind == "text-group":
            out.extend(node.children)
        else:
            out.append(node)
    return out


MARKDOWN_SPECIALS = frozenset("*_[]`\\<!&~")


def markdown_nodes(source: str, line: int) -> list[Node]:
    if not any(ch in MARKDOWN_SPECIALS for ch in source):
        return [Node("text", source, line=line)] if source else []
    tokens = markdown_parser().parseInline(source)
    return inline_tree(tokens[0].children if tokens else [], line)

