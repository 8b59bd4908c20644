"""``essaycast add FILE...``: import a saved page or a pasted text as scripts/NNN-slug.md.

The new script holds, for the producer to review and edit, the front matter a build would
have inferred (title, author, date, summary, number, source, language) and the essay as
readable Markdown: the same chapters and paragraphs a build of the original file narrates,
with the page's chrome, bylines and captions already left out. Building it makes the same
episode as building the original would.

A file that is already in scripts/ is moved to scripts/.originals/ once its script is
written, so that the two do not build as two episodes. A page or text whose essay a script
in scripts/ holds already (the same canonical URL, or the same text: pipeline.reading.identity)
is not added again; the line names that script.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from pipeline.core import atomic
from pipeline.core.errors import ScriptError
from pipeline.core.model import Script, Show
from pipeline.reading.html_input import escape
from pipeline.reading.identity import Index, identity
from pipeline.reading.ingest import read_script
from pipeline.reading.records import Records
from pipeline.reading.script import find_scripts
from pipeline.text.clean import TITLE_REASON, clean
from pipeline.text.structure import Section, structure

ORIGINALS = ".originals"


def markdown_body(sections: Sequence[Section]) -> str:
    """Chapters and paragraphs as Markdown: "## " before each spoken heading.

    >>> print(markdown_body([Section("Introduction", None, ("Hi *you*.",)),
    ...                      Section("Part", "Part", ("1. Text.",))]), end="")
    Hi \\*you\\*.
    <BLANKLINE>
    ## Part
    <BLANKLINE>
    1\\. Text.
    """
    blocks: list[str] = []
    for section in sections:
        if section.heading is not None:
            blocks.append("## " + escape(section.heading))
        announced = dict(section.announced)
        blocks += [
            fenced(paragraph) if index in announced else escape(paragraph)
            for index, paragraph in enumerate(section.paragraphs)
        ]
    return "\n\n".join(blocks) + "\n"


def fenced(text: str) -> str:
    """A code block or a table, kept as code so that it is still announced, not read.

    >>> print(fenced("x = `1`"))
    ```
    x = `1`
    ```
    """
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def front_matter(script: Script, show: Show) -> dict[str, Any]:
    """Every field worth reviewing, in the order a producer reads them."""
    meta = script.meta
    fields: dict[str, Any] = {
        "title": meta.title,
        "author": meta.author,
        "date": meta.date,
        "summary": meta.summary,
        "number": meta.number,
        "source": meta.source_url,
        "language": meta.language if meta.language != show.language else None,
        "explicit": meta.explicit if meta.explicit != show.explicit else None,
        "episode_type": meta.episode_type if meta.episode_type != "full" else None,
        "engine": meta.engine,
        "voice": meta.voice,
        "guid": meta.guid,
        "keep": list(meta.keep_lines) or None,
        "drop": list(meta.drop_lines) or None,
    }
    return {key: value for key, value in fields.items() if value is not None}


def script_text(script: Script, show: Show, origin: str | None = None) -> str:
    """The whole text of the new script: front matter, then the essay as Markdown."""
    fields = front_matter(script, show)
    yaml_text = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=100)
    body = markdown_body(structure(clean(script)))
    origin = origin or script.meta.source.name
    note = f"# imported from {origin} by essaycast add: review, then build\n"
    return f"---\n{note}{yaml_text}---\n{body}"


def index_folder(folder: Path, show: Show, skip: Iterable[Path] = ()) -> Index:
    """Which script holds which essay, in ``folder`` (a script that cannot be read is left
    out: the build reports it)."""
    skipped = {path.resolve() for path in skip}
    index = Index()
    for path in find_scripts(folder):
        if path.resolve() in skipped:
            continue
        try:
            index.add(identity(read_script(path, show)), path)
        except ScriptError:
            continue
    return index


def add(
    sources: Sequence[Path], scripts: Path, show: Show, say: Callable[[str], None]
) -> tuple[list[Path], list[ScriptError]]:
    """Write scripts/NNN-slug.md for each source: (paths written, errors). A source that
    cannot be read is an error and gets nothing written; the others are still added."""
    written, failed = [], []
    for source in sources:
        try:
            path = add_one(source, scripts, show, say)
        except ScriptError as error:
            failed.append(error)
            continue
        if path is not None:
            written.append(path)
    return written, failed


def add_one(source: Path, scripts: Path, show: Show, say: Callable[[str], None]) -> Path | None:
    """Write the script for one source: its path, or None when a script holds its essay
    already. ScriptError if it cannot be read or narrated."""
    from pipeline.reading.narrate import narrate

    if not source.is_file():
        raise ScriptError("no such file; give the path of a saved page or text", source)
    records = Records.load(scripts, persistent=False)
    script = read_script(source, show, records)
    narrate(script)  # refuses a page with nothing to narrate, before anything is written
    held = index_folder(scripts, show, skip=[source]).holder(identity(script))
    if held is not None:
        say(f"{source}: already in {held[0]} ({held[1]}); nothing written, no second episode")
        return None
    target = scripts / f"{script.meta.slug}.md"
    if target.exists() and target.resolve() != source.resolve():
        raise ScriptError(f"{target} already exists; rename or remove it first", source)
    atomic.write_text(target, script_text(script, show))
    if script.extracted:
        # The text rules for written scripts would drop some of the article's lines
        # (a list of dates, a repeated line, a "Response" heading): list them under 'keep'.
        again = clean(read_script(target, show, records))
        lines = [line.text for line in again.dropped if line.reason != TITLE_REASON]
        if lines:
            keep = [*script.meta.keep_lines, *dict.fromkeys(lines)]
            meta = dataclasses.replace(script.meta, keep_lines=tuple(keep))
            atomic.write_text(target, script_text(dataclasses.replace(script, meta=meta), show))
    say(f"{source} -> {target}")
    for line in script.inferred:
        say(f"  inferred {line}")
    if source.resolve().parent == scripts.resolve() and target.resolve() != source.resolve():
        kept = scripts / ORIGINALS / source.name
        kept.parent.mkdir(exist_ok=True)
        shutil.move(source, kept)
        say(f"  moved the original to {kept}, so it does not build twice")
    return target
