"""The talking book: EPUB 3 with Media Overlays and M4B, read back by independent readers.

The EPUB is opened with zipfile and its XML parsed with ElementTree; every SMIL clip is
compared with the captions (the .vtt file, parsed strictly); the M4B is read by mutagen and
ffprobe and measured by ffmpeg's ebur128 filter; EPUBCheck and Ace by DAISY validate the
real seed episode's books.  Most tests use the deterministic fake voice, to run in seconds.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, cli, copy_project, ebur128, make_project, run_build
from numpy.typing import NDArray
from test_transcripts import parse_vtt_strictly

from pipeline.audio.aac import ChapterEncodes
from pipeline.audio.segments import SegmentStore
from pipeline.books.book import BookError, check_timeline, documents, locate
from pipeline.books.talkingbook import EpisodeBook, show_book_path, write_episode_book
from pipeline.build.run import BuildResult
from pipeline.build.task import Project
from pipeline.core import tools
from pipeline.core.digest import file_digest
from pipeline.core.model import BuiltEpisode, Show, TimedSentence
from pipeline.delivery.validatebooks import ace, epubcheck, find_validators, read_record, validate

SECOND = """---
title: A Second Essay & <More>
date: 2027-01-05
summary: About walls, again.
author: Ana O'Neil
---
# First things

The first paragraph has two sentences. This is the second one.

# Then

The second paragraph is short.
"""
LISTS = """---
title: Lists and Quotes
date: 2027-01-12
summary: Things in order.
---
# What to bring

Bring *three* things, and **only** three.

- A torch for the dark.
- A map of the hills.
- A spare pair of socks.

## How to walk

1. Start slowly.
2. Rest every hour.

> A quoted line stands apart. It has two sentences.

The end.
"""
SLUG = "001-invisible-walls"
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "smil": "http://www.w3.org/ns/SMIL",
    "epub": "http://www.idpf.org/2007/ops",
}
CLIP_TOLERANCE_S = 0.010


@dataclass(frozen=True)
class Clip:
    document: str
    id: str
    text: str
    begin: float
    end: float


def seconds(clock: str) -> float:
    """A SMIL clock value (full, partial or timecount) in seconds."""
    if clock.endswith("s") and ":" not in clock:
        return float(clock[:-1])
    parts = [float(p) for p in clock.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0.0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


class Book:
    """An EPUB opened as a reading system would: container → package → spine → overlays."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        container = self.xml("META-INF/container.xml")
        rootfile = container.find(".//{*}rootfile")
        assert rootfile is not None
        self.opf_path = rootfile.get("full-path", "")
        self.folder = self.opf_path.rsplit("/", 1)[0] + "/"
        self.opf = self.xml(self.opf_path)
        self.items = {i.get("id"): i for i in self.opf.iterfind("opf:manifest/opf:item", NS)}

    def xml(self, name: str) -> ET.Element:
        return ET.fromstring(self.zip.read(name))

    def meta(self, prop: str) -> list[str]:
        return [
            m.text or ""
            for m in self.opf.iterfind("opf:metadata/opf:meta", NS)
            if m.get("property") == prop and m.get("refines") is None
        ]

    def spine(self) -> list[ET.Element]:
        return [self.items[r.get("idref")] for r in self.opf.iterfind("opf:spine/opf:itemref", NS)]

    def clips(self) -> Iterator[Clip]:
        """Every overlay <par> in reading order, with the text its fragment points to."""
        for item in self.spine():
            overlay = item.get("media-overlay")
            if not overlay:
                continue
            smil = self.xml(self.folder + self.items[overlay].get("href", ""))
            page = self.xml(self.folder + item.get("href", ""))
            texts = {e.get("id"): "".join(e.itertext()) for e in page.iter() if e.get("id")}
            for par in smil.iterfind(".//smil:par", NS):
                text, audio = par.find("smil:text", NS), par.find("smil:audio", NS)
                assert text is not None and audio is not None
                doc, fragment = text.get("src", "").split("#")
                assert doc == item.get("href")
                yield Clip(
                    doc,
                    fragment,
                    texts[fragment],
                    seconds(audio.get("clipBegin", "")),
                    seconds(audio.get("clipEnd", "")),
                )


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, BuildResult]:
    """The seed and a second episode, built with the fake voice."""
    scripts = {"002-second.md": SECOND, "003-lists.md": LISTS}
    project = make_project(tmp_path_factory.mktemp("books"), scripts)
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed, result.failed
    return project, result


