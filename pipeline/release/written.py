"""How the essay is written, laid onto its timeline: which blocks are list items or quoted,
what is emphasized, how deep each chapter's heading is. Pages and books show it; no one hears it.

The timeline (what the audio holds) knows only headings and paragraphs; the narration knows
each block's Form. Both hold the essay's blocks in the same order, sentence for sentence, so
the forms are matched onto the timeline's blocks; where they do not match (a timeline older
than the script), the text is shown as plain paragraphs rather than with a wrong structure.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.core.model import Emphasis, Form, Narration, Timeline

SHOW_KINDS = ("intro", "outro")

NodeKind = Literal["p", "ul", "ol", "li", "quote"]


@dataclass(frozen=True)
class Run:
    """A stretch of a sentence's text, emphasized or not."""

    text: str
    em: bool = False
    strong: bool = False


@dataclass(frozen=True)
class Written:
    forms: dict[int, Form]  # by the index of a block in Timeline.blocks
    depths: dict[int, int]  # by chapter index: 1 for a top-level heading, 2 below it...

    def form(self, index: int) -> Form:
        return self.forms.get(index, Form())

    def depth(self, chapter: int) -> int:
        return self.depths.get(chapter, 1)


def written(narration: Narration | None, timeline: Timeline) -> Written:
    """The narration's forms and heading depths, matched onto the timeline's blocks."""
    if narration is None:
        return Written({}, {})
    said = [block for chapter in narration.chapters for block in chapter.blocks if block.sentences]
    timed = [(i, b) for i, b in enumerate(timeline.blocks) if b.kind not in SHOW_KINDS]
    if len(said) != len(timed) or any(
        [s.text for s in a.sentences] != [s.text for s in b.sentences]
        for a, (_, b) in zip(said, timed, strict=True)
    ):
        return Written({}, {})
    forms = {index: block.form for block, (index, _) in zip(said, timed, strict=True)}
    depths = {index: chapter.depth for index, chapter in enumerate(narration.chapters)}
    return Written(forms, depths)


def runs(text: str, emphasis: Sequence[Emphasis], at: int = 0) -> tuple[Run, ...]:
    """``text``, which starts at character ``at`` of its block, cut where emphasis starts or
    ends.

    >>> runs("a bold move", [Emphasis(2, 6, strong=True)])
    (Run(text='a ', em=False, strong=False), Run(text='bold', em=False, strong=True), \
Run(text=' move', em=False, strong=False))
    >>> runs("move.", [Emphasis(2, 9)], at=7)
    (Run(text='mo', em=True, strong=False), Run(text='ve.', em=False, strong=False))
    """
    end = at + len(text)
    cuts = {at, end}
    for mark in emphasis:
        cuts.update(edge for edge in (mark.start, mark.end) if at < edge < end)
    edges = sorted(cuts)
    out = []
    for start, stop in itertools.pairwise(edges):
        marks = [m for m in emphasis if m.start <= start and stop <= m.end]
        em = any(not m.strong for m in marks)
        strong = any(m.strong for m in marks)
        out.append(Run(text[start - at : stop - at], em, strong))
    return tuple(out)


def sentence_runs(texts: Sequence[str], emphasis: Sequence[Emphasis]) -> list[tuple[Run, ...]]:
    """The runs of each sentence of a block whose text is the sentences joined by a space.

    >>> [len(r) for r in sentence_runs(["One.", "Two words."], [Emphasis(5, 8)])]
    [1, 2]
    """
    out, at = [], 0
    for text in texts:
        out.append(runs(text, emphasis, at))
        at += len(text) + 1
    return out


@dataclass(frozen=True)
class Node:
    """A piece of a chapter's layout: a paragraph (``block``), a list of items, one item, or
    a quote, with what it holds."""

    kind: NodeKind
    block: Any = None  # a paragraph's block (the page's or the book's own kind)
    children: tuple[Node, ...] = ()


def nodes(blocks: Iterable[tuple[Any, Form]]) -> tuple[Node, ...]:
    """Paragraphs with their forms -> quotes, lists, items and paragraphs, in order.

    >>> layout = nodes([("a", Form()), ("b", Form("ul", 1, 2)), ("c", Form("ul", 1, 3)),
    ...                 ("d", Form(quote_id=4)), ("e", Form("ol", 5, 6, quote_id=4))])
    >>> def show(n): return n.block or f"{n.kind}[{' '.join(show(c) for c in n.children)}]"
    >>> " ".join(show(n) for n in layout)
    'a ul[li[b] li[c]] quote[d ol[li[e]]]'
    """
    pairs = list(blocks)
    out: list[Node] = []
    index = 0
    while index < len(pairs):
        block, form = pairs[index]
        if form.quote_id:
            end = _run_end(pairs, index, lambda f, q=form.quote_id: f.quote_id == q)
            inner = [(b, _unquoted(f)) for b, f in pairs[index:end]]
            out.append(Node("quote", children=nodes(inner)))
        elif form.list_kind and form.list_id:
            end = _run_end(pairs, index, lambda f, lid=form.list_id: f.list_id == lid)
            items: list[tuple[int, list[Node]]] = []  # (item number, its paragraphs)
            for item_block, item_form in pairs[index:end]:
                if items and item_form.item_id and item_form.item_id == items[-1][0]:
                    items[-1][1].append(Node("p", item_block))  # the item's next paragraph
                else:
                    items.append((item_form.item_id, [Node("p", item_block)]))
            lis = tuple(Node("li", children=tuple(paragraphs)) for _, paragraphs in items)
            out.append(Node(form.list_kind, children=lis))
        else:
            end = index + 1
            out.append(Node("p", block))
        index = end
    return tuple(out)


def _run_end(pairs: Sequence[tuple[Any, Form]], start: int, same: Any) -> int:
    end = start
    while end < len(pairs) and same(pairs[end][1]):
        end += 1
    return end


def _unquoted(form: Form) -> Form:
    return Form(form.list_kind, form.list_id, form.item_id, 0, form.emphasis)
