"""Inputs stay inside the project: a script, artwork, music or lexicon is a regular file in
the project folder, or a symlink that resolves inside it. Anything else (a link to
/etc/passwd, a FIFO, a device) is refused, so a build never reads, narrates or publishes a
file from outside the project it was asked to build."""

from __future__ import annotations

import stat
from pathlib import Path

from pipeline.core.errors import PipelineError


def check_inside(
    path: Path,
    root: Path,
    what: str,
    error: type[PipelineError] = PipelineError,
    where: Path | None = None,
) -> None:
    """Raise ``error`` naming ``path`` unless it is a regular file inside ``root``.

    ``where``: the file that named ``path`` (show.toml), which the error then begins with.
    A path that does not exist passes: whoever reads it says it is missing.

    >>> import os, tempfile
    >>> root = Path(tempfile.mkdtemp()).resolve()
    >>> (root / "a.md").write_text("x") and None
    >>> (root / "in.md").symlink_to(root / "a.md"); (root / "out.md").symlink_to("/etc/hostname")
    >>> check_inside(root / "in.md", root, "script"); check_inside(root / "gone.md", root, "x")
    >>> check_inside(root / "out.md", root, "script")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pipeline.core.errors.PipelineError: .../out.md: the script is a symlink to /etc/hostname, \
outside the project ...: essaycast reads only files inside the project; copy the file in
    """
    named = f" {path}" if where is not None else ""
    try:
        resolved = path.resolve()
        mode = resolved.stat().st_mode
    except FileNotFoundError:
        return
    except (OSError, RuntimeError) as exc:  # a symlink loop, no permission
        raise error(f"the {what}{named} cannot be read ({exc})", where or path) from None
    if not resolved.is_relative_to(root.resolve()):
        how = "a symlink to" if path.is_symlink() else "at"
        raise error(
            f"the {what}{named} is {how} {resolved}, outside the project {root}: "
            "essaycast reads only files inside the project; copy the file in",
            where or path,
        )
    if not stat.S_ISREG(mode):
        raise error(
            f"the {what}{named} is not a regular file (a folder, a pipe or a device); "
            "replace it with a file",
            where or path,
        )
