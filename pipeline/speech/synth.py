"""Synthesize the utterances the cache lacks, in a pool of workers that each load the voice once.

Where the work runs is an `Executor`: `LocalPool` (processes on this machine, below) or
`pipeline.build.cluster.DaskPool` (a Dask cluster). Both take the same jobs and yield each one as
its audio lands in the cache, so everything around them is one code path.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pipeline.core import tools
from pipeline.core.errors import EngineError
from pipeline.core.lifeline import die_with_parent
from pipeline.speech.cache import AudioCache
from pipeline.speech.engines import Engine, Speech, VoiceChoice, load_engine

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# Piper pads each utterance with silence of its own; we trim it to this and add our own
# pauses, so the rhythm is the same everywhere. Part of every cache key.
TRIM_THRESHOLD = 300  # |sample| of int16; about -40 dBFS
TRIM_MARGIN_S = 0.04
# A voice may start a sibilant at full strength on its first sample (Piper's "S", "Sh",
# "Ch"), and the pause before it is digital silence: a step a listener hears as a click.
# A raised-cosine fade this long at both ends of every utterance takes the step away
# (at 1 ms in, the gain is 0.04, -28 dB) and is far shorter than any consonant.
FADE_S = 0.008
TRIM_SETTINGS: dict[str, object] = {
    "trim_threshold": TRIM_THRESHOLD,
    "trim_margin_s": TRIM_MARGIN_S,
    "fade_s": FADE_S,
}


@dataclass(frozen=True)
class Job:
    key: str
    spoken: str


@dataclass(frozen=True)
class Landed:
    """One job finished: its audio is in the cache, or `error` says why it is not."""

    job: Job
    error: EngineError | None = None


class Executor(Protocol):
    def run(
        self, choice: VoiceChoice, engine: Engine, jobs: Sequence[Job], cache: AudioCache
    ) -> Iterator[Landed]:
        """Synthesize every job into the cache; yield each as it lands, in any order."""
        ...


def trim_silence(speech: Speech) -> Speech:
    """Cut leading and trailing near-silence, keeping a short margin so no consonant is clipped,
    then fade both ends in and out over FADE_S, so no utterance starts or ends with a step.

    >>> s = Speech(b"\\0\\0" * 22050 + b"\\xff\\x7f" * 100 + b"\\0\\0" * 22050, 22050)
    >>> round(trim_silence(s).seconds, 3)
    0.085
    >>> loud = Speech(b"\\xff\\x7f" * 22050, 22050)  # full scale from the first sample
    >>> import numpy as np; pcm = np.frombuffer(trim_silence(loud).pcm, dtype="<i2")
    >>> int(pcm[0]), int(pcm[22]), int(pcm[len(pcm) // 2]), int(pcm[-1])
    (0, 1247, 32767, 0)
    """
    import numpy as np

    samples = np.frombuffer(speech.pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > TRIM_THRESHOLD)
    if loud.size == 0:
        return Speech(b"", speech.sample_rate)
    margin = int(TRIM_MARGIN_S * speech.sample_rate)
    first = max(0, int(loud[0]) - margin)
    last = min(samples.size, int(loud[-1]) + 1 + margin)
    return Speech(faded(samples[first:last], speech.sample_rate).tobytes(), speech.sample_rate)


def faded(samples: NDArray[np.int16], rate: int) -> NDArray[np.int16]:
    """``samples`` with a raised-cosine fade in and out of FADE_S (shorter for a short clip)."""
    import numpy as np

    length = min(int(FADE_S * rate), samples.size // 2)
    if length < 1:
        return samples
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(length) / length)
    out = samples.astype(np.float64)
    out[:length] *= ramp
    out[samples.size - length :] *= ramp[::-1]
    return np.round(out).astype("<i2")


# No utterance takes this long to say (Piper says a sentence in a second or two): a pool in
# which none has finished for this long has a hung worker, and the build stops rather than
# wait forever.
STALL_LIMIT_S = 10 * 60

# Below this many utterances (a small edit), starting worker processes costs more than
# it saves: synthesize in this process, where the engine uses every core itself.
SMALL_BATCH = 4

# One engine per worker process, loaded by the pool's initializer.
_worker_engine: Engine | None = None
_worker_cache: AudioCache | None = None
# What a forked worker inherits is never finalized there: an ONNX Runtime session's
# destructor waits on its thread pool, whose threads did not survive the fork (a hang).
_inherited: list[object] = []


def _init_worker(choice: VoiceChoice, cache_folder: Path, parent: int) -> None:
    global _worker_engine, _worker_cache
    die_with_parent(parent)
    _inherited.extend(kept for kept in (_worker_engine, _worker_cache) if kept is not None)
    _worker_engine = load_engine(choice, forked=True)
    _worker_cache = AudioCache(cache_folder)


def _synthesize_one(job: Job) -> str:
    assert _worker_engine is not None and _worker_cache is not None
    try:
        speech = _worker_engine.synthesize(job.spoken, seed=job.key)
    except EngineError as exc:
        if job.spoken[:20] in exc.detail:
            raise
        raise EngineError(f"could not say {job.spoken[:60]!r}: {exc.detail}") from None
    _worker_cache.put(job.key, trim_silence(speech))
    return job.key


def synthesize(
    choice: VoiceChoice,
    engine: Engine,
    jobs: Sequence[Job],
    cache: AudioCache,
    workers: int,
    on_done: Callable[[Job], None],
) -> None:
    """Fill the cache for every job; call on_done(job) as each finishes (in any order)."""
    for landed in LocalPool(workers).run(choice, engine, jobs, cache):
        if landed.error is not None:
            raise landed.error
        on_done(landed.job)


@dataclass(frozen=True)
class LocalPool:
    """This machine: worker processes that each load the voice once (threads for a web API)."""

    workers: int

    def run(
        self, choice: VoiceChoice, engine: Engine, jobs: Sequence[Job], cache: AudioCache
    ) -> Iterator[Landed]:
        if not jobs:
            return
        workers = self.workers
        parallelism = getattr(engine, "parallelism", "processes")
        if parallelism == "threads":
            count = min(workers, int(getattr(engine, "max_workers", workers)))
            with _shared(engine, cache), cf.ThreadPoolExecutor(max_workers=max(1, count)) as pool:
                yield from _drain(pool, jobs)
            return
        # In the caller's order (the build's: a chapter at a time, in listening order).
        kept = _kept.pool(choice, cache, workers) if _kept is not None else None
        if kept is not None:  # the build's workers, their voice loaded: whatever the batch
            yield from _drain(kept, jobs)
            return
        if workers <= 1 or len(jobs) <= SMALL_BATCH:
            with _shared(engine, cache):
                for job in jobs:
                    yield _landed(job)
            return
        if _kept is not None:
            yield from _drain(_kept.start(choice, cache, workers), jobs)
            return
        with _start_pool(choice, cache, workers) as pool:
            yield from _drain(pool, jobs)


def _start_pool(choice: VoiceChoice, cache: AudioCache, workers: int) -> cf.ProcessPoolExecutor:
    context = multiprocessing.get_context("fork")
    return cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(choice, cache.folder, os.getpid()),
    )


class _KeptPool:
    """A build's worker processes, kept from their first use (or warm_up) to the build's
    end, so that each later episode in the same voice finds its voice loaded. One pool at a
    time: a second voice's workers are forked only once the first's are gone, so no fork
    copies a live pool's threads."""

    def __init__(self) -> None:
        self.key: tuple[VoiceChoice, Path, int] | None = None
        self.executor: cf.ProcessPoolExecutor | None = None
        self.leaving: threading.Thread | None = None

    def pool(
        self, choice: VoiceChoice, cache: AudioCache, workers: int
    ) -> cf.ProcessPoolExecutor | None:
        return self.executor if self.key == (choice, cache.folder, workers) else None

    def start(self, choice: VoiceChoice, cache: AudioCache, workers: int) -> cf.ProcessPoolExecutor:
        self.close()
        self.executor = _start_pool(choice, cache, workers)
        self.key = (choice, cache.folder, workers)
        return self.executor

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        self.key = self.executor = None
        if self.leaving is not None:
            self.leaving.join()
            self.leaving = None

    def forget(self, executor: cf.Executor) -> None:
        """``executor`` was lost (its workers stopped): a later episode starts its own."""
        if self.executor is executor:
            self.key = self.executor = None

    def let_go(self) -> None:
        """Have the workers exit while the build goes on (close waits for them)."""
        if self.executor is not None and self.leaving is None:
            shutdown = functools.partial(self.executor.shutdown, wait=True, cancel_futures=True)
            leaving = threading.Thread(target=shutdown, name="workers leaving")
            with tools.signals_held():  # interrupted inside start(), close() could not join it
                leaving.start()
            self.leaving = leaving
            self.key = self.executor = None


_kept: _KeptPool | None = None


@contextlib.contextmanager
def pools_kept() -> Iterator[None]:
    """Within it (a build), worker pools are kept for later episodes (see _KeptPool), and
    warm_up may start one ahead; all are shut down when it ends."""
    global _kept
    _kept = kept = _KeptPool()
    try:
        yield
    finally:
        _kept = None
        kept.close()


def let_go_of_workers() -> None:
    """Nothing more will be synthesized in this build: its workers exit now, while the
    rest of the episode is made (a twentieth of a second that was the build's last), and
    pools_kept waits for them as it ends (as would a pool started after it, before it forks)."""
    if _kept is not None:
        _kept.let_go()


def warm_up(choice: VoiceChoice, engine: Engine, cache: AudioCache, workers: int) -> bool:
    """Fork the synthesis workers now and have each load the voice (a quarter of a second)
    while this process goes on reading and laying out the episode; the synthesis then takes
    them (LocalPool.run). Only inside pools_kept, for a voice that runs in processes, with
    more than one worker; True if it started them. A pool warmed for nothing (every
    utterance was cached after all) costs those loads and is shut down with the build."""
    if _kept is None or workers <= 1 or getattr(engine, "parallelism", "processes") != "processes":
        return False
    if _kept.pool(choice, cache, workers) is None:
        pool = _kept.start(choice, cache, workers)
        with tools.signals_held():  # the first submit forks the workers: not to be cut short
            for _ in range(workers):
                pool.submit(_ready)
    return True


def _ready() -> None:
    """Run by each worker at a warm-up: load what the voice loads on its first sentence
    (Piper's model; an engine without ``prepare`` has nothing to load)."""
    prepare = getattr(_worker_engine, "prepare", None)
    if prepare is not None:
        prepare()


@contextlib.contextmanager
def _shared(engine: Engine, cache: AudioCache) -> Iterator[None]:
    """Synthesize in this process with ``engine``; let go of it afterwards, so a pool
    forked later does not inherit it (see _inherited)."""
    global _worker_engine, _worker_cache
    _worker_engine, _worker_cache = engine, cache
    try:
        yield
    finally:
        _worker_engine = _worker_cache = None


def _landed(job: Job) -> Landed:
    try:
        _synthesize_one(job)
    except EngineError as exc:
        return Landed(job, exc)
    return Landed(job)


def _drain(pool: cf.Executor, jobs: Sequence[Job]) -> Iterator[Landed]:
    with tools.signals_held():  # the first submit starts the pool: not to be cut short
        futures = {pool.submit(_synthesize_one, job): job for job in jobs}
    pending = set(futures)
    try:
        while pending:
            done, pending = cf.wait(pending, timeout=STALL_LIMIT_S, return_when=cf.FIRST_COMPLETED)
            if not done:  # the one left unfinished is the one its worker hangs on
                (hung, *_) = [futures[f] for f in futures if not f.done()]
                raise _lost(pool, f"no utterance finished in {STALL_LIMIT_S:g} s", hung)
            for future in done:
                error = future.exception()
                if isinstance(error, cf.BrokenExecutor):
                    # Every utterance not yet landed fails with it: the dead worker was
                    # saying the first of them, or the one its neighbour was saying.
                    broken = [futures[f] for f in futures if _failed_with(f, error)]
                    first = broken[0] if broken else futures[future]
                    raise _lost(pool, "a worker stopped without a word", first, "or next to it")
                if error is not None and not isinstance(error, EngineError):
                    raise error
                yield Landed(futures[future], error)
    finally:  # also when the consumer stops early (an error, ^C): drop what has not started
        for future in futures:
            future.cancel()


def _failed_with(future: cf.Future[str], error: BaseException) -> bool:
    return future.done() and not future.cancelled() and type(future.exception()) is type(error)


def _lost(pool: cf.Executor, what: str, job: Job, where: str = "") -> EngineError:
    """The pool's workers are stopped and the pool let go (a hung worker would keep its
    shutdown waiting forever); the error names the utterance that was being said."""
    processes = getattr(pool, "_processes", None) or {}  # the executor's own, by pid
    for process in list(processes.values()):
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    if _kept is not None:
        _kept.forget(pool)
    near = f" {where}" if where else ""
    return EngineError(
        f"the voice's workers stopped answering ({what}, saying {job.spoken[:60]!r}{near}:"
        " killed, out of memory, or hung); they were stopped: build again"
    )
