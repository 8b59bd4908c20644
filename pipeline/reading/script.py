"""Read one script file: bytes -> text -> front matter + body, checked.

A script is any ``.txt`` (plain text), ``.md`` (Markdown) or ``.html``/``.htm`` (a saved
web page) file in ``scripts/``, best named ``NNN-slug``, optionally starting with::

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
* Given keys are checked; unknown keys are errors: a typo such as ``sumary`` must not
  silently vanish.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from pipeline.core.errors import ScriptError
from pipeline.core.model import Entry
from pipeline.reading.infer import slugify
from pipeline.settings.direction import check_pace
from pipeline.settings.lexicon import entries_from_mapping

SCRIPT_NAME = re.compile(r"^(?P<number>\d+)-(?P<slug>.*)\.(?P<ext>[^.]+)$")
SCRIPT_SUFFIXES = (".txt", ".md", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FENCE = "---"

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


@dataclass(frozen=True)
class FrontMatter:
    """The YAML text between the fences, where it sits, and the body after it."""

    yaml_text: str
    first_line: int  # file line number of the first YAML line
    body: str
    body_first_line: int


def split_front_matter(text: str, source: Path) -> FrontMatter | None:
    """Split ``---``-fenced front matter from the body; None when the file has none.

    >>> fm = split_front_matter("---\\ntitle: T\\n---\\nBody\\n", Path("s.txt"))
    >>> fm.yaml_text, fm.first_line, fm.body, fm.body_first_line
    ('title: T\\n', 2, 'Body\\n', 4)
    >>> split_front_matter("Just a body\\n", Path("s.txt")) is None
    True
    """
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() == FENCE:
            yaml_lines = lines[1:index]
            yaml_text = "".join(line + "\n" for line in yaml_lines)
            return FrontMatter(yaml_text, 2, "\n".join(lines[index + 1 :]), index + 2)
    raise ScriptError(
        "front matter line 1: '---' opens front matter that is never closed; "
        "add a '---' line after the last field",
        source,
    )


class FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so that a bad date gets our own message."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's own class attribute, copied)
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


MERGE_TAG = "tag:yaml.org,2002:merge"


def refuse_merge_keys(node: yaml.Node | None, front: FrontMatter, source: Path) -> None:
    """A merge key (``<<: {...}``) would bring in keys no line of the file shows."""
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, _ in node.value:
        if key_node.tag == MERGE_TAG:
            line = front.first_line + key_node.start_mark.line
            raise ScriptError(
                f"front matter line {line}: YAML merge keys ('<<') are not supported; "
                "write each key out on its own line",
                source,
            )


def parse_yaml(front: FrontMatter, source: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """YAML text -> (mapping, file line of each key). Duplicate keys are errors."""
    try:
        node = yaml.compose(front.yaml_text, Loader=FrontMatterLoader)
        refuse_merge_keys(node, front, source)
        data = yaml.load(front.yaml_text, Loader=FrontMatterLoader)
    except yaml.YAMLError as error:
        # the context mark is where the broken construct starts: the line to look at
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        where = f"front matter line {front.first_line + mark.line}" if mark else "front matter"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScriptError(
            f"{where}: invalid YAML ({problem}); write one 'key: value' per line, "
            "quoting values that contain ': ' or ' #'",
            source,
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict) or (node is not None and not isinstance(node, yaml.MappingNode)):
        raise ScriptError(
            f"front matter line {front.first_line}: must be 'key: value' lines, "
            f"not a {type(data).__name__}",
            source,
        )
    lines: dict[str, int] = {}
    for key_node, _ in node.value if node is not None else []:
        key = str(key_node.value)
        line = front.first_line + key_node.start_mark.line
        if key in lines:
            raise ScriptError(
                f"front matter line {line}: '{key}' is given twice (also on line {lines[key]})",
                source,
            )
        lines[key] = line
    return {str(key): value for key, value in data.items()}, lines


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be non-empty text (put it in quotes if it looks like a number)")
    return " ".join(value.split())


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _date(value: Any) -> dt.date:
    if isinstance(value, str) and ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"must be YYYY-MM-DD, and {value.strip()} is not a real date"
            ) from None
    raise ValueError("must be YYYY-MM-DD")


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


# front matter key -> (EpisodeMeta field, checker that returns the value or raises ValueError)
FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "title": ("title", _text),
    "date": ("date", _date),
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


def parse_name(path: Path) -> tuple[str, int] | None:
    """An ``NNN-slug`` file name -> (slug, number); None for a name without ``NNN-``.

    A name that is not quite a slug is made one, so it builds under a predictable name.

    >>> parse_name(Path("scripts/001-invisible-walls.txt"))
    ('001-invisible-walls', 1)
    >>> parse_name(Path("scripts/002-Bad_Name.md")), parse_name(Path("Quiet Hobbies.html"))
    (('002-bad-name', 2), None)
    """
    match = SCRIPT_NAME.match(path.name)
    if not match:
        return None
    return Path(suggest_name(path)).stem, int(match["number"])


def suggest_name(path: Path) -> str:
    """A valid script name close to a refused one: accents dropped, the rest made a slug.

    >>> [suggest_name(Path(n)) for n in ("004-Évil Name.md", "005-..md", "Notes.TXT")]
    ['004-evil-name.md', '005-title.md', '001-notes.txt']
    """
    numbered = re.match(r"^(\d+)-(.*)$", path.stem)
    number, rest = (numbered[1], numbered[2]) if numbered else ("001", path.stem)
    slug = slugify(rest, empty="title")
    extension = ".md" if path.suffix.lower() == ".md" else ".txt"
    return f"{number}-{slug}{extension}"


def front_fields(front: FrontMatter | None, path: Path) -> tuple[dict[str, Any], int]:
    """Front matter -> (checked EpisodeMeta fields, its first line). Unknown keys are errors."""
    if front is None:
        return {}, 1
    data, lines = parse_yaml(front, path)
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key not in FIELDS:
            known = ", ".join(FIELDS)
            raise ScriptError(
                f"front matter line {lines[key]}: unknown key '{key}'; known keys: {known}", path
            )
        name, check = FIELDS[key]
        try:
            fields[name] = check(value)
        except ValueError as error:
            raise ScriptError(f"front matter line {lines[key]}: '{key}' {error}", path) from None
    return fields, front.first_line


def find_scripts(folder: Path) -> list[Path]:
    """The script files in ``folder``, sorted by name: any ``.txt``, ``.md``, ``.html``
    or ``.htm`` file (extension in any case), whatever its name; hidden files are skipped."""
    if not folder.is_dir():
        return []  # the build says "no scripts found in <folder>"
    return sorted(  # not only regular files: a link or a pipe is refused by name, not skipped
        path
        for path in folder.iterdir()
        if not path.is_dir()
        and not path.name.startswith(".")
        and path.suffix.lower() in SCRIPT_SUFFIXES
    )
