"""Fuzzing the whole text path: a script file's bytes → read_script → narrate → what the voice
hears. Over front matter, Markdown, plain text and HTML (generated, and the ingest corpus's
real pages mutated), three properties hold:

- no traceback: only a PipelineError (one line for the producer) may escape;
- no word lost: every word of plain prose, however it is marked up, is spoken, in order;
- no markup spoken: no tag, entity, emphasis mark, link syntax or heading mark is heard.

`make test` runs a bounded number of examples; `make fuzz` (ESSAYCAST_FUZZ=1) many more.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from conftest import PLAIN_WORDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core.errors import PipelineError
from pipeline.core.model import Narration, Show
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import narrate

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
PAGES = sorted(CORPUS.glob("*.html"))
MANY = os.environ.get("ESSAYCAST_FUZZ") == "1"


def fuzz(examples: int) -> settings:
    """Bounded and the same examples every run in `make test` (a CI run must not turn red
    on a draw); in `make fuzz` forty times as many, new ones each run."""
    return settings(
        max_examples=examples * 40 if MANY else examples,
        derandomize=not MANY,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )


VOCABULARY = PLAIN_WORDS
WORD = st.sampled_from(VOCABULARY)
# What markup looks like when it leaks into speech.
MARKUP = re.compile(r"[<>*_#`\[\]|{}]|&[a-z]+;|&#\d+;|\]\(|https?:|www\.")


def spoken(narration: Narration) -> list[str]:
    return [
        u.spoken
        for chapter in narration.chapters
        for block in chapter.blocks
        for sentence in block.sentences
        for u in sentence.utterances
    ]


def heard_words(narration: Narration) -> list[str]:
    """The vocabulary's words, in the order the voice says them."""
    words = re.findall(r"[a-z]+", " ".join(spoken(narration)).lower())
    return [w for w in words if w in VOCABULARY]


