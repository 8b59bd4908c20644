"""The one wrapper for every external program the pipeline runs (ffmpeg, ffprobe, and the
book validators EPUBCheck and Ace).

Every wait on a program is bounded: each may run at most TOOL_LIMIT_S, and when the build is
asked to stop (``cancel``), every program still running is killed after GRACE_S, so a stuck
ffmpeg (one that stopped reading its input, or never exits) cannot hold a stopping build.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

from pipeline.core import atomic
from pipeline.core.errors import ToolError

TOOL_LIMIT_S = 60 * 60  # far beyond any encode or validation of one book
GRACE_S = 2.0  # after a stop request, how long a program may take to end before it is killed
FFMPEG_VARIABLE = "ESSAYCAST_FFMPEG"  # another ffmpeg binary (the tests use a stuck fake)


@functools.cache
def ffmpeg_path() -> str:
    """imageio-ffmpeg's bundled binary (so `pip install` is enough); else a system ffmpeg."""
    if os.environ.get(FFMPEG_VARIABLE):
        return os.environ[FFMPEG_VARIABLE]
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise ToolError("ffmpeg not found: run `make` (it installs imageio-ffmpeg) or install ffmpeg")


def run(
    args: Sequence[str],
    *,
    input: bytes | None = None,
    what: str | None = None,
    env: Mapping[str, str] | None = None,
    ok_codes: Collection[int] = (0,),
) -> subprocess.CompletedProcess[bytes]:
    """Run a program to completion; on failure raise ToolError with its stderr's tail.

    ``env`` adds to the environment; ``ok_codes`` are the exit codes that are not failures
    (a validator exits 1 when it finds problems, which its report then lists).
    """
    environment = None if env is None else {**os.environ, **env}
    label = what or " ".join(args[:3])
    try:
        process = subprocess.Popen(
            list(args),
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
        )
    except OSError as exc:
        raise ToolError(f"cannot run {args[0]}: {exc.strerror}") from exc
    with _watched(process), process:
        try:
            stdout, stderr = process.communicate(input, timeout=TOOL_LIMIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise ToolError(f"{label} did not finish in {TOOL_LIMIT_S} s; it was stopped") from None
        except BaseException:
            process.kill()
            raise
    done = subprocess.CompletedProcess(list(args), process.returncode, stdout, stderr)
    if cancelled.is_set() and done.returncode not in ok_codes:
        raise ToolError(f"{label} stopped: the build was interrupted")
    if done.returncode not in ok_codes:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise ToolError(f"{label} failed (exit {done.returncode}): " + " | ".join(tail))
    return done


def ffmpeg(
    *args: str, input: bytes | None = None, what: str = "ffmpeg"
) -> subprocess.CompletedProcess[bytes]:
    return run([ffmpeg_path(), "-hide_banner", "-nostdin", *args], input=input, what=what)


def popen_ffmpeg(
    *args: str, stderr: IO[bytes], stdout: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """Start ffmpeg reading raw audio on stdin, for streaming a long episode through it
    (and writing to a pipe on stdout when ``stdout`` is ``subprocess.PIPE``).

    Its log goes to ``stderr`` (a file: a pipe could fill up and block ffmpeg while we write).
    """
    try:
        return subprocess.Popen(
            [ffmpeg_path(), "-hide_banner", "-loglevel", "error", *args],
            stdin=subprocess.PIPE,
            stdout=stdout,
            stderr=stderr,
        )
    except OSError as exc:
        raise ToolError(f"cannot run ffmpeg: {exc.strerror}") from exc


NO_SPACE = "No space left on device"  # what ffmpeg logs, from strerror(ENOSPC)


@contextlib.contextmanager
def ffmpeg_writing(path: Path) -> Iterator[None]:
    """ffmpeg writes ``path`` (or a temporary file for it) itself: a disk that fills is
    then its failure, which is made the one line that names ``path`` and says to free space.

    >>> try:
    ...     with ffmpeg_writing(Path("/p/x.m4b")):
    ...         raise ToolError("ffmpeg failed (exit 228): Error writing trailer: " + NO_SPACE)
    ... except atomic.OutputError as exc:
    ...     print(exc)
    cannot write /p/x.m4b: No space left on device: free some disk space and build again
    """
    try:
        yield
    except ToolError as exc:
        if NO_SPACE in str(exc):
            raise atomic.no_space(path) from None
        raise


# Set when the build is asked to stop (Ctrl-C, SIGTERM): a thread streaming into ffmpeg
# checks it between chunks, so no helper thread goes on feeding a build that is ending.
cancelled = threading.Event()

_running: dict[subprocess.Popen[bytes], float] = {}  # every program started here: its deadline
_running_lock = threading.Lock()
_watchdog: threading.Thread | None = None


@contextlib.contextmanager
def _watched(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """Kill ``process`` if it outlives TOOL_LIMIT_S, or GRACE_S after a stop request."""
    global _watchdog
    with _running_lock:
        _running[process] = time.monotonic() + TOOL_LIMIT_S
        if _watchdog is None or not _watchdog.is_alive():
            _watchdog = threading.Thread(target=_watch, name="tool-watchdog", daemon=True)
            _watchdog.start()
    try:
        yield
    finally:
        with _running_lock:
            _running.pop(process, None)


def _watch() -> None:
    stop_seen: float | None = None
    while True:
        time.sleep(0.2)
        now = time.monotonic()
        if not cancelled.is_set():
            stop_seen = None
        elif stop_seen is None:
            stop_seen = now
        with _running_lock:
            overdue = [
                p
                for p, deadline in _running.items()
                if now > deadline or (stop_seen is not None and now > stop_seen + GRACE_S)
            ]
        for process in overdue:
            with contextlib.suppress(OSError):
                process.kill()  # its reader or writer then sees EOF or a broken pipe


@atexit.register
def _kill_leftovers() -> None:
    """The interpreter is ending (a stop request ended the main thread): a helper thread's
    program still running would outlive the build, its thread gone before any grace."""
    with _running_lock:
        leftovers = list(_running)
    for process in leftovers:
        with contextlib.suppress(OSError):
            process.kill()


def cancel() -> None:
    """The build is stopping: helper threads stop feeding, and every program still running
    after GRACE_S is killed."""
    cancelled.set()


_holding = 0  # how deep the main thread is in signals_held()
_held: list[int] = []


def hold_signal(signum: int) -> bool:
    """For the stop handler: True if the signal is held for later (see signals_held)."""
    if _holding:
        _held.append(signum)
    return bool(_holding)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold a stop request (Ctrl-C, SIGTERM) until the block is done, then deliver it again.

    The stop handler raises wherever the main thread is; inside the standard library's
    process pool as it starts its manager thread, that leaves a pool that can be neither
    used nor shut down (a traceback instead of a clean stop)."""
    global _holding
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
        if not _holding and _held:
            signum = _held[0]
            _held.clear()
            os.kill(os.getpid(), signum)


def _forget_held() -> None:
    """A process forked inside signals_held() (a pool's worker) holds nothing of its own."""
    global _holding
    _holding = 0
    _held.clear()


os.register_at_fork(after_in_child=_forget_held)


def stream_into_ffmpeg(args: Sequence[str], chunks: Iterable[bytes], what: str) -> str:
    """Stream ``chunks`` into ffmpeg's stdin and return its log; ToolError if it fails.

    Whatever happens while streaming (a chunk that cannot be produced, Ctrl-C, a stop
    request), ffmpeg is killed, its stdin closed and the process reaped before the error
    goes on: a build can never wait forever on an ffmpeg that waits for more input.
    """
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a pipe could fill and block
        process = popen_ffmpeg(*args, stderr=log)
        assert process.stdin is not None
        with _watched(process):
            code = _feed(process, chunks, what)
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    _check_exit(code, text, what)
    return text


def stream_through_ffmpeg(
    args: Sequence[str], chunks: Iterable[bytes], what: str, chunk: int = 1 << 16
) -> Iterator[bytes]:
    """Stream ``chunks`` into ffmpeg's stdin (from a thread) while yielding what it writes
    to its stdout; ToolError if it fails, once its output has been read.

    The feeding thread stops with the build (``cancelled``), and whatever stops the reader
    (an error, a stop request, the reader leaving early) kills ffmpeg, so neither side can
    wait forever on the other. An error raised while producing the chunks is raised here.
    """
    with tempfile.TemporaryFile() as log:
        process = popen_ffmpeg(*args, stderr=log, stdout=subprocess.PIPE)
        assert process.stdout is not None
        failure: list[BaseException] = []

        def feed() -> None:
            try:
                _write(process, chunks, what)
            except BaseException as exc:  # raised in the reader's thread below
                failure.append(exc)
                process.kill()

        feeder = threading.Thread(target=feed, name="ffmpeg-feeder", daemon=True)
        finished = False
        with _watched(process):
            feeder.start()
            try:
                while data := process.stdout.read(chunk):
                    yield data
                finished = True
            finally:
                process.stdout.close()
                if not finished:
                    process.kill()
                feeder.join()
                code = _reap(process)
        if failure:
            raise failure[0]
        log.seek(0)
        _check_exit(code, log.read().decode("utf-8", "replace"), what)


def _check_exit(code: int, log: str, what: str) -> None:
    """ToolError for an ffmpeg that did not end well, with its log's last lines."""
    if cancelled.is_set() and code != 0:
        raise ToolError(f"ffmpeg {what} stopped: the build was interrupted")
    if code != 0:
        tail = " | ".join(log.strip().splitlines()[-4:])
        raise ToolError(f"ffmpeg {what} failed (exit {code}): {tail}")


def _write(process: subprocess.Popen[bytes], chunks: Iterable[bytes], what: str) -> None:
    """Write every chunk to the process's stdin and close it (ffmpeg leaving early is not
    an error here: its exit status and log say why)."""
    assert process.stdin is not None
    try:
        for chunk in chunks:
            if cancelled.is_set():
                raise ToolError(f"ffmpeg {what} stopped: the build was interrupted")
            process.stdin.write(chunk)
    except BrokenPipeError:
        pass
    finally:
        with contextlib.suppress(OSError):
            process.stdin.close()


def _feed(process: subprocess.Popen[bytes], chunks: Iterable[bytes], what: str) -> int:
    """Write every chunk to the process's stdin, close it and reap the process."""
    try:
        _write(process, chunks, what)
    except BaseException:
        process.kill()
        raise
    finally:
        code = _reap(process)
    return code


def _reap(process: subprocess.Popen[bytes]) -> int:
    """Wait for the process (the watchdog bounds the wait); kill it if we are unwinding."""
    try:
        return process.wait()
    except BaseException:  # a stop request while waiting: do not leave it running
        process.kill()
        process.wait()
        raise


def read_ffmpeg(*args: str, what: str = "ffmpeg", chunk: int = 1 << 16) -> Iterator[bytes]:
    """Run ffmpeg writing to its stdout and yield what it writes, a chunk at a time.

    For decoding a long file without holding it whole. Stopping early kills ffmpeg; a
    failure raises ToolError with its log's tail once the output has been read.
    """
    with tempfile.TemporaryFile() as log:
        try:
            process = subprocess.Popen(
                [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,  # a file: a full pipe could block ffmpeg
            )
        except OSError as exc:
            raise ToolError(f"cannot run ffmpeg: {exc.strerror}") from exc
        assert process.stdout is not None
        finished = False
        try:
            with _watched(process):
                while data := process.stdout.read(chunk):
                    yield data
                finished = True
        finally:
            process.stdout.close()
            if not finished:  # the reader stopped early or failed: ffmpeg is not needed
                process.kill()
            code = _reap(process)
        if cancelled.is_set() and code != 0:
            raise ToolError(f"{what} stopped: the build was interrupted")
        if code != 0:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise ToolError(f"{what} failed (exit {code}): " + " | ".join(tail))
