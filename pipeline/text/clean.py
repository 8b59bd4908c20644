"""Clean a script body: drop what a web page added around the essay, keep the essay.

Essays pasted from web pages carry debris: the page title or question repeated at the top,
image captions and stock-photo credits, share buttons, cookie banners, "Leave a Reply", and
links to other posts at the bottom. These are general rules, tried on many pages, not
strings from one essay. Each rule is a row of a table (pattern, reason), and every dropped
line is reported with its reason, so a producer can see and override each decision with
the front matter's ``keep:`` and ``drop:`` lists.

Invisible characters are removed from every kept line:

* private-use characters (category Co: web-font icons and highlight markers),
* format characters (Cf: zero-width space, soft hyphen, word joiner, BOM), EXCEPT the
  ones that change how text reads or shows: the zero-width joiner and non-joiner (emoji
  sequences, Persian), tag characters (regional flag emoji), and the bidirectional marks,
  embeddings and isolates (right-to-left text would display wrongly in transcripts),
* control characters (Cc) other than tab, which become a space so words never merge.

A line that only looks like a heading (short, no final punctuation) is kept: headings are
the structure stage's business. Only short title-case lines after the last paragraph,
the "related post" links that end a scraped page, are dropped as lone link titles.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.core.model import DroppedLine, Script
from pipeline.text.blocks import block_reasons
from pipeline.text.chrome import chrome_line
from pipeline.text.markup import (
    HTML_BLOCK_REASON,
    code_block_lines,
    hidden_elements,
    html_block_lines,
)
from pipeline.text.templates import without_templates

# Format characters that carry meaning: ZWNJ, ZWJ, the bidi marks/embeddings/isolates.
KEPT_FORMAT_CHARACTERS = frozenset(
    "\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
EMOJI_TAGS = range(0xE0020, 0xE0080)  # Cf, but they spell a flag after U+1F3F4


def is_invisible(character: str) -> bool:
    """Whether ``character`` is removed from text that is read aloud and shown.

    >>> [is_invisible(c) for c in "a\\u200b\\u00ad\\ue000\\u200d\\u200f"]
    [False, True, True, True, False, False]
    """
    category = unicodedata.category(character)
    if category == "Co":
        return True
    if category == "Cf":
        return character not in KEPT_FORMAT_CHARACTERS and ord(character) not in EMOJI_TAGS
    return False


def remove_invisible(text: str) -> str:
    """Drop invisible characters; turn control characters (but not newlines) into spaces.

    >>> remove_invisible("Every \\ue000Man\\ue001 is\\u200b here\\x0bnow")
    'Every Man is here now'
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        " " if unicodedata.category(c) == "Cc" and c != "\n" else c
        for c in text
        if not is_invisible(c)
    )


def normalized(line: str) -> str:
    """The form lines are compared in: single spaces, straight quotes, casefolded.

    >>> normalized("  Men’s   “Walls”  ")
    'men\\'s "walls"'
    """
    return " ".join(line.translate(STRAIGHT_QUOTES).split()).casefold()


STRAIGHT_QUOTES = str.maketrans("‘’‚‛“”„‟′″", "''''\"\"\"\"'\"")
MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+|\s+#+\s*$")
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
MARKDOWN_EMPHASIS = re.compile(r"[*_`]+")
MARKDOWN_IMAGE_LINE = re.compile(r"^\s*(?:\[\s*)?!\[[^\]]*\]\([^)]*\)(?:\s*\]\([^)]*\))?\s*$")
SEPARATOR = re.compile(r"^[\s\-–—_*#~=+.·•…|/\\<>]+$")  # "* * *", "---", "~~~"
LIST_ITEM = re.compile(r"^\s*(?:[-*+•·–]|\d{1,3}[.)])\s+")
MARKDOWN_FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]\s]+\]:")


def plain_line(line: str, is_markdown: bool) -> str:
    """What a reader sees of one line, for matching: Markdown marks and link targets gone.

    >>> plain_line("## The *Roots* of [Stoicism](http://x.org)", True)
    'The Roots of Stoicism'
    """
    if not is_markdown:
        return line.strip()
    line = MARKDOWN_HEADING.sub("", line)
    line = MARKDOWN_LINK.sub(r"\1", line)
    return MARKDOWN_EMPHASIS.sub("", line).strip()


