"""MP3 files cut into their frames and joined again behind one Info header.

An episode is encoded a chapter at a time (pipeline/audio/master.py), so that an edit re-encodes
only its chapter: the file is the chapters' frames end to end behind one Xing "Info" frame
with a LAME tag (Mp3 Info Tag rev 1), which tells players how many frames and bytes follow,
where each percent of the time starts (the seek table), and how many samples of encoder
delay and padding a gapless player trims. Frames can be joined because each encode starts
its first frame with an empty bit reservoir, and joins fall in the silence between chapters.

Every Layer III frame holds 1152 samples (MPEG-1). LAME delays its input by 576 samples and
pads the end so that the last real sample is fully decoded: decoding a chapter's frames
alone gives 1105 samples (576, plus 529 of the decoder's own delay) before its first.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import crcmod.predefined  # type: ignore[import-untyped]

FRAME_SAMPLES = 1152  # MPEG-1 Layer III
ENCODER_DELAY = 576  # LAME's, before the first input sample
DECODER_DELAY = 529
LEAD_IN = ENCODER_DELAY + DECODER_DELAY  # decoded samples before the first input sample
MIN_PADDING = 576  # LAME pads at least this much after the last input sample

# CRC-16/ARC (polynomial 0x8005, reflected, start 0): the LAME tag's two checksums.
crc16 = crcmod.predefined.mkCrcFun("crc-16")

BITRATES_KBPS = {  # Layer III, by the header's bitrate index
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 and 2.5
}
SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
TOC_ENTRIES = 100
XING_FRAMES, XING_BYTES, XING_TOC, XING_QUALITY = 1, 2, 4, 8


class FrameError(ValueError):
    """Bytes that are not the MP3 frames they should be."""


def frames_for(samples: int) -> int:
    """How many frames LAME encodes ``samples`` into: the delay, then the samples, then
    padding up to a whole frame, and a frame more when that padding would be under 576.

    >>> frames_for(12_454_244)  # an episode of 4:42 (its LAME tag: 10812 frames, padding 604)
    10812
    >>> [frames_for(n) for n in (1, 1152, 2000, 10_414, 10_944)]  # as ffmpeg's LAME made them
    [2, 2, 3, 11, 11]
    """
    total = samples + ENCODER_DELAY
    padding = FRAME_SAMPLES - total % FRAME_SAMPLES
    if padding < MIN_PADDING:
        padding += FRAME_SAMPLES
    return (total + padding) // FRAME_SAMPLES


def padding_for(samples: int) -> int:
    """The samples LAME adds after the last of ``samples``.

    >>> padding_for(12_454_244)
    604
    """
    return frames_for(samples) * FRAME_SAMPLES - ENCODER_DELAY - samples


@dataclass(frozen=True)
class Header:
    version: int  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    bitrate_kbps: int
    sample_rate: int
    padded: bool
    mono: bool

    @property
    def size(self) -> int:
        """The frame's length in bytes, header included."""
        per_frame = 144 if self.version == 3 else 72
        return per_frame * self.bitrate_kbps * 1000 // self.sample_rate + self.padded

    @property
    def side_info(self) -> int:
        if self.version == 3:
            return 17 if self.mono else 32
        return 9 if self.mono else 17


def header(data: bytes, at: int = 0) -> Header:
    """The Layer III frame header at ``at``.

    >>> h = header(bytes.fromhex("fffb70c0"))  # MPEG-1, 96 kb/s, 44.1 kHz, mono
    >>> h.bitrate_kbps, h.sample_rate, h.size, h.side_info
    (96, 44100, 313, 17)
    """
    if len(data) < at + 4:
        raise FrameError(f"a frame header is cut short at byte {at}")
    b1, b2, b3 = data[at + 1], data[at + 2], data[at + 3]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if data[at] != 0xFF or b1 & 0xE0 != 0xE0 or version == 1 or layer != 1:
        raise FrameError(f"no MPEG Layer III frame at byte {at}")
    if bitrate_index in (0, 15) or rate_index == 3:
        raise FrameError(f"a free-format or invalid frame at byte {at}")
    return Header(
        version,
        BITRATES_KBPS[1 if version == 3 else 2][bitrate_index],
        SAMPLE_RATES[version][rate_index],
        bool((b2 >> 1) & 1),
        (b3 >> 6) == 3,
    )


def frame_offsets(data: bytes) -> Iterator[int]:
    """Where each frame of a run of frames starts."""
    at = 0
    while at < len(data):
        yield at
        at += header(data, at).size
    if at != len(data):
        raise FrameError("the last frame is cut short")


@dataclass(frozen=True)
class Encoded:
    """One encode's frames, apart from the Info frame ffmpeg put in front of them."""

    info: bytes  # the Info frame: the template for the joined file's
    frames: bytes
    frame_count: int
    delay: int
    padding: int


