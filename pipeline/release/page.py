"""The episode page (episodes/<slug>/index.html) and the show page (feed/index.html).

Both are static HTML that works without JavaScript: the audio plays in the browser's own
player, the transcript is plain text on the page, the feed URL is selectable text.  The
script shipped beside them (assets/essaycast.js) only adds: chapter and timestamp links
that seek the audio, a highlight on the sentence being spoken, an opt-in "follow along"
scroll, and a copy button for the feed URL.  All links are relative, so the pages work at
any base URL and from file://.  The markup lives in Jinja2 templates (pipeline/templates/
episode.html, show.html, and the _page.html frame they share) with autoescaping on, so every
piece of text from a script or show.toml shows as text, a hostile title included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.core import atomic
from pipeline.core.language import primary_language
from pipeline.core.model import BuiltEpisode, Narration, Show, TimedBlock, TimedSentence, Timeline
from pipeline.release.templating import render
from pipeline.release.transcripts import KIND_LABELS, chapter_blocks, clock
from pipeline.release.written import Node, Run, Written, nodes, sentence_runs, written

ASSETS = ("essaycast.css", "essaycast.js")
# The player's speeds, as a fast listener picks them (the page remembers the choice).
SPEEDS = (0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5)
# Names for the caption track's label; other languages show their code.
LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "it": "Italiano",
    "nl": "Nederlands",
    "pt": "Português",
    "ar": "العربية",
    "he": "עברית",
}
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "dv"})
# The talking book's files (EpisodeFiles attribute, label) in the Downloads list.
BOOK_DOWNLOADS = (
    ("epub", "Talking book (EPUB 3 with synchronized text and audio, {size})"),
    ("m4b", "Audiobook with chapters (M4B, {size})"),
)


def language_name(code: str) -> str:
    """The caption track's label: the language's own name, else its code.

    >>> language_name("en-US"), language_name("sv")
    ('English', 'sv')
    """
    return LANGUAGE_NAMES.get(primary_language(code), code)


def direction(code: str) -> str:
    """The page's writing direction for its language.

    >>> direction("he"), direction("en-GB")
    ('rtl', 'ltr')
    """
    return "rtl" if primary_language(code) in RIGHT_TO_LEFT else "ltr"


def long_date(day: dt.date) -> str:
    """A date as English readers write it (the ISO date goes in <time datetime>).

    >>> long_date(dt.date(2024, 5, 1))
    '1 May 2024'
    """
    months = "January February March April May June July August September October November December"
    return f"{day.day} {months.split()[day.month - 1]} {day.year}"


def spoken_length(seconds: float) -> str:
    """A duration for people, a number never wrapped apart from its unit.

    >>> [spoken_length(t).replace("\u00a0", "_") for t in (44.6, 725, 3900)]
    ['45_s', '12_min', '1_h 5_min']
    """
    if seconds < 60:
        return f"{round(seconds)}\u00a0s"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}\u00a0h {minutes}\u00a0min" if hours else f"{minutes}\u00a0min"


def megabytes(size: int) -> str:
    """A file size in decimal megabytes, as download links usually say.

    >>> megabytes(12_345_678)
    '12.3 MB'
    """
    return f"{size / 1_000_000:.1f} MB"


def seek_href(seconds: float) -> str:
    """A fragment the page script turns into a seek (a media-fragment style time).

    >>> seek_href(83.25), seek_href(0)
    ('#t=83.25', '#t=0')
    """
    return f"#t={round(seconds, 3):g}"


def time_attr(seconds: float) -> str:
    """A time for data-start/data-end, to the millisecond.

    >>> time_attr(45.5494)
    '45.549'
    """
    return f"{seconds:.3f}"


@dataclass(frozen=True)
class Download:
    href: str
    label: str


@dataclass(frozen=True)
class ShownBlock:
    """A block of the transcript: its timing, and each sentence with its emphasis."""

    block: TimedBlock
    said: tuple[tuple[TimedSentence, tuple[Run, ...]], ...]

    @property
    def kind(self) -> str:
        return self.block.kind

    @property
    def start(self) -> float:
        return self.block.start


@dataclass(frozen=True)
class TranscriptChapter:
    """One chapter of the transcript as the template lays it out."""

    number: int  # 1-based, for ids
    title: str
    level: int  # its heading element: h3 for the essay's top headings (h2 is "Transcript")
    heading: ShownBlock | None  # the spoken heading, shown as said
    nodes: tuple[Node, ...]  # the rest, in order: paragraphs, lists, quotes


def shown(block: TimedBlock, writing: Written, index: int) -> ShownBlock:
    texts = [s.text for s in block.sentences]
    emphasis = writing.form(index).emphasis
    said = zip(block.sentences, sentence_runs(texts, emphasis), strict=True)
    return ShownBlock(block, tuple(said))


def transcript_chapters(
    timeline: Timeline, narration: Narration | None = None
) -> list[TranscriptChapter]:
    """The transcript by chapter; with the narration, lists, quotes, emphasis and heading
    levels are shown as the author wrote them."""
    marks = dict(enumerate(timeline.chapters))
    writing = written(narration, timeline)
    place = {id(block): index for index, block in enumerate(timeline.blocks)}
    chapters = []
    for index, blocks in chapter_blocks(timeline):
        if not blocks and index not in marks:
            continue
        spoken = next((b for b in blocks if b.kind == "heading"), None)
        mark = marks.get(index)
        rest = [b for b in blocks if b is not spoken]
        laid = nodes((shown(b, writing, place[id(b)]), writing.form(place[id(b)])) for b in rest)
        heading = None if spoken is None else shown(spoken, writing, place[id(spoken)])
        level = min(6, 2 + writing.depth(index))
        chapters.append(
            TranscriptChapter(index + 1, mark.title if mark else "", level, heading, laid)
        )
    return chapters


def downloads(episode: BuiltEpisode) -> list[Download]:
    """What the Downloads list offers; the talking book's files only once they exist."""
    files = episode.files
    links = [
        Download(files.mp3.name, f"Episode audio (MP3, {megabytes(episode.mp3_bytes)})"),
        Download(files.vtt.name, "Captions (WebVTT)"),
        Download(files.srt.name, "Subtitles (SRT)"),
        Download(files.txt.name, "Transcript (plain text)"),
        Download(files.json.name, "Transcript (Podcasting 2.0 JSON)"),
        Download(files.chapters_json.name, "Chapters (JSON)"),
    ]
    for path, label in BOOK_DOWNLOADS:
        file = getattr(files, path)
        if file.is_file():
            size = megabytes(file.stat().st_size)
            links.append(Download(file.name, label.format(size=size)))
    return links