# Rules for one line, tried in order. A line longer than MAX_RULE_CHARS is prose: no rule
# applies to it (and no regex ever scans a megabyte paragraph).
MAX_RULE_CHARS = 600
NO_FINAL_PUNCTUATION = r"(?<![.!?…:;,])"
PHOTO_SITES = (
    r"Alamy|Shutterstock|Getty Images|iStock(?:photo)?|Dreamstime|Depositphotos|123RF|"
    r"Adobe Stock|Freepik|Vecteezy|Pexels|Unsplash|Pixabay|Pinterest|Flickr|Wikimedia Commons|"
    r"Wallpapers?\.com|Wallpaper ?Cave|Wallpaper ?Flare|Wallpaper ?Access|Pngtree|PNGEgg|"
    r"Canva|Stocksy|Storyblocks|Bigstock|CleanPNG|PikPng|Vectorstock|Rawpixel|NicePNG"
)
SOCIAL = (
    r"Share|Tweet|Facebook|Twitter|X|LinkedIn|Pinterest|Reddit|WhatsApp|Email|E-?mail|Print|"
    r"Telegram|Tumblr|Pocket|Threads|Mastodon|Copy link"
)

DATE = r"(?:\w+\.? \d{1,2},? \d{4}|\d{1,2} \w+\.? \d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
CAPTION = "image caption or credit"
BOILERPLATE = "web page boilerplate"
CHROME = "web page boilerplate"  # a line of chrome.CHROME_LINES
LINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        # image captions and credits
        (
            r"^(?:Photo|Image|Picture|Illustration)s? (?:by|from|via)\b.{0,80}\b(?:on|via|from)\b"
            rf".{{0,40}}\b(?:{PHOTO_SITES})\b",
            f"{CAPTION} (photo credit)",
        ),
        (rf"[|·•\-–—:]\s*(?:{PHOTO_SITES})\s*$", f"{CAPTION} (ends with a photo site)"),
        (r"\|\s*[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|co|uk)\s*$", f"{CAPTION} (| site)"),
        (
            r"\b(?:Free |Royalty[- ]Free )?Stock "
            r"(?:Photos?|Images?|Vectors?|Illustrations?|Footage)(?: Image)?\b",
            f"{CAPTION} (stock image title)",
        ),
        (
            r"^(?:Photo|Image|Picture|Illustration|Header image|Featured image)s?"
            r" ?(?:credit|courtesy|source)s?\s*:",
            f"{CAPTION} (credit line)",
        ),
        (r"^(?:Photo|Image|Illustration)s?\s*:", f"{CAPTION} (credit line)"),
        (
            r"\((?:Photo|Photograph|Image|Illustration|Picture)s?\s*(?:by\b|:|credit\b:?)"
            r"[^()]{1,80}\)\s*$",
            f"{CAPTION} (credit in brackets)",
        ),
        (r"^(?:Copyright\s*)?(?:©|\(c\))|^Copyright\s+\d{4}", f"{BOILERPLATE} (copyright notice)"),
        (rf"^(?!.*[.!?…]$).{{0,200}}\b(?:{PHOTO_SITES})\b", f"{CAPTION} (names a photo site)"),
        (rf"^Download\b.{{0,150}}{NO_FINAL_PUNCTUATION}$", f"{CAPTION} (download link)"),
        (r"^\[\d+\+?\]\s", f"{CAPTION} (list-page title such as '[100+] ...')"),
        (r"\b(?:HD|4K)\s+Wallpapers?\b|\bWallpapers?\s*(?:\||-|$)", f"{CAPTION} (wallpaper)"),
        # comments, sharing, related posts
        (r"^Leave a (?:Reply|Comment)\b.{0,40}$", f"{BOILERPLATE} (comment form)"),
        (
            r"^(?:\d+\s+)?(?:Comments?|Responses?|Replies)(?:\s*\(\d+\))?\s*:?$",
            f"{BOILERPLATE} (comment count)",
        ),
        (
            r"^(?:No comments(?: yet)?|Be the first to comment|Cancel reply|Post Comment)\W*$",
            f"{BOILERPLATE} (comment form)",
        ),
        (
            r"^(?:Share|Like) this(?: (?:post|article|story|page))?\s*[:!]?\s*$",
            f"{BOILERPLATE} (share buttons)",
        ),
        (
            rf"^(?:(?:{SOCIAL})(?:\s+(?:on|via|to)\s+\w+)?[\s,|•·/]*)+$",
            f"{BOILERPLATE} (share buttons)",
        ),
        (r"^Click to (?:share|email|print)\b.{0,80}$", f"{BOILERPLATE} (share buttons)"),
        (
            r"^(?:(?:Related|Similar|Recommended|Popular|Recent|More)"
            r"(?: Posts?| Articles?| Stories| Reading| Reads?)|Related|Recommended)\s*:?$",
            f"{BOILERPLATE} (related posts)",
        ),
        (r"^You (?:may|might) also (?:like|enjoy)\b.{0,40}$", f"{BOILERPLATE} (related posts)"),
        (
            r"^(?:Read|Continue) (?:more|reading|next|also)\b(?:\s*[:»›→…]+.{0,120}|\W*)$",
            f"{BOILERPLATE} (read-more link)",
        ),
        (r"^(?:See|Read) also\s*:.{0,120}$", f"{BOILERPLATE} (read-more link)"),
        (
            r"^[«‹←<\s]*(?:Previous|Next|Older|Newer)(?: (?:Post|Article|Entry|Story))?"
            r"\s*(?:[:»›→>«‹←]|$).{0,120}$",
            f"{BOILERPLATE} (previous/next post link)",
        ),
        # subscriptions, accounts, cookies
        (r"^Subscribe\b.{0,80}$", f"{BOILERPLATE} (subscribe prompt)"),
        (r"^(?:Sign up|Join)\b.{0,40}\bnewsletter\b.{0,60}$", f"{BOILERPLATE} (subscribe prompt)"),
        (
            r"^(?:Sign in|Log in|Login|Register|Sign up|Create an account)\b.{0,30}$",
            f"{BOILERPLATE} (account link)",
        ),
        (
            r"\bwe use cookies\b|\bthis (?:web)?site uses cookies\b|\buse of cookies\b",
            f"{BOILERPLATE} (cookie banner)",
        ),
        (
            r"^(?:Accept|Reject|Decline|Allow)(?: all)?(?: cookies)?$|^Cookie (?:settings|policy|"
            r"preferences)$|^(?:Got it|I agree|OK)!?$",
            f"{BOILERPLATE} (cookie banner)",
        ),
        # navigation and post metadata
        (r"^Skip to (?:main )?(?:content|navigation)\b.{0,20}$", f"{BOILERPLATE} (navigation)"),
        (
            r"^(?:Home|Menu|Search|Main menu|Navigation|Toggle navigation|Close|Advertisement|"
            r"Sponsored|Ad|Top|Back to top|Scroll to top)\s*[↑^]?$",
            f"{BOILERPLATE} (navigation)",
        ),
        (r"^Home\s*[»>/›|]", f"{BOILERPLATE} (breadcrumb)"),
        (r"^Posted (?:in|on|by|under)\b.{0,120}$", f"{BOILERPLATE} (post metadata)"),
        (
            r"^(?:Tags?|Tagged|Categories|Category|Filed under|Labels?)\s*:.{0,200}$",
            f"{BOILERPLATE} (post metadata)",
        ),
        (
            r"^(?:By\s+[\w.' -]{2,40}\s*[|·•]\s*)?(?:Published|Updated|Last updated)(?: on)?\s*:?"
            rf"\s*{DATE}\W*$",
            f"{BOILERPLATE} (post metadata)",
        ),
        (
            r"^\d+\s*(?:-\s*)?min(?:ute)?s?\s+read$|^Reading time\s*:.{0,30}$",
            f"{BOILERPLATE} (reading time)",
        ),
        (r"^All rights reserved\W*$", f"{BOILERPLATE} (copyright notice)"),
    )
)
# Rules that cost a saved page's essay more than they save it, measured on real pages with
# ground truth (bench/extraction.py --rules): an extractor has already left out captions,
# comments and related posts, so what these would drop from its reading is mostly prose
# ("(Reporting by ...; Editing by ...)", a list of dates, a sentence naming Flickr).
EXTRACTED_SKIPS = frozenset(
    (
        f"{CAPTION} (names a photo site)",
        f"{CAPTION} (ends with a photo site)",
        f"{BOILERPLATE} (copyright notice)",
    )
)
COMMENT_COUNT = f"{BOILERPLATE} (comment count)"
BYLINE_REASON = "byline or dateline (the episode's author and date)"
TITLE_REASON = "same as the episode title (the intro already says it)"
REPEATED_REASON = "repeated at the top of the page (page title or question)"
LONE_TITLE_REASON = "lone link title after the last paragraph"
FORCED_DROP_REASON = "listed under 'drop' in the front matter"
FOOTNOTE_REASON = "footnote definition (footnotes are not read aloud)"
SEPARATOR_REASON = "separator line (nothing to read)"
# A line that is all italics: under an image, Jekyll themes' way of writing its caption.
ITALIC_LINE = re.compile(r"^\s*(?:_(?!_)[^_\n]+_|\*(?!\*)[^*\n]+\*)\s*$")
IMAGE_REASON = "image (its alt text is a caption; list it under 'keep' to read it)"

