"""The numpy meter against ffmpeg's ebur128 filter, an independent EBU R128 meter, on real
episodes: integrated loudness within ±0.1 LU, true peak within a few tenths of a dB. And
its true-peak search, which oversamples only what could beat the peak so far, against
oversampling everything: the same peak and the same sample, on speech and on any signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ebur128, make_project, run_build
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.audio.layout import OUTPUT_RATE
from pipeline.audio.loudness import (
    INTERPOLATOR,
    OVERSAMPLING,
    PEAK_BLOCK,
    Floats,
    Meter,
    _oversampled_peak,
    _oversampled_peak_above,
    measure_pcm,
)
from pipeline.audio.master import measure_file
from pipeline.build.run import BuildResult
from pipeline.build.task import Project
from pipeline.core import tools


def decoded(path: Path) -> bytes:
    return b"".join(
        tools.read_ffmpeg(
            "-i", str(path), "-ac", "1", "-ar", str(OUTPUT_RATE), "-f", "f32le", "pipe:1"
        )
    )  # fmt: skip


def numpy_meter(path: Path) -> Meter:
    return measure_pcm([decoded(path)], OUTPUT_RATE, "f32le")


def agree(path: Path) -> None:
    reference, _, reference_peak = ebur128(path)
    meter = numpy_meter(path)
    assert meter.integrated() == pytest.approx(reference, abs=0.1)
    assert measure_file(path) == pytest.approx(reference, abs=0.1)
    assert meter.true_peak_dbtp() == pytest.approx(reference_peak, abs=0.3)


SCRIPT = """---
title: Loud and Quiet
date: 2026-12-01
summary: For the meter.
---
A first paragraph, spoken at the voice's own level. It has two sentences.

Quiet

Then a second chapter, after a heading and a pause, with one more sentence in it.
"""


@pytest.fixture(scope="module")
def fake_episode(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fake-voice episode, built once: mastered, limited and encoded like a real one."""
    project = make_project(tmp_path_factory.mktemp("loud"), {"002-loud.md": SCRIPT}, seed=False)
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed
    return project.episodes / "002-loud" / "002-loud.mp3"


def test_fake_voice_episode_meters_as_ffmpeg_does(fake_episode: Path) -> None:
    agree(fake_episode)


@pytest.mark.slow
def test_real_voice_seed_episode_meters_as_ffmpeg_does(
    seed_build: tuple[Project, BuildResult, object],
) -> None:
    project, _, _ = seed_build
    agree(project.episodes / "001-invisible-walls" / "001-invisible-walls.mp3")


# ------------------------------------------------------------------ the true-peak search


class FullMeter(Meter):
    """The meter as it was: every sample oversampled, the reference for the fast search."""

    @staticmethod
    def _peak_search(run: Floats, skip: int, floor: float) -> tuple[float, int]:
        return _oversampled_peak(run, skip)


def peaks(samples: Floats, cuts: list[int]) -> list[tuple[float, int]]:
    """(peak, peak_sample) by the meter and by the full search, fed the same chunks."""
    found = []
    for meter in (Meter(OUTPUT_RATE), FullMeter(OUTPUT_RATE)):
        for start, end in zip([0, *cuts], [*cuts, len(samples)], strict=True):
            meter.add(samples[start:end])
        found.append((meter.peak, meter.peak_sample))
    return found


def same_peak_as_full_search(path: Path) -> None:
    samples = np.frombuffer(decoded(path), dtype="<f4").astype(np.float64)
    # measure_pcm's 5 s batches, then chunks cut at odd places, some shorter than a block
    # or the interpolator's context.
    fast, full = peaks(samples, list(range(OUTPUT_RATE * 5, len(samples), OUTPUT_RATE * 5)))
    assert fast == full
    assert full[0] > 0.1  # something to find
    odd = np.cumsum(np.resize([1, 5, 11, 12, 13, PEAK_BLOCK + 1, 4099, 30011, 7], 400))
    fast, full = peaks(samples, [int(cut) for cut in odd if cut < len(samples)])
    assert fast == full


def test_true_peak_search_matches_the_full_search_on_a_fake_voice_episode(
    fake_episode: Path,
) -> None:
    same_peak_as_full_search(fake_episode)


@pytest.mark.slow
def test_true_peak_search_matches_the_full_search_on_real_speech(
    seed_build: tuple[Project, BuildResult, object],
) -> None:
    project, _, _ = seed_build
    same_peak_as_full_search(project.episodes / "001-invisible-walls" / "001-invisible-walls.mp3")


