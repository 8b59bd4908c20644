"""The producer's report: each episode's mastering and narration at a glance, and the show's.

``episodes/<slug>/report.html`` and ``feed/report.html`` are for the producer only: no
public page links them, the feed does not list them, the preview server and publishing leave
them out. Each is one self-contained file (pictures inlined) that opens from disk.

The numbers come from what the build already has: the timeline (pauses, speech rate,
sentence lengths), the cleaning (what was dropped), the stages' timings, and one loudness
measurement of the finished MP3 (pipeline/audio/loudness.py), kept in ``.report.json`` beside it
so that a report can be redrawn without measuring again while the audio is unchanged.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.audio.measurement import Measurement
from pipeline.core import atomic
from pipeline.core.model import DroppedLine, EpisodeMeta, Show, Timeline
from pipeline.release import charts
from pipeline.release.charts import Chart
from pipeline.release.templating import render
from pipeline.release.transcripts import clock

REPORT_NAME = "report.html"
RECORD_NAME = ".report.json"
RECORD_VERSION = 2  # 2: the charts kept, each under a key of what it shows
WORD = re.compile(r"\w+(?:['’]\w+)*")
LONGEST_SHOWN = 5


def words(text: str) -> int:
    """Words as a listener counts them (a contraction is one word).

    >>> words("It’s 35% of the total, isn't it?")
    7
    """
    return len(WORD.findall(text))


def pauses(timeline: Timeline) -> dict[str, list[float]]:
    """The silences between spoken things, by what they separate.

    >>> from pipeline.release.transcripts import _demo  # one sentence: nothing to pause between
    >>> pauses(_demo())
    {'sentences': [], 'paragraphs': [], 'chapters': []}
    """
    found: dict[str, list[float]] = {"sentences": [], "paragraphs": [], "chapters": []}
    spoken = [b for b in timeline.blocks if b.kind not in ("intro", "outro")]
    for block in spoken:
        for earlier, later in itertools.pairwise(block.sentences):
            found["sentences"].append(round(later.start - earlier.end, 3))
    for before, after in itertools.pairwise(spoken):
        kind = "chapters" if after.chapter != before.chapter else "paragraphs"
        found[kind].append(round(after.start - before.end, 3))
    return found


def chapter_rates(timeline: Timeline) -> list[tuple[str, float]]:
    """Words per minute in each chapter, pauses included (as a listener hears the pace).
    The intro and outro are the show's words, not the essay's, and are left out."""
    rates = []
    for index, mark in enumerate(timeline.chapters):
        blocks = [
            b for b in timeline.blocks if b.chapter == index and b.kind not in ("intro", "outro")
        ]
        if not blocks:
            continue
        seconds = blocks[-1].end - blocks[0].start
        count = sum(words(b.text) for b in blocks)
        rates.append((mark.title, round(count / seconds * 60, 1) if seconds > 0 else 0.0))
    return rates


def overall_rate(timeline: Timeline) -> float:
    """Words per minute over the whole essay (intro and outro left out)."""
    spoken = [b for b in timeline.blocks if b.kind not in ("intro", "outro")]
    if not spoken:
        return 0.0
    seconds = sum(b.end - b.start for b in spoken)
    return round(sum(words(b.text) for b in spoken) / seconds * 60, 1) if seconds > 0 else 0.0


def longest_sentences(
    timeline: Timeline, count: int = LONGEST_SHOWN
) -> list[tuple[float, float, str]]:
    """(seconds, start, text) of the longest sentences, longest first."""
    sentences = [
        (round(s.end - s.start, 2), s.start, s.text)
        for block in timeline.blocks
        if block.kind not in ("intro", "outro")
        for s in block.sentences
    ]
    return sorted(sentences, key=lambda item: (-item[0], item[1]))[:count]


def dropped_summary(dropped: Sequence[DroppedLine]) -> list[tuple[str, int]]:
    """How many lines cleaning dropped, by reason, most first."""
    counts: dict[str, int] = {}
    for line in dropped:
        counts[line.reason] = counts.get(line.reason, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# ------------------------------------------------------------------ measuring


def measure_mp3(path: Path) -> Measurement:
    """Decode an MP3 once, streaming, through the loudness meter (when mastering did not)."""
    from pipeline.audio.master import meter_file

    return meter_file(path).measurement()


# ------------------------------------------------------------------ the record


@dataclass(frozen=True)
class EpisodeFacts:
    """One line of the show report; kept in the episode's .report.json."""

    slug: str
    title: str
    number: int
    date: str  # the episode's publication date, ISO
    duration: float
    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float
    words_per_minute: float
    built_at: str  # when this report was made, ISO, UTC


