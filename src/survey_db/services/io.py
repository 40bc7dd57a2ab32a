"""Import, export, seed and dump: files in, files out, each import one transaction."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey_db.dialect import fts_automerge
from survey_db.errors import InputError
from survey_db.models import (
    Paper,
    Placement,
    Section,
    SurveyMeta,
)
from survey_db.records import PaperRecord, SectionRecord
from survey_db.services.formats import FORMATS as FORMATS
from survey_db.services.formats import check_readable as check_readable
from survey_db.services.formats import detect_format as detect_format
from survey_db.services.taxonomy import append_placements, ensure_section, section_tree

if TYPE_CHECKING:
    from survey_db.services.bibstream import BibBatch
    from survey_db.services.store import Store
    from survey_db.services.taxonomy import SectionNode

# Importing (services.store, services.bibstream) loads inside the functions that import: `query` and
# `export` start faster without them.

BATCH = 2000
# Records of a whole-file import written between two reports of progress.
IMPORT_BATCH = 5000


# Kinds of import warning beyond the .bib reader's own (bibtex.UNDEFINED_MACRO, ...).
NEW_TOPIC = "new topic"
POSSIBLE_DUPLICATE = "possible duplicate"
SHARED_IDENTIFIER = "identifier of another paper"
SAME_PAPER = "same paper twice"
KEPT_AS_FIELD = "value kept as a plain field"
OTHER = "other"


@dataclass
class ImportReport:
    """What an import did. `warnings` are messages about input that was read but looked wrong, each of the
    kind at the same index of `kinds` (see `warn`); `invalid` the entries left out, each with its reason."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    sections_added: int = 0
    placements_added: int = 0
    # README items that are not papers, per reason ("no paper link": 3).
    not_papers: dict[str, int] = field(default_factory=dict)

    def warn(self, kind: str, messages: Iterable[str]) -> None:
        for message in messages:
            self.warnings.append(message)
            self.kinds.append(kind)

    def kinded_warnings(self) -> list[tuple[str, str]]:
        """(kind, message) of each warning, in order (OTHER for one added without a kind)."""
        kinds = self.kinds + [OTHER] * (len(self.warnings) - len(self.kinds))
        return list(zip(kinds, self.warnings, strict=False))

    def warning_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind, _ in self.kinded_warnings():
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def summary(self) -> str:
        text = f"{len(self.added)} added, {len(self.updated)} updated, {len(self.skipped)} skipped"
        if self.invalid:
            text += f", {len(self.invalid)} invalid"
        if self.not_papers:
            text += f", {sum(self.not_papers.values())} items not papers"
        if self.sections_added:
            text += f", {self.sections_added} sections added"
        counts = self.warning_counts()
        if counts:
            text += "; warnings: " + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        return text


