"""Is an episode's MP3 up to date? What to redo, why, and the record that lets the next
build ask again.

The audio and the tag each have their inputs (pipeline.build.keys); the last build's record
(pipeline.build.manifest) holds them and the SHA-256 of the MP3 it wrote, so a kept MP3 is
re-verified, not trusted.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.audio.master import Gain
from pipeline.build import keys, manifest
from pipeline.build.task import EpisodeTask
from pipeline.core.digest import file_digest
from pipeline.core.model import Timeline


def why(task: EpisodeTask, message: str) -> None:
    """Why an output is remade: always with --explain, else unless --quiet."""
    if task.options.explain:
        task.reporter.explain(message)
    else:
        task.reporter.detail(message)


def audio_verdict(task: EpisodeTask) -> keys.Verdict:
    """Whether the MP3's audio must be made again, and why; checks the MP3 it would keep."""
    previous, mp3 = task.previous, task.files.mp3
    verdict = keys.compare(previous.audio if previous else None, task.audio)
    if not verdict.up_to_date:
        return verdict
    assert previous is not None
    if not mp3.exists():
        return keys.Verdict("the MP3 is missing")
    if mp3.stat().st_size != previous.mp3_bytes or file_digest(mp3) != previous.mp3_sha256:
        return keys.Verdict("the MP3 is not the one the last build wrote (checksum mismatch)")
    return verdict


def tags_inputs(task: EpisodeTask, timeline: Timeline) -> keys.Inputs:
    """What the tag would show now (see keys.tags_inputs)."""
    from pipeline.release.feed import episode_guid, feed_url  # feedgen: imported only when needed

    assert task.script is not None
    show, meta = task.show, task.script.meta
    urls = (feed_url(show, task.base_url), episode_guid(show, task.base_url, meta))
    return keys.tags_inputs(task.audio, show, meta, timeline, task.artwork, urls)


def write_tags(task: EpisodeTask, mp3: Path, timeline: Timeline) -> None:
    """Give ``mp3`` (a temporary file) the episode's whole ID3 tag."""
    from pipeline.audio import tags
    from pipeline.release.feed import episode_guid, feed_url
    from pipeline.release.transcripts import plain_transcript

    assert task.script is not None
    show, meta = task.show, task.script.meta
    tags.write_tags(
        mp3,
        show,
        meta,
        timeline,
        plain_transcript(timeline),
        mp3_cover(task),
        feed_url(show, task.base_url),
        episode_guid(show, task.base_url, meta),
    )


def mp3_cover(task: EpisodeTask) -> bytes:
    """The episode's artwork as its MP3 carries it, kept in the cache by the artwork's
    digest: made once (a large title card takes 0.05 s to decode, scale and encode)."""
    from pipeline.release.artwork import cover_jpeg

    return cover_jpeg(task.artwork, keep=task.project.root / ".cache" / "covers")


def record(
    task: EpisodeTask,
    tags: keys.Inputs,
    gain: Gain,
    digest: str,
    encodes: dict[str, int] | None = None,
) -> None:
    """Write down what this build made the MP3 from, for the next build to compare (and,
    when it encoded any, how many chapters it encoded and encoded again)."""
    assert task.timeline is not None
    size = task.files.mp3.stat().st_size
    if encodes is None and task.previous is not None:
        encodes = task.previous.encodes
    entry = manifest.Manifest(
        task.audio, tags, digest, size, gain, task.spoken_by_key, task.timeline, task.segments,
        encodes or {},
    )  # fmt: skip
    manifest.write(task.files, entry)
