"""The whole-build check: is the build about to be a no-op? Answered before the stages'
modules are imported, from stats alone.

A build that succeeded for every script records (in ``.cache/noop.json``) what a no-op build
printed and a fingerprint of everything its outputs depend on: the build's options, the
environment variables the pipeline and its tools read, today's date, every file of the
essaycast package, the installed packages' folders, the voice model and ffmpeg binary, and
the stat of every file in the project (scripts, feed, episodes, anything else the scripts
or show.toml may point at). The next build compares; if nothing differs it prints what was
recorded and stops, else it takes the normal path, which forgets the record first.

Only stdlib and pipeline.core here: importing this module is the fast path's whole cost.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pipeline
from pipeline.core import atomic
from pipeline.core.digest import SETTLED_NS, file_digest, stat_fingerprint
from pipeline.core.reporter import Reporter

RECORD = Path(".cache") / "noop.json"  # under the project root
LOCK = Path(".cache") / "build.lock"  # as pipeline.build.task.Project.lock names it
FORMAT = 1  # of the record; another format is no record
# The environment the build or its tools (imageio-ffmpeg, Dask, the locale, the clock) read.
ENV_PREFIXES = ("ESSAYCAST_", "IMAGEIO_", "DASK_", "LC_", "PYTHON")
ENV_NAMES = ("PATH", "TZ", "LANG", "LANGUAGE")
# Not walked: the build's own cache and tools' folders (top-level hidden entries), and
# folders no script or show.toml would name.
SKIPPED_FOLDERS = ("node_modules", "__pycache__")
# Project files changed this close to a walk (or later) get a digest as well as a stat: a
# second write within the file system's timestamp resolution would leave the stat unchanged.
RACY_NS = SETTLED_NS
NOT_DIGESTED = "episodes" + os.sep  # the outputs' audio is large; their stat alone is compared

STAT_FIELDS = 5  # of pipeline.core.digest.stat_fingerprint; a digest may follow them
Line = tuple[str, str]  # (level, the line as printed): "info" (always) or "detail" (not --quiet)


@dataclass(frozen=True)
class Verdict:
    reason: str | None  # why the build is not known to be a no-op; None: it is
    lines: tuple[Line, ...] = ()  # what the no-op printed, less the last line
    stages: tuple[str, ...] = ()  # the stages it timed (each 0 s when skipped whole)
    built: int = 0  # episodes


class Recorder(Reporter):
    """A Reporter that also keeps every line it was given, as the fast path replays them."""

    def __init__(self, stream: Any = None, verbose: bool = True) -> None:
        super().__init__(stream, verbose)
        self.lines: list[Line] = []

    def info(self, message: str) -> None:
        self.lines.append(("info", message))
        super().info(message)

    def detail(self, message: str) -> None:
        self.lines.append(("detail", message))
        super().detail(message)

    def explain(self, message: str) -> None:
        self.lines.append(("info", message))
        super().explain(message)

    def warn(self, message: str) -> None:
        self.lines.append(("info", f"warning: {message}"))
        super().warn(message)

    def error(self, message: str) -> None:
        self.lines.append(("info", f"error: {message}"))
        super().error(message)


def options_key(args: Mapping[str, Any]) -> dict[str, Any]:
    """The CLI options a record is valid for (``--quiet`` only filters the lines printed)."""
    return {name: args[name] for name in sorted(args) if name not in ("quiet", "timings")}


def fingerprint(
    root: Path, options: Mapping[str, Any], watched: Sequence[str], digests: bool = True
) -> dict[str, Any]:
    """Everything a no-op's verdict depends on, as JSON-able data. A file that changed too
    recently for its stat to be trusted also has its SHA-256 (unless ``digests`` is false)."""
    started = time.time_ns()
    return {
        "format": FORMAT,
        "essaycast": pipeline.__version__,
        "python": [sys.executable, sys.version],
        "options": dict(options),
        "environment": {
            name: value
            for name, value in sorted(os.environ.items())
            if name.startswith(ENV_PREFIXES) or name in ENV_NAMES
        },
        "day": time.strftime("%Y-%m-%d"),  # a date inferred as "today" changes at midnight
        "code": _tree(Path(pipeline.__file__).parent, started, digests=digests),
        "installed": {path: _stat(Path(path)) for path in sorted(_package_folders())},
        "watched": {path: _stat(Path(path)) for path in sorted(watched)},
        "project": _tree(root, started, digests=digests, top_hidden=False),
    }


def check(root: Path, options: Mapping[str, Any]) -> Verdict:
    """Whether the record says a build with these options would change nothing now."""
    try:
        record = json.loads((root / RECORD).read_text(encoding="utf-8"))
        recorded, lines, stages = record["fingerprint"], record["lines"], record["stages"]
        watched, built = list(recorded["watched"]), int(record["built"])
    except FileNotFoundError:
        return Verdict("no record of a finished build")
    except (OSError, ValueError, KeyError, TypeError):
        return Verdict("the record of the last build is unreadable")
    if recorded.get("format") != FORMAT:
        return Verdict("the record is of another format")
    if _lock_held_or_left(root):
        return Verdict("the lock file names a build, publish or add (running, or stopped)")
    now = fingerprint(root, options, watched, digests=False)
    try:
        reason = difference(_stats_only(recorded), now) or _digests_differ(root, recorded)
    except (AttributeError, IndexError, KeyError, TypeError):  # valid JSON, not a record
        return Verdict("the record of the last build is unreadable")
    if reason is not None:
        return Verdict(reason)
    replay = tuple((str(level), str(line)) for level, line in lines)
    return Verdict(None, replay, tuple(map(str, stages)), built)


def difference(before: Mapping[str, Any], now: Mapping[str, Any]) -> str | None:
    """The first thing that differs between two fingerprints, in words; None if nothing.

    >>> difference({"options": {"jobs": 1}}, {"options": {"jobs": 2}})
    'options: jobs differs'
    >>> difference({"project": {"a": 1}}, {"project": {"a": 1, "b": 2}})
    'project: b is new'
    >>> difference({"day": "x"}, {"day": "x"}) is None
    True
    """
    for section in sorted(set(before) | set(now)):
        old, new = before.get(section), now.get(section)
        if old == new:
            continue
        if not (isinstance(old, dict) and isinstance(new, dict)):
            return f"{section} differs"
        for name in sorted(set(old) | set(new)):
            if name not in new:
                return f"{section}: {name} is gone"
            if name not in old:
                return f"{section}: {name} is new"
            if old[name] != new[name]:
                return f"{section}: {name} differs"
    return None


def forget(root: Path) -> None:
    """Drop the record: from now until a build finishes, no build may skip."""
    with contextlib.suppress(FileNotFoundError):
        (root / RECORD).unlink()


def remember(root: Path, recorded: Mapping[str, Any], noop: Verdict) -> None:
    """Write the record (atomically: a reader sees the old one, the new one, or none)."""
    record = {
        "fingerprint": recorded,
        "lines": [list(line) for line in noop.lines],
        "stages": list(noop.stages),
        "built": noop.built,
    }
    atomic.write_text(root / RECORD, json.dumps(record, indent=0) + "\n")


def same_files(before: Mapping[str, Any], after: Mapping[str, Any], besides: str = "") -> bool:
    """Whether two fingerprints' stats agree, leaving out the project file ``besides`` (the
    --timings file, written between them)."""
    return _stats_only(before, besides) == _stats_only(after, besides)


def _stats_only(print_: Mapping[str, Any], besides: str = "") -> dict[str, Any]:
    out = dict(print_)
    for section in ("code", "project"):
        out[section] = {
            name: value[:STAT_FIELDS] for name, value in print_[section].items() if name != besides
        }
    return out


def _digests_differ(root: Path, recorded: Mapping[str, Any]) -> str | None:
    """The first file whose recorded digest its bytes no longer match (its stat does)."""
    tops = {"code": Path(pipeline.__file__).parent, "project": root}
    for section, top in tops.items():
        for name, entry in recorded[section].items():
            if len(entry) > STAT_FIELDS:
                try:
                    same = file_digest(top / name) == entry[STAT_FIELDS]
                except OSError:
                    same = False
                if not same:
                    return f"{section}: {name} differs"
    return None


def relative_name(path: Path, root: Path) -> str:
    """``path``'s name in a fingerprint's project section, or "" if it is outside."""
    try:
        return str(path.absolute().relative_to(root))
    except ValueError:
        return ""


def _lock_held_or_left(root: Path) -> bool:
    """Whether .cache/build.lock names a holder: one is running, and the normal path waits
    for it; or one was killed, and the normal path says so and sweeps up after it."""
    try:
        return bool((root / LOCK).read_text(encoding="ascii", errors="replace").strip())
    except FileNotFoundError:
        return False
    except OSError:
        return True


def _stat(path: Path) -> list[int] | None:
    try:
        return stat_fingerprint(path)
    except OSError:
        return None


def _tree(
    top: Path, started: int, *, digests: bool, top_hidden: bool = True
) -> dict[str, list[Any]]:
    """Every file under ``top`` (symbolic links followed, once): its stat and, when it
    changed too recently to trust the stat alone, its SHA-256 (a regular file's only: a
    named pipe would never end)."""
    found: dict[str, list[Any]] = {}
    inside = top.resolve()
    for path, name in _files(top, inside, top, set(), top_hidden):
        try:
            st = os.stat(path)
        except OSError:
            continue  # gone mid-walk (or a dangling link): absent, as it is to the build
        entry: list[Any] = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        racy = started - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_NS
        if digests and racy and stat.S_ISREG(st.st_mode) and not name.startswith(NOT_DIGESTED):
            try:
                entry.append(file_digest(path))
            except OSError:
                continue
        found[name] = entry
    return found


def _files(
    folder: Path, inside: Path, top: Path, seen: set[tuple[int, int]], top_hidden: bool
) -> Iterator[tuple[Path, str]]:
    try:
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in seen:
            return  # a link back up the tree
        seen.add((st.st_dev, st.st_ino))
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if folder == top and not top_hidden and entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_folder = entry.is_dir()
            # A link to a folder outside: the build reads nothing there (files are
            # confined to the project), so the folder's own stat is enough.
            is_folder = is_folder and (
                not entry.is_symlink() or path.resolve().is_relative_to(inside)
            )
        except OSError:
            continue
        if is_folder:
            if entry.name not in SKIPPED_FOLDERS:
                yield from _files(path, inside, top, seen, top_hidden)
        else:
            yield path, str(path.relative_to(top))


def _package_folders() -> list[str]:
    """sys.path's site-packages folders: installing, upgrading or removing a package
    changes their stat (its .dist-info folder comes and goes)."""
    return [
        entry
        for entry in sys.path
        if os.path.basename(entry) in ("site-packages", "dist-packages") and os.path.isdir(entry)
    ]


def watched_files() -> list[str]:
    """The programs and models the build would run or load: every ffmpeg it may choose
    (pipeline.core.tools.ffmpeg_path) and each installed voice's model and config. Found
    without running anything (imageio-ffmpeg would run its binary to check it), asked by
    the build that records, then only stat'ed."""
    import importlib.util
    import shutil

    from pipeline.core.errors import PipelineError
    from pipeline.core.tools import FFMPEG_VARIABLE

    files = [os.environ.get(FFMPEG_VARIABLE, ""), shutil.which("ffmpeg") or ""]
    spec = importlib.util.find_spec("imageio_ffmpeg")
    if spec is not None and spec.origin:
        binaries = Path(spec.origin).parent / "binaries"
        files += [str(path) for path in binaries.glob("ffmpeg*")]
    from pipeline.speech.engines.piper import VOICES, voice_files  # the build imported it

    for voice in sorted(VOICES):
        try:
            model, config, _ = voice_files(voice)
        except PipelineError:
            continue
        files += [str(model), str(config)]
    return sorted({os.path.abspath(file) for file in files if file})
