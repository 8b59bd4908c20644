"""Many episodes at once: plan them all, synthesize every missing utterance together, and
finish each episode as soon as its audio is complete.

The build's per-episode stage list is split at `synthesize`: the stages before it (read,
voice, narrate, plan) run for every script first; then all their missing utterances go to
one executor together (a cluster stays busy across episode boundaries, and a sentence two
episodes share is synthesized once); each episode runs its remaining stages (synthesize, which
now finds its audio cached, then master, tag, transcripts, page) the moment its last utterance
lands, while the others are still being synthesized.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.build.stages import WORK_STAGES
from pipeline.build.stages import synthesize as synthesize_stage
from pipeline.build.task import EpisodeTask, Project
from pipeline.core.errors import BugError, PipelineError, debugging
from pipeline.core.model import BuiltEpisode
from pipeline.core.reporter import Reporter
from pipeline.speech.engines import Engine, VoiceChoice
from pipeline.speech.synth import Executor, Job

Stage = Callable[[EpisodeTask], None]
SPLIT = WORK_STAGES.index(synthesize_stage)
PLAN_STAGES: Sequence[Stage] = WORK_STAGES[:SPLIT]  # build() has run the CHECK_STAGES first
FINISH_STAGES: Sequence[Stage] = WORK_STAGES[SPLIT:]


@dataclass
class Waiting:
    """An episode whose audio is still being synthesized."""

    task: EpisodeTask
    missing: set[str] = field(default_factory=set)


@dataclass
class Outcome:
    built: list[BuiltEpisode] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def build_together(
    tasks: Sequence[EpisodeTask], project: Project, reporter: Reporter, executor: Executor
) -> Outcome:
    """Build every script's episode (each already read, its claims checked), synthesizing
    all of them on one executor."""
    outcome = Outcome()
    planned: list[Waiting] = []
    for task in tasks:
        reporter.info(f"{task.source}:")
        if _run(task, PLAN_STAGES, outcome):
            planned.append(Waiting(task, _missing(task)))
    by_choice: dict[VoiceChoice, dict[str, Job]] = {}
    waiting_on: dict[str, list[Waiting]] = {}
    for waiting in planned:
        assert waiting.task.choice is not None
        jobs = by_choice.setdefault(waiting.task.choice, {})
        for key in waiting.missing:
            jobs[key] = Job(key, waiting.task.spoken_by_key[key])
            waiting_on.setdefault(key, []).append(waiting)
    total = sum(len(jobs) for jobs in by_choice.values())
    reporter.info(f"synthesizing {total} utterance(s) for {len(planned)} episode(s) together")
    progress = reporter.progress(_label(0, len(planned)), total)
    finished = 0

    def finish(waiting: Waiting, error: PipelineError | None = None) -> None:
        nonlocal finished
        if error is not None:
            _fail(waiting.task, error, outcome)
        ok = error is None and _run(waiting.task, FINISH_STAGES, outcome)
        finished += 1
        progress.label = _label(finished, len(planned))
        reporter.info(
            f"{waiting.task.source}: {'finished' if ok else 'failed'} "
            f"({progress.label} {progress.done}/{total})"
        )

    streams = [
        executor.run(choice, _engine_of(planned, choice), list(jobs.values()), project.cache)
        for choice, jobs in by_choice.items()
    ]  # all submitted before any episode is finished
    for waiting in planned:
        if not waiting.missing:
            finish(waiting)
    try:
        for stream in streams:
            for landed in stream:
                if landed.error is None:
                    reporter.synthesized += 1
                progress.step()
                for waiting in waiting_on.pop(landed.job.key, []):
                    if waiting.task.built is not None or _failed(waiting, outcome):
                        continue
                    if landed.error is not None:
                        finish(waiting, landed.error)
                        continue
                    waiting.missing.discard(landed.job.key)
                    if not waiting.missing:
                        finish(waiting)
    finally:
        progress.finish()
    order = {task.source: index for index, task in enumerate(tasks)}
    outcome.built.sort(key=lambda built: order.get(built.meta.source, len(order)))
    return outcome


def _label(done: int, episodes: int) -> str:
    return f"{done}/{episodes} episodes done; utterances"


def _missing(task: EpisodeTask) -> set[str]:
    """The keys this episode's synthesize stage would synthesize (none when it is up to date)."""
    if task.audio_verdict.up_to_date:
        return set()
    cache = task.project.cache
    missing = set()
    for key, spoken in task.spoken_by_key.items():
        status = cache.status(key)
        if status != "hit":
            missing.add(key)
            if task.options.explain:
                why = "cache entry corrupt" if status == "corrupt" else "not in the cache"
                task.reporter.explain(f"  synthesize ({why}): {spoken[:70]}")
    return missing


def _engine_of(planned: Sequence[Waiting], choice: VoiceChoice) -> Engine:
    engine = next(w.task.engine for w in planned if w.task.choice == choice)
    assert engine is not None
    return engine


def _run(task: EpisodeTask, stages: Sequence[Stage], outcome: Outcome) -> bool:
    """Run some of an episode's stages as build() does; report and record a failure."""
    reporter = task.reporter
    try:
        for stage in stages:
            with reporter.timed(stage.__name__):
                stage(task)
    except PipelineError as exc:
        _fail(task, exc, outcome)
        return False
    except Exception as exc:  # a bug hit by this script: the others still build
        _fail(task, BugError(exc, task.source), outcome)
        return False
    if task.built is not None:
        outcome.built.append(task.built)
    return True


def _fail(task: EpisodeTask, exc: PipelineError, outcome: Outcome) -> None:
    task.reporter.error(str(exc) if exc.path else f"{task.source}: {exc}")
    if isinstance(exc, BugError) and debugging():
        task.reporter.error(exc.traceback.rstrip())
    outcome.failed.append((task.source, str(exc)))


def _failed(waiting: Waiting, outcome: Outcome) -> bool:
    return any(source == waiting.task.source for source, _ in outcome.failed)
