"""The episode page and the show page: read back as HTML, then used in real headless Chromium.

The site is built once per module into a temporary folder laid out like the project
(episodes/<slug>/..., feed/...), with a real MP3 made by ffmpeg, and served over
http://127.0.0.1 by tests/browser.py's server (which supports the Range requests audio
seeking needs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from browser import axe_violations, chromium, describe, serve
from PIL import Image
from playwright.sync_api import Browser, Dialog, Page
from test_transcripts import (
    HOSTILE_TITLE,
    essay_timeline,
    meta_for,
    parse_vtt_strictly,
    small_timeline,
)

from pipeline.core import tools
from pipeline.core.model import BuiltEpisode, EpisodeFiles, Show
from pipeline.release.feed import write_feed
from pipeline.release.page import write_episode_page, write_show_page
from pipeline.release.transcripts import write_transcripts

SHOW = Show(
    title='Essaycast <script>alert("show")</script> & Co',
    author="Ana O'Neil & friends",
    description="Essays, read aloud. <img src=x onerror=alert(2)>",
    copyright="© 2024 Ana O'Neil",
)
FEED_URL = "http://127.0.0.1:8000/feed/feed.xml"
SLUG = "007-invisible-walls"


def make_mp3(path: Path, seconds: int) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    tools.ffmpeg(
        "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-ac", "1", "-ar", "44100", "-b:a", "96k", str(path),
    )  # fmt: skip
    return path.stat().st_size


def build_episode(root: Path, slug: str, title: str, date: dt.date, timeline: Any) -> BuiltEpisode:
    meta = dataclasses.replace(meta_for(slug, title), date=date)
    files = EpisodeFiles(root / "episodes" / slug)
    size = make_mp3(files.mp3, math.ceil(timeline.duration) + 1)
    write_transcripts(SHOW, meta, timeline, files)
    episode = BuiltEpisode(
        meta=meta,
        files=files,
        timeline=timeline,
        mp3_bytes=size,
        guid=f"urn:test:{slug}",
        chapter_titles=tuple(c.title for c in timeline.chapters),
    )
    write_episode_page(SHOW, episode)
    return episode


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[BuiltEpisode]]:
    root = tmp_path_factory.mktemp("site")
    episodes = [
        build_episode(root, SLUG, HOSTILE_TITLE, dt.date(2024, 5, 1), essay_timeline()),
        build_episode(root, "001-fish", "Fish & chips", dt.date(2024, 1, 9), small_timeline()),
        build_episode(
            root, "008-same-day", "Same day, later number", dt.date(2024, 5, 1), small_timeline()
        ),
    ]
    feed = root / "feed"
    feed.mkdir()
    Image.new("RGB", (1400, 1400), (40, 90, 140)).save(feed / "artwork.jpg", quality=80)
    # the real feed: the preview serves only the site a feed names
    write_feed(SHOW, episodes, FEED_URL.removesuffix("/feed/feed.xml"), feed / "feed.xml")
    write_show_page(SHOW, episodes, feed, FEED_URL)
    return root, episodes


# --- the HTML as written ------------------------------------------------------------------


class Collected(HTMLParser):
    """Every start tag with its attributes, the text of each sentence span, all text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sentences: list[tuple[float, float, str]] = []
        self.text: list[str] = []
        self._sentence: dict[str, str | None] | None = None
        self._sentence_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "span" and attributes.get("class") == "s":
            self._sentence, self._sentence_text = attributes, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._sentence is not None:
            start, end = self._sentence["data-start"], self._sentence["data-end"]
            assert start is not None and end is not None
            self.sentences.append((float(start), float(end), "".join(self._sentence_text)))
            self._sentence = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._sentence is not None:
            self._sentence_text.append(data)

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k.replace("_", "-")) == v for k, v in wanted.items())
        ]


def collect(path: Path) -> Collected:
    parsed = Collected()
    parsed.feed(path.read_text(encoding="utf-8"))
    parsed.close()
    return parsed


