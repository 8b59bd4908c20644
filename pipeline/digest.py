"""One way to fingerprint inputs: SHA-256 of their sorted JSON, as doit keys its tasks.

Every key in the project (a cached utterance, a stage's inputs, an artwork's stamp) is
made here, so two keys of the same inputs can never differ by how they were serialized.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

CHUNK = 1 << 20


def json_digest(value: object) -> str:
    """SHA-256 (hex) of ``value`` as compact sorted JSON; stable across runs and dict orders.

    >>> json_digest({"b": 1, "a": [2]}) == json_digest({"a": [2], "b": 1})
    True
    >>> json_digest({"text": "Hello."}) == json_digest({"text": "Hello!"})
    False
    """
    blob = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, read a megabyte at a time."""
    sha = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()