def episode(result: BuildResult, slug: str = SLUG) -> BuiltEpisode:
    return next(e for e in result.built if e.meta.slug == slug)


# --- the EPUB -------------------------------------------------------------------------------


def test_epub_container_and_package_metadata(books: tuple[Project, BuildResult]) -> None:
    _project, result = books
    built = episode(result, "002-second")
    path = built.files.epub
    with zipfile.ZipFile(path) as raw:
        first = raw.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert raw.read(first) == b"application/epub+zip"
    book = Book(path)
    dc = {t.tag.split("}")[1]: t.text for t in book.opf.find("opf:metadata", NS) or []}
    assert dc["title"] == "A Second Essay & <More>"
    assert dc["language"] == "en" and dc["creator"] == "Ana O'Neil"
    assert dc["date"] == "2027-01-05"
    assert dc["source"] == "http://127.0.0.1:8000/episodes/002-second/"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", book.meta("dcterms:modified")[0])
    assert sorted(book.meta("schema:accessMode")) == ["auditory", "textual"]
    assert sorted(book.meta("schema:accessModeSufficient")) == [
        "auditory",
        "textual",
        "textual,auditory",
    ]
    features = set(book.meta("schema:accessibilityFeature"))
    assert {"synchronizedAudioText", "tableOfContents", "readingOrder"} <= features
    assert "structuralNavigation" in features
    assert book.meta("schema:accessibilityHazard") == ["none"]
    assert book.meta("schema:accessibilitySummary")[0].strip()
    # Built, not yet checked: no certification is claimed (validatebooks checks and records).
    assert book.meta("dcterms:conformsTo") == book.meta("a11y:certifiedBy") == []
    assert b"EPUBCheck" not in book.zip.read(book.folder + "package.opf")
    assert book.meta("media:active-class") == ["-epub-media-overlay-active"]
    css = book.zip.read(book.folder + "book.css").decode()
    assert ".-epub-media-overlay-active" in css
    cover = [i for i in book.items.values() if i.get("properties") == "cover-image"]
    assert len(cover) == 1 and book.zip.read(book.folder + cover[0].get("href", ""))[:2] == (
        b"\xff\xd8"
    )


def test_overlay_durations_add_up(books: tuple[Project, BuildResult]) -> None:
    _project, result = books
    book = Book(episode(result).files.epub)
    refined = {
        m.get("refines", "")[1:]: seconds(m.text or "")
        for m in book.opf.iterfind("opf:metadata/opf:meta", NS)
        if m.get("property") == "media:duration" and m.get("refines")
    }
    overlays = {i.get("media-overlay") for i in book.spine() if i.get("media-overlay")}
    assert set(refined) == overlays
    clips = list(book.clips())
    spoken = sum(c.end - c.begin for c in clips)
    assert abs(sum(refined.values()) - spoken) < 0.001 * len(clips)
    assert abs(seconds(book.meta("media:duration")[0]) - sum(refined.values())) < 0.0005


def test_every_sentence_clip_matches_its_captions(books: tuple[Project, BuildResult]) -> None:
    _project, result = books
    for built in result.built:
        assert_clips_match_captions(built)


