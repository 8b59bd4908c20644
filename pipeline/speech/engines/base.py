"""The one interface every voice implements, and the values that cross it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class VoiceChoice:
    """Which engine and voice to use for one episode, and the language it must speak."""

    engine: str
    voice: str
    language: str
    workspace: Path | None = None  # where an engine may keep files it derives (project cache)
    pace: float = 1.0  # 1.0: the voice's own pace; 1.2: 20% slower (pipeline.settings.direction)


@dataclass(frozen=True)
class Speech:
    """What an engine returns: raw little-endian int16 mono samples."""

    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


class Engine(Protocol):
    name: str
    sample_rate: int
    # The phoneme characters it accepts inside [[ ]] in the text; None: it takes text only.
    phonemes: frozenset[str] | None

    def identity(self) -> dict[str, object]:
        """Everything that changes the sound: goes into each utterance's cache key."""
        ...

    def speaks(self, language: str) -> bool: ...

    def synthesize(self, text: str, seed: str = "") -> Speech:
        """``text`` spoken. Any randomness is drawn from ``seed`` (hex: the utterance's
        cache key), so the same utterance gives the same samples on every worker."""
        ...

    def phonemize(self, text: str) -> str | None:
        """The phonemes the voice would say for ``text``; None for a text-only engine."""
        ...
