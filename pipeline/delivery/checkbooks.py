"""`essaycast check` for the talking book: the M4B the feed offers and the EPUB beside the MP3.

Read back by independent readers: the M4B by mutagen (its AAC stream, its chapters), the
EPUB by zipfile (its signature, its package, the audio its overlays play).  Each problem is
one line naming the file, as in pipeline.delivery.check.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from pipeline.books.epub import ROOT
from pipeline.release import podcastindex

ALTERNATE = f"{{{podcastindex.NAMESPACE}}}alternateEnclosure"
SOURCE = f"{{{podcastindex.NAMESPACE}}}source"
M4B_TYPE = "audio/mp4"
DURATION_TOLERANCE_S = 1.0
EPUB_SIGNATURE = b"application/epub+zip"


class SiteMap(Protocol):
    prefix: str

    def local(self, url: str) -> Path | None: ...
    def name(self, path: Path) -> str: ...


def check_item_books(
    item: ET.Element, mp3: Path, mp3_seconds: float, site: SiteMap
) -> Iterator[str]:
    """Problems with the item's M4B alternate enclosure and the episode's EPUB."""
    feed_name = "feed/feed.xml"
    for alternate in item.findall(ALTERNATE):
        if alternate.get("type") != M4B_TYPE:
            continue
        source = alternate.find(SOURCE)
        url = "" if source is None else source.get("uri", "")
        path = site.local(url)
        if path is None:
            where = url or "(no podcast:source)"
            yield f"{feed_name}: alternate enclosure {where} is not under {site.prefix}"
            continue
        yield from _check_m4b(path, alternate.get("length", ""), mp3_seconds, site.name(path))
    epub = mp3.with_suffix(".epub")
    if epub.is_file():
        yield from _check_epub(epub, mp3, site.name(epub))


def _check_m4b(path: Path, length: str, mp3_seconds: float, name: str) -> Iterator[str]:
    import mutagen
    import mutagen.mp4

    if not path.is_file():
        yield f"{name}: missing, but the feed's podcast:alternateEnclosure points to it; run `make`"
        return
    size = path.stat().st_size
    if length != str(size):
        yield (
            f"{name}: file is {size} bytes but the feed's alternate enclosure length is "
            f"{length!r}; the file changed after the feed was written: run `make`"
        )
    try:
        audio = mutagen.mp4.MP4(path)
    except mutagen.MutagenError as exc:
        yield f"{name}: not a readable MP4 audiobook ({exc}); rebuild it with `make`"
        return
    seconds = audio.info.length if audio.info is not None else 0.0
    if abs(seconds - mp3_seconds) > DURATION_TOLERANCE_S:
        yield (
            f"{name}: lasts {seconds:.1f} s but the MP3 lasts {mp3_seconds:.1f} s; "
            "it is from another build: run `make`"
        )
    if not audio.chapters:
        yield f"{name}: has no chapters; rebuild it with `make`"


def _check_epub(path: Path, mp3: Path, name: str) -> Iterator[str]:
    try:
        with zipfile.ZipFile(path) as book:
            entries = book.infolist()
            first = entries[0] if entries else None
            if first is None or first.filename != "mimetype" or book.read(first) != EPUB_SIGNATURE:
                yield f"{name}: not an EPUB (no 'mimetype' entry first); rebuild it with `make`"
                return
            audio = book.getinfo(f"{ROOT}/audio/{mp3.name}")
            book.getinfo(f"{ROOT}/package.opf")
    except KeyError as exc:
        yield f"{name}: incomplete EPUB ({exc.args[0]}); rebuild it with `make`"
        return
    except (zipfile.BadZipFile, OSError) as exc:
        yield f"{name}: not a readable EPUB ({exc}); rebuild it with `make`"
        return
    if audio.file_size != mp3.stat().st_size:
        yield (
            f"{name}: its audio is not the episode's MP3 ({audio.file_size} bytes, the MP3 has "
            f"{mp3.stat().st_size}): its highlights would drift; run `make`"
        )
