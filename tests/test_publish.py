"""`essaycast publish` against a real S3 server (moto's, on 127.0.0.1) with real boto3, and
`essaycast check --remote` reading the result over HTTP as a podcast app would.

Sites are built with the fake voice; the publish runs as a producer runs it (its own
process) wherever exit codes and messages matter, and in-process where the test needs to
see exactly what went up.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import cli, make_project, run_build
from s3server import CREDENTIALS, REGION, S3Server, free_port, stalling_proxy

from pipeline.build.task import Project
from pipeline.core.errors import ConfigError, PipelineError
from pipeline.delivery.publish import MANIFEST_KEY, publish
from pipeline.delivery.remote_check import check_remote
from pipeline.delivery.storage import open_storage
from pipeline.settings.config import load_show

BUCKET, PREFIX = "podcast", "show"

SECOND = """---
title: A Second Essay
date: 2026-12-02
summary: About walls, again.
---
The first paragraph has two sentences. This is the second one.

The second paragraph is short.
"""


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Credentials for the local server only: no profile or config file of this machine."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    values = {
        **CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def set_publish(project: Project, **settings: str) -> None:
    """Rewrite feed/show.toml's [publish] table with these settings (and port)."""
    text = project.show_toml.read_text(encoding="utf-8")
    lines = "".join(f'{key} = "{value}"\n' for key, value in settings.items())
    text = re.sub(r"\[publish\]\n(?:[^\[\n][^\n]*\n)*", f"[publish]\n{lines}port = 8000\n\n", text)
    project.show_toml.write_text(text, encoding="utf-8")


def s3_settings(s3: S3Server, bucket: str = BUCKET, endpoint: str | None = None) -> dict[str, str]:
    return {
        "base_url": f"{s3.endpoint}/{bucket}/{PREFIX}",
        "target": f"s3://{bucket}/{PREFIX}",
        "endpoint_url": endpoint or s3.endpoint,
        "region": REGION,
    }


