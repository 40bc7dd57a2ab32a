"""Output in pipes and on terminals: a closed pipe after a commit, NO_COLOR, and what a pipe gets by default.
The real CLI runs in a child process with pipes or a pseudo-terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from dbtools import in_terminal, subprocess_env, survey_command

SEEDS_BIB = Path(__file__).resolve().parents[1] / "seeds" / "papers.bib"


def _to_a_closed_pipe(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a command whose stdout is a pipe nobody reads any more (`| head` after it has had enough)."""
    reader, writer = os.pipe()
    os.close(reader)  # gone before the command writes: its first write to stdout fails
    try:
        return subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=writer,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            timeout=120,
        )
    finally:
        os.close(writer)


def _keys(cli, db: str) -> list[str]:
    return cli("query", "--format", "keys", db=db).lines


@pytest.mark.parametrize(
    "args",
    [
        ["keys", "regenerate", "--pattern", "{author}"],
        ["add", "--title", "A Paper Added in a Pipe", "--author", "Jo Piper", "--year", "2024"],
        ["import", str(SEEDS_BIB)],
    ],
    ids=["keys-regenerate", "add", "import"],
)
def test_a_closed_pipe_after_the_commit_is_no_failure(cli, seeded_db, empty_db, tmp_path, args):
    db = empty_db if args[0] == "import" else seeded_db
    before = _keys(cli, db)
    result = _to_a_closed_pipe(survey_command(*args, db=db), subprocess_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "the output stopped at a closed pipe; the change was made"
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert _keys(cli, db) != before  # committed


@pytest.mark.parametrize(
    "args",
    [["keys", "regenerate", "--pattern", "{author}", "--dry-run"], ["query", "--format", "keys"]],
    ids=["dry-run", "query"],
)
def test_a_closed_pipe_without_a_change_is_exit_1_quietly(cli, seeded_db, tmp_path, args):
    before = _keys(cli, seeded_db)
    result = _to_a_closed_pipe(survey_command(*args, db=seeded_db), subprocess_env(tmp_path))
    assert (result.returncode, result.stderr) == (1, "")
    assert _keys(cli, seeded_db) == before


def test_shell_pipe_into_head_keeps_the_exit_status_of_the_change(cli, seeded_db, tmp_path):
    command = " ".join(f"'{part}'" for part in survey_command("keys", "regenerate", "--pattern", "{author}",
                                                             db=seeded_db))  # fmt: skip
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command} | head -8"],
        capture_output=True,
        text=True,
        env=subprocess_env(tmp_path),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 8
    changed = json.loads(cli("show", "leviathan2023fast", "--format", "json", db=seeded_db).stdout)
    assert changed["key"] == "leviathan"


def _terminal_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = subprocess_env(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    env.update(TERM="xterm-256color", COLUMNS="160", **extra)
    return env


def test_a_table_on_a_terminal_shows_50_rows_unless_limit(seeded_db, tmp_path):
    code, output = in_terminal(survey_command("query", db=seeded_db), _terminal_env(tmp_path))
    assert code == 0 and "50 of 91 papers" in output
    code, output = in_terminal(survey_command("query", "--limit", "0", db=seeded_db), _terminal_env(tmp_path))
    assert code == 0 and "91 papers" in output and " of 91" not in output


@pytest.mark.parametrize(
    "args", [["query", "--limit", "3"], ["sections"], ["show", "xie2023data"], ["topics"], ["stats"]]
)
def test_no_color_writes_no_escapes_on_a_terminal(seeded_db, tmp_path, args):
    code, styled = in_terminal(survey_command(*args, db=seeded_db), _terminal_env(tmp_path))
    assert code == 0 and "\x1b[" in styled  # bold headers, dim slugs, colours
    code, plain = in_terminal(survey_command(*args, db=seeded_db), _terminal_env(tmp_path, NO_COLOR="1"))
    assert code == 0 and "\x1b" not in plain, plain
    # The same table, without its styles.
    assert plain.replace("\r", "") == re.sub(r"\x1b\[[0-9;]*m", "", styled).replace("\r", "")
