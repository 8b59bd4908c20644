"""Cut a Timeline into caption cues, and check caption files against the caption rules.

The rules (shared by WebVTT and SRT, and by `essaycast check`):

- a cue holds at most 2 lines of at most 42 characters and lasts at most 7 seconds;
- cues never overlap, never span two sentences, and a sentence's first cue starts at the
  sentence's start (so captions and highlights line up with what is said);
- a long sentence is cut where cutting costs least: at utterance ends (the voice pauses
  there) before clause ends (",", ";", ":", a dash) before other word gaps, never inside a
  word, with few cues and no stranded one-word cue;
- inside an utterance the voice's timing is unknown, so a word's time is the utterance's
  time shared out in proportion to characters; a cue never ends after its last utterance;
- a single word longer than a line (a URL, say) is hard-wrapped into 42-character pieces,
  which are laid out like words but joined without a space.

Characters are counted as a reader sees them: invisible format characters (bidi marks,
joiners) and combining accents take no room.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from pipeline.core.model import TimedSentence, TimedUtterance, Timeline

MAX_LINE_CHARS = 42
MAX_LINES = 2
MAX_CUE_MS = 7000
SENTENCE_ALIGN_MS = 50  # a sentence's first cue starts at most this far from the sentence

# A word ending like this closes a clause: a good place to end a cue.
CLAUSE_END = re.compile(r"[,;:\u2013\u2014)\]]['\"\u2019\u201d]*$|^[\u2013\u2014-]{1,2}$")
INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me"})


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]  # the author's words, unescaped


@dataclass(frozen=True)
class _Token:
    """A word (or a piece of a hard-wrapped word) with its share of its utterance's time."""

    text: str
    start_ms: int
    end_ms: int
    glued: bool  # continues the previous token without a space (hard-wrapped word)
    ends_utterance: bool

    @property
    def ends_clause(self) -> bool:
        return bool(CLAUSE_END.search(self.text))


def width(text: str) -> int:
    """Characters a reader sees: bidi marks and combining accents take no room.

    >>> width("caf\\u0065\\u0301"), width("\\u200fשלום\\u200f"), width("35%")
    (4, 4, 3)
    """
    return sum(1 for ch in text if unicodedata.category(ch) not in INVISIBLE_CATEGORIES)


def ms(seconds: float) -> int:
    """Seconds to whole milliseconds, the resolution of every caption format.

    >>> ms(1.2345), ms(0.0004)
    (1234, 0)
    """
    return round(seconds * 1000)


def hard_wrap(word: str, limit: int = MAX_LINE_CHARS) -> list[str]:
    """Pieces of at most ``limit`` visible characters; short words come back whole.

    >>> hard_wrap("abcdef", 4)
    ['abcd', 'ef']
    >>> hard_wrap("word")
    ['word']
    """
    pieces, current, seen = [], "", 0  # seen: width(current), kept as it grows
    for ch in word:
        shown = width(ch)
        if seen + shown > limit:
            pieces.append(current)
            current, seen = "", 0
        current += ch
        seen += shown
    return [*pieces, current]