@dataclass
class ParsedInput:
    """Records read from one file, the sections they go in, and survey metadata found in it."""

    records: list[PaperRecord]
    sections: list[tuple[SectionRecord, list[int]]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    by_key: bool = False
    # A README: items that are not papers, per reason, and what the reader made of each item.
    not_papers: dict[str, int] = field(default_factory=dict)
    explanation: list[str] = field(default_factory=list)


def read_text(path: Path, encoding: str | None = None) -> str:
    """A text file's contents; missing, binary or undecodable files are InputErrors."""
    check_readable(path)
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise InputError(f"{path} is a binary file, not text")
    try:
        text = data.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(
            f"{path} is not valid {encoding or 'UTF-8'} text ({exc}); try --encoding latin-1"
        ) from None
    if "\x00" in text:  # no database here stores one (PostgreSQL cannot)
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(f"{path}:{line}: a NUL character; nothing imported")
    return text


def parse_file(
    path: Path, fmt: str, *, encoding: str | None = None, skip_invalid: bool = False
) -> ParsedInput:
    """Read a file into records without touching the database."""
    source = path.name
    check_readable(path)
    if fmt == "bibtex":
        from survey_db import bibtex

        notes: list[bibtex.BibIssue] = []
        text = bibtex.read_bib_file(path, encoding=encoding, warnings=notes)
        parsed = bibtex.parse_bibtex(text, source=source)
        problems = [str(issue) for issue in parsed.errors]
        if problems and not skip_invalid:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise InputError(problems[0] + more + "; nothing imported (--skip-invalid imports the rest)")
        result = ParsedInput(records=parsed.records, invalid=problems, by_key=True)
        result.warnings = [str(issue) for issue in notes + parsed.warnings] + [
            f"{source}: key {key!r} appears more than once" for key in parsed.duplicates_in_file
        ]
        return result
    text = read_text(path, encoding)
    if fmt == "markdown":
        from survey_db import markdown

        readme = markdown.parse_readme(text, source=source)
        # Rows before the first section heading are imported too, in no section.
        result = ParsedInput(records=list(readme.loose_rows))
        for section in readme.sections:
            start = len(result.records)
            result.records.extend(section.rows)
            indices = list(range(start, len(result.records)))
            record = SectionRecord(path=section.path, slug=section.slug, description=section.description)
            result.sections.append((record, indices))
        if readme.title:
            result.meta["title"] = readme.title
        if readme.citation:
            result.meta["citation"] = readme.citation
        errors = [f"{source}:{p.line}: {p.message}" for p in readme.problems if p.severity == "error"]
        result.warnings = errors
        result.not_papers = markdown.skipped_reasons(readme)
        result.explanation = markdown.explain_lines(readme)
        return result
    if fmt in ("csv", "tsv"):
        from survey_db.tables import read_table

        rows = read_table(text, source, delimiter="\t" if fmt == "tsv" else ",")
        result = ParsedInput(records=[record for record, _ in rows])
        by_path: dict[str, list[int]] = {}
        for index, (_, section_path) in enumerate(rows):
            if section_path:
                by_path.setdefault(section_path, []).append(index)
        from survey_db.services.taxonomy import split_path

        result.sections = [(SectionRecord(path=split_path(p)), idx) for p, idx in by_path.items()]
        return result
    if fmt == "csl-json":
        from survey_db import csl

        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        except RecursionError:
            raise InputError(f"{source}: JSON nested too deeply") from None
        return ParsedInput(records=csl.csl_to_records(data))
    raise InputError(f"unknown format {fmt!r}")


def import_parsed(
    session: Session,
    parsed: ParsedInput,
    *,
    overwrite: bool = False,
    progress: Callable[[float], None] | None = None,
) -> ImportReport:
    """Write parsed records: match, fill or add, then place them in sections, in the caller's transaction.

    The records go in batches (as `import_bibtex` writes them); `progress` is called with the share done.
    """
    report = ImportReport(invalid=list(parsed.invalid), not_papers=dict(parsed.not_papers))
    report.warn(OTHER, parsed.warnings)
    importer = _Importer(session, by_key=parsed.by_key, overwrite=overwrite, report=report)
    records = parsed.records
    paper_ids: list[int | None] = []
    with bulk_work(session, len(records)):
        for start in range(0, len(records), IMPORT_BATCH):
            paper_ids += importer.add(records[start : start + IMPORT_BATCH])
            if progress is not None:
                progress(0.9 * min(start + IMPORT_BATCH, len(records)) / len(records))
    importer.finish()
    count_sections = select(func.count()).select_from(Section)
    before = session.execute(count_sections).scalar_one()
    for section, indices in parsed.sections:
        row = ensure_section(session, section.path, slug=section.slug, description=section.description)
        ids = [pid for i in indices if (pid := paper_ids[i]) is not None]
        report.placements_added += append_placements(session, row.id, ids)
    report.sections_added = session.execute(count_sections).scalar_one() - before
    if parsed.meta:
        set_meta(session, parsed.meta, overwrite=False)
    session.flush()
    if progress is not None:
        progress(1.0)
    return report


def import_bibtex(
    session: Session,
    batches: Iterable[BibBatch],
    source: str,
    *,
    overwrite: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[float], None] | None = None,
    expected: int = 0,
) -> ImportReport:
    """Import .bib files batch by batch (see services.bibstream), in the caller's transaction.

    An entry that cannot be read (a syntax error, a duplicate key) or stored (a value beyond a limit that
    keeps exports valid) stops the import, after all of it is read to count the problems, unless
    `skip_invalid`: then it is left out and listed in `invalid`. What BibTeX reads with a warning is a
    warning. A JabRef group tree (`@Comment{jabref-meta: grouping: ...}`) becomes sections, and each entry's
    `groups` field its places in them. `progress` is called with the share of the files done after each
    batch; `expected` is about how many entries the files hold (see `bulk_work`).
    """
    from survey_db.jabref import entry_groups

    report = ImportReport()
    problems: list[str] = []
    importer = _Importer(session, by_key=True, overwrite=overwrite, report=report, invalid=problems)
    comments: list[str] = []
    member_of: dict[str, list[str]] = {}  # key -> its JabRef groups
    with bulk_work(session, expected):
        for batch in batches:
            problems.extend(batch.errors)
            for issue in batch.warnings:
                report.warn(issue.kind or OTHER, [str(issue)])
            repeated = (f"{source}: key {key!r} appears more than once" for key in batch.duplicates)
            report.warn(POSSIBLE_DUPLICATE, repeated)
            comments.extend(c for c in batch.comments if "jabref-meta" in c)
            for record in batch.records:
                if "groups" in record.extra and record.key:
                    member_of[record.key] = entry_groups(record.extra["groups"])
            if not problems or skip_invalid:
                importer.add(batch.records)
            else:  # nothing will be written: only count what could not be
                importer.check(batch.records)
            if progress is not None:
                progress(batch.done)
    if problems and not skip_invalid:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(problems[0] + more + "; nothing imported (--skip-invalid imports the rest)")
    report.invalid = problems
    importer.finish()
    if comments:
        _place_in_jabref_groups(session, comments, member_of, report)
    session.flush()
    return report


