"""Loudness as EBU R128 measures it, over samples streamed through once.

ITU-R BS.1770-4 defines the meter: K-weighting (a high shelf, then a high pass), mean square
over 400 ms blocks every 100 ms, and two gates for the integrated value (absolute at
−70 LUFS, relative at 10 LU under the mean of what passed the first). EBU Tech 3342 adds
the loudness range: short-term (3 s) values gated at −70 LUFS and 20 LU under their mean,
the spread between their 10th and 95th percentiles. The true peak is the largest sample of
the signal oversampled four times, as BS.1770 Annex 2 asks.

Everything is kept per 100 ms, so a meter holds a few numbers a second however long the
episode: an hour costs 36 000 floats, never the samples themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import signal

BLOCK_S = 0.1  # the meter's step: every value below is built from 100 ms sums
MOMENTARY_BLOCKS = 4  # 400 ms
SHORT_TERM_BLOCKS = 30  # 3 s
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0
OVERSAMPLE = 4
TAPS_EACH_SIDE = 24  # input samples either side that each interpolated value depends on
SILENCE_LUFS = -120.0  # what a block of digital silence is shown as


def k_weighting(rate: int) -> np.ndarray:
    """The K-weighting filter for a sample rate, as second-order sections.

    BS.1770 gives the coefficients for 48 kHz; these are the same two analogue prototypes
    (a +4 dB shelf above ~1.7 kHz, a high pass at ~38 Hz) mapped to any rate.

    >>> sos = k_weighting(48000)
    >>> [round(float(c), 6) for c in sos[0]]
    [1.535125, -2.691696, 1.198393, 1.0, -1.690659, 0.732481]
    >>> [round(float(c), 6) for c in sos[1]]
    [1.0, -2.0, 1.0, 1.0, -1.990047, 0.990072]
    """
    shelf_f0, shelf_gain_db, shelf_q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * shelf_f0 / rate)
    vh = 10 ** (shelf_gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / shelf_q + k * k
    shelf = [
        (vh + vb * k / shelf_q + k * k) / a0,
        2 * (k * k - vh) / a0,
        (vh - vb * k / shelf_q + k * k) / a0,
        1.0,
        2 * (k * k - 1) / a0,
        (1 - k / shelf_q + k * k) / a0,
    ]
    pass_f0, pass_q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * pass_f0 / rate)
    a0 = 1 + k / pass_q + k * k
    high_pass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / pass_q + k * k) / a0]
    return np.array([shelf, high_pass])


def to_lufs(mean_square: float) -> float:
    """BS.1770's loudness of a mean square (one channel, weight 1).

    >>> round(to_lufs(1.0), 3)
    -0.691
    >>> to_lufs(0.0) == SILENCE_LUFS
    True
    """
    if mean_square <= 0:
        return SILENCE_LUFS
    return max(SILENCE_LUFS, -0.691 + 10 * math.log10(mean_square))


@dataclass(frozen=True)
class Measurement:
    """What a meter found, in the units a producer reads."""

    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    true_peak_at: float  # seconds from the start
    duration: float
    short_term: tuple[float, ...]  # LUFS of the 3 s ending at each 1/short_term_rate s
    short_term_step: float  # seconds between short_term values
    envelope_min: tuple[float, ...]  # lowest sample in each envelope_step seconds
    envelope_max: tuple[float, ...]
    envelope_step: float


class Meter:
    """Feed it mono float samples in [-1, 1], a chunk at a time; then ask for the result."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.block = round(rate * BLOCK_S)
        self._sos = k_weighting(rate)
        self._state = np.zeros((self._sos.shape[0], 2))
        self._pending_sq = np.zeros(0)  # K-weighted squares not yet a whole block
        self._pending_raw = np.zeros(0)
        self.block_sums: list[float] = []  # sum of K-weighted squares per 100 ms
        self.block_min: list[float] = []
        self.block_max: list[float] = []
        # True peak: a 4x interpolator, run over the stream with a little of the last chunk
        # kept so that every output it keeps saw TAPS_EACH_SIDE samples on both sides.
        self._interpolator = signal.firwin(2 * TAPS_EACH_SIDE * OVERSAMPLE + 1, 1 / OVERSAMPLE)
        self._interpolator *= OVERSAMPLE
        self._history = np.zeros(TAPS_EACH_SIDE)  # the signal starts after silence
        self._peak_done = 0  # samples whose oversampled neighbourhood has been searched
        self.peak = 0.0
        self.peak_sample = 0
        self.samples = 0

    def feed(self, chunk: np.ndarray) -> None:
        x = np.asarray(chunk, dtype=np.float64)
        if not len(x):
            return
        self._true_peak(x)
        weighted, self._state = signal.sosfilt(self._sos, x, zi=self._state)
        squares = np.concatenate([self._pending_sq, weighted * weighted])
        raw = np.concatenate([self._pending_raw, x])
        whole = len(squares) // self.block * self.block
        if whole:
            self.block_sums.extend(squares[:whole].reshape(-1, self.block).sum(axis=1).tolist())
            blocks = raw[:whole].reshape(-1, self.block)
            self.block_min.extend(blocks.min(axis=1).tolist())
            self.block_max.extend(blocks.max(axis=1).tolist())
        self._pending_sq, self._pending_raw = squares[whole:], raw[whole:]
        self.samples += len(x)

    def _true_peak(self, x: np.ndarray) -> None:
        padded = np.concatenate([self._history, x])
        whole = len(padded) - 2 * TAPS_EACH_SIDE  # samples with neighbours on both sides
        if whole > 0:
            up = signal.upfirdn(self._interpolator, padded, up=OVERSAMPLE)
            delay = (len(self._interpolator) - 1) // 2
            first = OVERSAMPLE * TAPS_EACH_SIDE + delay
            ours = np.abs(up[first : first + OVERSAMPLE * whole])
            index = int(np.argmax(ours))
            if ours[index] > self.peak:
                self.peak = float(ours[index])
                self.peak_sample = self._peak_done + index // OVERSAMPLE
            self._peak_done += whole
        self._history = padded[-2 * TAPS_EACH_SIDE :]

    def result(self, points: int = 2000) -> Measurement:
        """The measurement, with the loudness curve and the envelope at most ``points`` long
        (enough for a picture; a book's every 100 ms would be megabytes of numbers)."""
        self._true_peak(np.zeros(TAPS_EACH_SIDE))  # the last samples' right-hand neighbours
        sums = np.array(self.block_sums)
        momentary = _windowed(sums, MOMENTARY_BLOCKS) / (MOMENTARY_BLOCKS * self.block)
        short = _windowed(sums, SHORT_TERM_BLOCKS) / (SHORT_TERM_BLOCKS * self.block)
        stride = max(1, math.ceil(len(short) / points))
        bucket = max(1, math.ceil(len(self.block_min) / points))
        lows, highs = _pooled(self.block_min, bucket, min), _pooled(self.block_max, bucket, max)
        return Measurement(
            integrated_lufs=round(integrated(momentary), 2),
            loudness_range_lu=round(loudness_range(short), 2),
            true_peak_dbtp=round(20 * math.log10(self.peak) if self.peak > 0 else -math.inf, 2),
            true_peak_at=round(self.peak_sample / self.rate, 2),
            duration=self.samples / self.rate,
            short_term=tuple(round(to_lufs(float(v)), 2) for v in short[::stride]),
            short_term_step=stride * BLOCK_S,
            envelope_min=lows,
            envelope_max=highs,
            envelope_step=bucket * BLOCK_S,
        )


