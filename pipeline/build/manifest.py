"""What the last successful build of an episode knew, kept in episodes/<slug>/.build.json.

The build compares it with what it would do now (see pipeline.build.keys): the same audio inputs
and an MP3 whose SHA-256 is the one recorded mean there is nothing to synthesize or master;
the same tag inputs too, nothing to tag. The utterances it held let `--explain` say why a
text is synthesized again; its gain lets a small edit master in one pass.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from pipeline.audio.master import Gain
from pipeline.audio.segments import Segment
from pipeline.core import atomic
from pipeline.core.model import (
    ChapterMark,
    EpisodeFiles,
    TimedBlock,
    TimedSentence,
    TimedUtterance,
    Timeline,
)

VERSION = 4


@dataclass(frozen=True)
class Manifest:
    audio: dict[str, str]  # the audio's inputs, by name (pipeline.build.keys.audio_inputs)
    tags: dict[str, str]  # the tag's inputs, by name (pipeline.build.keys.tags_inputs)
    mp3_sha256: str  # of the MP3 as this build wrote it, tags and all
    mp3_bytes: int
    gain: Gain
    utterances: dict[str, str]  # cache key -> spoken text
    timeline: Timeline
    segments: tuple[Segment, ...]  # the chapters' encodes the MP3 was joined from
    encodes: dict[str, int] = dataclasses.field(default_factory=dict)  # chapters (re)encoded


def read(files: EpisodeFiles) -> Manifest | None:
    """The last build's manifest, or None if there is none or it is unreadable or old."""
    try:
        data = json.loads(files.manifest.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return None
        return Manifest(
            audio=dict(data["audio"]),
            tags=dict(data["tags"]),
            mp3_sha256=data["mp3_sha256"],
            mp3_bytes=data["mp3_bytes"],
            gain=Gain(**data["gain"]),
            utterances=dict(data["utterances"]),
            timeline=_timeline(data["timeline"]),
            segments=tuple(Segment(**segment) for segment in data["segments"]),
            encodes=dict(data.get("encodes", {})),
        )
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None


def write(files: EpisodeFiles, manifest: Manifest) -> None:
    data = {"version": VERSION, **dataclasses.asdict(manifest)}
    atomic.write_text(files.manifest, json.dumps(data, ensure_ascii=False, indent=1))


def _timeline(data: dict[str, Any]) -> Timeline:
    blocks = tuple(
        TimedBlock(
            block["kind"],
            block["chapter"],
            block["start"],
            block["end"],
            tuple(
                TimedSentence(
                    sentence["text"],
                    sentence["start"],
                    sentence["end"],
                    tuple(TimedUtterance(**u) for u in sentence["utterances"]),
                )
                for sentence in block["sentences"]
            ),
        )
        for block in data["blocks"]
    )
    chapters = tuple(ChapterMark(**chapter) for chapter in data["chapters"])
    return Timeline(blocks, chapters, data["duration"])
