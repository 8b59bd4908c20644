"""What a saved page says about itself, from the sources that can be trusted, with where.

Each field comes from the first source that has it; ``Page.origins`` records which:

    title   JSON-LD ``headline``, ``og:title``, ``twitter:title``, ``<title>`` (each without
            the site's name), and only then trafilatura's guess (which may be an ``<h1>``:
            on many blogs the site's header is the page's only ``<h1>``)
    author  JSON-LD ``author``, ``<meta name="author">``/``article:author``, a byline
            element near the title (``rel="author"``, ``itemprop="author"``, a class
            such as ``byline`` or ``author-name``). Each must read as a person's name: a
            UI label ("Admin", "Username", "作者"), a job title or an agency ("AP Auto
            Writer") is not one. "Name; Agency" keeps the name; several people are joined
            with "and". No trusted name: no author (``Page.missing`` says why).
    date    JSON-LD ``datePublished``, ``article:published_time`` and its kin, a ``<time>``
            in the article, then trafilatura's date search on the page without its data
            URIs (an inline image's base64 may hold "2019") and without its URLs.

The rest: description (JSON-LD, ``og:description``, ``description``), canonical URL,
site name (``og:site_name``, the JSON-LD publisher), language (``<html lang>``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import lxml.etree
import lxml.html

from pipeline.reading.infer import find_date, strip_site_name


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
    origins: tuple[tuple[str, str], ...] = ()  # (field, where the page gives it)
    missing: tuple[tuple[str, str], ...] = ()  # (field, why it was left out)

    def origin(self, field: str, default: str) -> str:
        return dict(self.origins).get(field, default)


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Posting|Report|Review|Story", re.I)
# Words that label an author field or name a role or an agency, never a person.
LABELS = word_set(
    "author authors admin administrator username user users guest anonymous staff editor "
    "editors editorial webmaster root unknown team by posted written contributor contributors "
    "autor auteur autore författare forfatter auteurs redaktion redacción rédaction "
    "作者 著者 筆者 編集部 작성자 저자 글쓴이 автор редакция yazar penulis"
)
ROLE_WORDS = word_set(
    "writer writers reporter reporters correspondent correspondents editor editors staff "
    "contributor contributing columnist press associated reuters afp ap upi agency desk "
    "bureau team news wire service services newsroom senior chief photographer "
    "photographers producer"
)
PARTICLES = word_set("de da di del della der den van von le la du dos das bin al ibn y e")
BYLINE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:by-?line|author|author-?name|post-?author|entry-?author|article-?author|"
    r"writer|contributor-?name)(?:$|\s)",
    re.I,
)
BYLINE_MAX_WORDS = 8
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
URL_TEXT = re.compile(r"(?:https?:)?//[^\s\"'<>]+")
CJK = re.compile(r"^[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{2,6}$")


def person(name: str) -> str | None:
    """``name`` if it reads as a person's name, else None.

    >>> [person(s) for s in ("Tom Krisher", "Username", "Authority control", "admin", "作者")]
    ['Tom Krisher', None, None, None, None]
    >>> [person(s) for s in ("Ap Auto Writer", "Lucía de la Cruz", "https://x.org/u/1", "王小明")]
    [None, 'Lucía de la Cruz', None, '王小明']
    """
    name = " ".join(name.split()).strip(" ,;:|·•-–—")
    name = re.sub(r"^(?i:by|written by|posted by|words by|author)\s*:?\s+", "", name)
    if CJK.match(name):
        return None if name in LABELS else name
    words = name.split()
    if not 2 <= len(words) <= 5 or re.search(r"[\d@/:#=<>{}\[\]()]", name):
        return None
    folded = [word.casefold().strip(".") for word in words]
    if any(word in LABELS or word in ROLE_WORDS for word in folded):
        return None
    if not all(
        word[0].isupper() or fold in PARTICLES for word, fold in zip(words, folded, strict=True)
    ):
        return None
    if not words[0][0].isupper():
        return None
    # "Authority control", "Main menu": a capitalized word, then a common lower-case one
    return name if sum(word[0].isupper() for word in words) >= 2 else None


def people(text: str) -> str | None:
    """A credit line as the people it names: roles and agencies dropped, joined with "and".

    >>> people("Tom Krisher; Ap Auto Writer"), people("By Ana Ruiz and Li Wei")
    ('Tom Krisher', 'Ana Ruiz and Li Wei')
    >>> people("Priya Natarajan, Daniel Reyes & Mei Tanaka"), people("Username")
    ('Priya Natarajan, Daniel Reyes and Mei Tanaka', None)
    """
    text = re.sub(r"^(?i:by|written by|posted by|words by)\s*:?\s+", "", " ".join(text.split()))
    parts = re.split(r"\s*(?:;|,|\||&|\band\b|\bund\b|\bet\b|\by\b|·|•)\s*", text)
    names = list(dict.fromkeys(filter(None, map(person, parts))))
    if not names:
        return None
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def iso_date(text: str | None) -> str | None:
    """
    >>> iso_date("2024-03-02T08:00:00+01:00"), iso_date("March 2, 2024"), iso_date("soon")
    ('2024-03-02', '2024-03-02', None)
    """
    if not text:
        return None
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        found = find_date(match[0].strip())
        return found.isoformat() if found else None
    found = find_date(text)
    return found.isoformat() if found else None


def json_ld(tree: lxml.html.HtmlElement) -> list[dict[str, Any]]:
    """The page's JSON-LD objects, @graph flattened; articles first."""
    objects: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            objects.append(value)
            walk(value.get("@graph", []))

    for script in tree.xpath('//script[contains(@type, "ld+json")]'):
        try:
            walk(json.loads(script.text or ""))
        except ValueError:
            continue
    kind = lambda obj: str(obj.get("@type", ""))  # noqa: E731
    return sorted(objects, key=lambda obj: not ARTICLE_TYPES.search(kind(obj)))


