"""Read one script file: bytes -> text -> front matter + body, checked.

A script is any ``.txt`` (plain text), Markdown (``.md``, ``.markdown``, ``.mdown``,
``.mkd``, ``.mdx``), ``.html``/``.htm`` (a saved web page) or extensionless (plain text)
file in ``scripts/``, best named ``NNN-slug`` (a blog's ``YYYY-MM-DD-slug`` gives the date
and the slug), optionally starting with front matter in YAML, TOML or JSON
(pipeline.reading.frontmatter)::

    ---
    title: "The Invisible Walls"
    date: 2026-11-25
    summary: One sentence for podcast apps.
    ---
    The essay, exactly as the author (or a web page) wrote it.

Decisions worth knowing:

* Decoding: UTF-8 (a BOM is stripped; CRLF and CR become "\\n"). Bytes that are not UTF-8
  are decoded as CP-1252, the usual encoding of text pasted from old Windows tools, with
  Latin-1 for the five bytes CP-1252 leaves undefined; ``Script.warnings`` then says
  ``not UTF-8 at byte N; decoded as CP-1252`` (N counts from 0). NUL bytes or mostly
  control bytes mean the file is not text at all: ScriptError.
* A saved page is decoded in the encoding its ``<meta charset>`` declares, if not UTF-8.
* Front matter is optional, and so is each key: what it leaves out is inferred from the
  essay (pipeline.reading.ingest, pipeline.reading.infer). ``number`` defaults to the NNN of
  the file name.
* Given keys are checked (pipeline.reading.fields); a blog engine's well-known keys are
  mapped, and any other key is listed in one note, with "did you mean" for a near miss
  such as ``sumary``: a typo must not silently vanish, nor stop a blog post's build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.errors import ScriptError
from pipeline.reading.fields import (
    BLOG_KEYS,
    FIELDS,
    joined_names,
    people,
    unknown_note,
)
from pipeline.reading.frontmatter import FrontMatter, parse, split_front_matter
from pipeline.reading.infer import slugify

__all__ = ["FIELDS", "FrontMatter", "Given", "split_front_matter"]

SCRIPT_NAME = re.compile(r"^(?P<number>\d+)-(?P<slug>.*)\.(?P<ext>[^.]+)$")
# A blog's post name: the date, then the slug (Jekyll's _posts, many Hugo and Eleventy sites)
DATED_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>.+)$")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mdx")
HTML_SUFFIXES = (".html", ".htm")
SCRIPT_SUFFIXES = (".txt", *MARKDOWN_SUFFIXES, *HTML_SUFFIXES)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Bytes below 0x20 that plain text legitimately contains: tab, newline, form feed, return.
TEXT_CONTROLS = frozenset(b"\t\n\f\r")
BINARY_SNIFF_BYTES = 8192
MAX_CONTROL_SHARE = 0.05  # random binary data has ~11% such bytes; text has none

# CP-1252 differs from Latin-1 only in 0x80-0x9F; these are its characters there. The five
# bytes it leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) keep their Latin-1 meaning.
CP1252_OVER_LATIN1 = {
    byte: bytes([byte]).decode("cp1252")
    for byte in range(0x80, 0xA0)
    if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
CP1252_TRANSLATION = str.maketrans({chr(byte): text for byte, text in CP1252_OVER_LATIN1.items()})


def decode(data: bytes, source: Path) -> tuple[str, tuple[str, ...]]:
    """Bytes of a script -> (text with "\\n" line ends, warnings).

    >>> decode("caf\\u00e9\\r\\nok\\r".encode(), Path("s.txt"))
    ('café\\nok\\n', ())
    >>> decode(b"\\xef\\xbb\\xbfhi", Path("s.txt"))
    ('hi', ())
    >>> decode(b"caf\\xe9 \\x93quoted\\x94", Path("s.txt"))
    ('café “quoted”', ('not UTF-8 at byte 3; decoded as CP-1252',))
    >>> decode(b"\\x00\\x01binary", Path("s.bin"))
    Traceback (most recent call last):
    pipeline.core.errors.ScriptError: s.bin: binary data (a NUL byte at byte 0), not a text \
script; save the essay as UTF-8 text
    """
    check_is_text(data, source)
    warnings: tuple[str, ...] = ()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = data.decode("latin-1").translate(CP1252_TRANSLATION)
        warnings = (f"not UTF-8 at byte {error.start}; decoded as CP-1252",)
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n"), warnings


def check_is_text(data: bytes, source: Path) -> None:
    """Refuse data with NUL bytes or many control bytes: it is an image, a PDF, a zip..."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ScriptError(
            f"binary data (a NUL byte at byte {nul}), not a text script; "
            "save the essay as UTF-8 text",
            source,
        )
    sample = data[:BINARY_SNIFF_BYTES]
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in TEXT_CONTROLS)
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        raise ScriptError(
            f"binary data ({controls} control bytes in the first {len(sample)}), "
            "not a text script; save the essay as UTF-8 text",
            source,
        )


