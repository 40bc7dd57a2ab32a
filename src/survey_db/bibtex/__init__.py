"""BibTeX and BibLaTeX files <-> plain `PaperRecord`s, losslessly.

The only package that imports bibtexparser (2.x), and only inside `parse_bib_texts`: importing it is
cheap. bibtexparser splits the file into blocks (no middleware); the values are interpreted here.
Its parts: `values` (value expressions, and each field's decoding and encoding), `fields` (the one table
of the fields a record knows, which drives reading and writing), `parse` (reading files), `write` (writing
them), `issues` (what is wrong in a file) and `aux` (the cited keys of a LaTeX .aux file).

Reading (`parse_bibtex`)
    Mapped fields become decoded Unicode attributes of the record: author (split on top-level 'and' as
    names.split_authors does, each name parsed with names.parse_name on the LaTeX text, then decoded),
    title, journaltitle/journal (article) or booktitle (every other type) -> venue_full, shortvenue ->
    venue, year (or the year of `date`), pages, doi (normalised), eprint with archivePrefix/eprinttype arXiv
    -> arxiv_id (the archive field is implied and not kept; primaryClass/eprintclass is kept as
    extra["primaryclass"]), url, code -> code_url, abstract, note, keywords -> topics (split on `,` or `;`).
    Whitespace runs in mapped fields become one space, as in BibTeX; `\\_`-style escapes in urls and DOIs
    (DBLP writes them) are undone. `year = {}` is no year. A `date` that only repeats the year is dropped;
    any other `date` is kept in extra.
    Every other field goes to `record.extra[name]` verbatim: the LaTeX between the delimiters as written
    (field names in lower case; a number or a "quoted" literal is kept as its text).

`record.raw` (field name -> a BibTeX value expression, delimiters included)
    Kept only where writing the decoded value back would not reproduce the file: a mapped field whose text
    differs from what `format_bibtex` would write for its decoded value, in ASCII or UTF-8 mode (`{\\"o}`
    is what the writer writes, so it needs no raw; `\\"{o}` does; whitespace and quotes vs braces do not
    count), and any field whose value is not one literal (a macro such as `month = jul`, or a
    concatenation `"10~" # jan`, kept exactly as written). Titles are kept with the braces that
    latex.protect_capitals adds (`{DoReMi}`), as the writer writes them, so that exports protect them and a
    DBLP title needs no raw at all. Author fields are compared name by name, so `Donald E. Knuth` needs no
    raw and is written back as `Knuth, Donald E.`. The venue's original is kept under "journaltitle" for
    articles (whether the file said journal or journaltitle) and under "booktitle" otherwise.

Macros
    `@string` definitions are expanded when read (BibParse.strings maps each name, as written, to its
    expanded LaTeX value). A field that used a macro keeps its expanded text in the record (extra, or the
    decoded attribute) and the expression in `raw`, so `month = jan` is written back bare as `jan` (and
    `journal = jams` as `jams`) whenever the expression still expands to the current value: the month macros
    jan..dec are predefined (expanding to "January"..."December", as in BibTeX's standard styles); other
    macros must be given to `format_bibtex(strings=...)`, else the expanded text is written instead.

Crossref
    A child inherits the fields it lacks from a parent in the same file (for display and search; BibTeX's
    same-name inheritance). `crossref` itself stays in extra. `format_bibtex` does not write a child's field
    whose text equals its parent's when the parent is exported too (so inherited fields are not written, and
    an import of the output inherits them again), writes parents after their children as BibTeX requires,
    and drops the `crossref` field of a child whose parent is not in the export.

Problems (`BibParse.errors`, `str()` is `FILE:LINE: key: what is wrong`) make an entry invalid; it is left
out of `records`: malformed entries, a missing or invalid key, a duplicate key (the first entry is kept; keys
differing only in case are the same key, as in BibTeX). What BibTeX reads with a warning is a warning here
(`warnings`, each with its `kind`), and the entry is read: an undefined macro (kept as its name), a missing
crossref parent, a field given twice (the first kept), a year that is not a number (`n.d.`: kept in extra,
no year), a url or code link that is not http(s) (`citeseer.ist.psu.edu/x.html`: kept in extra, so no
export makes a link of it). `parse_bib_texts` reads several files as one `\\bibliography{a,b,c}`.

Writing (`format_bibtex`) is a fast formatter of its own. Field order: author, editor, title, journal /
journaltitle / booktitle, year, date, month, volume, number, pages, publisher, address, location, edition,
series, organization, institution, school, howpublished, doi, eprint, archivePrefix / eprinttype,
primaryClass / eprintclass, url, urldate, note, abstract, code, shortvenue, keywords, then every other field
alphabetically. Unicode values are encoded with latex.unicode_to_latex (titles with protect_capitals);
url, code, doi and eprint are written verbatim (a brace, backslash or whitespace in them is percent-encoded).
Nothing a record holds can end an entry early or run a command: raw text is used only when it parses as a
value expression, is balanced and still decodes to the current value; verbatim extra values only when
their braces balance both for BibTeX (which counts `\\{`) and for bibtexparser (which does not), no line
starts with `@`, and they do not end in a backslash; otherwise they are re-encoded as text. Neither is used
when it holds a command that reads or writes files, runs programs or redefines TeX (`\\input`, `\\write`,
`\\def`, `\\csname`, `^^5c`, ...; see _UNSAFE_LATEX): such text is written as text, backslashes escaped.
arXiv-only papers (an arXiv id, neither venue nor venue_full) of a type that needs a venue (article,
inproceedings, incollection) are written as @misc. With
`ascii=True` (the default) raw text that is not ASCII is not used, and the non-ASCII letters of verbatim
extra values become LaTeX commands; characters LaTeX has no text command for (CJK, emoji) stay UTF-8.
In biblatex style the year is written as `date` (unless a `date` is kept in extra) and biber's data model
warns about the two custom fields `code` and `shortvenue`, which it ignores.

Both directions pause Python's cyclic garbage collector while they run (see `_bulk_work`).
"""

from survey_db.bibtex.aux import parse_aux
from survey_db.bibtex.issues import (
    MISSING_CROSSREF,
    NOT_UTF8,
    REPEATED_FIELD,
    UNDEFINED_MACRO,
    UNPAIRED_ESCAPE,
    URL_WITHOUT_SCHEME,
    YEAR_NOT_NUMBER,
    BibIssue,
)
from survey_db.bibtex.parse import (
    BLOCK_START,
    CROSSREF_TARGET,
    BibParse,
    block_spans,
    duplicate_message,
    parse_bib_texts,
    parse_bibtex,
    read_bib_file,
)
from survey_db.bibtex.values import MONTHS, authors_latex, topics_latex
from survey_db.bibtex.write import format_bibtex

__all__ = [
    "BLOCK_START",
    "CROSSREF_TARGET",
    "MISSING_CROSSREF",
    "MONTHS",
    "NOT_UTF8",
    "REPEATED_FIELD",
    "UNDEFINED_MACRO",
    "UNPAIRED_ESCAPE",
    "URL_WITHOUT_SCHEME",
    "YEAR_NOT_NUMBER",
    "BibIssue",
    "BibParse",
    "authors_latex",
    "block_spans",
    "duplicate_message",
    "format_bibtex",
    "parse_aux",
    "parse_bib_texts",
    "parse_bibtex",
    "read_bib_file",
    "topics_latex",
]