OPENING_LINES = 5  # the "top of the page": this many non-blank lines
LONE_TITLE_MAX_WORDS = 12
SMALL_WORDS = frozenset(
    "a an and as at but by de for from in into nor of on onto or per so than the to up via "  # noqa: SIM905
    "vs with yet is are be".split()
)


def line_rule(line: str) -> str | None:
    """The reason to drop ``line`` by the rule table, or None to keep it.

    >>> line_rule("Download Every Man is on a Journey | Wallpapers.com")
    'image caption or credit (ends with a photo site)'
    >>> line_rule("Photo by Jane Doe on Unsplash")
    'image caption or credit (photo credit)'
    >>> line_rule("We use cookies to improve your experience. Accept?")
    'web page boilerplate (cookie banner)'
    >>> line_rule("Read more books; they help.") is None
    True
    """
    if len(line) > MAX_RULE_CHARS:
        return None
    stripped = line.strip()
    for pattern, reason in LINE_RULES:
        if pattern.search(stripped):
            return reason
    return None


def is_lone_title(line: str) -> bool:
    """A short Title Case line with no sentence punctuation: a link to another post.

    >>> is_lone_title("How to Be Happy"), is_lone_title("10 Ways to Sleep Better")
    (True, True)
    >>> is_lone_title("Thank you for reading"), is_lone_title("The end.")
    (False, False)
    """
    words = line.split()
    if not words or len(words) > LONE_TITLE_MAX_WORDS or line.rstrip()[-1] in ".!?…,;:":
        return False
    significant = [word for word in words if word.casefold() not in SMALL_WORDS]
    return bool(significant) and all(
        not word[0].isalpha() or word[0].isupper() for word in significant
    )


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line number in the script file
    text: str  # invisible characters removed; otherwise as written ("" for a blank line)