def parse_name(path: Path) -> tuple[str, int] | None:
    """An ``NNN-slug`` file name -> (slug, number); None for a name without ``NNN-``,
    and for a blog's ``YYYY-MM-DD-slug`` (see dated_name): 2013 is a year, not a number.

    A name that is not quite a slug is made one, so it builds under a predictable name.

    >>> parse_name(Path("scripts/001-invisible-walls.txt"))
    ('001-invisible-walls', 1)
    >>> parse_name(Path("scripts/002-Bad_Name.md")), parse_name(Path("Quiet Hobbies.html"))
    (('002-bad-name', 2), None)
    >>> parse_name(Path("2013-05-06-jekyll-1-0-0-released.markdown")) is None
    True
    """
    match = SCRIPT_NAME.match(path.name)
    if not match or dated_name(path):
        return None
    return Path(suggest_name(path)).stem, int(match["number"])


def dated_name(path: Path) -> tuple[str, str] | None:
    """A ``YYYY-MM-DD-slug`` post name -> (the date as written, the slug).

    >>> dated_name(Path("_posts/2013-05-06-jekyll-1-0-0-released.markdown"))
    ('2013-05-06', 'jekyll-1-0-0-released')
    >>> dated_name(Path("001-walls.txt")) is None
    True
    """
    stem = path.stem if path.suffix.lower() in SCRIPT_SUFFIXES else path.name
    match = DATED_NAME.match(stem)
    if not match:
        return None
    return match["date"], slugify(match["slug"], empty="post")


def suggest_name(path: Path) -> str:
    """A valid script name close to a refused one: accents dropped, the rest made a slug.

    >>> [suggest_name(Path(n)) for n in ("004-Évil Name.md", "005-..md", "Notes.TXT")]
    ['004-evil-name.md', '005-title.md', '001-notes.txt']
    """
    numbered = re.match(r"^(\d+)-(.*)$", path.stem)
    number, rest = (numbered[1], numbered[2]) if numbered else ("001", path.stem)
    slug = slugify(rest, empty="title")
    extension = ".md" if path.suffix.lower() in MARKDOWN_SUFFIXES else ".txt"
    return f"{number}-{slug}{extension}"


@dataclass(frozen=True)
class Given:
    """What the front matter gives: EpisodeMeta fields, and what the reading acts on."""

    fields: dict[str, Any]  # checked EpisodeMeta fields
    first_line: int  # the front matter's first line (1 without front matter)
    slug: str = ""  # from 'slug' or 'permalink'
    artwork: str | None = None  # the image a post names, not yet looked for
    draft: bool = False
    notes: tuple[str, ...] = ()


def front_fields(front: FrontMatter | None, path: Path) -> Given:
    """Front matter -> its checked fields. A blog's keys are mapped, others noted
    (pipeline.reading.fields)."""
    if front is None:
        return Given({}, 1)
    data, lines = parse(front, path)
    fields: dict[str, Any] = {}
    blog: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in data.items():
        table = FIELDS if key in FIELDS else BLOG_KEYS if key in BLOG_KEYS else None
        if table is None:
            unknown.append(key)
            continue
        name, check = table[key]
        if key == "author" and isinstance(value, list | dict):
            name, check = "authors", people  # Jekyll themes: author: [a, b] or {name: a}
        try:
            checked = check(value)
        except ValueError as error:
            raise ScriptError(f"front matter line {lines[key]}: '{key}' {error}", path) from None
        if table is FIELDS and name not in ("authors",):
            fields[name] = checked
        elif name not in blog and checked not in ("", None, ()):
            blog[name] = checked
    for name in ("summary", "date"):
        if name in blog:
            fields.setdefault(name, blog.pop(name))
    if "keywords" in blog:
        fields["keywords"] = blog["keywords"]
    if "authors" in blog:
        fields["authors"] = blog["authors"]
        fields.setdefault("author", joined_names(blog["authors"]))
    note = unknown_note(unknown)
    return Given(
        fields,
        front.first_line,
        slug=blog.get("slug", ""),
        artwork=blog.get("artwork"),
        draft=blog.get("draft", False) or blog.get("published") is False,
        notes=(note,) if note else (),
    )


def is_markdown_name(path: Path) -> bool:
    return path.suffix.lower() in MARKDOWN_SUFFIXES


def find_scripts(folder: Path) -> list[Path]:
    """The script files in ``folder``, sorted by name: any ``.txt``, Markdown (``.md``,
    ``.markdown``, ``.mdown``, ``.mkd``, ``.mdx``), ``.html`` or ``.htm`` file (extension in
    any case), and a file with no extension at all (plain text, as a copy is often saved),
    whatever its name; hidden files are skipped."""
    if not folder.is_dir():
        return []  # the build says "no scripts found in <folder>"
    return sorted(  # not only regular files: a link or a pipe is refused by name, not skipped
        path
        for path in folder.iterdir()
        if not path.is_dir()
        and not path.name.startswith(".")
        and (path.suffix.lower() in SCRIPT_SUFFIXES or is_bare_name(path))
    )


def is_bare_name(path: Path) -> bool:
    """A name without an extension (``notes``, ``2024-05-06-walls``): read as plain text.
    A suffix that is not a word (``v1.2``) is part of the name.

    >>> [is_bare_name(Path(n)) for n in ("notes", "Makefile.bak", "essay v1.2", "a.jpg")]
    [True, False, True, False]
    """
    suffix = path.suffix
    return not suffix or not suffix[1:].isalpha()
