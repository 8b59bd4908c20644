"""The utterance cache: stable keys, checksummed entries, corruption found and not used."""

from pathlib import Path

from pipeline.speech.cache import AudioCache, utterance_key
from pipeline.speech.engines import Speech


def test_round_trip(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    key = utterance_key({"engine": "fake"}, {}, "Hello there.")
    assert cache.status(key) == "missing"
    cache.put(key, Speech(b"\x01\x02" * 500, 22050))
    assert cache.status(key) == "hit"
    got = cache.get(key)
    assert got is not None and got.pcm == b"\x01\x02" * 500 and got.sample_rate == 22050
    assert cache.sample_count(key) == 500
    assert cache.sample_count("0" * 64) is None


def test_truncated_and_corrupt_entries_are_detected(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    for name, damage in {
        "truncated": lambda data: data[: len(data) - 7],
        "flipped": lambda data: data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
        "header only": lambda data: data[:20],
        "empty": lambda data: b"",
    }.items():
        key = utterance_key({"engine": "fake"}, {}, name)
        cache.put(key, Speech(bytes(range(256)) * 40, 22050))
        path = cache.path(key)
        path.write_bytes(damage(path.read_bytes()))
        assert cache.status(key) == "corrupt", name
        assert cache.get(key) is None, name


def test_key_covers_engine_settings_and_text() -> None:
    base = utterance_key({"engine": "piper", "model_sha256": "a"}, {"trim": 1}, "Hi.")
    assert base != utterance_key({"engine": "piper", "model_sha256": "b"}, {"trim": 1}, "Hi.")
    assert base != utterance_key({"engine": "piper", "model_sha256": "a"}, {"trim": 2}, "Hi.")
    assert base != utterance_key({"engine": "piper", "model_sha256": "a"}, {"trim": 1}, "Hi!")
    assert len(base) == 64
