"""Voices behind one small interface.

An engine turns one utterance of text into 16-bit mono PCM. Each engine module exposes a
class implementing `Engine`; `ENGINES` maps the name a producer writes in show.toml, front
matter or `--engine` to a loader. Loading is lazy so that a no-op build never imports a
neural network runtime.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from pipeline.core.errors import EngineError
from pipeline.speech.engines.base import Engine, Speech, VoiceChoice

__all__ = [
    "ENGINES",
    "Engine",
    "Speech",
    "VoiceChoice",
    "check_engine_name",
    "engines_kept",
    "load_engine",
]


def _load_piper(choice: VoiceChoice, forked: bool) -> Engine:
    from pipeline.speech.engines.piper import PiperEngine

    return PiperEngine(choice.voice, choice.workspace, choice.pace, copy_checked=forked)


def _load_gtts(choice: VoiceChoice, forked: bool) -> Engine:
    from pipeline.speech.engines.gtts import GttsEngine

    return GttsEngine(choice.language, slow=choice.pace >= GTTS_SLOW_PACE)


def _load_fake(choice: VoiceChoice, forked: bool) -> Engine:
    from pipeline.speech.engines.fake import FakeEngine

    return FakeEngine(choice.pace)


# gTTS has only two speeds: a pace of 1.5 or more asks for its slow one.
GTTS_SLOW_PACE = 1.5

ENGINES: dict[str, Callable[[VoiceChoice, bool], Engine]] = {
    "piper": _load_piper,
    "gtts": _load_gtts,
    "fake": _load_fake,  # deterministic tones, for fast tests; never the default
}


def check_engine_name(name: str) -> None:
    """Refuse an engine name that is not in ENGINES, listing the ones that are.

    >>> check_engine_name("espeak")
    Traceback (most recent call last):
    pipeline.core.errors.EngineError: unknown engine 'espeak' (known: fake, gtts, piper)
    """
    if name not in ENGINES:
        known = ", ".join(sorted(ENGINES))
        raise EngineError(f"unknown engine '{name}' (known: {known})")


_kept: dict[VoiceChoice, Engine] | None = None


@contextlib.contextmanager
def engines_kept() -> Iterator[None]:
    """Within it, each choice is loaded once: a build and the silent build that follows it
    to learn what a no-op prints (pipeline.build.noop) share one engine, rather than check
    the voice's files twice in a second (a voice copy just made is hashed again, 50 ms)."""
    global _kept
    _kept = {}
    try:
        yield
    finally:
        _kept = None


def load_engine(choice: VoiceChoice, *, forked: bool = False) -> Engine:
    """Load the chosen engine and check it can speak the script's language.

    ``forked``: in a synthesis worker forked from the build, which checked the voice's
    derived files a moment ago; the engine does not check them again (what it loads, it
    still checks as it loads it)."""
    kept = None if forked else _kept  # a worker never takes the build's (see synth._inherited)
    if kept is not None and choice in kept:
        return kept[choice]
    check_engine_name(choice.engine)
    engine = ENGINES[choice.engine](choice, forked)
    if not engine.speaks(choice.language):
        raise EngineError(
            f"the {choice.engine} voice '{choice.voice}' cannot speak language "
            f"'{choice.language}': choose another voice or set the script's language"
        )
    if kept is not None:
        kept[choice] = engine
    return engine
