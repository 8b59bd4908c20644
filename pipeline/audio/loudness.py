"""Loudness and true peak measured in numpy, over samples the build already holds.

Integrated loudness follows ITU-R BS.1770-4 (as EBU R128 and Apple use it): K-weighting
(a high shelf modelling the head, then a high-pass), mean square over 400 ms blocks every
100 ms, an absolute gate at -70 LUFS and a relative gate 10 LU under the loudness of the
blocks that pass it. True peak is the largest sample of the signal oversampled four times,
as BS.1770-4 Annex 2 describes; only stretches loud enough to beat the peak found so far
are oversampled, which gives the same peak at the same sample. The meter streams: an hour
of audio costs a few thousand floats of state, not the hour's samples.

The producer's report asks for more of the same stream: short-term loudness (3 s windows),
the loudness range of EBU Tech 3342 (the spread between the 10th and 95th percentiles of
short-term values gated at -70 LUFS and 20 LU under their mean), where the true peak falls,
and each 100 ms step's lowest and highest sample for a waveform. All of it is kept per
100 ms step, a few numbers a second however long the episode.

Checked against ffmpeg's ebur128 filter in tests/test_loudness.py and tests/test_report.py.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import NDArray

from pipeline.audio.filters import Convolver, impulse_response, lowpass, upsample
from pipeline.audio.measurement import Measurement

Floats = NDArray[np.float64]

# BS.1770-4's K-weighting, specified at 48 kHz, as analog prototypes (centre frequency,
# gain, Q) so that the same filters can be made for any sample rate by the bilinear transform.
SHELF_HZ, SHELF_DB, SHELF_Q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
HIGHPASS_HZ, HIGHPASS_Q = 38.13547087602444, 0.5003270373238773
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
BLOCK_STEPS = 4  # a 400 ms block is four 100 ms steps (75% overlap)
SHORT_TERM_STEPS = 30  # a 3 s short-term window
LRA_RELATIVE_GATE_LU = -20.0
STEP_SECONDS = 0.1
OVERSAMPLING = 4
# BS.1770-4 Annex 2's interpolator: 48 taps, 12 per phase, passing up to half the input rate.
INTERPOLATOR = lowpass(48, 1 / OVERSAMPLING) * OVERSAMPLING
PEAK_CONTEXT = len(INTERPOLATOR) // OVERSAMPLING  # input samples each output depends on
# An output is one phase's taps times PEAK_CONTEXT inputs, so it is at most the largest L1
# norm of a phase (1.84) times the loudest of those inputs; the margin covers the rounding
# of a 12-term sum (relative error under 12 * 2**-53), so the bound holds for computed outputs.
PEAK_GAIN = max(float(np.abs(INTERPOLATOR[p::OVERSAMPLING]).sum()) for p in range(OVERSAMPLING))
PEAK_GAIN_BOUND = PEAK_GAIN * (1 + 1e-9)
PEAK_BLOCK = 64  # input samples per block the true-peak search oversamples or skips whole
CHUNK_SECONDS = 5  # numpy's work per call; small pieces are gathered up to this


def k_weighting(rate: int) -> list[tuple[Floats, Floats]]:
    """The two biquads (b, a) of the K-weighting filter at ``rate``.

    >>> [(len(b), len(a)) for b, a in k_weighting(48000)]
    [(3, 3), (3, 3)]
    >>> b, a = k_weighting(48000)[0]
    >>> [round(float(x), 6) for x in (*b, *a[1:])]  # BS.1770-4 Table 1, to six decimals
    [1.535125, -2.691696, 1.198393, -1.690659, 0.732481]
    >>> b, a = k_weighting(48000)[1]
    >>> [round(float(x), 6) for x in (*b, *a[1:])]  # Table 2
    [1.0, -2.0, 1.0, -1.990047, 0.990072]
    """
    k = math.tan(math.pi * SHELF_HZ / rate)
    vh = 10 ** (SHELF_DB / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / SHELF_Q + k * k
    tilt = vb * k / SHELF_Q
    shelf_b = np.array([vh + tilt + k * k, 2 * (k * k - vh), vh - tilt + k * k])
    shelf_a = np.array([a0, 2 * (k * k - 1), 1 - k / SHELF_Q + k * k])
    k = math.tan(math.pi * HIGHPASS_HZ / rate)
    a0 = 1 + k / HIGHPASS_Q + k * k
    pass_b = np.array([1.0, -2.0, 1.0])
    pass_a = np.array([a0, 2 * (k * k - 1), 1 - k / HIGHPASS_Q + k * k]) / a0
    return [(shelf_b / shelf_a[0], shelf_a / shelf_a[0]), (pass_b, pass_a)]


@functools.cache
def k_response(rate: int) -> Floats:
    """The K-weighting's impulse response at ``rate`` (both biquads in cascade), which the
    meter convolves with (pipeline/audio/filters.py: the same numbers as running the biquads)."""
    return impulse_response(k_weighting(rate))


def _oversampled_peak(run: Floats, skip: int) -> tuple[float, int]:
    """The largest magnitude of ``run`` oversampled, from output ``skip`` on, and where it
    first is (counted from ``skip``), by oversampling all of it: the reference that tests
    hold the meter's search (``_oversampled_peak_above``) to.

    >>> value, at = _oversampled_peak(np.array([0.0, 0.5, 0.5, 0.0]), 0)
    >>> round(value, 3), at  # between the two samples, and above either
    (0.619, 29)
    """
    ours = np.abs(upsample(INTERPOLATOR, run, OVERSAMPLING)[skip:])
    at = int(np.argmax(ours))
    return float(ours[at]), at


def _oversampled_peak_above(run: Floats, skip: int, floor: float) -> tuple[float, int]:
    """What ``_oversampled_peak`` returns, bit for bit, whenever that peak is at least
    ``floor``; otherwise some value under ``floor``. Only blocks of PEAK_BLOCK positions
    (below) whose inputs are loud enough to reach ``floor`` are oversampled, a seventh of
    a mastered episode's speech: the meter's floor is the loudest sample or peak so far.

    Outputs sit at input positions (outputs 4p to 4p + 3 at position p) from ``skip // 4``
    to the end of the filter's tail, PEAK_CONTEXT - 1 positions past the last input; each
    depends on inputs p - PEAK_CONTEXT + 1 to p, zeros beyond either end of ``run``. Each
    block is oversampled alone, with those inputs in front of it; ``upsample`` sums an
    output's terms in one order, with missing inputs as zeros, so the block's outputs are
    the same numbers as when the whole run is oversampled at once.

    >>> run = np.array([0.0, 0.5, 0.5, 0.0])
    >>> _oversampled_peak_above(run, 0, 0.5) == _oversampled_peak(run, 0)
    True
    >>> _oversampled_peak_above(run, 0, 0.95)[0] < 0.95  # 0.5 * 1.84 cannot reach it
    True
    """
    lead = PEAK_CONTEXT - 1  # inputs before an output's position that it depends on
    start = skip // OVERSAMPLING
    blocks = -(-(len(run) + lead - start) // PEAK_BLOCK)
    # The run with zeros on both sides, so that block k's inputs are one window of it.
    padded = np.zeros(lead + start + blocks * PEAK_BLOCK)
    padded[lead : lead + len(run)] = run
    magnitude = np.abs(padded[start:])
    body = magnitude[lead:].reshape(blocks, PEAK_BLOCK)
    heads = np.concatenate(([magnitude[:lead].max()], body[:-1, -lead:].max(axis=1)))
    loudest = np.maximum(body.max(axis=1), heads)
    hot = np.flatnonzero(loudest * PEAK_GAIN_BOUND >= floor)
    if not len(hot):
        return 0.0, 0
    if 2 * len(hot) > blocks:  # most of it (a steady tone): one pass over the run is quicker
        return _oversampled_peak(run, skip)
    windows = np.lib.stride_tricks.sliding_window_view(padded[start:], PEAK_BLOCK + lead)
    high = upsample(INTERPOLATOR, windows[hot * PEAK_BLOCK], OVERSAMPLING)
    ours = np.abs(high[:, lead * OVERSAMPLING : (lead + PEAK_BLOCK) * OVERSAMPLING])
    row, column = divmod(int(np.argmax(ours)), ours.shape[1])
    return float(ours[row, column]), int(hot[row]) * PEAK_BLOCK * OVERSAMPLING + column


class Meter:
    """Feed it mono samples (floats in [-1, 1]) in chunks of any size; then read it."""

    def __init__(self, rate: int, true_peak: bool = True) -> None:
        self.rate = rate
        self.measure_peak = true_peak
        self.weighting = Convolver(k_response(rate))
        self.step = rate // 10  # 100 ms
        self.pending = np.zeros(0)  # weighted samples not yet a whole step
        self.pending_raw = np.zeros(0)  # the same samples unweighted, for the envelope
        self.steps: list[float] = []  # sum of squares of each whole 100 ms step
        self.lows: list[float] = []  # each whole step's lowest and highest sample
        self.highs: list[float] = []
        self.peak = 0.0
        self.peak_sample = 0  # where the peak is, in samples from the start
        self.samples = 0
        self.context = np.zeros(0)

    def add(self, samples: Floats, weighted: Floats | None = None) -> None:
        """More samples; with ``weighted``, their K-weighted values, found elsewhere (by
        ffmpeg, pipeline/audio/chapter_meter.py) and not computed here."""
        if not len(samples):
            return
        if self.measure_peak:
            self._true_peak(samples)
        if weighted is None:
            weighted = self.weighting(samples)
        joined = np.concatenate((self.pending, weighted))
        raw = np.concatenate((self.pending_raw, samples))
        whole = len(joined) // self.step * self.step
        rows = joined[:whole].reshape(-1, self.step)
        squares = np.einsum("ij,ij->i", rows, rows)
        self.steps.extend(squares.tolist())
        raw_rows = raw[:whole].reshape(-1, self.step)
        self.lows.extend(raw_rows.min(axis=1).tolist() if whole else [])
        self.highs.extend(raw_rows.max(axis=1).tolist() if whole else [])
        self.pending, self.pending_raw = joined[whole:], raw[whole:]
        self.samples += len(samples)

    def add_pcm(self, pcm: bytes, sample_format: str = "s16le") -> None:
        """Raw mono samples as ffmpeg names their formats: s16le or f32le; or "pairs":
        f32le pairs of a sample and its K-weighted value."""
        if sample_format == "s16le":
            self.add(np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0)
        elif sample_format == "pairs":
            pairs = np.frombuffer(pcm, dtype="<f4").astype(np.float64).reshape(-1, 2)
            self.add(pairs[:, 0], pairs[:, 1])
        else:
            self.add(np.frombuffer(pcm, dtype="<f4").astype(np.float64))

    def _true_peak(self, samples: Floats) -> None:
        run = np.concatenate((self.context, samples))
        sample_peak = int(np.argmax(np.abs(samples)))
        loudest = float(abs(samples[sample_peak]))
        # Outputs before the context's end were looked at last time (with less context).
        skip = len(self.context) * OVERSAMPLING
        # Whatever cannot beat the peak so far or this chunk's loudest sample is not looked
        # for: either of those would be the peak instead, at the same place.
        value, at = self._peak_search(run, skip, max(self.peak, loudest))
        if value > self.peak:
            # The interpolator delays its output by half its length.
            delay = (len(INTERPOLATOR) - 1) // 2
            self.peak = value
            self.peak_sample = max(0, self.samples + (at - delay) // OVERSAMPLING)
        if loudest > self.peak:
            self.peak = loudest
            self.peak_sample = self.samples + sample_peak
        self.context = run[-PEAK_CONTEXT:]

    _peak_search = staticmethod(_oversampled_peak_above)

    def integrated(self) -> float:
        """Integrated loudness in LUFS (-inf when nothing passes the gates)."""
        return gated_loudness(self.blocks())

    def blocks(self) -> Floats:
        """Mean squares of every 400 ms block, one per 100 ms step from the 4th."""
        steps = np.asarray(self.steps)
        if len(steps) < BLOCK_STEPS:
            return np.zeros(0)
        return np.convolve(steps, np.ones(BLOCK_STEPS), mode="valid") / (BLOCK_STEPS * self.step)

    def true_peak_dbtp(self) -> float:
        return 20 * math.log10(self.peak) if self.peak > 0 else float("-inf")

    def short_term(self) -> Floats:
        """Mean squares of every 3 s window, one per 100 ms step from the 30th."""
        steps = np.asarray(self.steps)
        if len(steps) < SHORT_TERM_STEPS:
            return np.zeros(0)
        window = np.ones(SHORT_TERM_STEPS)
        return np.convolve(steps, window, mode="valid") / (SHORT_TERM_STEPS * self.step)

    def loudness_range(self) -> float:
        """EBU Tech 3342's loudness range, in LU (0 when too little passes the gates)."""
        short = self.short_term()
        loud = short[_lufs(short) > ABSOLUTE_GATE_LUFS]
        if not len(loud):
            return 0.0
        values = _lufs(loud)
        values = values[values > _lufs(np.mean(loud)) + LRA_RELATIVE_GATE_LU]
        if not len(values):
            return 0.0
        low, high = np.percentile(values, [10, 95])
        return float(high - low)

    def measurement(self, points: int = 2000) -> Measurement:
        """What the producer's report shows, its curves at most ``points`` long (enough
        for a picture; a book's every 100 ms would be megabytes of numbers)."""
        short = self.short_term()
        stride = max(1, math.ceil(len(short) / points))
        bucket = max(1, math.ceil(len(self.lows) / points))
        curve = np.maximum(_lufs(short[::stride]), SILENCE_LUFS) if len(short) else short
        return Measurement(
            integrated_lufs=round(max(self.integrated(), SILENCE_LUFS), 2),
            loudness_range_lu=round(self.loudness_range(), 2),
            true_peak_dbtp=round(max(self.true_peak_dbtp(), SILENCE_LUFS), 2),
            true_peak_at=round(self.peak_sample / self.rate, 2),
            duration=self.samples / self.rate,
            short_term=tuple(round(float(v), 2) for v in curve),
            short_term_step=stride * STEP_SECONDS,
            envelope_min=_pooled(self.lows, bucket, min),
            envelope_max=_pooled(self.highs, bucket, max),
            envelope_step=bucket * STEP_SECONDS,
        )


