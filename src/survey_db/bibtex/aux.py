"""The cited keys of a LaTeX .aux file."""

from __future__ import annotations

import re

# ------------------------------------------------------------------------------------------- aux files

_AUX_CITE = re.compile(r"\\citation\{([^{}]*)\}|\\abx@aux@cite(?:\{[^{}]*\})?\{([^{}]*)\}")


def parse_aux(text: str) -> list[str]:
    """The cited keys of a LaTeX .aux file, in order, each once ('*' for \\nocite{*}).

    Reads `\\citation{a,b}` (BibTeX) and `\\abx@aux@cite{0}{key}` / `\\abx@aux@cite{key}` (biblatex).
    Files pulled in with `\\@input{...}` are not followed.
    """
    keys: dict[str, None] = {}
    for match in _AUX_CITE.finditer(text):
        for key in (match.group(1) if match.group(1) is not None else match.group(2)).split(","):
            key = key.strip()
            if key:
                keys.setdefault(key, None)
    return list(keys)
