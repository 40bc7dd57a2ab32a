"""Shared fixtures: a migrated template database copied per test, and the real CLI run against it.

The same tests run on PostgreSQL when SURVEY_TEST_PG_URL names a server (postgresql+psycopg://...): each
test then gets a fresh database created from a migrated template database.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from survey_db.cli import app
from survey_db.db import open_database

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("SURVEY_TEST_PG_URL")
# A server for the tests marked `postgres` even when the rest of the suite runs on SQLite.
PG_SERVER = os.environ.get("SURVEY_TEST_PG_SERVER") or PG_URL


def upstream_dir() -> Path | None:
    """The read-only upstream awesome list beside the checkout (../shared/upstream), if present."""
    given = os.environ.get("SURVEY_UPSTREAM_DIR")
    candidates = [Path(given)] if given else []
    candidates.append(ROOT.parent / "shared" / "upstream" / "awesome_role_of_small_models")
    for candidate in candidates:
        if (candidate / "README.md").is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def upstream() -> Path:
    found = upstream_dir()
    if found is None:
        pytest.skip("the upstream awesome list (../shared/upstream or SURVEY_UPSTREAM_DIR) is not here")
    return found


class SqliteTemplates:
    """Migrated databases made once per session; each test gets its own copy of a file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.made: dict[str, Path] = {}

    def template(self, name: str, seeded: bool) -> Path:
        if name not in self.made:
            path = self.folder / f"{name}.db"
            database = open_database("sqlite:///" + str(path))
            if seeded:
                from survey_db.paths import seeds_dir
                from survey_db.services.seeds import seed

                with database.session() as session:
                    seed(session, seeds_dir())
            # Closing the last connection checkpoints the WAL into the file, so a plain copy is complete.
            database.engine.dispose()
            self.made[name] = path
        return self.made[name]

    def copy(self, name: str, seeded: bool, target: Path) -> str:
        shutil.copyfile(self.template(name, seeded), target)
        return "sqlite:///" + str(target)


class PostgresTemplates:
    """Template databases on a PostgreSQL server; each test gets CREATE DATABASE ... TEMPLATE."""

    def __init__(self, url: str):
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.url = make_url(url)
        self.admin = create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.prefix = f"survey_test_{uuid.uuid4().hex[:8]}"
        self.made: dict[str, str] = {}
        self.created: list[str] = []

    def _create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as connection:
            suffix = f" TEMPLATE {template}" if template else ""
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{suffix}')
        self.created.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def template(self, name: str, seeded: bool) -> str:
        if name not in self.made:
            db_name = f"{self.prefix}_{name}"
            url = self._create(db_name)
            database = open_database(url)
            if seeded:
                from survey_db.paths import seeds_dir
                from survey_db.services.seeds import seed

                with database.session() as session:
                    seed(session, seeds_dir())
            database.engine.dispose()
            self.made[name] = db_name
        return self.made[name]

    def copy(self, name: str, seeded: bool, target: Path) -> str:
        return self._create(f"{self.prefix}_{uuid.uuid4().hex[:10]}", self.template(name, seeded))

    def drop_since(self, start: int) -> None:
        """Drop the copies made since `created` had `start` names; the templates stay for later tests."""
        templates = set(self.made.values())
        copies = [name for name in self.created[start:] if name not in templates]
        self._drop(copies)
        self.created = [name for name in self.created if name not in copies]

    def _drop(self, names: list[str]) -> None:
        with self.admin.connect() as connection:
            for name in reversed(names):
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._drop(self.created)
        self.admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory):
    if PG_URL:
        made = PostgresTemplates(PG_URL)
        yield made
        made.close()
    else:
        yield SqliteTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(autouse=True)
def drop_test_databases(request: pytest.FixtureRequest):
    """On PostgreSQL a test's own databases are dropped when it ends. Dropping them all at the end of the
    session fell within the last test's timeout, which several hundred tests outgrew. Databases made by a
    module's fixture were made before this fixture starts, so they live on for the module's other tests."""
    if not PG_URL:
        yield
        return
    made = request.getfixturevalue("templates")
    start = len(made.created)
    yield
    made.drop_since(start)


@pytest.fixture(autouse=True)
def default_wait():
    """`survey --wait` sets how long writers wait, for the process: each test starts from the default."""
    from survey_db import db

    yield
    db.set_wait(db.DEFAULT_WAIT)


@pytest.fixture
def empty_db(templates, tmp_path: Path) -> str:
    """URL of a migrated, empty survey database of this test's own."""
    return templates.copy("empty", False, tmp_path / "empty.db")


@pytest.fixture
def seeded_db(templates, tmp_path: Path) -> str:
    """URL of a database holding the shipped survey, this test's own copy."""
    return templates.copy("seeded", True, tmp_path / "seeded.db")


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reaches an online service: every endpoint points at a closed local port (tests of lookups
    point them at their own local server), and the lookup cache is the test's own."""
    for variable in ("SURVEY_ARXIV_API", "SURVEY_CROSSREF_API", "SURVEY_DOI_API", "SURVEY_DBLP_API",
                     "SURVEY_ACL_API"):  # fmt: skip
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.setenv("SURVEY_CACHE_DIR", str(tmp_path / "lookup-cache"))
    monkeypatch.setenv("SURVEY_HTTP_RETRIES", "0")
    monkeypatch.delenv("SURVEY_OFFLINE", raising=False)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run `survey` through Typer's runner: cli("query", "--topic", "X", db=url, input=...)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SURVEY_DB", raising=False)
    runner = CliRunner()

    def run(*args: str, db: str | None = None, input: str | None = None) -> Run:
        argv = (["--db", db] if db else []) + [str(a) for a in args]
        result = runner.invoke(app, argv, input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


def pytest_report_header(config: pytest.Config) -> str:
    return f"survey-db test database: {'PostgreSQL ' + PG_URL.split('@')[-1] if PG_URL else 'SQLite files'}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """In CI (CI=true) every tool a test needs is installed, so a skipped test is a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped in CI, where it must run: {reason}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, tests of SQLite-only behaviour are deselected (not skipped: CI fails on skips)."""
    if not PG_URL:
        return
    deselected = [item for item in items if item.get_closest_marker("sqlite_only")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("sqlite_only")]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `postgres` need a server: they skip without one, but fail in CI."""
    if item.get_closest_marker("postgres") and not PG_SERVER:
        reason = "needs a PostgreSQL server: export SURVEY_TEST_PG_SERVER=$(.ci/start-postgres)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but no PostgreSQL server is set; this test {reason}", pytrace=False)
        pytest.skip(reason)
