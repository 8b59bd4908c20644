"""The soak: many builds of one project, with random edits between them, builds killed
(SIGKILL) or stopped (SIGTERM) at random moments, and a cache entry damaged at random; then
one last build, which must be byte-identical to a clean build of the same scripts.

`make test` runs a few rounds; `make soak` runs 50 (ESSAYCAST_SOAK=N sets how many, and
ESSAYCAST_SOAK_SEED replays a run: each round prints what it did). The fake voice keeps a
round to seconds; the real voice's reproducibility is tests/test_reproducible.py's.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PLAIN_WORDS, make_project, run_build
from test_reproducible import differing, site

from pipeline.build.task import Project

ROUNDS = int(os.environ.get("ESSAYCAST_SOAK", "3"))
SEED = int(os.environ.get("ESSAYCAST_SOAK_SEED", str(random.SystemRandom().randrange(10**6))))


def script(title: str, day: int, paragraphs: list[str]) -> str:
    return f"---\ntitle: {title}\ndate: 2026-03-{day:02d}\n---\n\n" + "\n\n".join(paragraphs) + "\n"


def prose(rng: random.Random) -> str:
    return " ".join(rng.choice(PLAIN_WORDS) for _ in range(rng.randint(4, 14))).capitalize() + "."


def edit(root: Path, rng: random.Random) -> str:
    """One random change a producer might make: to a paragraph, a heading, or a new script."""
    scripts = sorted((root / "scripts").glob("*.md"))
    choice = rng.choice(
        ["add paragraph", "change paragraph", "drop paragraph", "heading", "new script"]
    )
    if choice == "new script" and len(scripts) >= 4:
        choice = "add paragraph"
    if choice == "new script":
        number = len(scripts) + 2
        path = root / "scripts" / f"{number:03d}-soak-{number}.md"
        path.write_text(
            script(f"Soak {number}", number, [prose(rng), prose(rng)]), encoding="utf-8"
        )
        return f"new {path.name}"
    path = rng.choice(scripts)
    head, body = path.read_text(encoding="utf-8").split("---\n\n", 1)
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    where = rng.randrange(len(paragraphs))
    if choice == "drop paragraph" and len(paragraphs) > 1:
        del paragraphs[where]
    elif choice == "heading":
        paragraphs.insert(where, "## " + prose(rng).rstrip(".").title())
    elif choice == "change paragraph":
        paragraphs[where] = prose(rng)
    else:
        paragraphs.insert(where, prose(rng))
    path.write_text(
        head + "---\n\n" + "\n\n".join(p.strip() for p in paragraphs) + "\n", encoding="utf-8"
    )
    return f"{choice} in {path.name}"


def damage(root: Path, rng: random.Random) -> str:
    entries = sorted(
        p
        for p in (root / ".cache").rglob("*")
        if p.is_file() and p.suffix in (".pcm", ".mp3", ".aac", ".m4a")
    )
    if not entries:
        return "no cache entry to damage"
    entry = rng.choice(entries)
    data = bytearray(entry.read_bytes())
    if rng.random() < 0.5 and len(data) > 1:
        data = data[: rng.randrange(len(data))]
        how = "truncated"
    else:
        for _ in range(8):
            if data:
                data[rng.randrange(len(data))] ^= 0xFF
        how = "flipped bytes in"
    entry.write_bytes(bytes(data))
    return f"{how} {entry.relative_to(root)}"


def build(root: Path, rng: random.Random) -> str:
    """Start a build; let it finish, SIGKILL it or SIGTERM it at a random moment."""
    command = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "--root",
        str(root),
        "build",
        "--engine",
        "fake",
        "--jobs",
        "2",
    ]
    fate = rng.choice(["finish", "SIGKILL", "SIGTERM"])
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if fate != "finish":
        time.sleep(rng.uniform(0.2, 8.0))  # from start-up to the show-wide outputs
        process.send_signal(signal.SIGKILL if fate == "SIGKILL" else signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"a build did not end within 300 s after {fate}") from None
    assert "Traceback" not in stderr, stderr
    if fate == "finish":
        assert process.returncode == 0, stderr
    # -15: the signal came before Python had installed the CLI's handler (nothing begun).
    elif fate == "SIGTERM" and process.returncode not in (0, 128 + signal.SIGTERM, -signal.SIGTERM):
        raise AssertionError(f"SIGTERM ended the build with {process.returncode}: {stderr}")
    return f"{fate} (exit {process.returncode})"


@pytest.mark.slow
def test_soak_ends_byte_identical_to_a_clean_build(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    print(f"\nsoak: {ROUNDS} rounds, ESSAYCAST_SOAK_SEED={SEED}")
    scripts = {
        "002-soak-a.md": script("Soak A", 2, [prose(rng), "## Middle", prose(rng), prose(rng)]),
        "003-soak-b.md": script("Soak B", 3, [prose(rng), prose(rng)]),
    }
    project = make_project(tmp_path / "soaked", scripts, seed=False)
    root = project.root
    for round_ in range(1, ROUNDS + 1):
        did = [edit(root, rng) for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.3:
            did.append(damage(root, rng))
        did.append(build(root, rng))
        print(f"round {round_}: {'; '.join(did)}")
    last, log = run_build(project, engine="fake", jobs=2)
    assert not last.failed, log.text

    clean = tmp_path / "clean"
    (clean / "feed").mkdir(parents=True)
    shutil.copytree(root / "scripts", clean / "scripts")  # with its record of first builds
    shutil.copy(root / "feed" / "show.toml", clean / "feed" / "show.toml")
    fresh, log = run_build(Project(clean), engine="fake", jobs=1)
    assert not fresh.failed, log.text
    soaked, cleanly = site(project), site(Project(clean))
    assert len(cleanly) > 10
    assert differing(soaked, cleanly) == []
