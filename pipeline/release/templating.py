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
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2

AUTOESCAPED = ("html", "xhtml", "xml", "opf", "smil")
SETTINGS: dict[str, Any] = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
}

_compiled_in: Path | None = None  # see keep_compiled


def keep_compiled(folder: Path) -> None:
    """Keep the templates' compiled code in ``folder`` (a build's cache), so that a build
    compiles a template only when it changed: compiling is most of what rendering a page
    costs. A compiled template is found by its name and the digest of its source; the file
    names carry the settings and Jinja's version, which shape the code too."""
    global _compiled_in
    folder.mkdir(parents=True, exist_ok=True)
    _compiled_in = folder
    environment.cache_clear()
    _with_filters.cache_clear()


@functools.cache
def environment() -> jinja2.Environment:
    cache = None
    if _compiled_in is not None:
        shape = f"{jinja2.__version__} {AUTOESCAPED} {sorted(SETTINGS.items())} strict"
        tag = hashlib.sha256(shape.encode()).hexdigest()[:12]
        cache = jinja2.FileSystemBytecodeCache(str(_compiled_in), f"%s-{tag}.cache")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=AUTOESCAPED, default=True),
        undefined=jinja2.StrictUndefined,  # a misspelt name is an error, not an empty string
        bytecode_cache=cache,
        **SETTINGS,
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
