"""The meter's numpy filters give scipy's numbers: the K-weighting run as a convolution
against the biquads themselves (sosfilt), the interpolator's design against firwin, and
the polyphase upsampling against upfirdn."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.signal import firwin, sosfilt, upfirdn  # type: ignore[import-untyped]

from pipeline.audio.filters import Convolver, impulse_response, lowpass, upsample
from pipeline.audio.loudness import INTERPOLATOR, OVERSAMPLING, k_response, k_weighting


@pytest.mark.parametrize("rate", [16000, 22050, 24000, 44100, 48000])
def test_k_weighting_by_convolution_is_the_biquads_output(rate: int) -> None:
    sections = np.array([np.concatenate((b, a)) for b, a in k_weighting(rate)])
    rng = np.random.default_rng(rate)
    signal = rng.standard_normal(rate * 4) * 0.3
    signal[rate : rate + 500] = 0.99  # a step: the slowest pole rings longest after it
    expected = sosfilt(sections, signal)
    convolve = Convolver(k_response(rate))
    cuts = [0, 1, 2, 1000, rate, rate + 7, 3 * rate, len(signal)]  # chunks of any size
    got = np.concatenate([convolve(signal[a:b]) for a, b in itertools.pairwise(cuts)])
    assert np.max(np.abs(got - expected)) < 1e-11
    whole = Convolver(k_response(rate))  # one chunk, many times its transform's length
    assert len(signal) > 3 * whole.block_size
    assert np.max(np.abs(whole(signal) - expected)) < 1e-11


def test_impulse_response_stops_where_it_has_died_away() -> None:
    response = impulse_response(k_weighting(44100))
    sections = np.array([np.concatenate((b, a)) for b, a in k_weighting(44100)])
    impulse = np.zeros(len(response) * 2)
    impulse[0] = 1.0
    full = sosfilt(sections, impulse)
    assert np.max(np.abs(full[: len(response)] - response)) < 1e-15
    assert np.max(np.abs(full[len(response) :])) < 1e-17 * np.max(np.abs(full))


@pytest.mark.parametrize(("taps", "cutoff"), [(48, 0.25), (31, 0.1), (64, 0.5)])
def test_lowpass_is_firwins_design(taps: int, cutoff: float) -> None:
    assert np.max(np.abs(lowpass(taps, cutoff) - firwin(taps, cutoff))) < 1e-15


def test_upsample_is_upfirdns() -> None:
    rng = np.random.default_rng(3)
    for length in (1, 2, 11, 12, 13, 500):
        run = rng.standard_normal(length)
        expected = upfirdn(INTERPOLATOR, run, OVERSAMPLING)
        got = upsample(INTERPOLATOR, run, OVERSAMPLING)
        assert got.shape == expected.shape and np.max(np.abs(got - expected)) < 1e-14
    rows = rng.standard_normal((7, 75))
    expected = upfirdn(INTERPOLATOR, rows, OVERSAMPLING, axis=1)
    assert np.max(np.abs(upsample(INTERPOLATOR, rows, OVERSAMPLING) - expected)) < 1e-14
