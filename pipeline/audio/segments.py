"""An episode's audio encoded a chapter at a time, each chapter kept by what it is made of.

The layout leaves a seam between chapters (pipeline/audio/master.py), so each chapter is encoded
on its own: its pieces streamed through the mastering chain into LAME, exactly as many
samples out as the layout counted. The encode is kept under a key of everything that makes
its sound (its utterances, pauses and music, the chain with its gain, the bitrate): an edit
encodes its own chapter again and takes the others' frames from the store, and the episode
is their frames joined (pipeline/audio/mp3frames.py). The audiobook's AAC is kept the same way,
one encode per chapter, made from that chapter's MP3.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pipeline.audio import mp3frames
from pipeline.audio.layout import OUTPUT_RATE, Piece, raw_input_args
from pipeline.core import atomic
from pipeline.core.digest import json_digest
from pipeline.core.errors import ToolError

Chapter = TypeVar("Chapter")


@dataclass(frozen=True)
class Segment:
    """One chapter's encode, as the episode's manifest lists it."""

    key: str
    samples: int  # at the MP3's rate, what the layout counted (the encode holds exactly these)
    # The drive, the trim and how far the limiter was set under its ceiling when it was
    # encoded (pipeline/audio/streaming.py); its key covers them too.
    gain_db: float = 0.0
    trim_db: float = 0.0
    under_db: float = 0.0


class SegmentStore:
    """``.cache/segments``: chapters' MP3 encodes (ffmpeg's file, Info frame and all, its
    music CRC checked on every read), what each measured, and AAC encodes (these two with a
    SHA-256 in front)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str, suffix: str) -> Path:
        return self.folder / key[:2] / f"{key}{suffix}"

    def mp3(self, segment: Segment) -> mp3frames.Encoded | None:
        """The chapter's frames, or None when missing, damaged or not as long as counted."""
        try:
            encoded = mp3frames.split(self._path(segment.key, ".mp3").read_bytes())
        except (FileNotFoundError, mp3frames.FrameError):
            return None
        if encoded.frame_count != mp3frames.frames_for(segment.samples):
            return None
        if mp3frames.music_crc(encoded.info) != mp3frames.crc16(encoded.frames):
            return None
        return encoded

    def mp3_file(self, segment: Segment) -> Path:
        return self._path(segment.key, ".mp3")

    def aac(self, key: str) -> bytes | None:
        return self._checked(key, ".aac")

    def put_aac(self, key: str, payload: bytes) -> None:
        self._put_checked(key, ".aac", payload)

    def levels(self, segment: Segment) -> bytes | None:
        """What the chapter's encode measured, decoded (pipeline/audio/levels.py)."""
        return self._checked(segment.key, ".levels")

    def put_levels(self, segment: Segment, payload: bytes) -> None:
        self._put_checked(segment.key, ".levels", payload)

    def _checked(self, key: str, suffix: str) -> bytes | None:
        return atomic.read_checked(self._path(key, suffix))

    def _put_checked(self, key: str, suffix: str, payload: bytes) -> None:
        atomic.write_checked(self._path(key, suffix), payload)


def segment_key(pieces: Sequence[Piece], samples: int, chain: str, bitrate_kbps: int) -> str:
    """Everything that makes a chapter's encode sound as it does (not where it falls)."""
    parts = [
        [piece.samples, piece.key, _digest(piece.music) if piece.music is not None else None]
        for piece in pieces
    ]
    return json_digest(
        {"pieces": parts, "samples": samples, "chain": chain, "bitrate": bitrate_kbps}
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode_missing(
    chapters: Sequence[Chapter],
    missing: Callable[[Chapter], bool],
    encode: Callable[[Chapter], object],
    jobs: int,
) -> list[Chapter]:
    """Encode the chapters the store lacks, ``jobs`` at a time; return them.

    Threads are enough: each encode is an ffmpeg process, and Python only feeds its pipe.
    """
    todo = [chapter for chapter in chapters if missing(chapter)]
    with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(encode, todo))
    return todo


def write_mp3(segments: Sequence[Segment], store: SegmentStore, out: Path) -> None:
    """The episode's MP3: the chapters' frames from the store, joined, one chapter in
    memory at a time."""

    def parts() -> Iterator[mp3frames.Encoded]:
        for segment in segments:
            encoded = store.mp3(segment)
            if encoded is None:
                raise ToolError(
                    f"the encode of chapter {segment.key[:12]} went missing or was damaged "
                    "while the MP3 was joined: build again (it will be encoded anew)"
                )
            yield encoded

    total = sum(mp3frames.frames_for(segment.samples) for segment in segments)
    with open(out, "wb") as file:
        mp3frames.write_joined(file, parts(), total)


def encode_args(segment: Segment, rate: int, chain: str, bitrate_kbps: int, out: Path) -> list[str]:
    """ffmpeg's arguments for the chapter's encode into ``out``: its raw samples read from
    stdin at ``rate``, through ``chain``, exactly as many out as the layout counted."""
    exact = f"apad=whole_len={segment.samples},atrim=end_sample={segment.samples}"
    return [
        "-y", *raw_input_args(rate), "-af", f"{chain},{exact}",
        "-ar", str(OUTPUT_RATE), "-ac", "1", "-c:a", "libmp3lame",
        "-b:a", f"{bitrate_kbps}k", "-write_xing", "1", "-id3v2_version", "0",
        "-write_id3v1", "0", "-f", "mp3", str(out),
    ]  # fmt: skip


def check_frames(encode: Path, segment: Segment) -> None:
    """The encode holds exactly the frames the layout counted, or ToolError."""
    encoded = mp3frames.split(encode.read_bytes())
    if encoded.frame_count != mp3frames.frames_for(segment.samples):
        raise ToolError(
            f"LAME made {encoded.frame_count} frames of {segment.samples} samples, "
            f"not {mp3frames.frames_for(segment.samples)}: this ffmpeg's encoder pads "
            "differently, and chapters could not be joined in time"
        )
