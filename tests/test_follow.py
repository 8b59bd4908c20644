"""Following a publication, end to end through the command line, against blogs served on
127.0.0.1 (tests/blogsite.py): pages and feeds imported once each, edits followed, the
producer's edits kept, conditional requests, and `update` surviving SIGKILL."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from blogsite import (
    DATES,
    ESSAYS,
    Site,
    atom,
    home_page,
    json_feed,
    rss,
    rss_item,
    serve,
    wordpress_page,
)
from conftest import REPO, make_project

from pipeline.build.task import Project
from pipeline.cli import main
from pipeline.follow.state import FILE_NAME as FOLLOWED
from pipeline.reading.script import find_scripts

SLUGS = list(ESSAYS)
STAMP = "Mon, 02 Jun 2025 09:00:00 GMT"


@pytest.fixture
def site() -> Iterator[Site]:
    with serve(Site()) as running:
        yield running


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project whose show speaks with the fake voice."""
    made = make_project(tmp_path / "show", seed=False)
    toml = made.show_toml.read_text().replace('engine = "piper"', 'engine = "fake"')
    made.show_toml.write_text(toml)
    return made


def run(project: Project, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["--root", str(project.root), *args])
    out = capsys.readouterr()
    return status, out.out + out.err


def summary(out: str) -> str:
    """The one line `update` ends with."""
    [line] = [line for line in out.splitlines() if line.startswith("update: ")]
    return line


