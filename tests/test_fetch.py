"""Fetching, against a real server on 127.0.0.1: redirects, limits, errors, robots.txt,
busy servers, conditional requests and how many requests a host sees at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from blogsite import Site, serve, wordpress_page

from pipeline.core.errors import FetchError, RobotsDenied
from pipeline.follow.fetch import USER_AGENT, Fetcher, Validators


@pytest.fixture
def site() -> Iterator[Site]:
    with serve(Site()) as running:
        yield running


def quiet(**options: object) -> Fetcher:
    return Fetcher(say=lambda line: None, **options)  # type: ignore[arg-type]


def error_of(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_redirects_are_followed_up_to_a_limit(site: Site) -> None:
    site.add("/post/", wordpress_page(site, "quiet-rooms"))
    site.add("/old", b"", status=301, headers={"Location": "/older"})
    site.add("/older", b"", status=302, headers={"Location": "/post/"})
    answer = quiet().get(site.url("/old"))
    assert (answer.status, answer.url) == (200, site.url("/post/"))
    assert b"The Case for Quiet Rooms" in answer.body
    for hop in range(7):
        site.add(f"/loop{hop}", b"", status=307, headers={"Location": f"/loop{hop + 1}"})
    assert error_of(quiet(), site.url("/loop0")).endswith(
        "more than 5 redirects; not followed further"
    )


def test_every_failure_is_one_clear_line(site: Site) -> None:
    site.add("/gone", b"no", status=404)
    site.add("/broken", b"oops", status=500)
    site.add("/slow", b"late", delay=2.0)
    site.add("/huge", b"x" * 5000)
    assert error_of(quiet(), site.url("/gone")) == (
        f"{site.url('/gone')}: HTTP 404 Not Found: the server refused it"
    )
    assert "HTTP 500 Internal Server Error: the server failed" in error_of(
        quiet(), site.url("/broken")
    )
    assert error_of(quiet(timeout=0.5), site.url("/slow")).endswith(
        "no answer within 0.5 s; try later"
    )
    assert "larger than 4000 bytes" in error_of(quiet(max_bytes=4000), site.url("/huge"))
    assert "not an http:// or https:// address" in error_of(quiet(), "ftp://127.0.0.1/x")
    assert "cannot connect" in error_of(quiet(), "http://127.0.0.1:9/")


def test_the_user_agent_names_essaycast(site: Site) -> None:
    site.add("/post/", wordpress_page(site, "quiet-rooms"))
    quiet().get(site.url("/post/"))
    agents = {request.headers["User-Agent"] for request in site.requests}
    assert agents == {USER_AGENT}
    assert USER_AGENT.startswith("essaycast/")


def test_robots_txt_is_obeyed_by_the_longest_rule(site: Site) -> None:
    site.add(
        "/robots.txt",
        "User-agent: *\nDisallow: /private/\nAllow: /private/open\n\n"
        "User-agent: GreedyBot\nDisallow: /\n",
        content_type="text/plain",
    )
    site.add("/private/post", wordpress_page(site, "quiet-rooms"))
    site.add("/private/open-letter", wordpress_page(site, "letters-unsent"))
    fetcher = quiet()
    with pytest.raises(RobotsDenied) as denied:
        fetcher.get(site.url("/private/post"))
    assert str(denied.value) == (
        f"{site.url('/private/post')}: the site's robots.txt ({site.url('')}/robots.txt) "
        "does not allow essaycast to fetch this page, so it was not fetched"
    )
    assert fetcher.get(site.url("/private/open-letter")).status == 200
    assert "/private/post" not in site.paths()
    assert site.paths().count("/robots.txt") == 1  # read once per host


def test_a_redirect_into_a_forbidden_path_is_not_followed(site: Site) -> None:
    site.add("/robots.txt", "User-agent: essaycast\nDisallow: /members", content_type="text/plain")
    site.add("/teaser", b"", status=302, headers={"Location": "/members/post"})
    site.add("/members/post", wordpress_page(site, "quiet-rooms"))
    with pytest.raises(RobotsDenied):
        quiet().get(site.url("/teaser"))
    assert "/members/post" not in site.paths()


def test_a_failing_robots_txt_forbids_everything(site: Site) -> None:
    site.add("/robots.txt", b"down", status=503, busy=0)
    site.add("/post/", wordpress_page(site, "quiet-rooms"))
    with pytest.raises(RobotsDenied) as denied:
        quiet(retries=0).get(site.url("/post/"))
    assert "robots.txt" in str(denied.value) and "answered HTTP 503" in str(denied.value)
    assert "/post/" not in site.paths()


def test_busy_answers_wait_as_long_as_retry_after_says(site: Site) -> None:
    site.add("/post/", wordpress_page(site, "quiet-rooms"), busy=2, retry_after="7")
    waits: list[float] = []
    answer = quiet(sleep=waits.append).get(site.url("/post/"))
    assert answer.status == 200
    assert waits == [7.0, 7.0]
    assert site.paths().count("/post/") == 3
    site.add("/later", b"x", busy=1, retry_after="3600")
    assert "asks to wait 3600 s before trying again; try later" in error_of(
        quiet(sleep=waits.append), site.url("/later")
    )


def test_a_busy_answer_without_retry_after_backs_off_doubling(site: Site) -> None:
    route = site.add("/post/", wordpress_page(site, "quiet-rooms"), busy=3)
    route.retry_after = "soon"  # not a number or a date: the client's own backoff
    waits: list[float] = []
    assert quiet(sleep=waits.append).get(site.url("/post/")).status == 200
    assert waits == [1.0, 2.0, 4.0]


def test_conditional_requests_send_the_validators_back(site: Site) -> None:
    stamp = "Mon, 02 Jun 2025 09:00:00 GMT"
    site.add("/feed/", b"<rss/>", etag='W/"v1"', last_modified=stamp)
    fetcher = quiet()
    first = fetcher.get(site.url("/feed/"))
    assert first.validators == Validators('W/"v1"', stamp)
    again = fetcher.get(site.url("/feed/"), first.validators)
    assert again.not_modified and again.body == b""
    sent = site.requests[-1].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == ('W/"v1"', stamp)


def test_a_host_sees_at_most_two_requests_at_once(site: Site) -> None:
    from concurrent.futures import ThreadPoolExecutor

    for number in range(8):
        site.add(f"/p{number}", wordpress_page(site, "quiet-rooms"), delay=0.2)
    fetcher = quiet()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fetcher.get, [site.url(f"/p{number}") for number in range(8)]))
    assert site.most_in_flight == 2


def test_a_crawl_delay_spaces_the_requests_to_its_host(site: Site) -> None:
    site.add("/robots.txt", "User-agent: *\nCrawl-delay: 5\n", content_type="text/plain")
    for name in ("a", "b", "c"):
        site.add(f"/{name}/", wordpress_page(site, "quiet-rooms"))
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    fetcher = quiet(sleep=sleep, clock=lambda: now[0])
    for name in ("a", "b", "c"):
        assert fetcher.get(site.url(f"/{name}/")).status == 200
        now[0] += 1.0  # the page is read meanwhile: one second of the delay gone
    assert site.paths() == ["/robots.txt", "/a/", "/b/", "/c/"]
    assert waits == [5.0, 4.0, 4.0]  # after robots.txt too: every request counts
    site.add("/robots.txt", "User-agent: *\nCrawl-delay: 600\n", content_type="text/plain")
    slow = quiet(sleep=sleep, clock=lambda: now[0])
    assert error_of(slow, site.url("/a/")).endswith(
        "the site's robots.txt asks for 600 s between requests, more than the 120 s "
        "essaycast waits; try later"
    )
