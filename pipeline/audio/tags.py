"""ID3v2.3 tags for one episode MP3: the episode's facts, its cover, transcript and chapters.

Why v2.3: it is the version every podcast app and car stereo reads; v2.4 (UTF-8 text,
TDRC dates) is still missed by some. mutagen keeps v2.4 frames in memory, so before saving
we call ``update_to_v23()``, which turns TDRC into TYER (YYYY) + TDAT (DDMM) and UTF-8 text
into UTF-16. The iTunes podcast frames PCST, WFED, TGID and TDES are not part of either
ID3 standard (Apple added them); mutagen knows them, they are not on its v2.4-only list,
and they survive a v2.3 save unchanged (tests/test_tags.py reads them back).

Chapters follow the ID3v2 Chapter Frame Addendum: one CHAP per chapter (times in ms, byte
offsets 0xFFFFFFFF = "not given") and one top-level, ordered CTOC listing them in order.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    PCST,
    TALB,
    TCON,
    TDES,
    TDRC,
    TGID,
    TIT2,
    TLAN,
    TLEN,
    TPE1,
    TPE2,
    TRCK,
    USLT,
    WFED,
    CTOCFlags,
    Encoding,
    Frame,
    ID3v1SaveOptions,
    PictureType,
)

from pipeline.core.language import primary_language
from pipeline.core.model import EpisodeMeta, Show, Timeline

GENRE = "Podcast"
TOC_ELEMENT_ID = "toc"

# ISO 639-1 -> ISO 639-2 (bibliographic form where it differs from the terminology form,
# e.g. "ger" not "deu": the B form is what the ISO 639-2 registry lists first and what
# taggers write). Generated from Debian's iso-codes iso_639-2.json; all 184 two-letter codes.
_ISO_639_PAIRS = """
    aa:aar ab:abk ae:ave af:afr ak:aka am:amh an:arg ar:ara as:asm av:ava ay:aym az:aze ba:bak
    be:bel bg:bul bh:bih bi:bis bm:bam bn:ben bo:tib br:bre bs:bos ca:cat ce:che ch:cha co:cos
    cr:cre cs:cze cu:chu cv:chv cy:wel da:dan de:ger dv:div dz:dzo ee:ewe el:gre en:eng eo:epo
    es:spa et:est eu:baq fa:per ff:ful fi:fin fj:fij fo:fao fr:fre fy:fry ga:gle gd:gla gl:glg
    gn:grn gu:guj gv:glv ha:hau he:heb hi:hin ho:hmo hr:hrv ht:hat hu:hun hy:arm hz:her ia:ina
    id:ind ie:ile ig:ibo ii:iii ik:ipk io:ido is:ice it:ita iu:iku ja:jpn jv:jav ka:geo kg:kon
    ki:kik kj:kua kk:kaz kl:kal km:khm kn:kan ko:kor kr:kau ks:kas ku:kur kv:kom kw:cor ky:kir
    la:lat lb:ltz lg:lug li:lim ln:lin lo:lao lt:lit lu:lub lv:lav mg:mlg mh:mah mi:mao mk:mac
    ml:mal mn:mon mr:mar ms:may mt:mlt my:bur na:nau nb:nob nd:nde ne:nep ng:ndo nl:dut nn:nno
    no:nor nr:nbl nv:nav ny:nya oc:oci oj:oji om:orm or:ori os:oss pa:pan pi:pli pl:pol ps:pus
    pt:por qu:que rm:roh rn:run ro:rum ru:rus rw:kin sa:san sc:srd sd:snd se:sme sg:sag si:sin
    sk:slo sl:slv sm:smo sn:sna so:som sq:alb sr:srp ss:ssw st:sot su:sun sv:swe sw:swa ta:tam
    te:tel tg:tgk th:tha ti:tir tk:tuk tl:tgl tn:tsn to:ton tr:tur ts:tso tt:tat tw:twi ty:tah
    ug:uig uk:ukr ur:urd uz:uzb ve:ven vi:vie vo:vol wa:wln wo:wol xh:xho yi:yid yo:yor za:zha
    zh:chi zu:zul
