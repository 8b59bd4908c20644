"""`make serve`: a local preview of the published site, behaving like a podcast host.

Only the published site is public (pipeline/delivery/site_files.py: the feed, the show page,
what they link to in feed/, and the episodes the feed lists): scripts, config, the cache, and
anything else a producer keeps in feed/ are not. Like
the hosts Apple requires, it answers HEAD and single byte-range requests (players seek with
them) and sends CORS headers so web players can fetch transcripts and chapters.
"""

from __future__ import annotations

import email.utils
import http
import os
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from pipeline.core.errors import PipelineError
from pipeline.delivery.site_files import (
    FEED_KEY,
    NAMED_KINDS,
    PRODUCER_ONLY,
    SUFFIX_KINDS,
    public_paths,
)

PUBLIC_FOLDERS = ("episodes", "feed")
HOME = "/feed/"
INDEX = "index.html"
CHUNK = 64 * 1024

# The same types the published site gets (pipeline/delivery/site_files.py); anything else is served
# as bytes to download, never sniffed.
CONTENT_TYPES: dict[str, str] = {
    suffix: kind.content_type for suffix, kind in SUFFIX_KINDS.items()
} | {".xml": NAMED_KINDS[FEED_KEY].content_type}
DEFAULT_TYPE = "application/octet-stream"

# Everything on the site is public, and web players fetch transcripts, chapters and the feed
# from other origins; so every response allows any origin.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges, ETag",
}

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content_type(path: Path) -> str:
    """
    >>> content_type(Path("a/feed.xml")), content_type(Path("x.VTT")), content_type(Path("x"))
    ('application/rss+xml; charset=utf-8', 'text/vtt; charset=utf-8', 'application/octet-stream')
    >>> content_type(Path("episodes/a/chapters.json")), content_type(Path("a.m4b"))
    ('application/json+chapters', 'audio/mp4')
    """
    named = NAMED_KINDS.get(path.name)
    return named.content_type if named else CONTENT_TYPES.get(path.suffix.lower(), DEFAULT_TYPE)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive byte span a single-range header asks for, or None when unsatisfiable.

    Raises ValueError for a header this server ignores (not one plain byte range); the whole
    file is then sent, as HTTP allows.

    >>> parse_range("bytes=0-99", 1000), parse_range("bytes=990-", 1000)
    ((0, 99), (990, 999))
    >>> parse_range("bytes=-10", 1000), parse_range("bytes=900-5000", 1000)
    ((990, 999), (900, 999))
    >>> parse_range("bytes=1000-", 1000) is None, parse_range("bytes=-0", 1000) is None
    (True, True)
    >>> parse_range("bytes=0-1,5-6", 1000)
    Traceback (most recent call last):
    ValueError: not a single byte range: 'bytes=0-1,5-6'
    """
    match = _RANGE.match(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        raise ValueError(f"not a single byte range: {header!r}")
    first, last = match.group(1), match.group(2)
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            return None
        return max(0, size - suffix), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if last != "" and int(last) < start:
        raise ValueError(f"range ends before it starts: {header!r}")
    if start >= size:
        return None
    return start, end


def resolve_public(root: Path, url_path: str) -> Path | None:
    """The file or folder under root/episodes or root/feed a URL path names, else None.

    Refuses "..", ".", hidden names, encoded slashes, NUL, and anything whose real path
    (after symlinks) leaves the public folder.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()).resolve()
    >>> (root / "feed").mkdir(); (root / "scripts").mkdir()
    >>> resolve_public(root, "/feed/") == root / "feed"
    True
    >>> [resolve_public(root, p) for p in ("/scripts/", "/feed/../scripts", "/feed/%2e%2e/x")]
    [None, None, None]
    """
    if re.search(r"%(2f|5c|00)", url_path, re.IGNORECASE):
        return None
    parts = [p for p in unquote(url_path).split("/") if p]
    if not parts or parts[0] not in PUBLIC_FOLDERS:
        return None
    if any(p in (".", "..") or p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    public = (root / parts[0]).resolve()
    try:
        target = root.joinpath(*parts).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    if target != public and not target.is_relative_to(public):
        return None
    try:
        return target if target.exists() else None
    except OSError:  # a name too long for the file system, say: no such file
        return None


def private_files(root: Path) -> frozenset[Path]:
    """The producer's inputs that live in feed/ beside the site: show.toml and the files it
    names (music, artwork sources). The build's own feed/artwork.jpg stays public."""
    from pipeline.settings.config import load_show

    show_toml = (root / "feed" / "show.toml").resolve()
    try:
        show = load_show(show_toml)
    except PipelineError:
        return frozenset({show_toml})
    named = (show.intro_music, show.outro_music, show.artwork)
    published = (root / "feed" / "artwork.jpg").resolve()
    return frozenset({show_toml} | {p.resolve() for p in named if p is not None} - {published})


