"""Mastering: measure the laid-out episode, bring it to the loudness target, and encode it.

The episode is never held in memory as a whole: the layout is a list of pieces (an
utterance in the cache, some silence, a music file) that is streamed — into the numpy meter
(pipeline.audio.loudness: EBU R128, as Apple measures it) and into ffmpeg, which compresses,
limits the true peak and encodes, a chapter at a time (pipeline.audio.segments keeps each
chapter's frames; pipeline.audio.mp3frames joins them). Times are exact because the layout counts
samples, the encoder's own silence between chapters included.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.audio.layout import (
    OUTPUT_RATE,
    Piece,
    output_samples,
    raw_input_args,
    segments,
    stream,
)
from pipeline.audio.segments import Segment, SegmentStore, encode_mp3s, segment_key, write_mp3
from pipeline.core import tools
from pipeline.core.errors import ToolError
from pipeline.speech.cache import AudioCache

if TYPE_CHECKING:
    from pipeline.audio.loudness import Meter


def _pipe(pieces: Sequence[Piece], cache: AudioCache, args: Sequence[str], what: str) -> str:
    """Stream the pieces into ffmpeg; return its log (tools closes every pipe on any error)."""
    return tools.stream_into_ffmpeg(args, stream(pieces, cache), what)


LOUDNESS_RE = re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS")
SAMPLE_SECONDS = 600  # of a long episode, searched for the gain (see loudness_sample)
TOLERANCE_LU = 0.2  # how close to the target each encode must land (Apple allows ±1)
SEARCH_SPREAD_DB = 4.0  # between the two gains tried first
# Compression takes loudness away the more the louder it is driven: for synthetic speech
# about 8 LU at the target. Starting the search there saves a pass; any voice still
# converges, a pass or two later.
COMPRESSION_GUESS_DB = 6.0
GAIN_STEP_DB = 0.1  # the gain's resolution: finer than a listener hears, coarse enough to keep


@dataclass(frozen=True)
class Loudness:
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.5
    bitrate_kbps: int = 96


def measure_loudness(pieces: Sequence[Piece], cache: AudioCache, rate: int) -> float:
    """Integrated loudness of the raw layout in LUFS, metered in numpy as it streams."""
    from pipeline.audio.loudness import measure_pcm

    return _audible(measure_pcm(stream(pieces, cache), rate, true_peak=False).integrated())


def _audible(lufs: float) -> float:
    if lufs == float("-inf"):
        raise ToolError("found no audio to measure the loudness of")
    return lufs


def _integrated(log: str) -> float:
    found = LOUDNESS_RE.findall(log)
    if not found or found[-1] == "-inf":
        raise ToolError("ffmpeg found no audio to measure the loudness of")
    return float(found[-1])


@dataclass(frozen=True)
class Gain:
    """How loud to make an episode: the gain, and how much loudness MP3 encoding took."""

    gain_db: float
    mp3_loss_lu: float = 0.45  # typical for speech at 96 kbps; learned per episode
    trim_db: float = 0.0  # after the limiter, never above 0: lands the loudness exactly


@dataclass(frozen=True)
class Mastered:
    """What mastering made: the gain it landed on, the chapters' encodes the MP3 is joined
    from, and how many of them it encoded (the rest were in the store)."""

    gain: Gain
    segments: tuple[Segment, ...]
    encoded: int


def encode(
    pieces: Sequence[Piece],
    cache: AudioCache,
    rate: int,
    loudness: Loudness,
    out: Path,
    store: SegmentStore,
    on_metered: Callable[[Meter], None] | None = None,
    jobs: int = 2,
) -> Mastered:
    """Encode a CBR MP3 at the target loudness with true peaks under the ceiling.

    Compression and a limiter keep the peaks down, which takes a little loudness away, and
    MP3 encoding takes a little more. So the gain is searched on the processed signal
    before encoding (cheap: no MP3) until it is at least the target plus the loss MP3
    encoding causes, and a cut after the limiter brings it down to exactly that. Each
    chapter is then encoded on its own (or taken from the store, when the same chapter
    was encoded at the same gain before) and the chapters joined; the MP3 is measured
    itself (decoded by ffmpeg, metered in numpy), as a listener's app would hear it, and
    kept when within TOLERANCE_LU of the target.

    The gain is searched from this audio alone and rounded to GAIN_STEP_DB, so the same
    audio always gets the same gain (an incremental build gives a clean build's bytes), and
    a small edit, which hardly changes an episode's loudness, usually keeps it: the
    chapters it did not touch are taken from the store as they are.

    ``on_metered`` is given the meter of each MP3 that is measured.
    """
    target = loudness.target_lufs
    chapters = [(chapter, output_samples(sum(p.samples for p in chapter), rate))
                for chapter in segments(pieces)]  # fmt: skip
    sample = loudness_sample(pieces, rate, SAMPLE_SECONDS)
    # The gain comes from this audio alone, never from the last build: a gain carried over
    # made the MP3 depend on the order of the edits, and a clean build of the same scripts
    # gave other bytes. Rounded to a step, it stays put under a small edit, so the
    # chapters the edit did not touch are still found in the store.
    guess = Gain(target - measure_loudness(sample, cache, rate) + COMPRESSION_GUESS_DB)
    searched = _search_gain(sample, cache, rate, loudness, guess)
    gain = Gain(gain_step(searched.gain_db), searched.mp3_loss_lu, searched.trim_db)
    processed = target + gain.mp3_loss_lu  # what the search aimed the processed signal at
    measured, encoded = float("nan"), 0
    for _ in range(4):
        chain = processing(loudness, gain.gain_db, gain.trim_db)
        listed = [
            (Segment(segment_key(chapter, samples, chain, loudness.bitrate_kbps), samples), chapter)
            for chapter, samples in chapters
        ]
        encoded += encode_mp3s(listed, cache, rate, chain, loudness.bitrate_kbps, store, jobs)
        write_mp3([segment for segment, _ in listed], store, out)
        meter = meter_file(out, true_peak=on_metered is not None)
        measured = _audible(meter.integrated())
        if on_metered is not None:  # the MP3 as it stands (the producer's report reads it)
            on_metered(meter)
        gain = Gain(gain.gain_db, processed - measured, gain.trim_db)
        if abs(target - measured) <= TOLERANCE_LU:
            return Mastered(gain, tuple(segment for segment, _ in listed), encoded)
        # After the limiter a gain change is exact: a trim that stays a cut needs no search.
        trim = gain.trim_db + target - measured
        if trim <= 0:
            processed += trim - gain.trim_db
            gain = Gain(gain.gain_db, gain.mp3_loss_lu, trim)
        else:
            gain = _search_gain(sample, cache, rate, loudness, gain)
            processed = target + gain.mp3_loss_lu
    raise ToolError(
        f"could not reach {target} LUFS (got {measured:.1f}): "
        "the audio is too quiet or too dynamic to normalize"
    )


def gain_step(gain_db: float) -> float:
    """A searched gain rounded to the nearest GAIN_STEP_DB (within the landing tolerance:
    the MP3 is measured after, and trimmed if it missed).

    >>> gain_step(13.7445), gain_step(-2.04), gain_step(3.0)
    (13.7, -2.0, 3.0)
    """
    return round(math.floor(gain_db / GAIN_STEP_DB + 0.5) * GAIN_STEP_DB, 6)


def loudness_sample(pieces: Sequence[Piece], rate: int, seconds: float = 600) -> list[Piece]:
    """Pieces enough to search the gain on: all of a short episode; of a long one, runs
    spread evenly through it adding up to about ``seconds``, so that searching costs the
    same for a book as for an essay. (The final MP3 is still measured whole.)

    >>> rate = 100
    >>> pieces = [Piece(rate * 10) for _ in range(1000)]  # 10 000 s
    >>> round(sum(p.samples for p in loudness_sample(pieces, rate)) / rate)
    600
    >>> len(loudness_sample(pieces[:50], rate))
    50
    """
    total = sum(piece.samples for piece in pieces)
    if total <= 1.5 * seconds * rate:
        return list(pieces)
    windows = 60
    per_window = seconds * rate / windows
    step = len(pieces) / windows
    sample: list[Piece] = []
    for window in range(windows):
        taken, index = 0, int(window * step)
        while index < len(pieces) and taken < per_window:
            sample.append(pieces[index])
            taken += pieces[index].samples
            index += 1
    return sample


def _search_gain(
    pieces: Sequence[Piece], cache: AudioCache, rate: int, loudness: Loudness, start: Gain
) -> Gain:
    """Find a gain at which the processed signal measures at least target + MP3 loss, and
    the cut after the limiter that brings it down to exactly that.

    A cut after the limiter changes loudness by exactly its size and only lowers peaks, so
    the search need not land on the aim, only above it: usually the first round does. That
    round measures two gains at once, one per core; the smaller gain that is loud enough
    wins (it compresses least). When both fall short, the next tries past the aim, by the
    slope the two gave (LU out per dB in: under 1 where the compressor works).
    """
    aim = loudness.target_lufs + start.mp3_loss_lu
    probes = (start.gain_db, start.gain_db + SEARCH_SPREAD_DB)
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        found = list(
            pool.map(lambda g: _measure_processed(pieces, cache, rate, loudness, g), probes)
        )
    points = list(zip(probes, found, strict=True))
    for _ in range(6):
        loud_enough = [point for point in points if point[1] >= aim]
        if loud_enough:
            gain, measured = min(loud_enough)
            return Gain(gain, start.mp3_loss_lu, trim_db=aim - measured)
        (low, low_measured), (high, high_measured) = sorted(points)[-2:]
        slope = min(1.5, max(0.2, (high_measured - low_measured) / (high - low)))
        gain = high + (aim - high_measured) / slope + TOLERANCE_LU
        points.append((gain, _measure_processed(pieces, cache, rate, loudness, gain)))
    raise ToolError(
        f"could not bring the audio up to {loudness.target_lufs} LUFS: it is too quiet "
        "or too dynamic to normalize"
    )


def processing(loudness: Loudness, gain_db: float, trim_db: float = 0.0) -> str:
    """Gain, then gentle compression, then a limiter, then the trim: the chain every
    episode goes through.

    Piper scales every utterance to full scale, so its plosives peak far above the speech's
    loudness; the compressor evens that out before the limiter has to. Sample peaks sit up
    to about half a dB under true peaks at 44.1 kHz, and MP3 encoding adds a little more,
    so the limiter's ceiling is set that far below the target.
    """
    ceiling = 10 ** ((loudness.true_peak_dbtp - 0.6) / 20)
    return (
        f"aresample={OUTPUT_RATE},volume={gain_db:.3f}dB,"
        "acompressor=threshold=0.3:ratio=2.5:attack=5:release=120:knee=4,"
        f"alimiter=limit={ceiling:.4f}:attack=5:release=60:level=disabled:latency=1,"
        f"volume={trim_db:.3f}dB"
    )


def _measure_processed(
    pieces: Sequence[Piece], cache: AudioCache, rate: int, loudness: Loudness, gain_db: float
) -> float:
    chain = processing(loudness, gain_db) + ",ebur128=framelog=verbose"
    args = ["-loglevel", "info", *raw_input_args(rate), "-af", chain, "-f", "null", "-"]
    return _integrated(_pipe(pieces, cache, args, "loudness measurement"))


def measure_file(path: Path) -> float:
    """Integrated loudness of an audio file, in LUFS: ffmpeg decodes, numpy meters."""
    return _audible(meter_file(path, true_peak=False).integrated())


def meter_file(path: Path, true_peak: bool = True) -> Meter:
    """An audio file decoded by ffmpeg and metered in numpy, as a listener's app hears it."""
    from pipeline.audio.loudness import measure_pcm

    chunks = tools.read_ffmpeg(
        "-i", str(path), "-ac", "1", "-ar", str(OUTPUT_RATE), "-f", "f32le", "pipe:1",
        what=f"decoding {path.name}",
    )  # fmt: skip
    return measure_pcm(chunks, OUTPUT_RATE, "f32le", true_peak=true_peak)


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
