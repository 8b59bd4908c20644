"""`make bench`: how much the pipeline costs beyond speech synthesis itself.

Everything is measured in this one run, on this machine, side by side:

1. baseline   bare Piper (its Python API, same voice, default settings, one process)
              synthesizing the text the seed episode narrates into one WAV file
   and the floor: its CPU time plus one LAME and one AAC encode of its audio, over its own
2. cold       a full build of the seed episode with an empty cache
3. no-op      the same build again, nothing changed
4. metadata   the show's description and the episode's summary changed: tags, pages, feed
5. edit       one sentence edited, rebuilt (and how many utterances were re-synthesized)
6. book       a generated script of about --book-words words, built cold (0: skipped), and
              bare Piper on its text (with its floor)

Before any run, the voice's optimized copy is made (or found) once for the machine, as a
machine's first build leaves it for every later project (see prepare_voice), and the
pipeline's bytecode is compiled, as installing it does.

Runs 1 to 5 are made --rounds times (5 unless told), each round in a fresh project, bare
Piper right beside the cold build (after it in odd rounds, before it in even ones); each goal
is judged on the median of the rounds (a ratio: of each round's own pair). On a shared
machine one run can take a tenth longer than the next for reasons of the machine's own, and
the machine can slow or speed up over minutes; a median of five pairs, made in both orders,
is moved by neither.

`--catalogue N` measures something else instead: N short essays built locally and on a Dask
cluster (see bench/catalogue.py).

Each runs in its own process; peak memory is the largest total resident set of that
process and its children, sampled every 50 ms. Prints a table of ratios and their goals,
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
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median
from typing import Any

import catalogue
from measure import BASELINE_CODE, PYTHON, REPO, SEED, Run, build, measure, new_project


def spoken_text(project: Path) -> str:
    """What the seed episode's voice says, intro and outro included, from the build."""
    manifest = json.loads(next((project / "episodes").glob("*/.build.json")).read_text())
    return "\n".join(manifest["utterances"].values())


def book_script(words: int, seed: int = 7) -> str:
    """A long, varied script: sentences drawn from the seed essay's vocabulary, every one
    different (so the cache cannot help), in chapters (headings) of about 400 words."""
    vocabulary = sorted(set(re.findall(r"[a-z]+", SEED.read_text(encoding="utf-8").lower())))
    rng = random.Random(seed)
    lines = ["---", "title: The Long Book", "date: 2026-11-20", "summary: A benchmark.", "---", ""]
    written, chapter = 0, 0
    while written < words:
        chapter += 1
        lines += [f"## Chapter {chapter} of the Long Book", ""]
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


def build_record(project: Path) -> dict[str, Any]:
    """The build record (.build.json) of the project's one episode."""
    data: dict[str, Any] = json.loads(
        next((project / "episodes").glob("*/.build.json")).read_text()
    )
    return data


def chapter_encodes(project: Path) -> set[str]:
    """The keys of the chapter encodes the seed's MP3 is joined from (its build record)."""
    return {segment["key"] for segment in build_record(project)["segments"]}


def reencoded(record: dict[str, Any]) -> int:
    """How many chapter encodes were a second try or later: made again when the
    chapter missed the target on its first figure (pipeline/audio/streaming.py)."""
    return int(record.get("encodes", {}).get("reencoded", 0))


def bare_piper(name: str, spoken: str, work: Path) -> tuple[Run, float]:
    """Bare Piper on ``spoken`` (the text an episode speaks), and the floor of a build of
    it: that CPU time plus one LAME and one AAC encode of the same audio (the encoders the
    build runs, at its settings), over Piper's own, timed in this run."""
    stem = name.replace(" ", "-").replace("#", "")
    text, wav = work / f"{stem}.txt", work / f"{stem}.wav"
    text.write_text(spoken, encoding="utf-8")
    run = measure(name, [PYTHON, "-c", BASELINE_CODE, str(text), str(wav)])
    import wave

    from pipeline.audio.aac import aac_rate

    with wave.open(str(wav)) as opened:
        run.audio_seconds = opened.getnframes() / opened.getframerate()
        book_rate = aac_rate(opened.getframerate())  # the talking book's, for this voice
    encodes = [
        measure(f"{name} {codec}", [ffmpeg(), "-v", "error", "-y", "-i", str(wav), *args, str(work / f"{stem}.{codec}")])
        for codec, args in (
            ("mp3", ["-ar", "44100", "-c:a", "libmp3lame", "-b:a", "96k"]),
            ("m4a", ["-ar", str(book_rate), "-c:a", "aac", "-aac_coder", "fast", "-b:a", "96k"]),
        )
    ]  # fmt: skip
    floor = (run.cpu_seconds + sum(encode.cpu_seconds for encode in encodes)) / run.cpu_seconds
    return run, floor


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def compile_bytecode() -> None:
    """Time the builds as an installed essaycast runs: with its bytecode compiled, as pip
    compiles a package it installs. An editable install is compiled on first run, unless
    PYTHONDONTWRITEBYTECODE is set; then every build would compile the pipeline again
    (0.15-0.2 s of a no-op build here), a cost no installed copy pays."""
    import compileall

    compileall.compile_dir(REPO / "pipeline", quiet=1)


