"""A deterministic stand-in voice: a tone whose length follows the text. For fast tests only."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from pipeline.speech.engines.base import Speech


class FakeEngine:
    name = "fake"
    sample_rate = 22050
    seconds_per_char = 0.03  # twice as quick as real speech: the tests have less audio to master
    # Takes [[ ]] phonemes like Piper, so tests of the lexicon run without the real voice.
    phonemes: frozenset[str] | None = frozenset("abdefhijklmnoprstuvwzæðŋɑɔəɛɡɪʃʊʌʒθˈˌː ")

    def __init__(self, pace: float = 1.0) -> None:
        self.pace = pace

    def identity(self) -> dict[str, object]:
        if self.pace != 1.0:
            return {"engine": self.name, "version": 1, "pace": self.pace}
        return {"engine": self.name, "version": 1}

    def speaks(self, language: str) -> bool:
        return True

    def synthesize(self, text: str, seed: str = "") -> Speech:
        # Pitch from the text's hash, so different utterances sound (and hash) different.
        pitch = 180 + int(hashlib.sha256(text.encode()).hexdigest()[:4], 16) % 200
        count = max(1, int(len(text) * self.seconds_per_char * self.pace * self.sample_rate))
        return Speech(tone(pitch, count, self.sample_rate), self.sample_rate)

    def phonemize(self, text: str) -> str | None:
        return text  # a tone has no phonemes: the text it was given stands in for them


def tone(pitch: int, count: int, rate: int) -> bytes:
    """``int(9000 * math.sin(2 * pi * pitch / rate * i))`` for each sample i, as int16.

    In numpy, since a Python loop over every sample made the fake voice a large part of
    each test build. numpy's sine may differ from math.sin in the last bit, which changes
    the truncated sample only right beside an integer: those few are computed with
    math.sin, so the samples are the ones the loop made.

    >>> import struct
    >>> step = 2 * math.pi * 300 / 22050
    >>> loop = struct.pack("<22050h", *(int(9000 * math.sin(step * i)) for i in range(22050)))
    >>> tone(300, 22050, 22050) == loop
    True
    """
    step = 2 * math.pi * pitch / rate
    wave = 9000 * np.sin(step * np.arange(count))
    near = np.flatnonzero(np.abs(wave - np.round(wave)) < 1e-6)
    wave[near] = [9000 * math.sin(step * int(i)) for i in near]
    return np.trunc(wave).astype("<i2").tobytes()
