"""JabRef's group tree, as JabRef saves it in a library: plain text in, group paths out (no database).

JabRef 3 and later write, after the entries,

    @Comment{jabref-meta: grouping:
    0 AllEntriesGroup:;
    1 StaticGroup:By status\\;2\\;1\\;0x8a8a8aff\\;\\;\\;;
    2 StaticGroup:To be read\\;0\\;0\\;0x336633ff\\;bullseye\\;\\;;
    }

one group a line: its depth, its kind, then its name and settings separated by `\\;` (a `\\` escapes the
next character), the line ending in `;`. An entry's own `groups` field lists the groups it is in
(`groups = {To be read, For teaching}`). JabRef 2 wrote `groupstree:` with `ExplicitGroup:`s that list
their entries' keys after the name and one setting.

Example: for the block above, group_tree(comments) gives [JabRefGroup(("By status",), "StaticGroup"),
JabRefGroup(("By status", "To be read"), "StaticGroup")].
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["JabRefGroup", "group_tree", "entry_groups"]

_TREE = re.compile(r"^\s*jabref-meta:\s*(?:grouping|groupstree):", re.IGNORECASE)
_ITEM = re.compile(r"(\d+)\s+([A-Za-z]+):(.*)", re.DOTALL)


@dataclass
class JabRefGroup:
    """A group: its names from the top of the tree (the root "All entries" left out), the kind JabRef gives
    it (StaticGroup, KeywordGroup, SearchGroup, ExplicitGroup, ...), and the keys an ExplicitGroup lists."""

    path: tuple[str, ...]
    kind: str
    keys: list[str] = field(default_factory=list)


def _fields(text: str) -> list[str]:
    """A group line's fields: split at each `\\;`, other `\\x` escapes undone."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            if text[i + 1] == ";":
                parts.append("".join(current))
                current = []
            else:
                current.append(text[i + 1])
            i += 2
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _items(body: str) -> list[str]:
    """The group lines of a tree: split at each `;` that ends one (not a `\\;` inside it)."""
    items, start, i = [], 0, 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] == ";":
            items.append(body[start:i])
            start = i + 1
        i += 1
    items.append(body[start:])
    return [item.strip() for item in items if item.strip()]


def group_tree(comments: Iterable[str]) -> list[JabRefGroup]:
    """The groups of the first group tree among a library's @comment texts, in tree order; [] without one."""
    for comment in comments:
        match = _TREE.match(comment)
        if match is None:
            continue
        groups: list[JabRefGroup] = []
        stack: list[str] = []
        for item in _items(comment[match.end() :]):
            parsed = _ITEM.fullmatch(item)
            if parsed is None:
                continue
            depth, kind = int(parsed.group(1)), parsed.group(2)
            if depth == 0:  # AllEntriesGroup: the whole library
                continue
            fields = _fields(parsed.group(3))
            name = " ".join(fields[0].split())
            if not name or depth > len(stack) + 1:
                continue
            del stack[depth - 1 :]
            stack.append(name)
            keys = [k.strip() for k in fields[2:] if k.strip()] if kind == "ExplicitGroup" else []
            groups.append(JabRefGroup(tuple(stack), kind, keys))
        return groups
    return []


def entry_groups(value: str) -> list[str]:
    """The group names of an entry's `groups` field (JabRef separates them with commas)."""
    return [name for name in (" ".join(part.split()) for part in value.split(",")) if name]
