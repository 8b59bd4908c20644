"""A saved web page -> the essay as Markdown, and what the page says about itself.

The main text comes from trafilatura, given the page as it was saved (the raw HTML) and its
recall-minded settings: ``favor_recall``, tables on, its own fallbacks (readability and
jusText) where its first pass finds little. It scores a page's blocks by text and link
density and knows the chrome of the common platforms (navigation, share bars, newsletter
boxes, author bios, related posts); comments are excluded. Its XML output keeps the
structure, so headings become Markdown headings (chapters) and lists and quotes stay lists
and quotes; every piece of text in it is read, whatever element holds it. Figures and
captions are left out (images are not extracted at all).

Tables: a table whose cells hold prose (a layout table) is read cell by cell as paragraphs;
a data table is announced in one sentence ("The page has a table here, of 4 rows and 3
columns: Year, Town, Trees; it is not read aloud.") instead of being read cell by cell.

Before any of it, what the page hides from every reader (the ``hidden`` attribute,
``aria-hidden``, an inline ``display: none``, a template) is taken out
(pipeline.reading.hidden): what nobody sees or hears on the page is not narrated.

essaycast's own rules only remove what is proven chrome:

* a block that trafilatura found only inside the page's navigation, sidebars, figures, a
  site header or footer outside the article, or a box named as chrome by its class or id
  (signup, subscribe, share, related, author bio, comments), not the article's text;
* citation markers such as "[1]" or "[citation needed]", and the back matter of reference
  works ("See also", "References", "External links"...), from its heading to the next
  heading of the same or a higher level;
* a standfirst: marked as one by its class, or a heading among the first blocks that
  repeats the page's description (the episode's summary says it already);
* what stands before or after the article's prose (pipeline.reading.bounds): blocks
  outside the paragraphs trafilatura's balanced reading agrees on, and teasers and
  newsletter boxes after the last sentence.

Where trafilatura finds nothing, a plain reading of the page's paragraphs and headings
outside its chrome is the fallback. Metadata is pipeline.reading.page_meta's business.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import lxml.etree
import lxml.html

from pipeline.core.errors import ScriptError
from pipeline.reading.bounds import agreed, compact, without_tail
from pipeline.reading.formulas import formulas_as_placeholders, with_formulas
from pipeline.reading.hidden import drop_hidden
from pipeline.reading.page_meta import Page, page_facts

# Sections that close a reference work: bibliography and links, never the essay.
BACK_MATTER = frozenset(
    (
        "see also",
        "references",
        "notes",
        "footnotes",
        "citations",
        "sources",
        "bibliography",
        "external links",
        "further reading",
        "notes and references",
        "works cited",
    )
)
CITATION_MARKER = re.compile(
    r"\s?\[(?:\d{1,3}|[a-z]|citation needed|clarification needed|according to whom\?|"
    r"who\?|when\?|note \d+|nb \d+|edit|edit source)\]",
    re.IGNORECASE,
)
# Markdown punctuation that would change how a line parses; escaped so the text reads as text.
# A space between an inline element's end and the next inline tag: trafilatura drops it.
SPACE_AFTER_INLINE = re.compile(
    r"(</(?:a|abbr|b|cite|code|em|i|mark|q|s|small|span|strong|sub|sup|u)\s*>)[ \t\r\n]+"
    r"(?=</?(?:a|abbr|b|cite|code|em|i|mark|q|s|small|span|strong|sub|sup|u)\b)",
    re.I,
)
# A tag a broken page shows as text ("<2 class="title">" once its "h" is lost): a name, and
# at least one attribute, between angle brackets. Prose does not write attributes.
MARKUP_DEBRIS = re.compile(
    r"</?[A-Za-z0-9][\w:-]*(?:\s+[\w:-]+\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>]+))+\s*/?>"
)
INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<])")
LINE_START_SPECIAL = re.compile(r"^(\s*)(\d+)?([#>+-]|(?<=\d)[.)])(?=\s|$)")
# The elements that hold a page's chrome, not its text, wherever they stand; and those that
# do only outside the article (an article's own <header> holds its title and standfirst).
CHROME_TAGS = ("nav", "aside", "figure", "script", "style", "noscript", "template")
SITE_TAGS = ("header", "footer")
ARTICLE_TAGS = ("article", "main")
# Boxes that sit inside an article's body on some platforms (a Ghost signup card, a Substack
# subscribe widget) and that trafilatura keeps: matched by a class or id token. A paywall
# box is not among them: on news sites it wraps the article itself.
CHROME_CLASS = re.compile(
    r"(?:^|[\s_-])(?:signup|sign-up|subscribe|subscription|newsletter|share|sharing|sharedaddy|"
    r"related|relatedposts|author-bio|author-card|comments?|promo|cta|preheader|infobox|navbox)(?:$|[\s_-])",
    re.IGNORECASE,
)
# A standfirst (dek) as platforms mark it; read only where it is not the page's description,
# which the episode's summary already says. A "lede" or "intro" class is the first paragraph.
STANDFIRST_CLASS = re.compile(
    r"(?:^|[\s_-])(?:standfirst|dek|sub-?title|subtitle-paragraph|excerpt|strap(?:line)?)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
STANDFIRST_BLOCKS = 3  # the standfirst stands among the first blocks of the article
MAX_CHROME_SHARE = 0.25  # a "chrome" box holding more of the page's text is the article
FALLBACK_BLOCKS = {"h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6, "p": 0, "li": -1, "blockquote": -2}
# A table cell of prose (a layout table) rather than data: this many words, or a sentence.
PROSE_CELL_WORDS = 25
Shown = Callable[[str], bool]
TABLE_NOTE = -3  # a block level: our sentence announcing a data table, not the page's text


DECLARED_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)


def declared_encoding(data: bytes) -> str | None:
    """The encoding a saved page declares in its first bytes, if not UTF-8.

    >>> declared_encoding(b'<meta charset="Shift_JIS">'), declared_encoding(b"<meta charset=utf-8>")
    ('shift_jis', None)
    """
    match = DECLARED_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match[1].decode("ascii").lower()
    return None if name.replace("-", "").replace("_", "") in ("utf8", "usascii", "ascii") else name


def decode_page(data: bytes, source: Path) -> tuple[str, tuple[str, ...]] | None:
    """A page's text in the encoding it declares, and any warning; None when it declares
    UTF-8 or nothing. Bytes that are valid UTF-8 beyond ASCII are UTF-8 whatever the page
    declares (a page written in UTF-8 under an old template's iso-8859-1 declaration would
    otherwise read as "NaÃ¯ve"): decoded as UTF-8, with a warning.

    >>> decode_page('<meta charset="iso-8859-1"><p>Naïve</p>'.encode(), Path("p.html"))[0][-12:]
    '<p>Naïve</p>'
    """
    encoding = declared_encoding(data)
    if encoding is None:
        return None
    if not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            warning = (
                f"the page declares {encoding}, but its bytes are UTF-8: read as UTF-8 "
                f'(save it again with <meta charset="utf-8"> to silence this)'
            )
            return text.replace("\r\n", "\n").replace("\r", "\n"), (warning,)
    try:
        return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n"), ()
    except LookupError:
        raise ScriptError(
            f"the page declares an unknown encoding '{encoding}'; save it again as UTF-8", source
        ) from None
    except UnicodeDecodeError as error:
        raise ScriptError(
            f"not valid {encoding} at byte {error.start}, though the page declares it; "
            "save it again as UTF-8",
            source,
        ) from None


def looks_like_html(text: str) -> bool:
    """
    >>> looks_like_html("<!DOCTYPE html><html>"), looks_like_html("Just text <b>bold</b>")
    (True, False)
    """
    head = text.lstrip()[:1024].lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or "<head" in head


DEPTH = "ERR_RESOURCE_LIMIT"  # libxml2's error type for "Excessive depth in document"


def read_page(html: str, source: Path) -> Page:
    """Extract the essay and the page's metadata. ScriptError when there is no text."""
    # Imported here, not above: it takes 70 ms, and most builds read no page at all (the
    # ingest module, which imports this one, is loaded for every script).
    import trafilatura

    parser = lxml.html.HTMLParser()
    try:
        tree = lxml.html.fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError) as error:
        raise ScriptError(f"cannot parse the page as HTML ({error})", source) from None
    if any("depth" in entry.message for entry in parser.error_log if entry.type_name == DEPTH):
        # libxml2 stops descending at 256 levels: the text below is lost, not boilerplate.
        raise ScriptError(
            "the page is nested too deeply (elements more than 256 levels inside one "
            "another), so its text cannot be read; paste the essay as text or Markdown",
            source,
        )
    facts = page_facts(html)
    formulas = formulas_as_placeholders(tree)  # kept as TeX, whatever of them is hidden
    if drop_hidden(tree) or formulas:  # what no reader sees is not narrated
        html = lxml.html.tostring(tree.getroottree(), encoding="unicode")
    spaced = keep_spaces_between_tags(html)
    xml, balanced = (
        trafilatura.extract(
            spaced,
            output_format="xml",
            favor_recall=recall,
            include_comments=False,
            include_images=False,
            include_tables=True,
            include_formatting=True,
            include_links=False,
            deduplicate=False,
        )
        for recall in (True, False)
    )
    outside = compact(clean_text(" ".join(without_chrome(tree).itertext())))
    blocks = xml_blocks(xml, lambda text: compact(text) in outside) if xml else iter(())
    if balanced:  # trafilatura's balanced reading marks where the article begins and ends
        blocks = agreed(list(blocks), " ".join(text for _, text in xml_blocks(balanced)))
    # On a page with little text trafilatura falls back to reading everything, menus too:
    # a block found only inside navigation, sidebars or chrome boxes is not the essay.
    found = (block for block in blocks if block[0] == TABLE_NOTE or compact(block[1]) in outside)
    essay_blocks = without_standfirst(
        found, standfirsts(tree, facts.description), facts.description
    )
    markdown, extractor = to_markdown_from(without_tail(list(essay_blocks))), "trafilatura"
    if not markdown.strip():
        markdown, extractor = fallback_markdown(lxml.html.fromstring(html)), "fallback"
    if not markdown.strip():
        raise ScriptError(
            "no article text found in the page (nothing but navigation, forms or scripts); "
            "save the page again once it has loaded, or paste the essay as text",
            source,
        )
    markdown = with_formulas(markdown, formulas)
    return dataclasses.replace(facts, markdown=markdown, extractor=extractor)


