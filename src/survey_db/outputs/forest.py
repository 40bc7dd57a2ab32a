"""The taxonomy as a LaTeX `forest` figure body, in the shape survey papers on arXiv use.

The output is \\input inside a figure; the preamble needs only `\\usepackage[edges]{forest}` and
`\\usepackage{xcolor}`. Sections are nodes growing to the right (`grow'=0`, `forked edges`); each section's
papers form a leaf `Medusa~\\cite{cai2024medusa}, EAGLE~\\cite{li2024eagle}`.
"""

from __future__ import annotations

from survey_db.latex import unicode_to_latex
from survey_db.outputs.tree import TreeNode

# Fill colours by level (xcolor's standard names mixed with white), cycling in deep trees.
LEVEL_FILLS = ("blue!8", "cyan!8", "teal!8", "green!8", "orange!8", "red!6")
LEAF_WIDTH_EM = 26


def to_forest(root: TreeNode, *, title: str | None = None) -> str:
    """The figure body for `root` (the survey or a section) and everything below it."""
    levels = root.height + 1
    lines = [
        f"% Taxonomy of {_comment(title or root.title)}: made by survey export --taxonomy forest.",
        "% Preamble: \\usepackage[edges]{forest} and \\usepackage{xcolor}; \\input this file inside a figure",
        "% (wrap it in \\resizebox{\\textwidth}{!}{...}, with graphicx, when it is wider than the page).",
        "\\begin{forest}",
        "  forked edges,",
        "  for tree={",
        "    grow'=0,",
        "    draw=gray!80, rounded corners, line width=0.5pt,",
        # TikZ's align (forest's own `align` makes a tabular, which never wraps at the text width).
        "    node options+={align=left},",
        "    anchor=base west, parent anchor=east, child anchor=west,",
        "    font=\\footnotesize, inner xsep=3pt, inner ysep=2pt,",
        "    s sep=2pt, l sep=8pt,",
        "    edge={draw=gray!80, line width=0.5pt},",
        "  },",
        f"  leaf/.style={{text width={LEAF_WIDTH_EM}em, fill=gray!5, draw=gray!50}},",
        "  where level=0{font=\\small\\bfseries, fill=blue!12}{},",
    ]
    for level in range(1, levels):
        width = 6 + 2 * level
        fill = LEVEL_FILLS[(level - 1) % len(LEVEL_FILLS)]
        lines.append(f"  where level={level}{{text width={width}em, fill={fill}}}{{}},")
    _node(root, lines, "  ")
    lines.append("\\end{forest}")
    return "\n".join(lines) + "\n"


def _node(node: TreeNode, lines: list[str], indent: str) -> None:
    leaf = _leaf(node)
    if not node.children and leaf is None:
        lines.append(f"{indent}[{{{_text(node.title)}}}]")
        return
    lines.append(f"{indent}[{{{_text(node.title)}}}")
    for child in node.children:
        _node(child, lines, indent + "  ")
    if leaf is not None:
        lines.append(f"{indent}  [{{{leaf}}}, leaf]")
    lines.append(f"{indent}]")


def _leaf(node: TreeNode) -> str | None:
    if not node.papers:
        return None
    cited = [f"{_text(paper.name)}~\\cite{{{paper.key}}}" for paper in node.papers]
    if node.more:
        cited.append(f"\\textit{{and {node.more} more}}")
    return ", ".join(cited)


def _text(text: str) -> str:
    """A title or name as LaTeX; the braces around every node's content keep its commas and brackets
    from being read as forest syntax."""
    return unicode_to_latex(" ".join(text.split()))


def _comment(text: str) -> str:
    return " ".join(text.split())
