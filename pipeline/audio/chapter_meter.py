"""One decode of a chapter's encode, as a listener's app hears it: metered, and, when the
talking book still needs it, encoded as AAC from the very same samples.

ffmpeg decodes the MP3 once and splits it. One branch goes to the AAC encoder exactly as
the talking book would encode it alone (pipeline/audio/aac.py: the same filter and settings,
so the same bytes). The other leaves as pairs of floats, each sample beside its K-weighted
value: ffmpeg runs BS.1770-4's two biquads in double precision, so the meter in numpy only
sums squares per step and looks for the true peak (pipeline/audio/loudness.py). Weighting
in numpy took half the meter's time, and a second decode for the AAC as much again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pipeline.audio.aac import AacJob, aac_codec_args, aac_filter
from pipeline.audio.levels import ChapterLevels, chapter_levels
from pipeline.audio.loudness import k_weighting
from pipeline.core import atomic, tools


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


def meter_chapter(mp3: Path, rate: int, aac: AacJob | None = None) -> tuple[ChapterLevels, bytes]:
    """The chapter's encode decoded once and metered, and its AAC (``b""`` when ``aac`` is
    None) encoded from the same decode."""
    heard = f"aformat=sample_fmts=flt:sample_rates={rate}:channel_layouts=mono"
    pairs = (
        f"{heard},asplit=2[raw][weigh];[weigh]{k_weighting_filter(rate)}[weighted];"
        "[raw][weighted]join=inputs=2:channel_layout=stereo[pairs]"
    )
    if aac is None:
        args = ["-i", str(mp3), "-filter_complex", f"[0:a]{pairs}"]
        return chapter_levels(_read(mp3, args), rate), b""
    fd, name = tempfile.mkstemp(prefix=f".{mp3.stem}.", suffix=atomic.PART_SUFFIX, dir=mp3.parent)
    os.close(fd)
    book = Path(name)
    try:
        graph = f"[0:a]asplit=2[heard][book];[book]{aac_filter(aac.plan)}[aac];[heard]{pairs}"
        args = [
            "-y", "-i", str(mp3), "-filter_complex", graph,
            "-map", "[aac]", *aac_codec_args(aac.bitrate_kbps), str(book),
        ]  # fmt: skip
        levels = chapter_levels(_read(mp3, args), rate)
        return levels, book.read_bytes()
    finally:
        book.unlink(missing_ok=True)


def _read(mp3: Path, args: list[str]) -> Iterator[bytes]:
    return tools.read_ffmpeg(
        *args, "-map", "[pairs]", "-f", "f32le", "pipe:1", what=f"decoding {mp3.name}"
    )
