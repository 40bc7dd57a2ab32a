"""survey-db at 1,000 to 100,000 papers, each measurement beside a baseline from the same run.

    python benchmarks/run.py --sizes 1000 10000 20000 100000

generates the collections (benchmarks/generate.py; by default with what real files often hold and what
costs an importer time: an accented name in every entry, half of them in UTF-8 and half in LaTeX, and 10% of
the entries with 20-150 authors; see --accented, --utf8 and --long-authors), then runs the real `survey`
command as a subprocess for each operation and writes one table to benchmarks/RESULTS.md (and stdout) with
the machine it ran on:

- import of the .bib (LaTeX decoded, searchable) beside bibtexparser's plain parse of the same file; at
  1,000 papers and fewer, where start-up dominates, also beside `python -c "import typer, sqlalchemy.orm"`;
- `query` by topic, section, year range, author and full text with `--limit 20` beside the same query in
  raw sqlite3;
- `show KEY` (the paper with the longest author list) beside raw sqlite3 reading the same paper, its authors,
  topics, section paths and old keys (the notes set it beside `python -c "import typer"` as well);
- `stats` beside raw sqlite3 computing the same counts;
- `export --bibtex`, `--markdown`, `--json` of everything beside bibtexparser's write of the same entries
  (BibTeX) and raw sqlite3 with json.dumps / string formatting (JSON, Markdown);
- `check --duplicates` beside the same grouping in raw sqlite3;
- start-up: `survey --version` beside `python -c "import typer"`, a query with no results beside
  `python -c "import typer, sqlalchemy.orm, rich"`, `query --topic X --format keys` and a completion request
  (the CLI run as bash's completion script runs it at a Tab, `_SURVEY_COMPLETE=complete_bash` with
  COMP_WORDS and COMP_CWORD, completing the first letters of a `--topic` value) beside
  `python -c "import typer"`.

The targets of the project (issue 16 and earlier) follow the table, each with its measured value and whether
it is met; a target missed is listed again below it, with room for the profile that explains it.

Wall time is the median of --repeats runs for the fast operations (at least 15 for the start-up rows and
`show`; one run for imports and exports of more than 20,000 papers); survey runs and baseline runs
alternate. Peak memory is the largest sum of the resident sets of the command's process tree, sampled every
20 ms (every 100 ms after the first 2 s), or the process's own peak from wait4 if that is larger. The
database is a SQLite file in --work; the query database is seeded from the generated seed files
(papers.bib and taxonomy.toml, as `survey dump` writes them), so that sections exist.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
# The installed `survey` console script beside this Python, else the same entry point through -c.
_SCRIPT = Path(PYTHON).parent / "survey"
SURVEY = [str(_SCRIPT)] if _SCRIPT.exists() else [PYTHON, "-c", "from survey_db.cli import main; main()"]
PAGE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------------------------------- measuring


@dataclass
class Run:
    seconds: float
    peak_mib: float
    stdout: str = ""
    stderr: str = ""
    code: int = 0
    cpu: float | None = None  # user + system seconds of the process and the children it waited for


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(parents.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            pass
    return total


def run(command: list[str], *, cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run a command to completion: wall time, peak memory of its process tree, output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, env=env)
        peak = [0]
        done = threading.Event()

        def sample() -> None:  # every 20 ms at first, then every 100 ms (scanning /proc costs CPU too)
            while not done.wait(0.02 if time.perf_counter() - started < 2 else 0.1):
                peak[0] = max(peak[0], _tree_rss(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        own = usage.ru_maxrss * 1024  # kilobytes on Linux
        return Run(
            seconds,
            max(peak[0], own) / 2**20,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            process.returncode,
            usage.ru_utime + usage.ru_stime,
        )


def check(result: Run, what: str) -> Run:
    if result.code != 0:
        raise SystemExit(f"{what} failed ({result.code}):\n{result.stderr[-2000:]}")
    return result


def median_runs(
    commands: list[list[str]], repeats: int, envs: list[dict[str, str] | None] | None = None
) -> list[Run]:
    """Each command `repeats` times, alternating; the median time and the largest peak of each. `envs`
    gives each command its environment (None: this one's)."""
    results: list[list[Run]] = [[] for _ in commands]
    envs = envs or [None] * len(commands)
    for _ in range(repeats):
        for index, command in enumerate(commands):
            results[index].append(check(run(command, env=envs[index]), " ".join(command[-6:])))
    return [_median(rs) for rs in results]


# --------------------------------------------------------------------------------------------- baselines

BIBTEXPARSER_PARSE = "import sys, bibtexparser; bibtexparser.parse_file(sys.argv[1])"
# The write alone is timed (inside): the library is parsed first, untimed.
BIBTEXPARSER_WRITE = """
import sys, time, bibtexparser
library = bibtexparser.parse_file(sys.argv[1])
started = time.perf_counter()
text = bibtexparser.write_string(library)
print(time.perf_counter() - started)
"""
RAW_QUERY = """
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
sql, params = json.loads(sys.argv[2])
total = con.execute("SELECT count(*) FROM (" + sql + ")", params).fetchone()[0]
rows = con.execute(
    "SELECT id, key, year, title FROM papers WHERE id IN (" + sql + ") ORDER BY id LIMIT 20", params
).fetchall()
for row in rows:
    print(*row, sep="\\t")
print(total, "papers", file=sys.stderr)
"""
RAW_DUPLICATES = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for column in ("title_norm", "doi", "arxiv_id"):
    for value, keys in con.execute(
        f"SELECT {column}, group_concat(key) FROM papers WHERE {column} IS NOT NULL AND {column} != '' "
        f"GROUP BY {column} HAVING count(*) > 1"
    ):
        print(column, value, keys)
"""
RAW_EXPORT = """
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
authors = {}
for pid, first, last in con.execute(
    "SELECT pa.paper_id, a.first, a.last FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
    "ORDER BY pa.paper_id, pa.position"
):
    authors.setdefault(pid, []).append(f"{first} {last}")
rows = con.execute("SELECT id, key, title, year, url, code_url, abstract FROM papers ORDER BY id")
with open(sys.argv[3], "w", encoding="utf-8") as out:
    if sys.argv[2] == "json":
        json.dump([
            {"key": key, "title": title, "authors": authors.get(pid, []), "year": year, "url": url,
             "code_url": code, "abstract": abstract}
            for pid, key, title, year, url, code, abstract in rows
        ], out, ensure_ascii=False, indent=2)
    else:
        out.write("| Title | Authors | Year | Code |\\n|---|---|---|---|\\n")
        for pid, key, title, year, url, code, abstract in rows:
            out.write(f"| [{title}]({url}) | {', '.join(authors.get(pid, []))} | {year} | {code or ''} |\\n")
"""
# One paper as `show` prints it: its row and venue, authors in order, topics, the path of each section it
# is placed in, its old keys.
RAW_SHOW = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
paper = con.execute(
    "SELECT p.*, v.short_name, v.full_name FROM papers p LEFT JOIN venues v ON v.id = p.venue_id "
    "WHERE p.key = ? OR p.id = (SELECT paper_id FROM key_aliases WHERE alias = ?)", (sys.argv[2], sys.argv[2])
).fetchone()
pid = paper[0]
authors = con.execute(
    "SELECT a.first, a.von, a.last, a.jr FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
    "WHERE pa.paper_id = ? ORDER BY pa.position", (pid,)
).fetchall()
topics = con.execute(
    "SELECT t.name FROM paper_topics pt JOIN topics t ON t.id = pt.topic_id WHERE pt.paper_id = ? "
    "ORDER BY pt.position", (pid,)
).fetchall()
sections = {
    i: (parent, title) for i, parent, title in con.execute("SELECT id, parent_id, title FROM sections")
}
paths = []
for (section_id,) in con.execute("SELECT section_id FROM placements WHERE paper_id = ?", (pid,)):
    path = []
    while section_id is not None:
        section_id, title = sections[section_id]
        path.insert(0, title)
    paths.append(" > ".join(path))
aliases = con.execute("SELECT alias FROM key_aliases WHERE paper_id = ? ORDER BY alias", (pid,)).fetchall()
print(*paper, sep="\\n")
print("; ".join(" ".join(part for part in name if part) for name in authors))
print(*topics, *paths, *aliases, sep="\\n")
"""
# The counts `stats` prints: totals, papers per year, venue and topic, the top 15 authors, papers per section
# with and without its subsections.
RAW_STATS = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
one = lambda sql: con.execute(sql).fetchone()[0]
print("papers", one("SELECT count(*) FROM papers"))
print("authors", one("SELECT count(*) FROM authors"))
print("venues", one("SELECT count(DISTINCT short_name) FROM venues"))
print("topics", one("SELECT count(*) FROM topics"))
print("sections", one("SELECT count(*) FROM sections"))
print("with code", one("SELECT count(*) FROM papers WHERE code_url IS NOT NULL"))
for year, count in con.execute("SELECT year, count(*) FROM papers GROUP BY year ORDER BY year IS NULL, year"):
    print("year", year, count)
by_count = lambda rows: sorted(rows, key=lambda row: (-row[1], str(row[0]).lower()))
for name, count in by_count(con.execute(
    "SELECT v.short_name, count(*) FROM papers p LEFT JOIN venues v ON v.id = p.venue_id "
    "GROUP BY v.short_name"
)):
    print("venue", name, count)
for name, count in by_count(con.execute(
    "SELECT t.name, count(*) FROM paper_topics pt JOIN topics t ON t.id = pt.topic_id GROUP BY t.name"
)):
    print("topic", name, count)
for name, count in by_count(
    (" ".join(p for p in (first, von, last) if p), count)
    for first, von, last, count in con.execute(
        "SELECT a.first, a.von, a.last, count(DISTINCT pa.paper_id) FROM paper_authors pa "
        "JOIN authors a ON a.id = pa.author_id GROUP BY a.id"
    )
)[:15]:
    print("author", name, count)
children, placed = {}, {}
rows = con.execute("SELECT id, parent_id, title FROM sections ORDER BY position, id").fetchall()
for section_id, parent, _ in rows:
    children.setdefault(parent, []).append(section_id)
for section_id, paper_id in con.execute("SELECT section_id, paper_id FROM placements"):
    placed.setdefault(section_id, set()).add(paper_id)
titles = {section_id: title for section_id, _, title in rows}
def walk(section_id, depth):
    below = set(placed.get(section_id, ()))
    lines = []
    for child in children.get(section_id, []):
        child_papers, child_lines = walk(child, depth + 1)
        below |= child_papers
        lines += child_lines
    own = len(placed.get(section_id, ()))
    return below, [(depth, titles[section_id], own, len(below)), *lines]
for root in children.get(None, []):
    for depth, title, own, total in walk(root, 0)[1]:
        print("section", "  " * depth + title, own, total)
"""
IMPORT_TYPER = "import typer"
IMPORT_TYPER_ORM = "import typer, sqlalchemy.orm"
IMPORT_STACK = "import typer, sqlalchemy.orm, rich"


def raw_filter(name: str, args: list[str]) -> tuple[str, list]:
    """The SQL that selects the ids one of the generator's queries selects."""
    if name == "topic":
        return "SELECT paper_id FROM paper_topics WHERE topic_id = (SELECT id FROM topics WHERE name = ?)", [
            args[1]
        ]
    if name == "section":
        return (
            "WITH RECURSIVE tree(id) AS (SELECT id FROM sections WHERE title = ? "
            "UNION ALL SELECT s.id FROM sections s JOIN tree ON s.parent_id = tree.id) "
            "SELECT paper_id FROM placements WHERE section_id IN (SELECT id FROM tree)",
            [args[1]],
        )
    if name == "year range":
        low, high = args[1].split("..")
        return "SELECT id FROM papers WHERE year BETWEEN ? AND ?", [int(low), int(high)]
    if name == "author":
        words = args[1].lower().replace(".", " ").split()
        return (
            "SELECT paper_id FROM paper_authors WHERE author_id IN "
            "(SELECT id FROM authors WHERE name_folded LIKE ?)",
            ["%" + "%".join(words) + "%"],
        )
    if name == "full text":
        return "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", [f'"{args[0].lower()}"*']
    raise ValueError(name)


# ------------------------------------------------------------------------------------------------ a size


@dataclass
class Row:
    size: int
    operation: str
    survey: Run
    baseline_name: str = ""
    baseline_seconds: float | None = None
    baseline_mib: float | None = None
    note: str = ""
    baseline_cpu: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline_seconds:
            return self.survey.seconds / self.baseline_seconds
        return None


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    # operation -> (seconds at the smallest N, seconds at the largest N), measured alternating
    flat: dict[str, tuple[float, float]] = field(default_factory=dict)
    loads: list[str] = field(default_factory=list)
    collection: list[str] = field(default_factory=list)  # the options given to generate.py

    def find(self, size: int, operation: str) -> Row | None:
        return next((r for r in self.rows if r.size == size and r.operation == operation), None)


def survey(db: Path, *args: str) -> list[str]:
    return [*SURVEY, "--db", str(db), *args]


def busy_fraction(seconds: float = 1.0) -> float:
    """The share of all CPUs busy over `seconds` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + (fields[4] if len(fields) > 4 else 0)

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_for_quiet(limit: float) -> float:
    """Wait up to `limit` seconds until other work leaves the CPUs mostly idle; the busy share seen last."""
    deadline = time.time() + limit
    busy = busy_fraction()
    while busy > 0.15 and time.time() < deadline:
        busy = busy_fraction(3)
    return busy


def measure_size(n: int, work: Path, repeats: int, results: Results, quiet: float = 0) -> None:
    folder = work / str(n)
    marker = folder / "done"
    options = " ".join(results.collection)
    if not marker.exists() or marker.read_text() != options:
        # In a child process: this one stays small, since every command it starts is forked from it (and a
        # forked child's peak memory counts what it shared with its parent).
        print(f"[{n}] generating", flush=True)
        (folder / "query.done").unlink(missing_ok=True)
        check(run([PYTHON, str(HERE / "generate.py"), str(n), str(folder), *results.collection]), "generate")
        marker.write_text(options)
    collection_queries = json.loads((folder / "queries.json").read_text())
    bib, seeds = folder / "collection.bib", folder / "seeds"
    slow = n > SLOW
    busy = wait_for_quiet(quiet)
    results.loads.append(f"N={n:,}: {busy:.0%} of the CPUs busy with other work before it started")

    # import of the .bib into an empty database, beside bibtexparser's plain parse (and, where start-up
    # dominates, beside importing the libraries it starts with)
    with_startup = n <= STARTUP_DOMINATES
    baselines = [[PYTHON, "-c", BIBTEXPARSER_PARSE, str(bib)]]
    if with_startup:
        baselines.append([PYTHON, "-c", IMPORT_TYPER_ORM])
    imports: list[Run] = []
    base_runs: list[list[Run]] = [[] for _ in baselines]
    for _ in range(1 if slow else repeats if with_startup else min(repeats, 3)):
        db = folder / "import.db"
        _remove_db(db)
        check(run(survey(db, "init", "--empty")), "init")
        imports.append(check(run(survey(db, "import", str(bib))), "import"))
        for runs, command in zip(base_runs, baselines, strict=True):
            runs.append(check(run(command), "baseline of the import"))
    last = imports[-1].stdout.strip()
    summary = last.splitlines()[-1] if last else ""
    imported = _median(imports)
    parse = _median(base_runs[0])
    results.rows.append(
        Row(
            n,
            "import .bib",
            imported,
            "bibtexparser parse",
            parse.seconds,
            parse.peak_mib,
            summary,
            parse.cpu,
        )
    )
    if with_startup:
        stack = _median(base_runs[1])
        results.rows.append(
            Row(
                n,
                IMPORT_BESIDE_STARTUP,
                imported,
                "python -c 'import typer, sqlalchemy.orm'",
                stack.seconds,
                stack.peak_mib,
                "the same runs as the row above",
                stack.cpu,
            )
        )
    print(f"[{n}] import {imported.seconds:.2f}s {imported.peak_mib:.0f} MiB ({summary})", flush=True)

    # the query database: the generated seeds (papers.bib + taxonomy.toml), with sections
    db = folder / "query.db"
    if not (folder / "query.done").exists():
        _remove_db(db)
        check(run(survey(db, "init", "--empty")), "init")
        seeded = check(run(survey(db, "seed", str(seeds))), "seed")
        (folder / "query.done").write_text(f"{seeded.seconds:.2f} {seeded.peak_mib:.0f}")
    seconds, mib = (folder / "query.done").read_text().split()
    results.rows.append(
        Row(n, "seed (papers.bib + taxonomy.toml)", Run(float(seconds), float(mib)), note="setup")
    )

    for name in QUERY_KINDS:
        args = collection_queries[name]
        sql, params = raw_filter(name, args)
        ours, raw = median_runs(
            [
                survey(db, "query", *args, "--limit", "20"),
                [PYTHON, "-c", RAW_QUERY, str(db), json.dumps([sql, params])],
            ],
            repeats,
        )
        found = ours.stderr.strip().splitlines()[-1] if ours.stderr.strip() else ""
        results.rows.append(
            Row(n, f"query {name} --limit 20", ours, "raw sqlite3", raw.seconds, raw.peak_mib, found, raw.cpu)
        )
        print(f"[{n}] query {name}: {ours.seconds * 1000:.0f} ms ({found})", flush=True)

    # one paper, and the counts
    key, n_authors = _longest_author_list(db)
    startup_repeats = max(repeats, STARTUP_REPEATS)
    ours, raw, typer_only = median_runs(
        [
            survey(db, "show", key),
            [PYTHON, "-c", RAW_SHOW, str(db), key],
            [PYTHON, "-c", IMPORT_TYPER],
        ],
        startup_repeats,
    )
    results.rows.append(
        Row(
            n,
            "show KEY",
            ours,
            "raw sqlite3",
            raw.seconds,
            raw.peak_mib,
            f"{key}, {n_authors} authors (the longest list); {ours.seconds / typer_only.seconds:.2f}x "
            f"python -c 'import typer' ({_time(typer_only.seconds)})",
            raw.cpu,
        )
    )
    print(f"[{n}] show: {ours.seconds * 1000:.0f} ms", flush=True)
    ours, raw = median_runs([survey(db, "stats"), [PYTHON, "-c", RAW_STATS, str(db)]], repeats)
    results.rows.append(
        Row(n, "stats", ours, "raw sqlite3", raw.seconds, raw.peak_mib, "the same counts", raw.cpu)
    )
    print(f"[{n}] stats: {ours.seconds * 1000:.0f} ms", flush=True)

    # exports of everything
    base = check(run([PYTHON, "-c", BIBTEXPARSER_WRITE, str(bib)]), "bibtexparser write")
    write_seconds = float(base.stdout.strip().splitlines()[-1])
    out = folder / "export"
    out.mkdir(exist_ok=True)
    for fmt, suffix in (("bibtex", "bib"), ("markdown", "md"), ("json", "json")):
        times, peaks, cpus = [], [], []
        raw_times, raw_peaks, raw_cpus = [], [], []
        for _ in range(1 if slow else min(repeats, 3)):
            result = check(run(survey(db, "export", f"--{fmt}", "-o", str(out / f"all.{suffix}"))), "export")
            times.append(result.seconds)
            peaks.append(result.peak_mib)
            cpus.append(result.cpu)
            if fmt != "bibtex":
                raw = check(run([PYTHON, "-c", RAW_EXPORT, str(db), fmt, str(out / f"raw.{suffix}")]), "raw")
                raw_times.append(raw.seconds)
                raw_peaks.append(raw.peak_mib)
                raw_cpus.append(raw.cpu)
        size_mb = (out / f"all.{suffix}").stat().st_size / 1e6
        ours = Run(statistics.median(times), max(peaks), cpu=statistics.median(cpus))
        if fmt == "bibtex":
            row = Row(n, "export --bibtex (all)", ours, "bibtexparser write", write_seconds, base.peak_mib)
            row.note = f"{size_mb:.0f} MB; baseline: write_string alone, timed inside"
        else:
            row = Row(
                n,
                f"export --{fmt} (all)",
                ours,
                "raw sqlite3 + " + ("json.dumps" if fmt == "json" else "f-strings"),
                statistics.median(raw_times),
                max(raw_peaks),
                f"{size_mb:.0f} MB",
                statistics.median(raw_cpus),
            )
        results.rows.append(row)
        print(f"[{n}] export {fmt}: {ours.seconds:.2f}s {ours.peak_mib:.0f} MiB", flush=True)

    ours, raw = median_runs(
        [survey(db, "check", "--duplicates"), [PYTHON, "-c", RAW_DUPLICATES, str(db)]], 1 if slow else repeats
    )
    # check exits 0 (duplicates are warnings); its summary is on stderr
    results.rows.append(
        Row(
            n,
            "check --duplicates",
            ours,
            "raw sqlite3 GROUP BY",
            raw.seconds,
            raw.peak_mib,
            ours.stderr.strip().splitlines()[-1] if ours.stderr.strip() else "",
            raw.cpu,
        )
    )
    print(f"[{n}] check --duplicates: {ours.seconds:.2f}s", flush=True)

    # start-up
    ours, base = median_runs([survey(db, "--version"), [PYTHON, "-c", IMPORT_TYPER]], startup_repeats)
    results.rows.append(
        Row(
            n, "survey --version", ours, "python -c 'import typer'", base.seconds, base.peak_mib, "", base.cpu
        )
    )
    ours, base = median_runs(
        [survey(db, "query", *collection_queries["no results"]), [PYTHON, "-c", IMPORT_STACK]],
        startup_repeats,
    )
    results.rows.append(
        Row(
            n,
            "query with no results (--topic X --year 1990)",
            ours,
            "python -c 'import typer, sqlalchemy.orm, rich'",
            base.seconds,
            base.peak_mib,
            "",
            base.cpu,
        )
    )
    topic_args = collection_queries["topic"]
    ours, base = median_runs(
        [survey(db, "query", *topic_args, "--format", "keys"), [PYTHON, "-c", IMPORT_TYPER]], startup_repeats
    )
    results.rows.append(
        Row(
            n,
            QUERY_KEYS,
            ours,
            "python -c 'import typer'",
            base.seconds,
            base.peak_mib,
            f"{len(ours.stdout.split())} keys",
            base.cpu,
        )
    )
    # A Tab after `survey --db DB query --topic <the first letters of a topic>`, as bash asks it
    typed = topic_args[1][:3]
    words = ["survey", "--db", str(db), "query", "--topic", typed]
    env = os.environ | {
        "_SURVEY_COMPLETE": "complete_bash",
        "COMP_WORDS": " ".join(words),
        "COMP_CWORD": str(len(words) - 1),
    }
    ours, base = median_runs([SURVEY, [PYTHON, "-c", IMPORT_TYPER]], startup_repeats, envs=[env, None])
    offered = [line for line in ours.stdout.split("\n") if line]
    if not offered:
        raise SystemExit(f"completion of --topic {typed!r} offered nothing:\n{ours.stderr[-2000:]}")
    results.rows.append(
        Row(
            n,
            COMPLETION,
            ours,
            "python -c 'import typer'",
            base.seconds,
            base.peak_mib,
            f"--topic {typed}<Tab>: {len(offered)} topic{'s' if len(offered) != 1 else ''} offered",
            base.cpu,
        )
    )
    print(f"[{n}] start-up done", flush=True)
    results.loads[-1] += f", load average after it {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


QUERY_KINDS = ("topic", "section", "year range", "author", "full text")
# The collection: what real files often hold, and what costs an importer time (see generate.py).
ACCENTED, UTF8, LONG_AUTHORS = "1", "0.5", "0.1"
# Above this N, imports and exports run once.
SLOW = 20_000
# Up to this N an import is also set beside importing the libraries it starts with.
STARTUP_DOMINATES = 1_000
# The least number of runs of the start-up rows (and `show`), for the targets' medians.
STARTUP_REPEATS = 15
IMPORT_BESIDE_STARTUP = "import .bib (beside start-up)"
QUERY_KEYS = "query --topic X --format keys"
COMPLETION = "completion of --topic (bash, Tab)"


def _median(runs: list[Run]) -> Run:
    """The median time and CPU, and the largest peak, of the runs of one command."""
    return Run(
        statistics.median(r.seconds for r in runs),
        max(r.peak_mib for r in runs),
        runs[-1].stdout,
        runs[-1].stderr,
        cpu=statistics.median(r.cpu or 0 for r in runs),
    )


def _longest_author_list(db: Path) -> tuple[str, int]:
    """The key of the paper with the most authors (the first such), and how many it has."""
    with sqlite3.connect(db) as con:
        key, count = con.execute(
            "SELECT p.key, count(*) AS n FROM papers p JOIN paper_authors pa ON pa.paper_id = p.id "
            "GROUP BY p.id ORDER BY n DESC, p.id LIMIT 1"
        ).fetchone()
    con.close()
    return key, count


def measure_flat(small: int, big: int, work: Path, repeats: int, results: Results) -> None:
    """Each query at the smallest and the largest N once more, the two alternating: the flat target compares
    them, and measured minutes apart the two would also differ by any change in the machine's speed."""
    for name in QUERY_KINDS:
        commands = []
        for n in (small, big):
            folder = work / str(n)
            args = json.loads((folder / "queries.json").read_text())[name]
            commands.append(survey(folder / "query.db", "query", *args, "--limit", "20"))
        at_small, at_big = median_runs(commands, max(repeats, 9))
        results.flat[f"query {name} --limit 20"] = (at_small.seconds, at_big.seconds)
        print(
            f"[flat] query {name}: {at_small.seconds * 1000:.0f} ms at {small:,}, "
            f"{at_big.seconds * 1000:.0f} ms at {big:,}",
            flush=True,
        )


def _remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


# -------------------------------------------------------------------------------------------- reporting


def machine() -> list[str]:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        ram = f"{kib / 2**20:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    versions = subprocess.run(
        [
            PYTHON,
            "-c",
            "import sqlalchemy, bibtexparser, typer, rich; from importlib.metadata import version; "
            "print(sqlalchemy.__version__, version('bibtexparser'), version('typer'), version('rich'))",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    versions += ["?"] * (4 - len(versions))
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; RAM: {ram}; {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy {versions[0]}, "
        f"bibtexparser {versions[1]}, typer {versions[2]}, rich {versions[3]}",
    ]


@dataclass(frozen=True)
class Target:
    """A limit on one row: on its ratio to its baseline, or on its peak memory (MiB) or wall time (s)."""

    text: str
    operation: str
    limit: float
    measure: str = "ratio"  # or "MiB", "s"
    at: int | None = None  # the N it applies at (None: the largest N of the run)
    and_up: bool = False  # ... and at every larger N
    aim: float | None = None

    def sizes(self, sizes: list[int]) -> list[int]:
        if self.at is None:
            return [max(sizes)]
        return [n for n in sizes if n == self.at or (self.and_up and n > self.at)]

    def measured(self, row: Row) -> float | None:
        if self.measure == "MiB":
            return row.survey.peak_mib
        if self.measure == "s":
            return row.survey.seconds
        return row.ratio

    def met(self, value: float) -> bool:
        return value < self.limit if self.measure == "s" else value <= self.limit

    def shown(self, value: float) -> str:
        return {"ratio": f"{value:.2f}x", "MiB": f"{value:.0f} MiB", "s": f"{value:.2f} s"}[self.measure]


TYPER = '`python -c "import typer"`'
TYPER_ORM = '`python -c "import typer, sqlalchemy.orm"`'
TARGETS = [
    Target(f"query --topic X --format keys <= 1.6x {TYPER}", QUERY_KEYS, 1.6),
    Target(f"a completion request (--topic) <= 1.6x {TYPER}", COMPLETION, 1.6),
    Target(f"survey --version <= 1.3x {TYPER}", "survey --version", 1.3),
    Target(
        "query with no results (--topic X --year 1990) <= 1.25x `import typer, sqlalchemy.orm, rich`",
        "query with no results (--topic X --year 1990)",
        1.25,
    ),
    Target("import <= 2x bibtexparser's plain parse", "import .bib", 2.0, at=10_000, and_up=True, aim=1.5),
    Target("import peak memory <= 500 MiB", "import .bib", 500, measure="MiB"),
    Target(f"import <= 2x {TYPER_ORM}", IMPORT_BESIDE_STARTUP, 2.0, at=STARTUP_DOMINATES),
    Target("export --bibtex <= 0.5x bibtexparser's write", "export --bibtex (all)", 0.5),
    Target("check --duplicates < 5 s", "check --duplicates", 5, measure="s"),
]
FLAT = [
    "query topic --limit 20",
    "query section --limit 20",
    "query year range --limit 20",
    "query author --limit 20",
    "query full text --limit 20",
]
# Where a target is missed, the profile that explains it goes here (written by hand after the run).
MISSED_NOTE = "_(profile to follow)_"


def report(results: Results, sizes: list[int], of: list[int] | None = None) -> str:
    """The results of a run at `sizes`; `of`: all the sizes asked for, when the run has not ended yet."""
    lines = [
        "# survey-db benchmark results",
        "",
        f"`python benchmarks/run.py --sizes {' '.join(map(str, of or sizes))}`, "
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(results.started))}, "
        f"{(minutes := round((time.time() - results.started) / 60))} minute{'s' if minutes != 1 else ''}."
        + (f" Not finished: only N = {', '.join(f'{n:,}' for n in sizes)} so far." if of else ""),
        "",
        f"The collections: `python benchmarks/generate.py N {' '.join(results.collection)}`".rstrip()
        + f"{' (' + describe_collection(results.collection) + ')' if results.collection else ''}.",
        "",
        *machine(),
        f"- Other work on the machine: {'; '.join(results.loads)}.",
        "",
        "Wall time is the median of the runs (at least 15 for the start-up rows and `show`; one run for "
        "imports and exports above 20,000 papers); survey and baseline runs alternate. CPU is "
        "the user + system time of the command and the child processes it waited for; memory is the peak "
        "resident set of the command's whole process tree. Ratio = survey wall time / baseline wall time.",
        "",
        "| N | operation | survey | CPU | peak MiB | baseline | baseline | CPU | MiB | ratio | notes |",
        "|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in results.rows:
        mib = "" if row.baseline_mib is None else f"{row.baseline_mib:.0f}"
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(
            f"| {row.size:,} | {row.operation} | {_time(row.survey.seconds)} | {_time(row.survey.cpu)} | "
            f"{row.survey.peak_mib:.0f} | {row.baseline_name} | {_time(row.baseline_seconds)} | "
            f"{_time(row.baseline_cpu)} | {mib} | {ratio} | {row.note} |"
        )
    lines += ["", *targets_table(results, sizes)]
    return "\n".join(lines) + "\n"


def targets_table(results: Results, sizes: list[int]) -> list[str]:
    """The targets with their measured values, then each target missed with room for why."""
    lines = ["## Targets", "", "| target | N | measured | result |", "|---|---:|---:|---|"]
    missed = []
    for target in TARGETS:
        for n in target.sizes(sizes):
            row = results.find(n, target.operation)
            value = None if row is None else target.measured(row)
            if value is None:
                continue
            met = target.met(value)
            result = "met" if met else "**not met**"
            if target.aim is not None:
                result += f" (aim {target.aim:g}x: {'reached' if value <= target.aim else 'not reached'})"
            lines.append(f"| {target.text} | {n:,} | {target.shown(value)} | {result} |")
            if not met:
                missed.append(f"{target.text} at {n:,}: {target.shown(value)}")
    big, small = max(sizes), min(sizes)
    for operation in FLAT if big > small else []:
        if operation in results.flat:
            at_small, at_big = results.flat[operation]
            how = f" ({at_big * 1000:.0f} ms / {at_small * 1000:.0f} ms, alternating runs)"
        else:
            a, b = results.find(small, operation), results.find(big, operation)
            if not (a and b):
                continue
            at_small, at_big, how = a.survey.seconds, b.survey.seconds, ""
        ratio = at_big / at_small
        met = ratio <= 1.2
        lines.append(
            f"| {operation} at {big:,} <= 1.2x at {small:,}{how} | {big:,} | {ratio:.2f}x | "
            f"{'met' if met else '**not met**'} |"
        )
        if not met:
            missed.append(f"{operation} at {big:,} <= 1.2x at {small:,}: {ratio:.2f}x")
    if missed:
        lines += [
            "",
            "## Targets not met",
            "",
            "Each with its measured value and the profile that explains it.",
            "",
        ]
        lines += [f"- {what}. Why: {MISSED_NOTE}" for what in missed]
    return lines


def _time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def describe_collection(options: list[str]) -> str:
    """The generator's options in words: 'an accented name in every entry, ...'."""
    given = dict(zip(options[::2], options[1::2], strict=True))
    parts = []
    accented = float(given.get("--accented", 0.1))
    if accented:
        every = "every entry" if accented == 1 else f"{accented:.0%} of the entries"
        parts.append(f"an accented name and title word in {every}")
    utf8 = float(given.get("--utf8", 0))
    if accented and utf8:
        parts.append(f"{utf8:.0%} of the accented names in UTF-8, the others in LaTeX")
    long_authors = float(given.get("--long-authors", 0))
    if long_authors:
        parts.append(f"{long_authors:.0%} of the entries with 20-150 authors")
    return "; ".join(parts)


def _compile_bytecode() -> None:
    """Write survey_db's .pyc files, as an installation does (with PYTHONDONTWRITEBYTECODE set, an editable
    checkout would compile every module at every start, which no user's installation does)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = (
        "import compileall, pathlib, survey_db; "
        "compileall.compile_dir(pathlib.Path(survey_db.__file__).parent, quiet=1)"
    )
    subprocess.run([PYTHON, "-c", code], env=env, check=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark survey-db (see the module docstring).")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 20000, 100000])
    parser.add_argument("--repeats", type=int, default=5, help="runs of each fast operation (median)")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "survey-db-bench",
        help="where the collections and databases go (kept between runs)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--accented",
        default=ACCENTED,
        metavar="SHARE",
        help=f"generate.py --accented: entries with an accented name (default {ACCENTED}: every one)",
    )
    parser.add_argument(
        "--utf8",
        default=UTF8,
        metavar="SHARE",
        help=f"generate.py --utf8: accented names written in UTF-8, not LaTeX (default {UTF8})",
    )
    parser.add_argument(
        "--long-authors",
        default=LONG_AUTHORS,
        metavar="SHARE",
        help=f"generate.py --long-authors: entries with 20-150 authors (default {LONG_AUTHORS})",
    )
    parser.add_argument("--fresh", action="store_true", help="delete --work first")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60,
        help="before each size, wait up to this many seconds for other work to leave the CPUs idle",
    )
    args = parser.parse_args(argv)
    if args.fresh and args.work.exists():
        shutil.rmtree(args.work)
    args.work.mkdir(parents=True, exist_ok=True)
    _compile_bytecode()
    results = Results(
        collection=["--accented", args.accented, "--utf8", args.utf8, "--long-authors", args.long_authors]
    )
    sizes = sorted(args.sizes)
    for index, n in enumerate(sizes):
        measure_size(n, args.work, args.repeats, results, args.wait_quiet)
        if index < len(sizes) - 1:  # what is measured so far, in case the run is stopped
            args.output.write_text(report(results, sizes[: index + 1], of=sizes), encoding="utf-8")
    if len(sizes) > 1:
        measure_flat(sizes[0], sizes[-1], args.work, args.repeats, results)
    text = report(results, sizes)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
