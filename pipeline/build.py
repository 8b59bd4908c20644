"""The build: one ordered list of stages per episode, then the show-wide outputs.

    read_script → choose_voice → narrate → plan_audio → synthesize → master_and_tag
                → transcripts → page            (for each script)
    feed → show page                            (once, for every episode that built)

Each stage is a plain function taking the episode's task and filling in its part of it.
Every script is read (its front matter checked) and its voice chosen before any episode
is worked on, so a script that cannot be read or spoken leaves nothing.
An episode's audio and its tag each have their own inputs (pipeline.keys): a change redoes
only what reads it.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import atomic, keys, manifest, uptodate
from pipeline.cache import AudioCache, utterance_key
from pipeline.engines import Engine, VoiceChoice, load_engine
from pipeline.errors import OutputError, PipelineError, ToolError
from pipeline.master import Loudness, Pauses, PlannedBlock, PlannedUtterance
from pipeline.model import (
    Block,
    BuiltEpisode,
    EpisodeFiles,
    Narration,
    Script,
    Show,
    Timeline,
)
from pipeline.reporter import Reporter
from pipeline.synth import TRIM_SETTINGS, Job


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live."""

    root: Path

    @property
    def scripts(self) -> Path:
        return self.root / "scripts"

    @property
    def episodes(self) -> Path:
        return self.root / "episodes"

    @property
    def feed(self) -> Path:
        return self.root / "feed"

    @property
    def show_toml(self) -> Path:
        return self.feed / "show.toml"

    @property
    def cache(self) -> AudioCache:
        return AudioCache(self.root / ".cache" / "audio")

    @property
    def lock(self) -> Path:
        return self.root / ".cache" / "build.lock"


@dataclass(frozen=True)
class Options:
    engine: str | None = None  # overrides show.toml and front matter
    jobs: int = 2
    explain: bool = False
    base_url: str | None = None


@dataclass
class EpisodeTask:
    """One script on its way to a finished episode; each stage fills in a field."""

    source: Path
    project: Project
    show: Show
    options: Options
    reporter: Reporter
    artwork: Path
    script: Script | None = None
    narration: Narration | None = None
    choice: VoiceChoice | None = None
    engine: Engine | None = None
    planned: list[PlannedBlock] = field(default_factory=list)
    spoken_by_key: dict[str, str] = field(default_factory=dict)
    audio: keys.Inputs = field(default_factory=dict)  # what the audio is made from
    audio_verdict: keys.Verdict = keys.NOT_PLANNED
    previous: manifest.Manifest | None = None  # what the last build of this episode knew
    timeline: Timeline | None = None
    built: BuiltEpisode | None = None

    @property
    def files(self) -> EpisodeFiles:
        assert self.script is not None
        return EpisodeFiles(self.project.episodes / self.script.meta.slug)

    @property
    def base_url(self) -> str:
        return (self.options.base_url or self.show.base_url).rstrip("/")


# ---------------------------------------------------------------- the stages


def read_script(task: EpisodeTask) -> None:
    from pipeline.script import read_script as read

    task.script = read(task.source, task.show)
    for warning in task.script.warnings:
        task.reporter.warn(f"{task.source}: {warning}")


def narrate(task: EpisodeTask) -> None:
    from pipeline.narrate import cleaning_report, narrate

    assert task.script is not None
    task.narration = narrate(task.script)
    for line in task.narration.dropped:
        task.reporter.detail(f"  dropped line {line.line_number} ({line.reason}): {line.text}")
    atomic.write_text(task.files.cleaning_report, cleaning_report(task.script, task.narration))


def choose_voice(task: EpisodeTask) -> None:
    assert task.script is not None
    meta = task.script.meta
    engine = task.options.engine or meta.engine or task.show.engine
    voice = meta.voice or task.show.voice
    workspace = task.project.root / ".cache" / "voices"
    task.choice = VoiceChoice(engine, voice, meta.language, workspace)
    try:
        task.engine = load_engine(task.choice)
    except PipelineError as exc:
        raise type(exc)(exc.detail, task.source) from None


def plan_audio(task: EpisodeTask) -> None:
    """Give every utterance (intro and outro included) its cache key, in listening order."""
    from pipeline.narrate import spoken_block

    assert task.script and task.narration and task.engine
    meta, show = task.script.meta, task.show
    words = {"show": show.title, "number": meta.number, "title": meta.title}
    intro = spoken_block("intro", show.intro.format(**words), meta.language)
    outro = spoken_block("outro", show.outro.format(**words), meta.language)
    last = len(task.narration.chapters) - 1
    ordered: list[tuple[Block, int]] = [(intro, 0)]
    for index, chapter in enumerate(task.narration.chapters):
        ordered.extend((block, index) for block in chapter.blocks)
    ordered.append((outro, last))
    identity = task.engine.identity()
    for block, chapter_index in ordered:
        sentences = []
        for sentence in block.sentences:
            utterances = []
            for utterance in sentence.utterances:
                key = utterance_key(identity, TRIM_SETTINGS, utterance.spoken)
                task.spoken_by_key[key] = utterance.spoken
                utterances.append(PlannedUtterance(utterance.text, key, 0))
            sentences.append(tuple(utterances))
        task.planned.append(PlannedBlock(block.kind, chapter_index, tuple(sentences)))
    titles = [chapter.title for chapter in task.narration.chapters]
    task.audio = keys.audio_inputs(task.planned, titles, task.engine.sample_rate, show)
    task.previous = manifest.read(task.files)
    task.audio_verdict = uptodate.audio_verdict(task)
    if not task.audio_verdict.up_to_date:
        uptodate.why(task, f"  audio to build: {task.audio_verdict.reason}")


