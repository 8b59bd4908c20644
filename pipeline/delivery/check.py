"""`essaycast check`: read the built site back as a podcast client would, and list what is wrong.

Every problem is one line that starts with the file it is about (relative to the site root),
so a producer can open that file and fix it. Nothing here trusts the build's own records: the
feed is parsed by two independent readers (feedparser, podcastparser), the MP3s by mutagen,
the artwork by Pillow, and the transcripts by pipeline.release.transcripts' validators.
"""

from __future__ import annotations

import importlib
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import IO
from urllib.parse import unquote

from pipeline.core.model import Show
from pipeline.delivery import integrity
from pipeline.delivery.checkbooks import check_item_books
from pipeline.release import podcastindex
from pipeline.release.feed import ITUNES_NS, feed_url, show_guid

FEED = Path("feed/feed.xml")
P20_NS = podcastindex.NAMESPACE
NS = {"itunes": ITUNES_NS, "podcast": P20_NS, "atom": "http://www.w3.org/2005/Atom"}

DURATION_TOLERANCE_S = 1.0
ARTWORK_MIN_PX, ARTWORK_MAX_PX = 1400, 3000
ARTWORK_FORMATS = ("JPEG", "PNG")

# Channel tags Apple Podcasts and Podcasting 2.0 apps need:
# (ElementPath, attribute holding the value or None for the text, what to tell the producer).
REQUIRED_CHANNEL_TAGS: tuple[tuple[str, str | None, str], ...] = (
    ("title", None, "<title>"),
    ("link", None, "<link>"),
    ("description", None, "<description>"),
    ("language", None, "<language>"),
    ("itunes:author", None, "<itunes:author>"),
    ("itunes:owner/itunes:email", None, "<itunes:owner><itunes:email>"),
    ("itunes:image", "href", "<itunes:image href>"),
    ("itunes:category", "text", "<itunes:category>"),
    ("itunes:explicit", None, "<itunes:explicit>"),
    ("atom:link[@rel='self']", "href", '<atom:link rel="self">'),
    ("podcast:guid", None, "<podcast:guid>"),
)

Validator = Callable[[str], list[str]]


def _untyped(module: str) -> ModuleType:
    """Import a reader that ships no type information (feedparser, podcastparser)."""
    return importlib.import_module(module)


def _transcript_validators() -> dict[str, Validator]:
    """MIME type -> validator of the file's text (imported here: transcripts is a peer stage)."""
    from pipeline.release.transcripts import validate_srt, validate_webvtt

    return {
        "text/vtt": validate_webvtt,
        "application/x-subrip": validate_srt,
        "application/json": _validate_json,
    }


def _validate_json(text: str) -> list[str]:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return [f"not valid JSON: {exc}"]
    return []


class Site:
    """Maps the feed's public URLs back to files under the site root."""

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root.resolve()
        self.prefix = base_url.rstrip("/") + "/"

    def name(self, path: Path) -> str:
        """How a problem names a file: its path under the site root."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def local(self, url: str) -> Path | None:
        """The file a URL serves, or None when the URL is not on this site.

        >>> site = Site(Path("/srv/site"), "http://127.0.0.1:8000")
        >>> site.local("http://127.0.0.1:8000/episodes/001-a/001%20a.mp3")
        PosixPath('/srv/site/episodes/001-a/001 a.mp3')
        >>> site.local("http://127.0.0.1:8000/episodes/001-a/")
        PosixPath('/srv/site/episodes/001-a/index.html')
        >>> site.local("https://elsewhere.example/x.mp3") is None
        True
        >>> site.local("http://127.0.0.1:8000/episodes/../../etc/passwd") is None
        True
        """
        if not url.startswith(self.prefix):
            return None
        relative = unquote(url[len(self.prefix) :].split("?")[0].split("#")[0])
        parts = [p for p in relative.split("/") if p]
        if any(p in (".", "..") for p in parts):
            return None
        if not parts or relative.endswith("/"):
            parts.append("index.html")
        return self.root.joinpath(*parts)


def check_site(root: Path, show: Show, base_url: str) -> list[str]:
    """Every problem a listener's app would hit, one line each, naming the file."""
    site = Site(root, base_url)
    feed_path = site.root / FEED
    if not feed_path.is_file():
        return [f"{FEED.as_posix()}: missing; run `make` to build the site"]
    problems, channel = read_feed(feed_path.read_bytes(), show, base_url)
    if channel is None:
        return problems
    problems += _check_artwork(channel, site)
    for item in channel.findall("item"):
        problems += _check_item(item, site)
    problems += _check_other_images(site, channel)
    return problems


