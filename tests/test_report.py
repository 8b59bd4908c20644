"""The producer's reports: numbers that agree with ffmpeg's own meter, pictures with words,
nothing public links them, and an unchanged episode costs nothing."""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import cli, copy_project, ebur128, make_project, run_build

from pipeline.audio.loudness import Meter
from pipeline.build.run import BuildResult
from pipeline.build.task import Project
from pipeline.core import tools
from pipeline.release import report

SLUG = "001-invisible-walls"
SUMMARY_LINE = re.compile(r"^  \d+:\d\d, -?\d+\.\d LUFS, -?\d+\.\d dBTP, \d+ words/min$")


@pytest.fixture(scope="module")
def fake_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, BuildResult]:
    project = make_project(tmp_path_factory.mktemp("report"))
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed
    return project, result


# ------------------------------------------------------------------ the meter itself


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_meter_agrees_with_ffmpeg_on_speechlike_noise(tmp_path: Path, rate: int) -> None:
    wav = tmp_path / "noise.wav"
    tools.ffmpeg(
        "-f", "lavfi", "-i",
        "anoisesrc=d=40:c=pink:a=0.3:seed=7,volume='0.2+0.8*gt(sin(2*PI*t/5),0)':eval=frame",
        "-ar", str(rate), "-ac", "1", str(wav),
    )  # fmt: skip
    integrated, lra, peak = ebur128(wav)
    pcm = tools.ffmpeg("-i", str(wav), "-f", "f32le", "-ac", "1", "-").stdout
    meter = Meter(rate)
    samples = np.frombuffer(pcm, dtype="<f4")
    for start in range(0, len(samples), 30_000):  # chunks that split blocks and filters
        meter.add(samples[start : start + 30_000])
    measured = meter.measurement()
    assert abs(measured.integrated_lufs - integrated) <= 0.1
    assert abs(measured.loudness_range_lu - lra) <= 0.5
    assert abs(measured.true_peak_dbtp - peak) <= 0.3
    assert abs(measured.duration - 40) < 0.01


def test_meter_finds_a_single_loud_click_and_when_it_happens() -> None:
    rate = 22050
    quiet = np.zeros(rate * 10)
    quiet[rate * 7 + 123] = 0.5  # one sample at -6 dBFS, 7 s in
    meter = Meter(rate)
    for start in range(0, len(quiet), 4096):
        meter.add(quiet[start : start + 4096])
    measured = meter.measurement()
    assert abs(measured.true_peak_at - (7 + 123 / rate)) < 0.01
    assert -6.5 < measured.true_peak_dbtp < -5.5


# ------------------------------------------------------------------ the seed, real voice


@pytest.mark.slow
def test_seed_report_numbers_match_ffmpeg_ebur128(
    seed_build: tuple[Project, BuildResult, object],
) -> None:
    project, _, log = seed_build
    folder = project.episodes / SLUG
    record = report.read_record(folder)
    assert record is not None
    integrated, _, peak = ebur128(folder / f"{SLUG}.mp3")
    assert abs(record.facts.integrated_lufs - integrated) <= 0.2
    assert abs(record.facts.true_peak_dbtp - peak) <= 0.3
    page = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
    assert f"{record.facts.integrated_lufs:.1f} LUFS" in page
    assert f"{record.facts.true_peak_dbtp:.1f} dBTP" in page
    show_page = html.unescape((project.feed / "report.html").read_text(encoding="utf-8"))
    assert f"{record.facts.integrated_lufs:.1f}" in show_page
    assert sum(bool(SUMMARY_LINE.match(line)) for line in log.lines) == 1  # type: ignore[attr-defined]


# ------------------------------------------------------------------ what the report shows


