"""Writing the files screener makes: atomically, never over a database, CSV cells made safe.

Every file screener writes (exports, diagrams, backups) is written to a temporary file in
the target's folder, flushed, fsynced and renamed over the target: a failure half-way
(disk full, a file size limit, an interrupt) leaves the old file as it was. CSV cells that
a spreadsheet would run as a formula are prefixed with a single quote (OWASP, "CSV
Injection").
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SQLITE_HEADER = b"SQLite format 3\x00"


class OutputError(OSError):
    """A file could not be written (or must not be); the message is one line for the user."""

    def __str__(self) -> str:
        return str(self.args[0])


def is_sqlite_file(path: Path) -> bool:
    """Whether ``path`` is an existing SQLite database file (by its 16-byte header)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def check_output(path: Path, *, force: bool, protected: Iterable[Path] = ()) -> None:
    """Refuse an output file that would destroy something: a review, any SQLite file, an existing file.

    Args:
        path: the file to be written.
        force: replace an existing (non-database) file.
        protected: database files that must never be written over (the open review's).

    Raises:
        OutputError: with the reason, naming the file.
    """
    target = path.expanduser().resolve()
    for db in protected:
        db = db.resolve()
        if target in (db, *(Path(f"{db}{s}") for s in ("-wal", "-shm", "-journal"))):
            raise OutputError(f"{path} is this review's database: choose another output file")
    if target.is_dir():
        raise OutputError(f"{path} is a folder: give a file name")
    if not target.parent.is_dir():
        raise OutputError(f"cannot write {path}: there is no folder {path.parent}")
    if is_sqlite_file(target):
        raise OutputError(f"{path} is an SQLite database (perhaps a review): screener never writes over one")
    if target.exists() and not force:
        raise OutputError(f"{path} already exists: pass --force to replace it")


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is fsynced and renamed to ``path``.

    On any error the temporary file is removed and ``path`` is untouched; an ``OSError``
    becomes an :class:`OutputError` that says so in one line.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    existed = path.exists()
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _failed(path, exc, existed) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        _copy_mode(path, tmp, existed)
        os.replace(tmp, path)
        _fsync_dir(folder)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OutputError):
            raise
        raise _failed(path, exc, existed) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, newlines as given) to ``path`` atomically; see :func:`replacing`."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with replacing(path) as tmp, open(tmp, "wb") as f:
        f.write(payload)
        f.flush()
    return path


def _failed(path: Path, exc: OSError, existed: bool) -> OutputError:
    reason = exc.strerror or str(exc)
    kept = "the existing file was left as it was" if existed else "nothing was written"
    return OutputError(f"could not write {path}: {reason}; {kept}")


def _copy_mode(path: Path, tmp: Path, existed: bool) -> None:
    if existed:
        mode = path.stat().st_mode & 0o7777
    else:  # what open() would have given a new file
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not every platform opens folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A plain number (e.g. a negative kappa) stays a number: it cannot be a formula.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ TAB or CR gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _one_cell(value: Any) -> Any:
    value = safe_cell(value)
    if isinstance(value, str) and "\r" in value:
        # Python 3.11's csv quotes a field for the line terminator's characters only, so
        # with "\n" rows a bare CR went out unquoted and split the row in a spreadsheet.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class SafeCsvWriter:
    """``csv.writer`` whose cells go through :func:`safe_cell` (and whose CRs become LFs, always quoted)."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([_one_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **kwargs: Any) -> SafeCsvWriter:
    """A CSV writer for every CSV screener writes (see :class:`SafeCsvWriter`)."""
    return SafeCsvWriter(out, **kwargs)
