"""Issue 8, "Robust, round 2", end to end with real processes, signals and files.

* the feed and the show page list every episode built and not removed, whatever scripts a
  build names; a whole-project build removes an episode whose script is gone, and says so;
  a collision is blamed on the new script;
* a build killed (SIGKILL) or stopped (SIGTERM, SIGINT) in its main process only, while it
  synthesizes or masters, leaves no worker or ffmpeg behind, and the next build takes over
  the lock at once and finishes; streaming into ffmpeg fails cleanly instead of hanging;
* `check` decodes every MP3 whole and loads every image whole; a damaged optimized voice
  copy is found by its checksum and made again;
* the inputs that used to raise tracebacks are one line each.

Builds use the deterministic fake voice, except for the optimized Piper voice copy.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest
from conftest import cli, copy_project, make_project, one_line_failure

from pipeline.audio.chapter_meter import encode_and_meter
from pipeline.audio.layout import Piece, raw_input_args
from pipeline.audio.master import Loudness, processing
from pipeline.audio.segments import Segment, SegmentStore
from pipeline.build.task import Project
from pipeline.core import tools
from pipeline.core.errors import ToolError
from pipeline.speech.cache import AudioCache
from pipeline.speech.engines import Speech

BUILD = ("build", "--engine", "fake", "--jobs", "2")
BOUND_S = 60  # a generous bound for anything that must end; hangs used to last forever


def essay(
    title: str, sentences: int = 6, number: int | None = None, date: str = "2026-12-02"
) -> str:
    """A script whose sentences all differ (each is its own utterance)."""
    extra = f"number: {number}\n" if number is not None else ""
    lines = [
        f"Sentence {i} of {title.lower()} says something about walls and doors number {i}."
        for i in range(sentences)
    ]
    paragraphs = ["\n".join(lines[i : i + 5]) for i in range(0, len(lines), 5)]
    return f"---\ntitle: {title}\ndate: {date}\nsummary: About {title}.\n{extra}---\n" + (
        "\n\n".join(paragraphs) + "\n"
    )


def feed_titles(project: Project) -> list[str]:
    parsed = feedparser.parse((project.feed / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return sorted(entry.title for entry in parsed.entries)


def show_page(project: Project) -> str:
    return (project.feed / "index.html").read_text(encoding="utf-8")


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


# ---------------------------------------------------------------- 1. the feed keeps its episodes


THREE = {
    "002-walls.md": essay("Walls"),
    "003-doors.md": essay("Doors"),
    "004-windows.md": essay("Windows"),
}


@pytest.fixture(scope="module")
def three_built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """THREE, built once by the command line for the module."""
    project = make_project(tmp_path_factory.mktemp("three"), THREE, seed=False)
    ok(cli(project.root, *BUILD))
    return project


@pytest.fixture
def three(three_built: Project, tmp_path: Path) -> Project:
    """This test's own copy of THREE as built."""
    return copy_project(three_built, tmp_path / "project")


def test_a_build_of_one_script_keeps_every_other_episode_in_the_feed(three: Project) -> None:
    project = three
    assert feed_titles(project) == ["Doors", "Walls", "Windows"]

    edited = essay("Doors", sentences=7).replace("title: Doors", "title: Doors Revised")
    (project.scripts / "003-doors.md").write_text(edited, encoding="utf-8")
    ok(cli(project.root, *BUILD, str(project.scripts / "003-doors.md")))
    assert feed_titles(project) == ["Doors Revised", "Walls", "Windows"]
    page = show_page(project)
    assert all(title in page for title in ("Doors Revised", "Walls", "Windows"))
    ok(cli(project.root, "check"))

    # A script that fails keeps its last good episode in the feed.
    # (a misspelt key is only a note now: a date that is no date is still an error)
    broken = essay("Walls").replace("date: 2026-12-02", "date: 2026-13-45")
    (project.scripts / "002-walls.md").write_text(broken)
    failed = cli(project.root, *BUILD)
    assert failed.returncode == 1 and "002-walls.md: front matter" in failed.stderr
    assert feed_titles(project) == ["Doors Revised", "Walls", "Windows"]
    ok(cli(project.root, "check"))