"""
_ISO_639_1_TO_2 = dict(pair.split(":", 1) for pair in _ISO_639_PAIRS.split())
UNDETERMINED_LANGUAGE = "und"  # ISO 639-2's own code for "language not identified"


def id3_language(tag: str) -> str:
    """The ISO 639-2 code ID3 wants (COMM, USLT, TLAN) for a BCP 47 language tag.

    >>> [id3_language(t) for t in ("en", "en-US", "EN_gb", "de", "fr-CA", "haw", "x", "")]
    ['eng', 'eng', 'eng', 'ger', 'fre', 'haw', 'und', 'und']
    """
    primary = primary_language(tag)
    if len(primary) == 3 and primary.isalpha():
        return primary
    return _ISO_639_1_TO_2.get(primary, UNDETERMINED_LANGUAGE)


def text_encoding(text: str) -> int:
    """Latin-1 when it can hold the text (every reader decodes it), else UTF-8.

    >>> text_encoding("2024"), text_encoding("Café"), text_encoding("“quoted”")
    (<Encoding.LATIN1: 0>, <Encoding.LATIN1: 0>, <Encoding.UTF8: 3>)
    """
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return Encoding.UTF8
    return Encoding.LATIN1


def milliseconds(seconds: float) -> int:
    """Seconds to whole milliseconds, rounded to nearest (chapter times are 32-bit ms).

    >>> milliseconds(1.2346), milliseconds(0.0), milliseconds(59.9996)
    (1235, 0, 60000)
    """
    return max(0, round(seconds * 1000))


def iri_to_uri(url: str) -> str:
    """URL frames are Latin-1 only, so percent-encode anything beyond ASCII.

    >>> iri_to_uri("http://example.com/épisodes/a b/?q=1&x=%20")
    'http://example.com/%C3%A9pisodes/a%20b/?q=1&x=%20'
    """
    return urllib.parse.quote(url, safe=":/?#[]@!$&'()*+,;=%~")


@dataclass(frozen=True)
class _Episode:
    """Everything a frame's value is read from."""

    show: Show
    meta: EpisodeMeta
    timeline: Timeline
    transcript: str
    cover: bytes
    feed_url: str
    episode_url: str

    @property
    def language(self) -> str:
        return id3_language(self.meta.language or self.show.language)

    @property
    def guid(self) -> str:
        return self.meta.guid or self.episode_url


# Episode field -> text frame. Text beyond Latin-1 is given as UTF-8; mutagen re-encodes it
# as UTF-16 for v2.3 (which has no UTF-8), so any Unicode survives.
_TEXT_FRAMES: tuple[tuple[type[Frame], Callable[[_Episode], str]], ...] = (
    (TIT2, lambda e: e.meta.title),
    (TPE1, lambda e: e.meta.author or e.show.author),  # the essay's writer, when credited
    (TPE2, lambda e: e.show.author),  # album artist: players still group every episode
    (TALB, lambda e: e.show.title),
    (TRCK, lambda e: str(e.meta.number)),
    (TDRC, lambda e: e.meta.date.isoformat()),  # saved as TYER + TDAT by update_to_v23
    (TCON, lambda e: GENRE),
    (TLAN, lambda e: e.language),
    (TLEN, lambda e: str(milliseconds(e.timeline.duration))),
    (TGID, lambda e: e.guid),
    (TDES, lambda e: e.meta.summary),
)

# Episode field -> the other frames, whose constructors take more than one text.
_OTHER_FRAMES: tuple[tuple[type[Frame], Callable[[_Episode], dict[str, Any]]], ...] = (
    (
        COMM,
        lambda e: {
            "encoding": Encoding.UTF8,
            "lang": e.language,
            "desc": "",
            "text": e.meta.summary,
        },
    ),
    (
        USLT,
        lambda e: {"encoding": Encoding.UTF8, "lang": e.language, "desc": "", "text": e.transcript},
    ),
    (
        APIC,
        lambda e: {
            "encoding": Encoding.UTF8,
            "mime": "image/jpeg",
            "type": PictureType.COVER_FRONT,
            "desc": "Cover",
            "data": e.cover,
        },
    ),
    (PCST, lambda e: {"value": 1}),
    (WFED, lambda e: {"url": iri_to_uri(e.feed_url)}),
)


def text_frame(frame: type[Frame], text: str) -> Frame:
    return frame(encoding=text_encoding(text), text=text)


def chapter_element_id(index: int) -> str:
    """
    >>> chapter_element_id(0), chapter_element_id(12)
    ('chp0', 'chp12')
    """
    return f"chp{index}"


