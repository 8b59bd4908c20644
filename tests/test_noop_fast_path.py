"""`essaycast build` with nothing to do stops after the whole-build check, before the
stages' modules are imported, and prints what the normal no-op prints. After every kind of
change the next build takes the normal path, and makes what a build without the record
makes. Builds use the deterministic fake voice; each runs in its own process, as a producer's
would, and says whether the build's modules were imported (not timed: `make bench` times it)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import copy_project, make_project

from pipeline.build import quick
from pipeline.build.task import Project

pytestmark = pytest.mark.slow

PROBE = """
import json, sys
from pipeline.cli import main
code = main(sys.argv[1:])
heavy = ("pipeline.build.run", "pipeline.build.stages", "markdown_it", "jinja2", "yaml")
print(json.dumps({"imported": [name for name in heavy if name in sys.modules]}))
sys.exit(code)
"""
BUILD = ("build", "--engine", "fake", "--jobs", "1")


class Built:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        assert done.returncode == 0, done.stderr
        self.imported = json.loads(done.stdout.splitlines()[-1])["imported"]
        self.fast = not self.imported
        # The seconds aside, what the producer reads.
        self.printed = re.sub(r"in \d+\.\d+s$", "in Ns", done.stderr.rstrip(), flags=re.M)


def build(root: Path, *extra: str, env: dict[str, str] | None = None) -> Built:
    return Built(
        subprocess.run(
            [sys.executable, "-c", PROBE, "--root", str(root), *BUILD, *extra],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
        )
    )


def outputs(root: Path) -> dict[str, str]:
    """Every file a build writes, by its SHA-256."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in ("episodes", "feed", "scripts")
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = make_project(tmp_path_factory.mktemp("fast") / "project")
    assert not build(project.root).fast
    return project


def test_a_noop_stops_before_the_stages_are_imported_and_prints_what_a_noop_prints(
    built: Project, tmp_path: Path
) -> None:
    project = copy_project(built, tmp_path / "p")
    normal = build(project.root)  # another folder: the record is not for it
    assert "pipeline.build.run" in normal.imported and "markdown_it" in normal.imported
    assert "0 utterance(s) synthesized" in normal.printed
    fast = build(project.root)
    assert fast.fast, fast.imported
    assert fast.printed == normal.printed
    quiet = build(project.root, "--quiet")
    assert quiet.fast
    (project.root / quick.RECORD).unlink()
    assert build(project.root, "--quiet").printed == quiet.printed

    # --timings is written as by any build: the keys bench reads, each stage skipped (0 s).
    timings = tmp_path / "t.json"
    assert build(project.root, "--timings", str(timings)).fast
    seconds = json.loads(timings.read_text(encoding="utf-8"))
    assert seconds["synthesized"] == 0 and seconds["total"] >= 0
    assert seconds["synthesize"] == 0.0 and "master_and_tag" in seconds

    # --explain always builds, so that it can explain; the build after it records again.
    assert not build(project.root, "--explain").fast
    assert not build(project.root).fast
    assert build(project.root).fast


def test_a_build_that_did_work_records_what_the_next_noop_prints(
    built: Project, tmp_path: Path
) -> None:
    project = copy_project(built, tmp_path / "p")
    script = project.scripts / "001-invisible-walls.txt"
    script.write_text(script.read_text(encoding="utf-8") + "\nOne sentence more.\n", "utf-8")
    edited = build(project.root)
    assert not edited.fast and "0 utterance(s)" not in edited.printed
    fast = build(project.root)
    assert fast.fast
    (project.root / quick.RECORD).unlink()
    assert build(project.root).printed == fast.printed


def add_script(root: Path) -> None:
    (root / "scripts" / "002-doors.md").write_text(
        "---\ntitle: Doors\ndate: 2024-05-01\n---\n\nA door opens. That is all a door does.\n",
        encoding="utf-8",
    )


def png(path: Path, colour: tuple[int, int, int]) -> None:
    from PIL import Image

    Image.new("RGB", (1400, 1400), colour).save(path)


def own_artwork(root: Path) -> None:
    png(root / "feed" / "cover.png", (200, 30, 30))
    edit("feed/show.toml", lambda text: text.replace("# artwork = ", "artwork = "))(root)
    edit("feed/show.toml", lambda text: text.replace("artwork-source.jpg", "cover.png"))(root)


