"""Mastering: the layout's pauses and chapter marks, and loudness on a long episode, where
the gain is searched on a sample and the whole MP3 is then measured."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ebur128

from pipeline.audio.layout import (
    CHAPTER_FRAMES,
    OUTPUT_RATE,
    PlannedBlock,
    PlannedUtterance,
    gap_before,
    layout,
    output_samples,
    segments,
)
from pipeline.audio.master import Loudness
from pipeline.audio.mp3frames import FRAME_SAMPLES, frames_for
from pipeline.audio.segments import SegmentStore, write_mp3
from pipeline.audio.streaming import BackHalf, Plan, Streamed
from pipeline.settings.direction import Pauses
from pipeline.speech.cache import AudioCache
from pipeline.speech.engines.fake import FakeEngine

RATE = 1000  # samples per second: round numbers for timing tests


def block(kind: str, chapter: int, *sentences: tuple[int, ...]) -> PlannedBlock:
    planned = tuple(
        tuple(PlannedUtterance(f"u{i}", f"k{i}", n * RATE) for i, n in enumerate(sentence))
        for sentence in sentences
    )
    return PlannedBlock(kind, chapter, planned)  # type: ignore[arg-type]


def test_layout_places_pauses_from_shortest_to_longest() -> None:
    p = Pauses()
    blocks = [
        block("intro", 0, (2,)),
        block("paragraph", 0, (3, 1), (2,)),
        block("heading", 1, (1,)),
        block("paragraph", 1, (2,)),
        block("outro", 1, (1,)),
    ]
    pieces, timeline = layout(blocks, ["Introduction", "Second"], RATE, p)
    starts = [b.start for b in timeline.blocks]
    assert starts[0] == pytest.approx(p.lead)
    assert starts[1] == pytest.approx(p.lead + 2 + p.after_intro)
    first = timeline.blocks[1].sentences[0].utterances
    assert first[1].start - first[0].end == pytest.approx(p.clause)
    second_sentence = timeline.blocks[1].sentences[1]
    assert second_sentence.start - first[1].end == pytest.approx(p.sentence)
    # Between chapters, the silence the MP3 encoder makes where two chapters' encodes meet
    # (its delay and padding: one to two frames) lengthens the pause, and so does the
    # silence that fills the chapter's last CHAPTER_FRAMES (under 16 frames more).
    seam = timeline.blocks[2].start - timeline.blocks[1].end - p.chapter
    most = (CHAPTER_FRAMES + 1) * FRAME_SAMPLES / OUTPUT_RATE
    assert FRAME_SAMPLES / OUTPUT_RATE - 1 / RATE <= seam <= most
    first_chapter = segments(pieces)[0]
    frames = frames_for(output_samples(sum(piece.samples for piece in first_chapter), RATE))
    assert frames % CHAPTER_FRAMES == 0
    assert timeline.blocks[3].start - timeline.blocks[2].end == pytest.approx(p.after_heading)
    assert timeline.blocks[4].start - timeline.blocks[3].end == pytest.approx(p.before_outro)
    assert timeline.duration == pytest.approx(timeline.blocks[-1].end + p.tail)
    assert sum(piece.samples for piece in pieces) == round(timeline.duration * RATE)
    assert [piece.seam for piece in pieces].count(True) == 1
    assert p.clause < p.sentence < p.paragraph < p.chapter
    assert p.lead <= 0.5 and p.tail <= 0.5


@pytest.mark.parametrize("rate", [22050, 24000, 16000])
def test_each_chapter_starts_on_its_first_mp3_frame(rate: int) -> None:
    """Chapters are encoded one by one and their frames joined: each chapter's first sample
    must fall on a frame boundary of the joined MP3, which is where the timeline puts it
    (to within a sample at the voice's rate)."""
    sizes = [(3, 1), (2,), (5,), (1, 1, 1)]
    blocks = [
        PlannedBlock(
            "heading" if i else "intro",
            i,
            tuple((PlannedUtterance("u", f"k{i}", round(n * rate * 1.37)),) for n in sentence),
        )  # type: ignore[arg-type]
        for i, sentence in enumerate(sizes)
    ]
    pieces, timeline = layout(blocks, ["A", "B", "C", "D"], rate, Pauses())
    chapters = segments(pieces)
    assert len(chapters) == len(sizes)
    frames = 0
    for index, (chapter, mark) in enumerate(zip(chapters, timeline.chapters, strict=True)):
        start = frames * FRAME_SAMPLES / OUTPUT_RATE  # where its encode begins in the MP3
        if index:  # the seam is halfway through the pause before the chapter's first block
            half_pause = gap_before(blocks[index], blocks[index - 1], Pauses()) / 2
            assert abs(mark.start - half_pause - start) <= 1 / rate
        frames += frames_for(output_samples(sum(piece.samples for piece in chapter), rate))
    last = chapters[-1]
    assert timeline.duration == pytest.approx(
        (frames - frames_for(output_samples(sum(p.samples for p in last), rate)))
        * FRAME_SAMPLES
        / OUTPUT_RATE
        + sum(p.samples for p in last) / rate,
        abs=1 / rate,
    )


def test_chapters_start_at_zero_and_at_headings_and_tile_the_audio() -> None:
    blocks = [block("intro", 0, (1,)), block("paragraph", 0, (2,)), block("heading", 1, (1,))]
    _, timeline = layout(blocks, ["Intro", "Next"], RATE, Pauses())
    first, second = timeline.chapters
    assert first.start == 0.0 and first.end == second.start
    assert second.start == timeline.blocks[2].start
    assert second.end == timeline.duration


def test_music_comes_before_the_intro_and_after_the_outro() -> None:
    music = b"\x10\x00" * (3 * RATE)
    blocks = [block("intro", 0, (1,)), block("outro", 0, (1,))]
    pieces, timeline = layout(blocks, ["Only"], RATE, Pauses(), music, music)
    assert pieces[0].music == music and pieces[-1].music == music
    assert timeline.blocks[0].start == pytest.approx(3.5)
    assert timeline.duration == pytest.approx(timeline.blocks[-1].end + Pauses().tail + 3)


def master(
    blocks: list[PlannedBlock],
    titles: list[str],
    rate: int,
    cache: AudioCache,
    store: SegmentStore,
    out: Path,
) -> Streamed:
    """The back half, every utterance already in the cache, and the MP3 joined."""
    back_half = BackHalf(Plan(blocks, titles, rate, Pauses()), cache, store, Loudness())
    back_half.start([])
    pieces, _ = layout(blocks, titles, rate, Pauses())
    streamed = back_half.finish(pieces)
    write_mp3(streamed.segments, store, out)
    return streamed


@pytest.mark.slow
def test_long_episode_of_varied_levels_lands_on_target_and_again_the_same() -> None:
    """A long episode of varied 'speech' (levels that differ from sentence to sentence and
    chapter to chapter): the whole MP3 lands on target under the ceiling, as ffmpeg's
    ebur128 reads it; and the same audio mastered again, with nothing kept, gives the same
    bytes (each figure comes from the audio alone, not from an earlier build)."""
    import tempfile

    import numpy as np

    engine = FakeEngine()
    with tempfile.TemporaryDirectory() as folder:
        tmp_path = Path(folder)
        cache = AudioCache(tmp_path / "cache")
        sentences = []
        for i in range(80):
            speech = engine.synthesize(f"sentence number {i} " * (1 + i % 3))
            quiet = 1 + (i % 7) + (i // 20)  # different loudness across the episode
            scaled = (np.frombuffer(speech.pcm, dtype="<i2") // quiet).astype("<i2").tobytes()
            key = f"{i:064d}"
            cache.put(key, type(speech)(scaled, speech.sample_rate))
            sentences.append((PlannedUtterance(str(i), key, len(scaled) // 2),))
        blocks = [
            PlannedBlock("heading" if i % 20 else "intro", i // 20, tuple(sentences[i : i + 4]))  # type: ignore[arg-type]
            for i in range(0, 80, 4)
        ]
        titles = ["One", "Two", "Three", "Four"]
        out = tmp_path / "long.mp3"
        first = master(blocks, titles, engine.sample_rate, cache, SegmentStore(tmp_path / "a"), out)
        assert len(first.segments) == 4
        loudness, _, peak = ebur128(out)
        assert -16.5 <= loudness <= -15.5 and peak <= -1.0
        again = tmp_path / "again.mp3"
        master(blocks, titles, engine.sample_rate, cache, SegmentStore(tmp_path / "b"), again)
        assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize("rate", [22050, 24000])  # Piper's rate, and gTTS's
def test_each_chapter_is_heard_where_the_timeline_says(tmp_path: Path, rate: int) -> None:
    """Three chapters of tone bursts encoded one by one and joined: decoded by ffmpeg (which
    did not write the file), every burst starts where the timeline puts its utterance, to
    within a millisecond, the last as well as the first."""
    import subprocess

    import numpy as np

    from pipeline.core import tools
    from pipeline.speech.engines import Speech

    cache = AudioCache(tmp_path / "cache")
    blocks = []
    for chapter in range(3):
        sentences = []
        for index in range(3):
            seconds = 0.4 + 0.37 * index + 0.11 * chapter
            t = np.arange(round(seconds * rate)) / rate
            burst = (0.4 * np.sin(2 * np.pi * (300 + 100 * index) * t) * 32767).astype("<i2")
            key = f"{chapter}{index}".rjust(64, "0")
            cache.put(key, Speech(burst.tobytes(), rate))
            sentences.append((PlannedUtterance(key, key, len(burst)),))
        kind = "heading" if chapter else "intro"
        blocks.append(PlannedBlock(kind, chapter, tuple(sentences)))  # type: ignore[arg-type]
    _, timeline = layout(blocks, ["A", "B", "C"], rate, Pauses())
    out = tmp_path / "joined.mp3"
    mastered = master(blocks, ["A", "B", "C"], rate, cache, SegmentStore(tmp_path / "s"), out)
    assert len(mastered.segments) == 3 and mastered.encoded - mastered.reencoded == 3
    heard = np.frombuffer(
        subprocess.run(
            [tools.ffmpeg_path(), "-loglevel", "error", "-i", str(out), "-f", "s16le", "-"],
            capture_output=True,
            check=True,
        ).stdout,
        dtype="<i2",
    )
    # As long as the timeline says, to within one of the voice's samples.
    assert abs(len(heard) - timeline.duration * OUTPUT_RATE) <= OUTPUT_RATE / rate
    loud = np.abs(heard.astype(np.float64)) > 0.05 * np.abs(heard).max()
    for block in timeline.blocks:
        for sentence in block.sentences:
            start = round(sentence.start * OUTPUT_RATE)
            onset = start - 2000 + int(np.argmax(loud[start - 2000 : start + 2000]))
            assert abs(onset - start) <= OUTPUT_RATE // 1000, (sentence.start, onset / OUTPUT_RATE)


def test_an_utterance_the_voice_made_no_sound_for_still_has_a_forward_timing() -> None:
    """A Hugo shortcode's '>}}' once reached the voice, which said nothing: the talking
    book then refused the timeline ("its timing is empty or backwards") and the build
    ended. Whatever text reaches the voice gets a span."""
    from pipeline.books.book import check_timeline

    blocks = [block("intro", 0, (1,)), block("paragraph", 0, (1,), (0,), (1, 0, 1))]
    _, timeline = layout(blocks, ["Only"], RATE, Pauses())
    silent = timeline.blocks[1].sentences[1]
    assert silent.end > silent.start
    check_timeline(timeline)  # raises BookError on an empty span
