"""`essaycast publish`: put the built site on its target, uploading only what changed.

The order keeps the live feed whole at every moment, even if the publish is killed:

    media and transcripts → pages → artwork → (verify) → feed.xml → (--prune) deletes

The new feed goes up only after every object it points to has been checked present on the
target with the right length; until then listeners keep the old feed, whose files are all
still there (nothing is deleted before the new feed is up).

What is already published is known from a manifest object, ``.essaycast-publish.json`` under
the prefix: for each key, the SHA-256 and size of what was uploaded and the version (S3's
ETag) the target gave it. A file is skipped only when its digest matches the manifest *and*
the target still lists it with that size and version, so an object deleted or rewritten by
anything else is uploaded again. (ETags alone cannot say this: a multipart upload's ETag is
not the file's MD5.) The manifest is rewritten as objects land (never listing a file before
it is up), so a rerun after an interruption uploads only what is still missing.

``--prune`` deletes only what an earlier publish recorded in that manifest and the build no
longer makes. Anything else under the prefix (a file the producer put there by hand, another
tool's) is listed and left alone: essaycast deletes only what it made.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.errors import PipelineError
from pipeline.core.model import Show
from pipeline.delivery.site_files import (
    FEED,
    FEED_KEY,
    INDEX,
    STAGES,
    SiteFile,
    feed_base_url,
    referenced_keys,
    site_files,
)
from pipeline.delivery.storage import PublishError, RemoteObject, Storage, open_storage

MANIFEST_KEY = ".essaycast-publish.json"
MANIFEST_VERSION = 1

Say = Callable[[str], None]


@dataclass
class PublishResult:
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    stale: list[str] = field(default_factory=list)  # published by essaycast, no longer built
    foreign: list[str] = field(default_factory=list)  # under the prefix, never published by us


@dataclass(frozen=True)
class Change:
    file: SiteFile
    reason: str  # "new", "changed", "not as last published"


def check_ready(root: Path, show: Show) -> str:
    """Refuse a site that is not fit to go live; return the base URL it was built for."""
    from pipeline.delivery.check import check_site

    if not show.publish_target:
        raise PipelineError(
            "[publish] has no 'target'; add target = \"s3://bucket/prefix\" "
            'or target = "file:///path/to/folder"',
            root / "feed" / "show.toml",
        )
    feed_path = root / FEED_KEY
    if not feed_path.is_file():
        raise PipelineError("not built yet; run `make` first", FEED_KEY)
    built_for = feed_base_url(feed_path.read_bytes())
    wanted = show.base_url.rstrip("/")
    if built_for != wanted:
        raise PipelineError(
            f"built for {built_for}, but [publish] base_url is {wanted}; rebuild with `make` "
            "(or fix base_url in feed/show.toml)",
            FEED_KEY,
        )
    problems = check_site(root, show, wanted)
    if problems:
        raise PipelineError(
            f"the built site has {len(problems)} problem(s), first: {problems[0]}; "
            "fix them (see `essaycast check`) before publishing"
        )
    return wanted


def read_manifest(storage: Storage) -> dict[str, dict[str, Any]]:
    """What the last publish recorded; an unreadable manifest counts as none (all re-uploaded)."""
    data = storage.read(MANIFEST_KEY)
    if data is None:
        return {}
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(v, dict)}


def write_manifest(storage: Storage, entries: dict[str, dict[str, Any]]) -> int:
    """Write what is published; return the manifest's size in bytes."""
    document = {"version": MANIFEST_VERSION, "files": dict(sorted(entries.items()))}
    data = json.dumps(document, indent=1).encode("utf-8")
    storage.put(MANIFEST_KEY, data, "application/json", "no-store")
    return len(data)


def entry(file: SiteFile, stored: RemoteObject) -> dict[str, Any]:
    return {"sha256": file.sha256, "size": file.size, "version": stored.version}


def why_upload(
    file: SiteFile, recorded: dict[str, Any] | None, remote: RemoteObject | None
) -> str | None:
    """Why this file must go up, or None when the target already has exactly it.

    >>> from pipeline.delivery.site_files import kind_of
    >>> f = SiteFile("a.mp3", Path("a.mp3"), 3, "abc", kind_of("a.mp3"))
    >>> why_upload(f, {"sha256": "abc", "size": 3, "version": "e1"}, RemoteObject(3, "e1"))
    >>> why_upload(f, {"sha256": "abd", "size": 3, "version": "e1"}, RemoteObject(3, "e1"))
    'changed'
    >>> why_upload(f, {"sha256": "abc", "size": 3, "version": "e1"}, RemoteObject(3, "e2"))
    'not as last published'
    >>> why_upload(f, None, None)
    'new'
    """
    if remote is None:
        return "new"
    if recorded is None or recorded.get("sha256") != file.sha256:
        return "changed" if recorded is not None else "not as last published"
    if recorded.get("size") != file.size or remote.size != file.size:
        return "not as last published"
    if recorded.get("version") != remote.version:
        return "not as last published"
    return None


