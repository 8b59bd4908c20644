"""The one wrapper for every external program the pipeline runs (ffmpeg, ffprobe)."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO

from pipeline.errors import ToolError


@functools.cache
def ffmpeg_path() -> str:
    """imageio-ffmpeg's bundled binary (so `pip install` is enough); else a system ffmpeg."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise ToolError("ffmpeg not found: run `make` (it installs imageio-ffmpeg) or install ffmpeg")


def run(
    args: Sequence[str], *, input: bytes | None = None, what: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run a program to completion; on failure raise ToolError with its stderr's tail."""
    try:
        done = subprocess.run(list(args), input=input, capture_output=True, check=False)
    except OSError as exc:
        raise ToolError(f"cannot run {args[0]}: {exc.strerror}") from exc
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        label = what or " ".join(args[:3])
        raise ToolError(f"{label} failed (exit {done.returncode}): " + " | ".join(tail))
    return done


def ffmpeg(
    *args: str, input: bytes | None = None, what: str = "ffmpeg"
) -> subprocess.CompletedProcess[bytes]:
    return run([ffmpeg_path(), "-hide_banner", "-nostdin", *args], input=input, what=what)


def popen_ffmpeg(*args: str, stderr: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start ffmpeg reading raw audio on stdin, for streaming a long episode through it.

    Its log goes to ``stderr`` (a file: a pipe could fill up and block ffmpeg while we write).
    """
    try:
        return subprocess.Popen(
            [ffmpeg_path(), "-hide_banner", "-loglevel", "error", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    except OSError as exc:
        raise ToolError(f"cannot run ffmpeg: {exc.strerror}") from exc


def ffmpeg_output(*args: str, chunk_bytes: int = 1 << 20, what: str = "ffmpeg") -> Iterator[bytes]:
    """Run ffmpeg and yield what it writes to stdout, a chunk at a time (a decode to raw
    samples, say, too long to hold whole). However the caller stops reading — done, an
    error, Ctrl-C — ffmpeg is ended and waited for; a failure raises ToolError."""
    with tempfile.TemporaryFile() as log:
        try:
            process = subprocess.Popen(
                [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        except OSError as exc:
            raise ToolError(f"cannot run ffmpeg: {exc.strerror}") from exc
        assert process.stdout is not None
        finished = False
        try:
            while chunk := process.stdout.read(chunk_bytes):
                yield chunk
            finished = True
        finally:
            if not finished:
                process.kill()
            process.stdout.close()
            code = process.wait()
        if code != 0:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-4:]
            raise ToolError(f"{what} failed (exit {code}): " + " | ".join(tail))
