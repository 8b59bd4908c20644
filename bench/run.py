"""`make bench`: how much the pipeline costs beyond speech synthesis itself.

Everything is measured in this one run, on this machine, side by side:

1. baseline   bare Piper (its Python API, same voice, default settings, one process)
              synthesizing the text the seed episode narrates into one WAV file
2. cold       a full build of the seed episode with an empty cache
3. no-op      the same build again, nothing changed
4. metadata   the show's description and the episode's summary changed: tags, pages, feed
5. edit       one paragraph edited, rebuilt (and how many utterances were re-synthesized)
6. book       a generated script of about --book-words words, built cold (0: skipped)

`--catalogue N` measures something else instead: N short essays built locally and on a Dask
cluster (see bench/catalogue.py).

Each runs in its own process; peak memory is the largest total resident set of that
process and its children, sampled every 20 ms. Prints a table of ratios and their goals,
and writes the numbers to bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import catalogue
from measure import BASELINE_CODE, PYTHON, REPO, SEED, Run, build, measure, new_project


def spoken_text(project: Path) -> str:
    """What the seed episode's voice says, intro and outro included, from the build."""
    manifest = json.loads(next((project / "episodes").glob("*/.build.json")).read_text())
    return "\n".join(manifest["utterances"].values())


def book_script(words: int, seed: int = 7) -> str:
    """A long, varied script: sentences drawn from the seed essay's vocabulary, every one
    different (so the cache cannot help), in chapters of about 1,500 words."""
    vocabulary = sorted(set(re.findall(r"[a-z]+", SEED.read_text(encoding="utf-8").lower())))
    rng = random.Random(seed)
    lines = ["---", "title: The Long Book", "date: 2026-11-20", "summary: A benchmark.", "---", ""]
    written, chapter = 0, 0
    while written < words:
        chapter += 1
        lines += [f"Chapter {chapter} of the Long Book", ""]
        for _ in range(6):
            sentences = []
            for _ in range(rng.randint(3, 6)):
                sentence = rng.choices(vocabulary, k=rng.randint(8, 24))
                sentences.append(" ".join(sentence).capitalize() + ".")
                written += len(sentence)
            lines += [" ".join(sentences), ""]
    return "\n".join(lines)


