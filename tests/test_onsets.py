"""No utterance starts or ends with a step: measured on the decoded MP3, at every utterance.

A step is sound that leaves digital silence (below -60 dBFS for a millisecond) and passes
-25 dBFS within the next millisecond, or the same backwards at an utterance's end. Without
the fade in trim_silence the fake voice's tones measure about -10 dBFS there and Piper's
sibilants -13 to -25 dBFS; faded, both stay below -30 dBFS.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import make_project, run_build
from numpy.typing import NDArray

from pipeline.build.run import BuildResult
from pipeline.core import tools
from pipeline.core.model import Timeline

RATE = 44100
MS = RATE // 1000
SILENT_DBFS, STEP_DBFS = -60.0, -25.0


def decoded(path: Path) -> NDArray[np.float32]:
    """The MP3 as ffmpeg (not the pipeline) decodes it: mono floats at 44.1 kHz."""
    raw = tools.run(
        [tools.ffmpeg_path(), "-v", "error", "-i", str(path), "-map", "0:a", "-ac", "1",
         "-ar", str(RATE), "-f", "f32le", "-"],
    ).stdout  # fmt: skip
    return np.abs(np.frombuffer(raw, dtype="<f4"))


def peak_dbfs(samples: NDArray[np.float32], start: int, stop: int) -> float:
    part = samples[max(0, start) : max(0, stop)]
    return float(20 * np.log10(max(float(part.max()) if part.size else 0.0, 1e-9)))


def steps(mp3: Path, timeline: Timeline) -> list[tuple[str, float, float]]:
    """(utterance, time, dBFS reached) of every step within 10 ms of an utterance's edge."""
    audio = decoded(mp3)
    found = []
    for block in timeline.blocks:
        for sentence in block.sentences:
            for utterance in sentence.utterances:
                for edge, rising in ((utterance.start, True), (utterance.end, False)):
                    centre = round(edge * RATE)
                    for at in range(centre - 10 * MS, centre + 10 * MS, MS // 4):
                        before = peak_dbfs(audio, at - MS, at)
                        after = peak_dbfs(audio, at, at + MS)
                        quiet, loud = (before, after) if rising else (after, before)
                        if quiet < SILENT_DBFS and loud > STEP_DBFS:
                            found.append((utterance.text, at / RATE, round(loud, 1)))
    return found


@pytest.fixture(scope="module")
def faked(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    project = make_project(tmp_path_factory.mktemp("onsets"))
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed
    return result


def test_no_utterance_starts_or_ends_with_a_step(faked: BuildResult) -> None:
    built = faked.built[0]
    count = sum(len(s.utterances) for b in built.timeline.blocks for s in b.sentences)
    assert count > 30
    assert steps(built.files.mp3, built.timeline) == []


def test_the_check_finds_a_step(faked: BuildResult, tmp_path: Path) -> None:
    """The check can fail: an MP3 with the fade taken off one tone's start has a step."""
    built = faked.built[0]
    first = built.timeline.blocks[0].sentences[0].utterances[0]
    start = round(first.start * RATE)
    sharp = np.frombuffer(
        tools.run(
            [tools.ffmpeg_path(), "-v", "error", "-i", str(built.files.mp3), "-ac", "1",
             "-f", "f32le", "-"],
        ).stdout,
        dtype="<f4",
    ).copy()  # fmt: skip
    sharp[start - 2 * MS : start] = 0.0
    tone = 0.3 * np.sin(2 * np.pi * 300 / RATE * np.arange(20 * MS))
    sharp[start : start + 20 * MS] = tone  # -10 dBFS within a millisecond, as the fake voice
    raw = tmp_path / "sharp.f32"
    raw.write_bytes(sharp.astype("<f4").tobytes())
    mp3 = tmp_path / "sharp.mp3"
    subprocess.run(
        [tools.ffmpeg_path(), "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "1",
         "-i", str(raw), "-c:a", "libmp3lame", "-b:a", "96k", str(mp3)],
        check=True,
    )  # fmt: skip
    assert [text for text, _, _ in steps(mp3, built.timeline)][:1] == [first.text]


@pytest.mark.slow
def test_the_real_voice_has_no_step(seed_build: tuple[object, BuildResult, object]) -> None:
    """Piper starts some sibilants at full strength: after the fade none is a step."""
    _, result, _ = seed_build
    built = result.built[0]
    assert steps(built.files.mp3, built.timeline) == []