def _place_in_jabref_groups(
    session: Session, comments: list[str], member_of: dict[str, list[str]], report: ImportReport
) -> None:
    """Sections for a JabRef group tree, and the imported entries placed in the groups they name."""
    from survey_db.jabref import group_tree
    from survey_db.models import KeyAlias

    groups = group_tree(comments)
    if not groups:
        return
    keys = set(member_of).union(k for group in groups for k in group.keys)
    paper_of: dict[str, int] = {}
    listed = sorted(keys)
    for start in range(0, len(listed), 500):
        part = listed[start : start + 500]
        for statement in (
            select(KeyAlias.alias, KeyAlias.paper_id).where(KeyAlias.alias.in_(part)),
            select(Paper.key, Paper.id).where(Paper.key.in_(part)),
        ):
            paper_of.update((key, pid) for key, pid in session.execute(statement))
    by_name: dict[str, list[int]] = {}
    for key, names in member_of.items():
        if key in paper_of:
            for name in names:
                by_name.setdefault(name, []).append(paper_of[key])
    count_sections = select(func.count()).select_from(Section)
    before = session.execute(count_sections).scalar_one()
    for group in groups:
        row = ensure_section(session, list(group.path))
        ids = [paper_of[k] for k in group.keys if k in paper_of] + by_name.get(group.path[-1], [])
        report.placements_added += append_placements(session, row.id, ids)
    report.sections_added += session.execute(count_sections).scalar_one() - before


@contextmanager
def bulk_work(session: Session, expected: int = 0) -> Iterator[None]:
    """Settings for writing many rows: the cyclic garbage collector paused (with many records alive, each
    full collection walks all of them, and the work forms no cycles worth collecting before it ends), and
    on SQLite a page cache of 64 MiB instead of 2 MiB (index pages are updated in random order).

    When about `expected` new papers are at least as many as the stored ones (and many), SQLite's plain
    (not unique) indexes on papers and their links are dropped and built again at the end, in the same
    transaction: building an index from all rows at once costs less than updating it row by row.
    """
    collecting = gc.isenabled()
    gc.disable()
    sqlite = session.get_bind().dialect.name == "sqlite"
    connection = session.connection()
    if sqlite:
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        connection.exec_driver_sql("PRAGMA cache_size=-65536")
    rebuild = _drop_plain_indexes(session) if sqlite and expected >= BULK_REBUILD else []
    if rebuild:
        # The full-text index merges its segments less often meanwhile (FTS5 'automerge'; 4 is its default).
        connection.exec_driver_sql(fts_automerge(16))
    try:
        yield
        for statement in rebuild:
            connection.exec_driver_sql(statement)
        if rebuild:
            connection.exec_driver_sql(fts_automerge(4))
    finally:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")
        if collecting:
            gc.enable()


