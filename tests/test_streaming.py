"""Mastering streamed behind synthesis (pipeline/audio/streaming.py): chapters encoded as
their utterances land, each at a figure from its own audio; the episode's loudness from kept
per-utterance blocks and per-chapter meters; an edit encodes and meters its chapter alone,
and gives the bytes a clean build gives."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import ebur128

from pipeline.audio.filters import Convolver
from pipeline.audio.layout import PlannedBlock, PlannedUtterance, layout
from pipeline.audio.levels import (
    BLOCKS,
    ChapterLevels,
    cached_blocks,
    chapter_levels,
    utterance_blocks,
)
from pipeline.audio.loudness import gated_loudness, k_response, measure_pcm
from pipeline.audio.master import Loudness, meter_file
from pipeline.audio.segments import SegmentStore, write_mp3
from pipeline.audio.streaming import CHAPTER_TOLERANCE_LU, BackHalf, Plan, Streamed
from pipeline.settings.direction import Pauses
from pipeline.speech.cache import AudioCache
from pipeline.speech.engines import Speech
from pipeline.speech.engines.fake import FakeEngine

ENGINE = FakeEngine()


def episode(cache: AudioCache, chapters: int = 4, edit: str = "") -> list[PlannedBlock]:
    """Chapters of 'speech' (the fake voice) at levels that differ from chapter to chapter,
    as a real essay's do; ``edit`` changes one sentence of chapter 1."""
    blocks = []
    for chapter in range(chapters):
        sentences = []
        for index in range(4):
            text = f"chapter {chapter} sentence {index} " * (2 + index % 2)
            if chapter == 1 and index == 2:
                text += edit
            key = hashlib.sha256(text.encode()).hexdigest()
            speech = ENGINE.synthesize(text)
            scale = 1.0 / (1 + 0.4 * (chapter % 3))
            pcm = (np.frombuffer(speech.pcm, dtype="<i2") * scale).astype("<i2").tobytes()
            cache.put(key, Speech(pcm, speech.sample_rate))
            sentences.append((PlannedUtterance(text, key, 0),))
        blocks.append(PlannedBlock("paragraph", chapter, tuple(sentences)))
    return blocks


def sized(blocks: list[PlannedBlock], cache: AudioCache) -> list[PlannedBlock]:
    out = []
    for block in blocks:
        sentences = tuple(
            tuple(PlannedUtterance(u.text, u.key, cache.sample_count(u.key) or 0) for u in s)
            for s in block.sentences
        )
        out.append(PlannedBlock(block.kind, block.chapter, sentences))
    return out


def master(
    tmp_path: Path,
    blocks: list[PlannedBlock],
    cache: AudioCache,
    store: SegmentStore,
    landing: list[str] | None = None,
    aac_kbps: int = 0,
) -> tuple[Streamed, Path]:
    """Run the back half as a build does: started with the keys still to land (``landing``,
    told from another thread in that order), then finished on the whole layout."""
    titles = [f"Chapter {i}" for i in range(len({b.chapter for b in blocks}))]
    plan = Plan(blocks, titles, ENGINE.sample_rate, Pauses(), aac_kbps=aac_kbps)
    back_half = BackHalf(
        plan,
        cache,
        store,
        Loudness(),
    )
    back_half.start(landing or [])
    if landing:
        feeder = threading.Thread(target=lambda: [back_half.landed(k) for k in landing])
        feeder.start()
        feeder.join()
    pieces, _ = layout(sized(blocks, cache), titles, ENGINE.sample_rate, Pauses())
    streamed = back_half.finish(pieces)
    out = tmp_path / f"episode-{len(list(tmp_path.glob('*.mp3')))}.mp3"
    write_mp3(streamed.segments, store, out)
    return streamed, out


