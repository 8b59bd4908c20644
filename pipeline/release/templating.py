"""The one place markup is made: Jinja2 templates in pipeline/templates/, escaping on.

Every template whose name ends in .html, .xhtml, .xml, .opf or .smil escapes each value it
is given, so a title like ``<script>`` shows as text wherever it lands.  Markup is never
built by joining strings in Python; a value that must stay markup does not exist here.

>>> environment().from_string("<p>{{ text }}</p>").render(text="<b>&'\\"")
'<p>&lt;b&gt;&amp;&#39;&#34;</p>'

Two callers may give the same filter name different meanings; each gets its own templates:

>>> upper, lower = _with_filters((("f", str.upper),)), _with_filters((("f", str.lower),))
>>> upper.from_string("{{ 'Ab'|f }}").render(), lower.from_string("{{ 'Ab'|f }}").render()
('AB', 'ab')
>>> upper.get_template("epub/nav.xhtml") is lower.get_template("epub/nav.xhtml")
False
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import jinja2

AUTOESCAPED = ("html", "xhtml", "xml", "opf", "smil")


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=AUTOESCAPED, default=True),
        undefined=jinja2.StrictUndefined,  # a misspelt name is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


Filters = Mapping[str, Callable[..., str]]


@functools.cache
def _with_filters(filters: tuple[tuple[str, Callable[..., str]], ...]) -> jinja2.Environment:
    # An overlay shares its parent's template cache and filter dict unless given its own:
    # a compiled template keeps the filters it was compiled with, so each set needs both.
    overlay = environment().overlay(cache_size=100)
    overlay.filters = {**overlay.filters, **dict(filters)}
    return overlay


def render(name: str, filters: Filters | None = None, **context: Any) -> str:
    """The template ``name`` filled in with ``context``; ``filters`` are a caller's own
    formatting functions (pure text in, text out), which the template escapes like any value."""
    env = _with_filters(tuple(sorted((filters or {}).items()))) if filters else environment()
    return env.get_template(name).render(**context)
