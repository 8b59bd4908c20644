"""The build's stages, in order: what happens to one script on its way to an episode.

    read_script → choose_voice → load_lexicon         (every script first: CHECK_STAGES)
    narrate → plan_audio → synthesize → master_and_tag → transcripts → talking_book
            → page → report → remember → record       (then each script: WORK_STAGES)
    feed → show book → show page → show report        (then once: pipeline.build.showwide)

Each stage is a plain function taking the episode's task (pipeline.build.task) and filling
in its part of it. Every script is read (its front matter checked), its voice chosen and
its lexicon checked before any episode is worked on, so a script that cannot be read or
spoken leaves nothing (pipeline.build.run runs them). An episode's audio and its tag each
have their own inputs (pipeline.build.keys): a change redoes only what reads it.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pipeline.audio.layout import PlannedBlock, PlannedUtterance
from pipeline.audio.master import Loudness
from pipeline.build import keys, manifest, uptodate
from pipeline.build.task import EpisodeTask
from pipeline.core import atomic
from pipeline.core.confine import check_inside
from pipeline.core.errors import PipelineError, ScriptError, ToolError
from pipeline.core.model import Block, BuiltEpisode
from pipeline.settings.direction import episode_pace, pauses
from pipeline.speech.cache import AudioCache, utterance_key
from pipeline.speech.engines import VoiceChoice, load_engine
from pipeline.speech.synth import TRIM_SETTINGS, Job

if TYPE_CHECKING:  # the meter loads numpy, which a no-op build never needs
    from pipeline.audio.streaming import BackHalf


def read_script(task: EpisodeTask) -> None:
    from pipeline.reading.ingest import read_script as read

    check_inside(task.source, task.project.root, "script", ScriptError)
    in_project = task.source.parent == task.project.scripts
    task.script = read(task.source, task.show, task.records if in_project else None)
    for line in task.script.inferred:
        task.reporter.info(f"  inferred {line}")
    for warning in task.script.warnings:
        task.reporter.warn(f"{task.source}: {warning}")
    for note in task.script.notes:
        task.reporter.info(f"{task.source}: {note}")


def narrate(task: EpisodeTask) -> None:
    from pipeline.reading.narrate import cleaning_report, dropped_entries, narrate

    assert task.script is not None
    task.narration = narrate(task.script)
    for entry in dropped_entries(task.script, task.narration.dropped):
        task.reporter.detail(f"  dropped {entry}")
    atomic.write_text(task.files.cleaning_report, cleaning_report(task.script, task.narration))


def choose_voice(task: EpisodeTask) -> None:
    assert task.script is not None
    meta = task.script.meta
    engine = task.options.engine or meta.engine or task.show.engine
    voice = meta.voice or task.show.voice
    workspace = task.project.root / ".cache" / "voices"
    pace = episode_pace(task.show, meta)
    task.choice = VoiceChoice(engine, voice, meta.language, workspace, pace)
    try:
        task.engine = load_engine(task.choice)
    except PipelineError as exc:
        raise type(exc)(exc.detail, task.source) from None
    notices = getattr(task.engine, "notices", [])
    for notice in notices:  # e.g. a damaged cached voice remade
        task.reporter.warn(notice)
    notices.clear()  # told once: a later script (or build) in this voice shares the engine


def load_lexicon(task: EpisodeTask) -> None:
    """The show's lexicon with the script's `pronounce:` over it, checked against the voice."""
    from pipeline.speech.pronouncer import pronouncer

    assert task.script and task.engine
    task.pronouncer = pronouncer(task.project.feed, task.engine, task.script.meta)


def plan_audio(task: EpisodeTask) -> None:
    """Give every utterance (intro and outro included) its cache key, in listening order."""
    from pipeline.reading.credit import spoken_fields
    from pipeline.reading.narrate import spoken_block

    assert task.script and task.narration and task.engine and task.pronouncer
    meta, show = task.script.meta, task.show
    words = spoken_fields(show, meta)  # "..., by Priya Natarajan" when the essay has an author
    last = len(task.narration.chapters) - 1
    ordered: list[tuple[Block, int]] = []
    if show.intro:  # intro = "" in show.toml: no intro at all
        ordered.append((spoken_block("intro", show.intro.format(**words), meta.language), 0))
    for index, chapter in enumerate(task.narration.chapters):
        ordered.extend((block, index) for block in chapter.blocks)
    if show.outro:
        ordered.append((spoken_block("outro", show.outro.format(**words), meta.language), last))
    ordered = [(block, index) for block, index in ordered if block.sentences]  # "..." says nothing
    identity = task.engine.identity()
    for block, chapter_index in ordered:
        sentences = []
        for sentence in block.sentences:
            utterances = []
            for utterance in sentence.utterances:
                spoken = task.pronouncer.apply(utterance.spoken)
                key = utterance_key(identity, TRIM_SETTINGS, spoken)
                task.spoken_by_key[key] = spoken
                utterances.append(PlannedUtterance(utterance.text, key, 0))
            sentences.append(tuple(utterances))
        task.planned.append(PlannedBlock(block.kind, chapter_index, tuple(sentences)))
    for entry in task.pronouncer.not_applicable:
        task.reporter.warn(
            f"{entry.where}: has only phonemes, which the {task.engine.name} voice cannot "
            'take; read as written (add say = "..." for it)'
        )
    titles = [chapter.title for chapter in task.narration.chapters]
    task.audio = keys.audio_inputs(task.planned, titles, task.engine.sample_rate, show)
    task.previous = manifest.read(task.files)
    task.audio_verdict = uptodate.audio_verdict(task)
    if not task.audio_verdict.up_to_date:
        uptodate.why(task, f"  audio to build: {task.audio_verdict.reason}")


def warm_up_voice(task: EpisodeTask) -> bool:
    """Start the synthesis workers loading the voice now, while this process draws the
    artwork and lays the episode out, when synthesis is sure to come: the episode was never
    built (no record of it). One built before may need none (a no-op, a metadata change):
    its voice waits until plan_audio knows. True if the workers were started."""
    from pipeline.speech.synth import warm_up

    assert task.choice and task.engine
    if task.files.manifest.exists():
        return False
    return warm_up(task.choice, task.engine, task.project.cache, task.options.jobs)


def synthesize(task: EpisodeTask) -> None:
    from pipeline.speech.synth import synthesize as run_pool

    assert task.choice and task.engine
    cache = task.project.cache
    task.cache_use = {"cached": len(task.spoken_by_key), "synthesized": 0}
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
    task.cache_use = {"cached": len(task.spoken_by_key) - len(todo), "synthesized": len(todo)}
    # In listening order (the plan's), so that the back half can master each chapter as
    # soon as its utterances land, while later ones are synthesized.
    back_half = task.back_half = _back_half(task)
    back_half.start(job.key for job in todo)

    def done(job: Job) -> None:  # counted as each lands, so a failed pool still counts right
        progress.step()
        task.reporter.synthesized += 1
        back_half.landed(job.key)

    try:
        run_pool(task.choice, task.engine, todo, cache, task.options.jobs, done)
    except BaseException:
        back_half.stop()
        raise
    progress.finish()


def master_and_tag(task: EpisodeTask) -> None:
    """Encode the MP3 and tag it, in a temporary file renamed into place when whole.

    Audio up to date: the tag alone is rewritten, on a copy of the MP3, when an input it
    shows changed; nothing is decoded or encoded.
    """
    from pipeline.audio.layout import layout
    from pipeline.audio.segments import write_mp3
    from pipeline.core.digest import file_digest

    assert task.script and task.narration and task.engine
    files = task.files
    if task.audio_verdict.up_to_date:
        assert task.previous is not None
        task.timeline, gain = task.previous.timeline, task.previous.gain
        task.segments = task.previous.segments
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
    back_half = task.back_half
    assert back_half is not None, "the synthesize stage starts the back half"
    plan = back_half.plan
    planned = [_with_lengths(block, task.project.cache) for block in task.planned]
    pieces, timeline = layout(planned, plan.titles, plan.rate, plan.pauses, plan.intro, plan.outro)
    task.reporter.detail(f"  mastering {timeline.duration / 60:.1f} min of audio")
    with atomic.replacing(files.mp3) as tmp:
        try:
            mastered = back_half.finish(pieces)
            write_mp3(mastered.segments, task.project.segments, tmp)
        except BaseException as exc:
            back_half.stop()  # a stop request landed while it worked: end its thread too
            if not isinstance(exc, ToolError):
                raise
            if atomic.out_of_space(tmp.parent):  # checked while the partial MP3 still fills it
                raise atomic.no_space(files.mp3) from None
            raise
        uptodate.write_tags(task, tmp, timeline)
        digest = file_digest(tmp)
    task.back_half = None
    chapters, encoded = len(mastered.segments), mastered.encoded - mastered.reencoded
    again = f" ({mastered.reencoded} more to land on the target)" if mastered.reencoded else ""
    task.reporter.detail(f"  encoded {encoded} of {chapters} chapter(s) of the MP3{again}")
    task.cache_use["chapters encoded"], task.cache_use["chapters"] = encoded, chapters
    task.cache_use["chapters encoded again"] = mastered.reencoded
    task.measured = mastered.meter.measurement()
    task.timeline, task.segments = timeline, mastered.segments
    counts = {"encoded": mastered.encoded, "reencoded": mastered.reencoded}
    uptodate.record(task, uptodate.tags_inputs(task, timeline), mastered.gain, digest, counts)


def transcripts(task: EpisodeTask) -> None:
    from pipeline.release.feed import episode_guid
    from pipeline.release.transcripts import write_transcripts

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


def talking_book(task: EpisodeTask) -> None:
    from pipeline.audio.aac import ChapterEncodes, aac_rate
    from pipeline.books.talkingbook import EpisodeBook, write_episode_book

    assert task.built and task.narration and task.choice and task.engine
    rate = aac_rate(task.engine.sample_rate)  # as mastering made the chapters' AAC
    encodes = ChapterEncodes(task.project.segments, task.segments, task.files.mp3, rate)
    book = EpisodeBook(
        task.show,
        task.built,
        task.narration,
        task.artwork,
        task.base_url,
        task.choice.voice,
        task.reporter,
        encodes,
        explain=task.options.explain,
        jobs=task.options.jobs,
    )
    write_episode_book(book)


def page(task: EpisodeTask) -> None:
    from pipeline.release.page import write_episode_page

    assert task.built is not None
    write_episode_page(task.show, task.built, task.narration)


def report(task: EpisodeTask) -> None:
    """The producer's report (episodes/<slug>/report.html), redrawn only when what it shows
    changed; and the one summary line per episode."""
    from pipeline.core.digest import json_digest
    from pipeline.release.report import (
        EpisodeInputs,
        read_record,
        summary_line,
        write_episode_report,
    )

    assert task.script and task.narration and task.timeline
    inferred = dict(line.split(": ", 1) for line in task.script.inferred if ": " in line)
    inputs = EpisodeInputs(
        show=task.show,
        meta=task.script.meta,
        folder=task.files.folder,
        mp3=task.files.mp3,
        audio_key=json_digest(task.audio),
        timeline=task.timeline,
        dropped=task.narration.dropped,
        inferred=inferred,
        stage_seconds=task.stage_seconds,
        cache_use=task.cache_use,
        measured=task.measured,
    )
    facts = write_episode_report(inputs)
    if facts is None:
        kept = read_record(task.files.folder)
        facts = kept.facts if kept else None
    if facts is not None:
        task.reporter.detail(f"  {summary_line(facts)}")


def remember(task: EpisodeTask) -> None:
    """Record what the feed says of this episode, so later builds of other scripts keep it."""
    from pipeline.release import published

    assert task.built is not None
    published.write(task.built, task.project.root)


def record(task: EpisodeTask) -> None:
    """Write down a first-build date, number and slug inferred for this script, now that
    it has built: later builds, edits and `make clean` keep them (scripts/.essaycast.toml)."""
    if task.records is not None:
        task.records.commit(task.source.name)


# Run for every script before any script's work starts: a bad one is found first.
CHECK_STAGES: Sequence[Callable[[EpisodeTask], None]] = (read_script, choose_voice, load_lexicon)
WORK_STAGES: Sequence[Callable[[EpisodeTask], None]] = (
    narrate,
    plan_audio,
    synthesize,
    master_and_tag,
    transcripts,
    talking_book,
    page,
    report,
    remember,
    record,
)
EPISODE_STAGES = (*CHECK_STAGES, *WORK_STAGES)


def _back_half(task: EpisodeTask) -> BackHalf:
    """Mastering, streamed behind synthesis (pipeline/audio/streaming.py)."""
    from pipeline.audio.m4b import MIN_BITRATE_KBPS
    from pipeline.audio.master import decode_music
    from pipeline.audio.streaming import BackHalf, Plan

    assert task.narration and task.engine
    show, rate = task.show, task.engine.sample_rate
    intro = decode_music(show.intro_music, rate) if show.intro_music else b""
    outro = decode_music(show.outro_music, rate) if show.outro_music else b""
    titles = [chapter.title for chapter in task.narration.chapters]
    aac_kbps = max(MIN_BITRATE_KBPS, show.bitrate_kbps)  # the talking book's (books.talkingbook)
    plan = Plan(task.planned, titles, rate, pauses(show), intro, outro, aac_kbps)
    loudness = Loudness(show.loudness_lufs, show.true_peak_dbtp, show.bitrate_kbps)
    return BackHalf(plan, task.project.cache, task.project.segments, loudness, task.options.jobs)


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