def _tag_offsets(info: bytes) -> tuple[int, int]:
    """Where the Info frame's Xing fields start (after the tag's four letters) and where
    its LAME tag starts."""
    at = 4 + header(info).side_info
    if info[at : at + 4] not in (b"Info", b"Xing"):
        raise FrameError("the first frame is not an Info frame")
    (flags,) = struct.unpack_from(">I", info, at + 4)
    if flags & (XING_FRAMES | XING_BYTES | XING_TOC) != XING_FRAMES | XING_BYTES | XING_TOC:
        raise FrameError("the Info frame lacks its frame count, byte count or seek table")
    lame = at + 8 + 4 + 4 + TOC_ENTRIES + (4 if flags & XING_QUALITY else 0)
    if len(info) < lame + 36:
        raise FrameError("the Info frame has no LAME tag")
    return at + 8, lame


def split(data: bytes) -> Encoded:
    """An MP3 as ffmpeg writes it to a file (an Info frame, then the audio; no ID3 tag)."""
    info = data[: header(data).size]
    _, lame = _tag_offsets(info)
    frames = data[len(info) :]
    count = sum(1 for _ in frame_offsets(frames))
    delay_padding = int.from_bytes(info[lame + 21 : lame + 24], "big")
    return Encoded(info, frames, count, delay_padding >> 12, delay_padding & 0xFFF)


TAG_CRC_SPAN = 190  # bytes of the Info frame the tag's own CRC covers


def tag_crc(info: bytes) -> int:
    """The LAME tag's CRC of itself: over the Info frame's first 190 bytes, as the spec
    words it and ffmpeg writes it (in a mono frame that reaches past the tag: the CRC's own
    two bytes count as zero)."""
    _, lame = _tag_offsets(info)
    span = bytearray(info[:TAG_CRC_SPAN])
    span[lame + 34 : lame + 36] = b"\0\0"
    return int(crc16(bytes(span)))


def music_crc(info: bytes) -> int:
    """The CRC-16 of the frames after it that an Info frame's LAME tag records."""
    _, lame = _tag_offsets(info)
    return int(struct.unpack_from(">H", info, lame + 32)[0])


def join(parts: Sequence[Encoded]) -> bytes:
    """The parts' frames, in order, behind one Info frame that describes them all."""
    buffer = io.BytesIO()
    write_joined(buffer, parts, sum(part.frame_count for part in parts))
    return buffer.getvalue()


def write_joined(out: BinaryIO, parts: Iterable[Encoded], frame_count: int) -> None:
    """Write the parts' frames, in order, behind one Info frame that describes them all.

    The first part's Info frame is the template (its encoder and settings); the frame
    and byte counts, the seek table, the last part's padding, the music length and both
    checksums are written anew, into the Info frame's place once the frames are written.
    The parts are taken one at a time (a book is never held whole): ``frame_count``, how
    many frames they hold together, says which frames the seek table points at.
    """
    marks = [i * frame_count // TOC_ENTRIES for i in range(TOC_ENTRIES)]
    start = out.tell()
    marked: list[int] = []  # where each mark's frame starts, from the start of the file
    first: Encoded | None = None
    last: Encoded | None = None
    position = seen = music_crc = 0
    for part in parts:
        if first is None:
            first, position = part, len(part.info)
            out.write(bytes(len(part.info)))  # the Info frame's place
        for index, at in enumerate(frame_offsets(part.frames), start=seen):
            while len(marked) < TOC_ENTRIES and marks[len(marked)] == index:
                marked.append(position + at)
        music_crc = crc16(part.frames, music_crc)
        out.write(part.frames)
        position += len(part.frames)
        seen += part.frame_count
        last = part
    if first is None or last is None:
        raise FrameError("nothing to join")
    if seen != frame_count or len(marked) != TOC_ENTRIES:
        raise FrameError(f"the parts hold {seen} frames, not the {frame_count} expected")
    info = bytearray(first.info)
    fields, lame = _tag_offsets(bytes(info))
    struct.pack_into(">II", info, fields, frame_count, position)
    table = (min(255, (at * 256 + position // 2) // position) for at in marked)
    info[fields + 8 : fields + 8 + TOC_ENTRIES] = bytes(table)  # rounded, as ffmpeg writes it
    delay_padding = (first.delay << 12) | min(last.padding, 0xFFF)
    info[lame + 21 : lame + 24] = delay_padding.to_bytes(3, "big")
    struct.pack_into(">IHH", info, lame + 28, position, music_crc, 0)
    struct.pack_into(">H", info, lame + 34, tag_crc(bytes(info)))
    end = out.tell()
    out.seek(start)
    out.write(info)
    out.seek(end)