def test_report_has_every_part_with_words_for_every_picture(
    fake_project: tuple[Project, BuildResult],
) -> None:
    project, _ = fake_project
    page = (project.episodes / SLUG / "report.html").read_text(encoding="utf-8")
    for heading in (
        "Waveform and chapters", "Loudness over time", "Pauses", "Speech rate by chapter",
        "Longest sentences", "Cleaning", "The build that made this report",
    ):  # fmt: skip
        assert f">{heading}</h2>" in page
    images = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', page)
    assert len(images) == 4
    captions = re.findall(r'<figcaption id="[^"]+">([^<]+)</figcaption>', page)
    assert len(captions) == 4
    assert "The Roots of Stoicism" in html.unescape(captions[0])  # chapters named in words
    assert "Integrated loudness -16.0 LUFS" in html.unescape(captions[1])
    assert re.search(r"\d+ between sentences \(median 0\.45 s", captions[2])
    # The seed's junk lines are listed with their reasons.
    assert "Leave a Reply" in page and "comment form" in page
    assert re.search(r"Utterances: \d+ from the cache, \d+ synthesized\.", page)
    # A first build encodes every chapter of the seed (five).
    assert "MP3 chapters: 5 of 5 encoded" in page


def test_pauses_and_rates_follow_the_timeline(fake_project: tuple[Project, BuildResult]) -> None:
    _, result = fake_project
    timeline = result.built[0].timeline
    gaps = report.pauses(timeline)
    assert gaps["sentences"] and min(gaps["sentences"]) >= 0.44  # Pauses().sentence
    assert len(gaps["chapters"]) == len(timeline.chapters) - 1
    rates = report.chapter_rates(timeline)
    assert [title for title, _ in rates] == [mark.title for mark in timeline.chapters]
    assert all(60 < wpm < 300 for _, wpm in rates)
    longest = report.longest_sentences(timeline)
    assert [s for s, _, _ in longest] == sorted((s for s, _, _ in longest), reverse=True)


# ------------------------------------------------------------------ private, and cheap


def _links(text: str) -> list[str]:
    return re.findall(r'(?:href|src|url)="([^"]*)"', text) + re.findall(r"<link>([^<]*)<", text)


def test_no_public_page_or_feed_reaches_a_report(fake_project: tuple[Project, BuildResult]) -> None:
    project, _ = fake_project
    public = [project.feed / "feed.xml", project.feed / "index.html"]
    public += sorted(project.episodes.glob("*/index.html"))
    for path in public:
        text = path.read_text(encoding="utf-8")
        assert "report.html" not in text and ".report.json" not in text, path
        assert not [link for link in _links(text) if "report" in link], path
    # Nor does the preview server offer them, even to someone who knows the address.
    from browser import serve

    with serve(project.root) as base:
        private = (
            "feed/report.html",
            f"episodes/{SLUG}/report.html",
            f"episodes/{SLUG}/.report.json",
        )
        for name in private:
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + name, timeout=10)
            assert refused.value.code == 404, name
        with urllib.request.urlopen(base + f"episodes/{SLUG}/index.html", timeout=10) as page:
            assert page.status == 200  # the public page beside it is served