@dataclass(frozen=True)
class Cleaned:
    """The body's kept lines (blank ones included) and what was dropped, with why.

    A dropped line leaves a gap in the line numbers; structure treats a gap like a blank
    line, so that a dropped caption never glues two paragraphs together.
    """

    lines: tuple[Line, ...]
    dropped: tuple[DroppedLine, ...]
    is_markdown: bool
    keep: tuple[str, ...]  # normalized front-matter 'keep' lines (they may be image alt texts)
    unmatched: tuple[str, ...] = ()  # 'keep'/'drop' entries that matched no line: typos?
    hidden: tuple[DroppedLine, ...] = ()  # inline <script>/<style> skipped within kept lines


def clean(script: Script) -> Cleaned:
    """Apply the rules to every line of the body; see the module docstring."""
    meta, is_markdown = script.meta, script.is_markdown
    body = script.body
    if is_markdown:  # a blog engine's tags are never read: blanked, line for line
        body = without_templates(body, mdx=meta.source.suffix.lower() == ".mdx")
    lines = [
        Line(script.body_first_line + index, remove_invisible(text))
        for index, text in enumerate(body.split("\n"))
    ]
    plains = [normalized(plain_line(line.text, is_markdown)) for line in lines]
    # index into lines -> why it goes; an extractor's reading has no page title repeated
    reasons = {} if script.extracted else repeated_at_top(plains)
    title = normalized(meta.title).rstrip(".!?")
    for index, reason in rule_reasons(lines, plains, title, is_markdown):
        if script.extracted and not proven_in_extract(reason, plains[index]):
            continue
        reasons.setdefault(index, reason)
    if is_markdown:
        for index in html_block_lines(body):
            reasons.setdefault(index, HTML_BLOCK_REASON)
    for number in script.byline_lines:  # found by pipeline.reading.infer; the intro credits them
        reasons.setdefault(number - script.body_first_line, BYLINE_REASON)
    drop_blocks(lines, reasons, is_markdown)
    if not script.extracted:  # an extractor leaves out related posts; its titles are headings
        drop_lone_titles(lines, plains, reasons, is_markdown)
    if is_markdown:  # a code block and a link's definition are never page chrome
        for index in protected_lines(body, lines):
            reasons.pop(index, None)
    keep = {normalized(line) for line in meta.keep_lines}
    matched = apply_front_matter(lines, plains, reasons, keep, meta.drop_lines)

    kept = tuple(line for index, line in enumerate(lines) if index not in reasons)
    dropped = tuple(
        DroppedLine(lines[index].number, " ".join(lines[index].text.split()), reasons[index])
        for index in sorted(reasons)
    )
    unmatched = tuple(
        sorted(
            line for line in meta.keep_lines + meta.drop_lines if normalized(line) not in matched
        )
    )
    hidden = tuple(
        DroppedLine(lines[found.line_index].number, f"<{found.tag}> element", "inline HTML code")
        for found in (hidden_elements(body) if is_markdown else ())
    )
    return Cleaned(kept, dropped, is_markdown, tuple(sorted(keep)), unmatched, hidden)