# Imports of at least this many papers (into a database holding no more) rebuild the plain indexes.
BULK_REBUILD = 20000
_BULK_TABLES = ("papers", "paper_authors", "paper_topics")


def _drop_plain_indexes(session: Session) -> list[str]:
    """Drop the non-unique indexes of the paper tables (SQLite) unless the table holds many papers already;
    returns the statements that create them again."""
    connection = session.connection()
    if (connection.exec_driver_sql("SELECT count(*) FROM papers").scalar() or 0) > BULK_REBUILD:
        return []
    marks = ", ".join("?" * len(_BULK_TABLES))
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND upper(sql) NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({marks}) ORDER BY name",
        _BULK_TABLES,
    ).all()
    for name, _ in rows:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


class _Importer:
    """Matches records with stored papers and writes the new ones in batches (one import's state)."""

    def __init__(
        self,
        session: Session,
        *,
        by_key: bool,
        overwrite: bool,
        report: ImportReport,
        invalid: list[str] | None = None,
    ):
        from survey_db.services.store import Store

        self.session, self.by_key, self.overwrite, self.report = session, by_key, overwrite, report
        # Where a record that cannot be stored is listed (and left out); None: it is an InputError.
        self.invalid = invalid
        self.store = Store(session)
        # The DOI and arXiv id of papers waiting to be inserted, and whose they are.
        self.pending_ids: dict[tuple[str, str | None], str | None] = {}

    def check(self, records: list[PaperRecord]) -> list[PaperRecord | None]:
        """The records, each that cannot be stored None instead and listed in `invalid` (an InputError
        when there is no such list)."""
        from survey_db.services.store import check_record

        checked: list[PaperRecord | None] = list(records)
        for index, record in enumerate(records):
            try:
                check_record(record, require_title=False)
            except InputError as exc:
                if self.invalid is None:
                    raise
                if _keep_as_fields(record, self.report):
                    continue
                checked[index] = None
                self.invalid.append(_located(record, str(exc)))
        return checked

    def add(self, records: list[PaperRecord]) -> list[int | None]:
        """Match, fill or add each record; returns the paper id of each (None when it was not imported)."""
        session, store, report = self.session, self.store, self.report
        # None only where a record was left out (listed in `invalid`); the loops below skip those indexes.
        records = self.check(records)  # type: ignore[assignment]
        paper_ids: list[int | None] = [None] * len(records)
        pending: list[int] = []
        pending_index: dict[tuple[str, str], int] = {}

        def flush() -> None:
            if not pending:
                return
            ids = store.insert([records[i] for i in pending])
            for index, pid in zip(pending, ids, strict=True):
                paper_ids[index] = pid
                report.added.append(records[index].key or "")
            pending.clear()
            pending_index.clear()
            self.pending_ids.clear()  # the store knows them now

        for index, record in enumerate(records):
            if record is None:
                continue
            pid, warnings = store.match(record, by_key=self.by_key)
            report.warn(SHARED_IDENTIFIER, warnings)
            if pid is None:
                twin, twin_warnings = _pending_twin(record, pending_index, records, self.by_key)
                report.warn(SHARED_IDENTIFIER, twin_warnings)
                if twin is not None:
                    _fill_from_twin(records[twin], record)
                    paper_ids[index] = -1 - twin  # resolved after the batch is inserted
                    report.skipped.append(record.title)
                    message = f"{record.source or record.title}: same paper as an earlier row; skipped"
                    report.warn(SAME_PAPER, [message])
                    continue
                if self.by_key:
                    similar = store.similar_title(record)
                    if similar is not None:
                        other = session.get_one(Paper, similar)
                        message = f"{record.key}: possible duplicate of {other.key} (same title)"
                        report.warn(POSSIBLE_DUPLICATE, [message])
                    found = _unique_identifiers(session, store, record, self.pending_ids)
                    report.warn(POSSIBLE_DUPLICATE, found)
                    self.pending_ids[("arxiv_id", record.arxiv_id)] = record.key
                    self.pending_ids[("doi", record.doi)] = record.key
                pending.append(index)
                for ident in _identities(record, self.by_key):
                    pending_index[ident] = index
                if len(pending) >= BATCH:
                    flush()
                continue
            changed, conflicts = store.merge_into(pid, record, overwrite=self.overwrite)
            paper_ids[index] = pid
            key = session.get_one(Paper, pid).key
            (report.updated if changed else report.skipped).append(key)
            report.conflicts.extend(f"{key}: {c}" for c in conflicts)
        flush()
        for index, pid in enumerate(paper_ids):
            if pid is not None and pid < 0:
                paper_ids[index] = paper_ids[-1 - pid]
        return paper_ids

    def finish(self) -> None:
        if len(self.store.new_topics) > 1 and not self.store.topics_before:
            # An import into a survey without topics: new topics are expected, and one line names them.
            self.report.notices.extend(self.store.new_topic_notes())
        else:
            self.report.warn(NEW_TOPIC, self.store.new_topic_notes())


