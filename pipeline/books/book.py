"""What a talking book holds: the episode's text cut into documents, every sentence with its clip.

A reading system highlights each sentence while the narrator speaks it, so every sentence's
clip must be exactly where the captions put it: both come from the same Timeline.  Before a
book is made the timeline is checked against the narration, sentence by sentence; a sentence
the timeline does not hold, or a timeline that runs backwards or loses time, stops the book
with an error naming the sentence, so no book ever highlights the wrong text.

    intro       the show's spoken introduction (its own short document)
    chapter-NN  one per chapter of the essay: its heading, then its paragraphs
    outro       the show's spoken closing words
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from pipeline.core.errors import PipelineError
from pipeline.core.model import (
    PLAIN,
    BlockKind,
    Emphasis,
    Form,
    Narration,
    TimedBlock,
    TimedSentence,
    Timeline,
)
from pipeline.release.captions import Clause, sentence_clauses
from pipeline.release.written import Run, Written, runs

# More silence than this between two sentences means the timeline lost something: the
# longest pause the master stage makes is a chapter break of a second and a half.
MAX_GAP_S = 10.0
# Times are kept to the millisecond (as captions are); this much overlap is rounding.
TOLERANCE_S = 0.001
SHOW_KINDS = ("intro", "outro")  # spoken by the show, not part of the essay
# A sentence heard longer than this is highlighted clause by clause, on its caption cues'
# boundaries, so the highlight moves with the voice (captions last at most 7 s).
LONG_SENTENCE_S = 4.0

DocumentKind = Literal["intro", "chapter", "outro"]


class BookError(PipelineError):
    """The timeline cannot carry a talking book (a sentence is missing, or time runs wrong)."""


@dataclass(frozen=True)
class Phrase:
    """A clause of a long sentence: its own id, text (as runs) and clip."""

    id: str
    runs: tuple[Run, ...]
    begin: float
    end: float


@dataclass(frozen=True)
class Clip:
    """One sentence: its id in its document and where it is spoken in the audio; a long one
    also in clauses (``parts``), which the overlay plays in its place."""

    id: str
    text: str
    begin: float
    end: float
    runs: tuple[Run, ...] = ()
    parts: tuple[Phrase, ...] = ()

    @property
    def pars(self) -> tuple[Clip | Phrase, ...]:
        """What the Media Overlay plays: the clauses, or the sentence whole."""
        return self.parts or (self,)


@dataclass(frozen=True)
class Paragraph:
    kind: BlockKind
    clips: tuple[Clip, ...]
    form: Form = PLAIN


@dataclass(frozen=True)
class Document:
    """One XHTML content document and its Media Overlay."""

    name: str  # file stem: <name>.xhtml and <name>.smil
    kind: DocumentKind
    title: str
    heading: tuple[Clip, ...]  # the spoken heading; () when the title is not said aloud
    paragraphs: tuple[Paragraph, ...]
    depth: int = 1  # its heading's depth in the essay: h2 for 1, h3 for 2...

    @property
    def heading_tag(self) -> str:
        return f"h{min(6, self.depth + 1)}"

    @property
    def clips(self) -> tuple[Clip, ...]:
        """Every sentence in reading order, the heading first."""
        return self.heading + tuple(c for p in self.paragraphs for c in p.clips)

    @property
    def duration(self) -> float:
        """Seconds of audio its overlay plays: the sum of its clips, counted in the whole
        milliseconds the overlay writes, so a book's total is exactly the sum of its parts."""
        pars = [p for c in self.clips for p in c.pars]
        return sum(round(p.end * 1000) - round(p.begin * 1000) for p in pars) / 1000


def full_clock(seconds: float) -> str:
    """A SMIL full clock value, to the millisecond.

    >>> full_clock(0), full_clock(84.1494), full_clock(3723.5)
    ('0:00:00.000', '0:01:24.149', '1:02:03.500')
    """
    millis = round(seconds * 1000)
    whole, millis = divmod(millis, 1000)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def check_timeline(timeline: Timeline) -> None:
    """Every sentence has a forward span inside the audio, after the one before, with no lost
    stretch between them.  Raises BookError naming the first sentence that breaks this.

    >>> from pipeline.core.model import TimedBlock, TimedSentence
    >>> def tl(*spans):
    ...     s = tuple(TimedSentence(f"S{i}.", a, b, ()) for i, (a, b) in enumerate(spans))
    ...     return Timeline((TimedBlock("paragraph", 0, 0, 99, s),), (), 99)
    >>> check_timeline(tl((0, 1), (1.5, 2)))
    >>> check_timeline(tl((0, 1), (30, 31)))
    Traceback (most recent call last):
    pipeline.books.book.BookError: sentence 'S1.': 29.0 s of silence before it in the timeline \
(more than 10 s): the timeline lost a sentence; rebuild the audio (`essaycast build`)
    """
    previous: TimedSentence | None = None
    for sentence in _timed_sentences(timeline):
        where = f"sentence {_short(sentence.text)!r}"
        fix = "rebuild the audio (`essaycast build`)"
        if not sentence.end > sentence.start:
            raise BookError(f"{where}: its timing is empty or backwards; {fix}")
        if sentence.start < -TOLERANCE_S or sentence.end > timeline.duration + TOLERANCE_S:
            raise BookError(f"{where}: its timing is outside the audio; {fix}")
        if previous is not None:
            gap = sentence.start - previous.end
            if gap < -TOLERANCE_S:
                raise BookError(f"{where}: starts before the previous sentence ends; {fix}")
            if gap > MAX_GAP_S:
                raise BookError(
                    f"{where}: {gap:.1f} s of silence before it in the timeline "
                    f"(more than {MAX_GAP_S:g} s): the timeline lost a sentence; {fix}"
                )
        previous = sentence