def lexicon(say: str) -> Callable[[Path], None]:
    def write(root: Path) -> None:
        entry = f'"men" = {{ say = "{say}" }}\n'
        (root / "feed" / "lexicon.toml").write_text(entry, encoding="utf-8")

    return write


def edit(name: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / name
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    return apply


SCRIPT = "scripts/001-invisible-walls.txt"
CHANGES: dict[str, Callable[[Path], None]] = {
    "a script edited": edit(SCRIPT, lambda text: text + "\nA last sentence here.\n"),
    "a script added": add_script,
    "a script removed": lambda root: (root / SCRIPT).unlink(),
    "a script renamed": lambda root: (root / SCRIPT).rename(root / "scripts/001-walls.txt"),
    "show.toml changed": edit(
        "feed/show.toml", lambda text: text.replace('title = "Essaycast"', 'title = "Walls"')
    ),
    "a lexicon added": lexicon("gentlemen"),
    "a lexicon changed": lexicon("folks"),
    "the artwork changed": lambda root: png(root / "feed" / "cover.png", (20, 30, 200)),
    "an output deleted": lambda root: (root / "episodes/001-invisible-walls/index.html").unlink(),
    "an output edited": edit("feed/feed.xml", lambda text: text.replace("<title>", "<title>X")),
    "the hidden records edited": lambda root: (root / "scripts" / ".essaycast.toml").write_text(
        "", encoding="utf-8"
    ),
}
BEFORE: dict[str, Callable[[Path], None]] = {  # set up in the copy, then recorded
    "a script removed": add_script,  # one script stays: a project with none is an error
    "a lexicon changed": lexicon("people"),
    "the artwork changed": own_artwork,
}


def same_as_without_the_record(root: Path, after_change: Built) -> None:
    """What the build after the change made is what a build without the record makes."""
    made = outputs(root)
    (root / quick.RECORD).unlink()
    again = build(root)
    assert not again.fast
    assert outputs(root) == made
    assert "0 utterance(s) synthesized" in again.printed
    assert build(root).fast  # and that build recorded a no-op again


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_after_each_kind_of_change_the_normal_path_runs(
    kind: str, built: Project, tmp_path: Path
) -> None:
    project = copy_project(built, tmp_path / "p")
    if kind in BEFORE:
        BEFORE[kind](project.root)
    build(project.root)
    assert build(project.root).fast, kind
    CHANGES[kind](project.root)
    changed = build(project.root)
    assert not changed.fast, kind
    same_as_without_the_record(project.root, changed)


def test_an_essaycast_variable_or_other_options_take_the_normal_path(
    built: Project, tmp_path: Path
) -> None:
    project = copy_project(built, tmp_path / "p")
    build(project.root)
    assert build(project.root).fast
    env = dict(os.environ, ESSAYCAST_GTTS_FIRST_DELAY="0.5")
    assert not build(project.root, env=env).fast
    assert build(project.root, env=env).fast
    assert not build(project.root).fast  # the variable unset again
    feed = project.feed / "feed.xml"
    assert not build(project.root, "--base-url", "https://example.org/show").fast
    assert "https://example.org/show" in feed.read_text(encoding="utf-8")
    same_as_without_the_record_with(project.root, "--base-url", "https://example.org/show")
    assert not build(project.root, "--jobs", "2").fast
    assert not build(project.root).fast
    assert "http://127.0.0.1:8000" in feed.read_text(encoding="utf-8")


def same_as_without_the_record_with(root: Path, *extra: str) -> None:
    made = outputs(root)
    (root / quick.RECORD).unlink()
    assert not build(root, *extra).fast
    assert outputs(root) == made
    assert build(root, *extra).fast


def test_a_failed_script_leaves_no_record(built: Project, tmp_path: Path) -> None:
    project = copy_project(built, tmp_path / "p")
    (project.scripts / "002-bad.md").write_text("---\ndate: not a date\n---\n\nText.\n", "utf-8")
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "--root", str(project.root), *BUILD],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 1 and "002-bad.md" in done.stderr
        assert not (project.root / quick.RECORD).exists()