def read_feed(data: bytes, show: Show, base_url: str) -> tuple[list[str], ET.Element | None]:
    """The feed's own problems as two client libraries read it, and its <channel> if any."""
    problems = list(_parse_as_clients(data, show, base_url))
    try:
        rss = ET.fromstring(data)
    except ET.ParseError as exc:
        return [*problems, f"{FEED.as_posix()}: not well-formed XML: {exc}"], None
    channel = rss.find("channel")
    if channel is None:
        return [*problems, f"{FEED.as_posix()}: no <channel> element; rebuild with `make`"], None
    problems += _check_channel(channel, show, base_url)
    problems += _check_guids(channel)
    return problems, channel


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def _check_other_images(site: Site, channel: ET.Element) -> Iterator[str]:
    """Every other image of the site (episode art, say) is loaded whole, too."""
    tag = channel.find("itunes:image", NS)
    artwork = site.local("" if tag is None else tag.get("href", ""))
    for folder in ("feed", "episodes"):
        for path in sorted((site.root / folder).rglob("*")):
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file() and path != artwork:
                damage = integrity.image_problem(path)
                if damage:
                    yield f"{site.name(path)}: {damage}; delete it and run `make`"


def _parse_as_clients(data: bytes, show: Show, base_url: str) -> Iterator[str]:
    feedparser, podcastparser = _untyped("feedparser"), _untyped("podcastparser")
    where = FEED.as_posix()
    parsed = feedparser.parse(data)
    if parsed.bozo:
        yield f"{where}: feedparser cannot read it cleanly: {parsed.bozo_exception}"
    try:
        podcast = podcastparser.parse(feed_url(show, base_url), io.BytesIO(data))
    except podcastparser.FeedParseError as exc:
        yield f"{where}: podcastparser cannot read it: {exc}"
        return
    if len(podcast.get("episodes", [])) != len(parsed.entries):
        yield (
            f"{where}: podcastparser sees {len(podcast.get('episodes', []))} episodes but the "
            f"feed has {len(parsed.entries)} items; every item needs an audio enclosure"
        )


def _check_channel(channel: ET.Element, show: Show, base_url: str) -> Iterator[str]:
    where = FEED.as_posix()
    for path, attribute, label in REQUIRED_CHANNEL_TAGS:
        element = channel.find(path, NS)
        if element is None:
            value = None
        else:
            value = element.text if attribute is None else element.get(attribute)
        if not (value or "").strip():
            yield f"{where}: channel has no {label}; rebuild with `make`"
    expected = show_guid(show, base_url)
    guid = channel.findtext(f"{{{P20_NS}}}guid")
    if guid is not None and guid != expected:
        yield f"{where}: <podcast:guid> is {guid}, expected {expected} for this feed URL"


def _check_artwork(channel: ET.Element, site: Site) -> Iterator[str]:
    tag = channel.find("itunes:image", NS)
    href = "" if tag is None else tag.get("href", "")
    if not href:
        return
    path = site.local(href)
    if path is None:
        yield f"{FEED.as_posix()}: artwork {href} is not under {site.prefix}"
        return
    name = site.name(path)
    if not path.is_file():
        yield f"{name}: missing, but the feed's <itunes:image> points to it; run `make`"
        return
    yield from artwork_problems(name, path)