@dataclass
class SeedRound:
    """One round of the seed's runs, each in its own fresh project, and what they did."""

    baseline: Run
    floor: float
    cold: Run
    cold_record: dict[str, Any]
    noop: Run
    metadata: Run
    metadata_encodes: int
    edit: Run
    edit_limit: int
    chapters_redone: int

    @property
    def runs(self) -> list[Run]:
        return [self.baseline, self.cold, self.noop, self.metadata, self.edit]


def seed_round(
    work: Path, number: int, rounds: int, jobs: tuple[str, ...], spoken: str | None
) -> tuple[SeedRound, str]:
    """A cold build of the seed and bare Piper on its text, one right after the other (a
    ratio of two runs made minutes apart on a shared machine would measure the machine),
    then a no-op, a metadata-only change and a one-sentence edit. Given the text the seed
    speaks (every round's is the same), an even round runs bare Piper first: a machine that
    slows or speeds up over the rounds then favours neither side of the ratio."""
    seed = new_project(work / "seed", SEED.name, SEED.read_text(encoding="utf-8"))
    label = f" #{number}" if rounds > 1 else ""
    bare_first = spoken is not None and number % 2 == 0
    baseline_note = "  baseline: bare Piper on the same text, then one LAME and one AAC encode…"
    if bare_first and spoken is not None:
        print(f"round {number} of {rounds}:\n{baseline_note}", flush=True)
        baseline, floor = bare_piper(f"baseline{label}", spoken, work)
        print("  cold build of the seed episode…", flush=True)
    else:
        print(f"round {number} of {rounds}: cold build of the seed episode…", flush=True)
    cold = build(f"cold{label}", seed, jobs)
    cold_record = build_record(seed)
    spoken = spoken_text(seed)
    if not bare_first:
        print(baseline_note, flush=True)
        baseline, floor = bare_piper(f"baseline{label}", spoken, work)
    print("  no-op rebuild, metadata-only change, one-sentence edit…", flush=True)
    noop = build(f"no-op{label}", seed, jobs)
    change_metadata(seed)
    before = build_record(seed)
    metadata = build(f"metadata{label}", seed, jobs)
    metadata_encodes = len(chapter_encodes(seed) - {s["key"] for s in before["segments"]})
    chapters_before = chapter_encodes(seed)
    edit_one_paragraph(next((seed / "scripts").iterdir()))
    edit = build(f"edit{label}", seed, jobs)
    chapters_redone = len(chapter_encodes(seed) - chapters_before)
    return SeedRound(
        baseline, floor, cold, cold_record, noop, metadata, metadata_encodes, edit,
        paragraph_utterances(seed), chapters_redone,
    ), spoken  # fmt: skip


PREPARE_VOICE = """
import sys
from pathlib import Path
from pipeline.speech.engines import VoiceChoice, load_engine
load_engine(VoiceChoice("piper", "en_US-joe-medium", "en", Path(sys.argv[1])))._load()
"""


