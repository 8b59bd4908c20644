"""The manual (docs/) documents every command, option and make target; README.md is its
front door: short, with the two commands, and links that lead somewhere.

`make test` also builds the manual with `mkdocs build --strict`, which checks the links
between its pages; these tests hold it to the code, as sqlite-utils holds its docs to its CLI.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path

import pytest

from pipeline.cli import parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
# One text for the whole manual: a command may be explained on any of its pages.
MANUAL = "\n".join(page.read_text(encoding="utf-8") for page in sorted(DOCS.glob("*.md")))
README_MAX_LINES = 300


def commands() -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


def options(command: argparse.ArgumentParser) -> list[str]:
    return [
        option
        for action in command._actions
        for option in action.option_strings
        if option not in ("-h", "--help")
    ]


def test_the_manual_has_pages() -> None:
    assert (DOCS / "index.md").is_file()
    assert len(list(DOCS.glob("*.md"))) > 1


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_and_option_is_documented(name: str) -> None:
    assert f"essaycast {name}" in MANUAL, f"essaycast {name} is not in docs/"
    for option in options(commands()[name]):
        assert option in MANUAL, f"essaycast {name} {option} is not in docs/"


def test_every_top_level_option_is_documented() -> None:
    for option in options(parser()):
        assert option in MANUAL, f"essaycast {option} is not in docs/"


def phony_targets() -> list[str]:
    # Every .PHONY line: a target declared beside its recipe (.PHONY: corpus) counts too.
    lines = re.findall(r"^\.PHONY:(.*)$", MAKEFILE, re.MULTILINE)
    assert lines
    return [target for line in lines for target in line.split()]


@pytest.mark.parametrize(
    "target", [t for t in phony_targets() if t not in ("all", "build", "test-deps")]
)
def test_every_make_target_is_documented(target: str) -> None:
    assert f"make {target}" in MANUAL, f"make {target} is not in docs/"


def test_quickstart_is_the_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    commands_shown = re.findall(r"^make[^\n#]*", quickstart, re.MULTILINE)
    assert [c.strip() for c in commands_shown] == ["make", "make test"]


def test_readme_is_a_front_door_not_the_manual() -> None:
    lines = len(README.splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move the detail to docs/"


def heading_anchors(page: Path) -> set[str]:
    """The ids MkDocs gives a page's headings (Python-Markdown's toc slugify), markup dropped."""
    anchors = set()
    in_fence = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*$", line)
        if in_fence or not heading:
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1)).replace("`", "")
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        text = re.sub(r"[^\w\s-]", "", text).strip().lower()
        anchors.add(re.sub(r"[-\s]+", "-", text))
    return anchors


def readme_links_to_docs() -> list[str]:
    return re.findall(r"\]\((docs/[^)\s]*)\)", README)


def test_readme_links_to_the_manual() -> None:
    assert readme_links_to_docs(), "README.md links to no page of docs/"


@pytest.mark.parametrize("link", sorted(set(readme_links_to_docs())))
def test_readme_links_to_docs_lead_somewhere(link: str) -> None:
    path, _, anchor = link.partition("#")
    target = ROOT / path
    if target.is_dir():
        target = target / "index.md"
    assert target.is_file(), f"README.md links to {path}, which does not exist"
    if anchor:
        assert anchor in heading_anchors(target), f"README.md links to {link}: no such heading"
