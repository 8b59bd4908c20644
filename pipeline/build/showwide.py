"""The show-wide outputs, made once after every episode: the feed, the show's talking book, the
show page and the show's report, for every episode listed (pipeline.release.published)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from pipeline.books.talkingbook import write_show_book
from pipeline.build import manifest
from pipeline.core.model import BuiltEpisode, Show
from pipeline.core.reporter import Reporter
from pipeline.release.feed import feed_url, write_feed
from pipeline.release.page import write_show_page
from pipeline.release.report import write_show_report


def write_show_outputs(
    show: Show,
    episodes: Sequence[BuiltEpisode],
    built: Sequence[BuiltEpisode],
    root: Path,
    artwork: Path,
    base_url: str,
    reporter: Reporter,
) -> None:
    """The feed, book, page and report of the show in ``root``/feed, listing ``episodes``
    (``built`` are those this build made, with every sentence's timing at hand)."""
    feed = root / "feed"
    with reporter.timed("feed"):
        write_feed(show, episodes, base_url, feed / "feed.xml")
    with reporter.timed("show_book"):
        whole = _with_timelines(episodes, built, reporter)
        book = write_show_book(show, whole, feed, artwork, base_url, reporter)
    with reporter.timed("show_page"):
        write_show_page(show, episodes, feed, feed_url(show, base_url), book)
    with reporter.timed("show_report"):
        write_show_report(root, show, [episode.meta.slug for episode in episodes])


def _with_timelines(
    episodes: Sequence[BuiltEpisode], built: Sequence[BuiltEpisode], reporter: Reporter
) -> list[BuiltEpisode]:
    """The listed episodes with every sentence's timing, which the show's book needs: those
    built now have it; a kept one's comes from the manifest its last build left."""
    fresh = {episode.meta.slug: episode for episode in built}
    whole = []
    for episode in episodes:
        if episode.meta.slug in fresh:
            whole.append(fresh[episode.meta.slug])
            continue
        kept = manifest.read(episode.files)
        if kept is None:
            reporter.warn(f"{episode.files.folder}: no build record; left out of the show's book")
            continue
        whole.append(dataclasses.replace(episode, timeline=kept.timeline))
    return whole
