"""The data that flows between stages, as plain frozen dataclasses.

Read top to bottom, this is the pipeline's vocabulary:

    Show            feed/show.toml, with defaults filled in
    EpisodeMeta     one script's front matter, checked
    Script          EpisodeMeta + the body text exactly as the producer wrote it
    Narration       what gets spoken: chapters -> blocks -> sentences -> utterances
    Timeline        the same blocks with start/end times in the final MP3
    EpisodeFiles    where each output of one episode lives
    BuiltEpisode    what the feed and the show page need to know of one built episode
    Lexicon, Entry  words the voice must say a particular way (feed/lexicon.*, pronounce:)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline.core.digest import file_digest

BlockKind = Literal["intro", "heading", "paragraph", "outro"]


@dataclass(frozen=True)
class Show:
    """Show-wide settings from feed/show.toml; every field has a default."""

    title: str = "Essaycast"
    author: str = "Essaycast"
    description: str = "Essays, read aloud."
    language: str = "en"
    owner_name: str = "Essaycast"
    owner_email: str = "podcast@example.com"
    category: str = "Arts"
    subcategory: str | None = "Books"
    explicit: bool = False
    show_type: Literal["episodic", "serial"] = "episodic"
    copyright: str | None = None
    locked: bool = False
    medium: str = "podcast"
    podcast_guid: str | None = None  # pin podcast:guid; None: derived from the feed URL
    base_url: str = "http://127.0.0.1:8000"
    port: int = 8000
    publish_target: str = ""  # "s3://bucket/prefix" or "file:///folder"; "": no publishing
    endpoint_url: str = ""  # an S3-compatible service's API URL; "": AWS S3
    region: str = ""  # "": boto3's default (AWS_REGION, the profile's)
    engine: str = "piper"
    voice: str = "en_US-joe-medium"
    pace: float = 1.0  # [voice] pace: 1.2 reads 20% slower (pipeline.settings.direction)
    pause_sentence: float = 0.45  # [pauses]: seconds; the defaults are direction.Pauses'
    pause_paragraph: float = 0.9
    pause_chapter: float = 1.5
    loudness_lufs: float = -16.0
    true_peak_dbtp: float = -1.5
    bitrate_kbps: int = 96
    intro: str = "{show}. Episode {number}: {title}."
    outro: str = "You have been listening to {show}. Thank you for listening."
    intro_music: Path | None = None
    outro_music: Path | None = None
    artwork: Path | None = None  # None: generate feed/artwork.jpg
    artwork_alt: str | None = None  # the producer's artwork in words (the drawn card is described)
    cluster: str | None = None  # [build] cluster: a Dask scheduler or local:N; None: this machine


# Where the site goes, not what it is: a build's keys leave these out, so pointing the
# publish step elsewhere never rebuilds an episode.
PUBLISH_ONLY_SETTINGS = frozenset({"publish_target", "endpoint_url", "region"})


@dataclass(frozen=True)
class EpisodeMeta:
    """One script's front matter, validated, with the show's defaults applied."""

    source: Path
    slug: str  # "001-invisible-walls": names the folder and every file in it
    number: int
    title: str
    date: dt.date
    summary: str
    explicit: bool = False
    episode_type: Literal["full", "trailer", "bonus"] = "full"
    language: str = "en"
    engine: str | None = None  # None: the show's engine
    voice: str | None = None
    keep_lines: tuple[str, ...] = ()  # lines the cleaner must keep, verbatim
    drop_lines: tuple[str, ...] = ()  # lines the cleaner must drop, verbatim
    guid: str | None = None  # None: derived from the show's title and the slug
    author: str | None = None  # the essay's author, when it is not the show's host
    source_url: str | None = None  # where the essay was first published (front matter 'source')
    pace: float | None = None  # None: the show's pace
    pronounce: tuple[
        Entry, ...
    ] = ()  # lexicon entries for this episode (pipeline.settings.lexicon)
    keywords: tuple[str, ...] = ()  # a blog post's tags and categories
    authors: tuple[str, ...] = ()  # each author credited, when the post lists several
    artwork: Path | None = None  # the episode's own image (a post's cover), checked to exist


@dataclass(frozen=True)
class Script:
    meta: EpisodeMeta
    body: str  # decoded text after the front matter, line ends as "\n"
    is_markdown: bool
    body_first_line: int  # 1-based line number of body's first line in the file
    warnings: tuple[str, ...] = ()  # e.g. "decoded as CP-1252"
    inferred: tuple[str, ...] = ()  # "title: 'X' (from the page's title)", one per field
    byline_lines: tuple[int, ...] = ()  # file lines read as byline/dateline: not narrated
    extracted: bool = False  # the body is an extractor's reading of a saved page
    notes: tuple[str, ...] = ()  # for the producer, not a problem: "keys not used: layout"
    draft: bool = False  # the front matter says draft: true; the build skips it


@dataclass(frozen=True)
class DroppedLine:
    line_number: int  # 1-based, in the script file
    text: str
    reason: str


@dataclass(frozen=True)
class Utterance:
    """The unit the voice synthesizes: bounded length, split at clause boundaries."""

    text: str  # the author's words, exactly as written (what transcripts show)
    spoken: str  # the same words as the voice should say them ("35%" -> "thirty-five percent")


@dataclass(frozen=True)
class Sentence:
    text: str  # == " ".join(u.text for u in utterances)
    utterances: tuple[Utterance, ...]


@dataclass(frozen=True)
class Emphasis:
    """Emphasized text in a block: characters [start, end) of Block.text."""

    start: int
    end: int
    strong: bool = False  # **strong**, else *emphasis*


@dataclass(frozen=True)
class Form:
    """How a block is written, so pages and books show it as the author marked it up.

    A list item has the list's kind and a number shared by the items of one list (and by
    the paragraphs of one item); a block quote's paragraphs share a quote number; 0 is none.
    """

    list_kind: Literal["ul", "ol"] | None = None
    list_id: int = 0
    item_id: int = 0
    quote_id: int = 0
    emphasis: tuple[Emphasis, ...] = ()


PLAIN = Form()  # a paragraph as it is: no list, no quote, no emphasis


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph, or the intro/outro: a run of sentences spoken together."""

    kind: BlockKind
    sentences: tuple[Sentence, ...]
    form: Form = PLAIN  # lists, quotes, emphasis: shown, never heard

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class Chapter:
    title: str  # shown in chapter lists; "Introduction" for text before the first heading
    blocks: tuple[Block, ...]  # a "heading" block first when the heading is spoken
    depth: int = 1  # 1: a top-level heading of the essay; 2: a subheading under it...


