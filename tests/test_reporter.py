"""What the producer sees: a live bar with an ETA on a terminal, plain lines in a log."""

from __future__ import annotations

import io

from pipeline.core.reporter import Reporter


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_a_bar_with_counts_and_eta() -> None:
    screen = Terminal()
    progress = Reporter(screen).progress("001-x: synthesizing", 4)
    for _ in range(4):
        progress.step()
    progress.finish()
    frames = screen.getvalue().split("\r")
    assert frames[-1].startswith("001-x: synthesizing [##############################] 4/4 ETA")
    assert "2/4" in screen.getvalue() and "[###############---------------]" in screen.getvalue()
    assert screen.getvalue().endswith("\n")


def test_a_log_gets_plain_lines_not_one_per_step() -> None:
    log = io.StringIO()
    progress = Reporter(log).progress("001-x: synthesizing", 500)
    for _ in range(500):
        progress.step()
    progress.finish()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert lines[0].startswith("001-x: synthesizing: 0/500")
    assert lines[-1].startswith("001-x: synthesizing: 500/500 ETA")
    assert len(lines) < 10
