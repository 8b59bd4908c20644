"""Each stage's inputs, named, so a build redoes only what an input it reads has changed.

As doit and make think about it: a target is up to date when every input it declares is
what it was last time and the target itself is what the last build wrote. An episode has
two expensive targets, both in its MP3:

    audio   synthesize → lay out → master → encode: what is spoken and how
    tags    the ID3 tag: episode metadata, chapters (the timeline), artwork, URLs

Each input is kept as a digest under a name a producer understands, so `--explain` can say
which one changed. Transcripts, pages and the feed are cheap text: they are rendered every
time and written only when their bytes differ (pipeline.core.atomic.update_text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.audio.layout import PlannedBlock
from pipeline.audio.master import Loudness
from pipeline.core.digest import file_digest, json_digest
from pipeline.core.model import EpisodeMeta, Show, Timeline, shown_meta
from pipeline.settings.direction import pauses

Inputs = dict[str, str]  # what a producer calls the input -> its digest

# Bump when mastering's sound or the layout changes (a new filter chain, a new meter, new
# seams), so every episode is re-mastered once rather than keeping audio made the old way.
# 4: a figure per chapter, and chapters in whole groups of 8 MP3 frames.
# 5: groups of 16 frames, so each chapter starts on an AAC frame at half the MP3's rate too.
MASTERING_VERSION = 5
TAGS_VERSION = 1


def audio_inputs(
    planned: Sequence[PlannedBlock],
    chapter_titles: Sequence[str],
    sample_rate: int,
    show: Show,
) -> Inputs:
    """What the MP3's audio depends on, and nothing else: not the show's description, owner,
    port or URL, nor the episode's date or summary."""
    loudness = Loudness(show.loudness_lufs, show.true_peak_dbtp, show.bitrate_kbps)
    music = {name: _file(getattr(show, name)) for name in ("intro_music", "outro_music")}
    return {
        # utterance keys cover the engine, the voice model's digest, synthesis settings and
        # the spoken text; the written text and chapter titles go into the timeline
        "spoken text and voice": json_digest([dataclasses.asdict(b) for b in planned]),
        "chapter titles": json_digest(list(chapter_titles)),
        "pauses": json_digest(dataclasses.asdict(pauses(show))),
        "loudness settings": json_digest([dataclasses.asdict(loudness), MASTERING_VERSION]),
        "sample rate": str(sample_rate),
        "music": json_digest(music),
    }


def tags_inputs(
    audio: Inputs,
    show: Show,
    meta: EpisodeMeta,
    timeline: Timeline,
    artwork: Path,
    urls: Sequence[str],
) -> Inputs:
    """What the ID3 tag shows: the show's name, author and language, the episode's front
    matter, its chapters and transcript (the timeline), the cover and the feed's URLs."""
    return {
        "audio": key(audio),  # a new encode has no tag at all
        "show title, author or language": json_digest([show.title, show.author, show.language]),
        "episode metadata": json_digest(shown_meta(meta)),
        "timeline": json_digest(dataclasses.asdict(timeline)),
        "artwork": file_digest(artwork),
        "feed URL or episode guid": json_digest([*urls, TAGS_VERSION]),
    }


def key(inputs: Mapping[str, str]) -> str:
    """One digest of all of a stage's inputs."""
    return json_digest(dict(inputs))


@dataclass(frozen=True)
class Verdict:
    """Whether a target must be remade, and why (None: it is up to date)."""

    reason: str | None

    @property
    def up_to_date(self) -> bool:
        return self.reason is None


NOT_PLANNED = Verdict("not planned yet")


def compare(previous: Mapping[str, str] | None, now: Mapping[str, str]) -> Verdict:
    """Name the inputs that changed since the last build.

    >>> compare({"a": "1", "b": "2"}, {"a": "1", "b": "3"}).reason
    'b changed'
    >>> compare({"a": "1"}, {"a": "1"}).up_to_date
    True
    >>> compare(None, {"a": "1"}).reason
    'not built before'
    """
    if previous is None:
        return Verdict("not built before")
    changed = [name for name in now if previous.get(name) != now[name]]
    changed += [name for name in previous if name not in now]
    if not changed:
        return Verdict(None)
    return Verdict(f"{', '.join(changed)} changed")


def _file(path: Path | None) -> str | None:
    return None if path is None else file_digest(path)
