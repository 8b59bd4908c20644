"""One feed, followed: every post not imported before becomes a script, oldest first.

For each post the feed lists (filtered by its ``[[follow]]`` entry):

* **new** (its id, else its canonical URL, is not in scripts/.followed.json): imported
  from the feed's full text when the feed carries the whole post, else from its page
  (fetched concurrently, a few at a time per host). A script that holds the same essay
  already (pipeline.reading.identity) is named instead, and no second one is written.
* **edited** (the feed's date for it, or its full text, changed): its script is written
  again under the same name, unless the producer has edited that script by hand (its bytes
  are not the ones written): then it is kept as it is, and the line says so.
* **known and unchanged**: nothing is fetched.

The order of writes (pipeline.follow.state) lets a run killed at any point be completed
by the next one, with nothing imported twice.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core import atomic
from pipeline.core.errors import FetchError, PipelineError, RobotsDenied, ScriptError
from pipeline.core.model import Show
from pipeline.follow.feeds import Post, kind_of, parse_feed, whole_text
from pipeline.follow.fetch import Fetcher, Validators
from pipeline.follow.importing import Prepared, post_page, prepare, stem_for
from pipeline.follow.rules import Follow
from pipeline.follow.state import FeedRecord, Followed, PostRecord, digest
from pipeline.reading.identity import Index, identity, normal_url

FETCH_THREADS = 4  # pages fetched at once, across hosts (Fetcher.per_host bounds each host)


@dataclass
class Outcome:
    feed: str
    not_modified: bool = False
    new: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # edited by hand: not overwritten
    held: list[Path] = field(default_factory=list)  # already in scripts/ under another name
    failed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # robots.txt said no: not a failure
    waiting: int = 0  # new posts left for the next run by the limit


@dataclass(frozen=True)
class Work:
    post: Post
    key: str
    record: PostRecord | None  # None: a new post


def follow_feed(
    rule: Follow,
    fetcher: Fetcher,
    scripts: Path,
    show: Show,
    state: Followed,
    index: Callable[[], Index],
    say: Callable[[str], None],
) -> Outcome:
    """Import what is new or edited in one feed; FetchError if the feed cannot be read."""
    outcome = Outcome(rule.feed)
    known = state.feeds.get(rule.feed)
    validators = Validators(known.etag, known.last_modified) if known else None
    response = fetcher.get(rule.feed, validators)
    if response.not_modified:
        say(f"{rule.feed}: not modified since the last run (HTTP 304); nothing fetched")
        outcome.not_modified = True
        return outcome
    if kind_of(response.body, response.content_type) != "feed":
        raise FetchError(
            f"not an RSS, Atom or JSON feed (it is {response.content_type or 'untyped'})",
            rule.feed,
        )
    feed = parse_feed(response.body, response.url)
    work = plan(rule, feed.posts, state, outcome)
    say(f"{rule.feed}: {len(feed.posts)} post(s) listed, {len(work)} to import or update")
    sources = fetch_sources(work, fetcher, outcome)
    for line in outcome.refused + outcome.failed:
        say(f"  {line}")
    for item in work:
        if item.key in sources:
            try:
                import_post(item, sources[item.key], scripts, show, state, index(), outcome, say)
            except ScriptError as error:  # nothing to narrate: said once, not retried
                outcome.failed.append(str(error))
                say(f"  error: {error}; not tried again unless the post is edited")
                unreadable = _record(item.post, "", None, "unreadable", None)
                unreadable.feed = rule.feed
                state.posts[item.key] = unreadable
                state.save()
            except PipelineError as error:
                outcome.failed.append(str(error))
                say(f"  error: {error}")
    if not outcome.failed and not outcome.waiting:
        # Kept only now: a 304 next time must not hide a post this run left undone.
        state.feeds[rule.feed] = FeedRecord(
            response.validators.etag, response.validators.last_modified
        )
        state.save()
    return outcome


def plan(rule: Follow, posts: tuple[Post, ...], state: Followed, outcome: Outcome) -> list[Work]:
    """The posts to import or update, oldest first, at most ``rule.limit`` new ones."""
    work: list[Work] = []
    new = 0
    for post in posts:
        if rule.takes(post) is not None:
            continue
        found = state.find(post.id or post.url or "", normal_url(post.url))
        if found is None:
            if rule.limit is not None and new >= rule.limit:
                outcome.waiting += 1
                continue
            new += 1
            work.append(Work(post, post.id or normal_url(post.url) or "", None))
        elif found[1].state == "pending" or (
            found[1].state in ("done", "unreadable") and edited(found[1], post)
        ):
            work.append(Work(post, found[0], found[1]))
    return work


def edited(record: PostRecord, post: Post) -> bool:
    """Whether the feed says the post changed since it was imported."""
    if post.updated and record.updated and post.updated.isoformat() != record.updated:
        return True
    return bool(post.content and record.text and digest(post.content) != record.text)


def fetch_sources(work: list[Work], fetcher: Fetcher, outcome: Outcome) -> dict[str, Source]:
    """Each post's page, or its full text from the feed; fetched pages concurrently."""

    def one(item: Work) -> Source:
        whole, why = whole_text(item.post)
        url = item.post.url or ""
        if whole:
            return Source(post_page(item.post, url), url, f"from the feed's full text: {why}")
        if not url:
            raise FetchError(f"the feed gives no link to the post ({why})", item.post.id)
        page = fetcher.get(url)
        if kind_of(page.body, page.content_type) != "html":
            raise FetchError(f"not an HTML page (it is {page.content_type or 'untyped'})", url)
        return Source(page.body, page.url, f"from its page: {why}")

    sources: dict[str, Source] = {}
    with ThreadPoolExecutor(FETCH_THREADS) as pool:
        futures = [(item, pool.submit(one, item)) for item in work]
        for item, future in futures:
            try:
                sources[item.key] = future.result()
            except RobotsDenied as error:
                outcome.refused.append(str(error))  # the site's wish, not a fault to retry
            except PipelineError as error:
                outcome.failed.append(str(error))
    return sources


