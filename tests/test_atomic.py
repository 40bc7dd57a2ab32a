"""Files the CLI writes replace the old ones atomically (issue 15, items 1 and 2): a failed, full-disk or
interrupted write leaves the old file and no temporary file; symlinks are followed only where the user
named them; the database in use is never overwritten."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from survey_db.atomic import atomic_open, atomic_write, replace_files
from survey_db.errors import OutputError

ROOT = Path(__file__).resolve().parents[1]

OLD = "old contents the user cares about\n"


def leftovers(folder: Path) -> list[str]:
    """Hidden temporary files an atomic write would leave behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp"))


class FullDiskFile:
    """A file object that says ENOSPC once the bytes written pass the space left (the fallback where a
    tmpfs cannot be mounted)."""

    def __init__(self, real, space: list[int]):
        self._real, self._space = real, space

    def write(self, data):
        size = len(data.encode("utf-8") if isinstance(data, str) else data)
        if size > self._space[0]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._space[0] -= size
        return self._real.write(data)

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._real.close()


DISKS: dict[Path, list[int]] = {}  # a fallback disk's folder -> [bytes left]


@contextlib.contextmanager
def small_disk(tmp_path: Path):
    """A 2 MB tmpfs (a disk that fills up). Where mounting is not allowed (or SURVEY_TEST_NO_MOUNT=1), a
    folder whose files written by survey_db.atomic say ENOSPC once `fill` has used the space up."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = None
    if os.environ.get("SURVEY_TEST_NO_MOUNT") != "1":
        made = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True
        )
    if made is not None and made.returncode == 0:
        try:
            yield mount
        finally:
            subprocess.run(["umount", "-l", str(mount)], check=False)
        return
    from survey_db import atomic

    space = DISKS.setdefault(mount, [2 << 20])
    real_fdopen = atomic.os.fdopen

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        where = Path(os.readlink(f"/proc/self/fd/{fd}")).parent
        return FullDiskFile(handle, space) if where == mount else handle

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(atomic.os, "fdopen", fdopen)
        try:
            yield mount
        finally:
            DISKS.pop(mount, None)


def mounted(disk: Path) -> bool:
    return disk not in DISKS


def fill(disk: Path, leave: int) -> None:
    """Fill the small disk up to `leave` free bytes."""
    if not mounted(disk):
        DISKS[disk][0] = leave
        return
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    (disk / "filler").write_bytes(b"\0" * max(free - leave, 0))


# -- the helper ----------------------------------------------------------------------------------------------


def test_replaces_keeping_permissions_and_owner(tmp_path: Path) -> None:
    target = tmp_path / "out.bib"
    target.write_text(OLD)
    target.chmod(0o640)
    inode = target.stat().st_ino
    atomic_write(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != inode  # a new file renamed over the old one, not rewritten in place
    assert leftovers(tmp_path) == []


def test_new_file_gets_umask_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_an_exception_while_writing_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bib"
    target.write_text(OLD)

    def pieces():
        yield "half of the new"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, pieces())
    assert target.read_text() == OLD
    assert leftovers(tmp_path) == []


def test_enospc_from_the_file_object_leaves_the_old_file(tmp_path: Path) -> None:
    """The fallback for machines where a tmpfs cannot be mounted: the file object itself says ENOSPC."""
    target = tmp_path / "out.bib"
    target.write_text(OLD)
    with (
        pytest.raises(OutputError, match="No space left on device.*left as it was"),
        atomic_open(target) as out,
    ):
        out.write("some")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert target.read_text() == OLD
    assert leftovers(tmp_path) == []


def test_full_disk_leaves_the_old_file(tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk:
        target = disk / "out.bib"
        target.write_text(OLD)
        with pytest.raises(OutputError, match="No space left on device"):
            atomic_write(target, "x" * (3 << 20))
        assert target.read_text() == OLD
        assert leftovers(disk) == []


def test_symlink_named_by_the_user_is_followed_atomically(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "refs.bib").write_text(OLD)
    link = tmp_path / "refs.bib"
    link.symlink_to(real / "refs.bib")
    atomic_write(link, "new\n")
    assert link.is_symlink() and (real / "refs.bib").read_text() == "new\n"
    assert leftovers(real) == [] and leftovers(tmp_path) == []


def test_replace_files_never_writes_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(OLD)
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "a").symlink_to(outside)
    (folder / "b").symlink_to(tmp_path / "missing")  # dangling
    replaced = replace_files({folder / "a": "A", folder / "b": "B"})
    assert sorted(p.name for p in replaced) == ["a", "b"]
    assert outside.read_text() == OLD and not (tmp_path / "missing").exists()
    assert not (folder / "a").is_symlink() and (folder / "a").read_text() == "A"
    assert (folder / "b").read_text() == "B"


def test_replace_files_failing_part_way_keeps_every_old_file(tmp_path: Path) -> None:
    (tmp_path / "a").write_text(OLD)
    (tmp_path / "b").mkdir()  # cannot be replaced by a file
    with pytest.raises(OutputError):
        replace_files({tmp_path / "a": "new", tmp_path / "b": "new"})
    assert (tmp_path / "a").read_text() == OLD and leftovers(tmp_path) == []


def test_fifo_is_written_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, "through the pipe\n")
    reader.join(10)
    assert got == [b"through the pipe\n"] and stat.S_ISFIFO(fifo.stat().st_mode)


# -- the commands ---------------------------------------------------------------------------------------


def test_export_replaces_the_file(cli, seeded_db, tmp_path: Path) -> None:
    target = tmp_path / "good.bib"
    target.write_text(OLD)
    target.chmod(0o600)
    run = cli("export", "--bibtex", "-o", target, db=seeded_db)
    assert run.exit_code == 0, run.stderr
    assert target.read_text().startswith("@") and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_export_to_dash_and_dev_null(cli, seeded_db) -> None:
    run = cli("export", "--bibtex", "-o", "-", db=seeded_db)
    assert run.exit_code == 0 and run.stdout.startswith("@")
    run = cli("export", "--bibtex", "-o", "/dev/null", db=seeded_db)
    assert run.exit_code == 0, run.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.sqlite_only
def test_export_refuses_to_overwrite_the_database(cli, seeded_db, tmp_path: Path) -> None:
    database = Path(seeded_db.removeprefix("sqlite:///"))
    before = database.read_bytes()
    run = cli("export", "-o", database, db=seeded_db)
    assert run.exit_code == 1 and "database in use" in run.stderr and len(run.stderr.splitlines()) == 1
    link = tmp_path / "innocent.bib"
    link.symlink_to(database)
    run = cli("export", "--markdown", "-o", link, db=seeded_db)
    assert run.exit_code == 1 and "database in use" in run.stderr
    run = cli("dump", database.parent, db=seeded_db)  # not the database's name: allowed
    assert run.exit_code == 0
    run = cli("db", "backup", "--force", database, db=seeded_db)
    assert run.exit_code == 1 and "database in use" in run.stderr
    assert database.read_bytes()[:16] == before[:16] == b"SQLite format 3\x00"


def test_export_on_a_full_disk_keeps_the_old_file(cli, seeded_db, tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk:
        target = disk / "good.bib"
        target.write_text(OLD)
        fill(disk, leave=8 * 1024)
        run = cli("export", "--json", "-o", target, db=seeded_db)
        assert run.exit_code == 1 and "No space left on device" in run.stderr, run.stderr
        assert len(run.stderr.splitlines()) == 1
        assert target.read_text() == OLD and leftovers(disk) == []


def test_into_on_a_full_disk_keeps_the_readme(cli, seeded_db, tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk:
        readme = disk / "README.md"
        mine = "# Mine\n\n<!-- survey-db:begin -->\n<!-- survey-db:end -->\n\nMy own text after the marker.\n"
        readme.write_text(mine)
        fill(disk, leave=16 * 1024)
        run = cli("export", "--markdown", "--into", readme, db=seeded_db)
        assert run.exit_code == 1 and "No space left on device" in run.stderr, run.stderr
        assert len(run.stderr.splitlines()) == 1
        assert readme.read_text() == mine and leftovers(disk) == []


def test_dump_on_a_full_disk_keeps_both_seed_files(cli, seeded_db, tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk:
        (disk / "papers.bib").write_text(OLD)
        (disk / "taxonomy.toml").write_text(OLD)
        fill(disk, leave=8 * 1024)
        run = cli("dump", disk, db=seeded_db)
        assert run.exit_code == 1 and "No space left on device" in run.stderr, run.stderr
        assert (disk / "papers.bib").read_text() == OLD == (disk / "taxonomy.toml").read_text()
        assert leftovers(disk) == []


def test_backup_on_a_full_disk_is_one_line(cli, seeded_db, tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk:
        fill(disk, leave=16 * 1024)
        # SQLite writes a file backup itself, past the fallback's file object: only a real small disk.
        formats = ["json", "sqlite"] if seeded_db.startswith("sqlite") and mounted(disk) else ["json"]
        for fmt in formats:
            name = f"b.{fmt}"
            run = cli("db", "backup", "--format", fmt, disk / name, db=seeded_db)
            assert run.exit_code == 1, run.stderr
            assert len(run.stderr.splitlines()) == 1 and "error:" in run.stderr, run.stderr
            assert not (disk / name).exists() and leftovers(disk) == []


def test_dump_replaces_symlinks_with_files(cli, seeded_db, tmp_path: Path) -> None:
    victim = tmp_path / "victim.bib"
    victim.write_text(OLD)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "papers.bib").symlink_to(victim)
    (seeds / "taxonomy.toml").symlink_to(tmp_path / "nowhere" / "taxonomy.toml")  # dangling, outside
    run = cli("dump", seeds, db=seeded_db)
    assert run.exit_code == 0, run.stderr
    assert victim.read_text() == OLD and not (tmp_path / "nowhere").exists()
    for name in ("papers.bib", "taxonomy.toml"):
        assert not (seeds / name).is_symlink() and (seeds / name).stat().st_size > 0
    assert run.stderr.count("was a symlink") == 2


def test_into_and_output_follow_a_symlink_the_user_named(cli, seeded_db, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("# Mine\n\n<!-- survey-db:begin -->\n<!-- survey-db:end -->\n\nAfter.\n")
    (tmp_path / "README.md").symlink_to(repo / "README.md")
    run = cli("export", "--markdown", "--into", tmp_path / "README.md", db=seeded_db)
    assert run.exit_code == 0, run.stderr
    text = (repo / "README.md").read_text()
    assert (tmp_path / "README.md").is_symlink() and "After." in text and "<table" in text.lower()
    assert leftovers(repo) == [] and leftovers(tmp_path) == []


# -- signals at a moment the test chooses -----------------------------------------------------------

# Runs the real CLI in a child process that stops just before renaming its finished temporary file, says
# so on stderr and waits for the signal the test sends.
PAUSED_CLI = """
import sys, time
from survey_db import atomic
from survey_db.cli import main

