"""Block rules: a page's header, tail and boxes go whole; the essay's own lines never do."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import make_project, run_build

from pipeline.core.errors import ScriptError
from pipeline.core.model import EpisodeMeta, Narration, Script
from pipeline.reading.narrate import cleaning_report, narrate
from pipeline.text.clean import clean

FIRST = "I started knitting the winter my daughter left home, and it kept my hands busy."
SECOND = "The scarf is still not finished, which is, I have decided, the point of it."
THIRD = "Some evenings I knit a single row and put it down, and that is enough for me."

THREAD = """3 thoughts on “Quiet Hobbies”
Sam says:
March 4, 2024 at 8:12 am
Loved this! I started pressing flowers last spring and told no one.
Reply
Ellie R. says:
March 6, 2024 at 6:45 pm
My dad walks the same loop every night. I think I understand now.
Reply"""


def script_of(body: str, *, keep: tuple[str, ...] = (), drop: tuple[str, ...] = ()) -> Script:
    meta = EpisodeMeta(
        source=Path("scripts/001-test.txt"),
        slug="001-test",
        number=1,
        title="Quiet Hobbies",
        date=dt.date(2026, 1, 1),
        summary="S.",
        keep_lines=keep,
        drop_lines=drop,
    )
    return Script(meta, body, False, body_first_line=1)


def narrated(narration: Narration) -> list[str]:
    return [block.text for chapter in narration.chapters for block in chapter.blocks]


def test_a_comment_thread_goes_whole_and_is_reported_as_one_range() -> None:
    script = script_of(f"{FIRST}\n\n{SECOND}\n\n{THREAD}\n")
    narration = narrate(script)
    assert narrated(narration) == [FIRST, SECOND]
    assert {d.reason for d in narration.dropped} == {"comment thread"}
    report = cleaning_report(script, narration)
    assert "lines 5-13: comment thread (9 lines): 3 thoughts on “Quiet Hobbies” … Reply" in report


def test_prose_after_a_comment_opener_without_comment_chrome_is_the_essay() -> None:
    """A section the author called "Comments" holds prose, but no "Reply" or date lines."""
    cleaned = clean(script_of(f"{FIRST}\n\nComments\n\n{SECOND}\n\n{THIRD}\n"))
    assert [line.text for line in cleaned.lines if line.text] == [FIRST, SECOND, THIRD]


def test_an_essay_section_called_notes_is_read() -> None:
    notes = "My grandmother was born in 1921, and she kept every letter she was sent."
    narration = narrate(script_of(f"{FIRST}\n\nNotes\n\n{notes}\n\n{SECOND}\n"))
    assert narrated(narration) == [FIRST, "Notes", notes, SECOND]


def test_a_wiki_reference_list_goes() -> None:
    references = "References\n^ Smith, J. (2010). Hedges. Oxford University Press. p. 12."
    narration = narrate(script_of(f"{FIRST}\n\n{SECOND}\n\n{references}\n"))
    assert narrated(narration) == [FIRST, SECOND]


def test_the_tail_is_only_dropped_when_every_line_after_it_is_accounted_for() -> None:
    body = (
        f"{FIRST}\n\nRelated Posts\nHow to Rest\nWhy We Nap\n\nMiddle Rows\n\n{SECOND}\n\n{THIRD}\n"
    )
    cleaned = clean(script_of(body))
    kept = [line.text for line in cleaned.lines if line.text]
    assert kept == [FIRST, "Middle Rows", SECOND, THIRD]  # the box goes, not what follows
    assert [d.reason for d in cleaned.dropped] == ["related posts"] * 3


def test_about_the_author_never_becomes_a_chapter() -> None:
    bio = "\n".join(f"Maya wrote book number {n} of her series in a shed." for n in range(5))
    narration = narrate(script_of(f"{FIRST}\n\nAbout the Author\n\n{bio}\n"))
    assert [chapter.title for chapter in narration.chapters] == ["Introduction"]
    assert "About the Author" not in " ".join(narrated(narration))


def test_a_short_bio_after_about_the_author_goes_with_it() -> None:
    bio = "Maya writes about slow living from Leeds. Follow her on Instagram @maya.knits."
    narration = narrate(script_of(f"{FIRST}\n\n{SECOND}\n\nAbout the Author\n{bio}\n"))
    assert narrated(narration) == [FIRST, SECOND]


def test_a_bio_that_nothing_opens_goes_when_it_ends_the_page() -> None:
    bio = "Dana Ortiz covers climate for the Courier. Follow her on X @dana_ortiz."
    narration = narrate(script_of(f"{FIRST}\n\n{SECOND}\n\n{bio}\n\nMost Read\nFerry fares rise\n"))
    assert narrated(narration) == [FIRST, SECOND]


def test_keep_and_drop_overrule_the_blocks() -> None:
    loved = "Loved this! I started pressing flowers last spring and told no one."
    script = script_of(f"{FIRST}\n\n{SECOND}\n\n{THREAD}\n", keep=(loved,), drop=(SECOND,))
    narration = narrate(script)
    assert narrated(narration) == [FIRST, loved]
    reasons = {d.text: d.reason for d in narration.dropped}
    assert reasons[SECOND] == "listed under 'drop' in the front matter"
    assert reasons["Reply"] == "comment thread"


def test_the_header_goes_only_when_it_shows_chrome() -> None:
    header = "Quiet Corner\nHome\nEssays\nPosted on March 2, 2024 by Priya\n5 min read\n\n"
    cleaned = clean(script_of(f"{header}{FIRST}\n\n{SECOND}\n"))
    assert [line.text for line in cleaned.lines if line.text] == [FIRST, SECOND]
    plain = clean(script_of(f"Part One\n\n{FIRST}\n\n{SECOND}\n"))
    assert plain.dropped == ()  # no chrome: "Part One" is the essay's heading


def test_the_first_heading_under_the_header_stays() -> None:
    body = f"Home\nEssays\n5 min read\n\nWhere It Began\n\n{FIRST}\n\n{SECOND}\n"
    narration = narrate(script_of(body))
    assert [chapter.title for chapter in narration.chapters] == ["Where It Began"]


def test_a_byline_stuck_to_a_date_is_not_a_heading() -> None:
    body = f"Essays\nQuiet Hobbies\nMarch 28, 2024\nHana Ito\n\n{FIRST}\n\n{SECOND}\n"
    narration = narrate(script_of(body))
    assert [chapter.title for chapter in narration.chapters] == ["Introduction"]
    assert narrated(narration) == [FIRST, SECOND]


@pytest.mark.parametrize(
    "heading", ["What Counts as a Quiet Hobby?", "1. Start small", "The Dull Middle Rows"]
)
def test_question_numbered_and_title_case_headings_become_chapters(heading: str) -> None:
    narration = narrate(script_of(f"{FIRST}\n\n{heading}\n\n{SECOND}\n"))
    assert [chapter.title for chapter in narration.chapters] == ["Introduction", heading]


def test_a_question_that_is_not_title_case_stays_a_paragraph() -> None:
    narration = narrate(script_of(f"{FIRST}\n\nWhat do you do all day?\n\n{SECOND}\n"))
    assert [chapter.title for chapter in narration.chapters] == ["Introduction"]


def test_a_list_of_short_lines_is_read_item_by_item_and_is_never_a_heading() -> None:
    narration = narrate(script_of(f"{FIRST}\n\nA torch\nA map\nA flask\n\n{SECOND}\n"))
    assert [chapter.title for chapter in narration.chapters] == ["Introduction"]
    assert narrated(narration) == [FIRST, "A torch", "A map", "A flask", SECOND]


def forms(narration: Narration) -> list[tuple[str | None, int]]:
    return [(b.form.list_kind, b.form.list_id) for c in narration.chapters for b in c.blocks]


def test_a_numbered_list_in_plain_text_is_an_ordered_list_whose_numbers_are_not_said() -> None:
    steps = "1. Cast on twenty stitches.\n2) Knit every row,\n   loosely.\n3. Bind off."
    apart = "1. Wind the wool.\n\n2. Find the needles."
    narration = narrate(script_of(f"{FIRST}\n\n{steps}\n\n{SECOND}\n\n{apart}\n\n{THIRD}\n"))
    assert narrated(narration) == [
        FIRST, "Cast on twenty stitches.", "Knit every row, loosely.", "Bind off.", SECOND,
        "Wind the wool.", "Find the needles.", THIRD,
    ]  # fmt: skip
    kinds = forms(narration)
    assert [kind for kind, _ in kinds] == [None, "ol", "ol", "ol", None, "ol", "ol", None]
    assert kinds[1][1] == kinds[3][1] != kinds[5][1] == kinds[6][1]  # two lists, not one


def test_a_plain_numbered_list_is_an_ol_on_the_page_and_unnumbered_in_the_captions(
    tmp_path: Path,
) -> None:
    steps = "1. Cast on twenty stitches.\n2. Knit every row.\n3. Bind off."
    body = f"Quiet Hobbies\n\n{FIRST}\n\n{steps}\n\n{SECOND}\n"
    project = make_project(tmp_path / "p", {"002-steps.txt": body}, seed=False)
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed, result.failed
    (built,) = result.built
    page = built.files.page.read_text(encoding="utf-8")
    (ordered,) = [o for o in re.findall(r"<ol>(.*?)</ol>", page, re.DOTALL) if "Cast on" in o]
    items = re.findall(r"<li>.*?</li>", ordered, re.DOTALL)
    assert len(items) == 3 and "Bind off." in items[2] and "3." not in items[2]
    captions = built.files.vtt.read_text(encoding="utf-8")
    assert "Cast on twenty stitches." in captions and "1. Cast" not in captions


def test_a_number_that_opens_a_heading_or_a_paragraph_is_kept_and_said() -> None:
    body = f"1. Beginnings\n\n{FIRST}\n\n4. The fourth row is the hardest. {SECOND}\n"
    narration = narrate(script_of(body))
    assert [chapter.title for chapter in narration.chapters] == ["1. Beginnings"]
    assert narrated(narration)[-1] == f"4. The fourth row is the hardest. {SECOND}"
    assert {kind for kind, _ in forms(narration)} == {None}


def test_markdown_is_not_cut_into_blocks() -> None:
    """Markdown is written (or converted from HTML) as an essay: only line rules apply."""
    script = script_of(f"{FIRST}\n\n## Notes\n\n{SECOND}\n\nReply\n")
    script = Script(script.meta, script.body, True, 1)
    narration = narrate(script)
    assert narrated(narration) == [FIRST, "Notes", SECOND]  # "Reply" is a line rule


def test_a_page_of_nothing_but_chrome_is_still_one_clear_error() -> None:
    with pytest.raises(ScriptError, match="nothing left to narrate after cleaning") as caught:
        narrate(script_of(f"Home\nEssays\n5 min read\n\n{THREAD}\n"))
    assert "\n" not in str(caught.value)


def test_a_line_opening_with_lowercase_by_is_prose_and_by_admin_is_a_byline() -> None:
    wrapped = "A scarf that is never finished is a scarf you can always pick up again, and so,\n"
    wrapped += "by definition. Thus Halbrook\nknitters call it the longest scarf in town."
    body = f"Quiet Hobbies\nBy admin\n\n{FIRST}\n\n{wrapped}\n\n{SECOND}\n"
    narration = narrate(script_of(body))
    text = " ".join(narrated(narration))
    assert "by definition. Thus Halbrook knitters" in text
    assert "admin" not in text
    assert [line.text for line in narration.dropped if "byline" in line.reason] == ["By admin"]
