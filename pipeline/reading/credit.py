"""Crediting a third-party essay: who wrote it and where it was first published.

An episode whose script names an ``author`` credits them wherever a listener meets the
episode: the spoken intro ("… Episode 4: Hobbies Nobody Sees, by Priya Natarajan."), the
feed item (itunes:author, and a line in the show notes with the ``source`` link), the MP3's
tags (artist) and the episode page. Without an author, everything reads as before.
"""

from __future__ import annotations

from pipeline.core.model import EpisodeMeta, Show


def spoken_fields(show: Show, meta: EpisodeMeta) -> dict[str, object]:
    """What the intro and outro templates fill in. When the template does not place
    ``{author}`` itself, the author is credited right after the title.

    >>> import datetime as dt; from pathlib import Path
    >>> meta = EpisodeMeta(Path("a.md"), "004-q", 4, "Quiet", dt.date(2024, 1, 1), "S",
    ...                    author="Priya N")
    >>> show = Show(title="Essaycast")
    >>> show.intro.format(**spoken_fields(show, meta))
    'Essaycast. Episode 4: Quiet, by Priya N.'
    >>> "{title} ({author})".format(**spoken_fields(Show(intro="{title} ({author})"), meta))
    'Quiet (Priya N)'
    """
    author = meta.author or show.author
    title = meta.title
    if meta.author and "{author}" not in show.intro:
        title = f"{title}, by {meta.author}"
    return {"show": show.title, "number": meta.number, "title": title, "author": author}


def credit_text(meta: EpisodeMeta) -> str | None:
    """One plain sentence or two crediting the essay, for show notes and pages.

    >>> import datetime as dt; from pathlib import Path
    >>> meta = EpisodeMeta(Path("a.md"), "001-a", 1, "A", dt.date(2024, 1, 1), "S",
    ...                    author="Grace Adeyemi", source_url="https://x.example/p/a")
    >>> credit_text(meta)
    'Written by Grace Adeyemi. First published at https://x.example/p/a'
    """
    parts = []
    if meta.author:
        parts.append(f"Written by {meta.author}.")
    if meta.source_url:
        parts.append(f"First published at {meta.source_url}")
    return " ".join(parts) or None
