"""The seed episode, narrated by the real voice, read back by independent readers."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import Log, ebur128, run_build
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from pipeline.build.run import BuildResult
from pipeline.build.task import Project
from pipeline.core import tools

pytestmark = pytest.mark.slow
Seed = tuple[Project, BuildResult, Log]

JUNK = [
    "Wallpapers.com",
    "Free Stock Photo",
    "Stock Vector Image",
    "How to Be Happy",
    "Leave a Reply",
]


def mp3_of(project: Project) -> Path:
    return project.episodes / "001-invisible-walls" / "001-invisible-walls.mp3"


def test_mp3_meets_apples_loudness_spec(seed_build: Seed) -> None:
    loudness, _, true_peak = ebur128(mp3_of(seed_build[0]))
    assert -16.5 <= loudness <= -15.5
    assert true_peak <= -1.0


def test_no_clipped_samples(seed_build: Seed) -> None:
    pcm = tools.ffmpeg(
        "-loglevel", "error", "-i", str(mp3_of(seed_build[0])), "-f", "s16le", "-ac", "1", "-"
    ).stdout
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2")
    assert int(np.abs(samples.astype(np.int32)).max()) < 32767


def test_mp3_format(seed_build: Seed) -> None:
    info = MP3(mp3_of(seed_build[0])).info
    assert info.sample_rate == 44100 and info.channels == 1
    assert info.bitrate == 96000 and info.bitrate_mode == BitrateMode.CBR
    # The first audio frame is an Info (CBR Xing) header with a LAME extension, which
    # tells players the exact frame count: the right duration without a full scan.
    data = mp3_of(seed_build[0]).read_bytes()
    id3_size = 10 + sum(b << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    frame = data[id3_size : id3_size + 417]  # one 96 kbps frame at 44.1 kHz
    assert frame[:2] == b"\xff\xfb"
    assert frame[21:25] == b"Info"
    assert b"Lavc" in frame or b"LAME" in frame  # the LAME extension, with encoder delay


def test_leading_and_trailing_silence_at_most_half_a_second(seed_build: Seed) -> None:
    log = tools.ffmpeg(
        "-nostats", "-i", str(mp3_of(seed_build[0])),
        "-af", "silencedetect=noise=-50dB:d=0.3", "-f", "null", "-",
    ).stderr.decode()  # fmt: skip
    duration = MP3(mp3_of(seed_build[0])).info.length
    starts = [float(x) for x in re.findall(r"silence_start: (-?[\d.]+)", log)]
    ends = [float(x) for x in re.findall(r"silence_end: ([\d.]+)", log)]
    if starts and starts[0] <= 0.01:
        assert ends[0] <= 0.5
    if len(starts) > len(ends):  # silence running to the end of the file
        assert duration - starts[-1] <= 0.5


def test_tags_read_back(seed_build: Seed) -> None:
    project = seed_build[0]
    tags = ID3(mp3_of(project))
    assert tags.version == (2, 3, 0)
    assert str(tags["TIT2"]).startswith("The Invisible Walls")
    assert str(tags["TALB"]) == "Essaycast" and str(tags["TCON"]) == "Podcast"
    assert str(tags["TRCK"]) == "1"
    assert tags.getall("APIC")[0].mime == "image/jpeg"
    assert len(tags.getall("APIC")[0].data) < 400_000
    transcript = tags.getall("USLT")[0].text
    assert "From a young age, many men" in transcript
    assert "Leave a Reply" not in transcript
    assert int(str(tags["TLEN"])) == pytest.approx(MP3(mp3_of(project)).info.length * 1000, abs=60)
    for frame in ("PCST", "WFED", "TGID", "TDES", "COMM", "TLAN"):
        assert tags.getall(frame), frame


def test_chapters_match_the_audio_by_ffprobe(seed_build: Seed) -> None:
    project, result, _ = seed_build
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(mp3_of(project))],
        capture_output=True, check=True, text=True,
    )  # fmt: skip
    # ffprobe lists chapters in the order the CHAP frames stand in the file, as mpv and
    # VLC show them: that order must be the chapters' own.
    chapters = json.loads(probe.stdout)["chapters"]
    timeline = result.built[0].timeline
    assert [c["tags"]["title"] for c in chapters] == [m.title for m in timeline.chapters]
    assert len(chapters) == 5
    for found, expected in zip(chapters, timeline.chapters, strict=True):
        assert float(found["start_time"]) == pytest.approx(expected.start, abs=0.05)
        assert float(found["end_time"]) == pytest.approx(expected.end, abs=0.05)
    assert timeline.duration == pytest.approx(MP3(mp3_of(project)).info.length, abs=0.1)


def test_chapter_starts_are_where_the_heading_is_heard(seed_build: Seed) -> None:
    """A heading's audio starts at its chapter mark: silence just before, sound just after."""
    project, result, _ = seed_build
    pcm = tools.ffmpeg(
        "-loglevel",
        "error",
        "-i",
        str(mp3_of(project)),
        "-f",
        "s16le",
        "-ac",
        "1",
        "-ar",
        "8000",
        "-",
    ).stdout
    import numpy as np

    samples = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32))
    for mark in result.built[0].timeline.chapters[1:]:
        at = int(mark.start * 8000)
        before = samples[at - 2400 : at - 400].max()  # 0.3 s to 0.05 s before: the pause
        after = samples[at : at + 2400].max()  # the first 0.3 s of the heading
        assert before < after / 8, mark.title