def keep_spaces_between_tags(html: str) -> str:
    """Move a space that only separates two inline elements inside the first one.

    trafilatura drops such a space ("<b>very</b> <i>good</i>" came out "verygood"), and the
    two words ran together in the narration; inside the element, the space is kept.

    >>> keep_spaces_between_tags("<p>A <b>very</b> <i>good</i> <i><b>x</b></i> <a>day</a>.</p>")
    '<p>A <b>very </b><i>good </i><i><b>x </b></i><a>day</a>.</p>'
    """
    while True:
        moved = SPACE_AFTER_INLINE.sub(r" \1", html)
        if moved == html:
            return html
        html = moved


def escape(text: str) -> str:
    """Text -> Markdown that reads as that text.

    >>> escape("1. Start *small* [1]")
    '1\\\\. Start \\\\*small\\\\* \\\\[1\\\\]'
    """
    return LINE_START_SPECIAL.sub(r"\1\2\\\3", INLINE_SPECIAL.sub(r"\\\1", text))


def clean_text(text: str) -> str:
    """One block's words: whitespace collapsed, citation markers and markup debris gone.

    >>> clean_text("Rome fell[1] slowly.[citation needed]  Then  rose.")
    'Rome fell slowly. Then rose.'
    >>> clean_text('<2 class="post-title">Letters I Kept')  # a heading whose tag broke
    'Letters I Kept'
    >>> clean_text("If a < b and b > c, then nothing.")  # comparisons are prose
    'If a < b and b > c, then nothing.'
    """
    return " ".join(MARKUP_DEBRIS.sub(" ", CITATION_MARKER.sub("", text)).split())


