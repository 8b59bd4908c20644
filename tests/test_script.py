"""read_script, find_scripts and slug/number claims: decoding, front matter, file names.

The robustness corpus in tests/data/bad/ holds one small file per broken case; every error
must be a ScriptError whose str() is one line naming the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.core.errors import ScriptError
from pipeline.core.model import Show
from pipeline.reading.ingest import read_script
from pipeline.reading.script import find_scripts
from pipeline.release.published import claim

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"
SEED = Path("/work/shared/seed/invisible-walls.txt")
FRONT = "---\ntitle: A Title\ndate: 2026-01-01\nsummary: One line.\n---\n"


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def script_error(path: Path) -> str:
    with pytest.raises(ScriptError) as caught:
        read_script(path, Show())
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


# --- the shipped episode script -------------------------------------------------------------


def test_episode_one_body_is_the_seed_byte_for_byte() -> None:
    data = (ROOT / "scripts" / "001-invisible-walls.txt").read_bytes()
    assert data.startswith(b"---\n")
    closing = data.index(b"\n---\n", 4) + len(b"\n---\n")
    assert data[closing:] == SEED.read_bytes()


def test_episode_one_front_matter() -> None:
    script = read_script(ROOT / "scripts" / "001-invisible-walls.txt", Show())
    meta = script.meta
    assert meta.title == "The Invisible Walls: Societal Pressure on Men’s Emotional Intimacy"
    assert (meta.slug, meta.number, meta.date) == ("001-invisible-walls", 1, dt.date(2026, 11, 25))
    assert meta.summary.startswith("How do societal expectations")
    assert script.body == SEED.read_text(encoding="utf-8")
    assert script.body_first_line == 7
    assert not script.is_markdown and script.warnings == ()


# --- decoding --------------------------------------------------------------------------------


def test_cp1252_fallback_decodes_cafe_and_curly_quotes_with_a_warning() -> None:
    script = read_script(BAD / "005-cp1252.txt", Show())
    assert "The café sign said “Open” — it wasn’t." in script.body
    assert "€3" in script.body
    offset = (BAD / "005-cp1252.txt").read_bytes().index(b"\xe9")
    assert script.warnings == (f"not UTF-8 at byte {offset}; decoded as CP-1252",)


def test_cp1252_undefined_bytes_fall_back_to_latin1(tmp_path: Path) -> None:
    script = read_script(write(tmp_path, "001-x.txt", FRONT.encode() + b"a\x81b \xe9\n"), Show())
    assert script.body == "a\x81b é\n"


def test_utf8_bom_is_stripped() -> None:
    script = read_script(BAD / "006-bom.txt", Show())
    assert script.meta.title == "A Test Essay"
    assert script.body == "A body after a byte order mark.\n"
    assert "\ufeff" not in script.body


def test_crlf_becomes_newline() -> None:
    script = read_script(BAD / "007-crlf.txt", Show())
    assert script.body == "First paragraph, with Windows line ends.\n\nSecond paragraph.\n"


def test_lone_cr_becomes_newline(tmp_path: Path) -> None:
    path = write(tmp_path, "001-mac.txt", FRONT.replace("\n", "\r") + "One.\r\rTwo.\r")
    assert read_script(path, Show()).body == "One.\n\nTwo.\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("001-empty.txt", "empty"),
        ("002-whitespace.txt", "only whitespace"),
        ("004-binary.txt", "binary data"),
    ],
)
def test_files_that_are_not_scripts(name: str, expected: str) -> None:
    assert expected in script_error(BAD / name)


def test_mostly_control_bytes_are_binary(tmp_path: Path) -> None:
    path = write(tmp_path, "001-x.txt", FRONT.encode() + bytes(range(1, 32)) * 20)
    assert "binary data" in script_error(path)


# --- front matter ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "008-unterminated.txt",
            "front matter line 1: '---' opens front matter that is never closed",
        ),
        ("009-invalid-yaml.txt", "front matter line 4: invalid YAML"),
        ("010-bad-date.txt", "front matter line 4: 'date' must be a date such as 2024-05-06"),
    ],
)
def test_front_matter_errors_name_file_and_line(name: str, expected: str) -> None:
    assert expected in script_error(BAD / name)


def test_an_unknown_key_is_a_note_with_did_you_mean_not_an_error() -> None:
    script = read_script(BAD / "011-unknown-key.txt", Show())
    assert script.notes == (
        "front matter keys not used by essaycast, kept in the file: "
        "sumary (did you mean 'summary'?)",
    )
    assert script.meta.summary == "Body."  # the misspelt key filled nothing


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("- a\n- b\n", "front matter line 2: must be 'key: value' lines, not a list"),
        ("just text\n", "not a str"),
        ("title: T\ntitle: U\n", "front matter line 3: 'title' is given twice"),
        ("title: 1984\n", "front matter line 2: 'title' must be non-empty text"),
        ("title: T\ndate: 2026-02-30\nsummary: s\n", "2026-02-30 is not a real date"),
        ("title: T\ndate: 01/02/2026\nsummary: s\n", "'date' must be a date such as"),
        ("title: T\ndate: 2026-01-01\nsummary: s\nnumber: 0\n", "'number' must be a whole number"),
        ("title: T\ndate: 2026-01-01\nsummary: s\nnumber: true\n", "'number' must be a whole"),
        ("title: T\ndate: 2026-01-01\nsummary: s\nexplicit: maybe\n", "'explicit' must be true"),
        ("title: T\ndate: 2026-01-01\nsummary: s\nepisode_type: pilot\n", "full, trailer, bonus"),
        ("title: T\ndate: 2026-01-01\nsummary: s\nlanguage: english please\n", "language code"),
        ("title: T\ndate: 2026-01-01\nsummary: s\nkeep: one line\n", "'keep' must be a list"),
        ("title: T: colon\n", "quoting values that contain ': '"),
    ],
)
def test_bad_front_matter(tmp_path: Path, front: str, expected: str) -> None:
    assert expected in script_error(write(tmp_path, "001-x.txt", f"---\n{front}---\nBody.\n"))


def test_without_front_matter_the_fields_are_inferred(tmp_path: Path) -> None:
    script = read_script(write(tmp_path, "001-x.txt", "Just an essay. It goes on.\n"), Show())
    meta = script.meta
    assert (meta.title, meta.summary, meta.date) == (
        "X",
        "Just an essay. It goes on.",
        dt.date.today(),
    )
    assert [line.split(":")[0] for line in script.inferred] == ["title", "date", "summary"]
    assert not (tmp_path / ".essaycast.toml").exists()  # read without records: nothing written


def test_front_matter_may_give_some_fields_and_leave_the_rest(tmp_path: Path) -> None:
    text = "---\ntitle: Mine\n---\nBy Ana Ruiz\n\nFirst words here. Second ones.\n"
    script = read_script(write(tmp_path, "002-x.md", text), Show())
    assert (script.meta.title, script.meta.author) == ("Mine", "Ana Ruiz")
    assert script.meta.summary == "First words here. Second ones."


def test_body_missing_after_front_matter(tmp_path: Path) -> None:
    assert "line 6: no essay text" in script_error(write(tmp_path, "001-x.txt", FRONT + "\n \n"))


def test_all_fields(tmp_path: Path) -> None:
    front = (
        "---\ntitle: '  Spaced   Title '\ndate: '2026-03-04'\nsummary: S.\nnumber: 7\n"
        "explicit: true\nepisode_type: bonus\nlanguage: en-GB\nengine: gtts\nvoice: v\n"
        "keep:\n  - Keep   me\ndrop: [Drop me]\nguid: urn:x\n---\nBody.\n"
    )
    script = read_script(write(tmp_path, "003-all-fields.md", front), Show(explicit=False))
    meta = script.meta
    assert meta.title == "Spaced Title" and meta.date == dt.date(2026, 3, 4)
    assert (meta.number, meta.explicit, meta.episode_type) == (7, True, "bonus")
    assert (meta.language, meta.engine, meta.voice, meta.guid) == ("en-GB", "gtts", "v", "urn:x")
    assert (meta.keep_lines, meta.drop_lines) == (("Keep me",), ("Drop me",))
    assert script.is_markdown and script.body_first_line == 16


def test_defaults_come_from_file_name_and_show(tmp_path: Path) -> None:
    meta = read_script(write(tmp_path, "042-x.txt", FRONT + "B.\n"), Show(language="de")).meta
    assert (meta.number, meta.language, meta.explicit, meta.engine) == (42, "de", False, None)


@pytest.mark.parametrize(
    ("name", "slug", "number"),
    [
        ("1-Bad_Name.txt", "1-bad-name", 1),
        ("001-spaced name.txt", "001-spaced-name", 1),
        ("001-ünïcode.txt", "001-unicode", 1),
        ("001-.txt", "001-title", 1),
        ("007-x-.MD", "007-x", 7),
    ],
)
def test_numbered_names_that_are_not_slugs_still_build(
    tmp_path: Path, name: str, slug: str, number: int
) -> None:
    meta = read_script(write(tmp_path, name, FRONT + "Body.\n"), Show()).meta
    assert (meta.slug, meta.number) == (slug, number)


def test_a_name_without_a_number_gets_the_next_free_one_and_a_slug_from_the_title(
    tmp_path: Path,
) -> None:
    write(tmp_path, "004-other.md", FRONT + "Body.\n")
    meta = read_script(write(tmp_path, "My Saved Page (1).txt", FRONT + "Body.\n"), Show()).meta
    assert (meta.slug, meta.number) == ("005-a-title", 5)


def test_missing_file_is_a_script_error(tmp_path: Path) -> None:
    assert "cannot read the file" in script_error(tmp_path / "001-gone.txt")


# --- finding and checking many scripts -------------------------------------------------------


def test_find_scripts_sorted_and_filtered(tmp_path: Path) -> None:
    names = ("002-b.md", "001-a.txt", "Notes.TXT", "003-c.docx", "010-Bad.txt", "Page.htm")
    for name in (*names, ".essaycast.toml", ".hidden.md", "x.html.part"):
        write(tmp_path, name, "x")
    (tmp_path / "004-dir.txt").mkdir()
    assert [p.name for p in find_scripts(tmp_path)] == [
        "001-a.txt",
        "002-b.md",
        "010-Bad.txt",
        "Notes.TXT",
        "Page.htm",
    ]


def _claim_all(names: tuple[str, ...]) -> None:
    seen: dict[str, Path] = {}
    for name in names:
        script = read_script(BAD / name, Show())
        claim(script.meta, script.meta.source, seen)


def test_duplicate_slug() -> None:
    with pytest.raises(ScriptError, match=r"012-duplicate.txt: slug '012-duplicate' is already"):
        _claim_all(("012-duplicate.md", "012-duplicate.txt"))


def test_duplicate_episode_number() -> None:
    with pytest.raises(ScriptError) as caught:
        _claim_all(("013-number-a.txt", "014-number-b.txt"))
    assert str(caught.value) == (
        f"{BAD / '014-number-b.txt'}: episode number 14 is already used by "
        f"{BAD / '013-number-a.txt'}"
    )


def test_unique_scripts_pass() -> None:
    _claim_all(("006-bom.txt", "007-crlf.txt"))
