"""What the published site is: which built files go public, with which headers, in which order.

The site is the feed and the show page, the files of feed/ that either of them links to (its
artwork, style, script, the show's book), plus the folder of every episode the feed links to.
Anything else a producer keeps in feed/ (notes, drafts, source files) is not the site.
Left out, because they are the producer's and not the listener's: hidden files and
half-written ``.part`` files, feed/show.toml and the files it names (source artwork,
intro/outro music), each episode's cleaning-report.txt and report.html, episode folders the
feed no longer lists, and any file type the site does not serve (its suffix is not in KINDS).
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.core.digest import file_digest
from pipeline.core.errors import PipelineError
from pipeline.core.model import Show

FEED_KEY = "feed/feed.xml"
PRODUCER_ONLY = frozenset({"show.toml", "cleaning-report.txt", "report.html"})
INDEX = "index.html"
ATOM_NS = "http://www.w3.org/2005/Atom"

# Cache-Control: apps re-read the feed often, so caches may keep it only briefly; pages
# list the episodes, so they follow the feed. Transcripts change when an episode is edited.
# Media keep their names when edited, so "long" is a day, not a year.
FEED_CACHE = "public, max-age=300"
PAGE_CACHE = "public, max-age=300"
TEXT_CACHE = "public, max-age=3600"
MEDIA_CACHE = "public, max-age=86400"

STAGES = ("media and transcripts", "pages", "artwork", "feed")
MEDIA, PAGES, ARTWORK, FEED = range(len(STAGES))


@dataclass(frozen=True)
class Kind:
    content_type: str
    cache_control: str
    stage: int  # upload order: media first, the feed last


# By whole name first (under its folder), then by suffix. A suffix not here is not published.
NAMED_KINDS: dict[str, Kind] = {
    FEED_KEY: Kind("application/rss+xml; charset=utf-8", FEED_CACHE, FEED),
    "chapters.json": Kind("application/json+chapters", TEXT_CACHE, MEDIA),
}
SUFFIX_KINDS: dict[str, Kind] = {
    ".mp3": Kind("audio/mpeg", MEDIA_CACHE, MEDIA),
    ".m4a": Kind("audio/mp4", MEDIA_CACHE, MEDIA),
    ".m4b": Kind("audio/mp4", MEDIA_CACHE, MEDIA),  # the talking book's audiobook
    ".epub": Kind("application/epub+zip", MEDIA_CACHE, MEDIA),
    ".vtt": Kind("text/vtt; charset=utf-8", TEXT_CACHE, MEDIA),
    ".srt": Kind("application/x-subrip; charset=utf-8", TEXT_CACHE, MEDIA),
    ".txt": Kind("text/plain; charset=utf-8", TEXT_CACHE, MEDIA),
    ".json": Kind("application/json", TEXT_CACHE, MEDIA),
    ".html": Kind("text/html; charset=utf-8", PAGE_CACHE, PAGES),
    ".css": Kind("text/css; charset=utf-8", TEXT_CACHE, PAGES),
    ".js": Kind("application/javascript; charset=utf-8", TEXT_CACHE, PAGES),
    ".jpg": Kind("image/jpeg", MEDIA_CACHE, ARTWORK),
    ".jpeg": Kind("image/jpeg", MEDIA_CACHE, ARTWORK),
    ".png": Kind("image/png", MEDIA_CACHE, ARTWORK),
}


def kind_of(key: str) -> Kind | None:
    """How a site file is served, or None when it is not part of the site.

    >>> kind_of("feed/feed.xml").stage, kind_of("episodes/001-a/chapters.json").content_type
    (3, 'application/json+chapters')
    >>> kind_of("episodes/001-a/001-a.MP3").content_type, kind_of("feed/other.xml")
    ('audio/mpeg', None)
    """
    name = key.rsplit("/", 1)[-1]
    named = NAMED_KINDS.get(key) or NAMED_KINDS.get(name)
    if named is not None or key.endswith(".xml"):
        return named
    return SUFFIX_KINDS.get(Path(name).suffix.lower())


@dataclass(frozen=True)
class SiteFile:
    """One object to publish: its key under the prefix, the built file, and its digest."""

    key: str
    path: Path
    size: int
    sha256: str
    kind: Kind


def feed_base_url(feed: bytes, where: str = FEED_KEY) -> str:
    """The base URL a feed was built for, read from its atom:link rel="self".

    >>> feed_base_url(b'<rss><channel><link xmlns="http://www.w3.org/2005/Atom" rel="self" '
    ...               b'href="https://pod.example/show/feed/feed.xml"/></channel></rss>')
    'https://pod.example/show'
    """
    try:
        root = ET.fromstring(feed)
    except ET.ParseError as exc:
        raise PipelineError(f"not well-formed XML ({exc}); rebuild with `make`", where) from None
    for link in root.iter(f"{{{ATOM_NS}}}link"):
        href = link.get("href", "")
        if link.get("rel") == "self" and href.endswith("/" + FEED_KEY):
            return href[: -len(FEED_KEY) - 1]
    raise PipelineError('has no <atom:link rel="self">; rebuild with `make`', where)


def referenced_keys(feed: bytes, base_url: str) -> set[str]:
    """Every key under base_url the feed points to (a trailing "/" is a folder's page).

    >>> sorted(referenced_keys(b'<rss><channel><link>https://p.example/feed/</link><item>'
    ...     b'<enclosure url="https://p.example/episodes/001-a/001-a.mp3"/>'
    ...     b'<x url="https://elsewhere.example/a.mp3"/></item></channel></rss>',
    ...     "https://p.example"))
    ['episodes/001-a/001-a.mp3', 'feed/']
    """
    prefix = base_url.rstrip("/") + "/"
    keys = set()
    for element in ET.fromstring(feed).iter():
        candidates = [element.get("url"), element.get("href")]
        if element.tag == "link":
            candidates.append(element.text)
        for url in candidates:
            if url and url.startswith(prefix):
                keys.add(unquote(url[len(prefix) :].split("#")[0].split("?")[0]))
    return keys


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.targets += [v for k, v in attrs if k in ("href", "src") and v]


def page_links(page: str, folder: str) -> set[str]:
    """The keys a page in ``folder`` links to by a relative URL (other sites are not ours).

    >>> sorted(page_links('<img src="artwork.jpg"><a href="../episodes/a/">a</a>'
    ...     '<a href="https://x.example/y">y</a><a href="#top">top</a>', "feed"))
    ['episodes/a/', 'feed/artwork.jpg']
    """
    parser = _Links()
    parser.feed(page)
    keys = set()
    for target in parser.targets:
        url = urlsplit(target)
        if url.scheme or url.netloc or not url.path or url.path.startswith("/"):
            continue
        key = posixpath.normpath(posixpath.join(folder, unquote(url.path)))
        keys.add(key + "/" if url.path.endswith("/") else key)
    return keys


def show_files(root: Path, feed: bytes, base_url: str) -> set[str]:
    """The keys in feed/ that are the site: the feed, the show page and what they link to."""
    keys = {FEED_KEY} | {k for k in referenced_keys(feed, base_url) if k.startswith("feed/")}
    page = root / "feed" / INDEX
    if page.is_file():
        keys.add("feed/" + INDEX)
        keys |= page_links(page.read_text("utf-8", "replace"), "feed")
    return {k for k in keys if k.startswith("feed/") and not k.endswith("/")}


def public_paths(root: Path, show: Show) -> dict[str, Path]:
    """Every file of the built site under root by its key (see the module's docstring)."""
    feed_path = root / FEED_KEY
    if not feed_path.is_file():
        raise PipelineError("not built yet; run `make` first", FEED_KEY)
    feed = feed_path.read_bytes()
    base_url = feed_base_url(feed)
    linked = referenced_keys(feed, base_url)
    episodes = {k.split("/")[1] for k in linked if k.startswith("episodes/") and k.count("/") > 1}
    inputs = {p.resolve() for p in (show.artwork, show.intro_music, show.outro_music) if p}
    found = {}
    for key in sorted(show_files(root, feed, base_url)):
        path = root / key
        if path.is_file() and _is_public(Path(key), inputs, path):
            found[key] = path
    for slug in sorted(episodes):
        for path in sorted((root / "episodes" / slug).rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and _is_public(relative, inputs, path):
                found[relative.as_posix()] = path
    return found


def _is_public(relative: Path, inputs: set[Path], path: Path) -> bool:
    if any(part.startswith(".") for part in relative.parts):
        return False
    if relative.name in PRODUCER_ONLY or path.resolve() in inputs:
        return False
    return kind_of(relative.as_posix()) is not None


def site_files(root: Path, show: Show, *, folder_pages: bool) -> list[SiteFile]:
    """Every file of the built site under root, in upload order.

    ``folder_pages``: also publish each index.html under its folder's key ("episodes/x/"),
    for storage that serves keys rather than folders (the S3 API), so the feed's page links
    work there too.
    """
    found = []
    for key, path in public_paths(root, show).items():
        kind = kind_of(key)
        assert kind is not None
        entry = SiteFile(key, path, path.stat().st_size, file_digest(path), kind)
        found.append(entry)
        if folder_pages and path.name == INDEX:
            found.append(SiteFile(key[: -len(INDEX)], path, entry.size, entry.sha256, kind))
    return sorted(found, key=lambda f: (f.kind.stage, f.key))
