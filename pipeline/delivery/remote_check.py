"""`essaycast check --remote`: read the published site over HTTP, as a podcast app does.

It fetches the feed from its public URL and reads it with the same two client libraries as
`essaycast check` (pipeline.delivery.check.read_feed); then, for every episode, asks for the audio
with HEAD and with a byte-range GET (apps seek with ranges; Apple requires them) and fetches
every transcript, chapters file, page and the artwork, checking status, Content-Type and
length against what the feed declares, and the contents with check's validators. Last,
every other file of the site that the feed or a page links to (the talking books: the M4B
the feed offers as podcast:alternateEnclosure, the EPUBs the pages offer; the style, script
and images of the pages) must answer too. MP3s are never downloaded whole. Each problem is
one line starting with the URL it is about.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

from pipeline import __version__
from pipeline.core.model import Show
from pipeline.delivery.check import (
    NS,
    artwork_problems,
    chapters_problems,
    read_feed,
    transcript_problems,
)
from pipeline.release import podcastindex
from pipeline.release.feed import ITUNES_NS, feed_url

USER_AGENT = f"essaycast-check/{__version__}"
TIMEOUT_S = 30
RANGE = "bytes=0-1"
MAX_BODY = 32 * 1024 * 1024  # a transcript or artwork larger than this is a problem anyway
FEED_TYPES = ("application/rss+xml", "application/xml", "text/xml")
CHAPTERS_TYPES = (podcastindex.CHAPTERS_TYPE, "application/json")
IMAGE_TYPES = ("image/jpeg", "image/png")
P20 = podcastindex.NAMESPACE


class Unreachable(Exception):
    """No HTTP answer at all (DNS, refused connection, timeout, TLS)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def media_type(self) -> str:
        return media_type(self.headers.get("Content-Type", ""))


def media_type(content_type: str) -> str:
    """
    >>> media_type("Text/VTT; charset=utf-8"), media_type("")
    ('text/vtt', '')
    """
    return content_type.split(";")[0].strip().lower()


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Answer:
    """One request, as a podcast app makes it; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(
        url, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            limit = 2 if headers and "Range" in headers else MAX_BODY
            body = b"" if method == "HEAD" else response.read(limit)
            return Answer(response.status, response.headers, body)
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, exc.headers, b"")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unreachable(str(reason)) from None


class RemoteSite:
    """Fetches each URL once and turns what goes wrong into problem lines."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.pages: dict[str, bytes] = {}  # the HTML pages fetched, for the links they hold

    def first_time(self, url: str) -> bool:
        new = url not in self.seen
        self.seen.add(url)
        return new

    def get(self, url: str, what: str, types: tuple[str, ...]) -> tuple[Answer | None, list[str]]:
        """GET url; the answer when it is a 200 of one of ``types``, else the problems."""
        try:
            answer = fetch(url)
        except Unreachable as exc:
            return None, [f"{url}: cannot fetch the {what}: {exc}"]
        if answer.status != 200:
            return None, [f"{url}: the {what} answers HTTP {answer.status}, not 200"]
        if answer.media_type not in types:
            expected = " or ".join(types)
            return answer, [
                f"{url}: the {what} is served as {answer.media_type or 'no type'!r}, "
                f"not {expected}; set its Content-Type (essaycast publish does)"
            ]
        return answer, []


def check_remote(show: Show, base_url: str) -> list[str]:
    """Every problem a listener's app would hit on the published site, one line each."""
    site = RemoteSite()
    url = feed_url(show, base_url)
    site.first_time(url)
    answer, problems = site.get(url, "feed", FEED_TYPES)
    if answer is None:
        return problems
    feed_problems, channel = read_feed(answer.body, show, base_url)
    problems += [f"{url}: {p.split(': ', 1)[-1]}" for p in feed_problems]
    if channel is None:
        return problems
    problems += _check_artwork(channel, site)
    problems += _check_page(channel.findtext("link") or "", "show page", site)
    for item in channel.findall("item"):
        problems += _check_item(item, site)
    linked = [(link, "the feed") for link in feed_links(answer.body)]
    for page, body in site.pages.items():
        linked += [(link, page) for link in page_links(body, page)]
    problems += _check_linked(linked, base_url, site)
    return problems


def feed_links(feed: bytes) -> list[str]:
    """Every URL in the feed: url, href and uri attributes (podcast:source's), <link> texts.

    >>> feed_links(b'<rss xmlns:p="https://podcastindex.org/namespace/1.0"><channel>'
    ...     b'<link>https://a.example/feed/</link><p:alternateEnclosure><p:source '
    ...     b'uri="https://a.example/b.m4b"/></p:alternateEnclosure></channel></rss>')
    ['https://a.example/feed/', 'https://a.example/b.m4b']
    """
    found = []
    for element in ET.fromstring(feed).iter():
        found += [element.get(name, "") for name in ("url", "href", "uri")]
        if element.tag == "link":
            found.append((element.text or "").strip())
    return [url for url in found if url]


