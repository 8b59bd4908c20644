"""gTTS: Google Translate's voice, the design card's engine. Needs the internet.

Google answers a burst of requests with 429 Too Many Requests, and now and then with a 5xx,
so every request passes a shared rate limiter and failures that may pass are retried with
exponential backoff and jitter, a bounded number of times. The environment variable
ESSAYCAST_GTTS_FIRST_DELAY (seconds) shortens the first wait, so that tests of the whole build
can fail fast; it is read when an engine is made, never on import.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pipeline.core import tools
from pipeline.core.errors import EngineError
from pipeline.core.language import primary_language
from pipeline.speech.engines.base import Speech

FIRST_DELAY_VARIABLE = "ESSAYCAST_GTTS_FIRST_DELAY"
SWITCH_HINT = 'use the offline voice with --engine piper (or engine = "piper" in feed/show.toml)'


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    first_delay: float = 1.0  # seconds; doubles each retry, plus up to 50% jitter
    max_delay: float = 20.0
    timeout: float = 20.0  # per request

    def delay(self, attempt: int) -> float:
        base = min(self.max_delay, self.first_delay * 2**attempt)
        return base * (1 + random.random() / 2)


def default_policy(environ: Mapping[str, str] = os.environ) -> RetryPolicy:
    """RetryPolicy(), with the first delay from ESSAYCAST_GTTS_FIRST_DELAY when it is set.

    >>> default_policy({FIRST_DELAY_VARIABLE: "0.01"}).first_delay, default_policy({}).first_delay
    (0.01, 1.0)
    """
    first = environ.get(FIRST_DELAY_VARIABLE)
    return RetryPolicy(first_delay=float(first)) if first else RetryPolicy()


class RateLimiter:
    """At most `per_second` request starts per second, shared by all threads."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second
        self.clock = clock
        self.next_start = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = self.clock()
            start = max(now, self.next_start)
            self.next_start = start + self.interval
        if start > now:
            time.sleep(start - now)


class GttsEngine:
    name = "gtts"
    sample_rate = 24000  # Google's MP3s are 24 kHz mono
    parallelism = "threads"  # network-bound: a few requests at a time, not processes
    max_workers = 3
    # Text only: a lexicon's aliases reach it, its phonemes cannot.
    phonemes: frozenset[str] | None = None

    def __init__(
        self,
        language: str,
        slow: bool = False,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.language = primary_language(language)
        self.slow = slow
        self.policy = policy or default_policy()
        self.limiter = limiter or RateLimiter(per_second=4.0)
        self.sleep = sleep

    def identity(self) -> dict[str, object]:
        return {"engine": self.name, "lang": self.language, "tld": "com", "slow": self.slow}

    def speaks(self, language: str) -> bool:
        from gtts.lang import tts_langs

        return primary_language(language) in {primary_language(k) for k in tts_langs()}

    def synthesize(self, text: str, seed: str = "") -> Speech:
        mp3 = self._fetch(text)
        pcm = tools.ffmpeg(
            "-loglevel", "error", "-f", "mp3", "-i", "pipe:0",
            "-f", "s16le", "-ac", "1", "-ar", str(self.sample_rate), "pipe:1",
            input=mp3, what="decoding gTTS audio",
        ).stdout  # fmt: skip
        return Speech(pcm, self.sample_rate)

    def phonemize(self, text: str) -> str | None:
        return None

    def _fetch(self, text: str) -> bytes:
        from gtts import gTTS, gTTSError

        problem = ""
        for attempt in range(self.policy.attempts):
            if attempt:
                self.sleep(self.policy.delay(attempt - 1))
            self.limiter.wait()
            tts = gTTS(text, lang=self.language, slow=self.slow, timeout=self.policy.timeout)
            try:
                audio = b"".join(tts.stream())
            except gTTSError as exc:
                problem, retry = _diagnose(exc)
                if not retry:
                    break
                continue
            except AssertionError:  # gTTS asserts it has something to send
                raise EngineError(f"gtts: nothing to say in {text[:40]!r}") from None
            if audio:
                return audio
            problem = "Google's answer was not in the expected format (no audio)"
        # Name the utterance: the build adds the script, and together they say what was lost.
        tries = "1 try" if attempt == 0 else f"{attempt + 1} tries"
        raise EngineError(f"gtts could not say {text[:60]!r} after {tries}: {problem}")


def _diagnose(exc: Exception) -> tuple[str, bool]:
    """(what went wrong, whether trying again may help)."""
    import requests

    response = getattr(exc, "rsp", None)
    if response is None:
        cause = exc.__context__
        if isinstance(cause, requests.exceptions.Timeout):
            return "Google did not answer in time", True
        offline = "NameResolution" in repr(cause) or "Name or service not known" in repr(cause)
        # With no network at all (no DNS), waiting will not help: say so at once.
        return f"cannot reach Google (gtts needs the internet); {SWITCH_HINT}", not offline
    status = response.status_code
    if status == 429:
        return "Google answered 429 Too Many Requests", True
    if status >= 500:
        return f"Google answered {status} (a server error)", True
    if status == 200:
        return "Google's answer was not in the expected format (no audio)", True
    return f"Google answered {status} {response.reason}", False
