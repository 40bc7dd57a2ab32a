"""Which format a file to import is in, and whether it can be read: checks made before anything heavy loads.

`survey import` makes them first, then starts reading a .bib file in a second process (see
services.bibstream) before this process loads the database layer, so that the two overlap.

>>> detect_format(Path("refs.bib"), None)
'bibtex'
"""

from __future__ import annotations

from pathlib import Path

from survey_db.errors import InputError, NotFoundError

FORMATS = {
    ".bib": "bibtex",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "csl-json",
}


def detect_format(path: Path, given: str | None) -> str:
    if given:
        if given not in set(FORMATS.values()):
            raise InputError(
                f"unknown format {given!r}; choose one of {', '.join(sorted(set(FORMATS.values())))}"
            )
        return given
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"cannot tell the format of {path.name}; give --format")
    return fmt


def check_readable(path: Path) -> None:
    if not path.exists():
        raise NotFoundError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file")
