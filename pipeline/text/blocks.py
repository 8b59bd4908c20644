"""Drop a scraped page's chrome a block at a time: its header, its tail, boxes in between.

Line rules (pipeline/text/clean.py) see one line. Much of a page's chrome is a run of lines that
only make sense together: a comment thread ("3 thoughts on …", then "Sam says: March 4,
2024 at 8:12 am", "Loved this!", "Reply"), an author bio, a list of related posts. Its lines
are ordinary sentences one by one; what gives them away is the line that opens the block
(pipeline/text/chrome.py's BLOCK_OPENERS) and the chrome around them. Three rules:

* **The tail.** The essay ends where the page's tail begins: at the first block opener
  after which every line is accounted for by a block: chrome lines (chrome.CHROME_LINES),
  short lines (link titles, names), and only as much prose as the block's kind allows
  (comments in a thread that shows its "Reply"/date lines, two lines of a newsletter box
  with an e-mail field, three lines of an author bio, an excerpt right under each related
  title, citations under "References"). If one line of prose is not accounted for, that
  opener was part of the essay and the next one is tried. The chrome just before the tail
  (or at the very end of a page that has no opener), with the short lines between chrome
  lines, joins it; so does an author's bio that nothing opens ("… covers climate for the
  Courier. Follow her on X @dana_ortiz.") when it is the last line before the tail.
* **Boxes.** A share bar, a table of contents or a related-posts box in the middle of the
  page: an opener followed by short lines and chrome only, up to (not including) a short line
  that a paragraph follows, which is the essay's next heading.
* **The header.** Before the essay's first paragraph, when that stretch holds any chrome (a
  byline, a date, "Follow", "5 min read"), every short line but the one right before the
  paragraph (the essay's first heading) is the site's name, menu or byline. A subtitle
  (prose) stays; after it only chrome and the short lines stuck to it go.

Each dropped line gets its block's kind as its reason, so the report can print a block as
one range: ``lines 36-52: comment thread``. Lines an earlier rule already dropped keep their
reason (and with it their own entry in the report) unless they sit inside a block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.text.chrome import (
    AUTHOR_BIO,
    COMMENT_FORM,
    COMMENT_THREAD,
    CONTENTS,
    COOKIES,
    FOOTER,
    HEADER,
    NEWSLETTER,
    REFERENCES,
    RELATED,
    SHARE,
    block_opener,
    chrome_line,
    is_bio_line,
)

SHORT_MAX_WORDS = 12
SENTENCE_END = ".!?…,;:"
CLOSING = "\"'”’»)]*_"
# How many lines of prose a block of each kind may hold; None: any number.
PROSE_ALLOWED: dict[str, int | None] = {
    COMMENT_THREAD: None,  # but only with comment chrome ("Reply", a date) in the block
    COMMENT_FORM: 0,
    AUTHOR_BIO: 3,
    RELATED: None,  # but at most one excerpt per title, right under it
    NEWSLETTER: 2,  # but only beside an e-mail field ("Type your email…")
    SHARE: 0,
    FOOTER: 0,
    REFERENCES: None,  # but only citations
    CONTENTS: 0,
    COOKIES: 0,
}
BOX_KINDS = frozenset((SHARE, CONTENTS, RELATED, NEWSLETTER))
# A block that holds prose must show the chrome that proves its kind.
EVIDENCE = {
    COMMENT_THREAD: frozenset(("comment", "comment author", "date")),
    NEWSLETTER: frozenset(("newsletter",)),
}
# A line of a reference list: a wiki's "^ Smith, J. (2010)", a numbered note, a URL; a
# mere year is not enough (an essay's own section called "Notes" has years in it).
CITATION = re.compile(
    r"\(\d{4}[a-z]?\)|\b(?:Retrieved|ISBN|doi|pp?\.|Vol\.|Archived)(?:\b|\s)|https?://|"
    r"^\^|^↑|^\[\d+\]|^\d+\.\s"
)
CAPTION_REASON = "image caption"  # how clean.py's caption reasons begin
# clean.py's reasons that show a page around the essay: boilerplate, the title repeated
PAGE_SIGNS = ("web page boilerplate", "same as the episode title", "repeated at the top")
MAX_HEADER_LINES = 40
BODY_MIN_WORDS = 16  # a subtitle is shorter than this; a first paragraph rarely is


def is_short(text: str) -> bool:
    """A title, a name, a menu item: few words and no sentence punctuation at the end.

    >>> is_short("10 Houseplants That Forgive Neglect"), is_short("What Counts as a Hobby?")
    (True, False)
    """
    words = text.split()
    return 0 < len(words) <= SHORT_MAX_WORDS and text.rstrip(CLOSING)[-1:] not in SENTENCE_END


def block_reasons(texts: Sequence[str], dropped: dict[int, str]) -> dict[int, str]:
    """index -> block kind for every line of ``texts`` (stripped plain lines, "" when blank)
    that belongs to the page's header, tail or a box; ``dropped`` holds the line rules'
    reasons and is not changed."""
    lines = Lines(texts, dropped)
    found: dict[int, str] = {}
    boxes, first = lines.boxes(), lines.first_prose()
    found.update(boxes)
    for index, kind in lines.header().items():  # a box at the top is part of the header
        if index not in boxes or first is None or index < first:
            found[index] = kind
    found.update(lines.tail())
    return found


class Lines:
    """The non-blank lines of a body, with what each one is."""

    def __init__(self, texts: Sequence[str], dropped: dict[int, str]) -> None:
        self.texts = texts
        self.dropped = dropped
        self.filled = [index for index, text in enumerate(texts) if text]
        # each line is looked up many times: match the tables once
        self.chromes = [chrome_line(text) if text else None for text in texts]
        self.sure_chromes = [  # chrome wherever it stands, not only around the essay
            chrome_line(text, anywhere=True) if chrome else None
            for text, chrome in zip(texts, self.chromes, strict=True)
        ]
        self.openers = [block_opener(text) if text else None for text in texts]

    def chrome(self, index: int) -> str | None:
        return self.chromes[index]

    def opener(self, index: int) -> str | None:
        return self.openers[index]

    def is_prose(self, index: int) -> bool:
        return not (
            index in self.dropped
            or self.chrome(index)
            or self.opener(index)
            or is_short(self.texts[index])
        )

    def first_prose(self) -> int | None:
        return next((index for index in self.filled if self.is_prose(index)), None)

    # --- the header ---------------------------------------------------------------------

    def header(self) -> dict[int, str]:
        start = self.body_start()
        if start is None:
            start = len(self.texts)  # no paragraph at all: a page of chrome, or no essay
        head = [index for index in self.filled if index < start][:MAX_HEADER_LINES]
        if not self.shows_chrome(head):
            return {}  # no sign of a web page: the lines are the essay's own
        heading = self.heading_before(head)
        first = self.first_prose()
        return {
            index: HEADER
            for index in head
            if index != heading
            and (index not in self.dropped or self.is_boilerplate(index))
            and (first is None or index < first or self.is_byline(index))
        }

    def body_start(self) -> int | None:
        """The essay's first paragraph: the first line of prose that is long, or that more
        prose follows; a subtitle under the title is prose too, but a byline follows it."""
        for position, index in enumerate(self.filled):
            if not self.is_prose(index):
                continue
            following = next(
                (
                    self.filled[later]
                    for later in range(position + 1, len(self.filled))
                    if self.filled[later] not in self.dropped
                ),
                None,
            )
            if len(self.texts[index].split()) >= BODY_MIN_WORDS or (
                following is not None and self.is_prose(following)
            ):
                return index
        return None

    def is_byline(self, index: int) -> bool:
        """Between a subtitle and the body, only chrome goes, and the short lines stuck to
        it ("Tomás Reyes" above "Nov 18, 2023"): never an essay's own list."""
        if self.chrome(index) or self.is_boilerplate(index):
            return True
        neighbours = (index - 1, index + 1)
        return is_short(self.texts[index]) and any(
            0 <= other < len(self.texts)
            and self.texts[other]
            and (self.chrome(other) or self.is_boilerplate(other))
            for other in neighbours
        )

    def shows_chrome(self, head: list[int]) -> bool:
        """A line that is chrome anywhere (or the page's title), or two that are chrome
        around an essay ("Notes" alone may be the essay's heading; "Follow" beside "12" is
        a platform's)."""
        sure = sum(
            bool(self.sure_chromes[i]) or self.dropped.get(i, "").startswith(PAGE_SIGNS)
            for i in head
        )
        return sure >= 1 or sum(bool(self.chrome(i)) for i in head) >= 2

    def is_boilerplate(self, index: int) -> bool:
        return self.dropped.get(index, "").startswith("web page boilerplate")

    def heading_before(self, head: list[int]) -> int | None:
        """The essay's first heading: the last header line, captions aside, when it is a
        short line that is not chrome."""
        for index in reversed(head):
            if self.dropped.get(index, "").startswith(CAPTION_REASON):
                continue
            if (
                index in self.dropped
                or self.chrome(index)
                or not is_short(self.texts[index])
                or self.is_byline(index)  # "Hana Ito" under "March 28, 2024"
            ):
                return None
            return index
        return None

    # --- boxes between paragraphs -------------------------------------------------------

    def boxes(self) -> dict[int, str]:
        found: dict[int, str] = {}
        for position, index in enumerate(self.filled):
            kind = self.opener(index)
            if kind not in BOX_KINDS or index in found:
                continue
            members = self.box_members(position)
            if members:  # an opener alone may be the essay's heading ("More")
                found.update(dict.fromkeys([index, *members], kind))
        return found

    def box_members(self, position: int) -> list[int]:
        """The short and chrome lines after the opener at ``filled[position]``."""
        members: list[int] = []
        rest = self.filled[position + 1 :]
        for offset, index in enumerate(rest):
            following = rest[offset + 1] if offset + 1 < len(rest) else None
            is_title = (
                is_short(self.texts[index])
                and not self.opener(index)
                and not (following is not None and self.is_prose(following))  # a heading
            )
            if not (self.chrome(index) or index in self.dropped or is_title):
                break
            members.append(index)
        return members

    # --- the tail -----------------------------------------------------------------------

    def tail(self) -> dict[int, str]:
        start = self.first_prose()
        if start is None:
            return {}
        found: dict[int, str] = {}
        for position, index in enumerate(self.filled):
            if self.opener(index):  # even before the first prose: a page of only chrome
                found = self.tail_from(position) or {}
                if found:
                    break
        return self.with_bio_before(self.with_chrome_before(found, start), start)

    def with_bio_before(self, found: dict[int, str], start: int) -> dict[int, str]:
        """An author's bio that nothing opens, as the essay's last line before the tail."""
        last = max(
            (i for i in self.filled if i > start and i not in found and i not in self.dropped),
            default=None,
        )
        if (
            last is not None
            and all(i in found for i in self.filled if i > last)
            and is_bio_line(self.texts[last])
        ):
            found[last] = AUTHOR_BIO
        return found

    def tail_from(self, position: int) -> dict[int, str] | None:
        """Every line from ``filled[position]`` to the end as a block, or None when a line
        of prose is left that no block accounts for."""
        found: dict[int, str] = {}
        kind = ""
        prose = titles = evidence = 0
        for index in self.filled[position:]:
            opened = self.opener(index)
            if opened:
                if not self.block_holds(kind, prose, evidence):
                    return None
                kind, prose, titles, evidence = opened, 0, 0, 0
            elif (chrome := self.chrome(index)) or index in self.dropped:
                evidence += chrome in EVIDENCE.get(kind, ())
            elif is_short(self.texts[index]):
                titles += 1
            else:
                prose += 1
                allowed = PROSE_ALLOWED.get(kind, 0)
                if kind == RELATED:  # an excerpt sits right under its title, no blank line
                    allowed = titles if self.texts[index - 1] else 0
                elif kind == REFERENCES and not CITATION.search(self.texts[index]):
                    return None
                if allowed is not None and prose > allowed:
                    return None
            found[index] = kind
        return found if self.block_holds(kind, prose, evidence) else None

    @staticmethod
    def block_holds(kind: str, prose: int, evidence: int) -> bool:
        """Prose in a comment thread or a newsletter box counts as theirs only beside the
        chrome that proves it ("Reply", a date; an e-mail field)."""
        return not (kind in EVIDENCE and prose and not evidence)

    def with_chrome_before(self, found: dict[int, str], start: int) -> dict[int, str]:
        """The tail (or, without one, the end of the page) grown backwards over the chrome
        lines just before it, and the short lines between them ("126 notes", "Reblog")."""
        end = min(found, default=len(self.texts))
        kind = found.get(end, FOOTER)
        run: list[int] = []
        for index in reversed([i for i in self.filled if start < i < end]):
            is_title = is_short(self.texts[index]) and index not in self.dropped
            if not (self.chrome(index) or self.is_boilerplate(index) or is_title):
                break
            run.append(index)
        while run and not (self.chrome(run[-1]) or self.is_boilerplate(run[-1])):
            run.pop()  # the run begins at chrome, not at the essay's last short line
        return found | dict.fromkeys(run, kind)
