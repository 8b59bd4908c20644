"""Cleaning: general rules drop web-page debris and keep the essay, with a reason per line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.core.model import EpisodeMeta, Script
from pipeline.text.clean import Cleaned, clean, is_lone_title, line_rule, remove_invisible

PARAGRAPH = "This is an ordinary paragraph of the essay, long enough to be prose, and it ends."
SECOND = "Another paragraph follows it, so that the junk line sits between two real ones."


def make_script(
    body: str,
    *,
    title: str = "An Essay About Things",
    markdown: bool = False,
    keep: tuple[str, ...] = (),
    drop: tuple[str, ...] = (),
) -> Script:
    meta = EpisodeMeta(
        source=Path("scripts/001-test.md" if markdown else "scripts/001-test.txt"),
        slug="001-test",
        number=1,
        title=title,
        date=dt.date(2026, 1, 1),
        summary="S.",
        keep_lines=keep,
        drop_lines=drop,
    )
    return Script(meta, body, markdown, body_first_line=10)


def kept_texts(cleaned: Cleaned) -> list[str]:
    return [line.text for line in cleaned.lines if line.text.strip()]


# Lines from many sites and page templates: every one must go.
JUNK = [
    "Download Every Man is on a Journey | Wallpapers.com",
    "Close-up Photo of Man with Facial Hair · Free Stock Photo",
    "couple practicing exercise avatar character Stock Vector Image & Art - Alamy",
    "[100+] Muslim Couple Wallpapers | Wallpapers.com",
    "Sunset over the lake - Shutterstock",
    "Woman reading a book | Pexels",
    "Photo by Ana Lima on Unsplash",
    "Photo by Jo Kim from Pexels",
    "Image credit: NASA/JPL",
    "Photo courtesy: the author",
    "A man alone on a bench (Getty Images)",
    "Old typewriter royalty-free stock image",
    "Download Free HD Wallpapers for Desktop",
    "Beach 4K Wallpapers",
    "Leave a Reply",
    "Leave a Reply Cancel reply",
    "Leave a Comment",
    "12 Comments",
    "No comments yet",
    "Share this:",
    "Like this:",
    "Share this article",
    "Facebook Twitter Pinterest Email",
    "Share on Facebook",
    "Click to share on Twitter (Opens in new window)",
    "Related posts",
    "Related Articles:",
    "You may also like",
    "Read more",
    "Read More »",
    "Continue reading →",
    "Read next: Why We Sleep",
    "Subscribe",
    "Subscribe to our newsletter for weekly essays",
    "We use cookies to improve your experience on our site.",
    "This website uses cookies. By continuing you agree.",
    "Accept all cookies",
    "Cookie settings",
    "Posted in Relationships, Psychology",
    "Posted on March 3, 2024 by Jane Doe",
    "Tags: love, intimacy, men",
    "Filed under: Essays",
    "Skip to content",
    "Skip to main content",
    "« Previous Post",
    "Next post: The Art of Listening",
    "Previous article",
    "Home » Blog » Essays",
    "5 min read",
    "Published on January 5, 2024",
    "© 2024 Some Blog. All rights reserved.",
    "Copyright 2023 Example Media",
    "Advertisement",
]

# Prose that resembles a rule: none of it may go.
PROSE = [
    "Most of what men learn about feelings, they learn by watching, not by being told.",
    "Read more books than you think you can.",
    "Published in 1851, Moby-Dick sold poorly at first.",
    "Copyright law is older than the printing press, some argue.",
    "I found the photo on Pinterest, of all places.",
    "Share your fears with someone you trust.",
    "Next, consider how the pressure begins in childhood.",
    "Download speeds were not the problem; attention was.",
    "Home is where the heart learns to speak.",
    "Related feelings often come in clusters: shame, fear and pride.",
    "We use our hands to speak as much as our voices.",
    "Tags and labels can be cages.",
    "The Roots of Stoicism: Masculinity’s Historical Burden",
    "Why Men Hide",
]


@pytest.mark.parametrize("line", JUNK)
def test_junk_lines_are_dropped_by_a_rule(line: str) -> None:
    assert line_rule(line) is not None
    cleaned = clean(make_script(f"{PARAGRAPH}\n\n{line}\n\n{SECOND}\n"))
    assert [d.text for d in cleaned.dropped] == [line]
    assert kept_texts(cleaned) == [PARAGRAPH, SECOND]


@pytest.mark.parametrize("line", PROSE)
def test_prose_is_kept(line: str) -> None:
    assert line_rule(line) is None
    cleaned = clean(make_script(f"{PARAGRAPH}\n\n{line}\n\n{SECOND}\n"))
    assert cleaned.dropped == ()


def test_long_lines_are_never_checked_by_rules() -> None:
    line = "Subscribe " + "word " * 200
    assert line_rule(line) is None


def test_repeated_opening_lines_both_go_and_the_title_line_goes() -> None:
    question = "How do expectations shape intimacy?"
    body = f"{question}\n\n{question}\n\nAn Essay About Things\n\n{PARAGRAPH}\n\n{SECOND}\n\n"
    body += f"{question}\n"
    cleaned = clean(make_script(body))
    assert [(d.line_number, d.reason) for d in cleaned.dropped] == [
        (10, "repeated at the top of the page (page title or question)"),
        (12, "repeated at the top of the page (page title or question)"),
        (14, "same as the episode title (the intro already says it)"),
    ]
    assert kept_texts(cleaned) == [PARAGRAPH, SECOND, question]  # a later repeat stays


def test_title_matches_despite_quotes_case_and_spacing() -> None:
    cleaned = clean(make_script("MEN’S   “WALLS”\n\n" + PARAGRAPH, title='Men\'s "Walls"'))
    assert [d.line_number for d in cleaned.dropped] == [10]


def test_lone_link_titles_only_at_the_end() -> None:
    body = f"Intro Heading\n\n{PARAGRAPH}\n\nA Section Heading\n\n{SECOND}\n\nHow to Be Happy\n\n"
    body += "Ten Ways to Rest Well\nLeave a Reply\n"
    cleaned = clean(make_script(body))
    assert [(d.text, d.reason) for d in cleaned.dropped] == [
        ("How to Be Happy", "lone link title after the last paragraph"),
        ("Ten Ways to Rest Well", "lone link title after the last paragraph"),
        ("Leave a Reply", "web page boilerplate (comment form)"),
    ]
    assert "A Section Heading" in kept_texts(cleaned)


def test_a_body_of_only_titles_is_not_all_dropped() -> None:
    cleaned = clean(make_script("One Title\n\nAnother Title\n"))
    assert cleaned.dropped == ()


@pytest.mark.parametrize(
    ("line", "lone"),
    [
        ("How to Be Happy", True),
        ("10 Habits of Happy Couples", True),
        ("The End", True),
        ("Thank you for reading", False),
        ("How to be happy.", False),
        ("What Is Love?", False),
        ("One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve Thirteen", False),
    ],
)
def test_is_lone_title(line: str, lone: bool) -> None:
    assert is_lone_title(line) is lone


@pytest.mark.parametrize(
    ("raw", "clean_text"),
    [
        ("Every \ue000Man\ue001 here", "Every Man here"),  # private use
        (
            "zero\u200bwidth soft\u00adhyphen word\u2060joiner \ufeffbom",
            "zerowidth softhyphen wordjoiner bom",
        ),
        ("tab\there\x0bvertical\x07bell", "tab here vertical bell"),  # controls -> spaces
        (
            "family 👨\u200d👩\u200d👧 and فارسی\u200cها",
            "family 👨\u200d👩\u200d👧 and فارسی\u200cها",
        ),
        (
            "שלום\u200f and \u202bembedded\u202c \u2067isolate\u2069",
            "שלום\u200f and \u202bembedded\u202c \u2067isolate\u2069",
        ),
        (
            "flag 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
            "flag 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        ),
    ],
)
def test_invisible_characters(raw: str, clean_text: str) -> None:
    assert remove_invisible(raw) == clean_text
    assert kept_texts(clean(make_script(f"{PARAGRAPH}\n{raw}\n"))) == [PARAGRAPH, clean_text]


def test_rules_match_after_invisible_characters_are_removed() -> None:
    cleaned = clean(make_script(f"{PARAGRAPH}\n\n\ue000Leave a\u200b Reply\ue001\n"))
    assert [d.text for d in cleaned.dropped] == ["Leave a Reply"]


def test_front_matter_keep_and_drop_override_rules() -> None:
    body = f"Subscribe\n\n{PARAGRAPH}\n\nAn odd   line the author hates.\n\n{SECOND}\n"
    cleaned = clean(
        make_script(body, keep=("Subscribe",), drop=("An odd line the author hates.", "Nowhere"))
    )
    assert [(d.text, d.reason) for d in cleaned.dropped] == [
        ("An odd line the author hates.", "listed under 'drop' in the front matter")
    ]
    assert "Subscribe" in kept_texts(cleaned)
    assert cleaned.unmatched == ("Nowhere",)


def test_dropped_lines_carry_file_line_numbers() -> None:
    cleaned = clean(make_script(f"{PARAGRAPH}\n\nShare this:\n"))
    assert [d.line_number for d in cleaned.dropped] == [12]
    assert [line.number for line in cleaned.lines if line.text] == [10]


def test_markdown_images_footnotes_and_headings() -> None:
    body = (
        "# An Essay About Things\n\n![A cat on a mat](cat.jpg)\n*Photo by A B on Unsplash*\n\n"
        f"{PARAGRAPH}[^1]\n\n![A kept diagram](d.png)\n\n## Related Posts\n\n"
        "[^1]: A note.\n    More note.\n"
    )
    cleaned = clean(make_script(body, markdown=True, keep=("A kept diagram",)))
    assert [d.reason.split(" (")[0] for d in cleaned.dropped] == [
        "same as the episode title",
        "image",
        "image caption or credit",
        "web page boilerplate",
        "footnote definition",
        "footnote definition",
    ]
    assert "![A kept diagram](d.png)" in kept_texts(cleaned)
    assert cleaned.keep == ("a kept diagram",)


def test_markdown_link_title_at_end_is_dropped() -> None:
    body = f"{PARAGRAPH}\n\n[How to Declutter Your Home](https://example.com/x)\n"
    cleaned = clean(make_script(body, markdown=True))
    assert [d.reason for d in cleaned.dropped] == ["lone link title after the last paragraph"]


def test_a_closing_list_is_kept_but_a_closing_list_of_links_is_not() -> None:
    items = "- Trust\n- Open Communication\n"
    assert clean(make_script(f"{PARAGRAPH}\n\n{items}", markdown=True)).dropped == ()
    assert clean(make_script(f"{PARAGRAPH}\n\n• Trust\n• Empathy\n")).dropped == ()
    links = "Related reading:\n\n- [How to Be Happy](https://x.org/a)\n- [Why We Sleep](/b)\n"
    cleaned = clean(make_script(f"{PARAGRAPH}\n\n{links}", markdown=True))
    assert [d.text for d in cleaned.dropped] == [
        "Related reading:",
        "- [How to Be Happy](https://x.org/a)",
        "- [Why We Sleep](/b)",
    ]


@pytest.mark.parametrize("line", ["* * *", "———", "#", "~~~", "-----", "· · ·"])
def test_separator_lines_are_dropped_in_plain_text(line: str) -> None:
    cleaned = clean(make_script(f"{PARAGRAPH}\n\n{line}\n\n{SECOND}\n"))
    assert [(d.text, d.reason) for d in cleaned.dropped] == [
        (line, "separator line (nothing to read)")
    ]


def test_markdown_keeps_setext_underlines_for_the_parser() -> None:
    cleaned = clean(make_script(f"A Heading\n=========\n\n{PARAGRAPH}\n", markdown=True))
    assert cleaned.dropped == ()