def artwork_problems(name: str, source: Path | IO[bytes]) -> Iterator[str]:
    """What Apple Podcasts would refuse in this image (a file, or bytes fetched from a URL)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(source) as image:
            fmt, mode, (width, height) = image.format, image.mode, image.size
    except (UnidentifiedImageError, OSError) as exc:
        yield f"{name}: not a readable image ({exc}); replace the show artwork"
        return
    if not isinstance(source, Path):
        source.seek(0)
    damage = integrity.image_problem(source)
    if damage:
        yield f"{name}: {damage}; replace the show artwork, or delete it and run `make`"
        return
    if fmt not in ARTWORK_FORMATS:
        yield f"{name}: artwork is {fmt}; Apple Podcasts needs JPEG or PNG"
    if mode != "RGB":
        yield f"{name}: artwork colour mode is {mode}; Apple Podcasts needs RGB"
    if width != height:
        yield f"{name}: artwork is {width}x{height}; it must be square"
    if min(width, height) < ARTWORK_MIN_PX or max(width, height) > ARTWORK_MAX_PX:
        yield (
            f"{name}: artwork is {width}x{height}; Apple Podcasts needs "
            f"{ARTWORK_MIN_PX}x{ARTWORK_MIN_PX} to {ARTWORK_MAX_PX}x{ARTWORK_MAX_PX} pixels"
        )


def _check_guids(channel: ET.Element) -> Iterator[str]:
    seen: set[str] = set()
    for item in channel.findall("item"):
        guid = (item.findtext("guid") or "").strip()
        title = item.findtext("title") or "?"
        if not guid:
            yield f"{FEED.as_posix()}: item {title!r} has no <guid>; rebuild with `make`"
        elif guid in seen:
            yield (
                f"{FEED.as_posix()}: guid {guid!r} (item {title!r}) is used twice; "
                "give each episode its own `guid:` in its front matter"
            )
        seen.add(guid)


def _mp3_length(path: Path) -> float:
    import mutagen.mp3

    info = mutagen.mp3.MP3(path).info
    if info is None:
        raise mutagen.MutagenError("no MPEG audio stream")
    length: float = info.length
    return length


def _check_item(item: ET.Element, site: Site) -> Iterator[str]:
    feed_name = FEED.as_posix()
    title = item.findtext("title") or "?"
    enclosure = item.find("enclosure")
    if enclosure is None:
        yield f"{feed_name}: item {title!r} has no <enclosure>; rebuild with `make`"
        return
    url = enclosure.get("url", "")
    mp3 = site.local(url)
    if mp3 is None:
        yield f"{feed_name}: item {title!r}: enclosure {url} is not under {site.prefix}"
        return
    name = site.name(mp3)
    if not mp3.is_file():
        yield f"{name}: missing, but the feed's enclosure points to it; run `make`"
        return
    if enclosure.get("type") != "audio/mpeg":
        yield f"{feed_name}: {name} enclosure type is {enclosure.get('type')!r}, not audio/mpeg"
    length = enclosure.get("length", "")
    size = mp3.stat().st_size
    if length != str(size):
        yield (
            f"{name}: file is {size} bytes but the feed's enclosure length is {length!r}; "
            "the file changed after the feed was written: run `make`"
        )
    yield from _check_duration(item, mp3, name)
    audio_length = _audio_length_or_feed(item, mp3)
    if audio_length is not None:
        yield from check_item_books(item, mp3, audio_length, site)
    for transcript in item.findall(f"{{{P20_NS}}}transcript"):
        yield from _check_transcript(transcript, site)
    chapters = item.find(f"{{{P20_NS}}}chapters")
    if chapters is not None:
        yield from _check_chapters(chapters.get("url", ""), site, audio_length)


def _check_duration(item: ET.Element, mp3: Path, name: str) -> Iterator[str]:
    import mutagen

    declared = item.findtext(f"{{{ITUNES_NS}}}duration")
    try:
        actual = _mp3_length(mp3)
    except mutagen.MutagenError as exc:
        yield f"{name}: not a readable MP3 ({exc}); rebuild it with `make`"
        return
    if declared is None or not declared.strip().isdigit():
        yield f"{FEED.as_posix()}: {name} has no whole-second <itunes:duration> ({declared!r})"
    elif abs(int(declared) - actual) > DURATION_TOLERANCE_S:
        yield (
            f"{name}: audio lasts {actual:.1f} s but the feed's itunes:duration is {declared} s; "
            "run `make`"
        )
    damage = integrity.mp3_problem(mp3, actual)  # every frame, not just the header
    if damage:
        yield f"{name}: {damage}; delete it and run `make` to rebuild it"


def _audio_length_or_feed(item: ET.Element, mp3: Path) -> float | None:
    import mutagen

    try:
        return _mp3_length(mp3)
    except mutagen.MutagenError:
        declared = (item.findtext(f"{{{ITUNES_NS}}}duration") or "").strip()
        return float(declared) if declared.isdigit() else None


def _check_transcript(element: ET.Element, site: Site) -> Iterator[str]:
    url, mime_type = element.get("url", ""), element.get("type", "")
    path = site.local(url)
    if path is None:
        yield f"{FEED.as_posix()}: transcript {url} is not under {site.prefix}"
        return
    name = site.name(path)
    if not path.is_file():
        yield f"{name}: missing, but the feed lists it as a {mime_type} transcript; run `make`"
        return
    yield from transcript_problems(name, mime_type, path.read_bytes())


def transcript_problems(name: str, mime_type: str, data: bytes) -> Iterator[str]:
    validate = _transcript_validators().get(mime_type)
    if validate is None:
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield f"{name}: not UTF-8 ({exc}); rebuild it with `make`"
        return
    for problem in validate(text):
        yield f"{name}: {problem}"


def _check_chapters(url: str, site: Site, audio_length: float | None) -> Iterator[str]:
    path = site.local(url)
    if path is None:
        yield f"{FEED.as_posix()}: chapters {url} is not under {site.prefix}"
        return
    name = site.name(path)
    if not path.is_file():
        yield f"{name}: missing, but the feed's <podcast:chapters> points to it; run `make`"
        return
    yield from chapters_problems(name, path.read_bytes(), audio_length)


def chapters_problems(name: str, data: bytes, audio_length: float | None) -> Iterator[str]:
    """Podcasting 2.0 JSON chapters: readable, in order, inside the audio."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        yield f"{name}: not valid JSON ({exc}); rebuild it with `make`"
        return
    chapters = document.get("chapters") if isinstance(document, dict) else None
    if not isinstance(chapters, list):
        yield f'{name}: no "chapters" list (Podcasting 2.0 JSON chapters); rebuild it'
        return
    span = "" if audio_length is None else f" (0 to {audio_length:.2f} s)"
    limit = None if audio_length is None else audio_length + DURATION_TOLERANCE_S
    previous: float | None = None
    for number, chapter in enumerate(chapters, start=1):
        start = chapter.get("startTime") if isinstance(chapter, dict) else None
        if not isinstance(start, int | float) or isinstance(start, bool):
            yield f"{name}: chapter {number} has no numeric startTime"
            continue
        if previous is not None and start <= previous:
            yield f"{name}: chapter {number} starts at {start} s, not after chapter {number - 1}"
        if start < 0 or (audio_length is not None and start >= audio_length):
            yield f"{name}: chapter {number} starts at {start} s, outside the audio{span}"
        end = chapter.get("endTime")
        if isinstance(end, int | float) and limit is not None and end > limit:
            yield f"{name}: chapter {number} ends at {end} s, after the audio{span}"
        previous = float(start)
