"""The back half of a build, streamed behind synthesis: each chapter is mastered, encoded,
decoded and metered as soon as its utterances are in the cache, while later chapters are
still being synthesized (and its AAC for the talking book encoded from the same decode).
Then the chapters' meters are joined into the episode's, and the MP3 is joined from their
frames.

Each chapter's figure comes from that chapter's own audio, never from the chapters before it
or from the last build, so the same scripts give the same bytes whatever order synthesis
finishes in and whatever edits came before (tests/test_reproducible.py, tests/test_soak.py),
and an edit encodes its own chapter and no other:

- the gain into the compressor (the drive) brings the chapter's raw speech DRIVE_DB over the
  target. Its raw loudness is the gating of its utterances' 400 ms blocks, measured once
  and kept in the cache (pipeline/audio/levels.py): a sum, not a decode;
- the trim after the limiter starts at LANDING_GUESS_DB, where Piper's voices land at that
  drive (+0.3 to +0.6 LU over the target, measured on the seed and a 5,000-word book). The
  chapter is encoded, decoded and metered; when it missed the target by more than
  CHAPTER_TOLERANCE_LU, it is encoded again with the trim corrected (exact after the
  limiter), and when its true peak came through over the ceiling, with the limiter set
  lower as well. The bench counts how often.

Every chapter within CHAPTER_TOLERANCE_LU puts the episode, their meters joined, within it
too; it is checked (EPISODE_TOLERANCE_LU) before the MP3 is written, and every chapter
encoded again at a common correction if it were not.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.audio.aac import AacJob, aac_rate, chapter_aac_job, encode_chapter_aac
from pipeline.audio.chapter_meter import encode_and_meter, meter_chapter
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
    joined,
)
from pipeline.audio.loudness import Meter, gated_loudness
from pipeline.audio.master import (
    Gain,
    Loudness,
    gain_step,
    processing,
)
from pipeline.audio.mp3frames import FRAME_SAMPLES, frames_for
from pipeline.audio.segments import Segment, SegmentStore, segment_key
from pipeline.core import tools
from pipeline.core.errors import ToolError
from pipeline.settings.direction import Pauses
from pipeline.speech.cache import AudioCache

# How far over the target each chapter's raw speech is driven into the compressor, which
# takes about 8 LU of it back with the limiter: where the whole-episode gain search of
# earlier builds landed for Piper's voices.
DRIVE_DB = 10.0
# The first trim tried: where a chapter lands at that drive with Piper's voices (its
# measured offset, +0.32 to +0.59 LU, taken at its middle). Another voice may land
# elsewhere; its chapters are then encoded twice, still to the same bytes every build.
LANDING_GUESS_DB = -0.47
# How close to the target each chapter must land (the earlier whole-episode search's own
# tolerance); under a fifth of the 1 dB a listener notices between two levels.
CHAPTER_TOLERANCE_LU = 0.2
# The whole MP3 (its chapters' meters joined) must land this close: the build's promise is
# ±0.5 LU (Apple allows ±1), and 0.2 of that is left for other meters (ffmpeg's ebur128
# reads our MP3s within 0.1 LU of ours, tests/test_loudness.py).
EPISODE_TOLERANCE_LU = 0.3
# A chapter whose true peak came through over the ceiling has its limiter set lower by the
# overshoot and this much more.
PEAK_MARGIN_DB = 0.1
# Less speech than this in a chapter is not measured on its own (see BackHalf._chapter):
# the short-term window of EBU R 128, the shortest over which it reads loudness as heard.
SHORTEST_MEASURED_S = 3.0
# A chapter too quiet for a cut after the limiter is driven this much harder, and twice
# as much more each time it is still too quiet.
DRIVE_STEP_DB = 2.0
ROUNDS = 6


@dataclass(frozen=True)
class Plan:
    """What the episode is laid out from (pipeline/audio/layout.py), utterances' lengths
    not yet known; and the talking book's AAC bitrate (0: no AAC to encode)."""

    blocks: Sequence[PlannedBlock]
    titles: Sequence[str]
    rate: int
    pauses: Pauses
    intro: bytes = b""
    outro: bytes = b""
    aac_kbps: int = 0