def synthesize(task: EpisodeTask) -> None:
    from pipeline.synth import synthesize as run_pool

    assert task.choice and task.engine
    cache = task.project.cache
    if task.audio_verdict.up_to_date:
        task.reporter.detail(f"  audio up to date ({len(task.spoken_by_key)} utterances cached)")
        if task.options.explain:
            for spoken in task.spoken_by_key.values():
                task.reporter.explain(f"  cached (episode unchanged): {spoken[:70]}")
        return
    todo: list[Job] = []
    old_keys = task.previous.utterances if task.previous else {}
    old_texts = set(old_keys.values())
    for key, spoken in task.spoken_by_key.items():
        status = cache.status(key)
        if status == "hit":
            if task.options.explain:
                task.reporter.explain(f"  cached: {spoken[:70]}")
            continue
        if status == "corrupt":
            reason = "cache entry corrupt (checksum mismatch)"
        elif key in old_keys:
            reason = "cache entry missing"
        elif spoken in old_texts:
            reason = "voice or synthesis settings changed"
        else:
            reason = "new or edited text"
        if task.options.explain:
            task.reporter.explain(f"  synthesize ({reason}): {spoken[:70]}")
        todo.append(Job(key, spoken))
    progress = task.reporter.progress(f"{task.files.slug}: synthesizing", len(todo))

    def done(job: Job) -> None:  # counted as each lands, so a failed pool still counts right
        progress.step()
        task.reporter.synthesized += 1

    run_pool(task.choice, task.engine, todo, cache, task.options.jobs, done)
    progress.finish()


def master_and_tag(task: EpisodeTask) -> None:
    """Encode the MP3 and tag it, in a temporary file renamed into place when whole.

    Audio up to date: the tag alone is rewritten, on a copy of the MP3, when an input it
    shows changed; nothing is decoded or encoded.
    """
    from pipeline.digest import file_digest
    from pipeline.master import decode_music, encode, layout

    assert task.script and task.narration and task.engine
    files, show = task.files, task.show
    if task.audio_verdict.up_to_date:
        assert task.previous is not None
        task.timeline, gain = task.previous.timeline, task.previous.gain
        tags = uptodate.tags_inputs(task, task.timeline)
        verdict = keys.compare(task.previous.tags, tags)
        if verdict.up_to_date:
            return
        uptodate.why(task, f"  tags to rewrite: {verdict.reason}")
        with atomic.replacing(files.mp3) as tmp:
            shutil.copyfile(files.mp3, tmp)
            uptodate.write_tags(task, tmp, task.timeline)
        uptodate.record(task, tags, gain, file_digest(files.mp3))
        return
    cache, rate = task.project.cache, task.engine.sample_rate
    planned = [_with_lengths(block, cache) for block in task.planned]
    intro = decode_music(show.intro_music, rate) if show.intro_music else b""
    outro = decode_music(show.outro_music, rate) if show.outro_music else b""
    titles = [chapter.title for chapter in task.narration.chapters]
    pieces, timeline = layout(planned, titles, rate, Pauses(), intro, outro)
    loudness = Loudness(show.loudness_lufs, show.true_peak_dbtp, show.bitrate_kbps)
    task.reporter.detail(f"  mastering {timeline.duration / 60:.1f} min of audio")
    hint = task.previous.gain if task.previous else None
    with atomic.replacing(files.mp3) as tmp:
        try:
            gain = encode(pieces, cache, rate, loudness, tmp, hint)
        except ToolError:
            if atomic.out_of_space(tmp.parent):  # checked while the partial MP3 still fills it
                raise atomic.no_space(files.mp3) from None
            raise
        uptodate.write_tags(task, tmp, timeline)
        digest = file_digest(tmp)
    task.timeline = timeline
    uptodate.record(task, uptodate.tags_inputs(task, timeline), gain, digest)


def transcripts(task: EpisodeTask) -> None:
    from pipeline.feed import episode_guid
    from pipeline.transcripts import write_transcripts

    assert task.script and task.timeline
    write_transcripts(task.show, task.script.meta, task.timeline, task.files)
    task.built = BuiltEpisode(
        meta=task.script.meta,
        files=task.files,
        timeline=task.timeline,
        mp3_bytes=task.files.mp3.stat().st_size,
        guid=episode_guid(task.show, task.base_url, task.script.meta),
        chapter_titles=tuple(mark.title for mark in task.timeline.chapters),
    )