def xml_blocks(xml: str, shown: Shown = lambda text: True) -> Iterator[tuple[int, str]]:
    """trafilatura XML -> (level, text): level 1-6 a heading, 0 a paragraph, -1 a list
    item, -2 a quotation. Every text in the XML is read, whatever element holds it.
    ``shown`` says whether a data table's text is the article's (else it is not announced).

    >>> list(xml_blocks("<doc><main>Loose.<p>One.</p><div>Two.</div><list><item>a"
    ...     "<list><item>b</item></list></item></list><quote><p>Q.</p></quote></main></doc>"))
    [(0, 'Loose.'), (0, 'One.'), (0, 'Two.'), (-1, 'a'), (-1, 'b'), (-2, 'Q.')]
    >>> list(xml_blocks("<doc><main><quote>A <hi>bold</hi> word.<lb/>Next.</quote></main></doc>"))
    [(-2, 'A bold word.'), (-2, 'Next.')]
    """
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    if main is None:
        return
    yield from loose_text(main.text)
    for element in main:
        yield from element_blocks(element, 0, shown)
        yield from loose_text(element.tail)


def loose_text(text: str | None, level: int = 0) -> Iterator[tuple[int, str]]:
    cleaned = clean_text(text or "")
    if cleaned:
        yield level, cleaned


