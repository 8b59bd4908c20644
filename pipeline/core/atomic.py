"""Every output is written to a temporary file beside it and renamed into place.

A reader (a podcast app, a browser, the next build) therefore sees either the old file
or the new one, never half of either, even if the build is killed mid-write. A killed build
does leave its temporary files behind (``.<name>.<random>.part``); the next build sweeps them
away with remove_leftovers.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pipeline.core.errors import OutputError

PART_SUFFIX = ".part"

# What to do about each way a write can fail; any other OSError gets its own strerror only.
FIXES = {
    errno.ENOSPC: "free some disk space and build again",
    errno.EDQUOT: "free some disk space (quota) and build again",
    errno.EROFS: "the folder is read-only: build in a writable copy of the project",
    errno.EACCES: "no permission: check the owner and permissions of the folder",
    errno.EPERM: "not permitted: check the owner and permissions of the folder",
}


def output_error(exc: OSError, path: Path | None = None) -> OutputError:
    """One line for a failed write: the file, what the system said, and what to do.

    >>> import errno
    >>> str(output_error(OSError(errno.ENOSPC, "No space left on device", "/p/x.mp3")))
    'cannot write /p/x.mp3: No space left on device: free some disk space and build again'
    """
    named = exc.filename is not None and not str(exc.filename).endswith(PART_SUFFIX)
    where = exc.filename if named else path  # our temporary files mean nothing to a producer
    what = exc.strerror or type(exc).__name__
    fix = FIXES.get(exc.errno or 0)
    blocker = _file_in_the_way(where) if exc.errno == errno.ENOTDIR else None
    if blocker is not None:
        what, fix = f"{blocker} is a file, where a folder must be", "move or delete it"
    error = OutputError(f"{what}: {fix}" if fix else what)
    error.path = None if where is None else str(where)
    error.args = (f"cannot write {where}: {error.detail}",)
    return error


def _file_in_the_way(path: object) -> Path | None:
    """The nearest folder of ``path`` that is in fact a file (ENOTDIR names no culprit).

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "voices").write_text("")
    0
    >>> _file_in_the_way(root / "voices" / "digests.json") == root / "voices"
    True
    """
    if path is None:
        return None
    for folder in reversed(Path(str(path)).parents):
        if folder.exists() and not folder.is_dir():
            return folder
    return None


def out_of_space(folder: Path, margin: int = 1 << 20) -> bool:
    """Whether the disk holding ``folder`` is (all but) full: how a program that writes
    there itself (ffmpeg) failing is told apart from it failing for another reason."""
    try:
        stat = os.statvfs(folder)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < margin


def no_space(path: Path) -> OutputError:
    return output_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path)


@contextlib.contextmanager
def replacing(path: Path, *, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success, fsync and rename it over ``path``.

    ``durable=False`` skips the fsync, for files that carry their own checksum (the cache).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with replacing(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('hello', ['a.txt'])
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise output_error(exc, path) from None
    tmp = Path(name)
    try:
        yield tmp
        if durable:
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise output_error(exc, path) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write ``data`` unless the file already holds exactly it; True when it wrote.

    A target whose bytes are already right is up to date whatever changed upstream: the
    cheapest and surest key for small outputs (pages, transcripts, the feed), which a
    build renders every time but rewrites only when they change.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_bytes(d / "a", b"x"), write_bytes(d / "a", b"x"), write_bytes(d / "a", b"y")
    (True, False, True)
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise output_error(exc, path) from None
    with replacing(path, durable=durable) as tmp:
        tmp.write_bytes(data)
    return True


def write_text(path: Path, text: str) -> bool:
    """Write UTF-8 text with "\\n" line ends, atomically, unless it is already there."""
    return write_bytes(path, text.encode("utf-8"))


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the temporary files that writers killed mid-write left in ``folder`` and below.

    Only safe while nothing else writes there: the build calls it holding the project lock.
    Returns what it removed.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "a").mkdir()
    >>> _ = (d / "a" / ".x.mp3.k2j4.part").write_text("half"), (d / "x.mp3").write_text("")
    >>> [p.name for p in remove_leftovers(d)], sorted(p.name for p in d.rglob("*"))
    (['.x.mp3.k2j4.part'], ['a', 'x.mp3'])
    >>> remove_leftovers(d / "missing")
    []
    """
    removed = []
    for path in folder.rglob(f".*{PART_SUFFIX}"):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def write_checked(path: Path, payload: bytes) -> None:
    """Keep ``payload`` in a cache file with its SHA-256 in front (read_checked checks it):
    not durable, since a lost cache entry is only made again."""
    write_bytes(path, hashlib.sha256(payload).digest() + payload, durable=False)


def read_checked(path: Path) -> bytes | None:
    """What write_checked kept at ``path``; None when there is none or it is damaged.

    >>> import tempfile, pathlib
    >>> entry = pathlib.Path(tempfile.mkdtemp()) / "entry"
    >>> write_checked(entry, b"kept"); read_checked(entry)
    b'kept'
    >>> _ = entry.write_bytes(entry.read_bytes()[:-1] + b"!"); read_checked(entry) is None
    True
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    payload = data[32:]
    return payload if hashlib.sha256(payload).digest() == data[:32] else None
