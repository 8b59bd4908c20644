"""The talking-book stage: each episode as an EPUB 3 with Media Overlays and as an M4B, and the
whole show as one EPUB (feed/<show-slug>.epub), each episode a part, newest last.

Like make, the stage knows its own inputs: the timeline, the front matter, the show's
settings, the artwork, the MP3's bytes and the book templates.  Their digests are kept next
to the outputs (episodes/<slug>/.book.json, feed/.book.json); when none changed and both
files are still there as written, nothing is rewritten.  `--explain` names what changed.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import datetime as dt
import hashlib
import json
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pipeline.audio.aac import AAC_CODER, ChapterEncodes, write_aac
from pipeline.audio.m4b import MIN_BITRATE_KBPS, retag_m4b, write_m4b
from pipeline.books.book import BookError, documents, locate
from pipeline.books.epub import BookInfo, Part, write_epub
from pipeline.core import atomic
from pipeline.core.digest import file_digest, json_digest
from pipeline.core.errors import PipelineError
from pipeline.core.model import BuiltEpisode, Narration, Show, shown_meta
from pipeline.core.reporter import Reporter
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import narrate
from pipeline.release.artwork import cover_description
from pipeline.release.feed import episode_page_url, show_guid, show_page_url
from pipeline.release.page import direction
from pipeline.release.written import written

RECORD = ".book.json"  # the EPUB's inputs
M4B_RECORD = ".m4b.json"  # the M4B's: its audio, chapters, cover and tags
RECORD_VERSION = 2  # 2: the M4B is an audiobook with an edit list; the EPUB keeps lists


def show_slug(show: Show) -> str:
    """The show-wide book's file stem, from the show's title.

    >>> show_slug(Show(title="Essaycast <b>Weekly</b> & Co.")), show_slug(Show(title="¿?"))
    ('essaycast-b-weekly-b-co', 'show')
    """
    from pipeline.reading.infer import slugify

    return slugify(show.title, empty="show")


def show_book_path(show: Show, feed_dir: Path) -> Path:
    return feed_dir / f"{show_slug(show)}.epub"


def narrator(voice: str) -> str:
    return f"Synthetic voice ({voice})"


def book_identifier(guid: str) -> str:
    """urn:uuid: of a UUID guid, else a UUIDv5 of the guid (never changes for an episode).

    >>> book_identifier("5f0d3d02-0e69-50a2-9e26-63a75381969d")
    'urn:uuid:5f0d3d02-0e69-50a2-9e26-63a75381969d'
    >>> book_identifier("urn:test:1").startswith("urn:uuid:")
    True
    """
    try:
        return f"urn:uuid:{uuid.UUID(guid)}"
    except ValueError:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, guid)}"


@dataclass(frozen=True)
class EpisodeBook:
    """What one episode's talking book is made from, and how to report on making it."""

    show: Show
    episode: BuiltEpisode
    narration: Narration
    artwork: Path
    base_url: str
    voice: str
    reporter: Reporter
    encodes: ChapterEncodes  # the chapters' MP3 encodes, from which each chapter's AAC is made
    explain: bool = False
    jobs: int = 2


def write_episode_book(book: EpisodeBook) -> bool:
    """Write episodes/<slug>/<slug>.epub and .m4b unless they are up to date; True if either
    was written. Each has its own inputs: the EPUB carries the MP3 file itself (tags and
    all), while the M4B is made from the chapters' encodes (``encodes``: each chapter's AAC
    is kept, so an edit encodes only its chapter) and only retagged when no more than its
    tags changed.

    Raises BookError (naming the sentence) when the timeline cannot carry the book.
    """
    show, episode, artwork = book.show, book.episode, book.artwork
    files, meta = episode.files, episode.meta
    inputs = {
        "timeline": json_digest(dataclasses.asdict(episode.timeline)),
        # lists, quotes and emphasis change the book, never the audio
        "written": json_digest(dataclasses.asdict(written(book.narration, episode.timeline))),
        "meta": json_digest(shown_meta(meta)),
        "show title or author": json_digest([show.title, show.author, cover_description(show)]),
        "base_url": json_digest(book.base_url),
        "voice": json_digest(book.voice),
        "artwork": _file_digest(artwork),
        "audio": _file_digest(files.mp3),
        "templates": _templates_digest(),
    }
    # The M4B is mostly ffmpeg's work: it is made on a thread while this one writes the EPUB.
    with cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="m4b") as pool:
        m4b = pool.submit(_write_episode_m4b, book)
        wrote_epub = _write_episode_epub(book, inputs)
        wrote_m4b = m4b.result()
    if not (wrote_epub or wrote_m4b):
        book.reporter.detail("  talking book up to date")
    return wrote_epub or wrote_m4b


