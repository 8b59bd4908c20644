"""Issue 5, "Robust", end to end: what a producer's build survives.

* a build killed (SIGKILL) at any moment leaves only whole files, and the next build resumes
  from the cache, cleans up after the killed one and passes `essaycast check`;
* two builds started at once take turns;
* hostile titles, summaries and text come out as literal text everywhere (feed, ID3 tags,
  transcripts, pages in Chromium), and script names cannot write outside the project's
  output folders;
* bad input is one clear line, a non-zero exit status and nothing half made;
* a gTTS outage names the script and the utterance, and the rerun asks Google only for what
  is missing.

Builds use the deterministic fake voice, except where a real engine class must refuse.
(A corrupt cache entry being redone is tested in test_build.py.)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest
import requests
import responses
from conftest import REPO, cli, make_project, one_line_failure, run_build
from lxml import etree
from mutagen import MutagenError
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from PIL import Image
from test_gtts import URL, wire_body

from pipeline.build.task import Project
from pipeline.core import tools
from pipeline.core.errors import ToolError
from pipeline.reading.script import parse_name
from pipeline.release.transcripts import validate_srt, validate_webvtt
from pipeline.speech.cache import HEADER, MAGIC
from pipeline.speech.engines.gtts import FIRST_DELAY_VARIABLE

DATA = Path(__file__).parent / "data" / "robust"
SECOND = (DATA / "002-second.md").read_text(encoding="utf-8")
BUILD = ("build", "--engine", "fake", "--jobs", "2")
SUMMARY = re.compile(r"built (\d+) episode\(s\), (\d+) utterance\(s\) synthesized")
WAITING = re.compile(r"another build \(pid (\d+)\) is running in this project; waiting")
ASSETS = {p.name: p.read_bytes() for p in (REPO / "pipeline" / "assets").iterdir()}
MP3_LENGTH_TOLERANCE_S = 0.1


# ---------------------------------------------------------------- running the CLI


def start(root: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """A CLI build in its own process group (so it can be killed with its workers and
    ffmpeg, as a crash or power cut would), logging to a file (a pipe could fill up)."""
    with open(log, "wb") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "--root", str(root), *args],
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def synthesized(log: str) -> int:
    found = SUMMARY.findall(log)
    assert len(found) == 1, log
    return int(found[0][1])


def errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("error:")]


def leftovers(root: Path) -> list[Path]:
    return sorted(root.rglob("*.part"))


def valid_cache_entries(project: Project) -> int:
    cache = project.cache
    return sum(cache.get(path.stem) is not None for path in cache.folder.rglob("*.pcm"))


# ---------------------------------------------------------------- reading outputs as clients


def mp3_problem(data: bytes) -> str | None:
    """A finished MP3 decodes without a word from ffmpeg, has its tags, and lasts as long
    as its Xing header says; one cut short (a half-written file) lasts less."""
    try:
        info = MP3(fileobj=io.BytesIO(data)).info
        tags = ID3(fileobj=io.BytesIO(data))
    except MutagenError as exc:
        return f"mutagen cannot read it: {exc!r}"
    assert info is not None
    if "TIT2" not in tags:
        return "no title tag: the untagged encoder output was published"
    try:
        done = tools.ffmpeg(
            "-v", "error", "-f", "mp3", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "pipe:1",
            input=data,
        )  # fmt: skip
    except ToolError as exc:
        return f"ffmpeg cannot decode it: {exc}"
    if done.stderr.strip():
        return f"ffmpeg decodes it with errors: {done.stderr[:200]!r}"
    decoded = len(done.stdout) / 2 / info.sample_rate
    if abs(decoded - info.length) > MP3_LENGTH_TOLERANCE_S:
        return f"decodes to {decoded:.2f} s but its Xing header says {info.length:.2f} s"
    return None


def cache_problem(data: bytes) -> str | None:
    magic, _, count, digest = HEADER.unpack_from(data.ljust(HEADER.size, b"\0"))
    pcm = data[HEADER.size :]
    if magic != MAGIC or len(pcm) != count or hashlib.sha256(pcm).digest() != digest:
        return "cache entry is not whole"
    return None


def feed_problem(data: bytes) -> str | None:
    try:
        etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        return f"not well-formed XML: {exc}"
    parsed = feedparser.parse(data)
    return f"feedparser: {parsed.bozo_exception}" if parsed.bozo else None


def image_problem(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except OSError as exc:
        return f"Pillow cannot load it: {exc}"
    return None


def text_problem(validate: Callable[[str], list[str]]) -> Callable[[bytes], str | None]:
    def judge(data: bytes) -> str | None:
        found = validate(data.decode("utf-8"))
        return "; ".join(found[:3]) if found else None

    return judge


def json_problem(data: bytes) -> str | None:
    try:
        json.loads(data)
    except ValueError as exc:
        return f"not JSON: {exc}"
    return None


def html_problem(data: bytes) -> str | None:
    return None if data.rstrip().endswith(b"</html>") else "the page stops before </html>"


def line_text_problem(data: bytes) -> str | None:
    data.decode("utf-8")
    return None if data.endswith(b"\n") else "stops mid-line"


def epub_problem(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            broken = book.testzip()
            first = book.infolist()[0].filename
    except (zipfile.BadZipFile, IndexError) as exc:
        return f"not a whole zip: {exc}"
    if broken is not None:
        return f"entry {broken} is damaged"
    return None if first == "mimetype" else f"first entry is {first}, not mimetype"


def m4b_problem(data: bytes) -> str | None:
    import mutagen
    import mutagen.mp4

    try:
        audio = mutagen.mp4.MP4(io.BytesIO(data))
    except mutagen.MutagenError as exc:
        return f"mutagen cannot read it: {exc}"
    return None if audio.info is not None and audio.info.length > 0 else "no audio"


JUDGES: dict[str, Callable[[bytes], str | None]] = {
    ".mp3": mp3_problem,
    ".pcm": cache_problem,
    ".xml": feed_problem,
    ".jpg": image_problem,
    ".vtt": text_problem(validate_webvtt),
    ".srt": text_problem(validate_srt),
    ".json": json_problem,
    ".html": html_problem,
    ".txt": line_text_problem,
    ".epub": epub_problem,
    ".m4b": m4b_problem,
}


class Auditor:
    """Reads every output that exists, as a client would, and names any that is not whole.

    Each version of a file (its inode, size and mtime) is judged once, so polling stays
    cheap; a file written in place would show up as new versions, half-written ones included.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.judged: set[tuple[Path, int, int, int]] = set()
        self.files_seen: set[str] = set()

    def outputs(self) -> Iterator[Path]:
        yield from self.root.joinpath("feed").glob("*")
        yield from self.root.joinpath("episodes").glob("*/*")
        yield from self.root.joinpath(".cache", "audio").glob("*/*.pcm")

    def audit(self) -> list[str]:
        problems = []
        for path in self.outputs():
            if path.suffix == ".part" or path.name == "show.toml":
                continue
            try:
                with open(path, "rb") as handle:
                    stat = os.fstat(handle.fileno())
                    version = (path, stat.st_ino, stat.st_size, stat.st_mtime_ns)
                    if version in self.judged:
                        continue
                    data = handle.read()
            except (FileNotFoundError, IsADirectoryError):
                continue
            if path.name in ASSETS:
                problem = None if data == ASSETS[path.name] else "differs from the asset"
            else:
                problem = JUDGES[path.suffix](data)
            if problem:
                problems.append(f"{path.relative_to(self.root)}: {problem}")
            self.judged.add(version)
            self.files_seen.add(path.name)
        return problems