class PublishedSite:
    """The files `publish` would upload, read again whenever the feed or show page changes
    (a rebuild while serving); before the first build, nothing."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._seen: tuple[object, ...] | None = None
        self._paths: frozenset[Path] = frozenset()
        self._lock = threading.Lock()

    def paths(self) -> frozenset[Path]:
        with self._lock:
            stamp = tuple(_stamp(self.root / name) for name in (FEED_KEY, "feed/" + INDEX))
            if stamp != self._seen:
                self._seen, self._paths = stamp, self._read()
            return self._paths

    def _read(self) -> frozenset[Path]:
        from pipeline.settings.config import load_show

        try:
            show = load_show(self.root / "feed" / "show.toml")
            return frozenset(p.resolve() for p in public_paths(self.root, show).values())
        except PipelineError:  # not built yet, or show.toml is broken: nothing is the site
            return frozenset()


def _stamp(path: Path) -> object:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def entity_tag(stat: os.stat_result) -> str:
    """A strong ETag: a rebuilt file is a new inode (written beside, then renamed in), so
    a client resuming a download across a rebuild is never sent a piece of the new file.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a").write_text("one"), (folder / "b").write_text("two")
    >>> old = entity_tag((folder / "a").stat())
    >>> _ = (folder / "b").replace(folder / "a")
    >>> old == entity_tag((folder / "a").stat()), old.startswith('"') and old.endswith('"')
    (False, True)
    """
    return f'"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}"'


class SiteHandler(BaseHTTPRequestHandler):
    """GET/HEAD/OPTIONS for the public folders of one site root."""

    server_version = "essaycast-preview"
    protocol_version = "HTTP/1.1"  # keep-alive: players send many range requests
    root: Path  # set by make_server on a subclass
    private: frozenset[Path] = frozenset()  # inputs in feed/ that are not the site
    site: PublishedSite  # what is public: the published site's files
    quiet: bool = False

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_OPTIONS(self) -> None:
        self.send_response(http.HTTPStatus.NO_CONTENT)
        self._send_common_headers()
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Range")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def _send_common_headers(self) -> None:
        for name, value in CORS_HEADERS.items():
            self.send_header(name, value)

    def _redirect(self, location: str) -> None:
        self.send_response(http.HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _serve(self, *, send_body: bool) -> None:
        url_path = urlsplit(self.path).path
        if url_path == "/":
            self._redirect(HOME)
            return
        target = resolve_public(self.root, url_path)
        if (
            target is None
            or target in self.private
            or target.suffix == ".toml"
            or target.name in PRODUCER_ONLY  # the producer's reports are not the site
        ):
            self.send_error(http.HTTPStatus.NOT_FOUND)
            return
        if target.is_dir():
            if not url_path.endswith("/"):
                self._redirect(url_path + "/")
                return
            target = target / INDEX
        if target not in self.site.paths():
            self.send_error(http.HTTPStatus.NOT_FOUND)
            return
        try:
            with open(target, "rb") as file:
                self._send_file(file, target, send_body=send_body)
        except IsADirectoryError:
            self.send_error(http.HTTPStatus.NOT_FOUND)
        except (BrokenPipeError, ConnectionResetError):
            # The player seeked or hung up mid-file; nothing left to answer.
            self.close_connection = True

    def _send_file(self, file: BinaryIO, path: Path, *, send_body: bool) -> None:
        stat = os.fstat(file.fileno())
        size = stat.st_size
        etag = entity_tag(stat)
        last_modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        start, end, status = 0, size - 1, http.HTTPStatus.OK
        if self.headers.get("If-None-Match") in (etag, "*"):
            self.send_response(http.HTTPStatus.NOT_MODIFIED)
            self._send_common_headers()
            self.send_header("ETag", etag)
            self.end_headers()
            return
        header = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if if_range is not None and if_range.strip() not in (etag, last_modified):
            header = None  # the file changed since the client's piece: send it whole (200)
        if header is not None:
            try:
                span = parse_range(header, size)
            except ValueError:
                span = (0, size - 1)  # ignored: the whole file, 200
            else:
                if span is None:
                    self.send_response(http.HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                    self._send_common_headers()
                    self.send_header("Accept-Ranges", "bytes")
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                start, end, status = span[0], span[1], http.HTTPStatus.PARTIAL_CONTENT
        length = max(0, end - start + 1)
        self.send_response(status)
        self._send_common_headers()
        self.send_header("Content-Type", content_type(path))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        self.send_header("Last-Modified", last_modified)
        self.send_header("ETag", etag)
        if status == http.HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if send_body and length:
            file.seek(start)
            _copy(file, self.wfile, length)


def _copy(source: BinaryIO, sink: Any, length: int) -> None:
    remaining = length
    while remaining:
        chunk = source.read(min(CHUNK, remaining))
        if not chunk:
            break
        sink.write(chunk)
        remaining -= len(chunk)


def make_server(
    root: Path, host: str = "127.0.0.1", port: int = 8000, *, quiet: bool = False
) -> ThreadingHTTPServer:
    """A server for root's episodes/ and feed/, bound but not yet serving (port 0: any free)."""
    root = Path(root).resolve()
    handler = type(
        "BoundSiteHandler",
        (SiteHandler,),
        {
            "root": root,
            "private": private_files(root),
            "site": PublishedSite(root),
            "quiet": quiet,
        },
    )
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OverflowError:
        raise PipelineError(f"cannot serve on port {port}: ports go from 1 to 65535") from None
    except OSError as exc:
        raise PipelineError(
            f"cannot serve on {host}:{port}: {exc.strerror}; choose another with --port"
        ) from None


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until Ctrl-C or SIGTERM (`kill`, a service manager), then close the socket and
    return."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    with make_server(root, host, port) as server:
        origin = f"http://{host}:{server.server_port}"
        print(f"Serving {root} at {origin}{HOME} (Ctrl-C to stop)")
        print(f"Feed: {origin}/feed/feed.xml", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("Stopped.", file=sys.stderr)
