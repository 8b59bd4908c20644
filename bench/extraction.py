"""`make bench-extract`: how much of a real page's article essaycast narrates, and nothing else.

Scores what essaycast would narrate from each saved page (read_script, then narrate: the
headings and sentences the voice says, not the intro) against third-party ground truth,
and, in the same run on the same pages, bare trafilatura (``trafilatura.extract(html)``
with its defaults). The data sets are public and are read from outside the repository;
none of their pages is committed here:

  --aeb DIR          Zyte's article-extraction-benchmark: DIR/html/*.html.gz and
                     DIR/ground-truth.json (env ESSAYCAST_BENCH_AEB)
  --readability DIR  Readability.js's test pages: DIR/<case>/source.html and
                     expected.html (env ESSAYCAST_BENCH_READABILITY)

The score is the one the article-extraction benchmark publishes: the page's text and the
truth are cut into word tokens (``\\w+``), then into overlapping runs of four tokens; true
positives are the runs both hold (counted with multiplicity), false positives the runs only
the extraction holds, false negatives the runs only the truth holds; each page's three
counts are normalized to sum to 1, precision and recall are averaged over the pages, and F1
is the harmonic mean of the two averages. A page essaycast refuses (no article text) counts
as an empty extraction.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TOKEN = re.compile(r"\w+")
SHINGLE = 4


@dataclass(frozen=True)
class Case:
    name: str
    html: str
    truth: str


@dataclass(frozen=True)
class Counts:
    """One page's true positives, false positives and false negatives, summing to 1."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Runs of four word tokens; a text shorter than that is one run.

    >>> sorted(shingles("One two, three four five!"))
    [('One', 'two', 'three', 'four'), ('two', 'three', 'four', 'five')]
    """
    tokens = TOKEN.findall(text)
    runs = [tuple(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))]
    return Counter(run for run in runs if run)


def compare(truth: str, predicted: str) -> Counts:
    """
    >>> compare("a b c d e", "a b c d e")
    Counts(tp=1.0, fp=0.0, fn=0.0)
    >>> compare("a b c d e", "")
    Counts(tp=0.0, fp=0.0, fn=1.0)
    """
    want, got = shingles(truth), shingles(predicted)
    tp = float(sum((want & got).values()))
    fp = float(sum((got - want).values()))
    fn = float(sum((want - got).values()))
    total = tp + fp + fn
    return Counts(tp / total, fp / total, fn / total) if total else Counts(0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Score:
    f1: float
    precision: float
    recall: float


def score(counts: list[Counts]) -> Score:
    """Precision averaged over the pages where something was extracted, recall over the
    pages where something was expected, F1 the harmonic mean of the two averages."""
    precisions = [c.precision for c in counts if c.tp + c.fp > 0]
    recalls = [c.recall for c in counts if c.tp + c.fn > 0]
    precision = sum(precisions) / max(1, len(precisions))
    recall = sum(recalls) / max(1, len(recalls))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(f1, precision, recall)


def aeb_cases(root: Path) -> Iterator[Case]:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        data = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes())
        yield Case(key[:12], data.decode("utf-8", errors="replace"), truth[key]["articleBody"])


def readability_cases(root: Path) -> Iterator[Case]:
    import lxml.html

    for case in sorted(path for path in root.iterdir() if (path / "expected.html").is_file()):
        expected = (case / "expected.html").read_text(encoding="utf-8")
        truth = lxml.html.fromstring(expected).text_content() if expected.strip() else ""
        yield Case(case.name, (case / "source.html").read_text(encoding="utf-8"), truth)


def essaycast_text(html: str, folder: Path) -> str:
    """What essaycast narrates from the page: headings and sentences, not the intro."""
    from pipeline.core.errors import PipelineError
    from pipeline.core.model import Show
    from pipeline.reading.ingest import read_script
    from pipeline.reading.narrate import narrate

    page = folder / "page.html"
    page.write_text(html, encoding="utf-8")
    try:
        narration = narrate(read_script(page, Show()))
    except PipelineError:
        return ""
    return "\n".join(block.text for chapter in narration.chapters for block in chapter.blocks)


def rule_costs(cases: list[Case]) -> None:
    """What each of essaycast's cleaning rules drops from the pages it reads: lines that
    the ground truth holds (essay lost) and lines it does not (chrome rightly dropped)."""
    from pipeline.core.errors import PipelineError
    from pipeline.core.model import Show
    from pipeline.reading.ingest import read_script
    from pipeline.text.clean import clean

    lost: Counter[str] = Counter()
    right: Counter[str] = Counter()
    examples: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.html"
        for case in cases:
            page.write_text(case.html, encoding="utf-8")
            try:
                dropped = clean(read_script(page, Show())).dropped
            except PipelineError:
                continue
            truth = "".join(TOKEN.findall(case.truth)).casefold()
            for line in dropped:
                words = "".join(TOKEN.findall(line.text)).casefold()
                if words and words in truth:
                    lost[line.reason] += 1
                    examples.setdefault(line.reason, line.text[:70])
                else:
                    right[line.reason] += 1
    print(f"{'rule':70} {'essay lost':>10} {'chrome':>7}")
    for reason in sorted(set(lost) | set(right), key=lambda r: -lost[r]):
        print(f"{reason[:70]:70} {lost[reason]:10} {right[reason]:7}")
        if reason in examples:
            print(f"    e.g. {examples[reason]}")


def trafilatura_text(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def run(name: str, cases: list[Case], worst: int) -> dict[str, object]:
    ours: list[Counts] = []
    theirs: list[Counts] = []
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for case in cases:
            mine = compare(case.truth, essaycast_text(case.html, Path(folder)))
            bare = compare(case.truth, trafilatura_text(case.html))
            ours.append(mine)
            theirs.append(bare)
            rows.append((case.name, mine, bare))
    result = {"pages": len(cases)}
    print(f"\n{name}: {len(cases)} pages")
    print(f"{'':22} {'F1':>6} {'precision':>10} {'recall':>7}")
    for label, counts in (("essaycast", ours), ("bare trafilatura", theirs)):
        s = score(counts)
        result[label] = {"f1": s.f1, "precision": s.precision, "recall": s.recall}
        print(f"{label:22} {s.f1:6.3f} {s.precision:10.3f} {s.recall:7.3f}")
    if worst:
        print(f"worst {worst} pages for essaycast (recall, precision; bare trafilatura's):")
        rows.sort(key=lambda row: min(row[1].recall, row[1].precision))
        for page, mine, bare in rows[:worst]:
            print(
                f"  {page:24} R {mine.recall:.3f} P {mine.precision:.3f}   "
                f"(R {bare.recall:.3f} P {bare.precision:.3f})"
            )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeb", type=Path, default=os.environ.get("ESSAYCAST_BENCH_AEB"))
    parser.add_argument(
        "--readability", type=Path, default=os.environ.get("ESSAYCAST_BENCH_READABILITY")
    )
    parser.add_argument("--limit", type=int, default=0, help="score only the first N pages")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    parser.add_argument("--output", type=Path, help="write the scores as JSON")
    parser.add_argument(
        "--rules",
        action="store_true",
        help="instead: what each cleaning rule drops, right or wrong",
    )
    args = parser.parse_args()
    sets = []
    if args.aeb:
        sets.append(("article-extraction-benchmark", list(aeb_cases(args.aeb))))
    if args.readability:
        sets.append(("Readability.js test pages", list(readability_cases(args.readability))))
    if not sets:
        print(
            "bench/extraction.py: no data set given; pass --aeb DIR and/or --readability DIR "
            "(or set ESSAYCAST_BENCH_AEB / ESSAYCAST_BENCH_READABILITY); see docs/extraction.md",
            file=sys.stderr,
        )
        return 2
    if args.rules:
        for name, cases in sets:
            print(f"\n{name}")
            rule_costs(cases[: args.limit] if args.limit else cases)
        return 0
    results = {}
    for name, cases in sets:
        results[name] = run(name, cases[: args.limit] if args.limit else cases, args.worst)
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
