"""embed.html, the listen-to-this-article player: in a real <iframe> on a publisher's page
in headless Chromium, from the keyboard, with axe-core; and the snippet on the show page."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from browser import axe_violations, chromium, describe, serve
from test_page import FEED_URL, SHOW, build_episode
from test_transcripts import small_timeline

from pipeline.core.model import BuiltEpisode
from pipeline.release.page import write_show_page

SLUG = "004-quiet-rooms"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuiltEpisode]:
    root = tmp_path_factory.mktemp("embed")
    episode = build_episode(
        root, SLUG, "Quiet Rooms & <Doors>", dt.date(2025, 1, 6), small_timeline()
    )
    (root / "feed").mkdir()
    write_show_page(SHOW, [episode], root / "feed", FEED_URL)
    # the preview serves only the site the feed names: the episode, and the article page
    base = FEED_URL.rsplit("/feed/", 1)[0]
    (root / "feed" / "feed.xml").write_text(
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f'<atom:link rel="self" href="{FEED_URL}"/><link>{base}/feed/</link>'
        f'<atom:link rel="related" href="{base}/feed/article.html"/>'
        f'<item><enclosure url="{base}/episodes/{SLUG}/{SLUG}.mp3" length="1" '
        'type="audio/mpeg"/></item></channel></rss>\n',
        encoding="utf-8",
    )
    # a publisher's article page (beside the show page: the preview serves only the
    # site's folders), with the snippet the show page gives pasted in
    show_page = (root / "feed" / "index.html").read_text(encoding="utf-8")
    snippet = html.unescape(show_page.split("<pre><code>")[1].split("</code></pre>")[0])
    local = snippet.replace("http://127.0.0.1:8000/", "../")
    (root / "feed" / "article.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Quiet Rooms</title>"
        f"</head><body><main><h1>Quiet Rooms</h1>{local}<p>The article.</p></main></body></html>",
        encoding="utf-8",
    )
    return root, episode


def test_every_episode_gets_an_embed_and_the_show_page_gives_the_snippet(
    site: tuple[Path, BuiltEpisode],
) -> None:
    root, episode = site
    embed = (episode.files.folder / "embed.html").read_text(encoding="utf-8")
    assert '<source src="004-quiet-rooms.mp3" type="audio/mpeg">' in embed
    assert 'href="index.html#transcript"' in embed
    assert "Quiet Rooms &amp; &lt;Doors&gt;" in embed and "<Doors>" not in embed
    show_page = (root / "feed" / "index.html").read_text(encoding="utf-8")
    assert "Put a player on your own page" in show_page
    assert (
        "&lt;iframe src=&#34;http://127.0.0.1:8000/episodes/004-quiet-rooms/embed.html&#34;"
        in show_page
    )


@pytest.mark.browser
def test_the_embedded_player_is_accessible_and_works_from_the_keyboard(
    site: tuple[Path, BuiltEpisode],
) -> None:
    root, _ = site
    with serve(root) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 800, "height": 600})
        page.goto(base + "feed/article.html")
        frame_element = page.locator("iframe")
        frame = frame_element.content_frame
        frame.locator("#embed-speed").wait_for()
        # the frame reports its height and the page's snippet applies it
        page.wait_for_function(
            "() => document.querySelector('iframe').style.height !== '150px'", timeout=5000
        )
        inner = frame.locator("html").evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
        assert frame_element.evaluate("f => f.style.height") == f"{inner}px"
        assert (
            frame_element.get_attribute("title") == "Listen to this article: Quiet Rooms & <Doors>"
        )
        # keyboard: into the frame, the player, then the speed control, then the transcript
        embedded = browser.new_page()
        embedded.goto(base + f"episodes/{SLUG}/embed.html")
        embedded.keyboard.press("Tab")
        assert embedded.evaluate("document.activeElement.id") == "embed-audio"
        for _ in range(10):  # through the audio's own buttons (play, time, volume...)
            embedded.keyboard.press("Tab")
            if embedded.evaluate("document.activeElement.id") != "embed-audio":
                break
        assert embedded.evaluate("document.activeElement.id") == "embed-speed"
        embedded.keyboard.press("ArrowDown")
        embedded.keyboard.press("ArrowDown")
        assert embedded.evaluate("document.getElementById('embed-speed').value") == "1.5"
        assert embedded.evaluate("document.getElementById('embed-audio').playbackRate") == 1.5
        embedded.keyboard.press("Tab")
        assert embedded.evaluate("document.activeElement.getAttribute('href')") == (
            "index.html#transcript"
        )
        label = embedded.evaluate(
            "document.getElementById('embed-audio').getAttribute('aria-labelledby')"
        )
        assert embedded.locator(f"#{label}").inner_text().startswith("Listen to this article:")
        violations = axe_violations(embedded)
        assert violations == [], describe(violations)
        for scheme in ("dark", "light"):
            embedded.emulate_media(color_scheme=scheme)
            violations = axe_violations(embedded)
            assert violations == [], f"{scheme}: {describe(violations)}"
