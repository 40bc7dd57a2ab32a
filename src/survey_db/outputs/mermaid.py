"""The taxonomy as a Mermaid flowchart, which GitHub draws where a README has a ```mermaid block."""

from __future__ import annotations

from survey_db.outputs.tree import TreeNode

NAMES_PER_LINE = 4


def to_mermaid(root: TreeNode) -> str:
    """A `flowchart LR`: sections as boxes, each section's papers as a leaf box of their short names.

    Example output:
        flowchart LR
          n0["The Role of Small Models"]
          n0 --> n1["Collaboration"]
    """
    lines = ["flowchart LR"]
    counter = iter(range(1_000_000_000))
    leaves: list[str] = []

    def visit(node: TreeNode, parent: str | None) -> None:
        name = f"n{next(counter)}"
        box = f'{name}["{_label(node.title)}"]'
        lines.append(f"  {parent} --> {box}" if parent else f"  {box}")
        for child in node.children:
            visit(child, name)
        if node.papers:
            leaf = f"n{next(counter)}"
            leaves.append(leaf)
            lines.append(f'  {name} --> {leaf}["{_leaf_label(node)}"]')

    visit(root, None)
    if leaves:
        lines.append("  classDef leaf fill:#f6f8fa,stroke:#8c959f,color:#24292f")
        lines.append(f"  class {','.join(leaves)} leaf")
    return "\n".join(lines) + "\n"


def _leaf_label(node: TreeNode) -> str:
    names = [_label(paper.name) for paper in node.papers]
    if node.more:
        names.append(f"and {node.more} more")
    rows = [", ".join(names[i : i + NAMES_PER_LINE]) for i in range(0, len(names), NAMES_PER_LINE)]
    return "<br>".join(rows)


def _label(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes and markup characters as Mermaid's entity codes."""
    text = " ".join(text.split())
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text
