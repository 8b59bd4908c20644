"""Test helpers: Debian's Chromium driven by Playwright, a local HTTP server, and axe-core.

    with serve(site_root) as base_url, chromium() as browser:
        page = browser.new_page()
        page.goto(base_url + "episodes/001-x/")
        assert axe_violations(page) == [], describe(axe_violations(page))

Nothing is downloaded: the browser is /usr/bin/chromium and axe-core is the copy bundled in
the axe_playwright_python package. Pages are served by the project's own preview server,
which answers HTTP Range requests, as Chromium needs before it lets a page seek <audio>.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
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


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve a project's episodes/ and feed/ with the real preview server (pipeline.delivery.serve:
    MIME types, byte ranges that Chromium needs to seek audio) on 127.0.0.1 at a free port.
    Yields the base URL, ending in '/'."""
    from pipeline.delivery.serve import make_server

    server = make_server(root, "127.0.0.1", 0, quiet=True)
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