def edit_one_paragraph(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    old = "Emotional intimacy is built on trust, empathy, and open communication."
    if old not in text:
        sys.exit(f"bench: cannot find the paragraph to edit in {script}")
    script.write_text(text.replace(old, old.replace("open communication", "honest talk")))


def change_metadata(project: Path) -> None:
    """A new show description and a new episode summary: nothing anyone hears changes."""
    toml = project / "feed" / "show.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('description = "', 'description = "New: '), encoding="utf-8")
    script = next((project / "scripts").iterdir())
    body = script.read_text(encoding="utf-8")
    if 'summary: "' not in body:
        sys.exit(f"bench: cannot find the summary to change in {script}")
    script.write_text(body.replace('summary: "', 'summary: "New. ', 1), encoding="utf-8")


def paragraph_utterances(project: Path) -> int:
    """How many utterances the edited paragraph has: the most an edit should redo."""
    from pipeline.reading.ingest import read_script
    from pipeline.reading.narrate import narrate
    from pipeline.settings.config import load_show

    script = read_script(next((project / "scripts").iterdir()), load_show(REPO / "feed/show.toml"))
    for chapter in narrate(script).chapters:
        for block in chapter.blocks:
            if "honest talk" in block.text:
                return sum(len(s.utterances) for s in block.sentences)
    return 0


def chapter_encodes(project: Path) -> set[str]:
    """The keys of the chapter encodes the seed's MP3 is joined from (its build record)."""
    manifest = json.loads(next((project / "episodes").glob("*/.build.json")).read_text())
    return {segment["key"] for segment in manifest["segments"]}


# What the issue's "mastering, tagging, transcripts, pages and feed together" are, by stage;
# the talking book (EPUB, M4B) and the producer's report came later and are counted apart.
AFTER_SYNTHESIS = (
    "master_and_tag",
    "transcripts",
    "page",
    "remember",
    "record",
    "feed",
    "show_page",
)


def after_synthesis(run: Run) -> float:
    """Those stages' seconds as a fraction of the synthesize stage's, in one run."""
    return sum(run.stages.get(stage, 0.0) for stage in AFTER_SYNTHESIS) / run.stages["synthesize"]


def compile_bytecode() -> None:
    """Time the builds as an installed essaycast runs: with its bytecode compiled, as pip
    compiles a package it installs. An editable install is compiled on first run, unless
    PYTHONDONTWRITEBYTECODE is set; then every build would compile the pipeline again
    (0.15-0.2 s of a no-op build here), a cost no installed copy pays."""
    import compileall

    compileall.compile_dir(REPO / "pipeline", quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book-words", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument(
        "--catalogue", type=int, nargs="?", const=12, metavar="N",
        help="instead: N short essays (default 12), locally and on --cluster local:2",
    )  # fmt: skip
    parser.add_argument("--catalogue-words", type=int, default=80)
    options = parser.parse_args()
    jobs = ("--jobs", str(options.jobs))
    if options.catalogue is not None:
        with tempfile.TemporaryDirectory(prefix="essaycast-catalogue-") as tmp:
            out = REPO / "bench" / "catalogue.json"
            catalogue.main(options.catalogue, options.catalogue_words, out, Path(tmp))
        return

    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="essaycast-bench-") as tmp:
        work = Path(tmp)
        seed = new_project(work / "seed", SEED.name, SEED.read_text(encoding="utf-8"))
        print("cold build of the seed episode…", flush=True)
        cold = build("cold", seed, jobs)
        print("no-op rebuild…", flush=True)
        noop = build("no-op", seed, jobs)
        print("metadata-only change…", flush=True)
        change_metadata(seed)
        metadata = build("metadata", seed, jobs)
        print("one-paragraph edit…", flush=True)
        chapters_before = chapter_encodes(seed)
        edit_one_paragraph(next((seed / "scripts").iterdir()))
        edit = build("edit", seed, jobs)
        edit_limit = paragraph_utterances(seed)
        chapters_redone = len(chapter_encodes(seed) - chapters_before)

        print("baseline: bare Piper on the same text…", flush=True)
        (work / "spoken.txt").write_text(spoken_text(seed), encoding="utf-8")
        baseline = measure(
            "baseline", [PYTHON, "-c", BASELINE_CODE, str(work / "spoken.txt"), str(work / "b.wav")]
        )
        import wave

        with wave.open(str(work / "b.wav")) as wav:
            baseline.audio_seconds = wav.getnframes() / wav.getframerate()

        book = None
        if options.book_words:
            print(f"book scale: {options.book_words:,} words, cold…", flush=True)
            text = book_script(options.book_words)
            book = build("book", new_project(work / "book", "001-book.md", text), jobs)

    runs = [baseline, cold, noop, metadata, edit] + ([book] if book else [])
    goals = [
        ("cold build ÷ baseline", cold.seconds / baseline.seconds, "≤ 1.10", cold.seconds <= 1.10 * baseline.seconds),
        ("no-op rebuild (s)", noop.seconds, "≤ 0.4", noop.seconds <= 0.4),
        ("metadata-only change (s)", metadata.seconds, "≤ 1.0", metadata.seconds <= 1.0),
        ("metadata: utterances redone", metadata.synthesized, "0", metadata.synthesized == 0),
        ("edit ÷ cold build", edit.seconds / cold.seconds, "≤ 0.15", edit.seconds <= 0.15 * cold.seconds),
        ("edit: utterances redone", edit.synthesized, f"≤ {edit_limit} (the paragraph's)", 0 < edit.synthesized <= edit_limit),
        ("edit: chapters encoded", chapters_redone, "1 (the paragraph's)", chapters_redone == 1),
        ("cold: after-synthesis ÷ synth", after_synthesis(cold), "≤ 0.10 (mastering…feed)", after_synthesis(cold) <= 0.10),
    ]  # fmt: skip
    if book:
        goals += [
            ("book RTF ÷ seed RTF", book.real_time_factor / cold.real_time_factor, "≤ 1.0", book.real_time_factor <= cold.real_time_factor),
            ("book peak memory ÷ seed's", book.peak_rss_mb / cold.peak_rss_mb, "≤ 1.5", book.peak_rss_mb <= 1.5 * cold.peak_rss_mb),
        ]  # fmt: skip

    print()
    print(
        f"{'run':<10}{'seconds':>10}{'CPU s':>9}{'audio s':>10}{'RTF':>8}{'peak MB':>10}{'synth':>7}"
    )
    for run in runs:
        print(
            f"{run.name:<10}{run.seconds:>10.2f}{run.cpu_seconds:>9.2f}{run.audio_seconds:>10.1f}"
            f"{run.real_time_factor:>8.3f}{run.peak_rss_mb:>10.0f}{run.synthesized:>7}"
        )
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.1f} (1 min), {load[2]:.1f} (15 min)")
    stages = list(dict.fromkeys(stage for run in runs for stage in run.stages))
    print(f"\nseconds per stage:\n{'stage':<16}" + "".join(f"{r.name:>10}" for r in runs[1:]))
    for stage in stages:
        row = "".join(f"{run.stages.get(stage, 0.0):>10.2f}" for run in runs[1:])
        print(f"{stage:<16}{row}")
    print(f"\n{'goal':<28}{'measured':>10}  {'target':<28}result")
    for label, value, target, met in goals:
        print(f"{label:<28}{value:>10.3f}  {target:<28}{'met' if met else 'MISSED'}")

    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    results = {
        "machine": machine,
        "load_average_15min": os.getloadavg()[2],
        "date": time.strftime("%Y-%m-%d"),
        "book_words": options.book_words,
        "jobs": options.jobs,
        "runs": [asdict(run) | {"real_time_factor": run.real_time_factor} for run in runs],
        "goals": [
            {"goal": label, "measured": value, "target": target, "met": met}
            for label, value, target, met in goals
        ],
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"\nwrote {options.out} ({machine})")


if __name__ == "__main__":
    main()