def test_utterance_blocks_are_measured_once_and_kept(tmp_path: Path) -> None:
    """An utterance's blocks are kept beside it in the cache and read back as they were;
    the gating of several utterances' blocks is their loudness metered one after another
    (with pauses between), as the layout would play them."""
    cache = AudioCache(tmp_path)
    keys, pcms = [], []
    for index, level in enumerate((0.3, 0.1, 0.05)):
        t = np.arange(int(1.5 * 22050)) / 22050
        pcm = (level * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2").tobytes()
        key = f"{index}".rjust(64, "a")
        cache.put(key, Speech(pcm, 22050))
        keys.append(key)
        pcms.append(pcm)
    assert cache.extra(keys[0], BLOCKS) is None
    first = cached_blocks(cache, keys[0])
    assert cache.extra(keys[0], BLOCKS) is not None
    assert np.array_equal(cached_blocks(cache, keys[0]), first)
    summed = gated_loudness(np.concatenate([cached_blocks(cache, key) for key in keys]))
    pause = bytes(2 * 22050)
    played = measure_pcm([pause + pause.join(pcms) + pause], 22050, true_peak=False)
    assert summed == pytest.approx(played.integrated(), abs=0.05)
    assert gated_loudness(utterance_blocks(b"", 22050)) == float("-inf")


def test_chapter_levels_survive_the_store(tmp_path: Path) -> None:
    """A chapter is metered from pairs of samples and their K-weighted values; it meters
    what the meter finds weighting the samples itself, and is kept as it was."""
    t = np.arange(44100 * 2) / 44100
    tone = 0.2 * np.sin(2 * np.pi * 997 * t)
    weighted = Convolver(k_response(44100))(tone)
    pairs = np.column_stack((tone, weighted)).astype("<f4").tobytes()
    levels = chapter_levels([pairs[:1000], pairs[1000:]], 44100)
    itself = measure_pcm([tone.astype("<f4").tobytes()], 44100, "f32le")
    assert np.allclose(levels.steps, itself.steps, rtol=1e-6)
    assert levels.peak == pytest.approx(itself.peak, rel=1e-6)
    again = ChapterLevels.from_bytes(levels.to_bytes())
    assert again is not None
    assert np.array_equal(again.steps, levels.steps) and again.peak == levels.peak
    assert again.samples == levels.samples == 88200
    assert ChapterLevels.from_bytes(b"not a meter") is None


@pytest.mark.slow
def test_streamed_episode_is_on_target_and_measured_as_the_whole(tmp_path: Path) -> None:
    """Chapters at different levels, each encoded at a figure from its own audio: the MP3
    (read by ffmpeg's ebur128, which did not make it) is within 0.5 LU of -16 LUFS with its
    true peak under the ceiling, and the chapters' joined meters say what metering the
    whole decoded MP3 says (loudness, range, true peak and where, the curves)."""
    cache, store = AudioCache(tmp_path / "cache"), SegmentStore(tmp_path / "segments")
    blocks = episode(cache)
    streamed, out = master(tmp_path, blocks, cache, store)
    assert len(streamed.segments) == 4
    assert streamed.encoded - streamed.reencoded == 4  # every chapter, at least once
    loudness, _, peak = ebur128(out)
    assert -16.5 <= loudness <= -15.5 and peak <= Loudness().true_peak_dbtp
    whole = meter_file(out).measurement()
    joined = streamed.meter.measurement()
    assert joined.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=0.05)
    assert joined.loudness_range_lu == pytest.approx(whole.loudness_range_lu, abs=0.2)
    assert joined.true_peak_dbtp == pytest.approx(whole.true_peak_dbtp, abs=0.05)
    assert joined.true_peak_at == pytest.approx(whole.true_peak_at, abs=0.01)
    assert joined.duration == pytest.approx(whole.duration, abs=0.001)
    assert len(joined.short_term) == pytest.approx(len(whole.short_term), abs=1)
    # Each chapter lands on the target by itself, driven by as much more as it is quieter
    # (the fake voice's chapters 1 and 2 are 2.9 and 5.1 dB under chapter 0).
    for part in streamed.segments:
        levels = ChapterLevels.from_bytes(store.levels(part) or b"")
        assert levels is not None
        assert gated_loudness(levels.blocks()) == pytest.approx(-16.0, abs=CHAPTER_TOLERANCE_LU)
    drives = [segment.gain_db for segment in streamed.segments]
    assert drives[1] - drives[0] == pytest.approx(2.9, abs=0.3)
    assert drives[2] - drives[0] == pytest.approx(5.1, abs=0.3)