def ld_names(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from ld_names(item)
    elif isinstance(value, dict) and isinstance(value.get("name"), str):
        yield value["name"]


def meta_content(tree: lxml.html.HtmlElement, *keys: str) -> str | None:
    """The first non-empty ``<meta>`` content among ``keys`` (name, property or itemprop)."""
    found = meta_entry(tree, *keys)
    return found[1] if found else None


def meta_entry(tree: lxml.html.HtmlElement, *keys: str) -> tuple[str, str] | None:
    """(key, content) of the first non-empty ``<meta>`` among ``keys``."""
    lower = 'translate(@name,"ABCDEFGHIJKLMNOPQRSTUVWXYZ","abcdefghijklmnopqrstuvwxyz")'
    for key in keys:
        for element in tree.xpath(
            f'//meta[{lower}="{key}" or @property="{key}" or @itemprop="{key}"]'
        ):
            content = " ".join((element.get("content") or "").split())
            if content:
                return key, content
    return None


def byline_people(tree: lxml.html.HtmlElement) -> str | None:
    """The names in the first byline element outside the page's navigation and footer."""
    outside = "not(ancestor::nav or ancestor::footer or ancestor::aside)"
    candidates = tree.xpath(f'//*[@rel="author" or @itemprop="author"][{outside}]')
    candidates += [
        element
        for element in tree.xpath(f"//*[@class][{outside}]")
        if BYLINE_CLASS.search(element.get("class", ""))
    ]
    for element in candidates:
        named = element.xpath('.//*[@itemprop="name"]')
        text = " ".join((named[0] if named else element).text_content().split())
        if 0 < len(text.split()) <= BYLINE_MAX_WORDS and (found := people(text)):
            return found
    return None


def page_facts(page: str) -> Page:
    """Title, author, date and the rest, each from the first trusted source, with origins."""
    import trafilatura

    tree = lxml.html.fromstring(page)
    objects = json_ld(tree)
    origins: list[tuple[str, str]] = []
    missing: list[tuple[str, str]] = []

    def first(field: str, sources: list[tuple[str, Any]]) -> str | None:
        for origin, value in sources:
            if isinstance(value, str) and value.strip():
                origins.append((field, origin))
                return " ".join(html.unescape(value).split())
        return None

    def ld(key: str) -> str | None:
        for obj in objects:
            value = obj.get(key)
            if isinstance(value, str) and value.strip():
                return value
        return None

    publisher: dict[str, Any] = next(
        (o["publisher"] for o in objects if isinstance(o.get("publisher"), dict)), {}
    )
    sitename = first(
        "sitename",
        [
            ("the page's og:site_name", meta_content(tree, "og:site_name")),
            ("the page's JSON-LD publisher", publisher.get("name")),
            ("the page's application-name", meta_content(tree, "application-name")),
        ],
    )
    # trafilatura's own metadata, on the page without data URIs and URLs in its text; the
    # whole document, since fromstring returns a lone fragment's element (an <svg> that
    # swallowed the page), which htmldate's cleaning would try to drop from no parent
    bare = lxml.html.document_fromstring(DATA_URI.sub("data:", page))
    for element in bare.xpath("//*[@href or @src]"):
        element.attrib.pop("href", None)
        element.attrib.pop("src", None)
    for text_parent in bare.xpath("//*[text()]"):
        if text_parent.text and URL_TEXT.search(text_parent.text):
            text_parent.text = URL_TEXT.sub(" ", text_parent.text)
    guessed = trafilatura.extract_metadata(bare, date_config={"extensive_search": False})
    titles = [
        ("the page's JSON-LD headline", ld("headline")),
        ("the page's og:title", meta_content(tree, "og:title")),
        ("the page's twitter:title", meta_content(tree, "twitter:title")),
        ("the page's <title>", (tree.findtext(".//title") or "").strip() or None),
    ]
    titles = [
        (origin, strip_site_name(value, sitename))
        for origin, value in titles
        if value and strip_site_name(value, sitename).casefold() != (sitename or "").casefold()
    ]
    title = first(
        "title", [*titles, ("the page's main heading", guessed.title if guessed else None)]
    )
    authors = [
        ("the page's JSON-LD author", people(", ".join(ld_names(o.get("author"))))) for o in objects
    ]
    author = first(
        "author",
        [
            *authors,
            ("the page's author meta tag", people(meta_content(tree, "author") or "")),
            ("the page's article:author", people(meta_content(tree, "article:author") or "")),
            ("the byline near the title", byline_people(tree)),
        ],
    )
    if author is None:
        missing.append(
            ("author", "the page names no one its JSON-LD, author meta tag or byline credits")
        )
    times = tree.xpath(
        "//article//time/@datetime|//main//time/@datetime|//time[@pubdate]/@datetime"
    ) or tree.xpath("//time/@datetime")
    published = meta_entry(
        tree,
        "article:published_time",
        "og:published_time",
        "datepublished",
        "date",
        "pubdate",
        "publishdate",
        "publish-date",
        "dc.date.issued",
        "dc.date",
        "dcterms.created",
        "sailthru.date",
        "parsely-pub-date",
    )
    date = first(
        "date",
        [
            ("the page's JSON-LD datePublished", iso_date(ld("datePublished"))),
            ("the page's JSON-LD dateCreated", iso_date(ld("dateCreated"))),
            (
                f"the page's {published[0] if published else 'date'} meta tag",
                iso_date(published[1]) if published else None,
            ),
            ("a <time> element in the article", iso_date(times[0]) if times else None),
            ("trafilatura's date search", iso_date(guessed.date) if guessed else None),
        ],
    )
    description = first(
        "description",
        [
            ("the page's JSON-LD description", ld("description")),
            ("the page's og:description", meta_content(tree, "og:description")),
            ("the page's description", meta_content(tree, "description")),
        ],
    )
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    url = first(
        "url",
        [
            ("the page's canonical link", canonical[0] if canonical else None),
            ("the page's og:url", meta_content(tree, "og:url")),
            ("trafilatura", guessed.url if guessed else None),
        ],
    )
    return Page(
        markdown="",
        title=title,
        author=author,
        date=date,
        description=description,
        url=url,
        sitename=sitename,
        language=page_language(tree),
        origins=tuple(origins),
        missing=tuple(missing),
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
