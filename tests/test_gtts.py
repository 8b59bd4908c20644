"""gTTS at the HTTP layer: Google's endpoint is simulated with responses in its real wire
format (a batchexecute answer carrying base64 MP3), decoded by gTTS's own code."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import requests
import responses

from pipeline.core.errors import EngineError
from pipeline.speech.engines.gtts import GttsEngine, RateLimiter, RetryPolicy

URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"


def wire_body(mp3: bytes) -> str:
    """What batchexecute returns: an XSSI guard, then length-prefixed JSON chunks whose
    first chunk holds the RPC's answer as a JSON-encoded string."""
    inner = json.dumps([base64.b64encode(mp3).decode("ascii")], separators=(",", ":"))
    chunk = json.dumps(
        [
            ["wrb.fr", "jQ1olc", inner, None, None, None, "generic"],
            ["di", 57],
            ["af.httprm", 56, "-1234567890", 21],
        ],
        separators=(",", ":"),
    )
    tail = json.dumps([["e", 4, None, None, len(chunk) + 40]], separators=(",", ":"))
    return f")]}}'\n\n{len(chunk)}\n{chunk}\n{len(tail)}\n{tail}\n"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def engine(sleeps: Sleeps) -> GttsEngine:
    policy = RetryPolicy(attempts=4, first_delay=0.5, max_delay=8.0, timeout=1.0)
    return GttsEngine("en", policy=policy, limiter=RateLimiter(1000.0), sleep=sleeps)


@responses.activate
def test_decodes_googles_answer(google_mp3: bytes) -> None:
    responses.post(URL, body=wire_body(google_mp3))
    speech = engine(Sleeps()).synthesize("Hello, listener.")
    assert speech.sample_rate == 24000
    assert 0.4 < speech.seconds < 0.7  # decoded samples, not the MP3 bytes
    sent = responses.calls[0].request.body
    assert "jQ1olc" in requests.utils.unquote(
        sent
    ) and "Hello, listener." in requests.utils.unquote(sent)


@responses.activate
def test_429_and_5xx_are_retried_with_growing_delays(google_mp3: bytes) -> None:
    responses.post(URL, status=429)
    responses.post(URL, status=503)
    responses.post(URL, status=429)
    responses.post(URL, body=wire_body(google_mp3))
    sleeps = Sleeps()
    assert engine(sleeps).synthesize("Try again.").seconds > 0.4
    assert len(responses.calls) == 4
    assert len(sleeps) == 3
    # exponential: each base doubles; jitter adds at most half
    for attempt, delay in enumerate(sleeps):
        assert 0.5 * 2**attempt <= delay <= 0.5 * 2**attempt * 1.5


@responses.activate
def test_gives_up_after_bounded_tries_with_one_clear_line() -> None:
    responses.post(URL, status=429)
    sleeps = Sleeps()
    with pytest.raises(EngineError) as caught:
        engine(sleeps).synthesize("Too many.")
    assert len(responses.calls) == 4
    message = str(caught.value)
    assert "429" in message and "4 tries" in message and "\n" not in message


@responses.activate
def test_malformed_answer_is_retried_then_reported() -> None:
    responses.post(URL, body=')]}\'\n\n12\n[["nothing"]]\n')
    with pytest.raises(EngineError, match="not in the expected format"):
        engine(Sleeps()).synthesize("Garbled.")
    assert len(responses.calls) == 4


@responses.activate
def test_timeouts_are_retried(google_mp3: bytes) -> None:
    responses.post(URL, body=requests.exceptions.ConnectTimeout("timed out"))
    responses.post(URL, body=wire_body(google_mp3))
    sleeps = Sleeps()
    assert engine(sleeps).synthesize("Slow.").seconds > 0.4
    assert len(sleeps) == 1


@responses.activate
def test_offline_says_so_at_once_and_how_to_switch() -> None:
    failure = requests.exceptions.ConnectionError(
        "NameResolutionError: Failed to resolve 'translate.google.com'"
    )
    responses.post(URL, body=failure)
    sleeps = Sleeps()
    with pytest.raises(EngineError) as caught:
        engine(sleeps).synthesize("Offline.")
    message = str(caught.value)
    assert "needs the internet" in message and "--engine piper" in message
    assert "after 1 try:" in message
    assert sleeps == []  # no point waiting when there is no network at all


def test_language_check_uses_gtts_own_list() -> None:
    assert engine(Sleeps()).speaks("en-GB")
    assert not engine(Sleeps()).speaks("tlh")  # Klingon: not one of Google's voices


def test_rate_limiter_spaces_request_starts() -> None:
    now = [0.0]
    limiter = RateLimiter(per_second=4.0, clock=lambda: now[0])
    waits = []
    import pipeline.speech.engines.gtts as module

    real_sleep = module.time.sleep
    module.time.sleep = waits.append  # type: ignore[assignment]
    try:
        for _ in range(4):
            limiter.wait()
    finally:
        module.time.sleep = real_sleep
    assert waits == pytest.approx([0.25, 0.5, 0.75])


def test_fixture_mp3_is_real(google_mp3: bytes, tmp_path: Path) -> None:
    path = tmp_path / "x.mp3"
    path.write_bytes(google_mp3)
    from mutagen.mp3 import MP3

    assert MP3(path).info.sample_rate == 24000


@responses.activate
def test_a_long_script_keeps_a_few_requests_in_flight(google_mp3: bytes, tmp_path: Path) -> None:
    """Many utterances, many jobs: gTTS still never has more than 3 requests at once."""
    import threading
    import time

    from pipeline.speech.cache import AudioCache
    from pipeline.speech.engines import VoiceChoice
    from pipeline.speech.synth import Job, synthesize

    in_flight, peak, lock = [0], [0], threading.Lock()

    def answer(request: object) -> tuple[int, dict[str, str], str]:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return 200, {}, wire_body(google_mp3)

    responses.add_callback(responses.POST, URL, callback=answer)
    gtts = engine(Sleeps())
    jobs = [Job(f"{i:064x}", f"Sentence number {i}.") for i in range(12)]
    done: list[Job] = []
    choice = VoiceChoice("gtts", "", "en")
    synthesize(choice, gtts, jobs, AudioCache(tmp_path), workers=8, on_done=done.append)
    assert len(done) == 12 and len(responses.calls) == 12
    assert 1 < peak[0] <= GttsEngine.max_workers
