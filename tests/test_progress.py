"""Progress bars: on a terminal, once an import or export has run for SURVEY_PROGRESS_DELAY seconds (1 by
default); never in a pipe. The real CLI runs in a child process with a pseudo-terminal or pipes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dbtools import fingerprint, in_terminal, subprocess_env, survey_command

SEEDS_BIB = Path(__file__).resolve().parents[1] / "seeds" / "papers.bib"


def _env(tmp_path: Path, delay: str) -> dict[str, str]:
    env = subprocess_env(tmp_path)
    env.update(SURVEY_PROGRESS_DELAY=delay, TERM="xterm-256color", COLUMNS="100")
    env.pop("NO_COLOR", None)
    return env


def test_an_import_shows_a_progress_bar_on_a_terminal(empty_db, tmp_path):
    code, output = in_terminal(survey_command("import", SEEDS_BIB, db=empty_db), _env(tmp_path, "0"))
    assert code == 0, output
    assert "importing papers.bib" in output
    assert "91 added, 0 updated, 0 skipped" in output


def test_an_export_shows_a_progress_bar_on_a_terminal(seeded_db, tmp_path):
    out = tmp_path / "out.bib"
    code, output = in_terminal(
        survey_command("export", "--bibtex", "-o", out, db=seeded_db), _env(tmp_path, "0")
    )
    assert code == 0, output
    assert "exporting" in output
    assert out.read_text(encoding="utf-8").count("\n@") == 90


def test_no_progress_bar_before_the_delay(empty_db, tmp_path):
    code, output = in_terminal(survey_command("import", SEEDS_BIB, db=empty_db), _env(tmp_path, "60"))
    assert code == 0, output
    assert "importing" not in output
    assert "91 added" in output


def _in_a_pipe(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=90)


def test_no_progress_bar_in_a_pipe(empty_db, tmp_path):
    result = _in_a_pipe(survey_command("import", SEEDS_BIB, db=empty_db), _env(tmp_path, "0"))
    assert result.returncode == 0, result.stderr
    # Into a survey without topics, its 36 topics are no warning: one line on stderr names them.
    assert result.stdout == "papers.bib: 91 added, 0 updated, 0 skipped\n"
    assert "36 new topics: " in result.stderr
    assert "importing" not in result.stderr
    assert "\x1b" not in result.stderr + result.stdout


def test_a_bad_delay_is_a_clean_error_and_changes_nothing(empty_db, tmp_path):
    before = fingerprint(empty_db)
    result = _in_a_pipe(survey_command("import", SEEDS_BIB, db=empty_db), _env(tmp_path, "soon"))
    assert result.returncode == 1
    assert result.stderr == "error: SURVEY_PROGRESS_DELAY must be a number of seconds, not 'soon'\n"
    assert fingerprint(empty_db) == before
