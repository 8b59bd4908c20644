"""Transcripts of one episode in every format listeners and apps read.

Every format says exactly what the audio says, in the author's spelling (Utterance.text,
never .spoken): the show's intro, each spoken chapter heading, every paragraph, the outro.

    .vtt            WebVTT captions (the <track> of the episode page, Apple Podcasts)
    .srt            SRT subtitles
    .txt            plain text with chapter headings and times; intro/outro marked
    .json           Podcasting 2.0 JSON transcript, one segment per utterance
    chapters.json   Podcasting 2.0 JSON chapters, version 1.2.0

Captions follow the rules in pipeline.release.captions; the intro and outro are marked there with a
NOTE (comments are not shown), since a cue's text is only what is said.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.core import atomic
from pipeline.core.model import EpisodeFiles, EpisodeMeta, Show, TimedBlock, Timeline
from pipeline.release.captions import Cue, timeline_cues, validate_srt, validate_webvtt

__all__ = [
    "chapter_blocks",
    "clock",
    "plain_transcript",
    "to_chapters_json",
    "to_podcast_json",
    "to_srt",
    "to_text",
    "to_webvtt",
    "validate_srt",
    "validate_webvtt",
    "write_transcripts",
]

# How the non-essay parts are labelled wherever a transcript marks them.
KIND_LABELS = {"intro": "Intro", "outro": "Outro"}
# SRT has no escapes; a word joiner keeps "-->" in the text from reading as a timing line.
SRT_ARROW = "--\u2060>"


def stamp(millis: int, decimal: str) -> str:
    """hh:mm:ss.ttt, the timestamp of WebVTT ('.') and SRT (',').

    >>> stamp(3_723_004, "."), stamp(59_999, ",")
    ('01:02:03.004', '00:00:59,999')
    """
    seconds, millis = divmod(millis, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal}{millis:03d}"


def clock(seconds: float) -> str:
    """A time as people read it: m:ss, or h:mm:ss from an hour on.

    >>> clock(0), clock(83.9), clock(3723)
    ('0:00', '1:23', '1:02:03')
    """
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def vtt_escape(text: str) -> str:
    """Cue text may not hold a bare '&' or '<'; '>' is escaped so '-->' cannot appear.

    >>> vtt_escape("<script> & -->")
    '&lt;script&gt; &amp; --&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cue_blocks(timeline: Timeline) -> Iterator[tuple[str, Cue]]:
    for kind, cues in timeline_cues(timeline):
        for cue in cues:
            yield kind, cue


def to_webvtt(timeline: Timeline) -> str:
    """WebVTT captions: header, then cues; a NOTE before the intro and the outro.

    >>> print(to_webvtt(_demo()), end="")
    WEBVTT
    <BLANKLINE>
    00:00:00.000 --> 00:00:01.200
    Fish &amp; chips &lt;b&gt;
    """
    parts = ["WEBVTT\n"]
    for kind, cues in timeline_cues(timeline):
        if kind in KIND_LABELS and cues:
            parts.append(f"NOTE {KIND_LABELS[kind]}: read by the show, not part of the essay\n")
        for cue in cues:
            timing = f"{stamp(cue.start_ms, '.')} --> {stamp(cue.end_ms, '.')}"
            parts.append("\n".join([timing, *(vtt_escape(line) for line in cue.lines)]) + "\n")
    return "\n".join(parts)


def to_srt(timeline: Timeline) -> str:
    """SRT subtitles, numbered from 1.

    >>> print(to_srt(_demo()), end="")
    1
    00:00:00,000 --> 00:00:01,200
    Fish & chips <b>
    """
    parts = []
    for number, (_, cue) in enumerate(_cue_blocks(timeline), start=1):
        timing = f"{stamp(cue.start_ms, ',')} --> {stamp(cue.end_ms, ',')}"
        lines = (line.replace("-->", SRT_ARROW) for line in cue.lines)
        parts.append("\n".join([str(number), timing, *lines]) + "\n")
    return "\n".join(parts)


def chapter_blocks(timeline: Timeline) -> Iterator[tuple[int, list[TimedBlock]]]:
    """(chapter index, its blocks) in order; a chapter with no blocks still appears."""
    by_chapter: dict[int, list[TimedBlock]] = {i: [] for i in range(len(timeline.chapters))}
    for block in timeline.blocks:
        by_chapter.setdefault(block.chapter, []).append(block)
    yield from sorted(by_chapter.items())


def _heading(text: str, underline: str) -> str:
    return f"{text}\n{underline * max(3, len(text))}"


