"""feed/artwork.jpg and the MP3 cover, checked by opening the real files with Pillow."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from pipeline.core.errors import ConfigError
from pipeline.core.model import Show
from pipeline.release.artwork import (
    MARGIN_PX,
    contrast_ratio,
    cover_jpeg,
    ensure_artwork,
)

LONG_TITLE = "An Unreasonably Long Show Title " * 5 + "x" * 5000


def dominant_colours(image: Image.Image, count: int = 2) -> list[tuple[tuple[int, int, int], int]]:
    """The most common colours (JPEG noise merged into buckets of 16 levels), with pixel counts."""
    buckets: dict[tuple[int, int, int], list[int]] = {}
    colours = image.convert("RGB").getcolors(maxcolors=image.width * image.height)
    assert colours is not None
    for n, (r, g, b) in colours:
        total = buckets.setdefault((r // 16, g // 16, b // 16), [0, 0, 0, 0])
        total[0] += n
        total[1] += n * r
        total[2] += n * g
        total[3] += n * b
    top = sorted(buckets.values(), reverse=True)[:count]
    return [((r // n, g // n, b // n), n) for n, r, g, b in top]


def ink_box(image: Image.Image, background: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """The bounding box of every pixel clearly different from the background."""
    diff = ImageChops.difference(image.convert("RGB"), Image.new("RGB", image.size, background))
    box = diff.convert("L").point(lambda v: 255 if v > 40 else 0).getbbox()
    assert box is not None, "nothing drawn"
    return box


def feed(tmp_path: Path) -> Path:
    folder = tmp_path / "feed"
    folder.mkdir()
    return folder


def save_image(path: Path, size: tuple[int, int], mode: str = "RGB", **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    colour = {"RGB": (200, 30, 60), "RGBA": (200, 30, 60, 255), "CMYK": (0, 80, 60, 10)}[mode]
    image = Image.new(mode, size, colour)
    # A gradient strip, so that conversion errors (channel swaps, crops) would show.
    for x in range(0, size[0], max(1, size[0] // 50)):
        level = x * 255 // size[0]
        strip = (level, level, level, 255) if mode == "RGBA" else (level,) * len(mode)
        image.paste(strip, (x, 0, x + 10, size[1] // 3))
    image.save(path, **options)
    return path


# --- the generated title card ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "author"),
    [
        ("The Invisible Walls", "Jane Q. Writer"),
        ("Essaycast", "Essaycast"),
        (LONG_TITLE, "An author whose name goes on " * 10),
        ("Café “Ω” <script>&]]> \u200fשלום\u200e 🎙️", "Élodie"),
    ],
)
def test_generated_card_is_a_square_high_contrast_jpeg(
    tmp_path: Path, title: str, author: str
) -> None:
    folder = feed(tmp_path)
    path = ensure_artwork(Show(title=title, author=author), folder)
    assert path == folder / "artwork.jpg"
    assert path.stat().st_size < 1_000_000
    with Image.open(path) as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (3000, 3000))
        (background, _), (text, text_pixels) = dominant_colours(image)
        assert text_pixels > 0.01 * 3000 * 3000, "the title should be large"
        assert contrast_ratio(background, text) >= 7
        left, top, right, bottom = ink_box(image, background)
    inside = MARGIN_PX - 20  # anti-aliasing may bleed a little past the margin
    assert left >= inside and top >= inside
    assert right <= 3000 - inside and bottom <= 3000 - inside
    assert sorted(p.name for p in folder.iterdir()) == ["artwork.jpg"]  # no temp files left


def test_card_is_redrawn_only_when_title_or_author_change(tmp_path: Path) -> None:
    folder = feed(tmp_path)
    path = ensure_artwork(Show(title="First", author="A"), folder)
    old_time = 1_000_000_000_000_000_000
    os.utime(path, ns=(old_time, old_time))
    first = path.read_bytes()

    ensure_artwork(Show(title="First", author="A", description="changed"), folder)
    assert path.stat().st_mtime_ns == old_time
    assert path.read_bytes() == first

    ensure_artwork(Show(title="Second", author="A"), folder)
    second = path.read_bytes()
    assert second != first
    assert path.stat().st_mtime_ns != old_time

    ensure_artwork(Show(title="Second", author="B"), folder)
    assert path.read_bytes() != second


def test_a_producers_artwork_jpg_is_never_overwritten(tmp_path: Path) -> None:
    folder = feed(tmp_path)
    own = save_image(folder / "artwork.jpg", (1400, 1400), format="JPEG")
    before = own.read_bytes()
    with pytest.raises(ConfigError) as caught:
        ensure_artwork(Show(title="T"), folder)
    message = str(caught.value)
    assert "show.toml" in message and "artwork.jpg" in message and "\n" not in message
    assert own.read_bytes() == before


# --- the producer's own artwork -------------------------------------------------------------


@pytest.mark.parametrize("absolute", [False, True])
def test_producer_png_is_converted_to_feed_artwork_jpg(tmp_path: Path, absolute: bool) -> None:
    folder = feed(tmp_path)
    png = save_image(folder / "art" / "cover.png", (2000, 2000), format="PNG")
    artwork = png if absolute else Path("art/cover.png")
    path = ensure_artwork(Show(artwork=artwork), folder)
    assert path == folder / "artwork.jpg"
    with Image.open(path) as served, Image.open(png) as source:
        assert (served.format, served.mode, served.size) == ("JPEG", "RGB", (2000, 2000))
        diff = ImageChops.difference(served.convert("RGB"), source.convert("RGB"))
        # JPEG noise (a mean error of a level or two), not a different or shifted image
        assert max(ImageStat.Stat(diff).mean) < 3
    assert path.stat().st_size < 1_000_000
    assert png.exists()


def test_converted_copy_is_rewritten_only_when_the_source_changes(tmp_path: Path) -> None:
    folder = feed(tmp_path)
    png = save_image(folder / "cover.png", (1500, 1500), format="PNG")
    show = Show(artwork=Path("cover.png"))
    path = ensure_artwork(show, folder)
    old_time = 1_000_000_000_000_000_000
    os.utime(path, ns=(old_time, old_time))
    ensure_artwork(show, folder)
    assert path.stat().st_mtime_ns == old_time

    Image.new("RGB", (1500, 1500), (10, 200, 10)).save(png)
    ensure_artwork(show, folder)
    with Image.open(path) as served:
        assert served.getpixel((750, 1400)) == pytest.approx((10, 200, 10), abs=6)


def test_opaque_rgba_png_is_accepted(tmp_path: Path) -> None:
    folder = feed(tmp_path)
    save_image(folder / "cover.png", (1400, 1400), mode="RGBA", format="PNG")
    with Image.open(ensure_artwork(Show(artwork=Path("cover.png")), folder)) as served:
        assert served.mode == "RGB"


def test_feed_artwork_jpg_itself_is_used_as_is(tmp_path: Path) -> None:
    folder = feed(tmp_path)
    own = save_image(folder / "artwork.jpg", (3000, 3000), format="JPEG", quality=95)
    before = own.read_bytes()
    assert ensure_artwork(Show(artwork=Path("artwork.jpg")), folder) == own
    assert own.read_bytes() == before


def transparent_png(path: Path) -> None:
    image = Image.new("RGBA", (1400, 1400), (255, 0, 0, 255))
    image.putpixel((5, 5), (255, 0, 0, 0))
    image.save(path, format="PNG")


BAD_ARTWORK = {
    "not square": (lambda p: save_image(p, (2000, 1800), format="PNG"), "square"),
    "too small": (lambda p: save_image(p, (1000, 1000), format="PNG"), "1400"),
    "too large": (lambda p: save_image(p, (3200, 3200), format="PNG"), "3000"),
    "missing": (lambda p: None, "not found"),
    "GIF": (lambda p: Image.new("P", (1400, 1400)).save(p, format="GIF"), "JPEG or PNG"),
    "CMYK": (lambda p: save_image(p, (1400, 1400), mode="CMYK", format="JPEG"), "RGB"),
    "transparent": (transparent_png, "transparent"),
    "not an image": (lambda p: p.write_text("hello"), "not a readable image"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARTWORK))
def test_bad_artwork_is_a_one_line_config_error(tmp_path: Path, case: str) -> None:
    folder = feed(tmp_path)
    make, expected = BAD_ARTWORK[case]
    source = folder / "bad-art.img"
    make(source)
    with pytest.raises(ConfigError) as caught:
        ensure_artwork(Show(artwork=Path("bad-art.img")), folder)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(folder / "show.toml"))
    assert "bad-art.img" in message
    assert expected in message
    assert not (folder / "artwork.jpg").exists()


# --- the MP3 cover --------------------------------------------------------------------------


def test_cover_jpeg_is_small_and_decodes(tmp_path: Path) -> None:
    # Noise is the worst case for JPEG size.
    noisy = tmp_path / "noise.png"
    Image.frombytes("RGB", (2000, 2000), os.urandom(2000 * 2000 * 3)).save(noisy)
    for artwork in (noisy, ensure_artwork(Show(title="Cover"), feed(tmp_path))):
        data = cover_jpeg(artwork)
        assert len(data) <= 300_000
        with Image.open(io.BytesIO(data)) as cover:
            cover.load()
            assert (cover.format, cover.mode, cover.size) == ("JPEG", "RGB", (600, 600))
    assert Image.open(io.BytesIO(cover_jpeg(noisy, size=300))).size == (300, 300)


def test_the_tags_cover_is_kept_and_a_damaged_copy_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 600-pixel cover is resampled once per artwork; a retag reads it back, and a
    kept copy damaged on disk is made again, never put in a tag."""
    import pipeline.release.artwork as artwork_module

    art = tmp_path / "art.png"
    Image.new("RGB", (1400, 1400), (200, 80, 40)).save(art)
    keep = tmp_path / "covers"
    fits: list[int] = []
    real_fit = artwork_module.ImageOps.fit
    monkeypatch.setattr(
        artwork_module.ImageOps, "fit", lambda *a, **k: fits.append(1) or real_fit(*a, **k)
    )
    first = cover_jpeg(art, keep=keep)
    assert cover_jpeg(art, keep=keep) == first and len(fits) == 1
    (kept,) = keep.iterdir()
    kept.write_bytes(kept.read_bytes()[:-10] + bytes(10))
    assert cover_jpeg(art, keep=keep) == first and len(fits) == 2
    with Image.open(io.BytesIO(first)) as cover:
        assert cover.size == (600, 600)
    Image.new("RGB", (1400, 1400), (20, 80, 240)).save(art)  # new artwork, new cover
    assert cover_jpeg(art, keep=keep) != first and len(fits) == 3


