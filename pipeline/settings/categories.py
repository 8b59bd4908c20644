"""Where a show is listed: Apple Podcasts' categories and the Podcasting 2.0 medium."""

from __future__ import annotations

from pipeline.core.errors import ConfigError
from pipeline.core.model import Show

SHOW_TOML = "feed/show.toml"

# Apple Podcasts categories and their subcategories (podcasters.apple.com, "Apple Podcasts
# categories"). Names must match exactly, "&" and hyphens included.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health",
        "Fitness",
        "Medicine",
        "Mental Health",
        "Nutrition",
        "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Religion",
        "Spirituality",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

# docs/tags/medium.md: each medium, its "L" list variant, and "mixed" (lists only).
_BASE_MEDIUMS = (
    "podcast",
    "music",
    "video",
    "film",
    "audiobook",
    "newsletter",
    "blog",
    "publisher",
    "course",
)
MEDIUMS = frozenset((*_BASE_MEDIUMS, *(m + "L" for m in _BASE_MEDIUMS), "mixed"))


def check_category(show: Show) -> None:
    """Raise ConfigError unless (category, subcategory) is on Apple's list.

    >>> check_category(Show(category="Arts", subcategory="Books"))
    >>> check_category(Show(category="Arts", subcategory="Comedy"))
    Traceback (most recent call last):
    pipeline.core.errors.ConfigError: feed/show.toml: [show] subcategory 'Comedy' is not an Apple \
Podcasts subcategory of 'Arts'; use one of: Books, Design, Fashion & Beauty, Food, Performing \
Arts, Visual Arts (or leave it out)
    """
    if show.category not in APPLE_CATEGORIES:
        raise ConfigError(
            f"[show] category {show.category!r} is not an Apple Podcasts category; "
            f"use one of: {', '.join(APPLE_CATEGORIES)}",
            SHOW_TOML,
        )
    subcategories = APPLE_CATEGORIES[show.category]
    if show.subcategory is not None and show.subcategory not in subcategories:
        allowed = ", ".join(subcategories) if subcategories else "none exist"
        raise ConfigError(
            f"[show] subcategory {show.subcategory!r} is not an Apple Podcasts subcategory of "
            f"{show.category!r}; use one of: {allowed} (or leave it out)",
            SHOW_TOML,
        )


def check_medium(show: Show) -> None:
    if show.medium not in MEDIUMS:
        raise ConfigError(
            f"[show] medium {show.medium!r} is not a Podcasting 2.0 medium; "
            f"use one of: {', '.join(sorted(MEDIUMS))}",
            SHOW_TOML,
        )