def proven_in_extract(reason: str, plain: str) -> bool:
    """Whether a line rule's reason holds in an extractor's reading of a page: not for the
    rules in EXTRACTED_SKIPS, and a comment count only with its number ("## Response" is
    an essay's heading, "12 Responses" a thread's).

    >>> proven_in_extract(COMMENT_COUNT, "Response"), proven_in_extract(COMMENT_COUNT, "3 Replies")
    (False, True)
    """
    if reason in EXTRACTED_SKIPS:
        return False
    return reason != COMMENT_COUNT or any(character.isdigit() for character in plain)


REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*\S")


def protected_lines(body: str, lines: list[Line]) -> set[int]:
    """Lines no rule may drop: a code block's (the transcript shows the code whole) and
    a reference link's definition (``[history]: https://...``), without which the link
    would be read with its brackets."""
    protected = code_block_lines(body)
    protected.update(i for i, line in enumerate(lines) if REFERENCE_DEFINITION.match(line.text))
    return protected


def repeated_at_top(plains: list[str]) -> dict[int, str]:
    """Every copy of a line that appears twice among the first non-blank lines."""
    opening = [index for index, plain in enumerate(plains) if plain][:OPENING_LINES]
    counts = Counter(plains[index] for index in opening)
    return {index: REPEATED_REASON for index in opening if counts[plains[index]] > 1}


