"""Writing files so that a reader sees the old file or the new one, never half of one.

Every file the CLI writes goes through here: the text is written to a temporary file in the target's folder,
flushed and fsynced, given the old file's permissions and renamed over the target. An error, Ctrl-C or
SIGTERM before the rename leaves the old file as it was and removes the temporary file. Targets that cannot
be replaced (`-`, a terminal, a pipe, a FIFO, a device) are written directly.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write(folder / "a.txt", "hello\\n")
>>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
('hello\\n', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from survey_db.errors import OutputError


class Terminated(BaseException):
    """SIGTERM arrived: raised like KeyboardInterrupt so that every `finally` runs (temporary files go,
    transactions roll back) before the process ends."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_as_exception() -> Iterator[None]:
    """While the block runs, SIGTERM raises Terminated instead of ending the process on the spot (only in
    the main thread, and only where nobody installed a handler of their own)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def is_stream_target(path: Path | str) -> bool:
    """Whether `path` is written directly, not replaced: '-' (stdout), a terminal, a pipe, a FIFO, a socket
    or a device such as /dev/null."""
    if str(path) == "-":
        return True
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_protected(path: Path, protected: Iterable[Path | None]) -> None:
    """An OutputError when `path` is (or links to) one of the `protected` files, such as the database in
    use, or its -wal / -shm companion."""
    for guarded in protected:
        if guarded is None:
            continue
        companions = (guarded.with_name(guarded.name + suffix) for suffix in ("-wal", "-shm", "-journal"))
        for companion in (guarded, *companions):
            if _same_file(path, companion):
                raise OutputError(f"refusing to write {path}: it is the database in use ({guarded})")


@dataclass
class PendingFile:
    """A temporary file beside `target`, renamed over it by `commit()` or removed by `discard()`."""

    target: Path
    handle: IO[Any]
    temporary: Path
    mode: int | None
    owner: tuple[int, int] | None
    replaced_link: bool = False
    done: bool = field(default=False)

    def commit(self) -> None:
        try:
            if self.handle.closed:  # a writer that needed the file's name (atomic_path)
                with open(self.temporary, "rb") as handle:
                    os.fsync(handle.fileno())
            else:
                self.handle.flush()
                os.fsync(self.handle.fileno())
                self.handle.close()
            if self.mode is not None:
                os.chmod(self.temporary, self.mode)
            if self.owner is not None and self.owner != (os.geteuid(), os.getegid()):
                with contextlib.suppress(OSError):  # only root may give a file away; keep ours then
                    os.chown(self.temporary, *self.owner)
            os.replace(self.temporary, self.target)
            self.done = True
        except OSError as exc:
            self.discard()
            raise _output_error(self.target, exc) from None
        _fsync_folder(self.target.parent)

    def discard(self) -> None:
        if self.done:
            return
        self.done = True
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(OSError):
            self.temporary.unlink()


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the system lets a folder be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _output_error(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(f"cannot write {path}: {reason}; {path} was left as it was")


def begin(
    path: Path | str,
    *,
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
    follow_symlinks: bool = True,
    protected: Iterable[Path | None] = (),
) -> PendingFile:
    """Open a temporary file for replacing `path`. A symlink at `path` is followed (the user named it) unless
    `follow_symlinks` is False: then the link itself is replaced by a regular file (`replaced_link`)."""
    path = Path(path).absolute()
    refuse_protected(path, protected)
    replaced_link = False
    if path.is_symlink():
        if follow_symlinks:
            path = Path(os.path.realpath(path))
        else:
            replaced_link = True
    if not replaced_link and path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    if not path.parent.is_dir():
        raise OutputError(f"cannot write {path}: folder {path.parent} does not exist")
    mode: int | None
    owner = None
    try:
        old = path.lstat() if replaced_link else path.stat()
    except FileNotFoundError:
        old = None
    if old is not None and stat.S_ISREG(old.st_mode):
        mode, owner = stat.S_IMODE(old.st_mode), (old.st_uid, old.st_gid)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # as a plain new file would be, not mkstemp's 0600
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _output_error(path, exc) from None
    handle: IO[Any]
    try:
        if binary:
            handle = os.fdopen(descriptor, "wb")
        else:
            handle = os.fdopen(descriptor, "w", encoding=encoding, newline=newline)
    except BaseException:
        os.close(descriptor)
        os.unlink(temporary)
        raise
    return PendingFile(path, handle, Path(temporary), mode, owner, replaced_link)


@contextlib.contextmanager
def atomic_open(
    path: Path | str,
    *,
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
    follow_symlinks: bool = True,
    protected: Iterable[Path | None] = (),
) -> Iterator[IO[Any]]:
    """A file object whose contents replace `path` when the block ends without an error. '-' is stdout;
    a terminal, pipe, FIFO or device is opened and written directly.

    Example: with atomic_open("out.bib") as out: out.write(text)
    """
    if str(path) == "-":
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    if is_stream_target(path):
        refuse_protected(Path(path), protected)
        with open(path, "wb" if binary else "w", encoding=None if binary else encoding) as handle:
            yield handle
        return
    with sigterm_as_exception():
        pending = begin(
            path,
            binary=binary,
            encoding=encoding,
            newline=newline,
            follow_symlinks=follow_symlinks,
            protected=protected,
        )
        try:
            try:
                yield pending.handle
            except OSError as exc:
                if exc.filename is None:  # a failed write to the temporary file (ENOSPC, EIO)
                    raise _output_error(pending.target, exc) from None
                raise
            pending.commit()
        finally:
            pending.discard()


def atomic_write(
    path: Path | str,
    data: str | bytes | Iterable[str],
    *,
    encoding: str = "utf-8",
    protected: Iterable[Path | None] = (),
    follow_symlinks: bool = True,
) -> None:
    """Replace `path` with `data` (a text, bytes, or pieces of text written as they come), atomically."""
    with atomic_open(
        path,
        binary=isinstance(data, bytes),
        encoding=encoding,
        protected=protected,
        follow_symlinks=follow_symlinks,
    ) as out:
        write_text(out, data)


def write_text(out: IO[Any], data: str | bytes | Iterable[str]) -> None:
    """Write a text a megabyte at a time (writing it whole encodes a copy of all of it at once), bytes, or
    the pieces of one as they are made."""
    if isinstance(data, bytes):
        out.write(data)
        return
    if not isinstance(data, str):
        for piece in data:
            out.write(piece)
        return
    step = 1 << 20
    for start in range(0, len(data), step):
        out.write(data[start : start + step])


@contextlib.contextmanager
def atomic_path(path: Path | str, *, protected: Iterable[Path | None] = ()) -> Iterator[Path]:
    """The path of an empty temporary file beside `path`, for writers that need a file name (SQLite's
    backup API); renamed over `path` when the block ends without an error, removed otherwise."""
    with sigterm_as_exception():
        pending = begin(path, binary=True, protected=protected)
        pending.handle.close()
        try:
            try:
                yield pending.temporary
            except OSError as exc:
                if exc.filename is None:
                    raise _output_error(pending.target, exc) from None
                raise
            pending.commit()
        finally:
            pending.discard()


def replace_files(
    contents: dict[Path, str], *, follow_symlinks: bool = False, protected: Iterable[Path | None] = ()
) -> list[Path]:
    """Write several files in one folder, then rename them all at the end, so a failure part way leaves
    every old file as it was. Returns the targets whose symlinks were replaced by regular files (with
    follow_symlinks False, a link is never written through)."""
    pending: list[PendingFile] = []
    with sigterm_as_exception():
        try:
            for path, text in contents.items():
                pending.append(begin(path, follow_symlinks=follow_symlinks, protected=protected))
                try:
                    write_text(pending[-1].handle, text)
                except OSError as exc:
                    raise _output_error(pending[-1].target, exc) from None
            for item in pending:
                item.commit()
        finally:
            for item in pending:
                item.discard()
    return [item.target for item in pending if item.replaced_link]


__all__ = [
    "OutputError",
    "PendingFile",
    "Terminated",
    "atomic_open",
    "atomic_path",
    "atomic_write",
    "begin",
    "is_stream_target",
    "refuse_protected",
    "replace_files",
    "sigterm_as_exception",
    "write_text",
]
