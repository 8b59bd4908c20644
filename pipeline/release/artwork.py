"""The show's square artwork: feed/artwork.jpg, checked or converted or drawn, and the MP3 cover.

Apple Podcasts wants a square RGB JPEG or PNG of 1400-3000 px. The feed always serves
feed/artwork.jpg, so a producer's image kept elsewhere (or a PNG) is re-encoded there, and a
show without artwork gets a title card: the show's title in large near-white type on a dark
colour (contrast well above the 7:1 of WCAG AAA), drawn with the font Pillow ships so that no
system font is needed for Latin titles (an installed bold sans takes over for other scripts).

Every file we write carries a stamp in its JPEG comment: a hash of what it was made from. A
build compares stamps and rewrites the file only when its inputs changed, and it never
overwrites a feed/artwork.jpg that has no stamp (the producer's own file).
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFile, ImageFont, ImageOps, UnidentifiedImageError

from pipeline.core import atomic
from pipeline.core.digest import file_digest, json_digest
from pipeline.core.errors import ConfigError, ScriptError
from pipeline.core.model import Show

ARTWORK_NAME = "artwork.jpg"  # what the feed serves, inside feed/
SHOW_TOML = "show.toml"
MIN_PX, MAX_PX = 1400, 3000  # Apple Podcasts' bounds for show artwork
CARD_PX = 3000
MAX_ARTWORK_BYTES = 1_000_000
MAX_COVER_BYTES = 300_000
COVER_SCALING = "draft2x"  # how a kept cover was made (cover_jpeg): part of its name
JPEG_QUALITIES = (85, 80, 75, 70, 65, 60)  # tried in turn until the file is small enough
STAMP_PREFIX = b"essaycast-artwork:"
CARD_DESIGN = 1  # bump when the card's look changes, so every show's card is redrawn

# Source image mode -> can it become RGB without changing how it looks? (CMYK cannot, reliably.)
CONVERTIBLE_MODES = frozenset({"RGB", "RGBA", "L", "LA", "P", "PA"})
FORMATS = frozenset({"JPEG", "PNG"})

# The title card: near-white type on one of a few dark colours, picked by the title's hash.
TEXT_RGB = (0xF8, 0xF5, 0xEC)
BACKGROUND_NAMES = {  # the colour as a cover's alternative text names it
    (0x1B, 0x2A, 0x41): "navy blue",
    (0x12, 0x37, 0x2A): "forest green",
    (0x3B, 0x1C, 0x32): "plum",
    (0x1F, 0x29, 0x33): "slate grey",
    (0x40, 0x1F, 0x14): "walnut brown",
}
BACKGROUNDS_RGB = tuple(BACKGROUND_NAMES)
MARGIN_PX = 300
TITLE_SIZES_PX = (420, 380, 340, 300, 270, 240, 215, 190, 170, 150, 135, 120)
AUTHOR_SIZE_PX = 150
LINE_SPACING = 1.18
RULE_PX = (360, 22)  # width, height of the rule between title and author
MAX_TITLE_CHARS = 400  # more would not be legible at the smallest size anyway


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour, 0 (black) to 1 (white).

    >>> relative_luminance((0, 0, 0)), relative_luminance((255, 255, 255))
    (0.0, 1.0)
    """

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio, 1 to 21; AAA asks at least 7 for text.

    >>> round(contrast_ratio((0, 0, 0), (255, 255, 255)), 1)
    21.0
    >>> min(round(contrast_ratio(TEXT_RGB, bg), 1) for bg in BACKGROUNDS_RGB) >= 12
    True
    """
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy word wrap by a width test; a word too wide for a line is split between letters.

    >>> wrap("the quick brown fox", lambda s: len(s) <= 9)
    ['the quick', 'brown fox']
    >>> wrap("a supercalifragilistic word", lambda s: len(s) <= 8)
    ['a', 'supercal', 'ifragili', 'stic', 'word']
    >>> wrap("   ", lambda s: True)
    []
    """
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
        while not fits(word) and len(word) > 1:
            cut = _longest_fitting_prefix(word, fits)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _longest_fitting_prefix(word: str, fits: Callable[[str], bool]) -> int:
    """Binary search, so that a 5000-letter word costs a few dozen measurements, not 5000."""
    low, high = 1, len(word)  # word[:low] is kept even if it does not fit: progress first
    while low < high:
        middle = (low + high + 1) // 2
        if fits(word[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


def ellipsize(line: str, fits: Callable[[str], bool]) -> str:
    """Shorten a line until it fits with a trailing ellipsis.

    >>> ellipsize("a very long line", lambda s: len(s) <= 8)
    'a very…'
    """
    while line and not fits(line + "…"):
        line = line[:-1]
    return line.rstrip() + "…"


AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class CardFont:
    """A typeface for the title card; ``path`` None is the font Pillow ships (Aileron)."""

    path: Path | None
    stroke_per_px: float  # stroke width per px of size: thickens a regular weight to bold

    @property
    def name(self) -> str:
        return self.path.name if self.path else "pillow-default"

    def at(self, size: int) -> AnyFont:
        if self.path is None:
            return ImageFont.load_default(size=size)
        return ImageFont.truetype(str(self.path), size=size)

    def stroke(self, size: int) -> int:
        return round(size * self.stroke_per_px)


# Pillow's own font draws Latin text everywhere with no system font. It has no glyphs beyond
# ASCII and a few symbols, though, so for other scripts (é, Ω, Hebrew, Cyrillic...) the
# first of these common bold fonts that is installed and has them takes over.
BUNDLED_FONT = CardFont(None, 1 / 48)
SYSTEM_FONTS = tuple(
    CardFont(Path(path), 0.0)
    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
        "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
        "C:/Windows/Fonts/arialbd.ttf",
    )
)
_PROBE_PX = 48
_NO_SUCH_CHARACTER = "\U0010fffd"  # private use: every font draws its "missing" box for it


def _drawn(text: str) -> bool:
    """Does this character need a glyph (rather than being space, a control or a format mark)?

    >>> [_drawn(c) for c in ("a", " ", "\\u200f", "\\n", "é")]
    [True, False, False, False, True]
    """
    return unicodedata.category(text)[0] in "LMNPS"


def _glyph_pixels(font: AnyFont, character: str) -> bytes:
    canvas = Image.new("L", (_PROBE_PX * 2, _PROBE_PX * 2))
    ImageDraw.Draw(canvas).text((_PROBE_PX // 2, 0), character, font=font, fill=255)
    return canvas.tobytes()


def missing_characters(font: CardFont, text: str) -> set[str]:
    """The characters of ``text`` this font would draw as its "missing glyph" box.

    >>> sorted(missing_characters(BUNDLED_FONT, "Tea & cake 🍰"))
    ['🍰']
    """
    probe = font.at(_PROBE_PX)
    missing_box = _glyph_pixels(probe, _NO_SUCH_CHARACTER)
    return {ch for ch in set(text) if _drawn(ch) and _glyph_pixels(probe, ch) == missing_box}


def choose_font(text: str) -> tuple[CardFont, set[str]]:
    """The first font with every glyph the text needs, else the one missing the fewest."""
    installed = [font for font in SYSTEM_FONTS if font.path and font.path.is_file()]
    best: tuple[CardFont, set[str]] | None = None
    for font in (BUNDLED_FONT, *installed):
        missing = missing_characters(font, text)
        if not missing:
            return font, missing
        if best is None or len(missing) < len(best[1]):
            best = (font, missing)
    assert best is not None  # the bundled font is always a candidate
    return best


def without(text: str, characters: set[str]) -> str:
    """Drop characters no font can draw (emoji, mostly): better absent than a box.

    >>> without("Tea 🍵 time", {"🍵"})
    'Tea time'
    """
    return " ".join("".join(ch for ch in text if ch not in characters).split())


def _fitter(font: AnyFont, width: int) -> Callable[[str], bool]:
    return lambda text: font.getlength(text) <= width


def layout_title(title: str, card_font: CardFont, width: int, height: int) -> tuple[int, list[str]]:
    """The largest size (px) at which the wrapped title fits the box, and its lines.

    At the smallest size, lines that do not fit are dropped and the last one ellipsized.
    """
    title = title[:MAX_TITLE_CHARS]
    lines: list[str] = []
    for size in TITLE_SIZES_PX:
        fits = _fitter(card_font.at(size), width - card_font.stroke(size) * 2)
        lines = wrap(title, fits)
        if len(lines) * size * LINE_SPACING <= height:
            return size, lines
    max_lines = max(1, int(height // (size * LINE_SPACING)))
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], ellipsize(lines[max_lines - 1], fits)]
    return size, lines


def background_for(title: str) -> tuple[int, int, int]:
    """A stable dark colour per show, so that two shows' cards look different.

    >>> background_for("A") == background_for("A") and background_for("A") in BACKGROUNDS_RGB
    True
    """
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    return BACKGROUNDS_RGB[digest[0] % len(BACKGROUNDS_RGB)]


def card_text(title: str, author: str | None) -> tuple[CardFont, str, str]:
    """The font, and the title and author as the card shows them (no author if it repeats
    the title; characters no installed font has are left out)."""
    author = author or ""
    if author.strip() == title.strip():
        author = ""
    card_font, missing = choose_font(title + author)
    return card_font, without(title, missing), without(author, missing)


def card_description(title: str, author: str | None) -> str:
    """The title card described in words, for a cover's alternative text.

    >>> print(card_description("Essaycast", "Ana O'Neil"))  # doctest: +ELLIPSIS
    Title card: the words “Essaycast” in large cream letters on a plain ... background, \
above a short rule and the name “Ana O'Neil”.
    >>> card_description("Essaycast", "Essaycast").endswith("background.")
    True
    """
    _, shown_title, shown_author = card_text(title, author)
    colour = BACKGROUND_NAMES[background_for(shown_title)]
    words = f"Title card: the words “{shown_title}” in large cream letters on a plain {colour}"
    if shown_author:
        return f"{words} background, above a short rule and the name “{shown_author}”."
    return f"{words} background."


def render_title_card(title: str, author: str | None) -> Image.Image:
    """A CARD_PX square RGB image: the title, large and centred, and the author below it."""
    card_font, title, author = card_text(title, author)
    card = Image.new("RGB", (CARD_PX, CARD_PX), background_for(title))
    draw = ImageDraw.Draw(card)
    box = CARD_PX - 2 * MARGIN_PX
    author_font = card_font.at(AUTHOR_SIZE_PX)
    fits_author = _fitter(author_font, box)
    author_lines = wrap(author, fits_author)
    if len(author_lines) > 2:
        author_lines = [author_lines[0], ellipsize(author_lines[1], fits_author)]
    author_line_px = AUTHOR_SIZE_PX * LINE_SPACING
    rule_block = (RULE_PX[1] + 2 * AUTHOR_SIZE_PX) if author_lines else 0
    title_box = int(box - len(author_lines) * author_line_px - rule_block)
    size, title_lines = layout_title(title, card_font, box, title_box)
    title_line_px = size * LINE_SPACING
    total = len(title_lines) * title_line_px + rule_block + len(author_lines) * author_line_px
    y = (CARD_PX - total) / 2
    title_font = card_font.at(size)
    stroke = card_font.stroke(size)
    y = _centred_lines(draw, title_lines, title_font, title_line_px, y, stroke)
    if author_lines:
        y += AUTHOR_SIZE_PX
        left = (CARD_PX - RULE_PX[0]) // 2
        draw.rectangle((left, y, left + RULE_PX[0] - 1, y + RULE_PX[1] - 1), fill=TEXT_RGB)
        y += RULE_PX[1] + AUTHOR_SIZE_PX
        _centred_lines(draw, author_lines, author_font, author_line_px, y)
    return card


def encode_jpeg(
    image: Image.Image,
    max_bytes: int,
    *,
    comment: bytes = b"",
    icc_profile: bytes | None = None,
    crisp: bool = False,
) -> bytes:
    """An RGB baseline JPEG, at the best quality in JPEG_QUALITIES that is under max_bytes.

    ``crisp`` keeps full-resolution colour (no 4:2:0 subsampling), for sharp text edges.
    If even the lowest quality is too big, that smallest encoding is returned.
    """
    options: dict[str, object] = {"optimize": True, "comment": comment}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if crisp:
        options["subsampling"] = 0
    data = b""
    rgb = image if image.mode == "RGB" else image.convert("RGB")  # convert copies even RGB
    for quality in JPEG_QUALITIES:
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=quality, **options)
        data = out.getvalue()
        if len(data) <= max_bytes:
            break
    return data


def stamp(*parts: object) -> bytes:
    """The comment that records what an artwork file was made from.

    >>> stamp("card", 1, "Title", "Author") == stamp("card", 1, "Title", "Author")
    True
    >>> stamp("card", 1, "Title", "Author").startswith(STAMP_PREFIX)
    True
    """
    return STAMP_PREFIX + json_digest(parts).encode("ascii")


def stamp_of(path: Path) -> bytes | None:
    """The stamp in an artwork file's JPEG comment; None if absent, not ours, or not a JPEG."""
    try:
        with Image.open(path) as image:
            comment = image.info.get("comment", b"")
    except (FileNotFoundError, UnidentifiedImageError):
        return None
    if isinstance(comment, bytes) and comment.startswith(STAMP_PREFIX):
        return comment
    return None


def _artwork_error(feed_dir: Path, source: Path, problem: str) -> ConfigError:
    return ConfigError(f"artwork '{source}' {problem}", feed_dir / SHOW_TOML)


def checked_artwork(source: Path, feed_dir: Path) -> ImageFile.ImageFile:
    """Open the producer's artwork, or raise ConfigError saying what is wrong and how to fix it."""
    if not source.is_file():
        raise _artwork_error(
            feed_dir, source, "not found: put the image there or fix 'artwork' (relative to feed/)"
        )
    try:
        image = Image.open(source)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise _artwork_error(
            feed_dir, source, f"is not a readable image ({exc}): save it as a JPEG or PNG"
        ) from exc
    width, height = image.size
    problem = None
    if image.format not in FORMATS:
        problem = f"is a {image.format} file: save it as a JPEG or PNG"
    elif width != height:
        problem = f"is {width}x{height} px, not square: crop it to a square"
    elif not MIN_PX <= width <= MAX_PX:
        problem = f"is {width}x{height} px: resize it to between {MIN_PX} and {MAX_PX} px square"
    elif image.mode not in CONVERTIBLE_MODES:
        problem = f"uses {image.mode} colour: convert it to RGB"
    if problem is None:
        try:
            image.load()
        except OSError as exc:  # e.g. a truncated file
            problem = f"cannot be decoded ({exc}): re-save it as a JPEG or PNG"
    if problem is None and _has_transparency(image):
        problem = "has transparent pixels: flatten it onto a background (RGB, no alpha)"
    if problem:
        image.close()
        raise _artwork_error(feed_dir, source, problem)
    return image


def _has_transparency(image: Image.Image) -> bool:
    if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
        return False
    # Inverted alpha is non-zero exactly where a pixel is not fully opaque.
    return ImageOps.invert(image.convert("RGBA").getchannel("A")).getbbox() is not None


def _resolve(artwork: Path, feed_dir: Path) -> Path:
    """show.toml lives in feed/, so a relative artwork path is read from there."""
    return artwork if artwork.is_absolute() else feed_dir / artwork


def ensure_artwork(show: Show, feed_dir: Path) -> Path:
    """Make feed/artwork.jpg current for this show and return its path.

    - ``show.artwork`` set: check it (ConfigError naming feed/show.toml and the image if it
      is missing or not a square RGB JPEG/PNG of 1400-3000 px); if it is feed/artwork.jpg
      itself, use it as is, else re-encode it there whenever its bytes change.
    - unset: draw the title card there whenever the title or author change. A
      feed/artwork.jpg that we did not write is the producer's: ConfigError, never overwritten.
    """
    target = feed_dir / ARTWORK_NAME
    if show.artwork is None:
        # The font is in the stamp: a machine with other fonts draws (and stamps) its own card.
        card_font, _, _ = card_text(show.title, show.author)
        wanted = stamp("card", CARD_DESIGN, card_font.name, show.title, show.author)
        current = stamp_of(target)
        if current == wanted:
            return target
        if current is None and target.exists():
            raise ConfigError(
                f"{target} exists but 'artwork' is not set: set artwork = \"{ARTWORK_NAME}\" "
                "to use it, or delete it to have a title card drawn",
                feed_dir / SHOW_TOML,
            )
        card = render_title_card(show.title, show.author)
        atomic.write_bytes(target, encode_jpeg(card, MAX_ARTWORK_BYTES, comment=wanted, crisp=True))
        return target

    source = _resolve(show.artwork, feed_dir)
    with checked_artwork(source, feed_dir) as image:
        if source.resolve() == target.resolve():
            if image.format != "JPEG" or image.mode != "RGB":
                raise _artwork_error(
                    feed_dir, source, f"is {image.format} {image.mode}: save it as an RGB JPEG"
                )
            return target
        wanted = stamp("copy", file_digest(source))
        if stamp_of(target) != wanted:
            data = encode_jpeg(
                ImageOps.exif_transpose(image),  # a camera's "rotate me" flag, applied
                MAX_ARTWORK_BYTES,
                comment=wanted,
                icc_profile=image.info.get("icc_profile"),
            )
            atomic.write_bytes(target, data)
    return target


def write_episode_artwork(source: Path, target: Path) -> Path:
    """An episode's own image (a post's cover) as the square RGB JPEG apps want, 1400 to
    3000 px (cropped to its centre), at ``target``; rewritten only when its bytes change.
    Raises ScriptError naming the image when it cannot be read."""
    try:
        with Image.open(source) as image:
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise ScriptError(f"its image {source} cannot be read ({error})", source) from None
    side = min(max(min(upright.size), MIN_PX), MAX_PX)
    square = ImageOps.fit(upright, (side, side), Image.Resampling.LANCZOS)
    data = encode_jpeg(square, MAX_ARTWORK_BYTES)
    if not target.is_file() or target.read_bytes() != data:
        atomic.write_bytes(target, data)
    return target


def cover_description(show: Show) -> str:
    """The show's artwork in words: the drawn title card described, the producer's own
    image as the producer describes it (``[show] artwork_alt``), else named as the show's."""
    if show.artwork is None:
        return card_description(show.title, show.author)
    return show.artwork_alt or f"Cover art of {show.title}"


def cover_jpeg(artwork: Path, size: int = 600, keep: Path | None = None) -> bytes:
    """A small square RGB JPEG of the artwork for the MP3's APIC frame (at most 300 KB).

    With ``keep`` (a folder), it is kept there under the artwork's digest and the size,
    with a SHA-256 of itself in front, so a retag does not resample the artwork again (a
    quarter of a second for a 3000-pixel cover)."""
    kept = keep / f"{file_digest(artwork)}-{size}-{COVER_SCALING}.jpg" if keep else None
    cover = atomic.read_checked(kept) if kept is not None else None
    if cover is not None:
        return cover
    with Image.open(artwork) as image:
        # A JPEG is decoded at the smallest of 1/2, 1/4 or 1/8 scale that still has twice
        # the pixels wanted (its DCT scaled, not every pixel decoded and thrown away): a
        # 3000-pixel card took 0.15 s to decode and resample, in a cold build's last steps.
        image.draft("RGB", (2 * size, 2 * size))
        small = ImageOps.fit(image.convert("RGB"), (size, size), Image.Resampling.LANCZOS)
    cover = encode_jpeg(small, MAX_COVER_BYTES)
    if kept is not None:
        atomic.write_checked(kept, cover)
    return cover


def _centred_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    font: AnyFont,
    line_px: float,
    y: float,
    stroke: int = 0,
) -> float:
    """Draw lines centred across the card from ``y`` down; return the y below the last."""
    for line in lines:
        # anchor "ms": x is the line's middle, y its baseline (about 80% down the line box)
        draw.text(
            (CARD_PX / 2, y + line_px * 0.8),
            line,
            font=font,
            fill=TEXT_RGB,
            anchor="ms",
            stroke_width=stroke,
            stroke_fill=TEXT_RGB,
        )
        y += line_px
    return y