@pytest.fixture(scope="module")
def built_template(s3: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Two episodes built with the fake voice for the S3 site's base URL, copied per test."""
    project = make_project(tmp_path_factory.mktemp("template"), {"002-second.md": SECOND})
    set_publish(project, **s3_settings(s3))
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed and len(result.built) == 2
    return project


@pytest.fixture
def site(s3: S3Server, built_template: Project, tmp_path: Path) -> Project:
    """A fresh copy of the built site and an empty, publicly readable bucket."""
    s3.reset()
    s3.public_bucket(BUCKET)
    shutil.copytree(built_template.root, tmp_path / "project", symlinks=True)
    return Project(tmp_path / "project")


def publish_here(project: Project, lines: list[str], **options: bool) -> list[str]:
    show = load_show(project.show_toml)
    storage = open_storage(show.publish_target, show.endpoint_url, show.region)
    return publish(project.root, show, lines.append, storage=storage, **options).uploaded


def site_keys(s3: S3Server) -> dict[str, dict[str, object]]:
    return {
        key[len(PREFIX) + 1 :]: item
        for key, item in s3.objects(BUCKET).items()
        if key.startswith(PREFIX + "/")
    }


PRODUCER_NAMES = ("show.toml", "cleaning-report.txt", "report.html")


def is_public(key: str) -> bool:
    """The site's rule, as a listener's side sees it: no hidden records, no producer files."""
    return not key.endswith(PRODUCER_NAMES) and not any(
        part.startswith(".") for part in key.split("/")
    )


def built_bytes(project: Project) -> dict[str, bytes]:
    return {
        p.relative_to(project.root).as_posix(): p.read_bytes()
        for folder in (project.episodes, project.feed)
        for p in folder.rglob("*")
        if p.is_file()
    }


# ---------------------------------------------------------------- the happy paths


def test_first_publish_puts_the_site_up_with_headers_and_check_remote_passes(
    site: Project, s3: S3Server
) -> None:
    done = cli(site.root, "publish")
    assert done.returncode == 0, done.stderr
    keys = site_keys(s3)
    assert {
        "feed/feed.xml",
        "feed/index.html",
        "feed/",
        "feed/artwork.jpg",
        "episodes/001-invisible-walls/001-invisible-walls.mp3",
        "episodes/002-second/002-second.vtt",
        "episodes/002-second/002-second.srt",
        "episodes/002-second/002-second.json",
        "episodes/002-second/002-second.txt",
        "episodes/002-second/chapters.json",
        "episodes/002-second/index.html",
        "episodes/002-second/",
        MANIFEST_KEY,
    } <= set(keys)
    # Nothing of the producer's: no config, no cleaning reports, no cache, no scripts.
    assert not [
        k
        for k in keys
        if k.endswith(("show.toml", "cleaning-report.txt", "report.html"))
        or k.startswith((".cache", "scripts"))
    ]
    client = s3.client()
    expected = {
        "feed/feed.xml": ("application/rss+xml; charset=utf-8", "public, max-age=300"),
        "episodes/002-second/002-second.mp3": ("audio/mpeg", "public, max-age=86400"),
        "episodes/002-second/002-second.vtt": ("text/vtt; charset=utf-8", "public, max-age=3600"),
        "episodes/002-second/002-second.srt": (
            "application/x-subrip; charset=utf-8",
            "public, max-age=3600",
        ),
        "episodes/002-second/chapters.json": ("application/json+chapters", "public, max-age=3600"),
        "episodes/002-second/002-second.json": ("application/json", "public, max-age=3600"),
        "episodes/002-second/": ("text/html; charset=utf-8", "public, max-age=300"),
        "feed/artwork.jpg": ("image/jpeg", "public, max-age=86400"),
    }
    for key, (content_type, cache_control) in expected.items():
        head = client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}")
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache_control), key
        source = site.root / (key + "index.html" if key.endswith("/") else key)
        assert head["ContentLength"] == source.stat().st_size, key
    body = client.get_object(Bucket=BUCKET, Key=f"{PREFIX}/feed/feed.xml")["Body"].read()
    assert body == (site.feed / "feed.xml").read_bytes()
    assert "published" in done.stdout and "feed.xml" in done.stdout

    checked = cli(site.root, "check", "--remote")
    assert checked.returncode == 0, checked.stderr
    assert "check out at " + s3_settings(s3)["base_url"] in checked.stdout


def test_noop_publish_uploads_nothing_and_says_so(site: Project, s3: S3Server) -> None:
    assert cli(site.root, "publish").returncode == 0
    before = {k: (v["ETag"], v["LastModified"]) for k, v in site_keys(s3).items()}
    again = cli(site.root, "publish")
    assert again.returncode == 0, again.stderr
    assert "nothing to upload" in again.stdout
    assert {k: (v["ETag"], v["LastModified"]) for k, v in site_keys(s3).items()} == before


def test_large_files_go_up_in_parts_and_still_count_as_up_to_date(
    site: Project, s3: S3Server
) -> None:
    show = load_show(site.show_toml)
    storage = open_storage(
        show.publish_target, show.endpoint_url, show.region, multipart_threshold=64 * 1024
    )
    lines: list[str] = []
    publish(site.root, show, lines.append, storage=storage)
    mp3 = "episodes/001-invisible-walls/001-invisible-walls.mp3"
    etag = str(site_keys(s3)[mp3]["ETag"])
    assert re.fullmatch(r'"[0-9a-f]{32}-\d+"', etag), etag  # a multipart upload's ETag
    client = s3.client()
    stored = client.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{mp3}")["Body"].read()
    assert stored == (site.root / mp3).read_bytes()
    again = cli(site.root, "publish")
    assert "nothing to upload" in again.stdout, again.stdout