def element_blocks(
    element: lxml.etree._Element, level: int = 0, shown: Shown = lambda text: True
) -> Iterator[tuple[int, str]]:
    """One element of trafilatura's XML as blocks; ``level`` is that of the paragraphs
    inside it (-1 inside a list item, -2 inside a quotation)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in ("", "graphic", "code"):
        return  # a comment, an image, a listing: nothing to say aloud
    if tag == "head":
        match = re.fullmatch(r"h([1-6])", element.get("rend", ""))
        for text in filter(None, map(clean_text, broken_lines(element))):
            yield (int(match[1]) if match else 2), text
    elif tag == "list":
        yield from loose_text(element.text, level)
        for child in element:
            yield from element_blocks(child, -1 if child.tag == "item" else level, shown)
            yield from loose_text(child.tail, level)
    elif tag == "table":
        yield from table_blocks(element, shown)
    elif tag in ("quote", "item") or any(
        child.tag in ("p", "list", "head", "quote", "table") for child in element
    ):
        inner = -2 if tag == "quote" else -1 if tag == "item" else level
        # Inline text between the blocks (a quotation's words around its <hi>) is one
        # block per run, split only where the page broke the line.
        lines = [element.text or ""]
        for child in element:
            if child.tag in ("p", "list", "head", "quote", "table", "item"):
                yield from ((inner, text) for text in filter(None, map(clean_text, lines)))
                yield from element_blocks(child, inner, shown)
                lines = [""]
            elif child.tag in ("lb", "br"):
                lines.append("")
            elif isinstance(child.tag, str):  # inline: its words join the run
                first, *rest = broken_lines(child)
                lines[-1] += first
                lines += rest
            lines[-1] += child.tail or ""
        yield from ((inner, text) for text in filter(None, map(clean_text, lines)))
    else:
        for text in filter(None, map(clean_text, broken_lines(element))):
            yield level, text


def table_blocks(
    table: lxml.etree._Element, shown: Shown = lambda text: True
) -> Iterator[tuple[int, str]]:
    """A layout table's prose as paragraphs; a data table announced in one sentence.

    >>> xml = "<table><row><cell>Year</cell><cell>Trees</cell></row>"
    >>> xml += "<row><cell>2021</cell><cell>40</cell></row></table>"
    >>> [(level, text)] = table_blocks(lxml.etree.fromstring(xml))
    >>> print(level, text)
    -3 The page has a table here, of 2 rows and 2 columns (Year, Trees); it is not read aloud.
    """
    rows = [row for row in table.iter("row")]
    cells = [cell for row in rows for cell in row.iter("cell")]
    texts = [clean_text(" ".join(cell.itertext())) for cell in cells]
    columns = max((len(row.findall("cell")) for row in rows), default=0)
    prose = any(
        len(text.split()) >= PROSE_CELL_WORDS or text.endswith((".", "!", "?", "…"))
        for text in texts
    )
    if prose or columns <= 1 or len(rows) <= 1:
        for cell in cells:
            for child in cell if len(cell) else ():
                if child.tag in ("p", "list", "head", "quote"):
                    yield from element_blocks(child)
            if not any(child.tag in ("p", "list", "head", "quote") for child in cell):
                yield from loose_text(" ".join(cell.itertext()))
        return
    if not shown(" ".join(texts)):
        return  # a table of the page's chrome (a wiki's infobox): not announced
    header = [text for text in (clean_text(" ".join(c.itertext())) for c in rows[0]) if text]
    named = f" ({', '.join(header)})" if header and all(len(h) < 40 for h in header) else ""
    yield (
        TABLE_NOTE,
        f"The page has a table here, of {len(rows)} rows and {columns} columns{named}; "
        "it is not read aloud.",
    )


def broken_lines(element: lxml.etree._Element) -> list[str]:
    """An element's text, split where the page broke the line (``<br>``, trafilatura's
    ``<lb/>``), so that words on either side of a break never run together.

    >>> broken_lines(lxml.etree.fromstring("<p>One.<lb/>Two <hi>t<b>o</b>o</hi>.</p>"))
    ['One.', 'Two too.']
    """
    lines = [element.text or ""]

    def walk(parent: lxml.etree._Element) -> None:
        for child in parent:
            if not isinstance(child.tag, str):  # an HTML comment or processing instruction
                pass
            elif child.tag in ("lb", "br"):
                lines.append("")
            else:
                lines[-1] += child.text or ""
                walk(child)
            lines[-1] += child.tail or ""

    walk(element)
    return lines


def without_back_matter(blocks: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Skip each "See also"/"References"... section, up to the next heading as high.

    >>> list(without_back_matter(iter([(2, "History"), (0, "Text."), (2, "See also"),
    ...     (-1, "Other page"), (3, "Sub"), (2, "Legacy"), (0, "More.")])))
    [(2, 'History'), (0, 'Text.'), (2, 'Legacy'), (0, 'More.')]
    """
    skipping_below: int | None = None
    for level, text in blocks:
        if level > 0 and skipping_below is not None and level <= skipping_below:
            skipping_below = None
        if level > 0 and text.casefold().rstrip(":") in BACK_MATTER:
            skipping_below = level
        if skipping_below is None:
            yield level, text