def _pooled(
    values: list[float], size: int, pick: Callable[[list[float]], float]
) -> tuple[float, ...]:
    """``pick`` of each run of ``size`` values.

    >>> _pooled([1, 5, 2, 4, 3], 2, max)
    (5, 4, 3)
    """
    return tuple(round(pick(values[i : i + size]), 4) for i in range(0, len(values), size))


def _windowed(sums: np.ndarray, width: int) -> np.ndarray:
    """Sums over each run of ``width`` consecutive blocks, one per block from the width-th."""
    if len(sums) < width:
        return np.zeros(0)
    running = np.concatenate([[0.0], np.cumsum(sums)])
    return running[width:] - running[:-width]


def _loudness(mean_squares: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(mean_squares)


def integrated(momentary: np.ndarray) -> float:
    """Gated integrated loudness of 400 ms blocks' mean squares (BS.1770-4 §2.8).

    >>> integrated(np.full(10, 10 ** ((-20 + 0.691) / 10)))  # steady -20 LUFS
    -20.0
    >>> integrated(np.zeros(5)) == SILENCE_LUFS
    True
    """
    loud = _loudness(momentary)
    kept = momentary[loud > ABSOLUTE_GATE_LUFS]
    if not len(kept):
        return SILENCE_LUFS
    gate = to_lufs(float(kept.mean())) + RELATIVE_GATE_LU
    kept = momentary[(loud > ABSOLUTE_GATE_LUFS) & (loud > gate)]
    return round(to_lufs(float(kept.mean())), 6)


def loudness_range(short_term: np.ndarray) -> float:
    """EBU Tech 3342's loudness range of 3 s blocks' mean squares, in LU.

    >>> loudness_range(np.full(50, 0.01))
    0.0
    """
    loud = _loudness(short_term)
    gated = short_term[loud > ABSOLUTE_GATE_LUFS]
    if not len(gated):
        return 0.0
    gate = to_lufs(float(gated.mean())) + LRA_RELATIVE_GATE_LU
    values = _loudness(gated)
    values = values[values > gate]
    if not len(values):
        return 0.0
    low, high = np.percentile(values, [10, 95])
    return round(float(high - low), 6)
