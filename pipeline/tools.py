"""The one wrapper for every external program the pipeline runs (ffmpeg, ffprobe, and the
book validators EPUBCheck and Ace)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Collection, Mapping, Sequence
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
    try:
        done = subprocess.run(
            list(args), input=input, capture_output=True, check=False, env=environment
        )
    except OSError as exc:
        raise ToolError(f"cannot run {args[0]}: {exc.strerror}") from exc
    if done.returncode not in ok_codes:
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