def _write_episode_epub(book: EpisodeBook, inputs: dict[str, str]) -> bool:
    show, episode, reporter = book.show, book.episode, book.reporter
    files, meta = episode.files, episode.meta
    record = files.folder / RECORD
    if _up_to_date(record, inputs, (files.epub,), reporter, book.explain):
        return False
    try:
        locate(book.narration, episode.timeline)
        writing = written(book.narration, episode.timeline)
        laid = documents(episode.timeline, writing=writing)
        part = Part(meta.title, _byline(meta.author), files.mp3, laid)
    except BookError as exc:  # name the script the sentence comes from
        raise BookError(exc.detail, meta.source) from None
    info = BookInfo(
        identifier=book_identifier(episode.guid),
        title=meta.title,
        language=meta.language,
        direction=direction(meta.language),
        creators=(meta.author or show.author,),
        narrator=narrator(book.voice),
        publisher=show.title,
        date=meta.date.isoformat(),
        source=episode_page_url(book.base_url, files.slug),
        description=meta.summary,
        modified=modified(meta.date),
        cover_alt=cover_description(show),
    )
    reporter.detail("  writing the talking book (EPUB with Media Overlays)")
    write_epub(files.epub, info, [part], book.artwork)
    _write_record(record, inputs, (files.epub,))
    return True


def _write_episode_m4b(book: EpisodeBook) -> bool:
    show, episode, artwork, encodes = book.show, book.episode, book.artwork, book.encodes
    reporter, files, meta = book.reporter, episode.files, episode.meta
    tags = {
        "title": meta.title,
        "artist": meta.author or show.author,
        "album_artist": show.author,
        "album": show.title,
        "genre": "Audiobook",
        "date": str(meta.date.year),
        "track": str(meta.number),
        "comment": meta.summary,
    }
    audio = {
        "audio": encodes.key,
        "chapters": json_digest(
            [dataclasses.asdict(mark) for mark in episode.timeline.chapters]
            + [episode.timeline.duration]
        ),
        "bitrate": str(show.bitrate_kbps),
        "coder": AAC_CODER,
        "rate": str(encodes.rate),
    }
    record = files.folder / M4B_RECORD
    with_tags = {**audio, "tags": json_digest([tags, _file_digest(artwork)])}
    if _up_to_date(record, with_tags, (files.m4b,), reporter, book.explain):
        return False
    if _up_to_date(record, {**audio, "tags": _recorded(record, "tags")}, (files.m4b,), reporter):
        reporter.detail("  retagging the audiobook (M4B)")
        retag_m4b(files.m4b, tags, artwork)
    else:
        with tempfile.TemporaryDirectory(prefix="essaycast-aac-") as scratch:
            aac = Path(scratch) / "audio.aac"
            bitrate = max(MIN_BITRATE_KBPS, show.bitrate_kbps)
            encoded = write_aac(encodes, bitrate, aac, book.jobs)
            count = len(encodes.segments)
            reporter.detail(
                f"  writing the audiobook (M4B): encoded {encoded} of {count} chapter(s)"
            )
            timeline = episode.timeline  # the M4B's chapters are heard at the MP3's times
            write_m4b(
                aac, files.m4b, tags, timeline.chapters, timeline.duration, artwork, encodes.rate
            )
    _write_record(record, with_tags, (files.m4b,))
    return True


