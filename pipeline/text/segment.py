"""Split paragraphs into sentences, and sentences into utterances the voice can say.

Both splits happen only at a single space, so nothing is ever lost or added:
``" ".join(split_sentences(p)) == p`` and ``" ".join(split_utterances(s)) == s`` for text
with single spaces (the structure stage collapses whitespace).

An utterance is at most ``max_chars`` long, cut at the last clause boundary that fits
(; : or a dash, then a comma), else at the last space. One word longer than ``max_chars``
(a long URL, say) cannot be cut without breaking it, so it becomes an utterance of its own,
over the limit. Both functions run in time linear in the text's length.
"""

from __future__ import annotations

import re

from pipeline.text.math import INLINE

MAX_UTTERANCE_CHARS = 250

# Sentence-final punctuation, then any closing quotes or brackets, then a space.
SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?= )")
# Words that end with a full stop without ending the sentence: titles before a name,
# Latin abbreviations, references before a number.
NEVER_FINAL = frozenset(
    "dr mr mrs ms mx prof st mt rev fr sr jr gen sen rep gov capt col lt sgt hon "  # noqa: SIM905
    "vs cf viz al approx ca no nos fig figs p pp vol ch sec eq".split()
)
# Abbreviations only before a number; "No." before a word is the word no, ending a sentence.
BEFORE_A_NUMBER = frozenset(("no", "nos", "fig", "figs", "p", "pp", "vol", "ch", "sec", "eq"))
DOTTED_ABBREVIATION = re.compile(r"^(?:[A-Za-z]\.){2,}$")  # U.S., e.g., i.e., a.m.
INITIAL = re.compile(r"^[A-Z]\.$")  # J. R. R. Tolkien
OPENING_MARKS = "\"'“‘«([¿¡"
CLAUSE_BREAKS = ("; ", ": ", "— ", " —", " –", "– ")  # the space in each is the cut


def is_sentence_end(text: str, match: re.Match[str]) -> bool:
    """Whether the punctuation at ``match`` (followed by a space) ends a sentence."""
    following = text[match.end() + 1 : match.end() + 3].lstrip(OPENING_MARKS)[:1]
    if not following or following.islower():
        return False  # "and then... we left", "“Why?” she asked"
    if match[0] != ".":
        return True
    word_start = text.rfind(" ", 0, match.start()) + 1
    word = text[word_start : match.end()].lstrip(OPENING_MARKS)
    if INITIAL.match(word) or DOTTED_ABBREVIATION.match(word):
        return False
    if word[:-1].lower() in BEFORE_A_NUMBER:  # "No. 5" and "Fig. 3", but "No. Wait."
        return not following.isdigit()
    return word[:-1].lower() not in NEVER_FINAL


def split_sentences(paragraph: str) -> list[str]:
    """
    >>> split_sentences("Dr. Smith met J. R. R. Tolkien in the U.S. on Monday. It rained 3.5 cm!")
    ['Dr. Smith met J. R. R. Tolkien in the U.S. on Monday.', 'It rained 3.5 cm!']
    >>> split_sentences("Wait... what? “Why?” she asked. Fine, e.g. this. Then go.")
    ['Wait... what?', '“Why?” she asked.', 'Fine, e.g. this.', 'Then go.']
    >>> split_sentences("No. Wait. Yes. It is No. 5 in Fig. 2 of the list.")
    ['No.', 'Wait.', 'Yes.', 'It is No. 5 in Fig. 2 of the list.']
    """
    if not paragraph:
        return []
    sentences: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(paragraph):
        if is_sentence_end(paragraph, match):
            sentences.append(paragraph[start : match.end()])
            start = match.end() + 1
    sentences.append(paragraph[start:])
    return sentences


def best_cut(sentence: str, start: int, end: int) -> int:
    """Index of the space to cut at within ``sentence[start:end + 1]``; -1 when none.

    A clause boundary is preferred when it leaves the piece at least a third of the limit.
    """
    shortest = start + (end - start) // 3
    for breaks in (CLAUSE_BREAKS, (", ",)):
        # the space of ``mark`` sits at found + offset, which must not pass ``end``
        cuts = [
            found + mark.index(" ")
            for mark in breaks
            if (found := sentence.rfind(mark, shortest, end - mark.index(" ") + len(mark))) >= 0
        ]
        if cuts and max(cuts) > start:
            return max(cuts)
    return sentence.rfind(" ", start + 1, end + 1)


WORD_MARKS = re.compile("\0+")  # where split_utterances holds each formula


def split_utterances(sentence: str, max_chars: int = MAX_UTTERANCE_CHARS) -> list[str]:
    """
    >>> split_utterances("one, two; three four five", max_chars=16)
    ['one, two;', 'three four five']
    >>> split_utterances("see https://example.com/a/very/long/path ok", max_chars=10)
    ['see', 'https://example.com/a/very/long/path', 'ok']
    >>> split_utterances("so $a + b = c$ holds", max_chars=8)  # a formula is one word
    ['so', '$a + b = c$', 'holds']
    """
    formulas = [match[0] for match in INLINE.finditer(sentence)]
    if formulas:  # cut as if each formula were one word of its length, then put them back
        whole = INLINE.sub(lambda match: "\0" * len(match[0]), sentence)
        found = iter(formulas)
        return [
            WORD_MARKS.sub(lambda _: next(found), p) for p in split_utterances(whole, max_chars)
        ]
    pieces: list[str] = []
    start = 0
    while len(sentence) - start > max_chars:
        cut = best_cut(sentence, start, start + max_chars)
        if cut < 0:
            cut = sentence.find(" ", start + max_chars)  # one over-long word: its own piece
            if cut < 0:
                break
        pieces.append(sentence[start:cut])
        start = cut + 1
    pieces.append(sentence[start:])
    return pieces
