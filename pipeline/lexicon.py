"""Pronunciation lexicons: words the voice must say a particular way.

A show's lexicon is ``feed/lexicon.pls`` (W3C PLS 1.0, read by pipeline.pls) and/or
``feed/lexicon.toml``; a script's front matter ``pronounce:`` adds entries for one episode
and overrides the show's for the same word. Later sources win: PLS, then TOML, then front
matter. In TOML and front matter an entry is::

    "Nguyen" = { ipa = "ŋwˈiən" }            # the voice's phonemes (IPA)
    "SQL" = { say = "sequel" }               # an alias: other words, for any voice
    "gif" = { ipa = "ɡˈɪf", say = "giff", ignore_case = true }

Matching is whole-word and case-sensitive unless the entry says ``ignore_case``; a
possessive ("Nguyen's") takes the entry and keeps its 's. An engine that takes phonemes
(Piper) gets the IPA inside ``[[ ]]``; one that takes only text (gTTS) gets the alias, and
an IPA-only entry is then not applicable. Only the spoken text changes: transcripts keep the
author's spelling. Because the phonemes are part of the spoken text, they are part of the
cache key of exactly the utterances that contain the word.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.engines import Engine
    from pipeline.model import EpisodeMeta

# IPA ends of words, for the possessive's sound: "Nguyen's" ends in z, "Smith's" in s.
SIBILANTS = ("s", "z", "ʃ", "ʒ", "tʃ", "dʒ", "ʧ", "ʤ")
VOICELESS = ("p", "t", "k", "f", "θ")
IPA_MARKS = "ˈˌːˑ. "  # stress, length and syllable marks carry no sound of their own
ENTRY_KEYS = {"ipa", "say", "ignore_case"}


@dataclass(frozen=True)
class Entry:
    """One word (or several spellings of it) and how to say it."""

    graphemes: tuple[str, ...]  # the spellings it matches, as written in the text
    ipa: str | None = None  # phonemes, NFD-normalized as Piper's phonemizer makes them
    alias: str | None = None  # words to say instead
    ignore_case: bool = False
    where: str = ""  # "feed/lexicon.toml: 'Nguyen'": names it in every message


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...] = ()

    def overridden_by(self, other: Lexicon) -> Lexicon:
        """``other``'s entries replace this one's for the same spelling.

        >>> show = Lexicon((Entry(("SQL",), alias="S Q L"), Entry(("GIF",), alias="jif")))
        >>> episode = Lexicon((Entry(("SQL",), alias="sequel"),))
        >>> [(e.graphemes, e.alias) for e in show.overridden_by(episode).entries]
        [(('GIF',), 'jif'), (('SQL',), 'sequel')]
        """
        taken = {spelling.casefold() for entry in other.entries for spelling in entry.graphemes}
        kept = tuple(
            entry
            for entry in self.entries
            if not any(spelling.casefold() in taken for spelling in entry.graphemes)
        )
        return Lexicon(kept + other.entries)


def normalize_ipa(ipa: str) -> str:
    """IPA as Piper's phonemizer writes it: NFD (accents as their own characters), one space.

    >>> [hex(ord(c)) for c in normalize_ipa("ẽ")]
    ['0x65', '0x303']
    >>> normalize_ipa("  ˈdʒʌdʒ   mənt ")
    'ˈdʒʌdʒ mənt'
    """
    return " ".join(unicodedata.normalize("NFD", ipa).split())


def possessive_ipa(ipa: str) -> str:
    """The phonemes of a possessive: ɪz after a sibilant, s after a voiceless sound, else z.

    >>> possessive_ipa("ŋwˈiən"), possessive_ipa("smˈɪθ"), possessive_ipa("ɡˈeɪts")
    ('ŋwˈiənz', 'smˈɪθs', 'ɡˈeɪtsɪz')
    """
    sound = ipa.rstrip(IPA_MARKS)
    if sound.endswith(SIBILANTS):
        return ipa + "ɪz"
    if sound.endswith(VOICELESS):
        return ipa + "s"
    return ipa + "z"


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


# ------------------------------------------------ reading TOML and front matter


def entries_from_mapping(data: Mapping[str, Any], where: str) -> tuple[Entry, ...]:
    """Entries from a TOML table or a front matter mapping; ValueError says what is wrong.

    A bare string is an alias (``SQL: sequel``).

    >>> entries_from_mapping({"SQL": "sequel", "Nguyen": {"ipa": "ŋwˈiən"}}, "x")[1].ipa
    'ŋwˈiən'
    >>> entries_from_mapping({"SQL": {"sound": "x"}}, "x")
    Traceback (most recent call last):
    ValueError: 'SQL': unknown key 'sound' (known: ignore_case, ipa, say)
    """
    entries = []
    for word, value in data.items():
        spec = {"say": value} if isinstance(value, str) else value
        if not isinstance(spec, Mapping):
            raise ValueError(f'\'{word}\' must be {{ ipa = "..." }} or {{ say = "..." }}')
        unknown = set(spec) - ENTRY_KEYS
        if unknown:
            known = ", ".join(sorted(ENTRY_KEYS))
            raise ValueError(f"'{word}': unknown key '{sorted(unknown)[0]}' (known: {known})")
        ipa, say, ignore_case = spec.get("ipa"), spec.get("say"), spec.get("ignore_case", False)
        if not isinstance(word, str) or not word.strip():
            raise ValueError("a word to pronounce must be non-empty text")
        for name, text in (("ipa", ipa), ("say", say)):
            if text is not None and (not isinstance(text, str) or not text.strip()):
                raise ValueError(f"'{word}': '{name}' must be non-empty text")
        if ipa is None and say is None:
            raise ValueError(f'\'{word}\' needs ipa = "..." or say = "..."')
        if not isinstance(ignore_case, bool):
            raise ValueError(f"'{word}': 'ignore_case' must be true or false")
        entries.append(
            Entry(
                (" ".join(word.split()),),
                normalize_ipa(ipa) if ipa else None,
                " ".join(say.split()) if say else None,
                ignore_case,
                f"{where}: '{word}'",
            )
        )
    return tuple(entries)


def read_toml(path: Path) -> Lexicon:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path) from None
    try:
        return Lexicon(entries_from_mapping(data, str(path)))
    except ValueError as exc:
        raise ConfigError(str(exc), path) from None


def show_lexicon(feed: Path) -> Lexicon:
    """feed/lexicon.pls, then feed/lexicon.toml over it; either (or both) may be absent."""
    from pipeline.pls import read_pls

    lexicon = Lexicon()
    pls, toml = feed / "lexicon.pls", feed / "lexicon.toml"
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
    pipeline.errors.ConfigError: l.pls: 'judge': phoneme 'ʤ' (U+02A4) is not one the voice v \
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
