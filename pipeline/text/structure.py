"""Cleaned lines -> chapters of paragraphs: where the essay's sections begin.

Plain text: paragraphs are separated by blank lines (or by a dropped line); the lines of
one paragraph are joined, so hard-wrapped text reads as one paragraph. A text without any
blank line is read as one paragraph per line, the way many pages paste; so is a block of
three or more short lines without final punctuation (a list), whose items are never
headings. A *heading* is a
short line (at most 12 words) without sentence-final punctuation, standing alone and
followed by a paragraph; it may also be the first line of a block when it is much shorter
than the lines after it. Text before the first heading is the chapter "Introduction",
whose heading is not spoken.

Markdown (CommonMark, parsed by markdown-it-py): every heading (#, ## and deeper) starts a
chapter; paragraphs, list items (task lists without their boxes), block quotes and a
definition list's terms and definitions become paragraphs. A code block or a table is a
paragraph the transcript shows as written and the voice announces in one sentence
(pipeline.text.listings). Never read aloud: emphasis marks, link targets of any scheme
(a reference link is read as its text), footnote markers ``[^1]`` (footnotes are left out,
and the cleaning report lists them), HTML blocks, tags, comments and inline
<script>/<style> elements (pipeline.text.markup), template tags (pipeline.text.templates),
images (their alt text is a caption, unless the front matter lists it under ``keep``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from pipeline.text.clean import SMALL_WORDS, Cleaned, Line, normalized
from pipeline.text.listings import code_note, table_note, table_text
from pipeline.text.markup import parse, without_hidden_elements

INTRODUCTION = "Introduction"
HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 150
HEADING_IN_BLOCK_RATIO = 0.6  # a first line this much shorter than the rest is a heading
LIST_MIN_ITEMS = 3
LIST_ITEM_MAX_WORDS = 8
SENTENCE_END = ".!?…,;:"
CLOSING_MARKS = "\"'”’»)]*_"
FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\]\s]+\](?!:)")


@dataclass(frozen=True)
class Section:
    """One chapter: its title, the heading spoken at its start (or None), its paragraphs."""

    title: str
    heading: str | None
    paragraphs: tuple[str, ...]  # whitespace collapsed to single spaces
    # paragraphs the voice says otherwise than they are written (a code block, a table):
    # (index into paragraphs, what the listener hears instead)
    announced: tuple[tuple[int, str], ...] = ()


Unit = tuple[str, str, str | None]  # ("heading" | "paragraph", text, what is said instead)


def collapse(text: str) -> str:
    """
    >>> collapse("  two\\n lines\\u00a0here ")
    'two lines here'
    """
    return " ".join(text.split())


def is_heading_like(line: str) -> bool:
    """Short, and no sentence-final punctuation; or a short question in Title Case.

    >>> is_heading_like("The Roots of Stoicism: Masculinity’s Historical Burden")
    True
    >>> is_heading_like("1. Start small"), is_heading_like("What Counts as a Quiet Hobby?")
    (True, True)
    >>> is_heading_like("This is a sentence."), is_heading_like("Why men hide?")
    (False, False)
    """
    line = line.strip()
    if not line or len(line) > HEADING_MAX_CHARS or not any(c.isalnum() for c in line):
        return False
    words = line.split()
    if len(words) > HEADING_MAX_WORDS:
        return False
    end = line.rstrip(CLOSING_MARKS)[-1:]
    return end not in SENTENCE_END or (end == "?" and is_title_case_question(words))


QUESTION_HEADING_MIN_WORDS = 3  # "Why?" alone is a rhetorical paragraph, not a heading


def is_title_case_question(words: list[str]) -> bool:
    """A question written as a title: every word but the small ones capitalized.

    >>> is_title_case_question("Is It Worth It?".split()), is_title_case_question(["Why?"])
    (True, False)
    >>> is_title_case_question("What do you do all day?".split())
    False
    """
    significant = [word for word in words if word.casefold().strip("?") not in SMALL_WORDS]
    return (
        len(words) >= QUESTION_HEADING_MIN_WORDS
        and bool(significant)
        and all(not word[0].isalpha() or word[0].isupper() for word in significant)
    )


def text_blocks(lines: Sequence[Line]) -> list[list[str]]:
    """Runs of adjacent non-blank lines; a blank line or a dropped line ends a run."""
    blocks: list[list[str]] = []
    previous = None
    for line in lines:
        if not line.text.strip():
            previous = None
            continue
        if previous is not None and line.number == previous + 1:
            blocks[-1].append(line.text)
        else:
            blocks.append([line.text])
        previous = line.number
    return blocks


def trim_blank(lines: Sequence[Line]) -> Sequence[Line]:
    """``lines`` without the blank lines at either end."""
    filled = [index for index, line in enumerate(lines) if line.text.strip()]
    return lines[filled[0] : filled[-1] + 1] if filled else ()


def is_list(block: Sequence[str]) -> bool:
    """Three or more short lines without final punctuation: a list, one item a line.

    >>> is_list(["A torch", "A map", "A spare pair of socks"]), is_list(["Heading", "Text"])
    (True, False)
    """
    return len(block) >= LIST_MIN_ITEMS and all(
        is_heading_like(line) and len(line.split()) <= LIST_ITEM_MAX_WORDS for line in block
    )


def plain_units(lines: Sequence[Line]) -> list[tuple[str, bool]]:
    """Plain text -> its units in order: (text, whether it may be a heading)."""
    texts = [line.text for line in lines if line.text.strip()]
    if len(texts) == len(trim_blank(lines)):  # no blank line at all: a paragraph a line
        return [(collapse(text), True) for text in texts]
    blocks = text_blocks(lines)
    units: list[tuple[str, bool]] = []
    for block in blocks:
        if is_list(block):
            units += [(collapse(item), False) for item in block]  # items, never headings
            continue
        first, rest = block[0], block[1:]
        if (
            rest
            and is_heading_like(first)
            and len(first.strip()) <= HEADING_IN_BLOCK_RATIO * max(len(r.strip()) for r in rest)
        ):
            units.append((collapse(first), True))
            block = rest
        units.append((collapse(" ".join(block)), True))
    return units


def plain_sections(lines: Sequence[Line]) -> list[Section]:
    """
    >>> text = ["Intro text here.", "", "A Heading", "", "Body text.", "", "Short end"]
    >>> for s in plain_sections([Line(n, t) for n, t in enumerate(text, 1)]):
    ...     print(s.title, s.heading, s.paragraphs)
    Introduction None ('Intro text here.',)
    A Heading A Heading ('Body text.', 'Short end')
    """
    units = plain_units(lines)
    kinds = [
        "heading"
        if may_be_heading
        and is_heading_like(unit)
        and index + 1 < len(units)
        and not is_heading_like(units[index + 1][0])
        else "paragraph"
        for index, (unit, may_be_heading) in enumerate(units)
    ]
    return sections_of((kind, unit, None) for kind, (unit, _) in zip(kinds, units, strict=True))


SCRIPT_URL = re.compile(
    r"(?<![\w/])(?:(?:java|vb|live)script:(?=\S)|data:[a-z]+/[\w.+-]+[;,])\S*", re.IGNORECASE
)


def without_script_urls(text: str) -> str:
    """Text without script URLs: a link's target shown as its text (an autolink
    ``<javascript:...>``, a page's "javascript:void(0)") is code, never words to say.

    >>> without_script_urls("Click javascript:void(0) here, or JavaScript:alert('x')")
    'Click here, or'
    >>> without_script_urls("Data: the new oil. See data:text/html;base64,PGI+ now.")
    'Data: the new oil. See now.'
    >>> without_script_urls("JavaScript: The Good Parts")  # a word and a colon: prose
    'JavaScript: The Good Parts'
    """
    return collapse(SCRIPT_URL.sub("", text)) if SCRIPT_URL.search(text) else text


def sections_of(units: Iterable[Unit]) -> list[Section]:
    """("heading" | "paragraph", text, said instead) units -> sections; each heading
    starts one."""
    sections: list[Section] = []
    title, heading, paragraphs = INTRODUCTION, None, list[str]()
    announced: list[tuple[int, str]] = []
    for kind, text, instead in units:
        text = without_script_urls(text)
        if not text:
            continue
        if kind == "heading":
            if paragraphs or heading:
                sections.append(Section(title, heading, tuple(paragraphs), tuple(announced)))
            title, heading, paragraphs, announced = text, text, [], []
        else:
            if instead is not None:
                announced.append((len(paragraphs), instead))
            paragraphs.append(text)
    if paragraphs or heading:
        sections.append(Section(title, heading, tuple(paragraphs), tuple(announced)))
    return sections


def markdown_source(lines: Sequence[Line]) -> str:
    """Kept lines back to Markdown text; a dropped line becomes a blank line."""
    out: list[str] = []
    previous = None
    for line in lines:
        if previous is not None and line.number != previous + 1:
            out.append("")
        out.append(line.text)
        previous = line.number
    return FOOTNOTE_REFERENCE.sub("", "\n".join(out))


def inline_text(children: Sequence[Token], keep: frozenset[str]) -> str:
    """The words of one inline token: text and code spans; kept image alt texts."""
    parts: list[str] = []
    for child in without_hidden_elements(children):
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image" and normalized(child.content) in keep:
            parts.append(child.content)
    return collapse("".join(parts))


def markdown_units(source: str, keep: frozenset[str]) -> Iterator[Unit]:
    """Yield a unit for every readable block of a Markdown text: headings, paragraphs,
    list items, a definition list's terms; code blocks and tables as text the transcript
    shows and a note the voice says (pipeline.text.listings)."""
    tokens = parse(source)
    table: list[list[str]] | None = None
    for index, token in enumerate(tokens):
        if token.type in ("fence", "code_block") and token.content.strip():
            code = collapse(token.content)
            yield "paragraph", code, code_note(token.info, token.content)
        elif token.type == "table_open":
            table = []
        elif token.type == "tr_open" and table is not None:
            table.append([])
        elif token.type == "table_close" and table:
            yield "paragraph", table_text(table), table_note(table)
            table = None
        if token.type != "inline" or index == 0:
            continue
        opener = tokens[index - 1].type
        text = inline_text(token.children or [], keep)
        if table is not None and table and opener in ("th_open", "td_open"):
            table[-1].append(text)
        elif text and opener == "heading_open":
            yield "heading", text, None
        elif text and opener in ("paragraph_open", "dt_open"):
            yield "paragraph", text, None


def markdown_sections(lines: Sequence[Line], keep: frozenset[str]) -> list[Section]:
    """
    >>> md = ["Hi *there* [x][a].", "", "## Part [^1]", "", "- [x] one", "- two", "",
    ...       "```sh", "ls", "```", "", "[a]: http://a.b"]
    >>> for s in markdown_sections([Line(n, t) for n, t in enumerate(md, 1)], frozenset()):
    ...     print(s.title, s.heading, s.paragraphs, s.announced)
    Introduction None ('Hi there x.',) ()
    Part Part ('one', 'two', 'ls') ((2, 'Here the text shows a shell code example, 1 line long; \
the transcript has it.'),)
    """
    return sections_of(markdown_units(markdown_source(lines), keep))


def structure(cleaned: Cleaned) -> list[Section]:
    """Cleaned body -> its chapters, Markdown or plain text."""
    if cleaned.is_markdown:
        return markdown_sections(cleaned.lines, frozenset(cleaned.keep))
    return plain_sections(cleaned.lines)
