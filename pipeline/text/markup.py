"""Markdown as the narrator sees it: what is markup (never spoken), and where it sits.

CommonMark leaves a link whose target it deems unsafe (``javascript:``, ``data:``...) as
literal text, brackets and target included, which a voice would then read out. Here every
link and image is parsed as one, whatever its scheme: the text of a link is read, its
target never. Raw HTML is never read either: an HTML block is dropped as a whole (and the
cleaning report says so), and inside a paragraph the contents of ``<script>`` and
``<style>`` elements go with their tags.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

HTML_BLOCK_REASON = "raw HTML (markup is not read aloud)"
HIDDEN_ELEMENTS = ("script", "style")  # their contents are code, not words
_OPENING = re.compile(r"^<(script|style)\b", re.IGNORECASE)
_CLOSING = re.compile(r"^</(script|style)\s*>", re.IGNORECASE)


class _EveryLink(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        """Every target is accepted as a target, so it is markup, never spoken text."""
        return True


def parser() -> MarkdownIt:
    """CommonMark as GitHub and blog engines extend it: tables, task lists, definition
    lists and TeX math between dollars (mdit-py-plugins). "$ x $" is math, as KaTeX reads
    it; a dollar with a digit right outside it ("$5 and $10") is money."""
    return (
        _EveryLink("commonmark")
        .enable("table")
        .use(tasklists_plugin)
        .use(deflist_plugin)
        .use(dollarmath_plugin, allow_digits=False, double_inline=True)
    )


def parse(text: str) -> list[Token]:
    return parser().parse(text)


def html_block_lines(text: str) -> set[int]:
    """0-based indices of the lines of ``text`` that raw HTML blocks take up.

    >>> sorted(html_block_lines("Words.\\n\\n<script>\\nalert(1)\\n</script>\\n\\nMore."))
    [2, 3, 4]
    >>> html_block_lines("A <b>bold</b> word.")
    set()
    """
    lines: set[int] = set()
    for token in parse(text):
        if token.type == "html_block" and token.map and not is_preformatted(token):
            lines.update(range(token.map[0], token.map[1]))
    return lines


def code_block_lines(text: str) -> set[int]:
    """0-based indices of the lines of ``text`` that code blocks take up, fences included,
    and preformatted HTML blocks (``<pre>``), which are code too.

    >>> sorted(code_block_lines("Words.\\n\\n```\\nHome\\n```\\n\\n<pre>x\\ny</pre>\\n"))
    [2, 3, 4, 6, 7]
    """
    lines: set[int] = set()
    for token in parse(text):
        if token.map and (token.type in ("fence", "code_block") or is_preformatted(token)):
            lines.update(range(token.map[0], token.map[1]))
    return lines


PRE_BLOCK = re.compile(r"\s*<pre\b[^>]*>(.*?)</pre\s*>\s*$", re.IGNORECASE | re.DOTALL)
CODE_LANGUAGE = re.compile(r"""class=["'][^"']*\b(?:language|lang)-([\w+#-]+)""", re.IGNORECASE)


def is_preformatted(token: Token) -> bool:
    """An HTML block that is one ``<pre>`` element: code, shown as a fenced block is."""
    return token.type == "html_block" and PRE_BLOCK.match(token.content) is not None


def preformatted(html: str) -> tuple[str, str]:
    """A ``<pre>`` block's text (its tags gone, its entities decoded) and its language
    (``class="language-…"`` on it or on its ``<code>``, else "").

    >>> preformatted('<pre><code class="language-js">if (a &lt; b) {}</code></pre>')
    ('if (a < b) {}', 'js')
    """
    found = PRE_BLOCK.match(html)
    inner = found[1] if found else html
    language = CODE_LANGUAGE.search(html)
    text = html_module.unescape(re.sub(r"<[^>]*>", "", inner))
    return text.strip("\n"), language[1] if language else ""


def without_hidden_elements(children: Sequence[Token]) -> Iterator[Token]:
    """The inline tokens outside any ``<script>``/``<style>`` element.

    >>> tokens = parse("Say <script>alert(1)</script> this.")[1].children
    >>> "".join(t.content for t in without_hidden_elements(tokens) if t.type == "text")
    'Say  this.'
    """
    hidden = 0
    for child in children:
        if child.type == "html_inline" and _OPENING.match(child.content):
            hidden += 1
        elif child.type == "html_inline" and _CLOSING.match(child.content):
            hidden = max(0, hidden - 1)
        elif not hidden:
            yield child


@dataclass(frozen=True)
class HiddenElement:
    line_index: int  # 0-based, in the text parsed
    tag: str


def hidden_elements(text: str) -> list[HiddenElement]:
    """Each inline ``<script>`` or ``<style>`` element in a paragraph, with its line.

    >>> hidden_elements("Fine.\\n\\nSay <style>p{}</style> this.")
    [HiddenElement(line_index=2, tag='style')]
    """
    lines = text.split("\n")
    found = []
    for token in parse(text):
        if token.type != "inline" or not token.map:
            continue
        first, last = token.map
        for child in token.children or []:
            opening = _OPENING.match(child.content) if child.type == "html_inline" else None
            if opening:
                where = next((i for i in range(first, last) if child.content in lines[i]), first)
                found.append(HiddenElement(where, opening[1].lower()))
    return found


MAX_NESTING = 20  # markdown-it's limit ("maxNesting"): deeper blocks are not parsed
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^<>]*?(/?)>")
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)


def quote_depth(text: str) -> int:
    """The deepest block quote of a Markdown text: the most ``>`` opening one line.

    >>> quote_depth("> > > quoted"), quote_depth("Plain words, 3 > 2.")
    (3, 0)
    """
    marks = (len(m[0].replace(" ", "")) for m in re.finditer(r"^[> ]*>", text, re.M))
    return max(marks, default=0)


def nesting_depth(text: str) -> int:
    """How deeply the text's blocks sit inside one another: block quotes (``>``) on one
    line, or HTML elements, whichever is deeper. For telling a producer why a text that
    is nothing but nesting has nothing to read.

    >>> nesting_depth("> > > quoted"), nesting_depth("<div><div><br><p>x</p></div></div>")
    (3, 3)
    >>> nesting_depth("Plain words.")
    0
    """
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(text):
        if name.lower() in VOID_TAGS or self_closing:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
    return max(quote_depth(text), deepest)