def _tokens(utterance: TimedUtterance) -> list[_Token]:
    """The utterance's words, its time shared out by character offset."""
    start, end = ms(utterance.start), ms(utterance.end)
    pieces: list[tuple[int, str, bool]] = []  # (offset, text, glued)
    for match in re.finditer(r"\S+", utterance.text):
        offset = match.start()
        for index, piece in enumerate(hard_wrap(match.group())):
            pieces.append((offset, piece, index > 0))
            offset += len(piece)
    if not pieces:
        return []
    first = pieces[0][0]
    total = max(1, len(utterance.text.rstrip()) - first)
    starts = [start + (end - start) * (offset - first) // total for offset, _, _ in pieces]
    ends = [*starts[1:], end]
    return [
        _Token(text, s, e, glued, ends_utterance=index == len(pieces) - 1)
        for index, ((_, text, glued), s, e) in enumerate(zip(pieces, starts, ends, strict=True))
    ]


def _join(tokens: Sequence[_Token]) -> str:
    return "".join(("" if t.glued or i == 0 else " ") + t.text for i, t in enumerate(tokens))


class _Words:
    """A sentence's tokens, with running widths so any run's width is one subtraction."""

    def __init__(self, tokens: Sequence[_Token]) -> None:
        self.tokens = tokens
        self.widths = [width(t.text) for t in tokens]
        self.running = [0]
        for index, token in enumerate(tokens):
            space = 0 if token.glued or index == 0 else 1
            self.running.append(self.running[-1] + space + self.widths[index])

    def width(self, begin: int, end: int) -> int:
        """Width of tokens[begin:end] written on one line."""
        leading_space = 1 if begin > 0 and not self.tokens[begin].glued else 0
        return self.running[end] - self.running[begin] - leading_space

    def layout(self, begin: int, end: int) -> tuple[int, ...] | None:
        """Where tokens[begin:end] break into lines: () for one line, (cut,) for two, None
        if two lines are not enough.  Two lines are as even as possible, and on a tie the
        top one is shorter (the usual caption "pyramid")."""
        whole = self.width(begin, end)
        if whole <= MAX_LINE_CHARS:
            return ()
        if whole > 2 * MAX_LINE_CHARS + 1:  # the lines plus one space: no cut can help
            return None
        best: tuple[tuple[int, int], int] | None = None
        for cut in range(begin + 1, end):
            top, bottom = self.width(begin, cut), self.width(cut, end)
            score = (max(top, bottom), top)
            if score[0] <= MAX_LINE_CHARS and (best is None or score < best[0]):
                best = (score, cut)
        return None if best is None else (best[1],)

    def fits(self, begin: int, end: int) -> bool:
        if end - begin == 1:
            return True  # a lone piece always fits: it is at most one line long
        duration = self.tokens[end - 1].end_ms - self.tokens[begin].start_ms
        return duration <= MAX_CUE_MS and self.layout(begin, end) is not None

    def lines(self, begin: int, end: int) -> tuple[str, ...]:
        cuts = self.layout(begin, end) or ()
        edges = [begin, *cuts, end]
        return tuple(_join(self.tokens[a:b]) for a, b in itertools.pairwise(edges))


# What ending a cue after a token costs: cues should end where the voice pauses.
BREAK_COST = {"utterance": 0.0, "clause": 1.0, "word": 3.0, "inside a word": 8.0}
CUE_COST = 2.0  # fewer cues read more easily...
SHORT_CUE_CHARS, SHORT_CUE_COST = 20, 0.25  # ...and a lone "not." is worse than a word break


def _break_kind(token: _Token, following: _Token | None) -> str:
    if following is not None and following.glued:
        return "inside a word"
    if token.ends_utterance:
        return "utterance"
    return "clause" if token.ends_clause else "word"


def _cuts(words: _Words) -> list[tuple[int, int]]:
    """The cheapest way to cut a sentence into cues that each fit, as (begin, end) pairs.

    best[i] is the cheapest cutting of tokens[:i]; a cue tokens[j:i] must fit, which bounds
    how far back j can go (two lines of 42), so this stays linear in the sentence's length.
    """
    tokens = words.tokens
    best: list[tuple[float, int]] = [(0.0, 0)]
    for end in range(1, len(tokens) + 1):
        following = tokens[end] if end < len(tokens) else None
        ending = 0.0 if following is None else BREAK_COST[_break_kind(tokens[end - 1], following)]
        options = []
        for begin in range(end - 1, -1, -1):
            if not words.fits(begin, end):
                break
            short = max(0, SHORT_CUE_CHARS - words.width(begin, end)) * SHORT_CUE_COST
            options.append((best[begin][0] + CUE_COST + short + ending, begin))
        best.append(min(options))
    cuts: list[tuple[int, int]] = []
    end = len(tokens)
    while end:
        begin = best[end][1]
        cuts.insert(0, (begin, end))
        end = begin
    return cuts


def sentence_cues(sentence: TimedSentence, not_before_ms: int = 0) -> list[Cue]:
    """The cues of one sentence; the first starts at the sentence's start."""
    return list(_sentence_cues(sentence, not_before_ms))


# A build cuts every sentence for the VTT, again for the SRT, and again for each talking
# book's highlights: the cut is the costliest part of a build that redoes no audio.
@functools.lru_cache(maxsize=4096)
def _sentence_cues(sentence: TimedSentence, not_before_ms: int) -> tuple[Cue, ...]:
    tokens = [t for u in sentence.utterances for t in _tokens(u)]
    if not tokens:
        return ()
    # The first word is shown from the sentence's start, even if its utterance starts later.
    tokens[0] = replace(tokens[0], start_ms=max(ms(sentence.start), not_before_ms))
    words = _Words(tokens)
    cues: list[Cue] = []
    for begin, end in _cuts(words):
        start = max(tokens[begin].start_ms, not_before_ms)
        stop = min(tokens[end - 1].end_ms, start + MAX_CUE_MS)
        cues.append(Cue(start, stop, words.lines(begin, end)))
    return tuple(cues)


@dataclass(frozen=True)
class Clause:
    """Where one cue of a sentence is: its time, and its words in the sentence's text."""

    start_ms: int
    end_ms: int
    first: int  # characters [first, last) of TimedSentence.text
    last: int


def sentence_clauses(timeline: Timeline) -> list[list[Clause]]:
    """For every sentence of the timeline, in order, its cues as places in its text: the
    talking book highlights a long sentence clause by clause, on the captions' boundaries."""
    out: list[list[Clause]] = []
    last_end = 0
    for block in timeline.blocks:
        for sentence in block.sentences:
            offsets = _token_offsets(sentence)
            tokens = [t for u in sentence.utterances for t in _tokens(u)]
            cues = sentence_cues(sentence, last_end)
            clauses, at = [], 0
            for cue in cues:
                count = _count(tokens, cue, at)
                first = offsets[at][0]
                last = offsets[at + count - 1][1]
                clauses.append(Clause(cue.start_ms, cue.end_ms, first, last))
                at += count
                last_end = cue.end_ms
            out.append(clauses)
    return out


def _count(tokens: Sequence[_Token], cue: Cue, at: int) -> int:
    """How many tokens from ``at`` the cue shows (its lines, squashed, are their texts)."""
    shown = "".join(cue.lines).replace(" ", "")
    count, said = 0, ""
    while said != shown and at + count < len(tokens):
        said += tokens[at + count].text
        count += 1
    return count


def _token_offsets(sentence: TimedSentence) -> list[tuple[int, int]]:
    """Each token's characters in the sentence's text (its utterances joined by a space)."""
    offsets: list[tuple[int, int]] = []
    base = 0
    for utterance in sentence.utterances:
        for match in re.finditer(r"\S+", utterance.text):
            offset = base + match.start()
            for piece in hard_wrap(match.group()):
                offsets.append((offset, offset + len(piece)))
                offset += len(piece)
        base += len(utterance.text) + 1
    return offsets


def timeline_cues(timeline: Timeline) -> list[tuple[str, list[Cue]]]:
    """Every block's kind with its cues, in order, no two overlapping."""
    out: list[tuple[str, list[Cue]]] = []
    last_end = 0
    for block in timeline.blocks:
        cues: list[Cue] = []
        for sentence in block.sentences:
            for cue in sentence_cues(sentence, last_end):
                cues.append(cue)
                last_end = cue.end_ms
        out.append((block.kind, cues))
    return out


# --- checking caption files -------------------------------------------------------------

VTT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"
SRT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})"
VTT_TIMING = re.compile(rf"^{VTT_TIME}[ \t]+-->[ \t]+{VTT_TIME}(?:[ \t]+[^\s].*)?$")
SRT_TIMING = re.compile(rf"^{SRT_TIME} --> {SRT_TIME}$")
VTT_HEADER = re.compile(r"^\ufeff?WEBVTT(?:[ \t][^\n]*)?$")
VTT_TAG = re.compile(r"</?(?:[cibuv]|ruby|rt|lang)(?:\.[^\s.<>&]+)*(?:[ \t][^>\n]*)?>|<\d[\d:.]*>")
VTT_ENTITY = re.compile(r"&(?:amp|lt|gt|lrm|rlm|nbsp);|&#\d+;|&#[xX][0-9a-fA-F]+;")


