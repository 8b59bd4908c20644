"""Front matter as blog engines write it: YAML, TOML or JSON, split from the body and parsed.

Jekyll, Hugo, Eleventy, Astro and Obsidian all open a post with a block of fields:

* YAML between ``---`` lines (everyone; Eleventy also writes ``---yaml``),
* TOML between ``+++`` lines (Hugo; Eleventy's ``---toml``),
* JSON: an object that starts the file (Hugo), or between ``---json`` and ``---`` (Eleventy).

Every format gives a mapping and the file line of each top-level key, so that a message can
point at the line to fix. Dates stay text in YAML (the timestamp resolver is off) so that
pipeline.reading.fields reads every form alike; TOML's own date values are accepted as they are.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import ScriptError

FENCES = {"---": "yaml", "+++": "toml"}
TYPED_FENCE = re.compile(r"^---(yaml|toml|json)\s*$")  # Eleventy names the language
TOML_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*=""")
TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*$")


@dataclass(frozen=True)
class FrontMatter:
    """The text between the fences, its language, where it sits, and the body after it."""

    yaml_text: str  # the fenced text, whatever its language (the name predates TOML/JSON)
    first_line: int  # file line number of the first line of that text
    body: str
    body_first_line: int
    language: str = "yaml"  # "yaml", "toml" or "json"


def split_front_matter(text: str, source: Path) -> FrontMatter | None:
    """Split fenced front matter from the body; None when the file has none.

    >>> fm = split_front_matter("---\\ntitle: T\\n---\\nBody\\n", Path("s.md"))
    >>> fm.yaml_text, fm.first_line, fm.body, fm.body_first_line, fm.language
    ('title: T\\n', 2, 'Body\\n', 4, 'yaml')
    >>> split_front_matter("+++\\ntitle = 'T'\\n+++\\nBody", Path("s.md")).language
    'toml'
    >>> fm = split_front_matter('{\\n  "title": "T"\\n}\\nBody', Path("s.md"))
    >>> fm.language, fm.body, fm.body_first_line
    ('json', 'Body', 4)
    >>> split_front_matter("Just a body\\n", Path("s.txt")) is None
    True
    """
    lines = text.split("\n")
    opening = lines[0].rstrip()
    typed = TYPED_FENCE.match(opening)
    if opening in FENCES or typed:
        language = typed[1] if typed else FENCES[opening]
        closing = "---" if typed else opening
        for index in range(1, len(lines)):
            if lines[index].rstrip() == closing:
                inner = "".join(line + "\n" for line in lines[1:index])
                return FrontMatter(inner, 2, "\n".join(lines[index + 1 :]), index + 2, language)
        raise ScriptError(
            f"front matter line 1: '{opening}' opens front matter that is never closed; "
            f"add a '{closing}' line after the last field",
            source,
        )
    if opening == "{":
        return json_front_matter(text, lines)
    return None


def json_front_matter(text: str, lines: list[str]) -> FrontMatter | None:
    """Hugo's JSON front matter: an object that starts the file, the body after it."""
    try:
        _, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return None  # a body that happens to start with "{": no front matter
    last = text.count("\n", 0, end)  # 0-based line of the closing brace
    line_end = text.find("\n", end)
    if text[end : len(text) if line_end < 0 else line_end].strip():
        return None  # "{ ... } and more words" on one line is prose
    return FrontMatter(text[:end] + "\n", 1, "\n".join(lines[last + 1 :]), last + 2, "json")


class FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so that every date form gets one reading."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's own class attribute, copied)
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


MERGE_TAG = "tag:yaml.org,2002:merge"


def parse(front: FrontMatter, source: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Front matter -> (mapping, file line of each key). Duplicate keys are errors."""
    if front.language == "toml":
        return parse_toml(front, source)
    if front.language == "json":
        return parse_json(front, source)
    return parse_yaml(front, source)


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


def parse_toml(front: FrontMatter, source: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """TOML between ``+++`` lines; tomllib itself refuses a key given twice."""
    try:
        data = tomllib.loads(front.yaml_text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        where = (
            f"front matter line {front.first_line + int(found[1]) - 1}"
            if found
            else ("front matter")
        )
        problem = re.sub(r"\s*\(at line.*\)$", "", str(error))
        raise ScriptError(
            f"{where}: invalid TOML ({problem}); write one 'key = value' per line, text in quotes",
            source,
        ) from None
    lines: dict[str, int] = {}
    table = False  # keys under a [table] header belong to that table, not to the top level
    for index, line in enumerate(front.yaml_text.split("\n")):
        header = TOML_TABLE.match(line)
        if header:
            lines.setdefault(header[1].split(".")[0].strip('"'), front.first_line + index)
            table = True
            continue
        key = TOML_KEY.match(line)
        if key and not table:
            lines.setdefault(next(k for k in key.groups() if k), front.first_line + index)
    return data, {key: lines.get(key, front.first_line) for key in data}


def parse_json(front: FrontMatter, source: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        data = json.loads(front.yaml_text, object_pairs_hook=_refuse_twice)
    except (json.JSONDecodeError, ValueError) as error:
        line = getattr(error, "lineno", None)
        where = f"front matter line {front.first_line + line - 1}" if line else "front matter"
        problem = getattr(error, "msg", None) or str(error)
        raise ScriptError(f"{where}: invalid JSON ({problem})", source) from None
    if not isinstance(data, dict):
        raise ScriptError(f"front matter line {front.first_line}: must be a JSON object", source)
    lines: dict[str, int] = {}
    for index, line in enumerate(front.yaml_text.split("\n")):
        for key in re.findall(r'"((?:[^"\\]|\\.)*)"\s*:', line):
            lines.setdefault(key, front.first_line + index)
    return data, {key: lines.get(key, front.first_line) for key in data}


def _refuse_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"'{key}' is given twice")
        data[key] = value
    return data
