"""Where a page's article begins and ends, among the blocks trafilatura found.

trafilatura's recall-minded reading finds the article and, on many pages, what stands
around it: a photo gallery before it, teasers of other stories, newsletter boxes after it.
Two general facts about how pages are built tell those apart from the essay:

* Its balanced reading, more sparing, agrees with the recall-minded one on the article's
  prose. Where both hold the same paragraphs, what the recall-minded reading adds before
  the first of them or after the last is chrome; what it adds between them is read.
* An essay ends on prose. After its last sentence, a heading whose section is not a list
  (a teaser's headline and its one-line summary, a "Newsletter" box) starts the page's
  furniture, not another part of the essay.
"""

from __future__ import annotations

from collections.abc import Iterator

Block = tuple[int, str]  # (level, text): 1-6 a heading, 0 a paragraph, -1 a list item...
AGREE_SHARE = 0.5  # the balanced reading holds at least this share of the text, or is ignored
ANCHOR_CHARS = 50  # a paragraph of prose this long can anchor the article's bounds
SENTENCE_END = tuple(".!?。！？…\"”'’)")


def compact(text: str) -> str:
    """Text without any whitespace, for finding one extractor's block in another's text."""
    return "".join(text.split())


def is_sentence(level: int, text: str) -> bool:
    """A paragraph (not a heading) that ends as a sentence does.

    >>> is_sentence(0, "The vote came at last."), is_sentence(0, "Messi accepts a challenge")
    (True, False)
    >>> is_sentence(2, "Why it matters."), is_sentence(0, "Yes."), is_sentence(0, "We stayed.")
    (False, False, True)
    """
    long_enough = len(text.split()) >= 2 or len(compact(text)) >= 12
    return level <= 0 and long_enough and text.rstrip().endswith(SENTENCE_END)


def is_prose(level: int, text: str) -> bool:
    """A sentence long enough that a headline or a caption's credit is never one.

    >>> is_prose(0, "Esper accuses China of intimidating smaller Asian nations")
    False
    >>> is_prose(0, "Esper met several officials and visited the city's prison on Monday.")
    True
    """
    return is_sentence(level, text) and len(compact(text)) >= ANCHOR_CHARS


def agreed(blocks: list[Block], other: str) -> Iterator[Block]:
    """The blocks from the first to the last paragraph of prose that ``other`` (a second
    reading of the page) also holds, with the blocks next to those that it holds too.
    When the other reading holds less than half the text, it missed the article: all
    blocks are kept.

    >>> gallery = [(0, "Image 1 of 8"), (0, "A caption of a photo, it shows the harbour today.")]
    >>> body = [(1, "Title"), (0, "The first paragraph of the article, which both readings hold."),
    ...     (-1, "a list item"), (0, "The last paragraph of the article, held by both of them."),
    ...     (0, "By Ana Ruiz")]
    >>> [text[:9] for _, text in agreed(gallery + body + [(3, "Teaser")], " ".join(
    ...     text for _, text in body))]
    ['Title', 'The first', 'a list it', 'The last ', 'By Ana Ru']
    """
    held = compact(other)
    hits = {i for i, (_, text) in enumerate(blocks) if compact(text) in held}
    share = sum(len(compact(blocks[i][1])) for i in hits)
    total = sum(len(compact(text)) for _, text in blocks) or 1
    anchors = sorted(i for i in hits if is_prose(*blocks[i]))
    if not anchors or share < AGREE_SHARE * total:
        return iter(blocks)
    first, last = anchors[0], anchors[-1]
    while first - 1 in hits:
        first -= 1
    while last + 1 in hits:
        last += 1
    return iter(blocks[first : last + 1])


def without_tail(blocks: list[Block]) -> Iterator[Block]:
    """The blocks up to the first heading after the last sentence whose section is not a
    list: teasers of other stories and newsletter boxes, not the essay's last part.

    >>> blocks = [(0, "The essay's last sentence."), (2, "Winners"), (-1, "Ana"), (-1, "Li"),
    ...     (3, "Other story"), (4, "Its summary"), (3, "Newsletter")]
    >>> [text for _, text in without_tail(blocks)]
    ["The essay's last sentence.", 'Winners', 'Ana', 'Li']
    """
    sentences = [i for i, block in enumerate(blocks) if is_sentence(*block)]
    if not sentences:
        return iter(blocks)
    heads = [i for i in range(sentences[-1] + 1, len(blocks)) if blocks[i][0] > 0]
    for start, end in zip(heads, [*heads[1:], len(blocks)], strict=False):
        body = [level for level, _ in blocks[start + 1 : end]]
        if len(body) < 2 or any(level != -1 for level in body):
            return iter(blocks[:start])
    return iter(blocks)
