"""After a normal build: learn what a no-op build would print, and record it with the
fingerprint it starts from (pipeline.build.quick), so that the next build can skip."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.build import quick
from pipeline.build.run import BuildResult, build
from pipeline.build.task import Options, Project
from pipeline.core.errors import debugging


@dataclass(frozen=True)
class Start:
    """What the build was asked, and the fingerprint taken before it read anything."""

    project: Project
    settings: Options
    scripts: list[Path]
    options: dict[str, Any]
    watched: list[str]
    before: dict[str, Any]


def what_a_noop_prints(
    start: Start, result: BuildResult, reporter: quick.Recorder
) -> tuple[dict[str, Any], quick.Verdict] | None:
    """The fingerprint a no-op build starts from, and what it prints; None when this build
    cannot tell (a build after it would not be a no-op, or the project changed under it)."""
    root = start.project.root
    after = quick.fingerprint(root, start.options, start.watched)
    if result.synthesized == 0 and quick.same_files(start.before, after):
        return start.before, _noop(result, reporter)
    # This build changed something: build once more, silently, to learn what a no-op prints
    # (the stages' modules are loaded and nothing is left to do, so it is quick).
    again = quick.Recorder(io.StringIO())
    try:
        second = build(start.project, start.settings, again, start.scripts)
    except Exception:
        if debugging():
            raise
        return None  # the build itself went well: the next one takes the normal path
    if second.failed or second.synthesized:
        return None
    if not quick.same_files(after, quick.fingerprint(root, start.options, start.watched)):
        return None
    return after, _noop(second, again)


def remember(
    root: Path,
    options: dict[str, Any],
    watched: list[str],
    recorded: dict[str, Any],
    noop: quick.Verdict,
    timings: Path | None,
) -> None:
    """Record a no-op unless the project changed since ``recorded`` (the --timings file
    aside: it is written after the build, and its new stat goes into the record)."""
    name = quick.relative_name(timings, root) if timings else ""
    now = quick.fingerprint(root, options, watched)
    if not quick.same_files(recorded, now, besides=name):
        return
    project = dict(recorded["project"])
    if name in now["project"]:
        project[name] = now["project"][name]
    quick.remember(root, recorded | {"project": project}, noop)


def _noop(result: BuildResult, reporter: quick.Recorder) -> quick.Verdict:
    lines, stages = tuple(reporter.lines), tuple(result.stage_seconds)
    return quick.Verdict(None, lines, stages, len(result.built))