@dataclass(frozen=True)
class Record:
    key: str  # fingerprint of the inputs the report shows (not of when it was built)
    audio_key: str  # the audio the measurement belongs to
    measurement: Measurement
    facts: EpisodeFacts
    figures: Figures = dataclasses.field(default_factory=dict)  # the charts drawn, kept


def read_record(folder: Path) -> Record | None:
    try:
        data = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
        if data.get("version") != RECORD_VERSION:
            return None
        measured = data["measurement"]
        for name in ("short_term", "envelope_min", "envelope_max"):
            measured[name] = tuple(measured[name])
        facts, figures = EpisodeFacts(**data["facts"]), dict(data.get("figures", {}))
        return Record(data["key"], data["audio_key"], Measurement(**measured), facts, figures)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_record(folder: Path, record: Record) -> None:
    data = {"version": RECORD_VERSION, **dataclasses.asdict(record)}
    atomic.write_text(folder / RECORD_NAME, json.dumps(data, separators=(",", ":")))


# ------------------------------------------------------------------ rendering


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


Figures = dict[str, list[str]]  # a chart's id -> [key of what it shows, heading, src, alt]


def _figures(
    measured: Measurement, timeline: Timeline, target_lufs: float, kept: Figures
) -> Figures:
    """The report's four charts, each drawn only when what it shows changed since the
    report on disk (``kept``): a new loudness target redraws one, new chapter titles two."""
    from pipeline.core.digest import json_digest

    chapters = [(mark.title, mark.start) for mark in timeline.chapters]
    envelope = dataclasses.asdict(measured)
    wanted: list[tuple[str, str, object, Callable[[], Chart]]] = [
        ("waveform", "Waveform and chapters", [envelope, chapters],
         lambda: charts.waveform(measured, chapters)),
        ("loudness", "Loudness over time", [envelope, target_lufs],
         lambda: charts.loudness_over_time(measured, target_lufs)),
        ("pauses", "Pauses", pauses(timeline),
         lambda: charts.pause_histogram(pauses(timeline))),
        ("rate", "Speech rate by chapter", chapter_rates(timeline),
         lambda: charts.speech_rate(chapter_rates(timeline))),
    ]  # fmt: skip
    figures: Figures = {}
    for ident, heading, shown, draw in wanted:
        key = json_digest([ident, shown])
        old = kept.get(ident)
        if old is not None and old[0] == key:
            figures[ident] = old
            continue
        chart = draw()
        figures[ident] = [key, heading, _data_uri(chart.svg), chart.alt]
    return figures


def episode_report(
    show: Show,
    meta: EpisodeMeta,
    timeline: Timeline,
    measured: Measurement,
    dropped: Sequence[DroppedLine],
    inferred: Mapping[str, str],
    stage_seconds: Mapping[str, float],
    cache_use: Mapping[str, int],
    built_at: str,
    figures: Figures,
) -> str:
    return render(
        "report/episode.html",
        {"clock": clock},
        show=show,
        meta=meta,
        measured=measured,
        target=show.loudness_lufs,
        ceiling=show.true_peak_dbtp,
        figures=[
            {"id": ident, "heading": heading, "src": src, "alt": alt}
            for ident, (_, heading, src, alt) in figures.items()
        ],
        rates=chapter_rates(timeline),
        overall_rate=overall_rate(timeline),
        longest=longest_sentences(timeline),
        dropped=list(dropped),
        dropped_by_reason=dropped_summary(dropped),
        inferred=dict(inferred),
        stages=[(name, round(seconds, 2)) for name, seconds in stage_seconds.items()],
        cache_use=dict(cache_use),
        built_at=built_at,
    )


def show_report(
    show: Show, facts: Sequence[EpisodeFacts], problems: Mapping[str, Sequence[str]], checked: str
) -> str:
    """The show at a glance: every episode, newest first, with any `check` problem."""
    ordered = sorted(facts, key=lambda f: (f.date, f.number), reverse=True)
    return render(
        "report/show.html",
        {"clock": clock},
        show=show,
        episodes=ordered,
        problems={slug: list(found) for slug, found in problems.items()},
        general=list(problems.get("", ())),
        checked=checked,
    )


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def summary_line(facts: EpisodeFacts) -> str:
    """The one line a build prints per episode.

    >>> f = EpisodeFacts("001-x", "X", 1, "2026-01-01", 283.4, -16.02, -1.61, 4.3, 151.2, "")
    >>> summary_line(f)
    '4:43, -16.0 LUFS, -1.6 dBTP, 151 words/min'
    """
    return (
        f"{clock(facts.duration)}, {facts.integrated_lufs:.1f} LUFS, "
        f"{facts.true_peak_dbtp:.1f} dBTP, {facts.words_per_minute:.0f} words/min"
    )


