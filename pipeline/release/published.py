"""Which episodes the feed lists: every one built and not removed, whatever a build names.

Podcast apps treat an item that leaves the feed as deleted, so the feed is never rebuilt
from just the scripts one build happened to name. Each episode that builds leaves a small
record of what the feed and the show page say about it, ``episodes/<slug>/.episode.json``;
the feed lists the episodes built now, and every other episode from its record.

The rules (docs/troubleshooting.md):

* ``build scripts/003-x.md`` rebuilds that episode and keeps every other one as it was.
* A script that fails keeps its last good episode in the feed.
* An episode whose script is gone from ``scripts/`` stays listed until a build of the whole
  project (``essaycast build`` naming no script), which removes it from the feed, deletes
  its folder in ``episodes/`` and says so.
* A published episode keeps its slug and number: a new script that claims either is the
  one refused, whatever their order on disk.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pipeline.core import atomic
from pipeline.core.model import BuiltEpisode, ChapterMark, EpisodeFiles, EpisodeMeta, Timeline

RECORD_NAME = ".episode.json"
VERSION = 1
META_FIELDS = {f.name for f in dataclasses.fields(EpisodeMeta)}


def record_path(files: EpisodeFiles) -> Path:
    return files.folder / RECORD_NAME


def write(episode: BuiltEpisode, root: Path) -> None:
    """Record a finished episode, last of all its outputs (so a record means it is whole)."""
    meta = dataclasses.asdict(episode.meta)
    meta["source"] = _relative(episode.meta.source, root)
    meta["date"] = episode.meta.date.isoformat()
    data = {
        "version": VERSION,
        "meta": meta,
        "guid": episode.guid,
        "mp3_bytes": episode.mp3_bytes,
        "duration": episode.timeline.duration,
        "chapters": [dataclasses.asdict(mark) for mark in episode.timeline.chapters],
        "chapter_titles": list(episode.chapter_titles),
    }
    text = json.dumps(data, ensure_ascii=False, indent=1, default=str)  # str: any later field
    atomic.write_text(record_path(episode.files), text)


def read(files: EpisodeFiles, root: Path) -> BuiltEpisode | None:
    """The episode as its last build left it; None when it has no readable record."""
    try:
        data = json.loads(record_path(files).read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return None
        return BuiltEpisode(
            meta=_meta(data["meta"], root),
            files=files,
            timeline=Timeline(
                (), tuple(ChapterMark(**mark) for mark in data["chapters"]), data["duration"]
            ),
            mp3_bytes=int(data["mp3_bytes"]),
            guid=str(data["guid"]),
            chapter_titles=tuple(data["chapter_titles"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def load(episodes: Path, root: Path) -> dict[str, BuiltEpisode]:
    """Every episode with a record, by slug."""
    if not episodes.is_dir():
        return {}
    found = {}
    for folder in sorted(episodes.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            episode = read(EpisodeFiles(folder), root)
            if episode is not None:
                found[folder.name] = episode
    return found


def unrecorded(episodes: Path, published: Mapping[str, BuiltEpisode]) -> list[Path]:
    """Episode folders with audio but no record (built before records were kept): a partial
    build cannot list them, so the producer is told to build the whole project once."""
    if not episodes.is_dir():
        return []
    return [
        folder
        for folder in sorted(episodes.iterdir())
        if folder.is_dir()
        and folder.name not in published
        and EpisodeFiles(folder).mp3.is_file()
        and not record_path(EpisodeFiles(folder)).exists()
    ]


def claims(episode: EpisodeMeta) -> tuple[str, str]:
    """What an episode holds that no other may share: its slug (its folder and files) and
    its number (how apps order and name it).

    >>> import datetime
    >>> claims(EpisodeMeta(Path("s/003-x.md"), "003-x", 3, "T", datetime.date(2026, 1, 1), "S"))
    ("slug '003-x'", 'episode number 3')
    """
    return f"slug '{episode.slug}'", f"episode number {episode.number}"


def claim(meta: EpisodeMeta, source: Path, seen: dict[str, Path]) -> None:
    """Claim a script's slug and number in ``seen`` (claim -> the script holding it), or
    raise ScriptError naming the script that holds one already: two scripts may not share a
    slug or a number, their outputs would collide.

    ``seen`` starts with the published episodes' claims, so a new script is refused rather
    than the published one it collides with; a script's own earlier claims are its to keep
    or give up.

    >>> import datetime
    >>> seen = {}
    >>> one = EpisodeMeta(Path("s/003-x.md"), "003-x", 3, "T", datetime.date(2026, 1, 1), "S")
    >>> claim(one, one.source, seen)
    >>> other = dataclasses.replace(one, source=Path("s/004-y.md"), slug="004-y")
    >>> claim(other, other.source, seen)
    Traceback (most recent call last):
    pipeline.core.errors.ScriptError: s/004-y.md: episode number 3 is already used by s/003-x.md
    """
    from pipeline.core.errors import ScriptError

    mine = claims(meta)
    for held in mine:
        holder = seen.get(held)
        if holder is not None and holder != source:
            raise ScriptError(f"{held} is already used by {holder}", source)
    for held in [held for held, holder in seen.items() if holder == source]:
        del seen[held]
    seen.update(dict.fromkeys(mine, source))


def claimed(published: Mapping[str, BuiltEpisode], *, whole_project: bool) -> dict[str, Path]:
    """Claim -> the script that holds it, for the published episodes (less, on a
    whole-project build, those whose script is gone: that build removes them)."""
    return {
        claim: episode.meta.source
        for episode in published.values()
        if episode.meta.source.exists() or not whole_project
        for claim in claims(episode.meta)
    }


def listed(
    built: list[BuiltEpisode],
    published: Mapping[str, BuiltEpisode],
    episodes: Path,
    *,
    whole_project: bool,
    notice: Callable[[str], None],
) -> tuple[list[BuiltEpisode], list[str]]:
    """(episodes for the feed, slugs removed): those built now, then the published others.

    On a whole-project build, an episode whose script is gone is removed (folder and all).
    """
    now = {episode.files.slug for episode in built}
    keep, removed = list(built), []
    if not whole_project:
        for folder in unrecorded(episodes, published):
            if folder.name not in now:
                notice(
                    f"{folder} has no record of its last build, so this feed leaves it out: "
                    "run `essaycast build` once on the whole project to keep it listed"
                )
    for slug, episode in published.items():
        if slug in now:
            continue
        source = episode.meta.source
        if not source.exists() and whole_project:
            shutil.rmtree(episode.files.folder, ignore_errors=True)
            notice(
                f"{source} is gone: removed episode {episode.meta.number} "
                f"({episode.meta.title!r}) from the feed and deleted {episode.files.folder}"
            )
            removed.append(slug)
            continue
        if not source.exists():
            notice(
                f"{source} is gone, but episode {slug} stays in the feed until "
                "`essaycast build` runs on the whole project"
            )
        elif not _mp3_matches(episode):
            notice(
                f"{episode.files.mp3} is not what its last build made: "
                f"run `essaycast build {source}` to rebuild it"
            )
        keep.append(episode)
    return keep, removed


def _mp3_matches(episode: BuiltEpisode) -> bool:
    try:
        return episode.files.mp3.stat().st_size == episode.mp3_bytes
    except OSError:
        return False


def _relative(path: Path, root: Path) -> str:
    """
    >>> _relative(Path("/p/scripts/001-a.md"), Path("/p")), _relative(Path("/q/a.md"), Path("/p"))
    ('scripts/001-a.md', '/q/a.md')
    """
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _meta(data: dict[str, Any], root: Path) -> EpisodeMeta:
    values = {key: value for key, value in data.items() if key in META_FIELDS}
    values["source"] = root / values["source"]
    values["date"] = dt.date.fromisoformat(values["date"])
    for key, value in values.items():
        if isinstance(value, list):
            values[key] = tuple(value)
    return EpisodeMeta(**values)
