"""What blog engines put inside a post's Markdown that is not the essay: template tags.

A post is written for Jekyll, Hugo, Eleventy, Astro or Obsidian, and carries their syntax
between its sentences. None of it is ever spoken:

* Liquid and Nunjucks (Jekyll, Eleventy): ``{% tag %}``, ``{{ output }}``, ``{# comment #}``;
  a ``{% raw %}`` pair's tags go and what it holds stays; a ``{% highlight %}`` pair (and
  Hugo's ``{{< highlight >}}``) holds code, announced like any code block;
* Hugo shortcodes: ``{{< figure ... >}}`` and ``{{% note %}}``; the text *between* a
  paired shortcode's tags is prose and is read;
* Obsidian: embeds ``![[file]]``, comments ``%% ... %%``, a callout's ``[!note]`` marker
  (its title and text are read); a ``[[wikilink]]`` is read as its text (``[[Page|text]]``
  as ``text``);
* kramdown (Jekyll's Markdown): attribute lists after a block or a span (``{: .note}``,
  ``![a](b.png){: width="972"}``), their definitions, extensions (``{::options … /}``,
  ``{::comment}…{:/comment}`` with what it holds), and a table of contents' marker
  (``* TOC`` over ``{:toc}``);
* emoji shortcodes (``:tada:``, ``:+1:``: Jekyll's jemoji, Hugo's enableEmoji draw them as
  pictures, and a pictograph is never read either);
* MDX: ``import``/``export`` lines, JSX tags of components (``<Chart data={x} />``,
  ``<Aside>``), and ``{/* comments */}``; the text between a component's tags is read.

Each tag becomes spaces (its newlines kept), so every line keeps its number and a
dropped line still parts two paragraphs.
"""

from __future__ import annotations

import re

from pipeline.text.math import looks_like_tex

TEMPLATE_TAGS = re.compile(
    r"\{\{<.*?>\}\}|\{\{%.*?%\}\}"  # Hugo shortcodes, before Liquid's {{ }}
    r"|\{%-?.*?-?%\}|\{\{-?.*?-?\}\}|\{#.*?#\}"  # Liquid, Nunjucks
    r"|%%.*?%%"  # Obsidian comments
    r"|!\[\[[^\]\n]*\]\]",  # Obsidian embeds
    re.DOTALL,
)
WIKILINK = re.compile(r"\[\[([^\]|\n]+?)(?:\|([^\]\n]+))?\]\]")
CALLOUT = re.compile(r"^(\s*(?:>\s*)+)\[!([\w-]+)\][+-]?[ \t]*(.*)$", re.MULTILINE)
# Hugo's paired code shortcodes (its documentation's {{< code-toggle >}}, themes'
# {{< code lang="go" >}}): code, announced like any code block.
CODE_SHORTCODE_OPEN = re.compile(
    r"^[ \t]*\{\{[<%]\s*(?:code-toggle|code|codeblock)\b(?:[^}\n]*?\blang=[\"']?([\w+#-]+))?"
    r"[^}\n]*[>%]\}\}[ \t]*$",
    re.MULTILINE,
)
CODE_SHORTCODE_CLOSE = re.compile(
    r"^[ \t]*\{\{[<%]\s*/(?:code-toggle|code|codeblock)\s*[>%]\}\}[ \t]*$", re.MULTILINE
)
# Goldmark's attributes (Hugo): a line of its own under a block ({.note}, {class="x"}),
# or at a heading's end (## Setup {#setup}).
ATTRIBUTE = r"(?:[.#][\w-]+|[\w-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s{}]+))"
ATTRIBUTES = rf"\{{{ATTRIBUTE}(?:[ \t]+{ATTRIBUTE})*[ \t]*\}}"  # {.note #id key="v"}
GOLDMARK_BLOCK = re.compile(rf"^[ \t]*{ATTRIBUTES}[ \t]*$", re.MULTILINE)
GOLDMARK_HEADING = re.compile(rf"^([ \t]*#{{1,6}}[ \t].*?)[ \t]*{ATTRIBUTES}[ \t]*$", re.MULTILINE)
# TeX between \[ \] or \( \), MathJax's and KaTeX's own delimiters: made dollars, which
# the Markdown parser reads as math (pipeline/text/math.py), when there is TeX inside.
TEX_DISPLAY = re.compile(r"\\\[(.+?)\\\]", re.DOTALL)
TEX_INLINE = re.compile(r"\\\((.+?)\\\)")
KRAMDOWN_HIDDEN = re.compile(r"\{::(comment|nomarkdown)\b[^{}\n]*\}.*?\{:/(?:\1)?\}", re.DOTALL)
KRAMDOWN_TOC = re.compile(
    r"^[ \t]*(?:[*+-]|\d+\.)[ \t]+.*\n[ \t]*\{:[ \t]*toc[ \t]*\}", re.MULTILINE
)
NOT_PROSE = re.compile(r"(?:[-*+]|\d+[.)])\s|#|```|~~~|\|")
BOX_KIND = re.compile(
    r"^[ \t]*\{:[^{}\n]*?\.(?:prompt-|notice--)(\w+)[^{}\n]*\}[ \t]*$", re.MULTILINE
)
KRAMDOWN_MARK = re.compile(r"\{::?[^{}\n]*\}")
EMOJI_SHORTCODE = re.compile(r"(?:^|[ \t]+):[a-z0-9_+-]+:(?![\w:/])", re.MULTILINE)
MDX_STATEMENT = re.compile(r"^(?:import|export)\b.*$", re.MULTILINE)
JSX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
# A component's tag: capitalized (HTML's own are lower case), with attributes that may
# hold {expressions} and span lines
JSX_TAG = re.compile(r"</?[A-Z][\w.]*(?:\s+(?:[^<>{}]|\{[^{}]*\})*)?/?>")


