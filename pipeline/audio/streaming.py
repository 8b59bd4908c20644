"""The back half of a build, streamed behind synthesis: each chapter is mastered, encoded,
decoded and metered as soon as its utterances are in the cache, while later chapters are
still being synthesized. Then the episode's figure is settled and the MP3 joined.

Chapters are taken in order, one at a time, each at the figure known so far, so the same
inputs give the same encodes whatever order synthesis finishes in:

- the gain into the compressor (the drive) sets the raw speech's loudness DRIVE_DB over the
  target; the raw loudness is the gating of the utterances' blocks, kept in the cache
  (pipeline/audio/levels.py), so it is a sum, not a decode. It is set on the first chapter
  and kept for the episode while the whole's raw loudness stays within DRIVE_KEPT_DB;
- the trim after the limiter lands the MP3 on the target: the first chapter is encoded at
  the last build's trim (none on a first build), each later one at the trim that brings the
  chapters metered so far to the target.

When every chapter is in, the drive and the trim are settled on the whole episode. A chapter
is encoded again only when the settled figure moves its level by more than
CHAPTER_TOLERANCE_LU; the others keep their encodes, as they measured. The MP3 as a whole,
its chapters' meters joined, must come within EPISODE_TOLERANCE_LU of the target with its true peak
under the ceiling, or every chapter is encoded again at a corrected figure.

An edit does the same with the last build's figure: each chapter it did not touch is found
in the store as it was (by the chain it was encoded with, or by what it is made of when its
level is within the tolerance), so only the edited chapter is encoded and metered.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.audio.layout import (
    OUTPUT_RATE,
    Piece,
    PlannedBlock,
    layout,
    output_samples,
    segments,
)
from pipeline.audio.levels import (
    ChapterLevels,
    Floats,
    cached_blocks,
    chapter_levels,
    joined,
    trim_for,
)
from pipeline.audio.loudness import Meter, gated_loudness
from pipeline.audio.master import (
    COMPRESSION_GUESS_DB,
    SEARCH_SPREAD_DB,
    Gain,
    Loudness,
    processing,
)
from pipeline.audio.mp3frames import FRAME_SAMPLES, frames_for
from pipeline.audio.segments import Segment, SegmentStore, encode_mp3, segment_key
from pipeline.core import tools
from pipeline.core.errors import ToolError
from pipeline.settings.direction import Pauses
from pipeline.speech.cache import AudioCache

# How far over the target the raw speech is driven into the compressor: where the gain
# search of earlier builds landed for Piper's voices.
DRIVE_DB = COMPRESSION_GUESS_DB + SEARCH_SPREAD_DB
# The drive is set on the first chapter (or is the last build's) and kept while the whole
# episode's raw loudness puts it within this of where it would set it: a compressor driven
# 2 dB harder or softer is not heard, and one drive keeps every chapter's sound alike.
DRIVE_KEPT_DB = 2.0
# LU out per dB of drive in, through the compressor and the limiter at that drive (about
# 0.25 measured on Piper's voices; rounded up, so a chapter is re-encoded sooner, not later).
DRIVE_SLOPE = 0.3
# A chapter kept at an earlier figure sits at most this far from where the settled figure
# would put it: under a third of the 1 dB a listener notices between two voices' levels.
CHAPTER_TOLERANCE_LU = 0.3
# The whole MP3 (its chapters' meters joined) must land this close to the target: the
# build's promise is ±0.5 LU (Apple allows ±1), and 0.2 of that is left for other meters
# (ffmpeg's ebur128 reads our MP3s within 0.1 LU of ours, tests/test_loudness.py).
EPISODE_TOLERANCE_LU = 0.3
ROUNDS = 4


@dataclass(frozen=True)
class Plan:
    """What the episode is laid out from (pipeline/audio/layout.py), utterances' lengths
    not yet known."""

    blocks: Sequence[PlannedBlock]
    titles: Sequence[str]
    rate: int
    pauses: Pauses
    intro: bytes = b""
    outro: bytes = b""


@dataclass(frozen=True)
class Part:
    """One chapter's encode as the back half made or found it, and what it measured."""

    segment: Segment
    pieces: tuple[Piece, ...]
    levels: ChapterLevels
    raw: Floats  # its utterances' blocks, raw


