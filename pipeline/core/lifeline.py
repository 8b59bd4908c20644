"""Helper processes die with the build that started them.

A synthesis worker blocked on its task queue would otherwise live on after the build's main
process is killed (SIGKILL, the OOM killer, `timeout`), holding memory and the cache, and a
producer would have to find and kill it by hand. Linux can signal a child when its parent
dies (prctl PR_SET_PDEATHSIG); elsewhere the worker at least notices at its next task.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """Called first thing in a forked worker: be killed when ``parent`` dies.

    Ctrl-C goes to the whole terminal's process group; the worker ignores it and lets the
    main process stop the pool in order.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died between the fork and the prctl call: then nobody will signal.
    if os.getppid() != parent:
        os._exit(1)
