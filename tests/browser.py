"""Headless Chromium for tests: Debian's /usr/bin/chromium driven by playwright (which never downloads a
browser here: it is given the executable), and the npm packages the pages load (mermaid, axe-core)
from npm's global folder. Each helper skips with the reason when its piece is missing."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed (Debian: chromium)")


def npm_file(package: str, relative: str) -> Path:
    """A file of a globally installed npm package (`npm install -g PACKAGE`, as .ci/run does)."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed (Debian: npm)")
    root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, timeout=60).stdout.strip()
    path = Path(root) / package / relative
    if not path.is_file():
        pytest.skip(f"npm's {package} is not installed globally (npm install -g {package})")
    return path


@contextlib.contextmanager
def chromium_context(**options) -> Iterator:
    """A playwright browser context of headless Chromium with a fresh profile folder."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with tempfile.TemporaryDirectory(prefix="survey-chromium-") as profile, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_FLAGS, **options
        )
        try:
            yield context
        finally:
            context.close()
