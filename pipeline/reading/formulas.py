"""A page's formulas, kept as the TeX they were written in.

Wikipedia, KaTeX and MathJax render a formula twice: as MathML (often hidden from sight,
or from everyone) and as a picture or styled spans (often hidden from screen readers).
Read as it stands, a page loses its formulas (the readings that skip hidden elements take
both) or reads them as a jumble of symbols. Where the MathML carries its TeX (an
``application/x-tex`` annotation, or Wikipedia's ``alttext``), the whole rendering is
replaced by a placeholder before the page is read, and the placeholder by ``$TeX$`` in
the Markdown, which pipeline.text.math reads as words.

MathJax 2 keeps each formula's TeX in a script (``type="math/tex"``, ``; mode=display``
on its own line) that no reading keeps, beside its rendering (the element whose id is the
script's and ``-Frame``) and a preview: the script becomes the placeholder, and the
rendering and the preview go.
"""

from __future__ import annotations

import re

import lxml.html

PLACEHOLDER = "EssaycastFormula{}X"  # letters and digits: nothing on the way escapes them
FOUND = re.compile(r"EssaycastFormula(\d+)X")
CONTAINER = re.compile(r"\b(?:mwe-math-element|katex-display|katex|math-container)\b", re.I)
MATHJAX_PREVIEW = re.compile(r"\bMathJax_Preview\b")
# What MathJax 2 wraps a displayed formula's rendering in, by its output (HTML-CSS, SVG, CHTML).
MATHJAX_DISPLAY = re.compile(r"\b(?:MathJax_Display|MathJax_SVG_Display|MJXc-display)\b")


def tex_of(math: lxml.html.HtmlElement) -> str | None:
    """The TeX a MathML element was made from, if it says."""
    for annotation in math.iter("annotation", "{*}annotation"):
        if (annotation.get("encoding") or "").lower() == "application/x-tex" and annotation.text:
            return " ".join(annotation.text.split())
    alttext = math.get("alttext")
    return " ".join(alttext.split()) if alttext else None


def formulas_as_placeholders(tree: lxml.html.HtmlElement) -> list[str]:
    """Replace each rendered formula whose TeX is known by a placeholder (in place); the
    TeX of each, in the placeholders' order.

    >>> tree = lxml.html.fromstring(
    ...     '<p>So <span class="katex"><span class="katex-mathml"><math><semantics>'
    ...     '<mi>x</mi><annotation encoding="application/x-tex">x^2</annotation></semantics>'
    ...     '</math></span><span class="katex-html" aria-hidden="true">x2</span></span> holds.</p>')
    >>> formulas_as_placeholders(tree), tree.text_content()
    (['x^2'], 'So EssaycastFormula0X holds.')
    """
    found = _mathjax_scripts(tree)
    root = tree.getroottree().getroot()
    for math in list(tree.iter("math", "{*}math")):
        if _top(math) is not root:
            continue  # inside a rendering already replaced
        tex = tex_of(math)
        if not tex:
            continue
        container = math
        for ancestor in math.iterancestors():
            if CONTAINER.search(ancestor.get("class") or ""):
                container = ancestor
        if container.getparent() is not None:
            _replace(container, PLACEHOLDER.format(len(found)))
            found.append(tex)
    return found


def _mathjax_scripts(tree: lxml.html.HtmlElement) -> list[str]:
    """MathJax 2's formulas as placeholders (in place), each rendering and preview gone;
    their TeX, in order.

    >>> tree = lxml.html.fromstring(
    ...     '<p>So <span class="MathJax_Preview"></span><span class="MathJax" '
    ...     'id="MathJax-Element-1-Frame"><nobr aria-hidden="true">x2</nobr></span>'
    ...     '<script type="math/tex" id="MathJax-Element-1">x^2</script> holds.</p>')
    >>> _mathjax_scripts(tree), tree.text_content()
    (['x^2'], 'So EssaycastFormula0X holds.')
    """
    found: list[str] = []
    for script in list(tree.iter("script")):
        kind = (script.get("type") or "").split(";")[0].strip().lower()
        tex = " ".join((script.text or "").split())
        if kind != "math/tex" or not tex or script.getparent() is None:
            continue
        name = script.get("id")
        frame = tree.get_element_by_id(f"{name}-Frame", None) if name else None
        if frame is not None and (wrapper := frame.getparent()) is not None:
            alone = len(wrapper) == 1 and not (wrapper.text or "").strip()
            if alone and MATHJAX_DISPLAY.search(wrapper.get("class") or ""):
                frame = wrapper
            frame.drop_tree()  # its tail stays
        previous = script.getprevious()
        if previous is not None and MATHJAX_PREVIEW.search(previous.get("class") or ""):
            previous.drop_tree()
        _replace(script, PLACEHOLDER.format(len(found)))
        found.append(tex)
    return found


def _replace(element: lxml.html.HtmlElement, text: str) -> None:
    """Put ``text`` where ``element`` is (it goes), a space from any word it would touch."""
    tail = element.tail or ""
    text += (" " if tail[:1].isalnum() else "") + tail
    parent, previous = element.getparent(), element.getprevious()
    before = (previous.tail if previous is not None else parent.text) or ""
    text = (" " if before[-1:].isalnum() else "") + text
    if previous is not None:
        previous.tail = before + text
    else:
        parent.text = before + text
    parent.remove(element)


def with_formulas(markdown: str, formulas: list[str]) -> str:
    """The Markdown with each placeholder back as ``$TeX$`` (a formula lost on the way,
    such as one in a caption left out, is simply not there).

    >>> with_formulas("So EssaycastFormula0X holds.", ["x^2"])
    'So $x^2$ holds.'
    """
    if not formulas:
        return markdown
    return FOUND.sub(lambda match: f"${formulas[int(match[1])]}$", markdown)


def _top(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    while (parent := element.getparent()) is not None:
        element = parent
    return element
