"""The RSS feed, read back as podcast clients read it: feedparser, podcastparser and XPath."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import os
from pathlib import Path

import feedparser
import podcastparser
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from pipeline.core.errors import ConfigError, ScriptError
from pipeline.core.model import (
    BuiltEpisode,
    ChapterMark,
    EpisodeFiles,
    EpisodeMeta,
    Show,
    Timeline,
)
from pipeline.release import feed
from pipeline.release.feed import build_feed, episode_guid, feed_url, write_feed
from pipeline.release.podcastindex import channel_guid
from pipeline.settings.categories import APPLE_CATEGORIES

BASE = "http://127.0.0.1:8000"
GOLDEN = Path(__file__).parent / "data" / "feed"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
SHOW = Show(
    title="Essays Aloud",
    author="A. Writer",
    description="Essays, read aloud & in full.",
    owner_name="A. Writer",
    owner_email="writer@example.com",
    category="Society & Culture",
    subcategory="Philosophy",
    copyright="© 2024 A. Writer",
)


def episode(
    number: int,
    date: dt.date,
    *,
    title: str | None = None,
    summary: str = "What this essay is about.",
    duration: float = 125.4,
    chapters: tuple[ChapterMark, ...] | None = None,
    guid: str | None = None,
    explicit: bool = False,
    root: Path = Path("/site"),
) -> BuiltEpisode:
    slug = f"{number:03d}-essay-{number}"
    meta = EpisodeMeta(
        source=Path(f"scripts/{slug}.md"),
        slug=slug,
        number=number,
        title=title if title is not None else f"Essay number {number}",
        date=date,
        summary=summary,
        explicit=explicit,
        guid=guid,
    )
    marks = chapters or (
        ChapterMark("Introduction", 0.0, 40.0),
        ChapterMark("The argument", 40.0, duration),
    )
    return BuiltEpisode(
        meta=meta,
        files=EpisodeFiles(root / "episodes" / slug),
        timeline=Timeline(blocks=(), chapters=marks, duration=duration),
        mp3_bytes=1_000_000 + number,
        guid=episode_guid(SHOW, BASE, meta),
    )


EPISODES = (
    episode(1, dt.date(2024, 1, 5)),
    episode(3, dt.date(2024, 2, 1), explicit=True),
    episode(2, dt.date(2024, 2, 1)),
)


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False))


def one(root: etree._Element, xpath: str) -> str:
    found = root.xpath(xpath, namespaces=NS)
    assert len(found) == 1, f"{xpath}: {found!r}"
    value = found[0]
    return value if isinstance(value, str) else (value.text or "")


def html_text(fragment: str) -> str:
    """What a reader sees when an HTML fragment is displayed."""
    return str(lxml_html.fragment_fromstring(fragment, create_parent="div").text_content())


# -- Podcasting 2.0 guid ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["podnews.net/rss", "https://podnews.net/rss/", "http://podnews.net/rss//"]
)
def test_channel_guid_matches_the_spec_example(url: str) -> None:
    assert channel_guid(url) == "9b024349-ccf0-5f69-a609-6b82873eab3c"


# -- the tags Apple Podcasts and Podcasting 2.0 apps need ---------------------------------


def test_channel_has_every_required_tag_in_the_right_namespace() -> None:
    rss = parse(build_feed(SHOW, EPISODES, BASE))
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    assert rss.nsmap["itunes"] == "http://www.itunes.com/dtds/podcast-1.0.dtd"
    assert rss.nsmap["podcast"] == "https://podcastindex.org/namespace/1.0"
    ch = rss.find("channel")
    assert ch is not None
    assert one(ch, "title") == "Essays Aloud"
    assert one(ch, "link") == f"{BASE}/feed/"
    assert one(ch, "language") == "en"
    assert html_text(one(ch, "description")) == "Essays, read aloud & in full."
    assert one(ch, "copyright") == "© 2024 A. Writer"
    assert one(ch, "itunes:author") == "A. Writer"
    assert one(ch, "itunes:owner/itunes:name") == "A. Writer"
    assert one(ch, "itunes:owner/itunes:email") == "writer@example.com"
    assert one(ch, "itunes:image/@href") == f"{BASE}/feed/artwork.jpg"
    assert one(ch, "itunes:category/@text") == "Society & Culture"
    assert one(ch, "itunes:category/itunes:category/@text") == "Philosophy"
    assert one(ch, "itunes:explicit") == "false"
    assert one(ch, "itunes:type") == "episodic"
    assert one(ch, "atom:link[@rel='self']/@href") == f"{BASE}/feed/feed.xml"
    assert one(ch, "atom:link[@rel='self']/@type") == "application/rss+xml"
    assert one(ch, "podcast:guid") == channel_guid(f"{BASE}/feed/feed.xml")
    assert one(ch, "podcast:locked") == "no"
    assert one(ch, "podcast:locked/@owner") == "writer@example.com"
    assert one(ch, "podcast:medium") == "podcast"
    assert one(ch, "generator") == "essaycast"
    # The newest episode's date, not the clock: rebuilding changes nothing.
    assert one(ch, "lastBuildDate") == "Thu, 01 Feb 2024 12:00:00 +0000"


def test_item_has_every_required_tag() -> None:
    rss = parse(build_feed(SHOW, EPISODES, BASE))
    item = rss.xpath("channel/item[guid=$g]", g=EPISODES[1].guid)[0]
    page = f"{BASE}/episodes/003-essay-3/"
    assert one(item, "title") == "Essay number 3"
    assert one(item, "link") == page
    assert html_text(one(item, "description")) == "What this essay is about."
    assert one(item, "enclosure/@url") == f"{page}003-essay-3.mp3"
    assert one(item, "enclosure/@length") == "1000003"
    assert one(item, "enclosure/@type") == "audio/mpeg"
    assert one(item, "guid") == EPISODES[1].guid
    assert one(item, "guid/@isPermaLink") == "false"
    assert one(item, "pubDate") == "Thu, 01 Feb 2024 12:00:00 +0000"
    assert one(item, "itunes:duration") == "125"
    assert one(item, "itunes:episode") == "3"
    assert one(item, "itunes:episodeType") == "full"
    assert one(item, "itunes:explicit") == "true"
    transcripts = {
        t.get("type"): (t.get("url"), t.get("rel"), t.get("language"))
        for t in item.xpath("podcast:transcript", namespaces=NS)
    }
    assert transcripts == {
        "text/vtt": (f"{page}003-essay-3.vtt", "captions", "en"),
        "application/x-subrip": (f"{page}003-essay-3.srt", "captions", "en"),
        "application/json": (f"{page}003-essay-3.json", None, "en"),
        "text/plain": (f"{page}003-essay-3.txt", None, "en"),
        "text/html": (page, None, "en"),
    }
    assert one(item, "podcast:chapters/@url") == f"{page}chapters.json"
    assert one(item, "podcast:chapters/@type") == "application/json+chapters"


def test_show_notes_list_chapters_with_timestamps() -> None:
    marks = (ChapterMark("Opening", 0, 61), ChapterMark("Q&A <live>", 61, 3700.2))
    ep = episode(1, dt.date(2024, 1, 1), chapters=marks, duration=3700.2)
    item = parse(build_feed(SHOW, [ep], BASE)).find("channel/item")
    assert item is not None
    notes = lxml_html.fragment_fromstring(one(item, "content:encoded"), create_parent="div")
    assert [li.text_content() for li in notes.iter("li")] == ["0:00 Opening", "1:01 Q&A <live>"]
    assert one(item, "itunes:duration") == "3700"


# -- the feed as clients parse it ---------------------------------------------------------


def test_feedparser_reads_the_feed_without_complaint() -> None:
    parsed = feedparser.parse(build_feed(SHOW, EPISODES, BASE))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Essays Aloud"
    assert parsed.feed.image.href == f"{BASE}/feed/artwork.jpg"
    assert parsed.feed.author_detail.email == "writer@example.com"
    assert [e.title for e in parsed.entries] == [
        "Essay number 3",
        "Essay number 2",
        "Essay number 1",
    ]
    entry = parsed.entries[0]
    assert entry.id == EPISODES[1].guid and entry.guidislink is False
    assert entry.itunes_duration == "125"
    # feedparser 6 maps only the retired "yes"/"clean" to booleans; Apple now asks for
    # "true"/"false" (checked by XPath above and by podcastparser below).
    assert entry.published_parsed[:3] == (2024, 2, 1)
    (enclosure,) = entry.enclosures
    assert enclosure.href == f"{BASE}/episodes/003-essay-3/003-essay-3.mp3"
    assert enclosure.length == "1000003" and enclosure.type == "audio/mpeg"


def test_podcastparser_reads_episodes_as_gpodder_would() -> None:
    url = feed_url(SHOW, BASE)
    parsed = podcastparser.parse(url, io.BytesIO(build_feed(SHOW, EPISODES, BASE)))
    assert parsed["title"] == "Essays Aloud"
    assert parsed["cover_url"] == f"{BASE}/feed/artwork.jpg"
    assert parsed["itunes_categories"] == [["Society & Culture", "Philosophy"]]
    assert parsed["type"] == "episodic"
    first = parsed["episodes"][0]
    assert first["title"] == "Essay number 3"
    assert first["guid"] == EPISODES[1].guid
    assert first["total_time"] == 125
    assert first["number"] == 3
    assert first["explicit"] is True
    assert first["enclosures"] == [
        {
            "url": f"{BASE}/episodes/003-essay-3/003-essay-3.mp3",
            "file_size": 1000003,
            "mime_type": "audio/mpeg",
        }
    ]
    # podcastparser 0.6 knows the podcast namespace only by its old GitHub URI, so it does not
    # report podcast:transcript/chapters here; the XPath tests above check them.
    assert first["description"].startswith("What this essay is about.")
    assert "0:00 Introduction" in first["description"]


# -- ordering and stability ---------------------------------------------------------------


def test_items_are_newest_first_by_date_then_number() -> None:
    rss = parse(build_feed(SHOW, EPISODES, BASE))
    assert rss.xpath("channel/item/itunes:episode/text()", namespaces=NS) == ["3", "2", "1"]


def test_rebuilding_with_the_same_inputs_is_byte_identical() -> None:
    first = build_feed(SHOW, EPISODES, BASE)
    assert build_feed(SHOW, tuple(reversed(EPISODES)), BASE) == first
    # Re-encoding changes the file size, not the guid; the other items do not move.
    reencoded = dataclasses.replace(EPISODES[0], mp3_bytes=999)
    again = parse(build_feed(SHOW, (reencoded, *EPISODES[1:]), BASE))
    before = parse(first)
    items_before = [etree.tostring(i) for i in before.iterfind("channel/item")]
    items_after = [etree.tostring(i) for i in again.iterfind("channel/item")]
    assert items_after[:2] == items_before[:2]
    assert items_after[2] != items_before[2]
    assert one(again, "channel/item[3]/guid") == one(before, "channel/item[3]/guid")


def test_a_new_base_url_moves_the_files_but_keeps_every_guid() -> None:
    old = parse(build_feed(SHOW, EPISODES, BASE))
    new = parse(build_feed(SHOW, EPISODES, "https://podcast.example.org/essays/"))
    assert old.xpath("channel/item/guid/text()") == new.xpath("channel/item/guid/text()")
    urls = new.xpath("channel/item/enclosure/@url")
    assert urls[0] == "https://podcast.example.org/essays/episodes/003-essay-3/003-essay-3.mp3"
    assert not set(urls) & set(old.xpath("channel/item/enclosure/@url"))


def test_episode_guid_is_the_front_matter_guid_else_derived_from_title_and_slug() -> None:
    meta = EPISODES[0].meta
    pinned = dataclasses.replace(meta, guid="urn:uuid:1234")
    assert episode_guid(SHOW, BASE, pinned) == "urn:uuid:1234"
    derived = episode_guid(SHOW, BASE, meta)
    assert derived == episode_guid(SHOW, "https://elsewhere/", meta)
    assert derived == episode_guid(SHOW, BASE, dataclasses.replace(meta, title="Retitled"))
    assert derived != episode_guid(SHOW, BASE, EPISODES[1].meta)
    assert derived != episode_guid(dataclasses.replace(SHOW, title="Other"), BASE, meta)


def test_two_episodes_with_one_guid_are_refused() -> None:
    clash = dataclasses.replace(EPISODES[1], guid=EPISODES[0].guid)
    with pytest.raises(ScriptError, match=r"scripts/003-essay-3\.md.*scripts/001-essay-1\.md"):
        build_feed(SHOW, [EPISODES[0], clash], BASE)


def test_matches_the_golden_feed() -> None:
    """The whole feed, byte for byte (regenerate with ESSAYCAST_REGOLD=1 after a deliberate
    change, then read the diff)."""
    xml = build_feed(SHOW, EPISODES, BASE)
    golden = GOLDEN / "three-episodes.xml"
    if os.environ.get("ESSAYCAST_REGOLD") == "1":
        golden.write_bytes(xml)
    assert xml == golden.read_bytes()


# -- configuration errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "subcategory", "message"),
    [
        ("Art", None, "category 'Art' is not an Apple Podcasts category"),
        ("Arts", "Philosophy", "subcategory 'Philosophy' is not an Apple Podcasts subcategory"),
        ("Technology", "Gadgets", "subcategory 'Gadgets'"),
    ],
)
def test_a_category_apple_does_not_know_is_a_config_error(
    category: str, subcategory: str | None, message: str
) -> None:
    show = dataclasses.replace(SHOW, category=category, subcategory=subcategory)
    with pytest.raises(ConfigError, match=message) as raised:
        build_feed(show, EPISODES, BASE)
    assert str(raised.value).startswith("feed/show.toml: ")


def test_every_apple_category_builds() -> None:
    for category, subcategories in APPLE_CATEGORIES.items():
        for sub in (None, *subcategories):
            show = dataclasses.replace(SHOW, category=category, subcategory=sub)
            rss = parse(build_feed(show, EPISODES[:1], BASE))
            assert one(rss, "channel/itunes:category/@text") == category


def test_an_unknown_medium_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"feed/show\.toml: .*medium 'radio'"):
        build_feed(dataclasses.replace(SHOW, medium="radio"), EPISODES, BASE)


# -- hostile text -------------------------------------------------------------------------

HOSTILE = [
    "<script>alert('x')</script>",
    "Ends a CDATA ]]> section & more ]]>",
    "Fish & Chips &amp; &lt;not a tag&gt; &#x41;",
    "\"Double\" and 'single' quotes",
    "Emoji 🎧🏳️‍🌈 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\u202eRTL override\u202c and \u200fmarks\u200e: עברית العربية",
    "Long " + "x" * 10_000,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_metadata_stays_well_formed_and_reads_back_exactly(text: str) -> None:
    marks = (ChapterMark(text, 0.0, 1.0),)
    ep = episode(1, dt.date(2024, 1, 1), title=text, summary=text, chapters=marks)
    show = dataclasses.replace(SHOW, title=text, description=text)
    xml = build_feed(show, [ep], BASE)

    item = parse(xml).find("channel/item")
    assert item is not None
    assert one(item, "title") == text
    assert html_text(one(item, "description")) == text
    assert text in html_text(one(item, "content:encoded"))

    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.entries[0].title == text
    assert parsed.feed.title == text
    assert html_text(parsed.entries[0].summary) == text

    episodes = podcastparser.parse(feed_url(show, BASE), io.BytesIO(xml))["episodes"]
    assert episodes[0]["title"] == text


def test_characters_xml_cannot_carry_are_dropped() -> None:
    title = "Bell\x07 nul\x00 esc\x1b fffe\ufffe lone\ud800 kept\t"
    ep = episode(1, dt.date(2024, 1, 1), title=title, summary=title)
    item = parse(build_feed(SHOW, [ep], BASE)).find("channel/item")
    assert item is not None
    assert one(item, "title") == "Bell nul esc fffe lone kept\t"


def test_a_title_with_nothing_xml_can_carry_is_refused() -> None:
    ep = episode(1, dt.date(2024, 1, 1), title="\x1f\x00")
    with pytest.raises(ScriptError, match=r"scripts/001-essay-1\.md: front matter: title"):
        build_feed(SHOW, [ep], BASE)


# XML 1.0's Char production minus what the feed strips.
xml_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff")
any_text = st.text(st.characters(codec=None), min_size=1, max_size=200)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=any_text, summary=any_text, chapter=any_text)
def test_feed_is_well_formed_for_any_unicode(title: str, summary: str, chapter: str) -> None:
    assume(feed.xml_text(title).strip())  # a title with nothing printable is refused (tested below)
    ep = episode(
        1,
        dt.date(2024, 1, 1),
        title=title,
        summary=summary,
        chapters=(ChapterMark(chapter, 0.0, 1.0),),
    )
    xml = build_feed(SHOW, [ep], BASE)
    assert feedparser.parse(xml).bozo == 0
    item = parse(xml).find("channel/item")
    assert item is not None
    assert one(item, "title") == feed.xml_text(title)
    description = one(item, "description")
    assert description == f"<p>{html.escape(feed.xml_text(summary), quote=False)}</p>"


@given(text=st.text(xml_chars, max_size=100))
def test_xml_text_keeps_every_character_xml_allows(text: str) -> None:
    allowed = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)
    assert feed.xml_text(text) == allowed


# -- writing ------------------------------------------------------------------------------


def test_write_feed_writes_exactly_build_feed_and_leaves_no_temp_files(tmp_path: Path) -> None:
    out = tmp_path / "feed" / "feed.xml"
    write_feed(SHOW, EPISODES, BASE, out)
    assert out.read_bytes() == build_feed(SHOW, EPISODES, BASE)
    assert [p.name for p in out.parent.iterdir()] == ["feed.xml"]
