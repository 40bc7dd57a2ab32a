"""The Markdown linters exported READMEs must satisfy; skipped with a reason where not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

# awesome-lint through its API with some rules left out: the CLI cannot exclude rules, and its
# awesome-github rule calls the GitHub API (network) while awesome-contributing wants a contributing.md
# beside the README. Everything else, including the ToC, list-item, heading and table rules, runs.
AWESOME_LINT_SCRIPT = """
import {pathToFileURL} from 'node:url';
import path from 'node:path';
const dir = process.env.AWESOME_LINT_DIR;
const skip = new Set((process.env.AWESOME_LINT_SKIP || '').split(',').filter(Boolean));
const load = async file => import(pathToFileURL(path.join(dir, file)).href);
const {default: lint} = await load('index.js');
const {createConfig} = await load('config.js');
const {createRules} = await load('rules/index.js');
const ruleId = plugin => (Array.isArray(plugin) ? plugin[0] : plugin)?.name?.replace(/^remark-lint:/, '');
const rules = createRules().filter(rule => !skip.has(ruleId(rule)));
const vfiles = await lint({filename: process.argv.at(-1), config: createConfig(rules)});
const found = vfiles.flatMap(file => file.messages.map(m => `${m.line}:${m.column} ${m.ruleId} ${m.reason}`));
console.log(found.join('\\n'));
process.exit(found.length > 0 ? 1 : 0);
"""
AWESOME_LINT_OFFLINE_SKIP = ["awesome-github", "awesome-contributing"]


def markdownlint(files: list[Path], folder: Path) -> str:
    """markdownlint-cli2's complaints about files under `folder`, MD013 (line length) and MD033 (HTML) off."""
    tool = shutil.which("markdownlint-cli2")
    if tool is None:
        pytest.skip("markdownlint-cli2 is not installed (npm install -g markdownlint-cli2)")
    (folder / ".markdownlint.json").write_text(json.dumps({"MD013": False, "MD033": False}))
    names = [str(path.relative_to(folder)) for path in files]
    result = subprocess.run([tool, *names], cwd=folder, capture_output=True, text=True, timeout=120)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def awesome_lint(readme: Path, skip: list[str] = ()) -> str:
    """awesome-lint's complaints about a README, without the rules that need the network or other files."""
    tool, node = shutil.which("awesome-lint"), shutil.which("node")
    if tool is None or node is None:
        pytest.skip("awesome-lint is not installed (npm install -g awesome-lint)")
    package = Path(tool).resolve().parent
    if not (package / "rules" / "index.js").is_file():
        pytest.skip(f"awesome-lint at {package} does not have the expected layout")
    script = readme.parent / "awesome_lint.mjs"
    script.write_text(AWESOME_LINT_SCRIPT)
    env = {**os.environ, "AWESOME_LINT_DIR": str(package),
           "AWESOME_LINT_SKIP": ",".join([*AWESOME_LINT_OFFLINE_SKIP, *skip])}
    result = subprocess.run([node, str(script), readme.name], cwd=readme.parent, env=env,
                            capture_output=True, text=True, timeout=120)
    script.unlink()
    return "" if result.returncode == 0 else result.stdout + result.stderr
