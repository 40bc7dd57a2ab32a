"""survey-db at 1,000, 10,000 and 100,000 papers, each measurement beside a baseline from the same run.

    python benchmarks/run.py --sizes 1000 10000 100000

generates the collections (benchmarks/generate.py), then runs the real `survey` command as a subprocess for
each operation and writes one table to benchmarks/RESULTS.md (and stdout) with the machine it ran on:

- import of the .bib (LaTeX decoded, searchable) beside bibtexparser's plain parse of the same file;
- `query` by topic, section, year range, author and full text with `--limit 20` beside the same query in
  raw sqlite3;
- `export --bibtex`, `--markdown`, `--json` of everything beside bibtexparser's write of the same entries
  (BibTeX) and raw sqlite3 with json.dumps / string formatting (JSON, Markdown);
- `check --duplicates` beside the same grouping in raw sqlite3;
- start-up: `survey --version` beside `python -c "import typer"`, a query with no results beside
  `python -c "import typer, sqlalchemy.orm, rich"`.

Wall time is the median of --repeats runs for the fast operations (one run for imports and exports of
more than 10,000 papers); survey runs and baseline runs alternate. Peak memory is the largest sum of the
resident sets of the command's process tree, sampled every 20 ms (every 100 ms after the first 2 s), or
the process's own peak from wait4 if that is larger. The database is a SQLite file in --work; the query
database is seeded from the generated seed files (papers.bib and taxonomy.toml, as `survey dump` writes
them), so that sections exist.
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


def median_runs(commands: list[list[str]], repeats: int, **kwargs) -> list[Run]:
    """Each command `repeats` times, alternating; the median time and the largest peak of each."""
    results: list[list[Run]] = [[] for _ in commands]
    for _ in range(repeats):
        for index, command in enumerate(commands):
            results[index].append(check(run(command, **kwargs), " ".join(command[-6:])))
    return [
        Run(
            statistics.median(r.seconds for r in rs),
            max(r.peak_mib for r in rs),
            rs[-1].stdout,
            rs[-1].stderr,
            cpu=statistics.median(r.cpu or 0 for r in rs),
        )
        for rs in results
    ]


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
IMPORT_TYPER = "import typer"
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
    if not marker.exists():
        # In a child process: this one stays small, since every command it starts is forked from it (and a
        # forked child's peak memory counts what it shared with its parent).
        print(f"[{n}] generating", flush=True)
        check(run([PYTHON, str(HERE / "generate.py"), str(n), str(folder)]), "generate")
        marker.write_text("ok")
    collection_queries = json.loads((folder / "queries.json").read_text())
    bib, seeds = folder / "collection.bib", folder / "seeds"
    slow = n > 10_000
    busy = wait_for_quiet(quiet)
    results.loads.append(f"N={n:,}: {busy:.0%} of the CPUs busy with other work before it started")

    # import of the .bib into an empty database, beside bibtexparser's plain parse
    times, peaks, base_times, base_peaks, cpus, base_cpus = [], [], [], [], [], []
    for _ in range(1 if slow else min(repeats, 3)):
        db = folder / "import.db"
        _remove_db(db)
        check(run(survey(db, "init", "--empty")), "init")
        result = check(run(survey(db, "import", str(bib))), "import")
        times.append(result.seconds)
        peaks.append(result.peak_mib)
        cpus.append(result.cpu)
        base = check(run([PYTHON, "-c", BIBTEXPARSER_PARSE, str(bib)]), "bibtexparser parse")
        base_times.append(base.seconds)
        base_peaks.append(base.peak_mib)
        base_cpus.append(base.cpu)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    imported = Run(statistics.median(times), max(peaks), cpu=statistics.median(cpus))
    results.rows.append(
        Row(
            n,
            "import .bib",
            imported,
            "bibtexparser parse",
            statistics.median(base_times),
            max(base_peaks),
            summary,
            statistics.median(base_cpus),
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
    startup_repeats = max(repeats, 7)
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
    print(f"[{n}] start-up done", flush=True)
    results.loads[-1] += f", load average after it {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


QUERY_KINDS = ("topic", "section", "year range", "author", "full text")


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


TARGETS = [
    # (operation at the largest N, what the ratio is taken against, limit, description)
    ("import .bib", "baseline", 2.0, "import <= 2x bibtexparser's plain parse"),
    ("export --bibtex (all)", "baseline", 0.5, "export --bibtex <= 0.5x bibtexparser's write"),
    (
        "query with no results (--topic X --year 1990)",
        "baseline",
        1.25,
        "query --topic X <= 1.25x `import typer, sqlalchemy.orm, rich`",
    ),
    ("survey --version", "baseline", 2.0, "survey --version <= 2x `import typer`"),
]
FLAT = [
    "query topic --limit 20",
    "query section --limit 20",
    "query year range --limit 20",
    "query author --limit 20",
    "query full text --limit 20",
]


def report(results: Results, sizes: list[int]) -> str:
    lines = [
        "# survey-db benchmark results",
        "",
        f"`python benchmarks/run.py --sizes {' '.join(map(str, sizes))}`, "
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(results.started))}, "
        f"{(time.time() - results.started) / 60:.0f} minutes.",
        "",
        *machine(),
        f"- Other work on the machine: {'; '.join(results.loads)}.",
        "",
        "Wall time is the median of the runs (one run for imports and exports above 10,000 papers); CPU is "
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
    big, small = max(sizes), min(sizes)
    lines += ["", f"## Targets (N = {big:,})", "", "| target | measured | met |", "|---|---:|:---:|"]
    for operation, _, limit, text in TARGETS:
        row = results.find(big, operation)
        if row and row.ratio is not None:
            lines.append(f"| {text} | {row.ratio:.2f}x | {'yes' if row.ratio <= limit else 'NO'} |")
    row = results.find(big, "import .bib")
    if row:
        lines.append(
            f"| import peak memory <= 500 MiB | {row.survey.peak_mib:.0f} MiB | "
            f"{'yes' if row.survey.peak_mib <= 500 else 'NO'} |"
        )
    for operation in FLAT:
        if operation in results.flat:
            at_small, at_big = results.flat[operation]
            how = f" ({at_big * 1000:.0f} ms / {at_small * 1000:.0f} ms, alternating runs)"
        else:
            a, b = results.find(small, operation), results.find(big, operation)
            if not (a and b):
                continue
            at_small, at_big, how = a.survey.seconds, b.survey.seconds, ""
        ratio = at_big / at_small
        lines.append(
            f"| {operation} at {big:,} <= 1.2x at {small:,}{how} | {ratio:.2f}x | "
            f"{'yes' if ratio <= 1.2 else 'NO'} |"
        )
    row = results.find(big, "check --duplicates")
    if row:
        lines.append(
            f"| check --duplicates < 5 s | {row.survey.seconds:.2f} s | "
            f"{'yes' if row.survey.seconds < 5 else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def _time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


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
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeats", type=int, default=5, help="runs of each fast operation (median)")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "survey-db-bench",
        help="where the collections and databases go (kept between runs)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--fresh", action="store_true", help="delete --work first")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=600,
        help="before each size, wait up to this many seconds for other work to leave the CPUs idle",
    )
    args = parser.parse_args(argv)
    if args.fresh and args.work.exists():
        shutil.rmtree(args.work)
    args.work.mkdir(parents=True, exist_ok=True)
    _compile_bytecode()
    results = Results()
    sizes = sorted(args.sizes)
    for n in sizes:
        measure_size(n, args.work, args.repeats, results, args.wait_quiet)
    if len(sizes) > 1:
        measure_flat(sizes[0], sizes[-1], args.work, args.repeats, results)
    text = report(results, sizes)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