def assert_clips_match_captions(built: BuiltEpisode) -> None:
    """Walk the book's pars and the .vtt cues together. A sentence heard for more than 4 s
    over several cues has a par per cue: its text is the cue's, it starts with the cue, and
    the pars tile the sentence. Any other sentence is one par: its cues, joined, are its text,
    and it starts with its first cue and ends with its last, within 10 ms."""
    cues = parse_vtt_strictly(built.files.vtt.read_text(encoding="utf-8"))
    clips = list(Book(built.files.epub).clips())
    sentences = [s for b in built.timeline.blocks for s in b.sentences]
    by_sentence: dict[str, list[Clip]] = {}
    for clip in clips:
        by_sentence.setdefault(clip.id.split("-")[0], []).append(clip)
    assert len(by_sentence) == len(sentences)
    position = 0
    clause_level = 0
    for (name, pars), sentence in zip(by_sentence.items(), sentences, strict=True):
        whole = squash("".join(p.text for p in pars))
        assert whole == squash(sentence.text), (name, whole)
        first = position
        for par in pars:
            wanted, said, start = squash(par.text), "", position
            while said != wanted:
                assert position < len(cues) and wanted.startswith(said), (par.text, said)
                said += squash("".join(cues[position].lines))
                position += 1
            assert abs(par.begin - cues[start].start) <= CLIP_TOLERANCE_S, par
            if len(pars) > 1:
                assert position - start == 1, par  # a clause is exactly one cue
        for before, after in itertools.pairwise(pars):
            assert abs(before.end - after.begin) < 0.0015, (before, after)  # they tile
        assert abs(pars[-1].end - cues[position - 1].end) <= CLIP_TOLERANCE_S, pars[-1]
        long = sentence.end - sentence.start > 4.0 and position - first > 1
        assert (len(pars) > 1) == long, (name, len(pars), position - first)
        clause_level += len(pars) > 1
    assert position == len(cues)
    if built.meta.slug == SLUG:  # the seed essay has long sentences: they are cut
        assert clause_level >= 3, clause_level


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_lists_quotes_emphasis_and_headings_keep_their_elements(
    books: tuple[Project, BuildResult],
) -> None:
    """WCAG 1.3.1: the structure the author wrote is in the EPUB's XHTML and on the page, and
    a list item read as a sentence is its own highlight (a par of its own)."""
    _project, result = books
    built = episode(result, "003-lists")
    book = Book(built.files.epub)
    first, second = (book.xml(book.folder + f"chapter-0{n}.xhtml") for n in (1, 2))
    x = f"{{{NS['x']}}}"
    heading = first.find(".//x:h2", NS)
    assert heading is not None and "".join(heading.itertext()) == "What to bring"
    sub = second.find(".//x:h3", NS)  # "##" under "#": one level down
    assert sub is not None and "".join(sub.itertext()) == "How to walk"
    em, strong = first.find(".//x:em", NS), first.find(".//x:strong", NS)
    assert em is not None and em.text == "three" and strong is not None and strong.text == "only"
    items = first.findall(".//x:ul/x:li", NS)
    assert ["".join(i.itertext()) for i in items] == [
        "A torch for the dark.", "A map of the hills.", "A spare pair of socks."
    ]  # fmt: skip
    pars = {c.id: c for c in book.clips()}
    for item in items:
        span = item.find("x:span", NS)
        assert span is not None and pars[span.get("id", "")].text == "".join(item.itertext())
    ordered = second.findall(".//x:ol/x:li", NS)
    assert ["".join(i.itertext()) for i in ordered] == ["Start slowly.", "Rest every hour."]
    quote = second.find(".//x:blockquote/x:p", NS)
    assert quote is not None
    assert "".join(quote.itertext()) == "A quoted line stands apart. It has two sentences."
    after = [e for e in second.iter(f"{x}p") if "".join(e.itertext()) == "The end."]
    assert len(after) == 1  # out of the quote again
    page = built.files.page.read_text(encoding="utf-8")
    assert "<em>three</em>" in page and "<strong>only</strong>" in page
    assert re.search(r"<ul>\s*<li>.*A torch for the dark\.</span></li>", page)
    assert re.search(r"<ol>\s*<li>.*Start slowly\.</span></li>", page)
    assert re.search(r"<blockquote>\s*<p>.*A quoted line stands apart", page)
    assert re.search(r"<h4 id=\"chapter-\d+-heading\">.*How to walk", page)