def prepare_voice(work: Path) -> None:
    """Time the cold builds as on a machine that has built before: the voice's seeded,
    optimized copy is made once a machine and shared by its projects (about 1.5 s, paid by
    the machine's first build only; pipeline/speech/engines/piper.py)."""
    import subprocess

    subprocess.run([PYTHON, "-c", PREPARE_VOICE, str(work / "voices")], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book-words", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--rounds", type=int, default=5,
        help="times the seed's runs are repeated; each figure is their median (default 5)",
    )  # fmt: skip
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
    rounds: list[SeedRound] = []
    with tempfile.TemporaryDirectory(prefix="essaycast-bench-") as tmp:
        work = Path(tmp)
        prepare_voice(work)
        spoken: str | None = None
        for number in range(1, options.rounds + 1):
            done, spoken = seed_round(work / f"round{number}", number, options.rounds, jobs, spoken)
            rounds.append(done)
        book = book_baseline = book_floor = None
        if options.book_words:
            print(f"book scale: {options.book_words:,} words, cold…", flush=True)
            text = book_script(options.book_words)
            book_project = new_project(work / "book", "001-book.md", text)
            book = build("book", book_project, jobs)
            book_record = build_record(book_project)
            print("book baseline: bare Piper on the book's text…", flush=True)
            book_baseline, book_floor = bare_piper("book base", spoken_text(book_project), work)

    # Each figure is the median of the rounds' (a ratio: of each round's own pair, measured
    # minutes apart), so that one run slowed by the machine's other work moves nothing.
    cold_ratio = median(r.cold.seconds / r.baseline.seconds for r in rounds)
    floor = median(r.floor for r in rounds)
    edit_ratio = median(r.edit.seconds / r.cold.seconds for r in rounds)
    noop_s = median(r.noop.seconds for r in rounds)
    metadata_s = median(r.metadata.seconds for r in rounds)
    reencodes = max(reencoded(r.cold_record) for r in rounds)
    chapters = len(rounds[0].cold_record["segments"])
    metadata_synth = max(r.metadata.synthesized for r in rounds)
    metadata_encodes = max(r.metadata_encodes for r in rounds)
    edit_synth = [r.edit.synthesized for r in rounds]
    edit_limit = rounds[0].edit_limit
    chapters_redone = [r.chapters_redone for r in rounds]
    goals = [
        ("cold build ÷ baseline", cold_ratio, f"≤ 1.15 (floor {floor:.3f})", cold_ratio <= 1.15),
        ("cold: chapters re-encoded", reencodes, f"of {chapters} chapters", True),
        ("no-op rebuild (s)", noop_s, "≤ 0.4", noop_s <= 0.4),
        ("metadata-only change (s)", metadata_s, "≤ 1.0", metadata_s <= 1.0),
        ("metadata: utterances redone", metadata_synth, "0", metadata_synth == 0),
        ("metadata: chapters encoded", metadata_encodes, "0", metadata_encodes == 0),
        ("edit ÷ cold build", edit_ratio, "≤ 0.15", edit_ratio <= 0.15),
        ("edit: utterances redone", max(edit_synth), f"≤ {edit_limit} (the sentence's)", all(0 < n <= edit_limit for n in edit_synth)),
        ("edit: chapters encoded", max(chapters_redone), "1 (the sentence's)", set(chapters_redone) == {1}),
    ]  # fmt: skip
    runs = [run for r in rounds for run in r.runs]
    if book and book_baseline and book_floor:
        cold_mb = median(r.cold.peak_rss_mb for r in rounds)
        runs += [book_baseline, book]
        goals += [
            ("book cold ÷ its baseline", book.seconds / book_baseline.seconds, f"≤ 1.15 (floor {book_floor:.3f})", book.seconds <= 1.15 * book_baseline.seconds),
            ("book: chapters re-encoded", reencoded(book_record), f"of {len(book_record['segments'])} chapters", True),
            ("book peak memory ÷ seed's", book.peak_rss_mb / cold_mb, "≤ 1.5", book.peak_rss_mb <= 1.5 * cold_mb),
        ]  # fmt: skip

    print()
    print(
        f"{'run':<14}{'seconds':>10}{'CPU s':>9}{'audio s':>10}{'RTF':>8}{'peak MB':>10}{'synth':>7}"
    )
    for run in runs:
        print(
            f"{run.name:<14}{run.seconds:>10.2f}{run.cpu_seconds:>9.2f}{run.audio_seconds:>10.1f}"
            f"{run.real_time_factor:>8.3f}{run.peak_rss_mb:>10.0f}{run.synthesized:>7}"
        )
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.1f} (1 min), {load[2]:.1f} (15 min)")
    built = [run for run in runs if run.stages]
    stages = list(dict.fromkeys(stage for run in built for stage in run.stages))
    print(f"\nseconds per stage:\n{'stage':<16}" + "".join(f"{r.name:>14}" for r in built))
    for stage in stages:
        row = "".join(f"{run.stages.get(stage, 0.0):>14.2f}" for run in built)
        print(f"{stage:<16}{row}")
    print(f"\n{'goal':<28}{'measured':>10}  {'target':<28}result  (median of {len(rounds)} rounds)")
    for label, value, target, met in goals:
        print(f"{label:<28}{value:>10.3f}  {target:<28}{'met' if met else 'MISSED'}")
    print(
        f"(floor: bare Piper's CPU time plus one LAME and one AAC encode, over Piper's; {os.cpu_count()} cores)"
    )

    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    results = {
        "machine": machine,
        "load_average_15min": os.getloadavg()[2],
        "date": time.strftime("%Y-%m-%d"),
        "book_words": options.book_words,
        "jobs": options.jobs,
        "rounds": options.rounds,
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
