"""Write the episode as an M4B audiobook: AAC in MP4, with chapters, cover art and tags.

ffmpeg reads the chapters and tags from an ffmetadata file and writes the chapters twice, as
audiobook players look for them in one place or the other: a Nero ``chpl`` atom and a
QuickTime chapter text track.  Players know the file as an audiobook (remembering where the
listener stopped, listing it with books) by its major brand ``M4B `` in ``ftyp`` and its
media kind, the ``stik`` atom, 2 ("Audiobook").  The AAC starts with one frame of encoder
priming; an edit list (``elst``, media time 1024) trims it, so playback is gapless and every
chapter is heard at its MP3 time (pipeline/audio/aac.py lays the chapters out so).

The audio is the mastered MP3 re-encoded a chapter at a time (pipeline/audio/aac.py keeps each
chapter's AAC), so its loudness stays at the show's target (the tests measure it with
ffmpeg's ebur128 filter, held to the MP3's ±0.5 LU).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipeline.audio.aac import AAC_FRAME
from pipeline.core import atomic, tools
from pipeline.core.model import ChapterMark

# AAC needs fewer bits than MP3 for the same quality; speech is well served from 64 kbps.
MIN_BITRATE_KBPS = 64
BRAND = "M4B "  # the major brand audiobook players look for
AUDIOBOOK = 2  # the media kind (stik) iTunes and Apple Books read as "Audiobook"
_SPECIAL = re.compile(r"([=;#\\\n])")


def escape(value: str) -> str:
    r"""A value as ffmetadata needs it: '=', ';', '#', '\' and line ends backslash-escaped.

    >>> print(escape("Q&A; 1=1 #2 \\ end"))
    Q&A\; 1\=1 \#2 \\ end
    """
    return _SPECIAL.sub(r"\\\1", value)


def ffmetadata(tags: Mapping[str, str], chapters: Sequence[ChapterMark], duration: float) -> str:
    r"""The ffmetadata file: global tags, then one [CHAPTER] per mark in milliseconds.

    >>> print(ffmetadata({"title": "Walls"}, [ChapterMark("A=1", 0, 2.5)], 3.0), end="")
    ;FFMETADATA1
    title=Walls
    media_type=2
    <BLANKLINE>
    [CHAPTER]
    TIMEBASE=1/1000
    START=0
    END=3000
    title=A\=1
    """
    lines = [";FFMETADATA1"]
    lines += [f"{key}={escape(value)}" for key, value in tags.items()]
    lines.append(f"media_type={AUDIOBOOK}")  # ffmpeg's name for the stik atom
    ordered = sorted(chapters, key=lambda mark: mark.start)
    for index, mark in enumerate(ordered):
        # Chapters tile the whole file: each ends where the next begins, the last at the end.
        end = ordered[index + 1].start if index + 1 < len(ordered) else duration
        lines += [
            "",
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(mark.start * 1000)}",
            f"END={round(end * 1000)}",
            f"title={escape(mark.title)}",
        ]
    return "\n".join(lines) + "\n"


def write_m4b(
    aac: Path,
    out: Path,
    tags: Mapping[str, str],
    chapters: Sequence[ChapterMark],
    duration: float,
    cover: Path,
    rate: int,
) -> None:
    """Put ``aac`` (a file of ADTS frames at ``rate``) in an M4B at ``out``, atomically, with
    chapters, tags and cover. The audio is copied, not encoded again.

    The AAC's first frame is priming: read a frame early (a negative -itsoffset), its first
    packet has a negative time, which ffmpeg's MP4 muxer writes as an edit list that skips it.
    """
    priming = f"-{AAC_FRAME / rate:.9f}"
    with tempfile.TemporaryDirectory(prefix="essaycast-m4b-") as scratch:
        metadata = Path(scratch) / "metadata.txt"
        metadata.write_text(ffmetadata(tags, chapters, duration), encoding="utf-8")
        with atomic.replacing(out) as tmp, tools.ffmpeg_writing(out):
            tools.ffmpeg(
                "-y", "-loglevel", "error",
                "-itsoffset", priming, "-f", "aac", "-i", str(aac),
                "-f", "ffmetadata", "-i", str(metadata),
                "-i", str(cover), "-map", "0:a", "-map", "2:v",
                "-map_metadata", "1", "-map_chapters", "1",
                "-c:a", "copy", "-c:v", "copy", "-disposition:v:0", "attached_pic",
                "-movflags", "+faststart", "-brand", BRAND,
                "-f", "ipod", str(tmp),
                what=f"ffmpeg (writing {out.name})",
            )  # fmt: skip


# ffmpeg's tag names (as write_m4b gives them) -> the MP4 atoms they become.
MP4_ATOMS = {
    "title": "\xa9nam",
    "artist": "\xa9ART",
    "album_artist": "aART",
    "album": "\xa9alb",
    "genre": "\xa9gen",
    "date": "\xa9day",
    "comment": "\xa9cmt",
}


def retag_m4b(path: Path, tags: Mapping[str, str], cover: Path) -> None:
    """Rewrite an M4B's tags and cover in place (atomically), its audio and chapters
    untouched: a new summary, date or cover needs no second AAC encode."""
    import shutil

    from mutagen.mp4 import MP4, MP4Cover

    with atomic.replacing(path) as tmp:
        shutil.copyfile(path, tmp)
        book = MP4(tmp)
        assert book.tags is not None
        for name, value in tags.items():
            if name == "track":
                book.tags["trkn"] = [(int(value), 0)]
            elif name in MP4_ATOMS:
                book.tags[MP4_ATOMS[name]] = [value]
        book.tags["stik"] = [AUDIOBOOK]
        kind = MP4Cover.FORMAT_PNG if cover.suffix.lower() == ".png" else MP4Cover.FORMAT_JPEG
        book.tags["covr"] = [MP4Cover(cover.read_bytes(), imageformat=kind)]
        book.save()
