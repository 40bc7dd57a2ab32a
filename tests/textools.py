"""TeX tools for tests: find TeX Live's files and run bibtex, biber and pdflatex, or skip with the reason."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

TOOL_TIMEOUT = 120


def kpsewhich(name: str) -> Path:
    if shutil.which("kpsewhich") is None:
        pytest.skip("kpsewhich is not installed (Debian: texlive-binaries)")
    found = subprocess.run(["kpsewhich", name], capture_output=True, text=True, timeout=30).stdout.strip()
    if not found:
        pytest.skip(f"{name} is not installed (Debian: texlive-base / texlive-bibtex-extra)")
    return Path(found)


def need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian: {package})")


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=TOOL_TIMEOUT, errors="replace"
    )


def run_bibtex(tmp_path: Path, bib_text: str, keys: str = "*") -> subprocess.CompletedProcess[str]:
    (tmp_path / "refs.bib").write_text(bib_text, encoding="utf-8")
    (tmp_path / "doc.aux").write_text(f"\\citation{{{keys}}}\n\\bibdata{{refs}}\n\\bibstyle{{plain}}\n")
    return run(["bibtex", "doc"], tmp_path)


def warnings_and_errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    """bibtex's 'Warning--' and error lines."""
    lines = (result.stdout + result.stderr).splitlines()
    markers = ("Warning--", "error message", "---line")
    return [line for line in lines if any(marker in line for marker in markers)]