def publish(
    root: Path,
    show: Show,
    say: Say,
    *,
    storage: Storage | None = None,
    dry_run: bool = False,
    prune: bool = False,
) -> PublishResult:
    """Bring the target up to date with the built site under root (see the module's doc).

    ``storage`` defaults to show.toml's target, opened once the site is found fit to publish.
    """
    base_url = check_ready(root, show)
    if storage is None:
        storage = open_storage(show.publish_target, show.endpoint_url, show.region)
    files = site_files(root, show, folder_pages=not storage.serves_folder_index)
    remote = {k: v for k, v in storage.listing().items() if k != MANIFEST_KEY}
    recorded = read_manifest(storage)
    result = PublishResult()
    changes: list[Change] = []
    built = {file.key for file in files}
    result.stale = sorted(key for key in remote if key not in built and key in recorded)
    result.foreign = sorted(key for key in remote if key not in built and key not in recorded)
    doomed = result.stale if prune else []
    # Still on the target and still ours: remembered, so a later --prune can remove them.
    kept: dict[str, dict[str, Any]] = {key: recorded[key] for key in result.stale}
    for file in files:
        reason = why_upload(file, recorded.get(file.key), remote.get(file.key))
        if reason is None:
            kept[file.key] = recorded[file.key]
            result.unchanged += 1
        else:
            changes.append(Change(file, reason))

    if dry_run:
        for change in changes:
            say(f"would upload {change.file.key} ({change.reason}, {change.file.size} bytes)")
        for key in doomed:
            say(f"would delete {key} (no longer built)")
        say(
            f"dry run: {len(changes)} file(s) would be uploaded and {len(doomed)} deleted "
            f"on {storage.description}; nothing was changed"
        )
        _mention_stale(result, prune, say)
        return result
    for leftover in storage.tidy():
        say(f"removed {leftover}, left half-written by an interrupted publish")
    if not changes and not doomed:
        say(f"nothing to upload: {storage.description} is up to date ({len(files)} files)")
        _mention_stale(result, prune, say)
        return result

    progress = Progress(storage, kept)
    for stage, name in enumerate(STAGES):
        batch = [c for c in changes if c.file.kind.stage == stage]
        if not batch:
            continue
        if stage == FEED:
            verify_feed_targets(root, base_url, files, storage)
        say(f"uploading {name}: {len(batch)} file(s)")
        for change in batch:
            file = change.file
            say(f"  {file.key} ({change.reason}, {file.size} bytes)")
            kind = file.kind
            stored = storage.put(file.key, file.path, kind.content_type, kind.cache_control)
            if stored.size != file.size:
                raise PublishError(
                    f"{storage.description}/{file.key}: stored {stored.size} bytes of "
                    f"{file.size}; run `essaycast publish` again"
                )
            result.uploaded.append(file.key)
            progress.landed(file, stored)  # a rerun from here on skips what is up
        progress.save()

    for key in doomed:  # only now: the new feed no longer points at them
        say(f"deleting {key} (no longer built)")
        storage.delete(key)
        kept.pop(key, None)
        result.deleted.append(key)
    if doomed:
        write_manifest(storage, kept)  # forget what was deleted
    say(
        f"published {len(result.uploaded)} file(s), deleted {len(result.deleted)}, "
        f"{result.unchanged} unchanged, on {storage.description}; "
        f"feed: {base_url}/{FEED_KEY}"
    )
    _mention_stale(result, prune, say)
    return result


class Progress:
    """The manifest, rewritten as objects land: after an upload whenever the bytes sent since
    the last rewrite are at least four times the manifest's own size, so the rewrites cost at
    most a quarter more traffic and an interrupted publish loses little of what it sent."""

    def __init__(self, storage: Storage, kept: dict[str, dict[str, Any]]) -> None:
        self.storage, self.kept = storage, kept
        self.unsaved = 0  # bytes uploaded since the manifest was last written
        self.cost = 0  # the manifest's size when last written

    def landed(self, file: SiteFile, stored: RemoteObject) -> None:
        self.kept[file.key] = entry(file, stored)
        self.unsaved += file.size
        if self.unsaved >= 4 * self.cost:
            self.save()

    def save(self) -> None:
        self.cost = write_manifest(self.storage, self.kept)
        self.unsaved = 0


def verify_feed_targets(root: Path, base_url: str, files: list[SiteFile], storage: Storage) -> None:
    """Every object the new feed points to is on the target with its built length, or raise."""
    by_key = {file.key: file for file in files}
    feed = (root / FEED_KEY).read_bytes()
    for key in sorted(referenced_keys(feed, base_url)):
        if not key or key == FEED_KEY:
            continue  # the bare base URL; the feed itself (its self link) goes up next
        if key.endswith("/") and storage.serves_folder_index:
            key += INDEX
        local = by_key.get(key)
        if local is None:
            raise PublishError(
                f"the feed points to {key}, which is not part of the built site; run `make`",
                FEED_KEY,
            )
        stored = storage.head(key)
        if stored is None or stored.size != local.size:
            found = "missing" if stored is None else f"{stored.size} bytes, not {local.size}"
            raise PublishError(
                f"{storage.description}/{key} is {found}, so the new feed was not uploaded; "
                "run `essaycast publish` again"
            )


def _mention_stale(result: PublishResult, prune: bool, say: Say) -> None:
    if result.stale and not prune:
        say(
            f"{len(result.stale)} file(s) on the target are no longer built; "
            "`essaycast publish --prune` removes them"
        )
    if result.foreign:
        say(
            f"{len(result.foreign)} file(s) under the prefix were not published by essaycast; "
            "left alone (delete them yourself if they should go):"
        )
        for key in result.foreign:
            say(f"  {key}")
