"""The words espeak-ng (Piper's phonemizer) has in its dictionary, read from its compiled file.

espeak-ng pronounces a word from its dictionary (``<lang>_dict``, compiled from ``en_list``
and friends: irregular words, names, acronyms) or, failing that, by its letter-to-sound
rules. The Python bridge piper-tts bundles exposes no lookup, so we read the compiled file,
which piper-tts ships in ``piper/espeak-ng-data``. Its layout (espeak-ng's compiledict.c):

* two little-endian int32: the number of hash chains (1024) and the offset of the rules;
* then 1024 chains, each a run of entries ended by a zero byte; an entry is
  ``[length][word length | flags][word bytes][phonemes][flag bytes]``, ``length`` counting
  the whole entry;
* bit 6 of the word-length byte says the word is packed 6 bits a letter (a=1 … z=26), as
  espeak-ng does for words of plain lowercase letters; the low 6 bits are the byte count.

A word found here is one espeak-ng says from its dictionary; a word not found is said by
rule. Common words are said by rule too (their spelling is regular), so `essaycast words`
asks this only of the words worth checking: names, acronyms and foreign spellings.
"""

from __future__ import annotations

import functools
import struct
from pathlib import Path

from pipeline.core.errors import EngineError
from pipeline.core.language import primary_language

HASH_CHAINS = 1024
PACKED = 0x40
LENGTH_BITS = 0x3F


def dictionary_file(language: str) -> Path:
    """The compiled dictionary piper-tts ships for an espeak-ng voice ("en-us" → en_dict)."""
    from piper.phonemize_espeak import ESPEAK_DATA_DIR

    return Path(ESPEAK_DATA_DIR) / f"{primary_language(language)}_dict"


def unpack_letters(packed: bytes) -> str | None:
    """Six bits a letter, a=1 … z=26; None when a code is not a plain letter.

    >>> unpack_letters(bytes([0b00001000, 0b01000001, 0b01000000]))  # 2, 4, 5, then padding
    'bde'
    """
    accumulator, bits, letters = 0, 0, []
    for byte in packed:
        accumulator = (accumulator << 8) | byte
        bits += 8
        while bits >= 6:
            bits -= 6
            letters.append((accumulator >> bits) & 0x3F)
    while letters and letters[-1] == 0:  # padding of the last byte
        letters.pop()
    if not all(1 <= code <= 26 for code in letters):
        return None  # an accented letter or a packed letter pair: not one we need
    return "".join(chr(ord("a") - 1 + code) for code in letters)


@functools.cache
def dictionary_words(path: Path) -> frozenset[str]:
    """Every word (lowercase) with an entry in a compiled espeak-ng dictionary."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EngineError(f"cannot read espeak-ng's dictionary ({exc.strerror})", path) from None
    chains, rules_offset = struct.unpack_from("<ii", data)
    if chains != HASH_CHAINS:
        raise EngineError(f"not a compiled espeak-ng dictionary ({chains} hash chains)", path)
    words: set[str] = set()
    at = 8
    for _ in range(chains):
        while data[at] != 0:
            length, word_byte = data[at], data[at + 1]
            stored = data[at + 2 : at + 2 + (word_byte & LENGTH_BITS)]
            word = unpack_letters(stored) if word_byte & PACKED else _utf8(stored)
            if word:
                words.add(word.lower())
            at += length
        at += 1
    if at != rules_offset:  # the chains must end exactly where the rules begin
        raise EngineError("espeak-ng's dictionary is not laid out as expected", path)
    return frozenset(words)


def _utf8(stored: bytes) -> str | None:
    try:
        return stored.decode("utf-8")
    except UnicodeDecodeError:
        return None