def test_intro_and_outro_have_their_own_documents(books: tuple[Project, BuildResult]) -> None:
    _project, result = books
    built = episode(result)
    clips = list(Book(built.files.epub).clips())
    by_document: dict[str, list[Clip]] = {}
    for clip in clips:
        by_document.setdefault(clip.document, []).append(clip)
    intro = next(b for b in built.timeline.blocks if b.kind == "intro")
    outro = next(b for b in built.timeline.blocks if b.kind == "outro")
    assert [c.text for c in by_document["intro.xhtml"]] == [s.text for s in intro.sentences]
    assert [c.text for c in by_document["outro.xhtml"]] == [s.text for s in outro.sentences]
    chapters = [name for name in by_document if name.startswith("chapter-")]
    assert len(chapters) == len(built.timeline.chapters)


def test_nav_and_headings(books: tuple[Project, BuildResult]) -> None:
    _project, result = books
    built = episode(result, "002-second")
    book = Book(built.files.epub)
    nav_item = next(i for i in book.items.values() if i.get("properties") == "nav")
    nav = book.xml(book.folder + nav_item.get("href", ""))
    toc = next(n for n in nav.iter(f"{{{NS['x']}}}nav") if n.get(f"{{{NS['epub']}}}type") == "toc")
    assert toc.get("role") == "doc-toc"
    titles = ["".join(a.itertext()) for a in toc.iter(f"{{{NS['x']}}}a")]
    assert titles[1:3] == ["First things", "Then"]
    landmarks = [n.get(f"{{{NS['epub']}}}type") for n in nav.iter(f"{{{NS['x']}}}nav")]
    assert "landmarks" in landmarks
    chapter = book.xml(book.folder + "chapter-01.xhtml")
    heading = chapter.find(".//x:h2", NS)
    assert heading is not None and "".join(heading.itertext()) == "First things"
    intro = book.xml(book.folder + "intro.xhtml")
    title = intro.find(".//x:h1", NS)
    assert title is not None and title.text == "A Second Essay & <More>"


def test_show_book_has_every_episode_oldest_first(books: tuple[Project, BuildResult]) -> None:
    project, result = books
    path = show_book_path(load_show(project), project.feed)
    book = Book(path)
    intro_titles = []
    for item in book.spine():
        if item.get("href", "").endswith("-intro.xhtml"):
            h1 = book.xml(book.folder + item.get("href", "")).find(".//x:h1", NS)
            assert h1 is not None
            intro_titles.append(h1.text)
    by_date = sorted(result.built, key=lambda e: e.meta.date)
    assert intro_titles == [e.meta.title for e in by_date]
    sentences = {(c.document.split("-")[0], c.id.split("-")[0]) for c in book.clips()}
    assert len(sentences) == sum(len(b.sentences) for e in result.built for b in e.timeline.blocks)
    # It holds every episode, and says so; each essay's author is a creator, as an author.
    summary = book.meta("schema:accessibilitySummary")[0]
    assert "every episode" in summary and "the essay" not in summary, summary
    creators = book.opf.findall("opf:metadata/dc:creator", NS)
    authors = dict.fromkeys(e.meta.author or "Essaycast" for e in by_date)  # each once
    assert [c.text for c in creators] == list(authors) and len(authors) == 2
    roles = {
        m.get("refines"): m.text
        for m in book.opf.iterfind("opf:metadata/opf:meta", NS)
        if m.get("property") == "role"
    }
    assert all(roles[f"#{c.get('id')}"] == "aut" for c in creators)
    cover = book.xml(book.folder + "cover.xhtml").find(".//x:img", NS)
    assert cover is not None
    alt = cover.get("alt", "")  # the drawn title card, described
    assert alt.startswith("Title card: the words “Essaycast”") and "background" in alt, alt
    page = (project.feed / "index.html").read_text(encoding="utf-8")
    assert f'href="{path.name}"' in page and "talking book (EPUB" in page


def load_show(project: Project) -> Show:
    from pipeline.settings.config import load_show as load

    return load(project.show_toml)


# --- the M4B --------------------------------------------------------------------------------


def decoded(path: Path) -> NDArray[np.bool_]:
    """Where a file is not silent, mono at 44.1 kHz, as ffmpeg (not the pipeline) decodes it."""
    raw = tools.run(
        [tools.ffmpeg_path(), "-v", "error", "-i", str(path), "-map", "0:a", "-ac", "1",
         "-ar", "44100", "-f", "s16le", "-"],
    ).stdout  # fmt: skip
    return np.abs(np.frombuffer(raw, dtype="<i2")) > 1000


