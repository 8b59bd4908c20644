"""The loudness meter's filters, in numpy alone.

scipy's signal package would do all of this, but importing it costs about 0.6 s, paid by
every build that measures audio (an edit included) and by every test build. These are the
three things the meter needs, each checked against scipy's own in tests/test_filters.py:
an IIR filter run as the convolution with its impulse response (which the K-weighting's
poles let fall under a double's precision within a few thousand samples), a windowed-sinc
low-pass design (scipy's ``firwin``), and upsampling through a polyphase FIR
(scipy's ``upfirdn``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

NEGLIGIBLE = 1e-18  # of the response's peak: far under a double's precision for a sum
MAX_RESPONSE = 1 << 16
QUIET_RUN = 256  # samples in a row under NEGLIGIBLE: the response has died away
CACHED_OUTPUTS = 1 << 15  # outputs upsampled per pass (see upsample)


def impulse_response(sections: Sequence[tuple[Floats, Floats]]) -> Floats:
    """The impulse response of biquads in cascade (each ``(b, a)`` with ``a[0] == 1``), up
    to where it stays under NEGLIGIBLE of its peak (its poles inside the unit circle).

    >>> h = impulse_response([(np.array([1.0, 0.0, 0.0]), np.array([1.0, -0.5, 0.0]))])
    >>> [float(v) for v in h[:4]], len(h) < 100  # 0.5 ** n
    ([1.0, 0.5, 0.25, 0.125], True)
    """
    coefficients = [(*(float(v) for v in b), float(a[1]), float(a[2])) for b, a in sections]
    states = [[0.0, 0.0, 0.0, 0.0] for _ in sections]  # x1, x2, y1, y2 of each
    response: list[float] = []
    peak, quiet = 0.0, 0
    x = 1.0
    while len(response) < MAX_RESPONSE and quiet < QUIET_RUN:
        value = x
        for (b0, b1, b2, a1, a2), state in zip(coefficients, states, strict=True):
            x1, x2, y1, y2 = state
            y = b0 * value + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            state[:] = [value, x1, y, y1]
            value = y
        response.append(value)
        peak = max(peak, abs(value))
        quiet = quiet + 1 if abs(value) <= NEGLIGIBLE * peak else 0
        x = 0.0
    return np.array(response[: len(response) - quiet or 1])


class Convolver:
    """Convolve a stream, a chunk at a time, with a fixed response (by FFT); what each chunk
    rings on past its end is carried into the next, so the chunks' outputs join exactly.

    >>> convolve = Convolver(np.array([1.0, 1.0]))
    >>> [float(v) for v in (*convolve(np.array([1.0, 2.0])), *convolve(np.array([3.0])))]
    [1.0, 3.0, 5.0]
    """

    def __init__(self, response: Floats) -> None:
        self.response = response
        self.tail = np.zeros(len(response) - 1)
        self.spectra: dict[int, NDArray[np.complex128]] = {}
        # A long chunk goes in blocks, each in a transform of this size. One transform of
        # the whole chunk, rounded up to a power of two, took 2.6 times as long for the
        # utterances a build meters (a 7 s utterance: 262,144 points, 36% of them padding).
        self.block_size = 1 << (4 * len(response) - 1).bit_length()

    def __call__(self, chunk: Floats) -> Floats:
        full = len(chunk) + len(self.response) - 1
        if full > self.block_size:
            out = self._in_blocks(chunk)
        else:
            size = 1 << (full - 1).bit_length()
            out = np.fft.irfft(np.fft.rfft(chunk, size) * self._spectrum(size), size)[:full]
        out[: len(self.tail)] += self.tail
        self.tail = out[len(chunk) :]
        return out[: len(chunk)]

    def _spectrum(self, size: int) -> NDArray[np.complex128]:
        if size not in self.spectra:
            self.spectra[size] = np.fft.rfft(self.response, size)
        return self.spectra[size]

    def _in_blocks(self, chunk: Floats) -> Floats:
        """The whole convolution of ``chunk`` (its ringing included), a block at a time,
        every block's transform at once; each block rings into the next one alone."""
        size, ringing = self.block_size, len(self.response) - 1
        block = size - ringing
        count = -(-len(chunk) // block)
        padded = np.zeros(count * block)
        padded[: len(chunk)] = chunk
        spectra = np.fft.rfft(padded.reshape(count, block), size, axis=1)
        pieces = np.fft.irfft(spectra * self._spectrum(size), size, axis=1)
        out = np.zeros((count + 1) * block)
        out[: count * block] = pieces[:, :block].reshape(-1)
        out[block:].reshape(count, block)[:, :ringing] += pieces[:, block:]
        return out[: len(chunk) + ringing]


def lowpass(taps: int, cutoff: float) -> Floats:
    """A linear-phase low-pass FIR: a sinc through a Hamming window, scaled to pass DC at
    exactly 1 (as scipy's ``firwin(taps, cutoff)``; ``cutoff`` relative to half the rate).

    >>> h = lowpass(48, 0.25)
    >>> len(h), round(float(h.sum()), 12), bool(np.allclose(h, h[::-1]))
    (48, 1.0, True)
    """
    middle = (taps - 1) / 2
    n = np.arange(taps) - middle
    h = cutoff * np.sinc(cutoff * n) * np.hamming(taps)
    return h / h.sum()


def upsample(response: Floats, rows: Floats, factor: int) -> Floats:
    """Each row (the last axis) upsampled by ``factor`` through the FIR ``response``: zeros
    stuffed between samples, then filtered, computed one phase at a time (as scipy's
    ``upfirdn(response, rows, factor)``; ``len(response)`` a multiple of ``factor``). Every
    output is its phase's taps times its inputs, summed from the newest input to the oldest,
    whatever the rows' length: the same inputs give the same number, bit for bit.

    >>> [round(float(v), 2) for v in upsample(np.array([0.5, 1.0]), np.array([2.0, 4.0]), 2)]
    [1.0, 2.0, 2.0, 4.0]
    """
    reach = len(response) // factor  # inputs each output depends on
    table = rows.reshape(-1, rows.shape[-1])
    inputs = table.shape[1]
    outputs = inputs + reach - 1
    padded = np.zeros((len(table), inputs + 2 * (reach - 1)))
    padded[:, reach - 1 : reach - 1 + inputs] = table
    out = np.zeros((len(table), outputs, factor))
    # A few tens of thousands of outputs at a time, so each pass stays in the cache.
    if len(table) == 1:
        for start in range(0, outputs, CACHED_OUTPUTS):
            end = min(outputs, start + CACHED_OUTPUTS)
            _accumulate(response, padded[:, start : end + reach - 1], out[:, start:end], factor)
    else:
        group = max(1, CACHED_OUTPUTS // outputs)
        for first in range(0, len(table), group):
            rows_ = slice(first, first + group)
            _accumulate(response, padded[rows_], out[rows_], factor)
    return out.reshape(*rows.shape[:-1], outputs * factor)


def _accumulate(response: Floats, padded: Floats, out: Floats, factor: int) -> None:
    """out[..., q, p] += response[p + factor * j] * input[q - j], for j from 0 up."""
    reach = len(response) // factor
    outputs = out.shape[-2]
    for phase in range(factor):
        total = out[..., phase]
        for j in range(reach):
            start = reach - 1 - j
            total += response[phase + factor * j] * padded[..., start : start + outputs]
