"""`essaycast add URL` and `essaycast update`.

``add URL``: a feed (or a page that advertises one and is not itself an article) has every
post imported that was not imported before, and is added to show.toml as a ``[[follow]]``
entry; any other page is imported as a saved copy of it would be.

``update``: for each ``[[follow]]`` feed, a conditional GET (a 304 costs nothing), then
what is new or edited imported; then, if anything changed or an interrupted run left a
build undone, the build, and the publish when ``[publish] target`` is set. One summary
line ends it, for cron and CI; the exit status is 0 only when nothing failed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.build.run import build
from pipeline.build.task import Options, Project
from pipeline.core import atomic
from pipeline.core.errors import ConfigError, FetchError, PipelineError
from pipeline.core.model import Show
from pipeline.core.reporter import Reporter
from pipeline.follow.feeds import advertised_feeds, is_article, kind_of
from pipeline.follow.fetch import Fetcher
from pipeline.follow.follow import Outcome, follow_feed
from pipeline.follow.importing import prepare, stem_for
from pipeline.follow.rules import Follow, add_follow, load_follows
from pipeline.follow.state import Followed
from pipeline.reading.add import index_folder
from pipeline.reading.identity import identity
from pipeline.settings.config import load_show


@dataclass
class Summary:
    feeds: int = 0
    not_modified: int = 0
    new: int = 0
    updated: int = 0
    kept: int = 0
    held: int = 0
    waiting: int = 0
    refused: int = 0
    failed: list[str] = field(default_factory=list)
    built: int | None = None  # None: no build was needed
    published: str | None = None

    def take(self, outcome: Outcome) -> None:
        self.not_modified += outcome.not_modified
        self.new += len(outcome.new)
        self.updated += len(outcome.updated)
        self.kept += len(outcome.kept)
        self.held += len(outcome.held)
        self.waiting += outcome.waiting
        self.refused += len(outcome.refused)
        self.failed += outcome.failed

    def line(self) -> str:
        """
        >>> Summary(feeds=2, not_modified=2).line()
        'update: 2 feed(s), 2 not modified; nothing new, nothing built'
        >>> Summary(feeds=1, new=3, kept=1, built=3, published="s3://b").line()
        'update: 1 feed(s), 3 new, 1 kept as edited by hand; built 3 episode(s); published to s3://b'
        """
        parts = [f"{self.feeds} feed(s)"]
        for count, what in (
            (self.not_modified, "not modified"),
            (self.new, "new"),
            (self.updated, "updated"),
            (self.kept, "kept as edited by hand"),
            (self.held, "already in scripts/"),
            (self.waiting, "left for the next run by limit"),
            (self.refused, "not fetched: robots.txt"),
            (len(self.failed), "failed"),
        ):
            if count:
                parts.append(f"{count} {what}")
        tail = (
            "nothing new, nothing built" if self.built is None else f"built {self.built} episode(s)"
        )
        if self.published:
            tail += f"; published to {self.published}"
        return f"update: {', '.join(parts)}; {tail}"


def update(
    project: Project, options: Options, reporter: Reporter, fetcher: Fetcher, *, publish: bool
) -> Summary:
    """Follow every [[follow]] feed, then build and publish if anything changed."""
    show = load_show(project.show_toml)
    rules = load_follows(project.show_toml)
    if not rules:
        raise ConfigError(
            "follows no feed: add a [[follow]] entry, or run `essaycast add FEED_URL`",
            project.show_toml,
        )
    project.scripts.mkdir(parents=True, exist_ok=True)
    state = Followed.load(project.scripts)
    index = functools.cache(lambda: index_folder(project.scripts, show))
    summary = Summary(feeds=len(rules))
    for rule in rules:
        try:
            summary.take(
                follow_feed(rule, fetcher, project.scripts, show, state, index, reporter.info)
            )
        except FetchError as error:
            reporter.error(str(error))
            summary.failed.append(str(error))
    if not state.build_pending:
        return summary  # nothing new and nothing left undone: no build, no upload
    result = build(project, options, reporter)
    summary.built = len(result.built)
    summary.failed += [message for _, message in result.failed]
    if result.failed:
        return summary  # build_pending stays set: the next run builds again
    if publish and show.publish_target:
        from pipeline.delivery.publish import publish as upload

        try:
            upload(project.root, show, reporter.info)
        except PipelineError as error:  # built, not published: the next run publishes
            reporter.error(str(error))
            summary.failed.append(str(error))
            return summary
        summary.published = show.publish_target
    state.build_pending = False
    state.save()
    return summary


def add_urls(
    urls: Sequence[str], project: Project, fetcher: Fetcher, say: Callable[[str], None]
) -> list[str]:
    """Import each URL: a feed's posts, or a page. The errors, one line each."""
    show = load_show(project.show_toml)
    project.scripts.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    for url in urls:
        try:
            add_url(url, project, show, fetcher, say, failed)
        except PipelineError as error:
            failed.append(str(error))
    return failed


def add_url(
    url: str,
    project: Project,
    show: Show,
    fetcher: Fetcher,
    say: Callable[[str], None],
    failed: list[str],
) -> None:
    response = fetcher.get(url)
    kind = kind_of(response.body, response.content_type)
    feed = response.url if kind == "feed" else None
    if kind == "html":
        text = response.body.decode("utf-8", "replace")
        offered = advertised_feeds(text, response.url)
        if offered and not is_article(text):
            feed = offered[0]
            say(f"{url}: not an article, and it advertises the feed {feed}: following that")
    elif kind != "feed":
        raise FetchError(
            f"not an HTML page or a feed (it is {response.content_type or 'untyped'})", url
        )
    if feed is not None:
        state = Followed.load(project.scripts)
        index = functools.cache(lambda: index_folder(project.scripts, show))
        outcome = follow_feed(Follow(feed), fetcher, project.scripts, show, state, index, say)
        failed += outcome.failed
        if add_follow(project.show_toml, feed):
            say(f"  followed from now on: [[follow]] feed = {feed!r} added to {project.show_toml}")
        say(
            f"{feed}: {len(outcome.new)} post(s) imported, {len(outcome.held)} already in "
            "scripts/; `make` narrates them, `make update` keeps them current"
        )
        return
    prepared = prepare(
        response.body, response.url, project.scripts, show, stem_for(response.url), None
    )
    held = index_folder(project.scripts, show).holder(identity(prepared.script))
    if held is not None:
        say(f"{url}: already in {held[0]} ({held[1]}); nothing written, no second episode")
        return
    if prepared.target.exists():
        raise FetchError(f"{prepared.target} already exists; rename or remove it first", url)
    atomic.write_text(prepared.target, prepared.text)
    say(f"{url} -> {prepared.target}")
    for line in prepared.script.inferred:
        say(f"  inferred {line}")
