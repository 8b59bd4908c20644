"""One way to fingerprint inputs: SHA-256 of their sorted JSON, as doit keys its tasks.

Every key in the project (a cached utterance, a stage's inputs, an artwork's stamp) is
made here, so two keys of the same inputs can never differ by how they were serialized.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from pipeline.core import atomic

CHUNK = 1 << 20
# A file changed this recently may change again within the same timestamp tick and look
# unchanged (git's "racy clean" files): its digest is not remembered until it has settled.
SETTLED_NS = 2_000_000_000


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


def stat_fingerprint(path: Path) -> list[int]:
    """What any rewrite of a file changes: its inode, size, and modification and change
    times. The change time (ctime) cannot be set back by touch or a copy tool, so a file
    rewritten to the same size and mtime still differs here."""
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def remembered_file_digest(path: Path, memo: Path | None, now: int | None = None) -> str:
    """``file_digest(path)``, remembered in ``memo`` (JSON beside a cache) under the file's
    stat_fingerprint, so that a large file nobody touched is not read again on every build.
    Without ``memo``, always read. ``now`` (ns) is for tests of settling."""
    if memo is None:
        return file_digest(path)
    fingerprint = stat_fingerprint(path)
    try:
        known = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: it is only a cache
        known = {}
    entry = known.get(str(path)) if isinstance(known, dict) else None
    if isinstance(entry, dict) and entry.get("stat") == fingerprint:
        remembered = entry.get("sha256")
        if isinstance(remembered, str):
            return remembered
    digest = file_digest(path)
    changed = max(fingerprint[3], fingerprint[4])
    if (time.time_ns() if now is None else now) - changed > SETTLED_NS:
        known = known if isinstance(known, dict) else {}
        known[str(path)] = {"stat": fingerprint, "sha256": digest}
        text = json.dumps(known, sort_keys=True, indent=1) + "\n"
        atomic.write_bytes(memo, text.encode("utf-8"), durable=False)
    return digest
