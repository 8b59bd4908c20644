"""`essaycast check` on a real built site (real MP3s, real JPEG), then on each kind of damage."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import mutagen.mp3
import pytest
from PIL import Image

from pipeline.core import tools
from pipeline.core.model import (
    BuiltEpisode,
    ChapterMark,
    EpisodeFiles,
    EpisodeMeta,
    Show,
    Timeline,
)
from pipeline.delivery.check import check_site
from pipeline.release.feed import episode_guid, write_feed

BASE = "http://127.0.0.1:8000"
SHOW = Show(title="Check Show", owner_email="owner@example.com")
SLUGS = ("001-first", "002-second")

VTT = (
    "WEBVTT\n\n"
    "00:00:00.000 --> 00:00:01.500\nHello &amp; welcome.\n\n"
    "00:00:01.500 --> 00:00:02.900\nGoodbye.\n"
)
SRT = (
    "1\n00:00:00,000 --> 00:00:01,500\nHello & welcome.\n\n"
    "2\n00:00:01,500 --> 00:00:02,900\nGoodbye.\n"
)


def _chapters(*starts: float) -> str:
    chapters = [{"startTime": s, "title": f"Chapter at {s}"} for s in starts]
    return json.dumps({"version": "1.2.0", "chapters": chapters})


def write_episode_files(root: Path, slug: str, mp3_source: Path) -> EpisodeFiles:
    files = EpisodeFiles(root / "episodes" / slug)
    files.folder.mkdir(parents=True)
    shutil.copyfile(mp3_source, files.mp3)
    files.vtt.write_text(VTT, encoding="utf-8")
    files.srt.write_text(SRT, encoding="utf-8")
    files.txt.write_text("Hello & welcome. Goodbye.\n", encoding="utf-8")
    files.json.write_text(json.dumps({"version": "1.0.0", "segments": []}), encoding="utf-8")
    files.chapters_json.write_text(_chapters(0, 1.5), encoding="utf-8")
    files.page.write_text("<!doctype html><title>x</title>", encoding="utf-8")
    return files


def built_episodes(root: Path) -> list[BuiltEpisode]:
    built = []
    for number, slug in enumerate(SLUGS, start=1):
        files = EpisodeFiles(root / "episodes" / slug)
        meta = EpisodeMeta(
            files.mp3, slug, number, f"Episode {number}", dt.date(2024, 3, number), "Summary."
        )
        duration = mutagen.mp3.MP3(files.mp3).info.length
        marks = (ChapterMark("One", 0.0, 1.5), ChapterMark("Two", 1.5, duration))
        built.append(
            BuiltEpisode(
                meta=meta,
                files=files,
                timeline=Timeline((), marks, duration),
                mp3_bytes=files.mp3.stat().st_size,
                guid=episode_guid(SHOW, BASE, meta),
            )
        )
    return built


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good site, built once per module; tests damage copies of it."""
    root = tmp_path_factory.mktemp("site")
    mp3 = root / "tone.mp3"
    tools.ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
        "-ac", "1", "-ar", "44100", "-b:a", "96k", str(mp3),
    )  # fmt: skip
    for slug in SLUGS:
        write_episode_files(root, slug, mp3)
    mp3.unlink()
    (root / "feed").mkdir()
    Image.new("RGB", (3000, 3000), (200, 80, 40)).save(root / "feed" / "artwork.jpg", "JPEG")
    write_feed(SHOW, built_episodes(root), BASE, root / "feed" / "feed.xml")
    return root


