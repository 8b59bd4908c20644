"""The audiobook's AAC, one encode per chapter, made from that chapter's kept MP3 encode.

Each chapter's AAC is kept in the segment store under a key of the MP3 encode it was made
from, its length and the coder, so an edit encodes only its own chapter's AAC again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.audio import mp3frames
from pipeline.audio.layout import OUTPUT_RATE
from pipeline.audio.segments import Segment, SegmentStore, encode_missing
from pipeline.core import atomic, tools
from pipeline.core.digest import json_digest
from pipeline.core.errors import ToolError
from pipeline.core.model import ChapterMark

AAC_FRAME = 1024  # samples in an AAC frame; the encoder primes with one frame of silence


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
    lacking = {index for index, key in enumerate(keys) if store.aac(key) is None}
    if any(store.mp3(segments[index]) is None for index in lacking):
        _restore_mp3s(encodes)

    def encode(index: int) -> None:
        payload = _encode_aac(store.mp3_file(segments[index]), lengths[index], bitrate_kbps)
        store.put_aac(keys[index], payload)

    todo = encode_missing(range(len(keys)), lacking.__contains__, encode, jobs)
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