def to_markdown(blocks: Iterator[tuple[int, str]]) -> str:
    """(level, text) blocks -> Markdown, one blank line between blocks.

    >>> print(to_markdown(iter([(2, "Part *one*"), (0, "Hi."), (-1, "a"), (-1, "b"), (-2, "Q.")])))
    ## Part \\*one\\*
    <BLANKLINE>
    Hi.
    <BLANKLINE>
    - a
    - b
    <BLANKLINE>
    > Q.
    <BLANKLINE>
    """
    out: list[str] = []
    previous = None
    for level, text in blocks:
        if level > 0:
            line = "#" * level + " " + escape(text)
        elif level == -1:
            line = "- " + INLINE_SPECIAL.sub(r"\\\1", text)
        elif level == -2:
            line = "> " + INLINE_SPECIAL.sub(r"\\\1", text)
        else:
            line = escape(text)
        if out and not (level == -1 and previous == -1):
            out.append("")
        out.append(line)
        previous = level
    return "\n".join(out) + "\n" if out else ""


def standfirsts(tree: lxml.html.HtmlElement, description: str | None) -> set[str]:
    """The page's standfirst, when it is marked as one and repeats the page's description.

    >>> page = lxml.html.fromstring('<div><p class="dek">A  dek.</p><p>A dek.</p></div>')
    >>> standfirsts(page, "A dek."), standfirsts(page, "Other.")
    ({'adek.'}, set())
    """
    wanted = compact(description or "").casefold()
    return {
        wanted
        for element in tree.xpath("//*[@class]")
        if wanted
        and STANDFIRST_CLASS.search(element.get("class", ""))
        and compact(element.text_content()).casefold() == wanted
    }


