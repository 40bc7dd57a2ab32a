"""The taxonomy as Graphviz DOT, and as SVG drawn by Graphviz's `dot` program."""

from __future__ import annotations

import textwrap

from survey_db.errors import SurveyError
from survey_db.outputs.tree import TreeNode

NAMES_PER_LINE = 4
TITLE_WIDTH = 30  # characters per line of a section's box; long titles wrap at spaces


def to_dot(root: TreeNode) -> str:
    """A left-to-right digraph: sections as rounded boxes, each section's papers as a leaf box."""
    lines = [
        "digraph taxonomy {",
        '  graph [rankdir=LR, nodesep=0.15, ranksep=0.35, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#dbe9f6", color="#6b8fb3", '
        'fontname="Helvetica", fontsize=11];',
        '  edge [color="#8c959f", arrowhead=none];',
    ]
    counter = iter(range(1_000_000_000))

    def visit(node: TreeNode, parent: str | None) -> None:
        name = f"n{next(counter)}"
        title = "\\n".join(_escape(line) for line in textwrap.wrap(" ".join(node.title.split()), TITLE_WIDTH))
        lines.append(f'  {name} [label="{title}"];')
        if parent:
            lines.append(f"  {parent} -> {name};")
        for child in node.children:
            visit(child, name)
        if node.papers:
            leaf = f"n{next(counter)}"
            names = [paper.name for paper in node.papers]
            if node.more:
                names.append(f"and {node.more} more")
            rows = [", ".join(names[i : i + NAMES_PER_LINE]) for i in range(0, len(names), NAMES_PER_LINE)]
            label = "".join(_escape(row) + "\\l" for row in rows)
            lines.append(f'  {leaf} [label="{label}", fillcolor="#f6f8fa", color="#8c959f", fontsize=10];')
            lines.append(f"  {name} -> {leaf};")

    visit(root, None)
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(dot_source: str) -> str:
    """SVG drawn by Graphviz's `dot`; a SurveyError when the program is missing or fails."""
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        raise SurveyError(
            "Graphviz's dot program is not installed (Debian: apt-get install graphviz); "
            "--taxonomy dot writes the source without it"
        )
    done = subprocess.run(
        [program, "-Tsvg"], input=dot_source.encode("utf-8"), capture_output=True, check=False
    )
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SurveyError(f"Graphviz's dot failed: {reason[0] if reason else f'exit {done.returncode}'}")
    return done.stdout.decode("utf-8")


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')

