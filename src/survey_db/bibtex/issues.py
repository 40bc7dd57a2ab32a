"""What is wrong in a .bib file (`BibIssue`), and the kinds of warning."""

from __future__ import annotations

from dataclasses import dataclass

# The kinds of warning: what BibTeX reads with a warning of its own, or what is kept in a way worth a word.
UNDEFINED_MACRO = "undefined macro"
MISSING_CROSSREF = "missing crossref target"
REPEATED_FIELD = "repeated field"
YEAR_NOT_NUMBER = "year not a number"
URL_WITHOUT_SCHEME = "link without http(s)"
NOT_UTF8 = "line not UTF-8"
UNPAIRED_ESCAPE = "unpaired \\{ or \\}"


@dataclass
class BibIssue:
    """A problem in a .bib file, shown as `FILE:LINE: key: what is wrong`; `kind` names a warning's kind."""

    source: str
    line: int | None
    key: str | None
    message: str
    kind: str = ""

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