def test_an_edited_episode_sends_only_its_changed_files_and_the_feed(
    site: Project, s3: S3Server, caplog: pytest.LogCaptureFixture
) -> None:
    assert cli(site.root, "publish").returncode == 0
    before = built_bytes(site)
    script = site.scripts / "002-second.md"
    script.write_text(SECOND.replace("is short.", "is short, and now edited."), encoding="utf-8")
    result, _ = run_build(site, engine="fake", jobs=1)
    assert not result.failed
    changed = {k for k, v in built_bytes(site).items() if before.get(k) != v}
    public = {k for k in changed if is_public(k)}
    assert "episodes/002-second/002-second.mp3" in public and "feed/feed.xml" in public
    assert not [k for k in public if k.startswith("episodes/001")]

    lines: list[str] = []
    caplog.set_level(logging.INFO, logger="werkzeug")  # the S3 server's own request log
    caplog.clear()
    uploaded = publish_here(site, lines)
    folder_pages = {k[: -len("index.html")] for k in public if k.endswith("index.html")}
    assert sorted(uploaded) == sorted(public | folder_pages)
    puts = re.findall(rf'"PUT /{BUCKET}/{PREFIX}/(\S+) HTTP', caplog.text)
    assert sorted(p for p in puts if p != MANIFEST_KEY) == sorted(public | folder_pages)
    assert uploaded[-1] == "feed/feed.xml"  # last of all
    stored = s3.client().get_object(Bucket=BUCKET, Key=f"{PREFIX}/feed/feed.xml")
    assert stored["Body"].read() == (site.feed / "feed.xml").read_bytes()


def test_dry_run_lists_the_changes_and_uploads_nothing(site: Project, s3: S3Server) -> None:
    first = cli(site.root, "publish", "--dry-run")
    assert first.returncode == 0, first.stderr
    assert "would upload feed/feed.xml (new" in first.stdout
    assert "nothing was changed" in first.stdout
    assert site_keys(s3) == {}

    assert cli(site.root, "publish").returncode == 0
    (site.scripts / "002-second.md").write_text(SECOND.replace("short", "long"), "utf-8")
    run_build(site, engine="fake", jobs=1)
    before = {k: v["ETag"] for k, v in site_keys(s3).items()}
    dry = cli(site.root, "publish", "--dry-run", "--prune")
    assert dry.returncode == 0, dry.stderr
    assert "would upload episodes/002-second/002-second.mp3 (changed" in dry.stdout
    assert "would upload episodes/001" not in dry.stdout
    assert {k: v["ETag"] for k, v in site_keys(s3).items()} == before


def test_prune_deletes_only_after_the_new_feed_and_never_outside_the_prefix(
    site: Project, s3: S3Server
) -> None:
    assert cli(site.root, "publish").returncode == 0
    client = s3.client()
    outside = ["other/keep.txt", "show2/episodes/keep.mp3", "showcase.txt"]
    for key in outside:
        client.put_object(Bucket=BUCKET, Key=key, Body=b"not the podcast's")
    (site.scripts / "002-second.md").unlink()
    result, _ = run_build(site, engine="fake", jobs=1)  # the whole project: 002 leaves the feed
    assert not result.failed and not (site.episodes / "002-second").exists()

    pruned = cli(site.root, "publish", "--prune")
    assert pruned.returncode == 0, pruned.stderr
    keys = site_keys(s3)
    assert not [k for k in keys if k.startswith("episodes/002-second")]
    assert "episodes/001-invisible-walls/001-invisible-walls.mp3" in keys
    assert set(outside) <= set(s3.objects(BUCKET))
    assert "deleting episodes/002-second/002-second.mp3" in pruned.stdout
    out = pruned.stdout.splitlines()
    first_delete = next(i for i, line in enumerate(out) if line.startswith("deleting "))
    assert out.index("uploading feed: 1 file(s)") < first_delete  # the new feed first

    stray = f"{PREFIX}/episodes/000-old/000-old.mp3"
    client.put_object(Bucket=BUCKET, Key=stray, Body=b"an old episode")
    kept = cli(site.root, "publish")
    assert kept.returncode == 0, kept.stderr
    assert "1 file(s) under the prefix were not published by essaycast" in kept.stdout
    assert "  episodes/000-old/000-old.mp3" in kept.stdout and stray in s3.objects(BUCKET)
    assert cli(site.root, "check", "--remote").returncode == 0


