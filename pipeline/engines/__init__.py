"""Voices behind one small interface.

An engine turns one utterance of text into 16-bit mono PCM. Each engine module exposes a
class implementing `Engine`; `ENGINES` maps the name a producer writes in show.toml, front
matter or `--engine` to a loader. Loading is lazy so that a no-op build never imports a
neural network runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.errors import EngineError


@dataclass(frozen=True)
class VoiceChoice:
    """Which engine and voice to use for one episode, and the language it must speak."""

    engine: str
    voice: str
    language: str
    workspace: Path | None = None  # where an engine may keep files it derives (project cache)
    pace: float = 1.0  # 1.0: the voice's own pace; 1.2: 20% slower (pipeline.direction)


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

    def synthesize(self, text: str) -> Speech: ...

    def phonemize(self, text: str) -> str | None:
        """The phonemes the voice would say for ``text``; None for a text-only engine."""
        ...


def _load_piper(choice: VoiceChoice) -> Engine:
    from pipeline.engines.piper import PiperEngine

    return PiperEngine(choice.voice, choice.workspace, choice.pace)


def _load_gtts(choice: VoiceChoice) -> Engine:
    from pipeline.engines.gtts import GttsEngine

    return GttsEngine(choice.language, slow=choice.pace >= GTTS_SLOW_PACE)


def _load_fake(choice: VoiceChoice) -> Engine:
    from pipeline.engines.fake import FakeEngine

    return FakeEngine(choice.pace)


# gTTS has only two speeds: a pace of 1.5 or more asks for its slow one.
GTTS_SLOW_PACE = 1.5

ENGINES: dict[str, Callable[[VoiceChoice], Engine]] = {
    "piper": _load_piper,
    "gtts": _load_gtts,
    "fake": _load_fake,  # deterministic tones, for fast tests; never the default
}


def check_engine_name(name: str) -> None:
    """Refuse an engine name that is not in ENGINES, listing the ones that are.

    >>> check_engine_name("espeak")
    Traceback (most recent call last):
    pipeline.errors.EngineError: unknown engine 'espeak' (known: fake, gtts, piper)
    """
    if name not in ENGINES:
        known = ", ".join(sorted(ENGINES))
        raise EngineError(f"unknown engine '{name}' (known: {known})")


def load_engine(choice: VoiceChoice) -> Engine:
    """Load the chosen engine and check it can speak the script's language."""
    check_engine_name(choice.engine)
    engine = ENGINES[choice.engine](choice)
    if not engine.speaks(choice.language):
        raise EngineError(
            f"the {choice.engine} voice '{choice.voice}' cannot speak language "
            f"'{choice.language}': choose another voice or set the script's language"
        )
    return engine