def test_a_removed_script_leaves_the_feed_only_on_a_whole_project_build(three: Project) -> None:
    project = three
    (project.scripts / "004-windows.md").unlink()

    partial = ok(cli(project.root, *BUILD, str(project.scripts / "002-walls.md")))
    assert "004-windows.md is gone, but episode 004-windows stays in the feed" in partial
    assert feed_titles(project) == ["Doors", "Walls", "Windows"]

    # The whole-project build that removes episode 4 lets a new script take its number.
    (project.scripts / "005-skylights.md").write_text(essay("Skylights", number=4))
    whole = ok(cli(project.root, *BUILD))
    (notice,) = [line for line in whole.splitlines() if "is gone" in line]
    assert "004-windows.md is gone: removed episode 4 ('Windows') from the feed" in notice
    assert feed_titles(project) == ["Doors", "Skylights", "Walls"]
    assert "Windows" not in show_page(project)
    assert not (project.episodes / "004-windows").exists()
    ok(cli(project.root, "check"))


def test_an_episode_built_before_records_were_kept_is_named_not_dropped_in_silence(
    three: Project,
) -> None:
    project = three
    (project.episodes / "004-windows" / ".episode.json").unlink()  # as an older build left it
    partial = ok(cli(project.root, *BUILD, str(project.scripts / "002-walls.md")))
    assert (
        f"{project.episodes / '004-windows'} has no record of its last build, so this feed "
        "leaves it out: run `essaycast build` once on the whole project"
    ) in partial
    ok(cli(project.root, *BUILD))
    assert feed_titles(project) == ["Doors", "Walls", "Windows"]


def test_a_new_script_colliding_with_a_published_one_is_the_one_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"003-doors.md": essay("Doors")}, seed=False)
    ok(cli(project.root, *BUILD))
    # Sorted first, and claiming the published episode's number.
    (project.scripts / "002-intruder.md").write_text(essay("Intruder", number=3))
    done = cli(project.root, *BUILD)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {project.scripts / '002-intruder.md'}: episode number 3 is already used by "
        f"{project.scripts / '003-doors.md'}"
    ]
    assert feed_titles(project) == ["Doors"]
    # A published script renumbering itself frees its old number for the next build.
    (project.scripts / "003-doors.md").write_text(essay("Doors", number=5))
    ok(cli(project.root, *BUILD, str(project.scripts / "003-doors.md")))
    ok(cli(project.root, *BUILD))
    assert feed_titles(project) == ["Doors", "Intruder"]


# ---------------------------------------------------------------- 2. no hangs, no orphans


def parent_of(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a live process, or None (gone, or a zombie: dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[1]), fields[0]) if fields[0] != "Z" else None


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                info = parent_of(int(entry.name))
                if info is not None and info[0] in frontier:
                    children.add(int(entry.name))
        found |= children
        frontier = children - {pid}
    return found


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_until(condition: Callable[[], bool], what: str, bound: float = BOUND_S) -> None:
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {bound} s for {what}")
        time.sleep(0.01)


def start(root: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """A CLI build in its own session, so that a failed test can clean up after it."""
    with open(log, "wb") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "--root", str(root), *args],
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture
def reaper() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


LONG = essay("Long", sentences=120)  # a few seconds of synthesis, then of mastering
WORKERS = lambda pid: {p for p in descendants(pid) if "ffmpeg" not in command_of(p)}  # noqa: E731
FFMPEGS = lambda pid: {p for p in descendants(pid) if "ffmpeg" in command_of(p)}  # noqa: E731
MOMENTS: dict[str, tuple[str, Callable[[int], set[int]]]] = {
    # moment -> (what the log says then, the helper processes alive then)
    "synthesis": (": synthesizing: ", WORKERS),
    "mastering": ("mastering", FFMPEGS),
}
TAKEOVER = re.compile(r"a previous build \(pid (\d+)\) stopped without finishing")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "moment"),
    [
        (signal.SIGKILL, "synthesis"),
        (signal.SIGTERM, "synthesis"),
        (signal.SIGKILL, "mastering"),
        (signal.SIGTERM, "mastering"),
        (signal.SIGINT, "mastering"),
    ],
)
def test_a_signal_to_the_main_process_only_leaves_no_orphans_and_no_stuck_lock(
    tmp_path: Path, reaper: list[subprocess.Popen[bytes]], sig: signal.Signals, moment: str
) -> None:
    project = make_project(tmp_path / "project", {"002-long.md": LONG}, seed=False)
    log = tmp_path / "build.log"
    process = start(project.root, log, *BUILD)
    reaper.append(process)
    said, helpers = MOMENTS[moment]
    seen: set[int] = set()

    def at_the_moment() -> bool:
        assert process.poll() is None, log.read_text()
        alive = helpers(process.pid)
        seen.update(alive)
        return said in log.read_text() and bool(alive)

    wait_until(at_the_moment, f"the build's {moment}")
    os.kill(process.pid, sig)  # the main process only, as the OOM killer or `kill` would
    code = process.wait(timeout=BOUND_S)
    assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 128 + sig), log.read_text()
    assert seen
    wait_until(lambda: not any(parent_of(p) for p in seen), "the helpers to die with the build")
    if sig != signal.SIGKILL:
        assert "interrupted: finished outputs are intact" in log.read_text()

    rerun = ok(cli(project.root, *BUILD))  # cli() bounds it with a subprocess timeout
    assert "another build" not in rerun  # nobody holds the lock any more
    takeover = TAKEOVER.findall(rerun)
    # Killed outright, the build left its name in the lock file; stopped, it cleaned up.
    assert takeover == ([str(process.pid)] if sig == signal.SIGKILL else []), rerun
    assert feed_titles(project) == ["Long"]
    ok(cli(project.root, "check"))


