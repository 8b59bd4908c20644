"""Loudness and true peak measured in numpy, over samples the build already holds.

Integrated loudness follows ITU-R BS.1770-4 (as EBU R128 and Apple use it): K-weighting
(a high shelf modelling the head, then a high-pass), mean square over 400 ms blocks every
100 ms, an absolute gate at -70 LUFS and a relative gate 10 LU under the loudness of the
blocks that pass it. True peak is the largest sample of the signal oversampled four times,
as BS.1770-4 Annex 2 describes. The meter streams: an hour of audio costs a few thousand
floats of state, not the hour's samples.

Checked against ffmpeg's ebur128 filter in tests/test_loudness.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray
from scipy.signal import firwin, sosfilt, upfirdn  # type: ignore[import-untyped]

Floats = NDArray[np.float64]

# BS.1770-4's K-weighting, specified at 48 kHz, as analog prototypes (centre frequency,
# gain, Q) so that the same filters can be made for any sample rate by the bilinear transform.
SHELF_HZ, SHELF_DB, SHELF_Q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
HIGHPASS_HZ, HIGHPASS_Q = 38.13547087602444, 0.5003270373238773
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
BLOCK_STEPS = 4  # a 400 ms block is four 100 ms steps (75% overlap)
OVERSAMPLING = 4
# BS.1770-4 Annex 2's interpolator: 48 taps, 12 per phase, passing up to half the input rate.
INTERPOLATOR = firwin(48, 1 / OVERSAMPLING) * OVERSAMPLING
PEAK_CONTEXT = len(INTERPOLATOR) // OVERSAMPLING  # input samples each output depends on
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


class Meter:
    """Feed it mono samples (floats in [-1, 1]) in chunks of any size; then read it."""

    def __init__(self, rate: int, true_peak: bool = True) -> None:
        self.rate = rate
        self.measure_peak = true_peak
        # Both biquads as second-order sections, run in one call.
        self.sections = np.array([np.concatenate((b, a)) for b, a in k_weighting(rate)])
        self.state = np.zeros((len(self.sections), 2))
        self.step = rate // 10  # 100 ms
        self.pending = np.zeros(0)  # weighted samples not yet a whole step
        self.steps: list[float] = []  # sum of squares of each whole 100 ms step
        self.peak = 0.0
        self.context = np.zeros(0)

    def add(self, samples: Floats) -> None:
        if not len(samples):
            return
        if self.measure_peak:
            self._true_peak(samples)
        weighted, self.state = sosfilt(self.sections, samples, zi=self.state)
        joined = np.concatenate((self.pending, weighted))
        whole = len(joined) // self.step * self.step
        rows = joined[:whole].reshape(-1, self.step)
        squares = np.einsum("ij,ij->i", rows, rows)
        self.steps.extend(squares.tolist())
        self.pending = joined[whole:]

    def add_pcm(self, pcm: bytes, sample_format: str = "s16le") -> None:
        """Raw mono samples as ffmpeg names their formats: s16le or f32le."""
        if sample_format == "s16le":
            self.add(np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0)
        else:
            self.add(np.frombuffer(pcm, dtype="<f4").astype(np.float64))

    def _true_peak(self, samples: Floats) -> None:
        run = np.concatenate((self.context, samples))
        high = upfirdn(INTERPOLATOR, run, OVERSAMPLING)
        # Outputs before the context's end were looked at last time (with less context).
        skip = len(self.context) * OVERSAMPLING
        self.peak = max(self.peak, float(np.max(np.abs(high[skip:]))))
        self.peak = max(self.peak, float(np.max(np.abs(samples))))
        self.context = run[-PEAK_CONTEXT:]

    def integrated(self) -> float:
        """Integrated loudness in LUFS (-inf when nothing passes the gates)."""
        steps = np.asarray(self.steps)
        if len(steps) < BLOCK_STEPS:
            return float("-inf")
        blocks = np.convolve(steps, np.ones(BLOCK_STEPS), mode="valid") / (BLOCK_STEPS * self.step)
        loud = blocks[_lufs(blocks) > ABSOLUTE_GATE_LUFS]
        if not len(loud):
            return float("-inf")
        relative = _lufs(np.mean(loud)) + RELATIVE_GATE_LU
        gated = loud[_lufs(loud) > relative]
        return float(_lufs(np.mean(gated)))

    def true_peak_dbtp(self) -> float:
        return 20 * math.log10(self.peak) if self.peak > 0 else float("-inf")


def _lufs(mean_square: Floats | np.floating | float) -> Floats:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(mean_square)


SAMPLE_BYTES = {"s16le": 2, "f32le": 4}


def measure_pcm(
    chunks: Iterable[bytes], rate: int, sample_format: str = "s16le", true_peak: bool = True
) -> Meter:
    """Meter a stream of raw mono samples (s16le or f32le), in chunks of any length.

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