@dataclass(frozen=True)
class Streamed:
    """What mastering made: the settled figure, the chapters' encodes, how many encodes it
    made (``reencoded`` of them a chapter's second or later), and the meter of the whole,
    joined from theirs."""

    gain: Gain
    segments: tuple[Segment, ...]
    encoded: int
    reencoded: int
    meter: Meter


class BackHalf:
    """Start it with the keys still to be synthesized, tell it each one that lands, then
    ``finish`` with the whole layout; ``stop`` if synthesis fails."""

    def __init__(
        self,
        plan: Plan,
        cache: AudioCache,
        store: SegmentStore,
        loudness: Loudness,
        hint: Gain | None = None,
        previous: Sequence[Segment] = (),
        jobs: int = 2,
    ) -> None:
        self.plan, self.cache, self.store, self.loudness = plan, cache, store, loudness
        self.hint, self.jobs = hint, jobs
        self.previous = {segment.content: segment for segment in previous if segment.content}
        chapters = list(dict.fromkeys(block.chapter for block in plan.blocks))
        self.keys: list[set[str]] = [set() for _ in chapters]
        for block in plan.blocks:
            for sentence in block.sentences:
                self.keys[chapters.index(block.chapter)].update(u.key for u in sentence)
        self.parts: list[Part | None] = [None] * len(chapters)
        self.waiting: set[str] = set()
        self.condition = threading.Condition()
        self.stopped = False
        self.failed: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.drive: float | None = None  # set on the first chapter, kept for the others
        self.encoded = 0
        self.early = 0  # the first chapter encoded again at the trim it measured for itself
        self.lock = threading.Lock()

    def start(self, pending: Iterable[str]) -> None:
        """Expect these keys; with none to wait for, begin at once. Otherwise begin when the
        first lands: by then the synthesis pool has forked its workers, which a running
        thread must not be copied into."""
        self.waiting = set(pending)
        if not self.waiting:
            self._begin()

    def _begin(self) -> None:
        self.thread = threading.Thread(target=self._run, name="back half", daemon=True)
        self.thread.start()

    def landed(self, key: str) -> None:
        if self.thread is None:
            self._begin()
        with self.condition:
            self.waiting.discard(key)
            self.condition.notify()

    def stop(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify()
        if self.thread is not None:
            self.thread.join()

    def _run(self) -> None:
        try:
            for index in range(len(self.keys)):
                with self.condition:
                    self.condition.wait_for(functools.partial(self._ready, index))
                    if self.stopped:
                        return
                self.parts[index] = self._first(index)
        except BaseException as exc:  # handed to finish(), in the build's own thread
            self.failed = exc

    def _ready(self, index: int) -> bool:
        return self.stopped or not self.waiting & self.keys[index]

    def _first(self, index: int) -> Part:
        """A chapter mastered at the figure known so far (its own utterances and the
        chapters before it)."""
        known = {key for keys in self.keys[: index + 1] for key in keys}
        blocks = [_sized(block, self.cache, known) for block in self.plan.blocks]
        pieces = tuple(segments(self._layout(blocks))[index])
        raw = self._raw(pieces)
        if self.hint is not None:
            return self._master(pieces, raw, self.hint.gain_db, self.hint.trim_db)
        done = [part for part in self.parts[:index] if part is not None]
        if self.drive is None:
            self.drive = self._drive(raw)
        drive = self.drive
        if not done:  # nothing metered yet: the first chapter finds the trim on itself
            first = self._master(pieces, raw, drive, 0.0)
            trim, moved = _settle([first], drive, self.loudness.target_lufs, CHAPTER_TOLERANCE_LU)
            if not moved:
                return first
            self.early += 1
            return self._master(pieces, raw, drive, trim)
        trim = trim_for(
            self.loudness.target_lufs,
            [(part.levels.blocks(), _shift(part.segment, drive, 0.0), True) for part in done],
        )
        return self._master(pieces, raw, drive, trim)

    def _layout(self, blocks: Sequence[PlannedBlock]) -> list[Piece]:
        plan = self.plan
        return layout(blocks, plan.titles, plan.rate, plan.pauses, plan.intro, plan.outro)[0]

    def _raw(self, pieces: Sequence[Piece]) -> Floats:
        found = [cached_blocks(self.cache, piece.key) for piece in pieces if piece.key]
        return np.concatenate(found) if found else np.zeros(0)

    def _drive(self, raw: Floats) -> float:
        loudness = gated_loudness(raw)
        if loudness == float("-inf"):
            raise ToolError("found no audio to measure the loudness of")
        return self.loudness.target_lufs - loudness + DRIVE_DB

    def _master(self, pieces: Sequence[Piece], raw: Floats, gain: float, trim: float) -> Part:
        """The chapter at this figure: from the store when it was encoded so before, or
        when the last build kept it at a level close enough; else encoded and metered."""
        gain, trim = round(gain, 3), round(trim, 3)  # as the chain writes them
        bitrate = self.loudness.bitrate_kbps
        samples = output_samples(sum(piece.samples for piece in pieces), self.plan.rate)
        content = segment_key(pieces, samples, "", bitrate)
        chain = processing(self.loudness, gain, trim)
        key = segment_key(pieces, samples, chain, bitrate)
        segment = Segment(key, samples, content, gain, trim)
        candidates = [segment]
        kept = self.previous.get(content)
        if kept is not None and abs(_shift(kept, gain, trim)) <= CHAPTER_TOLERANCE_LU:
            candidates.append(kept)
        for candidate in candidates:
            levels = self._stored(candidate)
            if levels is not None:
                return Part(candidate, tuple(pieces), levels, raw)
        encode_mp3(segment, pieces, self.cache, self.plan.rate, chain, bitrate, self.store)
        with self.lock:
            self.encoded += 1
        return Part(segment, tuple(pieces), self._meter(segment), raw)

    def _stored(self, segment: Segment) -> ChapterLevels | None:
        if self.store.mp3(segment) is None:
            return None
        kept = self.store.levels(segment)
        levels = ChapterLevels.from_bytes(kept) if kept is not None else None
        return levels if levels is not None else self._meter(segment)

    def _meter(self, segment: Segment) -> ChapterLevels:
        """The chapter's encode decoded (ffmpeg drops the encoder's delay and padding, as a
        listener's app does) and metered; kept beside it."""
        path = self.store.mp3_file(segment)
        chunks = tools.read_ffmpeg(
            "-i", str(path), "-ac", "1", "-ar", str(OUTPUT_RATE), "-f", "f32le", "pipe:1",
            what=f"decoding {path.name}",
        )  # fmt: skip
        levels = chapter_levels(chunks, OUTPUT_RATE)
        self.store.put_levels(segment, levels.to_bytes())
        return levels

    def finish(self, pieces: Sequence[Piece]) -> Streamed:
        """Settle the figure on the whole episode (``pieces``: its whole layout), encode again
        the chapters it moves too far, and measure the whole from the chapters' meters."""
        if self.thread is None:  # nothing landed that it waited for: a failed pool's rerun
            self.waiting.clear()
            self._begin()
        assert self.thread is not None
        self.thread.join()
        if self.failed is not None:
            raise self.failed
        chapters = [tuple(chapter) for chapter in segments(pieces)]
        parts: list[Part] = []
        for index, chapter in enumerate(chapters):
            part = self.parts[index] if index < len(self.parts) else None
            if part is None or part.pieces != chapter:  # not streamed: mastered here
                part = self._first(index)
                self.parts[index] = part
            parts.append(part)
        target = self.loudness.target_lufs
        drive = self._drive(np.concatenate([part.raw for part in parts]))
        kept = self.hint.gain_db if self.hint is not None else self.drive
        if kept is not None and abs(kept - drive) <= DRIVE_KEPT_DB:
            drive = kept
        tolerance, reencoded = CHAPTER_TOLERANCE_LU, self.early
        for _ in range(ROUNDS):
            trim, moved = _settle(parts, drive, target, tolerance)
            before = self.encoded
            for index, part in zip(moved, self._again(parts, moved, drive, trim), strict=True):
                parts[index] = part
            reencoded += self.encoded - before
            placed = zip(_offsets(parts), (part.levels for part in parts), strict=True)
            meter = joined(list(placed), OUTPUT_RATE)
            measured = meter.integrated()
            peak_ok = meter.true_peak_dbtp() <= self.loudness.true_peak_dbtp
            if abs(measured - target) <= EPISODE_TOLERANCE_LU and peak_ok:
                made = tuple(part.segment for part in parts)
                return Streamed(Gain(drive, trim_db=trim), made, self.encoded, reencoded, meter)
            # Every chapter again, now at one figure: louder drive when the peak is over
            # (the limiter holds it while the trim comes down), else the trim corrected.
            tolerance = 0.0
            if not peak_ok:
                drive += SEARCH_SPREAD_DB
        raise ToolError(
            f"could not reach {target} LUFS under a true peak of {self.loudness.true_peak_dbtp}"
            " dBTP: the audio is too quiet or too dynamic to normalize"
        )

    def _again(
        self, parts: Sequence[Part], indices: Sequence[int], gain: float, trim: float
    ) -> list[Part]:
        """Those chapters at this figure, ``jobs`` at a time (each encode is an ffmpeg)."""

        def again(index: int) -> Part:
            return self._master(parts[index].pieces, parts[index].raw, gain, trim)

        with cf.ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            return list(pool.map(again, indices))


def _shift(segment: Segment, gain: float, trim: float) -> float:
    """How far (LU) a chapter encoded at its figure moves if encoded at this one."""
    return DRIVE_SLOPE * (gain - segment.gain_db) + (trim - segment.trim_db)


def _settle(
    parts: Sequence[Part], drive: float, target: float, tolerance: float
) -> tuple[float, list[int]]:
    """The trim that lands the episode on the target with every chapter at this drive, and
    the chapters that figure would move by more than ``tolerance``: those are encoded again
    at it, the others kept as they measured."""
    trim = trim_for(
        target, [(part.levels.blocks(), _shift(part.segment, drive, 0.0), True) for part in parts]
    )
    shifts = [abs(_shift(part.segment, drive, trim)) for part in parts]
    return trim, [index for index, shift in enumerate(shifts) if shift > tolerance]


def _offsets(parts: Sequence[Part]) -> list[int]:
    """Where each chapter starts in the joined MP3: on the first sample of its first frame."""
    offsets, at = [], 0
    for part in parts:
        offsets.append(at)
        at += frames_for(part.segment.samples) * FRAME_SAMPLES
    return offsets


def _sized(block: PlannedBlock, cache: AudioCache, known: set[str]) -> PlannedBlock:
    """The block with the lengths of the utterances in ``known`` (from the cache's headers),
    the others 0: enough to lay out every chapter up to the last known."""

    def size(key: str) -> int:
        if key not in known:
            return 0
        samples = cache.sample_count(key)
        if samples is None:
            raise ToolError(f"cache entry {key[:12]} is missing after synthesis: build again")
        return samples

    sentences = tuple(
        tuple(replace(u, samples=size(u.key)) for u in sentence) for sentence in block.sentences
    )
    return replace(block, sentences=sentences)
