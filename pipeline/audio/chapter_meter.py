"""A chapter's encode, heard as a listener's app hears it: metered, and, when the talking
book still needs it, encoded as AAC from the very same samples, in the same ffmpeg process.

ffmpeg decodes the chapter's MP3 (``encode_and_meter``: its own encoder's output, through a
loopback decoder, as it is made; ``meter_chapter``: a kept file) and splits the decode. One
branch goes to the AAC encoder exactly as the talking book would encode it alone
(pipeline/audio/aac.py: the same filter and settings, so the same bytes). The other leaves
on stdout as pairs of floats, each sample beside its K-weighted value: ffmpeg runs
BS.1770-4's two biquads in double precision, so the meter in numpy only sums squares per
step and looks for the true peak (pipeline/audio/loudness.py). The loopback decoder gives
the very samples a decode of the finished file gives (encoder delay and padding dropped; a
test holds them equal), while LAME and the AAC encoder run on ffmpeg's threads at once.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from pipeline.audio.aac import AacJob, aac_codec_args, aac_filter
from pipeline.audio.layout import OUTPUT_RATE, Piece, stream
from pipeline.audio.levels import ChapterLevels, chapter_levels
from pipeline.audio.loudness import k_weighting
from pipeline.audio.segments import Segment, SegmentStore, check_frames, encode_args
from pipeline.core import atomic, tools
from pipeline.core.errors import ToolError
from pipeline.speech.cache import AudioCache


def k_weighting_filter(rate: int) -> str:
    """BS.1770-4's K-weighting at ``rate`` as ffmpeg filters, in double precision, given
    back as 32-bit floats.

    >>> [stage.split("=")[0] for stage in k_weighting_filter(48000).split(",")]
    ['aformat', 'biquad', 'biquad', 'aformat']
    >>> k_weighting_filter(48000).split(",")[2]  # BS.1770-4 Table 2: the high-pass
    'biquad=b0=1.0:b1=-2.0:b2=1.0:a0=1:a1=-1.9900474548339797:a2=0.9900722503662099:precision=f64'
    """
    stages = [
        f"biquad=b0={b[0]!r}:b1={b[1]!r}:b2={b[2]!r}:a0=1:a1={a[1]!r}:a2={a[2]!r}:precision=f64"
        for b, a in ((b.tolist(), a.tolist()) for b, a in k_weighting(rate))
    ]
    return ",".join(["aformat=sample_fmts=dbl", *stages, "aformat=sample_fmts=flt"])


def encode_and_meter(
    segment: Segment,
    pieces: Sequence[Piece],
    cache: AudioCache,
    rate: int,
    chain: str,
    bitrate_kbps: int,
    store: SegmentStore,
    aac: AacJob | None = None,
) -> tuple[ChapterLevels, bytes]:
    """Encode the chapter's ``pieces`` (raw samples at ``rate``) through ``chain`` into the
    store, and meter the encode as it is made (and its AAC, ``b""`` when ``aac`` is None).

    An ffmpeg older than 7.1 (a system one, where imageio-ffmpeg has no binary) has no
    loopback decoder: the chapter is encoded, then its file decoded, to the same bytes."""
    global _loopback
    path = store.mp3_file(segment)
    if _loopback:
        try:
            with (
                atomic.replacing(path, durable=False) as tmp,
                _book(path, aac) as book,
                tools.ffmpeg_writing(path),
            ):
                graph, outputs = _decoded("[dec:0]", aac, book)
                args = [
                    *encode_args(segment, rate, chain, bitrate_kbps, tmp),
                    "-dec", "0:0", "-filter_complex", graph, *outputs,
                ]  # fmt: skip
                pairs = tools.stream_through_ffmpeg(args, stream(pieces, cache), ENCODING)
                levels = chapter_levels(pairs, OUTPUT_RATE)
                check_frames(tmp, segment)
                return levels, book.read_bytes() if book else b""
        except ToolError as exc:
            if NO_LOOPBACK not in str(exc):
                raise
            _loopback = False
    with atomic.replacing(path, durable=False) as tmp, tools.ffmpeg_writing(path):
        args = encode_args(segment, rate, chain, bitrate_kbps, tmp)
        tools.stream_into_ffmpeg(args, stream(pieces, cache), ENCODING)
        check_frames(tmp, segment)
    return meter_chapter(path, aac)


ENCODING = "encoding a chapter"
# What an ffmpeg without loopback decoders says of the option that asks for one.
NO_LOOPBACK = "Unrecognized option 'dec'"
_loopback = True  # until this process's ffmpeg says otherwise


def meter_chapter(mp3: Path, aac: AacJob | None = None) -> tuple[ChapterLevels, bytes]:
    """A kept encode decoded once and metered, and its AAC (``b""`` when ``aac`` is None)
    encoded from the same decode."""
    with _book(mp3, aac) as book, tools.ffmpeg_writing(mp3):  # its AAC, beside it
        graph, outputs = _decoded("[0:a]", aac, book)
        args = ["-y", "-i", str(mp3), "-filter_complex", graph, *outputs]
        levels = chapter_levels(tools.read_ffmpeg(*args, what=f"decoding {mp3.name}"), OUTPUT_RATE)
        return levels, book.read_bytes() if book else b""


# The decode arrives in MP3's frames of 1152 samples, and each frame is handed between the
# graph's filters and threads one at a time. Gathered into frames of about 0.4 s, the same
# samples (the meter's pairs and the AAC are the same bytes) cost ffmpeg a seventh less.
GATHER = "asetnsamples=n=16384:p=0"


def _decoded(source: str, aac: AacJob | None, book: Path | None) -> tuple[str, list[str]]:
    """The filters and outputs that take a decoded chapter (``source``) to the meter's
    pairs on stdout and, with ``aac``, to its AAC in ``book``."""
    heard = f"aformat=sample_fmts=flt:sample_rates={OUTPUT_RATE}:channel_layouts=mono"
    pairs = (
        f"{heard},asplit=2[raw][weigh];[weigh]{k_weighting_filter(OUTPUT_RATE)}[weighted];"
        "[raw][weighted]join=inputs=2:channel_layout=stereo[pairs]"
    )
    to_meter = ["-map", "[pairs]", "-f", "f32le", "pipe:1"]
    source = f"{source}{GATHER},"
    if aac is None or book is None:
        return f"{source}{pairs}", to_meter
    graph = f"{source}asplit=2[heard][book];[book]{aac_filter(aac.plan)}[aac];[heard]{pairs}"
    return graph, ["-map", "[aac]", *aac_codec_args(aac.bitrate_kbps), str(book), *to_meter]


@contextlib.contextmanager
def _book(beside: Path, aac: AacJob | None) -> Iterator[Path | None]:
    """A scratch file beside ``beside`` for the AAC ffmpeg writes (None: no AAC wanted)."""
    if aac is None:
        yield None
        return
    fd, name = tempfile.mkstemp(
        prefix=f".{beside.stem}.", suffix=atomic.PART_SUFFIX, dir=beside.parent
    )
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