def _keep_as_fields(record: PaperRecord, report: ImportReport) -> bool:
    """Make a .bib record storable by keeping its too long authors, venue, pages or keywords as plain
    fields (BibTeX reads them: an author list glued by an undefined `and` macro is one long name); True
    when that is enough, with a warning for each field kept so."""
    from dataclasses import replace

    from survey_db.bibtex import authors_latex, topics_latex
    from survey_db.latex import unicode_to_latex
    from survey_db.services.store import check_record

    venue_field = "journal" if record.entry_type == "article" else "booktitle"
    movable = [
        ("authors", "author", "author"),
        ("venue_full", venue_field, "journaltitle" if record.entry_type == "article" else "booktitle"),
        ("venue", "shortvenue", "shortvenue"),
        ("pages", "pages", "pages"),
        ("topics", "keywords", "keywords"),
    ]
    latex: dict[str, Callable[[Any], str]] = {"authors": authors_latex, "topics": topics_latex}
    cleared: dict[str, Any] = {}
    for attribute, _, _ in movable:
        if getattr(record, attribute):
            cleared[attribute] = [] if attribute in latex else None
            try:
                check_record(replace(record, **cleared), require_title=False)
            except InputError:
                continue
            break
    else:
        return False
    kept = []
    for attribute, name, raw_key in movable:
        if attribute not in cleared or name in record.extra:
            continue
        value = getattr(record, attribute)
        record.extra[name] = latex[attribute](value) if attribute in latex else unicode_to_latex(value, False)
        if raw_key in record.raw:
            record.raw[name] = record.raw.pop(raw_key)
        setattr(record, attribute, cleared[attribute])
        kept.append(name)
    try:
        check_record(record, require_title=False)
    except InputError:
        return False
    where = f"{record.source}: {record.key}: " if record.source else f"{record.key}: "
    for name in kept:
        message = f"{where}{name} holds a value too long to store (an undefined macro?); kept as a field"
        report.warn(KEPT_AS_FIELD, [message])
    return True


def _located(record: PaperRecord, message: str) -> str:
    """`FILE:LINE: key: message` for a record's problem reported as `FILE:LINE: message`."""
    where = f"{record.source}: "
    if record.source and record.key and message.startswith(where):
        return f"{where}{record.key}: {message.removeprefix(where)}"
    return message


def _unique_identifiers(
    session: Session, store: Store, record: PaperRecord, pending_ids: dict[tuple[str, str | None], str | None]
) -> list[str]:
    """A new .bib entry whose arXiv id or DOI another paper already has keeps it as a plain field.

    The columns are unique, but a .bib file may hold the same item twice (an article and its @online
    twin): both are imported, and the second is reported as a possible duplicate.
    """
    warnings = []
    for attribute, label in (("arxiv_id", "arXiv id"), ("doi", "DOI")):
        value = getattr(record, attribute)
        if not value:
            continue
        owner = pending_ids.get((attribute, value))
        if owner is None:
            pid = store.identifier_owner(PaperRecord(title="", **{attribute: value}))
            owner = session.get_one(Paper, pid[1]).key if pid else None
        if owner is None:
            continue
        if attribute == "arxiv_id":
            original = record.raw.pop("eprint", "").strip('{}"') or value
            record.extra.setdefault("eprint", original)
            record.extra.setdefault("eprinttype", "arxiv")
        else:
            record.extra.setdefault("doi", value)
        setattr(record, attribute, None)
        warnings.append(f"{record.key}: possible duplicate of {owner} (same {label}); kept as a plain field")
    return warnings