def chapter_frames(timeline: Timeline, toc_title: str) -> list[Frame]:
    """One CHAP per chapter, then the CTOC that orders them; the last chapter ends the audio.

    >>> from pipeline.core.model import ChapterMark, Timeline
    >>> tl = Timeline((), (ChapterMark("A", 0.0, 1.2344), ChapterMark("B", 1.2344, 9.0)), 9.9996)
    >>> [(f.element_id, f.start_time, f.end_time) for f in chapter_frames(tl, "T")[:2]]
    [('chp0', 0, 1234), ('chp1', 1234, 10000)]
    >>> toc = chapter_frames(tl, "T")[-1]
    >>> toc.element_id, toc.child_element_ids, toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    ('toc', ['chp0', 'chp1'], True)
    >>> chapter_frames(Timeline((), (), 3.0), "T")
    []
    """
    marks = timeline.chapters
    if not marks:
        return []
    chaps: list[Frame] = []
    for index, mark in enumerate(marks):
        is_last = index == len(marks) - 1
        end = timeline.duration if is_last else mark.end
        chaps.append(
            CHAP(
                element_id=chapter_element_id(index),
                start_time=milliseconds(mark.start),
                end_time=milliseconds(end),
                sub_frames=[text_frame(TIT2, mark.title)],
            )
        )
    toc = CTOC(
        element_id=TOC_ELEMENT_ID,
        flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
        child_element_ids=[chapter_element_id(i) for i in range(len(marks))],
        sub_frames=[text_frame(TIT2, toc_title)],
    )
    return [*chaps, toc]


def episode_frames(episode: _Episode) -> list[Frame]:
    """Every frame of the episode's tag, in the order the tables list them."""
    frames = [text_frame(frame, value(episode)) for frame, value in _TEXT_FRAMES]
    frames += [frame(**kwargs(episode)) for frame, kwargs in _OTHER_FRAMES]
    frames += chapter_frames(episode.timeline, episode.meta.title)
    return frames


def write_tags(
    mp3: Path,
    show: Show,
    meta: EpisodeMeta,
    timeline: Timeline,
    transcript: str,
    cover: bytes,
    feed_url: str,
    episode_url: str,
) -> None:
    """Replace the MP3's tags with a fresh ID3v2.3 tag (and no ID3v1 tag).

    mutagen rewrites the file in place; the build calls this on its temporary MP3 before
    renaming it into place, so a reader never sees a half-tagged episode. TGID holds
    ``meta.guid`` when the script sets one, else ``episode_url``.
    """
    episode = _Episode(show, meta, timeline, transcript, cover, feed_url, episode_url)
    tags = ID3()
    for frame in episode_frames(episode):
        tags.add(frame)
    tags.update_to_v23()
    # A fresh ID3() still replaces the file's old ID3v2 tag (mutagen reads its size from
    # the file); REMOVE also drops any ID3v1 tag the encoder left at the end.
    tags.save(mp3, v1=ID3v1SaveOptions.REMOVE, v2_version=3)
    _chapters_in_time_order(mp3)


def _chapters_in_time_order(mp3: Path) -> None:
    """Rewrite the saved tag with its CHAP frames in chapter order, in place.

    mutagen writes frames smallest first, so CHAPs land in an order set by their titles'
    lengths. The CTOC gives the order to players that read it, but ffmpeg (and so mpv and
    VLC) lists chapters in file order. Same frames, same tag size: only their order moves.
    """
    with open(mp3, "r+b") as file:
        header = file.read(10)
        if header[:3] != b"ID3" or header[3] != 3 or header[5] & 0x80:  # v2.3, no unsync
            return
        size = sum(byte << (7 * (3 - i)) for i, byte in enumerate(header[6:10]))
        body = file.read(size)
        frames, position = [], 0
        while position + 10 <= len(body) and body[position] != 0:
            length = 10 + int.from_bytes(body[position + 4 : position + 8], "big")
            frames.append(body[position : position + length])
            position += length
        chapters = sorted(
            (frame for frame in frames if frame[:4] == b"CHAP"),
            key=lambda frame: int(frame[13 : frame.index(b"\0", 10)]),  # "chpN" → N
        )
        if not chapters:
            return
        in_order = iter(chapters)
        frames = [next(in_order) if frame[:4] == b"CHAP" else frame for frame in frames]
        file.seek(10)
        file.write(b"".join(frames))
