"""A deterministic stand-in voice: a tone whose length follows the text. For fast tests only."""

from __future__ import annotations

import hashlib
import math
import struct

from pipeline.engines import Speech


class FakeEngine:
    name = "fake"
    sample_rate = 22050
    seconds_per_char = 0.06
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

    def synthesize(self, text: str) -> Speech:
        # Pitch from the text's hash, so different utterances sound (and hash) different.
        pitch = 180 + int(hashlib.sha256(text.encode()).hexdigest()[:4], 16) % 200
        count = max(1, int(len(text) * self.seconds_per_char * self.pace * self.sample_rate))
        step = 2 * math.pi * pitch / self.sample_rate
        samples = (int(9000 * math.sin(step * i)) for i in range(count))
        return Speech(struct.pack(f"<{count}h", *samples), self.sample_rate)

    def phonemize(self, text: str) -> str | None:
        return text  # a tone has no phonemes: the text it was given stands in for them
