"""Plain records that importers produce and exporters consume, independent of the database.

A `PaperRecord` is one paper as a file format sees it: BibTeX, an awesome-list README row, a CSV row,
CSL-JSON. Services turn records into rows and rows back into records.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Name:
    """A person's name in BibTeX's four parts: `Name(first="Ludwig", von="van", last="Beethoven")`."""

    first: str = ""
    last: str = ""
    von: str = ""
    jr: str = ""

    @property
    def display(self) -> str:
        """'First von Last, Jr' as people write it."""
        text = " ".join(part for part in (self.first, self.von, self.last) if part)
        return f"{text}, {self.jr}" if self.jr else text

    @property
    def bibtex(self) -> str:
        """'von Last, Jr, First' as BibTeX reads it unambiguously."""
        last = " ".join(part for part in (self.von, self.last) if part)
        if self.jr:
            return f"{last}, {self.jr}, {self.first}"
        return f"{last}, {self.first}" if self.first else last


@dataclass
class PaperRecord:
    """One paper as read from or written to a file.

    `venue` is the short name ("NeurIPS"), `venue_full` the full one ("Advances in Neural Information
    Processing Systems 36"). `extra` holds every other BibTeX field verbatim, so nothing is lost; `raw`
    holds the original LaTeX text of fields that were decoded into the Unicode attributes.
    """

    title: str
    key: str | None = None
    # None: derived from the venue's kind (article, inproceedings, misc).
    entry_type: str | None = None
    authors: list[Name] = field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    venue_full: str | None = None
    url: str | None = None
    code_url: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    pages: str | None = None
    abstract: str | None = None
    note: str | None = None
    topics: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    # Fields a person typed (attribute names), which a lookup never overwrites; `protected` in seed files.
    protected: list[str] = field(default_factory=list)
    # Where the record came from, for messages: "refs.bib:12".
    source: str | None = None


@dataclass
class SectionRecord:
    """A taxonomy section: `path` is the titles from the root, `keys` the ordered papers placed in it."""

    path: list[str]
    slug: str | None = None
    description: str | None = None
    keys: list[str] = field(default_factory=list)
