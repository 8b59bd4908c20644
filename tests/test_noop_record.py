"""The whole-build record (pipeline.build.quick) on its own: every kind of change to what a
build reads or writes makes the record's verdict "not a no-op", with the reason named."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.build import quick

OPTIONS = {"command": "build", "engine": "fake", "jobs": 1, "root": "", "scripts": []}
NOOP = quick.Verdict(None, (("info", "/p/scripts/a.txt:"), ("detail", "  up")), ("read",), 1)


def project(root: Path) -> Path:
    files = {
        "scripts/001-a.txt": "An essay.\n",
        "scripts/.essaycast.toml": "[a]\nnumber = 1\n",
        "feed/show.toml": 'title = "T"\nartwork = "../art/cover.png"\n',
        "feed/lexicon.toml": '"SQL" = { say = "sequel" }\n',
        "feed/feed.xml": "<rss/>\n",
        "art/cover.png": "png bytes",
        "episodes/001-a/001-a.mp3": "mp3 bytes",
        "episodes/001-a/index.html": "<p>page</p>\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def recorded(root: Path, watched: tuple[str, ...] = ()) -> dict[str, object]:
    options = OPTIONS | {"root": str(root)}
    print_ = quick.fingerprint(root, options, list(watched))
    quick.remember(root, print_, NOOP)
    return options


def test_an_unchanged_project_is_a_noop_and_the_record_gives_back_what_to_print(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    options = recorded(root)
    verdict = quick.check(root, options)
    assert verdict.reason is None
    assert verdict.lines == NOOP.lines and verdict.stages == ("read",) and verdict.built == 1


def rewrite(name: str, text: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")

    return change


def rename(old: str, new: str) -> Callable[[Path], None]:
    return lambda root: (root / old).rename(root / new)


def delete(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).unlink()


CHANGES = {
    "a script edited": (rewrite("scripts/001-a.txt", "An essay, edited.\n"), "scripts/001-a.txt"),
    "a script added": (rewrite("scripts/002-b.md", "# B\n"), "scripts/002-b.md is new"),
    "a script removed": (delete("scripts/001-a.txt"), "scripts/001-a.txt is gone"),
    "a script renamed": (rename("scripts/001-a.txt", "scripts/001-b.txt"), "scripts/001-"),
    "the hidden records edited": (
        rewrite("scripts/.essaycast.toml", "[a]\nnumber = 2\n"),
        "scripts/.essaycast.toml",
    ),
    "show.toml edited": (rewrite("feed/show.toml", 'title = "U"\n'), "feed/show.toml"),
    "a lexicon added": (rewrite("feed/lexicon.pls", "<lexicon/>"), "feed/lexicon.pls is new"),
    "a lexicon edited": (rewrite("feed/lexicon.toml", '"SQL" = { say = "S Q L" }\n'), "lexicon"),
    "artwork show.toml points at edited": (rewrite("art/cover.png", "other bytes"), "art/cover"),
    "an image put where a script may name one": (
        rewrite("static/assets/cover.jpg", "jpeg"),
        "static/assets/cover.jpg is new",
    ),
    "an output deleted": (delete("episodes/001-a/index.html"), "episodes/001-a/index.html"),
    "an output edited": (rewrite("episodes/001-a/001-a.mp3", "mp3 bytez"), "001-a.mp3"),
    "the feed edited": (rewrite("feed/feed.xml", "<rss></rss>\n"), "feed/feed.xml"),
}


@pytest.mark.parametrize("kind", CHANGES)
def test_every_kind_of_change_is_seen_and_named(kind: str, tmp_path: Path) -> None:
    root = project(tmp_path)
    options = recorded(root)
    change, named = CHANGES[kind]
    change(root)
    reason = quick.check(root, options).reason
    assert reason is not None and named in reason, reason


def test_a_rewrite_to_the_same_size_within_one_clock_tick_is_seen_by_its_digest(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    script = root / "scripts" / "001-a.txt"
    options = recorded(root)
    before = script.stat()
    script.write_text("An essaY.\n", encoding="utf-8")  # same size; same inode
    os.utime(script, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime
    reason = quick.check(root, options).reason
    assert reason == "project: scripts/001-a.txt differs"


def test_other_options_an_essaycast_variable_or_a_watched_file_are_not_a_noop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    model = tmp_path.parent / f"{tmp_path.name}-voice.onnx"  # outside the project
    model.write_bytes(b"model")
    options = recorded(root, (str(model),))
    assert quick.check(root, options).reason is None
    assert quick.check(root, options | {"jobs": 2}).reason == "options: jobs differs"
    assert quick.check(root, options | {"base_url": "http://x"}).reason is not None
    monkeypatch.setenv("ESSAYCAST_ANYTHING", "1")
    assert quick.check(root, options).reason == "environment: ESSAYCAST_ANYTHING is new"
    monkeypatch.delenv("ESSAYCAST_ANYTHING")
    model.write_bytes(b"another model")
    assert quick.check(root, options).reason == f"watched: {model} differs"


def test_quiet_and_timings_do_not_change_what_a_record_is_valid_for() -> None:
    a = quick.options_key(OPTIONS | {"quiet": True, "timings": "/t.json"})
    assert a == quick.options_key(OPTIONS | {"quiet": False, "timings": None})
    assert quick.options_key(OPTIONS | {"explain": True}) != quick.options_key(OPTIONS)


def test_the_code_templates_and_assets_are_in_the_fingerprint(tmp_path: Path) -> None:
    code = quick.fingerprint(tmp_path, OPTIONS, [])["code"]
    assert "cli.py" in code and os.path.join("build", "quick.py") in code
    assert os.path.join("assets", "essaycast.css") in code
    assert any(name.startswith("templates" + os.sep) for name in code)
    assert not any("__pycache__" in name for name in code)


def test_no_record_or_a_damaged_one_is_not_a_noop_and_forget_drops_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert quick.check(root, OPTIONS).reason == "no record of a finished build"
    options = recorded(root)
    (root / quick.RECORD).write_text("{not json", encoding="utf-8")
    assert quick.check(root, options).reason == "the record of the last build is unreadable"
    options = recorded(root)
    record = json.loads((root / quick.RECORD).read_text(encoding="utf-8"))
    record["fingerprint"]["format"] = quick.FORMAT + 1
    (root / quick.RECORD).write_text(json.dumps(record), encoding="utf-8")
    assert quick.check(root, options).reason == "the record is of another format"
    record["fingerprint"] |= {"format": quick.FORMAT, "project": ["not", "a", "mapping"]}
    (root / quick.RECORD).write_text(json.dumps(record), encoding="utf-8")
    assert quick.check(root, options).reason == "the record of the last build is unreadable"
    quick.forget(root)
    quick.forget(root)  # none: nothing to do
    assert not (root / quick.RECORD).exists()


def test_same_files_leaves_out_only_the_file_named(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = quick.fingerprint(root, OPTIONS, [])
    (root / "timings.json").write_text("{}", encoding="utf-8")
    after = quick.fingerprint(root, OPTIONS, [])
    assert quick.same_files(before, after, besides="timings.json")
    assert not quick.same_files(before, after)
    assert quick.relative_name(root / "timings.json", root) == "timings.json"
    assert quick.relative_name(Path("/elsewhere/t.json"), root) == ""


def test_a_file_digested_when_recorded_still_matches_once_its_stat_is_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    monkeypatch.setattr(quick, "RACY_NS", 10**18)  # every file too recent: all digested
    options = recorded(root)
    record = json.loads((root / quick.RECORD).read_text(encoding="utf-8"))
    digested = {name for name, entry in record["fingerprint"]["project"].items() if len(entry) == 6}
    assert "scripts/001-a.txt" in digested and "feed/show.toml" in digested
    assert not any(name.startswith("episodes/") for name in digested)  # large: stat only
    monkeypatch.setattr(quick, "RACY_NS", 0)  # the files have settled
    assert quick.check(root, options).reason is None


def test_a_lock_naming_a_holder_sends_the_build_the_normal_way(tmp_path: Path) -> None:
    from pipeline.build.task import Project

    root = project(tmp_path)
    options = recorded(root)
    assert Project(root).lock == root / quick.LOCK
    (root / quick.LOCK).write_text("pid 12 started 3456 publish\n", encoding="ascii")
    assert "lock" in str(quick.check(root, options).reason)
    (root / quick.LOCK).write_text("", encoding="ascii")  # as a finished build leaves it
    assert quick.check(root, options).reason is None


def test_a_named_pipe_is_not_read_and_a_link_out_of_the_project_is_not_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "p")
    os.mkfifo(root / "scripts" / "005-pipe.md")  # reading it would wait forever
    outside = tmp_path / "elsewhere"
    (outside / "deep").mkdir(parents=True)
    (root / "scripts" / "elsewhere").symlink_to(outside)
    monkeypatch.setattr(quick, "RACY_NS", 10**18)  # every file would be digested
    print_ = quick.fingerprint(root, OPTIONS, [])["project"]
    assert len(print_["scripts/005-pipe.md"]) == quick.STAT_FIELDS
    assert "scripts/elsewhere" in print_  # the folder's own stat, nothing under it
    assert not any(name.startswith("scripts/elsewhere/") for name in print_)
