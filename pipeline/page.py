"""The episode page (episodes/<slug>/index.html) and the show page (feed/index.html).

Both are static HTML that works without JavaScript: the audio plays in the browser's own
player, the transcript is plain text on the page, the feed URL is selectable text.  The
script shipped beside them (assets/essaycast.js) only adds: chapter and timestamp links
that seek the audio, a highlight on the sentence being spoken, an opt-in "follow along"
scroll, and a copy button for the feed URL.  All links are relative, so the pages work at
any base URL and from file://.  Every piece of text from a script or show.toml goes through
`esc` — a hostile title shows as text.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from pipeline import atomic
from pipeline.model import (
    BuiltEpisode,
    ChapterMark,
    EpisodeMeta,
    Show,
    TimedBlock,
    TimedSentence,
    Timeline,
)
from pipeline.transcripts import KIND_LABELS, chapter_blocks, clock

ASSETS = ("essaycast.css", "essaycast.js")
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


def esc(text: str) -> str:
    """Text (or an attribute value) made safe for HTML.

    >>> esc('<script>alert("x")</script> & \\'')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;'
    """
    return html.escape(text, quote=True)


def primary_language(code: str) -> str:
    """The language without its region, lower case.

    >>> primary_language("en-GB"), primary_language("PT_br")
    ('en', 'pt')
    """
    return code.replace("_", "-").split("-")[0].lower()


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


def seek_link(seconds: float, css_class: str = "stamp") -> str:
    hidden = '<span class="visually-hidden">Play from </span>'
    return f'<a class="{css_class}" href="{seek_href(seconds)}">{hidden}{clock(seconds)}</a>'


def _time_attr(seconds: float) -> str:
    return f"{seconds:.3f}"


def sentence_span(sentence: TimedSentence) -> str:
    return (
        f'<span class="s" data-start="{_time_attr(sentence.start)}" '
        f'data-end="{_time_attr(sentence.end)}">{esc(sentence.text)}</span>'
    )


def _sentences(block: TimedBlock) -> str:
    return " ".join(sentence_span(s) for s in block.sentences)


def _block_html(block: TimedBlock) -> str:
    paragraph = f"<p>{seek_link(block.start)} {_sentences(block)}</p>"
    if block.kind not in KIND_LABELS:
        return paragraph
    label = KIND_LABELS[block.kind]
    return (
        f'<div class="block block-{block.kind}">'
        f'<p class="block-label">{label} <span class="block-note">(read by the show, '
        f"not part of the essay)</span></p>{paragraph}</div>"
    )


def _chapter_html(index: int, mark: ChapterMark | None, blocks: Sequence[TimedBlock]) -> str:
    heading_id = f"chapter-{index + 1}-heading"
    spoken = [b for b in blocks if b.kind == "heading"]
    # A spoken heading is shown (and highlighted) as said; an unspoken title is just a label.
    title = _sentences(spoken[0]) if spoken else esc(mark.title if mark else "")
    parts = [
        f'<section class="chapter" id="chapter-{index + 1}" aria-labelledby="{heading_id}">',
        f'<h3 id="{heading_id}">{title}</h3>',
    ]
    parts += [_block_html(b) for b in blocks if b is not (spoken[0] if spoken else None)]
    parts.append("</section>")
    return "\n".join(parts)


def transcript_html(timeline: Timeline) -> str:
    marks = dict(enumerate(timeline.chapters))
    return "\n".join(
        _chapter_html(index, marks.get(index), blocks)
        for index, blocks in chapter_blocks(timeline)
        if blocks or index in marks
    )


def chapter_nav(timeline: Timeline) -> str:
    items = "\n".join(
        f'<li><a class="chapter-link" href="{seek_href(mark.start)}" '
        f'data-start="{_time_attr(mark.start)}"><span class="time">{clock(mark.start)}</span> '
        f'<span class="title">{esc(mark.title)}</span></a></li>'
        for mark in sorted(timeline.chapters, key=lambda m: m.start)
    )
    return (
        '<nav class="chapters" aria-labelledby="chapters-heading">\n'
        '<h2 id="chapters-heading">Chapters</h2>\n'
        f"<ol>\n{items}\n</ol>\n</nav>"
    )


def downloads(episode: BuiltEpisode) -> str:
    files = episode.files
    links = [
        (files.mp3, f"Episode audio (MP3, {megabytes(episode.mp3_bytes)})"),
        (files.vtt, "Captions (WebVTT)"),
        (files.srt, "Subtitles (SRT)"),
        (files.txt, "Transcript (plain text)"),
        (files.json, "Transcript (Podcasting 2.0 JSON)"),
        (files.chapters_json, "Chapters (JSON)"),
    ]
    items = "\n".join(
        f'<li><a href="{esc(path.name)}" download>{label}</a></li>' for path, label in links
    )
    return (
        '<section class="downloads" aria-labelledby="downloads-heading">\n'
        '<h2 id="downloads-heading">Downloads</h2>\n'
        f"<ul>\n{items}\n</ul>\n</section>"
    )


def _head(title: str, description: str, language: str, extra: str = "") -> str:
    return f"""<!doctype html>
<html lang="{esc(language)}" dir="{direction(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{esc(title)}</title>
<meta name="description" content="{esc(description)}">
<link rel="stylesheet" href="essaycast.css">
{extra}<script src="essaycast.js" defer></script>
</head>"""


def _footer(show: Show, links: str) -> str:
    rights = f"<p>{esc(show.copyright)}</p>\n" if show.copyright else ""
    return f'<footer class="site-footer">\n<p>{links}</p>\n{rights}</footer>'


def _credit(meta: EpisodeMeta) -> str:
    """The byline and the link to where the essay was first published, if known."""
    lines = [f'<p class="byline">by {esc(meta.author)}</p>\n'] if meta.author else []
    if meta.source_url:
        lines.append(
            f'<p class="source">First published at <a href="{esc(meta.source_url)}">'
            f"{esc(meta.source_url)}</a></p>\n"
        )
    return "".join(lines)


def render_episode_page(show: Show, episode: BuiltEpisode) -> str:
    meta, files, timeline = episode.meta, episode.files, episode.timeline
    feed_link = (
        f'<link rel="alternate" type="application/rss+xml" title="{esc(show.title)}" '
        'href="../../feed/feed.xml">\n'
    )
    head = _head(f"{meta.title} — {show.title}", meta.summary, meta.language, feed_link)
    facts = (
        f'Episode {meta.number} · <time datetime="{meta.date.isoformat()}">'
        f"{long_date(meta.date)}</time> · {spoken_length(timeline.duration)}"
    )
    return f"""{head}
<body class="episode-page">
<a class="skip-link" href="#transcript">Skip to transcript</a>
<header class="site-header">
<p class="show-name"><a href="../../feed/">{esc(show.title)}</a></p>
<h1>{esc(meta.title)}</h1>
{_credit(meta)}<p class="facts">{facts}</p>
</header>
<main>
<p class="summary">{esc(meta.summary)}</p>
<section class="player" aria-labelledby="listen-heading">
<h2 id="listen-heading">Listen</h2>
<audio id="player" controls preload="metadata">
<source src="{esc(files.mp3.name)}" type="audio/mpeg">
<track kind="captions" src="{esc(files.vtt.name)}" srclang="{esc(meta.language)}" \
label="{esc(language_name(meta.language))}" default>
<p>Your browser cannot play this audio: <a href="{esc(files.mp3.name)}">download the MP3</a>.</p>
</audio>
<p class="follow" hidden><label><input type="checkbox" id="follow-along"> \
Scroll the transcript along with the audio</label></p>
</section>
{chapter_nav(timeline)}
{downloads(episode)}
<section id="transcript" class="transcript" aria-labelledby="transcript-heading" tabindex="-1">
<h2 id="transcript-heading">Transcript</h2>
<p class="transcript-note">Word for word what the audio says. Select a time to play from there.</p>
{transcript_html(timeline)}
</section>
</main>
{
        _footer(
            show,
            f'<a href="../../feed/">All episodes of {esc(show.title)}</a> · '
            '<a href="../../feed/feed.xml">RSS feed</a>',
        )
    }
</body>
</html>
"""


def _episode_item(episode: BuiltEpisode) -> str:
    meta = episode.meta
    heading_id = f"episode-{esc(meta.slug)}"
    return f"""<li>
<article aria-labelledby="{heading_id}">
<h3 id="{heading_id}"><a href="../episodes/{esc(meta.slug)}/">{esc(meta.title)}</a></h3>
<p class="facts">Episode {meta.number} · <time datetime="{meta.date.isoformat()}">\
{long_date(meta.date)}</time> · {spoken_length(episode.timeline.duration)}</p>
<p>{esc(meta.summary)}</p>
</article>
</li>"""


def newest_first(episodes: Iterable[BuiltEpisode]) -> list[BuiltEpisode]:
    return sorted(episodes, key=lambda e: (e.meta.date, e.meta.number), reverse=True)


def render_show_page(show: Show, episodes: Sequence[BuiltEpisode], feed_url: str) -> str:
    items = "\n".join(_episode_item(e) for e in newest_first(episodes))
    listing = f'<ul class="episode-list">\n{items}\n</ul>' if items else "<p>No episodes yet.</p>"
    feed_link = (
        f'<link rel="alternate" type="application/rss+xml" title="{esc(show.title)}" '
        'href="feed.xml">\n'
    )
    return f"""{_head(show.title, show.description, show.language, feed_link)}
<body class="show-page">
<a class="skip-link" href="#episodes">Skip to episodes</a>
<header class="site-header show-header">
<img class="artwork" src="artwork.jpg" alt="Cover art of {esc(show.title)}">
<div>
<h1>{esc(show.title)}</h1>
<p class="facts">By {esc(show.author)}</p>
<p class="summary">{esc(show.description)}</p>
</div>
</header>
<main>
<section class="subscribe" aria-labelledby="subscribe-heading">
<h2 id="subscribe-heading">Subscribe</h2>
<p>Add this feed address to your podcast app (look for “Add a show by URL”).</p>
<div class="feed-url">
<label for="feed-url">Feed URL</label>
<input id="feed-url" type="text" readonly value="{esc(feed_url)}" spellcheck="false" \
autocomplete="off">
<button type="button" id="copy-feed" hidden>Copy feed URL</button>
</div>
<p id="copy-status" class="copy-status" role="status"></p>
<p><a href="feed.xml">Open the RSS feed</a></p>
</section>
<section id="episodes" aria-labelledby="episodes-heading" tabindex="-1">
<h2 id="episodes-heading">Episodes</h2>
{listing}
</section>
</main>
{_footer(show, '<a href="feed.xml">RSS feed</a>')}
</body>
</html>
"""


def write_assets(folder: Path) -> None:
    """Copy the page's stylesheet and script next to it (pages link them relatively)."""
    for name in ASSETS:
        data = resources.files("pipeline").joinpath("assets", name).read_bytes()
        atomic.write_bytes(folder / name, data)


def write_episode_page(show: Show, episode: BuiltEpisode) -> None:
    """Write episodes/<slug>/index.html and its assets."""
    write_assets(episode.files.folder)
    atomic.write_text(episode.files.page, render_episode_page(show, episode))


def write_show_page(
    show: Show, episodes: Sequence[BuiltEpisode], feed_dir: Path, feed_url: str
) -> None:
    """Write feed/index.html (beside feed.xml and artwork.jpg) and its assets."""
    write_assets(feed_dir)
    atomic.write_text(feed_dir / "index.html", render_show_page(show, episodes, feed_url))
