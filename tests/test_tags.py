"""write_tags on a real MP3, read back by mutagen, ffprobe and ffmpeg (independent readers)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from mutagen.id3 import ID3, TIT2, CTOCFlags, Encoding, PictureType
from mutagen.mp3 import MP3

from pipeline.audio.tags import write_tags
from pipeline.core import tools
from pipeline.core.model import ChapterMark, EpisodeMeta, Show, Timeline

SECONDS = 20.0
TOLERANCE = 0.050  # chapter times must match the audio within 50 ms

HOSTILE_TITLES = (
    '<script>alert("x")</script> & ]]> \'single\' "double" a/b',
    "\u200fשלום\u200e 🎙️ café — naïve \u202eRTL\u202c 🇺🇦 end",
    "long " + "x" * 4990,
)
EPISODE_TITLE = "Invisible walls: <b>&amp;</b> ]]> “quotes” 🧱 \u200fמחיצות\u200e"
SUMMARY = "A summary with <tags> & ]]> and “smart quotes”, emoji 🎧, RTL \u200fעברית\u200e."
TRANSCRIPT = (
    "Essaycast. Episode 7: Invisible walls.\n\n"
    + "A paragraph with <script>, ]]>, & and 'quotes' 🎙️. " * 200
    + "\n\nThank you for listening."
)
FEED_URL = "http://127.0.0.1:8000/feed/feed.xml"
EPISODE_URL = "http://127.0.0.1:8000/episodes/007-invisible-walls/"
COVER = b"\xff\xd8\xff\xe0fake-but-opaque-jpeg-bytes\xff\xd9"

SHOW = Show(title="The Show — “Essays” & <more>", author="A. Writer 🖋")
META = EpisodeMeta(
    source=Path("scripts/007-invisible-walls.md"),
    slug="007-invisible-walls",
    number=7,
    title=EPISODE_TITLE,
    date=dt.date(2024, 3, 5),
    summary=SUMMARY,
    language="en",
)
TIMELINE = Timeline(
    blocks=(),
    chapters=(
        ChapterMark(HOSTILE_TITLES[0], 0.0, 5.0),
        ChapterMark(HOSTILE_TITLES[1], 5.0, 12.3456),
        ChapterMark(HOSTILE_TITLES[2], 12.3456, 19.5),  # the last one must end at the duration
    ),
    duration=SECONDS,
)


def ffprobe() -> str:
    found = shutil.which("ffprobe")
    if not found:
        pytest.fail("ffprobe not found: run `make test-deps` (or apt-get install ffmpeg)")
    return found


def probe(path: Path, *what: str) -> dict:
    done = subprocess.run(
        [ffprobe(), "-v", "error", *what, "-of", "json", str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(done.stdout)


def decoded_pcm(path: Path) -> bytes:
    return tools.ffmpeg("-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-").stdout


@pytest.fixture(scope="module")
def untagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audio") / "sine.mp3"
    tools.ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS:g}",
        "-ac", "1", "-ar", "44100", "-b:a", "96k", str(out),
    )  # fmt: skip
    return out


@pytest.fixture
def tagged(untagged: Path, tmp_path: Path) -> Path:
    mp3 = tmp_path / "episode.mp3"
    shutil.copy(untagged, mp3)
    # Leave an ID3v1 tag behind, as some encoders do: write_tags must remove it.
    old = ID3()
    old.add(TIT2(encoding=Encoding.LATIN1, text="old title"))
    old.save(mp3, v1=2)
    assert mp3.read_bytes()[-128:].startswith(b"TAG")
    write_tags(mp3, SHOW, META, TIMELINE, TRANSCRIPT, COVER, FEED_URL, EPISODE_URL)
    return mp3


def test_file_has_one_id3v23_tag_and_no_id3v1(tagged: Path) -> None:
    data = tagged.read_bytes()
    assert data[:4] == b"ID3\x03"
    assert ID3(tagged).version == (2, 3, 0)
    assert not data[-128:].startswith(b"TAG")
    assert b"old title" not in data


def test_text_frames_read_back(tagged: Path) -> None:
    tags = ID3(tagged)
    assert tags["TIT2"].text == [EPISODE_TITLE]
    assert tags["TPE1"].text == [SHOW.author]
    assert tags["TALB"].text == [SHOW.title]
    assert tags["TRCK"].text == ["7"]
    assert tags["TCON"].genres == ["Podcast"]
    assert tags["TLAN"].text == ["eng"]
    assert tags["TLEN"].text == ["20000"]
    assert tags["TDES"].text == [SUMMARY]
    assert tags["TGID"].text == [EPISODE_URL]


def test_date_is_saved_as_v23_tyer_tdat_and_reads_back_as_the_date(tagged: Path) -> None:
    raw = ID3(tagged, translate=False)  # the frames as stored, not upgraded to v2.4
    assert raw["TYER"].text == ["2024"]
    assert raw["TDAT"].text == ["0503"]  # DDMM
    assert "TDRC" not in raw
    assert str(ID3(tagged)["TDRC"].text[0]) == "2024-03-05"
    assert probe(tagged, "-show_format")["format"]["tags"]["date"].startswith("2024")


def test_comment_transcript_and_cover(tagged: Path) -> None:
    tags = ID3(tagged)
    [comment] = tags.getall("COMM")
    assert (comment.lang, comment.desc, comment.text) == ("eng", "", [SUMMARY])
    [lyrics] = tags.getall("USLT")
    assert (lyrics.lang, lyrics.text) == ("eng", TRANSCRIPT)
    [cover] = tags.getall("APIC")
    assert cover.type == PictureType.COVER_FRONT == 3
    assert cover.mime == "image/jpeg"
    assert cover.data == COVER


def test_podcast_frames_survive_v23(tagged: Path) -> None:
    tags = ID3(tagged, translate=False)
    assert tags["PCST"].value == 1
    assert tags["WFED"].url == FEED_URL
    assert tags["TGID"].text == [EPISODE_URL]
    assert tags["TDES"].text == [SUMMARY]


def test_chapters_in_id3(tagged: Path) -> None:
    tags = ID3(tagged)
    [toc] = tags.getall("CTOC")
    assert toc.element_id == "toc"
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == ["chp0", "chp1", "chp2"]
    assert toc.sub_frames["TIT2"].text == [EPISODE_TITLE]
    chaps = {chap.element_id: chap for chap in tags.getall("CHAP")}
    expected = [(0, 5000), (5000, 12346), (12346, 20000)]
    for index, (title, (start, end)) in enumerate(zip(HOSTILE_TITLES, expected, strict=True)):
        chap = chaps[f"chp{index}"]
        assert (chap.start_time, chap.end_time) == (start, end)
        assert chap.sub_frames["TIT2"].text == [title]


def test_ffprobe_reads_the_chapters(tagged: Path) -> None:
    chapters = probe(tagged, "-show_chapters")["chapters"]
    assert len(chapters) == len(TIMELINE.chapters)
    ends = [mark.end for mark in TIMELINE.chapters[:-1]] + [TIMELINE.duration]
    for got, mark, end in zip(chapters, TIMELINE.chapters, ends, strict=True):
        assert abs(float(got["start_time"]) - mark.start) <= TOLERANCE
        assert abs(float(got["end_time"]) - end) <= TOLERANCE
        assert got["tags"]["title"] == mark.title


def test_audio_is_untouched(untagged: Path, tagged: Path) -> None:
    before = decoded_pcm(untagged)
    after = decoded_pcm(tagged)
    assert after == before
    samples = len(after) // 2
    assert abs(samples / 44100 - SECONDS) <= TOLERANCE
    assert abs(MP3(tagged).info.length - SECONDS) <= TOLERANCE
    assert abs(float(probe(tagged, "-show_format")["format"]["duration"]) - SECONDS) <= TOLERANCE


def test_retagging_replaces_the_old_tag(tagged: Path) -> None:
    two_chapters = Timeline(
        blocks=(),
        chapters=(ChapterMark("One", 0.0, 8.0), ChapterMark("Two", 8.0, 20.0)),
        duration=SECONDS,
    )
    write_tags(tagged, SHOW, META, two_chapters, "short", COVER, FEED_URL, EPISODE_URL)
    tags = ID3(tagged)
    assert sorted(chap.element_id for chap in tags.getall("CHAP")) == ["chp0", "chp1"]
    assert tags.getall("CTOC")[0].child_element_ids == ["chp0", "chp1"]
    assert tags.getall("USLT")[0].text == "short"
    assert [c["tags"]["title"] for c in probe(tagged, "-show_chapters")["chapters"]] == [
        "One",
        "Two",
    ]