def watch(
    auditor: Auditor, processes: list[subprocess.Popen[bytes]], done: Callable[[], bool]
) -> None:
    """Audit the outputs over and over while the processes run, until ``done()``."""
    while not done() and any(p.poll() is None for p in processes):
        problems = auditor.audit()
        assert not problems, problems
        time.sleep(0.02)


# ---------------------------------------------------------------- 1. crash safety

KILL_TRIALS = 10
# The line of a build's log that starts each of its stages after the first ("starting"),
# as a test of (the number of the episode being built, the line).
STAGE_MARKS: tuple[Callable[[int, str], bool], ...] = (
    lambda episode, line: ": synthesizing: 0/" in line,
    lambda episode, line: "mastering" in line,
    lambda episode, line: episode == 2,
    lambda episode, line: episode == 2 and "mastering" in line,
)


def stage_starts(lines: list[str]) -> list[int]:
    """Index of the line that started each stage a build has reached (-1: the first)."""
    found, episode = [-1], 0
    for index, line in enumerate(lines):
        episode += line.endswith((".md:", ".txt:"))
        if len(found) <= len(STAGE_MARKS) and STAGE_MARKS[len(found) - 1](episode, line):
            found.append(index)
    return found


def stage_of(lines: list[str]) -> str:
    """Where a build had got to, from the last thing it said."""
    episode, activity = 0, "starting"
    for line in lines:
        if line.endswith((".md:", ".txt:")):
            episode, activity = episode + 1, "reading"
        elif ": synthesizing:" in line:
            activity = "synthesizing"
        elif "mastering" in line:
            activity = "mastering"
    return f"episode {episode}: {activity}" if episode else activity