def test_episode_page_markup(site: tuple[Path, list[BuiltEpisode]]) -> None:
    _, episodes = site
    episode = episodes[0]
    page_html = episode.files.page.read_text(encoding="utf-8")
    parsed = collect(episode.files.page)
    assert parsed.find("html")[0] == {"lang": "en", "dir": "ltr"}
    title = re.search(r"<title>(.*?)</title>", page_html, re.S)
    assert title and html.unescape(title.group(1)) == f"{HOSTILE_TITLE} — {SHOW.title}"
    for landmark in ("header", "nav", "main", "footer"):
        assert parsed.find(landmark), landmark
    assert parsed.tags[parsed.tags.index(("body", {"class": "episode-page"})) + 1] == (
        "a",
        {"class": "skip-link", "href": "#transcript"},
    )
    assert parsed.find("audio") == [{"id": "player", "controls": None, "preload": "metadata"}]
    assert parsed.find("source") == [{"src": f"{SLUG}.mp3", "type": "audio/mpeg"}]
    assert parsed.find("track") == [
        {
            "kind": "captions",
            "src": f"{SLUG}.vtt",
            "srclang": "en",
            "label": "English",
            "default": None,
        }
    ]
    # Only our own script, from a file: hostile text never becomes a tag or an attribute.
    assert [attrs for name, attrs in parsed.tags if name == "script"] == [
        {"src": "essaycast.js", "defer": None}
    ]
    assert not any(k.startswith("on") for _, attrs in parsed.tags for k in attrs)
    assert HOSTILE_TITLE in "".join(parsed.text)

    # Every sentence, word for word, with its exact times; nothing more.
    timeline = episode.timeline
    expected = [(s.start, s.end, s.text) for b in timeline.blocks for s in b.sentences]
    assert parsed.sentences == expected

    chapter_links = [a["href"] for a in parsed.find("a", **{"class": "chapter-link"})]
    assert chapter_links == [f"#t={c.start:g}" for c in timeline.chapters]
    stamps = [a["href"] for a in parsed.find("a", **{"class": "stamp"})]
    spoken = [b for b in timeline.blocks if b.kind != "heading"]
    assert stamps == [f"#t={b.start:g}" for b in spoken]
    assert [h for h, _ in [(t, a) for t, a in parsed.tags if t == "h3"]] == ["h3"] * 3

    downloads = {a["href"] for a in parsed.find("a") if "download" in a}
    names = {f"{SLUG}{s}" for s in (".mp3", ".vtt", ".srt", ".txt", ".json")} | {"chapters.json"}
    assert downloads == names
    for name in names | {"essaycast.css", "essaycast.js"}:
        assert (episode.files.folder / name).is_file(), name
    text = " ".join("".join(parsed.text).split())
    assert "Intro (read by the show, not part of the essay)" in text
    assert "Outro (read by the show, not part of the essay)" in text


def test_show_page_markup(site: tuple[Path, list[BuiltEpisode]]) -> None:
    root, _ = site
    parsed = collect(root / "feed" / "index.html")
    assert parsed.find("html")[0]["lang"] == "en"
    image = parsed.find("img")[0]
    assert image["src"] == "artwork.jpg" and image["alt"] == f"Cover art of {SHOW.title}"
    feed_input = parsed.find("input", id="feed-url")[0]
    assert feed_input["value"] == FEED_URL and "readonly" in feed_input
    assert parsed.find("label", **{"for": "feed-url"})
    assert "hidden" in parsed.find("button", id="copy-feed")[0]  # shown by the script
    links = [a["href"] for a in parsed.find("a") if (a["href"] or "").startswith("../episodes/")]
    assert links == [
        "../episodes/008-same-day/",
        f"../episodes/{SLUG}/",
        "../episodes/001-fish/",
    ]
    assert (root / "feed" / "essaycast.css").is_file()
    assert SHOW.description in "".join(parsed.text)


# --- in Chromium ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url(site: tuple[Path, list[BuiltEpisode]]) -> Iterator[str]:
    with serve(site[0]) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def open_page(browser: Browser, url: str, **context: Any) -> Page:
    page = browser.new_context(**context).new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def wait_for_metadata(page: Page) -> None:
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=10_000)


VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 320, "height": 640}}
PAGES = {"episode": f"episodes/{SLUG}/", "show": "feed/"}


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("which", sorted(PAGES))
def test_axe_finds_no_violations(
    browser: Browser, base_url: str, which: str, viewport: str, scheme: str
) -> None:
    page = open_page(
        browser, base_url + PAGES[which], viewport=VIEWPORTS[viewport], color_scheme=scheme
    )
    if which == "episode":
        wait_for_metadata(page)
        # Also check the page as it looks mid-episode, with a sentence highlighted.
        page.evaluate("document.getElementById('player').currentTime = 20")
        page.wait_for_selector(".s.is-current")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.context.close()


