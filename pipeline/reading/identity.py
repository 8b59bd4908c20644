"""One source, one episode: what makes two scripts the same essay.

Two scripts are the same essay when they name the same canonical URL (front matter
``source``, or the page's own), or when the words a listener would hear are the same
(a digest of the cleaned paragraphs' words, so a saved page and the Markdown that
`essaycast add` made of it match, whatever their markup). Text counts only from
``MIN_WORDS`` words on: two short notes ("Back next week.") may well be two episodes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.core.model import Script

WORD = re.compile(r"\w+")
MIN_WORDS = 30
TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|source)$")


@dataclass(frozen=True)
class Identity:
    url: str | None
    text: str | None  # None: too short to tell two essays apart by their words


def normal_url(url: str | None) -> str | None:
    """A URL as two copies of one page would both give it.

    >>> normal_url("HTTPS://Blog.Example/Post/?utm_source=x&id=3#comments")
    'https://blog.example/Post?id=3'
    >>> normal_url("http://blog.example/"), normal_url(None)
    ('http://blog.example/', None)
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def text_key(paragraphs: Iterable[str]) -> str:
    """A digest of the words, letter case and punctuation aside.

    >>> text_key(["Hello, *world*!"]) == text_key(["hello world"])
    True
    """
    words = " ".join(WORD.findall(" ".join(paragraphs).casefold()))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:24]


def identity(script: Script) -> Identity:
    from pipeline.text.clean import clean
    from pipeline.text.structure import structure

    paragraphs = [p for section in structure(clean(script)) for p in section.paragraphs]
    long_enough = len(WORD.findall(" ".join(paragraphs))) >= MIN_WORDS
    return Identity(
        normal_url(script.meta.source_url), text_key(paragraphs) if long_enough else None
    )


@dataclass
class Index:
    """Who holds which canonical URL and which text, among a folder's scripts."""

    by_url: dict[str, Path] = field(default_factory=dict)
    by_text: dict[str, Path] = field(default_factory=dict)

    def add(self, ident: Identity, path: Path) -> None:
        if ident.url:
            self.by_url.setdefault(ident.url, path)
        if ident.text:
            self.by_text.setdefault(ident.text, path)

    def holder(self, ident: Identity) -> tuple[Path, str] | None:
        """(the script that holds this essay already, how it was recognized), or None."""
        if ident.url and ident.url in self.by_url:
            return self.by_url[ident.url], f"the same canonical URL, {ident.url}"
        if ident.text and ident.text in self.by_text:
            return self.by_text[ident.text], "the same text"
        return None