@dataclass(frozen=True)
class Narration:
    """Everything the listener hears from the script body, in order."""

    title: str
    chapters: tuple[Chapter, ...]
    dropped: tuple[DroppedLine, ...] = ()


@dataclass(frozen=True)
class TimedUtterance:
    text: str
    start: float  # seconds from the start of the final MP3
    end: float


@dataclass(frozen=True)
class TimedSentence:
    text: str
    start: float
    end: float
    utterances: tuple[TimedUtterance, ...]


@dataclass(frozen=True)
class TimedBlock:
    kind: BlockKind
    chapter: int  # index into Timeline.chapters (intro is in the first, outro in the last)
    start: float
    end: float
    sentences: tuple[TimedSentence, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start: float
    end: float


@dataclass(frozen=True)
class Timeline:
    """Where every block, sentence and utterance sits in the final audio."""

    blocks: tuple[TimedBlock, ...]
    chapters: tuple[ChapterMark, ...]
    duration: float  # of the final MP3, in seconds


@dataclass(frozen=True)
class EpisodeFiles:
    """Every output of one episode, all inside episodes/<slug>/."""

    folder: Path

    @property
    def slug(self) -> str:
        return self.folder.name

    def named(self, suffix: str) -> Path:
        return self.folder / f"{self.slug}{suffix}"

    @property
    def mp3(self) -> Path:
        return self.named(".mp3")

    @property
    def vtt(self) -> Path:
        return self.named(".vtt")

    @property
    def srt(self) -> Path:
        return self.named(".srt")

    @property
    def txt(self) -> Path:
        return self.named(".txt")

    @property
    def json(self) -> Path:
        return self.named(".json")

    @property
    def artwork(self) -> Path:
        """The episode's own image, when its script names one (a blog post's cover)."""
        return self.named(".jpg")

    @property
    def epub(self) -> Path:
        """The talking book: EPUB 3 with Media Overlays."""
        return self.named(".epub")

    @property
    def m4b(self) -> Path:
        """The audiobook: AAC in MP4, with chapters and cover."""
        return self.named(".m4b")

    @property
    def chapters_json(self) -> Path:
        return self.folder / "chapters.json"

    @property
    def page(self) -> Path:
        return self.folder / "index.html"

    @property
    def cleaning_report(self) -> Path:
        return self.folder / "cleaning-report.txt"

    @property
    def manifest(self) -> Path:
        """What the last successful build of this episode knew (timeline, input keys)."""
        return self.folder / ".build.json"


@dataclass(frozen=True)
class BuiltEpisode:
    """One finished episode, as the feed and the show page see it."""

    meta: EpisodeMeta
    files: EpisodeFiles
    timeline: Timeline
    mp3_bytes: int  # exact size of the MP3 file
    guid: str
    chapter_titles: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Entry:
    """One word (or several spellings of it) and how to say it."""

    graphemes: tuple[str, ...]  # the spellings it matches, as written in the text
    ipa: str | None = None  # phonemes, NFD-normalized as Piper's phonemizer makes them
    alias: str | None = None  # words to say instead
    ignore_case: bool = False
    where: str = ""  # "feed/lexicon.toml: 'Nguyen'": names it in every message


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...] = ()

    def overridden_by(self, other: Lexicon) -> Lexicon:
        """``other``'s entries replace this one's for the same spelling.

        >>> show = Lexicon((Entry(("SQL",), alias="S Q L"), Entry(("GIF",), alias="jif")))
        >>> episode = Lexicon((Entry(("SQL",), alias="sequel"),))
        >>> [(e.graphemes, e.alias) for e in show.overridden_by(episode).entries]
        [(('GIF',), 'jif'), (('SQL',), 'sequel')]
        """
        taken = {spelling.casefold() for entry in other.entries for spelling in entry.graphemes}
        kept = tuple(
            entry
            for entry in self.entries
            if not any(spelling.casefold() in taken for spelling in entry.graphemes)
        )
        return Lexicon(kept + other.entries)


def shown_meta(meta: EpisodeMeta) -> dict[str, object]:
    """The front matter as an output shows it: every field but where the script file lies,
    so a project moved to another folder rebuilds nothing.

    >>> here = EpisodeMeta(Path("/a/scripts/x.md"), "001-x", 1, "X", dt.date(2024, 1, 1), "S")
    >>> shown_meta(here) == shown_meta(dataclasses.replace(here, source=Path("/b/x.md")))
    True
    """
    fields = dataclasses.asdict(meta)
    del fields["source"]
    if meta.artwork is not None:  # what the image is, not where the project lies
        fields["artwork"] = file_digest(meta.artwork)
    return fields