@pytest.mark.browser
def test_axe_runner_does_report_violations(browser: Browser) -> None:
    """The helper itself can fail: a page with known problems gets them reported."""
    page = browser.new_page()
    page.set_content("<html><body><img src='x.png'><a href='#'></a></body></html>")
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"html-has-lang", "image-alt", "link-name", "document-title"} <= found
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("which", sorted(PAGES))
def test_no_horizontal_scrolling_at_320_px(browser: Browser, base_url: str, which: str) -> None:
    page = open_page(browser, base_url + PAGES[which], viewport=VIEWPORTS["phone"])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    page.context.close()


@pytest.mark.browser
def test_usable_at_200_percent_zoom(browser: Browser, base_url: str) -> None:
    # 200% zoom of a 1280 px window is a 640 CSS px viewport with twice the pixel density.
    page = open_page(
        browser,
        base_url + PAGES["episode"],
        viewport={"width": 640, "height": 450},
        device_scale_factor=2,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    assert page.locator("#player").bounding_box()["width"] <= 640  # type: ignore[index]
    page.context.close()


def focused(page: Page) -> str:
    return str(
        page.evaluate(
            """() => { const el = document.activeElement;
                return el === document.body ? "BODY" : el.id || el.className || el.tagName; }"""
        )
    )


@pytest.mark.browser
def test_keyboard_reaches_skip_link_player_and_chapters_and_enter_seeks(
    browser: Browser, base_url: str, site: tuple[Path, list[BuiltEpisode]]
) -> None:
    page = open_page(browser, base_url + PAGES["episode"])
    wait_for_metadata(page)
    seen = []
    for _ in range(20):  # the player's own controls come before the chapters
        page.keyboard.press("Tab")
        seen.append(focused(page))
        if seen[-1] == "chapter-link":
            break
    assert seen[0] == "skip-link", seen
    assert "player" in seen, seen
    assert seen[-1] == "chapter-link", seen
    # Move to the second chapter and press Enter: the audio goes there, focus stays put.
    page.keyboard.press("Tab")
    chapter = site[1][0].timeline.chapters[1]
    assert page.evaluate("document.activeElement.getAttribute('href')") == f"#t={chapter.start:g}"
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {chapter.start}) < 1.5"
    )
    now = page.evaluate("document.getElementById('player').currentTime")
    assert chapter.start - 0.05 <= now <= chapter.start + 1.5
    assert focused(page) == "chapter-link"
    assert page.evaluate("document.activeElement.getAttribute('aria-current')") == "true"
    assert page.evaluate("location.hash") == ""  # a seek, not a navigation
    page.context.close()


@pytest.mark.browser
def test_skip_link_moves_focus_to_transcript(browser: Browser, base_url: str) -> None:
    page = open_page(browser, base_url + PAGES["episode"])
    page.keyboard.press("Tab")
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert focused(page) == "transcript"
    page.context.close()


SEEK_AND_WAIT = """async (t) => {
    const audio = document.getElementById('player');
    const seeked = new Promise((done) => audio.addEventListener('seeked', done, {once: true}));
    audio.currentTime = t;
    await seeked;
    await new Promise((done) => requestAnimationFrame(() => done()));
    return Array.from(document.querySelectorAll('.s.is-current')).map((el) => el.textContent);
}"""


@pytest.mark.browser
def test_highlight_follows_current_time(
    browser: Browser, base_url: str, site: tuple[Path, list[BuiltEpisode]]
) -> None:
    page = open_page(browser, base_url + PAGES["episode"])
    wait_for_metadata(page)
    sentences = [s for b in site[1][0].timeline.blocks for s in b.sentences]
    for sentence in (sentences[3], sentences[0], sentences[-1], sentences[7]):
        middle = (sentence.start + sentence.end) / 2
        assert page.evaluate(SEEK_AND_WAIT, middle) == [sentence.text]
    assert focused(page) == "BODY"  # highlighting never moves focus
    # The transcript is not a live region: a screen reader is not flooded with sentences.
    live = "[aria-live] .s, .s[aria-live], [role=status] .s, [role=log] .s, [role=alert] .s"
    assert page.locator(live).count() == 0
    page.context.close()


@pytest.mark.browser
def test_chromium_reads_every_caption_cue(
    browser: Browser, base_url: str, site: tuple[Path, list[BuiltEpisode]]
) -> None:
    """Chromium's own WebVTT parser (a second, independent reader) gets every cue."""
    page = open_page(browser, base_url + PAGES["episode"])
    page.wait_for_function("document.querySelector('track').readyState === 2", timeout=10_000)
    cues = page.evaluate(
        """() => Array.from(document.getElementById('player').textTracks[0].cues)
            .map((c) => [c.startTime, c.endTime, c.getCueAsHTML().textContent])"""
    )
    ours = parse_vtt_strictly(site[1][0].files.vtt.read_text(encoding="utf-8"))
    assert len(cues) == len(ours)
    for (start, end, text), cue in zip(cues, ours, strict=True):
        assert (start, end) == pytest.approx((cue.start, cue.end), abs=1e-6)
        assert text == "\n".join(cue.lines)
    page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("which", sorted(PAGES))