commit = atomic.PendingFile.commit

def paused(self):
    sys.stderr.write("PAUSED\\n"); sys.stderr.flush()
    time.sleep(60)
    commit(self)

atomic.PendingFile.commit = paused
sys.argv = ["survey", *sys.argv[1:]]
main()
"""


def run_until_paused(args: list[str], sig: int, env_db: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SURVEY_DB": env_db, "PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSED_CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stderr is not None
    line = child.stderr.readline()
    assert line == "PAUSED\n", line + child.stderr.read()
    child.send_signal(sig)
    out, err = child.communicate(timeout=30)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


COMMANDS = {
    "export": lambda target: ["export", "--bibtex", "-o", str(target / "good.bib")],
    "into": lambda target: ["export", "--markdown", "--into", str(target / "README.md")],
    "dump": lambda target: ["dump", str(target)],
    "backup-json": lambda target: ["db", "backup", "--force", str(target / "b.json")],
    "backup-sqlite": lambda target: ["db", "backup", "--force", "--format", "sqlite", str(target / "b.db")],
}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize(
    "command",
    [pytest.param(name, marks=[pytest.mark.sqlite_only] if "sqlite" in name else []) for name in COMMANDS],
)
def test_a_signal_before_the_rename_changes_nothing(
    seeded_db, tmp_path: Path, command: str, sig: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    readme = "# Mine\n\n<!-- survey-db:begin -->\n<!-- survey-db:end -->\n"
    for name, text in (
        ("good.bib", OLD),
        ("README.md", readme),
        ("papers.bib", OLD),
        ("taxonomy.toml", OLD),
        ("b.json", OLD),
        ("b.db", OLD),
    ):
        (out / name).write_text(text)
    before = {p.name: p.read_text() for p in out.iterdir()}
    done = run_until_paused(COMMANDS[command](out), sig, seeded_db)
    assert done.returncode == (130 if sig == signal.SIGINT else 143), done.stderr
    assert done.stderr.splitlines()[-1] == "interrupted; nothing was changed"
    assert {p.name: p.read_text() for p in out.iterdir()} == before
    assert leftovers(out) == []


def test_key_map_is_written_atomically_before_the_keys_change(cli, seeded_db, tmp_path: Path) -> None:
    import json

    keys_before = cli("query", "--format", "keys", db=seeded_db).lines
    with small_disk(tmp_path) as disk:
        fill(disk, leave=4 * 1024)
        run = cli("keys", "regenerate", "--pattern", "{author}{year}{title3}", "--format", "json",
                  "-o", disk / "map.json", db=seeded_db)  # fmt: skip
        assert run.exit_code == 1 and "No space left on device" in run.stderr, run.stderr
        assert not (disk / "map.json").exists() and leftovers(disk) == []
    assert cli("query", "--format", "keys", db=seeded_db).lines == keys_before  # no key changed
    target = tmp_path / "map.json"
    run = cli("keys", "regenerate", "--pattern", "{author}{year}{title3}", "--format", "json", "-o", target,
              db=seeded_db)  # fmt: skip
    assert run.exit_code == 0 and run.stdout == "", run.stderr
    changes = json.loads(target.read_text())
    assert changes and set(changes) <= set(keys_before) and leftovers(tmp_path) == []
