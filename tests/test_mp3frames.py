"""Chapters' MP3 encodes joined behind one Info frame: checked against what ffmpeg's own
LAME writes, and read back by ffmpeg, ffprobe and mutagen, which did not write it."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3

from pipeline.audio import mp3frames
from pipeline.core import tools

RATE = 44100


def encode(samples: np.ndarray, path: Path) -> bytes:
    """``samples`` (floats) encoded by ffmpeg's LAME as mastering does, to a file (so that
    ffmpeg writes its Info frame)."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    subprocess.run(
        [
            tools.ffmpeg_path(), "-loglevel", "error", "-y", "-f", "s16le", "-ar", str(RATE),
            "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "96k", "-write_xing", "1",
            "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3", str(path),
        ],
        input=pcm,
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def decode(path: Path) -> np.ndarray:
    done = subprocess.run(
        [tools.ffmpeg_path(), "-loglevel", "error", "-i", str(path), "-f", "s16le", "pipe:1"],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.float64) / 32768


def tone(seconds: float, frequency: float = 440.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return level * np.sin(2 * np.pi * frequency * t)


def chapter(speech_seconds: float, frequency: float) -> np.ndarray:
    """A chapter as the layout makes one: silence, 'speech', silence (the seam falls in it)."""
    return np.concatenate([np.zeros(RATE // 2), tone(speech_seconds, frequency), np.zeros(RATE)])


def lame_fields(data: bytes) -> dict[str, int]:
    info = data[: mp3frames.header(data).size]
    fields, lame = mp3frames._tag_offsets(info)
    frames, size = struct.unpack_from(">II", info, fields)
    delay_padding = int.from_bytes(info[lame + 21 : lame + 24], "big")
    music_length, music_crc, tag_crc = struct.unpack_from(">IHH", info, lame + 28)
    return {
        "frames": frames,
        "bytes": size,
        "delay": delay_padding >> 12,
        "padding": delay_padding & 0xFFF,
        "music_length": music_length,
        "music_crc": music_crc,
        "tag_crc": tag_crc,
        "tag_crc_ok": int(tag_crc == mp3frames.tag_crc(info)),
    }


def test_one_encode_joined_alone_is_what_ffmpeg_wrote(tmp_path: Path) -> None:
    """Every field of the Info frame written anew equals the one ffmpeg's muxer wrote for
    the same frames; the seek table's entries (ffmpeg samples its frame positions) within
    one 256th of the file."""
    original = encode(chapter(4.3, 330), tmp_path / "one.mp3")
    encoded = mp3frames.split(original)
    joined = mp3frames.join([encoded])
    assert len(joined) == len(original) and joined[len(encoded.info) :] == encoded.frames
    ours, theirs = lame_fields(joined), lame_fields(original)
    del ours["tag_crc"], theirs["tag_crc"]  # it covers the seek table (below)
    assert ours == theirs and ours["tag_crc_ok"] == 1
    fields, _ = mp3frames._tag_offsets(encoded.info)
    toc_at = fields + 8
    toc, their_toc = joined[toc_at : toc_at + 100], original[toc_at : toc_at + 100]
    assert max(abs(a - b) for a, b in zip(toc, their_toc, strict=True)) <= 1
    assert list(toc) == sorted(toc)
    # Everything outside the seek table and the tag's own CRC is byte for byte the same.
    _, lame = mp3frames._tag_offsets(encoded.info)
    same = [(0, toc_at), (toc_at + 100, lame + 34), (lame + 36, len(original))]
    for begin, end in same:
        assert joined[begin:end] == original[begin:end], (begin, end)


@pytest.mark.parametrize("samples", [1, 575, 576, 1151, 1152, 2000, 10_414, 10_416, 44_100])
def test_frames_for_is_how_many_frames_lame_makes(tmp_path: Path, samples: int) -> None:
    encoded = mp3frames.split(encode(tone(samples / RATE), tmp_path / "n.mp3"))
    assert encoded.frame_count == mp3frames.frames_for(samples)
    assert encoded.delay == mp3frames.ENCODER_DELAY


def test_joined_chapters_play_gapless_with_each_chapter_on_its_first_frame(
    tmp_path: Path,
) -> None:
    """Three chapters encoded apart and joined: ffmpeg decodes exactly the samples the
    chapter slots add up to (its gapless trim read from the new tag), each chapter's tone
    begins where its slot does plus its own lead-in, and ffprobe and mutagen agree on the
    length and frame count."""
    chapters = [chapter(1.2, 440), chapter(2.05, 660), chapter(0.7, 550)]
    parts = [
        mp3frames.split(encode(samples, tmp_path / f"{i}.mp3"))
        for i, samples in enumerate(chapters)
    ]
    out = tmp_path / "joined.mp3"
    out.write_bytes(mp3frames.join(parts))

    slots = [mp3frames.frames_for(len(c)) * mp3frames.FRAME_SAMPLES for c in chapters]
    last = parts[-1]
    expected = sum(slots[:-1]) + (
        last.frame_count * mp3frames.FRAME_SAMPLES - mp3frames.ENCODER_DELAY - last.padding
    )
    heard = decode(out)
    assert len(heard) == expected
    starts = np.cumsum([0, *slots[:-1]])
    for start, samples in zip(starts, chapters, strict=True):
        onset = int(np.argmax(np.abs(samples) > 0.05))
        found = int(start) + int(np.argmax(np.abs(heard[start:]) > 0.05))
        assert abs(found - (start + onset)) <= 2, (found, start + onset)
    fields = lame_fields(out.read_bytes())
    assert fields["frames"] == sum(part.frame_count for part in parts)
    assert fields["bytes"] == fields["music_length"] == out.stat().st_size
    assert fields["tag_crc_ok"] == 1
    assert fields["music_crc"] == mp3frames.crc16(b"".join(p.frames for p in parts))
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream["codec_name"] == "mp3" and stream["sample_rate"] == str(RATE)
    # Both read the length from the new Info frame's frame count (neither trims the delay).
    whole_frames = fields["frames"] * mp3frames.FRAME_SAMPLES / RATE
    assert float(stream["duration"]) == pytest.approx(whole_frames, abs=0.001)
    info = MP3(out).info
    assert info is not None and info.length == pytest.approx(expected / RATE, abs=0.06)


def test_damaged_frames_are_refused(tmp_path: Path) -> None:
    data = encode(chapter(0.5, 440), tmp_path / "a.mp3")
    with pytest.raises(mp3frames.FrameError, match="cut short"):
        mp3frames.split(data[:-100])
    with pytest.raises(mp3frames.FrameError, match="no MPEG Layer III frame"):
        mp3frames.split(b"RIFF" + data[4:])
    with pytest.raises(mp3frames.FrameError, match="not an Info frame"):
        mp3frames.split(data[len(mp3frames.split(data).info) :])
    with pytest.raises(mp3frames.FrameError, match="nothing to join"):
        mp3frames.join([])
