"""What a page hides from every reader, taken out before its article is looked for.

Text that the sighted reader never sees and a screen reader never reads is not narrated
either: an element with the ``hidden`` attribute, one marked ``aria-hidden="true"``, one
whose inline style sets ``display: none`` or ``visibility: hidden`` (or ``collapse``), and
a ``<template>``'s inert content. Two exceptions keep what a reader can still reach:

* ``hidden="until-found"`` is a collapsed section the browser opens when the reader
  searches the page, so it is read;
* a hidden element holding most of the page's text is the article that a script shows
  once the page has loaded (an anti-flicker ``<body style="display:none">``, a page saved
  before its script ran), so it is read.

A ``<noscript>`` is left alone here: the readings after this one skip it.
"""

from __future__ import annotations

import lxml.html

HIDDEN_STYLES = {"display": ("none",), "visibility": ("hidden", "collapse")}
MAX_HIDDEN_SHARE = 0.8  # a hidden element holding more of the page's text is shown by script


def declarations(style: str) -> dict[str, str]:
    """An inline style's declarations, names and values lowercased, ``!important`` dropped.

    >>> declarations("Display : NONE !important; color:red;;bad")
    {'display': 'none', 'color': 'red'}
    """
    found = {}
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        if colon:
            found[name.strip().lower()] = value.replace("!important", "").strip().lower()
    return found


def is_hidden(element: lxml.html.HtmlElement) -> bool:
    """
    >>> [is_hidden(lxml.html.fragment_fromstring(tag)) for tag in ('<p hidden>a</p>',
    ...     '<p hidden="until-found">a</p>', '<i aria-hidden="true">a</i>',
    ...     '<i aria-hidden="false">a</i>', '<p style="color:red; visibility: hidden">a</p>',
    ...     '<p style="display:block">a</p>', '<template><p>a</p></template>')]
    [True, False, True, False, True, False, True]
    """
    if element.tag == "template":
        return True
    if element.get("hidden") is not None and element.get("hidden", "").lower() != "until-found":
        return True
    if element.get("aria-hidden", "").strip().lower() == "true":
        return True
    style = declarations(element.get("style", ""))
    return any(style.get(name) in values for name, values in HIDDEN_STYLES.items())


def drop_hidden(tree: lxml.html.HtmlElement) -> bool:
    """Remove from ``tree`` what it hides from every reader; True if anything went.

    >>> page = lxml.html.fromstring("<div><p>Shown, and long enough to be the page.</p>"
    ...     "<p style='display:none'>Hidden.</p><p hidden>Also hidden.</p></div>")
    >>> drop_hidden(page), page.text_content()
    (True, 'Shown, and long enough to be the page.')
    >>> page = lxml.html.fromstring("<div><div style='display:none'><p>The whole article, "
    ...     "shown by a script.</p></div><p>Menu</p></div>")
    >>> drop_hidden(page), page.text_content()
    (False, 'The whole article, shown by a script.Menu')
    """
    total = len("".join(tree.text_content().split())) or 1
    dropped = False
    for element in list(tree.iter()):
        if element is tree or not isinstance(element.tag, str) or element.tag in ("html", "body"):
            continue
        if is_hidden(element):
            chars = len("".join(element.text_content().split()))
            if chars <= MAX_HIDDEN_SHARE * total:
                element.drop_tree()
                dropped = True
    return dropped
