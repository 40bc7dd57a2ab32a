"""The taxonomy as plain data for the figures: sections as nodes, the papers placed in each as a leaf."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LeafPaper:
    """A paper in a leaf: its citation key and the short name a figure shows ('Medusa', 'Chen')."""

    key: str
    name: str


@dataclass
class TreeNode:
    """A section (or the survey itself, at the root) with the papers placed in it and its subsections.

    `more` counts the papers left out of `papers` by a --max-per-leaf limit, so a figure can say so.
    """

    title: str
    slug: str
    papers: list[LeafPaper] = field(default_factory=list)
    children: list[TreeNode] = field(default_factory=list)
    more: int = 0

    def walk(self):
        """This node and every node below it, in tree (pre-)order."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def height(self) -> int:
        """Levels of sections below this node (0 for a node without subsections)."""
        return 1 + max(child.height for child in self.children) if self.children else 0


def short_name(shorttitle: str | None, last_names: list[str], key: str) -> str:
    """What a leaf shows for a paper: its `shorttitle` field, else its first author's last name, else
    its key.

    >>> short_name(None, ["Cai", "Li"], "cai2024medusa")
    'Cai'
    """
    if shorttitle and shorttitle.strip():
        return " ".join(shorttitle.split())
    for last in last_names:
        if last.strip():
            return last.strip()
    return key
