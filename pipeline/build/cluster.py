"""Synthesis on a Dask cluster: the same jobs as the local pool, run by Dask's workers.

Each utterance the cache lacks becomes one Dask task whose key is its cache key, so the same
sentence wanted twice (by two episodes, or by two builds sharing a scheduler) is computed
once. Workers load a voice once per process, check that it is the very voice the client
keys its cache by, and send the trimmed samples back zlib-compressed; the client alone writes
the cache. A worker that dies mid-task is Dask's to handle: the scheduler gives its tasks to
another worker (up to `distributed.scheduler.allowed-failures` times).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import socket
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.build.batch import Outcome, build_together
from pipeline.build.task import EpisodeTask, Project
from pipeline.core.digest import json_digest
from pipeline.core.errors import ConfigError, EngineError, PipelineError
from pipeline.core.reporter import Reporter
from pipeline.settings.showcheck import LOCAL_CLUSTER, cluster_problem
from pipeline.speech.cache import AudioCache
from pipeline.speech.engines import Engine, Speech, VoiceChoice, load_engine
from pipeline.speech.synth import Job, Landed, trim_silence

CONNECT_TIMEOUT_S = 5  # an address that does not answer fails fast, before anything is built
GREETING_TIMEOUT_S = 3  # a Dask scheduler sends its handshake the moment it accepts
MAX_GREETING_BYTES = 1 << 20  # a handshake is a few hundred bytes; SSH's banner reads as EiB


class ClusterError(PipelineError):
    """The cluster cannot be reached, or its workers cannot speak with the client's voice."""


def check_address(address: str, where: Path | str | None = None) -> None:
    """Refuse an address that is neither `local:N` nor a scheduler's `tcp://host:port`.

    >>> check_address("tcp://10.0.0.5:8786"); check_address("local:4")
    >>> check_address("10.0.0.5")
    Traceback (most recent call last):
    pipeline.core.errors.ConfigError: cluster address '10.0.0.5' must be tcp://host:port or local:N
    """
    problem = cluster_problem(address)
    if problem:
        raise ConfigError(problem, where)


@contextlib.contextmanager
def connect(address: str) -> Iterator[Any]:
    """A Dask client for `address`; `local:N` starts N single-threaded worker processes here."""
    check_address(address)
    local = LOCAL_CLUSTER.fullmatch(address)
    if not local:
        _probe(address)
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if not local:
            stack.enter_context(_dask_quiet())
        try:
            if local:
                workers = int(local.group(1))
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
                stack.enter_context(cluster)
                client = stack.enter_context(Client(cluster))
            else:
                client = stack.enter_context(Client(address, timeout=CONNECT_TIMEOUT_S))
        except (OSError, TimeoutError) as exc:
            raise _unreachable(address, exc) from None
        yield client


