"""Validation before work, and writes that fail: one line per problem, naming the file,
no traceback, and nothing built or half-written."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import cli, make_project, run_build

from pipeline.audio import mp3frames

GOOD = """---
title: A Good Essay
date: 2026-12-01
summary: Fine.
---
A short paragraph, read aloud. Then another sentence.
"""

BAD_DATE = """---
title: A Bad Date
date: 2026-13-45
summary: Not fine.
---
Never read.
"""

BUILD = ("build", "--engine", "fake", "--jobs", "1")


def files_under(root: Path) -> dict[str, bytes]:
    """Every file but the build lock's (.cache/build.lock is taken before show.toml is read)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name != "build.lock"
    }


def failure_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    # Besides errors, a build prints the script it is on and its progress: no other lines.
    noise = (": synthesizing: ", ".md:")
    assert all(line.startswith("error: ") or any(n in line for n in noise) for line in lines)
    return [line for line in lines if line.startswith("error: ")]


def test_every_show_problem_is_one_line_and_nothing_is_built(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-good.md": GOOD}, seed=False)
    toml = project.show_toml.read_text(encoding="utf-8")
    toml = toml.replace('category = "Arts"', 'category = "Cooking"')
    toml = toml.replace('type = "episodic"', 'type = "episodic"\nmedium = "radio"')
    toml = toml.replace('email = "podcast@example.com"', 'email = "nobody"')
    toml = toml.replace('base_url = "http://127.0.0.1:8000"', 'base_url = "https://a b.example"')
    toml = toml.replace("port = 8000", "port = 70000")
    project.show_toml.write_text(toml, encoding="utf-8")
    before = files_under(project.root)
    lines = failure_lines(cli(project.root, *BUILD, "--quiet"))
    prefix = f"error: {project.show_toml}: "
    assert all(line.startswith(prefix) for line in lines), lines
    problems = [line.removeprefix(prefix) for line in lines]
    assert [p.split(" ")[:2] for p in problems] == [
        ["[show]", "category"],
        ["[show]", "medium"],
        ["[owner]", "email"],
        ["'base_url'", "must"],
        ["[publish]", "port"],
    ], problems
    assert "use one of: Arts, Business" in problems[0]
    assert files_under(project.root) == before
    assert not (project.root / "episodes").exists()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('subcategory = "Books"', 'subcategory = "Comedy"', "subcategory 'Comedy'"),
        ('language = "en"', 'language = "english please"', "language 'english please'"),
        ('title = "Essaycast"', 'title = "  "', "title must not be empty"),
    ],
)
def test_each_show_problem_is_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    project = make_project(tmp_path, {"002-good.md": GOOD}, seed=False)
    toml = project.show_toml.read_text(encoding="utf-8")
    assert old in toml
    project.show_toml.write_text(toml.replace(old, new, 1), encoding="utf-8")
    (line,) = failure_lines(cli(project.root, *BUILD, "--quiet"))
    assert line.startswith(f"error: {project.show_toml}: ") and expected in line, line
    assert not (project.root / "episodes").exists()


