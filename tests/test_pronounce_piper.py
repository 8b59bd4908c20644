"""Voice direction with the real voice: Piper receives the lexicon's phonemes, and exactly
the sentences with the word sound different; pace stretches the speech; `essaycast say` and
`essaycast words` work as a producer runs them."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from conftest import cli, make_project, run_build

from pipeline.build.task import Project
from pipeline.core.model import Timeline
from pipeline.speech.engines import VoiceChoice, load_engine
from pipeline.speech.espeak_dict import dictionary_file, dictionary_words

pytestmark = pytest.mark.slow

SCRIPT = """---
title: Names
date: 2026-12-01
summary: Names and jargon.
---
Thuy Nguyen wrote the first draft in Zürich. The second sentence has no name in it.

Later, Nguyen's editor met an old friend in Pittsburgh. Nothing needs fixing here.
"""
# Deliberately long, so that the change is plain in the audio's length.
LONG_NGUYEN = "nˈuːjɛnəvˌɪtʃənˌoʊ"


def durations(timeline: Timeline) -> dict[str, float]:
    return {
        sentence.text: sentence.end - sentence.start
        for block in timeline.blocks
        for sentence in block.sentences
    }


def names_project(tmp_path: Path) -> Project:
    return make_project(tmp_path, {"001-names.md": SCRIPT}, seed=False)


def test_a_lexicon_entry_changes_what_piper_receives_and_only_those_sentences(
    tmp_path: Path,
) -> None:
    project = names_project(tmp_path)
    before, _ = run_build(project, jobs=1)
    assert not before.failed
    old = durations(before.built[0].timeline)

    (project.feed / "lexicon.toml").write_text(f'"Nguyen" = {{ ipa = "{LONG_NGUYEN}" }}\n')
    after, log = run_build(project, jobs=1, explain=True)
    assert after.synthesized == 2
    new = durations(after.built[0].timeline)
    assert old.keys() == new.keys()
    changed = {text for text in old if abs(new[text] - old[text]) > 1e-9}
    assert changed == {
        "Thuy Nguyen wrote the first draft in Zürich.",
        "Later, Nguyen's editor met an old friend in Pittsburgh.",
    }
    for text in changed:
        assert new[text] > old[text] + 0.3, text  # the long name takes longer to say

    # What Piper receives: the lexicon's phonemes, every one with an id in the voice's map.
    engine = load_engine(VoiceChoice("piper", "en_US-joe-medium", "en"))
    assert f"Thuy [[{LONG_NGUYEN}]] wrote" in log.text
    phonemes = engine.phonemize(f"Thuy [[{LONG_NGUYEN}]] wrote the first draft.")
    assert phonemes is not None and LONG_NGUYEN in phonemes
    default = engine.phonemize("Thuy Nguyen wrote the first draft.")
    assert default is not None and LONG_NGUYEN not in default
    assert engine.phonemes is not None and set(LONG_NGUYEN) <= engine.phonemes


def test_pace_stretches_piper_speech() -> None:
    line = "The journey to emotional intimacy requires a willingness to be vulnerable."
    normal = load_engine(VoiceChoice("piper", "en_US-joe-medium", "en")).synthesize(line)
    slow = load_engine(VoiceChoice("piper", "en_US-joe-medium", "en", pace=1.5)).synthesize(line)
    assert 1.3 < slow.seconds / normal.seconds < 1.7


def test_say_prints_the_spoken_text_and_phonemes_and_writes_a_wav(tmp_path: Path) -> None:
    project = names_project(tmp_path)
    (project.feed / "lexicon.toml").write_text(
        '"Nguyen" = { ipa = "ŋwˈiən" }\n"SQL" = { say = "sequel" }\n', encoding="utf-8"
    )
    out = tmp_path / "line.wav"
    done = cli(project.root, "say", "Nguyen's SQL costs $3.", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "spoken:   [[ŋwˈiənz]] sequel costs three dollars." in done.stdout
    assert "phonemes: ŋwˈiənz sˈiːkwəl" in done.stdout
    assert "lexicon.toml: 'Nguyen'" in done.stdout
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 22050 and wav.getnchannels() == 1
        assert 1.0 < wav.getnframes() / 22050 < 5.0
    # --script: that script's pronounce: wins over the show's lexicon.
    script = project.scripts / "002-x.md"
    script.write_text(
        SCRIPT.replace("---\nThuy", 'pronounce:\n  Nguyen: {say: "win"}\n---\nThuy'),
        encoding="utf-8",
    )
    done = cli(project.root, "say", "Nguyen wrote.", "--script", str(script), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "spoken:   win wrote." in done.stdout


def test_words_lists_what_the_voice_says_by_rule(tmp_path: Path) -> None:
    project = names_project(tmp_path)
    (project.feed / "lexicon.toml").write_text('"Pittsburgh" = { say = "pits burg" }\n')
    done = cli(project.root, "words", str(project.scripts / "001-names.md"))
    assert done.returncode == 0, done.stderr
    listed = {line.split("\t")[0]: line.split("\t")[2] for line in done.stdout.splitlines()[:-1]}
    assert listed == {"Zürich": "foreign letters"}  # Nguyen is in espeak-ng's dictionary
    assert "1 word(s) said by rule" in done.stdout


def test_the_espeak_dictionary_is_read_whole() -> None:
    words = dictionary_words(dictionary_file("en-us"))
    assert len(words) > 5000  # espeak-ng's English exceptions list
    # irregular spellings it must know, and regular words it leaves to its rules
    assert {"colonel", "yosemite", "nguyen", "nasa", "the"} <= words
    assert not {"walls", "invisible", "pittsburgh"} & words
