"""A large file's digest is remembered by its stat, and read again whenever it was rewritten."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pipeline.core.digest import SETTLED_NS, file_digest, remembered_file_digest


def later() -> int:
    """A time when every file this test wrote has settled."""
    return time.time_ns() + 10 * SETTLED_NS


def test_an_untouched_file_is_not_read_again(tmp_path: Path) -> None:
    model, memo = tmp_path / "model.onnx", tmp_path / "cache" / "digests.json"
    model.write_bytes(b"weights" * 1000)
    assert remembered_file_digest(model, memo, now=later()) == file_digest(model)
    # Had the file been read, the real digest would come back, not what the memo says.
    known = json.loads(memo.read_text())
    known[str(model)]["sha256"] = "remembered"
    memo.write_text(json.dumps(known))
    assert remembered_file_digest(model, memo, now=later()) == "remembered"


def test_a_file_rewritten_to_the_same_size_and_time_is_read_again(tmp_path: Path) -> None:
    model, memo = tmp_path / "model.onnx", tmp_path / "digests.json"
    model.write_bytes(b"a" * 4096)
    before = model.stat()
    remembered_file_digest(model, memo, now=later())
    model.write_bytes(b"b" * 4096)  # damaged in place: same inode and size
    os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old mtime
    assert remembered_file_digest(model, memo, now=later()) == file_digest(model)
    model.unlink()
    model.write_bytes(b"c" * 4096)  # swapped for another file
    assert remembered_file_digest(model, memo, now=later()) == file_digest(model)


def test_a_file_still_settling_or_without_a_memo_is_always_read(tmp_path: Path) -> None:
    model, memo = tmp_path / "model.onnx", tmp_path / "digests.json"
    model.write_bytes(b"fresh")
    assert remembered_file_digest(model, memo) == file_digest(model)
    assert not memo.exists()  # written just now: the same tick could hide a rewrite
    assert remembered_file_digest(model, None, now=later()) == file_digest(model)
    assert not memo.exists()


def test_a_broken_memo_is_only_a_missed_cache(tmp_path: Path) -> None:
    model, memo = tmp_path / "model.onnx", tmp_path / "digests.json"
    model.write_bytes(b"weights")
    remembered_file_digest(model, memo, now=later())
    fingerprint = json.loads(memo.read_text())[str(model)]["stat"]
    for broken in (
        "{not json",
        "[]",
        json.dumps({str(model): "nonsense"}),
        json.dumps({str(model): {"stat": fingerprint}}),  # no digest
    ):
        memo.write_text(broken)
        assert remembered_file_digest(model, memo, now=later()) == file_digest(model)