class Log:
    """A running build's log file, with the moment each line first appeared."""

    def __init__(self, path: Path) -> None:
        self.path, self.began = path, time.monotonic()
        self.lines: list[str] = []
        self.seen_at: list[float] = []

    def read(self) -> list[str]:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        now = time.monotonic() - self.began
        self.seen_at += [now] * (len(lines) - len(self.lines))
        self.lines = lines
        return lines

    def reached(self, stage: int) -> bool:
        return len(stage_starts(self.read())) > stage


def kill_during(
    project: Project, log: Log, stage: int, seconds: float
) -> tuple[subprocess.Popen[bytes], Auditor]:
    """Start a build; once it reaches ``stage``, let it go on for ``seconds``, then kill it
    with its workers and ffmpeg. Every output is audited all the while."""
    auditor = Auditor(project.root)
    process = start(project.root, log.path, *BUILD)
    try:
        watch(auditor, [process], lambda: log.reached(stage))
        kill_at = time.monotonic() + seconds
        watch(auditor, [process], lambda: time.monotonic() >= kill_at)
    finally:
        kill_group(process)
    return process, auditor


@pytest.mark.slow
def test_a_build_killed_at_any_moment_leaves_only_whole_files(tmp_path: Path) -> None:
    # A cold build first, watched the same way, to learn how long each of its stages lasts.
    cold_project = make_project(tmp_path / "cold", {"002-second.md": SECOND})
    cold = Log(tmp_path / "cold.log")
    process = start(cold_project.root, cold.path, *BUILD)

    def note_the_time_of_each_line() -> bool:
        cold.read()
        return False  # watch it to the end

    watch(Auditor(cold_project.root), [process], note_the_time_of_each_line)
    assert process.wait() == 0, cold.read()
    finished = time.monotonic() - cold.began
    starts = [0.0] + [cold.seen_at[i] for i in stage_starts(cold.read())[1:]]
    assert len(starts) == len(STAGE_MARKS) + 1, cold.lines
    lasting = [end - begin for begin, end in zip(starts, [*starts[1:], finished], strict=True)]
    cold_count = synthesized("\n".join(cold.lines))
    assert cold_count == valid_cache_entries(cold_project) > 20

    rng = random.Random(5)
    stages: list[str] = []
    reruns: list[int] = []
    for attempt in range(KILL_TRIALS + 4):
        if len(stages) == KILL_TRIALS:
            break
        # Each stage in turn, killed at a random moment of it.
        stage = attempt % len(lasting)
        project = make_project(tmp_path / f"try-{attempt}", {"002-second.md": SECOND})
        log = Log(tmp_path / f"try-{attempt}.log")
        process, auditor = kill_during(project, log, stage, rng.uniform(0, 0.8) * lasting[stage])
        assert not auditor.audit()  # at rest after the crash, too
        assert process.returncode in (0, -signal.SIGKILL), log.read()
        if process.returncode == 0:
            continue  # it finished first (the last stage is short): not a crash, try again
        cached = valid_cache_entries(project)
        stages.append(stage_of(log.read()))

        rerun = cli(project.root, *BUILD)
        assert rerun.returncode == 0, rerun.stderr
        # It synthesizes exactly what the killed build had not cached: nothing twice.
        assert synthesized(rerun.stderr) == cold_count - cached, stages[-1]
        reruns.append(cold_count - cached)
        assert not auditor.audit()
        assert leftovers(project.root) == [], "the rerun must sweep up the temp files"
        check = cli(project.root, "check")
        assert check.returncode == 0, check.stderr
        assert {".mp3", ".vtt", ".json", ".xml", ".html"} <= {
            Path(name).suffix for name in auditor.files_seen
        }
    assert len(stages) == KILL_TRIALS, stages
    assert len(set(stages)) >= 4, stages
    # Killed once the first episode's voice was done, the rerun had less to do than a cold one.
    after_synthesis = ("episode 1: mastering", "episode 2")
    resumed = [
        n for stage, n in zip(stages, reruns, strict=True) if stage.startswith(after_synthesis)
    ]
    assert len(resumed) >= KILL_TRIALS // 2 and max(resumed) < cold_count, (stages, reruns)


