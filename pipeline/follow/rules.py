"""``[[follow]]`` entries in feed/show.toml: which feeds `essaycast update` follows, and
which of their posts it takes.

    [[follow]]
    feed = "https://blog.example.com/feed/"
    include = { categories = ["Essays"], urls = ["https://blog.example.com/essays/*"] }
    exclude = { categories = ["Link roundup"], urls = ["*/sponsored/*"] }
    since = 2025-01-01     # posts published before this day are left alone
    limit = 10             # at most this many new posts a run; the rest wait for the next

A post is taken when ``include`` is empty or it matches one of its categories (letter case
aside) or URL patterns (``*`` matches anything), and it matches nothing in ``exclude``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core import atomic
from pipeline.core.errors import ConfigError
from pipeline.follow.feeds import Post

KEYS = ("feed", "include", "exclude", "since", "limit")
FILTER_KEYS = ("categories", "urls")


@dataclass(frozen=True)
class Filter:
    categories: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.categories or self.urls)

    def matches(self, post: Post) -> bool:
        """
        >>> post = Post("1", "https://b/essays/x", "T", None, None, None, ("Essays",), None,
        ...             None, "x")
        >>> Filter(("essays",)).matches(post), Filter(urls=("*/links/*",)).matches(post)
        (True, False)
        """
        wanted = {category.casefold() for category in self.categories}
        if wanted & {category.casefold() for category in post.categories}:
            return True
        return any(fnmatch.fnmatchcase(post.url or "", pattern) for pattern in self.urls)


@dataclass(frozen=True)
class Follow:
    feed: str
    include: Filter = Filter()
    exclude: Filter = Filter()
    since: dt.date | None = None
    limit: int | None = None

    def takes(self, post: Post) -> str | None:
        """None if the post is taken, else why not."""
        if self.include and not self.include.matches(post):
            return "matches no [[follow]] include"
        if self.exclude and self.exclude.matches(post):
            return "matches a [[follow]] exclude"
        if self.since and post.when and post.when.date() < self.since:
            return f"published before since = {self.since}"
        return None


def load_follows(show_toml: Path) -> list[Follow]:
    if not show_toml.exists():
        return []
    try:
        raw = tomllib.loads(show_toml.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", show_toml) from None
    entries = raw.get("follow", [])
    if not isinstance(entries, list):
        raise ConfigError("write each followed feed as a [[follow]] table", show_toml)
    return [_follow(entry, index, show_toml) for index, entry in enumerate(entries, 1)]


def _follow(entry: Any, index: int, path: Path) -> Follow:
    where = f"[[follow]] number {index}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table", path)
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where} has no setting '{unknown[0]}' (known: {', '.join(KEYS)})", path)
    feed = entry.get("feed")
    if not isinstance(feed, str) or not feed.startswith(("http://", "https://")):
        raise ConfigError(f'{where} needs feed = "https://..." (the feed\'s address)', path)
    since, limit = entry.get("since"), entry.get("limit")
    if since is not None and type(since) is not dt.date:
        raise ConfigError(f"{where}: since must be a date, YYYY-MM-DD (no quotes)", path)
    if limit is not None and (type(limit) is not int or limit < 1):
        raise ConfigError(f"{where}: limit must be a whole number of at least 1", path)
    return Follow(
        feed,
        _filter(entry.get("include"), f"{where} include", path),
        _filter(entry.get("exclude"), f"{where} exclude", path),
        since,
        limit,
    )


def _filter(value: Any, where: str, path: Path) -> Filter:
    if value is None:
        return Filter()
    if not isinstance(value, dict) or set(value) - set(FILTER_KEYS):
        raise ConfigError(f"{where} takes categories = [...] and urls = [...] only", path)
    lists = {key: value.get(key, []) for key in FILTER_KEYS}
    for key, items in lists.items():
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where}: {key} must be a list of text", path)
    return Filter(tuple(lists["categories"]), tuple(lists["urls"]))


def add_follow(show_toml: Path, feed: str) -> bool:
    """Append ``[[follow]] feed = ...`` to show.toml unless it follows that feed already;
    True if it was added. The rest of the file is left as the producer wrote it."""
    if any(follow.feed == feed for follow in load_follows(show_toml)):
        return False
    text = show_toml.read_text(encoding="utf-8") if show_toml.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    text += f"\n[[follow]]\nfeed = {json.dumps(feed)}\n"
    show_toml.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(show_toml, text)
    return True