def read(name: str, data: bytes) -> Narration | None:
    """The whole path on one file: the narration, or None when a PipelineError refused it.

    Anything else escaping is a traceback for the producer: the test fails with it."""
    with tempfile.TemporaryDirectory(prefix="essaycast-fuzz-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return narrate(read_script(path, Show()))
        except PipelineError as error:
            assert "\n" not in str(error).strip(), str(error)
            return None


FRONT = "---\ntitle: Fuzzed\ndate: 2026-01-05\nsummary: A summary.\n---\n"


def sentence(words: list[str]) -> str:
    return " ".join(words).capitalize() + "."


SENTENCE = st.lists(WORD, min_size=2, max_size=9).map(sentence)


# --- Markdown ---------------------------------------------------------------------------------


def inline(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A sentence with inline markup around some words: (markdown, the words it says)."""
    words = draw(st.lists(WORD, min_size=2, max_size=9))
    out = []
    for word in words:
        form = draw(
            st.sampled_from(
                [
                    "{}",
                    "{}",
                    "*{}*",
                    "**{}**",
                    "_{}_",
                    "[{}](https://example.org/x)",
                    "<em>{}</em>",
                    "***{}***",
                    "[{}][ref]",
                ]
            )
        )
        out.append(form.format(word))
    text = " ".join(out)
    return text[0].upper() + text[1:] + ".", words


@st.composite
def markdown_block(draw: st.DrawFn) -> tuple[str, list[str]]:
    text, words = inline(draw)
    kind = draw(st.sampled_from(["p", "p", "p", "h", "ul", "ol", "quote", "hr", "code", "html"]))
    if kind == "h":
        heading = draw(st.lists(WORD, min_size=1, max_size=4))
        level = draw(st.integers(1, 6))
        return f"{'#' * level} {' '.join(heading).capitalize()}", heading
    if kind == "ul":
        return f"{draw(st.sampled_from(['-', '*', '+']))} {text}", words
    if kind == "ol":
        return f"{draw(st.integers(1, 99))}. {text}", words
    if kind == "quote":
        return f"> {text}", words
    if kind == "hr":
        return draw(st.sampled_from(["---", "***", "___", "* * *"])), []
    if kind == "code":  # not read, and not listened for
        return f"```\n{text}\n```", []
    if kind == "html":  # a comment is not read
        return f"<!-- {text} -->", []
    return text, words


@fuzz(60)
# Distinct blocks: a line repeated from the top of a page is dropped as its title, by design.
@given(st.lists(markdown_block(), min_size=1, max_size=12, unique_by=lambda b: tuple(b[1]) or b[0]))
def test_markdown_loses_no_word_and_speaks_no_markup(blocks: list[tuple[str, list[str]]]) -> None:
    body = "\n\n".join(text for text, _ in blocks) + "\n\n[ref]: https://example.org/r\n"
    expected = [w for _, words in blocks for w in words]
    narration = read("001-fuzz.md", (FRONT + body).encode())
    if not expected:
        return  # nothing to narrate: refusing it in one line is right
    assert narration is not None, body
    assert heard_words(narration) == expected, body
    assert not [u for u in spoken(narration) if MARKUP.search(u)], body


# --- plain text -------------------------------------------------------------------------------


@fuzz(60)
@given(
    st.lists(SENTENCE, min_size=1, max_size=25, unique=True),  # distinct, as in test_markdown
    st.lists(st.booleans(), min_size=25, max_size=25),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
)
def test_plain_text_loses_no_word(
    sentences: list[str], breaks: list[bool], newline: str, wrap: bool
) -> None:
    paragraphs: list[list[str]] = [[]]
    for text, new in zip(sentences, breaks, strict=False):
        if new and paragraphs[-1]:
            paragraphs.append([])
        paragraphs[-1].append(text)
    # Hard-wrapped lines (one sentence a line) or one line a paragraph.
    lines = ["\n".join(p) if wrap else " ".join(p) for p in paragraphs]
    body = "\n\n".join(lines).replace("\n", newline)
    narration = read("001-fuzz.txt", (FRONT.replace("\n", newline) + body).encode())
    assert narration is not None, body
    expected = re.findall(r"[a-z]+", " ".join(lines).lower())
    assert heard_words(narration) == expected, body


# --- front matter -----------------------------------------------------------------------------

KEYS = [
    "title",
    "date",
    "summary",
    "author",
    "number",
    "episode_type",
    "explicit",
    "language",
    "season",
    "pace",
    "pronounce",
    "tags",
    "image",
    "url",
    "slug",
    "voice",
    "engine",
]
VALUE = st.one_of(
    st.text(max_size=30),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(
        [
            "2026-01-05",
            "2026-13-40",
            "true",
            "no",
            "~",
            "[]",
            "{}",
            "[a, b]",
            "{a: 1}",
            "&x a",
            "*x",
            "!!python/object:os.system",
            "|",
            ">",
            "'",
            '"',
            "- x",
            "0x1F",
            ".nan",
            "1e400",
            "<<: *x",
            "? x",
            "@",
            "`",
            "%YAML 1.2",
        ]
    ),
)


@fuzz(80)
@given(
    st.lists(st.tuples(st.sampled_from(KEYS), VALUE), max_size=8),
    st.lists(st.text(max_size=20), max_size=2),
    st.lists(SENTENCE, min_size=1, max_size=3),
)
def test_front_matter_never_gives_a_traceback(
    fields: list[tuple[str, str]], junk: list[str], body: list[str]
) -> None:
    lines = [f"{key}: {value}" for key, value in fields] + junk
    text = "---\n" + "\n".join(lines) + "\n---\n" + " ".join(body) + "\n"
    narration = read("001-fuzz.md", text.encode("utf-8", "surrogatepass"))
    if narration is not None:
        assert not [u for u in spoken(narration) if MARKUP.search(u)], text


# --- HTML -------------------------------------------------------------------------------------


@st.composite
def html_article(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A page's article of distinct paragraphs (repeats are dropped as page chrome, by
    design), with inline tags, a list, a quote, and a script or style not to be read. No
    links: trafilatura rightly drops a paragraph that is mostly links as navigation."""
    lines = draw(
        st.lists(
            st.lists(WORD, min_size=2, max_size=8).map(tuple), min_size=4, max_size=11, unique=True
        )
    )
    title, *paragraphs = lines
    # The h1 becomes the episode's title, which the intro says: the body does not repeat it.
    parts, expected = [f"<h1>{' '.join(title).capitalize()}</h1>"], []
    for index, words in enumerate(paragraphs):
        marked = [
            draw(
                st.sampled_from(
                    [
                        "{}",
                        "{}",
                        "<b>{}</b>",
                        "<em>{}</em>",
                        "<span>{}</span>",
                        "<i><b>{}</b></i>",
                    ]
                )
            ).format(w)
            for w in words
        ]
        text = " ".join(marked)
        last = index == len(paragraphs) - 1  # a heading opens a section: not last
        tag = draw(st.sampled_from(["p", "p", "p", "blockquote", "li", *([] if last else ["h2"])]))
        if tag == "li":
            parts.append(f"<ul><li>{text[0].upper() + text[1:]}.</li></ul>")
        elif tag == "h2":
            parts.append(f"<h2>{text}</h2>")
        else:
            parts.append(f"<{tag}>{text[0].upper() + text[1:]}.</{tag}>")
        expected += words
    hidden = draw(
        st.sampled_from(
            [
                "<script>var lantern = 1;</script>",
                "<style>p { color: red }</style>",
                "<!-- lantern -->",
                "",
            ]
        )
    )
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Fuzzed</title>'
        f"{hidden}</head><body><article>{''.join(parts)}</article></body></html>"
    )
    return html, expected


@fuzz(15)
@given(html_article())
def test_an_html_article_loses_no_word_and_speaks_no_markup(page: tuple[str, list[str]]) -> None:
    html, expected = page
    narration = read("001-fuzz.html", html.encode())
    assert narration is not None, html
    title = re.search(r"<h1>(.*?)</h1>", html)[1].lower()  # type: ignore[index]
    assert narration.title.lower() in (title, "fuzzed")  # the h1, or the page's <title>
    # The h1 is said in the intro when it is the title; otherwise (or when trafilatura
    # reads a page this small as one block) it is heard in the body too: no word is lost.
    heard = heard_words(narration)
    assert heard in (expected, title.split() + expected), html
    assert not [u for u in spoken(narration) if MARKUP.search(u)], html


MUTATION = st.tuples(
    st.sampled_from(["delete", "insert", "duplicate", "truncate", "nest"]),
    st.floats(0, 1),
    st.floats(0, 1),
    st.sampled_from(
        [
            "<div>",
            "</p>",
            "<p>",
            "<script>x<",
            "&amp",
            "&#x",
            "<!--",
            "]]>",
            "\x00",
            "<svg><style>",
            "<table><tr><td>",
            "\udcff",
            "<br/>" * 50,
            "</article>",
            "<h2>",
            "<math>",
            "<template>",
            "<noscript>",
            '<a href="javascript:x">',
        ]
    ),
)


def mutate(page: str, mutations: list[tuple[str, float, float, str]]) -> str:
    for kind, where, width, fragment in mutations:
        at = int(where * len(page))
        span = int(width * 200)
        if kind == "delete":
            page = page[:at] + page[at + span :]
        elif kind == "insert":
            page = page[:at] + fragment + page[at:]
        elif kind == "duplicate":
            page = page[:at] + page[at : at + span] * 2 + page[at + span :]
        elif kind == "truncate":
            page = page[: max(at, 1)]
        else:
            page = page[:at] + "<div>" * int(width * 300) + page[at:]
    return page


@fuzz(8)
@given(st.sampled_from(PAGES), st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_corpus_pages_give_no_traceback_and_no_markup(
    page: Path, mutations: list[tuple[str, float, float, str]]
) -> None:
    html = mutate(page.read_text(encoding="utf-8", errors="replace"), mutations)
    narration = read("001-fuzz.html", html.encode("utf-8", "surrogateescape"))
    if narration is not None:
        leaked = [u for u in spoken(narration) if re.search(r"<[a-zA-Z/!]|&[a-z]+;|&#", u)]
        assert not leaked, (page.name, mutations)