def test_prune_deletes_only_what_a_publish_recorded_and_lists_the_rest(
    site: Project, s3: S3Server
) -> None:
    assert cli(site.root, "publish").returncode == 0
    client = s3.client()
    by_hand = ["feed/trailer.mp3", "episodes/001-invisible-walls/notes.txt", "press/kit.html"]
    for key in by_hand:  # the producer's own files under the prefix
        client.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}", Body=b"the producer's")
    (site.scripts / "002-second.md").unlink()
    result, _ = run_build(site, engine="fake", jobs=1)
    assert not result.failed

    # A publish without --prune keeps remembering 002's files, so a later --prune finds them.
    assert cli(site.root, "publish").returncode == 0
    pruned = cli(site.root, "publish", "--prune")
    assert pruned.returncode == 0, pruned.stderr
    keys = site_keys(s3)
    assert not [k for k in keys if k.startswith("episodes/002-second")]
    assert set(by_hand) <= set(keys)  # never uploaded by essaycast: left alone
    assert not [
        line
        for line in pruned.stdout.splitlines()
        if "deleting" in line and ("trailer" in line or "notes.txt" in line or "press/" in line)
    ]
    assert "3 file(s) under the prefix were not published by essaycast" in pruned.stdout
    for key in by_hand:
        assert f"  {key}" in pruned.stdout


# ---------------------------------------------------------------- interruptions


@pytest.mark.slow
def test_a_publish_killed_mid_upload_leaves_the_old_feed_whole_and_a_rerun_finishes(
    site: Project, s3: S3Server
) -> None:
    (site.scripts / "002-second.md").unlink()
    shutil.rmtree(site.episodes / "002-second")
    run_build(site, engine="fake", jobs=1)
    assert cli(site.root, "publish").returncode == 0
    old_feed = (site.feed / "feed.xml").read_bytes()

    (site.scripts / "002-second.md").write_text(SECOND, encoding="utf-8")
    run_build(site, engine="fake", jobs=1)
    new_mp3 = site.episodes / "002-second" / "002-second.mp3"
    upstream = int(s3.endpoint.rsplit(":", 1)[1])
    with stalling_proxy(upstream, stall_after=new_mp3.stat().st_size // 2) as proxy:
        set_publish(site, **s3_settings(s3, endpoint=proxy.endpoint))
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "--root", str(site.root), "publish"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        )
        try:
            assert proxy.stalled.wait(60), "the publish never got that far"
            time.sleep(0.2)
            process.send_signal(signal.SIGKILL)  # as a power cut or `kill -9` would
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == -signal.SIGKILL
    keys = site_keys(s3)
    assert "episodes/002-second/002-second.mp3" not in keys  # killed mid-upload
    stored = s3.client().get_object(Bucket=BUCKET, Key=f"{PREFIX}/feed/feed.xml")
    assert stored["Body"].read() == old_feed
    show = load_show(site.show_toml)
    assert check_remote(show, show.base_url) == []  # the old feed's files all answer

    set_publish(site, **s3_settings(s3))
    rerun = cli(site.root, "publish")
    assert rerun.returncode == 0, rerun.stderr
    assert "episodes/001-invisible-walls/001-invisible-walls.mp3" not in rerun.stdout
    stored = s3.client().get_object(Bucket=BUCKET, Key=f"{PREFIX}/feed/feed.xml")
    assert stored["Body"].read() == (site.feed / "feed.xml").read_bytes() != old_feed
    assert check_remote(show, show.base_url) == []


def test_a_rerun_aborts_unfinished_multipart_uploads_under_the_prefix_only(
    site: Project, s3: S3Server
) -> None:
    assert cli(site.root, "publish").returncode == 0
    client = s3.client()
    unfinished = {}
    for key in (f"{PREFIX}/episodes/003-x/003-x.mp3", "elsewhere/big.bin"):
        upload = client.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        client.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1, Body=b"x")
        unfinished[key] = upload
    again = cli(site.root, "publish")
    assert again.returncode == 0, again.stderr
    assert "removed episodes/003-x/003-x.mp3, left half-written" in again.stdout
    assert "nothing to upload" in again.stdout
    left = client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    assert [u["Key"] for u in left] == ["elsewhere/big.bin"]


