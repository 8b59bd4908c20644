"""What the loudness meter found, as the producer's report keeps and shows it.

Its own module so that reading a kept report (pipeline/release/report.py) needs neither numpy's
filters nor the plotting library: a build that changes nothing stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    """What a meter found, in the units a producer reads (pipeline/release/report.py)."""

    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    true_peak_at: float  # seconds from the start
    duration: float
    short_term: tuple[float, ...]  # LUFS of the 3 s ending 3 s + i * short_term_step in
    short_term_step: float
    envelope_min: tuple[float, ...]  # lowest sample in each envelope_step seconds
    envelope_max: tuple[float, ...]
    envelope_step: float
