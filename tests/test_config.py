"""feed/show.toml: defaults, tables, typos and wrong types caught with the file named."""

from pathlib import Path

import pytest

from pipeline.core.errors import ConfigError
from pipeline.core.model import Show
from pipeline.release.feed import show_guid
from pipeline.release.podcastindex import channel_guid
from pipeline.settings.config import load_show

REPO = Path(__file__).resolve().parent.parent


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_show(tmp_path / "show.toml") == Show()


def test_repo_show_toml_loads() -> None:
    show = load_show(REPO / "feed" / "show.toml")
    assert show.engine == "piper" and show.voice == "en_US-joe-medium"
    assert show.loudness_lufs == -16.0 and show.bitrate_kbps == 96


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[show]\ntitel = 'x'\n", "[show] has no setting 'titel'"),
        ("colour = 'red'\n", "unknown setting 'colour'"),
        ("[audio]\nbitrate_kbps = 97\n", "'bitrate_kbps' must be one of"),
        ("[audio]\nloudness_lufs = 'loud'\n", "'loudness_lufs' must be float"),
        ("[show]\nexplicit = 'no'\n", "'explicit' must be bool"),
        ("[show]\ntype = 'weekly'\n", "'show_type' must be 'episodic' or 'serial'"),
        ("[publish]\nbase_url = 'ftp://x'\n", "'base_url' must be an http:// or https:// URL"),
        ("[audio]\nintro_music = 'missing.mp3'\n", "'intro_music' file not found"),
        ("[show\n", "not valid TOML"),
        ("[audio]\nintro = 'Welcome to {podcast}'\n", "'intro' can only fill in {show}"),
        ("[audio]\noutro = 'Bye {'\n", "'outro' can only fill in"),
    ],
)
def test_mistakes_are_one_line_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "show.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_show(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_podcast_guid_can_be_pinned_so_moving_the_feed_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text("[show]\nguid = '917393e3-1b1e-5cef-ace4-edaa54e1f810'\n")
    pinned = load_show(path)
    assert show_guid(pinned, "https://a.example") == show_guid(pinned, "https://b.example")
    assert show_guid(pinned, "https://a.example") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    derived = Show()
    assert show_guid(derived, "https://a.example") == channel_guid(
        "https://a.example/feed/feed.xml"
    )