def without_standfirst(
    blocks: Iterator[tuple[int, str]], marked: set[str], description: str | None = None
) -> Iterator[tuple[int, str]]:
    """Skip a standfirst among the first blocks: the summary says it already. A standfirst
    is marked as one by its class, or is a heading that repeats the page's description
    word for word (a paragraph that does is the lede, and is read).

    >>> list(without_standfirst(iter([(2, "A dek."), (0, "Text.")]), {"adek."}))
    [(0, 'Text.')]
    >>> blocks = [(1, "Title"), (2, "Said  twice."), (0, "Said twice.")]
    >>> list(without_standfirst(iter(blocks), set(), "Said twice."))
    [(1, 'Title'), (0, 'Said twice.')]
    """
    repeated = compact(description or "").casefold()
    for index, (level, text) in enumerate(blocks):
        words = compact(text).casefold()
        dek = words in marked or (level > 0 and words == repeated)
        if not (index < STANDFIRST_BLOCKS and dek):
            yield level, text


def to_markdown_from(blocks: Iterator[tuple[int, str]]) -> str:
    return to_markdown(without_back_matter(blocks))


def without_chrome(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """``tree`` without its chrome: navigation, sidebars, figures, scripts; the site's
    header and footer (outside the article); boxes named as chrome by class or id, unless
    one holds a large share of the page's text (then it is the article's wrapper).

    >>> page = lxml.html.fromstring("<div><nav>Menu</nav><article><header>Title</header>"
    ...     "<p>Text.</p><div class='share-bar'>Share</div></article><footer>(c)</footer></div>")
    >>> " ".join(without_chrome(page).itertext())
    'Title Text.'
    """
    total = len(tree.text_content()) or 1
    doomed = tree.xpath("|".join(f"//{tag}" for tag in CHROME_TAGS))
    inside = "|".join(f"ancestor::{tag}" for tag in ARTICLE_TAGS)
    doomed += tree.xpath("|".join(f"//{tag}[not({inside})]" for tag in SITE_TAGS))
    for element in tree.xpath("//*[@class or @id]"):
        if element.tag in ("html", "body"):
            continue
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if CHROME_CLASS.search(names) and len(element.text_content()) < MAX_CHROME_SHARE * total:
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    return tree


def fallback_markdown(tree: lxml.html.HtmlElement) -> str:
    """The page's headings and paragraphs outside its chrome, for when trafilatura fails."""
    tree = without_chrome(tree)
    containers = tree.xpath("//article") or tree.xpath("//main") or tree.xpath("//body") or [tree]
    tags = set(FALLBACK_BLOCKS)

    def blocks() -> Iterator[tuple[int, str]]:
        for element in containers[0].iter(*tags):
            if any(ancestor.tag in tags for ancestor in element.iterancestors()):
                continue  # a paragraph inside a list item or a quotation: read with it
            for text in filter(None, map(clean_text, broken_lines(element))):
                yield FALLBACK_BLOCKS[element.tag], text

    return to_markdown_from(blocks())