def page_links(page: bytes, page_url: str) -> list[str]:
    """Every href and src of a page, made absolute.

    >>> page_links(b'<a href="../b/x.epub">x</a><img src="a.jpg"><a href="#top">t</a>',
    ...     "https://a.example/feed/")
    ['https://a.example/b/x.epub', 'https://a.example/feed/a.jpg']
    """
    from html.parser import HTMLParser

    found: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.extend(v for k, v in attrs if k in ("href", "src") and v)

    Links().feed(page.decode("utf-8", "replace"))
    return [urljoin(page_url, url) for url in found if not url.startswith("#")]


def _check_linked(
    linked: Iterable[tuple[str, str]], base_url: str, site: RemoteSite
) -> Iterator[str]:
    """Every file of this site that something links to answers (other sites are not ours)."""
    prefix = base_url.rstrip("/") + "/"
    for url, where in linked:
        url = url.split("#")[0]
        if not url.startswith(prefix) or not urlsplit(url).path or not site.first_time(url):
            continue
        try:
            answer = fetch(url, "HEAD")
            if answer.status in (405, 501):  # a host that does not do HEAD
                answer = fetch(url, "GET", {"Range": RANGE})
        except Unreachable as exc:
            yield f"{url}: linked from {where}, but cannot be fetched: {exc}"
            continue
        if answer.status not in (200, 206):
            yield f"{url}: linked from {where}, but answers HTTP {answer.status}; publish again"


def _check_artwork(channel: ET.Element, site: RemoteSite) -> Iterator[str]:
    tag = channel.find("itunes:image", NS)
    href = "" if tag is None else tag.get("href", "")
    if not href or not site.first_time(href):
        return
    answer, problems = site.get(href, "artwork", IMAGE_TYPES)
    yield from problems
    if answer is not None and answer.status == 200:
        yield from artwork_problems(href, io.BytesIO(answer.body))


def _check_page(url: str, what: str, site: RemoteSite) -> Iterator[str]:
    if url and site.first_time(url):
        answer, problems = site.get(url, what, ("text/html",))
        if answer is not None and not problems:
            site.pages[url] = answer.body
        yield from problems


def _check_item(item: ET.Element, site: RemoteSite) -> Iterator[str]:
    title = item.findtext("title") or "?"
    enclosure = item.find("enclosure")
    if enclosure is not None:
        site.first_time(enclosure.get("url", ""))  # checked here, with HEAD and a range
        yield from _check_enclosure(enclosure, title)
    yield from _check_page(item.findtext("link") or "", "episode page", site)
    for transcript in item.findall(f"{{{P20}}}transcript"):
        url, declared = transcript.get("url", ""), transcript.get("type", "")
        if not url or not site.first_time(url):
            continue
        answer, problems = site.get(url, "transcript", (declared,))
        yield from problems
        if answer is not None and answer.status == 200:
            yield from transcript_problems(url, declared, answer.body)
    chapters = item.find(f"{{{P20}}}chapters")
    url = "" if chapters is None else chapters.get("url", "")
    if url and site.first_time(url):
        answer, problems = site.get(url, "chapters file", CHAPTERS_TYPES)
        yield from problems
        if answer is not None and answer.status == 200:
            declared = (item.findtext(f"{{{ITUNES_NS}}}duration") or "").strip()
            length = float(declared) if declared.isdigit() else None
            yield from chapters_problems(url, answer.body, length)


def _check_enclosure(enclosure: ET.Element, title: str) -> Iterator[str]:
    url, declared = enclosure.get("url", ""), enclosure.get("type", "")
    length = enclosure.get("length", "")
    try:
        head = fetch(url, "HEAD")
        ranged = fetch(url, "GET", {"Range": RANGE})
    except Unreachable as exc:
        yield f"{url}: cannot fetch the audio of {title!r}: {exc}"
        return
    if head.status != 200:
        yield f"{url}: HEAD answers HTTP {head.status}, not 200; apps cannot size the episode"
        return
    if head.media_type != declared:
        yield (
            f"{url}: served as {head.media_type or 'no type'!r}, but the feed's enclosure "
            f"says {declared!r}"
        )
    size = head.headers.get("Content-Length")
    if size != length:
        yield (
            f"{url}: Content-Length is {size}, but the feed's enclosure length is {length}; "
            "publish again (the feed and the file are from different builds)"
        )
    if ranged.status != 206:
        yield (
            f"{url}: a Range request answers HTTP {ranged.status}, not 206; players cannot "
            "seek and Apple Podcasts refuses such hosts"
        )
    elif ranged.headers.get("Content-Range", "").rsplit("/", 1)[-1] != length:
        yield (
            f"{url}: the Range answer's Content-Range "
            f"({ranged.headers.get('Content-Range')}) does not end in the length {length}"
        )
