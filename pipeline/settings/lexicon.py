"""Pronunciation lexicons: words the voice must say a particular way.

A show's lexicon is ``feed/lexicon.pls`` (W3C PLS 1.0, read by pipeline.settings.pls) and/or
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

import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.core.errors import ConfigError
from pipeline.core.model import Entry, Lexicon

# IPA ends of words, for the possessive's sound: "Nguyen's" ends in z, "Smith's" in s.
SIBILANTS = ("s", "z", "ʃ", "ʒ", "tʃ", "dʒ", "ʧ", "ʤ")
VOICELESS = ("p", "t", "k", "f", "θ")
IPA_MARKS = "ˈˌːˑ. "  # stress, length and syllable marks carry no sound of their own
ENTRY_KEYS = {"ipa", "say", "ignore_case"}


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
