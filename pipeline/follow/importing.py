"""A fetched page, or a feed's full text of a post, -> a script, exactly as `essaycast add`
makes one from a saved copy: the bytes go through the same reading (pipeline.reading),
so the extraction, the inferred fields and the script's Markdown are the same.

What a fetch adds: ``source`` is the page's canonical URL, else the address it was
fetched from; a page that gives no date takes the feed's date for the post, not today's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.model import Script, Show
from pipeline.follow.feeds import Post
from pipeline.reading.add import script_text
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import narrate
from pipeline.reading.records import Records

TODAY_ORIGIN = "(from today"


@dataclass(frozen=True)
class Prepared:
    script: Script
    text: str  # the whole script file
    target: Path


def prepare(
    page: bytes, url: str, scripts: Path, show: Show, stem: str, when: dt.datetime | None
) -> Prepared:
    """The script a page makes, not yet written. ``stem`` names the page as if saved: an
    existing script's stem keeps its number and slug. ScriptError if nothing is narrated."""
    with tempfile.TemporaryDirectory(prefix="essaycast-page-") as folder:
        path = Path(folder) / f"{stem}.html"
        path.write_bytes(page)
        script = read_script(path, show, Records.load(scripts, persistent=False))
        narrate(script)  # a page with nothing to narrate is refused before anything is written
    script = with_fallbacks(script, url, when)
    text = script_text(script, show, origin=script.meta.source_url or url)
    return Prepared(script, text, scripts / f"{script.meta.slug}.md")


def with_fallbacks(script: Script, url: str, when: dt.datetime | None) -> Script:
    """The fetched address when the page names no canonical URL; the feed's date when the
    page gives none (instead of today's)."""
    meta, inferred = script.meta, list(script.inferred)
    if meta.source_url is None:
        meta = dataclasses.replace(meta, source_url=url)
        inferred.append(f"source: {url!r} (from the address it was fetched from)")
    today = [
        i for i, line in enumerate(inferred) if line.startswith("date:") and TODAY_ORIGIN in line
    ]
    if when is not None and today:
        meta = dataclasses.replace(meta, date=when.date())
        inferred[today[0]] = (
            f"date: {when.date().isoformat()!r} (from the feed's date for the post)"
        )
    return dataclasses.replace(script, meta=meta, inferred=tuple(inferred))


def post_page(post: Post, url: str) -> bytes:
    """The feed's full text of a post as a page, with what the feed says about it in the
    places a page says it, so it is read as any saved page is."""
    title = html.escape(post.title or "")
    head = [
        '<meta charset="utf-8">',
        f"<title>{title}</title>",
        f'<link rel="canonical" href="{html.escape(url)}">',
        '<meta property="og:type" content="article">',
    ]
    if post.author:
        head.append(f'<meta name="author" content="{html.escape(post.author)}">')
    if post.when:
        stamp = post.when.isoformat()
        head.append(f'<meta property="article:published_time" content="{stamp}">')
    body = f"<article><h1>{title}</h1>\n{post.content or ''}\n</article>"
    page = f"<!doctype html>\n<html><head>{''.join(head)}</head><body>{body}</body></html>\n"
    return page.encode("utf-8")


def stem_for(url: str | None) -> str:
    """A file name for a page, as a browser would save it; never one that reads as NNN-.

    >>> stem_for("https://b.example/2024/05/01/quiet-rooms/")
    'quiet-rooms'
    >>> stem_for("https://b.example/p/123-abc"), stem_for(None)
    ('abc', 'post')
    """
    last = (url or "").rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    last = re.sub(r"\.(?:html?|php|aspx?)$", "", last)
    last = re.sub(r"^[\d_-]+", "", re.sub(r"[^\w-]+", "-", last)).strip("-")
    return last[:60] or "post"
