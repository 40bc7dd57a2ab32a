"""Shell completion: Typer's --show-completion / --install-completion, and values from the database,
asked of the real CLI in a new process the way each shell's script asks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbtools import subprocess_env

MAIN = "from survey_db.cli import main; main()"


def complete(tmp_path: Path, shell: str, line: str, *, db: str | None) -> list[str]:
    """What `survey` answers when the shell completes the last word of `line` ('' after a space)."""
    env = subprocess_env(tmp_path)
    words = ["survey", *(["--db", db] if db else []), *line.split(" ")]
    env["_SURVEY_COMPLETE"] = f"complete_{shell}"
    if shell == "bash":
        env["COMP_WORDS"] = " ".join(words)
        env["COMP_CWORD"] = str(len(words) - 1)
    else:
        env["_TYPER_COMPLETE_ARGS"] = " ".join(words)
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    result = subprocess.run(
        [sys.executable, "-c", MAIN], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("query --topic Spec", ["Specific\\ Tasks", "Speculative\\ Decoding"]),
        ("query --topic speculative-d", ["speculative-decoding"]),  # typed as a slug: the slug
        ("add --title X --topic Model", ["Model\\ Cascading", "Model\\ Routing"]),
        ("add --title X --topic model-c", ["model-cascading"]),
        ("edit leviathan2023fast --add-topic Speculative", ["Speculative\\ Decoding"]),
        ("show leviathan", ["leviathan2023fast"]),
        ("mv xia2024unl", ["xia2024unlocking"]),
        ("merge leviathan2023fast chen2023acc", ["chen2023accelerating"]),
        ("query --venue IC", ["ICLR", "ICML"]),
        ("query --section Speculative", ["Speculative\\ Decoding"]),
        ("mv leviathan2023fast --section spec", ["speculative-decoding"]),
        ("section rm Speculative", ["Speculative\\ Decoding"]),
        ("topic merge Model", ["Model\\ Cascading", "Model\\ Routing"]),
        ("query --topic Nothing", []),
        ("sho", ["show"]),  # command names too
        ("topic re", ["rename"]),
        ("--db", []),
    ],
)
def test_bash_completes_values_from_the_database(tmp_path, seeded_db, line, expected):
    assert complete(tmp_path, "bash", line, db=seeded_db) == expected


def test_every_key_and_topic_is_offered(tmp_path, seeded_db, cli):
    import json

    keys = [p["key"] for p in json.loads(cli("query", "--format", "json", db=seeded_db).stdout)]
    assert complete(tmp_path, "bash", "show ", db=seeded_db) == sorted(keys)
    topics = sorted(t["topic"] for t in json.loads(cli("topics", "--format", "json", db=seeded_db).stdout))
    offered = complete(tmp_path, "bash", "query --topic ", db=seeded_db)
    assert [value.replace("\\", "") for value in offered] == topics


def test_zsh_and_fish_get_values_with_descriptions(tmp_path, seeded_db):
    [zsh] = complete(tmp_path, "zsh", "show leviathan", db=seeded_db)
    title = "Fast Inference from Transformers via Speculative Decoding"
    assert zsh == f'_arguments \'*: :(("leviathan2023fast":"{title}"))\''
    fish = complete(tmp_path, "fish", "mv leviathan2023fast --section Speculative", db=seeded_db)
    assert fish == [
        "Speculative Decoding\t\u2026 > Efficient Inference > Speculative Decoding"
    ]
    # Long descriptions are cut, so that each value stays on one line of the shell's list.
    zsh_venues = complete(tmp_path, "zsh", "query --venue ", db=seeded_db)
    assert len(zsh_venues) == 19 and all(line.startswith(("_arguments", '"')) for line in zsh_venues)
    assert complete(tmp_path, "fish", "query --venue ICM", db=seeded_db) == [
        "ICML\tInternational Conference on Machine Learning"
    ]


def test_the_database_comes_from_db_or_survey_db(tmp_path, cli, empty_db):
    added = cli("add", "--title", "Medusa", "--author", "Tianle Cai", "--year", "2024",
                "--topic", "Decoding Heads", db=empty_db)  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert complete(tmp_path, "bash", "query --topic Dec", db=empty_db) == ["Decoding\\ Heads"]
    env = subprocess_env(tmp_path) | {"SURVEY_DB": empty_db}
    env.update(_SURVEY_COMPLETE="complete_bash", COMP_WORDS="survey show ca", COMP_CWORD="2")
    result = subprocess.run(
        [sys.executable, "-c", MAIN], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == ["cai2024medusa"], result.stderr


def test_the_statements_read_the_models_columns():
    from survey_db.completion import COLUMNS, STATEMENTS
    from survey_db.models import Base

    for table, columns in COLUMNS.items():
        assert set(columns) <= set(Base.metadata.tables[table].columns.keys()), table
    named = " ".join(STATEMENTS.values())
    for table, columns in COLUMNS.items():
        assert f"FROM {table}" in named and all(column in named for column in columns)


def test_completion_never_creates_a_database(tmp_path):
    missing = tmp_path / "none.db"
    assert complete(tmp_path, "bash", "query --topic ", db=str(missing)) == []
    assert complete(tmp_path, "bash", "show a", db=None) == []  # the default database does not exist
    assert not missing.exists() and not (tmp_path / "xdg").exists()


@pytest.mark.sqlite_only
def test_completion_on_sqlite_loads_no_sqlalchemy(tmp_path, seeded_db):
    code = (
        "import sys\n"
        "from survey_db.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'survey_db.models') if m in sys.modules))"
    )
    env = subprocess_env(tmp_path) | {
        "_SURVEY_COMPLETE": "complete_bash",
        "COMP_WORDS": f"survey --db {seeded_db} show lev",
        "COMP_CWORD": "4",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.splitlines() == ["leviathan2023fast", "[]"], result.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_each_shells_script(tmp_path, shell):
    result = subprocess.run(
        [sys.executable, "-c", MAIN, "--show-completion", shell],
        env=subprocess_env(tmp_path) | {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "_SURVEY_COMPLETE" in result.stdout and f"complete_{shell}" in result.stdout


def test_install_completion_writes_the_bash_script(tmp_path):
    env = subprocess_env(tmp_path) | {
        "HOME": str(tmp_path),
        "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", MAIN, "--install-completion", "bash"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    script = tmp_path / ".bash_completions" / "survey.sh"
    assert "_SURVEY_COMPLETE=complete_bash" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


def test_real_bash_completes_through_the_installed_script(tmp_path, seeded_db):
    """bash itself: the script of --show-completion, its completion function, and COMPREPLY."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "survey").write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "{MAIN}" "$@"\n')
    (folder / "survey").chmod(0o755)
    env = subprocess_env(tmp_path) | {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    script = subprocess.run(
        ["survey", "--show-completion", "bash"], env=env, capture_output=True, text=True, timeout=120
    ).stdout
    (tmp_path / "complete.sh").write_text(script)
    session = (
        f"source {tmp_path / 'complete.sh'}\n"
        f"COMP_WORDS=(survey --db '{seeded_db}' query --topic Speculative)\n"
        "COMP_CWORD=5\n"
        "_survey_completion survey\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        [bash, "--norc", "-c", session], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.splitlines() == ["Speculative\\ Decoding"], result.stderr