@pytest.fixture
def site(pristine: Path, tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "site"
    shutil.copytree(pristine, root)
    yield root


def problems_about(problems: list[str], name: str) -> list[str]:
    return [p for p in problems if p.startswith(f"{name}: ")]


def test_a_good_site_has_no_problems(site: Path) -> None:
    assert check_site(site, SHOW, BASE) == []


def test_a_trailing_slash_on_the_base_url_changes_nothing(site: Path) -> None:
    assert check_site(site, SHOW, BASE + "/") == []


def test_a_missing_feed_says_to_build(tmp_path: Path) -> None:
    assert check_site(tmp_path, SHOW, BASE) == [
        "feed/feed.xml: missing; run `make` to build the site"
    ]


def test_wrong_enclosure_length(site: Path) -> None:
    episodes = built_episodes(site)
    episodes[0] = dataclasses.replace(episodes[0], mp3_bytes=episodes[0].mp3_bytes + 1)
    write_feed(SHOW, episodes, BASE, site / "feed" / "feed.xml")
    problems = check_site(site, SHOW, BASE)
    assert len(problems) == 1
    assert problems_about(problems, "episodes/001-first/001-first.mp3") == problems
    assert "enclosure length" in problems[0]


def test_truncated_mp3(site: Path) -> None:
    mp3 = site / "episodes" / "002-second" / "002-second.mp3"
    mp3.write_bytes(mp3.read_bytes()[: mp3.stat().st_size // 2])
    problems = check_site(site, SHOW, BASE)
    assert problems and problems_about(problems, "episodes/002-second/002-second.mp3") == problems


def test_mp3_that_is_not_audio(site: Path) -> None:
    mp3 = site / "episodes" / "002-second" / "002-second.mp3"
    mp3.write_bytes(b"\0" * 64)
    problems = problems_about(check_site(site, SHOW, BASE), "episodes/002-second/002-second.mp3")
    assert any("not a readable MP3" in p for p in problems)


def test_duration_that_does_not_match_the_audio(site: Path) -> None:
    episodes = built_episodes(site)
    timeline = dataclasses.replace(episodes[1].timeline, duration=10.0)
    episodes[1] = dataclasses.replace(episodes[1], timeline=timeline)
    write_feed(SHOW, episodes, BASE, site / "feed" / "feed.xml")
    problems = check_site(site, SHOW, BASE)
    assert len(problems) == 1 and "itunes:duration is 10 s" in problems[0]
    assert problems[0].startswith("episodes/002-second/002-second.mp3: ")


@pytest.mark.parametrize(
    ("size", "mode", "fmt", "complaint"),
    [
        ((3000, 2000), "RGB", "JPEG", "must be square"),
        ((1000, 1000), "RGB", "JPEG", "1400x1400 to 3000x3000"),
        ((3200, 3200), "RGB", "JPEG", "1400x1400 to 3000x3000"),
        ((1400, 1400), "CMYK", "JPEG", "needs RGB"),
        ((1400, 1400), "RGB", "GIF", "needs JPEG or PNG"),
    ],
)
def test_artwork_apple_would_refuse(
    site: Path, size: tuple[int, int], mode: str, fmt: str, complaint: str
) -> None:
    Image.new(mode, size).save(site / "feed" / "artwork.jpg", fmt)
    problems = check_site(site, SHOW, BASE)
    assert problems and problems_about(problems, "feed/artwork.jpg") == problems
    assert any(complaint in p for p in problems)


def test_png_artwork_of_the_right_size_is_fine(site: Path) -> None:
    Image.new("RGB", (1400, 1400)).save(site / "feed" / "artwork.jpg", "PNG")
    assert check_site(site, SHOW, BASE) == []


def test_broken_vtt(site: Path) -> None:
    (site / "episodes" / "001-first" / "001-first.vtt").write_text(VTT.replace("WEBVTT", "WEBVT"))
    problems = check_site(site, SHOW, BASE)
    assert problems == [
        "episodes/001-first/001-first.vtt: line 1: a WebVTT file must start with 'WEBVTT'"
    ]


def test_broken_srt(site: Path) -> None:
    (site / "episodes" / "002-second" / "002-second.srt").write_text(
        SRT.replace(",000 -->", ".000 -->")
    )
    problems = check_site(site, SHOW, BASE)
    assert problems and problems_about(problems, "episodes/002-second/002-second.srt") == problems


def test_missing_transcript(site: Path) -> None:
    (site / "episodes" / "001-first" / "001-first.json").unlink()
    problems = check_site(site, SHOW, BASE)
    assert len(problems) == 1 and problems[0].startswith(
        "episodes/001-first/001-first.json: missing"
    )


@pytest.mark.parametrize(
    ("chapters", "complaint"),
    [
        (_chapters(0, 10.0), "chapter 2 starts at 10.0 s, outside the audio"),
        (_chapters(0, 2.0, 1.0), "chapter 3 starts at 1.0 s, not after chapter 2"),
        (_chapters(-1.0), "chapter 1 starts at -1.0 s, outside the audio (0 to 3.0"),
        ('{"version": "1.2.0"}', 'no "chapters" list'),
        ("{not json", "not valid JSON"),
    ],
)
def test_chapters_outside_the_audio_or_out_of_order(
    site: Path, chapters: str, complaint: str
) -> None:
    (site / "episodes" / "001-first" / "chapters.json").write_text(chapters)
    problems = check_site(site, SHOW, BASE)
    assert problems and problems_about(problems, "episodes/001-first/chapters.json") == problems
    assert any(complaint in p for p in problems), problems
    assert not any("chapter 0" in p for p in problems)


def test_malformed_feed(site: Path) -> None:
    feed = site / "feed" / "feed.xml"
    feed.write_bytes(feed.read_bytes()[:-200])
    problems = check_site(site, SHOW, BASE)
    assert problems and problems_about(problems, "feed/feed.xml") == problems
    assert any("feedparser" in p for p in problems)
    assert any("not well-formed XML" in p for p in problems)


def test_duplicate_guids(site: Path) -> None:
    feed = site / "feed" / "feed.xml"
    first, second = (e.guid for e in built_episodes(site))
    feed.write_text(feed.read_text(encoding="utf-8").replace(second, first), encoding="utf-8")
    problems = check_site(site, SHOW, BASE)
    assert problems == [
        f"feed/feed.xml: guid {first!r} (item 'Episode 1') is used twice; "
        "give each episode its own `guid:` in its front matter"
    ]


def test_a_feed_built_for_another_base_url(site: Path) -> None:
    write_feed(SHOW, built_episodes(site), "https://elsewhere.example", site / "feed" / "feed.xml")
    problems = check_site(site, SHOW, BASE)
    assert any("podcast:guid" in p for p in problems)
    assert any("enclosure https://elsewhere.example/episodes/" in p for p in problems)
    assert all(p.startswith("feed/feed.xml: ") for p in problems)


def test_a_feed_missing_an_apple_tag(site: Path) -> None:
    feed = site / "feed" / "feed.xml"
    text = feed.read_text(encoding="utf-8")
    start, end = text.index("<itunes:owner>"), text.index("</itunes:owner>")
    feed.write_text(text[:start] + text[end + len("</itunes:owner>") :], encoding="utf-8")
    assert check_site(site, SHOW, BASE) == [
        "feed/feed.xml: channel has no <itunes:owner><itunes:email>; rebuild with `make`"
    ]