def rule_reasons(
    lines: list[Line], plains: list[str], title: str, is_markdown: bool
) -> Iterator[tuple[int, str]]:
    """(index, reason) for each line a rule drops: the title, footnotes, images, the table."""
    in_footnote = False  # a footnote definition runs on over indented lines
    for index, line in enumerate(lines):
        plain = plains[index]
        if (
            is_markdown
            and plain
            and (
                MARKDOWN_FOOTNOTE_DEFINITION.match(line.text)
                or (in_footnote and line.text[:1] in " \t")
            )
        ):
            in_footnote = True
            yield index, FOOTNOTE_REASON
            continue
        in_footnote = False
        if not plain:
            continue
        if plain.rstrip(".!?") == title:
            yield index, TITLE_REASON
        elif is_markdown and MARKDOWN_IMAGE_LINE.match(line.text):
            yield index, IMAGE_REASON
        elif not is_markdown and SEPARATOR.match(line.text):  # Markdown parses its own rules
            yield index, SEPARATOR_REASON
        elif reason := line_rule(plain_line(line.text, is_markdown)):
            yield index, reason
        elif (
            is_markdown
            and index
            and MARKDOWN_IMAGE_LINE.match(lines[index - 1].text)
            and ITALIC_LINE.match(line.text)
        ):
            yield index, f"{CAPTION} (in italics right under its image)"


def drop_blocks(lines: list[Line], reasons: dict[int, str], is_markdown: bool) -> None:
    """Chrome lines that are chrome anywhere, then, in plain text, whole blocks
    (pipeline/text/blocks.py).

    A block's kind replaces the reasons of the lines inside it, so that the report shows
    the block as one range; the title, a repeated opening and a block of one line that a
    line rule dropped keep their own, more precise reason.
    """
    texts = [plain_line(line.text, is_markdown) for line in lines]
    for index, text in enumerate(texts):
        if text and index not in reasons and (why := chrome_line(text, anywhere=True)):
            reasons[index] = f"{CHROME} ({why})"
    if is_markdown:
        return  # Markdown was written, or converted from HTML, as an essay: no page around it
    kinds = block_reasons(texts, reasons)
    filled = [index for index, text in enumerate(texts) if text]
    for position, index in enumerate(filled):
        kind = kinds.get(index)
        if kind is None or reasons.get(index) in (TITLE_REASON, REPEATED_REASON):
            continue
        neighbours = filled[max(position - 1, 0) : position + 2]
        alone = all(kinds.get(other) != kind for other in neighbours if other != index)
        if not (alone and index in reasons):
            reasons[index] = kind


def apply_front_matter(
    lines: list[Line],
    plains: list[str],
    reasons: dict[int, str],
    keep: set[str],
    drop_lines: tuple[str, ...],
) -> set[str]:
    """Force 'keep' lines in and 'drop' lines out; return the entries that matched a line.

    A line matches in its written form or in its plain form (Markdown marks removed).
    """
    drop = {normalized(line) for line in drop_lines}
    matched: set[str] = set()
    for index, plain in enumerate(plains):
        forms = {plain, normalized(lines[index].text)}
        if keep & forms:
            reasons.pop(index, None)
        if drop & forms:
            reasons[index] = FORCED_DROP_REASON
        matched |= (keep | drop) & forms
    return matched


def is_lone_link_title(line: str, is_markdown: bool) -> bool:
    """A lone title; but a list item only when it is nothing but a link (a list of
    "related posts"), since an essay may well end with a list of short items.

    >>> is_lone_link_title("How to Be Happy", False), is_lone_link_title("- Open Hearts", True)
    (True, False)
    >>> is_lone_link_title("* [How to Be Happy](https://x.org/happy)", True)
    True
    """
    item = LIST_ITEM.match(line)
    if item:
        rest = line[item.end() :].strip()
        if not (is_markdown and MARKDOWN_LINK.fullmatch(rest)):
            return False
    return is_lone_title(plain_line(LIST_ITEM.sub("", line), is_markdown))


def is_signature(lines: list[Line], index: int) -> bool:
    """A name under a letter's closing line ("See you at the shed," then "Jo")."""
    return index > 0 and lines[index - 1].text.rstrip().endswith(",")


def drop_lone_titles(
    lines: list[Line], plains: list[str], reasons: dict[int, str], is_markdown: bool
) -> None:
    """Walking up from the end, drop lone link titles until the first real paragraph."""
    candidates = []
    for index in range(len(lines) - 1, -1, -1):
        if not plains[index] or index in reasons:
            continue
        if not is_lone_link_title(lines[index].text, is_markdown) or is_signature(lines, index):
            break
        candidates.append(index)
    else:
        return  # nothing but titles: they are the essay (or its headings), not debris
    for index in candidates:
        reasons[index] = LONE_TITLE_REASON
