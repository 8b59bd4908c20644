"""A small blog host on 127.0.0.1 for the following tests: feeds and pages shaped like
WordPress, Ghost, Substack and Medium serve them, with ETag/Last-Modified and 304s,
redirects, busy answers with Retry-After, failures, slow answers and robots.txt.

Every request is recorded (path and headers), and so is the most requests in flight at
once per host, so a test can check what was sent and how politely.

The essays are written for these tests.
"""

from __future__ import annotations

import contextlib
import html
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ESSAYS = {
    "quiet-rooms": (
        "The Case for Quiet Rooms",
        [
            "Every office I have worked in had a room nobody booked. It was too small for a "
            "meeting and too bare for a party, so it sat empty while the open floor hummed.",
            "I started taking my hardest letters there. Nothing in the room asked for "
            "anything, and after ten minutes the sentence I had been circling for a week "
            "would simply arrive, plain and finished.",
            "Quiet is not the absence of work. It is the room in which the work can be heard, "
            "and a building that has no such room is telling its people something.",
        ],
    ),
    "borrowed-ladders": (
        "On Borrowed Ladders",
        [
            "My neighbour lends his ladder to the whole street. It comes back with paint on "
            "the rungs and once with a missing foot, and he never seems to mind.",
            "When I asked him why, he said a ladder in a garage is only a plan. A ladder on "
            "someone's wall is a gutter cleared, a cat rescued, a window finally washed.",
            "I think about that whenever I hoard a skill. Knowledge kept in the garage "
            "rusts, while knowledge lent out comes home a little scuffed and a lot more useful.",
        ],
    ),
    "night-trains": (
        "What Night Trains Teach",
        [
            "A night train gives you a bed, a small window and a promise that you will wake "
            "somewhere else. Between the two there is nothing to do but be carried.",
            "We rarely allow ourselves to be carried. We optimise the route, the seat and the "
            "connection, and we arrive tired from having steered every mile.",
            "On the sleeper to the coast I read half a novel, slept badly and woke to "
            "gulls. It was the most rested I had been in a year, and I had decided nothing.",
        ],
    ),
    "small-gardens": (
        "Small Gardens, Long Seasons",
        [
            "A balcony garden teaches patience faster than a field. There is nowhere to hide "
            "a failed tomato, and every leaf is a daily report on your care.",
            "My first summer I overwatered everything. The basil drowned, the mint survived "
            "out of spite, and the chillies waited until October to ripen all at once.",
            "The lesson was not about plants. It was that small spaces magnify attention, "
            "and attention, more than soil or sun, is what makes anything grow.",
        ],
    ),
    "letters-unsent": (
        "Letters I Never Sent",
        [
            "In a drawer at my parents' house there is a stack of letters I wrote at sixteen "
            "and never posted. They are furious, tender and badly spelled.",
            "Reading them now, I am glad they stayed in the drawer. Not because they were "
            "wrong, but because writing them was the whole point; sending them would have "
            "turned a private reckoning into a public argument.",
            "Some sentences are for the page alone. Learning which ones took me twenty years "
            "and a great deal of unsent paper.",
        ],
    ),
    "repair-cafe": (
        "An Evening at the Repair Cafe",
        [
            "On the first Tuesday of the month the library fills with broken toasters, torn "
            "coats and lamps that flicker. Volunteers with screwdrivers sit behind the tables.",
            "Nobody is paid and nothing is sold. A retired engineer fixed my radio in twenty "
            "minutes and then spent another twenty showing me how he had done it.",
            "I left with a working radio and a small, stubborn pride. Things can be mended, "
            "and so, it turns out, can the habit of throwing them away.",
        ],
    ),
}
DATES = {  # oldest first
    "quiet-rooms": "2025-01-06T09:00:00+00:00",
    "borrowed-ladders": "2025-02-03T09:00:00+00:00",
    "night-trains": "2025-03-03T09:00:00+00:00",
    "small-gardens": "2025-04-07T09:00:00+00:00",
    "letters-unsent": "2025-05-05T09:00:00+00:00",
    "repair-cafe": "2025-06-02T09:00:00+00:00",
}
AUTHOR = "Maren Holt"