def _render(name: str, **context: Any) -> str:
    filters: dict[str, Callable[..., str]] = {
        "clock": clock,
        "direction": direction,
        "language_name": language_name,
        "long_date": long_date,
        "seek_href": seek_href,
        "spoken_length": spoken_length,
        "time_attr": time_attr,
    }
    return render(name, filters, kind_labels=KIND_LABELS, **context)


def render_episode_page(
    show: Show, episode: BuiltEpisode, narration: Narration | None = None
) -> str:
    meta = episode.meta
    return _render(
        "episode.html",
        show=show,
        meta=meta,
        files=episode.files,
        timeline=episode.timeline,
        title=f"{meta.title} — {show.title}",
        description=meta.summary,
        language=meta.language,
        feed_href="../../feed/feed.xml",
        body_class="episode-page",
        marks=sorted(episode.timeline.chapters, key=lambda m: m.start),
        chapters=transcript_chapters(episode.timeline, narration),
        speeds=SPEEDS,
        downloads=downloads(episode),
    )


EMBED_SPEEDS = ("0.75", "1", "1.25", "1.5", "1.75", "2")  # as the select offers them
EMBED_HEIGHT = 150  # px: the player's height in the snippet before it reports its own


def render_embed(show: Show, episode: BuiltEpisode) -> str:
    """episodes/<slug>/embed.html: the small player a publisher puts beside the article."""
    return _render(
        "embed.html",
        show=show,
        meta=episode.meta,
        files=episode.files,
        timeline=episode.timeline,
        speeds=EMBED_SPEEDS,
    )


