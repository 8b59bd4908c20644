"""feed/show.toml → Show. Every setting has a default, so an empty or missing file is fine."""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pipeline.core import tools
from pipeline.core.confine import check_inside
from pipeline.core.errors import ConfigError, ToolError
from pipeline.core.model import Show
from pipeline.settings.showcheck import check_show

# show.toml groups settings in tables for the producer; the Show dataclass is flat.
# Each table's keys map to these Show fields (a key may also be given at the top level).
TABLES: dict[str, dict[str, str]] = {
    "show": {
        "title": "title",
        "author": "author",
        "description": "description",
        "language": "language",
        "category": "category",
        "subcategory": "subcategory",
        "explicit": "explicit",
        "type": "show_type",
        "copyright": "copyright",
        "locked": "locked",
        "medium": "medium",
        "guid": "podcast_guid",
        "artwork": "artwork",
        "artwork_alt": "artwork_alt",
    },
    "owner": {"name": "owner_name", "email": "owner_email"},
    "publish": {
        "base_url": "base_url",
        "port": "port",
        "target": "publish_target",
        "endpoint_url": "endpoint_url",
        "region": "region",
    },
    "voice": {"engine": "engine", "voice": "voice", "pace": "pace"},
    "build": {"cluster": "cluster"},
    "pauses": {
        "sentence": "pause_sentence",
        "paragraph": "pause_paragraph",
        "chapter": "pause_chapter",
    },
    "audio": {
        "loudness_lufs": "loudness_lufs",
        "true_peak_dbtp": "true_peak_dbtp",
        "bitrate_kbps": "bitrate_kbps",
        "intro": "intro",
        "outro": "outro",
        "intro_music": "intro_music",
        "outro_music": "outro_music",
    },
}

FIELD_TYPES = typing.get_type_hints(Show)


def load_show(path: Path) -> Show:
    """Read show.toml; relative file paths in it are relative to its folder."""
    if not path.exists():
        return Show()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path) from exc
    values = _flatten(raw, path)
    for name, value in list(values.items()):
        values[name] = _coerce(name, value, path)
        if name in ("artwork", "intro_music", "outro_music"):
            check_inside(
                path.parent / value, path.parent.parent, f"'{name}' file", ConfigError, path
            )
            values[name] = (path.parent / value).resolve()
    show = Show(**values)
    check_show(show, path)  # what the values mean, every problem at once
    return show


def _flatten(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    fields = {f.name for f in dataclasses.fields(Show)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in TABLES and isinstance(value, dict):
            for inner, inner_value in value.items():
                if inner not in TABLES[key]:
                    known = ", ".join(sorted(TABLES[key]))
                    raise ConfigError(f"[{key}] has no setting '{inner}' (known: {known})", path)
                values[TABLES[key][inner]] = inner_value
        elif key in fields:
            values[key] = value
        elif key == "follow":
            continue  # [[follow]] entries: read by pipeline.follow.rules, for `essaycast update`
        else:
            raise ConfigError(f"unknown setting '{key}'", path)
    return values


def _coerce(name: str, value: Any, path: Path) -> Any:
    expected = FIELD_TYPES[name]
    allowed = typing.get_args(expected) if isinstance(expected, types.UnionType) else (expected,)
    if name in ("artwork", "intro_music", "outro_music"):
        allowed = (str,)
    if float in allowed and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    for kind in allowed:
        origin = typing.get_origin(kind)
        if origin is typing.Literal:
            if value in typing.get_args(kind):
                return value
            options = " or ".join(repr(a) for a in typing.get_args(kind))
            raise ConfigError(f"'{name}' must be {options}, not {value!r}", path)
        if isinstance(kind, type) and isinstance(value, kind):
            if kind is int and isinstance(value, bool):
                continue
            return value
    names = " or ".join(getattr(k, "__name__", str(k)) for k in allowed if k is not type(None))
    raise ConfigError(f"'{name}' must be {names}, not {value!r}", path)


MUSIC_SETTINGS = ("intro_music", "outro_music")


def check_music(show: Show, path: Path) -> None:
    """Decode each music file show.toml names, once, before any episode is built.

    A file ffmpeg cannot read is then one ConfigError naming show.toml, instead of every
    episode failing at mastering, after its synthesis.
    """
    for name in MUSIC_SETTINGS:
        file = getattr(show, name)
        if file is None:
            continue
        try:
            tools.ffmpeg("-loglevel", "error", "-i", str(file), "-f", "null", "-")
        except ToolError as exc:
            reason = exc.detail.split(" | ")[-1]  # ffmpeg's last word says what is wrong
            raise ConfigError(
                f"'{name}' file {file.name} cannot be decoded as audio ({reason}): "
                "export it as MP3, WAV or FLAC, or remove the setting",
                path,
            ) from None
