"""What the last successful build of an episode knew, kept in episodes/<slug>/.build.json.

The build compares it with what it would do now: the same audio key and the same MP3
means there is nothing to synthesize or master; the utterances it held let `--explain`
say why a text is synthesized again; its gain lets a small edit master in one pass.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.master import Gain
from pipeline.model import (
    ChapterMark,
    EpisodeFiles,
    TimedBlock,
    TimedSentence,
    TimedUtterance,
    Timeline,
)

VERSION = 2


@dataclass(frozen=True)
class Manifest:
    audio_key: str  # fingerprint of everything the MP3 depends on
    mp3_bytes: int
    gain: Gain
    utterances: dict[str, str]  # cache key -> spoken text
    timeline: Timeline


def fingerprint(inputs: dict[str, Any]) -> str:
    """SHA-256 of the inputs as sorted JSON, as doit keys its tasks.

    >>> fingerprint({"b": 1, "a": [2]}) == fingerprint({"a": [2], "b": 1})
    True
    """
    blob = json.dumps({"version": VERSION, **inputs}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def file_stamp(path: Path) -> str:
    """A cheap stand-in for a file's content in a fingerprint: its size and mtime."""
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def read(files: EpisodeFiles) -> Manifest | None:
    """The last build's manifest, or None if there is none or it is unreadable or old."""
    try:
        data = json.loads(files.manifest.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return None
        return Manifest(
            audio_key=data["audio_key"],
            mp3_bytes=data["mp3_bytes"],
            gain=Gain(**data["gain"]),
            utterances=dict(data["utterances"]),
            timeline=_timeline(data["timeline"]),
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
