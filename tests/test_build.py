"""The build as a producer runs it: incremental, explained, and one bad script never stops
the others. Uses the deterministic fake voice so every case runs in seconds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli, copy_project, make_project, run_build

from pipeline.build.run import BuildResult
from pipeline.build.task import Project

SECOND = """---
title: A Second Essay
date: 2026-12-02
summary: About walls, again.
---
The first paragraph has two sentences. This is the second one.

The second paragraph is short.

The third paragraph says 35% of readers agree with Dr. Alvarez.
"""


def outputs(project: Project, slug: str) -> dict[str, bytes]:
    folder = project.episodes / slug
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, BuildResult]:
    """The seed and SECOND, built once with the fake voice (one job) for the tests that
    start from a built project; each works on its own copy (``copy_project``)."""
    project = make_project(tmp_path_factory.mktemp("built"), {"002-second.md": SECOND})
    first, _ = run_build(project, engine="fake", jobs=1)
    assert not first.failed and len(first.built) == 2
    return project, first


def test_noop_rebuild_synthesizes_nothing_and_edit_redoes_one_sentence(
    built: tuple[Project, BuildResult], tmp_path: Path
) -> None:
    assert built[1].synthesized > 40
    project = copy_project(built[0], tmp_path / "project")
    again, log = run_build(project, engine="fake", jobs=1)
    assert again.synthesized == 0
    assert log.text.count("audio up to date") == 2
    script = project.scripts / "002-second.md"
    script.write_text(SECOND.replace("The second paragraph is short.", "It is now longer."))
    edited, log = run_build(project, engine="fake", jobs=1, explain=True)
    assert edited.synthesized == 1
    assert "synthesize (new or edited text): It is now longer." in log.text
    assert sum(line.startswith("  cached") for line in log.lines) > 40


# Run in a fresh process, then list which of the libraries that cost a no-op build its
# speed were imported: the page reader, the meter's filters, the voice runtime.
HEAVY = ("trafilatura", "scipy", "pipeline.audio.loudness", "onnxruntime", "piper")
PROBE = """
import json, sys
from pathlib import Path
from pipeline.cli import main
from pipeline.speech.engines import VoiceChoice, load_engine
if sys.argv[1] == "build":
    code = main(sys.argv[2:])
else:
    load_engine(VoiceChoice("piper", "en_US-joe-medium", "en", Path(sys.argv[2])))
    code = 0