@dataclass(frozen=True)
class Source:
    page: bytes
    url: str
    why: str


def import_post(
    item: Work,
    source: Source,
    scripts: Path,
    show: Show,
    state: Followed,
    index: Index,
    outcome: Outcome,
    say: Callable[[str], None],
) -> None:
    post, record = item.post, item.record
    if record is not None and record.state == "unreadable":
        del state.posts[item.key]  # edited since: a new post to try afresh
        record = None
    stem = Path(record.script).stem if record else stem_for(post.url)
    prepared = prepare(source.page, source.url, scripts, show, stem, post.when)
    url = normal_url(prepared.script.meta.source_url)
    if record is None:
        held = index.holder(identity(prepared.script))
        if held is not None:
            state.posts[item.key] = _record(post, held[0].name, url, "held", held[0])
            state.posts[item.key].feed = outcome.feed
            state.save()
            outcome.held.append(held[0])
            say(f"  {post.title!r}: already in {held[0]} ({held[1]}); not imported again")
            return
        record = _record(post, prepared.target.name, url, "pending", None)
        record.feed = outcome.feed
        state.posts[item.key] = record
        state.save()  # before the script: a run killed between the two finishes it
        _write(prepared, record, state, index)
        outcome.new.append(prepared.target)
        say(f"  {post.title!r} -> {prepared.target} ({source.why})")
        return
    target = scripts / record.script
    if record.state == "pending":  # the run that began it was killed
        _write(prepared, record, state, index)
        outcome.new.append(target)
        say(f"  {post.title!r} -> {target} (finishing what an interrupted run began)")
        return
    if not target.exists():
        say(f"  {post.title!r}: {target} was removed by hand; not imported again")
        _remember_feed_side(record, post, state)
        return
    if record.written != digest(target.read_bytes()):
        outcome.kept.append(target)
        say(
            f"  {post.title!r} was edited on the site, but {target} has been edited by hand: "
            "kept as it is, not overwritten (merge the change yourself)"
        )
        _remember_feed_side(record, post, state)
        return
    if prepared.text == target.read_text(encoding="utf-8"):
        _remember_feed_side(record, post, state)
        return
    record.updated, record.text = _feed_side(post)
    _write(prepared, record, state, index)
    outcome.updated.append(target)
    say(f"  {post.title!r} was edited on the site: {target} updated ({source.why})")


def _write(prepared: Prepared, record: PostRecord, state: Followed, index: Index) -> None:
    atomic.write_text(prepared.target, prepared.text)
    record.state, record.written = "done", digest(prepared.text)
    index.add(identity(prepared.script), prepared.target)
    state.build_pending = True
    state.save()


def _feed_side(post: Post) -> tuple[str | None, str | None]:
    return (
        post.updated.isoformat() if post.updated else None,
        digest(post.content) if post.content else None,
    )


def _remember_feed_side(record: PostRecord, post: Post, state: Followed) -> None:
    record.updated, record.text = _feed_side(post)
    state.save()


def _record(post: Post, script: str, url: str | None, status: str, held: Path | None) -> PostRecord:
    updated, text = _feed_side(post)
    written = digest(held.read_bytes()) if held is not None else None
    return PostRecord("", url, script, status, written, updated, text)