def test_cleaning_report_lists_every_dropped_line(seed_build: Seed) -> None:
    project, _, log = seed_build
    report = (project.episodes / "001-invisible-walls" / "cleaning-report.txt").read_text()
    for junk in JUNK:
        assert junk in report
        assert any(junk in line for line in log.lines if "dropped line" in line)


def test_every_sentence_of_the_essay_is_heard_and_no_junk(seed_build: Seed) -> None:
    project, result, _ = seed_build
    spoken = " ".join(
        s.text for b in result.built[0].timeline.blocks for s in b.sentences if b.kind != "intro"
    )
    script = (project.scripts / "001-invisible-walls.txt").read_text(encoding="utf-8")
    body = script.split("\n---\n", 1)[1]  # after the front matter
    paragraphs = [p for p in body.split("\n\n") if len(p) > 100 and p.endswith(".")]
    assert len(paragraphs) == 10  # plus four spoken section headings
    squash = lambda text: re.sub(r"[\ue000-\uf8ff\s]+", " ", text).strip()  # noqa: E731
    for paragraph in paragraphs:
        assert squash(paragraph) in squash(spoken)
    for junk in JUNK:
        assert junk not in spoken


def test_rebuild_synthesizes_nothing(seed_build: Seed) -> None:
    project = seed_build[0]
    before = mp3_of(project).stat().st_mtime_ns
    again, log = run_build(project, jobs=2)
    assert again.synthesized == 0 and not again.failed
    assert mp3_of(project).stat().st_mtime_ns == before
    assert "audio up to date" in log.text


def test_one_sentence_edit_redoes_only_it_and_stays_on_loudness_target(
    seed_build: Seed, tmp_path: Path
) -> None:
    """An edit re-synthesizes one utterance; the remaster reuses the last gain, and the
    MP3 it keeps must still meet the spec, measured here on the file itself."""
    import shutil

    project = Project(tmp_path / "copy")
    shutil.copytree(seed_build[0].root, project.root)
    script = project.scripts / "001-invisible-walls.txt"
    old = "Emotional intimacy is built on trust, empathy, and open communication."
    text = script.read_text(encoding="utf-8")
    assert old in text
    script.write_text(text.replace(old, old.replace("open", "honest")), encoding="utf-8")
    result, log = run_build(project, jobs=2, explain=True)
    assert result.synthesized == 1 and not result.failed
    assert "synthesize (new or edited text): Emotional intimacy is built on trust" in log.text
    loudness, _, true_peak = ebur128(mp3_of(project))
    assert -16.5 <= loudness <= -15.5 and true_peak <= -1.0


def test_the_built_site_checks_out_as_a_podcast_app_reads_it(seed_build: Seed) -> None:
    from pipeline.delivery.check import check_site
    from pipeline.settings.config import load_show

    project = seed_build[0]
    show = load_show(project.show_toml)
    assert check_site(project.root, show, show.base_url) == []


@pytest.mark.browser
def test_the_real_pages_pass_axe_in_chromium(seed_build: Seed) -> None:
    from browser import axe_violations, chromium, describe, serve

    project = seed_build[0]
    with serve(project.root) as base, chromium() as browser:
        page = browser.new_page()
        for path in ("episodes/001-invisible-walls/", "feed/"):
            page.goto(base + path)
            page.wait_for_load_state("load")
            violations = axe_violations(page)
            assert violations == [], describe(violations)
        page.goto(base + "episodes/001-invisible-walls/")
        cues = page.evaluate(
            """() => new Promise(resolve => {
                const track = document.querySelector('track').track;
                track.mode = 'hidden';
                const wait = () => track.cues && track.cues.length
                    ? resolve(track.cues.length) : setTimeout(wait, 50);
                wait();
            })"""
        )
        assert cues > 40  # Chromium parsed the real captions file
