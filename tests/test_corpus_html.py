"""Saved web pages -> narration: the HTML half of the corpus in tests/data/corpus/.

Every page ``NAME.html`` there is a page as a browser saves it, from one platform
(WordPress, Ghost, Medium, Substack, Blogger, a news site, a Wikipedia-style article...),
with its chrome: navigation, share bars, newsletter boxes, author bios, related posts and
comment threads. Beside it:

    NAME.essay.txt    the essay's own sentences, one a line ("# " before a heading), written
                      from the essay, not from our output: the truth for recall and precision
    NAME.golden.txt   what the build narrates: "# Chapter" lines, then one sentence a line

Regenerate the golden files after an intended change with

    ESSAYCAST_REGOLD=1 .venv/bin/pytest tests/test_corpus_html.py

and read the diff. The precision/recall figures over the whole corpus (plain-text copies
included) are reported by the corpus report; here every page must have full recall and
full precision on its own.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from pipeline.core import atomic
from pipeline.core.model import Narration, Show
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import narrate

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
PAGES = sorted(CORPUS.glob("*.html"))
REGOLD = os.environ.get("ESSAYCAST_REGOLD") == "1"

# name -> (title, author, date) the page itself says: what the episode must credit
EXPECTED_META: dict[str, tuple[str, str | None, dt.date]] = {
    "aeon-boredom": ("In Defence of Boredom", "Ruth Abernathy", dt.date(2023, 4, 11)),
    # a personal blog: its header's <h1> greets the reader, its author meta says "admin"
    "blog-site-header-letters": ("Letters I Kept", "Nicolas Ferrand", dt.date(2022, 2, 14)),
    "blogger-allotment-year": ("A Year on Plot 17", "Margaret Holloway", dt.date(2023, 12, 30)),
    "ghost-night-trains": ("The Return of the Night Train", "Tomás Okafor", dt.date(2024, 5, 14)),
    "hashnode-code-review": (
        "Code Review Is a Conversation, Not a Gate",
        "Mei Tanaka",
        dt.date(2024, 7, 12),
    ),
    "hugo-dotfiles": ("Keep Your Notes in Plain Text", "Arjun Mehta", dt.date(2022, 8, 3)),
    "medium-reading-slowly": (
        "I Stopped Reading Fast, and I Remember Books Again",
        "Hana Lindqvist",
        dt.date(2023, 10, 9),
    ),
    "news-four-day-week": (
        "Town's Four-Day Week Trial Ends With Most Staff Wanting to Keep It",
        "Daniel Reyes",
        dt.date(2024, 6, 21),
    ),
    # ASP.NET: the whole page in a <form>, the article's second half in a "paywall" box
    "news-aspnet-ferry": (
        "Island Ferry Returns After Two Winters Ashore",
        "Marta Quill",
        dt.date(2023, 11, 8),
    ),
    "newsletter-bread": ("The Loaf That Taught Me Patience", "Colm Brennan", dt.date(2024, 9, 5)),
    "squarespace-studio-light": ("On North Light", "Elif Demir", dt.date(2024, 1, 22)),
    "substack-repair-cafe": ("Notes from a Repair Café", "Grace Adeyemi", dt.date(2024, 2, 17)),
    # an encyclopedia names no author; its date is the last edit its footer gives
    "wiki-dry-stone-wall": ("Dry stone wall", None, dt.date(2024, 2, 3)),
    "wix-grief-and-gardens": (
        "What My Father's Garden Knew",
        "Lucía Ferrante",
        dt.date(2024, 4, 28),
    ),
    "wordpress-quiet-hobbies": ("Hobbies Nobody Sees", "Priya Natarajan", dt.date(2024, 3, 2)),
}


def golden_lines(narration: Narration) -> list[str]:
    """The narration as the golden files hold it: chapters as "# Title", then sentences."""
    lines: list[str] = []
    for chapter in narration.chapters:
        lines.append(f"# {chapter.title}")
        lines += [
            " ".join(sentence.text.split())
            for block in chapter.blocks
            if block.kind != "heading"
            for sentence in block.sentences
        ]
    return lines


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_corpus_has_a_dozen_platforms_each_with_its_files() -> None:
    assert len(PAGES) >= 12
    assert {page.stem for page in PAGES} == set(EXPECTED_META)
    for page in PAGES:
        assert (CORPUS / f"{page.stem}.essay.txt").is_file(), page.name


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.stem)
def test_page_narration_matches_its_golden_file(page: Path) -> None:
    lines = golden_lines(narrate(read_script(page, Show())))
    golden = CORPUS / f"{page.stem}.golden.txt"
    if REGOLD:
        atomic.write_text(golden, "\n".join(lines) + "\n")
    assert golden.read_text(encoding="utf-8").splitlines() == lines


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.stem)
def test_every_essay_sentence_is_read_and_nothing_else(page: Path) -> None:
    """Recall and precision against the essay as written, page by page."""
    narration = narrate(read_script(page, Show()))
    essay = (CORPUS / f"{page.stem}.essay.txt").read_text(encoding="utf-8").splitlines()
    essay_headings = [line.removeprefix("# ") for line in essay if line.startswith("# ")]
    essay_text = flat(" ".join(line for line in essay if not line.startswith("# ")))
    said = [line for line in golden_lines(narration) if not line.startswith("# ")]
    said_text = flat(" ".join(said))
    lost = [line for line in essay if not line.startswith("# ") and flat(line) not in said_text]
    assert lost == [], f"essay sentences not narrated: {lost}"
    extra = [sentence for sentence in said if sentence not in essay_text]
    assert extra == [], f"narrated but not the essay's: {extra}"
    chapters = [chapter.title for chapter in narration.chapters if chapter.title != "Introduction"]
    assert chapters == essay_headings


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.stem)
def test_title_author_and_date_come_from_the_page(page: Path) -> None:
    meta = read_script(page, Show()).meta
    assert (meta.title, meta.author, meta.date) == EXPECTED_META[page.stem]
    assert meta.source_url is not None and meta.source_url.startswith("https://")
    assert meta.summary and meta.language.startswith("en")