# ---------------------------------------------------------------- refusals, one line each


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_wrong_credentials_are_one_line_without_the_keys(
    site: Project, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    import moto.settings

    iam = __import__("boto3").client(
        "iam",
        endpoint_url=s3.endpoint,
        region_name=REGION,
        aws_access_key_id="AKIAADMIN",
        aws_secret_access_key="admin",
    )
    iam.create_user(UserName="producer")
    real_key = iam.create_access_key(UserName="producer")["AccessKey"]["AccessKeyId"]
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # check keys now
    cases = {
        "AKIAUNKNOWNKEY999999": ("Ke9/secretThatIsWrong+1", "access key was refused"),
        real_key: ("Zz8/anotherWrongSecret+2", "secret key does not match"),
    }
    for key_id, (secret, says) in cases.items():
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        line = one_line_error(cli(site.root, "publish"))
        assert says in line and "s3://podcast/show" in line
        assert key_id not in line and secret not in line


def test_an_unreachable_endpoint_is_one_line(site: Project, s3: S3Server) -> None:
    set_publish(site, **s3_settings(s3, endpoint=f"http://127.0.0.1:{free_port()}"))
    line = one_line_error(cli(site.root, "publish"))
    assert "cannot reach http://127.0.0.1:" in line and "endpoint_url" in line


def test_a_bucket_that_does_not_exist_is_one_line(site: Project, s3: S3Server) -> None:
    settings = s3_settings(s3)
    settings["target"] = "s3://no-such-bucket/show"
    set_publish(site, **settings)
    line = one_line_error(cli(site.root, "publish"))
    assert "s3://no-such-bucket/show" in line and "bucket does not exist" in line


def test_a_site_built_for_another_base_url_is_refused(site: Project, s3: S3Server) -> None:
    settings = s3_settings(s3)
    settings["base_url"] = "https://cdn.example.com/show"
    set_publish(site, **settings)
    line = one_line_error(cli(site.root, "publish"))
    assert line == (
        f"error: feed/feed.xml: built for {s3_settings(s3)['base_url']}, but [publish] "
        "base_url is https://cdn.example.com/show; rebuild with `make` "
        "(or fix base_url in feed/show.toml)"
    )
    assert site_keys(s3) == {}


def test_no_target_and_bad_targets_are_refused(site: Project, tmp_path: Path) -> None:
    settings = {"base_url": "http://127.0.0.1:8000"}
    set_publish(site, **settings)
    line = one_line_error(cli(site.root, "publish"))
    assert "[publish] has no 'target'" in line and "show.toml" in line
    for target in ("ftp://host/x", "s3://", "file://relative/x", "s3://b/a/../c"):
        set_publish(site, base_url="http://127.0.0.1:8000", target=target)
        with pytest.raises(ConfigError, match=r"show\.toml: \[publish\] 'target'"):
            load_show(site.show_toml)
    set_publish(site, base_url="http://127.0.0.1:8000", endpoint_url="r2.example.com")
    with pytest.raises(ConfigError, match=r"'\[publish\] endpoint_url' must be an http"):
        load_show(site.show_toml)


def test_check_remote_finds_missing_talking_books(site: Project, s3: S3Server) -> None:
    assert cli(site.root, "publish").returncode == 0
    assert cli(site.root, "check", "--remote").returncode == 0
    books = [k for k in site_keys(s3) if k.endswith((".m4b", ".epub"))]
    feed = (site.feed / "feed.xml").read_text(encoding="utf-8")
    m4b = [k for k in books if k.endswith(".m4b")]
    assert m4b and f"{m4b[0]}" in feed and "alternateEnclosure" in feed
    assert [k for k in books if k.endswith(".epub")]
    client = s3.client()
    for key in books:
        client.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}")
    done = cli(site.root, "check", "--remote")
    assert done.returncode == 1, done.stdout
    base = s3_settings(s3)["base_url"]
    for key in books:
        assert re.search(
            rf"problem: {re.escape(base)}/{re.escape(key)}: linked from .*"
            r"answers HTTP (403|404)",
            done.stderr,
        ), (key, done.stderr)


