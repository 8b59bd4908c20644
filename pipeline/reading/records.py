"""scripts/.essaycast.toml: what was inferred once and must never move afterwards.

A script without a date in its front matter or its page is dated by its first build; a
script whose name has no ``NNN-`` gets the next free episode number and a slug from its
title. The feed's pubDate and guid follow from those, so they are written down the first
time and read back ever after: later builds, edits of the essay (even of its title) and
``make clean`` (which only empties episodes/ and .cache/) leave them as they were. The file
lives beside the scripts and is meant to be committed with them::

    ["What Counts as a Quiet Hobby.html"]
    number = 4
    slug = "004-what-counts-as-a-quiet-hobby"
    date = 2026-11-26

Entries are keyed by file name. A script without ``NNN-`` also has its identity recorded:
its canonical URL (``source``) and a digest of its text (``text``). A script renamed to
another name without ``NNN-`` is found by them and keeps its number, slug (so its guid)
and date, instead of being removed and published again as a new episode. A producer may
edit a value here, or pin it in the script's front matter, which always wins.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core import atomic
from pipeline.core.errors import ScriptError

FILE_NAME = ".essaycast.toml"
NUMBERED = re.compile(r"^(\d+)-")
DATED = re.compile(r"^\d{4}-\d{2}-\d{2}-")  # a blog post's date, not an episode number
HEADER = (
    "# Written by essaycast: what it inferred for scripts that do not say it themselves,\n"
    "# recorded so that rebuilds, edits and `make clean` never move an episode's date,\n"
    "# number or slug. Commit it with the scripts. Front matter overrides any value here.\n"
)


@dataclass(frozen=True)
class Entry:
    number: int | None = None
    slug: str | None = None
    date: dt.date | None = None
    source: str | None = None  # the canonical URL, normalized (pipeline.reading.identity)
    text: str | None = None  # a digest of the script's words as written


@dataclass
class Records:
    """The record of one scripts folder; ``remember`` writes it back at once."""

    folder: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    persistent: bool = True  # False: never write (a script read from elsewhere, or `add`)
    written: dict[str, Entry] = field(default_factory=dict)  # what the file holds
    renamed: dict[str, str] = field(default_factory=dict)  # new name -> the name it had

    @property
    def path(self) -> Path:
        return self.folder / FILE_NAME

    @classmethod
    def load(cls, folder: Path, *, persistent: bool = True) -> Records:
        path = folder / FILE_NAME
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(folder, {}, persistent)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ScriptError(
                f"cannot read it ({error}); fix the line or delete the file to infer afresh",
                path,
            ) from None
        entries = {}
        for name, values in data.items():
            if not isinstance(values, dict):
                raise ScriptError(f"'{name}' must be a [\"file name\"] table", path)
            number, slug, date = values.get("number"), values.get("slug"), values.get("date")
            source, text = values.get("source"), values.get("text")
            if not (
                (number is None or (isinstance(number, int) and number > 0))
                and all(value is None or isinstance(value, str) for value in (slug, source, text))
                and (date is None or type(date) is dt.date)
            ):
                raise ScriptError(
                    f"['{name}']: number must be a whole number, slug, source and text text, "
                    "and date YYYY-MM-DD",
                    path,
                )
            entries[name] = Entry(number, slug, date, source, text)
        return cls(folder, entries, persistent, dict(entries))

    def get(self, name: str) -> Entry:
        return self.entries.get(name, Entry())

    def next_number(self) -> int:
        """One more than any episode number in use: NNN- file names and recorded numbers."""
        used = [entry.number for entry in self.entries.values() if entry.number]
        if self.folder.is_dir():
            used += [
                int(m[1])
                for p in self.folder.iterdir()
                if (m := NUMBERED.match(p.name)) and not DATED.match(p.name)
            ]
        return max(used, default=0) + 1

    def remember(self, name: str, entry: Entry) -> None:
        """Hold ``entry`` for the script ``name`` (fields already recorded are kept); its
        number is taken from then on. ``commit`` writes it, once the episode has built."""
        old = self.get(name)
        self.entries[name] = Entry(
            old.number or entry.number,
            old.slug or entry.slug,
            old.date or entry.date,
            entry.source or old.source,  # identity: the latest, so an edit is followed
            entry.text or old.text,
        )

    def renamed_from(self, name: str, source: str | None, text: str | None) -> str | None:
        """The recorded name whose file is gone and whose identity (canonical URL, else
        text) is this script's: the name ``name`` had before a rename."""
        if name in self.entries:
            return None
        for old, entry in sorted(self.entries.items()):
            gone = not (self.folder / old).exists()
            same = (source and entry.source == source) or (text and entry.text == text)
            if gone and same and entry.number:
                return old
        return None

    def adopt(self, old: str, name: str) -> Entry:
        """Give the record of ``old`` (a script renamed) to ``name``."""
        self.entries[name] = self.entries.pop(old)
        self.renamed[name] = old
        return self.entries[name]

    def commit(self, name: str) -> None:
        """Write what is held for ``name`` to the file: its episode is built."""
        if name in self.renamed:
            self.written.pop(self.renamed.pop(name), None)
            self.written.pop(name, None)
        if name in self.entries and self.written.get(name) != self.entries[name]:
            self.written[name] = self.entries[name]
            if self.persistent:
                atomic.write_text(self.path, render(self.written))


def render(entries: dict[str, Entry]) -> str:
    """The TOML text of the record.

    >>> entries = {'a "b".html': Entry(4, "004-x", dt.date(2026, 1, 2)), "c.txt": Entry()}
    >>> print(render(entries))  # doctest: +ELLIPSIS
    # Written by essaycast: ... any value here.
    <BLANKLINE>
    ["a \\"b\\".html"]
    number = 4
    slug = "004-x"
    date = 2026-01-02
    <BLANKLINE>
    """
    out = [HEADER.rstrip("\n")]
    for name in sorted(entries):
        entry = entries[name]
        if entry == Entry():
            continue
        out += ["", f"[{json.dumps(name, ensure_ascii=False)}]"]
        if entry.number is not None:
            out.append(f"number = {entry.number}")
        if entry.slug is not None:
            out.append(f"slug = {json.dumps(entry.slug, ensure_ascii=False)}")
        if entry.date is not None:
            out.append(f"date = {entry.date.isoformat()}")
        if entry.source is not None:
            out.append(f"source = {json.dumps(entry.source, ensure_ascii=False)}")
        if entry.text is not None:
            out.append(f"text = {json.dumps(entry.text)}")
    return "\n".join(out) + "\n"