def test_a_bad_base_url_option_is_one_line_before_any_work(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-good.md": GOOD}, seed=False)
    (line,) = failure_lines(cli(project.root, *BUILD, "--base-url", "pod.example.com"))
    assert line == (
        "error: '--base-url' must be an http:// or https:// URL with a host, not 'pod.example.com'"
    )
    assert not (project.root / "episodes").exists()


FAKE_VOICE = GOOD.replace("summary: Fine.", "summary: Fine.\nengine: fake")
BAD_VOICE = GOOD.replace("summary: Fine.", "summary: No.\nengine: piper\nvoice: en_US-nobody")


def test_every_script_is_checked_before_any_is_built(tmp_path: Path) -> None:
    """Bad scripts sorted after a good one are reported before the good one is worked on:
    front matter that does not parse, and a voice the engine does not have."""
    scripts = {"002-good.md": FAKE_VOICE, "003-bad.md": BAD_DATE, "004-voice.md": BAD_VOICE}
    project = make_project(tmp_path, scripts, seed=False)
    result, log = run_build(project, jobs=1)
    assert sorted(path.name for path, _ in result.failed) == ["003-bad.md", "004-voice.md"]
    assert len(result.built) == 1
    errors = [i for i, line in enumerate(log.lines) if line.startswith("error: ")]
    header = log.lines.index(f"{project.scripts / '002-good.md'}:")
    assert len(errors) == 2 and max(errors) < header, log.text
    assert "003-bad.md" in log.lines[errors[0]] and "date" in log.lines[errors[0]]
    assert "004-voice.md" in log.lines[errors[1]] and "en_US-nobody" in log.lines[errors[1]]
    assert not (project.episodes / "003-bad").exists()
    assert not (project.episodes / "004-voice").exists()


# ---------------------------------------------------------------- writes that fail


@contextlib.contextmanager
def mounted(folder: Path, options: str) -> Iterator[None]:
    """A tmpfs at ``folder`` (root only); unmounted whatever happens."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): needs root")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.part") if p.is_file()]


def test_a_read_only_episodes_folder_is_one_line_naming_the_path(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-good.md": GOOD}, seed=False)
    episodes = project.root / "episodes"
    if os.geteuid() == 0:  # root ignores permissions: a read-only mount it cannot ignore
        context: contextlib.AbstractContextManager[None] = mounted(episodes, "ro,size=1m")
    else:
        episodes.mkdir()
        episodes.chmod(0o555)
        context = contextlib.nullcontext()
    with context:
        (line,) = failure_lines(cli(project.root, *BUILD, "--quiet"))
    assert line.startswith(f"error: cannot write {episodes / '002-good'}"), line
    assert "read-only" in line.lower() or "permission" in line.lower(), line
    assert not (project.feed / "feed.xml").exists()
    assert leftovers(project.root) == []


@pytest.mark.parametrize(
    ("size", "where"),
    # The second disk holds the first episode whole (MP3, talking book, report) and the
    # second's audio cache, but not the second's chapter encodes: ffmpeg, which writes
    # them, fails, and the line names the encode that did not fit.
    [("320k", ".cache/audio/"), ("2800k", ".cache/segments/")],
    ids=["full-while-synthesizing", "full-while-encoding"],
)
def test_a_full_disk_is_one_line_naming_the_path_and_leaves_nothing_half_written(
    tmp_path: Path, size: str, where: str
) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root")
    root = tmp_path / "tiny"
    with mounted(root, f"size={size}"):
        project = make_project(root, {"002-good.md": GOOD * 1}, seed=False)
        long = GOOD.replace(
            "A short paragraph", "A paragraph long enough to fill a small disk. " * 40
        )
        (project.scripts / "003-long.md").write_text(long, encoding="utf-8")
        done = cli(project.root, *BUILD, "--quiet")
        (line,) = failure_lines(done)
        assert line.startswith(f"error: cannot write {root / where}"), line
        assert "No space left on device" in line
        assert "free some disk space" in line
        assert leftovers(project.root) == []
        for mp3 in project.episodes.rglob("*.mp3"):  # any MP3 there is whole: it has its tag
            assert mp3.read_bytes()[:3] == b"ID3"
        for chapter in (project.root / ".cache" / "segments").rglob("*.mp3"):
            encoded = mp3frames.split(chapter.read_bytes())  # whole frames, or it raises
            assert mp3frames.music_crc(encoded.info) == mp3frames.crc16(encoded.frames)


FULL_FFMPEG = """#!{python}
import sys
sys.stderr.write("[out#0/ipod] Error writing trailer: No space left on device\\n")
sys.exit(228)
"""


def test_a_disk_full_while_ffmpeg_writes_the_audiobook_names_the_audiobook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ffmpeg writes the M4B itself: its own 'No space left on device' is the one line that
    names the audiobook and says to free space, and no part of it is left."""
    import sys

    from pipeline.audio.m4b import write_m4b
    from pipeline.core import tools
    from pipeline.core.errors import OutputError

    full = tmp_path / "ffmpeg"
    full.write_text(FULL_FFMPEG.format(python=sys.executable))
    full.chmod(0o755)
    monkeypatch.setenv(tools.FFMPEG_VARIABLE, str(full))
    tools.ffmpeg_path.cache_clear()
    out = tmp_path / "book" / "001.m4b"
    try:
        with pytest.raises(OutputError) as raised:
            write_m4b(tmp_path / "a.aac", out, {"title": "T"}, [], 1.0, tmp_path / "c.jpg", 44100)
    finally:
        monkeypatch.delenv(tools.FFMPEG_VARIABLE)
        tools.ffmpeg_path.cache_clear()
    assert str(raised.value).startswith(f"cannot write {out}: No space left on device")
    assert "free some disk space" in str(raised.value)
    assert not out.exists() and list(out.parent.iterdir()) == []


def test_a_read_only_project_is_one_line_before_anything_else(tmp_path: Path) -> None:
    """Even the build lock cannot be taken: the CLI's last resort names the folder."""
    project = make_project(tmp_path / "project", {"002-good.md": GOOD}, seed=False)
    root = project.root
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root (and chmod does not bind root)")
    if subprocess.run(["mount", "--bind", str(root), str(root)], check=False).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        done = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(root)], capture_output=True, check=False
        )
        if done.returncode != 0:
            pytest.skip("cannot remount read-only here")
        (line,) = failure_lines(cli(root, *BUILD, "--quiet"))
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)
    assert line.startswith(f"error: cannot write {root / '.cache'}: Read-only file system"), line
    assert not (root / ".cache").exists() and not (root / "episodes").exists()