@pytest.mark.slow
def test_each_chapters_aac_is_what_the_talking_book_makes_from_its_mp3(tmp_path: Path) -> None:
    """The AAC made from the meter's decode, beside it, is byte for byte the AAC that the
    talking book makes from the chapter's kept MP3 alone (when the store lacks it), and the
    meter read from that decode is the meter of the MP3 decoded by itself."""
    from pipeline.audio.aac import _encode_aac, _key, aac_plans, aac_rate, chapter_aac_job

    cache, store = AudioCache(tmp_path / "cache"), SegmentStore(tmp_path / "segments")
    streamed, _ = master(tmp_path, episode(cache, chapters=3), cache, store, aac_kbps=64)
    segments, rate = list(streamed.segments), aac_rate(ENGINE.sample_rate)
    assert rate == 22050  # the voice's own rate: half the MP3's
    plans = aac_plans(segments, rate)
    for index, (segment, plan) in enumerate(zip(segments, plans, strict=True)):
        assert chapter_aac_job(store, segments[: index + 1], len(segments), 64, rate) is None
        alone = _encode_aac(store.mp3_file(segment), plan, 64)
        key = _key(segment, plan, 64)
        assert store.aac(key) == alone
        kept = ChapterLevels.from_bytes(store.levels(segment) or b"")
        assert kept is not None
        whole = meter_file(store.mp3_file(segment))
        assert np.allclose(kept.steps, whole.steps, rtol=1e-5)
        assert kept.peak == pytest.approx(whole.peak, rel=1e-6)


OLD_FFMPEG = """#!{python}
import os, sys
if "-dec" in sys.argv:  # as ffmpeg before 7.1 answers the loopback decoder's option
    sys.stderr.write("Unrecognized option 'dec'.\\nError splitting the argument list\\n")
    sys.exit(8)
os.execv({real!r}, [{real!r}, *sys.argv[1:]])
"""


