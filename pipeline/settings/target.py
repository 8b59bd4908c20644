"""show.toml's ``[publish] target``: where `essaycast publish` puts the site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def parse_target(target: str) -> tuple[str, str, str]:
    """(scheme, bucket or "", prefix or folder) from show.toml's ``target``.

    >>> parse_target("s3://podcast/shows/essays/"), parse_target("s3://podcast")
    (('s3', 'podcast', 'shows/essays'), ('s3', 'podcast', ''))
    >>> parse_target("file:///srv/www/podcast")
    ('file', '', '/srv/www/podcast')
    >>> parse_target("ftp://x")
    Traceback (most recent call last):
    ValueError: must be s3://bucket/prefix or file:///absolute/folder, not 'ftp://x'
    """
    parts = urlsplit(target)
    if parts.scheme == "s3" and parts.netloc and not parts.query and not parts.fragment:
        prefix = unquote(parts.path).strip("/")
        if prefix and any(p in ("", ".", "..") for p in prefix.split("/")):
            raise ValueError(f"the prefix in {target!r} must be a plain path")
        return "s3", parts.netloc, prefix
    if parts.scheme == "file" and not parts.netloc and parts.path.startswith("/"):
        return "file", "", unquote(parts.path).rstrip("/") or "/"
    raise ValueError(f"must be s3://bucket/prefix or file:///absolute/folder, not {target!r}")