def _identities(record: PaperRecord, by_key: bool) -> list[tuple[str, str]]:
    from survey_db.services.store import title_norm

    if by_key:
        return [("key", record.key)] if record.key else []
    title = title_norm(record.title)
    idents = [("title", title)] if title else []
    if record.doi:
        idents.append(("doi", record.doi))
    if record.arxiv_id:
        idents.append(("arxiv", record.arxiv_id))
    return idents


def _fill_from_twin(earlier: PaperRecord, twin: PaperRecord) -> None:
    """A later row of the same paper in one file fills what the earlier row left empty, as a row matching a
    stored paper does; a different paper link is kept in the note rather than lost."""
    for name in ("url", "code_url", "venue", "year", "pages", "abstract"):
        if getattr(earlier, name) in (None, "") and getattr(twin, name) not in (None, ""):
            setattr(earlier, name, getattr(twin, name))
    if not earlier.authors and twin.authors:
        earlier.authors = list(twin.authors)
    for name, value in twin.extra.items():
        earlier.extra.setdefault(name, value)
    if twin.url and earlier.url and twin.url != earlier.url and twin.url not in (earlier.note or ""):
        also = f"also linked as {twin.url} ({twin.source or 'a later row'})"
        earlier.note = f"{earlier.note.rstrip()} {also}" if earlier.note else also


def _pending_twin(
    record: PaperRecord, pending_index: dict[tuple[str, str], int], records: list[PaperRecord], by_key: bool
) -> tuple[int | None, list[str]]:
    """An earlier row of the same file that is the same paper; an identifier shared by a paper with a clearly
    different title is dropped from this record instead (a README row linking another paper's page)."""
    from survey_db.services.store import title_norm, titles_agree

    warnings = []
    for ident in _identities(record, by_key):
        if ident not in pending_index:
            continue
        earlier = records[pending_index[ident]]
        if ident[0] in ("doi", "arxiv") and not titles_agree(
            title_norm(earlier.title), title_norm(record.title)
        ):
            label = "DOI" if ident[0] == "doi" else "arXiv id"
            warnings.append(f"{label} {ident[1]} belongs to another paper; not set on {record.title!r}")
            setattr(record, "doi" if ident[0] == "doi" else "arxiv_id", None)
            continue
        return pending_index[ident], warnings
    return None, warnings


# -- survey metadata ------------------------------------------------------------------------------------


def get_meta(session: Session) -> dict[str, str]:
    return {row.name: row.value for row in session.scalars(select(SurveyMeta).order_by(SurveyMeta.name))}


def set_meta(session: Session, values: dict[str, str], *, overwrite: bool = True) -> None:
    for name, value in values.items():
        row = session.get(SurveyMeta, name)
        if row is None:
            session.add(SurveyMeta(name=name, value=value))
        elif overwrite:
            row.value = value
    session.flush()


# -- reading back -----------------------------------------------------------------------------------------


def section_rows(
    session: Session, paper_ids: set[int] | None = None
) -> list[tuple[SectionNode, list[int]]]:
    """Each section node in tree order with the ids of its papers in placement order."""
    rows = session.execute(select(Placement.section_id, Placement.paper_id).order_by(Placement.position))
    by_section: dict[int, list[int]] = {}
    for section_id, paper_id in rows:
        if paper_ids is None or paper_id in paper_ids:
            by_section.setdefault(section_id, []).append(paper_id)
    return [(node, by_section.get(node.section.id, [])) for node in section_tree(session)]


def clear_placements(session: Session) -> None:
    session.execute(delete(Placement))