def blank(match: re.Match[str]) -> str:
    """The matched text as spaces, with its newlines kept."""
    return re.sub(r"[^\n]", " ", match[0])


def wikilink_text(match: re.Match[str]) -> str:
    """
    >>> WIKILINK.sub(wikilink_text, "See [[Slow Hobbies]] and [[notes/walls#Why|the walls]].")
    'See Slow Hobbies and the walls.'
    """
    if match[2]:
        return match[2].strip()
    return match[1].split("#", 1)[0].rsplit("/", 1)[-1].strip() or match[1].strip("# ")


FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Jekyll's {% highlight ruby %} and Hugo's {{< highlight go >}} pairs hold code: on lines
# of their own, they become a fence, so the code is announced like any other code block
HIGHLIGHT_OPEN = re.compile(
    r"^[ \t]*(?:\{%-?\s*highlight\s+([\w+#-]+)[^%\n]*%\}"
    r"|\{\{[<%]\s*highlight\s+([\w+#-]+)[^}\n]*[>%]\}\})[ \t]*$",
    re.MULTILINE,
)
HIGHLIGHT_CLOSE = re.compile(
    r"^[ \t]*(?:\{%-?\s*endhighlight\s*-?%\}|\{\{[<%]\s*/highlight\s*[>%]\}\})[ \t]*$",
    re.MULTILINE,
)


def outside_code(text: str) -> list[tuple[str, bool]]:
    """``text`` in runs: (run, whether it is a fenced code block). A code block's
    template tags are the code's own, shown in the transcript.

    >>> outside_code("a\\n```\\n{{ x }}\\n```\\nb")
    [('a\\n', False), ('```\\n{{ x }}\\n```\\n', True), ('b', False)]
    """
    runs: list[tuple[str, bool]] = []
    current: list[str] = []
    fence = ""
    for line in text.splitlines(keepends=True):
        opening = FENCE.match(line)
        if not fence and opening:
            if current:
                runs.append(("".join(current), False))
            current, fence = [line], opening[1][0] * len(opening[1])
            continue
        current.append(line)
        if fence and line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            runs.append(("".join(current), True))
            current, fence = [], ""
    if current:
        runs.append(("".join(current), bool(fence)))
    return runs