def _millis(groups: Sequence[str]) -> int:
    hours, minutes, seconds, millis = (int(g) for g in groups)
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each blank-line-separated block."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    block: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append(line)
            continue
        if block:
            yield number - len(block), block
        block = []
    if block:
        yield len(lines) + 1 - len(block), block


def _check_cue(
    where: str, start: int, end: int, lines: Sequence[str], previous_end: int | None
) -> list[str]:
    problems = []
    if end <= start:
        problems.append(f"{where}: cue ends before it starts; make end > start")
    if end - start > MAX_CUE_MS:
        problems.append(f"{where}: cue lasts {(end - start) / 1000:.3f} s; split it to ≤ 7 s")
    if previous_end is not None and start < previous_end:
        problems.append(f"{where}: cue starts before the previous cue ends; cues must not overlap")
    if not 1 <= len(lines) <= MAX_LINES:
        problems.append(f"{where}: cue has {len(lines)} lines; use 1 or 2")
    for line in lines:
        if width(line) > MAX_LINE_CHARS:
            problems.append(f"{where}: line of {width(line)} characters; wrap at 42")
    return problems


def _check_arrows(where: str, raw_lines: Sequence[str]) -> list[str]:
    if any("-->" in line for line in raw_lines):
        return [f"{where}: cue text contains '-->', which reads as a timing line; escape it"]
    return []