def write_show_book(
    show: Show,
    episodes: Sequence[BuiltEpisode],
    feed_dir: Path,
    artwork: Path,
    base_url: str,
    reporter: Reporter,
    *,
    explain: bool = False,
) -> Path:
    """Write feed/<show-slug>.epub: every episode one part, oldest first; returns its path."""
    out = show_book_path(show, feed_dir)
    ordered = sorted(episodes, key=lambda e: (e.meta.date, e.meta.number))
    shown = [show.title, show.language, show.author, show.voice, show.description]
    shown.append(cover_description(show))
    inputs = {
        "show": json_digest(shown),
        "base_url": json_digest(base_url),
        "artwork": _file_digest(artwork),
        "templates": _templates_digest(),
        "episodes": json_digest(
            [[shown_meta(e.meta), _file_digest(e.files.folder / RECORD)] for e in ordered]
        ),
    }
    record = feed_dir / RECORD
    if _up_to_date(record, inputs, (out,), reporter, explain):
        return out
    parts = [
        Part(
            e.meta.title,
            _byline(e.meta.author),
            e.files.mp3,
            documents(e.timeline, f"e{index:03d}-", written(_narration(e, show), e.timeline)),
        )
        for index, e in enumerate(ordered, start=1)
    ]
    newest = max(e.meta.date for e in ordered)
    info = BookInfo(
        identifier=f"urn:uuid:{show_guid(show, base_url)}",
        title=show.title,
        language=show.language,
        direction=direction(show.language),
        creators=creators(show, ordered),
        narrator=narrator(show.voice),
        publisher=show.title,
        date=newest.isoformat(),
        source=show_page_url(base_url),
        description=show.description,
        modified=modified(newest),
        cover_alt=cover_description(show),
    )
    write_epub(out, info, parts, artwork)
    _write_record(record, inputs, (out,))
    return out


def _narration(episode: BuiltEpisode, show: Show) -> Narration | None:
    """An episode's narration read again from its script, for how its text is written (its
    lists, quotes, emphasis); None when the script is gone or no longer reads."""
    try:
        return narrate(read_script(episode.meta.source, show))
    except PipelineError:
        return None


def creators(show: Show, episodes: Sequence[BuiltEpisode]) -> tuple[str, ...]:
    """The show-wide book's creators: every essay's author once, in the order of the book
    (an episode without an author of its own is the show's author's)."""
    return tuple(dict.fromkeys(e.meta.author or show.author for e in episodes))


# ------------------------------------------------ the record of what was built from what


def _byline(author: str | None) -> str | None:
    return f"By {author}" if author else None


def modified(day: dt.date) -> str:
    """The book's dcterms:modified, from its inputs (the newest episode's date), not the
    clock: the same scripts make the same bytes, whenever they are built.

    >>> modified(dt.date(2026, 1, 5))
    '2026-01-05T00:00:00Z'
    """
    return f"{day.isoformat()}T00:00:00Z"


def _file_digest(path: Path) -> str:
    return file_digest(path) if path.is_file() else "missing"


def _templates_digest() -> str:
    """What the book looks like is part of its inputs: a new template rebuilds every book."""
    root = resources.files("pipeline")
    sources: list[Traversable] = [root.joinpath("assets", "book.css")]
    sources += sorted(root.joinpath("templates", "epub").iterdir(), key=lambda t: t.name)
    return hashlib.sha256(b"".join(t.read_bytes() for t in sources)).hexdigest()


def _recorded(record: Path, name: str) -> str:
    """One input's digest as a record kept it ('' when there is none)."""
    try:
        return str(json.loads(record.read_text(encoding="utf-8"))["inputs"][name])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _up_to_date(
    record: Path,
    inputs: dict[str, str],
    outputs: Sequence[Path],
    reporter: Reporter,
    explain: bool = False,
) -> bool:
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        old_inputs, sizes = data["inputs"], data["outputs"]
        fresh = data.get("version") == RECORD_VERSION
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
        old_inputs, sizes, fresh = {}, {}, False
    changed = [name for name, digest in inputs.items() if old_inputs.get(name) != digest]
    gone = [p.name for p in outputs if not p.is_file() or p.stat().st_size != sizes.get(p.name)]
    if fresh and not changed and not gone:
        return True
    if explain:
        why = ", ".join([*(f"{n} changed" for n in changed), *(f"{n} missing" for n in gone)])
        reporter.explain(f"  rebuild {', '.join(p.name for p in outputs)} ({why or 'no record'})")
    return False


def _write_record(record: Path, inputs: dict[str, str], outputs: Sequence[Path]) -> None:
    data = {
        "version": RECORD_VERSION,
        "inputs": inputs,
        "outputs": {p.name: p.stat().st_size for p in outputs},
    }
    atomic.write_text(record, json.dumps(data, indent=1, sort_keys=True) + "\n")
