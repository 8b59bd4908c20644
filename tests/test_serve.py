"""The preview server, over real HTTP on 127.0.0.1: types, HEAD, ranges, CORS, confinement."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.delivery.serve import make_server

AUDIO = bytes(range(256)) * 40  # 10 240 bytes, every offset distinguishable
SECRET = "do-not-serve-this"
FEED = (
    '<rss xmlns:atom="http://www.w3.org/2005/Atom"><channel><link>http://127.0.0.1/feed/</link>'
    '<atom:link rel="self" href="http://127.0.0.1/feed/feed.xml"/><item>'
    '<enclosure url="http://127.0.0.1/episodes/001-a/001-a.mp3"/></item></channel></rss>'
)
SHOW_PAGE = (
    '<link rel="stylesheet" href="style.css"><script src="player.js"></script>'
    '<img src="artwork.jpg"><p>show page</p><a href="../episodes/001-a/">A</a>'
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("serve")
    outside = base / "outside.txt"
    outside.write_text(SECRET)
    root = base / "site"
    episode = root / "episodes" / "001-a"
    episode.mkdir(parents=True)
    (root / "feed").mkdir()
    (root / "scripts").mkdir()
    (root / ".cache").mkdir()
    (root / "pyproject.toml").write_text(SECRET)
    (root / "scripts" / "x.txt").write_text(SECRET)
    (root / ".cache" / "secret").write_text(SECRET)
    (episode / "001-a.mp3").write_bytes(AUDIO)
    (episode / "001-a.vtt").write_text("WEBVTT\n")
    (episode / "001-a.srt").write_text("1\n")
    (episode / "001-a.json").write_text("{}")
    (episode / "001-a.txt").write_text("text")
    (episode / "chapters.json").write_text('{"chapters": []}')
    (episode / "index.html").write_text("<p>episode page</p>")
    (episode / ".build.json").write_text(SECRET)
    (episode / "leak.txt").symlink_to(root / "scripts" / "x.txt")
    (episode / "far.txt").symlink_to(outside)
    (episode / "scripts").symlink_to(root / "scripts", target_is_directory=True)
    (root / "episodes" / "002-empty").mkdir()
    (root / "feed" / "feed.xml").write_text(FEED)
    (root / "feed" / "index.html").write_text(SHOW_PAGE)
    # The producer's own files in feed/, which show.toml does not name: not the site.
    (root / "feed" / "notes.txt").write_text(SECRET)
    (root / "feed" / "draft.mp3").write_text(SECRET)
    (root / "feed" / "old-page.html").write_text(SECRET)
    (root / "feed" / "artwork.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "feed" / "style.css").write_text("body{}")
    (root / "feed" / "player.js").write_text("1;")
    return root


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[tuple[str, int]]:
    httpd = make_server(root, port=0, quiet=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def request(
    server: tuple[str, int], path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    """Send the path exactly as written (no client-side normalisation of '..')."""
    connection = http.client.HTTPConnection(*server, timeout=5)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/episodes/001-a/001-a.mp3", "audio/mpeg"),
        ("/episodes/001-a/001-a.vtt", "text/vtt; charset=utf-8"),
        ("/episodes/001-a/001-a.srt", "application/x-subrip; charset=utf-8"),
        ("/episodes/001-a/001-a.json", "application/json"),
        ("/episodes/001-a/chapters.json", "application/json+chapters"),
        ("/episodes/001-a/001-a.txt", "text/plain; charset=utf-8"),
        ("/episodes/001-a/", "text/html; charset=utf-8"),
        ("/feed/feed.xml", "application/rss+xml; charset=utf-8"),
        ("/feed/", "text/html; charset=utf-8"),
        ("/feed/artwork.jpg", "image/jpeg"),
        ("/feed/style.css", "text/css; charset=utf-8"),
        ("/feed/player.js", "application/javascript; charset=utf-8"),
    ],
)
def test_content_types(server: tuple[str, int], root: Path, path: str, content_type: str) -> None:
    response, body = request(server, path)
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Accept-Ranges"] == "bytes"
    local = root / path.lstrip("/")
    assert body == (local / "index.html" if path.endswith("/") else local).read_bytes()
    assert response.headers["Content-Length"] == str(len(body))


@pytest.mark.parametrize(
    "path", ["/episodes/001-a/001-a.vtt", "/episodes/001-a/chapters.json", "/feed/feed.xml"]
)
def test_cors_on_transcripts_chapters_and_feed(server: tuple[str, int], path: str) -> None:
    response, _ = request(server, path)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_allows_range_requests(server: tuple[str, int]) -> None:
    response, body = request(server, "/episodes/001-a/001-a.mp3", "OPTIONS")
    assert response.status == 204 and body == b""
    assert "Range" in response.headers["Access-Control-Allow-Headers"]


def test_head_sends_headers_only(server: tuple[str, int]) -> None:
    response, body = request(server, "/episodes/001-a/001-a.mp3", "HEAD")
    assert response.status == 200 and body == b""
    assert response.headers["Content-Length"] == str(len(AUDIO))
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert response.headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-1000", 1000, 1000),
        ("bytes=10000-", 10000, len(AUDIO) - 1),
        ("bytes=-240", len(AUDIO) - 240, len(AUDIO) - 1),
        ("bytes=10200-99999", 10200, len(AUDIO) - 1),
        ("bytes=-99999", 0, len(AUDIO) - 1),
    ],
)
def test_single_byte_ranges(server: tuple[str, int], header: str, start: int, end: int) -> None:
    response, body = request(server, "/episodes/001-a/001-a.mp3", headers={"Range": header})
    assert response.status == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(AUDIO)}"
    assert response.headers["Content-Length"] == str(end - start + 1)
    assert body == AUDIO[start : end + 1]


def test_range_on_head(server: tuple[str, int]) -> None:
    headers = {"Range": "bytes=5-9"}
    response, body = request(server, "/episodes/001-a/001-a.mp3", "HEAD", headers)
    assert response.status == 206 and body == b""
    assert response.headers["Content-Range"] == f"bytes 5-9/{len(AUDIO)}"


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_unsatisfiable_range_is_416(server: tuple[str, int], header: str) -> None:
    response, body = request(server, "/episodes/001-a/001-a.mp3", headers={"Range": header})
    assert response.status == 416 and body == b""
    assert response.headers["Content-Range"] == f"bytes */{len(AUDIO)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-1", "bytes=9-2", "bytes=-"])
def test_ranges_this_server_does_not_do_get_the_whole_file(
    server: tuple[str, int], header: str
) -> None:
    response, body = request(server, "/episodes/001-a/001-a.mp3", headers={"Range": header})
    assert response.status == 200 and body == AUDIO


def test_root_redirects_to_the_show_page(server: tuple[str, int]) -> None:
    response, _ = request(server, "/")
    assert response.status == 301 and response.headers["Location"] == "/feed/"


def test_a_folder_without_its_slash_is_redirected(server: tuple[str, int]) -> None:
    response, _ = request(server, "/episodes/001-a?x=1")
    assert response.status == 301 and response.headers["Location"] == "/episodes/001-a/"


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/feed/../pyproject.toml",
        "/feed/%2E%2E/pyproject.toml",
        "/episodes/%2e%2e/scripts/x.txt",
        "/episodes/..%2fscripts/x.txt",
        "/episodes/001-a/..%2F..%2Fpyproject.toml",
        "/feed/..%5cpyproject.toml",
        "/feed/..\\pyproject.toml",
        "/episodes/001-a/leak.txt",
        "/episodes/001-a/far.txt",
        "/episodes/001-a/scripts/x.txt",
        "/episodes/001-a/.build.json",
        "/pyproject.toml",
        "/scripts/x.txt",
        "/.cache/secret",
        "/%2e%2e%2fpyproject.toml",
        "/feed/%00",
        "/episodes/002-empty/",
        "/feed/notes.txt",
        "/feed/draft.mp3",
        "/feed/old-page.html",
        "/episodes/missing.mp3",
        "//etc/passwd",
    ],
)
def test_nothing_outside_episodes_and_feed_is_served(server: tuple[str, int], path: str) -> None:
    response, body = request(server, path)
    assert response.status in (403, 404), (path, response.status)
    assert SECRET.encode() not in body


def test_it_binds_loopback_by_default(root: Path) -> None:
    httpd = make_server(root, port=0, quiet=True)
    try:
        assert httpd.server_address[0] == "127.0.0.1"
    finally:
        httpd.server_close()


def test_requests_are_logged_unless_quiet(root: Path, capfd: pytest.CaptureFixture[str]) -> None:
    for quiet in (False, True):
        httpd = make_server(root, port=0, quiet=quiet)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            request(("127.0.0.1", httpd.server_address[1]), "/feed/feed.xml")
        finally:
            httpd.shutdown()
            httpd.server_close()
        logged = capfd.readouterr().err
        assert ("GET /feed/feed.xml" in logged) is not quiet


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_its_url_and_stops_cleanly_on_ctrl_c_and_sigterm(
    root: Path, stop: signal.Signals
) -> None:
    code = "import sys; from pathlib import Path; from pipeline.delivery.serve import serve; "
    code += "serve(Path(sys.argv[1]), '127.0.0.1', 0)"
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # The default Ctrl-C, even when the tests were started with SIGINT ignored
        # (`nohup make test &`), which a child would otherwise inherit.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Serving ") and "http://127.0.0.1:" in line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        response, body = request(("127.0.0.1", port), "/feed/feed.xml")
        assert response.status == 200 and body == FEED.encode()
        process.send_signal(stop)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None and "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