def onset(loud: NDArray[np.bool_], near: float) -> float:
    """When sound first rises out of the pause before ``near`` (seconds)."""
    start = round((near - 0.3) * 44100)
    return (start + int(np.argmax(loud[start:]))) / 44100


def test_m4b_read_back_by_mutagen_and_ffprobe(books: tuple[Project, BuildResult]) -> None:
    import mutagen.mp4

    project, result = books
    built = episode(result, "002-second")
    m4b = built.files.m4b
    audio = mutagen.mp4.MP4(m4b)
    assert audio.info is not None and abs(audio.info.length - built.timeline.duration) < 0.2
    tags = audio.tags
    assert tags is not None
    assert tags["©nam"] == ["A Second Essay & <More>"]
    assert tags["©ART"] == ["Ana O'Neil"] and tags["©alb"] == [load_show(project).title]
    assert tags["covr"][0][:2] == b"\xff\xd8"
    assert tags["stik"] == [2]  # media kind: Audiobook
    marks = built.timeline.chapters
    assert [c.title for c in audio.chapters] == [m.title for m in marks]  # the chpl atom
    # The edit list trims the priming, and each chapter is laid where the MP3 has it: the
    # marks are the MP3's, and the speech after each mark is heard at the same moment in both.
    mp3_audio, m4b_audio = decoded(built.files.mp3), decoded(m4b)
    assert abs(len(m4b_audio) - len(mp3_audio)) < 1024, (len(m4b_audio), len(mp3_audio))
    for chapter, mark in zip(audio.chapters, marks, strict=True):
        assert abs(chapter.start - mark.start) <= 0.001, (chapter.start, mark.start)
        if mark.start:
            heard_mp3, heard_m4b = onset(mp3_audio, mark.start), onset(m4b_audio, mark.start)
            assert abs(heard_m4b - heard_mp3) < 0.002, (mark.title, heard_mp3, heard_m4b)
    probe = json.loads(
        tools.run(
            ["ffprobe", "-v", "error", "-show_chapters", "-show_streams", "-of", "json", str(m4b)]
        ).stdout
    )
    streams = {s["codec_type"]: s for s in probe["streams"]}
    assert streams["audio"]["codec_name"] == "aac"
    assert streams["audio"]["sample_rate"] == "22050"  # the voice's rate, half the MP3's
    assert streams["video"]["disposition"]["attached_pic"] == 1
    assert streams["data"]["codec_tag_string"] == "text"  # the QuickTime chapter track
    assert [c["tags"]["title"] for c in probe["chapters"]] == [m.title for m in marks]
    data = m4b.read_bytes()
    assert b"chpl" in data and b"chap" in data
    assert data[4:12] == b"ftypM4B "  # the major brand audiobook players look for
    assert probe_format(m4b)["tags"]["major_brand"] == "M4B "
    # ffprobe reads the edit list: the first packet is the priming frame, skipped.
    first = json.loads(
        tools.run(
            ["ffprobe", "-v", "error", "-select_streams", "a", "-read_intervals", "%+#1",
             "-show_packets", "-of", "json", str(m4b)]
        ).stdout
    )["packets"][0]  # fmt: skip
    assert first["pts"] == -1024 and first["duration"] == 1024, first
    assert edit_list(data)[0] == (1024, 1), edit_list(data)  # the audio track, first


def probe_format(path: Path) -> dict[str, object]:
    done = tools.run(["ffprobe", "-v", "error", "-show_format", "-of", "json", str(path)])
    format_: dict[str, object] = json.loads(done.stdout)["format"]
    return format_


def edit_list(data: bytes) -> list[tuple[int, int]]:
    """(media time, rate) of each entry of the audio track's elst, read from the atoms."""
    import struct

    found = []
    at = data.find(b"elst")
    while at != -1:
        version, count = data[at + 4], struct.unpack(">I", data[at + 8 : at + 12])[0]
        entry = at + 12
        for _ in range(count):
            if version == 1:
                media_time = struct.unpack(">q", data[entry + 8 : entry + 16])[0]
                rate, entry = struct.unpack(">h", data[entry + 16 : entry + 18])[0], entry + 20
            else:
                media_time = struct.unpack(">i", data[entry + 4 : entry + 8])[0]
                rate, entry = struct.unpack(">h", data[entry + 8 : entry + 10])[0], entry + 12
            found.append((media_time, rate))
        at = data.find(b"elst", at + 4)
    return found


