"""Script -> Narration: clean, structure, segment, normalize. What the listener will hear.

Each utterance keeps the author's text (for transcripts) beside its spoken form (for the
voice). The cleaning report says which lines were not read, and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pipeline.core.errors import ScriptError
from pipeline.core.model import (
    PLAIN,
    Block,
    BlockKind,
    Chapter,
    DroppedLine,
    Emphasis,
    Form,
    Narration,
    Script,
    Sentence,
    Utterance,
)
from pipeline.reading.script import HTML_SUFFIXES
from pipeline.text.chrome import BLOCK_KINDS
from pipeline.text.clean import clean
from pipeline.text.markup import MAX_NESTING, nesting_depth, quote_depth
from pipeline.text.normalize import speakable
from pipeline.text.readings import without_pictographs
from pipeline.text.segment import MAX_UTTERANCE_CHARS, split_sentences, split_utterances
from pipeline.text.structure import collapse, structure


def spoken_block(
    kind: BlockKind,
    text: str,
    language: str,
    *,
    max_chars: int = MAX_UTTERANCE_CHARS,
    form: Form = PLAIN,
) -> Block:
    """One block of text as sentences of utterances (the build uses it for intro and outro).

    >>> block = spoken_block("intro", "Essaycast.  Episode 1: Walls.", "en")
    >>> [(u.text, u.spoken) for s in block.sentences for u in s.utterances]
    [('Essaycast.', 'Essaycast.'), ('Episode 1: Walls.', 'Episode one: Walls.')]
    """
    sentences = tuple(
        Sentence(
            sentence,
            tuple(
                # a piece without words ("—") may normalize to nothing: keep it as written,
                # but never an emoji or a stray symbol, which the voice would name
                Utterance(piece, speakable(piece, language) or without_pictographs(piece))
                for piece in split_utterances(sentence, max_chars)
            ),
        )
        for sentence in split_sentences(collapse(text))
    )
    if form.emphasis:
        form = dataclasses.replace(form, emphasis=moved_emphasis(text, sentences, form.emphasis))
    return Block(kind, sentences, form)


def moved_emphasis(
    text: str, sentences: Sequence[Sentence], emphasis: Sequence[Emphasis]
) -> tuple[Emphasis, ...]:
    """Emphasis in ``text`` moved onto the block's text (its sentences joined by a space) and
    cut at sentence ends, so each piece lies inside one sentence.

    >>> s = [Sentence("A b.", ()), Sentence("C d.", ())]
    >>> moved_emphasis("A b.  C d.", s, [Emphasis(2, 9)])  # "b.  C d" -> "b." and "C d"
    (Emphasis(start=2, end=4, strong=False), Emphasis(start=5, end=8, strong=False))
    """
    spans = []  # (where the sentence is in text, where it is in the block's text)
    at = block_at = 0
    for sentence in sentences:
        found = text.find(sentence.text, at)
        if found < 0:
            return ()  # the sentence is not the text as written: show no emphasis, not a wrong one
        spans.append((found, block_at, len(sentence.text)))
        at, block_at = found + len(sentence.text), block_at + len(sentence.text) + 1
    moved = []
    for mark in emphasis:
        for found, block_at, length in spans:
            start, end = max(mark.start, found), min(mark.end, found + length)
            if end > start:
                moved.append(
                    Emphasis(start - found + block_at, end - found + block_at, mark.strong)
                )
    return tuple(moved)


def announced_block(text: str, note: str, language: str) -> Block:
    """A code block or a table: the transcript shows ``text``, the voice says ``note``.

    >>> block = announced_block("x = 1", "Here the text shows a code example.", "en")
    >>> [(u.text, u.spoken) for s in block.sentences for u in s.utterances]
    [('x = 1', 'Here the text shows a code example.')]
    """
    return Block("paragraph", (Sentence(text, (Utterance(text, speakable(note, language)),)),))


def narrate(script: Script, *, max_chars: int = MAX_UTTERANCE_CHARS) -> Narration:
    """Everything the voice says from the script's body, in chapters.

    Raises ScriptError when cleaning and structure leave nothing to read.
    """
    cleaned = clean(script)
    if cleaned.is_markdown and quote_depth(script.body) > MAX_NESTING:
        too_deep(script, quote_depth(script.body))  # the parser would drop the words below
    language = script.meta.language
    chapters = []
    sections = structure(cleaned)
    top = min((s.level for s in sections if s.heading is not None), default=1)
    depth = 1
    prose = 0
    for section in sections:
        heading = () if section.heading is None else (section.heading,)
        blocks = [spoken_block("heading", text, language, max_chars=max_chars) for text in heading]
        announced = dict(section.announced)
        blocks += [
            announced_block(text, announced[index], language)
            if index in announced
            else spoken_block(
                "paragraph", text, language, max_chars=max_chars, form=section.form(index)
            )
            for index, text in enumerate(section.paragraphs)
        ]
        # never deeper than one below the chapter before: "#" then "###" is a heading and
        # its subheading, with no level skipped
        depth = min(depth + 1, max(1, section.level - top + 1)) if section.heading else 1
        chapters.append(Chapter(section.title, tuple(blocks), depth))
        prose += len(section.paragraphs) - len(announced) + len(heading)
    if not prose:  # nothing but code and tables: the notes alone are no episode
        lines = sum(1 for line in script.body.split("\n") if line.strip())
        dropped = len(cleaned.dropped)
        depth = nesting_depth(script.body)
        if depth > MAX_NESTING:  # the parser stops descending: the words below are lost
            too_deep(script, depth)
        why = (
            f"all {lines} lines were boilerplate"
            if dropped == lines
            else f"{dropped} of {lines} lines were boilerplate and the rest is not read "
            "aloud (code and tables are only announced; HTML, images)"
        )
        raise ScriptError(
            f"line {script.body_first_line}: nothing left to narrate after cleaning: {why}; "
            "list lines to read under 'keep:' in the front matter",
            script.meta.source,
        )
    return Narration(script.meta.title, tuple(chapters), cleaned.dropped)


def too_deep(script: Script, depth: int) -> None:
    raise ScriptError(
        f"line {script.body_first_line}: the text is nested too deeply ({depth} levels of "
        f"quotes or elements inside one another; at most {MAX_NESTING} are read), so words "
        "would be lost; flatten it, or paste the essay as plain text",
        script.meta.source,
    )


def dropped_entries(script: Script, dropped: Sequence[DroppedLine]) -> list[str]:
    """One line per dropped line, or per block of the page dropped whole.

    >>> import datetime as dt, pathlib
    >>> from pipeline.core.model import EpisodeMeta
    >>> meta = EpisodeMeta(pathlib.Path("x.txt"), "001-x", 1, "X", dt.date(2026, 1, 1), "S.")
    >>> script = Script(meta, "Essay.\\n\\n2 Comments\\nSam says:\\n\\nHi!\\nReply", False, 1)
    >>> for entry in dropped_entries(script, clean(script).dropped):
    ...     print(entry)
    lines 3-7: comment thread (4 lines): 2 Comments … Reply
    """
    filled = {
        script.body_first_line + index
        for index, text in enumerate(script.body.split("\n"))
        if text.strip()
    }
    groups: list[list[DroppedLine]] = []
    for line in dropped:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and line.reason == last.reason
            and line.reason in BLOCK_KINDS
            and not any(last.line_number < n < line.line_number for n in filled)
        ):
            groups[-1].append(line)
        else:
            groups.append([line])
    return [
        f"line {group[0].line_number}: {group[0].reason}: {group[0].text}"
        if len(group) == 1
        else f"lines {group[0].line_number}-{group[-1].line_number}: {group[0].reason} "
        f"({len(group)} lines): {shorten(group[0].text)} … {shorten(group[-1].text)}"
        for group in groups
    ]


def shorten(text: str, limit: int = 60) -> str:
    """
    >>> shorten("a b c d", 5)
    'a b…'
    """
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def cleaning_report(script: Script, narration: Narration) -> str:
    """The text of episodes/<slug>/cleaning-report.txt: every line not read, and why."""
    meta = script.meta
    body_lines = sum(1 for line in script.body.split("\n") if line.strip())
    blocks = [block for chapter in narration.chapters for block in chapter.blocks]
    report = [
        f"Cleaning report for {meta.source}",
        f"Episode {meta.number}: {meta.title}",
        "",
        f"{len(narration.dropped)} of {body_lines} non-blank lines were dropped "
        "(override with 'keep:' or 'drop:' in the front matter):",
        *dropped_entries(script, narration.dropped),
        "",
        f"Narrated: {len(narration.chapters)} chapters, {len(blocks)} blocks, "
        f"{sum(len(block.sentences) for block in blocks)} sentences.",
    ]
    cleaned = clean(script)
    if cleaned.is_markdown and quote_depth(script.body) > MAX_NESTING:
        too_deep(script, quote_depth(script.body))  # the parser would drop the words below
    if cleaned.hidden:
        report += ["", f"{len(cleaned.hidden)} inline HTML element(s) skipped within lines:"]
        report += [f"line {d.line_number}: {d.reason}: {d.text}" for d in cleaned.hidden]
    unmatched = cleaned.unmatched
    if unmatched:
        report += ["", "Front matter 'keep'/'drop' lines that match no line of the body:"]
        report += [f"  {line}" for line in unmatched]
    if script.meta.source.suffix.lower() in HTML_SUFFIXES:
        report += [
            "",
            "The essay was extracted from the page; line numbers are those of the extracted",
            "text, which 'essaycast add' writes out as a script you can read and edit.",
        ]
    if script.inferred:
        report += ["", "Not in the front matter, so inferred:"]
        report += [f"  {line}" for line in script.inferred]
    if script.warnings or script.notes:
        lines = (*script.warnings, *script.notes)
        report += ["", "Reading the file:", *(f"  {line}" for line in lines)]
    return "\n".join(report) + "\n"
