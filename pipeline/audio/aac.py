"""The audiobook's AAC, one encode per chapter, made from that chapter's kept MP3 encode.

Each chapter's AAC is kept in the segment store under a key of the MP3 encode it was made
from, its place in an AAC frame, its length and the coder, so an edit encodes only the
chapters whose AAC changed. Laid out by aac_plans, the chapters are heard in the M4B at the
very times they are in the MP3, once its edit list trims the first frame of priming
(pipeline/audio/m4b.py), so the M4B's chapter marks are the MP3's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.audio import mp3frames
from pipeline.audio.layout import OUTPUT_RATE
from pipeline.audio.segments import Segment, SegmentStore, encode_missing
from pipeline.core import atomic, tools
from pipeline.core.digest import json_digest
from pipeline.core.errors import ToolError

AAC_FRAME = 1024  # samples in an AAC frame; the encoder primes with one frame of silence


def aac_rate(speech_rate: int) -> int:
    """The talking book's sample rate, for an episode laid out at ``speech_rate`` (the
    voice's rate, to which its music is decoded too): half the MP3's when that holds all of
    it, as it holds every Piper voice's 22,050 Hz or 16,000 Hz; else the MP3's own.

    Above half the MP3's rate, such an episode has only what the limiter's distortion puts
    there. Encoding half the samples takes the AAC encoder a third less time, and the
    talking book then carries what the voice said, as the voice said it.

    >>> aac_rate(22050), aac_rate(16000), aac_rate(24000)
    (22050, 22050, 44100)
    """
    half = OUTPUT_RATE // 2
    return half if speech_rate <= half else OUTPUT_RATE


@dataclass(frozen=True)
class ChapterEncodes:
    """Where an episode's chapter encodes are kept, which they are, and the MP3 joined
    from them."""

    store: SegmentStore
    segments: tuple[Segment, ...]
    mp3: Path
    rate: int  # the AAC's (aac_rate)

    @property
    def key(self) -> str:
        return json_digest([segment.key for segment in self.segments])


@dataclass(frozen=True)
class AacPlan:
    """One chapter's AAC at ``rate``: ``pad`` samples of silence, then the chapter's own
    samples, cut or padded to ``samples`` in all (both at ``rate``); the encoder puts its
    frame of priming before them."""

    pad: int
    samples: int
    rate: int


def aac_plans(segments: Sequence[Segment], rate: int) -> list[AacPlan]:
    """Where each chapter's AAC (at ``rate``: the MP3's, or half of it) goes so that, once
    an edit list trims the file's first frame of priming, every chapter is heard at exactly
    its MP3 time.

    Chapter k's MP3 slot (its whole frames: its samples, then the seam) starts at sample M
    (at ``rate``: an MP3 frame is 1152 samples at the MP3's rate, 576 at half of it).
    Its AAC starts at the whole AAC frame at or before M, S = M - M % 1024, and is heard a
    frame later (its own priming), which the edit list's frame of priming cancels; so it
    starts with M % 1024 samples of silence, and the chapter lands on M. It ends where the
    next chapter's AAC starts: the seam's silence is shortened by under two frames, never the
    speech. The last chapter keeps all its samples.

    >>> segments = [Segment("a", 44100), Segment("b", 22050)]  # MP3 slots of 40 and 21 frames
    >>> aac_plans(segments, 44100)  # chapter b's slot starts at sample 40 * 1152 = 45 * 1024
    [AacPlan(pad=0, samples=45056, rate=44100), AacPlan(pad=0, samples=22050, rate=44100)]
    >>> aac_plans([Segment("a", 1152 * 3), Segment("b", 10)], 44100)  # b's starts at 4 * 1152
    [AacPlan(pad=0, samples=3072, rate=44100), AacPlan(pad=512, samples=522, rate=44100)]
    >>> aac_plans(segments, 22050)  # b's starts at 40 * 576 = 22.5 * 1024
    [AacPlan(pad=0, samples=21504, rate=22050), AacPlan(pad=512, samples=11537, rate=22050)]
    """
    step = OUTPUT_RATE // rate  # the MP3's samples to one of the AAC's
    assert step * rate == OUTPUT_RATE and mp3frames.FRAME_SAMPLES % step == 0, rate
    frame = mp3frames.FRAME_SAMPLES // step
    starts = [0]
    for segment in segments:
        starts.append(starts[-1] + mp3frames.frames_for(segment.samples) * frame)
    plans = []
    for index, segment in enumerate(segments):
        pad = starts[index] % AAC_FRAME
        if index == len(segments) - 1:
            plans.append(AacPlan(pad, pad + -(-segment.samples // step), rate))
            continue
        aac_start = starts[index] - pad
        next_start = starts[index + 1] - starts[index + 1] % AAC_FRAME
        plans.append(AacPlan(pad, max(AAC_FRAME, next_start - aac_start - AAC_FRAME), rate))
    return plans


def write_aac(encodes: ChapterEncodes, bitrate_kbps: int, out: Path, jobs: int = 2) -> int:
    """Write the episode's AAC (ADTS frames) to ``out``: each chapter's, encoded from the
    chapter's MP3 (``jobs`` at a time) unless the store has it, laid out by aac_plans.
    Returns how many chapters were encoded.

    A chapter's AAC depends on where its slot starts (modulo one AAC frame), so an edit that
    changes a chapter's length encodes that chapter and those after it whose place in an
    AAC frame moved; an edit that keeps the lengths, or one in the last chapter, encodes one.
    """
    store, segments = encodes.store, encodes.segments
    plans = aac_plans(segments, encodes.rate)
    keys = [
        _key(segment, plan, bitrate_kbps) for segment, plan in zip(segments, plans, strict=True)
    ]
    lacking = {index for index, key in enumerate(keys) if store.aac(key) is None}
    if any(store.mp3(segments[index]) is None for index in lacking):
        _restore_mp3s(encodes)

    def encode(index: int) -> None:
        payload = _encode_aac(store.mp3_file(segments[index]), plans[index], bitrate_kbps)
        store.put_aac(keys[index], payload)

    todo = encode_missing(range(len(keys)), lacking.__contains__, encode, jobs)
    with open(out, "wb") as file:
        for key in keys:  # one chapter in memory at a time
            payload = store.aac(key)
            if payload is None:
                raise ToolError(f"the AAC of chapter {key[:12]} went missing: build again")
            adts_frames(payload)  # whole frames, or an error naming the damage
            file.write(payload)
    return len(todo)


@dataclass(frozen=True)
class AacJob:
    """One chapter's AAC still to encode: where the store keeps it, and where it goes."""

    key: str
    plan: AacPlan
    bitrate_kbps: int


def chapter_aac_job(
    store: SegmentStore,
    settled: Sequence[Segment],
    chapters: int,
    bitrate_kbps: int,
    rate: int,
) -> AacJob | None:
    """The AAC of the last of ``settled`` (the episode's first chapters, of ``chapters`` in
    all) as write_aac would encode it; None when the store has it. The back half encodes it
    as each chapter is mastered (pipeline/audio/chapter_meter.py).

    A chapter's place in the AAC depends only on the chapters before it and on whether it
    is the last, so it is known before the later chapters are.
    """
    index = len(settled) - 1
    later = [Segment("", 0)] * (chapters - len(settled))  # their lengths change nothing here
    plan = aac_plans([*settled, *later], rate)[index]
    key = _key(settled[index], plan, bitrate_kbps)
    return None if store.aac(key) is not None else AacJob(key, plan, bitrate_kbps)


def encode_chapter_aac(store: SegmentStore, segment: Segment, job: AacJob) -> None:
    """Encode ``job`` from the chapter's kept MP3 alone (its meter kept already)."""
    store.put_aac(job.key, _encode_aac(store.mp3_file(segment), job.plan, job.bitrate_kbps))


def _key(segment: Segment, plan: AacPlan, bitrate_kbps: int) -> str:
    inputs = {"mp3": segment.key, "samples": plan.samples, "bitrate": bitrate_kbps}
    return json_digest({**inputs, "pad": plan.pad, "coder": AAC_CODER, "rate": plan.rate})


def _restore_mp3s(encodes: ChapterEncodes) -> None:
    """Put back the chapters' encodes the store lost (a cleaned cache, another machine's
    build) by cutting them out of the episode's MP3, which is made of them."""
    data = encodes.mp3.read_bytes()
    if data[:3] == b"ID3":  # the tag: its size is four 7-bit bytes after the flags
        data = data[10 + sum(byte << (7 * (3 - i)) for i, byte in enumerate(data[6:10])) :]
    whole = mp3frames.split(data)
    offsets = [*mp3frames.frame_offsets(whole.frames), len(whole.frames)]
    first = 0
    for segment in encodes.segments:
        count = mp3frames.frames_for(segment.samples)
        if len(offsets) <= first + count:
            raise ToolError(f"{encodes.mp3} is shorter than its chapters: build it again")
        if encodes.store.mp3(segment) is None:
            frames = whole.frames[offsets[first] : offsets[first + count]]
            padding = mp3frames.padding_for(segment.samples)
            alone = mp3frames.Encoded(whole.info, frames, count, whole.delay, padding)
            path = encodes.store.mp3_file(segment)
            atomic.write_bytes(path, mp3frames.join([alone]), durable=False)
        first += count


def adts_frames(payload: bytes) -> int:
    """How many ADTS frames ``payload`` holds (each 1024 samples decoded).

    >>> header = bytes.fromhex("fff1508000fffc")  # a seven-byte frame: a header alone
    >>> adts_frames(header * 2)
    2
    """
    count, at = 0, 0
    while at + 7 <= len(payload):
        if payload[at] != 0xFF or payload[at + 1] & 0xF0 != 0xF0:
            raise ToolError(f"AAC frames damaged at byte {at}")
        length = (payload[at + 3] & 3) << 11 | payload[at + 4] << 3 | payload[at + 5] >> 5
        if length < 7:
            raise ToolError(f"AAC frames damaged at byte {at}")
        at += length
        count += 1
    if at != len(payload):
        raise ToolError("the last AAC frame is cut short")
    return count


# ffmpeg's "fast" AAC coder: its developers made it the default in 2018 because the
# "twoloop" coder "at higher bitrates ... sounds worse than the fast coder ... and needs
# quite a lot more CPU" (a third of the time here); the audiobook's mono speech is at 96 kb/s.
AAC_CODER = "fast"


def aac_filter(plan: AacPlan) -> str:
    """The chapter's decoded samples (at the MP3's rate) placed as ``plan`` says (ffmpeg's
    filters).

    >>> aac_filter(AacPlan(pad=512, samples=4096, rate=44100))
    'adelay=delays=512S:all=1,apad=whole_len=4096,atrim=end_sample=4096'
    >>> aac_filter(AacPlan(pad=0, samples=4096, rate=22050))
    'aresample=22050,apad=whole_len=4096,atrim=end_sample=4096'
    """
    steps = [] if plan.rate == OUTPUT_RATE else [f"aresample={plan.rate}"]
    if plan.pad:
        steps.append(f"adelay=delays={plan.pad}S:all=1")
    steps.append(f"apad=whole_len={plan.samples},atrim=end_sample={plan.samples}")
    return ",".join(steps)


def aac_codec_args(bitrate_kbps: int) -> list[str]:
    """The encoder and its settings: every chapter's AAC, however it is made, is made so."""
    return ["-c:a", "aac", "-aac_coder", AAC_CODER, "-b:a", f"{bitrate_kbps}k", "-f", "adts"]


def _encode_aac(mp3: Path, plan: AacPlan, bitrate_kbps: int) -> bytes:
    # ffmpeg reads the chapter's LAME tag and drops the encoder's delay itself.
    chunks = tools.read_ffmpeg(
        "-i", str(mp3), "-af", aac_filter(plan), *aac_codec_args(bitrate_kbps), "pipe:1",
        what=f"encoding {mp3.name} as AAC",
    )  # fmt: skip
    return b"".join(chunks)
