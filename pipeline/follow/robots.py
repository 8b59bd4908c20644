"""robots.txt as RFC 9309 reads it.

* The groups whose ``user-agent`` line names our product token (case-insensitively) apply,
  merged into one; when none does, the ``*`` groups apply; when there is none, all is allowed.
* A rule's path may hold ``*`` (any characters) and end in ``$`` (the end of the path).
* The most specific match wins: the matching rule with the longest path. When an allow and
  a disallow rule match equally, the allow rule wins. No match allows.
* ``/robots.txt`` itself is always allowed.
* ``Crawl-delay`` (seconds between requests: not in RFC 9309, but kept by many crawlers and
  asked for by many sites) is read from the same groups; the largest applies.

Python's ``urllib.robotparser`` applies the first matching rule instead of the longest,
so it is not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Rule:
    allow: bool
    path: str

    def length(self) -> int:
        return len(self.path.encode("utf-8"))

    def matches(self, target: str) -> bool:
        """
        >>> Rule(False, "/private*.html$").matches("/private/a.html")
        True
        >>> Rule(False, "/private*.html$").matches("/private/a.html?x=1")
        False
        >>> Rule(False, "/fish").matches("/fishing"), Rule(False, "/fish/").matches("/fish")
        (True, False)
        """
        anchored = self.path.endswith("$")
        body = self.path[:-1] if anchored else self.path
        pattern = ".*".join(re.escape(part) for part in body.split("*"))
        return re.match(pattern + ("$" if anchored else ""), target) is not None


@dataclass(frozen=True)
class Robots:
    rules: tuple[Rule, ...] = ()
    failed: int | None = None  # robots.txt answered this 5xx status: all is disallowed
    crawl_delay: float = 0.0  # seconds the site asks between two requests

    @classmethod
    def allow_all(cls) -> Robots:
        return cls(())

    @classmethod
    def disallow_all(cls, status: int | None = None) -> Robots:
        return cls((Rule(False, "/"),), status)

    def allows(self, url: str) -> bool:
        """
        >>> robots = parse_robots("User-agent: *\\nDisallow: /drafts/\\nAllow: /drafts/public", "x")
        >>> robots.allows("http://h/drafts/1"), robots.allows("http://h/drafts/public-1")
        (False, True)
        >>> robots.allows("http://h/"), Robots.disallow_all().allows("http://h/robots.txt")
        (True, True)
        """
        parts = urlsplit(url)
        target = unquote(parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if target == "/robots.txt":
            return True
        best: Rule | None = None
        for rule in self.rules:
            if not rule.path or not rule.matches(target):
                continue  # an empty "Disallow:" disallows nothing
            longer = best is None or rule.length() > best.length()
            if longer or (best is not None and rule.length() == best.length() and rule.allow):
                best = rule
        return best is None or best.allow


def parse_robots(text: str, agent: str) -> Robots:
    """The rules that apply to ``agent`` (a product token such as "essaycast").

    >>> text = "User-agent: Other\\nDisallow: /\\n\\nUser-agent: *\\nDisallow: /tmp\\n"
    >>> parse_robots(text, "essaycast").rules
    (Rule(allow=False, path='/tmp'),)
    >>> text += "User-agent: EssayCast\\nUser-agent: bot\\nDisallow: /private # mine\\n"
    >>> parse_robots(text, "essaycast").rules
    (Rule(allow=False, path='/private'),)
    >>> parse_robots("User-agent: *\\nCrawl-delay: 2.5\\nDisallow: /tmp", "x").crawl_delay
    2.5
    """
    groups: list[tuple[list[str], list[Rule], list[float]]] = []
    in_agents = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if not in_agents:
                groups.append(([], [], []))
            groups[-1][0].append(value.lower())
            in_agents = True
        elif key in ("allow", "disallow") and groups:
            groups[-1][1].append(Rule(key == "allow", unquote(value)))
            in_agents = False
        elif key == "crawl-delay" and groups:
            delay = _seconds(value)
            if delay is not None:
                groups[-1][2].append(delay)
            in_agents = False
        else:
            in_agents = in_agents and key not in ("allow", "disallow")
    token = agent.lower()
    chosen = [g for g in groups if token in g[0]] or [g for g in groups if "*" in g[0]]
    rules = tuple(rule for _, group_rules, _ in chosen for rule in group_rules)
    return Robots(rules, crawl_delay=max((d for *_, ds in chosen for d in ds), default=0.0))


def _seconds(value: str) -> float | None:
    """A Crawl-delay's seconds, or None for what is not a number of them.

    >>> _seconds("10"), _seconds("0.5"), _seconds("soon"), _seconds("-3"), _seconds("nan")
    (10.0, 0.5, None, None, None)
    """
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < float("inf") else None
