"""The show's RSS feed (feed/feed.xml): Apple Podcasts' tags plus the Podcasting 2.0 namespace.

build_feed is pure (same inputs, same bytes); write_feed puts the result in place atomically.

Rules a podcast client relies on, and how this module keeps them:
- An item's <guid> never changes: it is BuiltEpisode.guid, which the build takes from
  episode_guid() (front matter guid, else a UUIDv5 of the show title and the slug), so neither
  re-encoding the audio nor moving the site to another base URL changes it.
- Rebuilding with nothing changed gives byte-identical output: lastBuildDate and the channel
  pubDate are the newest episode's date, never the clock.
- Text is text: titles and summaries are escaped, never interpreted, and the few characters
  XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF) are dropped.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from pipeline.core import atomic
from pipeline.core.errors import ScriptError
from pipeline.core.model import BuiltEpisode, EpisodeMeta, Show
from pipeline.reading.credit import credit_text
from pipeline.release import podcastindex
from pipeline.release.podcastindex import (
    AlternateEnclosure,
    ChaptersLink,
    Locked,
    Person,
    Transcript,
)
from pipeline.release.transcripts import clock
from pipeline.settings.categories import check_category, check_medium

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
SHOW_TOML = "feed/show.toml"
GENERATOR = "essaycast"

# Fixed namespace for derived episode guids. Never change it: every subscriber's copy of every
# episode is keyed by the guid made from it.
EPISODE_GUID_NAMESPACE = uuid.UUID("5f0b5a3e-9d1c-5c1e-8a6f-3c2e7d4b9a10")

# Episodes are dated, not timed: publish at noon UTC so the day shown is the scripted one in
# every time zone from UTC-11 to UTC+11.
PUBLISH_TIME = dt.time(12, 0, tzinfo=dt.UTC)


# Each transcript an episode publishes: (EpisodeFiles attribute, MIME type, rel). VTT and SRT
# carry time codes, so they are marked as captions; the episode page is the HTML transcript.
TRANSCRIPT_FILES: tuple[tuple[str, str, str | None], ...] = (
    ("vtt", "text/vtt", "captions"),
    ("srt", "application/x-subrip", "captions"),
    ("json", "application/json", None),
    ("txt", "text/plain", None),
)
HTML_TRANSCRIPT_TYPE = "text/html"
# The talking book's audiobook: AAC-LC (RFC 6381 codecs string) in an MP4 container.
M4B_TYPE = "audio/mp4"
M4B_CODECS = "mp4a.40.2"

# XML 1.0's Char production, negated: what no XML document may contain, even escaped.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Drop the characters XML 1.0 forbids; everything else is kept (and escaped by lxml).

    >>> xml_text("a\\x00b\\x1bc\\ufffe d\\u200f🎧 <&>")
    'abc d\\u200f🎧 <&>'
    """
    return _NOT_XML_CHAR.sub("", text)


def as_html(text: str) -> str:
    """Plain text as HTML that displays exactly that text.

    Quotes stay literal: they need no escaping outside attributes, and simple clients
    (podcastparser) decode only decimal and named entities, so "&#x27;" would lose them.

    >>> print(as_html("Say 'hi' <b> & bye"))
    Say 'hi' &lt;b&gt; &amp; bye
    """
    return html.escape(xml_text(text), quote=False)


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def feed_url(show: Show, base_url: str) -> str:
    """Where feed/feed.xml is served.

    >>> feed_url(Show(), "https://example.com/pod/")
    'https://example.com/pod/feed/feed.xml'
    """
    return f"{_base(base_url)}/feed/feed.xml"


def show_page_url(base_url: str) -> str:
    return f"{_base(base_url)}/feed/"


def artwork_url(base_url: str) -> str:
    return f"{_base(base_url)}/feed/artwork.jpg"


def episode_page_url(base_url: str, slug: str) -> str:
    """
    >>> episode_page_url("http://127.0.0.1:8000", "001-invisible-walls")
    'http://127.0.0.1:8000/episodes/001-invisible-walls/'
    """
    return f"{_base(base_url)}/episodes/{quote(slug)}/"


def episode_file_url(base_url: str, episode_file: Path) -> str:
    """The public URL of a file in episodes/<slug>/ (its folder name is the slug)."""
    return episode_page_url(base_url, episode_file.parent.name) + quote(episode_file.name)