def _vtt_text(line: str, where: str, problems: list[str]) -> str:
    """The visible text of a WebVTT payload line; reports bare '&' and '<'."""
    without_tags = VTT_TAG.sub("", line)
    if "<" in without_tags:
        problems.append(f"{where}: bare '<' in cue text; write &lt;")
    if "&" in VTT_ENTITY.sub("", without_tags):
        problems.append(f"{where}: bare '&' in cue text; write &amp;")
    return html.unescape(without_tags)


def validate_webvtt(text: str) -> list[str]:
    """Problems with a WebVTT caption file, each naming its line; [] when it is good.

    >>> validate_webvtt("WEBVTT\\n\\n00:00:00.000 --> 00:00:01.500\\nHello &amp; welcome.\\n")
    []
    >>> validate_webvtt("WEBVTT\\n\\n00:00.000 --> 00:00:09.000\\nA & B\\n")
    ['line 3: timing must be hh:mm:ss.ttt --> hh:mm:ss.ttt']
    """
    problems: list[str] = []
    blocks = list(_blocks(text))
    if not blocks or not VTT_HEADER.match(blocks[0][1][0]):
        return ["line 1: a WebVTT file must start with 'WEBVTT'"]
    if len(blocks[0][1]) > 1:
        problems.append("line 2: the 'WEBVTT' line must be followed by a blank line")
    previous_start = previous_end = None
    for first, lines in blocks[1:]:
        where = f"line {first}"
        if re.match(r"NOTE(?:[ \t]|$)", lines[0]):
            if any("-->" in line for line in lines):
                problems.append(f"{where}: a NOTE must not contain '-->'")
            continue
        if lines[0] in ("STYLE", "REGION") and previous_start is None:
            continue
        timing_index = 0 if "-->" in lines[0] else 1
        if timing_index >= len(lines):
            problems.append(f"{where}: block has no timing line")
            continue
        timing = VTT_TIMING.match(lines[timing_index])
        where = f"line {first + timing_index}"
        if not timing:
            problems.append(f"{where}: timing must be hh:mm:ss.ttt --> hh:mm:ss.ttt")
            continue
        start, end = _millis(timing.groups()[:4]), _millis(timing.groups()[4:8])
        if previous_start is not None and start < previous_start:
            problems.append(f"{where}: cue starts before the previous cue; sort cues by time")
        raw = lines[timing_index + 1 :]
        problems += _check_arrows(where, raw)
        payload = [_vtt_text(line, where, problems) for line in raw]
        problems += _check_cue(where, start, end, payload, previous_end)
        previous_start, previous_end = start, end
    return problems


def validate_srt(text: str) -> list[str]:
    """Problems with an SRT subtitle file, each naming its line; [] when it is good.

    >>> validate_srt("1\\n00:00:00,000 --> 00:00:01,500\\nHello.\\n")
    []
    >>> validate_srt("1\\n00:00:02,000 --> 00:00:01,000\\nHello.\\n")
    ['line 2: cue ends before it starts; make end > start']
    """
    problems: list[str] = []
    previous_start = previous_end = None
    blocks = list(_blocks(text.removeprefix("\ufeff")))
    if not blocks:
        return ["line 1: an SRT file needs at least one subtitle"]
    for number, (first, lines) in enumerate(blocks, start=1):
        if lines[0].strip() != str(number):
            problems.append(f"line {first}: subtitle number should be {number}")
        timing = SRT_TIMING.match(lines[1]) if len(lines) > 1 else None
        where = f"line {first + 1}"
        if not timing:
            problems.append(f"{where}: timing must be hh:mm:ss,ttt --> hh:mm:ss,ttt")
            continue
        start, end = _millis(timing.groups()[:4]), _millis(timing.groups()[4:])
        if previous_start is not None and start < previous_start:
            problems.append(f"{where}: subtitle starts before the previous one; sort by time")
        problems += _check_arrows(where, lines[2:])
        problems += _check_cue(where, start, end, lines[2:], previous_end)
        previous_start, previous_end = start, end
    return problems
