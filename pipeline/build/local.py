"""The local executor: each checked script's work stages, one script after another, on this
machine (synthesis itself runs in a pool of worker processes: pipeline.speech.synth)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.build.stages import WORK_STAGES, synthesize
from pipeline.build.task import EpisodeTask
from pipeline.core.errors import BugError, PipelineError
from pipeline.core.model import BuiltEpisode
from pipeline.core.reporter import Reporter
from pipeline.speech.synth import let_go_of_workers


def build_here(
    tasks: Sequence[EpisodeTask],
    reporter: Reporter,
    fail: Callable[[Path, PipelineError], None],
) -> list[BuiltEpisode]:
    """Run every task's work stages in order; a script that fails is handed to ``fail`` and
    the others go on. Returns the episodes built."""
    built: list[BuiltEpisode] = []
    for task in tasks:
        reporter.info(f"{task.source}:")
        try:
            for stage in WORK_STAGES:
                started = time.perf_counter()
                with reporter.timed(stage.__name__):
                    stage(task)
                task.stage_seconds[stage.__name__] = round(time.perf_counter() - started, 3)
                if stage is synthesize and task is tasks[-1]:
                    let_go_of_workers()  # none will synthesize after it: they exit meanwhile
        except PipelineError as exc:
            fail(task.source, exc)
            continue
        except Exception as exc:  # a bug hit by this script: the others still build
            fail(task.source, BugError(exc, task.source))
            continue
        assert task.built is not None
        built.append(task.built)
    return built
