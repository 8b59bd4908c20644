"""Loudness kept in pieces, so that an episode's is a sum, not a decode.

Two kinds are kept. Each utterance's 400 ms blocks, measured once from its raw samples when
mastering first reads it and kept beside it in the cache: the raw episode's loudness, from
which the gain into the compressor is set, is the gating of all its utterances' blocks.
And each chapter's encode, decoded and metered once when it is encoded and kept beside it in
the segment store (its 100 ms steps, its envelope and its true peak): the MP3's loudness,
true peak and the report's curves are those chapters' meters laid end to end, so an edit
meters its own chapter and no other.

An utterance is metered between 300 ms of silence on either side, as it is heard between
pauses; the blocks that straddle two utterances a short pause apart are left out, which
moves the gated loudness by hundredths of an LU. Chapters are laid at their place to the
nearest 100 ms step; they meet in the silence of a seam (pipeline/audio/layout.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pipeline.audio.loudness import BLOCK_STEPS, Meter, gated_loudness, measure_pcm
from pipeline.speech.cache import AudioCache

Floats = NDArray[np.float64]

BLOCKS = "blocks1"  # the name of an utterance's blocks beside it in the cache
PAD_SECONDS = 0.3


def utterance_blocks(pcm: bytes, rate: int) -> Floats:
    """Mean squares of the K-weighted 400 ms blocks (every 100 ms) of one utterance's raw
    samples (s16le), with 300 ms of silence on either side.

    >>> t = np.arange(48000 * 10) / 48000
    >>> tone = (0.1 * np.sin(2 * np.pi * 997 * t) * 32767).astype("<i2").tobytes()
    >>> round(gated_loudness(utterance_blocks(tone, 48000)), 1)  # -23 LUFS, less its edges
    -23.1
    """
    meter = Meter(rate, true_peak=False)
    pad = np.zeros(round(PAD_SECONDS * rate))
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
    meter.add(np.concatenate((pad, samples, pad)))
    return meter.blocks()


def cached_blocks(cache: AudioCache, key: str) -> Floats:
    """An utterance's blocks: kept beside it in the cache, or measured now and kept."""
    kept = cache.extra(key, BLOCKS)
    if kept is not None:
        return np.frombuffer(kept, dtype="<f8")
    speech = cache.get(key)
    if speech is None:
        return np.zeros(0)  # mastering's stream says what is missing
    blocks = utterance_blocks(speech.pcm, speech.sample_rate).astype("<f8")
    cache.put_extra(key, BLOCKS, blocks.tobytes())
    return blocks


@dataclass(frozen=True)
class ChapterLevels:
    """One chapter's encode, decoded and metered: its samples' K-weighted sum of squares
    per whole 100 ms step and over the part step after them, each step's lowest and highest
    sample, and its true peak (linear) and where it is."""

    steps: Floats
    tail: float
    lows: Floats
    highs: Floats
    peak: float
    peak_at: int
    samples: int
    rate: int

    def blocks(self) -> Floats:
        if len(self.steps) < BLOCK_STEPS:
            return np.zeros(0)
        step = self.rate // 10
        return np.convolve(self.steps, np.ones(BLOCK_STEPS), mode="valid") / (BLOCK_STEPS * step)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        scalars = np.array([self.tail, self.peak, self.peak_at, self.samples, self.rate])
        np.savez(out, steps=self.steps, lows=self.lows, highs=self.highs, scalars=scalars)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ChapterLevels | None:
        try:
            with np.load(io.BytesIO(data)) as kept:
                tail, peak, peak_at, samples, rate = kept["scalars"].tolist()
                return cls(
                    kept["steps"], tail, kept["lows"], kept["highs"], peak, int(peak_at),
                    int(samples), int(rate),
                )  # fmt: skip
        except (OSError, ValueError, KeyError):
            return None


def chapter_levels(pairs: Iterable[bytes], rate: int) -> ChapterLevels:
    """Meter a chapter's decoded samples, each beside its K-weighted value (f32le pairs)."""
    meter = measure_pcm(pairs, rate, "pairs", true_peak=True)
    pending = meter.pending
    return ChapterLevels(
        steps=np.asarray(meter.steps),
        tail=float(np.dot(pending, pending)),
        lows=np.asarray(meter.lows),
        highs=np.asarray(meter.highs),
        peak=meter.peak,
        peak_at=meter.peak_sample,
        samples=meter.samples,
        rate=rate,
    )


def joined(chapters: Sequence[tuple[int, ChapterLevels]], rate: int) -> Meter:
    """The meter of chapters laid end to end, each at its offset (in samples): as if the
    whole had been metered (integrated loudness, range, true peak and curves).

    >>> steps = np.full(10, 4410 * 0.01)
    >>> one = ChapterLevels(steps, 0.0, -np.ones(10), np.ones(10), 0.5, 7, 44100, 44100)
    >>> meter = joined([(0, one), (44100, one)], 44100)
    >>> round(meter.integrated(), 2), len(meter.steps), meter.peak_sample
    (-20.69, 20, 7)
    """
    total = max((offset + levels.samples for offset, levels in chapters), default=0)
    step = rate // 10
    count = total // step
    steps, lows, highs = np.zeros(count + 1), np.zeros(count + 1), np.zeros(count + 1)
    meter = Meter(rate, true_peak=False)
    for offset, levels in chapters:
        first = round(offset / step)
        span = slice(first, min(count, first + len(levels.steps)))
        width = span.stop - span.start
        steps[span] += levels.steps[:width]
        lows[span] = np.minimum(lows[span], levels.lows[:width])
        highs[span] = np.maximum(highs[span], levels.highs[:width])
        steps[min(count, first + len(levels.steps))] += levels.tail
        if levels.peak > meter.peak:
            meter.peak, meter.peak_sample = levels.peak, offset + levels.peak_at
    meter.steps = steps[:count].tolist()
    meter.lows, meter.highs = lows[:count].tolist(), highs[:count].tolist()
    meter.samples = total
    return meter


def shifted_loudness(parts: Sequence[tuple[Floats, float]]) -> float:
    """The gated loudness of blocks, each part's moved by its own number of dB.

    >>> blocks = np.full(20, 0.01)
    >>> round(shifted_loudness([(blocks, 0.0), (blocks, 0.0)]), 2)
    -20.69
    >>> round(shifted_loudness([(blocks, 3.0), (blocks, 3.0)]), 2)
    -17.69
    """
    if not parts:
        return float("-inf")
    return gated_loudness(np.concatenate([blocks * 10 ** (db / 10) for blocks, db in parts]))


def trim_for(target: float, parts: Sequence[tuple[Floats, float, bool]]) -> float:
    """The trim (dB, applied to the parts marked True, on top of their own shift) that brings
    the parts' gated loudness to ``target``; the others stay where they are. Found by
    bisection: the loudness only grows with the trim.

    >>> blocks = np.full(20, 0.01)
    >>> round(trim_for(-16.0, [(blocks, 0.0, True), (blocks, 0.0, True)]), 2)
    4.69
    """

    def loudness(trim: float) -> float:
        return shifted_loudness([(b, db + trim if moved else db) for b, db, moved in parts])

    low, high = -40.0, 40.0
    if not any(moved for _, _, moved in parts) or loudness(high) < target:
        return 0.0
    for _ in range(40):
        middle = (low + high) / 2
        if loudness(middle) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2