def episode_guid(show: Show, base_url: str, meta: EpisodeMeta) -> str:
    """The item's permanent guid: the front matter's guid, else UUIDv5(show title + slug).

    base_url is accepted for symmetry with the other URL helpers but deliberately unused:
    moving the site must not make every subscriber download every episode again. Renaming the
    show or an episode's slug does change a derived guid; pin it with `guid:` in front matter.

    >>> meta = EpisodeMeta(Path("s.md"), "001-a", 1, "A", dt.date(2024, 1, 1), "s")
    >>> episode_guid(Show(), "http://a", meta) == episode_guid(Show(), "https://b/", meta)
    True
    >>> episode_guid(Show(), "http://a", meta)
    '5f0d3d02-0e69-50a2-9e26-63a75381969d'
    """
    if meta.guid:
        return meta.guid
    return str(uuid.uuid5(EPISODE_GUID_NAMESPACE, f"{show.title}\n{meta.slug}"))


def show_notes_html(episode: BuiltEpisode) -> str:
    """content:encoded: the summary, then the chapters with their start times, all escaped.

    >>> from pipeline.core.model import ChapterMark, EpisodeFiles, Timeline
    >>> meta = EpisodeMeta(Path("s.md"), "001-a", 1, "A", dt.date(2024, 1, 1), "Fish & <chips>")
    >>> marks = (ChapterMark("Intro", 0, 5), ChapterMark("Q&A", 65, 70))
    >>> ep = BuiltEpisode(meta, EpisodeFiles(Path("x")), Timeline((), marks, 70), 1, "g")
    >>> print(show_notes_html(ep))
    <p>Fish &amp; &lt;chips&gt;</p>
    <h2>Chapters</h2>
    <ol>
    <li>0:00 Intro</li>
    <li>1:05 Q&amp;A</li>
    </ol>
    """
    parts = [f"<p>{as_html(episode.meta.summary)}</p>"]
    if credit := credit_text(episode.meta):
        parts.append(f"<p>{as_html(credit)}</p>")
    if episode.timeline.chapters:
        parts += ["<h2>Chapters</h2>", "<ol>"]
        parts += [
            f"<li>{clock(mark.start)} {as_html(mark.title)}</li>"
            for mark in episode.timeline.chapters
        ]
        parts.append("</ol>")
    return "\n".join(parts)


def publish_datetime(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, PUBLISH_TIME)


def newest_first(episodes: Sequence[BuiltEpisode]) -> list[BuiltEpisode]:
    return sorted(episodes, key=lambda e: (e.meta.date, e.meta.number), reverse=True)


def _true_false(value: bool) -> str:
    return "true" if value else "false"


class AppleExplicitExtension(BaseExtension):
    """itunes:explicit as Apple spells it today ("true"/"false"); feedgen only knows yes/no."""

    def __init__(self) -> None:
        self.explicit: bool | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def extend_rss(self, element: Any) -> Any:
        # Called with the <rss> root for the channel and with the <item> for an entry.
        parent = element[0] if element.tag == "rss" else element
        if self.explicit is not None:
            xml_elem(f"{{{ITUNES_NS}}}explicit", parent).text = _true_false(self.explicit)
        return element


class AppleExplicitEntryExtension(AppleExplicitExtension, BaseEntryExtension):
    pass


def _check_unique_guids(episodes: Sequence[BuiltEpisode]) -> None:
    seen: dict[str, EpisodeMeta] = {}
    for episode in episodes:
        other = seen.setdefault(episode.guid, episode.meta)
        if other is not episode.meta:
            raise ScriptError(
                f"front matter: guid {episode.guid!r} is also the guid of {other.source}; "
                "give each episode its own guid",
                episode.meta.source,
            )


