"""One build at a time per project: a second build waits for the first, then goes on.

The lock is a POSIX record lock (``fcntl.lockf``) on ``.cache/build.lock``. Unlike a
``flock``, it belongs to the process that took it, not to the open file: forked synthesis
workers do not inherit it, so the lock dies with the build's main process, whatever kills
it, even if a worker were to outlive it. The file itself says who holds the lock (its pid
and start time) and is emptied when the build ends; a file still naming a process when
the lock is free is what a killed build left, and the next build says so and takes over.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

POLL_SECONDS = 0.2
NAME_WAIT_POLLS = 10  # how long (in polls) to wait for a new holder to write its pid


def process_started(pid: int) -> str | None:
    """When a live process started (clock ticks since boot, from /proc), or None if none.

    With its pid, it names a process for good: a pid reused later has another start time.

    >>> process_started(os.getpid()) is not None, process_started(2**22 + 1)
    (True, None)
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (command) "
    return fields[19] if len(fields) > 19 else None  # field 22 of the whole line


def holder_line(pid: int, what: str = "build") -> str:
    """What a lock file says: the holder's pid and start time, and what it is doing."""
    return f"pid {pid} started {process_started(pid) or '?'} {what}\n"


def parse_holder(text: str) -> tuple[int, str, str] | None:
    """(pid, start time, "build" or "publish" or "add"); None when the file names no one.

    >>> parse_holder("pid 12 started 3456 publish\\n"), parse_holder("pid 12 started 3456")
    ((12, '3456', 'publish'), (12, '3456', 'build'))
    >>> parse_holder(""), parse_holder("junk")
    (None, None)
    """
    words = text.split()
    if len(words) in (4, 5) and words[0] == "pid" and words[1].isdigit() and words[2] == "started":
        return int(words[1]), words[3], words[4] if len(words) == 5 else "build"
    return None


def describe_stale(holder: tuple[int, str, str]) -> str:
    """The notice for a lock file left by a build (or publish) that is no longer running."""
    pid, started, what = holder
    now = process_started(pid)
    if now is None:
        why = "that process is gone"
    elif now != started:
        why = "that pid now belongs to another process"
    else:
        why = "it no longer holds the lock"
    return f"a previous {what} (pid {pid}) stopped without finishing ({why}); taking over its lock"


@contextlib.contextmanager
def exclusive(path: Path, on_wait: Callable[[str], None], what: str = "build") -> Iterator[None]:
    """Hold the project's build lock; if another build holds it, say so once and wait.

    ``on_wait`` also gets the one-line notice when a killed build's lock is taken over;
    ``what`` ("build", "publish", "add") is what the lock file says this process does.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # One descriptor for the whole hold: closing any descriptor of the file would drop a
    # POSIX lock, so the file is never opened again by this process while it holds it.
    with open(path, "a+", encoding="ascii") as handle:
        waited, polls = False, 0
        while True:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:  # EACCES or EAGAIN: held by a live process
                if not waited:
                    handle.seek(0)
                    holder = parse_holder(handle.read())
                    # The holder writes its pid just after it takes the lock: give it a
                    # moment, so the notice can name it.
                    if holder is not None or polls >= NAME_WAIT_POLLS:
                        who = f"pid {holder[0]}" if holder else "another process"
                        doing = holder[2] if holder else "build"
                        on_wait(
                            f"another {doing} ({who}) is running in this project; "
                            "waiting for it to finish"
                        )
                        waited = True
                polls += 1
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        left = parse_holder(handle.read())
        if left is not None:
            on_wait(describe_stale(left))
        _rewrite(handle, holder_line(os.getpid(), what))
        try:
            yield
        finally:
            _rewrite(handle, "")  # a finished build leaves no holder behind
            fcntl.lockf(handle, fcntl.LOCK_UN)


def _rewrite(handle: TextIO, text: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(text)
    handle.flush()
