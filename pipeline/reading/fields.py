"""Front matter keys -> EpisodeMeta fields: essaycast's own keys, and the ones blogs write.

essaycast's keys (``title``, ``date``, ``summary``...) are checked, and a bad value is an
error naming the line. A post copied from a blog carries its engine's keys too; the
well-known ones are mapped (a key of essaycast's own wins over a blog key for the same
field):

    description, excerpt, subtitle     -> summary
    slug, permalink                    -> the episode's slug (a file without NNN-)
    tags, categories, keywords         -> keywords (feed item categories, the page)
    author (a list), authors           -> authors (each credited; the intro names them)
    image, cover, featured_image       -> the episode's artwork, when the file is there
    draft                              -> a draft is not built

Any other key (``layout``, ``version``, ``toc``...) is kept out of the episode, never an
error: ``notes`` lists them in one line, with "did you mean" for a near miss of a key of
ours (``titel``), since a typo must not silently vanish.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from pipeline.core.model import Entry
from pipeline.reading.infer import find_date, slugify
from pipeline.settings.direction import check_pace
from pipeline.settings.lexicon import entries_from_mapping

LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
# 2017-10-19, 2017-10-19 21:33, 2017-10-19T21:33:00.000+02:00, 2017-10-19 21:33:00 +0200,
# 2017/10/19: the calendar date as the author wrote it (no shift to UTC)
DATE_TIME = re.compile(
    r"^(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
    r"(?:\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}|[A-Z]{3,4}))?$"
)
WRITTEN_DATE_MAX_CHARS = 40  # "Thursday, October 19th, 2017 at 9:33 pm" and no more
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be non-empty text (put it in quotes if it looks like a number)")
    return " ".join(value.split())


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def read_date(value: Any) -> dt.date:
    """A date as blogs write it: YAML or TOML dates, ISO date-times with an offset, and
    the written forms.

    >>> [str(read_date(v)) for v in ("2017-10-19 21:33:00 +0200", "2019-03-26T08:47:11Z",
    ...  "2017/10/19", "October 19, 2017", "19 Oct 2017", dt.datetime(2017, 10, 19, 1, 2))]
    ['2017-10-19', '2019-03-26', '2017-10-19', '2017-10-19', '2017-10-19', '2017-10-19']
    >>> read_date("2023-02-31")
    Traceback (most recent call last):
    ValueError: must be a date such as 2024-05-06, and 2023-02-31 is not a real date
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    numeric = DATE_TIME.match(text)
    if numeric:
        try:
            return dt.date(int(numeric["year"]), int(numeric["month"]), int(numeric["day"]))
        except ValueError:
            raise ValueError(
                f"must be a date such as 2024-05-06, and {text} is not a real date"
            ) from None
    written = find_date(text) if 0 < len(text) <= WRITTEN_DATE_MAX_CHARS else None
    if written is None:
        raise ValueError("must be a date such as 2024-05-06 (or 2024-05-06 09:30:00 +0200)")
    return written


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number from 1 up")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _episode_type(value: Any) -> str:
    if value not in ("full", "trailer", "bonus"):
        raise ValueError("must be one of full, trailer, bonus")
    return cast(str, value)


def _language(value: Any) -> str:
    if not isinstance(value, str) or not LANGUAGE.match(value):
        raise ValueError("must be a language code such as en or en-US")
    return value


def _url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://\S+$", value.strip()):
        raise ValueError("must be the page's address, starting with http:// or https://")
    return value.strip()


