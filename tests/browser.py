"""Test helpers: Debian's Chromium driven by Playwright, a local HTTP server, and axe-core.

    with serve(site_root) as base_url, chromium() as browser:
        page = browser.new_page()
        page.goto(base_url + "episodes/001-x/")
        assert axe_violations(page) == [], describe(axe_violations(page))

Nothing is downloaded: the browser is /usr/bin/chromium and axe-core is the copy bundled in
the axe_playwright_python package.  The server answers HTTP Range requests, which Chromium
needs before it lets a page seek an <audio> element.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
MIME_TYPES = {
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".mp3": "audio/mpeg",
    ".json": "application/json",
    ".xml": "application/rss+xml",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".js": "text/javascript",
}
RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class RangeRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with single-range support (206 Partial Content), and no logging."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return MIME_TYPES.get(Path(path).suffix.lower()) or super().guess_type(path)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; failures show up as assertions instead

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def do_GET(self) -> None:
        wanted = RANGE.match(self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not wanted or not path.is_file():
            super().do_GET()
            return
        data = path.read_bytes()
        first = (
            int(wanted.group(1)) if wanted.group(1) else max(0, len(data) - int(wanted.group(2)))
        )
        last = int(wanted.group(2)) if wanted.group(1) and wanted.group(2) else len(data) - 1
        last = min(last, len(data) - 1)
        if first > last:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.end_headers()
            return
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {first}-{last}/{len(data)}")
        self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        self.wfile.write(data[first : last + 1])


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 at a free port; yields the base URL, ending in '/'."""
    handler = functools.partial(RangeRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium; never a browser Playwright would download."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@functools.cache
def axe_source() -> str:
    spec = importlib.util.find_spec("axe_playwright_python")
    assert spec is not None and spec.submodule_search_locations, "axe_playwright_python missing"
    folder = Path(next(iter(spec.submodule_search_locations)))
    return (folder / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page, tags: list[str] = AXE_TAGS) -> list[dict[str, Any]]:
    """Run axe-core on the loaded page with the given rule tags; returns its violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result: dict[str, Any] = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        tags,
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """One readable line per failing element, for assertion messages."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(
                f"{violation['id']} ({violation['impact']}): {target}: {node['html'][:120]}"
            )
    return "\n".join(lines)
