"""HTTP(S) GET, the polite way: one User-Agent naming essaycast, robots.txt obeyed, a
bounded number of redirects and bytes, a few connections per host, and patience when a
server says it is busy.

* Redirects are followed by hand, at most ``max_redirects`` of them, so every hop is
  checked against its own host's robots.txt (RFC 9309 asks crawlers to follow at least 5).
* A 429 or 503 is retried after the ``Retry-After`` the server sent (seconds or an
  HTTP-date, RFC 9110 section 10.2.3), else after a doubling backoff; a server that asks
  for longer than ``max_wait`` seconds is told "later" and the fetch fails.
* A host whose robots.txt asks for a ``Crawl-delay`` gets its requests that many seconds
  apart (a delay longer than ``max_wait`` is told "later": that fetch fails).
* Conditional requests (RFC 9110 section 13): given the ETag and Last-Modified of the last
  answer, the request carries ``If-None-Match`` and ``If-Modified-Since`` (the values sent
  back verbatim, as RFC 9110 asks), and a ``304 Not Modified`` comes back with no body.
* Every failure is a FetchError whose text is one line: the URL and what went wrong.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

from pipeline import __version__
from pipeline.core.errors import FetchError, RobotsDenied
from pipeline.follow.robots import Robots, parse_robots

AGENT_TOKEN = "essaycast"  # the product token robots.txt groups are matched against
USER_AGENT = (
    f"{AGENT_TOKEN}/{__version__} (narrates articles into a podcast for the reader who runs it)"
)
MAX_BYTES = 10 * 1024 * 1024  # a page or a feed; a bigger answer is refused
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 2.5: parse at least 500 KiB
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
BUSY_CODES = frozenset({429, 503})


@dataclass(frozen=True)
class Validators:
    """What a conditional request sends back: the last answer's ETag and Last-Modified."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int  # 200-299, or 304 for a conditional request whose answer has not changed
    body: bytes
    content_type: str  # the media type alone, lowercased: "text/html"
    validators: Validators = Validators()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date.

    >>> retry_after("120", 0.0), retry_after(None, 0.0), retry_after("soon", 0.0)
    (120.0, None, None)
    >>> retry_after("Thu, 01 Jan 1970 00:01:00 GMT", 30.0)
    30.0
    >>> retry_after("Thu, 01 Jan 1970 00:00:00 GMT", 30.0)
    0.0
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def media_type(header: str | None) -> str:
    """
    >>> media_type("Text/HTML; charset=utf-8"), media_type(None)
    ('text/html', '')
    """
    return (header or "").split(";")[0].strip().lower()


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> str:
    """The scheme, host and port a URL is served from (RFC 9309 2.3: a robots.txt per
    origin), the scheme's own port left out, so that one host is one host.

    >>> origin("https://Example.com:8443/a/b?c")
    'https://example.com:8443'
    >>> origin("http://example.com:80/a") == origin("http://EXAMPLE.com/b") == "http://example.com"
    True
    >>> origin("https://user@[2001:DB8::1]:443/x")
    'https://[2001:db8::1]'
    """
    parts = urlsplit(url)
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:  # a port that is not a number: keep what was written
        return f"{parts.scheme}://{parts.netloc.lower()}"
    host = f"[{host}]" if ":" in host else host
    if port is None or port == DEFAULT_PORTS.get(parts.scheme):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


