"""The corpus (tests/data/corpus/, described in tests/corpus.py): pages -> narration.

Every page's narration must equal its golden file, and over the whole corpus the narration
must hold every sentence and heading of the essays (recall 100%) and almost nothing else
(precision at least 98%). The figures are printed in the test output, with or without -s.
After an intended change to cleaning, structure or segmentation, regenerate the golden
files with

    ESSAYCAST_REGOLD=1 .venv/bin/pytest tests/test_corpus.py

and read the diff: it is the behaviour change.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from corpus import (
    CORPUS,
    golden_lines,
    pages,
    read_essay,
    report,
    score,
    script_for,
    totals,
)

from pipeline.core import atomic
from pipeline.reading.narrate import narrate
from pipeline.text.readings import PICTOGRAPH

REGOLD = os.environ.get("ESSAYCAST_REGOLD") == "1"
PAGES = pages()
TEXT_PAGES = [page for page in PAGES if page.suffix == ".txt"]
MIN_TEXT_PAGES = 10
RECALL = 1.0
PRECISION = 0.98


def test_the_corpus_has_enough_plain_text_pages_each_with_its_files() -> None:
    assert len(TEXT_PAGES) >= MIN_TEXT_PAGES
    for page in TEXT_PAGES:
        assert REGOLD or (CORPUS / f"{page.stem}.golden.txt").is_file(), page.name
        essay = read_essay(page)
        assert essay.title and len(essay.sentences) >= 5, page.name


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.name)
def test_narration_matches_the_golden_file(page: Path) -> None:
    lines = golden_lines(narrate(script_for(page)))
    golden = CORPUS / f"{page.stem}.golden.txt"
    if REGOLD:
        atomic.write_text(golden, "\n".join(lines) + "\n")
    assert golden.exists(), f"no golden file: run ESSAYCAST_REGOLD=1 pytest {__file__}"
    assert golden.read_text(encoding="utf-8").splitlines() == lines


def test_recall_and_precision_over_the_whole_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    scores = [score(page, narrate(script_for(page))) for page in PAGES]
    result = totals(scores)
    with capsys.disabled():  # shown whether or not pytest captures output
        print(f"\n{result.line()}")
    assert result.recall >= RECALL and result.precision >= PRECISION, report(scores)


def test_a_page_that_loses_a_sentence_is_caught(tmp_path: Path) -> None:
    """The scorer itself: a sentence missing from the narration lowers recall."""
    page = TEXT_PAGES[0]
    narration = narrate(script_for(page))
    whole = score(page, narration)
    first = narration.chapters[0]
    shorter = type(narration)(
        narration.title,
        (type(first)(first.title, first.blocks[1:]), *narration.chapters[1:]),
        narration.dropped,
    )
    partial = score(page, shorter)
    assert whole.lost == () and len(partial.lost) >= 1
    assert totals([partial]).recall < RECALL


# What the voice must never be given from a page: pictographs, markup, raw addresses.
UNSPEAKABLE = re.compile(rf"{PICTOGRAPH.pattern}|https?:|www\.|[*•|_~^\[\]]|@\w|\d")


@pytest.mark.parametrize("page", TEXT_PAGES, ids=lambda path: path.name)
def test_the_voice_hears_words_not_symbols(page: Path) -> None:
    narration = narrate(script_for(page))
    spoken = [
        utterance.spoken
        for chapter in narration.chapters
        for block in chapter.blocks
        for sentence in block.sentences
        for utterance in sentence.utterances
    ]
    assert [text for text in spoken if UNSPEAKABLE.search(text)] == []
