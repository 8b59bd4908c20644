"""Every change costs only what it touches: each stage is redone only when an input it
reads changed. These tests count what ran — ffmpeg processes, cache entries decoded,
utterances synthesized, files rewritten — never how long it took."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import cli, copy_project, make_project, run_build
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from pipeline.audio import mp3frames
from pipeline.audio.segments import Segment
from pipeline.books.talkingbook import show_slug
from pipeline.build import manifest
from pipeline.build.task import Project
from pipeline.core import tools
from pipeline.core.model import EpisodeFiles
from pipeline.settings.config import load_show
from pipeline.speech.cache import AudioCache

FIRST = """---
title: The First Essay
date: 2026-12-01
summary: About rooms.
---
Rooms

A room has four walls. Most of them have a door.

Doors

A door opens, and a door closes. That is all a door does.
"""

SECOND = """---
title: The Second Essay
date: 2026-12-02
summary: About windows.
---
A window lets the light in. It also lets the cold in.

The second paragraph is short.
"""


class Spy:
    """Counts the expensive things a build does."""

    def __init__(self) -> None:
        self.ffmpeg: list[list[str]] = []
        self.decoded = 0  # cache entries read whole (the samples, not the header)

    def reset(self) -> None:
        self.ffmpeg.clear()
        self.decoded = 0

    @property
    def encodes(self) -> list[list[str]]:
        """MP3 encodes: one per chapter encoded."""
        return [args for args in self.ffmpeg if "libmp3lame" in args]

    @property
    def aac_encodes(self) -> list[list[str]]:
        """The audiobook's AAC encodes: one per chapter encoded (not the M4B's copy)."""
        return [args for args in self.ffmpeg if "aac" in _codecs(args)]


def _codecs(args: list[str]) -> list[str]:
    """Every encoder an ffmpeg run writes with (a chapter's encode: LAME, and the AAC)."""
    return [args[at + 1] for at, arg in enumerate(args[:-1]) if arg == "-c:a"]


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    found = Spy()
    real_run, real_popen, real_get = tools.run, tools.popen_ffmpeg, AudioCache.get
    real_read = tools.read_ffmpeg

    def run(args: Any, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        found.ffmpeg.append([str(a) for a in args])
        return real_run(args, **kwargs)

    def popen(*args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        found.ffmpeg.append(list(args))
        return real_popen(*args, **kwargs)

    def get(self: AudioCache, key: str) -> Any:
        found.decoded += 1
        return real_get(self, key)

    def read(*args: str, **kwargs: Any) -> Iterator[bytes]:
        found.ffmpeg.append(list(args))
        return real_read(*args, **kwargs)

    monkeypatch.setattr(tools, "run", run)
    monkeypatch.setattr(tools, "popen_ffmpeg", popen)
    monkeypatch.setattr(tools, "read_ffmpeg", read)
    monkeypatch.setattr(AudioCache, "get", get)
    yield found


def built(tmp_path: Path) -> Project:
    project = make_project(tmp_path, {"001-first.md": FIRST, "002-second.md": SECOND}, seed=False)
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed and len(result.built) == 2
    return project


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """FIRST and SECOND, built once for the module."""
    return built(tmp_path_factory.mktemp("template"))


@pytest.fixture
def copied(template: Project, tmp_path: Path) -> Project:
    """This test's own copy of the built project, to change and build again. Built once
    more where it now is, since a cleaning report names its script's path: after that,
    every output is what a build in this folder writes."""
    project = copy_project(template, tmp_path / "project")
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed and result.synthesized == 0
    return project


def stamps(project: Project) -> dict[str, tuple[int, int]]:
    """Every output with its size and mtime: which files a build rewrote."""
    return {
        path.relative_to(project.root).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
        for folder in (project.episodes, project.feed)
        for path in folder.rglob("*")
        if path.is_file() and path.name != "show.toml"  # an input, edited by the tests
    }


def rewritten(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


def audio_frames(mp3: Path) -> bytes:
    """The MP3 without its ID3 tag: what was encoded."""
    data = mp3.read_bytes()
    size = sum(byte << (7 * (3 - i)) for i, byte in enumerate(data[6:10]))
    return data[10 + size :] if data[:3] == b"ID3" else data


def edit_show(project: Project, old: str, new: str) -> None:
    toml = project.show_toml.read_text(encoding="utf-8")
    assert old in toml, old
    project.show_toml.write_text(toml.replace(old, new), encoding="utf-8")


def edit_script(project: Project, name: str, old: str, new: str) -> None:
    path = project.scripts / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


MP3S = {"episodes/001-first/001-first.mp3", "episodes/002-second/002-second.mp3"}


def test_show_description_owner_and_port_touch_no_audio_and_no_tag(
    copied: Project, spy: Spy
) -> None:
    project = copied
    before = stamps(project)
    spy.reset()
    edit_show(project, "Essays worth hearing", "Essays worth a listen")
    edit_show(project, 'name = "Essaycast"', 'name = "A New Owner"')
    edit_show(project, 'email = "podcast@example.com"', 'email = "owner@example.org"')
    edit_show(project, "port = 8000", "port = 8123")
    result, log = run_build(project, engine="fake", jobs=1)
    assert not result.failed
    assert (spy.ffmpeg, spy.decoded, result.synthesized) == ([], 0, 0)
    changed = rewritten(before, stamps(project))
    # The description is on the show page, in the feed and in the show's talking book (its
    # dc:description); the owner in the feed. Nothing in an episode folder shows either, so
    # nothing there is rewritten.
    book = f"feed/{show_slug(load_show(project.show_toml))}.epub"
    assert changed == {"feed/feed.xml", "feed/index.html", book, "feed/.book.json"}, changed
    assert log.text.count("audio up to date") == 2


def test_base_url_rewrites_tags_but_never_the_audio(copied: Project, spy: Spy) -> None:
    project = copied
    before = stamps(project)
    frames = {name: audio_frames(project.root / name) for name in MP3S}
    spy.reset()
    edit_show(project, 'base_url = "http://127.0.0.1:8000"', 'base_url = "https://pod.example"')
    result, log = run_build(project, engine="fake", jobs=1, explain=True)
    assert (spy.ffmpeg, spy.decoded, result.synthesized) == ([], 0, 0)
    changed = rewritten(before, stamps(project))
    assert changed >= MP3S  # the tag's feed URL (WFED) and episode guid (TGID)
    assert "tags to rewrite: feed URL or episode guid changed" in log.text
    for name in MP3S:
        assert audio_frames(project.root / name) == frames[name]
        tags = ID3(project.root / name)
        assert tags.getall("WFED")[0].url == "https://pod.example/feed/feed.xml"
    # Transcripts carry no URL: untouched.
    assert not any(name.endswith((".vtt", ".srt", ".txt")) for name in changed), changed


def test_summary_and_date_retag_only_their_episode(copied: Project, spy: Spy) -> None:
    project = copied
    before = stamps(project)
    spy.reset()
    edit_script(project, "002-second.md", "summary: About windows.", "summary: On glass.")
    edit_script(project, "002-second.md", "date: 2026-12-02", "date: 2026-12-03")
    result, log = run_build(project, engine="fake", jobs=1)
    assert (spy.ffmpeg, spy.decoded, result.synthesized) == ([], 0, 0)
    changed = rewritten(before, stamps(project))
    assert "episodes/002-second/002-second.mp3" in changed
    assert not any(name.startswith("episodes/001-first/") for name in changed), changed
    assert "tags to rewrite: episode metadata changed" in log.text
    tags = ID3(project.episodes / "002-second" / "002-second.mp3")
    assert str(tags["TDES"]) == "On glass."
    # The audiobook is retagged, not encoded again (no ffmpeg ran, above).
    book = MP4(project.episodes / "002-second" / "002-second.m4b")
    assert book.tags is not None
    assert book.tags["\xa9cmt"] == ["On glass."] and book.tags["\xa9day"] == ["2026"]


def test_title_change_redoes_that_intro_and_that_episode_only(copied: Project, spy: Spy) -> None:
    project = copied
    before = stamps(project)
    spy.reset()
    edit_script(project, "002-second.md", "title: The Second Essay", "title: Windows")
    result, log = run_build(project, engine="fake", jobs=1, explain=True)
    synthesized = [line for line in log.lines if line.lstrip().startswith("synthesize (")]
    assert result.synthesized == 1 and "Episode two: Windows." in synthesized[0], synthesized
    # The episode has one chapter: it, and only it, is encoded again (MP3 and AAC). The
    # fake voice, a tone, lands off the first trim tried, so its MP3 takes a second try;
    # each try's AAC is begun beside its meter.
    assert 1 <= len(spy.encodes) <= 2 and len(spy.aac_encodes) == len(spy.encodes)
    assert "encoded 1 of 1 chapter(s) of the MP3" in log.text
    assert "audio to build: spoken text and voice changed" in log.text
    changed = rewritten(before, stamps(project))
    assert not any(name.startswith("episodes/001-first/") for name in changed), changed
    assert str(ID3(project.episodes / "002-second" / "002-second.mp3")["TIT2"]) == "Windows"


def test_one_paragraph_edit_synthesizes_only_its_utterances(copied: Project, spy: Spy) -> None:
    project = copied
    spy.reset()
    edit_script(project, "001-first.md", "That is all a door does.", "That is all.")
    result, _ = run_build(project, engine="fake", jobs=1)
    assert result.synthesized == 1
    assert 1 <= len(spy.encodes) <= 2  # one chapter, at one or two tries of its trim
    assert not any("001-first" in " ".join(encode) for encode in spy.encodes)


CHAPTERED = FIRST.replace("\nRooms\n", "\n## Rooms\n").replace("\nDoors\n", "\n## Doors\n")
# Said by the fake voice with the very tone of "That is all a door does." (the same length,
# and a pitch from its hash that happens to be the same): the chapter's loudness, and so
# its figure, cannot move.
SAME_TONE = "That is any A wall does!"


def test_one_paragraph_edit_encodes_only_its_chapter_and_reuses_the_others_frames(
    tmp_path: Path, spy: Spy
) -> None:
    """The MP3 is its chapters' encodes joined: an edit in the last chapter encodes that
    chapter alone (MP3 and AAC), and the frames of the chapters before it are the very
    bytes they were, behind a new Info header that counts the whole file."""
    project = make_project(tmp_path, {"001-first.md": CHAPTERED}, seed=False)
    run_build(project, engine="fake", jobs=1)
    files = EpisodeFiles(project.episodes / "001-first")
    before = manifest.read(files)
    assert before is not None and len(before.segments) == 2  # Rooms (with the intro), Doors
    old = mp3frames.split(audio_frames(files.mp3))
    spy.reset()
    edit_script(project, "001-first.md", "That is all a door does.", SAME_TONE)
    result, log = run_build(project, engine="fake", jobs=1)
    assert result.synthesized == 1 and not result.failed
    assert 1 <= len(spy.encodes) <= 2 and len(spy.aac_encodes) == len(spy.encodes)
    assert "encoded 1 of 2 chapter(s) of the MP3" in log.text
    after = manifest.read(files)
    assert after is not None
    assert after.segments[0] == before.segments[0] and after.segments[1] != before.segments[1]
    new = mp3frames.split(audio_frames(files.mp3))
    kept = sum(len(mp3frames.split(store_entry(project, s)).frames) for s in before.segments[:1])
    assert kept > 0 and new.frames[:kept] == old.frames[:kept]
    # the edited chapter was encoded again (its key changed); the same tone gives the same
    # frames, since an encode depends on nothing but what it is made of
    assert new.frames[kept:] == old.frames[kept:]
    # The new Info frame counts the whole joined file, as players read it.
    assert new.frame_count == sum(mp3frames.frames_for(s.samples) for s in after.segments)
    assert after.gain == before.gain


def test_an_edit_that_lengthens_the_first_chapter_encodes_no_later_chapters_aac(
    tmp_path: Path, spy: Spy
) -> None:
    """Every chapter but the last fills whole groups of 16 MP3 frames (9 AAC frames at the
    fake voice's 22,050 Hz, half the MP3's rate: the talking book's), so a
    chapter made longer moves the later ones by whole AAC frames: their AAC for the
    talking book is kept, and only the edited chapter's MP3 and AAC are encoded."""
    project = make_project(tmp_path, {"001-first.md": CHAPTERED}, seed=False)
    run_build(project, engine="fake", jobs=1)
    files = EpisodeFiles(project.episodes / "001-first")
    before = manifest.read(files)
    spy.reset()
    longer = "A room has four walls, a floor, a ceiling and a window. Most of them have a door."
    edit_script(project, "001-first.md", "A room has four walls. Most of them have a door.", longer)
    result, log = run_build(project, engine="fake", jobs=1)
    after = manifest.read(files)
    assert before is not None and after is not None and not result.failed
    assert after.segments[0].samples > before.segments[0].samples  # the first chapter grew
    assert after.segments[1] == before.segments[1]
    # The edited chapter's MP3 and AAC (a try each), and no later chapter's AAC.
    assert len(spy.aac_encodes) == len(spy.encodes) <= 2
    assert "encoded 1 of 2 chapter(s) of the MP3" in log.text
    assert "writing the audiobook (M4B): encoded 0 of 2 chapter(s)" in log.text


def test_an_edit_that_changes_a_chapters_loudness_encodes_it_alone_as_a_clean_build_would(
    tmp_path: Path, spy: Spy
) -> None:
    """Each chapter's figure comes from its own audio alone (same input, same bytes: an
    edited project's MP3 is a clean build's). An edit that changes a chapter's loudness
    changes that chapter's figure and no other's, so that chapter alone is encoded again,
    and nothing of the last build's figure is kept."""
    project = make_project(tmp_path / "edited", {"001-first.md": CHAPTERED}, seed=False)
    run_build(project, engine="fake", jobs=1)
    files = EpisodeFiles(project.episodes / "001-first")
    before = manifest.read(files)
    spy.reset()
    edit_script(project, "001-first.md", "That is all a door does.", "That is all.")
    result, log = run_build(project, engine="fake", jobs=1)
    after = manifest.read(files)
    assert before is not None and after is not None and not result.failed
    assert after.segments[0] == before.segments[0]
    figure = lambda segment: (segment.gain_db, segment.trim_db)  # noqa: E731
    assert figure(after.segments[1]) != figure(before.segments[1])  # it moved the figure
    assert 1 <= len(spy.encodes) <= 2 and "encoded 1 of 2 chapter(s) of the MP3" in log.text
    edited = CHAPTERED.replace("That is all a door does.", "That is all.")
    clean = make_project(tmp_path / "clean", {"001-first.md": edited}, seed=False)
    run_build(clean, engine="fake", jobs=1)
    assert (clean.episodes / "001-first" / "001-first.mp3").read_bytes() == files.mp3.read_bytes()
    info = MP3(files.mp3).info
    assert info is not None and abs(info.length - after.timeline.duration) < 0.06


def test_a_lost_chapter_store_is_cut_back_out_of_the_mp3(tmp_path: Path, spy: Spy) -> None:
    """The M4B is made from the chapters' MP3 encodes; when the store has lost them (a
    cleaned cache) they are cut out of the episode's MP3, which is made of them: no MP3 is
    encoded again, and the restored chapters are the ones the MP3 holds."""
    project = built(tmp_path)
    files = EpisodeFiles(project.episodes / "001-first")
    kept = manifest.read(files)
    assert kept is not None
    shutil.rmtree(project.root / ".cache" / "segments")
    files.m4b.unlink()
    spy.reset()
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed and result.synthesized == 0
    assert spy.encodes == [] and len(spy.aac_encodes) == len(kept.segments)
    restored = [project.segments.mp3(segment) for segment in kept.segments]
    assert all(encoded is not None for encoded in restored)
    joined = mp3frames.join([encoded for encoded in restored if encoded is not None])
    assert mp3frames.split(joined).frames == mp3frames.split(audio_frames(files.mp3)).frames
    book = MP4(files.m4b)
    assert book.info is not None and abs(book.info.length - kept.timeline.duration) < 0.2


def store_entry(project: Project, segment: Segment) -> bytes:
    return project.segments.mp3_file(segment).read_bytes()


def test_a_damaged_mp3_of_the_same_size_is_found_and_rebuilt(copied: Project) -> None:
    project = copied
    mp3 = project.episodes / "001-first" / "001-first.mp3"
    good = mp3.read_bytes()
    middle = len(good) // 2
    mp3.write_bytes(good[:middle] + bytes(4096) + good[middle + 4096 :])
    assert mp3.stat().st_size == len(good)
    result, log = run_build(project, engine="fake", jobs=1)
    assert result.synthesized == 0
    assert "audio to build: the MP3 is not the one the last build wrote" in log.text
    rebuilt = mp3.read_bytes()
    assert bytes(4096) not in rebuilt
    assert audio_frames(mp3) == audio_frames_of(good)
    info = MP3(mp3).info
    assert info is not None and info.length > 5
    _, log = run_build(project, engine="fake", jobs=1)
    assert log.text.count("audio up to date") == 2


def audio_frames_of(data: bytes) -> bytes:
    size = sum(byte << (7 * (3 - i)) for i, byte in enumerate(data[6:10]))
    return data[10 + size :]


def test_a_missing_mp3_is_rebuilt_saying_so(copied: Project) -> None:
    project = copied
    (project.episodes / "002-second" / "002-second.mp3").unlink()
    result, log = run_build(project, engine="fake", jobs=1)
    assert not result.failed and result.synthesized == 0
    assert "audio to build: the MP3 is missing" in log.text


def test_no_op_rebuild_rewrites_nothing(copied: Project, spy: Spy) -> None:
    project = copied
    before = stamps(project)
    spy.reset()
    result, _ = run_build(project, engine="fake", jobs=1)
    assert (spy.ffmpeg, spy.decoded, result.synthesized) == ([], 0, 0)
    assert rewritten(before, stamps(project)) == set()


def test_explain_names_the_changed_input_even_when_quiet(copied: Project) -> None:
    project = copied
    edit_show(project, "loudness_lufs = -16.0", "loudness_lufs = -18.0")
    done = cli(project.root, "build", "--engine", "fake", "--quiet", "--explain")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("audio to build: loudness settings changed") == 2, done.stderr


def test_show_author_redraws_the_cover_and_retags_without_touching_audio(
    copied: Project, spy: Spy
) -> None:
    project = copied
    frames = {name: audio_frames(project.root / name) for name in MP3S}
    spy.reset()
    edit_show(project, 'author = "Essaycast"', 'author = "Ada Reader"')
    result, log = run_build(project, engine="fake", jobs=1)
    assert (spy.ffmpeg, spy.decoded, result.synthesized) == ([], 0, 0)
    assert "tags to rewrite: show title, author or language, artwork changed" in log.text
    for name in MP3S:
        assert audio_frames(project.root / name) == frames[name]
        assert str(ID3(project.root / name)["TPE1"]) == "Ada Reader"


def test_new_intro_music_rebuilds_the_audio_saying_so(copied: Project) -> None:
    project = copied
    tools.ffmpeg(
        "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
        "-ac", "1", "-ar", "44100", str(project.feed / "intro.mp3"),
    )  # fmt: skip
    edit_show(project, "[audio]\n", '[audio]\nintro_music = "intro.mp3"\n')
    result, log = run_build(project, engine="fake", jobs=1)
    assert result.synthesized == 0
    assert log.text.count("audio to build: music changed") == 2
    tools.ffmpeg(
        "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=330:duration=1",
        "-ac", "1", "-ar", "44100", str(project.feed / "intro.mp3"),
    )  # fmt: skip
    _, log = run_build(project, engine="fake", jobs=1)
    assert log.text.count("audio to build: music changed") == 2  # same name, new sound
