"""Content-addressed cache of synthesized utterances.

An entry's key is the SHA-256 of everything that changes the sound, as sorted JSON (the
engine's identity — including the voice model's digest — the synthesis settings and the
spoken text), as doit keys its tasks. An entry carries a checksum of its samples, so a
truncated or corrupt file is found and re-synthesized rather than heard.

Beside an entry the cache may keep what was measured of it once (``extra``: the loudness
of its 400 ms blocks, see pipeline/audio/levels.py), so that no later build measures it again.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Literal

from pipeline.core import atomic
from pipeline.core.digest import json_digest
from pipeline.speech.engines import Speech

MAGIC = b"ESCA1\n"
HEADER = struct.Struct("<6sIQ32s")  # magic, sample rate, byte count, sha256 of the samples

Status = Literal["hit", "missing", "corrupt"]


def utterance_key(identity: dict[str, object], settings: dict[str, object], spoken: str) -> str:
    """The cache key: stable across runs, machines and dict orderings.

    >>> a = utterance_key({"engine": "x", "v": 1}, {"trim": 1}, "Hello.")
    >>> a == utterance_key({"v": 1, "engine": "x"}, {"trim": 1}, "Hello.")
    True
    >>> a == utterance_key({"engine": "x", "v": 1}, {"trim": 1}, "Hello!")
    False
    """
    return json_digest({"identity": identity, "settings": settings, "text": spoken})


class AudioCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pcm"

    def status(self, key: str) -> Status:
        path = self.path(key)
        if not path.exists():
            return "missing"
        return "hit" if self.get(key) is not None else "corrupt"

    def get(self, key: str) -> Speech | None:
        """The cached speech, or None when the entry is missing, truncated or corrupt."""
        try:
            data = self.path(key).read_bytes()
        except FileNotFoundError:
            return None
        if len(data) < HEADER.size:
            return None
        magic, rate, count, digest = HEADER.unpack_from(data)
        pcm = data[HEADER.size :]
        if magic != MAGIC or len(pcm) != count or hashlib.sha256(pcm).digest() != digest:
            return None
        return Speech(pcm, rate)

    def sample_count(self, key: str) -> int | None:
        """How many samples an entry holds, from its header alone (None: no entry).

        For laying an episode out; the samples themselves are checked when they are read.
        """
        try:
            with open(self.path(key), "rb") as entry:
                header = entry.read(HEADER.size)
        except FileNotFoundError:
            return None
        if len(header) < HEADER.size or header[: len(MAGIC)] != MAGIC:
            return None
        return int(HEADER.unpack(header)[2]) // 2

    def put(self, key: str, speech: Speech) -> None:
        header = HEADER.pack(
            MAGIC, speech.sample_rate, len(speech.pcm), hashlib.sha256(speech.pcm).digest()
        )
        atomic.write_bytes(self.path(key), header + speech.pcm, durable=False)

    def extra(self, key: str, name: str) -> bytes | None:
        """What was kept beside an entry under ``name`` (None: nothing, or damaged)."""
        return atomic.read_checked(self.path(key).with_suffix(f".{name}"))

    def put_extra(self, key: str, name: str, payload: bytes) -> None:
        atomic.write_checked(self.path(key).with_suffix(f".{name}"), payload)