def locate(narration: Narration, timeline: Timeline) -> None:
    """Every sentence of the narration is the timeline's next essay sentence, in order.

    Raises BookError naming the first sentence the timeline does not hold where it should.
    """
    timed = [s for b in timeline.blocks if b.kind not in SHOW_KINDS for s in b.sentences]
    written = [s for c in narration.chapters for b in c.blocks for s in b.sentences]
    fix = "rebuild the audio (`essaycast build`)"
    for index, sentence in enumerate(written):
        if index >= len(timed) or timed[index].text != sentence.text:
            found = f"found {_short(timed[index].text)!r}" if index < len(timed) else "it ends"
            raise BookError(
                f"sentence {_short(sentence.text)!r} cannot be located in the timeline "
                f"(where it belongs, {found}); {fix}"
            )
    if len(timed) > len(written):
        extra = timed[len(written)].text
        raise BookError(f"sentence {_short(extra)!r} is in the timeline but not in the script")


def documents(
    timeline: Timeline, prefix: str = "", writing: Written | None = None
) -> tuple[Document, ...]:
    """The book's documents in reading order; file stems start with ``prefix``; ``writing``
    says which blocks are list items or quotes and what is emphasized.

    Sentence ids count through the whole episode (s1, s2, ...), so an id names the same
    sentence in every document of a book and matches the n-th caption sentence; a long
    sentence's clauses are s7-1, s7-2...
    """
    check_timeline(timeline)
    writing = writing or Written({}, {})
    numbers = itertools.count(1)
    titles = {index: mark.title for index, mark in enumerate(timeline.chapters)}
    clauses = iter(sentence_clauses(timeline))
    place = {id(block): index for index, block in enumerate(timeline.blocks)}

    def clips(block: TimedBlock) -> tuple[Clip, ...]:
        out, at = [], 0
        emphasis = writing.form(place[id(block)]).emphasis
        for s in block.sentences:
            name = f"s{next(numbers)}"
            cut = next(clauses)
            parts: tuple[Phrase, ...] = ()
            if s.end - s.start > LONG_SENTENCE_S and len(cut) > 1:
                parts = _parts(name, s, cut, emphasis, at)
            out.append(Clip(name, s.text, s.start, s.end, runs(s.text, emphasis, at), parts))
            at += len(s.text) + 1
        return tuple(out)

    def paragraph(block: TimedBlock) -> Paragraph:
        return Paragraph(block.kind, clips(block), writing.form(place[id(block)]))

    intro: list[Paragraph] = []
    outro: list[Paragraph] = []
    chapters: dict[int, tuple[list[Clip], list[Paragraph]]] = {}
    for block in timeline.blocks:
        if block.kind in SHOW_KINDS:
            (intro if block.kind == "intro" else outro).append(paragraph(block))
            continue
        heading, paragraphs = chapters.setdefault(block.chapter, ([], []))
        if block.kind == "heading":
            heading.extend(clips(block))
        else:
            paragraphs.append(paragraph(block))
    out: list[Document] = []
    if intro:
        out.append(
            Document(f"{prefix}intro", "intro", "Introduction by the show", (), tuple(intro))
        )
    for position, (index, (heading, paragraphs)) in enumerate(sorted(chapters.items()), 1):
        title = titles.get(index) or " ".join(c.text for c in heading) or f"Part {position}"
        name = f"{prefix}chapter-{position:02d}"
        depth = writing.depth(index)
        out.append(Document(name, "chapter", title, tuple(heading), tuple(paragraphs), depth))
    if outro:
        out.append(Document(f"{prefix}outro", "outro", "Closing words", (), tuple(outro)))
    return tuple(out)


def _parts(
    name: str, sentence: TimedSentence, cut: list[Clause], emphasis: Sequence[Emphasis], at: int
) -> tuple[Phrase, ...]:
    """A long sentence's clauses: each starts where its caption cue starts and lasts until
    the next one starts (the last until the sentence ends), so they tile the sentence's clip;
    each clause's text runs to where the next one's begins, spaces and all."""
    text = sentence.text
    starts = [max(sentence.start, c.start_ms / 1000) for c in cut]
    starts[0] = sentence.start
    ends = [*starts[1:], sentence.end]
    edges = [0, *(c.first for c in cut[1:]), len(text)]
    return tuple(
        Phrase(f"{name}-{n}", runs(text[a:b], emphasis, at + a), begin, end)
        for n, (a, b, begin, end) in enumerate(zip(edges, edges[1:], starts, ends, strict=False), 1)
    )


def _timed_sentences(timeline: Timeline) -> Iterator[TimedSentence]:
    for block in timeline.blocks:
        yield from block.sentences