SEGMENT = st.tuples(
    st.sampled_from(["silence", "noise", "tone", "click", "flat", "extreme"]),
    st.integers(1, 700),  # length
    st.floats(1e-4, 1.0),  # level
    st.integers(0, 2**16),  # seed
)


def signal(segments: list[tuple[str, int, float, int]]) -> Floats:
    """Speech-like pieces: quiet and loud noise, tones, lone clicks, flat runs whose equal
    outputs tie (the first of equal peaks must be the one reported), and runs whose signs
    follow one phase of the interpolator, so that its outputs reach the search's bound."""
    parts = []
    for kind, length, level, seed in segments:
        rng = np.random.default_rng(seed)
        if kind == "silence":
            parts.append(np.zeros(length))
        elif kind == "noise":
            parts.append(np.clip(rng.standard_normal(length) * level, -1, 1))
        elif kind == "tone":
            parts.append(level * np.sin(np.arange(length) * rng.uniform(0.05, 3.1)))
        elif kind == "click":
            parts.append(np.zeros(length))
            parts[-1][rng.integers(length)] = level * rng.choice([-1.0, 1.0])
        elif kind == "flat":
            parts.append(np.full(length, level))
        else:
            phase = INTERPOLATOR[rng.integers(OVERSAMPLING) :: OVERSAMPLING][::-1]
            parts.append(np.resize(level * np.sign(phase), length))
    return np.concatenate(parts)


@settings(max_examples=300, deadline=None)
@given(
    segments=st.lists(SEGMENT, min_size=1, max_size=8),
    cuts=st.lists(st.integers(1, 6000), max_size=12),
)
def test_true_peak_search_matches_the_full_search_on_any_signal(
    segments: list[tuple[str, int, float, int]], cuts: list[int]
) -> None:
    samples = signal(segments)
    fast, full = peaks(samples, sorted({cut for cut in cuts if cut < len(samples)}))
    assert fast == full


@settings(max_examples=300, deadline=None)
@given(
    segments=st.lists(SEGMENT, min_size=1, max_size=8),
    context=st.integers(0, 12),
    floor=st.floats(0.0, 2.0),
)
def test_true_peak_search_skips_only_what_cannot_reach_the_floor(
    segments: list[tuple[str, int, float, int]], context: int, floor: float
) -> None:
    run = signal(segments)
    skip = min(context, len(run) - 1) * 4
    full = _oversampled_peak(run, skip)
    fast = _oversampled_peak_above(run, skip, floor)
    if full[0] >= floor:
        assert fast == full
    else:
        assert fast[0] < floor


def test_quiet_and_loud_passages_are_gated_as_ffmpeg_gates_them(tmp_path: Path) -> None:
    """Speech-like bursts at three levels and long near-silences: the gates decide."""
    rate = 44100
    rng = np.random.default_rng(1)
    parts = []
    for level in (0.1, 0.01, 0.001, 0.03):
        burst = rng.standard_normal(rate * 3) * level * np.hanning(rate * 3)
        parts += [burst, np.zeros(rate * 2) + 1e-5]
    signal = np.concatenate(parts).astype("<f4")
    wav = tmp_path / "gated.wav"
    tools.ffmpeg(
        "-loglevel", "error", "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        str(wav), input=signal.tobytes(),
    )  # fmt: skip
    agree(wav)


HEADINGS = """---
title: Headings on headings
---

The first part of this page has a paragraph of its own, long enough to be measured.
It goes on for a few sentences, as paragraphs do, before the headings begin.

## Setup

### Needs

#### OS

##### Go

The last heading has a paragraph under it, long enough to be measured on its own.
It says what to install, and then it says how, in a few more sentences than that.
"""


@pytest.mark.parametrize("engine", ["fake", pytest.param("piper", marks=pytest.mark.slow)])
def test_chapters_that_are_a_heading_alone_build_and_the_episode_lands(
    tmp_path: Path, engine: str
) -> None:
    """Headings right after headings are chapters of one word: no drive brings a word and
    its pauses to the target, so they are driven as every chapter is and only their true
    peak is held; the episode still lands on the target."""
    project = make_project(tmp_path / "p", {"002-headings.md": HEADINGS}, seed=False)
    result, _ = run_build(project, engine=engine, jobs=1)
    assert not result.failed, result.failed
    (built,) = result.built
    assert built.chapter_titles[1:5] == ("Setup", "Needs", "OS", "Go")
    loudness, _, peak = ebur128(built.files.mp3)
    assert abs(loudness - -16.0) <= 0.5 and peak <= -1.0