def to_text(meta: EpisodeMeta, timeline: Timeline) -> str:
    """Plain text: title, then per chapter a heading and its paragraphs, each with its time.

    A chapter's spoken heading is its heading; a chapter without one (the "Introduction"
    before the first heading) gets its title in brackets, since it is not said aloud.

    >>> print(to_text(_demo_meta(), _demo()), end="")
    Fish <b>
    ========
    Episode 1 · 2024-05-01 · 0:01
    <BLANKLINE>
    [Chapter: Start] (0:00)
    -----------------------
    <BLANKLINE>
    [0:00] Fish & chips <b>
    """
    about = f"Episode {meta.number} · {meta.date.isoformat()} · {clock(timeline.duration)}"
    out = [f"{_heading(meta.title, '=')}\n{about}"]
    for index, blocks in chapter_blocks(timeline):
        if not any(block.kind == "heading" for block in blocks):
            mark = timeline.chapters[index] if index < len(timeline.chapters) else None
            if mark is not None:
                out.append(_heading(f"[Chapter: {mark.title}] ({clock(mark.start)})", "-"))
        for block in blocks:
            if block.kind == "heading":
                out.append(_heading(f"{block.text} ({clock(block.start)})", "-"))
            elif block.kind in KIND_LABELS:
                out.append(f"[{KIND_LABELS[block.kind]}, {clock(block.start)}]\n{block.text}")
            else:
                out.append(f"[{clock(block.start)}] {block.text}")
    return "\n\n".join(out) + "\n"


def plain_transcript(timeline: Timeline) -> str:
    """Everything said, one block (heading or paragraph) per paragraph: for the ID3 USLT frame.

    >>> plain_transcript(_demo())
    'Fish & chips <b>'
    """
    return "\n\n".join(block.text for block in timeline.blocks if block.text)


def _seconds(value: float) -> float:
    return round(value, 3)


def to_podcast_json(timeline: Timeline) -> dict[str, Any]:
    """Podcasting 2.0 JSON transcript: one segment per utterance, whose times are exact.

    The intro and outro segments carry an extra "kind" (readers ignore unknown keys).

    >>> to_podcast_json(_demo())["segments"]
    [{'startTime': 0.0, 'endTime': 1.2, 'body': 'Fish & chips <b>'}]
    """
    segments: list[dict[str, Any]] = []
    for block in timeline.blocks:
        for sentence in block.sentences:
            for utterance in sentence.utterances:
                segment: dict[str, Any] = {
                    "startTime": _seconds(utterance.start),
                    "endTime": _seconds(utterance.end),
                    "body": utterance.text,
                }
                if block.kind in KIND_LABELS:
                    segment["kind"] = block.kind
                segments.append(segment)
    return {"version": "1.0.0", "segments": segments}


def to_chapters_json(meta: EpisodeMeta, timeline: Timeline) -> dict[str, Any]:
    """Podcasting 2.0 JSON chapters (version 1.2.0), ascending by startTime.

    >>> to_chapters_json(_demo_meta(), _demo())["chapters"]
    [{'startTime': 0.0, 'endTime': 1.2, 'title': 'Start'}]
    """
    chapters = sorted(timeline.chapters, key=lambda mark: mark.start)
    return {
        "version": "1.2.0",
        "title": meta.title,
        "fileName": f"{meta.slug}.mp3",
        "chapters": [
            {"startTime": _seconds(c.start), "endTime": _seconds(c.end), "title": c.title}
            for c in chapters
        ],
    }


def _json_text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_transcripts(
    show: Show, meta: EpisodeMeta, timeline: Timeline, files: EpisodeFiles
) -> None:
    """Write the VTT, SRT, TXT, JSON transcript and chapters.json, each atomically."""
    del show  # the formats need nothing show-wide today; kept for a stable signature
    outputs: dict[Any, Callable[[], str]] = {
        files.vtt: lambda: to_webvtt(timeline),
        files.srt: lambda: to_srt(timeline),
        files.txt: lambda: to_text(meta, timeline),
        files.json: lambda: _json_text(to_podcast_json(timeline)),
        files.chapters_json: lambda: _json_text(to_chapters_json(meta, timeline)),
    }
    for path, render in outputs.items():
        atomic.write_text(path, render())


def _demo() -> Timeline:
    """A one-sentence timeline for the doctests above."""
    from pipeline.core.model import ChapterMark, TimedSentence, TimedUtterance

    utterance = TimedUtterance("Fish & chips <b>", 0.0, 1.2)
    sentence = TimedSentence(utterance.text, 0.0, 1.2, (utterance,))
    block = TimedBlock("paragraph", 0, 0.0, 1.2, (sentence,))
    return Timeline((block,), (ChapterMark("Start", 0.0, 1.2),), 1.2)


def _demo_meta() -> EpisodeMeta:
    import datetime as dt
    from pathlib import Path

    return EpisodeMeta(
        Path("scripts/001-fish.md"), "001-fish", 1, "Fish <b>", dt.date(2024, 5, 1), ""
    )
