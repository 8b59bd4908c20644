"""Issue 21, "Robust 3", with real processes, files, sockets and signals: nothing from outside
the project is read or published, a bug in one script is one line, a stuck ffmpeg cannot hold
a stopping build, the wrong service behind --cluster is one line, and the small ones.

Builds use the deterministic fake voice; `say` and the damaged voice model use the real one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import socketserver
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from conftest import REPO, cli, make_project, one_line_failure

from pipeline.build.task import Project
from pipeline.core.model import Show
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import narrate

BUILD = ("build", "--engine", "fake", "--jobs", "1")
BOUND_S = 120  # a generous bound for anything that must end; these used to hang or crash
SECRET = "private-words-that-must-never-be-narrated"

ESSAY = """---
title: {title}
date: 2026-12-02
summary: About {title}.
---
The first sentence of {title} is here. A second sentence follows it.
"""


def essay(title: str) -> str:
    return ESSAY.format(title=title)


def feed_text(project: Project) -> str:
    return (project.feed / "feed.xml").read_text(encoding="utf-8")


# ---------------------------------------------------------------- (a) a bug is one line


def test_a_bug_in_one_script_is_one_line_and_the_others_still_build(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-b.md": essay("Bravo")}, seed=False)
    (project.scripts / "001-a.md").write_text(essay("Alpha"), encoding="utf-8")
    # A real process whose page stage has a bug for one episode: an exception that is not a
    # PipelineError, as any unforeseen input could raise.
    code = (
        "import sys\n"
        "import pipeline.build.stages as stages\n"
        "real = stages.page\n"
        "def page(task):\n"
        "    if task.script.meta.slug == '001-a':\n"
        "        raise ValueError('an unforeseen value')\n"
        "    real(task)\n"
        "stages.WORK_STAGES = tuple(page if s is real else s for s in stages.WORK_STAGES)\n"
        "import pipeline.build.local as local\n"
        "local.WORK_STAGES = stages.WORK_STAGES\n"
        "from pipeline.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    args = [sys.executable, "-c", code, "--root", str(project.root), *BUILD]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    errors = [line for line in (done.stderr + done.stdout).splitlines() if "error:" in line]
    assert len(errors) == 1, errors
    assert "001-a.md" in errors[0] and "ValueError: an unforeseen value" in errors[0]
    assert "bug" in errors[0] and "--debug" in errors[0]
    assert "Bravo" in feed_text(project) and "Alpha" not in feed_text(project)

    debug = subprocess.run(
        [sys.executable, "-c", code, "--root", str(project.root), "--debug", *BUILD],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr and "in page" in debug.stderr, debug.stderr


# ---------------------------------------------------------------- 1. inside the project only


def test_a_symlink_out_of_the_project_is_refused_by_name_and_never_narrated(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "private.md"
    outside.write_text(essay("Private") + SECRET + ".\n", encoding="utf-8")
    project = make_project(tmp_path / "show", {"001-ok.md": essay("Fine")}, seed=False)
    (project.scripts / "002-leak.md").symlink_to(outside)
    (project.scripts / "003-passwd.txt").symlink_to("/etc/passwd")
    (project.root / "drafts").mkdir()
    (project.root / "drafts" / "inside.md").write_text(essay("Inside"), encoding="utf-8")
    (project.scripts / "004-inside.md").symlink_to(project.root / "drafts" / "inside.md")
    os.mkfifo(project.scripts / "005-pipe.md")  # reading it would wait forever
    done = cli(project.root, *BUILD)
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3, errors
    leak, passwd, pipe = errors
    assert "002-leak.md" in leak and f"a symlink to {outside}" in leak and "outside" in leak
    assert "003-passwd.txt" in passwd and "/etc/passwd" in passwd
    assert "005-pipe.md" in pipe and "not a regular file" in pipe
    feed = feed_text(project)
    assert "Fine" in feed and "Inside" in feed  # a link inside the project is a script
    assert "Private" not in feed and "root:" not in feed
    made = [p for p in project.root.rglob("*") if p.is_file() and not p.is_symlink()]
    everything = b"".join(p.read_bytes() for p in made)
    assert SECRET.encode() not in everything


@pytest.mark.parametrize(
    ("setting", "name"),
    [("artwork", "cover.png"), ("intro_music", "intro.mp3"), ("outro_music", "outro.mp3")],
)
def test_show_toml_files_outside_the_project_are_refused(
    tmp_path: Path, setting: str, name: str
) -> None:
    project = make_project(tmp_path / "show", {"001-ok.md": essay("Fine")}, seed=False)
    outside = tmp_path / name
    outside.write_bytes(b"the producer's private file")
    (project.feed / name).symlink_to(outside)
    text = project.show_toml.read_text(encoding="utf-8")
    table = "[show]" if setting == "artwork" else "[audio]"
    text = text.replace(f"{table}\n", f'{table}\n{setting} = "{name}"\n', 1)
    project.show_toml.write_text(text, encoding="utf-8")
    line = one_line_failure(cli(project.root, *BUILD))
    assert line.startswith(f"error: {project.show_toml}: the '{setting}' file ")
    assert f"feed/{name} is a symlink to {outside}" in line and "outside the project" in line
    assert not project.episodes.exists() or not list(project.episodes.iterdir())


@pytest.mark.parametrize("name", ["lexicon.toml", "lexicon.pls"])
def test_a_lexicon_outside_the_project_is_refused(tmp_path: Path, name: str) -> None:
    project = make_project(tmp_path / "show", {"001-ok.md": essay("Fine")}, seed=False)
    outside = tmp_path / name
    outside.write_text('"Fine" = { say = "fin" }\n', encoding="utf-8")
    (project.feed / name).symlink_to(outside)
    line = one_line_failure(cli(project.root, *BUILD))
    assert f"feed/{name}" in line and "lexicon" in line and "outside the project" in line


# ---------------------------------------------------------------- 6. a stuck ffmpeg


STUCK_FFMPEG = """#!{python}
import os, subprocess, sys, time
args = sys.argv[1:]
if "-i" in args and args[args.index("-i") + 1] in ("-", "pipe:0"):
    with open({pids!r}, "a") as log:
        log.write(f"{{os.getpid()}}\\n")
    sys.stdin.buffer.read(65536)  # a little, then it stops reading (and ignores SIGTERM)
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(3600)
os.execv({real!r}, [{real!r}, *args])
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_kills_a_stuck_ffmpeg_after_a_short_grace(tmp_path: Path) -> None:
    from pipeline.core.tools import ffmpeg_path

    pids = tmp_path / "ffmpeg.pids"
    fake = tmp_path / "ffmpeg"
    fake.write_text(STUCK_FFMPEG.format(python=sys.executable, pids=str(pids), real=ffmpeg_path()))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    project = make_project(tmp_path / "show", {"001-a.md": essay("Alpha")}, seed=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "--root", str(project.root), *BUILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ESSAYCAST_FFMPEG": str(fake)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + BOUND_S
        while not (pids.exists() and pids.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pids.exists(), "the build never started streaming into ffmpeg"
        time.sleep(1)  # the stuck ffmpeg has stopped reading; the build waits on it
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=BOUND_S)  # waited forever (or 115 s) before
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err and "interrupted" in err
    stuck = [int(pid) for pid in pids.read_text().split()]
    time.sleep(0.5)
    assert not [pid for pid in stuck if alive(pid)], "a stuck ffmpeg was left running"


# ---------------------------------------------------------------- 5. the wrong service


@contextlib.contextmanager
def speaks_first_server() -> Iterator[int]:
    """Like SSH: greets every connection with a banner, then waits for the client."""

    class Banner(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.sendall(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")
            with contextlib.suppress(OSError):
                self.request.settimeout(30)
                self.request.recv(1024)

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Banner) as server:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield server.server_address[1]
        server.shutdown()


@contextlib.contextmanager
def http_server() -> Iterator[int]:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("server", [speaks_first_server, http_server])
def test_a_cluster_address_that_is_not_dask_is_one_line(tmp_path: Path, server: object) -> None:
    project = make_project(tmp_path, {"001-a.md": essay("Alpha")}, seed=False)
    with server() as port:  # type: ignore[operator]
        address = f"tcp://127.0.0.1:{port}"
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "--root", str(project.root), *BUILD,
             "--cluster", address],
            capture_output=True, text=True, timeout=60,  # it hung forever against HTTP
        )  # fmt: skip
    line = one_line_failure(done)
    assert f"nothing at {address} speaks Dask's protocol" in line
    assert not project.episodes.exists() or not list(project.episodes.glob("*/*.mp3"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


@pytest.mark.slow
def test_a_scheduler_killed_mid_build_is_one_line(tmp_path: Path) -> None:
    import distributed

    dask = Path(sys.executable).with_name("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"], **quiet,  # type: ignore[call-overload]
    )  # fmt: skip
    worker = None
    try:
        wait_for_port(port)
        worker = subprocess.Popen(
            [str(dask), "worker", address, "--nthreads", "1", "--no-dashboard"],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO / "tests")},
            **quiet,  # type: ignore[call-overload]
        )  # fmt: skip
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
            from test_cluster import _slow_fake_voice

            client.run(_slow_fake_voice)
        lines = "\n".join(f"Sentence {i} of a long essay, all its own." for i in range(60))
        project = make_project(tmp_path, {"001-a.md": essay("Alpha") + lines}, seed=False)
        build = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "--root", str(project.root), *BUILD,
             "--cluster", address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        audio = project.root / ".cache" / "audio"
        deadline = time.monotonic() + BOUND_S
        while time.monotonic() < deadline and len(list(audio.rglob("*.*"))) < 3:
            time.sleep(0.1)
        assert list(audio.rglob("*.*")), "nothing landed from the cluster"
        scheduler.kill()  # mid-build
        out, err = build.communicate(timeout=BOUND_S)
    finally:
        for process in (scheduler, worker):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert build.returncode == 1, err
    assert "Traceback" not in out + err, err
    errors = [line for line in (out + err).splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert f"the Dask scheduler at {address} went away" in errors[0]


# ---------------------------------------------------------------- 7. nothing to say


@pytest.mark.slow
@pytest.mark.parametrize("text", ["", "   ", "🙂 ✨ 🎉", "— … ★"])
def test_say_with_nothing_speakable_is_one_line(tmp_path: Path, text: str) -> None:
    project = make_project(tmp_path, seed=False)
    out = tmp_path / "line.wav"
    line = one_line_failure(cli(project.root, "say", text, "--out", str(out)))
    assert "nothing to say" in line and "phonemes" not in line
    assert not out.exists()


# ---------------------------------------------------------------- 10. the small ones


def test_script_urls_are_never_spoken(tmp_path: Path) -> None:
    script = tmp_path / "001-links.md"
    script.write_text(
        essay("Links")
        + "\nRun <javascript:alert(document.cookie)> now. Or click "
        + "[javascript:void(0)](#) and [here](javascript:alert(1)).\n"
        + "\nShow javascript:void(0) as text, and <vbscript:msgbox(1)> too.\n",
        encoding="utf-8",
    )
    narration = narrate(read_script(script, Show()))
    spoken = " ".join(
        utterance.spoken
        for chapter in narration.chapters
        for block in chapter.blocks
        for sentence in block.sentences
        for utterance in sentence.utterances
    )
    assert "script" not in spoken.lower() and "void" not in spoken and "alert" not in spoken
    assert "Run" in spoken and "click" in spoken and "here" in spoken


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("001-deep.html", "<html><body>" + "<div>" * 50_000 + "<p>Deep words here.</p>"),
        ("002-deep.md", essay("Deep") + ">" * 50_000 + " Deep words here.\n"),
    ],
)
def test_a_page_nested_too_deeply_says_so(tmp_path: Path, name: str, body: str) -> None:
    project = make_project(tmp_path, {name: body}, seed=False)
    done = cli(project.root, *BUILD)
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and name in errors[0], done.stdout
    assert "nested too deeply" in errors[0] and "boilerplate" not in errors[0]


