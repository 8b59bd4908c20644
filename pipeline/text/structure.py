"""Cleaned lines -> chapters of paragraphs: where the essay's sections begin.

Plain text: paragraphs are separated by blank lines (or by a dropped line); the lines of
one paragraph are joined, so hard-wrapped text reads as one paragraph. A text without any
blank line is read as one paragraph per line, the way many pages paste; so is a block of
three or more short lines without final punctuation (a list), whose items are never
headings, and so is each item of lines numbered from 1 up (a numbered list). A *heading* is a
short line (at most 12 words) without sentence-final punctuation, standing alone and
followed by a paragraph; it may also be the first line of a block when it is much shorter
than the lines after it. Text before the first heading is the chapter "Introduction",
whose heading is not spoken.

Markdown (CommonMark, parsed by markdown-it-py): every heading (#, ## and deeper) starts a
chapter; paragraphs, list items (task lists without their boxes), block quotes and a
definition list's terms and definitions become paragraphs, each with its Form (which list,
which item, which quote, what is emphasized) so pages and books can show them as the author
marked them up, and each heading keeps its level. A code block or a table is a paragraph the
transcript shows as written and the voice announces in one sentence (pipeline.text.listings).
Never read aloud: emphasis marks, link targets of any scheme (a reference link is read as its
text), footnote markers ``[^1]`` (footnotes are left out, and the cleaning report lists them),
HTML blocks, tags, comments and inline <script>/<style> elements (pipeline.text.markup),
template tags (pipeline.text.templates), images (their alt text is a caption, unless the front
matter lists it under ``keep``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from markdown_it.token import Token

from pipeline.core.model import Emphasis, Form
from pipeline.text.clean import SMALL_WORDS, Cleaned, Line, normalized
from pipeline.text.listings import code_note, table_note, table_text
from pipeline.text.markup import is_preformatted, parse, preformatted, without_hidden_elements
from pipeline.text.math import display_note, looks_like_tex

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
    forms: tuple[Form, ...] = ()  # one per paragraph, when any is more than a paragraph
    level: int = 1  # the heading's level: 1 for "#" (and plain text), 2 for "##"...
    # paragraphs the voice says otherwise than they are written (a code block, a table):
    # (index into paragraphs, what the listener hears instead)
    announced: tuple[tuple[int, str], ...] = ()

    def form(self, index: int) -> Form:
        return self.forms[index] if index < len(self.forms) else Form()


class Unit(NamedTuple):
    """One readable block: a "heading" or a "paragraph", its text, its form, its level, and
    what the voice says instead of the text (a code block's or a table's note), if anything."""

    kind: str
    text: str
    form: Form = Form()
    level: int = 1
    instead: str | None = None


# Emphasis marks inside a block's text while it is collapsed (private-use characters, which
# no essay holds), so their places survive; unmarked() takes them out.
EM_OPEN, EM_CLOSE, STRONG_OPEN, STRONG_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
EMPHASIS_TOKENS = {
    "em_open": EM_OPEN,
    "em_close": EM_CLOSE,
    "strong_open": STRONG_OPEN,
    "strong_close": STRONG_CLOSE,
}


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


# "1. ", "2) ", "12. ": a numbered list's item as plain text writes it.
NUMBERED_ITEM = re.compile(r"^\s*(\d{1,3})[.)]\s+(?=\S)")


def numbered_items(block: Sequence[str], first: int = 1) -> tuple[list[str], int] | None:
    """A block that is items of a numbered list ("1. ", "2) "), counting up by one from
    ``first`` (a list starts at 1; a block may go on one above): the items without their
    numbers (a page numbers them again, and the voice never says a list's marks, as in
    Markdown), and the number the next item would have. A line without a number goes on
    the item above it (a wrapped item).

    >>> numbered_items(["1. Gather the wood.", "2) Light it,", "   then wait.", "3. Eat."])
    (['Gather the wood.', 'Light it, then wait.', 'Eat.'], 4)
    >>> numbered_items(["2. Light it."], first=2), numbered_items(["3. Eat."], first=2)
    ((['Light it.'], 3), None)
    >>> numbered_items(["1. A cold year,", "it snowed."])  # one item, wrapped
    (['A cold year, it snowed.'], 2)
    >>> [numbered_items([line]) for line in ("4. A year.", "1984. A year.", "A 1. b")]
    [None, None, None]
    """
    items: list[str] = []
    expected = first
    for line in block:
        marker = NUMBERED_ITEM.match(line)
        if marker is None and items:
            items[-1] = f"{items[-1]} {line.strip()}"
            continue
        if marker is None or int(marker[1]) != expected:
            return None
        items.append(line[marker.end() :].strip())
        expected += 1
    return (items, expected) if items else None


def plain_units(lines: Sequence[Line]) -> list[tuple[str, bool, int, str]]:
    """Plain text -> its units in order: (text, whether it may be a heading, the number of
    the list it is an item of or 0, and that list's kind: "ul" or "ol").

    A numbered list is two or more items counting up by one, in one block or a block an
    item (its items apart, blank lines between).

    >>> [u[2:] + (u[0],) for u in plain_units([Line(n, t) for n, t in enumerate(
    ...     ["Do this:", "", "1. Gather the wood.", "", "2. Light it.", "", "Done."], 1)])]
    [(0, '', 'Do this:'), (2, 'ol', 'Gather the wood.'), (2, 'ol', 'Light it.'), (0, '', 'Done.')]
    """
    texts = [line.text for line in lines if line.text.strip()]
    if len(texts) == len(trim_blank(lines)):  # no blank line at all: a paragraph a line
        blocks = [[text] for text in texts]
        loose = True
    else:
        blocks, loose = text_blocks(lines), False
    units: list[tuple[str, bool, int, str]] = []
    numbered: tuple[int, int] | None = None  # the numbered list open: its number, its next item
    for number, block in enumerate(blocks, 1):
        following = numbered_items(block, first=numbered[1]) if numbered else None
        if following is not None and numbered is not None:
            units += [(collapse(item), False, numbered[0], "ol") for item in following[0]]
            numbered = (numbered[0], following[1])
            continue
        starting = numbered_items(block)
        if starting is not None and (
            len(starting[0]) > 1 or _numbered_next(blocks, number, starting[1])
        ):
            units += [(collapse(item), False, number, "ol") for item in starting[0]]
            numbered = (number, starting[1])
            continue
        numbered = None
        if loose:
            units.append((collapse(block[0]), True, 0, ""))
            continue
        if is_list(block):
            units += [(collapse(item), False, number, "ul") for item in block]  # never headings
            continue
        first, rest = block[0], block[1:]
        if (
            rest
            and is_heading_like(first)
            and len(first.strip()) <= HEADING_IN_BLOCK_RATIO * max(len(r.strip()) for r in rest)
        ):
            units.append((collapse(first), True, 0, ""))
            block = rest
        units.append((collapse(" ".join(block)), True, 0, ""))
    return units


def _numbered_next(blocks: Sequence[Sequence[str]], number: int, expected: int) -> bool:
    """Whether the block after block ``number`` (counted from 1) goes on a numbered list at
    item ``expected``: a single numbered item is a list only with a next one."""
    return number < len(blocks) and numbered_items(blocks[number], first=expected) is not None


def plain_sections(lines: Sequence[Line]) -> list[Section]:
    """
    >>> text = ["Intro text here.", "", "A Heading", "", "Body text.", "", "Short end"]
    >>> for s in plain_sections([Line(n, t) for n, t in enumerate(text, 1)]):
    ...     print(s.title, s.heading, s.paragraphs, s.forms)
    Introduction None ('Intro text here.',) ()
    A Heading A Heading ('Body text.', 'Short end') ()
    """
    units = plain_units(lines)
    kinds = [
        "heading"
        if may_be_heading
        and is_heading_like(unit)
        and index + 1 < len(units)
        and not is_heading_like(units[index + 1][0])
        else "paragraph"
        for index, (unit, may_be_heading, _, _) in enumerate(units)
    ]
    return sections_of(
        Unit(kind, text, Form(list_kind, item_list, next_item) if item_list else Form())  # type: ignore[arg-type]
        for kind, (text, _, item_list, list_kind), next_item in zip(
            kinds, units, itertools.count(len(units) + 1), strict=False
        )
    )


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
    """Units -> sections; each heading starts one."""
    sections: list[Section] = []
    title, heading, level = INTRODUCTION, None, 1
    paragraphs: list[str] = []
    forms: list[Form] = []
    announced: list[tuple[int, str]] = []

    def close() -> None:
        if paragraphs or heading:
            shown = tuple(forms) if any(f != Form() for f in forms) else ()
            sections.append(
                Section(title, heading, tuple(paragraphs), shown, level, tuple(announced))
            )

    for unit in units:
        # what the voice says of a code block is its note; the code itself is shown whole
        text = unit.text if unit.instead is not None else without_script_urls(unit.text)
        if not text:
            continue
        if unit.kind == "heading":
            close()
            title, heading, level = text, text, unit.level
            paragraphs, forms, announced = [], [], []
        else:
            if unit.instead is not None:
                announced.append((len(paragraphs), unit.instead))
            paragraphs.append(text)
            forms.append(unit.form)
    close()
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


# A code span that is a formula between dollars, shown as written: `$ \frac{1}{2} $`.
SHOWN_MATH = re.compile(r"\$\$?\s*(\S(?:.*\S)?)\s*\$?\$", re.DOTALL)


def inline_formula(content: str, markup: str) -> str:
    """A formula between dollars as the text keeps it: ``$…$`` for the voice to read (see
    pipeline.text.math); dollars with spaces inside and nothing of TeX between them are
    money the parser took for a formula, given back as written.

    >>> inline_formula(" x^2 ", "$"), inline_formula("10, not ", "$")
    ('$x^2$', '$10, not $')
    """
    if content != content.strip() and not looks_like_tex(content):
        return f"{markup}{content}{markup}"
    return f"${content.strip()}$"


def inline_text(children: Sequence[Token], keep: frozenset[str]) -> str:
    """The words of one inline token: text and code spans; kept image alt texts; emphasis
    marked with EM_OPEN... (see unmarked)."""
    parts: list[str] = []
    for child in without_hidden_elements(children):
        if child.type == "code_inline" and (shown := SHOWN_MATH.fullmatch(child.content)):
            parts.append(f"${shown[1]}$")  # `$x^2$`: how to write a formula, read as one
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("math_inline", "math_inline_double"):  # read by pipeline.text.math
            parts.append(inline_formula(child.content, child.markup))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image" and normalized(child.content) in keep:
            parts.append(child.content)
        elif child.type in EMPHASIS_TOKENS:
            parts.append(EMPHASIS_TOKENS[child.type])
    return collapse("".join(parts))


def unmarked(marked: str) -> tuple[str, tuple[Emphasis, ...]]:
    """A text without its emphasis marks, and where they were (empty emphasis dropped).

    >>> unmarked("a \ue000b \ue002c\ue003\ue001 d\ue002\ue003")
    ('a b c d', (Emphasis(start=4, end=5, strong=True), Emphasis(start=2, end=5, strong=False)))
    """
    text: list[str] = []
    at = 0
    open_em: list[int] = []
    open_strong: list[int] = []
    found: list[Emphasis] = []
    for ch in marked:
        if ch in (EM_OPEN, STRONG_OPEN):
            (open_em if ch == EM_OPEN else open_strong).append(at)
        elif ch in (EM_CLOSE, STRONG_CLOSE):
            opened = open_em if ch == EM_CLOSE else open_strong
            start = opened.pop() if opened else at
            if at > start:
                found.append(Emphasis(start, at, strong=ch == STRONG_CLOSE))
        else:
            text.append(ch)
            at += 1
    plain = "".join(text)
    if plain != plain.strip():  # a mark beside a space at either end: collapse again
        lead = len(plain) - len(plain.lstrip())
        plain = plain.strip()
        found = [
            Emphasis(max(0, e.start - lead), min(len(plain), e.end - lead), e.strong)
            for e in found
            if min(len(plain), e.end - lead) > max(0, e.start - lead)
        ]
    return plain, tuple(found)


def markdown_units(source: str, keep: frozenset[str]) -> Iterator[Unit]:
    """Every readable block of a Markdown text, with the lists and quotes it is in: headings,
    paragraphs, list items, a definition list's terms; code blocks and tables as text the
    transcript shows and a note the voice says (pipeline.text.listings)."""
    tokens = parse(source)
    table: list[list[str]] | None = None
    numbers = itertools.count(1)
    lists: list[tuple[str, int]] = []  # the lists, items and quotes open here, innermost last
    items: list[int] = []
    quotes: list[int] = []
    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("fence", "code_block") and token.content.strip():
            code = collapse(token.content)
            yield Unit("paragraph", code, instead=code_note(token.info, token.content))
        elif is_preformatted(token) and (pre := preformatted(token.content))[0].strip():
            yield Unit("paragraph", collapse(pre[0]), instead=code_note(pre[1], pre[0]))
        elif kind in ("math_block", "math_block_label") and token.content.strip():
            formula = collapse(f"$$ {token.content} $$")
            yield Unit("paragraph", formula, instead=display_note(token.content))
        elif kind == "table_open":
            table = []
        elif kind == "tr_open" and table is not None:
            table.append([])
        elif kind == "table_close":
            if table:
                yield Unit("paragraph", table_text(table), instead=table_note(table))
            table = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(("ul" if kind == "bullet_list_open" else "ol", next(numbers)))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            items.append(next(numbers))
        elif kind == "list_item_close":
            items.pop()
        elif kind == "blockquote_open":
            quotes.append(next(numbers))
        elif kind == "blockquote_close":
            quotes.pop()
        if kind != "inline" or index == 0:
            continue
        opener = tokens[index - 1]
        text, emphasis = unmarked(inline_text(token.children or [], keep))
        if table and opener.type in ("th_open", "td_open"):
            table[-1].append(text)
        elif text and opener.type == "heading_open":
            yield Unit("heading", text, level=int(opener.tag[1:]))
        elif text and opener.type in ("paragraph_open", "dt_open"):
            list_kind, list_id = lists[-1] if lists else (None, 0)
            form = Form(
                "ul" if list_kind == "ul" else "ol" if list_kind == "ol" else None,
                list_id,
                items[-1] if items else 0,
                quotes[0] if quotes else 0,
                emphasis,
            )
            yield Unit("paragraph", text, form)


def markdown_sections(lines: Sequence[Line], keep: frozenset[str]) -> list[Section]:
    """
    >>> md = ["Hi *there* [x](http://a.b).", "", "## Part [^1]", "", "- one", "- two", "",
    ...       "> quoted"]
    >>> for s in markdown_sections([Line(n, t) for n, t in enumerate(md, 1)], frozenset()):
    ...     print(s.title, s.heading, s.level, s.paragraphs)
    ...     for form in s.forms:
    ...         print("   ", form.list_kind, form.list_id, form.item_id, form.quote_id,
    ...               form.emphasis)
    Introduction None 1 ('Hi there x.',)
        None 0 0 0 (Emphasis(start=3, end=8, strong=False),)
    Part Part 2 ('one', 'two', 'quoted')
        ul 1 2 0 ()
        ul 1 3 0 ()
        None 0 0 4 ()
    >>> md = ["- [x] one", "", "```sh", "ls", "```", "", "[a]: http://a.b"]
    >>> for s in markdown_sections([Line(n, t) for n, t in enumerate(md, 1)], frozenset()):
    ...     print(s.paragraphs, s.announced)
    ('one', 'ls') ((1, 'Here the text shows a shell code example, 1 line long; the transcript \
has it.'),)
    """
    return sections_of(markdown_units(markdown_source(lines), keep))


def structure(cleaned: Cleaned) -> list[Section]:
    """Cleaned body -> its chapters, Markdown or plain text."""
    if cleaned.is_markdown:
        return markdown_sections(cleaned.lines, frozenset(cleaned.keep))
    return plain_sections(cleaned.lines)