@pytest.mark.slow
def test_an_interrupted_publish_is_named_and_its_rerun_sends_only_what_is_missing(
    site: Project, s3: S3Server
) -> None:
    media = sorted(
        (p for p in (site.episodes).rglob("*") if p.is_file() and p.suffix in (".mp3", ".m4b")),
    )
    stall_after = sum(p.stat().st_size for p in media) * 2 // 3
    upstream = int(s3.endpoint.rsplit(":", 1)[1])
    with stalling_proxy(upstream, stall_after=stall_after) as proxy:
        set_publish(site, **s3_settings(s3, endpoint=proxy.endpoint))
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "--root", str(site.root), "publish"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert proxy.stalled.wait(60), "the publish never got that far"
            time.sleep(0.2)
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    landed = {k for k in site_keys(s3) if k != MANIFEST_KEY}
    assert landed and "feed/feed.xml" not in landed  # part of the media, not the feed
    manifest = s3.client().get_object(Bucket=BUCKET, Key=f"{PREFIX}/{MANIFEST_KEY}")
    recorded = set(json.loads(manifest["Body"].read())["files"])
    assert recorded and recorded <= landed  # progress recorded as objects landed
    set_publish(site, **s3_settings(s3))
    rerun = cli(site.root, "publish")
    assert rerun.returncode == 0, rerun.stderr
    assert "a previous publish (pid " in rerun.stdout and "previous build" not in rerun.stdout
    sent = {line.split()[0] for line in rerun.stdout.splitlines() if line.startswith("  ")}
    assert sent and not sent & recorded, sent & recorded  # only what was missing went up
    assert check_remote(load_show(site.show_toml), s3_settings(s3)["base_url"]) == []


def test_check_remote_names_each_problem_a_podcast_app_would_hit(
    site: Project, s3: S3Server
) -> None:
    assert cli(site.root, "publish").returncode == 0
    client = s3.client()
    mp3 = f"{PREFIX}/episodes/002-second/002-second.mp3"
    client.delete_object(Bucket=BUCKET, Key=mp3)
    vtt = f"{PREFIX}/episodes/001-invisible-walls/001-invisible-walls.vtt"
    client.put_object(Bucket=BUCKET, Key=vtt, Body=b"not captions", ContentType="text/plain")
    short = f"{PREFIX}/episodes/001-invisible-walls/001-invisible-walls.mp3"
    client.put_object(Bucket=BUCKET, Key=short, Body=b"\xff" * 100, ContentType="audio/mpeg")
    done = cli(site.root, "check", "--remote")
    assert done.returncode == 1
    problems = [line for line in done.stderr.splitlines() if line.startswith("problem: ")]
    base = s3_settings(s3)["base_url"]
    text = "\n".join(problems)
    assert f"{base}/episodes/002-second/002-second.mp3: HEAD answers HTTP 404" in text
    assert (
        f"{base}/episodes/001-invisible-walls/001-invisible-walls.vtt: the transcript is "
        "served as 'text/plain', not text/vtt" in text
    )
    assert re.search(r"001-invisible-walls\.vtt: .*WEBVTT", text), text
    assert re.search(r"001-invisible-walls\.mp3: Content-Length is 100, but the feed's", text)
    assert f"{len(problems)} problem(s) found" in done.stderr


def test_check_remote_without_a_server_is_one_problem(tmp_path: Path) -> None:
    project = make_project(tmp_path, seed=False)
    set_publish(project, base_url=f"http://127.0.0.1:{free_port()}")
    done = cli(project.root, "check", "--remote")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "cannot fetch the feed" in done.stderr


def test_publish_needs_a_built_site(tmp_path: Path, s3: S3Server) -> None:
    project = make_project(tmp_path, seed=False)
    set_publish(project, **s3_settings(s3))
    line = one_line_error(cli(project.root, "publish"))
    assert line == "error: feed/feed.xml: not built yet; run `make` first"


def test_errors_are_pipeline_errors_in_process(site: Project, s3: S3Server) -> None:
    settings = s3_settings(s3)
    settings["target"] = "s3://no-such-bucket/show"
    set_publish(site, **settings)
    with pytest.raises(PipelineError, match="bucket does not exist"):
        publish_here(site, [])
