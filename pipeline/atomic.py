"""Every output is written to a temporary file beside it and renamed into place.

A reader (a podcast app, a browser, the next build) therefore sees either the old file
or the new one, never half of either, even if the build is killed mid-write. A killed build
does leave its temporary files behind (``.<name>.<random>.part``); the next build sweeps them
away with remove_leftovers.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

PART_SUFFIX = ".part"


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if durable:
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    with replacing(path, durable=durable) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with "\\n" line ends, atomically."""
    write_bytes(path, text.encode("utf-8"))


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