def _lines(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("must be a list of lines, one '- text' per line")
    return tuple(" ".join(item.split()) for item in value)


def _pronounce(value: Any) -> tuple[Entry, ...]:
    if not isinstance(value, dict):
        raise ValueError("must be lines of 'Word: {ipa: ..., say: ...}' (or 'Word: alias')")
    return entries_from_mapping(value, "front matter 'pronounce'")


def words_list(value: Any) -> tuple[str, ...]:
    """Tags or categories: a list, or one text of comma- (or, as Jekyll allows, space-)
    separated words.

    >>> words_list(["Essays", "slow living", "Essays"]), words_list("release, jekyll")
    (('Essays', 'slow living'), ('release', 'jekyll'))
    >>> words_list("release jekyll"), words_list(None)
    (('release', 'jekyll'), ())
    """
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(",") if "," in value else value.split()
    elif isinstance(value, list):
        items = [str(item) for item in value if isinstance(item, str | int | float)]
    else:
        raise ValueError("must be a list of words, or words separated by commas")
    found = (" ".join(item.split()) for item in items)
    return tuple(dict.fromkeys(item for item in found if item))


def people(value: Any) -> tuple[str, ...]:
    """Authors as blogs list them: names, or mappings with a ``name``.

    >>> people(["Ada Okafor", {"name": "Li Wei", "url": "https://x"}]), people("Jo Doe")
    (('Ada Okafor', 'Li Wei'), ('Jo Doe',))
    """
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            names.append(" ".join(name.split()))
        elif item is not None:
            raise ValueError("must be a name, or a list of names")
    return tuple(dict.fromkeys(names))


def joined_names(names: tuple[str, ...]) -> str:
    """How the intro says several authors.

    >>> joined_names(("Ada",)), joined_names(("Ada", "Li")), joined_names(("A", "B", "C"))
    ('Ada', 'Ada and Li', 'A, B and C')
    """
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def slug_of(value: Any) -> str:
    """A slug or a permalink's last part; a Jekyll permalink pattern gives none.

    >>> slug_of("/blog/quiet-hobbies/"), slug_of("Quiet Hobbies"), slug_of("/:year/:title/")
    ('quiet-hobbies', 'quiet-hobbies', '')
    """
    if not isinstance(value, str | int):
        raise ValueError("must be text such as quiet-hobbies")
    text = str(value).strip().rstrip("/")
    last = text.rsplit("/", 1)[-1]
    if ":" in last or not last:
        return ""
    return slugify(re.sub(r"\.html?$", "", last), empty="")


def image_path(value: Any) -> str | None:
    """An image's path as Jekyll, Hugo and themes write it: text, or ``{image: ...}``.

    >>> image_path("/assets/cover.jpg"), image_path({"image": "cover.png", "alt": "A"})
    ('/assets/cover.jpg', 'cover.png')
    """
    if isinstance(value, dict):
        value = value.get("image") or value.get("path") or value.get("src")
    return value.strip() if isinstance(value, str) and value.strip() else None


# front matter key -> (EpisodeMeta field, checker that returns the value or raises ValueError)
FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "title": ("title", _text),
    "date": ("date", read_date),
    "summary": ("summary", _text),
    "number": ("number", _number),
    "explicit": ("explicit", _bool),
    "episode_type": ("episode_type", _episode_type),
    "language": ("language", _language),
    "engine": ("engine", _optional_text),
    "voice": ("voice", _optional_text),
    "keep": ("keep_lines", _lines),
    "drop": ("drop_lines", _lines),
    "guid": ("guid", _optional_text),
    "author": ("author", _optional_text),
    "source": ("source_url", _url),
    "pace": ("pace", check_pace),
    "pronounce": ("pronounce", _pronounce),
}
# Blog keys -> the field they fill when essaycast's own key does not; first listed wins.
BLOG_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "description": ("summary", _text),
    "excerpt": ("summary", _text),
    "subtitle": ("summary", _text),
    "slug": ("slug", slug_of),
    "permalink": ("slug", slug_of),
    "tags": ("keywords", words_list),
    "categories": ("keywords", words_list),
    "category": ("keywords", words_list),
    "keywords": ("keywords", words_list),
    "authors": ("authors", people),
    "image": ("artwork", image_path),
    "cover": ("artwork", image_path),
    "featured_image": ("artwork", image_path),
    "heroImage": ("artwork", image_path),  # Astro's blog template
    "draft": ("draft", _bool),
    "published": ("published", _bool),  # Jekyll: published: false is a draft
    "pubDate": ("date", read_date),  # Astro's blog template
    "created": ("date", read_date),  # Obsidian
}


def unknown_note(keys: list[str]) -> str | None:
    """The one line that lists the keys essaycast does not use.

    >>> print(unknown_note(["layout", "titel"]))
    front matter keys not used by essaycast, kept in the file: layout, titel (did you mean \
'title'?)
    """
    if not keys:
        return None
    known = [*FIELDS, *BLOG_KEYS]
    shown = []
    for key in keys:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        shown.append(f"{key} (did you mean '{close[0]}'?)" if close else key)
    return f"front matter keys not used by essaycast, kept in the file: {', '.join(shown)}"


def existing_image(given: str, script: Path) -> Path | None:
    """The image file a post names, looked for beside the script (a Hugo page bundle,
    Obsidian), then from the project's root (Jekyll's ``/assets/...``)."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", given, re.I) or Path(given).suffix.lower() not in (
        IMAGE_SUFFIXES
    ):
        return None
    root = script.parent.parent
    for base in (script.parent, root, root / "static"):
        candidate = (base / given.lstrip("/")).resolve()
        if candidate.is_file() and candidate.is_relative_to(root.resolve()):
            return candidate
    return None
