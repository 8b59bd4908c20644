"""Language tags (BCP 47, as RSS, HTML and front matter write them), reduced to what the
pipeline decides by: the primary language."""

from __future__ import annotations


def primary_language(tag: str) -> str:
    """The language without its region or script, lower case; '_' is read as '-'.

    >>> primary_language("en-GB"), primary_language("PT_br"), primary_language("EN")
    ('en', 'pt', 'en')
    """
    return tag.replace("_", "-").split("-")[0].lower()