def _channel(show: Show, episodes: Sequence[BuiltEpisode], base_url: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("apple_explicit", AppleExplicitExtension, AppleExplicitEntryExtension)
    p20 = podcastindex.register(fg)

    title = xml_text(show.title)
    fg.title(title)
    # feedgen's RSS <link> is the last link given, so the self link goes first.
    fg.link(href=feed_url(show, base_url), rel="self", type="application/rss+xml")
    fg.link(href=show_page_url(base_url), rel="alternate")
    fg.description(as_html(show.description))
    fg.language(show.language)
    fg.generator(GENERATOR)
    if show.copyright:
        fg.copyright(xml_text(show.copyright))
    fg.image(url=artwork_url(base_url), title=title, link=show_page_url(base_url))
    if episodes:
        newest = publish_datetime(max(e.meta.date for e in episodes))
        fg.lastBuildDate(newest)
        fg.pubDate(newest)

    fg.podcast.itunes_author(xml_text(show.author))
    fg.podcast.itunes_owner(name=xml_text(show.owner_name), email=show.owner_email)
    fg.podcast.itunes_image(artwork_url(base_url))
    category = {"cat": show.category}
    if show.subcategory:
        category["sub"] = show.subcategory
    fg.podcast.itunes_category(category)
    fg.podcast.itunes_type(show.show_type)
    fg.apple_explicit.explicit = show.explicit

    p20.guid = show_guid(show, base_url)
    p20.locked = Locked(show.locked, show.owner_email)
    p20.medium = show.medium
    return fg


def _add_item(fg: FeedGenerator, episode: BuiltEpisode, base_url: str) -> None:
    meta, files = episode.meta, episode.files
    # feedgen's add_entry prepends by default; order=append keeps our newest-first order.
    fe = fg.add_entry(order="append")
    title = xml_text(meta.title)
    if not title.strip():
        raise ScriptError(
            "front matter: title has no printable characters; give the episode a title",
            meta.source,
        )
    fe.title(title)
    fe.link(href=episode_page_url(base_url, files.slug))
    fe.description(f"<p>{as_html(meta.summary)}</p>")
    fe.content(show_notes_html(episode), type="html")
    fe.guid(episode.guid, permalink=False)
    fe.enclosure(episode_file_url(base_url, files.mp3), str(episode.mp3_bytes), "audio/mpeg")
    fe.pubDate(publish_datetime(meta.date))

    fe.podcast.itunes_duration(round(episode.timeline.duration))
    fe.podcast.itunes_episode(meta.number)
    fe.podcast.itunes_episode_type(meta.episode_type)
    if meta.author:
        fe.podcast.itunes_author(xml_text(meta.author))
    fe.apple_explicit.explicit = meta.explicit
    if meta.artwork is not None:  # Apple Podcasts and most apps show an item's own image
        fe.podcast.itunes_image(episode_file_url(base_url, files.artwork))
    for keyword in meta.keywords:  # RSS <category>: what apps read, itunes:keywords is retired
        fe.category(term=xml_text(keyword))

    p20 = podcastindex.entry_extension(fe)
    writers = meta.authors or ((meta.author,) if meta.author else ())
    p20.persons.extend(Person(xml_text(name)) for name in writers)
    for attribute, mime_type, rel in TRANSCRIPT_FILES:
        url = episode_file_url(base_url, getattr(files, attribute))
        p20.transcripts.append(Transcript(url, mime_type, meta.language, rel))
    page = episode_page_url(base_url, files.slug)
    p20.transcripts.append(Transcript(page, HTML_TRANSCRIPT_TYPE, meta.language))
    p20.chapters = ChaptersLink(episode_file_url(base_url, files.chapters_json))
    if files.m4b.is_file():
        p20.alternate_enclosures.append(audiobook_enclosure(episode, base_url))


def audiobook_enclosure(episode: BuiltEpisode, base_url: str) -> AlternateEnclosure:
    """The M4B as an alternative to the MP3 <enclosure> (which stays the default)."""
    size = episode.files.m4b.stat().st_size
    bitrate = size * 8 / episode.timeline.duration if episode.timeline.duration else None
    return AlternateEnclosure(
        episode_file_url(base_url, episode.files.m4b),
        M4B_TYPE,
        size,
        bitrate,
        title="Audiobook with chapters (M4B)",
        codecs=M4B_CODECS,
        lang=episode.meta.language,
    )


def build_feed(show: Show, episodes: Sequence[BuiltEpisode], base_url: str) -> bytes:
    """The feed as UTF-8 XML bytes, items newest first (by date, then episode number)."""
    check_category(show)
    check_medium(show)
    _check_unique_guids(episodes)
    ordered = newest_first(episodes)
    fg = _channel(show, ordered, base_url)
    for episode in ordered:
        _add_item(fg, episode, base_url)
    xml: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return xml


def write_feed(show: Show, episodes: Sequence[BuiltEpisode], base_url: str, out: Path) -> None:
    atomic.write_bytes(out, build_feed(show, episodes, base_url))


def show_guid(show: Show, base_url: str) -> str:
    """podcast:guid: pinned in show.toml, or (per the spec) UUIDv5 of the feed's URL.

    The spec asks that it never change; pin it with `guid` under [show] before moving
    the feed to another address.
    """
    return show.podcast_guid or podcastindex.channel_guid(feed_url(show, base_url))
