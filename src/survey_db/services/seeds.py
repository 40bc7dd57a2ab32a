"""Seed files <-> database: `seeds/papers.bib` (the bibliography) and `seeds/taxonomy.toml` (the tree).

`dump` is deterministic (papers by key, sections in tree order, no timestamps), so seeding and dumping
again reproduces the seed files byte for byte, and a change to the data is a small text diff.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_db.errors import InputError
from survey_db.models import Paper
from survey_db.records import SectionRecord
from survey_db.services.io import ImportReport, ParsedInput, get_meta, import_parsed, section_rows
from survey_db.services.paper_records import load_papers, paper_to_record

PAPERS_FILE = "papers.bib"
TAXONOMY_FILE = "taxonomy.toml"


def read_seeds(seeds: Path) -> ParsedInput:
    """Parse the seed files without touching the database; a broken file is an InputError naming it."""
    from survey_db import bibtex

    papers_path, taxonomy_path = seeds / PAPERS_FILE, seeds / TAXONOMY_FILE
    for path in (papers_path, taxonomy_path):
        if not path.is_file():
            raise InputError(f"seed file {path} is missing")
    parsed_bib = bibtex.parse_bibtex(bibtex.read_bib_file(papers_path), source=str(papers_path))
    if parsed_bib.errors:
        raise InputError(f"{parsed_bib.errors[0]} (in the seeds; nothing was seeded)")
    try:
        taxonomy = tomllib.loads(taxonomy_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{taxonomy_path}: {exc}") from None
    index = {record.key: i for i, record in enumerate(parsed_bib.records)}
    parsed = ParsedInput(records=parsed_bib.records, by_key=True)
    for number, entry in enumerate(taxonomy.get("sections", []), start=1):
        path = entry.get("path")
        if not isinstance(path, list) or not path or not all(isinstance(p, str) for p in path):
            raise InputError(f"{taxonomy_path}: section {number} needs a path, a list of titles")
        keys = entry.get("papers", [])
        unknown = [key for key in keys if key not in index]
        if unknown:
            raise InputError(
                f"{taxonomy_path}: section {' > '.join(path)!r} names unknown key {unknown[0]!r}"
            )
        section = SectionRecord(path=path, slug=entry.get("slug"), description=entry.get("description"))
        parsed.sections.append((section, [index[key] for key in keys]))
    survey = taxonomy.get("survey", {})
    parsed.meta = {str(k): str(v) for k, v in survey.items()}
    return parsed


def seed(session: Session, seeds: Path) -> ImportReport:
    """Load the seed files; seeding an already seeded database changes nothing."""
    return import_parsed(session, read_seeds(seeds))


def _toml_string(text: str) -> str:
    """A TOML string: multi-line literal for readable multi-line text, else a basic string."""
    plain = all(ch in "\n\t" or (ch >= " " and ch != "\x7f") for ch in text)
    if "\n" in text and plain and "'''" not in text and not text.endswith("'"):
        return "'''\n" + text + "'''"
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def render_taxonomy(session: Session) -> str:
    """taxonomy.toml text: survey metadata, then every section in tree order with its paper keys."""
    keys = dict(session.execute(select(Paper.id, Paper.key)).all())
    lines = [
        "# The survey's taxonomy: sections in tree order, each with its papers' keys in table order.",
        "# Papers themselves live in papers.bib. Written by `survey dump`; edit freely, then `survey seed`.",
        "",
        "[survey]",
    ]
    lines += [f"{name} = {_toml_string(value)}" for name, value in get_meta(session).items()]
    for node, paper_ids in section_rows(session):
        section = node.section
        lines += ["", "[[sections]]", f"path = [{', '.join(_toml_string(p) for p in node.path)}]"]
        lines.append(f"slug = {_toml_string(section.slug)}")
        if section.description:
            lines.append(f"description = {_toml_string(section.description)}")
        if paper_ids:
            lines.append("papers = [")
            lines += [f"  {_toml_string(keys[pid])}," for pid in paper_ids]
            lines.append("]")
    return "\n".join(lines) + "\n"


def render_papers(session: Session) -> str:
    """papers.bib text: every paper, by key, in the survey's own BibTeX dialect."""
    from survey_db import bibtex

    ids = list(session.scalars(select(Paper.id).order_by(Paper.key)))
    records = [paper_to_record(paper) for paper in load_papers(session, ids)]
    for record in records:
        if record.protected:  # read back by `seed` into the protected fields
            record.extra["protected"] = ", ".join(record.protected)
    return bibtex.format_bibtex(records, style="bibtex", ascii=False)


@dataclass
class DumpedSeeds:
    paths: list[Path]
    replaced_links: list[Path] = field(default_factory=list)


def dump(session: Session, out_dir: Path, *, protected: Iterable[Path | None] = ()) -> DumpedSeeds:
    """Write the seed files into `out_dir` (created if missing): both are made in full, then renamed into
    place, so a failure leaves the old pair. Only regular files inside `out_dir` are written: a symlink
    there is replaced by a file (listed in `replaced_links`), never written through."""
    from survey_db.atomic import replace_files

    contents = {
        out_dir / PAPERS_FILE: render_papers(session),
        out_dir / TAXONOMY_FILE: render_taxonomy(session),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    links = replace_files(contents, follow_symlinks=False, protected=protected)
    return DumpedSeeds(paths=list(contents), replaced_links=links)
