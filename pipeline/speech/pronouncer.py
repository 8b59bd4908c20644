"""A lexicon bound to one voice: the words it must say a particular way, as it can take them.

An engine that takes phonemes (Piper) gets an entry's IPA inside ``[[ ]]``; one that takes
only text (gTTS) gets its alias, and an IPA-only entry is then not applicable. The lexicon
itself (feed/lexicon.pls, feed/lexicon.toml, ``pronounce:``) is read by pipeline.settings.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.confine import check_inside
from pipeline.core.errors import ConfigError
from pipeline.core.model import Entry, EpisodeMeta, Lexicon
from pipeline.settings.lexicon import possessive_ipa, read_toml
from pipeline.settings.pls import read_pls
from pipeline.speech.engines import Engine


@dataclass
class Pronouncer:
    """A lexicon bound to what one engine accepts: phonemes, or only text."""

    lexicon: Lexicon
    takes_phonemes: bool
    used: list[Entry] = field(default_factory=list)  # entries that matched, in first-use order
    not_applicable: list[Entry] = field(default_factory=list)  # IPA-only, for a text voice

    def __post_init__(self) -> None:
        self._patterns = [(entry, _pattern(entry)) for entry in self.lexicon.entries]

    def apply(self, spoken: str) -> str:
        """``spoken`` with every lexicon word replaced by its phonemes or its alias.

        >>> lexicon = Lexicon((Entry(("Nguyen",), ipa="ŋwˈiən"), Entry(("SQL",), alias="sequel")))
        >>> Pronouncer(lexicon, True).apply("Nguyen's SQL, not NGUYEN or SQLite.")
        '[[ŋwˈiənz]] sequel, not NGUYEN or SQLite.'
        >>> Pronouncer(lexicon, False).apply("Nguyen wrote SQL's manual.")
        "Nguyen wrote sequel's manual."
        """
        for entry, pattern in self._patterns:
            replacement = self._replacement(entry)
            if replacement is None:
                if pattern.search(spoken) and entry not in self.not_applicable:
                    self.not_applicable.append(entry)
                continue
            spoken, count = pattern.subn(functools.partial(_say, replacement=replacement), spoken)
            if count and entry not in self.used:
                self.used.append(entry)
        return spoken

    def _replacement(self, entry: Entry) -> tuple[str, bool] | None:
        """(what to say, whether it is IPA), or None when this engine cannot use the entry."""
        if self.takes_phonemes and entry.ipa:
            return entry.ipa, True
        if entry.alias:
            return entry.alias, False
        return None


def _pattern(entry: Entry) -> re.Pattern[str]:
    spellings = sorted(entry.graphemes, key=len, reverse=True)
    words = "|".join(re.escape(spelling) for spelling in spellings)
    # Not inside a longer word; an optional possessive ('s or ’s) belongs to the match.
    return re.compile(
        rf"(?<![\w'’])(?:{words})(?P<possessive>['’]s)?(?![\w'’])",
        re.IGNORECASE if entry.ignore_case else 0,
    )


def _say(match: re.Match[str], replacement: tuple[str, bool]) -> str:
    text, is_ipa = replacement
    if is_ipa:
        return f"[[{possessive_ipa(text) if match['possessive'] else text}]]"
    return text + ("'s" if match["possessive"] else "")


def show_lexicon(feed: Path) -> Lexicon:
    """feed/lexicon.pls, then feed/lexicon.toml over it; either (or both) may be absent."""
    lexicon = Lexicon()
    pls, toml = feed / "lexicon.pls", feed / "lexicon.toml"
    for path in (pls, toml):
        check_inside(path, feed.parent, "lexicon", ConfigError)
    if pls.exists():
        lexicon = read_pls(pls)
    if toml.exists():
        lexicon = lexicon.overridden_by(read_toml(toml))
    return lexicon


def check_phonemes(entries: Iterable[Entry], inventory: frozenset[str], voice: str) -> None:
    """Refuse an IPA character the voice has no phoneme id for: it would be skipped silently.

    >>> judge = Entry(("judge",), ipa="ʤʌʤ", where="l.pls: 'judge'")
    >>> check_phonemes([judge], frozenset("dʒʌ"), "v")
    Traceback (most recent call last):
    pipeline.core.errors.ConfigError: l.pls: 'judge': phoneme 'ʤ' (U+02A4) is not one the voice v \
knows; write it as separate letters (ʤ → dʒ) or use say = "..."
    """
    for entry in entries:
        for char in entry.ipa or "":
            if char not in inventory:
                hint = LIGATURES.get(char)
                fix = f"write it as separate letters ({char} → {hint})" if hint else "remove it"
                raise ConfigError(
                    f"{entry.where}: phoneme '{char}' (U+{ord(char):04X}) is not one the voice "
                    f'{voice} knows; {fix} or use say = "..."'
                )


# IPA ligatures and ties that espeak-ng (and so Piper's voices) write as two letters.
LIGATURES = {"ʤ": "dʒ", "ʧ": "tʃ", "ʣ": "dz", "\u0361": "no tie bar"}


def pronouncer(feed: Path, engine: Engine, meta: EpisodeMeta | None = None) -> Pronouncer:
    """The lexicon for one episode (show's, then the script's), checked against its voice."""
    own: tuple[Entry, ...] = ()
    if meta is not None:
        own = tuple(
            dataclasses.replace(entry, where=f"{meta.source}: {entry.where}")
            for entry in meta.pronounce
        )
    lexicon = show_lexicon(feed).overridden_by(Lexicon(own))
    if engine.phonemes is not None:
        voice = str(engine.identity().get("voice", engine.name))
        check_phonemes(lexicon.entries, engine.phonemes, voice)
    return Pronouncer(lexicon, engine.phonemes is not None)
