"""Voice direction: how fast the voice reads, and how long it pauses.

``[voice] pace`` in show.toml (and ``pace:`` in a script's front matter, which wins) scales
how long the voice takes: 1.0 is the voice's own pace, 1.2 is 20% slower, 0.9 10% faster.
Piper stretches every phoneme (its length scale); gTTS has only a normal and a slow speed,
and reads slowly from a pace of 1.5. Pace changes the sound, so it is part of every
utterance's cache key; the pauses change only how the utterances are laid out, so they are
part of the episode's audio key and never cause synthesis.

``[pauses]`` in show.toml sets the silences, in seconds::

    [pauses]
    sentence = 0.45    # between sentences of a paragraph
    paragraph = 0.9    # between paragraphs
    chapter = 1.5      # before a new chapter
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pipeline.core.model import EpisodeMeta, Show


@dataclass(frozen=True)
class Pauses:
    """Seconds of silence, from the shortest (a clause break) to the longest (a new chapter)."""

    lead: float = 0.25
    clause: float = 0.12
    sentence: float = 0.45
    after_heading: float = 0.7
    paragraph: float = 0.9
    chapter: float = 1.5
    after_intro: float = 1.0
    before_outro: float = 1.2
    tail: float = 0.35


PACE_RANGE = (0.5, 2.0)
PAUSE_RANGE = (0.0, 5.0)  # seconds; longer sounds like the episode has ended
# show.toml [pauses] key -> (Show field, Pauses field)
PAUSE_SETTINGS = {
    "sentence": ("pause_sentence", "sentence"),
    "paragraph": ("pause_paragraph", "paragraph"),
    "chapter": ("pause_chapter", "chapter"),
}


def pace_problem(value: Any) -> str | None:
    """Why ``value`` is not a pace, or None when it is one.

    >>> pace_problem(1.2), pace_problem(3)
    (None, 'must be a number from 0.5 to 2.0 (1.0: the voice as it is; 1.2: 20% slower)')
    """
    low, high = PACE_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        return f"must be a number from {low} to {high} (1.0: the voice as it is; 1.2: 20% slower)"
    return None


def check_pace(value: Any) -> float:
    """The front matter checker for ``pace:``: the value, or ValueError."""
    problem = pace_problem(value)
    if problem:
        raise ValueError(problem)
    return float(value)


def pause_problem(value: float) -> str | None:
    """
    >>> pause_problem(0.9), pause_problem(-1.0)
    (None, 'must be from 0.0 to 5.0 seconds')
    """
    low, high = PAUSE_RANGE
    return None if low <= value <= high else f"must be from {low} to {high} seconds"


def episode_pace(show: Show, meta: EpisodeMeta) -> float:
    """The script's pace when it sets one, else the show's."""
    return meta.pace if meta.pace is not None else show.pace


def pauses(show: Show) -> Pauses:
    """The default Pauses with show.toml's [pauses] settings in place.

    >>> pauses(Show(pause_sentence=0.3)).sentence, pauses(Show()).paragraph == Pauses().paragraph
    (0.3, True)
    """
    chosen = {field: getattr(show, name) for name, field in PAUSE_SETTINGS.values()}
    return dataclasses.replace(Pauses(), **chosen)