def embed_snippet(embed_url: str, title: str) -> str:
    """What a publisher pastes into the article's page: the frame, and a line of script
    that lets the player set its own height.

    >>> snippet = embed_snippet("https://p.example/episodes/001-x/embed.html", 'A "B"')
    >>> snippet.startswith('<iframe src="https://p.example/episodes/001-x/embed.html"')
    True
    >>> 'title="Listen to this article: A &quot;B&quot;"' in snippet, snippet.count("<script>")
    (True, 1)
    """
    from html import escape

    return (
        f'<iframe src="{escape(embed_url)}" title="Listen to this article: {escape(title)}"\n'
        f'  loading="lazy" style="width: 100%; max-width: 40rem; height: {EMBED_HEIGHT}px; '
        'border: 0"></iframe>\n'
        '<script>addEventListener("message", function (e) { var d = e.data || {};\n'
        '  document.querySelectorAll("iframe").forEach(function (f) {\n'
        '    if (d.essaycast === "height" && f.contentWindow === e.source) '
        'f.style.height = d.height + "px"; }); });</script>'
    )


def newest_first(episodes: Iterable[BuiltEpisode]) -> list[BuiltEpisode]:
    return sorted(episodes, key=lambda e: (e.meta.date, e.meta.number), reverse=True)


def render_show_page(
    show: Show, episodes: Sequence[BuiltEpisode], feed_url: str, book: Path | None = None
) -> str:
    """The show page; ``book`` is the show-wide talking book beside it, when there is one."""
    link = None
    if book is not None and book.is_file():
        label = f"Every episode as one talking book (EPUB, {megabytes(book.stat().st_size)})"
        link = Download(book.name, label)
    newest = newest_first(episodes)
    site = feed_url.rsplit("/feed/", 1)[0] if "/feed/" in feed_url else feed_url.rsplit("/", 1)[0]
    slug = newest[0].meta.slug if newest else "NNN-slug"
    title = newest[0].meta.title if newest else "Title"
    snippet = embed_snippet(f"{site}/episodes/{slug}/embed.html", title)
    return _render(
        "show.html",
        show=show,
        episodes=newest,
        embed_snippet=snippet,
        feed_url=feed_url,
        title=show.title,
        description=show.description,
        language=show.language,
        feed_href="feed.xml",
        body_class="show-page",
        book=link,
    )


def write_assets(folder: Path) -> None:
    """Copy the page's stylesheet and script next to it (pages link them relatively)."""
    for name in ASSETS:
        data = resources.files("pipeline").joinpath("assets", name).read_bytes()
        atomic.write_bytes(folder / name, data)


def write_episode_page(
    show: Show, episode: BuiltEpisode, narration: Narration | None = None
) -> None:
    """Write episodes/<slug>/index.html and its assets (with the narration, the transcript
    shows lists, quotes and emphasis as written), and embed.html (the player)."""
    write_assets(episode.files.folder)
    atomic.write_text(episode.files.page, render_episode_page(show, episode, narration))
    atomic.write_text(episode.files.folder / "embed.html", render_embed(show, episode))


def write_show_page(
    show: Show,
    episodes: Sequence[BuiltEpisode],
    feed_dir: Path,
    feed_url: str,
    book: Path | None = None,
) -> None:
    """Write feed/index.html (beside feed.xml and artwork.jpg) and its assets."""
    write_assets(feed_dir)
    page = render_show_page(show, episodes, feed_url, book)
    atomic.write_text(feed_dir / "index.html", page)
