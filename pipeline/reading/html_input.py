"""A saved web page -> the essay as Markdown, and what the page says about itself.

The main text comes from trafilatura, which scores a page's blocks by text and link density
and knows the chrome of the common platforms (navigation, share bars, newsletter boxes,
author bios, related posts); comments are excluded. Its XML output keeps the structure, so
headings become Markdown headings (chapters) and lists and quotes stay lists and quotes.
Figures and captions are left out (images are not extracted at all). Where trafilatura finds
nothing, a plain reading of the page's paragraphs and headings outside its navigation,
header, footer, sidebars, forms and figures is the fallback.

Two things trafilatura keeps that a listener must not hear are removed here: citation
markers such as "[1]" or "[citation needed]", and the back matter of reference works
("See also", "References", "External links"...), from its heading to the next heading of
the same or a higher level.

Metadata (title, author, date, description, canonical URL, site name) comes from
trafilatura's metadata extraction; the language from the page's ``<html lang>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.etree
import lxml.html

from pipeline.core.errors import ScriptError

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
    r"who\?|when\?|note \d+|nb \d+)\]",
    re.IGNORECASE,
)
# Markdown punctuation that would change how a line parses; escaped so the text reads as text.
INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<])")
LINE_START_SPECIAL = re.compile(r"^(\s*)(\d+)?([#>+-]|(?<=\d)[.)])(?=\s|$)")
# Fallback reader: the elements that hold a page's chrome, not its text.
CHROME_TAGS = ("nav", "header", "footer", "aside", "form", "figure", "script", "style", "noscript")
# Boxes that sit inside an article's body on some platforms (a Ghost signup card, a Substack
# subscribe widget) and that trafilatura keeps: matched by a class or id token.
CHROME_CLASS = re.compile(
    r"(?:^|[\s_-])(?:signup|sign-up|subscribe|subscription|newsletter|share|sharing|sharedaddy|"
    r"related|relatedposts|author-bio|author-card|comments?|promo|cta|paywall)(?:$|[\s_-])",
    re.IGNORECASE,
)
MAX_CHROME_SHARE = 0.25  # a "chrome" box holding more of the page's text is the article
STANDFIRST_BLOCKS = 3  # the page's description repeated among its first blocks is a standfirst
FALLBACK_BLOCKS = {"h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6, "p": 0, "li": -1, "blockquote": -2}


@dataclass(frozen=True)
class Page:
    """What a saved page holds: the essay as Markdown, and facts about it (None: not given)."""

    markdown: str
    title: str | None = None
    author: str | None = None
    date: str | None = None  # YYYY-MM-DD
    description: str | None = None
    url: str | None = None
    sitename: str | None = None
    language: str | None = None
    extractor: str = "trafilatura"  # or "fallback"


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


def decode_page(data: bytes, source: Path) -> str | None:
    """A page's text in the encoding it declares; None when it declares UTF-8 or nothing."""
    encoding = declared_encoding(data)
    if encoding is None:
        return None
    try:
        return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
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


def read_page(html: str, source: Path) -> Page:
    """Extract the essay and the page's metadata. ScriptError when there is no text."""
    # Imported here, not above: it takes 70 ms, and most builds read no page at all (the
    # ingest module, which imports this one, is loaded for every script).
    import trafilatura

    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError) as error:
        raise ScriptError(f"cannot parse the page as HTML ({error})", source) from None
    meta = trafilatura.extract_metadata(lxml.html.fromstring(html))
    drop_chrome_boxes(tree)
    keep_spaces_between_tags(tree)
    xml = trafilatura.extract(
        tree,
        output_format="xml",
        include_comments=False,
        include_images=False,
        include_tables=False,
        include_formatting=True,
        include_links=False,
        deduplicate=False,
    )
    description = meta.description if meta else None
    outside = compact(clean_text(without_chrome(lxml.html.fromstring(html)).text_content()))
    blocks = xml_blocks(xml) if xml else iter(())
    # On a page with little text trafilatura falls back to reading everything, menus too:
    # a block found only inside navigation, header, footer, sidebar or form is not the essay.
    essay_blocks = (block for block in blocks if compact(block[1]) in outside)
    markdown, extractor = to_markdown_from(essay_blocks, description), "trafilatura"
    if not markdown.strip():
        markdown, extractor = fallback_markdown(lxml.html.fromstring(html), description), "fallback"
    if not markdown.strip():
        raise ScriptError(
            "no article text found in the page (nothing but navigation, forms or scripts); "
            "save the page again once it has loaded, or paste the essay as text",
            source,
        )
    return Page(
        markdown=markdown,
        title=meta.title if meta else None,
        author=meta.author if meta else None,
        date=meta.date if meta else None,
        description=meta.description if meta else None,
        url=meta.url if meta else None,
        sitename=meta.sitename if meta else None,
        language=page_language(tree),
        extractor=extractor,
    )