def page(task: EpisodeTask) -> None:
    from pipeline.page import write_episode_page

    assert task.built is not None
    write_episode_page(task.show, task.built)


# Run for every script before any script's work starts: a bad one is found first.
CHECK_STAGES: Sequence[Callable[[EpisodeTask], None]] = (read_script, choose_voice)
WORK_STAGES: Sequence[Callable[[EpisodeTask], None]] = (
    narrate,
    plan_audio,
    synthesize,
    master_and_tag,
    transcripts,
    page,
)
EPISODE_STAGES = (*CHECK_STAGES, *WORK_STAGES)


# ---------------------------------------------------------------- the whole build


@dataclass
class BuildResult:
    built: list[BuiltEpisode]
    failed: list[tuple[Path, str]]
    synthesized: int
    stage_seconds: dict[str, float] = field(default_factory=dict)  # summed over episodes


def build(
    project: Project, options: Options, reporter: Reporter, only: Sequence[Path] = ()
) -> BuildResult:
    """Build the named scripts (all when none are named), then the feed and the show page.

    Everything is checked before any work: show.toml (config.load_show), its music, the
    base URL, and every script's front matter; a script that fails is reported and skipped,
    the others still build. A write that fails (a full disk, a read-only folder) stops the
    build. Hold project.lock while it runs (the CLI does): it first deletes the temporary
    files of a killed build.
    """
    from pipeline.artwork import ensure_artwork
    from pipeline.config import check_music, load_show
    from pipeline.feed import feed_url, write_feed
    from pipeline.page import write_show_page
    from pipeline.script import find_scripts
    from pipeline.showcheck import url_problem

    show = load_show(project.show_toml)
    check_music(show, project.show_toml)
    problem = url_problem("--base-url", options.base_url) if options.base_url else None
    if problem:
        raise PipelineError(problem)
    sources = list(only) or find_scripts(project.scripts)
    if not sources:
        raise PipelineError(f"no scripts found in {project.scripts} (expected NNN-slug.md or .txt)")
    failed: list[tuple[Path, str]] = []

    def fail(source: Path, exc: PipelineError) -> None:
        if isinstance(exc, OutputError):
            raise exc  # every later write would fail the same way
        reporter.error(str(exc) if exc.path else f"{source}: {exc}")
        failed.append((source, str(exc)))

    # Every script's front matter and voice first, so none is found wrong after others built.
    tasks: list[EpisodeTask] = []
    seen: dict[str, Path] = {}
    for source in sources:
        task = EpisodeTask(source, project, show, options, reporter, Path())
        try:
            for stage in CHECK_STAGES:
                with reporter.timed(stage.__name__):
                    stage(task)
                if stage is read_script:
                    _claim_unique(task, seen)
        except PipelineError as exc:
            fail(source, exc)
            continue
        tasks.append(task)

    for folder in (project.episodes, project.feed, project.root / ".cache"):
        atomic.remove_leftovers(folder)  # what a killed build left half-written
    artwork = ensure_artwork(show, project.feed)
    built: list[BuiltEpisode] = []
    for task in tasks:
        reporter.info(f"{task.source}:")
        task.artwork = artwork
        try:
            for stage in WORK_STAGES:
                with reporter.timed(stage.__name__):
                    stage(task)
        except PipelineError as exc:
            fail(task.source, exc)
            continue
        assert task.built is not None
        built.append(task.built)
    base_url = (options.base_url or show.base_url).rstrip("/")
    if built:
        with reporter.timed("feed"):
            write_feed(show, built, base_url, project.feed / "feed.xml")
        with reporter.timed("show_page"):
            write_show_page(show, built, project.feed, feed_url(show, base_url))
    return BuildResult(built, failed, reporter.synthesized, dict(reporter.stage_seconds))


def _claim_unique(task: EpisodeTask, seen: dict[str, Path]) -> None:
    """Two scripts may not share a slug or an episode number: their outputs would collide."""
    from pipeline.errors import ScriptError

    assert task.script is not None
    meta = task.script.meta
    for claim in (f"slug '{meta.slug}'", f"episode number {meta.number}"):
        if claim in seen:
            raise ScriptError(f"{claim} is already used by {seen[claim]}", task.source)
    seen[f"slug '{meta.slug}'"] = task.source
    seen[f"episode number {meta.number}"] = task.source


# ------------------------------------------------ helpers


def _with_lengths(block: PlannedBlock, cache: AudioCache) -> PlannedBlock:
    # Reads headers only: the synthesize stage has just checked every entry's checksum,
    # and mastering checks them again as it streams them.
    def sized(u: PlannedUtterance) -> PlannedUtterance:
        samples = cache.sample_count(u.key)
        if samples is None:
            raise PipelineError(f"cache entry for {u.text[:40]!r} is missing after synthesis")
        return dataclasses.replace(u, samples=samples)

    sentences = tuple(tuple(sized(u) for u in sentence) for sentence in block.sentences)
    return dataclasses.replace(block, sentences=sentences)


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))
