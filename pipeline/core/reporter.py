"""What the build tells the producer: progress with an ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int, stream: TextIO, live: bool) -> None:
        self.label, self.total, self.stream, self.live = label, total, stream, live
        self.done = 0
        self.started = time.monotonic()
        self.last_line = 0.0
        if total:
            self._show()

    def step(self) -> None:
        self.done += 1
        self._show()

    def eta(self) -> float | None:
        """Seconds left, from the pace so far; None until there is a pace.

        >>> import io
        >>> p = Progress("x", 10, io.StringIO(), live=False)
        >>> p.eta() is None
        True
        """
        elapsed = time.monotonic() - self.started
        if not self.done or elapsed <= 0:
            return None
        return elapsed / self.done * (self.total - self.done)

    def _show(self) -> None:
        eta = self.eta()
        left = f"ETA {eta:4.0f}s" if eta is not None else "ETA    ?"
        if self.live:
            width = 30
            filled = width * self.done // max(1, self.total)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {left}")
            self.stream.flush()
            return
        # Not a terminal (a log, CI): a line now and then, not a line per utterance.
        now = time.monotonic()
        if self.done in (0, self.total) or now - self.last_line >= 5:
            self.stream.write(f"{self.label}: {self.done}/{self.total} {left}\n")
            self.last_line = now

    def finish(self) -> None:
        if self.live and self.total:
            self.stream.write("\n")
        self.stream.flush()


class Reporter:
    def __init__(self, stream: TextIO | None = None, verbose: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.verbose = verbose
        self.synthesized = 0
        self.stage_seconds: dict[str, float] = {}
        self.errors = 0

    def info(self, message: str) -> None:
        self._line(message)

    def detail(self, message: str) -> None:
        if self.verbose:
            self._line(message)

    def explain(self, message: str) -> None:
        self._line(message)

    def warn(self, message: str) -> None:
        self._line(f"warning: {message}")

    def error(self, message: str) -> None:
        self.errors += 1
        self._line(f"error: {message}")

    def _line(self, message: str) -> None:
        # One write a line: print writes the line and its end apart, and a stage that
        # works on two threads (the talking book) could have another line land between.
        self.stream.write(f"{message}\n")

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the time spent in a stage to its running total (for `make bench`)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - started
            self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + spent

    def progress(self, label: str, total: int) -> Progress:
        return Progress(label, total, self.stream, self.live)