@pytest.mark.slow
def test_m4b_loudness_meets_the_show_target(
    seed_build: tuple[Project, BuildResult, object],
) -> None:
    """Measured on the real voice's M4B (speech peaks as tones do not), with one decode."""
    project, result, _ = seed_build
    show = load_show(project)
    m4b = result.built[0].files.m4b
    integrated, _, peak = ebur128(m4b)  # as the MP3 is measured (tests/test_episode.py)
    assert abs(integrated - show.loudness_lufs) <= 0.5, integrated
    assert peak <= -1.0, peak


# --- offered to listeners -------------------------------------------------------------------


def test_page_and_feed_offer_both(books: tuple[Project, BuildResult]) -> None:
    project, result = books
    built = episode(result)
    page = built.files.page.read_text(encoding="utf-8")
    for path, kind in ((built.files.epub, "EPUB 3"), (built.files.m4b, "M4B")):
        size = f"{path.stat().st_size / 1_000_000:.1f} MB"
        assert re.search(rf'href="{re.escape(path.name)}" download>[^<]*{kind}[^<]*{size}', page)
    rss = ET.parse(project.feed / "feed.xml").getroot()
    p20 = "https://podcastindex.org/namespace/1.0"
    for item in rss.iter("item"):
        enclosure = item.find("enclosure")
        assert enclosure is not None and enclosure.get("type") == "audio/mpeg"
        alternate = item.find(f"{{{p20}}}alternateEnclosure")
        assert alternate is not None and alternate.get("type") == "audio/mp4"
        assert alternate.get("default") is None  # the MP3 stays the default
        source = alternate.find(f"{{{p20}}}source")
        assert source is not None
        url = source.get("uri", "")
        local = project.root / url.split("127.0.0.1:8000/", 1)[1]
        assert local.suffix == ".m4b" and alternate.get("length") == str(local.stat().st_size)


def test_check_finds_a_broken_or_stale_talking_book(
    books: tuple[Project, BuildResult], tmp_path: Path
) -> None:
    project = copy_project(books[0], tmp_path / "project")
    assert cli(project.root, "check").returncode == 0
    files = project.episodes / SLUG
    m4b, epub = files / f"{SLUG}.m4b", files / f"{SLUG}.epub"
    m4b.write_bytes(m4b.read_bytes()[:50_000])
    with zipfile.ZipFile(epub, "a") as book:
        book.writestr("EPUB/audio/other.mp3", b"")
    stale = tmp_path / "stale.epub"
    with zipfile.ZipFile(epub) as source, zipfile.ZipFile(stale, "w") as out:
        for entry in source.infolist():
            data = source.read(entry)
            out.writestr(entry, data[:-10] if entry.filename.endswith(f"{SLUG}.mp3") else data)
    shutil.move(stale, epub)
    done = cli(project.root, "check")
    assert done.returncode != 0
    lines = done.stdout + done.stderr
    assert f"episodes/{SLUG}/{SLUG}.m4b: file is 50000 bytes" in lines
    assert f"episodes/{SLUG}/{SLUG}.m4b: not a readable MP4" in lines
    assert f"episodes/{SLUG}/{SLUG}.epub: its audio is not the episode's MP3" in lines
    m4b.unlink()
    done = cli(project.root, "check")
    assert "m4b: missing" in done.stdout + done.stderr


# --- incremental ----------------------------------------------------------------------------


def stamps(*paths: Path) -> list[tuple[int, int]]:
    return [(p.stat().st_ino, p.stat().st_mtime_ns) for p in paths]


