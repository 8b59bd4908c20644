"""Sentences and utterances: where the text is cut, and that nothing is lost when it is."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.text.segment import split_sentences, split_utterances


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("Dr. Smith and Mr. Jones met Mrs. Lee.", ["Dr. Smith and Mr. Jones met Mrs. Lee."]),
        ("She lives in the U.S. Army base. Then.", ["She lives in the U.S. Army base.", "Then."]),
        (
            "Use tools, e.g. Hammers. And i.e. Nails.",
            ["Use tools, e.g. Hammers.", "And i.e. Nails."],
        ),
        ("It is 3.5 cm. Next.", ["It is 3.5 cm.", "Next."]),
        ("Wait... what happened? Nothing.", ["Wait... what happened?", "Nothing."]),
        ("Wait… Nothing happened.", ["Wait…", "Nothing happened."]),
        ("J. R. R. Tolkien wrote it.", ["J. R. R. Tolkien wrote it."]),
        ("“Why?” she asked. “Because.” Fine.", ["“Why?” she asked.", "“Because.”", "Fine."]),
        ("It was the ‘norm.’ The end.", ["It was the ‘norm.’", "The end."]),
        ("He won (again.) Then left.", ["He won (again.)", "Then left."]),
        ("See p. 5 and No. 7 today. Ok.", ["See p. 5 and No. 7 today.", "Ok."]),
        ("It ended in 1999. 2000 began.", ["It ended in 1999.", "2000 began."]),
        ("Shalom. שלום עולם. Done.", ["Shalom.", "שלום עולם.", "Done."]),
        ("", []),
        ("No punctuation at all", ["No punctuation at all"]),
    ],
)
def test_split_sentences(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


@pytest.mark.parametrize(
    ("sentence", "max_chars", "utterances"),
    [
        ("short", 250, ["short"]),
        ("alpha beta; gamma delta, epsilon", 18, ["alpha beta;", "gamma delta,", "epsilon"]),
        ("alpha: beta gamma delta", 12, ["alpha:", "beta gamma", "delta"]),
        ("words—dashed words — more words", 20, ["words—dashed words —", "more words"]),
        ("one — two three four five", 18, ["one — two three", "four five"]),  # dash too early
        ("a b, c d e f g h i j", 12, ["a b, c d e f", "g h i j"]),  # comma too early
        ("x https://example.com/long y", 8, ["x", "https://example.com/long", "y"]),
        ("https://example.com/long", 8, ["https://example.com/long"]),
    ],
)
def test_split_utterances(sentence: str, max_chars: int, utterances: list[str]) -> None:
    assert split_utterances(sentence, max_chars) == utterances


WORDS = st.sampled_from(
    [
        "word",
        "Word.",
        "Dr.",
        "U.S.",
        "e.g.",
        "3.5",
        "1,234",
        "end.",
        "Why?",
        "Yes!",
        "“Quoted.”",
        "J.",
        "R.",
        "etc.",
        "wait...",
        "…",
        "—",
        "a;",
        "b:",
        "c,",
        "dash—word",
        "https://x.org/a/b",
        "שלום.",
        "🎉",
        "&",
        "<script>",
        "]]>",
        "Mr.",
        "No.",
        "p.m.",
        "The",
        "the",
        "A",
        "(aside.)",
    ]
)
TOKEN = st.one_of(WORDS, st.text(st.characters(exclude_categories=("Z", "Cc")), min_size=1))
PARAGRAPH = st.lists(TOKEN, min_size=1, max_size=80).map(" ".join)


@given(PARAGRAPH)
def test_sentences_join_back_to_the_paragraph(paragraph: str) -> None:
    sentences = split_sentences(paragraph)
    assert " ".join(sentences) == paragraph
    assert all(sentences)


@given(PARAGRAPH, st.integers(min_value=1, max_value=300))
def test_utterances_join_back_and_are_bounded(sentence: str, max_chars: int) -> None:
    utterances = split_utterances(sentence, max_chars)
    assert " ".join(utterances) == sentence
    for utterance in utterances:
        assert utterance
        assert len(utterance) <= max_chars or " " not in utterance


def test_a_megabyte_without_punctuation_splits_completely() -> None:
    # How fast is test_time_is_linear's question, asked as a ratio: no wall-clock limit here.
    sentence = " ".join(f"w{i % 9973}" for i in range(200_000))
    assert len(sentence) > 1_000_000
    sentences = split_sentences(sentence)
    utterances = split_utterances(sentences[0])
    assert sentences == [sentence]
    assert " ".join(utterances) == sentence
    assert max(len(u) for u in utterances) <= 250
    assert len(utterances) < len(sentence) / 200  # pieces are near the limit, not tiny


@pytest.mark.parametrize("max_chars", [10, 250])
def test_time_is_linear(max_chars: int) -> None:
    """Doubling the text about doubles the time: no quadratic rescans."""

    def timed(n: int) -> float:
        text = "ab " * n
        started = time.perf_counter()
        split_utterances(text, max_chars)
        return time.perf_counter() - started

    small, large = min(timed(20_000) for _ in range(3)), min(timed(80_000) for _ in range(3))
    assert large < 4 * small * 3  # 4x the text: well under 16x (quadratic) the time


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("No. Wait. I was wrong.", ["No.", "Wait.", "I was wrong."]),
        ("Yes. Of course. Do it.", ["Yes.", "Of course.", "Do it."]),
        ('"No." She said it twice.', ['"No."', "She said it twice."]),
        ("It was No. 5 on the list. Then No. 6.", ["It was No. 5 on the list.", "Then No. 6."]),
        ("See Fig. 3 and pp. 12-14. Done.", ["See Fig. 3 and pp. 12-14.", "Done."]),
    ],
)
def test_no_and_yes_are_words_unless_a_number_follows(paragraph: str, expected: list[str]) -> None:
    assert split_sentences(paragraph) == expected