def without_templates(text: str, *, mdx: bool = False) -> str:
    """``text`` with every template tag blanked out, line for line.

    >>> lines = without_templates("Hi {{ page.title }}.\\n{% include note.html %}\\nBye.")
    >>> [" ".join(line.split()) for line in lines.split("\\n")]
    ['Hi .', '', 'Bye.']
    >>> without_templates('{{< figure src="a.jpg" >}}').strip()
    ''
    >>> " ".join(without_templates("{{% note %}}Read **this**.{{% /note %}}").split())
    'Read **this**.'
    >>> kramdown = '![A](a.png){: w="9" .left}\\n{: .note}\\nText{::comment}x{:/}'
    >>> " ".join(without_templates(kramdown).split())
    '![A](a.png) Text'
    >>> print(without_templates("## Setup {#setup .wide}\\n{class='!mt-6'}\\nSo \\\\(x^2\\\\)."))
    ## Setup
    <BLANKLINE>
    So $x^2$.
    >>> without_templates("Done :tada: at 10:30:45, with key:value :+1:")
    'Done at 10:30:45, with key:value'
    >>> callout = without_templates("> [!warning] Mind it\\n> Steep.")
    >>> [line.rstrip() for line in callout.split("\\n")]
    ['> Mind it.', '> Steep.']
    >>> " ".join(without_templates("import X from './x'\\n\\n<Aside kind={1}>Yes.</Aside>",
    ...                             mdx=True).split())
    'Yes.'
    """
    text = HIGHLIGHT_OPEN.sub(lambda m: "```" + (m[1] or m[2]), text)
    text = HIGHLIGHT_CLOSE.sub("```", text)
    text = CODE_SHORTCODE_OPEN.sub(lambda m: "```" + (m[1] or ""), text)
    text = CODE_SHORTCODE_CLOSE.sub("```", text)
    return "".join(
        run if is_code else prose_without_templates(run, mdx=mdx)
        for run, is_code in outside_code(text)
    )


def callout_title(match: re.Match[str]) -> str:
    """A callout's first line (GitHub's alerts, Obsidian's callouts) as a sentence: its
    title, else its kind ("> [!WARNING]" is "> Warning."), never indented (four spaces
    in a quote would make it a code block), and no longer than it was.

    >>> found = CALLOUT.finditer("> [!TIP]\\n> [!note]- Mind it")
    >>> [(callout_title(m).rstrip(), len(callout_title(m)) == len(m[0])) for m in found]
    [('> Tip.', True), ('> Mind it.', True)]
    """
    title = match[3].strip() or match[2].replace("-", " ").capitalize()
    line = f"{match[1].rstrip()} {title}{'' if title[-1] in '.!?:…' else '.'}"
    return line.ljust(len(match[0]))


def box_kinds(text: str) -> str:
    """A box's kind, as a Jekyll theme's class names it under the block (Chirpy's
    ``{: .prompt-warning }``, Minimal Mistakes' ``{: .notice--info}``), said first, as a
    callout's is; the attribute list itself goes later (KRAMDOWN_MARK).

    >>> box_kinds("> Mind the step.\\n> It is steep.\\n{: .prompt-warning }").split("\\n")[0]
    '> Warning. Mind the step.'
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        found = BOX_KIND.match(line)
        if found is None or index == 0 or not lines[index - 1].strip():
            continue
        first = index - 1
        while first > 0 and lines[first - 1].strip():
            first -= 1
        marks = len(lines[first]) - len(lines[first].lstrip(" \t>"))
        if NOT_PROSE.match(lines[first][marks:]):
            continue  # a list, a heading, a fence or a table: its own marks come first
        kind = found[1].capitalize()
        lines[first] = f"{lines[first][:marks]}{kind}. {lines[first][marks:]}"
    return "\n".join(lines)


def prose_without_templates(text: str, *, mdx: bool) -> str:
    text = TEMPLATE_TAGS.sub(blank, text)
    for kramdown in (KRAMDOWN_HIDDEN, KRAMDOWN_TOC):
        text = kramdown.sub(blank, text)
    text = KRAMDOWN_MARK.sub("", box_kinds(text))  # after a span, with no space: "`a`{: .x}."
    text = GOLDMARK_BLOCK.sub(blank, text)
    text = GOLDMARK_HEADING.sub(r"\1", text)
    text = TEX_DISPLAY.sub(lambda m: f"$${m[1]}$$" if looks_like_tex(m[1]) else m[0], text)
    text = TEX_INLINE.sub(lambda m: f"${m[1].strip()}$" if looks_like_tex(m[1]) else m[0], text)
    text = EMOJI_SHORTCODE.sub("", text)
    text = CALLOUT.sub(callout_title, text)
    text = WIKILINK.sub(wikilink_text, text)
    if mdx:
        text = JSX_COMMENT.sub(blank, text)
        text = MDX_STATEMENT.sub(blank, text)
        text = JSX_TAG.sub(blank, text)
    return text