@pytest.mark.slow
def test_leftover_temp_files_of_a_killed_build_are_swept_by_the_next(tmp_path: Path) -> None:
    """Deterministic companion to the random kills: stale temp files in every folder the
    build writes are removed; the producer's own files are not touched."""
    project = make_project(tmp_path, {"002-second.md": SECOND}, seed=False)
    assert cli(project.root, *BUILD).returncode == 0
    stale = [
        project.episodes / "002-second" / ".002-second.mp3.abc123.part",
        project.feed / ".feed.xml.xyz789.part",
        next(project.cache.folder.iterdir()) / ".deadbeef.pcm.q1w2e3.part",
    ]
    for path in stale:
        path.write_bytes(b"half a file")
    keep = project.scripts / "notes.part"
    keep.write_text("the producer's own file")
    again = cli(project.root, *BUILD)
    assert again.returncode == 0 and synthesized(again.stderr) == 0
    assert [p for p in stale if p.exists()] == []
    assert keep.exists()


# ---------------------------------------------------------------- 3. two builds at once


@pytest.mark.slow
def test_two_builds_at_once_take_turns(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", {"002-second.md": SECOND})
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    auditor = Auditor(project.root)
    processes = [start(project.root, log, *BUILD) for log in logs]
    try:
        watch(auditor, processes, lambda: False)
    finally:
        for process in processes:
            kill_group(process)
    texts = [log.read_text(encoding="utf-8") for log in logs]
    assert [p.returncode for p in processes] == [0, 0], texts
    waiting = [WAITING.search(text) for text in texts]
    assert sum(match is not None for match in waiting) == 1, texts
    second = 0 if waiting[0] else 1
    first = 1 - second
    match = waiting[second]
    assert match is not None
    # It named the build it waited for, said so before doing anything, then found it all done.
    assert int(match[1]) == processes[first].pid
    assert texts[second].splitlines()[0] == match.string[match.start() :].splitlines()[0]
    assert synthesized(texts[first]) > 20
    assert synthesized(texts[second]) == 0
    assert texts[second].count("audio up to date") == 2
    assert not auditor.audit()
    assert leftovers(project.root) == []
    assert cli(project.root, "check").returncode == 0


# ---------------------------------------------------------------- 4. hostile text

HOSTILE_TITLE = (
    "<script>alert('title')</script> ]]> &amp; Fish & Chips \"quoted\" 'single' "
    "🎙️ \u200fשלום\u200f <img src=x onerror=alert(1)>"
)
HOSTILE_SUMMARY = (
    "<script>alert('summary')</script> ]]> &amp; & \"q\" 🎧 \u202eevil\u202c <b>bold</b>"
)
HOSTILE_SENTENCE = (
    "The body has <script>alert('body')</script> and ]]> and &amp; and a bare & sign."
)
LONG_TITLE = ("A long <b>title</b> & ]]> that goes on, " * 60)[:1999] + "!"


def front_matter(title: str, summary: str, date: str) -> str:
    # JSON strings are YAML double-quoted strings; raw emoji and marks stay as they are.
    return (
        f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ndate: {date}\n"
        f"summary: {json.dumps(summary, ensure_ascii=False)}\n---\n"
    )


HOSTILE_SCRIPTS = {
    "002-hostile.txt": front_matter(HOSTILE_TITLE, HOSTILE_SUMMARY, "2026-12-02")
    + f"{HOSTILE_SENTENCE} \"Quotes\" and 'single' too 🎉.\n\nRight to left: שלום עולם, done.\n",
    "003-long.md": front_matter(LONG_TITLE, "A very long title.", "2026-12-03")
    + "# A heading & more\n\nA short body, to go with the long title.\n",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = make_project(tmp_path_factory.mktemp("hostile"), HOSTILE_SCRIPTS, seed=False)
    done = cli(project.root, *BUILD)
    assert done.returncode == 0, done.stderr
    assert len(LONG_TITLE) == 2000
    return project


def test_hostile_text_is_literal_in_feed_tags_and_transcripts(hostile: Project) -> None:
    data = (hostile.feed / "feed.xml").read_bytes()
    assert feed_problem(data) is None
    titles = [item.findtext("title") for item in etree.fromstring(data).iter("item")]
    assert titles == [LONG_TITLE, HOSTILE_TITLE]  # newest first
    parsed = feedparser.parse(data)
    assert [entry.title for entry in parsed.entries] == [LONG_TITLE, HOSTILE_TITLE]
    for slug, title, summary in (
        ("002-hostile", HOSTILE_TITLE, HOSTILE_SUMMARY),
        ("003-long", LONG_TITLE, "A very long title."),
    ):
        tags = ID3(hostile.episodes / slug / f"{slug}.mp3")
        assert tags["TIT2"].text == [title]
        assert tags["TDES"].text == [summary]
    folder = hostile.episodes / "002-hostile"
    assert HOSTILE_SENTENCE in (folder / "002-hostile.txt").read_text(encoding="utf-8")
    said = [s["body"] for s in json.loads((folder / "002-hostile.json").read_text())["segments"]]
    assert HOSTILE_SENTENCE in " ".join(said)
    check = cli(hostile.root, "check")
    assert check.returncode == 0, check.stderr


@pytest.mark.browser
def test_hostile_pages_show_the_text_and_run_none_of_it(hostile: Project) -> None:
    from browser import axe_violations, chromium, describe, serve
    from playwright.sync_api import Dialog

    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    with serve(hostile.root) as base, chromium() as browser:
        page = browser.new_page()
        page.on("dialog", refuse)
        page.goto(base + "episodes/002-hostile/")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").text_content() == HOSTILE_TITLE
        assert HOSTILE_TITLE in page.title()
        assert page.locator(".summary").text_content() == HOSTILE_SUMMARY
        assert HOSTILE_SENTENCE in (page.locator("#transcript").text_content() or "")
        assert page.locator("img").count() == 0 and page.locator("b").count() == 0
        # Chromium's own WebVTT parser reads the captions back as the same literal text.
        cues: list[str] = page.evaluate(
            """async () => {
                const track = document.querySelector("track");
                track.track.mode = "hidden";
                if (track.readyState !== 2) {
                    await new Promise((done) => track.addEventListener("load", done));
                }
                return Array.from(track.track.cues, (cue) => cue.getCueAsHTML().textContent);
            }"""
        )
        assert any("<script>alert('body')</script>" in cue for cue in cues), cues
        page.locator("#player").evaluate("audio => audio.play().catch(() => null)")
        page.locator("a.stamp").last.click()
        violations = axe_violations(page)
        assert violations == [], describe(violations)

        page.goto(base + "episodes/003-long/")
        assert page.locator("h1").text_content() == LONG_TITLE
        page.goto(base + "feed/")
        page.wait_for_load_state("networkidle")
        shown = page.locator("main").text_content() or ""
        assert HOSTILE_TITLE in shown and LONG_TITLE in shown
        violations = axe_violations(page)
        assert violations == [], describe(violations)
    assert dialogs == []


def snapshot(root: Path, skip: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Every file under root, with size and mtime, except under the named top folders."""
    return {
        path.relative_to(root).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).parts[0] not in skip
    }


BAD_NAMES = {
    "004-Évil Name.md": "004-evil-name.md",
    "005-..md": "005-title.md",
    "006-UPPER.md": "006-upper.md",
    "007-dots.in.name.txt": "007-dots-in-name.txt",
    "008-shout.MD": "008-shout.md",
    "009-trailing-.md": "009-trailing.md",
    "010-tab\there.txt": "010-tab-here.txt",
}


def test_odd_script_names_build_under_clean_slugs_and_nothing_lands_outside_the_outputs(
    tmp_path: Path,
) -> None:
    good = front_matter("Fine", "A fine one.", "2026-12-02") + "Short and fine.\n"
    scripts = {"002-fine.md": good, **{name: good for name in BAD_NAMES}}
    project = make_project(tmp_path / "project", scripts, seed=False)
    (tmp_path / "outside.txt").write_text("the producer's neighbour")
    before = snapshot(tmp_path, skip=())
    done = cli(project.root, *BUILD)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    slugs = sorted(Path(suggestion).stem for suggestion in BAD_NAMES.values())
    assert sorted(p.name for p in project.episodes.iterdir()) == ["002-fine", *slugs]
    for suggestion in BAD_NAMES.values():
        assert parse_name(Path(suggestion)) == (Path(suggestion).stem, int(suggestion[:3]))
    after = snapshot(tmp_path, skip=())
    changed = {k for k in after.keys() | before.keys() if before.get(k) != after.get(k)}
    assert changed, "the build wrote nothing at all"
    outputs = ("project/episodes/", "project/feed/", "project/.cache/")
    assert [k for k in changed if not k.startswith(outputs)] == []


# ---------------------------------------------------------------- 5. bad input via the CLI


def seconds(mp3: Path) -> float:
    info = MP3(mp3).info
    assert info is not None
    return float(info.length)


def tone(path: Path, seconds: float = 1.5) -> Path:
    tools.ffmpeg(
        "-loglevel", "error", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-ac", "1", "-ar", "44100", "-b:a", "64k", str(path),
    )  # fmt: skip
    return path


SHORT = front_matter("Short", "A short one.", "2026-12-02") + "One sentence, and done.\n"


@pytest.mark.parametrize(
    ("setting", "file", "expected"),
    [
        ("intro_music", None, "'intro_music' file not found"),
        ("outro_music", None, "'outro_music' file not found"),
        ("artwork", None, "'artwork' file not found"),
        ("intro_music", b"not audio at all\n", "'intro_music' file music.mp3 cannot be decoded"),
        ("artwork", b"not an image\n", "not a readable image"),
    ],
)
def test_bad_show_settings_are_one_line_naming_show_toml_and_make_nothing(
    tmp_path: Path, setting: str, file: bytes | None, expected: str
) -> None:
    project = make_project(tmp_path, {"002-short.md": SHORT}, seed=False)
    name = "art.jpg" if setting == "artwork" else "music.mp3"
    if file is not None:
        (project.feed / name).write_bytes(file)
    table = "show" if setting == "artwork" else "audio"
    toml = project.show_toml.read_text(encoding="utf-8")
    project.show_toml.write_text(toml.replace(f"[{table}]\n", f'[{table}]\n{setting} = "{name}"\n'))
    before = snapshot(project.root, skip=(".cache",))
    line = one_line_failure(cli(project.root, *BUILD))
    assert line.startswith(f"error: {project.show_toml}: ") and expected in line
    assert snapshot(project.root, skip=(".cache",)) == before
    assert not project.cache.folder.exists()


def test_good_music_passes_the_same_check(tmp_path: Path) -> None:
    """The other side of the check above: real music files build, and are heard."""
    project = make_project(tmp_path, {"002-short.md": SHORT}, seed=False)
    tone(project.feed / "intro.mp3")
    tone(project.feed / "outro.mp3")
    toml = project.show_toml.read_text(encoding="utf-8")
    music = 'intro_music = "intro.mp3"\noutro_music = "outro.mp3"\n'
    project.show_toml.write_text(toml.replace("[audio]\n", f"[audio]\n{music}"))
    with_music = cli(project.root, *BUILD)
    assert with_music.returncode == 0, with_music.stderr
    plain = make_project(tmp_path / "plain", {"002-short.md": SHORT}, seed=False)
    assert cli(plain.root, *BUILD).returncode == 0
    mp3 = Path("episodes", "002-short", "002-short.mp3")
    assert seconds(project.root / mp3) > seconds(plain.root / mp3) + 2.5  # two 1.5 s tones


def test_unknown_engine_option_is_one_line_before_any_script(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-second.md": SECOND})
    before = snapshot(project.root, skip=())
    line = one_line_failure(cli(project.root, "build", "--engine", "espeak"))
    assert line == "error: --engine: unknown engine 'espeak' (known: fake, gtts, piper)"
    assert snapshot(project.root, skip=()) == before


def script(title: str, extra: str = "", body: str = "A sentence to read aloud.") -> str:
    return f"---\ntitle: {title}\ndate: 2026-12-02\nsummary: S.\n{extra}---\n{body}\n"


def test_bad_voice_choices_fail_their_script_only_and_before_synthesis(tmp_path: Path) -> None:
    # The show's engine is piper (the real class: it must refuse these itself); the good
    # scripts pick the fake voice so that they build in a moment.
    scripts = {
        "002-good.md": script("Good", "engine: fake\n"),
        "003-nobody.md": script("Nobody", "voice: nobody\n"),
        "004-german.md": script("Deutsch", "language: de\n", "Ein Satz zum Vorlesen."),
        "005-also-good.md": script("Also good", "engine: fake\n"),
    }
    project = make_project(tmp_path, scripts, seed=False)
    done = cli(project.root, "build", "--jobs", "2")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = errors(done.stderr)
    assert len(lines) == 2, done.stderr
    assert "003-nobody.md: unknown piper voice 'nobody' (installed: en_US-joe-medium)" in lines[0]
    assert (
        "004-german.md: the piper voice 'en_US-joe-medium' cannot speak language 'de'" in (lines[1])
    )
    assert "2 script(s) failed" in done.stderr
    # The good ones built and are in the feed; the bad ones left nothing, not even a folder,
    # and nothing was synthesized for them.
    assert sorted(p.name for p in project.episodes.iterdir()) == ["002-good", "005-also-good"]
    feed = feedparser.parse((project.feed / "feed.xml").read_bytes())
    assert sorted(entry.title for entry in feed.entries) == ["Also good", "Good"]
    assert "004-german: synthesizing" not in done.stderr
    assert valid_cache_entries(project) == synthesized(done.stderr)
    assert cli(project.root, "check").returncode == 0


# ---------------------------------------------------------------- 6. gTTS outage


NETWORK_SCRIPT = script(
    "Network",
    body="First sentence here. Second sentence here.\n\n"
    "Third sentence here. An unlucky sentence here.\n\nFifth sentence here.",
)
UNLUCKY = "An unlucky sentence here."
UNLUCKY_WORD = "unlucky"


class Google:
    """Google's endpoint: answers every request with audio, except those asking for
    ``refuse`` (a lasting 503). Remembers what it was asked to say."""

    def __init__(self, mp3: bytes, refuse: str | None) -> None:
        self.mp3, self.refuse = mp3, refuse
        self.asked: list[str] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        (rpc,) = parse_qs(body)["f.req"]  # [[[rpc id, '["text","lang",...]', ...]]]
        said = json.loads(json.loads(rpc)[0][0][1])[0]
        self.asked.append(said)
        if self.refuse and self.refuse in said:
            return 503, {}, ""
        return 200, {}, wire_body(self.mp3)


def test_gtts_outage_names_script_and_utterance_and_the_rerun_fills_the_gap(
    tmp_path: Path, google_mp3: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FIRST_DELAY_VARIABLE, "0.001")
    project = make_project(tmp_path, {"002-network.md": NETWORK_SCRIPT}, seed=False)
    source = project.scripts / "002-network.md"

    outage = Google(google_mp3, refuse=UNLUCKY_WORD)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, URL, callback=outage)
        failed, log = run_build(project, engine="gtts", jobs=2)
    assert failed.built == [] and [path for path, _ in failed.failed] == [source]
    (line,) = errors(log.text)
    assert line.startswith(f"error: {source}: gtts could not say {UNLUCKY!r} after 5 tries")
    assert "503" in line
    unlucky = [said for said in outage.asked if UNLUCKY_WORD in said]
    assert len(unlucky) == 5 and len(set(unlucky)) == 1  # retried, then given up: not forever
    cached = valid_cache_entries(project)
    assert cached >= 1 and failed.synthesized == cached  # what got through is kept, and counted
    assert not (project.episodes / "002-network" / "002-network.mp3").exists()
    assert not (project.feed / "feed.xml").exists()

    healthy = Google(google_mp3, refuse=None)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, URL, callback=healthy)
        rerun, log = run_build(project, engine="gtts", jobs=2)
    assert rerun.failed == [] and len(rerun.built) == 1
    total = valid_cache_entries(project)
    assert rerun.synthesized == total - cached == len(healthy.asked)
    assert unlucky[0] in healthy.asked
    got_through = set(outage.asked) - {unlucky[0]}
    assert len(got_through) == cached and got_through.isdisjoint(healthy.asked)  # none twice
    assert (project.feed / "feed.xml").exists()
