"""The Podcasting 2.0 namespace (podcast:guid, locked, medium, transcript, chapters,
alternateEnclosure) for feedgen.

feedgen calls an extension's ``extend_ns`` and ``extend_rss`` while it writes the feed; the
values themselves are plain attributes here, set with ordinary assignment:

    fg = FeedGenerator()
    channel = register(fg)
    channel.guid = channel_guid("https://example.com/feed.xml")
    entry_extension(fg.add_entry()).transcripts.append(Transcript(url, "text/vtt"))

Tags and attributes follow https://podcastindex.org/namespace/1.0 (docs/tags/*.md).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

# feedgen.util uses lxml.etree having only imported lxml: it works only when something
# imported lxml.etree first, so we do, before feedgen.
import lxml.etree  # noqa: F401
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

from pipeline.settings.categories import MEDIUMS

NAMESPACE = "https://podcastindex.org/namespace/1.0"
PREFIX = "podcast"
EXTENSION_NAME = "podcastindex"  # the attribute feedgen puts the extension under

# The namespace's own UUID for podcast:guid (docs/tags/guid.md).
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

CHAPTERS_TYPE = "application/json+chapters"


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def channel_guid(feed_url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL without its scheme and trailing slashes.

    The spec's own examples:

    >>> channel_guid("podnews.net/rss")
    '9b024349-ccf0-5f69-a609-6b82873eab3c'
    >>> channel_guid("https://podnews.net/rss/")
    '9b024349-ccf0-5f69-a609-6b82873eab3c'
    >>> channel_guid("https://mp3s.nashownotes.com/pc20rss.xml")
    '917393e3-1b1e-5cef-ace4-edaa54e1f810'
    """
    seed = _SCHEME.sub("", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, seed))


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


@dataclass(frozen=True)
class Locked:
    """podcast:locked: may another host import this feed? ``owner`` is an e-mail address."""

    locked: bool
    owner: str | None = None


@dataclass(frozen=True)
class Transcript:
    """podcast:transcript; ``rel="captions"`` marks a file with time codes."""

    url: str
    type: str
    language: str | None = None
    rel: str | None = None


@dataclass(frozen=True)
class AlternateEnclosure:
    """podcast:alternateEnclosure with one podcast:source: the episode in another encoding.

    ``bitrate`` is in bits per second; ``title`` should stay within 32 characters. Left
    without ``rel``, apps group it with the <enclosure> as the same content.
    """

    url: str
    type: str
    length: int
    bitrate: float | None = None
    title: str | None = None
    codecs: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class ChaptersLink:
    """podcast:chapters: where the episode's JSON chapters file lives."""

    url: str
    type: str = CHAPTERS_TYPE


@dataclass(frozen=True)
class Person:
    """podcast:person: someone who made the episode, with a role from the Podcast
    Taxonomy Project's list (an essay's writer: group "writing", role "author")."""

    name: str
    role: str = "author"
    group: str = "writing"


class PodcastIndexExtension(BaseExtension):
    """Channel-level tags. Unset (None) attributes are left out of the feed."""

    def __init__(self) -> None:
        self.guid: str | None = None
        self.locked: Locked | None = None
        self.medium: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {PREFIX: NAMESPACE}

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        if self.guid is not None:
            xml_elem(_tag("guid"), channel).text = self.guid
        if self.locked is not None:
            locked = xml_elem(_tag("locked"), channel)
            locked.text = _yes_no(self.locked.locked)
            if self.locked.owner:
                locked.set("owner", self.locked.owner)
        if self.medium is not None:
            if self.medium not in MEDIUMS:
                raise ValueError(f"podcast:medium {self.medium!r} is not one of {sorted(MEDIUMS)}")
            xml_elem(_tag("medium"), channel).text = self.medium
        return rss_feed


@dataclass
class PodcastIndexEntryExtension(BaseEntryExtension):
    """Item-level tags: any number of transcripts, at most one chapters file."""

    transcripts: list[Transcript] = field(default_factory=list)
    chapters: ChaptersLink | None = None
    alternate_enclosures: list[AlternateEnclosure] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)

    def extend_ns(self) -> dict[str, str]:
        return {PREFIX: NAMESPACE}

    def extend_rss(self, item: Any) -> Any:
        for person in self.persons:
            element = xml_elem(_tag("person"), item, role=person.role, group=person.group)
            element.text = person.name
        for transcript in self.transcripts:
            element = xml_elem(_tag("transcript"), item)
            element.set("url", transcript.url)
            element.set("type", transcript.type)
            if transcript.language:
                element.set("language", transcript.language)
            if transcript.rel:
                element.set("rel", transcript.rel)
        if self.chapters is not None:
            xml_elem(_tag("chapters"), item, url=self.chapters.url, type=self.chapters.type)
        for alternate in self.alternate_enclosures:
            element = xml_elem(_tag("alternateEnclosure"), item)
            element.set("type", alternate.type)
            element.set("length", str(alternate.length))
            optional = {
                "bitrate": None if alternate.bitrate is None else f"{alternate.bitrate:.2f}",
                "lang": alternate.lang,
                "title": alternate.title,
                "codecs": alternate.codecs,
            }
            for name, value in optional.items():
                if value is not None:
                    element.set(name, value)
            xml_elem(_tag("source"), element, uri=alternate.url)
        return item


def register(feed_generator: Any) -> PodcastIndexExtension:
    """Register the namespace on a FeedGenerator (RSS only); return the channel extension.

    Entries added afterwards get a PodcastIndexEntryExtension (see entry_extension).
    """
    feed_generator.register_extension(
        EXTENSION_NAME, PodcastIndexExtension, PodcastIndexEntryExtension, atom=False, rss=True
    )
    extension: PodcastIndexExtension = getattr(feed_generator, EXTENSION_NAME)
    return extension


def entry_extension(feed_entry: Any) -> PodcastIndexEntryExtension:
    """The typed Podcasting 2.0 extension of an entry added after register()."""
    extension: PodcastIndexEntryExtension = getattr(feed_entry, EXTENSION_NAME)
    return extension
