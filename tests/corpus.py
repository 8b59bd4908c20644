"""The corpus in tests/data/corpus/: pages as a producer saves or copies them, scored.

Each page is ``NAME.txt`` (text copied from a browser, chrome and all), ``NAME.md`` or
``NAME.html`` (a saved page), with two files beside it:

    NAME.essay.txt    the essay's own sentences, one a line, "# " before each of its
                      headings; written from the essay, never from our output. A plain-text
                      page's file starts with "title: ..." (the page's title, which the
                      episode's intro says), since a copied page has no front matter.
    NAME.golden.txt   what is narrated: "# Chapter" lines, then the chapter's sentences as
                      the transcript shows them (the author's text, one a line)

A plain-text page without front matter is narrated from a Script built here, with the
title from its essay file, so that the rules under test are cleaning, structure and speech,
not how a title is guessed. Everything else goes through read_script.

Recall is the share of the essay's sentences and headings that are narrated; precision the
share of narrated sentences and headings that are the essay's. Run this file to print both
for every page: ``python tests/corpus.py`` (or ``make corpus``).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.model import EpisodeMeta, Narration, Script, Show
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import narrate
from pipeline.reading.script import decode

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
PAGE_SUFFIXES = (".txt", ".md", ".markdown", ".mdx", ".html")
SIDE_FILES = (".essay", ".golden")


def pages() -> list[Path]:
    """Every page of the corpus: a NAME.(txt|md|html) with a NAME.essay.txt beside it."""
    return sorted(
        path
        for path in CORPUS.iterdir()
        if path.suffix in PAGE_SUFFIXES
        and not path.stem.endswith(SIDE_FILES)
        and (CORPUS / f"{path.stem}.essay.txt").is_file()
    )


@dataclass(frozen=True)
class Essay:
    title: str | None
    sentences: tuple[str, ...]
    headings: tuple[str, ...]


def flat(text: str) -> str:
    return " ".join(text.split())


def read_essay(page: Path) -> Essay:
    text = (CORPUS / f"{page.stem}.essay.txt").read_text(encoding="utf-8")
    lines = [flat(line) for line in text.split("\n")]
    title = lines[0].removeprefix("title: ") if lines and lines[0].startswith("title: ") else None
    body = [line for line in lines[1 if title else 0 :] if line]
    return Essay(
        title,
        tuple(line for line in body if not line.startswith("# ")),
        tuple(line.removeprefix("# ") for line in body if line.startswith("# ")),
    )


def script_for(page: Path) -> Script:
    """The page as a Script: read_script for HTML and front matter, else built here."""
    title = read_essay(page).title
    data = page.read_bytes()
    if page.suffix == ".html" or title is None or data.startswith(b"---"):
        return read_script(page, Show())
    text, warnings = decode(data, page)
    meta = EpisodeMeta(
        source=page,
        slug=page.stem,
        number=1,
        title=title,
        date=dt.date(2024, 1, 1),
        summary="A page of the corpus.",
    )
    return Script(meta, text, page.suffix == ".md", 1, warnings)


def golden_lines(narration: Narration) -> list[str]:
    """The narration as golden files hold it: "# Chapter" lines, then one sentence a line."""
    lines: list[str] = []
    for chapter in narration.chapters:
        lines.append(f"# {chapter.title}")
        lines += [
            flat(sentence.text)
            for block in chapter.blocks
            if block.kind != "heading"
            for sentence in block.sentences
        ]
    return lines


@dataclass(frozen=True)
class Score:
    """One page: the essay's sentences and headings against what is narrated."""

    page: str
    essay: int  # the essay's sentences and headings
    lost: tuple[str, ...]  # of those, not narrated
    narrated: int  # sentences and headings narrated
    extra: tuple[str, ...]  # of those, not the essay's

    @property
    def found(self) -> int:
        return self.essay - len(self.lost)

    @property
    def belonging(self) -> int:
        return self.narrated - len(self.extra)


def score(page: Path, narration: Narration) -> Score:
    essay = read_essay(page)
    said = [
        flat(sentence.text)
        for chapter in narration.chapters
        for block in chapter.blocks
        if block.kind == "paragraph"
        for sentence in block.sentences
    ]
    headings = [
        flat(block.text)
        for chapter in narration.chapters
        for block in chapter.blocks
        if block.kind == "heading"
    ]
    said_text, essay_text = " ".join(said), " ".join(essay.sentences)
    lost = [line for line in essay.sentences if line not in said_text]
    lost += [f"# {line}" for line in essay.headings if line not in headings]
    extra = [sentence for sentence in said if sentence not in essay_text]
    extra += [f"# {line}" for line in headings if line not in essay.headings]
    return Score(
        page.name,
        len(essay.sentences) + len(essay.headings),
        tuple(lost),
        len(said) + len(headings),
        tuple(extra),
    )


@dataclass(frozen=True)
class Totals:
    pages: int
    essay: int
    found: int
    narrated: int
    belonging: int

    @property
    def recall(self) -> float:
        return self.found / self.essay if self.essay else 1.0

    @property
    def precision(self) -> float:
        return self.belonging / self.narrated if self.narrated else 1.0

    def line(self) -> str:
        return (
            f"corpus: {self.pages} pages; recall {self.recall:.1%} ({self.found} of "
            f"{self.essay} essay sentences and headings narrated); precision "
            f"{self.precision:.1%} ({self.belonging} of {self.narrated} narrated are the essay's)"
        )


def totals(scores: list[Score]) -> Totals:
    return Totals(
        len(scores),
        sum(s.essay for s in scores),
        sum(s.found for s in scores),
        sum(s.narrated for s in scores),
        sum(s.belonging for s in scores),
    )


def metadata(script: Script) -> list[str]:
    """What the episode credits, and where each field came from (the page, a byline, …)."""
    meta = script.meta
    found = [f"title {meta.title!r}, author {meta.author!r}, date {meta.date}"]
    if meta.keywords:
        found.append(f"keywords {', '.join(meta.keywords)}")
    return found + [
        line for line in script.inferred if line.startswith(("title:", "author:", "date:"))
    ]


def report(scores: list[Score], scripts: dict[str, Script] | None = None) -> str:
    """A table of every page, the metadata found, what it lost and what it read that is
    not the essay's."""
    rows = [f"{'page':44} {'recall':>8} {'precision':>10}"]
    for s in scores:
        recall = s.found / s.essay if s.essay else 1.0
        precision = s.belonging / s.narrated if s.narrated else 1.0
        rows.append(f"{s.page:44} {recall:8.1%} {precision:10.1%}")
        if scripts and s.page in scripts:
            rows += [f"    {line}" for line in metadata(scripts[s.page])]
        rows += [f"    lost: {line}" for line in s.lost]
        rows += [f"    read, not the essay's: {line}" for line in s.extra]
    return "\n".join([*rows, totals(scores).line()])


def main() -> int:
    scripts = {page.name: script_for(page) for page in pages()}
    scores = [score(page, narrate(scripts[page.name])) for page in pages()]
    print(report(scores, scripts))
    result = totals(scores)
    return 0 if result.recall == 1.0 and result.precision >= 0.98 else 1


if __name__ == "__main__":
    sys.exit(main())