# ------------------------------------------------------------------ writing


@dataclass(frozen=True)
class EpisodeInputs:
    """What one episode's report is drawn from; all of it the build already has."""

    show: Show
    meta: EpisodeMeta
    folder: Path  # episodes/<slug>/
    mp3: Path
    audio_key: str  # identifies the audio; the measurement is kept while it holds
    timeline: Timeline
    dropped: Sequence[DroppedLine]
    inferred: Mapping[str, str]
    stage_seconds: Mapping[str, float]
    cache_use: Mapping[str, int]
    measured: Measurement | None = None  # of the MP3, when mastering has just metered it


def write_episode_report(inputs: EpisodeInputs) -> EpisodeFacts | None:
    """Write report.html and its record when what it shows has changed; return the new
    facts, or None when the report on disk is already this episode's."""
    from pipeline.core.digest import json_digest

    meta = inputs.meta
    previous = read_record(inputs.folder)
    if inputs.measured is not None:
        measured = inputs.measured
    elif previous is not None and previous.audio_key == inputs.audio_key:
        measured = previous.measurement
    else:
        measured = measure_mp3(inputs.mp3)
    show = inputs.show
    key = json_digest(
        {
            "report": RECORD_VERSION,
            "measurement": dataclasses.asdict(measured),
            "timeline": dataclasses.asdict(inputs.timeline),
            # only what the reports show of the front matter: a new summary redraws nothing
            "meta": [meta.title, meta.number, meta.slug, meta.author, str(meta.date)],
            "dropped": [dataclasses.asdict(line) for line in inputs.dropped],
            "inferred": dict(inputs.inferred),
            "show": [show.title, show.loudness_lufs, show.true_peak_dbtp],
        }
    )
    page = inputs.folder / REPORT_NAME
    if previous is not None and previous.key == key and page.exists():
        return None
    built_at = now_utc()
    facts = EpisodeFacts(
        slug=inputs.meta.slug,
        title=inputs.meta.title,
        number=inputs.meta.number,
        date=inputs.meta.date.isoformat(),
        duration=round(inputs.timeline.duration, 2),
        integrated_lufs=measured.integrated_lufs,
        true_peak_dbtp=measured.true_peak_dbtp,
        loudness_range_lu=measured.loudness_range_lu,
        words_per_minute=overall_rate(inputs.timeline),
        built_at=built_at,
    )
    kept = previous.figures if previous is not None else {}
    figures = _figures(measured, inputs.timeline, show.loudness_lufs, kept)
    html = episode_report(
        show,
        inputs.meta,
        inputs.timeline,
        measured,
        inputs.dropped,
        inputs.inferred,
        inputs.stage_seconds,
        inputs.cache_use,
        built_at,
        figures,
    )
    atomic.write_text(page, html)
    write_record(inputs.folder, Record(key, inputs.audio_key, measured, facts, figures))
    return facts


CHECK_RECORD = Path(".cache") / "last-check.json"
PROBLEM_PLACE = re.compile(r"episodes/(?P<slug>[^/\s:]+)/")


def record_check(root: Path, problems: Sequence[str]) -> None:
    """Keep what `essaycast check` found, for the show report's problems column."""
    data = {"checked": now_utc(), "problems": list(problems)}
    atomic.write_text(root / CHECK_RECORD, json.dumps(data, indent=1))


def _last_check(root: Path) -> tuple[str, dict[str, list[str]]]:
    try:
        data = json.loads((root / CHECK_RECORD).read_text(encoding="utf-8"))
        checked, found = str(data["checked"]), [str(p) for p in data["problems"]]
    except (OSError, ValueError, KeyError, TypeError):
        return "never (run `make check`)", {}
    by_episode: dict[str, list[str]] = {}
    for problem in found:
        place = PROBLEM_PLACE.search(problem)
        by_episode.setdefault(place["slug"] if place else "", []).append(problem)
    return f"the last `make check`, {checked}", by_episode


def write_show_report(root: Path, show: Show, slugs: Sequence[str]) -> Path:
    """feed/report.html: one row per episode that has a report, newest first."""
    facts = []
    for slug in slugs:
        record = read_record(root / "episodes" / slug)
        if record is not None:
            facts.append(record.facts)
    checked, problems = _last_check(root)
    out = root / "feed" / REPORT_NAME
    html = show_report(show, facts, problems, checked)
    if not out.exists() or out.read_text(encoding="utf-8") != html:  # a no-op build writes nothing
        atomic.write_text(out, html)
    return out
