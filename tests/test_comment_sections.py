"""Comment sections of the major platforms, copied as plain text under an essay, are
dropped as blocks: threads, sort tabs ("Top / Latest / Discussion"), empty states
("No comments yet", "Ready for more?") and comment forms. Each file in
tests/data/comments/ is one platform's section, as a copy from the browser shows it (written
for these tests, in the shapes the platforms use)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.core.model import EpisodeMeta, Script
from pipeline.reading.narrate import narrate

SECTIONS = sorted((Path(__file__).parent / "data" / "comments").glob("*.txt"))
TITLE = "The Long Way Home"
ESSAY = (
    "I walked home the long way every evening that winter, past the bakery and the closed "
    "cinema. It took forty minutes instead of ten, and I never once regretted it.",
    "The streets were quiet after seven. I learned which windows stayed lit, and which dogs "
    "would bark, and where the pavement dipped and held the rain.",
    "By spring I knew the town better than I had in twenty years of living there. That is "
    "the whole lesson, and it is a small one.",
)


@pytest.mark.parametrize("section", SECTIONS, ids=lambda path: path.stem)
def test_a_comment_section_is_dropped_and_the_essay_kept(section: Path) -> None:
    body = "\n\n".join((TITLE, *ESSAY, section.read_text(encoding="utf-8")))
    meta = EpisodeMeta(section, "001-x", 1, TITLE, dt.date(2025, 3, 1), "S.")
    narration = narrate(Script(meta, body, False, 1))
    paragraphs = [block.text for chapter in narration.chapters for block in chapter.blocks]
    assert paragraphs == list(ESSAY)


def test_every_platform_is_in_the_set() -> None:
    names = {path.stem.split("-")[0] for path in SECTIONS}
    assert {"substack", "medium", "wordpress", "ghost", "disqus", "blogger"} <= names