@dataclass
class Fetcher:
    """One run's HTTP client: shared by threads, at most ``per_host`` requests to a host at
    once, robots.txt read once per host."""

    timeout: float = 20.0
    max_bytes: int = MAX_BYTES
    max_redirects: int = 5
    per_host: int = 2
    retries: int = 3
    max_wait: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    say: Callable[[str], None] = print
    _robots: dict[str, Robots] = field(default_factory=dict)
    _last_start: dict[str, float] = field(default_factory=dict)  # each host's last request
    _slots: dict[str, threading.Semaphore] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)

    def get(self, url: str, validators: Validators | None = None) -> Response:
        """GET ``url``, following redirects; FetchError unless the answer is 2xx or 304."""
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise FetchError("not an http:// or https:// address", url)
        for _hop in range(self.max_redirects + 1):
            self.check_robots(url)
            answer = self._request(url, validators, self.max_bytes)
            location = answer.headers.get("Location")
            if answer.status_code in REDIRECT_CODES and location:
                url = urljoin(url, location)
                continue
            return self._response(url, answer)
        raise FetchError(f"more than {self.max_redirects} redirects; not followed further", url)

    def check_robots(self, url: str) -> None:
        robots = self.robots_for(url)
        if not robots.allows(url):
            where = f"the site's robots.txt ({origin(url)}/robots.txt)"
            if robots.failed:
                raise RobotsDenied(
                    f"{where} answered HTTP {robots.failed}; a crawler must then take it to "
                    "forbid everything (RFC 9309), so nothing was fetched; try later",
                    url,
                )
            raise RobotsDenied(
                f"{where} does not allow {AGENT_TOKEN} to fetch this page, so it was not fetched",
                url,
            )

    def robots_for(self, url: str) -> Robots:
        """The host's robots.txt, read once (RFC 9309 2.3.1: 4xx allows all, 5xx disallows
        all). A host that cannot be reached at all is a FetchError saying so."""
        site = origin(url)
        with self._lock:
            known = self._robots.get(site)
        if known is not None:
            return known
        target = site + "/robots.txt"
        robots = Robots.allow_all()
        for _hop in range(self.max_redirects + 1):
            answer = self._request(target, None, ROBOTS_MAX_BYTES, truncate=True)
            location = answer.headers.get("Location")
            if answer.status_code in REDIRECT_CODES and location:
                target = urljoin(target, location)
                continue
            if 200 <= answer.status_code < 300:
                robots = parse_robots(answer.content.decode("utf-8", "replace"), AGENT_TOKEN)
            elif answer.status_code >= 500:
                robots = Robots.disallow_all(answer.status_code)
            break  # else 4xx: "unavailable", anything may be fetched
        with self._lock:
            self._robots[site] = robots
        return robots

    def _pace(self, url: str) -> None:
        """Wait until the host's Crawl-delay has passed since its last request (robots.txt
        read by then: it is fetched before any page of the host); each request reserves its
        start, so threads sharing a host keep the delay between them too."""
        site = origin(url)
        with self._lock:
            known = self._robots.get(site)
            delay = known.crawl_delay if known is not None else 0.0
            if delay > self.max_wait:
                raise FetchError(
                    f"the site's robots.txt asks for {delay:g} s between requests, more than "
                    f"the {self.max_wait:g} s essaycast waits; try later",
                    url,
                )
            now = self.clock()
            last = self._last_start.get(site)
            start = now if last is None else max(now, last + delay)
            self._last_start[site] = start
        if start > now:
            self.sleep(start - now)

    def _slot(self, url: str) -> threading.Semaphore:
        with self._lock:
            return self._slots.setdefault(origin(url), threading.Semaphore(self.per_host))

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            self._local.session = session
        return session

    def _request(
        self, url: str, validators: Validators | None, limit: int, *, truncate: bool = False
    ) -> requests.Response:
        """One request, retried while the server says it is busy; the body is read here,
        up to ``limit`` bytes."""
        headers = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        backoff = 1.0
        for attempt in range(self.retries + 1):
            self._pace(url)
            with self._slot(url):
                answer = self._send(url, headers, limit, truncate)
            if answer.status_code not in BUSY_CODES or attempt == self.retries:
                return answer
            wait = retry_after(answer.headers.get("Retry-After"), time.time())
            wait = backoff if wait is None else wait
            if wait > self.max_wait:
                raise FetchError(
                    f"HTTP {answer.status_code}: the server asks to wait {wait:.0f} s "
                    "before trying again; try later",
                    url,
                )
            self.say(f"  {url}: HTTP {answer.status_code}, busy; trying again in {wait:.0f} s")
            self.sleep(wait)
            backoff *= 2
        raise AssertionError("unreachable")

    def _send(
        self, url: str, headers: dict[str, str], limit: int, truncate: bool
    ) -> requests.Response:
        try:
            answer = self._session().get(
                url, headers=headers, timeout=self.timeout, allow_redirects=False, stream=True
            )
            with answer:
                declared = answer.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > limit and not truncate:
                    raise FetchError(too_big(limit), url)
                body = bytearray()
                for chunk in answer.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > limit:
                        if truncate:
                            break
                        raise FetchError(too_big(limit), url)
                answer._content = bytes(body[:limit])
        except requests.Timeout:
            raise FetchError(f"no answer within {self.timeout:g} s; try later", url) from None
        except requests.ConnectionError as error:
            raise FetchError(f"cannot connect ({_reason(error)})", url) from None
        except requests.RequestException as error:
            raise FetchError(f"the request failed ({_reason(error)})", url) from None
        return answer

    def _response(self, url: str, answer: requests.Response) -> Response:
        status = answer.status_code
        if status == 304 or 200 <= status < 300:
            return Response(
                url,
                status,
                answer.content if status != 304 else b"",
                media_type(answer.headers.get("Content-Type")),
                Validators(answer.headers.get("ETag"), answer.headers.get("Last-Modified")),
            )
        kind = "the server failed" if status >= 500 else "the server refused it"
        reason = f" {answer.reason}" if answer.reason else ""
        raise FetchError(f"HTTP {status}{reason}: {kind}", url)


def too_big(limit: int) -> str:
    return f"the answer is larger than {limit // (1024 * 1024) or limit} " + (
        "MB; not read" if limit >= 1024 * 1024 else "bytes; not read"
    )


def _reason(error: Exception) -> str:
    """The last, most specific clause of a requests error, without its object reprs."""
    text = str(error).split(": ")[-1].strip("()'\" ")
    return text or type(error).__name__
