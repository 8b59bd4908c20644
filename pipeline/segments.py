"""An episode's audio encoded a chapter at a time, each chapter kept by what it is made of.

The layout leaves a seam between chapters (pipeline/master.py), so each chapter is encoded
on its own: its pieces streamed through the mastering chain into LAME, exactly as many
samples out as the layout counted. The encode is kept under a key of everything that makes
its sound (its utterances, pauses and music, the chain with its gain, the bitrate): an edit
encodes its own chapter again and takes the others' frames from the store, and the episode
is their frames joined (pipeline/mp3frames.py). The audiobook's AAC is kept the same way,
one encode per chapter, made from that chapter's MP3.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import atomic, mp3frames, tools
from pipeline.digest import json_digest
from pipeline.errors import ToolError
from pipeline.model import ChapterMark

if TYPE_CHECKING:
    from pipeline.cache import AudioCache
    from pipeline.master import Piece

AAC_FRAME = 1024  # samples in an AAC frame; the encoder primes with one frame of silence


@dataclass(frozen=True)
class Segment:
    """One chapter's encode, as the episode's manifest lists it."""

    key: str
    samples: int  # at the MP3's rate, what the layout counted (the encode holds exactly these)


class SegmentStore:
    """``.cache/segments``: chapters' MP3 encodes (ffmpeg's file, Info frame and all, its
    music CRC checked on every read) and AAC encodes (with a SHA-256 in front)."""

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
        try:
            data = self._path(key, ".aac").read_bytes()
        except FileNotFoundError:
            return None
        payload = data[32:]
        return payload if hashlib.sha256(payload).digest() == data[:32] else None

    def put_aac(self, key: str, payload: bytes) -> None:
        entry = hashlib.sha256(payload).digest() + payload
        atomic.write_bytes(self._path(key, ".aac"), entry, durable=False)


@dataclass(frozen=True)
class ChapterEncodes:
    """Where an episode's chapter encodes are kept, which they are, and the MP3 joined
    from them."""

    store: SegmentStore
    segments: tuple[Segment, ...]
    mp3: Path

    @property
    def key(self) -> str:
        return json_digest([segment.key for segment in self.segments])


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


def encode_mp3s(
    chapters: Sequence[tuple[Segment, Sequence[Piece]]],
    cache: AudioCache,
    rate: int,
    chain: str,
    bitrate_kbps: int,
    store: SegmentStore,
    jobs: int = 2,
) -> int:
    """Encode (``jobs`` at a time) every chapter the store lacks; return how many."""
    todo = [chapter for chapter in chapters if store.mp3(chapter[0]) is None]

    def encode(chapter: tuple[Segment, Sequence[Piece]]) -> None:
        _encode_mp3(chapter[0], chapter[1], cache, rate, chain, bitrate_kbps, store)

    with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(encode, todo))
    return len(todo)


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


def _encode_mp3(
    segment: Segment,
    pieces: Sequence[Piece],
    cache: AudioCache,
    rate: int,
    chain: str,
    bitrate_kbps: int,
    store: SegmentStore,
) -> mp3frames.Encoded:
    from pipeline.master import OUTPUT_RATE, raw_input_args, stream

    path = store.mp3_file(segment)
    # Exactly the samples the layout counted, whatever the resampler and limiter round to.
    exact = f"apad=whole_len={segment.samples},atrim=end_sample={segment.samples}"
    with atomic.replacing(path, durable=False) as tmp:
        tools.stream_into_ffmpeg(
            [
                "-loglevel", "error", "-y", *raw_input_args(rate), "-af", f"{chain},{exact}",
                "-ar", str(OUTPUT_RATE), "-ac", "1", "-c:a", "libmp3lame",
                "-b:a", f"{bitrate_kbps}k", "-write_xing", "1", "-id3v2_version", "0",
                "-write_id3v1", "0", "-f", "mp3", str(tmp),
            ],
            stream(pieces, cache),
            "encoding a chapter",
        )  # fmt: skip
        encoded = mp3frames.split(tmp.read_bytes())
        if encoded.frame_count != mp3frames.frames_for(segment.samples):
            raise ToolError(
                f"LAME made {encoded.frame_count} frames of {segment.samples} samples, "
                f"not {mp3frames.frames_for(segment.samples)}: this ffmpeg's encoder pads "
                "differently, and chapters could not be joined in time"
            )
    return encoded


def write_aac(
    encodes: ChapterEncodes, bitrate_kbps: int, out: Path, jobs: int = 2
) -> tuple[list[int], int]:
    """Write the episode's AAC (ADTS frames) to ``out``: each chapter's, encoded from the
    chapter's MP3 (``jobs`` at a time) unless the store has it. Returns how many AAC
    frames each chapter has, and how many chapters were encoded.

    A chapter's slot in the MP3 is its whole frames (its samples, then the seam); its AAC
    is made as long as a whole number of AAC frames, the priming frame included, that fits
    in the slot: the seam's silence is shortened by under a frame, never the speech. The
    last chapter keeps all its samples.
    """
    store, segments = encodes.store, encodes.segments
    keys, lengths = [], []
    for index, segment in enumerate(segments):
        slot = mp3frames.frames_for(segment.samples) * mp3frames.FRAME_SAMPLES
        last = index == len(segments) - 1
        samples = segment.samples if last else (slot - AAC_FRAME) // AAC_FRAME * AAC_FRAME
        inputs = {"mp3": segment.key, "samples": samples, "bitrate": bitrate_kbps}
        keys.append(json_digest({**inputs, "coder": AAC_CODER}))
        lengths.append(samples)
    todo = [index for index, key in enumerate(keys) if store.aac(key) is None]
    if any(store.mp3(segments[index]) is None for index in todo):
        _restore_mp3s(encodes)

    def encode(index: int) -> None:
        payload = _encode_aac(store.mp3_file(segments[index]), lengths[index], bitrate_kbps)
        store.put_aac(keys[index], payload)

    with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(encode, todo))
    frames = []
    with open(out, "wb") as file:
        for key in keys:  # one chapter in memory at a time
            payload = store.aac(key)
            if payload is None:
                raise ToolError(f"the AAC of chapter {key[:12]} went missing: build again")
            frames.append(adts_frames(payload))
            file.write(payload)
    return frames, len(todo)


def _restore_mp3s(encodes: ChapterEncodes) -> None:
    """Put back the chapters' encodes the store lost (a cleaned cache, another machine's
    build) by cutting them out of the episode's MP3, which is made of them."""
    data = encodes.mp3.read_bytes()
    if data[:3] == b"ID3":  # the tag: its size is four 7-bit bytes after the flags
        data = data[10 + sum(byte << (7 * (3 - i)) for i, byte in enumerate(data[6:10])) :]
    whole = mp3frames.split(data)
    offsets = [*mp3frames.frame_offsets(whole.frames), len(whole.frames)]
    first = 0
    for segment in encodes.segments:
        count = mp3frames.frames_for(segment.samples)
        if len(offsets) <= first + count:
            raise ToolError(f"{encodes.mp3} is shorter than its chapters: build it again")
        if encodes.store.mp3(segment) is None:
            frames = whole.frames[offsets[first] : offsets[first + count]]
            padding = mp3frames.padding_for(segment.samples)
            alone = mp3frames.Encoded(whole.info, frames, count, whole.delay, padding)
            path = encodes.store.mp3_file(segment)
            atomic.write_bytes(path, mp3frames.join([alone]), durable=False)
        first += count


