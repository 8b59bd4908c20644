"""One source, one episode: a second copy of an essay is recognized (by canonical URL or by
its text) and names the script that holds it; a script renamed keeps its episode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from blogsite import Site, wordpress_page
from conftest import make_project, run_build

from pipeline.build.task import Project
from pipeline.cli import main
from pipeline.reading.records import FILE_NAME
from pipeline.reading.script import find_scripts

ESSAY = (
    "Small Rooms\n\nA small room asks for less and gives back more. The desk is close, the "
    "window is close, and the thought you came for is close too.\n\nI have written in "
    "large rooms and small ones, and the small ones won every time.\n"
)


def fake_project(root: Path, scripts: dict[str, str]) -> Project:
    project = make_project(root, scripts, seed=False)
    toml = project.show_toml.read_text().replace('engine = "piper"', 'engine = "fake"')
    project.show_toml.write_text(toml)
    return project


def episode_of(project: Project, slug: str) -> dict[str, object]:
    record = json.loads((project.episodes / slug / ".episode.json").read_text())
    assert isinstance(record, dict)
    return record


def test_a_second_copy_in_scripts_is_not_a_second_episode(tmp_path: Path) -> None:
    site = Site()
    site.base = "https://holt.example"
    page = wordpress_page(site, "quiet-rooms")
    project = fake_project(
        tmp_path, {"quiet-rooms.html": page, "quiet-rooms (1).html": page, "note.txt": ESSAY}
    )
    result, log = run_build(project, jobs=1)
    assert not result.failed
    assert len(result.built) == 2  # the page once, and the note
    first, second = project.scripts / "quiet-rooms (1).html", project.scripts / "quiet-rooms.html"
    assert (
        f"warning: {second}: the same essay as {first} (the same canonical URL, "
        "https://holt.example/2025/01/quiet-rooms), which holds its episode; not built as a "
        "second episode (remove one of the two)"
    ) in log.lines
    # the same text, pasted as plain text: recognized by its words
    (project.scripts / "pasted.txt").write_text(ESSAY.replace("Small Rooms", "SMALL ROOMS!"))
    result, log = run_build(project, jobs=1)
    assert len(result.built) == 2
    assert any("pasted.txt: the same essay as" in line and "(the same text)" in line
               for line in log.lines)  # fmt: skip


def test_add_the_same_page_twice_names_the_script_that_holds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = fake_project(tmp_path / "show", {})
    site = Site()
    site.base = "https://holt.example"
    saved = tmp_path / "Quiet rooms.html"
    saved.write_text(wordpress_page(site, "quiet-rooms"))
    assert main(["--root", str(project.root), "add", str(saved)]) == 0
    [script] = find_scripts(project.scripts)
    again = tmp_path / "Quiet rooms again.html"
    again.write_text(wordpress_page(site, "quiet-rooms").replace("Leave a Reply", "Reply"))
    capsys.readouterr()
    assert main(["--root", str(project.root), "add", str(again)]) == 0
    out = capsys.readouterr().out
    assert f"{again}: already in {script} (the same canonical URL" in out
    assert find_scripts(project.scripts) == [script]


def test_a_renamed_script_keeps_its_episode(tmp_path: Path) -> None:
    project = fake_project(tmp_path, {"my essay.txt": ESSAY, "002-other.md": "Other text.\n"})
    result, _ = run_build(project, jobs=1)
    assert not result.failed
    [slug] = [e.files.slug for e in result.built if e.meta.title == "Small Rooms"]
    before = episode_of(project, slug)
    (project.scripts / "my essay.txt").rename(project.scripts / "small-rooms.txt")
    result, log = run_build(project, jobs=1)
    assert not result.failed, log.text
    [renamed] = [e for e in result.built if e.meta.title == "Small Rooms"]
    assert renamed.files.slug == slug
    after = episode_of(project, slug)
    meta_before, meta_after = before["meta"], after["meta"]
    assert isinstance(meta_before, dict) and isinstance(meta_after, dict)
    assert after["guid"] == before["guid"] and isinstance(after["guid"], str)
    assert (meta_after["number"], meta_after["slug"]) == (meta_before["number"], slug)
    assert meta_after["date"] == meta_before["date"]
    assert meta_after["source"] == "scripts/small-rooms.txt"
    assert sorted(p.name for p in project.episodes.iterdir()) == sorted([slug, "002-other"])
    assert not any("removed episode" in line for line in log.lines)
    record = (project.scripts / FILE_NAME).read_text()
    assert '["small-rooms.txt"]' in record and "my essay.txt" not in record
