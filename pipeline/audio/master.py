"""Mastering's parts: the loudness target, the chain every chapter goes through (gain,
compressor, limiter, trim), and metering a file as a listener's app hears it.

The episode is never held in memory as a whole: the layout is a list of pieces (an
utterance in the cache, some silence, a music file) that is streamed into ffmpeg a chapter
at a time (pipeline.audio.segments keeps each chapter's frames; pipeline.audio.mp3frames
joins them), as each chapter's utterances land (pipeline.audio.streaming). Times are exact
because the layout counts samples, the encoder's own silence between chapters included.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.audio.layout import (
    OUTPUT_RATE,
)
from pipeline.core import tools
from pipeline.core.errors import ToolError

if TYPE_CHECKING:
    from pipeline.audio.loudness import Meter


GAIN_STEP_DB = 0.1  # the gain's resolution: finer than a listener hears, coarse enough to keep


@dataclass(frozen=True)
class Loudness:
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.5
    bitrate_kbps: int = 96


def _audible(lufs: float) -> float:
    if lufs == float("-inf"):
        raise ToolError("found no audio to measure the loudness of")
    return lufs


@dataclass(frozen=True)
class Gain:
    """How loud to make an episode: the gain, and how much loudness MP3 encoding took."""

    gain_db: float
    mp3_loss_lu: float = 0.45  # typical for speech at 96 kbps; learned per episode
    trim_db: float = 0.0  # after the limiter, never above 0: lands the loudness exactly


def gain_step(gain_db: float) -> float:
    """A searched gain rounded to the nearest GAIN_STEP_DB (within the landing tolerance:
    the MP3 is measured after, and trimmed if it missed).

    >>> gain_step(13.7445), gain_step(-2.04), gain_step(3.0)
    (13.7, -2.0, 3.0)
    """
    return round(math.floor(gain_db / GAIN_STEP_DB + 0.5) * GAIN_STEP_DB, 6)


def processing(
    loudness: Loudness, gain_db: float, trim_db: float = 0.0, under_db: float = 0.0
) -> str:
    """Gain, then gentle compression, then a limiter, then the trim: the chain every
    episode goes through.

    Piper scales every utterance to full scale, so its plosives peak far above the speech's
    loudness; the compressor evens that out before the limiter has to. Sample peaks sit up
    to about half a dB under true peaks at 44.1 kHz, and MP3 encoding adds a little more,
    so the limiter's ceiling is set that far below the target; ``under_db`` lowers it more
    for audio whose peaks still come through over the target (a transient the limiter's
    attack lets by, MP3's own overshoot).
    """
    ceiling = 10 ** ((loudness.true_peak_dbtp - 0.6 - under_db) / 20)
    return (
        f"aresample={OUTPUT_RATE},volume={gain_db:.3f}dB,"
        "acompressor=threshold=0.3:ratio=2.5:attack=5:release=120:knee=4,"
        f"alimiter=limit={ceiling:.4f}:attack=5:release=60:level=disabled:latency=1,"
        f"volume={trim_db:.3f}dB"
    )


def measure_file(path: Path) -> float:
    """Integrated loudness of an audio file, in LUFS: ffmpeg decodes, numpy meters."""
    return _audible(meter_file(path, true_peak=False).integrated())


def meter_file(path: Path, true_peak: bool = True) -> Meter:
    """An audio file decoded by ffmpeg and metered in numpy, as a listener's app hears it."""
    from pipeline.audio.loudness import measure_pcm

    return measure_pcm(decoded(path), OUTPUT_RATE, "f32le", true_peak=true_peak)


def decoded(path: Path) -> Iterator[bytes]:
    """An audio file as a listener's app hears it (ffmpeg drops an MP3's encoder delay and
    padding): mono float samples (f32le) at OUTPUT_RATE, a chunk at a time."""
    return tools.read_ffmpeg(
        "-i", str(path), "-ac", "1", "-ar", str(OUTPUT_RATE), "-f", "f32le", "pipe:1",
        what=f"decoding {path.name}",
    )  # fmt: skip


def decode_music(path: Path, rate: int, fade_s: float = 1.0) -> bytes:
    """A music file as mono int16 samples at the voice's rate, faded in and out (pydub)."""
    from pydub import AudioSegment

    AudioSegment.converter = tools.ffmpeg_path()
    try:
        music = AudioSegment.from_file(path)
    except Exception as exc:  # pydub raises bare exceptions for unreadable files
        # Its message carries ffmpeg's whole log; the last line says what went wrong.
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = lines[-1] if lines else type(exc).__name__
        raise ToolError(f"cannot decode music file {path}: {reason}") from exc
    fade_ms = int(fade_s * 1000)
    music = music.set_channels(1).set_frame_rate(rate).set_sample_width(2)
    return bytes(music.fade_in(fade_ms).fade_out(fade_ms).raw_data)
