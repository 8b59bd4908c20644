"""Voice direction in a whole build (fake voice): a lexicon edit re-synthesizes exactly the
sentences with that word, pace re-synthesizes everything, pauses nothing, and every bad
setting is one line that names its file."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli, make_project, run_build

from pipeline.build.task import Project
from pipeline.core.model import Timeline

NAMES = """---
title: Names
date: 2026-12-01
summary: Names and jargon.
{extra}---
Thuy Nguyen wrote the first draft. The second sentence has no name in it. A third one is plain.

Nguyen's editor preferred SQL. Nothing needs fixing here either.
"""


BAD_PHONEME_PLS = (Path(__file__).parent / "data" / "pls" / "bad-unknown-phoneme.pls").read_text(
    encoding="utf-8"
)


def names_project(tmp_path: Path, extra: str = "") -> Project:
    return make_project(tmp_path, {"001-names.md": NAMES.format(extra=extra)}, seed=False)


def set_show(project: Project, old: str, new: str) -> None:
    text = project.show_toml.read_text(encoding="utf-8")
    assert old in text
    project.show_toml.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_editing_one_entry_resynthesizes_only_the_sentences_with_that_word(
    tmp_path: Path,
) -> None:
    project = names_project(tmp_path)
    lexicon = project.feed / "lexicon.toml"
    lexicon.write_text('"Nguyen" = { ipa = "ŋwˈiən" }\n', encoding="utf-8")
    first, _ = run_build(project, engine="fake", jobs=1)
    assert not first.failed and first.synthesized >= 7

    lexicon.write_text('"Nguyen" = { ipa = "wˈɪn" }\n', encoding="utf-8")
    edited, log = run_build(project, engine="fake", jobs=1, explain=True)
    assert edited.synthesized == 2  # "Thuy Nguyen wrote..." and "Nguyen's editor..."
    assert "synthesize (new or edited text): Thuy [[wˈɪn]] wrote" in log.text
    assert "[[wˈɪnz]] editor preferred SQL." in log.text

    lexicon.write_text('"Nguyen" = { ipa = "wˈɪn" }\n"SQL" = { say = "sequel" }\n')
    added, _ = run_build(project, engine="fake", jobs=1)
    assert added.synthesized == 1

    again, _ = run_build(project, engine="fake", jobs=1)
    assert again.synthesized == 0
    # Transcripts keep the author's spelling.
    transcript = (project.episodes / "001-names" / "001-names.txt").read_text(encoding="utf-8")
    assert "Nguyen's editor preferred SQL." in transcript
    assert "[[" not in transcript and "sequel" not in transcript


def test_front_matter_pronounce_overrides_the_show(tmp_path: Path) -> None:
    extra = 'pronounce:\n  Nguyen: {say: "win"}\n  SQL: sequel\n'
    project = names_project(tmp_path, extra)
    (project.feed / "lexicon.toml").write_text('"Nguyen" = { ipa = "ŋwˈiən" }\n')
    _, log = run_build(project, engine="fake", jobs=1, explain=True)
    assert "Thuy win wrote the first draft." in log.text
    assert "win's editor preferred sequel." in log.text


def speech(timeline: Timeline) -> float:
    """Seconds of speech in a timeline: its utterances, without the pauses between them."""
    return sum(u.end - u.start for b in timeline.blocks for s in b.sentences for u in s.utterances)


def test_pace_resynthesizes_everything_and_pauses_nothing(tmp_path: Path) -> None:
    project = names_project(tmp_path)
    first, _ = run_build(project, engine="fake", jobs=1)
    duration = first.built[0].timeline.duration

    set_show(project, 'voice = "en_US-joe-medium"', 'voice = "en_US-joe-medium"\npace = 1.25')
    slower, _ = run_build(project, engine="fake", jobs=1)
    assert slower.synthesized == first.synthesized
    # Every utterance 25% longer, the pauses as they were.
    assert speech(slower.built[0].timeline) == pytest.approx(
        1.25 * speech(first.built[0].timeline), rel=0.01
    )
    paced = slower.built[0].timeline.duration
    assert paced - duration == pytest.approx(
        speech(slower.built[0].timeline) - speech(first.built[0].timeline), abs=0.01
    )

    (project.show_toml).write_text(
        project.show_toml.read_text() + "\n[pauses]\nsentence = 1.5\nparagraph = 2.5\n"
    )
    paused, log = run_build(project, engine="fake", jobs=1)
    assert paused.synthesized == 0
    assert "audio up to date" not in log.text  # the MP3 was laid out again
    # 5 sentence gaps (3 in the body, 1 each in the intro and the outro) of +1.05 s, and one
    # paragraph gap of +1.6 s
    assert paused.built[0].timeline.duration == pytest.approx(paced + 5 * 1.05 + 1.6, abs=0.01)


def test_front_matter_pace_wins_over_the_show(tmp_path: Path) -> None:
    project = names_project(tmp_path, "pace: 0.8\n")
    first, _ = run_build(project, engine="fake", jobs=1)
    assert first.synthesized > 0
    set_show(project, 'voice = "en_US-joe-medium"', 'voice = "en_US-joe-medium"\npace = 1.5')
    again, _ = run_build(project, engine="fake", jobs=1)
    assert again.synthesized == 0  # the script's 0.8 still holds


@pytest.mark.parametrize(
    ("where", "text", "expected"),
    [
        ("show", "pace = 2.5", "feed/show.toml: [voice] 'pace' must be a number from 0.5 to 2.0"),
        ("show", 'pace = "slow"', "feed/show.toml: 'pace' must be float"),
        ("pauses", "chapter = -1", "feed/show.toml: [pauses] 'chapter' must be from 0.0 to 5.0"),
        ("script", "pace: 0.1\n", "001-names.md: front matter line 5: 'pace' must be a number"),
        ("script", "pronounce: [a]\n", "001-names.md: front matter line 5: 'pronounce' must be"),
        ("script", "pronounce:\n  X: {ipa: ʤ}\n", "front matter 'pronounce': 'X': phoneme 'ʤ'"),
        ("toml", '"X" = { ipa = "ʤ" }', "feed/lexicon.toml: 'X': phoneme 'ʤ' (U+02A4)"),
        ("pls", "<lexicon", "feed/lexicon.pls: not well-formed XML"),
        ("pls", BAD_PHONEME_PLS, "feed/lexicon.pls: lexeme 1 ('judge'): phoneme 'ʤ' (U+02A4)"),
    ],
)
def test_bad_direction_is_one_line_and_writes_nothing(
    tmp_path: Path, where: str, text: str, expected: str
) -> None:
    project = names_project(tmp_path, text if where == "script" else "")
    if where == "show":
        set_show(project, 'voice = "en_US-joe-medium"', f'voice = "en_US-joe-medium"\n{text}')
    elif where == "pauses":
        project.show_toml.write_text(project.show_toml.read_text() + f"\n[pauses]\n{text}\n")
    elif where in ("toml", "pls"):
        (project.feed / f"lexicon.{where}").write_text(text, encoding="utf-8")
    done = cli(project.root, "build", "--engine", "fake", "--jobs", "1")
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and expected in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (project.episodes / "001-names").exists()


def test_pace_is_in_the_engines_identity_only_when_it_changes_the_sound() -> None:
    from pipeline.speech.engines import VoiceChoice, load_engine
    from pipeline.speech.engines.gtts import GttsEngine

    fake = load_engine(VoiceChoice("fake", "", "en"))
    assert fake.identity() == {"engine": "fake", "version": 1}  # the keys it always had
    assert load_engine(VoiceChoice("fake", "", "en", pace=1.2)).identity()["pace"] == 1.2
    assert GttsEngine("en").identity()["slow"] is False
    assert GttsEngine("en", slow=True).identity()["slow"] is True


def test_a_text_only_voice_says_aliases_and_reports_ipa_only_entries_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.speech.engines.fake import FakeEngine

    monkeypatch.setattr(FakeEngine, "phonemes", None)  # as gTTS: text only
    project = names_project(tmp_path)
    (project.feed / "lexicon.toml").write_text(
        '"Nguyen" = { ipa = "ŋwˈiən" }\n"SQL" = { say = "sequel" }\n', encoding="utf-8"
    )
    result, log = run_build(project, engine="fake", jobs=1, explain=True)
    assert not result.failed
    assert "Nguyen's editor preferred sequel." in log.text and "[[" not in log.text
    warnings = [line for line in log.lines if "has only phonemes" in line]
    assert len(warnings) == 1 and "lexicon.toml: 'Nguyen'" in warnings[0], warnings
