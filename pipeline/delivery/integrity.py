"""Read a finished file whole, as a player would, to find damage its header cannot show.

An MP3 with a stretch of it zeroed keeps its size and its tags, and mutagen still reads
its length from the Xing header; only decoding every frame finds the hole. A truncated
JPEG still opens (Pillow reads the header lazily); only loading its pixels finds the cut.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO

from pipeline.core import tools
from pipeline.core.errors import ToolError

DECODED_TOLERANCE_S = 0.5  # a decoder may drop a frame or two at either end
OUT_TIME = re.compile(rb"^out_time_us=(\d+)$", re.MULTILINE)


def decoded_seconds(log: bytes) -> float | None:
    """The last position ffmpeg's -progress output reached, in seconds.

    >>> decoded_seconds(b"out_time_us=1500000\\nprogress=continue\\nout_time_us=2500000\\n")
    2.5
    >>> decoded_seconds(b"progress=end\\n") is None
    True
    """
    found = OUT_TIME.findall(log)
    return int(found[-1]) / 1e6 if found else None


def mp3_problem(path: Path, declared_seconds: float) -> str | None:
    """Decode every frame of an MP3; say what is wrong, or None when it plays whole."""
    try:
        done = tools.ffmpeg(
            "-v", "error", "-nostats", "-i", str(path), "-progress", "pipe:1", "-f", "null", "-",
            what=f"decoding {path.name}",
        )  # fmt: skip
    except ToolError as exc:
        return f"cannot be decoded ({exc.detail})"
    errors = done.stderr.decode("utf-8", "replace").strip().splitlines()
    if errors:
        return f"damaged audio: ffmpeg reports {len(errors)} decoding error(s): {errors[0]}"
    seconds = decoded_seconds(done.stdout)
    if seconds is None or abs(seconds - declared_seconds) > DECODED_TOLERANCE_S:
        heard = "nothing" if seconds is None else f"{seconds:.1f} s"
        return f"damaged audio: it decodes to {heard} of the {declared_seconds:.1f} s it declares"
    return None


def image_problem(path: Path | IO[bytes]) -> str | None:
    """Load every pixel of an image (a file, or bytes fetched from a URL); say what is
    wrong, or None when it is whole."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"damaged image ({exc})"
    return None