def test_works_without_javascript(browser: Browser, base_url: str, which: str) -> None:
    page = open_page(browser, base_url + PAGES[which], java_script_enabled=False)
    if which == "episode":
        assert page.locator("audio#player").count() == 1
        assert page.locator("#transcript").is_visible()
        assert page.get_by_text("When Dr. Alvarez measured the hallway,").is_visible()
        assert not page.locator(".follow").is_visible()  # needs the script, so hidden
    else:
        assert page.locator("#feed-url").input_value() == FEED_URL
        assert page.locator("#feed-url").is_visible()
        assert not page.locator("#copy-feed").is_visible()
    page.context.close()


@pytest.mark.browser
def test_episode_page_from_file_url(
    browser: Browser, site: tuple[Path, list[BuiltEpisode]]
) -> None:
    errors: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site[1][0].files.page.as_uri())
    assert page.locator("#transcript").is_visible()
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # CSS loaded
    assert errors == []
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("which", sorted(PAGES))
def test_hostile_text_shows_as_text_and_never_runs(
    browser: Browser, base_url: str, which: str
) -> None:
    dialogs: list[str] = []
    context = browser.new_context()
    page = context.new_page()

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.goto(base_url + PAGES[which])
    page.wait_for_load_state("load")
    if which == "episode":
        assert page.locator("h1").inner_text() == HOSTILE_TITLE
        assert page.get_by_text("<script>alert(1)</script> into the kiosk,").is_visible()
        page.locator(".chapter-link").nth(1).click()
    else:
        assert page.locator("h1").inner_text() == SHOW.title
        assert page.get_by_text("<img src=x onerror=alert(2)>").is_visible()
        assert page.get_by_role("link", name=HOSTILE_TITLE).is_visible()
    page.wait_for_timeout(300)
    assert dialogs == []
    context.close()


@pytest.mark.browser
def test_copy_button_works_by_keyboard(browser: Browser, base_url: str) -> None:
    page = open_page(
        browser, base_url + PAGES["show"], permissions=["clipboard-read", "clipboard-write"]
    )
    page.locator("#feed-url").focus()
    page.keyboard.press("Tab")
    assert focused(page) == "copy-feed"
    page.keyboard.press("Enter")
    page.locator("#copy-status").filter(has_text="Feed URL copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == FEED_URL
    assert focused(page) == "copy-feed"
    page.context.close()


@pytest.mark.browser
def test_reduced_motion_is_honoured_and_follow_along_is_off(
    browser: Browser, base_url: str
) -> None:
    reduced = open_page(browser, base_url + PAGES["episode"], reduced_motion="reduce")
    assert reduced.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"
    assert reduced.locator("#follow-along").is_visible()
    assert not reduced.locator("#follow-along").is_checked()
    reduced.context.close()
    moving = open_page(browser, base_url + PAGES["episode"], reduced_motion="no-preference")
    assert moving.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "smooth"
    moving.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("follow", [False, True])
def test_follow_along_scrolls_only_when_asked_and_never_takes_focus(
    browser: Browser, base_url: str, site: tuple[Path, list[BuiltEpisode]], follow: bool
) -> None:
    page = open_page(
        browser,
        base_url + PAGES["episode"],
        viewport={"width": 800, "height": 600},
        reduced_motion="reduce",
    )
    wait_for_metadata(page)
    if follow:
        page.check("#follow-along")
    page.locator(".chapter-link").first.click()  # seeks and plays
    page.wait_for_function("!document.getElementById('player').paused")
    clicked_at = page.evaluate("window.scrollY")  # the click scrolled the link into view
    last = site[1][0].timeline.blocks[-2].sentences[-1]
    assert page.evaluate(SEEK_AND_WAIT, (last.start + last.end) / 2) == [last.text]
    scrolled = page.evaluate("window.scrollY") - clicked_at
    assert (scrolled > 0) is follow
    if follow:
        assert page.locator(".s.is-current").is_visible()
        in_view = page.evaluate(
            "(() => { const r = document.querySelector('.s.is-current').getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= innerHeight; })()"
        )
        assert in_view
    assert focused(page) in ("chapter-link", "follow-along")
    page.context.close()


@pytest.mark.browser
def test_screenshot_for_a_human_look(browser: Browser, base_url: str) -> None:
    page = open_page(browser, base_url + PAGES["episode"], viewport={"width": 900, "height": 1400})
    wait_for_metadata(page)
    page.evaluate("document.getElementById('player').currentTime = 50")
    page.wait_for_selector(".s.is-current")
    page.screenshot(path="/tmp/essaycast-episode.png", full_page=True)
    show = open_page(browser, base_url + PAGES["show"], viewport={"width": 320, "height": 900})
    show.screenshot(path="/tmp/essaycast-show-320.png", full_page=True)
    assert Path("/tmp/essaycast-episode.png").stat().st_size > 10_000
    page.context.close()
    show.context.close()


def player_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('player').currentTime"))


def wait_for_time(page: Page, seconds: float) -> None:
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {seconds}) < 0.3"
    )