def test_noop_rebuild_rewrites_neither_and_an_edit_rebuilds_both(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"002-second.md": SECOND}, seed=False)
    first, _ = run_build(project, engine="fake", jobs=1)
    built = first.built[0]
    outputs = (built.files.epub, built.files.m4b, show_book_path(load_show(project), project.feed))
    before = stamps(*outputs)
    _again, log = run_build(project, engine="fake", jobs=1)
    assert stamps(*outputs) == before
    assert "talking book up to date" in log.text
    script = project.scripts / "002-second.md"
    script.write_text(SECOND.replace("The second paragraph is short.", "It is now longer."))
    edited, log = run_build(project, engine="fake", jobs=1, explain=True)
    after = stamps(*outputs)
    assert all(a != b for a, b in zip(after, before, strict=True))
    assert "timeline changed" in log.text
    texts = [c.text for c in Book(built.files.epub).clips()]
    assert "It is now longer." in texts and "The second paragraph is short." not in texts
    assert_clips_match_captions(edited.built[0])
    # Emphasis is seen, never heard: the audio stays, the book is rebuilt and shows it.
    synthesized = stamps(built.files.m4b)
    script.write_text(SECOND.replace("The second paragraph is short.", "It is *now* longer."))
    _emphasized, log = run_build(project, engine="fake", jobs=1, explain=True)
    assert "written changed" in log.text
    assert stamps(built.files.m4b) == synthesized
    chapter = Book(built.files.epub).xml("EPUB/chapter-02.xhtml").find(".//x:em", NS)
    assert chapter is not None and chapter.text == "now"


# --- bad input ------------------------------------------------------------------------------


def test_a_sentence_missing_from_the_timeline_stops_the_book(
    books: tuple[Project, BuildResult], tmp_path: Path
) -> None:
    from pipeline.core.reporter import Reporter
    from pipeline.reading.ingest import read_script
    from pipeline.reading.narrate import narrate

    project, result = books
    show = load_show(project)
    built = episode(result, "002-second")
    narration = narrate(read_script(project.scripts / "002-second.md", show))
    # The timeline loses "This is the second one." (as if the audio were from an older text).
    blocks = []
    for block in built.timeline.blocks:
        kept = tuple(s for s in block.sentences if s.text != "This is the second one.")
        blocks.append(dataclasses.replace(block, sentences=kept))
    lost = dataclasses.replace(built.timeline, blocks=tuple(blocks))
    files = dataclasses.replace(built.files, folder=tmp_path / "002-second")
    files.folder.mkdir()
    shutil.copy(built.files.mp3, files.mp3)
    broken = dataclasses.replace(built, timeline=lost, files=files)
    with pytest.raises(BookError) as caught:
        write_episode_book(
            EpisodeBook(
                show,
                broken,
                narration,
                project.feed / "artwork.jpg",
                "http://x",
                "v",
                Reporter(),
                ChapterEncodes(SegmentStore(tmp_path / "segments"), (), files.mp3, 22050),
            )
        )
    message = str(caught.value)
    assert message.startswith("scripts/002-second.md: ") or "002-second.md: " in message
    assert "sentence 'This is the second one.' cannot be located in the timeline" in message
    assert not files.epub.exists() and not files.m4b.exists()


def test_a_timeline_gap_or_overlap_names_the_sentence(books: tuple[Project, BuildResult]) -> None:
    _project, result = books
    timeline = episode(result, "002-second").timeline
    check_timeline(timeline)

    def shifted(text: str, by: float) -> tuple[str, ...]:
        def move(s: TimedSentence) -> TimedSentence:
            return dataclasses.replace(s, start=s.start + by) if s.text == text else s

        blocks = tuple(
            dataclasses.replace(b, sentences=tuple(move(s) for s in b.sentences))
            for b in timeline.blocks
        )
        with pytest.raises(BookError) as caught:
            documents(dataclasses.replace(timeline, blocks=blocks))
        return (str(caught.value),)

    assert (
        "sentence 'The second paragraph is short.': starts before"
        in shifted("The second paragraph is short.", -5.0)[0]
    )
    late = dataclasses.replace(
        timeline.blocks[-1],
        sentences=tuple(
            dataclasses.replace(s, start=s.start + 60, end=s.end + 60)
            for s in timeline.blocks[-1].sentences
        ),
    )
    gap = dataclasses.replace(
        timeline, blocks=(*timeline.blocks[:-1], late), duration=timeline.duration + 60
    )
    with pytest.raises(BookError, match="lost a sentence"):
        documents(gap)


