"""scripts/.followed.json: which post became which script, and what each feed said last.

It lives beside the scripts and is committed with them, so a fresh clone imports nothing
twice. Every change is written at once (to a temporary file, then renamed), so a run
killed at any point leaves a record that the next run completes:

* a post is recorded ``pending`` with the script it will become *before* the script is
  written, then ``done`` with a digest of the bytes written; a pending post whose script
  exists is finished, not imported a second time;
* a feed's ETag and Last-Modified are kept only once every post it listed was dealt with,
  so a 304 never hides a post that a killed run left unimported;
* ``build_pending`` stays set from the first import until a build (and a publish, when
  ``[publish]`` is set) has finished, so the next run builds even when nothing is new.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core import atomic
from pipeline.core.errors import ScriptError

FILE_NAME = ".followed.json"
VERSION = 1


@dataclass
class PostRecord:
    feed: str
    url: str | None
    script: str  # the file name in scripts/
    # "pending" until the script is written, then "done"; "held": a script that was in
    # scripts/ already holds the post, and is the producer's, never rewritten;
    # "unreadable": nothing in it to narrate, tried again only once the post is edited
    state: str = "pending"
    written: str | None = None  # sha256 of the script as written: differs once hand-edited
    updated: str | None = None  # the feed's date for the post when it was imported
    text: str | None = None  # sha256 of the feed's text of the post, when it gave one


@dataclass
class FeedRecord:
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Followed:
    path: Path
    posts: dict[str, PostRecord] = field(default_factory=dict)  # post id -> record
    feeds: dict[str, FeedRecord] = field(default_factory=dict)
    build_pending: bool = False

    @classmethod
    def load(cls, scripts: Path) -> Followed:
        path = scripts / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            posts = {key: PostRecord(**value) for key, value in data["posts"].items()}
            feeds = {key: FeedRecord(**value) for key, value in data["feeds"].items()}
            return cls(path, posts, feeds, bool(data.get("build_pending")))
        except FileNotFoundError:
            return cls(path)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ScriptError(
                f"cannot read it ({error}); restore it from version control", path
            ) from None

    def save(self) -> None:
        data: dict[str, Any] = {
            "version": VERSION,
            "build_pending": self.build_pending,
            "feeds": {key: asdict(value) for key, value in sorted(self.feeds.items())},
            "posts": {key: asdict(value) for key, value in sorted(self.posts.items())},
        }
        atomic.write_text(self.path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")

    def find(self, post_id: str, url: str | None) -> tuple[str, PostRecord] | None:
        """The record of a post: by its id, else by its canonical URL."""
        if post_id in self.posts:
            return post_id, self.posts[post_id]
        for key, record in self.posts.items():
            if url and record.url == url:
                return key, record
        return None


def digest(data: bytes | str) -> str:
    """
    >>> digest("a")[:12]
    'ca978112ca1b'
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()
