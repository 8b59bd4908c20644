"""`essaycast publish` to a folder (target = "file:///..."): the same semantics as S3 —
incremental, dry-run, prune inside the folder only, nothing of the producer's — and the
published folder, served by the preview server, passes `check --remote`."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import cli, make_project, run_build
from s3server import free_port
from test_publish import SECOND, is_public, set_publish

from pipeline.build.task import Project
from pipeline.delivery.publish import MANIFEST_KEY, publish
from pipeline.delivery.remote_check import check_remote
from pipeline.delivery.serve import make_server
from pipeline.settings.config import load_show


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def template(port: int, tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = make_project(tmp_path_factory.mktemp("folder"), {"002-second.md": SECOND})
    set_publish(project, base_url=f"http://127.0.0.1:{port}", target="file:///unused")
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed
    return project


@pytest.fixture
def site(template: Project, tmp_path: Path, port: int) -> tuple[Project, Path]:
    """A copy of the built site and an empty folder to publish it to."""
    shutil.copytree(template.root, tmp_path / "project", symlinks=True)
    project = Project(tmp_path / "project")
    www = tmp_path / "www"
    www.mkdir()
    set_publish(project, base_url=f"http://127.0.0.1:{port}", target=www.as_uri())
    return project, www


@pytest.fixture
def served(site: tuple[Project, Path], port: int) -> Iterator[None]:
    server = make_server(site[1], port=port, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield
    server.shutdown()
    server.server_close()


def published(www: Path) -> dict[str, bytes]:
    return {p.relative_to(www).as_posix(): p.read_bytes() for p in www.rglob("*") if p.is_file()}


def test_a_folder_gets_the_site_and_nothing_else_and_passes_check_remote(
    site: tuple[Project, Path], served: None
) -> None:
    project, www = site
    extras = {  # the producer's, or not the site's: none of them may go public
        "episodes/001-invisible-walls/report.html": "<p>mastering figures</p>",
        "episodes/001-invisible-walls/notes.docx": "draft",
        "episodes/999-orphan/999-orphan.mp3": "an episode the feed does not list",
        "feed/.env": "AWS_SECRET_ACCESS_KEY=...",
    }
    for name, text in extras.items():
        (project.root / name).parent.mkdir(parents=True, exist_ok=True)
        (project.root / name).write_text(text, encoding="utf-8")
    done = cli(project.root, "publish")
    assert done.returncode == 0, done.stderr
    files = published(www)
    assert not set(extras) & set(files)
    expected = {
        k: v
        for k, v in published(project.root).items()
        if k.startswith(("feed/", "episodes/")) and is_public(k) and k not in extras
    }
    assert {k: v for k, v in files.items() if k != MANIFEST_KEY} == expected
    assert not [k for k in files if k.endswith("/")]  # a web server serves folders itself
    show = load_show(project.show_toml)
    assert check_remote(show, show.base_url) == []
    checked = cli(project.root, "check", "--remote")
    assert checked.returncode == 0, checked.stderr

    again = cli(project.root, "publish")
    assert "nothing to upload" in again.stdout


def test_a_folder_publish_is_incremental_and_prunes_only_inside(
    site: tuple[Project, Path],
) -> None:
    project, www = site
    assert cli(project.root, "publish").returncode == 0
    (www.parent / "beside.txt").write_text("not the podcast's", encoding="utf-8")
    leftover = www / "episodes" / "001-invisible-walls" / ".001.mp3.k2j4.part"
    leftover.write_bytes(b"half a copy, from a publish killed mid-write")
    stamps = {p: p.stat().st_mtime_ns for p in www.rglob("*") if p.is_file()}

    (project.scripts / "002-second.md").unlink()
    run_build(project, engine="fake", jobs=1)
    dry = cli(project.root, "publish", "--dry-run", "--prune")
    assert "would delete episodes/002-second/002-second.mp3" in dry.stdout
    assert {p: p.stat().st_mtime_ns for p in www.rglob("*") if p.is_file()} == stamps
    assert leftover.exists()  # a dry run changes nothing

    lines: list[str] = []
    show = load_show(project.show_toml)
    result = publish(project.root, show, lines.append, prune=True)
    # The feed, the show page and the show's book lose the removed episode.
    assert set(result.uploaded) <= {"feed/feed.xml", "feed/index.html", "feed/essaycast.epub"}
    assert "feed/feed.xml" in result.uploaded
    assert not (www / "episodes" / "002-second").exists()  # its empty folder goes too
    assert (www / "episodes" / "001-invisible-walls" / "001-invisible-walls.mp3").is_file()
    assert (www.parent / "beside.txt").is_file()
    assert not leftover.exists()
    assert "removed episodes/001-invisible-walls/.001.mp3.k2j4.part, left half-written" in (
        "\n".join(lines)
    )
    assert [k for k in result.deleted if not k.startswith("episodes/002-second/")] == []


def test_a_missing_folder_is_one_line(site: tuple[Project, Path]) -> None:
    project, www = site
    shutil.rmtree(www)
    done = cli(project.root, "publish")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    message = f"error: {www}: the publish folder does not exist; create it first"
    assert done.stderr.strip() == message


def test_a_site_with_problems_is_not_published(site: tuple[Project, Path]) -> None:
    project, www = site
    vtt = project.episodes / "002-second" / "002-second.vtt"
    vtt.write_text("not captions\n", encoding="utf-8")
    done = cli(project.root, "publish")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: the built site has 1 problem(s), first: ")
    assert "episodes/002-second/002-second.vtt" in done.stderr
    assert published(www) == {}