@pytest.mark.slow
def test_an_ffmpeg_without_loopback_decoders_encodes_then_decodes_to_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an ffmpeg older than 7.1 (no -dec), each chapter is encoded, then its file
    decoded for the meter and the AAC: the same MP3, AAC and meter as the one-pass way."""
    import sys

    from pipeline.audio import chapter_meter
    from pipeline.core import tools

    cache = AudioCache(tmp_path / "cache")
    blocks = episode(cache, chapters=2)
    new_store = SegmentStore(tmp_path / "new")
    new, _ = master(tmp_path, blocks, cache, new_store, aac_kbps=64)
    old_ffmpeg = tmp_path / "old-ffmpeg"
    old_ffmpeg.write_text(OLD_FFMPEG.format(python=sys.executable, real=tools.ffmpeg_path()))
    old_ffmpeg.chmod(0o755)
    monkeypatch.setenv(tools.FFMPEG_VARIABLE, str(old_ffmpeg))
    monkeypatch.setattr(chapter_meter, "_loopback", True)
    tools.ffmpeg_path.cache_clear()
    try:
        old_store = SegmentStore(tmp_path / "old")
        old, _ = master(tmp_path, blocks, cache, old_store, aac_kbps=64)
        assert chapter_meter._loopback is False  # found out once, then not asked again
    finally:
        monkeypatch.delenv(tools.FFMPEG_VARIABLE)
        tools.ffmpeg_path.cache_clear()
    assert old.segments == new.segments
    for folder in ("new", "old"):
        assert not list((tmp_path / folder).rglob("*.part"))
    kept = sorted(p.relative_to(tmp_path / "new") for p in (tmp_path / "new").rglob("*.*"))
    assert kept == sorted(p.relative_to(tmp_path / "old") for p in (tmp_path / "old").rglob("*.*"))
    assert any(path.suffix == ".aac" for path in kept)
    for segment in new.segments:  # the same meter (its file is a zip, dated when written)
        one, two = (
            ChapterLevels.from_bytes(s.levels(segment) or b"") for s in (new_store, old_store)
        )
        assert one is not None and two is not None
        assert np.array_equal(one.steps, two.steps) and (one.peak, one.peak_at) == (
            two.peak,
            two.peak_at,
        )
    for path in kept:  # the same encodes
        if path.suffix != ".levels":
            assert (tmp_path / "new" / path).read_bytes() == (tmp_path / "old" / path).read_bytes()


@pytest.mark.slow
def test_landing_order_does_not_change_the_encodes(tmp_path: Path) -> None:
    """Utterances landing one by one, the last chapter's first, give the very encodes that
    an all-cached build gives: chapters are taken in order, each at what was known then."""
    cache = AudioCache(tmp_path / "cache")
    blocks = episode(cache)
    all_cached, _ = master(tmp_path, blocks, cache, SegmentStore(tmp_path / "one"))
    keys = [u.key for block in reversed(blocks) for s in block.sentences for u in s]
    streamed, _ = master(tmp_path, blocks, cache, SegmentStore(tmp_path / "two"), landing=keys)
    assert streamed.segments == all_cached.segments
    assert streamed.gain == all_cached.gain
    assert streamed.encoded == all_cached.encoded > 0


@pytest.mark.slow
def test_an_edit_encodes_and_meters_its_chapter_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built again unchanged, nothing is encoded or decoded; a sentence edited in chapter 1
    encodes and meters chapter 1 alone (one ffmpeg for each try at its figure, metering the
    encode as it is made),
    the others are taken from the store with their kept meters, the whole stays on target,
    and the result is what a clean build of the edited episode gives."""
    from pipeline.core import tools

    cache, store = AudioCache(tmp_path / "cache"), SegmentStore(tmp_path / "segments")
    first, _ = master(tmp_path, episode(cache), cache, store)
    calls: list[str] = []
    real_stream, real_read = tools.stream_through_ffmpeg, tools.read_ffmpeg
    monkeypatch.setattr(
        tools,
        "stream_through_ffmpeg",
        lambda *a, **k: calls.append("encode") or real_stream(*a, **k),
    )
    monkeypatch.setattr(
        tools, "read_ffmpeg", lambda *a, **k: calls.append("decode") or real_read(*a, **k)
    )
    again, _ = master(tmp_path, episode(cache), cache, store)
    assert calls == [] and again.segments == first.segments and again.encoded == 0
    edited, out = master(tmp_path, episode(cache, edit="and one more"), cache, store)
    tries = edited.encoded
    assert 1 <= tries <= 2 and edited.encoded - edited.reencoded == 1
    assert calls == ["encode"] * tries, calls  # each metered as it is made
    changed = [a != b for a, b in zip(first.segments, edited.segments, strict=True)]
    assert changed == [False, True, False, False]
    assert -16.5 <= ebur128(out)[0] <= -15.5
    monkeypatch.setattr(tools, "stream_through_ffmpeg", real_stream)
    monkeypatch.setattr(tools, "read_ffmpeg", real_read)
    clean_store = SegmentStore(tmp_path / "clean")
    clean, _ = master(tmp_path, episode(cache, edit="and one more"), cache, clean_store)
    assert clean.segments == edited.segments


def test_a_stop_request_inside_the_back_halfs_start_leaves_it_stoppable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop request (Ctrl-C, SIGTERM) raised while the back half's thread is starting:
    stopping it then is a clean stop, not "cannot join thread before it is started"
    reported as a bug. The stop request is held while the thread starts, and the thread is
    kept only once it has."""
    cache, store = AudioCache(tmp_path / "cache"), SegmentStore(tmp_path / "segments")
    blocks = episode(cache, chapters=1)
    plan = Plan(blocks, ["Chapter 0"], ENGINE.sample_rate, Pauses())
    back_half = BackHalf(plan, cache, store, Loudness())
    back_half.start(["a" * 64])
    real_start = threading.Thread.start

    def interrupted(thread: threading.Thread) -> None:
        raise KeyboardInterrupt  # as the stop handler raises wherever the main thread is

    monkeypatch.setattr(threading.Thread, "start", interrupted)
    with pytest.raises(KeyboardInterrupt):
        back_half.landed("a" * 64)
    monkeypatch.setattr(threading.Thread, "start", real_start)
    back_half.stop()  # no RuntimeError
    assert back_half.thread is None
