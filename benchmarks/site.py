"""The static site at scale: `survey export --site` of a generated collection, timed in headless Chromium.

    python benchmarks/site.py 10000 --work /tmp/site-bench

Targets (issue 17): first render under 1 s and a filter keystroke under 100 ms on this 2-core machine.
First render is from the start of navigation to the first frame painted after the list is built (the
page's HTML, data.js, app.js and the first page of papers); "search ready" is when search.js (search texts
and BibTeX, loaded after that paint) is in, and the keystrokes are typed after it. A keystroke is timed
inside the page from the input event to the next frame painted after the list is rebuilt (filtering
every paper, sorting, writing the list). The numbers are written to benchmarks/SITE.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

KEYSTROKES = "speculative decoding"

TYPE_AND_TIME = """async (text) => {
  const field = document.getElementById('q');
  const frame = () => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
  const times = [];
  field.focus();
  field.value = '';
  field.dispatchEvent(new Event('input', {bubbles: true}));
  await frame();
  for (const ch of text) {
    const start = performance.now();
    field.value += ch;
    field.dispatchEvent(new Event('input', {bubbles: true}));
    await frame();
    times.push(performance.now() - start);
  }
  return {times, count: document.getElementById('count').textContent};
}"""

CHOOSE_AND_TIME = """async ([id, value]) => {
  const field = document.getElementById(id);
  const frame = () => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
  const start = performance.now();
  field.value = value;
  field.dispatchEvent(new Event('input', {bubbles: true}));
  await frame();
  return performance.now() - start;
}"""


def survey(db: Path, *args: str) -> str:
    program = Path(sys.executable).parent / "survey"
    done = subprocess.run([str(program), "--db", str(db), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"survey {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stderr + done.stdout


def build(n: int, work: Path) -> Path:
    """The site of a generated collection of n papers (made once per work folder)."""
    site = work / f"site-{n}"
    if (site / "index.html").exists():
        return site
    work.mkdir(parents=True, exist_ok=True)
    collection = work / f"collection-{n}"
    if not (collection / "seeds").exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(collection)], check=True)
    db = work / f"site-{n}.db"
    db.unlink(missing_ok=True)
    survey(db, "init", "--empty")
    survey(db, "seed", str(collection / "seeds"))
    started = time.perf_counter()
    survey(db, "export", "--site", str(site))
    print(f"export --site of {n} papers: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return site


def measure(site: Path, repeats: int) -> dict:
    from browser import chromium_context

    first_render, first_built, search_ready, keystrokes, selects = [], [], [], [], []
    with chromium_context(viewport={"width": 1280, "height": 900}) as browser:
        for _ in range(repeats):
            page = browser.new_page()
            page.goto((site / "index.html").as_uri())
            page.wait_for_function("window.surveySite && window.surveySite.painted !== null")
            first_built.append(page.evaluate("window.surveySite.rendered"))
            first_render.append(page.evaluate("window.surveySite.painted"))
            page.wait_for_function("window.surveySite.searchLoaded !== null")
            search_ready.append(page.evaluate("window.surveySite.searchLoaded"))
            typed = page.evaluate(TYPE_AND_TIME, KEYSTROKES)
            keystrokes.extend(typed["times"])
            topic = page.evaluate("SURVEY_DATA.topics[0]")
            selects.append(page.evaluate(CHOOSE_AND_TIME, ["topic", topic]))
            selects.append(page.evaluate(CHOOSE_AND_TIME, ["topic", ""]))
            page.close()
    size = sum(path.stat().st_size for path in site.iterdir())
    return {
        "site_mb": size / 1e6,
        "first_render_ms": statistics.median(first_render),
        "first_render_max_ms": max(first_render),
        "first_built_ms": statistics.median(first_built),
        "search_ready_ms": statistics.median(search_ready),
        "keystroke_median_ms": statistics.median(keystrokes),
        "keystroke_p95_ms": sorted(keystrokes)[int(0.95 * (len(keystrokes) - 1))],
        "keystroke_max_ms": max(keystrokes),
        "select_median_ms": statistics.median(selects),
        "select_max_ms": max(selects),
        "keystroke_count": len(keystrokes),
        "result_line": typed["count"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[10000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/survey-site-bench"))
    parser.add_argument("--repeats", type=int, default=5, help="page loads per size")
    parser.add_argument("--output", type=Path, default=HERE / "SITE.md")
    args = parser.parse_args(argv)
    import os

    rows = []
    load_before = os.getloadavg()[0]
    for n in args.sizes:
        found = measure(build(n, args.work), args.repeats)
        print(n, found, file=sys.stderr)
        rows.append((n, found))
    lines = [
        "# Static site benchmark",
        "",
        "`python benchmarks/site.py " + " ".join(map(str, args.sizes)) + "`: `survey export --site` of a",
        "generated collection, opened from file:// in headless Chromium (Debian's) on this machine;",
        f"{args.repeats} page loads per size, every keystroke of typing {KEYSTROKES!r} in the search field",
        "and choosing a topic and back. Targets: first render < 1000 ms, keystroke < 100 ms.",
        f"Load average (1 min) before / after the run: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores (other work on the machine slows every figure).",
        "",
        "| papers | site | first render (median / max) | list built | search ready "
        "| keystroke (median / p95 / max) | topic choice (median / max) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, f in rows:
        lines.append(
            f"| {n:,} | {f['site_mb']:.1f} MB "
            f"| {f['first_render_ms']:.0f} / {f['first_render_max_ms']:.0f} ms "
            f"| {f['first_built_ms']:.0f} ms | {f['search_ready_ms']:.0f} ms "
            f"| {f['keystroke_median_ms']:.1f} / {f['keystroke_p95_ms']:.1f} "
            f"/ {f['keystroke_max_ms']:.1f} ms "
            f"| {f['select_median_ms']:.1f} / {f['select_max_ms']:.1f} ms |"
        )
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