def status_says(page: Page, words: str) -> None:
    page.wait_for_function(
        "(words) => document.getElementById('player-status').textContent.includes(words)",
        arg=words,
    )


@pytest.mark.browser
def test_player_walked_by_keyboard_alone(
    browser: Browser, base_url: str, site: tuple[Path, list[BuiltEpisode]]
) -> None:
    """Skip, speed, shortcuts and transcript search, with the keyboard only; each says what
    it did in the live region; the speed is remembered on the next visit; axe stays at 0."""
    page = open_page(browser, base_url + PAGES["episode"])
    wait_for_metadata(page)
    status = page.locator("#player-status")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    seen = []
    for _ in range(15):
        page.keyboard.press("Tab")
        seen.append(focused(page))
        if seen[-1] == "skip-back":
            break
    assert seen[-1] == "skip-back" and "player" in seen, seen
    assert page.locator("#skip-back").is_visible()
    page.evaluate("document.getElementById('player').currentTime = 30")
    wait_for_time(page, 30)
    page.keyboard.press("Enter")  # back 15 s
    wait_for_time(page, 15)
    status_says(page, "Back 15 seconds, at 0:15")
    page.keyboard.press("Tab")
    assert focused(page) == "skip-forward"
    page.keyboard.press("Space")  # forward 15 s
    wait_for_time(page, 30)
    status_says(page, "Forward 15 seconds, at 0:30")
    page.keyboard.press("Tab")
    assert focused(page) == "speed"
    label = page.evaluate("document.getElementById('speed').labels[0].textContent")
    assert label.strip().startswith("Speed")
    options = page.evaluate("[...document.getElementById('speed').options].map(o => o.value)")
    assert options[0] == "0.75" and options[-1] == "2.5" and "1" in options
    page.keyboard.press("ArrowDown")  # 1x -> 1.25x
    status_says(page, "Speed 1.25×")
    assert page.evaluate("document.getElementById('player').playbackRate") == 1.25
    # The documented single-key shortcuts, from anywhere but a field.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")  # opens the list of shortcuts
    assert page.evaluate("document.getElementById('shortcuts').open")
    page.keyboard.press("j")
    wait_for_time(page, 15)
    page.keyboard.press("Shift+Period")  # ">": faster
    status_says(page, "Speed 1.5×")
    assert page.evaluate("document.getElementById('player').playbackRate") == 1.5
    # Search the transcript: "/" goes to the box; a result plays from its sentence.
    page.keyboard.press("/")
    assert focused(page) == "transcript-query"
    page.keyboard.type("second door")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.getElementById('search-status').textContent.includes('1 sentence found')"
    )
    sentence = next(
        s for b in site[1][0].timeline.blocks for s in b.sentences if "second door" in s.text
    )
    page.keyboard.press("Tab")  # the Search button
    page.keyboard.press("Tab")  # the one result
    assert page.evaluate("document.activeElement.className") == "result"
    assert "second door" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    wait_for_time(page, sentence.start)
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    # The next visit starts at the speed chosen; shortcuts can be turned off (WCAG 2.1.4).
    page.reload()
    page.wait_for_load_state("load")
    wait_for_metadata(page)
    assert page.evaluate("document.getElementById('speed').value") == "1.5"
    assert page.evaluate("document.getElementById('player').playbackRate") == 1.5
    page.evaluate("document.getElementById('shortcuts').open = true")
    page.focus("#use-shortcuts")
    page.keyboard.press("Space")
    status_says(page, "Single-key shortcuts off")
    page.evaluate("document.activeElement.blur()")
    before = player_time(page)
    page.keyboard.press("l")
    page.wait_for_timeout(300)
    assert abs(player_time(page) - before) < 1
    page.context.close()
