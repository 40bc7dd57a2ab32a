"""Real libraries from ../shared/corpus/bib: every entry BibTeX reads is imported, the files of one library
read together. "Reads" is the number of \\bibitem BibTeX writes for \\nocite{*} over the same files, so the
test holds for any library put here, not only these."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from textools import need, run

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "bib"

# Each library's files in the order LaTeX is given them (\bibliography{...}).
LIBRARIES = {
    "plume-bib": ("mernst+plume-bib", ["bibstring-unabbrev", "crossrefs", "testing", "types"]),
    "iridia": ("iridia-ulb+references", ["abbrev", "journals", "authors", "crossref", "articles", "biblio"]),
    # abbrevshort.bib is the alternative to abbrev.bib; it lacks the `and` macro that joins author macros
    "iridia-abbrevshort": (
        "iridia-ulb+references",
        ["abbrevshort", "journals", "authors", "crossref", "articles", "biblio"],
    ),
    "jabref": ("JabRef+jabref", ["jabref-authors"]),
}


def bibtex_reads(folder: Path, names: list[str], tmp_path: Path) -> int:
    """How many entries bibtex reads from the files together: its \\bibitems for \\nocite{*}."""
    need("bibtex", "texlive-binaries")
    work = tmp_path / "tex"
    work.mkdir()
    for name in names:  # bibtex reads .bib files by name from the working folder
        (work / f"{name}.bib").symlink_to(folder / f"{name}.bib")
    (work / "doc.aux").write_text(
        "\\relax\n\\citation{*}\n\\bibstyle{plain}\n\\bibdata{" + ",".join(names) + "}\n"
    )
    result = run(["bibtex", "doc"], work)
    bbl = work / "doc.bbl"
    assert bbl.exists(), result.stdout + result.stderr
    return len(re.findall(r"^\\bibitem", bbl.read_text(errors="replace"), flags=re.MULTILINE))


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_every_entry_bibtex_reads_is_imported(cli, empty_db, tmp_path, library):
    folder_name, names = LIBRARIES[library]
    folder = CORPUS / folder_name
    if not all((folder / f"{name}.bib").is_file() for name in names):
        pytest.skip(f"the corpus library {folder_name} is not at {folder}")
    reads = bibtex_reads(folder, names, tmp_path)
    assert reads > 0
    result = cli("import", *[folder / f"{name}.bib" for name in names], db=empty_db)
    assert result.exit_code == 0, result.stderr[-2000:]
    added = int(re.search(r": (\d+) added", result.stdout).group(1))
    assert added == reads, result.stdout
    assert "invalid" not in result.stdout
    stats = json.loads(cli("stats", "--format", "json", db=empty_db).stdout)
    assert stats["papers"] == reads