print(json.dumps(sorted(sys.modules)))
sys.exit(code)
"""


def heavy_imports(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    return [name for name in HEAVY if name in loaded]


def test_a_noop_build_and_a_voice_check_load_no_heavy_library(
    built: tuple[Project, BuildResult], tmp_path: Path
) -> None:
    root = str(copy_project(built[0], tmp_path / "project").root)
    assert heavy_imports("build", "--root", root, "build", "--engine", "fake", "--jobs", "1") == []
    # Checking the voice (before any work, so that a missing one fails early) finds the
    # model and its digest; the runtime waits for the first sentence to synthesize.
    assert heavy_imports("voice", str(tmp_path / "voices")) == []


def test_feed_lists_newest_first_with_stable_guids(
    built: tuple[Project, BuildResult], tmp_path: Path
) -> None:
    import feedparser

    project = copy_project(built[0], tmp_path / "project")
    feed = feedparser.parse((project.feed / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["A Second Essay", feed.entries[1].title]
    assert feed.entries[1].title.startswith("The Invisible Walls")
    guids = [e.id for e in feed.entries]
    items_before = (project.feed / "feed.xml").read_bytes()
    run_build(project, engine="fake", jobs=1)
    assert (project.feed / "feed.xml").read_bytes() == items_before
    assert [e.id for e in feedparser.parse(items_before).entries] == guids


def test_one_bad_script_is_reported_and_the_others_build(tmp_path: Path) -> None:
    bad = "---\ntitle: Broken\ndate: 2026-13-45\nsummary: x\n---\nText.\n"
    # A short essay, not the seed, as the other: its five minutes of audio prove nothing here.
    project = make_project(tmp_path, {"002-second.md": SECOND, "003-broken.md": bad}, seed=False)
    result, log = run_build(project, engine="fake", jobs=1)
    assert len(result.built) == 1 and len(result.failed) == 1
    errors = [line for line in log.lines if line.startswith("error:")]
    assert len(errors) == 1 and "003-broken.md" in errors[0] and "date" in errors[0]
    assert not (project.episodes / "003-broken").exists()
    assert (project.feed / "feed.xml").exists()


def test_same_episode_number_twice_is_refused(tmp_path: Path) -> None:
    twin = SECOND.replace("title: A Second Essay", "title: A Twin\nnumber: 2")
    scripts = {"002-second.md": SECOND, "003-twin.md": twin}
    project = make_project(tmp_path, scripts, seed=False)
    result, log = run_build(project, engine="fake", jobs=1)
    assert len(result.failed) == 1
    assert "episode number 2 is already used" in log.text


def test_output_is_identical_whatever_the_number_of_jobs(
    built: tuple[Project, BuildResult], tmp_path: Path
) -> None:
    one, _ = built  # one job; only read here
    two = make_project(tmp_path / "two", {"002-second.md": SECOND})
    run_build(two, engine="fake", jobs=2)
    for slug in ("001-invisible-walls", "002-second"):
        a, b = outputs(one, slug), outputs(two, slug)
        assert a.keys() == b.keys()
        for name in a:
            if (
                name.endswith((".mp3", ".vtt", ".srt", ".json", ".txt"))
                and name[0] != "."
                and "report" not in name
            ):
                assert a[name] == b[name], name


def test_corrupt_cache_entry_is_resynthesized(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-second.md": SECOND}, seed=False)
    run_build(project, engine="fake", jobs=1)
    entries = sorted(project.cache.folder.rglob("*.pcm"))
    assert len(entries) > 4
    victim = entries[len(entries) // 2]
    victim.write_bytes(victim.read_bytes()[:-100])
    (project.episodes / "002-second" / "002-second.mp3").unlink()
    result, log = run_build(project, engine="fake", jobs=1, explain=True)
    assert result.synthesized == 1
    assert "cache entry corrupt" in log.text


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("002-bad-date.md", "---\ntitle: T\ndate: 2026-13-01\n---\nBody.\n", "not a real date"),
        (
            "002-engine.md",
            "---\ntitle: T\ndate: 2026-01-01\nsummary: S\nengine: nope\n---\nB.\n",
            "unknown engine 'nope'",
        ),
        ("002-empty.md", "", "empty"),
    ],
)
def test_cli_errors_are_one_line_naming_the_file(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    project = make_project(tmp_path, {name: text}, seed=False)
    done = (
        cli(project.root, "build", "--engine", "fake")
        if "engine" not in name
        else cli(project.root, "build")
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert name in errors[0] and expected in errors[0]


def test_cli_unreadable_file(tmp_path: Path) -> None:
    project = make_project(tmp_path, seed=False)
    target = project.scripts / "002-secret.md"
    target.write_text("---\ntitle: T\ndate: 2026-01-01\nsummary: S\n---\nBody.\n")
    target.chmod(0)
    if target.stat().st_uid == 0 and __import__("os").geteuid() == 0:
        target.chmod(0o644)
        target.unlink()
        target.mkdir()  # root can read anything; a folder named like a script is unreadable
    done = cli(project.root, "build", "--engine", "fake", str(target))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "002-secret.md" in done.stderr


def test_cli_unknown_engine_option(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    done = cli(project.root, "build", "--engine", "espeak")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "unknown engine 'espeak'" in done.stderr


def test_cli_project_without_scripts_folder(tmp_path: Path) -> None:
    done = cli(tmp_path, "build")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: no scripts found in {tmp_path}/scripts (expected .md, .txt or .html files)"
    ]


def test_cli_serve_on_a_busy_port_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = cli(tmp_path, "serve", "--port", port)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr


def test_a_blog_post_with_a_hugo_shortcode_builds_and_a_draft_is_skipped(tmp_path: Path) -> None:
    """A Hugo shortcode once ended the build ("sentence '>}}': its timing is empty or
    backwards"); a draft is read, not built, and said so in one line."""
    hugo = (
        "+++\ntitle = 'Steep Lanes'\ndate = 2024-03-02T10:00:00+01:00\ntags = ['walks']\n"
        "draft = false\n+++\nThe lane climbs fast.\n\n"
        '{{< figure src="/img/lane.jpg" title="The lane" >}}\n\nAt the top, a gate.\n'
    )
    draft = "---\ntitle: Not Yet\ndraft: true\n---\nUnfinished words.\n"
    project = make_project(
        tmp_path, {"2024-03-02-steep-lanes.md": hugo, "notes.md": draft}, seed=False
    )
    result, log = run_build(project, engine="fake", jobs=1)
    assert [e.meta.slug for e in result.built] == ["001-steep-lanes"] and not result.failed
    assert [line for line in log.lines if "a draft" in line] == [
        f"{project.scripts / 'notes.md'}: a draft (its front matter says so): not built"
    ]
    transcript = (project.episodes / "001-steep-lanes" / "001-steep-lanes.txt").read_text()
    assert "lane climbs fast" in transcript and "}}" not in transcript


def test_a_posts_keywords_authors_and_cover_reach_the_feed_and_the_mp3(tmp_path: Path) -> None:
    """tags -> item <category>; authors -> podcast:person (role author) and the intro's
    "by A and B"; a cover image -> the item's itunes:image and the MP3's APIC."""
    import io
    import xml.etree.ElementTree as ET

    import feedparser
    from mutagen.id3 import ID3
    from PIL import Image

    post = (
        "---\ntitle: Red Doors\ndate: 2024-05-06\ntags: [doors, colour]\n"
        "authors:\n  - Ada Okafor\n  - Li Wei\ncover: red.png\n---\n"
        "Every door on our street is red. Nobody remembers why.\n"
    )
    project = make_project(tmp_path, {"red-doors.md": post}, seed=False)
    Image.new("RGB", (1600, 1200), (200, 20, 20)).save(project.scripts / "red.png")
    result, _ = run_build(project, engine="fake", jobs=1)
    assert len(result.built) == 1 and not result.failed
    slug = result.built[0].meta.slug
    feed = (project.feed / "feed.xml").read_bytes()
    entry = feedparser.parse(feed).entries[0]
    assert [tag.term for tag in entry.tags] == ["doors", "colour"]
    assert entry.image.href.endswith(f"/episodes/{slug}/{slug}.jpg")
    item = ET.fromstring(feed).find("channel/item")
    assert item is not None
    persons = item.findall("{https://podcastindex.org/namespace/1.0}person")
    assert [(p.text, p.get("role"), p.get("group")) for p in persons] == [
        ("Ada Okafor", "author", "writing"),
        ("Li Wei", "author", "writing"),
    ]
    with Image.open(project.episodes / slug / f"{slug}.jpg") as art:
        assert art.size == (1400, 1400) and art.getpixel((700, 700))[0] > 150
    cover = ID3(project.episodes / slug / f"{slug}.mp3").getall("APIC")[0].data
    with Image.open(io.BytesIO(cover)) as image:
        red, green, _ = image.convert("RGB").getpixel((10, 10))
        assert red > 150 and green < 80
    transcript = (project.episodes / slug / f"{slug}.txt").read_text()
    assert "by Ada Okafor and Li Wei" in transcript