@dataclass(frozen=True)
class Part:
    """One chapter's encode as the back half made or found it, and what it measured."""

    segment: Segment
    pieces: tuple[Piece, ...]
    levels: ChapterLevels
    encoded: bool = False  # by this build (else found in the store)


@dataclass(frozen=True)
class Streamed:
    """What mastering made: the first chapter's figure (as a record of the drive and trim
    this voice needs), the chapters' encodes, how many encodes it made (``reencoded`` of
    them a chapter's second or later), and the meter of the whole, joined from theirs."""

    gain: Gain
    segments: tuple[Segment, ...]
    encoded: int
    reencoded: int
    meter: Meter


class BackHalf:
    """Start it with the keys still to be synthesized, tell it each one that lands, then
    ``finish`` with the whole layout; ``stop`` if synthesis fails."""

    def __init__(
        self, plan: Plan, cache: AudioCache, store: SegmentStore, loudness: Loudness, jobs: int = 2
    ) -> None:
        self.plan, self.cache, self.store, self.loudness, self.jobs = (
            plan, cache, store, loudness, jobs,
        )  # fmt: skip
        chapters = list(dict.fromkeys(block.chapter for block in plan.blocks))
        self.keys: list[set[str]] = [set() for _ in chapters]
        for block in plan.blocks:
            for sentence in block.sentences:
                self.keys[chapters.index(block.chapter)].update(u.key for u in sentence)
        self.parts: list[Part | None] = [None] * len(chapters)
        self.waiting: set[str] = set()
        self.fresh: list[str] = []  # landed, their blocks not yet measured
        self.condition = threading.Condition()
        self.stopped = False
        self.failed: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.encoded = self.reencoded = 0
        self.lock = threading.Lock()
        self.ceiling = 10 ** (loudness.true_peak_dbtp / 20)

    def start(self, pending: Iterable[str]) -> None:
        """Expect these keys; with none to wait for, begin at once. Otherwise begin when the
        first lands: by then the synthesis pool has forked its workers, which a running
        thread must not be copied into."""
        self.waiting = set(pending)
        if not self.waiting:
            self._begin()

    def _begin(self) -> None:
        thread = threading.Thread(target=self._run, name="back half", daemon=True)
        # A stop request raised inside start() would leave a thread that stop() can neither
        # join nor tell from one never begun ("cannot join thread before it is started").
        with tools.signals_held():
            thread.start()
        self.thread = thread

    def landed(self, key: str) -> None:
        if self.thread is None:
            self._begin()
        with self.condition:
            self.waiting.discard(key)
            self.fresh.append(key)
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
                ready = False
                while not ready:
                    with self.condition:
                        self.condition.wait_for(functools.partial(self._news, index))
                        if self.stopped:
                            return
                        fresh, self.fresh = self.fresh, []
                        ready = self._ready(index)
                    # Each utterance's blocks as it lands, while the voice says the next: the
                    # chapter's drive is then a sum the moment its last utterance is in.
                    for key in fresh:
                        cached_blocks(self.cache, key)
                self.parts[index] = self._chapter(index)
        except BaseException as exc:  # handed to finish(), in the build's own thread
            self.failed = exc

    def _ready(self, index: int) -> bool:
        return self.stopped or not self.waiting & self.keys[index]

    def _news(self, index: int) -> bool:
        return bool(self.fresh) or self._ready(index)

    def _chapter(self, index: int) -> Part:
        """A chapter mastered at its own figure: driven from its raw loudness, trimmed
        from where it lands (ROUNDS tries at most, each a pure function of its audio).

        A chapter with less speech than SHORTEST_MEASURED_S (a heading with the next one
        right after it) is not brought up to the target: its few words, each 400 ms block
        averaging them with the pauses around, land under it at any drive, however hard
        the limiter holds them. Driven as every chapter is, they are as loud as the words
        around them; it is only cut when it lands over the target, and its true peak held
        under the ceiling."""
        known = {key for keys in self.keys[: index + 1] for key in keys}
        blocks = [_sized(block, self.cache, known) for block in self.plan.blocks]
        pieces = tuple(segments(self._layout(blocks))[index])
        speech = sum(piece.samples for piece in pieces if piece.key) / self.plan.rate
        measured = speech >= SHORTEST_MEASURED_S
        drive, trim, under = self._drive(self._raw(pieces)), LANDING_GUESS_DB, 0.0
        part = self._master(pieces, drive, trim, under, index)
        step = DRIVE_STEP_DB
        for _ in range(ROUNDS):
            target = self.loudness.target_lufs
            missed = target - gated_loudness(part.levels.blocks())
            over = 20 * math.log10(part.levels.peak / self.ceiling) if part.levels.peak else 0.0
            quiet_but_short = missed > 0 and not measured
            if over <= 0 and (abs(missed) <= CHAPTER_TOLERANCE_LU or quiet_but_short):
                return part
            if missed == float("inf") and measured:
                raise ToolError(f"chapter {index + 1} has no audio to measure the loudness of")
            if not quiet_but_short:
                trim += missed  # exact: the trim comes after the limiter
            if over > 0:  # peaks through: the limiter holds them lower, the trim keeps the level
                under += over + PEAK_MARGIN_DB
            if trim > 0:  # louder than a cut can make it: the limiter must hold more
                # Twice the step each time: a short chapter is mostly limiter, and gains a
                # few tenths of an LU from each 2 dB more drive.
                drive, trim, step = drive + step, LANDING_GUESS_DB, 2 * step
            part = self._master(pieces, drive, trim, under, index)
            if part.encoded:
                with self.lock:
                    self.reencoded += 1
        raise ToolError(
            f"chapter {index + 1}: could not reach {self.loudness.target_lufs} LUFS under a"
            f" true peak of {self.loudness.true_peak_dbtp} dBTP: the audio is too quiet or"
            " too dynamic to normalize"
        )

    def _aac(self, index: int | None, segment: Segment) -> AacJob | None:
        """This encode's AAC for the talking book, when it is chapter ``index`` of an
        episode whose chapters before it are settled (so its place is known) and the store
        lacks it. Should the meter send the chapter back for another try, that AAC is of an
        encode the episode does not use, and stays in the store unused (rare with Piper's
        voices: the bench counts re-encodes); the talking book encodes whatever is missing."""
        if index is None or not self.plan.aac_kbps:
            return None
        before = [part.segment for part in self.parts[:index] if part is not None]
        if len(before) != index:
            return None  # not in order: the talking book encodes it
        settled, plan = [*before, segment], self.plan
        return chapter_aac_job(
            self.store, settled, len(self.parts), plan.aac_kbps, aac_rate(plan.rate)
        )

    def _layout(self, blocks: Sequence[PlannedBlock]) -> list[Piece]:
        plan = self.plan
        return layout(blocks, plan.titles, plan.rate, plan.pauses, plan.intro, plan.outro)[0]

    def _raw(self, pieces: Sequence[Piece]) -> Floats:
        found = [cached_blocks(self.cache, piece.key) for piece in pieces if piece.key]
        return np.concatenate(found) if found else np.zeros(0)

    def _drive(self, raw: Floats) -> float:
        """The drive, to the gain's step (so a hair's difference in the sum of the blocks
        on another machine writes the same chain)."""
        loudness = gated_loudness(raw)
        if loudness == float("-inf"):
            raise ToolError("found no audio to measure the loudness of")
        return gain_step(self.loudness.target_lufs - loudness + DRIVE_DB)

    def _master(
        self,
        pieces: Sequence[Piece],
        gain: float,
        trim: float,
        under: float = 0.0,
        index: int | None = None,
    ) -> Part:
        """The chapter at this figure: from the store when it was encoded so before, else
        encoded and metered as it is made (with chapter ``index``'s AAC, from the meter's
        decode)."""
        gain, trim, under = round(gain, 3), round(trim, 3), round(under, 3)  # as the chain has them
        bitrate = self.loudness.bitrate_kbps
        samples = output_samples(sum(piece.samples for piece in pieces), self.plan.rate)
        chain = processing(self.loudness, gain, trim, under)
        key = segment_key(pieces, samples, chain, bitrate)
        segment = Segment(key, samples, gain, trim, under)
        if self.store.mp3(segment) is not None:
            levels, job = self._stored(segment), self._aac(index, segment)
            if job is not None:
                encode_chapter_aac(self.store, segment, job)
            return Part(segment, tuple(pieces), levels)
        job = self._aac(index, segment)
        levels, book = encode_and_meter(
            segment, pieces, self.cache, self.plan.rate, chain, bitrate, self.store, job
        )
        self._keep(segment, levels, job, book)
        with self.lock:
            self.encoded += 1
        return Part(segment, tuple(pieces), levels, True)

    def _stored(self, segment: Segment) -> ChapterLevels:
        """A stored encode's kept meter (metered now when it was lost)."""
        kept = self.store.levels(segment)
        levels = ChapterLevels.from_bytes(kept) if kept is not None else None
        if levels is None:
            levels, _ = meter_chapter(self.store.mp3_file(segment))
            self._keep(segment, levels, None, b"")
        return levels

    def _keep(
        self, segment: Segment, levels: ChapterLevels, aac: AacJob | None, book: bytes
    ) -> None:
        """What the chapter's encode measured, and its AAC, kept beside it in the store."""
        if aac is not None:
            self.store.put_aac(aac.key, book)
        self.store.put_levels(segment, levels.to_bytes())

    def finish(self, pieces: Sequence[Piece]) -> Streamed:
        """Master what was not streamed, join the chapters' meters into the episode's and
        check it; ``pieces`` is the episode's whole layout."""
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
                part = self._chapter(index)
                self.parts[index] = part
            parts.append(part)
        target, shift = self.loudness.target_lufs, 0.0
        for _ in range(ROUNDS):
            placed = zip(_offsets(parts), (part.levels for part in parts), strict=True)
            meter = joined(list(placed), OUTPUT_RATE)
            missed = target - meter.integrated()
            peak_ok = meter.true_peak_dbtp() <= self.loudness.true_peak_dbtp
            if abs(missed) <= EPISODE_TOLERANCE_LU and peak_ok:
                first = parts[0].segment
                gain = Gain(first.gain_db, trim_db=first.trim_db)
                made = tuple(part.segment for part in parts)
                return Streamed(gain, made, self.encoded, self.reencoded, meter)
            # Never met while each chapter lands within its tolerance; kept as the promise's
            # guard: every chapter again, moved alike (a cut, so peaks only come down).
            shift += min(missed, 0.0) if not peak_ok else missed
            parts = self._again(parts, shift)
            self.reencoded += sum(part.encoded for part in parts)
        raise ToolError(
            f"could not reach {target} LUFS under a true peak of {self.loudness.true_peak_dbtp}"
            " dBTP: the audio is too quiet or too dynamic to normalize"
        )

    def _again(self, parts: Sequence[Part], shift: float) -> list[Part]:
        """Every chapter with its trim moved by ``shift``, ``jobs`` at a time."""

        def again(part: Part) -> Part:
            figure = part.segment
            trim = figure.trim_db + shift
            return self._master(part.pieces, figure.gain_db, trim, figure.under_db)

        with cf.ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            return list(pool.map(again, parts))


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