@dataclass
class Route:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    busy: int = 0  # answer 429 this many times first
    retry_after: str = "1"


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class Site:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.base = ""

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: str | bytes, **options: Any) -> Route:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **options)
        return self.routes[path]

    def paths(self) -> list[str]:
        with self.lock:
            return [request.path for request in self.requests]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one request, counted in flight from its arrival until its answer is ready.

        The count drops before the answer's bytes are written, not after: once they are, the
        client may read them, start its next request and have it counted here before this
        thread runs again (under load, a polite client was seen at three at once).
        """
        with self.lock:
            self.requests.append(Request(handler.path, dict(handler.headers.items())))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            status, headers, body = self._answer(handler)
        finally:
            with self.lock:
                self.in_flight -= 1
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)

    def _answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, list[tuple[str, str]], bytes]:
        """The status, headers (all but Content-Length) and body of the answer."""
        route = self.routes.get(handler.path.split("?")[0])
        if route is None:
            return 404, [], b""
        if route.delay:
            time.sleep(route.delay)
        if route.busy:
            route.busy -= 1
            return 429, [("Retry-After", route.retry_after)], b""
        tag, since = handler.headers.get("If-None-Match"), handler.headers.get("If-Modified-Since")
        fresh = (route.etag and tag == route.etag) or (
            not tag and route.last_modified and since == route.last_modified
        )
        headers = [("Content-Type", route.content_type)]
        if route.etag:
            headers.append(("ETag", route.etag))
        if route.last_modified:
            headers.append(("Last-Modified", route.last_modified))
        headers += list(route.headers.items())
        return (304, headers, b"") if fresh else (route.status, headers, route.body)


@contextlib.contextmanager
def serve(site: Site) -> Iterator[Site]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def paragraphs_html(slug: str, extra: str = "") -> str:
    _, paragraphs = ESSAYS[slug]
    return "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs) + extra


def rfc822(iso: str) -> str:
    import datetime as dt

    return format_datetime(dt.datetime.fromisoformat(iso))


def wordpress_page(site: Site, slug: str, title: str | None = None) -> str:
    """A WordPress single post: header, nav, entry-content, share bar, comments."""
    title = title or ESSAYS[slug][0]
    url = site.url(f"/{DATES[slug][:4]}/{DATES[slug][5:7]}/{slug}/")
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>{html.escape(title)} &#8211; Holt Notes</title>
<link rel="canonical" href="{url}">
<link rel="alternate" type="application/rss+xml" title="Holt Notes &raquo; Feed" href="/feed/">
<meta property="og:type" content="article">
<meta property="og:title" content="{html.escape(title)}">
<meta property="article:published_time" content="{DATES[slug]}">
<meta name="author" content="{AUTHOR}">
</head><body class="post-template-default single single-post">
<header id="masthead" class="site-header"><p class="site-title"><a href="/">Holt Notes</a></p>
<nav class="main-navigation"><ul><li><a href="/">Home</a></li><li><a href="/about/">About</a>
</li></ul></nav>
</header>
<main id="main"><article class="post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">{html.escape(title)}</h1>
<div class="entry-meta">Posted on
<time datetime="{DATES[slug]}">{DATES[slug][:10]}</time> by {AUTHOR}</div>
</header>
<div class="entry-content">
{paragraphs_html(slug)}
</div>
<div class="sharedaddy"><h3>Share this:</h3><ul><li><a href="#">Facebook</a></li><li>
<a href="#">Email</a></li></ul></div>
</article>
<div id="comments" class="comments-area">
<h2 class="comments-title">2 thoughts on &ldquo;{html.escape(title)}&rdquo;</h2>
<ol class="comment-list"><li>Lovely piece. Reply</li></ol>
<div id="respond"><h3>Leave a Reply</h3><form><textarea></textarea></form></div></div>
</main><footer class="site-footer">Proudly powered by WordPress</footer></body></html>
"""


def home_page(site: Site) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Holt Notes</title>
<meta property="og:type" content="website">
<link rel="alternate" type="application/rss+xml" title="Holt Notes &raquo; Feed"
 href="{site.url("/feed/")}">
</head><body><h1>Holt Notes</h1><ul><li>
<a href="/2025/01/quiet-rooms/">The Case for Quiet Rooms</a></li></ul></body></html>
"""


def rss_item(
    site: Site,
    slug: str,
    shape: str,
    *,
    full: bool = True,
    title: str | None = None,
    text: str | None = None,
    updated: str | None = None,
) -> str:
    """One RSS item the way a platform writes it."""
    title = html.escape(title or ESSAYS[slug][0])
    link = site.url(f"/{DATES[slug][:4]}/{DATES[slug][5:7]}/{slug}/")
    number = list(ESSAYS).index(slug)
    guid = {
        "wordpress": f'<guid isPermaLink="false">{site.url("/?p=")}{100 + number * 7}</guid>',
        "ghost": f'<guid isPermaLink="false">65a{number:03d}{slug[:4].encode().hex()}</guid>',
        "substack": f'<guid isPermaLink="false">{link}</guid>',
        "medium": f'<guid isPermaLink="false">https://medium.com/p/{slug[:6].encode().hex()}</guid>',
    }[shape]
    if shape == "medium":
        link += "?source=rss-abc123------2"
    body = text if text is not None else paragraphs_html(slug)
    first = ESSAYS[slug][1][0]
    excerpt = html.escape(" ".join(first.split()[:25])) + " [&#8230;]"
    content = f"<content:encoded><![CDATA[{body}]]></content:encoded>" if full else ""
    stamp = f"<atom:updated>{updated}</atom:updated>" if updated else ""
    return f"""<item><title>{title}</title><link>{link}</link>{guid}
<dc:creator><![CDATA[{AUTHOR}]]></dc:creator><pubDate>{rfc822(DATES[slug])}</pubDate>{stamp}
<category><![CDATA[Essays]]></category>
<description><![CDATA[{excerpt}]]></description>{content}</item>
"""


def rss(site: Site, items: list[str], title: str = "Holt Notes") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>{title}</title><link>{site.url("/")}</link><description>Essays</description>
{"".join(reversed(items))}</channel></rss>
"""


def atom(site: Site, slugs: list[str]) -> str:
    entries = "".join(
        f"""<entry><title>{html.escape(ESSAYS[s][0])}</title>
<id>tag:holt.example,2025:{s}</id><link rel="alternate" href="{site.url("/ghost/" + s + "/")}"/>
<published>{DATES[s]}</published><updated>{DATES[s]}</updated><author><name>{AUTHOR}</name></author>
<content type="html">{html.escape(paragraphs_html(s))}</content></entry>"""
        for s in reversed(slugs)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Holt Notes</title>
<id>tag:holt.example,2025:feed</id>
<updated>2025-06-02T09:00:00Z</updated>{entries}</feed>
"""


def json_feed(site: Site, slugs: list[str]) -> str:
    import json

    items = [
        {
            "id": f"{site.url('/j/')}{s}",
            "url": site.url(f"/j/{s}/"),
            "title": ESSAYS[s][0],
            "content_html": paragraphs_html(s),
            "date_published": DATES[s],
            "authors": [{"name": AUTHOR}],
            "tags": ["Essays"],
        }
        for s in reversed(slugs)
    ]
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "Holt Notes", "items": items}
    )
