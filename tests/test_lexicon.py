"""Pronunciation lexicons: PLS and TOML files read as the spec and the README say, words
matched whole, and every mistake reported in one line that names the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.errors import ConfigError
from pipeline.core.model import Entry, Lexicon
from pipeline.settings.lexicon import normalize_ipa, read_toml
from pipeline.settings.pls import read_pls
from pipeline.speech.pronouncer import Pronouncer, check_phonemes, show_lexicon

PLS = Path(__file__).parent / "data" / "pls"

# spec example -> [(spellings, the IPA a voice gets, the alias a text-only voice gets)]
SPEC_EXAMPLES = {
    "spec-4.1-lexicon.pls": [(("tomato",), "təmei̥ɾou̥", None)],
    "spec-4.3-metadata.pls": [(("Nguyen",), "ŋwˈiən", None)],
    # two lexemes for "read" (told apart by role): both are read, the first one is said
    "spec-4.4-lexeme-role.pls": [(("read",), "riːd", None), (("read",), "red", None)],
    "spec-4.5-graphemes.pls": [(("judgment", "judgement"), "ˈdʒʌdʒ.mənt", None)],
    # prefer="true" wins over document order
    "spec-4.6-phoneme-prefer.pls": [
        (("Newton",), "ˈnjuːʔn̩", None),
        (("huge",), "hjuːdʒ", None),
    ],
    # a preferred alias is said by every voice, phonemes or not
    "spec-4.7-alias.pls": [
        (("W3C",), None, "World Wide Web Consortium"),
        (("Sepulveda",), None, "sa pul vay da"),
    ],
    "spec-4.8-example.pls": [(("lead",), "led", None)],
}


@pytest.mark.parametrize("name", sorted(SPEC_EXAMPLES))
def test_the_spec_examples_parse(name: str) -> None:
    lexicon = read_pls(PLS / name)
    got = [(e.graphemes, e.ipa, e.alias) for e in lexicon.entries]
    expected = [(g, normalize_ipa(i) if i else None, a) for g, i, a in SPEC_EXAMPLES[name]]
    assert got == expected
    assert all(str(PLS / name) in e.where for e in lexicon.entries)


def test_every_spec_example_file_is_covered() -> None:
    assert {p.name for p in PLS.glob("spec-*.pls")} == set(SPEC_EXAMPLES)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad-not-well-formed.pls", "not well-formed XML"),
        ("bad-unknown-alphabet.pls", "lexeme 2 ('tomato'): unknown alphabet 'x-sampa'"),
        ("bad-entity.pls", "DOCTYPE is not allowed"),
    ],
)
def test_bad_pls_is_one_line_naming_the_file_and_the_lexeme(name: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_pls(PLS / name)
    message = str(caught.value)
    assert message.startswith(f"{PLS / name}: ")
    assert expected in message
    assert "\n" not in message


def test_a_phoneme_the_voice_has_no_id_for_names_file_entry_and_character() -> None:
    from pipeline.speech.engines.piper import PiperEngine

    voice = PiperEngine("en_US-joe-medium")
    assert voice.phonemes is not None and "ʒ" in voice.phonemes and "ʤ" not in voice.phonemes
    lexicon = read_pls(PLS / "bad-unknown-phoneme.pls")
    with pytest.raises(ConfigError) as caught:
        check_phonemes(lexicon.entries, voice.phonemes, "en_US-joe-medium")
    message = str(caught.value)
    assert f"{PLS / 'bad-unknown-phoneme.pls'}: lexeme 1 ('judge'): phoneme 'ʤ'" in message
    assert "dʒ" in message and "\n" not in message
    # ...and every spec example written in IPA that Piper's voice can say passes
    check_phonemes(read_pls(PLS / "spec-4.6-phoneme-prefer.pls").entries, voice.phonemes, "v")


def test_toml_lexicon(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.toml"
    path.write_text(
        '"Nguyen" = { ipa = "ŋwˈiən" }\n'
        '"SQL" = { say = "sequel" }\n'
        '"gif" = { ipa = "ɡˈɪf", say = "giff", ignore_case = true }\n',
        encoding="utf-8",
    )
    entries = read_toml(path).entries
    assert [(e.graphemes, e.ipa, e.alias, e.ignore_case) for e in entries] == [
        (("Nguyen",), "ŋwˈiən", None, False),
        (("SQL",), None, "sequel", False),
        (("gif",), "ɡˈɪf", "giff", True),
    ]
    assert entries[0].where == f"{path}: 'Nguyen'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"SQL" = "sequel"\n"X" = { sound = "x" }', "'X': unknown key 'sound'"),
        ('"X" = {}', "'X' needs ipa"),
        ('"X" = { say = "" }', "'X': 'say' must be non-empty text"),
        ('"X" = { say = "x", ignore_case = "yes" }', "'ignore_case' must be true or false"),
        ('"X" = 3', "'X' must be"),
        ("X = = 3", "not valid TOML"),
    ],
)
def test_bad_toml_lexicon_is_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "lexicon.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_toml(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_toml_overrides_pls_for_the_same_word(tmp_path: Path) -> None:
    (tmp_path / "lexicon.pls").write_bytes((PLS / "spec-4.7-alias.pls").read_bytes())
    (tmp_path / "lexicon.toml").write_text('"W3C" = { say = "the consortium" }\n')
    lexicon = show_lexicon(tmp_path)
    assert Pronouncer(lexicon, False).apply("W3C and Sepulveda.") == (
        "the consortium and sa pul vay da."
    )
    assert show_lexicon(tmp_path / "nowhere") == Lexicon()


NGUYEN = Entry(("Nguyen",), ipa="ŋwˈiən", where="l: 'Nguyen'")
SQL = Entry(("SQL",), alias="sequel", where="l: 'SQL'")
GIF = Entry(("gif",), ipa="ɡˈɪf", alias="giff", ignore_case=True, where="l: 'gif'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyen wrote it.", "[[ŋwˈiən]] wrote it."),
        ("Nguyen's book, Nguyen’s pen.", "[[ŋwˈiənz]] book, [[ŋwˈiənz]] pen."),
        ("By Nguyen.", "By [[ŋwˈiən]]."),
        ("NGUYEN, nguyen, Nguyenesque, McNguyen", "NGUYEN, nguyen, Nguyenesque, McNguyen"),
        ("A GIF, a gif, a Gif.", "A [[ɡˈɪf]], a [[ɡˈɪf]], a [[ɡˈɪf]]."),
        ("SQL-based, (SQL), SQLite, MySQL.", "sequel-based, (sequel), SQLite, MySQL."),
        ("SQL's rules", "sequel's rules"),
    ],
)
def test_whole_words_case_and_possessives(text: str, expected: str) -> None:
    lexicon = Lexicon((NGUYEN, SQL, GIF))
    assert Pronouncer(lexicon, takes_phonemes=True).apply(text) == expected


def test_a_text_only_voice_gets_aliases_and_ipa_only_entries_are_reported_once() -> None:
    pronouncer = Pronouncer(Lexicon((NGUYEN, SQL, GIF)), takes_phonemes=False)
    spoken = [pronouncer.apply(t) for t in ("Nguyen and SQL.", "Nguyen's gif.", "Nguyen.")]
    assert spoken == ["Nguyen and sequel.", "Nguyen's giff.", "Nguyen."]
    assert pronouncer.not_applicable == [NGUYEN]
    assert pronouncer.used == [SQL, GIF]


def test_the_episode_overrides_the_show() -> None:
    show = Lexicon((NGUYEN, SQL))
    episode = Lexicon((Entry(("nguyen",), alias="win", ignore_case=True),))
    merged = show.overridden_by(episode)
    assert Pronouncer(merged, True).apply("Nguyen and SQL") == "win and sequel"
