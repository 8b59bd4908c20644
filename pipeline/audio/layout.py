"""The episode laid out in time: utterances, pauses and music as pieces, counted in samples.

Each piece is an utterance from the cache, some silence or a music file; between chapters
the layout leaves a seam, the silence the MP3 encoder makes itself, so each chapter can be
encoded on its own (pipeline.audio.segments) and the timeline stays exact in the joined file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pipeline.audio.mp3frames import ENCODER_DELAY, FRAME_SAMPLES, MIN_PADDING, frames_for
from pipeline.core.errors import ToolError
from pipeline.core.model import (
    BlockKind,
    ChapterMark,
    TimedBlock,
    TimedSentence,
    TimedUtterance,
    Timeline,
)
from pipeline.settings.direction import Pauses
from pipeline.speech.cache import AudioCache

# The MP3's (and so the timeline's) sample rate, whatever rate the voice speaks at.
OUTPUT_RATE = 44100
# Every chapter but the last fills a whole number of this many MP3 frames: 16 frames of 1152
# samples are 18 AAC frames of 1024 at the MP3's rate and 9 at half of it (the talking
# book's rate for a voice of 22,050 Hz or less), so every chapter starts on an AAC frame
# too, and its AAC depends on nothing but its own audio (pipeline/audio/aac.py).
CHAPTER_FRAMES = 16
SILENT_UTTERANCE_S = 0.05  # an utterance the voice made no sound for still takes this long


@dataclass(frozen=True)
class PlannedUtterance:
    text: str
    key: str  # cache key of its audio
    samples: int


@dataclass(frozen=True)
class PlannedBlock:
    kind: BlockKind
    chapter: int
    sentences: tuple[tuple[PlannedUtterance, ...], ...]


@dataclass(frozen=True)
class Piece:
    """One stretch of the final audio: an utterance from the cache, silence, or music; or a
    seam, the silence between two chapters that the MP3 encoder makes itself (the end of one
    chapter's encode and the start of the next: see pipeline/audio/mp3frames.py)."""

    samples: int
    key: str | None = None
    music: bytes | None = None
    seam: bool = False


def gap_before(block: PlannedBlock, previous: PlannedBlock | None, pauses: Pauses) -> float:
    """The pause before a block depends on what it follows.

    >>> p = Pauses()
    >>> para = PlannedBlock("paragraph", 1, ())
    >>> gap_before(para, PlannedBlock("heading", 1, ()), p) == p.after_heading
    True
    >>> gap_before(PlannedBlock("heading", 2, ()), para, p) == p.chapter
    True
    """
    if previous is None:
        return pauses.lead
    if previous.kind == "intro":
        return pauses.after_intro
    if block.kind == "outro":
        return pauses.before_outro
    if block.chapter != previous.chapter:
        return pauses.chapter
    if previous.kind == "heading":
        return pauses.after_heading
    return pauses.paragraph


def layout(
    blocks: Sequence[PlannedBlock],
    chapter_titles: Sequence[str],
    rate: int,
    pauses: Pauses,
    intro_music: bytes = b"",
    outro_music: bytes = b"",
) -> tuple[list[Piece], Timeline]:
    """Place every utterance in time. Returns the pieces to stream and the exact timeline.

    Each chapter is encoded on its own, so between chapters, halfway through the pause, the
    layout leaves a seam as long as the silence the encoder adds there: the next chapter
    then starts on the first sample of its own first MP3 frame, and the timeline stays
    exact in the joined file. Before the seam, the pause is stretched (by under 0.42 s) so
    that the chapter fills a whole number of CHAPTER_FRAMES.
    """
    pieces: list[Piece] = []
    cursor = 0  # in samples
    segment_start, frames_before = 0, 0  # where the chapter being laid out starts

    def add(piece: Piece) -> None:
        nonlocal cursor
        if piece.samples > 0 or piece.seam:
            pieces.append(piece)
            cursor += piece.samples

    def silence(seconds: float) -> None:
        add(Piece(round(seconds * rate)))

    def seam() -> None:
        nonlocal segment_start, frames_before
        add(Piece(_to_whole_frames(cursor - segment_start, rate)))
        frames_before += frames_for(output_samples(cursor - segment_start, rate))
        segment_start = -(-frames_before * FRAME_SAMPLES * rate // OUTPUT_RATE)
        add(Piece(segment_start - cursor, seam=True))

    if intro_music:
        add(Piece(len(intro_music) // 2, music=intro_music))
    timed_blocks: list[TimedBlock] = []
    previous: PlannedBlock | None = None
    for block in blocks:
        gap = gap_before(block, previous, pauses) if previous or not intro_music else 0.5
        if previous is not None and block.chapter != previous.chapter:
            silence(gap / 2)
            seam()
            silence(gap / 2)
        else:
            silence(gap)
        timed_sentences: list[TimedSentence] = []
        for s_index, sentence in enumerate(block.sentences):
            if s_index:
                silence(pauses.sentence)
            timed_utterances: list[TimedUtterance] = []
            for u_index, utterance in enumerate(sentence):
                if u_index:
                    silence(pauses.clause)
                start = cursor / rate
                if utterance.samples > 0:
                    add(Piece(utterance.samples, key=utterance.key))
                else:  # the voice said nothing (">}}"): still a span, so its text has a time
                    silence(SILENT_UTTERANCE_S)
                timed_utterances.append(TimedUtterance(utterance.text, start, cursor / rate))
            text = " ".join(u.text for u in timed_utterances)
            start, end = timed_utterances[0].start, timed_utterances[-1].end
            timed_sentences.append(TimedSentence(text, start, end, tuple(timed_utterances)))
        timed_blocks.append(
            TimedBlock(
                block.kind,
                block.chapter,
                timed_sentences[0].start,
                timed_sentences[-1].end,
                tuple(timed_sentences),
            )
        )
        previous = block
    silence(pauses.tail)
    if outro_music:
        add(Piece(len(outro_music) // 2, music=outro_music))
    duration = cursor / rate
    return pieces, Timeline(
        tuple(timed_blocks), chapter_marks(timed_blocks, chapter_titles, duration), duration
    )


def _to_whole_frames(samples: int, rate: int) -> int:
    """The silence (at ``rate``) that makes a chapter of ``samples`` fill a whole number of
    CHAPTER_FRAMES MP3 frames.

    >>> cases = [(1, 44100), (22050, 22050), (5000, 24000), (123457, 22050)]
    >>> [frames_for(output_samples(n + _to_whole_frames(n, r), r)) % 16 for n, r in cases]
    [0, 0, 0, 0]
    >>> _to_whole_frames(8640, 22050)  # 16 frames already
    0
    >>> extra = _to_whole_frames(5000, 24000)  # and a sample less would not do
    >>> frames_for(output_samples(5000 + extra - 1, 24000)) % 16
    15
    """
    frames = frames_for(output_samples(samples, rate))
    wanted = -(-frames // CHAPTER_FRAMES) * CHAPTER_FRAMES
    # The fewest output samples LAME puts in ``wanted`` frames (padding is at least MIN_PADDING).
    fewest = (wanted - 1) * FRAME_SAMPLES - ENCODER_DELAY - MIN_PADDING + 1
    extra = max(0, -(-fewest * rate // OUTPUT_RATE) - samples)
    while frames_for(output_samples(samples + extra, rate)) < wanted:
        extra += 1
    while extra and frames_for(output_samples(samples + extra - 1, rate)) >= wanted:
        extra -= 1
    return extra


def chapter_marks(
    blocks: Sequence[TimedBlock], titles: Sequence[str], duration: float
) -> tuple[ChapterMark, ...]:
    """Each chapter starts where its first block is heard (the first at 0) and ends at the next."""
    starts: dict[int, float] = {}
    for block in blocks:
        starts.setdefault(block.chapter, block.start)
    ordered = sorted(starts)
    marks = []
    for position, chapter in enumerate(ordered):
        start = 0.0 if position == 0 else starts[chapter]
        end = starts[ordered[position + 1]] if position + 1 < len(ordered) else duration
        marks.append(ChapterMark(titles[chapter], start, end))
    return tuple(marks)


def output_samples(samples: int, rate: int) -> int:
    """How many samples ``samples`` at ``rate`` become at the MP3's rate.

    >>> output_samples(22050, 22050), output_samples(24000, 24000), output_samples(1, 24000)
    (44100, 44100, 2)
    """
    return round(samples * OUTPUT_RATE / rate)


def segments(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """The pieces of each chapter's encode: the layout cut at its seams.

    >>> [[p.samples for p in s] for s in segments([Piece(3), Piece(2, seam=True), Piece(4)])]
    [[3], [4]]
    """
    cut: list[list[Piece]] = [[]]
    for piece in pieces:
        if piece.seam:
            cut.append([])
        else:
            cut[-1].append(piece)
    return cut


def stream(pieces: Sequence[Piece], cache: AudioCache) -> Iterator[bytes]:
    """The episode's raw samples, a piece at a time."""
    for piece in pieces:
        if piece.key is not None:
            speech = cache.get(piece.key)
            if speech is None:
                raise ToolError(
                    f"cache entry {piece.key[:12]} went missing or was damaged during "
                    "mastering: build again (it will be synthesized anew)"
                )
            yield speech.pcm
        elif piece.music is not None:
            yield piece.music
        else:
            yield bytes(2 * piece.samples)


def raw_input_args(rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]