def test_a_lock_naming_a_dead_or_reused_pid_is_taken_over_with_a_notice(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path, {"002-walls.md": essay("Walls")}, seed=False)
    gone = subprocess.Popen(["true"])
    gone.wait()
    (project.root / ".cache").mkdir()
    project.lock.write_text(f"pid {gone.pid} started 123\n")
    first = ok(cli(project.root, *BUILD))
    assert (
        f"a previous build (pid {gone.pid}) stopped without finishing (that process is gone); "
        "taking over its lock"
    ) in first
    assert project.lock.read_text() == ""  # a finished build leaves no holder behind

    unrelated = subprocess.Popen(["sleep", "60"])
    try:
        project.lock.write_text(f"pid {unrelated.pid} started 1\n")  # not its start time
        second = ok(cli(project.root, *BUILD))
        assert f"(pid {unrelated.pid}) stopped without finishing (that pid now belongs" in second
        assert "waiting" not in second
    finally:
        unrelated.kill()
        unrelated.wait()


def run_bounded(work: Callable[[], None]) -> BaseException | None:
    """Run ``work`` in a thread and return what it raised; fail if it does not end."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test to judge
            raised.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND_S)
    assert not thread.is_alive(), "streaming into ffmpeg hung"
    return raised[0] if raised else None


@pytest.mark.parametrize("damage", ["removed", "corrupted"])
def test_a_cache_entry_lost_while_mastering_streams_it_is_a_clear_error(
    tmp_path: Path, damage: str
) -> None:
    rate = 22050
    cache = AudioCache(tmp_path / "audio")
    first, second = "a" * 64, "b" * 64
    tone = Speech(b"\x10\x20" * rate * 3, rate)
    cache.put(first, tone)
    cache.put(second, tone)
    pieces = [Piece(rate * 3, key=first), Piece(rate, None), Piece(rate * 3, key=second)]
    if damage == "removed":
        cache.path(second).unlink()
    else:
        data = bytearray(cache.path(second).read_bytes())
        data[-100:] = bytes(100)
        cache.path(second).write_bytes(bytes(data))
    # Mastering streams a chapter's pieces into ffmpeg's encoder (pipeline/audio/segments.py).
    chain, store = processing(Loudness(), 10.0), SegmentStore(tmp_path / "segments")
    chapter = Segment("c" * 64, 7 * 44100)
    error = run_bounded(lambda: encode_and_meter(chapter, pieces, cache, rate, chain, 96, store))
    assert isinstance(error, ToolError), error
    assert "went missing or was damaged during mastering" in str(error)
    assert not FFMPEGS(os.getpid()), "ffmpeg was left running"


def _into(chunks: Iterator[bytes]) -> None:
    tools.stream_into_ffmpeg([*raw_input_args(22050), "-f", "null", "-"], chunks, "test")


def _through(chunks: Iterator[bytes]) -> None:
    args = [*raw_input_args(22050), "-f", "s16le", "pipe:1"]
    for _ in tools.stream_through_ffmpeg(args, chunks, "test"):
        pass


@pytest.mark.parametrize("stream", [_into, _through], ids=["into", "through"])
def test_streaming_ffmpeg_stops_when_the_build_is_interrupted(
    stream: Callable[[Iterator[bytes]], None],
) -> None:
    """Fed (and, through it, read from at once): a stop request ends both sides, and no
    ffmpeg is left."""

    def endless() -> Iterator[bytes]:
        while True:
            yield bytes(4096)

    stop = threading.Timer(0.5, tools.cancelled.set)
    stop.start()
    try:
        error = run_bounded(lambda: stream(endless()))
    finally:
        stop.cancel()
        tools.cancelled.clear()
    assert isinstance(error, ToolError) and "interrupted" in str(error)
    assert not FFMPEGS(os.getpid())


def test_streaming_through_ffmpeg_passes_on_the_feeders_error_and_a_reader_leaving() -> None:
    """An error while the input is made is the error raised (ffmpeg killed, not waited
    for); a reader that stops early leaves no ffmpeg behind; a failing ffmpeg is a
    ToolError with its log's last lines."""

    def broken() -> Iterator[bytes]:
        yield bytes(4096)
        raise ToolError("cache entry went missing")

    endless = (bytes(4096) for _ in iter(int, 1))
    args = [*raw_input_args(22050), "-f", "s16le", "pipe:1"]
    error = run_bounded(lambda: list(tools.stream_through_ffmpeg(args, broken(), "test")))
    assert isinstance(error, ToolError) and "went missing" in str(error)
    reader = tools.stream_through_ffmpeg(args, endless, "test")
    assert len(next(reader)) > 0
    reader.close()
    assert not FFMPEGS(os.getpid())
    bad = [*raw_input_args(22050), "-af", "nosuchfilter", "-f", "s16le", "pipe:1"]
    error = run_bounded(lambda: list(tools.stream_through_ffmpeg(bad, [bytes(64)], "test")))
    assert isinstance(error, ToolError) and "nosuchfilter" in str(error), error
    assert not FFMPEGS(os.getpid())