def posts_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def scripts_by_title(project: Project) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in find_scripts(project.scripts):
        title = re.search(r"^title: (.*)$", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert title, path
        found.setdefault(title.group(1).strip("'\""), []).append(path)
    return found


def serve_blog(site: Site, shape: str, slugs: list[str], *, full: bool = True) -> str:
    """A blog of ``slugs`` in one platform's shape; its feed's address."""
    for slug in slugs:
        site.add(f"/{DATES[slug][:4]}/{DATES[slug][5:7]}/{slug}/", wordpress_page(site, slug))
    items = [rss_item(site, slug, shape, full=full) for slug in slugs]
    site.add("/feed/", rss(site, items), content_type="application/rss+xml",
             etag='"feed-1"', last_modified=STAMP)  # fmt: skip
    return site.url("/feed/")


def test_add_url_makes_the_script_a_saved_copy_makes(
    site: Site, project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = wordpress_page(site, "quiet-rooms")
    site.add("/2025/01/quiet-rooms/", page)
    site.add("/short/qr", b"", status=301, headers={"Location": "/2025/01/quiet-rooms/"})
    status, out = run(project, "add", site.url("/short/qr"), capsys=capsys)
    assert status == 0, out
    [fetched] = find_scripts(project.scripts)
    saved = make_project(tmp_path / "saved", seed=False)
    (tmp_path / "quiet-rooms.html").write_text(page)
    assert run(saved, "add", str(tmp_path / "quiet-rooms.html"), capsys=capsys)[0] == 0
    [copied] = find_scripts(saved.scripts)
    assert fetched.name == copied.name == "001-the-case-for-quiet-rooms.md"
    canonical = site.url("/2025/01/quiet-rooms/")
    assert f"source: {canonical}" in posts_of(fetched)
    note = re.compile(r"^# imported from .*$", re.MULTILINE)
    assert note.sub("", posts_of(fetched)) == note.sub("", posts_of(copied))
    assert "Leave a Reply" not in posts_of(fetched) and "Share this" not in posts_of(fetched)
    # the same page again, under another address: recognized, not a second script
    status, out = run(project, "add", site.url("/2025/01/quiet-rooms/"), capsys=capsys)
    assert status == 0
    assert f"already in {fetched} (the same canonical URL" in out
    assert find_scripts(project.scripts) == [fetched]


def test_add_url_refuses_what_is_no_page_in_one_line(
    site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    site.add("/paper.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    site.add("/robots.txt", "User-agent: *\nDisallow: /drafts/", content_type="text/plain")
    site.add("/drafts/x/", wordpress_page(site, "night-trains"))
    status, out = run(
        project, "add", site.url("/paper.pdf"), site.url("/drafts/x/"), site.url("/nope"),
        capsys=capsys,
    )  # fmt: skip
    assert status == 1
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {site.url('/paper.pdf')}: not an HTML page or a feed (it is application/pdf)",
        f"error: {site.url('/drafts/x/')}: the site's robots.txt ({site.url('')}/robots.txt) "
        "does not allow essaycast to fetch this page, so it was not fetched",
        f"error: {site.url('/nope')}: HTTP 404 Not Found: the server refused it",
    ]
    assert "Traceback" not in out
    assert find_scripts(project.scripts) == []
    assert "/drafts/x/" not in site.paths()


@pytest.mark.parametrize("shape", ["wordpress", "ghost", "substack", "medium"])
def test_add_feed_imports_every_post_once_oldest_first(
    shape: str, site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = serve_blog(site, shape, SLUGS[:3])
    twice = rss_item(site, SLUGS[1], shape)
    site.routes["/feed/"].body = rss(
        site, [rss_item(site, s, shape) for s in SLUGS[:3]] + [twice]
    ).encode()
    status, out = run(project, "add", feed, capsys=capsys)
    assert status == 0, out
    titles = [ESSAYS[slug][0] for slug in SLUGS[:3]]
    scripts = find_scripts(project.scripts)
    assert [path.name[:4] for path in scripts] == ["001-", "002-", "003-"]
    assert [scripts_by_title(project)[title] for title in titles] == [[p] for p in scripts]
    assert out.count("from the feed's full text: the feed carries the whole post") == 3
    first = posts_of(scripts[0])
    assert "date: 2025-01-06" in first and "author: Maren Holt" in first
    assert [paragraph in first for paragraph in ESSAYS[SLUGS[0]][1]] == [True] * 3
    follows = tomllib.loads(project.show_toml.read_text())["follow"]
    assert follows == [{"feed": feed}]
    # again: nothing imported twice, show.toml not touched again
    status, out = run(project, "add", feed, capsys=capsys)
    assert status == 0 and "0 post(s) imported" in out
    assert find_scripts(project.scripts) == scripts
    assert tomllib.loads(project.show_toml.read_text())["follow"] == [{"feed": feed}]


def test_an_excerpt_feed_has_each_post_read_from_its_page(
    site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = serve_blog(site, "wordpress", SLUGS[:2], full=False)
    status, out = run(project, "add", feed, capsys=capsys)
    assert status == 0, out
    assert out.count('from its page: the feed gives an excerpt of 26 words, ending "[…]"') == 2
    scripts = find_scripts(project.scripts)
    assert len(scripts) == 2
    assert f"source: {site.url('/2025/01/quiet-rooms/')}" in posts_of(scripts[0])
    assert "Leave a Reply" not in posts_of(scripts[0])


@pytest.mark.parametrize("kind", ["atom", "json"])
def test_atom_and_json_feeds(
    kind: str, site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    body = atom(site, SLUGS[:2]) if kind == "atom" else json_feed(site, SLUGS[:2])
    media = "application/atom+xml" if kind == "atom" else "application/feed+json"
    site.add("/feed", body, content_type=media)
    status, out = run(project, "add", site.url("/feed"), capsys=capsys)
    assert status == 0, out
    field = "Atom <content>" if kind == "atom" else "content_html"
    assert out.count(f"the whole post in {field}") == 2
    assert list(scripts_by_title(project)) == [ESSAYS[s][0] for s in SLUGS[:2]]


def test_a_home_page_leads_to_its_feed(
    site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = serve_blog(site, "wordpress", SLUGS[:2])
    site.add("/", home_page(site))
    status, out = run(project, "add", site.url("/"), capsys=capsys)
    assert status == 0, out
    assert f"not an article, and it advertises the feed {feed}: following that" in out
    assert len(find_scripts(project.scripts)) == 2


def test_update_sends_conditional_requests_and_a_304_does_nothing(
    site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = serve_blog(site, "ghost", SLUGS[:2])
    project.show_toml.write_text(project.show_toml.read_text() + f'\n[[follow]]\nfeed = "{feed}"\n')
    status, out = run(project, "update", "--jobs", "1", capsys=capsys)
    assert status == 0, out
    assert summary(out) == "update: 1 feed(s), 2 new; built 2 episode(s)"
    assert len(list(project.episodes.glob("*/*.mp3"))) == 2
    first = next(r for r in site.requests if r.path == "/feed/")
    assert "If-None-Match" not in first.headers

    def written() -> dict[Path, int]:  # every file but the lock, which names its holder
        files = [p for p in project.root.rglob("*") if p.is_file() and p != project.lock]
        return {path: path.stat().st_mtime_ns for path in files}

    outputs = written()
    status, out = run(project, "update", capsys=capsys)
    assert status == 0
    assert summary(out) == "update: 1 feed(s), 1 not modified; nothing new, nothing built"
    assert "not modified since the last run (HTTP 304)" in out
    second = [r for r in site.requests if r.path == "/feed/"][1]
    assert second.headers["If-None-Match"] == '"feed-1"'
    assert second.headers["If-Modified-Since"] == STAMP
    assert "episode(s)" not in out  # no build ran
    assert written() == outputs  # not a file written, not even the record of the feed


def test_an_edited_post_updates_its_script_unless_the_producer_edited_it(
    site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = serve_blog(site, "substack", SLUGS[:2])
    assert run(project, "add", feed, capsys=capsys)[0] == 0
    scripts = find_scripts(project.scripts)
    # the author fixes a sentence and retitles the post: same guid, so the same script
    fixed = ESSAYS[SLUGS[0]][1][0].replace("nobody booked", "nobody ever booked")
    text = f"<p>{fixed}</p>" + "".join(f"<p>{p}</p>" for p in ESSAYS[SLUGS[0]][1][1:])
    items = [
        rss_item(site, SLUGS[0], "substack", title="Quiet Rooms, Revisited", text=text,
                 updated="2025-07-01T10:00:00Z"),
        rss_item(site, SLUGS[1], "substack"),
    ]  # fmt: skip
    route = site.routes["/feed/"]
    route.body, route.etag = rss(site, items).encode(), '"feed-2"'
    status, out = run(project, "add", feed, capsys=capsys)
    assert status == 0, out
    assert find_scripts(project.scripts) == scripts  # updated in place, nothing added
    assert "nobody ever booked" in posts_of(scripts[0])
    assert "title: Quiet Rooms, Revisited" in posts_of(scripts[0])
    assert f"was edited on the site: {scripts[0]} updated" in out
    # the producer edits the script by hand; the post changes again: the edit is kept
    mine = posts_of(scripts[0]).replace("nobody ever booked", "no one ever booked")
    scripts[0].write_text(mine, encoding="utf-8")
    route.body = route.body.replace(b"nobody ever booked", b"nobody at all booked").replace(
        b"2025-07-01T10:00:00Z", b"2025-08-01T10:00:00Z"
    )
    route.etag = '"feed-3"'
    status, out = run(project, "add", feed, capsys=capsys)
    assert status == 0
    assert posts_of(scripts[0]) == mine
    assert f"but {scripts[0]} has been edited by hand: kept as it is, not overwritten" in out
    assert find_scripts(project.scripts) == scripts


def test_robots_forbidden_and_failing_posts_are_named_and_the_rest_imported(
    site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = serve_blog(site, "wordpress", SLUGS[:4], full=False)
    site.add("/robots.txt", "User-agent: *\nDisallow: /2025/02/", content_type="text/plain")
    site.routes["/2025/03/night-trains/"].status = 500
    site.routes["/2025/04/small-gardens/"].busy = 1  # 429, Retry-After: 1, then the page
    project.show_toml.write_text(project.show_toml.read_text() + f'\n[[follow]]\nfeed = "{feed}"\n')
    status, out = run(project, "update", "--no-publish", "--jobs", "1", capsys=capsys)
    assert status == 1  # the 500 is a failure; robots.txt's refusal is not
    assert "robots.txt" in out and "/2025/02/borrowed-ladders/" in out
    assert "HTTP 500 Internal Server Error: the server failed" in out
    assert "HTTP 429, busy; trying again in 1 s" in out
    assert sorted(scripts_by_title(project)) == sorted(
        [ESSAYS["quiet-rooms"][0], ESSAYS["small-gardens"][0]]
    )
    assert summary(out) == (
        "update: 1 feed(s), 2 new, 1 not fetched: robots.txt, 1 failed; built 2 episode(s)"
    )
    # the server recovers: the next run imports the one that failed, and only it
    site.routes["/2025/03/night-trains/"].status = 200
    status, out = run(project, "update", "--no-publish", "--jobs", "1", capsys=capsys)
    assert status == 0, out
    assert "If-None-Match" not in [r for r in site.requests if r.path == "/feed/"][1].headers
    assert {title: len(paths) for title, paths in scripts_by_title(project).items()} == {
        ESSAYS[slug][0]: 1 for slug in ("quiet-rooms", "night-trains", "small-gardens")
    }


def test_follow_filters_since_and_limit(
    site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = serve_blog(site, "wordpress", SLUGS)
    project.show_toml.write_text(
        project.show_toml.read_text()
        + f'\n[[follow]]\nfeed = "{feed}"\nsince = 2025-02-01\nlimit = 2\n'
        + 'exclude = { urls = ["*/night-trains/*"] }\n'
    )
    status, out = run(project, "update", "--no-publish", "--jobs", "1", capsys=capsys)
    assert status == 0, out
    assert list(scripts_by_title(project)) == [
        ESSAYS["borrowed-ladders"][0],
        ESSAYS["small-gardens"][0],
    ]
    assert "2 left for the next run by limit" in summary(out)
    status, out = run(project, "update", "--no-publish", "--jobs", "1", capsys=capsys)
    assert status == 0, out
    assert len(find_scripts(project.scripts)) == 4  # the last two, none twice
    assert ESSAYS["night-trains"][0] not in scripts_by_title(project)


def test_a_bad_follow_entry_is_one_line(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.show_toml.write_text(project.show_toml.read_text() + '\n[[follow]]\nfeed = "x"\n')
    status, out = run(project, "update", capsys=capsys)
    assert status == 1
    assert out.strip() == (
        f'error: {project.show_toml}: [[follow]] number 1 needs feed = "https://..." '
        "(the feed's address)"
    )


@pytest.mark.slow
def test_update_killed_at_any_point_completes_on_the_next_run(site: Site, project: Project) -> None:
    feed = serve_blog(site, "medium", SLUGS[:4], full=False)
    for slug in SLUGS[:4]:
        site.routes[f"/{DATES[slug][:4]}/{DATES[slug][5:7]}/{slug}/"].delay = 0.3
    project.show_toml.write_text(project.show_toml.read_text() + f'\n[[follow]]\nfeed = "{feed}"\n')
    command = [sys.executable, "-m", "pipeline.cli", "--root", str(project.root), "update",
               "--jobs", "1", "--no-publish"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def killed_when(ready: object) -> None:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while not ready() and process.poll() is None and time.monotonic() < deadline:  # type: ignore[operator]
            time.sleep(0.02)
        assert process.poll() is None, process.communicate()[1]  # still running: kill it
        process.send_signal(signal.SIGKILL)
        process.communicate()

    # killed while importing: after the first script, before the rest
    killed_when(lambda: len(find_scripts(project.scripts)) >= 1)
    assert 1 <= len(find_scripts(project.scripts)) < 4
    # killed while building
    killed_when(lambda: any(project.episodes.glob("*/*")) if project.episodes.exists() else False)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert {title: len(paths) for title, paths in scripts_by_title(project).items()} == {
        ESSAYS[slug][0]: 1 for slug in SLUGS[:4]
    }
    assert len(list(project.episodes.glob("*/*.mp3"))) == 4
    state = json.loads((project.scripts / FOLLOWED).read_text())
    assert not state["build_pending"]
    assert sorted(record["state"] for record in state["posts"].values()) == ["done"] * 4
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert summary(again.stdout) == (
        "update: 1 feed(s), 1 not modified; nothing new, nothing built"
    )


def test_a_post_with_nothing_to_narrate_fails_once_then_waits_for_an_edit(
    site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = serve_blog(site, "wordpress", SLUGS[:2], full=False)
    photo = "<!doctype html><html><head><title>Photo of the week</title></head><body>"
    photo += (
        "<nav><a href='/'>Home</a></nav><figure><img src='p.jpg' alt=''></figure></body></html>"
    )
    site.routes["/2025/02/borrowed-ladders/"].body = photo.encode()
    project.show_toml.write_text(project.show_toml.read_text() + f'\n[[follow]]\nfeed = "{feed}"\n')
    status, out = run(project, "update", "--no-publish", "--jobs", "1", capsys=capsys)
    assert status == 1
    assert "not tried again unless the post is edited" in out
    assert summary(out) == "update: 1 feed(s), 1 new, 1 failed; built 1 episode(s)"
    status, out = run(project, "update", "--no-publish", "--jobs", "1", capsys=capsys)
    assert status == 0, out
    assert summary(out) == "update: 1 feed(s); nothing new, nothing built"
    status, out = run(project, "update", "--no-publish", "--jobs", "1", capsys=capsys)
    assert summary(out) == "update: 1 feed(s), 1 not modified; nothing new, nothing built"


@pytest.mark.slow
def test_a_back_catalogue_builds_on_the_cluster(
    site: Site, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = serve_blog(site, "ghost", SLUGS)
    project.show_toml.write_text(project.show_toml.read_text() + f'\n[[follow]]\nfeed = "{feed}"\n')
    status, out = run(project, "update", "--cluster", "local:2", capsys=capsys)
    assert status == 0, out
    assert "6/6 episodes done" in out  # the Dask executor's own progress line
    assert summary(out) == "update: 1 feed(s), 6 new; built 6 episode(s)"
    assert len(list(project.episodes.glob("*/*.mp3"))) == 6