def test_noop_build_rewrites_no_report_and_measures_nothing(
    fake_project: tuple[Project, BuildResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(fake_project[0], tmp_path / "project")
    reports = [project.episodes / SLUG / "report.html", project.feed / "report.html"]
    before = [p.stat().st_mtime_ns for p in reports]

    def no_decoding(path: Path) -> None:
        raise AssertionError(f"decoded {path} for the report")

    monkeypatch.setattr(report, "measure_mp3", no_decoding)
    again, log = run_build(project, engine="fake", jobs=1)
    assert not again.failed
    assert [p.stat().st_mtime_ns for p in reports] == before
    assert sum(bool(SUMMARY_LINE.match(line)) for line in log.lines) == 1


def test_a_summary_edit_redraws_no_audio_and_decodes_nothing_for_the_report(
    fake_project: tuple[Project, BuildResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(fake_project[0], tmp_path / "project")
    record = json.loads((project.episodes / SLUG / ".report.json").read_text())
    # The summary is not spoken: the audio stays, and so does its measurement.
    script = project.scripts / f"{SLUG}.txt"
    script.write_bytes(script.read_bytes().replace(b"summary:", b"summary: Now", 1))

    def no_decoding(path: Path) -> None:
        raise AssertionError(f"decoded {path} for the report")

    monkeypatch.setattr(report, "measure_mp3", no_decoding)
    run_build(project, engine="fake", jobs=1)
    after = json.loads((project.episodes / SLUG / ".report.json").read_text())
    assert after["audio_key"] == record["audio_key"]
    assert after["measurement"] == record["measurement"]


def test_only_the_charts_whose_data_changed_are_drawn_again(
    fake_project: tuple[Project, BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each chart is kept with the report under a key of what it shows: the same data
    draws nothing, another loudness target redraws the loudness chart alone, new chapter
    titles the two charts that name chapters."""
    import dataclasses

    from pipeline.build import manifest
    from pipeline.core.model import EpisodeFiles
    from pipeline.release import charts

    folder = fake_project[0].episodes / SLUG
    kept, built = report.read_record(folder), manifest.read(EpisodeFiles(folder))
    assert kept is not None and built is not None and len(kept.figures) == 4
    drawn: list[str] = []
    for name in ("waveform", "loudness_over_time", "pause_histogram", "speech_rate"):
        real = getattr(charts, name)
        monkeypatch.setattr(charts, name, lambda *a, _n=name, _r=real: drawn.append(_n) or _r(*a))
    timeline, measured = built.timeline, kept.measurement
    assert report._figures(measured, timeline, -16.0, kept.figures) == kept.figures
    assert drawn == []
    louder = report._figures(measured, timeline, -14.0, kept.figures)
    assert drawn == ["loudness_over_time"]
    assert {k for k in louder if louder[k] != kept.figures[k]} == {"loudness"}
    drawn.clear()
    renamed = tuple(dataclasses.replace(mark, title=f"Part {i}") for i, mark in
                    enumerate(timeline.chapters))  # fmt: skip
    report._figures(measured, dataclasses.replace(timeline, chapters=renamed), -16.0, kept.figures)
    assert sorted(drawn) == ["speech_rate", "waveform"]


def test_new_audio_is_measured_by_mastering_not_decoded_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(path: Path) -> None:
        raise AssertionError(f"decoded {path} for the report")

    monkeypatch.setattr(report, "measure_mp3", no_decoding)
    project = make_project(tmp_path)
    result, _ = run_build(project, engine="fake", jobs=1)  # a cold build decodes its MP3 once
    assert not result.failed
    assert report.read_record(project.episodes / SLUG) is not None


def test_check_problems_appear_in_the_show_report(
    fake_project: tuple[Project, BuildResult], tmp_path: Path
) -> None:
    project = copy_project(fake_project[0], tmp_path / "project")
    (project.episodes / SLUG / f"{SLUG}.vtt").unlink()
    done = cli(project.root, "check")
    assert done.returncode == 1
    show_page = html.unescape((project.feed / "report.html").read_text(encoding="utf-8"))
    row = show_page[show_page.index(f"../episodes/{SLUG}/report.html") :]
    assert f"{SLUG}.vtt" in row.split("</tr>")[0]
    assert "Problems as of the last `make check`" in show_page


def test_report_command_prints_the_show_report_path(
    fake_project: tuple[Project, BuildResult], tmp_path: Path
) -> None:
    missing = cli(make_project(tmp_path / "unbuilt").root, "report")
    assert missing.returncode == 1 and "run `make` first" in missing.stderr
    assert "Traceback" not in missing.stderr
    project = copy_project(fake_project[0], tmp_path / "project")
    done = cli(project.root, "report")
    assert done.returncode == 0
    assert Path(done.stdout.strip()) == project.feed / "report.html"


# ------------------------------------------------------------------ accessible


@pytest.mark.browser
def test_both_reports_pass_axe(fake_project: tuple[Project, BuildResult]) -> None:
    from browser import axe_violations, chromium, describe

    project, _ = fake_project
    with chromium() as browser:
        page = browser.new_page()
        for path in (project.episodes / SLUG / "report.html", project.feed / "report.html"):
            page.goto(path.as_uri())
            violations = axe_violations(page)
            assert violations == [], f"{path.name}:\n{describe(violations)}"
