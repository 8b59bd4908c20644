"""A script file -> Script: decoded, HTML pages extracted, missing front matter inferred.

The order of precedence for every field is in pipeline.reading.infer's docstring. What is inferred
is listed in ``Script.inferred`` (the build prints it, the cleaning report keeps it). What
must not move between builds (a date taken from the first build, a number and slug given
to a file without ``NNN-``) goes through pipeline.reading.records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

from pipeline.core.errors import ScriptError
from pipeline.core.model import EpisodeMeta, Script, Show
from pipeline.reading.fields import existing_image
from pipeline.reading.html_input import decode_page, looks_like_html, read_page
from pipeline.reading.identity import MIN_WORDS, WORD, normal_url, text_key
from pipeline.reading.infer import (
    Inferred,
    find_date,
    opening_sentences,
    slugify,
    strip_site_name,
    text_facts,
    title_from_name,
)
from pipeline.reading.page_meta import Page, people
from pipeline.reading.records import Entry, Records
from pipeline.reading.script import (
    HTML_SUFFIXES,
    Given,
    dated_name,
    decode,
    front_fields,
    is_markdown_name,
    parse_name,
    split_front_matter,
)

PLACEHOLDER_SUMMARY = "-"  # until the cleaned essay can give its opening sentences


def is_html(path: Path, body: str) -> bool:
    return path.suffix.lower() in HTML_SUFFIXES or looks_like_html(body)


def assemble(
    path: Path,
    show: Show,
    given: Given,
    body: str,
    body_first_line: int,
    warnings: tuple[str, ...],
    records: Records,
) -> Script:
    """Front matter fields + body -> Script, every field filled in."""
    fields, front_line, notes = dict(given.fields), given.first_line, list(given.notes)
    page: Page | None = None
    is_markdown = is_markdown_name(path)
    if is_html(path, body):
        page = read_page(body, path)
        body, body_first_line, is_markdown = page.markdown, 1, True
    found: list[Inferred] = []

    def infer(key: str, name: str, value: Any, origin: str) -> None:
        if name not in fields and value:
            fields[name] = value
            found.append(Inferred(key, str(value), origin))

    facts = text_facts(body, is_markdown)
    if page and page.title:
        origin = page.origin("title", "the page's title")
        infer("title", "title", strip_site_name(page.title, page.sitename), origin)
    infer("title", "title", facts.title, facts.title_origin)
    infer("title", "title", title_from_name(path.stem), "the file name")
    if page:
        infer("author", "author", page.author, page.origin("author", "the page's author"))
    byline = facts.author if page is None or facts.author is None else people(facts.author)
    infer("author", "author", byline, facts.author_origin)
    if page and "author" not in fields:
        # a wrong name said aloud is worse than none: the intro leaves the name out
        found += [Inferred(key, "", why) for key, why in page.missing]
    if page:
        infer("source", "source_url", page.url, "the page's canonical URL")
        infer("language", "language", page.language, "the page's lang attribute")
        infer("date", "date", _iso(page.date), page.origin("date", "the page's publication date"))
    infer("date", "date", facts.date, "a date line at the top")
    dated = dated_name(path)
    if dated:
        infer("date", "date", _iso(dated[0]), "the file name")
    if given.artwork:
        artwork = existing_image(given.artwork, path)
        if artwork:
            fields["artwork"] = artwork
        else:
            notes.append(
                f"image '{given.artwork}' is not a JPEG or PNG file in the project; "
                "the episode uses the show's artwork"
            )

    entry = records.get(path.name)
    remember = Entry()
    named = parse_name(path)
    source = normal_url(fields.get("source_url"))
    text = text_key([body]) if len(WORD.findall(body)) >= MIN_WORDS else None
    if not named:
        old = records.renamed_from(path.name, source, text)
        if old is not None:
            entry = records.adopt(old, path.name)
            found.append(Inferred("number", str(entry.number), f"{old}, renamed: {records.path}"))
    if named:
        slug, number = named
    else:
        known: int | None = fields.get("number") or entry.number
        if known is None:
            number = records.next_number()
            found.append(Inferred("number", str(number), "the next free number"))
        else:
            number = known
        given_slug, slug_origin = given.slug, "the front matter's slug"
        if not given_slug and dated:
            given_slug, slug_origin = dated[1], "the file name"
        if not given_slug:
            given_slug, slug_origin = slugify(fields["title"]), "the title"
        slug = entry.slug or f"{number:03d}-{given_slug}"
        remember = Entry(number if "number" not in fields else None, slug, None, source, text)
        if not entry.slug:
            found.append(Inferred("slug", slug, slug_origin))
    if "date" not in fields:
        # The first build says it as every later build does, so that the build after it
        # finds nothing to rewrite (a cleaning report that changed its wording is no no-op).
        recorded = f"the first build, recorded in {records.path}"
        if entry.date:
            infer("date", "date", entry.date, recorded)
        else:
            today = dt.date.today()
            infer(
                "date", "date", today, recorded if records.persistent else "today, the first build"
            )
            remember = dataclasses.replace(remember, date=today)
    fields.setdefault("number", number)
    fields.setdefault("language", show.language)
    fields.setdefault("explicit", show.explicit)
    has_summary = "summary" not in fields
    if page:
        infer("summary", "summary", _one_line(page.description), "the page's description")
    fields.setdefault("summary", PLACEHOLDER_SUMMARY)
    try:
        meta = EpisodeMeta(source=path, slug=slug, **fields)
    except TypeError as error:  # a field front matter cannot give; a bug, not bad input
        raise ScriptError(f"front matter line {front_line}: {error}", path) from None
    lines = body.split("\n")
    bylines = tuple(
        body_first_line + index
        for index in facts.byline_lines
        if page is None or credits_episode(lines[index], meta)
    )
    script = Script(
        meta,
        body,
        is_markdown,
        body_first_line,
        warnings,
        byline_lines=bylines,
        extracted=page is not None,
        notes=tuple(notes),
        draft=given.draft,
    )
    if has_summary and meta.summary == PLACEHOLDER_SUMMARY:
        summary = opening_sentences(first_paragraph(script) or meta.title)
        script = dataclasses.replace(script, meta=dataclasses.replace(meta, summary=summary))
        found.append(Inferred("summary", summary, "the essay's opening sentences"))
    if remember != Entry():
        records.remember(path.name, remember)
    order = ("title", "author", "date", "summary", "number", "slug", "source", "language")
    found.sort(key=lambda item: order.index(item.key))
    return dataclasses.replace(script, inferred=tuple(item.line() for item in found))


def credits_episode(line: str, meta: EpisodeMeta) -> bool:
    """Whether a line of an extracted page is its byline: not a list item (a list of
    dates is the essay's), and naming the episode's author or date.

    >>> import pathlib
    >>> meta = EpisodeMeta(pathlib.Path("p.html"), "001-x", 1, "X", dt.date(2024, 3, 2), "S.",
    ...     author="Ana Ruiz")
    >>> [credits_episode(s, meta) for s in ("By Ana Ruiz", "March 2, 2024", "- March 3, 2021")]
    [True, True, False]
    """
    if re.match(r"\s*(?:[-*+]|\d+[.)])\s", line):
        return False
    return bool(meta.author and meta.author in line) or find_date(line) == meta.date


def first_paragraph(script: Script) -> str | None:
    """The first paragraph the listener will hear (after cleaning), if any."""
    from pipeline.text.clean import clean
    from pipeline.text.structure import structure

    for section in structure(clean(script)):
        if section.paragraphs:
            return section.paragraphs[0]
    return None


def _iso(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text and text.strip() else None


def read_script(path: Path, show: Show, records: Records | None = None) -> Script:
    """Read, decode and check one script file; infer what its front matter leaves out.

    ``records`` keeps inferred dates, numbers and slugs stable across builds; without it
    nothing is recorded (the values are those a first build would record).
    Raises ScriptError naming the file.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScriptError(f"cannot read the file ({error.strerror})", path) from None
    if not data.strip():
        raise ScriptError("the file is empty or only whitespace; write the essay in it", path)
    text, warnings = decode(data, path)
    if path.suffix.lower() in HTML_SUFFIXES:
        page_text = decode_page(data, path)  # a page saved in the encoding it declares
        if page_text is not None:
            text, warnings = page_text[0].removeprefix("\ufeff"), page_text[1]
    front = split_front_matter(text, path)
    body, body_first_line = (front.body, front.body_first_line) if front else (text, 1)
    if not body.strip():
        raise ScriptError(
            f"line {body_first_line}: no essay text after the front matter; "
            "write the essay below the closing '---'",
            path,
        )
    given = front_fields(front, path)
    if records is None:
        records = Records.load(path.parent, persistent=False)
    return assemble(path, show, given, body, body_first_line, warnings, records)