def page_language(tree: lxml.html.HtmlElement) -> str | None:
    """The page's declared language: ``<html lang>``, else its Content-Language meta.

    >>> page_language(lxml.html.fromstring('<html lang="fr-FR"><body><p>x</p></body></html>'))
    'fr-FR'
    """
    root = tree.getroottree().getroot()
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        metas = root.xpath(
            '//meta[translate(@http-equiv,"CONTENT-LANGUAGE","content-language")'
            '="content-language"]/@content'
        )
        lang = metas[0] if metas else None
    return str(lang).strip().replace("_", "-") or None if lang else None


def escape(text: str) -> str:
    """Text -> Markdown that reads as that text.

    >>> escape("1. Start *small* [1]")
    '1\\\\. Start \\\\*small\\\\* \\\\[1\\\\]'
    """
    return LINE_START_SPECIAL.sub(r"\1\2\\\3", INLINE_SPECIAL.sub(r"\\\1", text))


def clean_text(text: str) -> str:
    """One block's words: whitespace collapsed, citation markers gone.

    >>> clean_text("Rome fell[1] slowly.[citation needed]  Then  rose.")
    'Rome fell slowly. Then rose.'
    """
    return " ".join(CITATION_MARKER.sub("", text).split())


def xml_blocks(xml: str) -> Iterator[tuple[int, str]]:
    """trafilatura XML -> (level, text): level 1-6 a heading, 0 a paragraph, -1 a list
    item, -2 a quotation."""
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    for element in main.iter("head", "p", "item", "quote") if main is not None else ():
        if (
            element.tag == "p"
            and element.getparent() is not None
            and (element.getparent().tag in ("quote", "item"))
        ):
            continue  # read as part of its quotation or list item
        for text in filter(None, map(clean_text, broken_lines(element))):
            if element.tag == "head":
                match = re.fullmatch(r"h([1-6])", element.get("rend", ""))
                yield (int(match[1]) if match else 2), text
            else:
                yield {"p": 0, "item": -1, "quote": -2}[element.tag], text


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


def without_standfirst(
    blocks: Iterator[tuple[int, str]], description: str | None
) -> Iterator[tuple[int, str]]:
    """Skip the page's description where the page repeats it as a subtitle at the top: it
    is the episode's summary, not a sentence of the essay.

    >>> list(without_standfirst(iter([(2, "A dek."), (0, "Text.")]), " A  dek. "))
    [(0, 'Text.')]
    """
    wanted = " ".join(description.split()).casefold() if description else None
    for index, (level, text) in enumerate(blocks):
        if not (wanted and index < STANDFIRST_BLOCKS and text.casefold() == wanted):
            yield level, text


def keep_spaces_between_tags(tree: lxml.html.HtmlElement) -> None:
    """Move a space that only separates two elements inside the first one.

    trafilatura drops such a space ("<b>very</b> <i>good</i>" came out "verygood"), and the
    two words ran together in the narration. Inside the element, the space is kept.

    >>> tree = lxml.html.fromstring("<p>A <b>very</b> <i>good</i> <i><b>x</b></i> <a>day</a>.</p>")
    >>> keep_spaces_between_tags(tree)
    >>> lxml.html.tostring(tree)
    b'<p>A <b>very </b><i>good </i><i><b>x </b></i><a>day</a>.</p>'
    """
    for element in tree.iter():
        if element.tail and not element.tail.strip() and element.getnext() is not None:
            element.tail = None
            _end_with_space(element)


def _end_with_space(element: lxml.html.HtmlElement) -> None:
    """Add a space after the last words inside ``element`` (in its deepest last text)."""
    if not len(element):
        element.text = (element.text or "") + " "
    elif element[-1].tail and element[-1].tail.strip():
        element[-1].tail += " "
    else:
        element[-1].tail = None
        _end_with_space(element[-1])


def drop_chrome_boxes(tree: lxml.html.HtmlElement) -> None:
    """Remove signup, share, related-post, bio and comment boxes named as such by class or id,
    unless one holds a large share of the page's text (then it is the article's wrapper)."""
    total = len(tree.text_content()) or 1
    for element in tree.xpath("//*[@class or @id]"):
        if element.getparent() is None or element.tag in ("html", "body"):
            continue
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if CHROME_CLASS.search(names) and len(element.text_content()) < MAX_CHROME_SHARE * total:
            element.drop_tree()


def to_markdown_from(blocks: Iterator[tuple[int, str]], description: str | None = None) -> str:
    return to_markdown(without_standfirst(without_back_matter(blocks), description))


def compact(text: str) -> str:
    """Text without any whitespace, for finding one extractor's block in another's text."""
    return "".join(text.split())


def without_chrome(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """``tree`` with its navigation, header, footer, sidebars, forms and figures removed."""
    for element in tree.xpath("|".join(f"//{tag}" for tag in CHROME_TAGS)):
        element.drop_tree()
    return tree


def fallback_markdown(tree: lxml.html.HtmlElement, description: str | None = None) -> str:
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

    return to_markdown_from(blocks(), description)
