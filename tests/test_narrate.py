"""narrate(): golden files, the seed essay, robustness, hostile text and the cleaning report.

Golden files work like podcastparser's ``X.rss -> X.json``: every script in tests/data/text/
(``NNN-slug.txt`` or ``.md``) has a ``NNN-slug.segments.json`` beside it holding the chapters,
blocks, sentences and utterances (text and spoken) and the dropped lines. After an intended
change to cleaning, structure, segmentation or normalization, regenerate them with

    ESSAYCAST_REGOLD=1 .venv/bin/pytest tests/test_narrate.py

and read the diff before committing it: the diff IS the behaviour change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core import atomic
from pipeline.core.errors import ScriptError
from pipeline.core.model import EpisodeMeta, Narration, Script, Show
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import cleaning_report, narrate, spoken_block
from pipeline.reading.script import find_scripts
from pipeline.text.clean import clean, remove_invisible

ROOT = Path(__file__).resolve().parent.parent
TEXT = ROOT / "tests" / "data" / "text"
BAD = ROOT / "tests" / "data" / "bad"
SEED_SCRIPT = ROOT / "scripts" / "001-invisible-walls.txt"
REGOLD = os.environ.get("ESSAYCAST_REGOLD") == "1"


def as_json(script: Script, narration: Narration) -> dict[str, Any]:
    return {
        "title": narration.title,
        "warnings": list(script.warnings),
        "chapters": [
            {
                "title": chapter.title,
                "blocks": [
                    {
                        "kind": block.kind,
                        "sentences": [
                            {
                                "text": sentence.text,
                                "utterances": [
                                    {"text": u.text, "spoken": u.spoken}
                                    for u in sentence.utterances
                                ],
                            }
                            for sentence in block.sentences
                        ],
                    }
                    for block in chapter.blocks
                ],
            }
            for chapter in narration.chapters
        ],
        "dropped": [
            {"line": d.line_number, "reason": d.reason, "text": d.text} for d in narration.dropped
        ],
    }


def utterances(narration: Narration) -> list[str]:
    return [
        u.text
        for chapter in narration.chapters
        for block in chapter.blocks
        for sentence in block.sentences
        for u in sentence.utterances
    ]


# --- golden files ----------------------------------------------------------------------------


GOLDEN_INPUTS = find_scripts(TEXT)


def test_golden_corpus_is_there() -> None:
    assert {p.suffix for p in GOLDEN_INPUTS} == {".txt", ".md"} and len(GOLDEN_INPUTS) >= 3


@pytest.mark.parametrize("source", GOLDEN_INPUTS, ids=lambda p: p.name)
def test_golden(source: Path) -> None:
    script = read_script(source, Show())
    actual = as_json(script, narrate(script))
    golden = source.with_suffix(".segments.json")
    if REGOLD:
        atomic.write_text(golden, json.dumps(actual, ensure_ascii=False, indent=2) + "\n")
    assert golden.exists(), f"no golden file: run ESSAYCAST_REGOLD=1 pytest {__file__}"
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


# --- the seed essay --------------------------------------------------------------------------


SEED_CHAPTERS = [
    "Introduction",
    "The Roots of Stoicism: Masculinity’s Historical Burden",
    "Impact on Romantic Partnerships: The Unspoken Divide",
    "Breaking the Mold: A Path Towards Deeper Connection",
    "The Benefits of Emotional Freedom",
]
# (line in scripts/001-invisible-walls.txt, what the reason starts with)
SEED_DROPPED = [
    (7, "repeated at the top"),
    (9, "repeated at the top"),
    (11, "same as the episode title"),
    (17, "image caption"),
    (25, "image caption"),
    (33, "image caption"),
    (41, "image caption"),
    (49, "lone link title"),
    (51, "web page boilerplate"),
]


def test_seed_essay_structure() -> None:
    script = read_script(SEED_SCRIPT, Show())
    narration = narrate(script)
    assert narration.title == script.meta.title
    assert [c.title for c in narration.chapters] == SEED_CHAPTERS
    kinds = [[b.kind for b in c.blocks] for c in narration.chapters]
    assert kinds == [["paragraph"] * 2] + [["heading", "paragraph", "paragraph"]] * 4
    assert [b.text for b in narration.chapters[1].blocks][:1] == [SEED_CHAPTERS[1]]
    paragraphs = [b for c in narration.chapters for b in c.blocks if b.kind == "paragraph"]
    assert len(paragraphs) == 10
    assert paragraphs[0].text.startswith("From a young age, many men")
    assert paragraphs[-1].text.endswith("to be a man in a loving, intimate relationship.")


def test_seed_essay_drops_exactly_the_junk() -> None:
    script = read_script(SEED_SCRIPT, Show())
    narration = narrate(script)
    assert [
        (d.line_number, d.reason.split(" (")[0][: len(r)])
        for d, (_, r) in zip(narration.dropped, SEED_DROPPED, strict=True)
    ] == SEED_DROPPED
    lines = SEED_SCRIPT.read_text(encoding="utf-8").split("\n")
    spoken = " ".join(utterances(narration))
    for line_number, _ in SEED_DROPPED:
        junk = lines[line_number - 1].replace("\ue000", "").replace("\ue001", "")
        assert junk not in spoken
    for text in ("Wallpapers", "Alamy", "Stock Photo", "How to Be", "Leave a Reply", "\ue000"):
        assert text not in spoken


def test_seed_utterances_are_bounded_and_spoken_forms_are_plain() -> None:
    narration = narrate(read_script(SEED_SCRIPT, Show()))
    every = [
        u for c in narration.chapters for b in c.blocks for s in b.sentences for u in s.utterances
    ]
    assert all(len(u.text) <= 250 for u in every)
    assert all("—" not in u.spoken and "’" not in u.spoken for u in every)
    assert any("—" in u.text for u in every)  # transcripts keep the author's dashes


# --- property: nothing narratable is lost or duplicated --------------------------------------


JUNK_LINES = [
    "Leave a Reply",
    "Share this:",
    "Photo by Sam Lee on Unsplash",
    "Sunset at the lake | Wallpapers.com",
    "We use cookies to improve your experience.",
    "Related Posts",
    "How to Be Happy",
    "Tags: a, b",
]
WORD = st.one_of(
    st.sampled_from(["men", "walls", "Dr.", "U.S.", "3.5", "35%", "$3.50", "1999", "e.g.", "—"]),
    st.text(st.characters(exclude_categories=("Z", "Cc", "Cs")), min_size=1, max_size=12),
)
PROSE_LINE = st.tuples(
    st.lists(WORD, min_size=1, max_size=60), st.sampled_from([".", "!", "?", "", "…"])
).map(lambda t: " ".join(t[0]) + t[1])
HEADING_LINE = st.sampled_from(["A Heading Here", "Why Walls Rise", "Coda"])
BODY_LINE = st.one_of(
    PROSE_LINE, PROSE_LINE, HEADING_LINE, st.sampled_from(JUNK_LINES), st.just("")
)


def script_of(body: str, markdown: bool = False) -> Script:
    meta = EpisodeMeta(
        source=Path("scripts/001-test.txt"),
        slug="001-test",
        number=1,
        title="The Test Title",
        date=dt.date(2026, 1, 1),
        summary="S.",
    )
    return Script(meta, body, markdown, body_first_line=6)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(BODY_LINE, min_size=1, max_size=30), st.integers(min_value=20, max_value=300))
def test_cleaning_and_segmentation_never_lose_or_duplicate_a_word(
    lines: list[str], max_chars: int
) -> None:
    script = script_of("\n".join(lines))
    cleaned = clean(script)
    non_blank = {6 + i for i, line in enumerate(lines) if clean_words(line)}
    kept = {line.number for line in cleaned.lines if line.text.strip()}
    dropped = {d.line_number for d in cleaned.dropped}
    assert kept | dropped == non_blank and not kept & dropped
    kept_words = [w for line in cleaned.lines for w in line.text.split()]
    try:
        narration = narrate(script, max_chars=max_chars)
    except ScriptError:
        assert kept_words == []
        return
    spoken = utterances(narration)
    assert [w for u in spoken for w in u.split()] == kept_words
    assert all(len(u) <= max_chars or " " not in u for u in spoken)
    for chapter in narration.chapters:
        for block in chapter.blocks:
            for sentence in block.sentences:
                assert " ".join(u.text for u in sentence.utterances) == sentence.text


def clean_words(line: str) -> list[str]:
    return remove_invisible(line).split()


# --- robustness ------------------------------------------------------------------------------


def test_only_boilerplate_is_a_one_line_error_naming_the_file() -> None:
    script = read_script(BAD / "003-only-boilerplate.txt", Show())
    with pytest.raises(ScriptError) as caught:
        narrate(script)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{BAD / '003-only-boilerplate.txt'}: line 6: ")
    assert "nothing left to narrate after cleaning: all 8 lines were boilerplate" in message


def test_code_only_markdown_explains_what_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "001-code.md"
    path.write_text("---\ntitle: T\ndate: 2026-01-01\nsummary: S.\n---\n```\nx = 1\n```\n")
    with pytest.raises(ScriptError, match=r"0 of 3 lines were boilerplate and the rest is not"):
        narrate(read_script(path, Show()))


def test_a_megabyte_paragraph_narrates_bounded_and_whole(tmp_path: Path) -> None:
    body = " ".join(f"word{i % 997}" for i in range(130_000))
    assert len(body) > 1_000_000
    path = tmp_path / "001-huge.txt"
    path.write_text(f"---\ntitle: Huge\ndate: 2026-01-01\nsummary: S.\n---\n{body}\n")
    narration = narrate(read_script(path, Show()))
    pieces = utterances(narration)
    assert max(len(p) for p in pieces) <= 250
    assert " ".join(pieces) == body


def test_cp1252_script_narrates_with_the_warning_in_the_report() -> None:
    script = read_script(BAD / "005-cp1252.txt", Show())
    narration = narrate(script)
    assert utterances(narration)[0] == "The café sign said “Open” — it wasn’t."
    report = cleaning_report(script, narration)
    assert "not UTF-8 at byte" in report and "decoded as CP-1252" in report


HOSTILE_BODY = (
    "<script>alert('x')</script> & \"quotes\" and 'single' ones.\n\n"
    "A CDATA end ]]> and &amp; and a < b > c survive.\n\n"
    "Emoji 👨\u200d👩\u200d👧 and 🎉, RTL שלום\u200f עולם, flag 🏴\U000e0067\U000e0062\U000e0073"
    "\U000e0063\U000e0074\U000e007f too.\n"
)


def test_hostile_text_survives_intact(tmp_path: Path) -> None:
    title = 'A <b>Very</b> Long & "Hostile" Title ]]> ' + "very " * 60 + "long"
    path = tmp_path / "001-hostile.txt"
    front = f"---\ntitle: {json.dumps(title)}\ndate: 2026-01-01\nsummary: '<i>x</i> & y'\n---\n"
    path.write_text(front + HOSTILE_BODY, encoding="utf-8")
    script = read_script(path, Show())
    assert script.meta.title == title and script.meta.summary == "<i>x</i> & y"
    narration = narrate(script)
    assert narration.title == title
    texts = [b.text for c in narration.chapters for b in c.blocks]
    assert texts == [paragraph.strip() for paragraph in HOSTILE_BODY.split("\n\n")]


def test_markdown_hostile_html_is_not_read_but_code_spans_and_entities_are(
    tmp_path: Path,
) -> None:
    path = tmp_path / "001-hostile.md"
    path.write_text(
        "---\ntitle: T\ndate: 2026-01-01\nsummary: S.\n---\n"
        "Say `<script>` and &lt;b&gt; &amp; ]]> but not <script>alert(1)</script> here.\n"
    )
    narration = narrate(read_script(path, Show()))
    # The script element's contents are code, not words (issue 8): they go with its tags.
    assert utterances(narration) == ["Say <script> and <b> & ]]> but not here."]


# --- spoken_block and the cleaning report ----------------------------------------------------


def test_spoken_block_for_intro() -> None:
    block = spoken_block("intro", "Essaycast. Episode 1: The Invisible Walls.", "en")
    assert block.kind == "intro"
    assert block.text == "Essaycast. Episode 1: The Invisible Walls."
    assert [u.spoken for s in block.sentences for u in s.utterances] == [
        "Essaycast.",
        "Episode one: The Invisible Walls.",
    ]
    assert spoken_block("outro", "   ", "en").sentences == ()


def test_cleaning_report_for_the_seed() -> None:
    script = read_script(SEED_SCRIPT, Show())
    report = cleaning_report(script, narrate(script))
    lines = report.splitlines()
    assert lines[0] == f"Cleaning report for {SEED_SCRIPT}"
    assert "9 of 23 non-blank lines were dropped" in report
    assert (
        "line 17: image caption or credit (ends with a photo site): Download Every Man is on "
        "a Journey | Wallpapers.com" in lines
    )
    assert "line 51: web page boilerplate (comment form): Leave a Reply" in lines
    assert "Narrated: 5 chapters, 14 blocks, 31 sentences." in lines
    assert "Decoding" not in report and report.endswith("\n")


def test_cleaning_report_lists_unmatched_keep_and_drop(tmp_path: Path) -> None:
    path = tmp_path / "001-x.txt"
    path.write_text(
        "---\ntitle: T\ndate: 2026-01-01\nsummary: S.\nkeep: ['Share this:']\ndrop: [Nope]\n---\n"
        "A sentence.\n\nShare this:\n"
    )
    script = read_script(path, Show())
    narration = narrate(script)
    assert utterances(narration) == ["A sentence.", "Share this:"]
    report = cleaning_report(script, narration)
    assert "match no line of the body:\n  Nope\n" in report


# --- structure: headings and paragraphs in plain text ----------------------------------------


def chapters_of(body: str) -> list[tuple[str, list[tuple[str, str]]]]:
    narration = narrate(script_of(body))
    return [(c.title, [(b.kind, b.text) for b in c.blocks]) for c in narration.chapters]


def test_scraped_text_without_blank_lines_is_a_paragraph_per_line() -> None:
    body = (
        "First paragraph of the piece, which ends.\nSecond paragraph, also ending here.\n"
        "Share this:\nA Heading\nThird paragraph under the heading.\nPhoto by A on Unsplash\n"
        "Fourth paragraph.\n"
    )
    assert chapters_of(body) == [
        (
            "Introduction",
            [
                ("paragraph", "First paragraph of the piece, which ends."),
                ("paragraph", "Second paragraph, also ending here."),
            ],
        ),
        (
            "A Heading",
            [
                ("heading", "A Heading"),
                ("paragraph", "Third paragraph under the heading."),
                ("paragraph", "Fourth paragraph."),
            ],
        ),
    ]


def test_hard_wrapped_paragraphs_join_and_a_short_first_line_is_a_heading() -> None:
    body = (
        "The opening paragraph is wrapped at a fixed width, so its\nlines are short and have "
        "no final punctuation at all\nuntil the very end.\n\nThe Second Part\nThis paragraph "
        "comes right under its heading, with no blank\nline between them, as some editors do.\n"
    )
    assert chapters_of(body) == [
        (
            "Introduction",
            [
                (
                    "paragraph",
                    "The opening paragraph is wrapped at a fixed width, so its lines are short "
                    "and have no final punctuation at all until the very end.",
                )
            ],
        ),
        (
            "The Second Part",
            [
                ("heading", "The Second Part"),
                (
                    "paragraph",
                    "This paragraph comes right under its heading, with no blank line between "
                    "them, as some editors do.",
                ),
            ],
        ),
    ]


def test_a_short_line_not_followed_by_a_paragraph_is_read_as_a_paragraph() -> None:
    body = "Intro sentence here.\n\nPart One\n\nPart One Title\n\nBody of part one.\n"
    assert chapters_of(body) == [
        ("Introduction", [("paragraph", "Intro sentence here."), ("paragraph", "Part One")]),
        ("Part One Title", [("heading", "Part One Title"), ("paragraph", "Body of part one.")]),
    ]


def test_text_before_any_heading_is_optional() -> None:
    assert chapters_of("Only Heading\n\nAnd its paragraph.\n") == [
        ("Only Heading", [("heading", "Only Heading"), ("paragraph", "And its paragraph.")])
    ]