def test_locate_accepts_the_real_narration(books: tuple[Project, BuildResult]) -> None:
    from pipeline.reading.ingest import read_script
    from pipeline.reading.narrate import narrate

    project, result = books
    for built in result.built:
        script = read_script(built.meta.source, load_show(project))
        locate(narrate(script), built.timeline)


# --- validators, on the real seed episode ---------------------------------------------------


@pytest.mark.slow
def test_seed_books_pass_epubcheck_and_ace(seed_build: tuple[Project, BuildResult, object]) -> None:
    project, result, _ = seed_build
    found = find_validators(REPO)
    assert not found.missing, f"run `make test-deps`: missing {found.missing}"
    assert found.java and found.jar and found.ace
    book_paths = [result.built[0].files.epub, show_book_path(load_show(project), project.feed)]
    for path in book_paths:
        assert epubcheck(path, found.java, found.jar) == []
        assert ace(path, found.ace) == []
    assert_clips_match_captions(result.built[0])


@pytest.mark.slow
def test_validation_records_what_each_book_passed(
    seed_build: tuple[Project, BuildResult, object],
) -> None:
    """The certification is the validator's record, by the book's exact bytes: a book
    changed after it passed is not covered by it."""
    project, result, _ = seed_build
    if find_validators(REPO).missing:
        pytest.fail("run `make test-deps`")
    root = project.root
    (root / "tools").symlink_to(REPO / "tools")  # Ace, where `make` finds it
    try:
        lines: list[str] = []
        assert validate(root, lines) == 0, lines
    finally:
        (root / "tools").unlink()
    record = read_record(root)
    epub = result.built[0].files.epub
    entry = record[file_digest(epub)]
    assert entry["book"] == epub.relative_to(root).as_posix()
    assert any("EPUBCheck" in c for c in entry["passed"])  # type: ignore[union-attr]
    assert any("Ace" in c for c in entry["passed"])  # type: ignore[union-attr]
    assert file_digest(show_book_path(load_show(project), project.feed)) in record
    assert "recorded in" in lines[-1]


@pytest.mark.slow
def test_books_with_lists_and_quotes_pass_epubcheck_and_ace(
    books: tuple[Project, BuildResult],
) -> None:
    """Lists, quotes, emphasis and clause-level pars keep EPUBCheck and Ace at 0."""
    project, result = books
    found = find_validators(REPO)
    assert found.java and found.jar and found.ace
    for path in (
        episode(result, "003-lists").files.epub,
        show_book_path(load_show(project), project.feed),
    ):
        assert epubcheck(path, found.java, found.jar) == []
        assert ace(path, found.ace) == []


@pytest.mark.slow
def test_validators_do_report_problems(tmp_path: Path) -> None:
    """The checks can fail: a book with an image without alt text and a broken link."""
    found = find_validators(REPO)
    assert found.java and found.jar and found.ace, f"run `make test-deps`: {found.missing}"
    project = make_project(tmp_path, {"002-second.md": SECOND}, seed=False)
    run_build(project, engine="fake", jobs=1)
    good = project.episodes / "002-second" / "002-second.epub"
    bad = tmp_path / "bad.epub"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as out:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename.endswith("cover.xhtml"):
                data = re.sub(rb' alt="[^"]*"', b"", data)
            if entry.filename.endswith("chapter-01.xhtml"):
                data = data.replace(b"</section>", b'<a href="nowhere.xhtml">x</a></section>')
            out.writestr(entry, data)
    assert any("RSC-007" in p for p in epubcheck(bad, found.java, found.jar))
    assert any("image-alt" in p or "alt" in p.lower() for p in ace(bad, found.ace))


def test_make_skips_validation_without_java_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
         "from pipeline.delivery.validatebooks import main; raise SystemExit(main([sys.argv[2]]))",
         str(REPO), str(tmp_path)],
        capture_output=True, text=True, env={"PATH": "/nonexistent"}, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("skipping talking-book")
