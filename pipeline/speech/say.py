"""`essaycast say` and `essaycast words`: hear and check pronunciations before a build.

``say`` speaks one line exactly as a build would (the show's voice, pace, lexicon and
normalization, or a script's with ``--script``) and shows the text as spoken and the
phonemes the voice receives. ``words`` lists the words of a script worth listening to: the
names, acronyms and foreign spellings espeak-ng (Piper's phonemizer) has no dictionary entry
for and so says by rule, and that no lexicon entry covers.
"""

from __future__ import annotations

import io
import re
import wave
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import atomic
from pipeline.core.errors import PipelineError
from pipeline.core.model import Entry, EpisodeMeta, Script, Show
from pipeline.settings.direction import episode_pace
from pipeline.speech.engines import Engine, Speech, VoiceChoice, load_engine
from pipeline.speech.pronouncer import Pronouncer, pronouncer

WORD = re.compile(r"[^\W\d_](?:[\w’'-]*[^\W_])?")
POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True)
class Voice:
    """A voice set up as a build would set it up for one script (or for the show)."""

    engine: Engine
    pronouncer: Pronouncer
    language: str
    pace: float
    description: str  # "piper en_US-joe-medium, pace 1.0"


def voice_for(root: Path, show: Show, script: Script | None) -> Voice:
    meta: EpisodeMeta | None = script.meta if script else None
    engine_name = (meta.engine if meta else None) or show.engine
    voice = (meta.voice if meta else None) or show.voice
    language = meta.language if meta else show.language
    pace = episode_pace(show, meta) if meta else show.pace
    choice = VoiceChoice(engine_name, voice, language, root / ".cache" / "voices", pace)
    engine = load_engine(choice)
    where = f"{engine_name} {voice}" if engine_name == "piper" else engine_name
    return Voice(
        engine, pronouncer(root / "feed", engine, meta), language, pace, f"{where}, pace {pace}"
    )


@dataclass(frozen=True)
class Said:
    spoken: str  # what the voice was given: normalized, with the lexicon applied
    phonemes: str | None  # what it made of it; None for a text-only voice
    used: tuple[Entry, ...]  # the lexicon entries that applied
    not_applicable: tuple[Entry, ...]
    seconds: float


def say(voice: Voice, text: str, out: Path) -> Said:
    """Speak ``text`` as a build would and write it to ``out`` as a WAV file."""
    from pipeline.reading.narrate import spoken_block
    from pipeline.speech.cache import utterance_key
    from pipeline.speech.synth import TRIM_SETTINGS, trim_silence

    block = spoken_block("paragraph", text, voice.language)
    spoken = " ".join(
        voice.pronouncer.apply(u.spoken) for s in block.sentences for u in s.utterances
    )
    if not any(c.isalnum() for c in spoken):  # "", spaces, emoji, symbols: no word to say
        raise PipelineError(
            f"nothing to say in {text!r}: it has no words or numbers; give a line of text"
        )
    # Seeded as a build seeds it, so the line sounds as it will in the episode.
    key = utterance_key(voice.engine.identity(), TRIM_SETTINGS, spoken)
    speech = trim_silence(voice.engine.synthesize(spoken, seed=key))
    if not speech.pcm:
        raise PipelineError(f"the voice made no sound for {text!r}: try other words")
    write_wav(out, speech)
    return Said(
        spoken,
        voice.engine.phonemize(spoken),
        tuple(voice.pronouncer.used),
        tuple(voice.pronouncer.not_applicable),
        speech.seconds,
    )


def write_wav(out: Path, speech: Speech) -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(speech.sample_rate)
        wav.writeframes(speech.pcm)
    atomic.write_bytes(out, buffer.getvalue(), durable=False)


# ------------------------------------------------ words said by rule


@dataclass(frozen=True)
class RuleWord:
    word: str
    count: int
    why: str  # "acronym", "name", "foreign letters"
    phonemes: str | None  # how the voice would say it alone


def words_by_rule(script: Script, voice: Voice) -> list[RuleWord]:
    """Names, acronyms and foreign spellings that neither espeak-ng's dictionary nor the
    lexicon covers, most frequent first.

    A name is a capitalized word that is not the first of its sentence (and never appears
    in lowercase), so a name that only ever starts sentences is not listed; headings are
    skipped for names, since they capitalize every word.
    """
    from pipeline.reading.narrate import narrate
    from pipeline.speech.espeak_dict import dictionary_file, dictionary_words

    narration = narrate(script)
    espeak_voice = _espeak_voice(voice.engine)
    known = dictionary_words(dictionary_file(espeak_voice)) if espeak_voice else frozenset()
    counts: Counter[str] = Counter()
    why: dict[str, str] = {}
    lowercase: set[str] = set()
    for chapter in narration.chapters:
        for block in chapter.blocks:
            for sentence in block.sentences:
                words = [POSSESSIVE.sub("", w) for w in WORD.findall(sentence.text)]
                for index, word in enumerate(words):
                    if word.islower():
                        lowercase.add(word)
                    reason = _reason(word, index == 0 or block.kind == "heading")
                    if reason:
                        counts[word] += 1
                        why.setdefault(word, reason)
    listed = []
    for word, count in counts.most_common():
        if why[word] == "name" and word.lower() in lowercase:
            continue  # also written in lowercase: an ordinary word capitalized
        if word.lower() in known or Pronouncer(voice.pronouncer.lexicon, True).apply(word) != word:
            continue
        listed.append(RuleWord(word, count, why[word], voice.engine.phonemize(word)))
    return listed


def _reason(word: str, first_of_sentence: bool) -> str | None:
    """
    >>> _reason("SQL", True), _reason("Nguyen", False), _reason("Nguyen", True)
    ('acronym', 'name', None)
    >>> _reason("café", False), _reason("walls", False), _reason("I", False)
    ('foreign letters', None, None)
    """
    if len(word) >= 2 and word.isupper():
        return "acronym"
    if any(c.isalpha() and not c.isascii() for c in word):
        return "foreign letters"
    if word[0].isupper() and len(word) > 1 and not first_of_sentence:
        return "name"
    return None


def _espeak_voice(engine: Engine) -> str | None:
    config = getattr(engine, "config", None)
    if isinstance(config, dict):
        return str(config.get("espeak", {}).get("voice", "")) or None
    return None