def test_a_file_where_the_voice_cache_folder_belongs_names_the_fix(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"001-a.md": essay("Alpha")}, seed=False)
    (project.root / ".cache").mkdir()
    (project.root / ".cache" / "voices").write_text("")
    for args in (("say", "Hello."), ("words", str(project.scripts / "001-a.md"))):
        line = one_line_failure(cli(project.root, *args))
        assert f"{project.root / '.cache' / 'voices'} is a file" in line, line
        assert "move or delete it" in line and "Not a directory" not in line


# ---------------------------------------------------------------- (c) the voice model


@pytest.mark.slow
def test_a_voice_model_damaged_without_its_stat_changing_is_caught_when_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from pipeline.core.digest import stat_fingerprint
    from pipeline.core.errors import EngineError
    from pipeline.speech.engines import piper

    model, config, digest = piper.voice_files("en_US-joe-medium")
    copy = tmp_path / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the weights: ONNX still loads it
    copy.write_bytes(bytes(data))
    workspace = tmp_path / "voices"
    workspace.mkdir()
    # What a workspace remembers when the file changed under an unchanged stat (a bit rot,
    # a restore that keeps times): the good digest, for this very stat.
    memo = {str(copy): {"stat": stat_fingerprint(copy), "sha256": digest}}
    (workspace / piper.DIGESTS).write_text(json.dumps(memo))
    monkeypatch.setattr(piper, "voice_files", lambda voice: (copy, config, digest))
    piper.file_digest.cache_clear()
    engine = piper.PiperEngine("en_US-joe-medium", workspace)  # the cheap check trusts it
    with pytest.raises(EngineError, match=r"model\.onnx is damaged .*reinstall"):
        engine.synthesize("Hello there.")
    assert not list(workspace.glob("*.onnx"))  # no optimized copy made of a damaged model
    piper.file_digest.cache_clear()
