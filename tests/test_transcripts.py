"""Transcripts: captions checked by an independent strict parser, texts checked word for word.

The timelines here are built by hand the way the build makes them: every utterance has
exact times, sentences and blocks follow each other with pauses.  `essay_timeline()` and
`small_timeline()` are also used by tests/test_page.py.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.model import (
    ChapterMark,
    EpisodeFiles,
    EpisodeMeta,
    Show,
    TimedBlock,
    TimedSentence,
    TimedUtterance,
    Timeline,
)
from pipeline.release import transcripts
from pipeline.release.captions import validate_srt, validate_webvtt

GOLDEN = Path(__file__).parent / "data" / "timeline"
HOSTILE_TITLE = 'Walls & <script>alert(1)</script> "quoted" ]]>'

# (kind, chapter, sentences as lists of utterance texts)
BlockSpec = tuple[str, int, Sequence[Sequence[str]]]

ESSAY: list[BlockSpec] = [
    ("intro", 0, [["Essaycast.", f"Episode 7: {HOSTILE_TITLE}."]]),
    (
        "paragraph",
        0,
        [
            [
                "When Dr. Alvarez measured the hallway,",
                "she found that 35% of visitors turned back before the second door.",
            ],
            [
                "It was not the distance, nor the lighting,",
                "nor the faint smell of disinfectant that stopped them,",
                "but something harder to name: a sense, shared by nearly everyone who walked in,",
                "that the building itself had quietly decided who belonged there and who did not.",
            ],
            [
                "Nobody in the lobby could have told you which sign or which counter or which "
                "carefully angled chair was doing the work of keeping them out of the building"
            ],
        ],
    ),
    ("heading", 1, [["Walls you cannot see"]]),
    (
        "paragraph",
        1,
        [
            [
                "Café owners in Zürich — and in Tōkyō — told her the same thing:",
                "“people read the room before they read the menu.”",
            ],
            [
                "The sign read \u200fمرحبا\u200f in Arabic and שלום in Hebrew 👋🏽"
                " for everyone else."
            ],
            [
                "Some visitors typed <script>alert(1)</script> into the kiosk,",
                'or ]]> and & and "quotes" and arrows like --> and the system shrugged.',
            ],
        ],
    ),
    ("heading", 2, [["What we owe each other"]]),
    ("paragraph", 2, [["Walls are decisions.", "Decisions can be unmade."]]),
    ("outro", 2, [["You have been listening to Essaycast.", "Thank you for listening."]]),
]
ESSAY_CHAPTERS = ["Introduction", "Walls you cannot see", "What we owe each other"]

SMALL: list[BlockSpec] = [
    ("intro", 0, [["Essaycast.", "Episode 1: Fish & <b>chips</b>."]]),
    ("paragraph", 0, [["Dr. Alvarez ate 35% of the fish,", "and all of the chips."], ["Yes."]]),
    ("heading", 1, [["The <end>"]]),
    ("paragraph", 1, [["That is all & that is enough."]]),
    ("outro", 1, [["Thank you for listening."]]),
]
SMALL_CHAPTERS = ["Introduction", "The <end>"]


def build_timeline(
    spec: Sequence[BlockSpec],
    chapter_titles: Sequence[str],
    *,
    chars_per_second: float = 14.0,
    utterance_gap: float = 0.25,
    sentence_gap: float = 0.5,
    block_gap: float = 0.9,
    lead_in: float = 0.0,
) -> Timeline:
    """Times as a build would measure them: each utterance lasts len/chars_per_second."""
    now = lead_in
    blocks = []
    for kind, chapter, sentences in spec:
        block_start = now
        timed_sentences = []
        for utterance_texts in sentences:
            sentence_start = now
            utterances = []
            for text in utterance_texts:
                end = round(now + len(text) / chars_per_second, 3)
                utterances.append(TimedUtterance(text, round(now, 3), end))
                now = end + utterance_gap
            now -= utterance_gap
            text = " ".join(u.text for u in utterances)
            timed_sentences.append(
                TimedSentence(text, round(sentence_start, 3), round(now, 3), tuple(utterances))
            )
            now += sentence_gap
        now -= sentence_gap
        blocks.append(
            TimedBlock(kind, chapter, round(block_start, 3), round(now, 3), tuple(timed_sentences))  # type: ignore[arg-type]
        )
        now += block_gap
    duration = round(now - block_gap + 1.0, 3)
    starts = [0.0] + [
        next(b.start for b in blocks if b.chapter == index)
        for index in range(1, len(chapter_titles))
    ]
    ends = [*starts[1:], duration]
    chapters = tuple(
        ChapterMark(title, start, end)
        for title, start, end in zip(chapter_titles, starts, ends, strict=True)
    )
    return Timeline(tuple(blocks), chapters, duration)


def essay_timeline(**timing: float) -> Timeline:
    return build_timeline(ESSAY, ESSAY_CHAPTERS, **timing)


def small_timeline() -> Timeline:
    return build_timeline(SMALL, SMALL_CHAPTERS, lead_in=0.5)


def meta_for(slug: str = "007-invisible-walls", title: str = HOSTILE_TITLE) -> EpisodeMeta:
    return EpisodeMeta(
        source=Path(f"scripts/{slug}.md"),
        slug=slug,
        number=int(slug[:3]),
        title=title,
        date=dt.date(2024, 5, 1),
        summary="Why people turn back at doors that are open. <b>Not bold</b> & more.",
    )


# --- an independent, strict reader of caption files ------------------------------------


@dataclass
class ParsedCue:
    start: float
    end: float
    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


STRICT_VTT_TIMING = re.compile(
    r"(\d\d):([0-5]\d):([0-5]\d)\.(\d\d\d) --> (\d\d):([0-5]\d):([0-5]\d)\.(\d\d\d)"
)
STRICT_SRT_TIMING = re.compile(
    r"(\d\d):([0-5]\d):([0-5]\d),(\d\d\d) --> (\d\d):([0-5]\d):([0-5]\d),(\d\d\d)"
)


def _seconds(parts: Sequence[str]) -> float:
    h, m, s, t = (int(p) for p in parts)
    return h * 3600 + m * 60 + s + t / 1000


def parse_vtt_strictly(text: str) -> list[ParsedCue]:
    """Exactly our dialect: WEBVTT, blank line, NOTE lines or timing + 1-2 text lines."""
    assert text.startswith("WEBVTT\n\n"), "header"
    assert text.endswith("\n") and not text.endswith("\n\n"), "one final newline"
    cues = []
    for chunk in text[len("WEBVTT\n\n") :].rstrip("\n").split("\n\n"):
        lines = chunk.split("\n")
        if lines[0].startswith("NOTE "):
            assert len(lines) == 1 and "-->" not in lines[0]
            continue
        timing = STRICT_VTT_TIMING.fullmatch(lines[0])
        assert timing, f"bad timing line {lines[0]!r}"
        payload = lines[1:]
        for line in payload:
            # Only the three escapes we write; no tags at all.
            assert "<" not in line and ">" not in line, line
            assert not re.search(r"&(?!amp;|lt;|gt;)", line), line
        unescaped = [html.unescape(line) for line in payload]
        cues.append(
            ParsedCue(_seconds(timing.groups()[:4]), _seconds(timing.groups()[4:]), unescaped)
        )
    return cues


def parse_srt_strictly(text: str) -> list[ParsedCue]:
    cues = []
    for number, chunk in enumerate(text.rstrip("\n").split("\n\n"), start=1):
        lines = chunk.split("\n")
        assert lines[0] == str(number)
        timing = STRICT_SRT_TIMING.fullmatch(lines[1])
        assert timing, f"bad timing line {lines[1]!r}"
        payload = [line.replace("--\u2060>", "-->") for line in lines[2:]]
        cues.append(
            ParsedCue(_seconds(timing.groups()[:4]), _seconds(timing.groups()[4:]), payload)
        )
    return cues


def visible_length(line: str) -> int:
    return sum(1 for ch in line if unicodedata.category(ch) not in ("Cf", "Mn", "Me"))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_caption_rules(cues: list[ParsedCue], timeline: Timeline) -> None:
    """Every rule of the brief, checked against the timeline itself."""
    assert cues, "no cues"
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2, cue
        assert all(0 < visible_length(line) <= 42 for line in cue.lines), cue
        assert cue.end > cue.start, cue
        assert cue.end - cue.start <= 7.0 + 1e-9, cue
    for before, after in itertools.pairwise(cues):
        assert after.start >= before.end, (before, after)  # ordered, never overlapping

    # Walk the sentences, consuming cues: a cue never spans two sentences, the first cue
    # of each sentence starts within 50 ms of it, and no character is lost or added.
    queue = list(cues)
    for block in timeline.blocks:
        for sentence in block.sentences:
            wanted = squeeze(sentence.text)
            got, own = "", []
            while len(got) < len(wanted):
                own.append(queue.pop(0))
                got += squeeze(own[-1].text)
            assert got == wanted, (sentence.text, [c.text for c in own])
            assert abs(own[0].start - sentence.start) <= 0.050, (sentence.text, own[0])
            _assert_within_utterances(own, sentence)
    assert not queue, f"cues left over: {queue}"


def _assert_within_utterances(cues: list[ParsedCue], sentence: TimedSentence) -> None:
    """A cue shows words only while their utterance is being spoken (1 ms rounding)."""
    ends = []  # squeezed character count at the end of each utterance
    count = 0
    for utterance in sentence.utterances:
        count += len(squeeze(utterance.text))
        ends.append((count, utterance))
    seen = 0
    for index, cue in enumerate(cues):
        first_char, seen = seen, seen + len(squeeze(cue.text))
        first_utt = next(u for c, u in ends if first_char < c)
        last_utt = next(u for c, u in ends if seen <= c)
        assert cue.end <= last_utt.end + 0.0005, (cue, last_utt)
        if index:
            assert cue.start >= first_utt.start - 0.0005, (cue, first_utt)


# --- captions -------------------------------------------------------------------------


@pytest.mark.parametrize("make", [essay_timeline, small_timeline])
def test_webvtt_passes_both_validators_and_every_rule(make) -> None:  # type: ignore[no-untyped-def]
    timeline = make()
    vtt = transcripts.to_webvtt(timeline)
    assert validate_webvtt(vtt) == []
    assert_caption_rules(parse_vtt_strictly(vtt), timeline)


@pytest.mark.parametrize("make", [essay_timeline, small_timeline])
def test_srt_passes_both_validators_and_every_rule(make) -> None:  # type: ignore[no-untyped-def]
    timeline = make()
    srt = transcripts.to_srt(timeline)
    assert validate_srt(srt) == []
    assert_caption_rules(parse_srt_strictly(srt), timeline)


def test_captions_keep_every_word_in_order() -> None:
    timeline = essay_timeline()
    said = [word for block in timeline.blocks for word in block.text.split()]
    for cues in (
        parse_vtt_strictly(transcripts.to_webvtt(timeline)),
        parse_srt_strictly(transcripts.to_srt(timeline)),
    ):
        assert [word for cue in cues for word in cue.text.split()] == said


def test_long_sentence_is_split_and_times_are_shared_by_characters() -> None:
    timeline = essay_timeline()
    long_utterance = timeline.blocks[1].sentences[2].utterances[0]
    assert len(long_utterance.text.split()) > 25 and long_utterance.end - long_utterance.start > 7
    cues = [
        c
        for c in parse_vtt_strictly(transcripts.to_webvtt(timeline))
        if long_utterance.start - 0.01 <= c.start < long_utterance.end
    ]
    assert len(cues) >= 2
    text = long_utterance.text
    span = long_utterance.end - long_utterance.start
    for cue in cues[1:]:
        offset = text.index(cue.lines[0])  # the cue starts at this character of the utterance
        expected = long_utterance.start + span * offset / len(text)
        assert abs(cue.start - expected) <= 0.002, (cue, expected)
    assert cues[-1].end == pytest.approx(long_utterance.end, abs=0.0005)


def test_long_sentence_prefers_utterance_boundaries() -> None:
    timeline = essay_timeline()
    sentence = timeline.blocks[1].sentences[1]  # four clauses, 47 words
    assert len(sentence.text.split()) >= 40
    cues = [
        c
        for c in parse_vtt_strictly(transcripts.to_webvtt(timeline))
        if sentence.start - 0.01 <= c.start < sentence.end
    ]
    # The first three clauses each fit in a cue, so each ends one; the fourth (82
    # characters) cannot fit in two lines and is split at a word, leaving no orphan.
    cue_ends = [cue.lines[-1].split()[-1] for cue in cues]
    assert cue_ends[:3] == [u.text.split()[-1] for u in sentence.utterances[:3]], cues
    assert len(cues) == 5
    assert min(len(cue.text) for cue in cues) >= 15, cues


def test_a_word_longer_than_a_line_is_hard_wrapped_not_lost() -> None:
    url = "https://example.com/" + "very-long-path/" * 8 + "data.csv"
    spec: list[BlockSpec] = [("paragraph", 0, [[f"The data is at {url} for anyone."]])]
    timeline = build_timeline(spec, ["Introduction"])
    for text, parse in (
        (transcripts.to_webvtt(timeline), parse_vtt_strictly),
        (transcripts.to_srt(timeline), parse_srt_strictly),
    ):
        cues = parse(text)
        assert_caption_rules(cues, timeline)
        assert "".join(squeeze(c.text) for c in cues) == squeeze(timeline.blocks[0].text)
    assert validate_webvtt(transcripts.to_webvtt(timeline)) == []


def test_hostile_text_is_escaped_in_webvtt() -> None:
    vtt = transcripts.to_webvtt(essay_timeline())
    assert "<script>" not in vtt and "&lt;script&gt;alert(1)&lt;/script&gt;" in vtt
    assert "--&gt;" in vtt and " & " not in vtt and "&amp;" in vtt
    assert "\u200fمرحبا\u200f" in vtt and "👋🏽" in vtt


def test_intro_and_outro_are_marked_by_notes_not_in_cue_text() -> None:
    vtt = transcripts.to_webvtt(essay_timeline())
    notes = [line for line in vtt.splitlines() if line.startswith("NOTE")]
    assert len(notes) == 2 and "Intro" in notes[0] and "Outro" in notes[1]
    first_cue = vtt.split("\n\n")[2]
    assert first_cue.splitlines()[1].startswith("Essaycast. Episode 7")


def test_cues_never_overlap_when_timeline_has_no_pauses() -> None:
    timeline = essay_timeline(utterance_gap=0, sentence_gap=0, block_gap=0)
    assert_caption_rules(parse_vtt_strictly(transcripts.to_webvtt(timeline)), timeline)
    assert_caption_rules(parse_srt_strictly(transcripts.to_srt(timeline)), timeline)


WORD = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=("L", "N", "P", "S"), exclude_characters="\u2028\u2029"
    ),
    min_size=1,
    max_size=60,
)
UTTERANCE = st.lists(WORD, min_size=1, max_size=25).map(" ".join)
SENTENCE = st.lists(UTTERANCE, min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(
    sentences=st.lists(SENTENCE, min_size=1, max_size=5),
    chars_per_second=st.floats(min_value=3.0, max_value=40.0),
    gap=st.floats(min_value=0.0, max_value=2.0),
)
def test_any_timeline_yields_valid_captions(
    sentences: list[list[str]], chars_per_second: float, gap: float
) -> None:
    spec: list[BlockSpec] = [("paragraph", 0, sentences)]
    timeline = build_timeline(
        spec, ["Introduction"], chars_per_second=chars_per_second, utterance_gap=gap
    )
    vtt, srt = transcripts.to_webvtt(timeline), transcripts.to_srt(timeline)
    assert validate_webvtt(vtt) == [] and validate_srt(srt) == []
    assert_caption_rules(parse_vtt_strictly(vtt), timeline)
    assert_caption_rules(parse_srt_strictly(srt), timeline)


# --- the validators catch what they should --------------------------------------------

GOOD_CUE = "00:00:01.000 --> 00:00:02.000\nHello.\n"
BAD_VTT = {
    "no header": "00:00:01.000 --> 00:00:02.000\nHello.\n",
    "short timestamp": "WEBVTT\n\n00:01.000 --> 00:02.000\nHello.\n",
    "end before start": "WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nHello.\n",
    "too long": "WEBVTT\n\n00:00:00.000 --> 00:00:07.001\nHello.\n",
    "three lines": "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\na\nb\nc\n",
    "43 characters": "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n" + "x" * 43 + "\n",
    "overlap": f"WEBVTT\n\n{GOOD_CUE}\n00:00:01.500 --> 00:00:03.000\nAgain.\n",
    "out of order": f"WEBVTT\n\n{GOOD_CUE}\n00:00:00.000 --> 00:00:00.500\nEarlier.\n",
    "bare ampersand": "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nFish & chips\n",
    "bare tag": "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<script>x\n",
    "no blank after header": "WEBVTT\n00:00:00.000 --> 00:00:02.000\nHello.\n",
}


@pytest.mark.parametrize("name", sorted(BAD_VTT))
def test_validate_webvtt_reports_each_broken_rule(name: str) -> None:
    assert validate_webvtt(BAD_VTT[name]) != []


def test_validate_webvtt_accepts_notes_identifiers_and_entities() -> None:
    text = (
        "WEBVTT - a title\n\nNOTE a comment\n\ncue-1\n00:00:01.000 --> 00:00:02.000 align:start\n"
        "<v Narrator>Fish &amp; chips &#x1F44B;</v>\n"
    )
    assert validate_webvtt(text) == []


BAD_SRT = {
    "dot timestamp": "1\n00:00:00.000 --> 00:00:01.000\nHello.\n",
    "wrong number": "2\n00:00:00,000 --> 00:00:01,000\nHello.\n",
    "too long": "1\n00:00:00,000 --> 00:00:08,000\nHello.\n",
    "43 characters": "1\n00:00:00,000 --> 00:00:01,000\n" + "x" * 43 + "\n",
    "overlap": "1\n00:00:00,000 --> 00:00:02,000\nA\n\n2\n00:00:01,000 --> 00:00:03,000\nB\n",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(BAD_SRT))
def test_validate_srt_reports_each_broken_rule(name: str) -> None:
    assert validate_srt(BAD_SRT[name]) != []


# --- text and JSON ---------------------------------------------------------------------


def test_text_transcript_says_everything_in_order_and_marks_intro_outro() -> None:
    timeline = essay_timeline()
    text = transcripts.to_text(meta_for(), timeline)
    position = 0
    for block in timeline.blocks:
        found = text.find(block.text, position)
        assert found >= 0, block.text
        position = found + len(block.text)
    assert re.search(r"^\[Intro, 0:00\]\nEssaycast\.", text, re.M)
    assert re.search(r"^\[Outro, \d+:\d\d\]\nYou have been listening", text, re.M)
    assert "[Chapter: Introduction] (0:00)" in text  # unspoken title, marked as such
    assert re.search(r"^Walls you cannot see \(\d+:\d\d\)\n-{20,}$", text, re.M)
    assert text.startswith(HOSTILE_TITLE + "\n")


def test_plain_transcript_is_every_block_in_order() -> None:
    timeline = essay_timeline()
    plain = transcripts.plain_transcript(timeline)
    assert plain.split("\n\n") == [block.text for block in timeline.blocks]


def test_podcast_json_transcript_shape() -> None:
    timeline = essay_timeline()
    data = json.loads(json.dumps(transcripts.to_podcast_json(timeline)))
    assert data["version"] == "1.0.0"
    segments = data["segments"]
    assert all(set(s) <= {"startTime", "endTime", "body", "speaker", "kind"} for s in segments)
    assert all(
        isinstance(s["startTime"], float) and s["endTime"] > s["startTime"] for s in segments
    )
    starts = [s["startTime"] for s in segments]
    assert starts == sorted(starts)
    said = " ".join(block.text for block in timeline.blocks)
    assert " ".join(s["body"] for s in segments) == said
    assert segments[0]["kind"] == "intro" and segments[-1]["kind"] == "outro"
    assert "kind" not in segments[2]


def test_chapters_json_follows_podcasting_2_spec() -> None:
    timeline = essay_timeline()
    data = transcripts.to_chapters_json(meta_for(), timeline)
    assert data["version"] == "1.2.0"
    chapters = data["chapters"]
    assert [c["title"] for c in chapters] == ESSAY_CHAPTERS
    starts = [c["startTime"] for c in chapters]
    assert starts == sorted(starts) and starts[0] == 0.0
    assert all(isinstance(s, float) for s in starts)
    assert chapters[1]["startTime"] == timeline.blocks[2].start  # the heading is spoken
    assert data["fileName"] == "007-invisible-walls.mp3"


def test_write_transcripts_writes_every_file_atomically(tmp_path: Path) -> None:
    files = EpisodeFiles(tmp_path / "007-invisible-walls")
    timeline = essay_timeline()
    transcripts.write_transcripts(Show(), meta_for(), timeline, files)
    written = sorted(p.name for p in files.folder.iterdir())
    assert written == sorted(
        [
            "007-invisible-walls.vtt",
            "007-invisible-walls.srt",
            "007-invisible-walls.txt",
            "007-invisible-walls.json",
            "chapters.json",
        ]
    )
    assert validate_webvtt(files.vtt.read_text(encoding="utf-8")) == []
    assert json.loads(files.json.read_text(encoding="utf-8"))["version"] == "1.0.0"
    assert json.loads(files.chapters_json.read_text(encoding="utf-8"))["version"] == "1.2.0"
    assert "👋🏽" in files.json.read_text(encoding="utf-8")  # UTF-8, not \\u escapes


# --- golden files ---------------------------------------------------------------------

RENDERERS = {
    "small.vtt": lambda t: transcripts.to_webvtt(t),
    "small.srt": lambda t: transcripts.to_srt(t),
    "small.txt": lambda t: transcripts.to_text(meta_for("001-fish", "Fish & <b>chips</b>"), t),
    "small.json": lambda t: json.dumps(transcripts.to_podcast_json(t), indent=2) + "\n",
    "small.chapters.json": lambda t: (
        json.dumps(
            transcripts.to_chapters_json(meta_for("001-fish", "Fish & <b>chips</b>"), t), indent=2
        )
        + "\n"
    ),
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_golden_files(name: str) -> None:
    """Set ESSAYCAST_REGOLD=1 to rewrite them; then read the diff before committing."""
    rendered = RENDERERS[name](small_timeline())
    path = GOLDEN / name
    if os.environ.get("ESSAYCAST_REGOLD") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")
