"""The numpy meter against ffmpeg's ebur128 filter, an independent EBU R128 meter, on real
episodes: integrated loudness within ±0.1 LU, true peak within a few tenths of a dB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ebur128, make_project, run_build

from pipeline import tools
from pipeline.build import BuildResult, Project
from pipeline.loudness import Meter, measure_pcm
from pipeline.master import OUTPUT_RATE, measure_file


def numpy_meter(path: Path) -> Meter:
    chunks = tools.read_ffmpeg(
        "-i", str(path), "-ac", "1", "-ar", str(OUTPUT_RATE), "-f", "f32le", "pipe:1"
    )  # fmt: skip
    return measure_pcm(chunks, OUTPUT_RATE, "f32le")


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


def test_fake_voice_episode_meters_as_ffmpeg_does(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-loud.md": SCRIPT}, seed=False)
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed
    agree(project.episodes / "002-loud" / "002-loud.mp3")


@pytest.mark.slow
def test_real_voice_seed_episode_meters_as_ffmpeg_does(
    seed_build: tuple[Project, BuildResult, object],
) -> None:
    project, _, _ = seed_build
    agree(project.episodes / "001-invisible-walls" / "001-invisible-walls.mp3")


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
