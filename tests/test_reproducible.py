"""Reproducible builds: the same scripts give the same bytes, in any folder, with any --jobs
or executor, at any time. The real voice included: its noise is seeded by each utterance's
cache key (pipeline/speech/engines/seeded.py)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import cli, make_project, run_build
from test_publish import set_publish

from pipeline.books.epub import ZIP_TIME
from pipeline.build.task import Project
from pipeline.delivery.site_files import site_files
from pipeline.settings.config import load_show

# Dated, so nothing in the build may take today's date: a script without one is given the
# day of its first build, recorded in scripts/.essaycast.toml (the one date allowed).
SHORT = """---
title: Walls Again
date: 2026-01-05
author: A. Writer
---

# Opening

The walls we cannot see are the ones that hold us longest.

## After

Thirty-five percent of readers agree, said Doctor Alvarez. It took 3 years!
"""

SECOND = """---
title: A Second Look
date: 2026-02-09
---

Plain text this time, with one paragraph and a question? Yes.
"""


def site(project: Project) -> dict[str, bytes]:
    """Every file `publish` would upload, by its key, with its bytes."""
    show = load_show(project.show_toml)
    return {f.key: f.path.read_bytes() for f in site_files(project.root, show, folder_pages=False)}


def cached_audio(project: Project) -> dict[str, bytes]:
    audio = project.root / ".cache" / "audio"
    return {p.name: p.read_bytes() for p in audio.rglob("*.pcm")}


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def wall_clock_in(files: dict[str, bytes]) -> list[str]:
    """Files that hold today's date, looked for in every member of an EPUB too."""
    today = dt.date.today().isoformat().encode()
    found = []
    for key, data in files.items():
        parts = [data]
        if key.endswith(".epub"):
            with zipfile.ZipFile(io.BytesIO(data)) as book:
                parts += [book.read(name) for name in book.namelist()]
        if any(today in part for part in parts):
            found.append(key)
    return found


def test_two_cold_builds_in_different_folders_are_byte_identical(tmp_path: Path) -> None:
    scripts = {"002-walls-again.md": SHORT, "003-second-look.txt": SECOND}
    first = make_project(tmp_path / "one", scripts, seed=False)
    second = make_project(tmp_path / "elsewhere" / "two", scripts, seed=False)
    result, _ = run_build(first, engine="fake", jobs=1)
    assert not result.failed
    result, _ = run_build(second, engine="fake", jobs=2)
    assert not result.failed
    one, two = site(first), site(second)
    assert {"feed/feed.xml", "episodes/002-walls-again/002-walls-again.epub"} <= one.keys()
    assert any(k.endswith(".m4b") for k in one) and any(k.endswith(".mp3") for k in one)
    assert differing(one, two) == []
    assert wall_clock_in(one) == []
    with zipfile.ZipFile(first.root / "episodes/002-walls-again/002-walls-again.epub") as book:
        opf = book.read("EPUB/package.opf").decode()
        assert "2026-01-05T00:00:00Z" in opf  # dcterms:modified: the episode's date
        assert {info.date_time for info in book.infolist()} == {ZIP_TIME}  # a fixed time


def test_a_cleaned_cache_uploads_nothing_again(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"002-walls-again.md": SHORT}, seed=False)
    www = tmp_path / "www"
    www.mkdir()
    set_publish(project, base_url="http://127.0.0.1:8000", target=www.as_uri())
    assert not run_build(project, engine="fake", jobs=2)[0].failed
    assert cli(project.root, "publish").returncode == 0
    for made in ("episodes", ".cache"):
        shutil.rmtree(project.root / made)
    for made in project.root.joinpath("feed").iterdir():
        if made.name != "show.toml":
            made.unlink()
    assert not run_build(project, engine="fake", jobs=1)[0].failed
    again = cli(project.root, "publish")
    assert again.returncode == 0, again.stderr
    assert "nothing to upload" in again.stdout


SAY_TWICE = """
import hashlib, sys
from pathlib import Path
from pipeline.speech.engines import VoiceChoice, load_engine
engine = load_engine(VoiceChoice("piper", "en_US-joe-medium", "en", workspace=Path(sys.argv[1])))
for seed in ("", "5eed"):
    print(hashlib.sha256(engine.synthesize(sys.argv[2], seed=seed).pcm).hexdigest())
"""


@pytest.mark.slow
def test_the_real_voice_gives_the_same_samples_in_separate_processes(tmp_path: Path) -> None:
    text = "Doctor Alvarez kept the walls. Did she? Thirty-five percent say so."

    def run(workspace: Path) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", SAY_TWICE, str(workspace), text],
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        return done.stdout.split()

    first = run(tmp_path / "a")  # makes the seeded, optimized copy of the model
    again = run(tmp_path / "a")  # loads that copy
    other = run(tmp_path / "b")
    assert first == again == other
    assert len(set(first)) == 2  # another seed, other noise: the seed is used


@pytest.mark.slow
def test_a_short_noise_guess_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """How much noise a sentence needs is known only inside the graph: a guess too short
    is doubled until it is enough, and the sound does not depend on the guess. After the
    first sentence, each input is offered about what it used (the durations' noise a few
    values a phoneme, not the latent's share)."""
    from pipeline.speech.engines import VoiceChoice, load_engine, seeded

    choice = VoiceChoice("piper", "en_US-joe-medium", "en", workspace=tmp_path)
    engine = load_engine(choice)
    text = "The walls we cannot see are the ones that hold us longest."
    generous = engine.synthesize(text, seed="ab12")
    noise = engine._noise
    assert noise is not None and all(noise.per_id)
    first, learned = seeded.FIRST_GUESS * (50 + 16), noise.lengths(50)
    assert min(learned) < first / 100 and sum(learned) < first / 2, learned
    noise.per_id = [rate / 5 for rate in noise.per_id]  # too little: doubled until enough
    assert engine.synthesize(text, seed="ab12") == generous
    monkeypatch.setattr(seeded, "FIRST_GUESS", 4)
    assert load_engine(choice).synthesize(text, seed="ab12") == generous


@pytest.mark.slow
def test_real_voice_builds_match_whatever_the_jobs_or_executor(tmp_path: Path) -> None:
    """Cold builds with --jobs 1, --jobs 2 and --cluster local:2, each in its own folder."""
    scripts = {"002-walls-again.md": SHORT}
    runs = {
        "jobs1": {"jobs": 1},
        "jobs2": {"jobs": 2},
        "cluster": {"cluster": "local:2"},
    }
    sites, audio = {}, {}
    for name, options in runs.items():
        project = make_project(tmp_path / name, scripts, seed=False)
        result, _ = run_build(project, **options)
        assert not result.failed, result.failed
        sites[name], audio[name] = site(project), cached_audio(project)
    assert len(audio["jobs1"]) >= 5
    for name in ("jobs2", "cluster"):
        assert differing(audio["jobs1"], audio[name]) == [], name
        assert differing(sites["jobs1"], sites[name]) == [], name
    assert wall_clock_in(sites["jobs1"]) == []
