"""What a fetched answer is (a feed, a page, or neither), and a feed's posts.

RSS 2.0, RSS 1.0 and Atom are read by feedparser; JSON Feed (version 1 and 1.1) is plain
JSON and read here. A post's identity is the item's guid (RSS), id (Atom, JSON Feed), else
its link. Whether a feed carries a whole post or an excerpt is judged from its text: see
``whole_text``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.html

from pipeline.core.errors import FetchError

FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "application/xml",
    "text/xml",
}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
# A feed that ends its text like this gives an excerpt and a link, not the post.
TRUNCATED = re.compile(
    r"(?:…|\.\.\.|\[…\]|\[\.\.\.\]|read more|continue reading|keep reading|read the full|"
    r"read on|full (?:story|article|post)|subscribe to (?:read|continue))\W{0,12}$",
    re.IGNORECASE,
)
MIN_WHOLE_WORDS = 60  # fewer words than this in the feed is a teaser, whatever its ending
ARTICLE_TYPES = {"article", "blogposting", "newsarticle", "reportage", "report", "posting"}


@dataclass(frozen=True)
class Post:
    id: str
    url: str | None
    title: str | None
    published: dt.datetime | None
    updated: dt.datetime | None
    author: str | None
    categories: tuple[str, ...]
    content: str | None  # the feed's full HTML of the post, when it gives one
    summary: str | None
    content_field: str  # where ``content`` came from, to say so

    @property
    def when(self) -> dt.datetime | None:
        return self.published or self.updated


@dataclass(frozen=True)
class Feed:
    url: str
    title: str | None
    posts: tuple[Post, ...]  # oldest first, each id once


def kind_of(body: bytes, content_type: str) -> str:
    """ "feed", "html" or "" (neither), from the media type and, failing that, the bytes.

    >>> kind_of(b"<?xml version='1.0'?><rss version='2.0'>", "text/xml")
    'feed'
    >>> kind_of(b'{"version": "https://jsonfeed.org/version/1.1"}', "application/json")
    'feed'
    >>> kind_of(b"<!doctype html><html>", "text/plain"), kind_of(b"%PDF-1.7", "application/pdf")
    ('html', '')
    """
    head = body[:2048].lstrip().lower()
    if head.startswith(b"{") and b"jsonfeed.org/version" in body[:4096]:
        return "feed"
    if content_type in HTML_TYPES or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    xmlish = content_type in FEED_TYPES or content_type == "" or head.startswith(b"<?xml")
    if xmlish and re.search(rb"<(?:rss|feed|rdf:rdf)[\s>]", head):
        return "feed"
    return ""


def advertised_feeds(html: str, base: str) -> list[str]:
    """The feeds a page names in ``<link rel="alternate">``, absolute, in page order.

    >>> page = '<head><link rel="alternate" type="application/rss+xml" href="/feed/"></head>'
    >>> advertised_feeds(page, "https://blog.example/post/")
    ['https://blog.example/feed/']
    """
    tree = lxml.html.fromstring(html or "<html/>")
    found = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and href and kind in FEED_TYPES - {"text/xml", "application/xml"}:
            found.append(urljoin(base, href))
    return found


def is_article(html: str) -> bool:
    """Whether a page presents itself as one article (og:type, JSON-LD @type), not as the
    home page or an index of one.

    >>> is_article('<meta property="og:type" content="article"><p>x</p>')
    True
    >>> is_article('<script type="application/ld+json">{"@type": "BlogPosting"}</script>')
    True
    >>> is_article('<meta property="og:type" content="website"><p>x</p>')
    False
    """
    tree = lxml.html.fromstring(html or "<html/>")
    for meta in tree.iter("meta"):
        if (meta.get("property") or "").lower() == "og:type":
            return (meta.get("content") or "").strip().lower() in ARTICLE_TYPES
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json":
            found = re.findall(r'"@type"\s*:\s*"([^"]+)"', script.text or "")
            if any(kind.lower() in ARTICLE_TYPES for kind in found):
                return True
    return False


def parse_feed(body: bytes, url: str) -> Feed:
    """The posts of a feed, oldest first, each id once (the latest copy of a repeated one)."""
    if body.lstrip().startswith(b"{"):
        title, posts = _json_feed(body, url)
    else:
        parsed = feedparser.parse(body)
        if not parsed.get("version") and not parsed.entries:
            raise FetchError("not an RSS, Atom or JSON feed; feedparser cannot read it", url)
        field = (
            "Atom <content>"
            if parsed.get("version", "").startswith("atom")
            else ("content:encoded")
        )
        title = parsed.feed.get("title")
        posts = [_entry(entry, url, field) for entry in parsed.entries]
    latest: dict[str, Post] = {}
    order: list[str] = []
    for post in posts:
        if post.id not in latest:
            order.append(post.id)
        elif _stamp(post.updated) < _stamp(latest[post.id].updated):
            continue
        latest[post.id] = post
    unique = [latest[key] for key in order]
    # Feeds list newest first; posts without a date keep the feed's order, reversed.
    dated = sorted(enumerate(reversed(unique)), key=lambda pair: (_stamp(pair[1].when), pair[0]))
    return Feed(url, title, tuple(post for _, post in dated))


def whole_text(post: Post) -> tuple[bool, str]:
    """(whether the feed's text is the whole post, why), to say which was used.

    >>> teaser = "<p>" + "word " * 80 + "[…]</p>"
    >>> post = Post("1", None, "T", None, None, None, (), None, teaser, "content:encoded")
    >>> whole_text(post)
    (False, 'the feed gives an excerpt of 81 words, ending "[…]"')
    >>> whole_text(Post("1", None, "T", None, None, None, (), "<p>" + "word " * 90, None, "x"))
    (True, 'the feed carries the whole post in x (90 words)')
    """
    if not post.content:
        words = len(_text(post.summary or "").split())
        if not words:
            return False, "the feed gives no text of the post"
        ending = TRUNCATED.search(_text(post.summary or "").rstrip())
        tail = f', ending "{ending.group(0).strip()}"' if ending else ""
        return False, f"the feed gives an excerpt of {words} words{tail}"
    text = _text(post.content)
    words = len(text.split())
    ending = TRUNCATED.search(text.rstrip())
    if ending:
        return False, f'the feed\'s text ends "{ending.group(0).strip()}": an excerpt'
    if words < MIN_WHOLE_WORDS:
        return False, f"the feed's text has only {words} words: an excerpt"
    return True, f"the feed carries the whole post in {post.content_field} ({words} words)"


def _text(html: str) -> str:
    if not html.strip():
        return ""
    try:
        return str(lxml.html.fromstring(html).text_content())
    except lxml.etree.ParserError:
        return html


def _stamp(when: dt.datetime | None) -> float:
    return when.timestamp() if when else float("-inf")


def _time(parsed: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC) if parsed else None


def _entry(entry: Any, feed_url: str, field: str) -> Post:
    link = entry.get("link")
    url = urljoin(feed_url, link) if link else None
    contents = [c for c in entry.get("content", []) if "html" in c.get("type", "text/html")]
    content = max((c.get("value", "") for c in contents), key=len, default="") or None
    summary = entry.get("summary")
    if content and summary and content.strip() == summary.strip() and field != "content:encoded":
        summary = None
    return Post(
        id=(entry.get("id") or url or entry.get("title") or "").strip(),
        url=url,
        title=entry.get("title"),
        published=_time(entry.get("published_parsed")),
        # dict.get: feedparser's own get falls back to the published date, with a warning
        updated=_time(dict.get(entry, "updated_parsed")),
        author=entry.get("author"),
        categories=tuple(t.get("term", "") for t in entry.get("tags", []) if t.get("term")),
        content=content,
        summary=summary,
        content_field=field,
    )


def _json_feed(body: bytes, url: str) -> tuple[str | None, list[Post]]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FetchError(f"not a JSON feed ({error})", url) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FetchError("a JSON feed needs an 'items' list", url)
    posts = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        names = [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]
        posts.append(
            Post(
                id=str(item.get("id") or link or ""),
                url=urljoin(url, link) if link else None,
                title=item.get("title"),
                published=_iso(item.get("date_published")),
                updated=_iso(item.get("date_modified")),
                author=", ".join(names) or None,
                categories=tuple(str(tag) for tag in item.get("tags") or []),
                content=item.get("content_html"),
                summary=item.get("summary") or item.get("content_text"),
                content_field="content_html",
            )
        )
    return data.get("title"), posts


def _iso(text: Any) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
    return when if when is None or when.tzinfo else when.replace(tzinfo=dt.UTC)
