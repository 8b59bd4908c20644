"""Check every show.toml setting the feed and the tags will use, before anything is built.

config.load_show checks each value's type as it reads it; this module checks what the
values mean (an Apple category, a Podcasting 2.0 medium, a URL a podcast app can fetch, an
owner address Apple can write to, a port a server can bind) and reports every problem at
once, one line each, so a producer fixes show.toml in one go.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.core.errors import ConfigError
from pipeline.core.model import Show
from pipeline.settings.categories import check_category, check_medium
from pipeline.settings.direction import PAUSE_SETTINGS, pace_problem, pause_problem
from pipeline.settings.target import parse_target

SPOKEN_FIELDS = {"show": "", "number": 1, "title": "", "author": ""}  # what intro/outro may fill in
BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
TRUE_PEAK_RANGE = (-9.0, 0.0)  # a ceiling above 0 dBTP clips; below -9 wastes the range


def template_problem(template: str) -> str | None:
    """What is wrong with an intro/outro template, or None. Only the documented fields may
    be filled in, by name: attribute or index access would read Python internals aloud.
    An empty template ("") is allowed and means no intro (or outro) at all.

    >>> template_problem("{show}. Episode {number:03d}: {title}."), template_problem("")
    (None, None)
    >>> template_problem("{title.__len__}")[-40:]
    ' {{ }} for a brace), not {title.__len__}'
    >>> template_problem("   ")
    'is blank: write what to say, or set it to "" for none'
    """
    fields = ", ".join(f"{{{field}}}" for field in SPOKEN_FIELDS)
    allowed = f"can only fill in {fields} (and {{{{ }}}} for a brace)"
    if template and not template.strip():
        return 'is blank: write what to say, or set it to "" for none'
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"{allowed}: {exc}"
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in SPOKEN_FIELDS or conversion or "{" in (spec or ""):
            marks = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            return f"{allowed}, not {{{field}{marks}}}"
    try:
        template.format(**SPOKEN_FIELDS)
    except (KeyError, IndexError, ValueError) as exc:
        return f"{allowed}: {exc}"
    return None


EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+$")
MAX_PORT = 65535
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # BCP 47, as RSS <language>


def url_problem(name: str, url: str) -> str | None:
    """What is wrong with a URL a podcast app must fetch, or None.

    >>> url_problem("base_url", "https://example.com/show")
    >>> url_problem("base_url", "example.com")
    "'base_url' must be an http:// or https:// URL with a host, not 'example.com'"
    >>> url_problem("base_url", "https://example.com/a b")
    "'base_url' must not contain spaces or control characters: 'https://example.com/a b'"
    >>> url_problem("base_url", "https://example.com/?x=1")
    "'base_url' is the site's folder: drop the query or fragment from 'https://example.com/?x=1'"
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"'{name}' must be an http:// or https:// URL with a host, not {url!r}"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return f"'{name}' must not contain spaces or control characters: {url!r}"
    if parts.query or parts.fragment:
        return f"'{name}' is the site's folder: drop the query or fragment from {url!r}"
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return f"'{name}' has an invalid port: {url!r}"
    return None


def _category(show: Show) -> str | None:
    return _detail(check_category, show)


def _medium(show: Show) -> str | None:
    return _detail(check_medium, show)


def _detail(check: Callable[[Show], None], show: Show) -> str | None:
    try:
        check(show)
    except ConfigError as exc:
        return exc.detail
    return None


def _base_url(show: Show) -> str | None:
    return url_problem("base_url", show.base_url)


def _owner_email(show: Show) -> str | None:
    if EMAIL.match(show.owner_email):
        return None
    return f"[owner] email {show.owner_email!r} is not an address Apple can write to"


def _language(show: Show) -> str | None:
    if LANGUAGE.match(show.language):
        return None
    return f"[show] language {show.language!r} must be a language code such as en or en-US"


def _port(show: Show) -> str | None:
    if 1 <= show.port <= MAX_PORT:
        return None
    return f"[publish] port {show.port} must be between 1 and {MAX_PORT}"


def _bitrate(show: Show) -> str | None:
    if show.bitrate_kbps in BITRATES:
        return None
    return f"'bitrate_kbps' must be one of {BITRATES}"


