"""What front matter would say, read off the essay itself when the producer did not write it.

Each field comes from the first source that has it (``Inferred.origin`` says which):

    title    front matter, the page's title (<title>/og:title/<h1>, minus " | Site Name"),
             in copied text the Title Case line above the first paragraph (past the byline)
             or the title line the copy repeats at its top, the first heading, the file name
    author   front matter, the page's author (meta author, byline), a "By X"/"Written by X"/
             "<date> by X" line, a name alone beside the date at the top
    date     front matter, the page's publication date, a byline date, the first build's date
    summary  front matter, the page's description, the essay's opening sentences
    source   front matter, the page's canonical URL

These are pure text functions; recording what must stay stable (first-build date, number,
slug) is pipeline.reading.records' job.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DATE_FORMS = (
    re.compile(rf"\b{MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{MONTH},?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
)
NAME = r"(?P<name>[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|der|da|di|le|la)){0,4})"
BYLINE = re.compile(
    rf"^(?i:by|written by|words by|author\s*:|posted by)\s+{NAME}"
    r"\s*(?:$|[|·•,—–-]|\s+on\b|\s+\d|\s+(?i:published|updated|posted|in)\b)"
)
DATED_BYLINE = re.compile(rf"\b(?i:by)\s+{NAME}\s*$")
SITE_SEPARATORS = (" | ", " – ", " — ", " - ", " · ", " :: ", " » ")
BYLINE_MAX_CHARS = 100
NOT_IN_NAMES = frozenset(("the", "a", "an", "of", "and", "in", "on", "for", "to", "with", "why"))
TOP_LINES = 25  # a byline sits among the first lines of a scraped page, under its menus
TITLE_SEARCH_LINES = 30
TITLE_MAX_WORDS = 14
PARAGRAPH_MIN_WORDS = 6
PARAGRAPH_LOOKAHEAD = 3
PARAGRAPH_SEARCH_LINES = 200
BYLINE_GAP = 3  # lines between the parts of one byline (name, date, reading time)
NAME_REACH = 4  # Medium: name, "Follow", "6 min read", "·", date
SUMMARY_MAX_CHARS = 300


@dataclass(frozen=True)
class Inferred:
    """One field that front matter did not give, the value found, and where it came from."""

    key: str  # front matter key: title, author, date, summary, number, source
    value: str
    origin: str  # "the page's <title>", "a 'By ...' line", "the first build (recorded)"...

    def line(self) -> str:
        """
        >>> Inferred("title", "Walls", "the page's title").line()
        "title: 'Walls' (from the page's title)"
        >>> Inferred("author", "", "no byline").line()
        'author: left out (no byline)'

        """
        if not self.value:  # left out for lack of evidence; ``origin`` says why
            return f"{self.key}: left out ({self.origin})"
        return f"{self.key}: {self.value!r} (from {self.origin})"


def strip_site_name(title: str, sitename: str | None) -> str:
    """A page title without its site-name suffix (or prefix).

    >>> strip_site_name("What Counts as a Quiet Hobby? – The Slow Room", "The Slow Room")
    'What Counts as a Quiet Hobby?'
    >>> strip_site_name("Paper Maps | Field Notes", None)
    'Paper Maps'
    >>> strip_site_name("Well - Being - Here", None)
    'Well - Being - Here'
    """
    title = " ".join(title.split())
    if sitename:
        site = re.escape(" ".join(sitename.split()))
        sep = "|".join(re.escape(s.strip()) for s in SITE_SEPARATORS)
        stripped = re.sub(rf"^(?:{site})\s*(?:{sep})\s*|\s*(?:{sep})\s*(?:{site})$", "", title)
        if stripped and stripped != title:
            return stripped
    for separator in SITE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        # one separator only, and a short tail: "Title | Site"
        if found and separator not in head and len(tail.split()) <= 4 and head:
            return head
    return title


def byline_author(line: str) -> str | None:
    """The name in a byline.

    >>> byline_author("By Priya Natarajan | March 2, 2024")
    'Priya Natarajan'
    >>> byline_author("Written by Tomás Okafor")
    'Tomás Okafor'
    >>> [byline_author(s) for s in ("By the time we left, it was dark.", "By Sunday, it was over.")]
    [None, None]
    """
    line = line.strip()
    if len(line) > BYLINE_MAX_CHARS or (line.endswith((".", "!", "?")) and len(line.split()) > 4):
        return None  # a sentence that happens to start with "By"
    match = BYLINE.match(line)
    return match["name"].strip() if match else None


def dated_byline_author(line: str) -> str | None:
    """The name in a dateline that ends "by Name", as WordPress themes print it.

    >>> dated_byline_author("Posted on March 2, 2024 by Priya Natarajan")
    'Priya Natarajan'
    >>> dated_byline_author("Stand by Me") is None
    True
    """
    match = DATED_BYLINE.search(line.strip())
    return match["name"] if match and len(line) <= BYLINE_MAX_CHARS and find_date(line) else None


def find_date(text: str) -> dt.date | None:
    """The first real date written in ``text``.

    >>> find_date("Priya Natarajan · Mar 2, 2024 · 6 min read")
    datetime.date(2024, 3, 2)
    >>> find_date("Published 14th February 2023"), find_date("on 2023-02-31 or never")
    (datetime.date(2023, 2, 14), None)
    """
    for form in DATE_FORMS:
        for match in form.finditer(text):
            month = match["month"]
            number = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
            try:
                return dt.date(int(match["year"]), number, int(match["day"]))
            except ValueError:
                continue
    return None


def slugify(title: str, empty: str = "episode") -> str:
    """The one way a name becomes a slug (a script's, the show book's): ASCII lower case
    and hyphens, accents dropped, at most 60 characters; ``empty`` when nothing is left.

    >>> slugify("What Counts as a Quiet Hobby?"), slugify("Café Society: Part 2")
    ('what-counts-as-a-quiet-hobby', 'cafe-society-part-2')
    >>> slugify("???"), slugify("???", empty="show")
    ('episode', 'show')
    """
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return words[:60].rstrip("-") or empty


def title_from_name(stem: str) -> str:
    """
    >>> title_from_name("my_essay-final (1)"), title_from_name("001-x")
    ('My essay final 1', 'X')
    """
    words = " ".join(re.sub(r"[\W_]+", " ", re.sub(r"^\d+-", "", stem)).split())
    return words[:1].upper() + words[1:] if words else "Untitled"


def opening_sentences(paragraph: str, limit: int = SUMMARY_MAX_CHARS) -> str:
    """The first sentences of the essay, as many as fit in ``limit`` characters (at least one).

    >>> opening_sentences("One. Two is here. Three is long enough to stop.", 20)
    'One. Two is here.'
    >>> opening_sentences("A single very long sentence without end", 10)
    'A single…'
    """
    from pipeline.text.segment import split_sentences

    chosen: list[str] = []
    for sentence in split_sentences(" ".join(paragraph.split())):
        if chosen and len(" ".join([*chosen, sentence])) > limit:
            break
        chosen.append(sentence)
    summary = " ".join(chosen)
    if len(summary) > limit:
        summary = summary[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return summary


@dataclass(frozen=True)
class TextFacts:
    """What the first lines of a plain-text or Markdown body say about the essay."""

    title: str | None
    title_origin: str
    author: str | None
    date: dt.date | None
    byline_lines: tuple[int, ...] = ()  # 0-based body lines that are a byline or dateline
    author_origin: str = "a byline ('By ...' or 'Written by ...')"


def text_facts(body: str, is_markdown: bool) -> TextFacts:
    """Title, byline author and date from the top of a body pasted from a page.

    >>> facts = text_facts("Quiet Hobbies\\nBy Priya Natarajan\\nMarch 2, 2024\\n\\nI.\\n", False)
    >>> facts.title, facts.title_origin, facts.author, facts.date, facts.byline_lines
    ('Quiet Hobbies', 'the first heading', 'Priya Natarajan', \
datetime.date(2024, 3, 2), (1, 2))
    >>> text_facts("It begins.\\n\\n## First Part\\n\\nText.\\n", True).title
    'First Part'
    >>> facts = text_facts("Repair\\nGrace Adeyemi\\nFeb 17, 2024\\n\\nThe Hall\\n\\nIt is.", False)
    >>> facts.author, facts.byline_lines
    ('Grace Adeyemi', (2, 1))
    >>> medium = "T\\nAna Ruiz\\nFollow\\n\\nText.\\n\\nWritten by Ana Ruiz\\n"
    >>> text_facts(medium, False).byline_lines
    (6, 1)
    """

    numbered = [(n, line.strip()) for n, line in enumerate(body.split("\n")) if line.strip()]
    lines = [line for _, line in numbered]
    plain = [
        re.sub(r"^#{1,6}\s+", "", line).strip("*_ ") if is_markdown else line for line in lines
    ]
    top = plain[:TOP_LINES]
    author, date, cluster = None, None, list[int]()  # cluster: indexes into plain
    for index, text in enumerate(top):
        found_author = byline_author(text) or dated_byline_author(text)
        # a byline or dateline is short and unpunctuated, not a sentence of the essay
        found_date = (
            find_date(text) if len(text) < 120 and not text.endswith((".", "!", "?")) else None
        )
        if found_author or (found_date and len(text) < 60):
            if cluster and index - cluster[-1] > BYLINE_GAP:
                break  # past the byline: later dates belong to comments and related posts
            cluster.append(index)
            author, date = author or found_author, date or found_date
    author_origin = TextFacts.author_origin
    if author is None and cluster:  # a platform's byline: the name alone beside the date
        names = [
            index
            for index in range(max(1, cluster[0] - NAME_REACH), min(len(top), cluster[-1] + 3))
            if index not in cluster and is_name(top[index])
        ]
        if names:  # the nearest to the date: a title in Title Case may stand further up
            index = min(names, key=lambda i: min(abs(i - c) for c in cluster))
            author, author_origin = top[index], "a name beside the date at the top"
    if author is None:
        for text in plain:
            if text.lower().startswith("written by"):
                author = byline_author(text)
                break
    # the author's name alone on a line at the top is a byline too (Medium shows it so)
    cluster += [index for index, text in enumerate(top) if author and text == author]
    title, origin = find_title(lines, plain, set(cluster), author, is_markdown)
    bylines = [numbered[index][0] for index in dict.fromkeys(cluster)]
    return TextFacts(title, origin, author, date, tuple(dict.fromkeys(bylines)), author_origin)


def find_title(
    lines: list[str], plain: list[str], bylines: set[int], author: str | None, is_markdown: bool
) -> tuple[str | None, str]:
    """The essay's title among the first lines of a copied page, and how it was found: the
    title-case line nearest above the essay's first paragraph, past the byline; else a
    title line the copy repeats at its top; else the first heading.
    """
    from pipeline.text.structure import is_heading_like

    block = range(min(bylines), max(bylines) + 1) if bylines else range(0)

    def candidate(index: int) -> bool:
        text = plain[index]
        return index not in block and text != author and is_title_line(text)

    start = first_paragraph_line(plain[:PARAGRAPH_SEARCH_LINES])
    if start is not None:
        for index in range(start - 1, max(-1, start - TITLE_SEARCH_LINES), -1):
            if candidate(index):
                return plain[index], "the title line above the essay"
    top = plain[:TITLE_SEARCH_LINES]
    counts = Counter(" ".join(text.casefold().split()) for text in top)
    for index, text in enumerate(top):
        if counts[" ".join(text.casefold().split())] > 1 and candidate(index):
            return text, "the title line the copy repeats at its top"
    for line, text in zip(lines, plain, strict=True):
        heading = (is_markdown and line.startswith("#")) or (
            not is_markdown and is_heading_like(text) and not byline_author(text)
        )
        if heading and text != author:
            return text, "the first heading"
    return None, ""


def is_sentence_line(text: str) -> bool:
    """A line of prose: several words ending as a sentence ends, not in Title Case."""
    return (
        len(text.split()) >= PARAGRAPH_MIN_WORDS
        and text.rstrip("\"'”’)]").endswith((".", "!", "?", "…"))
        and not is_title_line(text)
    )


def first_paragraph_line(plain: list[str]) -> int | None:
    """Where the essay starts: the first line of prose with more prose right after it (a
    cookie notice or a standfirst stands alone); else the first line of prose."""
    prose = [index for index, text in enumerate(plain) if is_sentence_line(text)]
    for index in prose:
        if any(0 < other - index <= PARAGRAPH_LOOKAHEAD for other in prose):
            return index
    return prose[0] if prose else None


def is_title_line(text: str) -> bool:
    """A title as pages set them: Title Case, two to fourteen words, no chrome.

    >>> [is_title_line(s) for s in ("The City Promised 10,000 Trees. Residents Planted Them "
    ...     "Instead.", "Why I Ship Small Pull Requests", "Share", "#git #review", "6 min read",
    ...     "Leave a comment", "From Wikipedia, the free encyclopedia")]
    [True, True, False, False, False, False, False]
    """
    from pipeline.text.clean import SMALL_WORDS, line_rule

    words = [word for word in text.rstrip(".").split() if any(c.isalpha() for c in word)]
    if not 2 <= len(words) <= TITLE_MAX_WORDS or text.startswith("#") or line_rule(text):
        return False
    if re.search(r"\d+\s*min\b", text, re.IGNORECASE):
        return False  # reading or listening time
    significant = [word for word in words if word.casefold() not in SMALL_WORDS]
    return bool(significant) and all(
        word[0].isupper() or not word[0].isalpha() for word in significant
    )


def is_name(line: str) -> bool:
    """Two to four capitalized words and nothing else: a person's name, as bylines show it.

    >>> [is_name(s) for s in ("Grace Adeyemi", "Mary-Ann O'Neil", "The Slow Start", "Follow")]
    [True, True, False, False]
    """
    words = line.split()
    return 2 <= len(words) <= 4 and all(
        re.fullmatch(r"[A-Z][\w'’.-]*", word) and word.casefold() not in NOT_IN_NAMES
        for word in words
    )
