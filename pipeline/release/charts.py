"""The producer's report's pictures: SVG drawn by matplotlib, each with words saying what it shows.

Figures are made with matplotlib's object API (no pyplot: no global figure state), and the
SVG is made reproducible (a fixed id salt, no date), so the same episode draws the same
bytes. Every chart comes with a text alternative built from the same numbers, so a reader
who cannot see it loses nothing: the alternative states the finding, not "a chart".
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from pipeline.audio.measurement import Measurement
from pipeline.release.transcripts import clock

INK, ACCENT, TARGET, MUTED = "#1b1b1b", "#0b5cad", "#b3261e", "#5f6368"
SVG_SETTINGS: Any = {"svg.hashsalt": "essaycast", "svg.fonttype": "none", "font.size": 9}


@dataclass(frozen=True)
class Chart:
    svg: str  # a whole SVG document
    alt: str  # what it shows, in words


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    with matplotlib.rc_context(SVG_SETTINGS):
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _figure(height: float = 2.6) -> Figure:
    figure = Figure(figsize=(9, height), dpi=100, layout="constrained")
    return figure


def waveform(measured: Measurement, chapters: Sequence[tuple[str, float]]) -> Chart:
    """The whole episode's envelope, chapter starts marked and named."""
    figure = _figure()
    axes = figure.subplots()
    times = [i * measured.envelope_step for i in range(len(measured.envelope_max))]
    axes.fill_between(times, measured.envelope_min, measured.envelope_max, color=ACCENT, lw=0)
    for title, start in chapters:
        axes.axvline(start, color=INK, lw=0.8, ls="--")
        axes.annotate(title[:28], (start, 1.0), xytext=(3, -2), textcoords="offset points",
                      va="top", fontsize=7, color=INK, rotation=0)  # fmt: skip
    axes.set_xlim(0, max(measured.duration, 1))
    axes.set_ylim(-1.05, 1.05)
    axes.set_xlabel("time (seconds)")
    axes.set_ylabel("sample value")
    marks = ", ".join(f"{title} at {clock(start)}" for title, start in chapters)
    alt = (
        f"Waveform of the whole episode, {clock(measured.duration)} long. "
        f"{len(chapters)} chapter(s) marked: {marks}."
    )
    return Chart(_svg(figure), alt)


def loudness_over_time(measured: Measurement, target_lufs: float) -> Chart:
    """Short-term loudness (3 s) against the target, true peak marked."""
    figure = _figure()
    axes = figure.subplots()
    step = measured.short_term_step
    values = list(measured.short_term)
    # The first value covers the first 3 s: plot each at the end of its window.
    times = [3.0 + i * step for i in range(len(values))]
    axes.plot(times, values, color=ACCENT, lw=1, label="short-term loudness (3 s)")
    axes.axhline(target_lufs, color=TARGET, lw=1, ls="--", label=f"target {target_lufs:g} LUFS")
    axes.axvline(measured.true_peak_at, color=MUTED, lw=0.8, ls=":",
                 label=f"max true peak {measured.true_peak_dbtp:.1f} dBTP")  # fmt: skip
    heard = [v for v in values if v > -70]
    low = min(heard, default=target_lufs - 10)
    axes.set_ylim(max(-60.0, low - 3), max(max(values, default=target_lufs), target_lufs) + 3)
    axes.set_xlim(0, max(measured.duration, 1))
    axes.set_xlabel("time (seconds)")
    axes.set_ylabel("LUFS")
    axes.legend(loc="lower right", fontsize=7, frameon=False)
    if heard:
        quantiles = statistics.quantiles(heard, n=20)
        spread = (
            f"mostly between {quantiles[1]:.1f} and {quantiles[-1]:.1f} LUFS "
            "(10th to 95th percentile)"
        )
    else:
        spread = "silent throughout"
    alt = (
        f"Short-term loudness over {clock(measured.duration)}: {spread}, against a target of "
        f"{target_lufs:g} LUFS. Integrated loudness {measured.integrated_lufs:.1f} LUFS, "
        f"loudness range {measured.loudness_range_lu:.1f} LU, maximum true peak "
        f"{measured.true_peak_dbtp:.1f} dBTP at {clock(measured.true_peak_at)}."
    )
    return Chart(_svg(figure), alt)


def pause_histogram(pauses: dict[str, list[float]]) -> Chart:
    """How long the silences between sentences, paragraphs and chapters are."""
    figure = _figure(2.4)
    axes = figure.subplots()
    kinds = [(kind, gaps) for kind, gaps in pauses.items() if gaps]
    colours = [ACCENT, INK, TARGET, MUTED]
    longest = max((max(gaps) for _, gaps in kinds), default=1.0)
    bins = [i * 0.05 for i in range(int(longest / 0.05) + 3)]
    for (kind, gaps), colour in zip(kinds, colours, strict=False):
        axes.hist(gaps, bins=bins, color=colour, alpha=0.8, label=f"between {kind}")
    axes.set_xlabel("pause (seconds)")
    axes.set_ylabel("how many")
    if kinds:
        axes.legend(fontsize=7, frameon=False)
    parts = [
        f"{len(gaps)} between {kind} (median {statistics.median(gaps):.2f} s, "
        f"{min(gaps):.2f} to {max(gaps):.2f} s)"
        for kind, gaps in kinds
    ]
    alt = "Pauses: " + ("; ".join(parts) if parts else "none") + "."
    return Chart(_svg(figure), alt)


def speech_rate(rates: Sequence[tuple[str, float]]) -> Chart:
    """Words per minute for each chapter, as horizontal bars."""
    figure = _figure(0.6 + 0.3 * max(1, len(rates)))
    axes = figure.subplots()
    titles = [title[:40] for title, _ in rates]
    axes.barh(range(len(rates)), [wpm for _, wpm in rates], color=ACCENT)
    axes.set_yticks(range(len(rates)), titles)
    axes.invert_yaxis()  # the first chapter on top, as the listener meets them
    axes.set_xlabel("words per minute")
    parts = ", ".join(f"{title} {wpm:.0f}" for title, wpm in rates)
    alt = f"Speech rate in words per minute, by chapter: {parts}."
    return Chart(_svg(figure), alt)