def _probe(address: str) -> None:
    """Knock on the scheduler's port first: nothing listening there refuses at once, where
    Dask's own connect would retry until its timeout (and Dask takes a second to import).

    Then listen for its greeting: a Dask scheduler sends its handshake as soon as it accepts,
    a frame that starts with its length as 8 little-endian bytes. Another service either
    says something else first (SSH's banner, which Dask would read as a length of exabytes)
    or waits for the client to speak (HTTP, where Dask would wait forever).
    """
    host, port = address.removeprefix("tcp://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S) as sock:
            sock.settimeout(GREETING_TIMEOUT_S)
            try:
                greeting = sock.recv(64)
            except TimeoutError:
                raise _not_dask(address, f"it said nothing in {GREETING_TIMEOUT_S} s") from None
    except OSError as exc:
        raise _unreachable(address, exc) from None
    problem = greeting_problem(greeting)
    if problem:
        raise _not_dask(address, problem)


def greeting_problem(greeting: bytes) -> str | None:
    """Why the first bytes a server sent are not a Dask handshake, or None if they may be.

    >>> greeting_problem(b"SSH-2.0-OpenSSH_9.6\\r\\n")
    "it greeted with 'SSH-2.0-OpenSSH_9.6'"
    >>> greeting_problem(b""), greeting_problem((200).to_bytes(8, "little") + b"\\x00" * 8)
    ('it closed the connection at once', None)
    """
    if not greeting:
        return "it closed the connection at once"
    length = int.from_bytes(greeting[:8].ljust(8, b"\0"), "little")
    if len(greeting) >= 8 and 0 < length <= MAX_GREETING_BYTES:
        return None
    text = greeting.decode("ascii", "replace").strip().splitlines()[0][:40]
    return f"it greeted with {text!r}"


def _not_dask(address: str, why: str) -> ClusterError:
    return ClusterError(
        f"nothing at {address} speaks Dask's protocol ({why}): give the address of a Dask "
        "scheduler (`dask scheduler` prints it), or build without a cluster"
    )


def _scheduler_gone(address: str) -> bool:
    if LOCAL_CLUSTER.fullmatch(address):
        return False
    host, port = address.removeprefix("tcp://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return False
    except OSError:
        return True


def went_away(address: str) -> ClusterError:
    return ClusterError(
        f"the Dask scheduler at {address} went away mid-build; what was synthesized is "
        "cached: start the scheduler again and rerun the build"
    )


@contextlib.contextmanager
def _dask_quiet() -> Iterator[None]:
    """Dask logs a lost scheduler as tracebacks; the build says it in one line instead."""
    import logging

    # Dask sets some of its loggers' levels itself (distributed.client...): each is quieted.
    names = [
        name
        for name in ("distributed", "tornado", "asyncio", *logging.root.manager.loggerDict)
        if name.split(".")[0] in ("distributed", "tornado", "asyncio")
    ]
    loggers = [logging.getLogger(name) for name in dict.fromkeys(names)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _unreachable(address: str, exc: BaseException) -> ClusterError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ClusterError(
        f"cannot reach the Dask scheduler at {address} ({reason}): start it with "
        "`dask scheduler` and workers with `dask worker ADDRESS`, or build without a cluster"
    )


def voice_digest(identity: dict[str, object]) -> str:
    """The voice model's digest when the engine has one, else a digest of its whole identity.

    >>> voice_digest({"engine": "piper", "model_sha256": "ab12"})
    'ab12'
    >>> len(voice_digest({"engine": "fake", "version": 1}))
    64
    """
    model = identity.get("model_sha256")
    if isinstance(model, str):
        return model
    return json_digest(identity)


class VoiceMismatch(Exception):
    """Raised on a worker whose voice is not the client's: caught by the client, never retried."""

    def __init__(self, worker_digest: str, client_digest: str) -> None:
        super().__init__(worker_digest, client_digest)
        self.worker_digest, self.client_digest = worker_digest, client_digest


# ------------------------------------------------ on the worker


@functools.cache
def _worker_voice(choice: VoiceChoice) -> Engine:
    """One engine per worker process and voice, loaded on first use."""
    return load_engine(choice)


def synthesize_on_worker(
    choice: VoiceChoice, identity: dict[str, object], spoken: str, key: str
) -> tuple[int, bytes]:
    """The Dask task: (sample rate, zlib-compressed trimmed samples) for one utterance."""
    engine = _worker_voice(choice)
    mine = engine.identity()
    if mine != identity:
        raise VoiceMismatch(voice_digest(mine), voice_digest(identity))
    try:
        speech = trim_silence(engine.synthesize(spoken, seed=key))
    except EngineError as exc:
        raise EngineError(f"could not say {spoken[:60]!r}: {exc.detail}") from None
    return speech.sample_rate, zlib.compress(speech.pcm, 6)


# ------------------------------------------------ on the client


@dataclass
class DaskPool:
    """The cluster as an Executor: submits every job at once, longest first.

    Connects on first use, so a build with nothing to synthesize starts no local cluster;
    `build_on_cluster` connects to a remote scheduler before anything is written.
    """

    address: str
    stack: contextlib.ExitStack[Any] = dataclasses.field(default_factory=contextlib.ExitStack)
    _client: Any = None  # distributed.Client

    @property
    def client(self) -> Any:
        self.open()
        return self._client

    def open(self) -> None:
        if self._client is None:
            self._client = self.stack.enter_context(connect(self.address))

    def run(
        self, choice: VoiceChoice, engine: Engine, jobs: Sequence[Job], cache: AudioCache
    ) -> Iterator[Landed]:
        """Submit now (so the cluster starts while the caller does other work); yield lazily."""
        if not jobs:
            return iter(())
        # Workers have their own disks: they keep the optimized voice model in their own temp.
        remote = dataclasses.replace(choice, workspace=Path(tempfile.gettempdir()) / "essaycast")
        identity = engine.identity()
        futures = {
            self.client.submit(
                synthesize_on_worker,
                remote,
                identity,
                job.spoken,
                job.key,  # the seed of the voice's noise, as on this machine
                key=job.key,  # the cache key: Dask computes a key once, however often asked
                priority=len(job.spoken),  # longest first
                pure=True,
            ): job
            for job in jobs
        }
        return self._drain(futures, cache)

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

    def _drain(self, futures: dict[Any, Job], cache: AudioCache) -> Iterator[Landed]:
        from distributed import as_completed

        try:
            for future in as_completed(list(futures)):
                job = futures.pop(future)
                landed = _land(future, job, cache, self.address)
                future.release()  # the worker may forget it now
                yield landed
        except OSError as exc:  # the comm to the scheduler broke
            raise went_away(self.address) if _scheduler_gone(self.address) else exc from None
        finally:  # stopped early (an error, ^C): what has landed is cached; cancel the rest
            if futures:
                with contextlib.suppress(Exception):  # a scheduler gone cancels nothing
                    self.client.cancel(list(futures))


def _land(future: Any, job: Job, cache: AudioCache, address: str) -> Landed:
    try:
        rate, packed = future.result()
    except VoiceMismatch as exc:
        raise ClusterError(
            f"a Dask worker has a different voice model (sha256 {exc.worker_digest}) than "
            f"this client (sha256 {exc.client_digest}): install the same voice on every worker"
        ) from None
    except EngineError as exc:
        return Landed(job, exc)
    except Exception as exc:  # a worker lost too often (KilledWorker), a result unpickled badly
        if _scheduler_gone(address):
            raise went_away(address) from None
        raise ClusterError(f"the cluster could not synthesize {job.spoken[:40]!r}: {exc}") from None
    cache.put(job.key, Speech(zlib.decompress(packed), rate))
    return Landed(job)


# ------------------------------------------------ the build's entry


def build_on_cluster(
    address: str, tasks: Sequence[EpisodeTask], project: Project, reporter: Reporter
) -> Outcome:
    """Connect, then build every script together (pipeline/build/batch.py) with DaskPool."""
    with DaskPool(address) as pool:
        if not LOCAL_CLUSTER.fullmatch(address):
            pool.open()  # an unreachable scheduler fails here, before any output
        return build_together(tasks, project, reporter, pool)
