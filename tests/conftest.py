"""Shared fixtures: projects laid out like a producer's, built by the real pipeline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.build.run import BuildResult, build
from pipeline.build.task import Options, Project
from pipeline.core import tools
from pipeline.core.reporter import Reporter

# Each test's project makes its own optimized voice, as a machine's first project does: a
# copy shared from another test would hide what the tests of that copy look for (the tests
# of sharing set a folder of their own).
os.environ["ESSAYCAST_SHARED_VOICES"] = ""

REPO = Path(__file__).resolve().parent.parent
SEED_SCRIPT = REPO / "scripts" / "001-invisible-walls.txt"


def make_project(root: Path, scripts: dict[str, str] | None = None, seed: bool = True) -> Project:
    """A project folder with the repo's show.toml, the seed script and any extra scripts."""
    (root / "scripts").mkdir(parents=True)
    (root / "feed").mkdir()
    shutil.copy(REPO / "feed" / "show.toml", root / "feed" / "show.toml")
    if seed:
        shutil.copy(SEED_SCRIPT, root / "scripts" / SEED_SCRIPT.name)
    for name, text in (scripts or {}).items():
        (root / "scripts" / name).write_text(text, encoding="utf-8")
    return Project(root)


def copy_project(project: Project, folder: Path) -> Project:
    """A copy of a built project for one test to change: much cheaper than building again
    (keys are of contents, so the copy is as up to date as the original)."""
    shutil.copytree(project.root, folder, symlinks=True)
    return Project(folder)


class Log:
    """A Reporter's stream, kept for assertions."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


BuildFn = Callable[..., tuple[BuildResult, Log]]


def run_build(project: Project, **options: object) -> tuple[BuildResult, Log]:
    log = Log()
    result = build(project, Options(**options), Reporter(log))  # type: ignore[arg-type]
    return result, log


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, BuildResult, Log]:
    """The seed episode, built once with the real voice, for every test that reads it."""
    project = make_project(tmp_path_factory.mktemp("seed"))
    result, log = run_build(project, jobs=2)
    assert not result.failed, result.failed
    return project, result, log


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run essaycast as a producer would, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def ebur128(path: Path) -> tuple[float, float, float]:
    """(integrated LUFS, loudness range LU, true peak dBTP) by ffmpeg's own EBU R128 meter:
    the independent reference every loudness test measures against."""
    log = tools.ffmpeg(
        "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-",
    ).stderr.decode()  # fmt: skip
    summary = log[log.rindex("Summary:") :]
    loudness = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    spread = re.search(r"LRA:\s+([\d.]+) LU", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)
    assert loudness and spread and peak, summary
    return float(loudness[1]), float(spread[1]), float(peak[1])


def one_line_failure(done: subprocess.CompletedProcess[str]) -> str:
    """The single `error:` line a failed command printed (and nothing else, no traceback)."""
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture(scope="session")
def google_mp3(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real MP3 like Google's TTS answers: 24 kHz mono, 32 kbps, half a second of a tone."""
    out = tmp_path_factory.mktemp("gtts") / "tone.mp3"
    tools.ffmpeg(
        "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=0.5",
        "-ac", "1", "-ar", "24000", "-b:a", "32k", str(out),
    )  # fmt: skip
    return out.read_bytes()


# Ordinary words no cleaning rule has a reason to drop: none is page chrome, a number, an
# abbreviation or a web address, so each must be heard exactly as often as it is written.
PLAIN_WORDS = [
    "lantern",
    "harbor",
    "meadow",
    "copper",
    "willow",
    "orchard",
    "velvet",
    "river",
    "amber",
    "falcon",
    "granite",
    "thistle",
    "quiet",
    "morning",
    "letters",
    "bridge",
    "winter",
    "garden",
    "stone",
    "window",
    "slowly",
    "gathered",
    "kept",
    "wandered",
    "beside",
    "under",
    "across",
    "toward",
    "neighbours",
    "kitchen",
    "ladder",
]