def test_a_large_jpeg_cover_is_decoded_at_a_smaller_scale_and_looks_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 3000-pixel title card is decoded at half scale (1500 px: still over twice the
    cover's 600) and resampled from there; the cover differs from one resampled from every
    pixel by about nothing an eye sees."""
    from PIL import ImageChops, ImageOps, ImageStat

    import pipeline.release.artwork as artwork_module

    card = ensure_artwork(Show(title="A cover drawn at three thousand pixels"), feed(tmp_path))
    sizes: list[tuple[int, int]] = []
    real_fit = artwork_module.ImageOps.fit
    monkeypatch.setattr(
        artwork_module.ImageOps,
        "fit",
        lambda image, *a, **k: sizes.append(image.size) or real_fit(image, *a, **k),
    )
    with Image.open(io.BytesIO(cover_jpeg(card))) as cover:
        drafted = cover.convert("RGB")
    assert sizes == [(1500, 1500)]
    with Image.open(card) as whole:
        assert whole.size == (3000, 3000)
        full = ImageOps.fit(whole.convert("RGB"), (600, 600), Image.Resampling.LANCZOS)
    difference = ImageStat.Stat(ImageChops.difference(drafted, full)).mean
    assert max(difference) < 2.0, difference  # of 255, per channel, JPEG's own loss included
