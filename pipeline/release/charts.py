"""The producer's report's pictures: SVG (pipeline/release/svgplot.py), each with words
saying what it shows.

The same episode draws the same bytes. Every chart comes with a text alternative built from
the same numbers, so a reader who cannot see it loses nothing: the alternative states the
finding, not "a chart".
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.audio.measurement import Measurement
from pipeline.release.svgplot import Plot
from pipeline.release.transcripts import clock

INK, ACCENT, TARGET, MUTED = "#1b1b1b", "#0b5cad", "#b3261e", "#5f6368"


@dataclass(frozen=True)
class Chart:
    svg: str  # a whole SVG document
    alt: str  # what it shows, in words


def waveform(measured: Measurement, chapters: Sequence[tuple[str, float]]) -> Chart:
    """The whole episode's envelope, chapter starts marked and named."""
    plot = Plot((0, max(measured.duration, 1)), (-1.05, 1.05), "time (seconds)", "sample value")
    times = [i * measured.envelope_step for i in range(len(measured.envelope_max))]
    plot.area(times, measured.envelope_min, measured.envelope_max, ACCENT)
    for title, start in chapters:
        plot.vline(start, INK, 0.8, "4 3")
        plot.label(start, 1.05, title[:28], INK, 8)
    marks = ", ".join(f"{title} at {clock(start)}" for title, start in chapters)
    alt = (
        f"Waveform of the whole episode, {clock(measured.duration)} long. "
        f"{len(chapters)} chapter(s) marked: {marks}."
    )
    return Chart(plot.svg(), alt)


def loudness_over_time(measured: Measurement, target_lufs: float) -> Chart:
    """Short-term loudness (3 s) against the target, true peak marked."""
    step = measured.short_term_step
    values = list(measured.short_term)
    # The first value covers the first 3 s: plot each at the end of its window.
    times = [3.0 + i * step for i in range(len(values))]
    heard = [v for v in values if v > -70]
    low = max(-60.0, min(heard, default=target_lufs - 10) - 3)
    high = max(max(values, default=target_lufs), target_lufs) + 3
    plot = Plot((0, max(measured.duration, 1)), (low, high), "time (seconds)", "LUFS")
    plot.line(times, [min(max(v, low), high) for v in values], ACCENT)
    plot.hline(target_lufs, TARGET, 1, "5 3")
    plot.vline(measured.true_peak_at, MUTED, 0.8, "1 2")
    plot.key("short-term loudness (3 s)", ACCENT)
    plot.key(f"target {target_lufs:g} LUFS", TARGET, "5 3")
    plot.key(f"max true peak {measured.true_peak_dbtp:.1f} dBTP", MUTED, "1 2")
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
    return Chart(plot.svg(), alt)


def pause_histogram(pauses: dict[str, list[float]]) -> Chart:
    """How long the silences between sentences, paragraphs and chapters are."""
    kinds = [(kind, gaps) for kind, gaps in pauses.items() if gaps]
    colours = [ACCENT, INK, TARGET, MUTED]
    longest = max((max(gaps) for _, gaps in kinds), default=1.0)
    width = 0.05
    bins = int(longest / width) + 2
    counts = [[0] * bins for _ in kinds]
    for (_, gaps), row in zip(kinds, counts, strict=True):
        for gap in gaps:
            row[min(bins - 1, int(gap / width))] += 1
    most = max((max(row) for row in counts), default=1)
    plot = Plot((0, bins * width), (0, most * 1.1), "pause (seconds)", "how many", height=240,
                legend_on_top=True)  # fmt: skip
    for (kind, _), row, colour in zip(kinds, counts, colours, strict=False):
        for index, count in enumerate(row):
            if count:
                plot.bar(index * width, 0, (index + 1) * width, count, colour, 0.8)
        plot.key(f"between {kind}", colour)
    parts = [
        f"{len(gaps)} between {kind} (median {statistics.median(gaps):.2f} s, "
        f"{min(gaps):.2f} to {max(gaps):.2f} s)"
        for kind, gaps in kinds
    ]
    alt = "Pauses: " + ("; ".join(parts) if parts else "none") + "."
    return Chart(plot.svg(), alt)


def speech_rate(rates: Sequence[tuple[str, float]]) -> Chart:
    """Words per minute for each chapter, as horizontal bars."""
    titles = [title[:40] for title, _ in rates]
    fastest = max((wpm for _, wpm in rates), default=1.0)
    rows = max(1, len(rates))
    # The first chapter on top, as the listener meets them: rows counted down the y axis.
    plot = Plot((0, fastest * 1.05), (rows - 0.5, -0.5), "words per minute",
                height=60 + 30 * rows, left=250, y_names=titles)  # fmt: skip
    for row, (_, wpm) in enumerate(rates):
        plot.bar(0, row - 0.4, wpm, row + 0.4, ACCENT)
    parts = ", ".join(f"{title} {wpm:.0f}" for title, wpm in rates)
    alt = f"Speech rate in words per minute, by chapter: {parts}."
    return Chart(plot.svg(), alt)
