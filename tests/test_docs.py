"""README.md is the producer's manual: every command, option and make target is in it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from pipeline.cli import parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
MAKEFILE = (Path(__file__).resolve().parent.parent / "Makefile").read_text(encoding="utf-8")


def commands() -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_and_option_is_documented(name: str) -> None:
    assert f"essaycast {name}" in README
    for action in commands()[name]._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert option in README, f"{name} {option} is not in README.md"


def test_every_make_target_is_documented() -> None:
    phony = re.search(r"^\.PHONY:(.*)$", MAKEFILE, re.MULTILINE)
    assert phony
    for target in phony.group(1).split():
        if target not in ("all", "build", "test-deps"):
            assert f"make {target}" in README, target


def test_quickstart_is_the_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    commands_shown = re.findall(r"^make[^\n#]*", quickstart, re.MULTILINE)
    assert [c.strip() for c in commands_shown] == ["make", "make test"]
