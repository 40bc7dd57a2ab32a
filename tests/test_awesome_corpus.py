"""Each awesome list of ../shared/corpus/awesome, imported through the CLI and measured with the corpus's
own tools/list_metrics.py: link recall >= 0.95, title precision >= 0.98, no item gives two papers, and
`survey diff` finds nothing right after the import. Skipped with the reason where the corpus is not beside
the checkout."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from survey_db.markdown import parse_readme

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
LISTS = sorted(p.name.removesuffix(".README.md") for p in (CORPUS / "awesome").glob("*.README.md")) or [
    "(corpus absent)"
]


@pytest.fixture
def readme(request) -> Path:
    path = CORPUS / "awesome" / f"{request.param}.README.md"
    metrics = CORPUS / "tools" / "list_metrics.py"
    if not path.is_file() or not metrics.is_file():
        pytest.skip(f"the awesome-list corpus ({CORPUS}/awesome and tools/list_metrics.py) is not here")
    return path


def measure(path: Path, export: Path) -> dict[str, float]:
    command = [sys.executable, str(CORPUS / "tools" / "list_metrics.py"), str(path), str(export)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", result.stdout)}


@pytest.mark.parametrize("readme", LISTS, indirect=True)
def test_corpus_list(cli, empty_db, tmp_path: Path, readme: Path):
    imported = cli("import", readme, db=empty_db)
    assert imported.exit_code == 0, imported.stderr
    export = tmp_path / "export.json"
    assert cli("export", "--json", "-o", export, db=empty_db).exit_code == 0
    figures = measure(readme, export)
    assert figures["papers"] > 0
    assert figures["recall"] >= 0.95, figures
    assert figures["precision"] >= 0.98, figures
    # One item, one paper at most: no two papers come from the same item's line.
    parsed = parse_readme(readme.read_text(encoding="utf-8"), readme.name)
    lines = [item.line for item in parsed.items if item.record is not None]
    assert len(lines) == len(set(lines))
    diff = cli("diff", readme, db=empty_db)
    assert diff.exit_code == 0 and "0 added, 0 removed, 0 moved, 0 changed" in diff.stderr, diff.stdout