SILENCE_LUFS = -120.0  # what silence is shown as, where a number must be finite


def gated_loudness(blocks: Floats) -> float:
    """BS.1770's integrated loudness of 400 ms blocks' mean squares, gated (-inf: none pass).

    >>> round(gated_loudness(np.array([0.01, 0.01, 1e-9])), 2)  # the quiet block is gated out
    -20.69
    """
    loud = blocks[_lufs(blocks) > ABSOLUTE_GATE_LUFS]
    if not len(loud):
        return float("-inf")
    relative = _lufs(np.mean(loud)) + RELATIVE_GATE_LU
    gated = loud[_lufs(loud) > relative]
    return float(_lufs(np.mean(gated)))


def _pooled(
    values: list[float], size: int, pick: Callable[[list[float]], float]
) -> tuple[float, ...]:
    """``pick`` of each run of ``size`` values.

    >>> _pooled([1, 5, 2, 4, 3], 2, max)
    (5, 4, 3)
    """
    return tuple(round(pick(values[i : i + size]), 4) for i in range(0, len(values), size))


def _lufs(mean_square: Floats | np.floating | float) -> Floats:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(mean_square)


SAMPLE_BYTES = {"s16le": 2, "f32le": 4, "pairs": 8}


def measure_pcm(
    chunks: Iterable[bytes], rate: int, sample_format: str = "s16le", true_peak: bool = True
) -> Meter:
    """Meter a stream of raw mono samples (s16le, f32le or K-weighted "pairs", see
    Meter.add_pcm), in chunks of any length.

    >>> t = np.arange(48000 * 3) / 48000
    >>> tone = (0.1 * np.sin(2 * np.pi * 997 * t) * 32767).astype("<i2").tobytes()
    >>> meter = measure_pcm([tone[:1001], tone[1001:]], 48000)
    >>> round(meter.integrated(), 1)  # BS.1770: a 997 Hz sine at -20 dBFS reads -23.0 LUFS
    -23.0
    >>> round(meter.true_peak_dbtp(), 1)
    -20.0
    """
    meter, width = Meter(rate, true_peak), SAMPLE_BYTES[sample_format]
    batch = CHUNK_SECONDS * rate * width
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= batch:
            data = b"".join(pending)
            usable = len(data) - len(data) % width
            meter.add_pcm(data[:usable], sample_format)
            pending, size = [data[usable:]], len(data) - usable
    data = b"".join(pending)
    meter.add_pcm(data[: len(data) - len(data) % width], sample_format)
    return meter