def _loudness(show: Show) -> str | None:
    if -30.0 <= show.loudness_lufs <= -10.0:
        return None
    return "'loudness_lufs' must be between -30 and -10 (Apple: -16)"


def _true_peak(show: Show) -> str | None:
    low, high = TRUE_PEAK_RANGE
    if low <= show.true_peak_dbtp <= high:
        return None
    return (
        f"'true_peak_dbtp' must be between {low:g} and {high:g} dBTP (Apple: -1), "
        f"not {show.true_peak_dbtp:g}"
    )


def _templates(show: Show) -> str | None:
    found = [
        f"'{name}' {problem}"
        for name in ("intro", "outro")
        if (problem := template_problem(getattr(show, name)))
    ]
    return "; ".join(found) or None


def _files(show: Show) -> str | None:
    missing = [
        f"'{name}' file not found: {file}"
        for name in ("artwork", "intro_music", "outro_music")
        if (file := getattr(show, name)) is not None and not file.is_file()
    ]
    return "; ".join(missing) or None


def _publish(show: Show) -> str | None:
    if show.publish_target:
        try:
            parse_target(show.publish_target)
        except ValueError as exc:
            return f"[publish] 'target' {exc}"
    if show.endpoint_url:
        return url_problem("[publish] endpoint_url", show.endpoint_url)
    return None


LOCAL_CLUSTER = re.compile(r"local:(\d+)")
REMOTE_CLUSTER = re.compile(r"tcp://[^\s:/]+:\d+")  # TLS would need certificates configured here


def cluster_problem(address: str) -> str | None:
    """What is wrong with a cluster address that is neither `local:N` nor `tcp://host:port`.

    >>> cluster_problem("tcp://10.0.0.5:8786"), cluster_problem("local:4")
    (None, None)
    >>> cluster_problem("10.0.0.5")
    "cluster address '10.0.0.5' must be tcp://host:port or local:N"
    >>> cluster_problem("local:0")
    "cluster address 'local:0' must start at least 1 worker"
    """
    local = LOCAL_CLUSTER.fullmatch(address)
    if local and int(local.group(1)) < 1:
        return f"cluster address '{address}' must start at least 1 worker"
    if not local and not REMOTE_CLUSTER.fullmatch(address):
        return f"cluster address '{address}' must be tcp://host:port or local:N"
    return None


def _cluster(show: Show) -> str | None:
    return cluster_problem(show.cluster) if show.cluster is not None else None


def _direction(show: Show) -> str | None:
    found = []
    if problem := pace_problem(show.pace):
        found.append(f"[voice] 'pace' {problem}")
    for key, (name, _) in PAUSE_SETTINGS.items():
        if problem := pause_problem(getattr(show, name)):
            found.append(f"[pauses] '{key}' {problem}")
    return "; ".join(found) or None


def _words(show: Show) -> str | None:
    empty = [name for name in ("title", "author", "description") if not getattr(show, name).strip()]
    if not empty:
        return None
    return f"[show] {', '.join(empty)} must not be empty: podcast apps show them"


CHECKS: tuple[Callable[[Show], str | None], ...] = (
    _words,
    _category,
    _medium,
    _language,
    _owner_email,
    _base_url,
    _port,
    _bitrate,
    _loudness,
    _true_peak,
    _templates,
    _files,
    _publish,
    _direction,
    _cluster,
)


def problems(show: Show) -> list[str]:
    """Every problem with the show's settings, one line each (empty: all good).

    >>> problems(Show())
    []
    >>> for line in problems(Show(category="Cooking", medium="radio", port=0)):
    ...     print(line[:60])
    [show] category 'Cooking' is not an Apple Podcasts category;
    [show] medium 'radio' is not a Podcasting 2.0 medium; use on
    [publish] port 0 must be between 1 and 65535
    """
    return [problem for check in CHECKS if (problem := check(show)) is not None]


def check_show(show: Show, path: Path) -> None:
    """Raise one ConfigError listing every problem, each on its own line naming ``path``."""
    found = problems(show)
    if found:
        raise ConfigError(f"\n{path}: ".join(found), path)
