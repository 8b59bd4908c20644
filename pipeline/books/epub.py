"""Write an EPUB 3 talking book: XHTML text, Media Overlays (SMIL) and the episode's own MP3.

Every file inside the book but the audio and the cover comes from a template in
pipeline/templates/epub/ with autoescaping on.  The layout, all in one folder so every link
is a bare file name:

    mimetype                    first, stored uncompressed (the EPUB signature)
    META-INF/container.xml      points to EPUB/package.opf
    EPUB/package.opf            metadata (accessibility, media:duration), manifest, spine
    EPUB/nav.xhtml              table of contents and landmarks
    EPUB/cover.xhtml, cover.jpg the show's artwork
    EPUB/book.css               with the highlight for the sentence being read
    EPUB/<document>.xhtml/.smil one pair per document (intro, chapters, outro)
    EPUB/audio/<slug>.mp3       the episode's MP3, byte for byte

The overlays play the MP3 itself, not an AAC copy: both are EPUB 3 core media types, but the
MP3 is the very file whose timeline made the captions, so every clip is where the captions
say, with no re-encoding delay to correct; and the reading systems that play overlays
(Thorium, Apple Books, Colibrio, VoiceDream) all play MP3.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.books.book import Document, full_clock
from pipeline.core import atomic
from pipeline.release.templating import render
from pipeline.release.written import nodes

ROOT = "EPUB"
# Fixed entry times: the same book content gives the same bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
FEATURES = (
    "synchronizedAudioText",
    "tableOfContents",
    "readingOrder",
    "structuralNavigation",
    "displayTransformability",
)
SUMMARY = (
    "{what}, with the narration synchronized sentence by sentence (a long sentence clause "
    "by clause): each is highlighted as it is spoken, and the table of contents and "
    "headings let readers move by {parts}. Headings, lists, block quotes and emphasis are "
    "marked up as such. The text can be read without the audio and the audio heard without "
    "the text. The cover is the only image and is described in text."
)


def summary(episodes: int) -> str:
    """The accessibility summary of a book of one episode or of several.

    >>> summary(1).split(",")[0], summary(3).split(",")[0]
    ('The full text of the essay', 'The full text of every episode of the show')
    """
    if episodes == 1:
        return SUMMARY.format(what="The full text of the essay", parts="chapter")
    return SUMMARY.format(
        what="The full text of every episode of the show", parts="episode and chapter"
    )


@dataclass(frozen=True)
class BookInfo:
    """The book's package metadata."""

    identifier: str  # urn:uuid:...
    title: str
    language: str
    direction: str  # "ltr" or "rtl"
    creators: tuple[str, ...]
    narrator: str
    publisher: str
    date: str  # YYYY-MM-DD
    source: str  # where the text comes from: the episode's (or show's) web page
    description: str
    modified: str  # CCYY-MM-DDThh:mm:ssZ
    cover_alt: str  # the cover described in words


@dataclass(frozen=True)
class Part:
    """One episode inside a book: its audio and its documents."""

    title: str
    byline: str | None
    audio: Path  # the MP3 on disk
    documents: tuple[Document, ...]

    @property
    def audio_href(self) -> str:
        return f"audio/{self.audio.name}"


def render_files(info: BookInfo, parts: Sequence[Part]) -> dict[str, str]:
    """Every text file of the book, by its path inside the zip."""
    filters = {"clock": full_clock}
    common: dict[str, Any] = {"info": info, "parts": parts}
    files = {
        "META-INF/container.xml": render("epub/container.xml", package_path=f"{ROOT}/package.opf"),
        f"{ROOT}/package.opf": render(
            "epub/package.opf",
            filters,
            features=FEATURES,
            summary=summary(len(parts)),
            total_duration=sum(d.duration for p in parts for d in p.documents),
            **common,
        ),
        f"{ROOT}/nav.xhtml": render(
            "epub/nav.xhtml",
            title="Contents",
            bodymatter=_bodymatter(parts),
            **common,
        ),
        f"{ROOT}/cover.xhtml": render("epub/cover.xhtml", title=info.title, info=info),
    }
    for part in parts:
        for document in part.documents:
            layout = nodes((p, p.form) for p in document.paragraphs)
            files[f"{ROOT}/{document.name}.xhtml"] = render(
                "epub/content.xhtml",
                title=document.title,
                document=document,
                layout=layout,
                part=part,
                info=info,
            )
            files[f"{ROOT}/{document.name}.smil"] = render(
                "epub/overlay.smil", filters, document=document, part=part
            )
    return files


def write_epub(path: Path, info: BookInfo, parts: Sequence[Part], cover: Path) -> None:
    """Write the book atomically: readers see the old book or the whole new one."""
    texts = render_files(info, parts)
    css = resources.files("pipeline").joinpath("assets", "book.css").read_bytes()
    with atomic.replacing(path) as tmp, zipfile.ZipFile(tmp, "w") as book:
        _add(book, "mimetype", b"application/epub+zip", compress=False)
        for name, text in texts.items():
            _add(book, name, text.encode("utf-8"))
        _add(book, f"{ROOT}/book.css", css)
        _add(book, f"{ROOT}/cover.jpg", cover.read_bytes(), compress=False)
        for part in parts:
            _add(book, f"{ROOT}/{part.audio_href}", part.audio.read_bytes(), compress=False)


def _add(book: zipfile.ZipFile, name: str, data: bytes, *, compress: bool = True) -> None:
    entry = zipfile.ZipInfo(name, ZIP_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    entry.external_attr = 0o644 << 16
    book.writestr(entry, data)


def _bodymatter(parts: Sequence[Part]) -> str:
    for part in parts:
        for document in part.documents:
            if document.kind == "chapter":
                return document.name
    return parts[0].documents[0].name