def aac_chapters(
    segments: Sequence[Segment], aac_frames: Sequence[int], marks: Sequence[ChapterMark]
) -> tuple[list[ChapterMark], float]:
    """The episode's chapter marks moved to where they fall in its joined AAC, and the AAC's
    length. Each chapter's AAC starts with a frame of priming and stands for a little less
    than its MP3 slot (see write_aac), so each chapter is found from where its AAC starts.

    >>> segments = [Segment("a", 44100), Segment("b", 22050)]  # MP3 slots of 40 and 21 frames
    >>> marks = [ChapterMark("One", 0.0, 1.1), ChapterMark("Two", 1.1, 1.6)]
    >>> moved, length = aac_chapters(segments, [44, 23], marks)  # AAC frames of 1024 samples
    >>> [(m.title, round(m.start, 4), round(m.end, 4)) for m in moved], round(length, 4)
    ([('One', 0.0, 1.1), ('Two', 1.1, 1.5557)], 1.5557)
    """
    from pipeline.master import OUTPUT_RATE

    mp3_start = aac_start = 0
    starts = []
    for index, (segment, frames) in enumerate(zip(segments, aac_frames, strict=True)):
        if index < len(marks):
            offset = marks[index].start - mp3_start / OUTPUT_RATE  # into the chapter's slot
            starts.append(0.0 if index == 0 else (aac_start + AAC_FRAME) / OUTPUT_RATE + offset)
        mp3_start += mp3frames.frames_for(segment.samples) * mp3frames.FRAME_SAMPLES
        aac_start += frames * AAC_FRAME
    length = aac_start / OUTPUT_RATE
    ends = [*starts[1:], length]
    moved = [
        ChapterMark(mark.title, start, end)
        for mark, start, end in zip(marks, starts, ends, strict=False)
    ]
    return moved, length


def adts_frames(payload: bytes) -> int:
    """How many ADTS frames ``payload`` holds (each 1024 samples decoded).

    >>> header = bytes.fromhex("fff1508000fffc")  # a seven-byte frame: a header alone
    >>> adts_frames(header * 2)
    2
    """
    count, at = 0, 0
    while at + 7 <= len(payload):
        if payload[at] != 0xFF or payload[at + 1] & 0xF0 != 0xF0:
            raise ToolError(f"AAC frames damaged at byte {at}")
        length = (payload[at + 3] & 3) << 11 | payload[at + 4] << 3 | payload[at + 5] >> 5
        if length < 7:
            raise ToolError(f"AAC frames damaged at byte {at}")
        at += length
        count += 1
    if at != len(payload):
        raise ToolError("the last AAC frame is cut short")
    return count


# ffmpeg's "fast" AAC coder: its developers made it the default in 2018 because the
# "twoloop" coder "at higher bitrates ... sounds worse than the fast coder ... and needs
# quite a lot more CPU" (a third of the time here); the audiobook's mono speech is at 96 kb/s.
AAC_CODER = "fast"


def _encode_aac(mp3: Path, samples: int, bitrate_kbps: int) -> bytes:
    # ffmpeg reads the chapter's LAME tag and drops the encoder's delay itself.
    exact = f"apad=whole_len={samples},atrim=end_sample={samples}"
    chunks = tools.read_ffmpeg(
        "-i", str(mp3), "-af", exact, "-c:a", "aac", "-aac_coder", AAC_CODER,
        "-b:a", f"{bitrate_kbps}k", "-f", "adts", "pipe:1", what=f"encoding {mp3.name} as AAC",
    )  # fmt: skip
    return b"".join(chunks)