# ---------------------------------------------------------------- 3. damage is found


def test_check_decodes_every_mp3_and_loads_every_image(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-long.md": essay("Long", sentences=25)}, seed=False)
    ok(cli(project.root, *BUILD))
    ok(cli(project.root, "check"))
    mp3 = project.episodes / "002-long" / "002-long.mp3"
    data = bytearray(mp3.read_bytes())
    assert len(data) > 800_000
    data[300_000:700_000] = bytes(400_000)  # same size, same header, same tags
    mp3.write_bytes(bytes(data))
    artwork = project.feed / "artwork.jpg"
    whole = artwork.read_bytes()
    artwork.write_bytes(whole[: len(whole) // 2])

    done = cli(project.root, "check")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith("problem:")]
    assert any(
        line.startswith("problem: episodes/002-long/002-long.mp3: damaged audio")
        for line in problems
    ), problems
    assert any(line.startswith("problem: feed/artwork.jpg: damaged image") for line in problems), (
        problems
    )


@pytest.mark.slow
def test_a_damaged_optimized_voice_copy_is_found_and_made_again(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-one.md": essay("One", sentences=1)}, seed=False)
    ok(cli(project.root, "build", "--engine", "piper", "--jobs", "1"))
    (copy,) = (project.root / ".cache" / "voices").glob("*.onnx")
    good = copy.read_bytes()
    damaged = bytearray(good)
    damaged[len(good) // 2 : len(good) // 2 + 4096] = bytes(4096)
    copy.write_bytes(bytes(damaged))

    (project.scripts / "003-two.md").write_text(essay("Two", sentences=1))  # new text to say
    rerun = ok(cli(project.root, "build", "--engine", "piper", "--jobs", "1"))
    assert f"warning: optimized voice {copy} does not match its checksum (damaged)" in rerun
    assert rerun.count("does not match its checksum") == 1
    assert copy.read_bytes() != bytes(damaged)
    again = ok(cli(project.root, "build", "--engine", "piper", "--jobs", "1"))
    assert "checksum" not in again
    ok(cli(project.root, "check"))


# ---------------------------------------------------------------- 4. no tracebacks


def test_a_yaml_merge_key_fails_its_script_only(tmp_path: Path) -> None:
    merged = essay("Merged").replace("summary:", "<<: {bogus: 1}\nsummary:")
    scripts = {"002-merged.md": merged, "003-fine.md": essay("Fine")}
    project = make_project(tmp_path, scripts, seed=False)
    done = cli(project.root, *BUILD)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {project.scripts / '002-merged.md'}: front matter line 4: YAML merge keys "
        "('<<') are not supported; write each key out on its own line"
    ]
    assert feed_titles(project) == ["Fine"]


def set_audio(project: Project, line: str) -> None:
    """Set one [audio] setting, replacing the line that sets it already, if any."""
    toml = project.show_toml.read_text(encoding="utf-8")
    key = line.split("=")[0].strip()
    toml = re.sub(rf"(?m)^{key}\s*=.*\n", "", toml)
    project.show_toml.write_text(toml.replace("[audio]\n", f"[audio]\n{line}\n"))


def test_an_empty_intro_means_no_intro(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-walls.md": essay("Walls")}, seed=False)
    set_audio(project, 'intro = ""')
    ok(cli(project.root, *BUILD))
    transcript = (project.episodes / "002-walls" / "002-walls.txt").read_text()
    assert "Episode 2: Walls." not in transcript and "Sentence 0 of walls" in transcript
    assert "You have been listening to" in transcript  # the outro is still there
    ok(cli(project.root, "check"))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('intro = "   "', "'intro' is blank: write what to say, or set it to \"\" for none"),
        (
            'intro = "{title.__len__}"',
            "'intro' can only fill in {show}, {number}, {title}, {author} (and {{ }} for a brace), "
            "not {title.__len__}",
        ),
        ('outro = "{title[0]}"', "'outro' can only fill in"),
        ('outro = "{title!r}"', "not {title!r}"),
        ("true_peak_dbtp = 3", "'true_peak_dbtp' must be between -9 and 0 dBTP"),
        ("loudness_lufs = -60", "'loudness_lufs' must be between -30 and -10"),
        ("bitrate_kbps = 100", "'bitrate_kbps' must be one of"),
    ],
)
def test_show_settings_out_of_range_are_one_line_before_any_work(
    tmp_path: Path, line: str, expected: str
) -> None:
    project = make_project(tmp_path, {"002-walls.md": essay("Walls")}, seed=False)
    set_audio(project, line)
    error = one_line_failure(cli(project.root, *BUILD))
    assert error.startswith(f"error: {project.show_toml}: ") and expected in error
    assert not project.episodes.exists()


def test_bad_command_line_values_are_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-walls.md": essay("Walls")}, seed=False)
    port = one_line_failure(cli(project.root, "serve", "--port", "99999"))
    assert port == "error: --port must be between 1 and 65535, not 99999"
    (tmp_path / "timings").mkdir()
    timings = one_line_failure(cli(project.root, *BUILD, "--timings", str(tmp_path / "timings")))
    assert timings == f"error: --timings {tmp_path / 'timings'} is a folder; name a file to write"
    assert not project.episodes.exists()


def test_a_file_where_the_voice_cache_belongs_is_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-walls.md": essay("Walls")}, seed=False)
    (project.root / ".cache").mkdir()
    (project.root / ".cache" / "voices").write_text("not a folder")
    error = one_line_failure(cli(project.root, *BUILD))
    assert error == (
        f"error: {project.root / '.cache' / 'voices'} is a file, but the build keeps its "
        "cache there: move or delete it, then build again"
    )
    assert not project.episodes.exists()


def test_a_folder_that_is_not_a_project_is_left_untouched(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a producer's unrelated folder")
    error = one_line_failure(cli(tmp_path, *BUILD))
    assert (
        error
        == f"error: no scripts found in {tmp_path}/scripts (expected .md, .txt or .html files)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_symlinked_script_named_on_the_command_line_builds_under_its_own_name(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project", seed=False)
    drafts = project.root / "drafts"  # inside the project: a link out of it is refused
    drafts.mkdir()
    (drafts / "My Draft (final).md").write_text(essay("Linked"))
    link = project.scripts / "005-linked.md"
    link.symlink_to(drafts / "My Draft (final).md")
    ok(cli(project.root, *BUILD, str(link)))
    assert (project.episodes / "005-linked" / "005-linked.mp3").is_file()
    assert feed_titles(project) == ["Linked"]

    (tmp_path / "elsewhere.md").write_text(essay("Elsewhere"))
    outside = project.scripts / "006-outside.md"
    outside.symlink_to(tmp_path / "elsewhere.md")
    refused = cli(project.root, *BUILD, str(outside))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"{outside}: the script is a symlink to {tmp_path / 'elsewhere.md'}" in refused.stderr
    assert feed_titles(project) == ["Linked"]


# ---------------------------------------------------------------- 5. serve and Markdown


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    from pipeline.delivery.serve import make_server

    root = tmp_path / "site"
    (root / "episodes" / "001-a").mkdir(parents=True)
    (root / "feed").mkdir()
    (root / "scripts").mkdir()
    (root / "feed" / "show.toml").write_text('[audio]\nintro_music = "theme.mp3"\n')
    (root / "feed" / "theme.mp3").write_bytes(b"the producer's music")
    (root / "feed" / "feed.xml").write_text(
        '<rss xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        '<atom:link rel="self" href="http://127.0.0.1/feed/feed.xml"/><item>'
        '<enclosure url="http://127.0.0.1/episodes/001-a/001-a.mp3"/></item></channel></rss>'
    )
    (root / "episodes" / "001-a" / "001-a.mp3").write_bytes(bytes(range(256)) * 40)
    server = make_server(root, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_serve_publishes_only_the_site(site: tuple[Path, str]) -> None:
    import requests

    _, base = site
    assert requests.get(f"{base}/feed/feed.xml", timeout=10).status_code == 200
    assert requests.get(f"{base}/feed/show.toml", timeout=10).status_code == 404
    assert requests.get(f"{base}/feed/theme.mp3", timeout=10).status_code == 404
    long_name = requests.get(f"{base}/episodes/{'x' * 256}/a.mp3", timeout=10)
    assert long_name.status_code == 404
    assert requests.get(f"{base}/feed/{'y' * 300}", timeout=10).status_code == 404


def test_serve_sends_an_etag_and_honours_if_range_across_a_rebuild(site: tuple[Path, str]) -> None:
    import requests

    from pipeline.core import atomic

    root, base = site
    url = f"{base}/episodes/001-a/001-a.mp3"
    mp3 = root / "episodes" / "001-a" / "001-a.mp3"
    first = requests.get(url, headers={"Range": "bytes=0-99"}, timeout=10)
    assert first.status_code == 206
    etag = first.headers["ETag"]
    same = requests.get(url, headers={"Range": "bytes=100-199", "If-Range": etag}, timeout=10)
    assert same.status_code == 206 and same.content == mp3.read_bytes()[100:200]
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=10).status_code == 304

    rebuilt = bytes(reversed(mp3.read_bytes()))
    atomic.write_bytes(mp3, rebuilt)  # as a build writes it: a new file renamed in
    resumed = requests.get(url, headers={"Range": "bytes=100-199", "If-Range": etag}, timeout=10)
    assert resumed.status_code == 200 and resumed.content == rebuilt  # the whole new file
    assert resumed.headers["ETag"] != etag


MARKDOWN_BODY = """\
Read [this](javascript:alert(1)) and [that](data:text/html,<b>x</b>) now.

An image ![alt words](data:text/html;base64,AAAA) sits here. A [plain link](https://x.org) too.

<script>
var secret = "spoken code";
</script>

<style>
p { color: red }
</style>

Keep <script>inline.code()</script> quiet and <style>q{}</style> this too.
"""


def test_markdown_targets_html_blocks_and_inline_code_are_never_spoken(tmp_path: Path) -> None:
    from pipeline.core.model import Show
    from pipeline.reading.ingest import read_script
    from pipeline.reading.narrate import cleaning_report, narrate

    path = tmp_path / "002-markup.md"
    path.write_text("---\ntitle: Markup\ndate: 2026-12-02\nsummary: S.\n---\n" + MARKDOWN_BODY)
    script = read_script(path, Show())
    narration = narrate(script)
    spoken = " ".join(
        u.spoken
        for chapter in narration.chapters
        for block in chapter.blocks
        for sentence in block.sentences
        for u in sentence.utterances
    )
    assert spoken == (
        "Read this and that now. An image sits here. A plain link too. Keep quiet and this too."
    ), spoken
    for never in ("javascript", "data", "alert", "alt words", "secret", "color", "code", "x.org"):
        assert never not in spoken
    report = cleaning_report(script, narration)
    html_lines = [line for line in report.splitlines() if "raw HTML" in line]
    assert len(html_lines) == 6, report  # both blocks, every line of them
    assert "line 18: inline HTML code: <script> element" in report
    assert "line 18: inline HTML code: <style> element" in report


def test_a_stop_inside_a_held_block_is_delivered_after_it() -> None:
    """The stop handler raises wherever the main thread is; the one place it must not (a
    process pool starting its manager thread) holds the signal and gets it right after."""
    from pipeline.cli import Stopped, stop_cleanly_on_signals

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    stop_cleanly_on_signals()
    finished_the_block = False
    try:
        with pytest.raises(Stopped) as stopped, tools.signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # bytecodes enough for a handler to have run
                time.sleep(0)
            finished_the_block = True
        assert finished_the_block and stopped.value.signal == signal.SIGTERM
        # Outside a held block the same signal stops at once.
        with pytest.raises(Stopped):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):
                time.sleep(0)
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
        tools.cancelled.clear()
